//! rustc-style frames: `error[check-id]: message`, `--> file:line:col`, the span underlined,
//! and a `help:` line.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use buildmedic_lint::{Diagnostic, LintReport, Severity, SourceFile};

/// Options of the text renderer.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// ANSI colours (decide with [`crate::use_color`]).
    pub color: bool,
}

/// Renders every diagnostic as a frame, then a summary line.
pub fn render(report: &LintReport, options: &TextOptions) -> String {
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&frame(d, report.source(&d.file), &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn frame(d: &Diagnostic, source: Option<&SourceFile>, renderer: &Renderer) -> String {
    let title = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.check);
    let mut groups: Vec<Group<'_>> = Vec::new();
    let excerpt = source.and_then(|s| excerpt(s, d));
    let group = match &excerpt {
        Some((text, first_line, span)) => {
            let mut annotation = AnnotationKind::Primary.span(span.clone());
            if d.fixable {
                annotation = annotation.label("fixable with --fix");
            }
            title.element(
                Snippet::source(text.as_str())
                    .line_start(*first_line)
                    .path(d.file.as_str())
                    .annotation(annotation),
            )
        }
        None => title.element(
            Snippet::<annotate_snippets::Annotation<'_>>::source("")
                .line_start(d.line)
                .path(d.file.as_str()),
        ),
    };
    groups.push(group);
    if let Some(help) = &d.help {
        groups.push(Group::with_title(
            Level::HELP.secondary_title(help.as_str()),
        ));
    }
    renderer.render(&groups)
}

/// The lines the span covers (redacted), their first line number, and the span within them.
fn excerpt(source: &SourceFile, d: &Diagnostic) -> Option<(String, usize, std::ops::Range<usize>)> {
    if source.text.is_empty() {
        return None;
    }
    let first = source.line_index(d.span.start);
    let last = source
        .line_index(d.span.end.max(d.span.start))
        .min(first + 8);
    let start = source.line_start(first);
    let end = source.line_span(last).end;
    let raw = source.text.get(start..end)?;
    let lines: Vec<String> = raw
        .split('\n')
        .map(|l| buildmedic_redact::redact(l.trim_end_matches('\r')).into_owned())
        .collect();
    let text = lines.join("\n");
    let changed = text.len() != raw.len();
    let mut s = d.span.start.saturating_sub(start);
    let mut e = d.span.end.min(end).saturating_sub(start).max(s);
    if changed {
        // Redaction shortened the line: shorten the underline by as much, inside the text.
        let shrink = raw.len().saturating_sub(text.len());
        s = s.min(text.len());
        e = e.saturating_sub(shrink).min(text.len()).max(s);
    }
    while s > 0 && !text.is_char_boundary(s) {
        s -= 1;
    }
    while e < text.len() && !text.is_char_boundary(e) {
        e += 1;
    }
    Some((text, first + 1, s..e))
}

/// `Found 2 errors and 1 warning in 3 files.`
pub fn summary(report: &LintReport) -> String {
    let (errors, warnings, infos) = report.counts();
    let files = report.files.len();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    if errors + warnings + infos == 0 {
        return format!("No problems found in {}.", plural(files, "file"));
    }
    let mut parts = vec![plural(errors, "error"), plural(warnings, "warning")];
    if infos > 0 {
        parts.push(plural(infos, "note"));
    }
    let fixable = report.diagnostics.iter().filter(|d| d.fixable).count();
    let fix_hint = if fixable > 0 {
        format!(
            " {} fixable with `buildmedic lint --fix`.",
            plural(fixable, "finding")
        )
    } else {
        String::new()
    };
    format!(
        "Found {} in {}.{fix_hint}",
        parts.join(", "),
        plural(files, "file")
    )
}
