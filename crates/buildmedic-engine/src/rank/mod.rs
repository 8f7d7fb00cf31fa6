//! Ranking: from matches to one root cause, its symptoms, a status and a confidence.
//!
//! The pipeline, stage by stage (every number is a field of [`RankPolicy`]):
//!
//! 1. **gate**: a match counts only if its signature's conditions hold (a `require`d window
//!    captured something, `scope`, `exit_codes`, a `near` signature matched close by);
//! 2. **score**: `weight × location × context` ([`Score`]): the signature's weight, where the
//!    match is (failing step, outside steps, a step that succeeded...), and whether the
//!    step's command fits the signature's `tools`;
//! 3. **by kind**: a kind (with a severity) scores its best match;
//! 4. **status**: failed when the framing says so, or when a fatal match is not followed by
//!    a success verdict, or (unframed) when clear error lines end the log; else succeeded,
//!    with the latent problems (`severity = "warning"` signatures) as warning findings;
//! 5. **suppress**: a kind that `explains` another found with comparable strength (and any
//!    kind explains `unknown`) suppresses it;
//! 6. **primary**: the strongest kind left; near-ties go to the earliest line, because the
//!    first real error beats its cascade; too weak a best gives `unknown`;
//! 7. **findings**: evidence, entities (captured, then from the context), fix steps.
//!
//! Knowledge about kinds lives in the entries (`explains`, weights, `fatal`), not here.
//! `buildmedic rules trace LOG` prints what each stage did ([`Trace`]).

mod finding;
pub mod policy;
mod score;

use std::collections::{BTreeMap, HashMap};

use buildmedic_kb::{KnowledgeBase, Scope, Severity, UNKNOWN};
use buildmedic_log::{BuildVerdict, LogSummary, Step, StepId};
use buildmedic_redact::redact;

use crate::context::{base_images, context_entities, registry_context, with_context};
use crate::diagnosis::{
    Diagnosis, FailingStep, Location, SCHEMA, Score, Stats, Status, Suppressed, exit_meaning,
};
use crate::matcher::Matcher;
use crate::scan::{Match, Scan};
use crate::trace::{Trace, TracedKind, TracedMatch};
use finding::{finding, first_lines, unknown_finding};
pub use policy::RankPolicy;

pub(crate) struct Scored<'a> {
    pub m: &'a Match,
    pub score: Score,
    pub location: Location,
}

pub(crate) struct KindScore<'a> {
    pub kind: usize,
    pub severity: Severity,
    pub score: f32,
    pub first_line: u64,
    pub matches: Vec<Scored<'a>>,
}

pub(crate) struct Inputs<'a> {
    pub kb: &'a KnowledgeBase,
    pub matcher: &'a Matcher,
    pub policy: &'a RankPolicy,
    pub summary: &'a LogSummary,
    pub scanner: &'a Scan,
}

