//! `buildmedic diff` output: the novel lines of a failed log with their context.

use std::fmt::Write;

use buildmedic_fleet::DiffReport;

use super::{one_line, percent};

/// `grep -C`-like hunks: `+` marks a novel line, a space a context line; then the summary.
pub fn diff_text(r: &DiffReport) -> String {
    let mut o = String::new();
    let width = r
        .hunks
        .last()
        .and_then(|h| h.lines.last())
        .map_or(1, |l| l.line.to_string().len());
    for (i, h) in r.hunks.iter().enumerate() {
        if i > 0 {
            o.push_str("--\n");
        }
        for l in &h.lines {
            let mark = if l.novel { '+' } else { ' ' };
            let _ = writeln!(o, "{mark} {:>width$} | {}", l.line, one_line(&l.text));
        }
    }
    if r.truncated {
        let _ = writeln!(o, "… more novel lines not shown (--max-lines)");
    }
    let _ = writeln!(
        o,
        "{}: {} of {} lines are new against {} ({} removed: {} in the baseline, {} repeated, {} blank)",
        r.source,
        r.kept,
        r.lines,
        r.baselines.join(", "),
        percent(r.removed_share),
        r.in_baseline,
        r.repeated,
        r.blank
    );
    o
}

/// The `buildmedic.diff/v1` JSON object, one line.
pub fn diff_json(r: &DiffReport) -> String {
    let mut s = serde_json::to_string(r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
