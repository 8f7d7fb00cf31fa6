//! What a package-manager command installs.
//!
//! [`install`] recognises one simple command as an installer call and reads its arguments
//! with that manager's option grammar: which options take a value (so `-n env` or
//! `-o Dpkg::Options::=--force-confnew` is not mistaken for a package), which of them name
//! requirement files, constraint files, indexes or channels, and where the operands are.
//!
//! Recognised (after assignments and wrappers such as `sudo`, see [`crate::invocation`]):
//!
//! | manager | programs | subcommands |
//! |---|---|---|
//! | [`Manager::Pip`] | `pip`, `pip3`, `pip3.11`, `python[3[.x]] -m pip`, `uv pip` | `install` |
//! | [`Manager::Conda`] | `conda`, `mamba`, `micromamba` | `install`, `create`, `update`, `upgrade`, `env create`, `env update` |
//! | [`Manager::Apt`] | `apt-get`, `apt` | `install`, `reinstall` |
//! | [`Manager::Apk`] | `apk` | `add` |
//! | [`Manager::Yum`] | `yum`, `dnf`, `microdnf` | `install`, `reinstall`, `localinstall` |
//!
//! Values are read as the shell passes them (quotes removed, no expansion): a target that
//! contains `$` is kept, and [`Target::has_expansion`] says so. Redirections written as
//! separate words (`> log.txt`, `2>&1`) are not targets.

use std::ops::Range;

use crate::command::{Invocation, invocation};
use crate::lex::{SimpleCommand, Word};

/// A package manager whose install grammar this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Manager {
    /// pip (also `python -m pip` and `uv pip`).
    Pip,
    /// conda, mamba and micromamba.
    Conda,
    /// apt-get and apt.
    Apt,
    /// Alpine's apk.
    Apk,
    /// yum, dnf and microdnf.
    Yum,
}

impl Manager {
    /// The manager a program name (basename, e.g. `pip3.11`, `micromamba`) belongs to.
    /// `python` is not a manager by itself: see [`install`] for `python -m pip`.
    pub fn of_program(program: &str) -> Option<Manager> {
        let versioned = |prefix: &str| {
            program
                .strip_prefix(prefix)
                .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        };
        Some(match program {
            "conda" | "mamba" | "micromamba" => Manager::Conda,
            "apt-get" | "apt" => Manager::Apt,
            "apk" => Manager::Apk,
            "yum" | "dnf" | "microdnf" => Manager::Yum,
            // peep (erikrose/peep) takes pip install's arguments: `peep install -r FILE`.
            _ if versioned("pip") || program == "peep" || program == "peep.py" => Manager::Pip,
            _ => return None,
        })
    }

    /// Lower-case name (`pip`, `conda`, `apt`, `apk`, `yum`).
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Pip => "pip",
            Manager::Conda => "conda",
            Manager::Apt => "apt",
            Manager::Apk => "apk",
            Manager::Yum => "yum",
        }
    }

    /// Options before the subcommand that take a value (the value is the next word unless
    /// written `--opt=value`).
    fn global_valued(self) -> &'static [&'static str] {
        match self {
            Manager::Pip => &[
                "--log",
                "--cache-dir",
                "--proxy",
                "--retries",
                "--timeout",
                "--exists-action",
                "--trusted-host",
                "--cert",
                "--client-cert",
                "--python",
                "--use-feature",
                "--use-deprecated",
                "--keyring-provider",
                "--resume-retries",
            ],
            Manager::Conda => &["-r", "--root-prefix", "--rc-file"],
            Manager::Apt => &[
                "-o",
                "-c",
                "-t",
                "--option",
                "--config-file",
                "--target-release",
            ],
            Manager::Apk => &[
                "-X",
                "-p",
                "--repository",
                "--root",
                "--arch",
                "--cache-dir",
            ],
            Manager::Yum => &[
                "-c",
                "-d",
                "-e",
                "-x",
                "--config",
                "--installroot",
                "--releasever",
                "--setopt",
                "--enablerepo",
                "--disablerepo",
                "--repo",
                "--repofrompath",
                "--exclude",
                "--downloaddir",
                "--destdir",
            ],
        }
    }

    /// Subcommands of this manager that install packages.
    fn installs(self, sub: &str) -> bool {
        match self {
            Manager::Pip => sub == "install",
            Manager::Conda => matches!(sub, "install" | "create" | "update" | "upgrade"),
            Manager::Apt => matches!(sub, "install" | "reinstall"),
            Manager::Apk => sub == "add",
            Manager::Yum => matches!(sub, "install" | "reinstall" | "localinstall"),
        }
    }
}

