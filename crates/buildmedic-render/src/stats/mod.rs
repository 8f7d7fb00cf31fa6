//! Renderers of the fleet report (`buildmedic stats`) and of baseline diffs
//! (`buildmedic diff`). They format a finished [`StatsReport`] or [`DiffReport`]; the
//! counting, merging and clustering live in `buildmedic-fleet`.

mod csv;
mod diff;
mod html;
mod markdown;
mod text;

pub use diff::{diff_json, diff_text};

use buildmedic_fleet::StatsReport;

/// Output formats of `buildmedic stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Markdown,
    Html,
}

/// Renders `report` in `format`.
pub fn render(report: &StatsReport, format: Format) -> String {
    match format {
        Format::Text => text::text(report),
        Format::Json => json(report),
        Format::Csv => csv::csv(report),
        Format::Markdown => markdown::markdown(report),
        Format::Html => html::html(report),
    }
}

/// The `buildmedic.stats/v1` JSON (pretty-printed, one trailing newline). It carries the
/// exact state `stats merge` needs.
pub fn json(report: &StatsReport) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// `12.3 %`
pub(crate) fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// `1.2 MB`, `340 B`
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `850 µs`, `12.3 ms`, `1.20 s`
pub(crate) fn duration(micros: u64) -> String {
    if micros < 1000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.1} ms", micros as f64 / 1000.0)
    } else {
        format!("{:.2} s", micros as f64 / 1e6)
    }
}

/// The entity names shown first, in this order; others follow alphabetically.
pub(crate) const ENTITY_ORDER: &[&str] = &[
    "package", "image", "command", "module", "channel", "registry", "host",
];

/// `(name, values)` of one kind's entities, preferred names first.
pub(crate) fn entity_names<V>(names: &std::collections::BTreeMap<String, V>) -> Vec<(&str, &V)> {
    let mut v: Vec<(&str, &V)> = names.iter().map(|(k, v)| (k.as_str(), v)).collect();
    v.sort_by_key(|(k, _)| {
        (
            ENTITY_ORDER
                .iter()
                .position(|o| o == k)
                .unwrap_or(ENTITY_ORDER.len()),
            *k,
        )
    });
    v
}

/// One line of text: control characters (a cluster example could hold any byte) shown as
/// spaces so they cannot move the cursor or break a table.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
