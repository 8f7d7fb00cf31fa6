//! `buildmedic rules trace LOG`: which signature matched which line, with what score, which
//! gate dropped a match, how each kind came out, and why the primary won.

use std::fmt::Write as _;

use buildmedic_engine::{Diagnosis, Trace};

/// At most this many characters of a matched line are shown.
const TEXT: usize = 100;

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(TEXT).collect();
    if s.chars().count() > TEXT {
        out.push('…');
    }
    out
}

pub fn text(d: &Diagnosis, t: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} ({})", d.source, status(d), t.status);
    let _ = writeln!(out, "primary: {}", t.primary);
    let _ = writeln!(out, "\nmatches ({}):", t.matches.len());
    for m in &t.matches {
        let step = m.step.map_or_else(|| "-".to_string(), |s| format!("#{s}"));
        let verdict = match &m.dropped {
            Some(why) => format!("dropped: {why}"),
            None => format!(
                "{:.2} = {} × {} × {}{}",
                m.value,
                m.score.weight,
                m.score.location,
                m.score.context,
                if m.fatal { "" } else { " (not fatal)" }
            ),
        };
        let _ = writeln!(
            out,
            "  {:>6}  {:<44} step {:<5} {:<18} {verdict}",
            m.line,
            m.signature,
            step,
            location(m.location),
        );
        let _ = writeln!(out, "          | {}", short(&m.text));
    }
    let _ = writeln!(out, "\nkinds:");
    for k in &t.kinds {
        let _ = writeln!(
            out,
            "  {:<30} {:.2}  line {:<6} {}",
            k.kind, k.score, k.first_line, k.outcome
        );
    }
    out
}

fn status(d: &Diagnosis) -> &'static str {
    match d.status {
        buildmedic_engine::Status::Failed => "failed",
        buildmedic_engine::Status::Succeeded => "succeeded",
    }
}

fn location(l: buildmedic_engine::Location) -> &'static str {
    use buildmedic_engine::Location as L;
    match l {
        L::FailingStep => "failing-step",
        L::NoStep => "no-step",
        L::OtherFailedStep => "other-failed-step",
        L::UnfinishedStep => "unfinished-step",
        L::SucceededStep => "succeeded-step",
    }
}

pub fn json(d: &Diagnosis, t: &Trace) -> String {
    let v = serde_json::json!({
        "schema": "buildmedic.trace/v1",
        "source": d.source,
        "status": d.status,
        "primary": d.primary().map(|p| p.kind.as_str()),
        "trace": t,
    });
    serde_json::to_string(&v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