/// Where the value of an option goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Requirement,
    Constraint,
    Editable,
    IndexUrl,
    ExtraIndexUrl,
    FindLinks,
    Channel,
    Environment,
    /// A value that is not a target (`--target DIR`, `-o Opt=1`).
    Other,
}

/// Install options that take a value, by manager: (spelling, slot).
fn install_valued(manager: Manager) -> &'static [(&'static str, Slot)] {
    use Slot::*;
    match manager {
        Manager::Pip => &[
            ("-r", Requirement),
            ("--requirement", Requirement),
            ("-c", Constraint),
            ("--constraint", Constraint),
            ("-e", Editable),
            ("--editable", Editable),
            ("-i", IndexUrl),
            ("--index-url", IndexUrl),
            ("--extra-index-url", ExtraIndexUrl),
            ("-f", FindLinks),
            ("--find-links", FindLinks),
            ("-t", Other),
            ("--target", Other),
            ("--prefix", Other),
            ("--root", Other),
            ("--platform", Other),
            ("--python-version", Other),
            ("--implementation", Other),
            ("--abi", Other),
            ("--trusted-host", Other),
            ("--src", Other),
            ("--upgrade-strategy", Other),
            ("--progress-bar", Other),
            ("--no-binary", Other),
            ("--only-binary", Other),
            ("-C", Other),
            ("--config-settings", Other),
            ("--global-option", Other),
            ("--install-option", Other),
            ("--build-option", Other),
            ("--report", Other),
            ("--root-user-action", Other),
            ("--group", Other),
            ("--log", Other),
            ("--cache-dir", Other),
            ("--proxy", Other),
            ("--retries", Other),
            ("--timeout", Other),
            ("--exists-action", Other),
            ("--cert", Other),
            ("--client-cert", Other),
            ("--python", Other),
            ("--use-feature", Other),
            ("--keyring-provider", Other),
        ],
        Manager::Conda => &[
            ("-c", Channel),
            ("--channel", Channel),
            ("-n", Environment),
            ("--name", Environment),
            ("-p", Environment),
            ("--prefix", Environment),
            ("-f", Requirement),
            ("--file", Requirement),
            ("-r", Other),
            ("--root-prefix", Other),
            ("--solver", Other),
            ("--repodata-fn", Other),
            ("--subdir", Other),
            ("--platform", Other),
            ("--clone", Other),
            ("--experimental", Other),
            ("--channel-priority", Other),
            ("--category", Other),
        ],
        Manager::Apt => &[
            ("-o", Other),
            ("--option", Other),
            ("-c", Other),
            ("--config-file", Other),
            ("-t", Other),
            ("--target-release", Other),
            ("--default-release", Other),
        ],
        Manager::Apk => &[
            ("-X", IndexUrl),
            ("--repository", IndexUrl),
            ("-t", Other),
            ("--virtual", Other),
            ("-p", Other),
            ("--root", Other),
            ("--arch", Other),
            ("--cache-dir", Other),
            ("--keys-dir", Other),
            ("--repositories-file", Other),
        ],
        Manager::Yum => &[
            ("-c", Other),
            ("--config", Other),
            ("-d", Other),
            ("-e", Other),
            ("-x", Other),
            ("--exclude", Other),
            ("--installroot", Other),
            ("--releasever", Other),
            ("--setopt", Other),
            ("--enablerepo", Other),
            ("--disablerepo", Other),
            ("--repo", Other),
            ("--repofrompath", Other),
            ("--downloaddir", Other),
            ("--destdir", Other),
        ],
    }
}

/// One argument of an install command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The value as the program receives it (quotes and escapes removed, no expansion).
    pub value: String,
    /// Byte range in the script: of the value when it is written verbatim (`-rreq.txt`,
    /// `--index-url=https://x`), else of the whole word.
    pub range: Range<usize>,
}

impl Target {
    /// Whether the shell would expand part of the value (`$VAR`, `$(cmd)`, backticks), so
    /// it is not known here.
    pub fn has_expansion(&self) -> bool {
        self.value.contains(['$', '`'])
    }

    /// Whether the value is a URL or a local path (`./pkg.deb`, `dist/x.whl`, `.`, `/tmp/x.rpm`,
    /// `git+https://...`) rather than a package name or spec.
    pub fn is_path_or_url(&self) -> bool {
        let v = self.value.as_str();
        if v.contains("://") || v.starts_with("git@") {
            return true;
        }
        if v.starts_with(['.', '/', '~', '\\']) {
            return true;
        }
        let lower = v.to_ascii_lowercase();
        let first = lower.split([' ', ';']).next().unwrap_or("");
        [
            ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".deb", ".rpm", ".apk", ".conda",
        ]
        .iter()
        .any(|e| first.ends_with(e))
            || (first.contains('/') && !first.contains("::") && !first.contains(" @ "))
    }
}

