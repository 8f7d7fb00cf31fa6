//! Ranking: from matches to one root cause, its symptoms and a confidence.
//!
//! Each match is scored `weight × location × context`:
//!
//! * **weight** comes from the signature: a unique tool error (~0.95) beats a generic error
//!   (~0.5), which beats a wrapper that only says something failed (~0.2).
//! * **location**: in the failing step 1.0; outside any step (snippets, summaries) 0.85, or
//!   1.0 when the log has no failing step at all; in another failed step 0.8; in a step that
//!   never finished 0.5; in a step that succeeded 0.15 — red herrings live there.
//! * **context**: a signature that names its tool (`tools = ["pip"]`) counts less when the
//!   step's command is known and runs something else.
//!
//! A kind scores its best match. Knowledge that one kind is the cause of another lives in
//! the entries (`explains`), not here: a kind that explains another suppresses it when
//! both were found with comparable strength. Among the kinds left, the strongest wins;
//! near-ties go to the earliest line, because the first real error beats its cascade.

use std::collections::{BTreeMap, HashMap};

use buildmedic_kb::{Entry, Scope, UNKNOWN};
use buildmedic_log::{BuildVerdict, LogSummary, Step, StepId};
use buildmedic_redact::redact;

use crate::diagnosis::{
    Diagnosis, FailingStep, Finding, Location, SCHEMA, Stats, Status, Suppressed, exit_meaning,
};
use crate::matcher::Matcher;
use crate::scan::{Candidate, Match, Scanner};

/// Kinds below this score are noise, not findings.
const MIN_FINDING: f32 = 0.2;
/// Without any failure framing, a log counts as failed only with a finding this strong.
const MIN_UNFRAMED_FAILURE: f32 = 0.45;
/// Below this the primary is `unknown` with the best candidate lines instead.
const MIN_PRIMARY: f32 = 0.25;
/// Scores this close count as a tie, broken by the earliest line.
const TIE: f32 = 0.05;
/// A kind suppresses one it explains when its score is at least this share of the other's.
const EXPLAIN_RATIO: f32 = 0.5;
const MAX_EVIDENCE: usize = 12;

struct Scored<'a> {
    m: &'a Match,
    score: f32,
    location: Location,
}

struct KindScore<'a> {
    kind: usize,
    score: f32,
    first_line: u64,
    matches: Vec<Scored<'a>>,
}

