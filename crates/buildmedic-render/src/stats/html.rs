//! One offline HTML file: no scripts, no fonts, no network; charts are inline SVG.
//!
//! Charts: failed logs by kind, the top entities of the most frequent kinds, and logs per
//! day when the logs carry timestamps. Tables: kinds, clusters of unknown failures with
//! examples, the largest and slowest logs, unreadable inputs.

use std::fmt::Write;

use buildmedic_fleet::StatsReport;
use buildmedic_fleet::report::DayCount;

use super::{bytes, duration, entity_names, one_line, percent};

/// Kinds whose entities get a chart.
const ENTITY_KINDS: usize = 4;
/// Entity names charted per kind.
const ENTITY_NAMES: usize = 2;
const BARS: usize = 15;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A horizontal bar chart of `(label, value)`.
fn hbars(title: &str, items: &[(String, u64)], color: &str) -> String {
    let items = &items[..items.len().min(BARS)];
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (280.0, 360.0, 22.0);
    let height = 30.0 + row_h * items.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure><svg xmlns="http://www.w3.org/2000/svg" width="720" height="{height}" viewBox="0 0 720 {height}" role="img" aria-label="{t}"><text x="0" y="16" class="t">{t}</text>"#,
        t = esc(title)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 28.0 + row_h * i as f64;
        let w = (bar_w * *v as f64 / max as f64).max(1.0);
        let short = crate::diagnosis::shorten(label, 40);
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" text-anchor="end">{l}</text><rect x="{bx}" y="{y}" width="{w:.1}" height="16" fill="{color}"><title>{full}: {v}</title></rect><text x="{vx:.1}" y="{ty}">{v}</text>"#,
            lx = label_w - 8.0,
            ty = y + 12.0,
            l = esc(&short),
            bx = label_w,
            full = esc(label),
            vx = label_w + w + 6.0,
        );
    }
    s.push_str("</svg></figure>\n");
    s
}

/// Logs per day: failed stacked on succeeded.
fn days(over_time: &[DayCount]) -> String {
    let n = over_time.len().max(1) as f64;
    let max = over_time.iter().map(|d| d.logs).max().unwrap_or(0).max(1) as f64;
    let (left, width, top, h) = (40.0, 660.0, 24.0, 180.0);
    let bar = (width / n).min(40.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure><svg xmlns="http://www.w3.org/2000/svg" width="720" height="240" viewBox="0 0 720 240" role="img" aria-label="logs per day"><text x="0" y="16" class="t">Logs per day (failed in red)</text><text x="{tx}" y="{ty}" text-anchor="end">{max}</text>"#,
        tx = left - 4.0,
        ty = top + 8.0,
    );
    for (i, d) in over_time.iter().enumerate() {
        let x = left + bar * i as f64;
        let total_h = h * d.logs as f64 / max;
        let failed_h = h * d.failed as f64 / max;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{total_h:.1}" fill="#9aa5b1"><title>{day}: {logs} logs, {failed} failed</title></rect><rect x="{x:.1}" y="{fy:.1}" width="{w:.1}" height="{failed_h:.1}" fill="#c0392b"><title>{day}: {failed} failed</title></rect>"##,
            y = top + h - total_h,
            w = (bar - 1.0).max(1.0),
            fy = top + h - failed_h,
            day = esc(&d.day),
            logs = d.logs,
            failed = d.failed,
        );
    }
    if let (Some(first), Some(last)) = (over_time.first(), over_time.last()) {
        let _ = write!(
            s,
            r#"<text x="{left}" y="{y}">{a}</text><text x="{r}" y="{y}" text-anchor="end">{b}</text>"#,
            y = top + h + 18.0,
            a = esc(&first.day),
            r = left + width,
            b = esc(&last.day),
        );
    }
    s.push_str("</svg></figure>\n");
    s
}

