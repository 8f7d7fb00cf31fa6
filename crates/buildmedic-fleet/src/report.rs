//! The stats report (`buildmedic.stats/v1`): what many diagnoses add up to, in a form that
//! merges exactly.
//!
//! Every field is either a count that adds, an exact table whose entries add
//! (`state.entities`: every entity value with its count; `state.templates`: every exact
//! template of `unknown` evidence), a "first N by a total order" selection (largest and
//! slowest logs, examples, input errors — the first N of a union are the first N of the
//! firsts), or a view derived from those (`top_entities`, `clusters`, `unknown_share`).
//! [`StatsReport::merge`] merges the state and derives the views again, so the report of
//! shards merged equals the report of one run over all of them. Full entity counts cost
//! more space than a sketch (a few hundred KB for tens of thousands of distinct values) but
//! keep top lists exact, which a platform team comparing weeks needs.

use std::collections::BTreeMap;

use buildmedic_engine::{Diagnosis, Status};
use serde::{Deserialize, Serialize};

use crate::cluster::{Cluster, TemplateTable};

pub const SCHEMA: &str = "buildmedic.stats/v1";

/// Values shown per entity name and kind in `top_entities`.
pub const TOP_ENTITIES: usize = 10;
/// Logs listed as the largest and the slowest.
pub const TOP_LOGS: usize = 10;
/// Clusters listed in `clusters` (the full table is in `state.templates`).
pub const CLUSTERS: usize = 50;
/// Entity values longer than this (in characters) are cut, so a long `RUN` command does not
/// make every log its own value.
const MAX_VALUE_CHARS: usize = 160;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    pub schema: String,
    /// Logs diagnosed.
    pub logs: u64,
    pub failed: u64,
    pub succeeded: u64,
    /// Inputs that could not be read (listed in `errors`); not counted in `logs`.
    pub input_errors: u64,
    /// Bytes and lines read (after gzip decoding).
    pub bytes: u64,
    pub lines: u64,
    /// Failed logs by the kind of their primary finding.
    pub by_kind: BTreeMap<String, u64>,
    /// Share of failed logs whose primary kind is `unknown` (0 when none failed).
    pub unknown_share: f64,
    /// Per kind, per entity name, the most frequent values of the primary findings.
    pub top_entities: BTreeMap<String, BTreeMap<String, Vec<ValueCount>>>,
    /// Evidence lines of `unknown` findings grouped by template, largest first.
    pub clusters: Vec<Cluster>,
    /// The largest logs (bytes after decoding).
    pub largest: Vec<LogRecord>,
    /// The logs that took longest to diagnose.
    pub slowest: Vec<LogRecord>,
    /// Logs per day, for logs whose first lines carry a timestamp.
    pub over_time: Vec<DayCount>,
    /// Inputs that could not be read, by path.
    pub errors: Vec<InputFailure>,
    /// The exact tables the views are derived from (what `stats merge` needs).
    pub state: State,
    pub run: RunInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    pub source: String,
    pub bytes: u64,
    pub lines: u64,
    /// Time to diagnose, in microseconds.
    pub micros: u64,
    pub status: String,
    /// Primary kind of a failed log.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`, as written in the log.
    pub day: String,
    pub logs: u64,
    pub failed: u64,
    pub by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputFailure {
    pub path: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// kind → entity name → value → logs.
    pub entities: BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>>,
    /// Exact templates of `unknown` evidence lines.
    pub templates: TemplateTable,
}

/// How the report was produced. Not part of what merging keeps exact: `shards` adds up,
/// `jobs` and `elapsed_ms` are those of the longest shard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub shards: u64,
    pub jobs: usize,
    pub elapsed_ms: u64,
}

/// One diagnosed log, as the report needs it.
pub struct LogOutcome<'a> {
    pub diagnosis: &'a Diagnosis,
    pub micros: u64,
    /// `YYYY-MM-DD` of the first timestamp in the log, if any.
    pub day: Option<String>,
}

impl Default for StatsReport {
    fn default() -> Self {
        StatsReport {
            schema: SCHEMA.to_string(),
            logs: 0,
            failed: 0,
            succeeded: 0,
            input_errors: 0,
            bytes: 0,
            lines: 0,
            by_kind: BTreeMap::new(),
            unknown_share: 0.0,
            top_entities: BTreeMap::new(),
            clusters: Vec::new(),
            largest: Vec::new(),
            slowest: Vec::new(),
            over_time: Vec::new(),
            errors: Vec::new(),
            state: State::default(),
            run: RunInfo::default(),
        }
    }
}

