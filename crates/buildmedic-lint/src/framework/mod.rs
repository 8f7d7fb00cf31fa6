//! The check framework: how a check is declared ([`check`]), what it sees and reports
//! through ([`context::FileCx`], [`diagnostic`]), safe fixes ([`fix`]), inline suppressions
//! ([`suppress`]), facts that age ([`facts`]), the configuration ([`config`]) and the report
//! of a run ([`report`]).
//!
//! Layering: modules here use the syntax models and each other, and never name a check or
//! the runner; the configuration validates check ids through a predicate the caller passes.
//! `tests/layering.rs` fails when a module here names `rules` or `run`.

pub mod check;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod facts;
pub mod fix;
pub mod report;
pub mod suggest;
pub mod suppress;