pub(crate) fn conclude(
    inputs: &Inputs<'_>,
    source: &str,
    mut trace: Option<&mut Trace>,
) -> Diagnosis {
    let Inputs {
        kb,
        matcher,
        policy,
        summary,
        scanner,
    } = *inputs;
    let failing = summary.failing_step;
    let failing_step = failing.and_then(|id| summary.step(id));
    let mut all: Vec<&Match> = scanner
        .buckets
        .values()
        .chain(std::iter::once(&scanner.none))
        .flat_map(|b| b.matches.iter())
        .chain(scanner.succeeded.iter())
        .chain(scanner.tail_matches.iter())
        .collect();
    all.sort_by_key(|m| (m.line, m.signature));
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

    // 1-3: gate, score, group by kind and severity.
    let mut kinds: BTreeMap<(usize, Severity), KindScore<'_>> = BTreeMap::new();
    for m in &all {
        let sig = &matcher.signatures[m.signature as usize];
        let def = &sig.def;
        let location = score::locate(m.step, failing, summary);
        // A latent problem sits, by nature, in a step that succeeded: location does not
        // weigh warnings.
        let location_factor = match def.severity {
            Severity::Error => policy.location_factor(location, failing.is_some()),
            Severity::Warning => 1.0,
        };
        let mut score = Score {
            weight: def.weight,
            location: location_factor,
            context: 1.0,
        };
        let dropped = gate(matcher, sig, m, location, failing, &exit_codes, &lines_of);
        if dropped.is_none() && !def.tools.is_empty() {
            let command = m
                .step
                .and_then(|s| summary.step(s))
                .or(failing_step)
                .map(|s| s.command.as_str());
            if let Some(cmd) = command
                && !score::mentions_tool(cmd, &def.tools)
                && !score::looks_opaque(cmd)
            {
                score.context = policy.tool_mismatch;
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            t.matches.push(TracedMatch {
                signature: format!("{}/{}", matcher.kinds[sig.kind], def.id),
                line: m.line,
                text: redact(&m.text).into_owned(),
                step: m.step.map(|s| s.index() as u32),
                location,
                score,
                value: score.value(),
                dropped: dropped.map(str::to_string),
                fatal: def.fatal,
            });
        }
        if dropped.is_some() {
            continue;
        }
        let entry = kinds
            .entry((sig.kind, def.severity))
            .or_insert_with(|| KindScore {
                kind: sig.kind,
                severity: def.severity,
                score: 0.0,
                first_line: u64::MAX,
                matches: Vec::new(),
            });
        entry.matches.push(Scored { m, score, location });
    }
    for k in kinds.values_mut() {
        k.matches.sort_by(|a, b| {
            b.score
                .value()
                .total_cmp(&a.score.value())
                .then(a.m.line.cmp(&b.m.line))
        });
        k.score = k.matches.first().map_or(0.0, |s| s.score.value());
        // The kind's position is its first match that is nearly as strong as its best.
        k.first_line = k
            .matches
            .iter()
            .filter(|s| s.score.value() >= k.score - policy.tie)
            .map(|s| s.m.line)
            .min()
            .unwrap_or(u64::MAX);
    }
    let (errors, warnings): (Vec<KindScore<'_>>, Vec<KindScore<'_>>) = kinds
        .into_values()
        .partition(|k| k.severity == Severity::Error);
    let mut outcome: Vec<(usize, Severity, f32, u64, String)> = Vec::new();
    let mut present = above_min(errors, policy.min_finding, &mut outcome);
    let mut latent = above_min(warnings, policy.min_finding, &mut outcome);
    present.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.first_line.cmp(&b.first_line))
    });
    latent.sort_by(|a, b| b.score.total_cmp(&a.score));

    // 4: status.
    let (failed, why) = status(inputs, &present, failing.is_some());
    if let Some(t) = trace.as_deref_mut() {
        t.status = why;
    }
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
    // Entries are looked up only for the kinds found (built-in ones are parsed on first use).
    let entries = |k: usize| -> Option<&buildmedic_kb::Entry> { kb.get(&matcher.kinds[k]) };
    let warning_findings = |diagnosis: &mut Diagnosis, outcome: &mut Vec<_>| {
        for k in &latent {
            if let Some(entry) = entries(k.kind) {
                diagnosis
                    .findings
                    .push(finding(policy, matcher, entry, k, false));
                outcome.push((
                    k.kind,
                    k.severity,
                    k.score,
                    k.first_line,
                    "warning".to_string(),
                ));
            }
        }
    };
    if !failed {
        for k in &present {
            outcome.push((
                k.kind,
                k.severity,
                k.score,
                k.first_line,
                "not a failure (the build succeeded)".to_string(),
            ));
        }
        warning_findings(&mut diagnosis, &mut outcome);
        if let Some(t) = trace {
            t.primary = "no primary: the build succeeded".into();
            t.kinds = traced_kinds(matcher, outcome);
        }
        return diagnosis;
    }

    // 5: explained-away symptoms.
    let mut suppressed_by: HashMap<usize, usize> = HashMap::new();
    for a in &present {
        let Some(entry) = entries(a.kind) else {
            continue;
        };
        for b in &present {
            if a.kind == b.kind || suppressed_by.contains_key(&a.kind) {
                continue;
            }
            // `unknown` (wrappers, CI verdicts, generic error lines) is explained by any
            // kind: a named cause found with comparable strength is the better answer.
            let explains = entry.explains.iter().any(|k| *k == matcher.kinds[b.kind])
                || (matcher.kinds[b.kind] == UNKNOWN && matcher.kinds[a.kind] != UNKNOWN);
            if explains && a.score >= policy.explain_ratio * b.score {
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
            lines: first_lines(&k.matches, policy.max_evidence),
        });
        outcome.push((
            k.kind,
            k.severity,
            k.score,
            k.first_line,
            format!("suppressed: explained by {by}"),
        ));
    }

    // 6: the primary: strongest, near-ties to the earliest line.
    let best = kept.first().map_or(0.0, |k| k.score);
    let tied: Vec<&KindScore<'_>> = kept
        .iter()
        .filter(|k| k.score >= best - policy.tie && k.score >= policy.min_primary)
        .collect();
    let primary = tied.iter().min_by_key(|k| k.first_line).map(|k| k.kind);
    let primary_why = match primary {
        Some(p) if tied.len() > 1 => format!(
            "`{}` scores {:.2}; tied within {} with {}: the earliest line ({}) wins",
            matcher.kinds[p],
            best,
            policy.tie,
            tied.iter()
                .filter(|k| k.kind != p)
                .map(|k| format!("`{}` (line {})", matcher.kinds[k.kind], k.first_line))
                .collect::<Vec<_>>()
                .join(", "),
            tied.iter().map(|k| k.first_line).min().unwrap_or(0)
        ),
        Some(p) => format!(
            "`{}` scores {:.2}, the strongest{}",
            matcher.kinds[p],
            best,
            kept.get(1).map_or(String::new(), |k| format!(
                " (next: `{}` {:.2})",
                matcher.kinds[k.kind], k.score
            ))
        ),
        None if kept.is_empty() => "no kind matched: `unknown` with the best error lines".into(),
        None => format!(
            "the best kind scores {best:.2}, below min_primary {}: `unknown`",
            policy.min_primary
        ),
    };

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
    // The entities of the primary finding's surroundings (its step, the install commands,
    // base images, registries of its references), nearest to `first` first.
    let primary_context = |f: &crate::diagnosis::Finding, first: Option<(Option<StepId>, u64)>| {
        let mut context = context_entities(
            step,
            first,
            scanner,
            summary,
            &images,
            policy.max_context_values,
        );
        add_registries(&mut context, f, policy.max_context_values);
        add_dockerfile(&mut context, f);
        context
    };

    // 7: findings.
    for k in &kept {
        let Some(entry) = entries(k.kind) else {
            continue;
        };
        let is_primary = Some(k.kind) == primary;
        let mut f = finding(policy, matcher, entry, k, is_primary);
        if is_primary {
            let first = k.matches.first().map(|s| (s.m.step, s.m.line));
            let context = primary_context(&f, first);
            f.steps = entry.render_fix(&with_context(&f.entities, &context, false));
            f.entities = with_context(&f.entities, &context, true);
            add_code_frame_file(&mut f, summary);
        }
        outcome.push((
            k.kind,
            k.severity,
            k.score,
            k.first_line,
            if is_primary {
                "primary".to_string()
            } else if k.score < policy.min_primary {
                "secondary (below min_primary)".to_string()
            } else {
                "secondary".to_string()
            },
        ));
        diagnosis.findings.push(f);
    }
    if primary.is_none() {
        let unknown = kb.get(UNKNOWN);
        let mut f = unknown_finding(
            policy,
            matcher,
            unknown,
            summary,
            scanner,
            failing.or(step_id),
        );
        let first = f.lines.first().map(|l| (step_id, *l));
        let context = primary_context(&f, first);
        f.entities = with_context(&f.entities, &context, true);
        if let Some(u) = unknown {
            f.steps = u.render_fix(&f.entities);
        }
        diagnosis.findings.insert(0, f);
    } else if let Some(pos) = diagnosis.findings.iter().position(|f| f.primary) {
        let p = diagnosis.findings.remove(pos);
        diagnosis.findings.insert(0, p);
    }
    warning_findings(&mut diagnosis, &mut outcome);
    diagnosis.failing_step = step_id
        .and_then(|id| summary.step(id))
        .map(failing_step_out);
    if let Some(t) = trace {
        t.primary = primary_why;
        t.kinds = traced_kinds(matcher, outcome);
    }
    diagnosis
}

