//! The program a simple command runs: assignments (`A=1`) and wrappers (`sudo -u x`, `env`,
//! `time`, `nohup`, `exec`, `command`, `nice`) are looked through.

use crate::lex::SimpleCommand;

/// The program a simple command runs, after assignments and wrappers like `sudo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Basename of the program (`/opt/conda/bin/conda` → `conda`).
    pub program: String,
    /// Index of the program word in the command.
    pub index: usize,
    /// Index of a `sudo` word that wraps it.
    pub sudo: Option<usize>,
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().enumerate().all(|(i, c)| {
                    c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
                })
        }
        None => false,
    }
}

/// Find the program of a simple command.
pub fn invocation(command: &SimpleCommand) -> Option<Invocation> {
    let words = &command.words;
    let mut i = 0;
    let mut sudo = None;
    while i < words.len() {
        let value = words[i].value.as_str();
        if is_assignment(value) {
            i += 1;
            continue;
        }
        let base = value.rsplit('/').next().unwrap_or(value);
        match base {
            "sudo" | "env" | "time" | "nohup" | "exec" | "command" | "nice" => {
                if base == "sudo" {
                    sudo = Some(i);
                }
                i += 1;
                // Options of the wrapper (and the argument of `sudo -u USER` style options).
                while let Some(w) = words.get(i) {
                    let v = w.value.as_str();
                    if v.starts_with('-') {
                        let takes_arg = base == "sudo"
                            && matches!(
                                v,
                                "-u" | "-g" | "-U" | "-C" | "-h" | "-p" | "-r" | "-t" | "-D"
                            );
                        i += if takes_arg { 2 } else { 1 };
                    } else if base == "env" && is_assignment(v) {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            _ => {
                return Some(Invocation {
                    program: base.to_string(),
                    index: i,
                    sudo,
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::commands;

    #[test]
    fn program_skips_assignments_and_sudo() {
        let cmds =
            commands("DEBIAN_FRONTEND=noninteractive sudo -E -u root /usr/bin/apt-get install x");
        let inv = invocation(&cmds[0]).unwrap();
        assert_eq!(inv.program, "apt-get");
        assert_eq!(inv.index, 5);
        assert_eq!(inv.sudo, Some(1));
    }
}
