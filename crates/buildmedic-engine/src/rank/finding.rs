//! Building the findings of a diagnosis from scored matches.

use std::collections::{BTreeMap, HashSet};

use buildmedic_kb::{Entry, Severity, UNKNOWN};
use buildmedic_log::{LogSummary, StepId};
use buildmedic_redact::redact;

use super::policy::RankPolicy;
use super::{KindScore, Scored};
use crate::diagnosis::{Finding, Location, Score};
use crate::matcher::Matcher;
use crate::scan::{Candidate, Scan};

/// The lines of a kind's matches, in order, at most `max`.
pub(crate) fn first_lines(matches: &[Scored<'_>], max: usize) -> Vec<u64> {
    let mut lines: Vec<u64> = matches.iter().map(|s| s.m.line).collect();
    lines.sort_unstable();
    lines.dedup();
    lines.truncate(max);
    lines
}

pub(crate) fn finding(
    policy: &RankPolicy,
    matcher: &Matcher,
    entry: &Entry,
    k: &KindScore<'_>,
    primary: bool,
) -> Finding {
    // Evidence: the strongest matches (with their windows), shown in line order.
    let mut ev: Vec<(u64, String)> = Vec::new();
    for s in k
        .matches
        .iter()
        .take(policy.evidence_matches)
        .filter(|s| s.score.value() >= policy.evidence_share * k.score)
    {
        ev.push((s.m.line, s.m.text.clone()));
        ev.extend(s.m.window.iter().cloned());
    }
    ev.sort_by_key(|(l, _)| *l);
    ev.dedup_by(|a, b| a.0 == b.0);
    // Keep lines unique by text too: BuildKit repeats the failed step's tail in a summary.
    let mut seen = HashSet::new();
    ev.retain(|(_, t)| seen.insert(t.clone()));
    ev.truncate(policy.max_evidence);

    let mut entities: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &k.matches {
        for (name, value) in &s.m.captures {
            let v = redact(value).into_owned();
            let list = entities.entry((*name).to_string()).or_default();
            if !list.contains(&v) && list.len() < policy.max_entity_values {
                list.push(v);
            }
        }
    }
    let mut signatures: Vec<String> = Vec::new();
    for s in &k.matches {
        let id = format!(
            "{}/{}",
            entry.kind, matcher.signatures[s.m.signature as usize].def.id
        );
        if !signatures.contains(&id) {
            signatures.push(id);
        }
    }
    let agreeing = signatures.len().min(policy.agreement_max) as f32;
    let confidence = (k.score + policy.agreement_bonus * (agreeing - 1.0))
        .clamp(policy.confidence_min, policy.confidence_max);
    let best = k.matches.first();
    Finding {
        kind: entry.kind.clone(),
        primary,
        severity: k.severity,
        title: entry.title.clone(),
        confidence: round2(confidence),
        score: best.map_or_else(Score::default, |s| s.score),
        lines: ev.iter().map(|(l, _)| *l).collect(),
        evidence: ev
            .into_iter()
            .map(|(_, t)| redact(&t).into_owned())
            .collect(),
        steps: entry.render_fix(&entities),
        entities,
        causes: entry.causes.clone(),
        affected: entry.affected.clone(),
        references: entry.references.clone(),
        signatures,
        location: best.map_or(Location::NoStep, |s| s.location),
        definition: None,
        edit: None,
    }
}

pub(crate) fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Candidate error lines of a step: the anchored lines that looked like errors, and the
/// error-looking lines among its last lines.
pub(crate) fn candidates_of(
    matcher: &Matcher,
    scanner: &Scan,
    step: Option<StepId>,
) -> Vec<Candidate> {
    let Some(b) = scanner.bucket(step) else {
        return Vec::new();
    };
    let mut out = b.candidates.clone();
    for (line, text) in &b.tail {
        let rank = matcher.error_rank(text.as_bytes());
        if rank > 0 && !out.iter().any(|c| c.line == *line) {
            out.push(Candidate {
                line: *line,
                rank,
                text: text.clone(),
            });
        }
    }
    out
}

pub(crate) fn unknown_finding(
    policy: &RankPolicy,
    matcher: &Matcher,
    entry: Option<&Entry>,
    summary: &LogSummary,
    scanner: &Scan,
    failing: Option<StepId>,
) -> Finding {
    // Candidate lines: from the failing step, else outside steps, else the last running step.
    let order = [
        failing.map(Some),
        Some(None),
        summary.last_running_step.map(Some),
    ];
    let mut cands: Vec<Candidate> = Vec::new();
    let mut tail: Vec<(u64, String)> = Vec::new();
    for step in order.into_iter().flatten() {
        if cands.is_empty() {
            cands = candidates_of(matcher, scanner, step);
        }
        if tail.is_empty()
            && let Some(b) = scanner.bucket(step)
        {
            tail = b
                .tail
                .iter()
                .rev()
                .take(policy.unknown_tail_lines)
                .rev()
                .cloned()
                .collect();
        }
    }
    cands.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.line.cmp(&b.line)));
    // Wrapper lines only when nothing better exists.
    if cands
        .first()
        .is_some_and(|c| c.rank >= policy.unknown_min_rank)
    {
        cands.retain(|c| c.rank >= policy.unknown_min_rank);
    }
    cands.truncate(policy.unknown_max_lines);
    let mut ev: Vec<(u64, String)> = if cands.is_empty() {
        tail
    } else {
        cands.into_iter().map(|c| (c.line, c.text)).collect()
    };
    ev.sort_by_key(|(l, _)| *l);
    ev.dedup_by(|a, b| a.1 == b.1);
    Finding {
        kind: UNKNOWN.to_string(),
        primary: true,
        severity: Severity::Error,
        title: entry.map_or_else(
            || "The build failed for a reason buildmedic does not know".to_string(),
            |e| e.title.clone(),
        ),
        confidence: policy.unknown_confidence,
        score: Score::default(),
        lines: ev.iter().map(|(l, _)| *l).collect(),
        evidence: ev
            .into_iter()
            .map(|(_, t)| redact(&t).into_owned())
            .collect(),
        entities: BTreeMap::new(),
        causes: entry.map(|e| e.causes.clone()).unwrap_or_default(),
        affected: entry.map(|e| e.affected.clone()).unwrap_or_default(),
        steps: Vec::new(),
        references: entry.map(|e| e.references.clone()).unwrap_or_default(),
        signatures: Vec::new(),
        location: if failing.is_some() {
            Location::FailingStep
        } else {
            Location::NoStep
        },
        definition: None,
        edit: None,
    }
}