pub fn html(r: &StatsReport) -> String {
    let mut o = String::new();
    o.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>buildmedic stats</title><style>",
        "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#1d2733}",
        "table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #d5dbe1;padding:.25em .6em;text-align:left;vertical-align:top}",
        "td.n{text-align:right}code{font:12px ui-monospace,monospace;background:#f1f3f5;padding:0 .2em}",
        "svg text{font:12px system-ui,sans-serif;fill:#1d2733}svg text.t{font-weight:600}figure{margin:1em 0}",
        "</style></head><body>\n<h1>buildmedic stats</h1>\n"
    ));
    let _ = writeln!(
        o,
        "<p>{} logs: <strong>{} failed</strong>, {} succeeded; {} read, {} lines. Unknown: {} of failed logs.{}</p>",
        r.logs,
        r.failed,
        r.succeeded,
        bytes(r.bytes),
        r.lines,
        percent(r.unknown_share),
        if r.input_errors > 0 {
            format!(" Unreadable inputs: {}.", r.input_errors)
        } else {
            String::new()
        }
    );
    let kinds = r.kinds_by_count();
    if !kinds.is_empty() {
        o.push_str("<h2>Failures by kind</h2>\n");
        let items: Vec<(String, u64)> = kinds
            .iter()
            .map(|(k, n, _)| ((*k).to_string(), *n))
            .collect();
        let title = if items.len() > BARS {
            format!("Failed logs by kind (the {BARS} most frequent)")
        } else {
            "Failed logs by kind".to_string()
        };
        o.push_str(&hbars(&title, &items, "#2e6fba"));
        o.push_str("<table><tr><th>kind</th><th>logs</th><th>share</th></tr>\n");
        for (k, n, share) in &kinds {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"n\">{n}</td><td class=\"n\">{}</td></tr>",
                esc(k),
                percent(*share)
            );
        }
        o.push_str("</table>\n");
    }
    let mut entity_charts = String::new();
    for (kind, _, _) in kinds.iter().take(ENTITY_KINDS) {
        let Some(names) = r.top_entities.get(*kind) else {
            continue;
        };
        for (name, values) in entity_names(names).into_iter().take(ENTITY_NAMES) {
            let items: Vec<(String, u64)> =
                values.iter().map(|v| (v.value.clone(), v.count)).collect();
            entity_charts.push_str(&hbars(&format!("{kind}: {name}"), &items, "#6a4fb3"));
        }
    }
    if !entity_charts.is_empty() {
        o.push_str("<h2>Top entities</h2>\n");
        o.push_str(&entity_charts);
    }
    if !r.over_time.is_empty() {
        o.push_str("<h2>Over time</h2>\n");
        o.push_str(&days(&r.over_time));
    }
    if !r.clusters.is_empty() {
        o.push_str("<h2>Unknown failures by message</h2>\n<table><tr><th>#</th><th>logs</th><th>lines</th><th>template and examples</th></tr>\n");
        for (i, c) in r.clusters.iter().enumerate() {
            let examples: Vec<String> = c
                .examples
                .iter()
                .map(|e| {
                    format!(
                        "<br>{}:{}: <code>{}</code>",
                        esc(&e.source),
                        e.line,
                        esc(&crate::diagnosis::shorten(&e.text, 200))
                    )
                })
                .collect();
            let _ = writeln!(
                o,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td><code>{}</code>{}</td></tr>",
                i + 1,
                c.logs,
                c.lines,
                esc(&c.template),
                examples.concat()
            );
        }
        o.push_str("</table>\n");
    }
    if !r.largest.is_empty() {
        o.push_str(
            "<h2>Largest logs</h2>\n<table><tr><th>size</th><th>log</th><th>kind</th></tr>\n",
        );
        for l in &r.largest {
            let _ = writeln!(
                o,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                bytes(l.bytes),
                esc(&l.source),
                esc(l.kind.as_deref().unwrap_or(&l.status))
            );
        }
        o.push_str("</table>\n<h2>Slowest logs</h2>\n<table><tr><th>time</th><th>log</th><th>kind</th></tr>\n");
        for l in &r.slowest {
            let _ = writeln!(
                o,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                duration(l.micros),
                esc(&l.source),
                esc(l.kind.as_deref().unwrap_or(&l.status))
            );
        }
        o.push_str("</table>\n");
    }
    if !r.errors.is_empty() {
        o.push_str("<h2>Inputs that could not be read</h2>\n<ul>\n");
        for e in &r.errors {
            let _ = writeln!(o, "<li>{}: {}</li>", esc(&e.path), esc(&e.error));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</body></html>\n");
    o
}
