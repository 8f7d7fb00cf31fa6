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

use buildmedic_kb::{Entry, KnowledgeBase, Scope, UNKNOWN};
use buildmedic_log::{BuildVerdict, LogSummary, Step, StepId};
use buildmedic_redact::redact;

use crate::diagnosis::{
    Diagnosis, FailingStep, Finding, Location, SCHEMA, Stats, Status, Suppressed, exit_meaning,
};
use crate::matcher::Matcher;
use crate::scan::{Candidate, Match, Scan};

/// Kinds below this score are noise, not findings.
const MIN_FINDING: f32 = 0.2;
/// Without any failure framing, a log counts as failed only with a finding this strong.
const MIN_UNFRAMED_FAILURE: f32 = 0.45;
/// Error-line rank that makes an unframed log without findings a failure.
const MIN_UNKNOWN_RANK: u8 = 4;
/// Below this the primary is `unknown` with the best candidate lines instead.
const MIN_PRIMARY: f32 = 0.25;
/// A finding this strong after the last success verdict makes the log a failure.
const STRONG_AFTER_SUCCESS: f32 = 0.8;
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
    kb: &KnowledgeBase,
    matcher: &Matcher,
    summary: &LogSummary,
    scanner: &Scan,
    source: &str,
) -> Diagnosis {
    let failing = summary.failing_step;
    let failing_step = failing.and_then(|id| summary.step(id));
    let all: Vec<&Match> = scanner
        .buckets
        .values()
        .chain(std::iter::once(&scanner.none))
        .flat_map(|b| b.matches.iter())
        .chain(scanner.succeeded.iter())
        .chain(scanner.tail_matches.iter())
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
        if def.window.as_ref().is_some_and(|w| w.require) && m.window_hits == 0 {
            continue;
        }
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
            let close = lines_of.get(&(k, id)).is_some_and(|ls| {
                ls.iter()
                    .any(|l| l.abs_diff(m.line) <= u64::from(near.within))
            });
            if !close {
                continue;
            }
        }
        let mut context = 1.0;
        if !def.tools.is_empty() {
            let command = m
                .step
                .and_then(|s| summary.step(s))
                .or(failing_step)
                .map(|s| s.command.as_str());
            if let Some(cmd) = command
                && !mentions_tool(cmd, &def.tools)
                && !looks_opaque(cmd)
            {
                context = 0.4;
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
        k.matches
            .sort_by(|a, b| b.score.total_cmp(&a.score).then(a.m.line.cmp(&b.m.line)));
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
    let mut present: Vec<KindScore<'_>> = kinds
        .into_values()
        .filter(|k| k.score >= MIN_FINDING)
        .collect();
    present.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.first_line.cmp(&b.first_line))
    });

    let best = present.first().map_or(0.0, |k| k.score);
    // A success verdict followed by a strong error (a `docker run` of the image, a second
    // build in the same job) is not a success.
    let last_success = summary.successes.last().map_or(0, |s| s.line);
    let error_after_success = present
        .iter()
        .flat_map(|k| &k.matches)
        .any(|s| s.m.line > last_success && s.score >= STRONG_AFTER_SUCCESS);
    // Without framing and without a known signature, clear error lines still mean failure
    // (the `unknown` kind): explicit `ERROR`/`error:` lines where the log ends up.
    let clear_errors = || {
        std::iter::once(None)
            .chain(summary.last_running_step.map(Some))
            .flat_map(|s| candidates_of(matcher, scanner, s))
            .any(|c| c.rank >= MIN_UNKNOWN_RANK)
    };
    let failed = match summary.verdict {
        BuildVerdict::Succeeded => error_after_success,
        BuildVerdict::Failed => true,
        BuildVerdict::Unknown => {
            failing.is_some() || best >= MIN_UNFRAMED_FAILURE || clear_errors()
        }
    };
    let stats = Stats {
        lines: summary.lines,
        bytes: summary.bytes,
        steps: summary.steps.len(),
    };
    let mut diagnosis = Diagnosis {
        schema: SCHEMA,
        source: source.to_string(),
        status: if failed {
            Status::Failed
        } else {
            Status::Succeeded
        },
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
    // Entries are looked up only for the kinds found (built-in ones are parsed on first use).
    let entries = |k: usize| -> Option<&Entry> { kb.get(&matcher.kinds[k]) };
    let mut suppressed_by: HashMap<usize, usize> = HashMap::new();
    for a in &present {
        let Some(entry) = entries(a.kind) else {
            continue;
        };
        for b in &present {
            if a.kind == b.kind || suppressed_by.contains_key(&a.kind) {
                continue;
            }
            if entry.explains.iter().any(|k| *k == matcher.kinds[b.kind])
                && a.score >= EXPLAIN_RATIO * b.score
            {
                suppressed_by.entry(b.kind).or_insert(a.kind);
            }
        }
    }
    let (kept, dropped): (Vec<KindScore<'_>>, Vec<KindScore<'_>>) = present
        .into_iter()
        .partition(|k| !suppressed_by.contains_key(&k.kind));
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

    // Any failure needs a step to point at: the framing's, or the step the evidence is in.
    let step_id = failing.or_else(|| {
        let k = kept.iter().find(|k| Some(k.kind) == primary)?;
        let line = k.matches.first()?.m.line;
        summary
            .steps
            .iter()
            .position(|s| s.first_line <= line && line <= s.last_line)
            .and_then(StepId::from_index)
            .or(summary.last_running_step)
    });
    let step = step_id.and_then(|id| summary.step(id));
    let images = base_images(summary);
    for k in &kept {
        let Some(entry) = entries(k.kind) else {
            continue;
        };
        let is_primary = Some(k.kind) == primary;
        let mut f = finding(matcher, entry, k, is_primary);
        if is_primary {
            let first = k.matches.first().map(|s| (s.m.step, s.m.line));
            let context = context_entities(step, first, scanner, &images);
            f.steps = entry.render_fix(&with_context(&f.entities, &context, false));
            f.entities = with_context(&f.entities, &context, true);
        }
        diagnosis.findings.push(f);
    }
    if primary.is_none() {
        let unknown = kb.get(UNKNOWN);
        let mut f = unknown_finding(matcher, unknown, summary, scanner, failing.or(step_id));
        let first = f.lines.first().map(|l| (step_id, *l));
        let context = context_entities(step, first, scanner, &images);
        f.entities = with_context(&f.entities, &context, true);
        if let Some(u) = unknown {
            f.steps = u.render_fix(&f.entities);
        }
        diagnosis.findings.insert(0, f);
    } else if let Some(pos) = diagnosis.findings.iter().position(|f| f.primary) {
        let p = diagnosis.findings.remove(pos);
        diagnosis.findings.insert(0, p);
    }
    diagnosis.failing_step = step_id
        .and_then(|id| summary.step(id))
        .map(failing_step_out);
    diagnosis
}

