//! A Markdown report (for a CI job summary or an issue).

use std::fmt::Write;

use buildmedic_fleet::StatsReport;

use super::{bytes, entity_names, percent};

/// Inline code that survives any content: backticks in the text get a longer fence.
fn code(s: &str) -> String {
    let s = super::one_line(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Table cell text: pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

pub fn markdown(r: &StatsReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## buildmedic stats\n");
    let _ = writeln!(
        o,
        "{} logs: **{} failed**, {} succeeded; {} read. Unknown: {} of failed logs.{}\n",
        r.logs,
        r.failed,
        r.succeeded,
        bytes(r.bytes),
        percent(r.unknown_share),
        if r.input_errors > 0 {
            format!(" Unreadable inputs: {}.", r.input_errors)
        } else {
            String::new()
        }
    );
    if !r.by_kind.is_empty() {
        let _ = writeln!(o, "| kind | logs | share |\n|---|---:|---:|");
        for (k, n, share) in r.kinds_by_count() {
            let _ = writeln!(o, "| `{k}` | {n} | {} |", percent(share));
        }
        let _ = writeln!(o);
    }
    if r.top_entities.values().any(|n| !n.is_empty()) {
        let _ = writeln!(
            o,
            "### Top entities\n\n| kind | entity | values |\n|---|---|---|"
        );
        for (kind, _, _) in r.kinds_by_count() {
            let Some(names) = r.top_entities.get(kind) else {
                continue;
            };
            for (name, values) in entity_names(names) {
                let shown: Vec<String> = values
                    .iter()
                    .take(5)
                    .map(|v| {
                        format!(
                            "{} ({})",
                            cell(&code(&crate::diagnosis::shorten(&v.value, 60))),
                            v.count
                        )
                    })
                    .collect();
                let _ = writeln!(o, "| `{kind}` | {name} | {} |", shown.join(", "));
            }
        }
        let _ = writeln!(o);
    }
    if !r.clusters.is_empty() {
        let _ = writeln!(
            o,
            "### Unknown failures by message\n\n| # | logs | lines | template | example |\n|---:|---:|---:|---|---|"
        );
        for (i, c) in r.clusters.iter().take(20).enumerate() {
            let example = c
                .examples
                .first()
                .map(|e| format!("{}:{}", cell(&e.source), e.line))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {example} |",
                i + 1,
                c.logs,
                c.lines,
                cell(&code(&c.template))
            );
        }
        let _ = writeln!(o);
    }
    if !r.largest.is_empty() {
        let _ = writeln!(o, "### Largest logs\n\n| size | log |\n|---:|---|");
        for l in &r.largest {
            let _ = writeln!(o, "| {} | {} |", bytes(l.bytes), cell(&l.source));
        }
        let _ = writeln!(o, "\n### Slowest logs\n\n| time | log |\n|---:|---|");
        for l in &r.slowest {
            let _ = writeln!(o, "| {} | {} |", super::duration(l.micros), cell(&l.source));
        }
        let _ = writeln!(o);
    }
    if !r.errors.is_empty() {
        let _ = writeln!(o, "### Inputs that could not be read\n");
        for e in &r.errors {
            let _ = writeln!(o, "* {}: {}", cell(&e.path), cell(&e.error));
        }
    }
    o
}