/// An installer call and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub manager: Manager,
    /// The program as invoked, basename (`pip3`, `python3`, `uv`, `micromamba`, `apt-get`).
    pub program: String,
    /// The subcommand (`install`, `create`, `add`, `env create`, ...).
    pub subcommand: String,
    /// Index of the program word in the command's words (of the inner command, for an
    /// install [`installs`] found inside `sh -c '...'`).
    pub program_index: usize,
    /// Index of the (last) subcommand word in the command's words.
    pub subcommand_index: usize,
    /// Byte range from the program word to the end of the command.
    pub range: Range<usize>,
    /// Packages, specs, URLs and paths to install, as operands of the command
    /// (`numpy==1.26`, `conda-forge::numpy=1.26`, `curl=7.*`, `./x.deb`, `.`).
    pub packages: Vec<Target>,
    /// Files the package list is read from: pip `-r`, conda `--file`/`-f`.
    pub requirement_files: Vec<Target>,
    /// pip `-c` constraint files.
    pub constraint_files: Vec<Target>,
    /// pip `-e` editable projects.
    pub editables: Vec<Target>,
    /// pip `-i`/`--index-url`, apk `-X`/`--repository`.
    pub index_urls: Vec<Target>,
    /// pip `--extra-index-url`.
    pub extra_index_urls: Vec<Target>,
    /// pip `-f`/`--find-links`.
    pub find_links: Vec<Target>,
    /// conda `-c`/`--channel`, in order.
    pub channels: Vec<Target>,
    /// conda `-n NAME` or `-p PREFIX`.
    pub environment: Option<Target>,
    /// pip `--no-index`.
    pub no_index: bool,
}

impl Install {
    /// Everything the command installs from: packages, then requirement files, then
    /// editables (the "what does this step install" answer for a failing build step).
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.packages
            .iter()
            .chain(&self.requirement_files)
            .chain(&self.editables)
    }
}

/// The subcommand of a package-manager call (`apt-get -o X=1 update`: `update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subcommand {
    pub manager: Manager,
    /// The program as invoked, basename.
    pub program: String,
    /// Index of the program word in the command's words.
    pub program_index: usize,
    /// Index of the subcommand word (the first word after the program, and after `-m pip`
    /// or `uv pip`, that is not an option or an option's value).
    pub index: usize,
    /// Whether the program is wrapped in `sudo`.
    pub sudo: Option<usize>,
}

/// The manager and subcommand of `command`, whatever the subcommand is.
pub fn subcommand(command: &SimpleCommand) -> Option<Subcommand> {
    let inv = invocation(command)?;
    let (manager, after_program) = manager_of(command, &inv)?;
    let index = skip_options(&command.words, after_program, manager.global_valued())?;
    Some(Subcommand {
        manager,
        program: inv.program,
        program_index: inv.index,
        index,
        sudo: inv.sudo,
    })
}

/// Reads `command` as an installer call, or `None` when it is not one of the
/// recognised install commands.
pub fn install(command: &SimpleCommand) -> Option<Install> {
    let words = &command.words;
    let Subcommand {
        manager,
        program,
        program_index,
        index: mut sub,
        ..
    } = subcommand(command)?;
    let mut subcommand = words[sub].value.clone();
    if manager == Manager::Conda && subcommand == "env" {
        let next = skip_options(words, sub + 1, manager.global_valued())?;
        if !matches!(words[next].value.as_str(), "create" | "update") {
            return None;
        }
        subcommand = format!("env {}", words[next].value);
        sub = next;
    } else if !manager.installs(&subcommand) {
        return None;
    }
    let end = words.last().map_or(0, |w| w.range.end);
    let mut out = Install {
        manager,
        program,
        subcommand,
        program_index,
        subcommand_index: sub,
        range: words[program_index].range.start..end,
        packages: Vec::new(),
        requirement_files: Vec::new(),
        constraint_files: Vec::new(),
        editables: Vec::new(),
        index_urls: Vec::new(),
        extra_index_urls: Vec::new(),
        find_links: Vec::new(),
        channels: Vec::new(),
        environment: None,
        no_index: false,
    };
    read_arguments(&mut out, &words[sub + 1..]);
    Some(out)
}