fn locate(step: Option<StepId>, failing: Option<StepId>, summary: &LogSummary) -> (Location, f32) {
    use buildmedic_log::StepStatus as S;
    if failing.is_some() && failing == step {
        return (Location::FailingStep, 1.0);
    }
    let Some(st) = step.and_then(|s| summary.step(s)) else {
        return (Location::NoStep, if failing.is_some() { 0.85 } else { 1.0 });
    };
    match st.status {
        S::Failed => (Location::OtherFailedStep, 0.8),
        S::Done | S::Cached => (Location::SucceededStep, 0.15),
        S::Running | S::Canceled if failing.is_none() && summary.last_running_step == step => {
            (Location::FailingStep, 1.0)
        }
        S::Running | S::Canceled => (
            Location::UnfinishedStep,
            if failing.is_some() { 0.5 } else { 0.7 },
        ),
    }
}

fn mentions_tool(command: &str, tools: &[String]) -> bool {
    let lower = command.to_ascii_lowercase();
    tools.iter().any(|t| {
        lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .any(|w| w == t || w.starts_with(&format!("{t}3")) || w.ends_with(&format!("/{t}")))
            || lower.contains(&format!("/{t} "))
            || lower.contains(&format!("-m {t}"))
    })
}

/// Commands that run a script hide which tools they use.
fn looks_opaque(command: &str) -> bool {
    let c = command.trim();
    c.contains(".sh")
        || c.starts_with("./")
        || c.starts_with("make")
        || c.contains("bash ")
        || c.is_empty()
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
    for s in k
        .matches
        .iter()
        .take(4)
        .filter(|s| s.score >= 0.5 * k.score)
    {
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
        let id = format!(
            "{}/{}",
            entry.kind, matcher.signatures[s.m.signature as usize].def.id
        );
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
        location: k.matches.first().map_or(Location::NoStep, |s| s.location),
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Candidate error lines of a step: the anchored lines that looked like errors, and the
/// error-looking lines among its last lines.
fn candidates_of(matcher: &Matcher, scanner: &Scan, step: Option<StepId>) -> Vec<Candidate> {
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

fn unknown_finding(
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
            tail = b.tail.iter().rev().take(4).rev().cloned().collect();
        }
    }
    cands.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.line.cmp(&b.line)));
    // Wrapper lines only when nothing better exists.
    if cands.first().is_some_and(|c| c.rank >= 3) {
        cands.retain(|c| c.rank >= 3);
    }
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
        title: entry.map_or_else(
            || "The build failed for a reason buildmedic does not know".to_string(),
            |e| e.title.clone(),
        ),
        confidence: 0.2,
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
    }
}