pub(crate) fn conclude(
    kb_entry: &dyn Fn(&str) -> Option<Entry>,
    matcher: &Matcher,
    summary: &LogSummary,
    scanner: &Scanner<'_>,
    source: &str,
) -> Diagnosis {
    let failing = summary.failing_step;
    let failing_step = failing.and_then(|id| summary.step(id));
    let all: Vec<&Match> = scanner
        .buckets
        .iter()
        .flatten()
        .chain(std::iter::once(&scanner.none))
        .flat_map(|b| b.matches.iter())
        .chain(scanner.succeeded.iter())
        .collect();
    let mut lines_of: HashMap<(usize, &str), Vec<u64>> = HashMap::new();
    for m in &all {
        let sig = &matcher.signatures[m.signature as usize];
        lines_of
            .entry((sig.kind, sig.def.id.as_str()))
            .or_default()
            .push(m.line);
    }
    let exit_codes: Vec<i32> = failing_step
        .and_then(|s| s.exit_code)
        .into_iter()
        .chain(summary.failures.iter().filter_map(|f| f.exit_code))
        .collect();

    let mut kinds: BTreeMap<usize, KindScore<'_>> = BTreeMap::new();
    for m in &all {
        let sig = &matcher.signatures[m.signature as usize];
        let def = &sig.def;
        let (location, factor) = locate(m.step, failing, summary);
        if def.scope == Scope::FailingStep
            && failing.is_some()
            && !matches!(location, Location::FailingStep | Location::NoStep)
        {
            continue;
        }
        if !def.exit_codes.is_empty() && !exit_codes.iter().any(|c| def.exit_codes.contains(c)) {
            continue;
        }
        if let Some(near) = &def.near {
            let (kind, id) = near.target(&matcher.kinds[sig.kind]);
            let Some(k) = matcher.kinds.iter().position(|k| k == kind) else {
                continue;
            };
            let close = lines_of
                .get(&(k, id))
                .is_some_and(|ls| ls.iter().any(|l| l.abs_diff(m.line) <= u64::from(near.within)));
            if !close {
                continue;
            }
        }
        let mut context = 1.0;
        if !def.tools.is_empty() {
            let command = summary.step(m.step).or(failing_step).map(|s| s.command.as_str());
            if let Some(cmd) = command {
                if !mentions_tool(cmd, &def.tools) && !looks_opaque(cmd) {
                    context = 0.4;
                }
            }
        }
        let score = def.weight * factor * context;
        let entry = kinds.entry(sig.kind).or_insert_with(|| KindScore {
            kind: sig.kind,
            score: 0.0,
            first_line: u64::MAX,
            matches: Vec::new(),
        });
        entry.matches.push(Scored { m, score, location });
    }
    for k in kinds.values_mut() {
        k.matches.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.m.line.cmp(&b.m.line)));
        k.score = k.matches.first().map_or(0.0, |s| s.score);
        // The kind's position is its first match that is nearly as strong as its best.
        k.first_line = k
            .matches
            .iter()
            .filter(|s| s.score >= k.score - TIE)
            .map(|s| s.m.line)
            .min()
            .unwrap_or(u64::MAX);
    }
    let mut present: Vec<KindScore<'_>> = kinds.into_values().filter(|k| k.score >= MIN_FINDING).collect();
    present.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.first_line.cmp(&b.first_line)));

    let best = present.first().map_or(0.0, |k| k.score);
    let failed = match summary.verdict {
        BuildVerdict::Succeeded => false,
        BuildVerdict::Failed => true,
        BuildVerdict::Unknown => failing.is_some() || best >= MIN_UNFRAMED_FAILURE,
    };
    let stats = Stats {
        lines: summary.lines,
        bytes: summary.bytes,
        steps: summary.steps.len(),
    };
    let mut diagnosis = Diagnosis {
        schema: SCHEMA,
        source: source.to_string(),
        status: if failed { Status::Failed } else { Status::Succeeded },
        format: summary.format_name(),
        wrappers: summary.wrappers.iter().map(|w| w.as_str()).collect(),
        failing_step: None,
        findings: Vec::new(),
        suppressed: Vec::new(),
        stats,
    };
    if !failed {
        return diagnosis;
    }

    // Explained-away symptoms.
    let entries: Vec<Option<Entry>> = matcher.kinds.iter().map(|k| kb_entry(k)).collect();
    let mut suppressed_by: HashMap<usize, usize> = HashMap::new();
    for a in &present {
        let Some(entry) = &entries[a.kind] else { continue };
        for b in &present {
            if a.kind == b.kind || suppressed_by.contains_key(&a.kind) {
                continue;
            }
            if entry.explains.iter().any(|k| *k == matcher.kinds[b.kind]) && a.score >= EXPLAIN_RATIO * b.score {
                suppressed_by.entry(b.kind).or_insert(a.kind);
            }
        }
    }
    let (kept, dropped): (Vec<KindScore<'_>>, Vec<KindScore<'_>>) =
        present.into_iter().partition(|k| !suppressed_by.contains_key(&k.kind));
    for k in &dropped {
        let by = &matcher.kinds[suppressed_by[&k.kind]];
        diagnosis.suppressed.push(Suppressed {
            kind: matcher.kinds[k.kind].clone(),
            reason: format!("explained by {by}"),
            lines: first_lines(&k.matches),
        });
    }

    // The primary: strongest, near-ties to the earliest line.
    let best = kept.first().map_or(0.0, |k| k.score);
    let primary = kept
        .iter()
        .filter(|k| k.score >= best - TIE && k.score >= MIN_PRIMARY)
        .min_by_key(|k| k.first_line)
        .map(|k| k.kind);

    let images = base_images(summary);
    let context_command = failing_step.filter(|s| s.instruction.as_deref().is_none_or(|i| i == "RUN"));
    for k in &kept {
        let Some(entry) = &entries[k.kind] else { continue };
        let is_primary = Some(k.kind) == primary;
        let mut f = finding(matcher, entry, k, is_primary);
        if is_primary {
            add_context(&mut f.entities, context_command, &images);
            f.steps = entry.render_fix(&f.entities);
        }
        diagnosis.findings.push(f);
    }
    if primary.is_none() {
        let unknown = kb_entry(UNKNOWN);
        let mut f = unknown_finding(unknown.as_ref(), summary, scanner, failing);
        add_context(&mut f.entities, context_command, &images);
        if let Some(u) = &unknown {
            f.steps = u.render_fix(&f.entities);
        }
        diagnosis.findings.insert(0, f);
    } else if let Some(pos) = diagnosis.findings.iter().position(|f| f.primary) {
        let p = diagnosis.findings.remove(pos);
        diagnosis.findings.insert(0, p);
    }
    // Any failure needs a step to point at: the framing's, or the step the evidence is in.
    let step_id = failing.or_else(|| {
        let p = diagnosis.findings.first()?;
        let line = *p.lines.first()?;
        summary
            .steps
            .iter()
            .position(|s| s.first_line <= line && line <= s.last_line)
            .map(|i| StepId(i as u32))
            .or(summary.last_running_step)
    });
    diagnosis.failing_step = step_id.and_then(|id| summary.step(id)).map(failing_step_out);
    diagnosis
}

