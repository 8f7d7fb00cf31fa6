//! The terminal report: tables a person reads top to bottom.

use std::fmt::Write;

use buildmedic_fleet::StatsReport;

use super::{bytes, duration, entity_names, one_line, percent};

/// Values shown per entity name in text (the JSON has ten).
const VALUES: usize = 5;
/// Clusters shown in text.
const CLUSTERS: usize = 10;
/// Examples shown per cluster.
const EXAMPLES: usize = 2;

pub fn text(r: &StatsReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} logs: {} failed, {} succeeded{}; {} read, {} lines",
        r.logs,
        r.failed,
        r.succeeded,
        if r.input_errors > 0 {
            format!("; unreadable inputs: {}", r.input_errors)
        } else {
            String::new()
        },
        bytes(r.bytes),
        r.lines
    );
    if r.failed > 0 {
        let _ = writeln!(o, "unknown: {} of failed logs", percent(r.unknown_share));
        let kinds = r.kinds_by_count();
        let width = kinds
            .iter()
            .map(|(k, ..)| k.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let _ = writeln!(o, "\n{:<width$}  {:>8}  {:>7}", "kind", "logs", "share");
        for (kind, n, share) in &kinds {
            let _ = writeln!(o, "{kind:<width$}  {n:>8}  {:>7}", percent(*share));
        }
    }
    if r.top_entities.values().any(|n| !n.is_empty()) {
        let _ = writeln!(o, "\ntop entities");
        for (kind, _, _) in r.kinds_by_count() {
            let Some(names) = r.top_entities.get(kind).filter(|n| !n.is_empty()) else {
                continue;
            };
            let _ = writeln!(o, "  {kind}");
            for (name, values) in entity_names(names) {
                let shown: Vec<String> = values
                    .iter()
                    .take(VALUES)
                    .map(|v| {
                        format!(
                            "{} ({})",
                            one_line(&crate::diagnosis::shorten(&v.value, 60)),
                            v.count
                        )
                    })
                    .collect();
                let _ = writeln!(o, "    {name}: {}", shown.join(", "));
            }
        }
    }
    if !r.clusters.is_empty() {
        let _ = writeln!(
            o,
            "\nunknown failures by message ({} of {} clusters)",
            r.clusters.len().min(CLUSTERS),
            r.clusters.len()
        );
        for (i, c) in r.clusters.iter().take(CLUSTERS).enumerate() {
            let _ = writeln!(
                o,
                "  {:>2}. {} logs, {} lines: {}",
                i + 1,
                c.logs,
                c.lines,
                one_line(&c.template)
            );
            for e in c.examples.iter().take(EXAMPLES) {
                let _ = writeln!(
                    o,
                    "        {}:{}: {}",
                    e.source,
                    e.line,
                    one_line(&crate::diagnosis::shorten(&e.text, 120))
                );
            }
        }
    }
    if !r.largest.is_empty() {
        let _ = writeln!(o, "\nlargest logs");
        for l in &r.largest {
            let _ = writeln!(o, "  {:>9}  {}", bytes(l.bytes), l.source);
        }
        let _ = writeln!(o, "\nslowest logs");
        for l in &r.slowest {
            let _ = writeln!(o, "  {:>9}  {}", duration(l.micros), l.source);
        }
    }
    if !r.over_time.is_empty() {
        let _ = writeln!(o, "\nby day (logs with timestamps)");
        for d in &r.over_time {
            let _ = writeln!(o, "  {}  {:>6} logs  {:>6} failed", d.day, d.logs, d.failed);
        }
    }
    if !r.errors.is_empty() {
        let _ = writeln!(o, "\ninputs that could not be read");
        for e in &r.errors {
            let _ = writeln!(o, "  {}: {}", e.path, e.error);
        }
    }
    o
}