/// Every installer call in a script (a `RUN` line, a typed command, a build step's command),
/// in order. Scripts run by a shell (`sh -c '...'`, `/bin/bash -lc "..."`, and the legacy
/// builder's unquoted `/bin/sh -c pip install x`) are read too; their ranges point into the
/// script when the inner text is written verbatim, else at the `-c` argument.
pub fn installs(script: &str) -> Vec<Install> {
    let mut out = Vec::new();
    collect_installs(script, 0, &mut out);
    out
}

fn collect_installs(script: &str, depth: usize, out: &mut Vec<Install>) {
    for cmd in crate::lex::commands(script) {
        if let Some(i) = install(&cmd) {
            out.push(i);
            continue;
        }
        if depth >= 2 {
            continue;
        }
        let Some((inner, at)) = shell_script(&cmd, script) else {
            continue;
        };
        let mut nested = Vec::new();
        collect_installs(&inner, depth + 1, &mut nested);
        for mut i in nested {
            relocate(&mut i, &at, inner.len());
            out.push(i);
        }
    }
}

/// Where a nested script's text sits in the outer one.
enum Placement {
    /// Verbatim at this offset.
    At(usize),
    /// Not verbatim (escapes): every range becomes this one.
    Within(Range<usize>),
}

/// The script of `sh -c SCRIPT` (any of sh, bash, dash, zsh, ash; `-c` may be in a cluster
/// such as `-ec`), and where it is in `text`. Also the command a `SHELL` wrapper runs: the
/// micromamba-docker images' `_dockerfile_shell.sh CMD...` (mamba-org/micromamba-docker),
/// which the legacy builder's verdict quotes in place of `/bin/sh -c`.
fn shell_script(cmd: &SimpleCommand, text: &str) -> Option<(String, Placement)> {
    let inv = invocation(cmd)?;
    let words = &cmd.words;
    if inv.program == "_dockerfile_shell.sh" {
        return rest_of_line(words, inv.index + 1, text);
    }
    if !matches!(inv.program.as_str(), "sh" | "bash" | "dash" | "zsh" | "ash") {
        return None;
    }
    let c = (inv.index + 1..words.len()).find(|&i| {
        let v = words[i].value.as_str();
        v.starts_with('-') && !v.starts_with("--") && v.contains('c')
    })?;
    let first = words.get(c + 1)?;
    if c + 2 == words.len() {
        // `sh -c 'script'`: the script is one word.
        let raw = text.get(first.range.clone())?;
        let quoted = raw.len() >= 2
            && ((raw.starts_with('\'') && raw.ends_with('\''))
                || (raw.starts_with('"') && raw.ends_with('"')));
        let placement = if !first.quoted && raw == first.value {
            Placement::At(first.range.start)
        } else if quoted && raw[1..raw.len() - 1] == first.value {
            Placement::At(first.range.start + 1)
        } else {
            Placement::Within(first.range.clone())
        };
        return Some((first.value.clone(), placement));
    }
    // `/bin/sh -c pip install x` as the legacy builder prints it: the rest of the line.
    rest_of_line(words, c + 1, text)
}

/// The text from word `from` to the command's end, as a script written verbatim there.
fn rest_of_line(words: &[Word], from: usize, text: &str) -> Option<(String, Placement)> {
    let first = words.get(from)?;
    let rest = text.get(first.range.start..words.last()?.range.end)?;
    Some((rest.to_string(), Placement::At(first.range.start)))
}

fn relocate(i: &mut Install, at: &Placement, inner_len: usize) {
    let map = |r: &mut Range<usize>| match at {
        Placement::At(offset) => {
            *r = offset + r.start.min(inner_len)..offset + r.end.min(inner_len)
        }
        Placement::Within(range) => *r = range.clone(),
    };
    map(&mut i.range);
    for t in i
        .packages
        .iter_mut()
        .chain(&mut i.requirement_files)
        .chain(&mut i.constraint_files)
        .chain(&mut i.editables)
        .chain(&mut i.index_urls)
        .chain(&mut i.extra_index_urls)
        .chain(&mut i.find_links)
        .chain(&mut i.channels)
        .chain(i.environment.as_mut())
    {
        map(&mut t.range);
    }
}

/// The manager of the invocation and the index of the first word after the program
/// (after `-m pip` for `python -m pip`, after `pip` for `uv pip`).
fn manager_of(command: &SimpleCommand, inv: &Invocation) -> Option<(Manager, usize)> {
    let words = &command.words;
    if let Some(m) = Manager::of_program(&inv.program) {
        return Some((m, inv.index + 1));
    }
    let is_python = inv
        .program
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if is_python {
        // `python [-u -I ...] -m pip`
        let mut i = inv.index + 1;
        while let Some(w) = words.get(i) {
            match w.value.as_str() {
                "-m" => break,
                v if v.starts_with('-') && v.len() == 2 => i += 1,
                _ => return None,
            }
        }
        let module = words.get(i + 1)?;
        return (Manager::of_program(&module.value) == Some(Manager::Pip))
            .then_some((Manager::Pip, i + 2));
    }
    if inv.program == "uv" {
        let i = skip_options(words, inv.index + 1, &[])?;
        return (words[i].value == "pip").then_some((Manager::Pip, i + 1));
    }
    None
}

