use crate::framework::context::FileCx;
use crate::framework::diagnostic::Fix;

use crate::syntax::dockerfile::Dockerfile;
use crate::syntax::dockerfile::script::{Script, run_scripts};
use buildmedic_shell::{self as shell, Manager, SimpleCommand};

crate::declare_check! {
    /// ## What it does
    /// Finds version constraints with an unquoted `<` or `>` in `RUN` commands that install
    /// packages (`conda`, `mamba`, `micromamba` with `install`/`create`/`update`, `pip`/`pip3`/
    /// `python -m pip install`), such as `pip<=20.1.1` or `numpy>1.2`.
    ///
    /// ## Why it matters
    /// The shell reads `<` and `>` as redirections. `conda install pip<=20.1.1` fails with
    /// `cannot open =20.1.1: No such file`; `pip install numpy>1.2` is worse: it succeeds,
    /// installs an unconstrained `numpy` and writes its output to a file named `1.2`. Azure ML
    /// reports the first as "Conda bare redirection".
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN conda install -y pip<=20.1.1 && pip install numpy>=1.26
    /// ```
    ///
    /// ## Fix
    /// Quote the spec: `conda install -y "pip<=20.1.1"`, `pip install "numpy>=1.26"`.
    /// `--fix` adds the quotes.
    id: "conda-bare-redirection", severity: Error, fixable: true, catalog: "B20"
}

/// Index of the first argument word after the install-like subcommand, if this command installs.
/// Index of the first argument word of a pip or conda install, when `cmd` is one.
fn install_args_start(cmd: &SimpleCommand) -> Option<usize> {
    let install = shell::install(cmd)?;
    matches!(install.manager, Manager::Pip | Manager::Conda).then_some(install.subcommand_index + 1)
}

fn constraint_angle(raw: &str, word_start: usize, angles: &[usize]) -> Option<usize> {
    angles.iter().map(|a| a - word_start).find(|&rel| {
        let Some(name) = raw.get(..rel) else {
            return false;
        };
        let Some(after) = raw.get(rel + 1..) else {
            return false;
        };
        let name_ok = !name.is_empty()
            && name.chars().any(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && name.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']' | ',' | '=')
            });
        let version = after.strip_prefix('=').unwrap_or(after);
        name_ok && version.starts_with(|c: char| c.is_ascii_digit() || c == '*')
    })
}

fn check_script(script: &Script<'_>, cx: &mut FileCx<'_>) {
    for cmd in shell::commands(script.text) {
        let Some(start) = install_args_start(&cmd) else {
            continue;
        };
        for word in &cmd.words[start..] {
            let raw = &script.text[word.range.clone()];
            let Some(rel) = constraint_angle(raw, word.range.start, &word.unquoted_angles) else {
                continue;
            };
            let angle = raw[rel..].chars().next().unwrap_or('>');
            let consequence = if angle == '<' {
                format!(
                    "the shell reads `{}` as a file to read from, and the step fails",
                    &raw[rel..]
                )
            } else {
                format!(
                    "the shell redirects output to a file named `{}` and installs `{}` without the constraint",
                    raw[rel + 1..].trim_start_matches('='),
                    &raw[..rel]
                )
            };
            let span = script.span(word.range.clone());
            let d = cx.report(
                &CHECK,
                span,
                format!("unquoted `{angle}` in `{raw}`: {consequence}"),
            );
            d.help(format!("quote the spec: \"{raw}\""));
            if let Some(exact) = script.exact_span(word.range.clone())
                && !raw.contains(['"', '\\', '`'])
            {
                d.fix(Fix::replace(
                    "quote the version constraint",
                    exact,
                    format!("\"{raw}\""),
                ));
            }
        }
    }
}

pub(crate) fn check(df: &Dockerfile, cx: &mut FileCx<'_>) {
    for ins in &df.instructions {
        for script in run_scripts(ins) {
            check_script(&script, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_detection() {
        let angle = |raw: &str| {
            let angles: Vec<usize> = raw.match_indices(['<', '>']).map(|(i, _)| i).collect();
            constraint_angle(raw, 0, &angles)
        };
        assert_eq!(angle("pip<=20.1.1"), Some(3));
        assert_eq!(angle("numpy>1.2"), Some(5));
        assert_eq!(angle("numpy[extra]>=1,<2"), Some(12));
        assert_eq!(angle("2>&1"), None);
        assert_eq!(angle(">/dev/null"), None);
        assert_eq!(angle("x>log.txt"), None);
    }

    #[test]
    fn only_install_commands() {
        let first = |s: &str| install_args_start(&shell::commands(s)[0]);
        assert_eq!(first("conda install -y x"), Some(2));
        assert_eq!(first("python3 -m pip install x"), Some(4));
        assert_eq!(first("pip3.11 install x"), Some(2));
        assert_eq!(first("conda list x"), None);
        assert_eq!(first("echo x"), None);
    }
}