/// The kinds of `group` that reach `min`; the others are noise, recorded for the trace.
fn above_min<'a>(
    group: Vec<KindScore<'a>>,
    min: f32,
    outcome: &mut Vec<(usize, Severity, f32, u64, String)>,
) -> Vec<KindScore<'a>> {
    let (kept, noise): (Vec<_>, Vec<_>) = group.into_iter().partition(|k| k.score >= min);
    for k in noise {
        outcome.push((
            k.kind,
            k.severity,
            k.score,
            k.first_line,
            "below min_finding".into(),
        ));
    }
    kept
}

/// BuildKit's code frame (`Dockerfile:4` and the marked lines) shows the definition the
/// failure comes from: the Dockerfile is the file of a primary finding that names none
/// (a base image or stage that cannot be resolved, a failing RUN line); a file the finding
/// names (`environment.yml`, a COPY source) is the one to fix, and stays alone.
fn add_code_frame_file(f: &mut crate::diagnosis::Finding, summary: &LogSummary) {
    if summary.code_frame.is_none() || f.entities.get("file").is_some_and(|v| !v.is_empty()) {
        return;
    }
    f.entities
        .insert("file".to_string(), vec!["Dockerfile".to_string()]);
}

/// The Dockerfile as the file of a finding whose evidence is a message about the Dockerfile
/// itself that names no path (`Dockerfile parse error line 12: ...`, `the Dockerfile cannot
/// be empty`): the builder read the default `Dockerfile` of the context, or the one `-f`
/// named, which the failing command shows.
fn add_dockerfile(context: &mut BTreeMap<String, Vec<String>>, f: &crate::diagnosis::Finding) {
    const ABOUT_THE_DOCKERFILE: [&str; 2] =
        ["dockerfile parse error", "failed to parse dockerfile"];
    let has_file = f.entities.get("file").is_some_and(|v| !v.is_empty())
        || context.get("file").is_some_and(|v| !v.is_empty());
    if has_file {
        return;
    }
    let about = f.evidence.iter().any(|l| {
        let l = l.to_ascii_lowercase();
        ABOUT_THE_DOCKERFILE.iter().any(|m| l.contains(m))
            || l.contains("the dockerfile cannot be empty")
    });
    if !about {
        return;
    }
    let named = context
        .get("command")
        .into_iter()
        .flatten()
        .find_map(|c| crate::context::build_file_option(c));
    context
        .entry("file".to_string())
        .or_default()
        .push(named.unwrap_or_else(|| "Dockerfile".to_string()));
}

