use crate::framework::context::FileCx;
use crate::framework::diagnostic::Severity;

use crate::syntax::dockerfile::stages;
use crate::syntax::dockerfile::{Dockerfile, IssueKind, JsonForm, Keyword, parse_json_form};

crate::declare_check! {
    /// ## What it does
    /// Finds Dockerfile syntax that BuildKit rejects or silently misreads: an empty file, no
    /// `FROM`, an instruction other than `ARG` before the first `FROM`, `FROM` with the wrong
    /// number of arguments or a bad stage name, an unterminated heredoc, a bad or repeated
    /// parser directive, an unknown `--flag`, instructions without arguments, `SHELL` not in
    /// JSON form, exec-form arrays that are not valid JSON (BuildKit then runs them as shell
    /// text), and a `\` continuation on the last line or before an empty line.
    ///
    /// ## Why it matters
    /// The build fails before the first step (`dockerfile parse error`, `file with no
    /// instructions`, `FROM requires either one or three arguments`), which Azure ML reports as
    /// "Unexpected Dockerfile Format". Invalid exec-form JSON is worse: it builds, and the
    /// command fails later as `/bin/sh: [python,: not found`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.11 builder
    /// CMD ['python', 'app.py']
    /// ```
    ///
    /// ## Fix
    /// `FROM image AS name`; exec form uses JSON double quotes: `CMD ["python", "app.py"]`;
    /// close every heredoc with its terminator alone on a line; start with `FROM` (only `ARG`
    /// may come first).
    id: "dockerfile-malformed", severity: Error, fixable: false, catalog: "B02"
}

fn known_flags(kind: Keyword) -> &'static [&'static str] {
    match kind {
        Keyword::From => &["platform"],
        Keyword::Run => &["mount", "network", "security", "device"],
        Keyword::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
        Keyword::Add => &[
            "chown",
            "chmod",
            "link",
            "keep-git-dir",
            "checksum",
            "exclude",
            "unpack",
        ],
        Keyword::Healthcheck => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        _ => &[],
    }
}

fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

