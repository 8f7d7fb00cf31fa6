//! `--format text`: a headline and a code frame of the evidence, like rustc.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use buildmedic_engine::{Diagnosis, Finding, Severity, Status};

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: Style, s: &str) -> String {
        if self.on {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    }
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const OK: Style = AnsiColor::Green.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default().bold();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn text(d: &Diagnosis, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    if d.status == Status::Succeeded {
        let _ = writeln!(
            out,
            "{}: {}: the build succeeded ({} lines, {} steps)",
            p.paint(OK, "ok"),
            d.source,
            d.stats.lines,
            d.stats.steps
        );
        for f in d
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
        {
            latent(&mut out, &p, d, f);
        }
        return out;
    }
    let Some(f) = d.primary() else {
        return out;
    };
    let (width, pad) = headline(&mut out, &p, ERROR, "error", f);
    let location = f
        .lines
        .first()
        .map(|l| format!("{}:{l}", d.source))
        .unwrap_or_else(|| d.source.clone());
    let _ = writeln!(out, "{pad}{} {location}", p.paint(GUTTER, "-->"));
    if let Some(s) = &d.failing_step {
        let mut line = format!("failing step: {}", super::step_title(s));
        if let Some(c) = s.exit_code {
            line.push_str(&format!(" (exit code {c}"));
            if let Some(m) = s.exit_meaning {
                line.push_str(&format!(": {m}"));
            }
            line.push(')');
        }
        let _ = writeln!(out, "{pad} {} {line}", p.paint(GUTTER, "="));
    }
    let _ = writeln!(out, "{pad} {}", p.paint(GUTTER, "|"));
    let mut prev: Option<u64> = None;
    for (l, e) in f.lines.iter().zip(&f.evidence) {
        if prev.is_some_and(|p| *l > p + 1) {
            let _ = writeln!(out, "{}", p.paint(GUTTER, &format!("{:>width$}", "...")));
        }
        let _ = writeln!(out, "{} {e}", p.paint(GUTTER, &format!("{l:>width$} |")));
        prev = Some(*l);
    }
    let _ = writeln!(out, "{pad} {}", p.paint(GUTTER, "|"));
    for (name, values) in &f.entities {
        let _ = writeln!(
            out,
            "{pad} {} {name}: {}",
            p.paint(GUTTER, "="),
            values.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{pad} {} confidence: {:.2}",
        p.paint(GUTTER, "="),
        f.confidence
    );
    for c in &f.causes {
        let _ = writeln!(out, "{}: {c}", p.paint(BOLD, "cause"));
    }
    for s in &f.steps {
        let _ = writeln!(out, "{}: {s}", p.paint(HELP, "help"));
    }
    definition(&mut out, &p, f);
    for other in d
        .findings
        .iter()
        .filter(|x| !x.primary && x.severity == Severity::Error)
    {
        let line = other
            .lines
            .first()
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}: also found {} {:.2}{line}: {}",
            p.paint(WARN, "note"),
            other.kind,
            other.confidence,
            other.title
        );
    }
    for s in &d.suppressed {
        let _ = writeln!(
            out,
            "{}",
            p.paint(DIM, &format!("note: {} suppressed: {}", s.kind, s.reason))
        );
    }
    for f in d
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
    {
        latent(&mut out, &p, d, f);
    }
    out
}

/// The definition line the finding comes from (`diagnose --env`) as a second code frame,
/// lint's findings on it, and the suggested edit as a diff.
fn definition(out: &mut String, p: &Paint, f: &Finding) {
    let Some(def) = &f.definition else {
        return;
    };
    let width = def
        .frame
        .iter()
        .map(|l| l.line)
        .max()
        .map_or(1, |l| l.to_string().len())
        .max(2);
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{}: {}", p.paint(BOLD, "definition"), def.what);
    let _ = writeln!(
        out,
        "{pad}{} {}:{}:{}",
        p.paint(GUTTER, "-->"),
        def.file,
        def.line,
        def.column
    );
    let _ = writeln!(out, "{pad} {}", p.paint(GUTTER, "|"));
    for l in &def.frame {
        let _ = writeln!(
            out,
            "{} {}",
            p.paint(GUTTER, &format!("{:>width$} |", l.line)),
            l.text
        );
        if l.line == def.line {
            let len = if def.end_line == def.line {
                def.end_column.saturating_sub(def.column).max(1)
            } else {
                l.text
                    .chars()
                    .count()
                    .saturating_sub(def.column.saturating_sub(1))
                    .max(1)
            };
            let _ = writeln!(
                out,
                "{pad} {} {}{}",
                p.paint(GUTTER, "|"),
                " ".repeat(def.column.saturating_sub(1)),
                p.paint(ERROR, &"^".repeat(len))
            );
        }
    }
    let _ = writeln!(out, "{pad} {}", p.paint(GUTTER, "|"));
    for n in &def.lint {
        let _ = writeln!(
            out,
            "{pad} {} lint {} (line {}): {}",
            p.paint(GUTTER, "="),
            n.check,
            n.line,
            n.message
        );
    }
    if let Some(e) = &f.edit {
        let how = match e.verification {
            "verified" => "verified with preflight",
            "from-log" => "from the versions the log lists",
            "lint" => "lint's fix",
            "build-context" => "checked in the build context",
            _ => "not verified",
        };
        let _ = writeln!(
            out,
            "{}: {} ({how}; `--fix` applies it)",
            p.paint(HELP, "suggested edit"),
            e.description
        );
        if let Some(said) = &e.preflight {
            let _ = writeln!(out, "{}", p.paint(DIM, &format!("preflight: {said}")));
        }
        for line in e.diff.lines() {
            let style = if line.starts_with("+++") || line.starts_with("---") {
                BOLD
            } else if line.starts_with('+') {
                OK
            } else if line.starts_with('-') {
                ERROR
            } else if line.starts_with("@@") {
                GUTTER
            } else {
                Style::new()
            };
            let _ = writeln!(out, "{}", p.paint(style, line));
        }
    }
}

/// Writes `label[kind]: title` and returns the gutter width (the widest evidence line
/// number) and its padding.
fn headline(
    out: &mut String,
    p: &Paint,
    style: Style,
    label: &str,
    f: &Finding,
) -> (usize, String) {
    let _ = writeln!(
        out,
        "{}{} {}",
        p.paint(style, &format!("{label}[{}]", f.kind)),
        p.paint(BOLD, ":"),
        p.paint(BOLD, &f.title)
    );
    let width = f
        .lines
        .iter()
        .max()
        .map_or(1, |l| l.to_string().len())
        .max(2);
    (width, " ".repeat(width))
}

/// A latent problem: a headline, its evidence lines and the fix steps.
fn latent(out: &mut String, p: &Paint, d: &Diagnosis, f: &Finding) {
    let (width, pad) = headline(out, p, WARN, "warning", f);
    if let Some(l) = f.lines.first() {
        let _ = writeln!(out, "{pad}{} {}:{l}", p.paint(GUTTER, "-->"), d.source);
    }
    for (l, e) in f.lines.iter().zip(&f.evidence) {
        let _ = writeln!(out, "{} {e}", p.paint(GUTTER, &format!("{l:>width$} |")));
    }
    for s in &f.steps {
        let _ = writeln!(out, "{}: {s}", p.paint(HELP, "help"));
    }
    definition(out, p, f);
}
