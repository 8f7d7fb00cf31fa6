//! Clustering the evidence lines of `unknown` findings: what the knowledge base does not
//! cover yet, grouped so that one rule can cover a group.
//!
//! Two stages:
//!
//! 1. **Exact templates** ([`TemplateTable`]): every evidence line is masked
//!    ([`crate::mask`]) and lines with equal templates are counted together. This is the
//!    state kept in the JSON report: counts add, examples are the smallest few by
//!    `(source, line)` with one per source, so merging the tables of shards gives exactly
//!    the table of the whole.
//! 2. **Drain-style merging** ([`TemplateTable::clusters`]): templates with the same number
//!    of tokens and the same first token whose tokens agree at ≥ [`SIMILARITY`] of the
//!    positions are merged, the differing positions becoming `<*>` (Drain's "log groups",
//!    with its fixed-depth prefix reduced to the first token). This catches what masking
//!    cannot know varies: `E: Unable to locate package libfoo-dev` and `... libbar` become
//!    `E: Unable to locate package <*>`. It runs on the exact table in a fixed order (most
//!    frequent first, then by text), so it too gives the same clusters for a merged report
//!    as for one run over everything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::mask::{Template, Token, mask};

/// Examples kept per template (and shown per cluster), one per source.
pub const EXAMPLES: usize = 5;
/// Fraction of token positions two templates must share to be merged.
pub const SIMILARITY: f64 = 0.6;
/// Templates listed per cluster.
const MEMBERS_SHOWN: usize = 8;

/// One evidence line and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Example {
    pub source: String,
    pub line: u64,
    pub text: String,
}

/// How often one exact template occurred.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCount {
    /// Evidence lines with this template.
    pub lines: u64,
    /// Logs with at least one such line.
    pub logs: u64,
    /// The first lines by `(source, line)`, one per source, at most [`EXAMPLES`].
    pub examples: Vec<Example>,
}

impl TemplateCount {
    fn merge(&mut self, other: TemplateCount) {
        self.lines += other.lines;
        self.logs += other.logs;
        self.examples.extend(other.examples);
        keep_first_examples(&mut self.examples);
    }
}

/// Sorts by `(source, line)`, keeps the first line of each source, then the first
/// [`EXAMPLES`]: the same choice whatever order the examples arrived in.
fn keep_first_examples(examples: &mut Vec<Example>) {
    examples.sort();
    examples.dedup_by(|b, a| a.source == b.source);
    examples.truncate(EXAMPLES);
}

/// Exact templates of evidence lines with their counts: the mergeable state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateTable {
    templates: BTreeMap<String, TemplateCount>,
}

impl TemplateTable {
    /// Adds the evidence lines `(line number, text)` of one log.
    ///
    /// Lines of the log are clustered among themselves first, so that a log listing three
    /// missing packages adds one template (`E: Unable to locate package <*>`) with one log,
    /// not three templates that the merge would count as three logs.
    pub fn add_log<'a>(&mut self, source: &str, lines: impl IntoIterator<Item = (u64, &'a str)>) {
        let mut own = TemplateTable::default();
        for (line, text) in lines {
            let template = mask(text);
            if template.is_empty() {
                continue;
            }
            let example = Example {
                source: source.to_string(),
                line,
                text: text.trim().to_string(),
            };
            let count = own
                .templates
                .entry(template)
                .or_insert_with(|| TemplateCount {
                    lines: 0,
                    logs: 1,
                    examples: Vec::new(),
                });
            count.lines += 1;
            count.examples.push(example);
            keep_first_examples(&mut count.examples);
        }
        if own.templates.len() > 1 {
            own = TemplateTable {
                templates: own
                    .clusters()
                    .into_iter()
                    .map(|c| {
                        let count = TemplateCount {
                            lines: c.lines,
                            logs: 1,
                            examples: c.examples,
                        };
                        (c.template, count)
                    })
                    .collect(),
            };
        }
        self.merge(own);
    }

    pub fn merge(&mut self, other: TemplateTable) {
        for (template, count) in other.templates {
            self.templates.entry(template).or_default().merge(count);
        }
    }

    pub fn len(&self) -> usize {
        self.templates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &TemplateCount)> {
        self.templates.iter().map(|(t, c)| (t.as_str(), c))
    }

    /// Drain-style clusters, largest first (by logs, then lines, then template text).
    pub fn clusters(&self) -> Vec<Cluster> {
        let mut order: Vec<(&String, &TemplateCount)> = self.templates.iter().collect();
        order.sort_by(|a, b| {
            (b.1.logs, b.1.lines)
                .cmp(&(a.1.logs, a.1.lines))
                .then_with(|| a.0.cmp(b.0))
        });
        let mut groups: Vec<Group> = Vec::new();
        // (token count, first token) → indices into `groups`.
        let mut by_key: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        for (text, count) in order {
            let template = Template::parse(text);
            let key = (
                template.tokens.len(),
                template.tokens.first().map(Token::text).unwrap_or_default(),
            );
            let candidates = by_key.entry(key).or_default();
            let best = candidates
                .iter()
                .map(|&g| (g, similarity(&groups[g].template, &template)))
                .filter(|&(_, s)| s >= SIMILARITY)
                // Highest similarity; among equals the earliest (largest) group.
                .fold(None::<(usize, f64)>, |best, (g, s)| match best {
                    Some((_, bs)) if bs >= s => best,
                    _ => Some((g, s)),
                });
            match best {
                Some((g, _)) if template.tokens.len() > 2 => {
                    groups[g].absorb(text, &template, count)
                }
                _ => {
                    candidates.push(groups.len());
                    groups.push(Group::new(text, template, count));
                }
            }
        }
        let mut clusters: Vec<Cluster> = groups.into_iter().map(Group::into_cluster).collect();
        clusters.sort_by(|a, b| {
            (b.logs, b.lines)
                .cmp(&(a.logs, a.lines))
                .then_with(|| a.template.cmp(&b.template))
        });
        clusters
    }
}

