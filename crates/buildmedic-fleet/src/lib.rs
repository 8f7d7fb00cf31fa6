//! Many logs at once: the fleet view.
//!
//! ```text
//! paths ─► run::expand ─► run::run (one Engine, N threads) ─► report::StatsReport ─► renderers
//!                                        │ unknown evidence
//!                                        ▼
//!                         mask ─► cluster::TemplateTable ─► clusters ─► suggest (rule skeletons)
//! failed log + baselines ─► mask ─► diff (novel lines) ─► diagnose --baseline candidates
//! ```
//!
//! * [`mask`]: the one masker (numbers, hashes, versions, paths, URLs, quoted names) that
//!   both clustering and `diff` use.
//! * [`report`]: the `buildmedic.stats/v1` report and its exact merge (`stats merge`).
//! * [`cluster`]: exact templates of `unknown` evidence, then Drain-style merging.
//! * [`suggest`]: knowledge-base skeletons from clusters.
//! * [`diff`]: the lines of a failed log that no successful baseline has.
//! * [`run`]: input expansion (files, directories, globs) and the parallel runner.
//!
//! Nothing here prints; the CLI and renderers do.

pub mod cluster;
pub mod diff;
pub mod mask;
pub mod report;
pub mod run;
pub mod suggest;
pub mod timestamp;

pub use cluster::{Cluster, Example, TemplateTable};
pub use diff::{Baseline, DiffOptions, DiffReport, diff, refine_unknown};
pub use report::{LogOutcome, ReportError, StatsReport};
pub use run::{Inputs, expand, run};