/// Index of the first word at or after `from` that is not an option (skipping the values
/// of the options in `valued`).
fn skip_options(words: &[Word], from: usize, valued: &[&str]) -> Option<usize> {
    let mut i = from;
    while let Some(w) = words.get(i) {
        let v = w.value.as_str();
        if !v.starts_with('-') || v == "-" {
            return Some(i);
        }
        i += if valued.contains(&v) { 2 } else { 1 };
    }
    None
}

/// A word that redirects (`>log`, `2>&1`, `<in`); `alone` when it is only the operator and the
/// next word is its file.
fn redirection(value: &str) -> Option<bool> {
    let ops = value.trim_start_matches(|c: char| c.is_ascii_digit() || c == '&');
    if !ops.starts_with(['<', '>']) {
        return None;
    }
    let rest = ops.trim_start_matches(['<', '>', '&', '|']);
    Some(rest.is_empty() && !value.ends_with('&'))
}

fn target(word: &Word, value: &str) -> Target {
    // An unquoted word is written verbatim, so a suffix of it has an exact range.
    let range =
        if !word.quoted && word.value.ends_with(value) && word.range.len() == word.value.len() {
            word.range.end - value.len()..word.range.end
        } else {
            word.range.clone()
        };
    Target {
        value: value.to_string(),
        range,
    }
}

fn push(out: &mut Install, slot: Slot, t: Target) {
    match slot {
        Slot::Requirement => out.requirement_files.push(t),
        Slot::Constraint => out.constraint_files.push(t),
        Slot::Editable => out.editables.push(t),
        Slot::IndexUrl => out.index_urls.push(t),
        Slot::ExtraIndexUrl => out.extra_index_urls.push(t),
        Slot::FindLinks => out.find_links.push(t),
        Slot::Channel => out.channels.push(t),
        Slot::Environment => out.environment = Some(t),
        Slot::Other => {}
    }
}

fn read_arguments(out: &mut Install, words: &[Word]) {
    let valued = install_valued(out.manager);
    let slot_of = |name: &str| valued.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
    let mut options_done = false;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let v = word.value.as_str();
        i += 1;
        if let Some(alone) = redirection(v).filter(|_| !word.quoted) {
            if alone {
                i += 1;
            }
            continue;
        }
        if options_done || !v.starts_with('-') || v == "-" {
            out.packages.push(target(word, v));
            continue;
        }
        if v == "--" {
            options_done = true;
            continue;
        }
        if let Some(long) = v.strip_prefix("--") {
            if long == "no-index" {
                out.no_index = true;
            }
            match long.split_once('=') {
                Some((name, value)) => {
                    if let Some(slot) = slot_of(&format!("--{name}")) {
                        push(out, slot, target(word, value));
                    }
                }
                None => {
                    if let Some(slot) = slot_of(v)
                        && let Some(next) = words.get(i)
                    {
                        push(out, slot, target(next, &next.value));
                        i += 1;
                    }
                }
            }
            continue;
        }
        // A cluster of short options (`-yq`, `-rreq.txt`, `-qr req.txt`): the first one that
        // takes a value takes the rest of the word, or the next word.
        for (at, c) in v.char_indices().skip(1) {
            let mut flag = String::from("-");
            flag.push(c);
            let Some(slot) = slot_of(&flag) else { continue };
            let rest = &v[at + c.len_utf8()..];
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            if !rest.is_empty() {
                push(out, slot, target(word, rest));
            } else if let Some(next) = words.get(i) {
                push(out, slot, target(next, &next.value));
                i += 1;
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_by_program() {
        assert_eq!(Manager::of_program("pip3.11"), Some(Manager::Pip));
        assert_eq!(Manager::of_program("pipx"), None);
        assert_eq!(Manager::of_program("micromamba"), Some(Manager::Conda));
        assert_eq!(Manager::of_program("python3"), None);
    }

    #[test]
    fn redirections_are_recognised() {
        assert_eq!(redirection(">"), Some(true));
        assert_eq!(redirection("2>&1"), Some(false));
        assert_eq!(redirection(">/dev/null"), Some(false));
        assert_eq!(redirection("&>"), Some(true));
        assert_eq!(redirection("numpy>1"), None);
    }
}