fn locate(step: StepId, failing: Option<StepId>, summary: &LogSummary) -> (Location, f32) {
    use buildmedic_log::StepStatus as S;
    if failing.is_some() && failing == Some(step) {
        return (Location::FailingStep, 1.0);
    }
    let Some(st) = summary.step(step) else {
        return (Location::NoStep, if failing.is_some() { 0.85 } else { 1.0 });
    };
    match st.status {
        S::Failed => (Location::OtherFailedStep, 0.8),
        S::Done | S::Cached => (Location::SucceededStep, 0.15),
        S::Running | S::Canceled if failing.is_none() && summary.last_running_step == Some(step) => {
            (Location::FailingStep, 1.0)
        }
        S::Running | S::Canceled => (Location::UnfinishedStep, if failing.is_some() { 0.5 } else { 0.7 }),
    }
}

fn mentions_tool(command: &str, tools: &[String]) -> bool {
    let lower = command.to_ascii_lowercase();
    tools.iter().any(|t| {
        lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .any(|w| w == t || w.starts_with(&format!("{t}3")) || w.ends_with(&format!("/{t}")))
            || lower.contains(&format!("/{t} ")) || lower.contains(&format!("-m {t}"))
    })
}

/// Commands that run a script hide which tools they use.
fn looks_opaque(command: &str) -> bool {
    let c = command.trim();
    c.contains(".sh") || c.starts_with("./") || c.starts_with("make") || c.contains("bash ") || c.is_empty()
}

