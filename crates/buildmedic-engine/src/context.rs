//! Entities the framing knows, beside what signatures capture: the failing step's command,
//! the packages its install commands name, the command at the last prompt before the
//! evidence, and the base images.

use std::collections::BTreeMap;

use buildmedic_log::{LogSummary, Step, StepId};
use buildmedic_redact::redact;

use crate::scan::Scan;

/// What the framing knows, as entities: the command typed at the last prompt before the
/// evidence, the failing step's command (for `RUN` steps), and the base images.
pub(crate) fn context_entities(
    step: Option<&Step>,
    first: Option<(Option<StepId>, u64)>,
    scanner: &Scan,
    images: &[String],
    max: usize,
) -> BTreeMap<String, Vec<String>> {
    let mut ctx: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut push = |name: &str, value: &str| {
        let v = redact(value.trim()).into_owned();
        let list = ctx.entry(name.to_string()).or_default();
        if !v.is_empty() && !list.contains(&v) && list.len() < max {
            list.push(v);
        }
    };
    // The last command echoed before the evidence (`+ pip install ...` under `set -x`).
    let prompt_before = |bucket: Option<StepId>| {
        let (_, line) = first?;
        scanner
            .bucket(bucket)?
            .prompts
            .iter()
            .filter(|(l, _)| *l <= line)
            .max_by_key(|(l, _)| *l)
            .map(|(_, c)| c.clone())
    };
    // Only a RUN step's arguments are a command (not `[internal] load metadata ...`).
    let run_step =
        step.filter(|s| s.instruction.as_deref() == Some("RUN") && !s.command.is_empty());
    if let Some((in_step @ Some(_), _)) = first
        && let Some(cmd) = prompt_before(in_step)
    {
        push("command", &cmd);
    }
    if let Some(s) = run_step {
        push("command", &s.command);
        for p in install_targets(&s.command) {
            push("package", &p);
        }
    } else if let Some(cmd) = prompt_before(None) {
        // No build step frames the failure: what was typed at the prompt is the command.
        push("command", &cmd);
        for p in install_targets(&cmd) {
            push("package", &p);
        }
    }
    for image in images {
        push("image", image);
    }
    ctx
}

/// Packages a shell command asks a package manager to install: the operands after
/// `pip install`, `conda install`, `apt-get install`, ... (flags and their values skipped).
pub(crate) fn install_targets(command: &str) -> Vec<String> {
    const MANAGERS: &[&str] = &[
        "pip",
        "pip3",
        "conda",
        "mamba",
        "micromamba",
        "apt-get",
        "apt",
        "apk",
        "yum",
        "dnf",
        "uv",
    ];
    // Flags whose next word is a value, not a package.
    const VALUED: &[&str] = &[
        "-r",
        "-c",
        "-e",
        "-i",
        "-f",
        "-n",
        "-p",
        "-t",
        "--requirement",
        "--constraint",
        "--index-url",
        "--extra-index-url",
        "--find-links",
        "--channel",
        "--name",
        "--prefix",
        "--file",
        "--target",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--root",
        "--prefix",
        "-o",
        "--option",
    ];
    let mut out = Vec::new();
    for segment in command.split(['&', ';', '|', '\n']) {
        let words: Vec<&str> = segment.split_whitespace().collect();
        let Some(at) = words
            .iter()
            .position(|w| *w == "install" || *w == "add" || *w == "create")
        else {
            continue;
        };
        let manager = words[..at].iter().any(|w| {
            let base = w.rsplit('/').next().unwrap_or(w);
            MANAGERS.contains(&base) || base.starts_with("python")
        });
        if !manager {
            continue;
        }
        let mut skip = false;
        for w in &words[at + 1..] {
            if skip {
                skip = false;
                continue;
            }
            if w.starts_with('-') {
                skip = VALUED.contains(w);
                continue;
            }
            let w = w.trim_matches(|c| matches!(c, '"' | '\'' | '\\'));
            let first = w.chars().next();
            if first.is_some_and(|c| c.is_ascii_alphanumeric())
                && !w.contains("://")
                && !w.starts_with("$")
            {
                out.push(w.to_string());
            }
        }
    }
    out.truncate(8);
    out
}

/// `captured` plus the context. With `all`, context values are appended after the captured
/// ones (the JSON entities); without, only names the signatures captured nothing for are
/// filled (the fix steps, so "install `gcc`" does not become "install `gcc`, `pip install ...`").
pub(crate) fn with_context(
    captured: &BTreeMap<String, Vec<String>>,
    context: &BTreeMap<String, Vec<String>>,
    all: bool,
) -> BTreeMap<String, Vec<String>> {
    let mut out = captured.clone();
    for (name, values) in context {
        let list = out.entry(name.clone()).or_default();
        if !all && !list.is_empty() {
            continue;
        }
        for v in values {
            if !list.contains(v) {
                list.push(v.clone());
            }
        }
    }
    out
}

/// Base images named by `FROM` steps or BuildKit's metadata loads.
pub(crate) fn base_images(summary: &LogSummary) -> Vec<String> {
    let mut out = Vec::new();
    for s in &summary.steps {
        let image = match s.instruction.as_deref() {
            Some("FROM") => s
                .command
                .split_whitespace()
                .find(|w| !w.starts_with("--"))
                .map(str::to_string),
            _ => s
                .command
                .strip_prefix("load metadata for ")
                .map(|i| i.split_whitespace().next().unwrap_or(i).to_string()),
        };
        if let Some(i) = image {
            let i = redact(&i).into_owned();
            if !i.is_empty() && !i.starts_with('$') && i != "scratch" && !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::install_targets;

    #[test]
    fn install_operands() {
        assert_eq!(
            install_targets(
                "apt-get update && apt-get install -y --no-install-recommends libfoo curl"
            ),
            ["libfoo", "curl"]
        );
        assert_eq!(
            install_targets("pip install -i \"https://x/simple/\" acme_models"),
            ["acme_models"]
        );
        assert_eq!(
            install_targets("python -m pip install -r requirements.txt torch==2.1"),
            ["torch==2.1"]
        );
        assert_eq!(
            install_targets("conda install -c conda-forge -y numpy=1.26"),
            ["numpy=1.26"]
        );
        assert!(install_targets("make install").is_empty());
        assert!(install_targets("echo hi").is_empty());
    }
}