/// A stats file `stats merge` cannot use.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: not a stats report: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: schema `{found}` is not `{SCHEMA}`")]
    Schema { path: String, found: String },
}

impl StatsReport {
    /// Adds one diagnosed log. Call [`StatsReport::finish`] before reading the views.
    pub fn add(&mut self, outcome: &LogOutcome<'_>) {
        let d = outcome.diagnosis;
        let source = buildmedic_redact::redact(&d.source).into_owned();
        self.logs += 1;
        self.bytes += d.stats.bytes;
        self.lines += d.stats.lines;
        let primary = d.primary().filter(|_| d.status == Status::Failed);
        let kind = primary.map(|p| p.kind.clone());
        match d.status {
            Status::Failed => self.failed += 1,
            Status::Succeeded => self.succeeded += 1,
        }
        if let Some(p) = primary {
            *self.by_kind.entry(p.kind.clone()).or_default() += 1;
            let per_kind = self.state.entities.entry(p.kind.clone()).or_default();
            for (name, values) in &p.entities {
                let counts = per_kind.entry(name.clone()).or_default();
                let mut seen: Vec<String> = Vec::new();
                for v in values {
                    let v = shorten(v);
                    if !seen.contains(&v) {
                        *counts.entry(v.clone()).or_default() += 1;
                        seen.push(v);
                    }
                }
            }
            if p.kind == buildmedic_kb::UNKNOWN {
                self.state.templates.add_log(
                    &source,
                    p.lines
                        .iter()
                        .copied()
                        .zip(p.evidence.iter().map(String::as_str)),
                );
            }
        }
        if let Some(day) = &outcome.day {
            let dc = self.over_time_entry(day);
            dc.logs += 1;
            if let Some(k) = &kind {
                dc.failed += 1;
                *dc.by_kind.entry(k.clone()).or_default() += 1;
            }
        }
        let record = LogRecord {
            source,
            bytes: d.stats.bytes,
            lines: d.stats.lines,
            micros: outcome.micros,
            status: match d.status {
                Status::Failed => "failed",
                Status::Succeeded => "succeeded",
            }
            .to_string(),
            kind,
        };
        push_top(&mut self.largest, record.clone(), by_size);
        push_top(&mut self.slowest, record, by_time);
    }

    /// Records an input that could not be read.
    pub fn add_error(&mut self, path: &str, error: &str) {
        self.input_errors += 1;
        self.errors.push(InputFailure {
            path: buildmedic_redact::redact(path).into_owned(),
            error: buildmedic_redact::redact(error).into_owned(),
        });
    }

    fn over_time_entry(&mut self, day: &str) -> &mut DayCount {
        let pos = match self.over_time.binary_search_by(|d| d.day.as_str().cmp(day)) {
            Ok(p) => p,
            Err(p) => {
                self.over_time.insert(
                    p,
                    DayCount {
                        day: day.to_string(),
                        ..DayCount::default()
                    },
                );
                p
            }
        };
        &mut self.over_time[pos]
    }

    /// Adds `other` (another shard, or another worker's part).
    pub fn merge(&mut self, other: StatsReport) {
        self.logs += other.logs;
        self.failed += other.failed;
        self.succeeded += other.succeeded;
        self.input_errors += other.input_errors;
        self.bytes += other.bytes;
        self.lines += other.lines;
        for (k, n) in other.by_kind {
            *self.by_kind.entry(k).or_default() += n;
        }
        for (kind, names) in other.state.entities {
            let mine = self.state.entities.entry(kind).or_default();
            for (name, values) in names {
                let counts = mine.entry(name).or_default();
                for (v, n) in values {
                    *counts.entry(v).or_default() += n;
                }
            }
        }
        self.state.templates.merge(other.state.templates);
        for day in other.over_time {
            let dc = self.over_time_entry(&day.day);
            dc.logs += day.logs;
            dc.failed += day.failed;
            for (k, n) in day.by_kind {
                *dc.by_kind.entry(k).or_default() += n;
            }
        }
        for r in other.largest {
            push_top(&mut self.largest, r, by_size);
        }
        for r in other.slowest {
            push_top(&mut self.slowest, r, by_time);
        }
        self.errors.extend(other.errors);
        self.errors.sort();
        self.run.shards += other.run.shards;
        self.run.jobs = self.run.jobs.max(other.run.jobs);
        self.run.elapsed_ms = self.run.elapsed_ms.max(other.run.elapsed_ms);
    }