fn first_lines(matches: &[Scored<'_>]) -> Vec<u64> {
    let mut lines: Vec<u64> = matches.iter().map(|s| s.m.line).collect();
    lines.sort_unstable();
    lines.dedup();
    lines.truncate(MAX_EVIDENCE);
    lines
}

fn finding(matcher: &Matcher, entry: &Entry, k: &KindScore<'_>, primary: bool) -> Finding {
    // Evidence: the strongest matches (with their windows), shown in line order.
    let mut ev: Vec<(u64, String)> = Vec::new();
    for s in k.matches.iter().take(4).filter(|s| s.score >= 0.5 * k.score) {
        ev.push((s.m.line, s.m.text.clone()));
        ev.extend(s.m.window.iter().cloned());
    }
    ev.sort_by_key(|(l, _)| *l);
    ev.dedup_by(|a, b| a.0 == b.0);
    // Keep lines unique by text too: BuildKit repeats the failed step's tail in a summary.
    let mut seen = std::collections::HashSet::new();
    ev.retain(|(_, t)| seen.insert(t.clone()));
    ev.truncate(MAX_EVIDENCE);

    let mut entities: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &k.matches {
        for (name, value) in &s.m.captures {
            let v = redact(value).into_owned();
            let list = entities.entry((*name).to_string()).or_default();
            if !list.contains(&v) && list.len() < 16 {
                list.push(v);
            }
        }
    }
    let mut signatures: Vec<String> = Vec::new();
    for s in &k.matches {
        let id = format!("{}/{}", entry.kind, matcher.signatures[s.m.signature as usize].def.id);
        if !signatures.contains(&id) {
            signatures.push(id);
        }
    }
    let agreeing = signatures.len().min(3) as f32;
    let confidence = (k.score + 0.03 * (agreeing - 1.0)).clamp(0.05, 0.99);
    Finding {
        kind: entry.kind.clone(),
        primary,
        title: entry.title.clone(),
        confidence: round2(confidence),
        lines: ev.iter().map(|(l, _)| *l).collect(),
        evidence: ev.into_iter().map(|(_, t)| redact(&t).into_owned()).collect(),
        steps: entry.render_fix(&entities),
        entities,
        causes: entry.causes.clone(),
        affected: entry.affected.clone(),
        references: entry.references.clone(),
        signatures,
        location: k.matches.first().map_or(Location::NoStep, |s| s.location),
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

fn unknown_finding(entry: Option<&Entry>, summary: &LogSummary, scanner: &Scanner<'_>, failing: Option<StepId>) -> Finding {
    // Candidate lines: from the failing step, else outside steps, else the last running step.
    let order = [failing, Some(StepId::NONE), summary.last_running_step];
    let mut cands: Vec<Candidate> = Vec::new();
    let mut tail: Vec<(u64, String)> = Vec::new();
    for step in order.into_iter().flatten() {
        if let Some(b) = scanner.bucket(step) {
            if cands.is_empty() {
                cands = b.candidates.clone();
            }
            if tail.is_empty() {
                tail = b.tail.clone();
            }
        }
    }
    cands.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.line.cmp(&b.line)));
    cands.truncate(6);
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
        title: entry.map_or_else(|| "The build failed for a reason buildmedic does not know".to_string(), |e| e.title.clone()),
        confidence: 0.2,
        lines: ev.iter().map(|(l, _)| *l).collect(),
        evidence: ev.into_iter().map(|(_, t)| redact(&t).into_owned()).collect(),
        entities: BTreeMap::new(),
        causes: entry.map(|e| e.causes.clone()).unwrap_or_default(),
        affected: entry.map(|e| e.affected.clone()).unwrap_or_default(),
        steps: Vec::new(),
        references: entry.map(|e| e.references.clone()).unwrap_or_default(),
        signatures: Vec::new(),
        location: if failing.is_some() { Location::FailingStep } else { Location::NoStep },
    }
}

/// Adds what the framing knows to the primary's entities: the failing command and the base
/// images, after anything the signatures captured.
fn add_context(entities: &mut BTreeMap<String, Vec<String>>, step: Option<&Step>, images: &[String]) {
    if let Some(step) = step {
        let cmd = redact(step.command.trim()).into_owned();
        if !cmd.is_empty() {
            let list = entities.entry("command".into()).or_default();
            if !list.contains(&cmd) {
                list.push(cmd);
            }
        }
    }
    for image in images {
        let list = entities.entry("image".into()).or_default();
        if !list.contains(image) && list.len() < 4 {
            list.push(image.clone());
        }
    }
}

/// Base images named by `FROM` steps or BuildKit's metadata loads.
fn base_images(summary: &LogSummary) -> Vec<String> {
    let mut out = Vec::new();
    for s in &summary.steps {
        let image = match s.instruction.as_deref() {
            Some("FROM") => s
                .command
                .split_whitespace()
                .find(|w| !w.starts_with("--"))
                .map(str::to_string),
            _ => s
                .command
                .strip_prefix("load metadata for ")
                .map(|i| i.split_whitespace().next().unwrap_or(i).to_string()),
        };
        if let Some(i) = image {
            let i = redact(&i).into_owned();
            if !i.is_empty() && !i.starts_with('$') && i != "scratch" && !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out
}

fn failing_step_out(s: &Step) -> FailingStep {
    FailingStep {
        index: s.index,
        label: s.label.as_deref().map(|l| redact(l).into_owned()),
        instruction: s.instruction.clone(),
        command: redact(&s.command).into_owned(),
        exit_code: s.exit_code,
        lines: [s.first_line, s.last_line],
        exit_meaning: s.exit_code.and_then(exit_meaning),
    }
}