pub(crate) fn check(df: &Dockerfile, cx: &mut FileCx<'_>) {
    issues(df, cx);
    if df.instructions.is_empty() {
        let end = cx.file.text.len();
        cx.report(
            &CHECK,
            0..end,
            "file with no instructions: the Dockerfile is empty or only has comments",
        )
        .help("a Dockerfile needs at least a `FROM` line");
        return;
    }
    let first_from = df
        .instructions
        .iter()
        .position(|i| i.kind == Some(Keyword::From));
    if first_from.is_none() {
        let span = df.instructions[0].keyword_span.clone();
        cx.report(
            &CHECK,
            span,
            "the Dockerfile has no FROM instruction, so there is no build stage",
        )
        .help("start the build with `FROM <image>` (only `ARG` lines may come before it)");
    }
    let mut stage_names: Vec<String> = Vec::new();
    for (index, ins) in df.instructions.iter().enumerate() {
        let Some(kind) = ins.kind else { continue };
        if first_from.is_some_and(|f| index < f) && kind != Keyword::Arg {
            cx.report(
                &CHECK,
                ins.keyword_span.clone(),
                format!(
                    "{} before the first FROM: no build stage in current context",
                    kind.name()
                ),
            )
            .help("only ARG may come before the first FROM; move this line below it");
        }
        for flag in &ins.flags {
            if !known_flags(kind)
                .iter()
                .any(|f| flag.name.eq_ignore_ascii_case(f))
            {
                let name: String = flag.name.chars().take(40).collect();
                cx.report(
                    &CHECK,
                    flag.span.clone(),
                    format!("unknown flag for {}: --{name}", kind.name()),
                )
                .help(match known_flags(kind) {
                    [] => format!("{} takes no flags", kind.name()),
                    known => format!("{} accepts --{}", kind.name(), known.join(", --")),
                });
            }
        }
        if ins.args.is_empty()
            && ins.heredocs.is_empty()
            && !matches!(kind, Keyword::Cmd | Keyword::Entrypoint)
        {
            cx.report(
                &CHECK,
                ins.keyword_span.clone(),
                format!("{} requires at least one argument", kind.name()),
            );
            continue;
        }
        match kind {
            Keyword::From => from_line(ins, &mut stage_names, cx),
            Keyword::Copy | Keyword::Add => {
                let count = match parse_json_form(&ins.args) {
                    JsonForm::Strings(v) => v.len(),
                    _ => buildmedic_shell::raw_words(&ins.args).len(),
                };
                if count < 2 && ins.heredocs.is_empty() {
                    cx.report(
                        &CHECK,
                        ins.all_args_span(),
                        format!(
                            "{} requires at least two arguments: a source and a destination",
                            kind.name()
                        ),
                    );
                }
                json_form(ins, kind, cx);
            }
            Keyword::Shell if !matches!(parse_json_form(&ins.args), JsonForm::Strings(_)) => {
                cx.report(
                    &CHECK,
                    ins.all_args_span(),
                    "SHELL requires the arguments to be in JSON form",
                )
                .help("write `SHELL [\"/bin/bash\", \"-c\"]`");
            }
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Volume => {
                json_form(ins, kind, cx)
            }
            Keyword::Onbuild => {
                if let Some((word, Some(inner), span)) = ins.onbuild_inner()
                    && matches!(
                        inner,
                        Keyword::Onbuild | Keyword::From | Keyword::Maintainer
                    )
                {
                    cx.report(
                        &CHECK,
                        span,
                        format!(
                            "{} isn't allowed as an ONBUILD trigger",
                            word.to_ascii_uppercase()
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

fn from_line(
    ins: &crate::syntax::dockerfile::Instruction,
    names: &mut Vec<String>,
    cx: &mut FileCx<'_>,
) {
    let words = stages::from_words(ins);
    match words.as_slice() {
        [_] => {}
        [_, (as_kw, _), (name, range)] if as_kw.eq_ignore_ascii_case("as") => {
            let lower = name.to_ascii_lowercase();
            if !valid_stage_name(&lower) {
                cx.report(
                    &CHECK,
                    ins.args_span(range.clone()),
                    format!("invalid name for build stage: `{name}`"),
                )
                .help("stage names start with a letter and use letters, digits, `-`, `_` and `.`");
            } else if names.contains(&lower) {
                cx.report(
                    &CHECK,
                    ins.args_span(range.clone()),
                    format!("duplicate stage name `{name}`"),
                )
                .help("give every stage its own name");
            } else {
                names.push(lower);
            }
        }
        [_, (second, range), _] => {
            cx.report(
                &CHECK,
                ins.args_span(range.clone()),
                format!("expected `AS` after the image in FROM, found `{second}`"),
            )
            .help("write `FROM image AS name`");
        }
        _ => {
            cx.report(
                &CHECK,
                ins.all_args_span(),
                format!("FROM requires either one or three arguments, found {}", words.len()),
            )
            .help("write `FROM image` or `FROM image AS name`; a space inside the image reference splits it");
        }
    }
}

fn json_form(ins: &crate::syntax::dockerfile::Instruction, kind: Keyword, cx: &mut FileCx<'_>) {
    match parse_json_form(&ins.args) {
        JsonForm::Invalid if ins.args.ends_with(']') => {
            let consequence = match kind {
                Keyword::Copy | Keyword::Add | Keyword::Volume => {
                    "its words are taken as paths, brackets and quotes included"
                }
                _ => "Docker runs the whole text through `/bin/sh -c`, which fails",
            };
            let d = cx.report(
                &CHECK,
                ins.all_args_span(),
                format!(
                    "{} looks like exec form but is not valid JSON; {consequence}",
                    kind.name()
                ),
            );
            d.help("JSON needs double quotes and commas: `[\"python\", \"app.py\"]`");
            if matches!(kind, Keyword::Cmd | Keyword::Entrypoint | Keyword::Volume) {
                d.severity(Severity::Warning);
            }
        }
        JsonForm::NotStrings => {
            cx.report(
                &CHECK,
                ins.all_args_span(),
                format!("{}: exec form must be an array of strings", kind.name()),
            )
            .help("quote every item: `[\"sleep\", \"10\"]`");
        }
        _ => {}
    }
}

fn issues(df: &Dockerfile, cx: &mut FileCx<'_>) {
    for issue in &df.issues {
        let span = issue.span.clone();
        match &issue.kind {
            IssueKind::UnterminatedHeredoc { name } => {
                cx.report(&CHECK, span, format!("unterminated heredoc: no line `{name}` closes it"))
                    .help(format!("end the heredoc with a line that is exactly `{name}` (no indentation unless `<<-` and tabs)"));
            }
            IssueKind::EmptyContinuationLine => {
                cx.report(&CHECK, span, "empty continuation line inside an instruction")
                    .help("remove the empty line or the `\\` before it; BuildKit warns and will make this an error")
                    .severity(Severity::Warning);
            }
            IssueKind::ContinuationAtEof => {
                cx.report(&CHECK, span, "the last line ends with a line continuation")
                    .help("remove the trailing `\\`, or add the line that was meant to follow")
                    .severity(Severity::Warning);
            }
            IssueKind::InvalidEscape { value } => {
                let value: String = value.chars().take(20).collect();
                cx.report(
                    &CHECK,
                    span,
                    format!("invalid escape token `{value}`: it must be `\\` or `` ` ``"),
                );
            }
            IssueKind::DuplicateDirective { name } => {
                cx.report(
                    &CHECK,
                    span,
                    format!("only one `{name}` parser directive can be used"),
                );
            }
        }
    }
}