/// Share of positions with equal tokens (the templates have the same length).
fn similarity(a: &Template, b: &Template) -> f64 {
    if a.tokens.len() != b.tokens.len() || a.tokens.is_empty() {
        return 0.0;
    }
    let same = a
        .tokens
        .iter()
        .zip(&b.tokens)
        .filter(|(x, y)| x == y)
        .count();
    same as f64 / a.tokens.len() as f64
}

struct Group {
    template: Template,
    lines: u64,
    logs: u64,
    members: Vec<(String, u64)>,
    examples: Vec<Example>,
}

impl Group {
    fn new(text: &str, template: Template, count: &TemplateCount) -> Self {
        Group {
            template,
            lines: count.lines,
            logs: count.logs,
            members: vec![(text.to_string(), count.logs)],
            examples: count.examples.clone(),
        }
    }

    fn absorb(&mut self, text: &str, template: &Template, count: &TemplateCount) {
        for (mine, theirs) in self.template.tokens.iter_mut().zip(&template.tokens) {
            if mine != theirs {
                *mine = Token::wildcard();
            }
        }
        self.lines += count.lines;
        self.logs += count.logs;
        self.members.push((text.to_string(), count.logs));
        self.examples.extend(count.examples.iter().cloned());
        keep_first_examples(&mut self.examples);
    }

    fn into_cluster(self) -> Cluster {
        let templates = self.members.len();
        Cluster {
            template: self.template.text(),
            lines: self.lines,
            logs: self.logs,
            templates,
            members: self
                .members
                .into_iter()
                .take(MEMBERS_SHOWN)
                .map(|(t, _)| t)
                .collect(),
            examples: self.examples,
        }
    }
}

/// A group of similar evidence lines of `unknown` findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// The merged template: masked parts as placeholders, differing words as `<*>`.
    pub template: String,
    /// Evidence lines in the cluster.
    pub lines: u64,
    /// Logs in the cluster. A log's own lines are clustered among themselves first, so a
    /// log counts once per cluster unless two of its lines only join through a third
    /// log's line (then twice).
    pub logs: u64,
    /// Exact templates merged into this cluster.
    pub templates: usize,
    /// The largest of them (at most 8).
    pub members: Vec<String>,
    /// Example lines, one per source, the first by `(source, line)`.
    pub examples: Vec<Example>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(logs: &[(&str, &[&str])]) -> TemplateTable {
        let mut t = TemplateTable::default();
        for (source, lines) in logs {
            t.add_log(
                source,
                lines.iter().enumerate().map(|(i, l)| (i as u64 + 1, *l)),
            );
        }
        t
    }

    #[test]
    fn equal_templates_group_and_similar_ones_merge() {
        let t = table(&[
            (
                "a.log",
                &[
                    "E: Unable to locate package libfoo-dev",
                    "E: Package 'x' has no installation candidate",
                ],
            ),
            ("b.log", &["E: Unable to locate package libbar"]),
            (
                "c.log",
                &["ERROR: No matching distribution found for torch==9.9.9"],
            ),
            (
                "d.log",
                &["ERROR: No matching distribution found for numpy==1.2.3"],
            ),
            (
                "e.log",
                &["ERROR: No matching distribution found for jax==0.4.1"],
            ),
        ]);
        assert_eq!(t.len(), 6);
        let c = t.clusters();
        assert_eq!(
            c[0].template,
            "ERROR: No matching distribution found for <*>"
        );
        assert_eq!(c[0].logs, 3);
        assert_eq!(c[0].templates, 3);
        assert_eq!(c[1].template, "E: Unable to locate package <*>");
        assert_eq!(c[1].logs, 2);
        assert_eq!(
            c[1].examples
                .iter()
                .map(|e| e.source.as_str())
                .collect::<Vec<_>>(),
            ["a.log", "b.log"]
        );
        assert_eq!(
            c[2].template,
            "E: Package '<STR>' has no installation candidate"
        );
    }

    #[test]
    fn different_messages_stay_apart() {
        let t = table(&[
            ("a.log", &["fatal: unable to access repository"]),
            ("b.log", &["fatal: could not read Username"]),
        ]);
        assert_eq!(t.clusters().len(), 2);
    }

    #[test]
    fn merging_tables_equals_one_table() {
        let logs: Vec<(String, Vec<String>)> = (0..40)
            .map(|i| {
                (
                    format!("log-{i:02}.log"),
                    vec![
                        format!("E: Unable to locate package lib{}", i % 7),
                        format!("error: step {i} failed after {}s", i * 3),
                    ],
                )
            })
            .collect();
        let add = |t: &mut TemplateTable, range: std::ops::Range<usize>| {
            for (s, lines) in &logs[range] {
                t.add_log(
                    s,
                    lines
                        .iter()
                        .enumerate()
                        .map(|(i, l)| (i as u64 + 1, l.as_str())),
                );
            }
        };
        let mut whole = TemplateTable::default();
        add(&mut whole, 0..40);
        let (mut a, mut b) = (TemplateTable::default(), TemplateTable::default());
        add(&mut b, 17..40);
        add(&mut a, 0..17);
        a.merge(b);
        assert_eq!(a, whole);
        assert_eq!(a.clusters(), whole.clusters());
    }
}
