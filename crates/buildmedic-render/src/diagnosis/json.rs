//! `--format json`: one `buildmedic.diagnosis/v1` object per line.

use buildmedic_engine::Diagnosis;

pub fn json(d: &Diagnosis) -> String {
    // Serialising plain data structures cannot fail.
    let mut s = serde_json::to_string(d).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