/// The registries a finding's own image entities and evidence URLs name, as context.
fn add_registries(
    context: &mut BTreeMap<String, Vec<String>>,
    f: &crate::diagnosis::Finding,
    max: usize,
) {
    // The registries of the images the finding names and the hosts of its evidence's URLs;
    // a finding about a host also gets the registries of the images its context names (the
    // `docker pull X` whose layer download from a storage bucket failed).
    let mut found = registry_context(&f.entities, &f.evidence);
    if !found.is_empty() {
        let images = context.get("image").into_iter().flatten();
        for r in images.filter_map(|i| crate::context::image_registry(i)) {
            if !found.iter().any(|have| have == r) {
                found.push(r.to_string());
            }
        }
    }
    let list = context.entry("registry".to_string()).or_default();
    for r in found {
        let r = buildmedic_redact::redact(&r).into_owned();
        if !list.contains(&r) && list.len() < max {
            list.push(r);
        }
    }
    if list.is_empty() {
        context.remove("registry");
    }
}

/// Whether `value` is one of the items of `line`: present with no letter, digit or `.` on
/// either side (`2.0` is listed in `2.0 Requires-Python >=3.12; 2.1 ...`, not in `12.0`).
/// A line cut at the match text's limit may have lost the item: then it counts as listed.
fn lists(line: &str, value: &str) -> bool {
    if value.is_empty() || line.len() + 8 >= crate::scan::MAX_TEXT {
        return true;
    }
    let item = |b: u8| b.is_ascii_alphanumeric() || b == b'.';
    let bytes = line.as_bytes();
    line.match_indices(value).any(|(at, _)| {
        let end = at + value.len();
        (at == 0 || !item(bytes[at - 1])) && bytes.get(end).is_none_or(|b| !item(*b))
    })
}

/// Why a match does not count, or `None` when it does.
fn gate(
    matcher: &Matcher,
    sig: &crate::matcher::CompiledSignature,
    m: &Match,
    location: Location,
    failing: Option<StepId>,
    exit_codes: &[i32],
    lines_of: &HashMap<(usize, &str), Vec<u64>>,
) -> Option<&'static str> {
    let def = &sig.def;
    if def.window.as_ref().is_some_and(|w| w.require) && m.window_hits == 0 {
        return Some("its required window captured nothing");
    }
    if let Some(name) = def.window.as_ref().and_then(|w| w.listed.as_deref())
        && let Some((_, value)) = m.captures.iter().find(|(n, _)| *n == name)
        && !lists(&m.text, value)
    {
        return Some("its window's value is not one of the items its line lists");
    }
    if def.scope == Scope::FailingStep
        && failing.is_some()
        && !matches!(location, Location::FailingStep | Location::NoStep)
    {
        return Some("scope = failing-step, and the match is in another step");
    }
    if !def.exit_codes.is_empty() && !exit_codes.iter().any(|c| def.exit_codes.contains(c)) {
        return Some("the failing step's exit code is not one of its exit_codes");
    }
    if let Some(near) = &def.near {
        let (kind, id) = near.target(&matcher.kinds[sig.kind]);
        let Some(k) = matcher.kinds.iter().position(|k| k == kind) else {
            return Some("its near signature's kind is not loaded");
        };
        let close = lines_of.get(&(k, id)).is_some_and(|ls| {
            ls.iter()
                .any(|l| l.abs_diff(m.line) <= u64::from(near.within))
        });
        if !close {
            return Some("its near signature did not match close by");
        }
    }
    None
}