    /// Derives the views (`unknown_share`, `top_entities`, `clusters`) from the state.
    pub fn finish(&mut self) {
        self.errors.sort();
        self.unknown_share = if self.failed == 0 {
            0.0
        } else {
            let unknown = self
                .by_kind
                .get(buildmedic_kb::UNKNOWN)
                .copied()
                .unwrap_or(0);
            // Rounded so that the value does not depend on the order of a float sum.
            (unknown as f64 / self.failed as f64 * 10_000.0).round() / 10_000.0
        };
        self.top_entities = self
            .state
            .entities
            .iter()
            .map(|(kind, names)| {
                let names = names
                    .iter()
                    .map(|(name, values)| {
                        let mut top: Vec<ValueCount> = values
                            .iter()
                            .map(|(v, n)| ValueCount {
                                value: v.clone(),
                                count: *n,
                            })
                            .collect();
                        top.sort_by(|a, b| {
                            b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value))
                        });
                        top.truncate(TOP_ENTITIES);
                        (name.clone(), top)
                    })
                    .collect();
                (kind.clone(), names)
            })
            .collect();
        let mut clusters = self.state.templates.clusters();
        clusters.truncate(CLUSTERS);
        self.clusters = clusters;
    }

    /// Parses a report written by `stats --format json`; `path` names it in errors.
    pub fn from_json(text: &str, path: &str) -> Result<Self, ReportError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ReportError::Invalid {
                path: path.to_string(),
                message: e.to_string(),
            })?;
        Self::from_value(value, path)
    }

    /// Parses one or more reports written one after the other (`cat shard-*.json`, the
    /// output files of a Spark `pipe`).
    pub fn from_json_stream(text: &str, path: &str) -> Result<Vec<Self>, ReportError> {
        let mut out = Vec::new();
        for value in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
            let value = value.map_err(|e| ReportError::Invalid {
                path: path.to_string(),
                message: format!("report {}: {e}", out.len() + 1),
            })?;
            out.push(Self::from_value(value, path)?);
        }
        if out.is_empty() {
            return Err(ReportError::Invalid {
                path: path.to_string(),
                message: "no report in the file".to_string(),
            });
        }
        Ok(out)
    }

    fn from_value(value: serde_json::Value, path: &str) -> Result<Self, ReportError> {
        let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        if schema != SCHEMA {
            return Err(ReportError::Schema {
                path: path.to_string(),
                found: schema.to_string(),
            });
        }
        serde_json::from_value(value).map_err(|e| ReportError::Invalid {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// Shares of failed logs by kind, largest first (ties by kind id).
    pub fn kinds_by_count(&self) -> Vec<(&str, u64, f64)> {
        let mut v: Vec<(&str, u64, f64)> = self
            .by_kind
            .iter()
            .map(|(k, n)| {
                let share = if self.failed == 0 {
                    0.0
                } else {
                    *n as f64 / self.failed as f64
                };
                (k.as_str(), *n, share)
            })
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }
}

fn shorten(v: &str) -> String {
    match v.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => format!("{}…", &v[..i]),
        None => v.to_string(),
    }
}

fn by_size(a: &LogRecord, b: &LogRecord) -> std::cmp::Ordering {
    b.bytes.cmp(&a.bytes).then_with(|| a.source.cmp(&b.source))
}

fn by_time(a: &LogRecord, b: &LogRecord) -> std::cmp::Ordering {
    b.micros
        .cmp(&a.micros)
        .then_with(|| a.source.cmp(&b.source))
}

/// Keeps the first [`TOP_LOGS`] records by `order`.
fn push_top(
    list: &mut Vec<LogRecord>,
    r: LogRecord,
    order: fn(&LogRecord, &LogRecord) -> std::cmp::Ordering,
) {
    if list.len() >= TOP_LOGS
        && list
            .last()
            .is_some_and(|last| order(&r, last) != std::cmp::Ordering::Less)
    {
        return;
    }
    let pos = list.partition_point(|x| order(x, &r) != std::cmp::Ordering::Greater);
    list.insert(pos, r);
    list.truncate(TOP_LOGS);
}
