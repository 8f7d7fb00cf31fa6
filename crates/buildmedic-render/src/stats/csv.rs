//! One CSV table of everything, for spreadsheets and `duckdb`: each row is
//! `section,kind,key,value,count,share`.
//!
//! | section | kind | key | value | count | share |
//! |---|---|---|---|---|---|
//! | `summary` | | `logs`, `failed`, `succeeded`, `input_errors`, `bytes`, `lines` | | n | |
//! | `kind` | kind | | | logs | of failed logs |
//! | `entity` | kind | entity name | value | logs | |
//! | `cluster` | | rank | template | logs | |
//! | `largest` | kind | source | status | bytes | |
//! | `slowest` | kind | source | status | microseconds | |
//! | `day` | | `YYYY-MM-DD` | | logs | failed share |
//! | `error` | | path | error | | |

use buildmedic_fleet::StatsReport;

pub fn csv(r: &StatsReport) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut row = |fields: [&str; 6]| {
        // Writing to memory cannot fail.
        let _ = w.write_record(fields);
    };
    row(["section", "kind", "key", "value", "count", "share"]);
    for (key, n) in [
        ("logs", r.logs),
        ("failed", r.failed),
        ("succeeded", r.succeeded),
        ("input_errors", r.input_errors),
        ("bytes", r.bytes),
        ("lines", r.lines),
    ] {
        row(["summary", "", key, "", &n.to_string(), ""]);
    }
    for (kind, n, share) in r.kinds_by_count() {
        row(["kind", kind, "", "", &n.to_string(), &format!("{share:.4}")]);
    }
    for (kind, names) in &r.top_entities {
        for (name, values) in names {
            for v in values {
                row(["entity", kind, name, &v.value, &v.count.to_string(), ""]);
            }
        }
    }
    for (i, c) in r.clusters.iter().enumerate() {
        row([
            "cluster",
            "",
            &(i + 1).to_string(),
            &c.template,
            &c.logs.to_string(),
            "",
        ]);
    }
    for (section, list) in [("largest", &r.largest), ("slowest", &r.slowest)] {
        for l in list {
            let n = if section == "largest" {
                l.bytes
            } else {
                l.micros
            };
            row([
                section,
                l.kind.as_deref().unwrap_or(""),
                &l.source,
                &l.status,
                &n.to_string(),
                "",
            ]);
        }
    }
    for d in &r.over_time {
        let share = if d.logs == 0 {
            0.0
        } else {
            d.failed as f64 / d.logs as f64
        };
        row([
            "day",
            "",
            &d.day,
            "",
            &d.logs.to_string(),
            &format!("{share:.4}"),
        ]);
    }
    for e in &r.errors {
        row(["error", "", &e.path, &e.error, "", ""]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}