/// 4: whether the build failed, and why.
fn status(inputs: &Inputs<'_>, present: &[KindScore<'_>], has_failing: bool) -> (bool, String) {
    let Inputs {
        matcher,
        policy,
        summary,
        scanner,
        ..
    } = *inputs;
    // Fatal evidence not followed by a success verdict: a success verdict followed by a
    // cancel, a timeout or a failed push is not the end; an excerpt of a known tool's fatal
    // message is a failure by itself.
    let last_success = summary.successes.last().map(|s| s.line);
    let fatal = present
        .iter()
        .flat_map(|k| &k.matches)
        .filter(|s| {
            matcher.signatures[s.m.signature as usize].def.fatal
                && s.score.value() >= policy.min_fatal
                && last_success.is_none_or(|l| s.m.line > l)
        })
        .min_by_key(|s| s.m.line);
    let fatal_why = |s: &Scored<'_>| {
        let sig = &matcher.signatures[s.m.signature as usize];
        format!(
            "fatal `{}/{}` at line {} (score {:.2}){}",
            matcher.kinds[sig.kind],
            sig.def.id,
            s.m.line,
            s.score.value(),
            match last_success {
                Some(l) => format!(", after the last success verdict (line {l})"),
                None => String::new(),
            }
        )
    };
    match summary.verdict {
        BuildVerdict::Failed => (true, "the framing has a failure verdict".into()),
        BuildVerdict::Succeeded => match fatal {
            Some(s) => (true, fatal_why(s)),
            None => (
                false,
                "the last verdict is a success and no fatal message follows it".into(),
            ),
        },
        BuildVerdict::Unknown => {
            if has_failing {
                return (true, "the framing names a failing step".into());
            }
            if let Some(s) = fatal {
                return (true, fatal_why(s));
            }
            // Without framing and without a known signature, clear error lines still mean
            // failure (the `unknown` kind): explicit `ERROR`/`error:` lines where the log
            // ends up.
            let clear = std::iter::once(None)
                .chain(summary.last_running_step.map(Some))
                .flat_map(|s| finding::candidates_of(matcher, scanner, s))
                .find(|c| c.rank >= policy.min_unknown_rank);
            match clear {
                Some(c) => (
                    true,
                    format!("no verdict; clear error line at line {}", c.line),
                ),
                None => (
                    false,
                    "no verdict, no fatal message, no clear error line".into(),
                ),
            }
        }
    }
}

fn traced_kinds(
    matcher: &Matcher,
    mut outcome: Vec<(usize, Severity, f32, u64, String)>,
) -> Vec<TracedKind> {
    outcome.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.3.cmp(&b.3)));
    outcome
        .into_iter()
        .map(|(k, _, score, first_line, outcome)| TracedKind {
            kind: matcher.kinds[k].clone(),
            score,
            first_line,
            outcome,
        })
        .collect()
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
    use super::lists;

    #[test]
    fn a_value_is_listed_only_as_a_whole_item() {
        let line = "ERROR: Ignored the following versions that require a different python version: 2.0 Requires-Python >=3.12; 2.1 Requires-Python >=3.12";
        assert!(lists(line, "2.0"));
        assert!(lists(line, "2.1"));
        assert!(!lists(line, "1.7.1"));
        assert!(!lists(line, "2"), "a prefix of an item is not the item");
        assert!(!lists(line, "3.1"), "part of `>=3.12` is not an item");
        assert!(!lists("12.0 Requires-Python >=3.9", "2.0"));
        // a line cut at the evidence limit may have lost the item
        let long = format!("{} 9.9 Requires-Python >=3.9", "x".repeat(1100));
        assert!(lists(&long, "1.0"));
    }
}