/// What the framing knows, as entities: the command typed at the last prompt before the
/// evidence, the failing step's command (for `RUN` steps), and the base images.
fn context_entities(
    step: Option<&Step>,
    first: Option<(Option<StepId>, u64)>,
    scanner: &Scan,
    images: &[String],
) -> BTreeMap<String, Vec<String>> {
    let mut ctx: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut push = |name: &str, value: &str| {
        let v = redact(value.trim()).into_owned();
        let list = ctx.entry(name.to_string()).or_default();
        if !v.is_empty() && !list.contains(&v) && list.len() < 4 {
            list.push(v);
        }
    };
    // The last command echoed before the evidence (`+ pip install ...` under `set -x`).
    let prompt_before = |bucket: Option<StepId>| {
        let (_, line) = first?;
        scanner
            .bucket(bucket)?
            .prompts
            .iter()
            .filter(|(l, _)| *l <= line)
            .max_by_key(|(l, _)| *l)
            .map(|(_, c)| c.clone())
    };
    // Only a RUN step's arguments are a command (not `[internal] load metadata ...`).
    let run_step =
        step.filter(|s| s.instruction.as_deref() == Some("RUN") && !s.command.is_empty());
    if let Some((in_step @ Some(_), _)) = first
        && let Some(cmd) = prompt_before(in_step)
    {
        push("command", &cmd);
    }
    if let Some(s) = run_step {
        push("command", &s.command);
        for p in install_targets(&s.command) {
            push("package", &p);
        }
    } else if let Some(cmd) = prompt_before(None) {
        // No build step frames the failure: what was typed at the prompt is the command.
        push("command", &cmd);
        for p in install_targets(&cmd) {
            push("package", &p);
        }
    }
    for image in images {
        push("image", image);
    }
    ctx
}

/// Packages a shell command asks a package manager to install: the operands after
/// `pip install`, `conda install`, `apt-get install`, ... (flags and their values skipped).
pub(crate) fn install_targets(command: &str) -> Vec<String> {
    const MANAGERS: &[&str] = &[
        "pip",
        "pip3",
        "conda",
        "mamba",
        "micromamba",
        "apt-get",
        "apt",
        "apk",
        "yum",
        "dnf",
        "uv",
    ];
    // Flags whose next word is a value, not a package.
    const VALUED: &[&str] = &[
        "-r",
        "-c",
        "-e",
        "-i",
        "-f",
        "-n",
        "-p",
        "-t",
        "--requirement",
        "--constraint",
        "--index-url",
        "--extra-index-url",
        "--find-links",
        "--channel",
        "--name",
        "--prefix",
        "--file",
        "--target",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--root",
        "--prefix",
        "-o",
        "--option",
    ];
    let mut out = Vec::new();
    for segment in command.split(['&', ';', '|', '\n']) {
        let words: Vec<&str> = segment.split_whitespace().collect();
        let Some(at) = words
            .iter()
            .position(|w| *w == "install" || *w == "add" || *w == "create")
        else {
            continue;
        };
        let manager = words[..at].iter().any(|w| {
            let base = w.rsplit('/').next().unwrap_or(w);
            MANAGERS.contains(&base) || base.starts_with("python")
        });
        if !manager {
            continue;
        }
        let mut skip = false;
        for w in &words[at + 1..] {
            if skip {
                skip = false;
                continue;
            }
            if w.starts_with('-') {
                skip = VALUED.contains(w);
                continue;
            }
            let w = w.trim_matches(|c| matches!(c, '"' | '\'' | '\\'));
            let first = w.chars().next();
            if first.is_some_and(|c| c.is_ascii_alphanumeric())
                && !w.contains("://")
                && !w.starts_with("$")
            {
                out.push(w.to_string());
            }
        }
    }
    out.truncate(8);
    out
}

/// `captured` plus the context. With `all`, context values are appended after the captured
/// ones (the JSON entities); without, only names the signatures captured nothing for are
/// filled (the fix steps, so "install `gcc`" does not become "install `gcc`, `pip install ...`").
fn with_context(
    captured: &BTreeMap<String, Vec<String>>,
    context: &BTreeMap<String, Vec<String>>,
    all: bool,
) -> BTreeMap<String, Vec<String>> {
    let mut out = captured.clone();
    for (name, values) in context {
        let list = out.entry(name.clone()).or_default();
        if !all && !list.is_empty() {
            continue;
        }
        for v in values {
            if !list.contains(v) {
                list.push(v.clone());
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::install_targets;

    #[test]
    fn install_operands() {
        assert_eq!(
            install_targets(
                "apt-get update && apt-get install -y --no-install-recommends libfoo curl"
            ),
            ["libfoo", "curl"]
        );
        assert_eq!(
            install_targets("pip install -i \"https://x/simple/\" acme_models"),
            ["acme_models"]
        );
        assert_eq!(
            install_targets("python -m pip install -r requirements.txt torch==2.1"),
            ["torch==2.1"]
        );
        assert_eq!(
            install_targets("conda install -c conda-forge -y numpy=1.26"),
            ["numpy=1.26"]
        );
        assert!(install_targets("make install").is_empty());
        assert!(install_targets("echo hi").is_empty());
    }
}
