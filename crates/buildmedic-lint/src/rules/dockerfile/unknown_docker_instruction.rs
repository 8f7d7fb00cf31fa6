use crate::framework::context::FileCx;
use crate::framework::suggest::edit_distance;

use crate::syntax::dockerfile::{Dockerfile, Instruction, Keyword};

crate::declare_check! {
    /// ## What it does
    /// Flags a line whose first word is not a Dockerfile instruction (after joining `\`
    /// continuations and skipping comments, parser directives and heredoc bodies). The help
    /// names the likely cause: a missing `\` at the end of the previous line (so `&&`, `apt-get`
    /// or another shell word starts a line), or a misspelt instruction.
    ///
    /// ## Why it matters
    /// BuildKit stops before building anything: `dockerfile parse error on line N: unknown
    /// instruction: &&`. Azure ML reports it as "Unknown Docker instruction".
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    ///     && apt-get install -y curl
    /// ```
    ///
    /// ## Fix
    /// End every continued line with `\` (or the `# escape=` character), and spell
    /// instructions as in the Dockerfile reference: `FROM`, `RUN`, `COPY`, `ADD`, `ENV`, ...
    id: "unknown-docker-instruction", severity: Error, fixable: false, catalog: "B31"
}

const SHELL_WORDS: &[&str] = &[
    "apt-get",
    "apt",
    "apk",
    "yum",
    "dnf",
    "pip",
    "pip3",
    "python",
    "python3",
    "conda",
    "mamba",
    "micromamba",
    "cd",
    "echo",
    "mkdir",
    "rm",
    "cp",
    "mv",
    "ln",
    "chmod",
    "chown",
    "curl",
    "wget",
    "tar",
    "unzip",
    "git",
    "make",
    "bash",
    "sh",
    "source",
    "export",
    "sed",
    "ls",
    "cat",
    "touch",
    "useradd",
    "groupadd",
    "npm",
    "yarn",
    "dpkg",
    "update-alternatives",
    "ldconfig",
    "fi",
    "done",
    "then",
    "else",
    "do",
    "if",
    "for",
    "while",
    "true",
    "test",
    "exit",
];

/// The instruction closest to `word`, when it is a plausible typo.
pub(crate) fn closest_instruction(word: &str) -> Option<&'static str> {
    let upper = word.to_ascii_uppercase();
    if upper.chars().count() > 16 {
        return None;
    }
    Keyword::ALL
        .iter()
        .map(|(_, name)| (edit_distance(&upper, name), *name))
        .filter(|(d, name)| *d <= 1 || (*d == 2 && name.len() >= 4 && upper.len() >= 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

fn looks_like_shell(word: &str) -> bool {
    word.starts_with("&&")
        || word.starts_with("||")
        || word.starts_with('|')
        || word.starts_with(';')
        || SHELL_WORDS.contains(&word)
        || word.starts_with('-')
        || word.contains('=')
        || word.starts_with('/')
        || word.starts_with('$')
}

fn help_for(word: &str, previous: Option<&Instruction>, this: &Instruction) -> String {
    let adjacent_prev = previous.filter(|p| this.first_line <= p.last_line + 2);
    if looks_like_shell(word)
        && let Some(prev) = adjacent_prev
    {
        return format!(
            "`{word}` looks like the continuation of the {} on line {}: end that line with ` \\` so the command continues",
            prev.keyword.to_ascii_uppercase(),
            prev.last_line + 1
        );
    }
    if let Some(name) = closest_instruction(word) {
        return format!("did you mean `{name}`?");
    }
    if word
        .chars()
        .any(|c| c == '\u{FFFD}' || c.is_control() || !c.is_ascii())
    {
        return "the word has characters that are not plain text: save the Dockerfile as UTF-8"
            .into();
    }
    if matches!(word, "{" | "}" | "[" | "]" | "EOF") {
        return "script or data outside an instruction: a missing `\\` continuation or a heredoc (`RUN <<EOF`) whose terminator does not match?".into();
    }
    if let Some(prev) = adjacent_prev {
        return format!(
            "if this continues the {} on line {}, end that line with ` \\`; otherwise start the line with an instruction (FROM, RUN, COPY, ...)",
            prev.keyword.to_ascii_uppercase(),
            prev.last_line + 1
        );
    }
    "a Dockerfile line starts with an instruction: FROM, RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, CMD, ENTRYPOINT, ...".into()
}

pub(crate) fn check(df: &Dockerfile, cx: &mut FileCx<'_>) {
    for (index, ins) in df.instructions.iter().enumerate() {
        let previous = index.checked_sub(1).map(|p| &df.instructions[p]);
        let (word, span, under_onbuild) = match (ins.kind, ins.onbuild_inner()) {
            (None, _) => (ins.keyword.clone(), ins.keyword_span.clone(), false),
            (Some(Keyword::Onbuild), Some((word, None, span))) => (word, span, true),
            _ => continue,
        };
        let shown: String = word.chars().take(40).collect();
        let message = if under_onbuild {
            format!("unknown instruction under ONBUILD: {shown}")
        } else {
            format!("unknown instruction: {shown}")
        };
        let help = help_for(&word, previous.filter(|_| !under_onbuild), ins);
        cx.report(&CHECK, span, message).help(help);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_instruction() {
        assert_eq!(closest_instruction("RUNN"), Some("RUN"));
        assert_eq!(closest_instruction("form"), Some("FROM"));
        assert_eq!(closest_instruction("COPPY"), Some("COPY"));
        assert_eq!(closest_instruction("ENTRYPONT"), Some("ENTRYPOINT"));
        assert_eq!(closest_instruction("apt-get"), None);
        assert_eq!(closest_instruction("&&"), None);
    }
}
