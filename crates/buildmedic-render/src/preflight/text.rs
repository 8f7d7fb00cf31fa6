//! Text: a block per failing or risky check (`error[kind]: message`, where, help), a line
//! per passing check, then the summary.

use anstyle::{AnsiColor, Style};
use buildmedic_preflight::{Check, PreflightReport, Specific};

/// Options of the text renderer.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// ANSI colours (decide with [`crate::use_color`]).
    pub color: bool,
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

pub fn render(report: &PreflightReport, options: &TextOptions) -> String {
    let c = options.color;
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let blue = Style::new().fg_color(Some(AnsiColor::Blue.into())).bold();
    let bold = Style::new().bold();
    let mut out = String::new();
    for check in report.checks.iter().filter(|k| k.fails() || k.is_warning()) {
        let (word, style) = if check.fails() {
            ("error", red)
        } else {
            ("warning", yellow)
        };
        let label = match check.kind {
            Some(kind) => format!("{word}[{kind}]"),
            None => word.to_string(),
        };
        out.push_str(&format!(
            "{}{} {}\n",
            paint(c, style, &label),
            paint(c, bold, ":"),
            paint(c, bold, &check.message)
        ));
        if let Some(src) = &check.details.source {
            let arrow = paint(c, blue, "-->");
            out.push_str(&format!("  {arrow} {}:{}\n", src.file, src.line));
        }
        let eq = paint(c, blue, "=");
        out.push_str(&format!(
            "   {eq} {}: {} ({})\n",
            check.check.as_str(),
            check.target,
            check.status.as_str()
        ));
        for line in detail_lines(check) {
            out.push_str(&format!("   {eq} {line}\n"));
        }
        if let Some(help) = &check.details.help {
            out.push_str(&format!("{}: {help}\n", paint(c, bold, "help")));
        }
        out.push('\n');
    }
    for check in report
        .checks
        .iter()
        .filter(|k| !k.fails() && !k.is_warning())
    {
        out.push_str(&format!(
            "{} {:<5} {}\n",
            paint(c, green, "ok"),
            check.check.as_str(),
            check.message
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push_str(&format!("preflight: {}\n", super::summary(report)));
    out
}

/// Facts worth a line under a failing check.
fn detail_lines(check: &Check) -> Vec<String> {
    let d = &check.details;
    let mut lines = Vec::new();
    if let Some(reason) = &d.reason {
        lines.push(format!("reason: {reason}"));
    }
    match &d.specific {
        Specific::Image(i) => {
            if !i.tags.is_empty() {
                lines.push(format!("existing tags: {}", i.tags.join(", ")));
            }
            if !i.platforms.is_empty() {
                lines.push(format!("platforms: {}", i.platforms.join(", ")));
            }
            if let Some(cred) = &i.credentials {
                lines.push(format!("credentials: {cred}"));
            }
        }
        Specific::Conda(k) => {
            lines.push(format!(
                "channels: {} ({})",
                k.channels.join(", "),
                k.subdirs.join(", ")
            ));
            if !k.closest_versions.is_empty() {
                lines.push(format!(
                    "closest versions: {}",
                    k.closest_versions.join(", ")
                ));
            }
            if !k.carried_by.is_empty() {
                lines.push(format!("carried by: {}", k.carried_by.join(", ")));
            }
            if let Some(py) = &k.python {
                lines.push(format!("python: {py}"));
            }
        }
        Specific::Pip(p) => {
            lines.push(format!("indexes: {}", p.indexes.join(", ")));
            lines.push(format!("python: {} on {}", p.python, p.platform));
            if !p.versions.is_empty() {
                let shown: Vec<&str> = p.versions.iter().take(10).map(String::as_str).collect();
                lines.push(format!(
                    "versions: {}{}",
                    shown.join(", "),
                    if p.versions.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    }
                ));
            }
            if !p.requires_python.is_empty() {
                lines.push(format!("requires-python: {}", p.requires_python.join("; ")));
            }
        }
        Specific::None => {}
    }
    lines
}
