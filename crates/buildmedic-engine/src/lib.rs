//! From a build log to a diagnosis: one pass of signature matching, then ranking.
//!
//! ```text
//! bytes ─► buildmedic_log::read_log ─► scan (matcher: triggers → regexes, windows, tails)
//!       ─► rank::conclude (locations, explains, ties, unknown fallback) ─► Diagnosis
//! ```
//!
//! The CLI and the server call [`Engine::diagnose`]; nothing here prints.

mod context;
pub mod diagnosis;
pub mod fixtures;
pub mod matcher;
mod rank;
mod scan;
pub mod trace;

use std::io::{self, Read};

use buildmedic_kb::KnowledgeBase;

pub use diagnosis::{
    DefinitionEdit, DefinitionLine, Diagnosis, FailingStep, Finding, FrameLine, LintNote, Location,
    Score, Severity, Stats, Status, Suppressed,
};
pub use matcher::{Matcher, MatcherError};
pub use rank::RankPolicy;
pub use rank::policy::LocationFactors;
pub use trace::Trace;

/// How [`Engine::diagnose_with`] reads a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnoseOptions {
    /// Threads that match (a framing thread comes on top when more than one).
    pub threads: usize,
    /// Bytes per batch (tests use small ones to cross batch boundaries).
    pub buffer_size: usize,
}

impl Default for DiagnoseOptions {
    fn default() -> Self {
        DiagnoseOptions {
            threads: 1,
            buffer_size: 1 << 20,
        }
    }
}

/// A knowledge base compiled for matching. Build once, diagnose many logs.
pub struct Engine {
    kb: KnowledgeBase,
    matcher: Matcher,
    policy: RankPolicy,
}

/// A knowledge base that cannot be used for matching.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Kb(#[from] buildmedic_kb::KbError),
    #[error(transparent)]
    Matcher(#[from] MatcherError),
}

impl Engine {
    pub fn new(kb: KnowledgeBase) -> Result<Self, MatcherError> {
        let matcher = Matcher::new(&kb)?;
        Ok(Engine {
            kb,
            matcher,
            policy: RankPolicy::default(),
        })
    }

    /// The same engine with another ranking policy (tests, experiments).
    pub fn with_policy(mut self, policy: RankPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn policy(&self) -> &RankPolicy {
        &self.policy
    }

    /// An engine over the built-in knowledge base.
    pub fn builtin() -> Result<Self, EngineError> {
        Ok(Self::new(KnowledgeBase::builtin()?)?)
    }

    pub fn knowledge_base(&self) -> &KnowledgeBase {
        &self.kb
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Reads `input` to the end and concludes. `source` names the input in the output.
    pub fn diagnose<R: Read>(&self, input: R, source: &str) -> io::Result<Diagnosis> {
        self.run(input, source, None)
    }

    /// [`Engine::diagnose`], also recording why: every match with its score and gate, every
    /// kind with its outcome, the reasons for the status and the primary.
    pub fn trace<R: Read>(&self, input: R, source: &str) -> io::Result<(Diagnosis, Trace)> {
        let mut trace = Trace::default();
        let d = self.run(input, source, Some(&mut trace))?;
        Ok((d, trace))
    }

    fn run<R: Read>(
        &self,
        input: R,
        source: &str,
        trace: Option<&mut Trace>,
    ) -> io::Result<Diagnosis> {
        let mut scanner = scan::Scanner::new(&self.matcher);
        let summary =
            buildmedic_log::read_log_with(input, &mut scanner, &self.reader_options(1 << 20))?;
        let scan = scanner.into_scan();
        Ok(self.conclude(&summary, &scan, source, trace))
    }

    fn conclude(
        &self,
        summary: &buildmedic_log::LogSummary,
        scan: &scan::Scan,
        source: &str,
        trace: Option<&mut Trace>,
    ) -> Diagnosis {
        let inputs = rank::Inputs {
            kb: &self.kb,
            matcher: &self.matcher,
            policy: &self.policy,
            summary,
            scanner: scan,
        };
        rank::conclude(&inputs, source, trace)
    }

    fn reader_options(&self, buffer_size: usize) -> buildmedic_log::ReaderOptions {
        buildmedic_log::ReaderOptions {
            buffer_size,
            carry_lines: scan::carry_lines(&self.matcher),
        }
    }

    /// [`Engine::diagnose`] with options. With several threads one thread frames the log (and
    /// matches while framed batches wait) and the others match it; the diagnosis is the same
    /// as with one (batches are cut at the same places and merged in order).
    pub fn diagnose_with<R: Read + Send>(
        &self,
        input: R,
        source: &str,
        options: &DiagnoseOptions,
    ) -> io::Result<Diagnosis> {
        if options.threads <= 1 {
            let mut scanner = scan::Scanner::new(&self.matcher);
            let reader = self.reader_options(options.buffer_size);
            let summary = buildmedic_log::read_log_with(input, &mut scanner, &reader)?;
            let scan = scanner.into_scan();
            return Ok(self.conclude(&summary, &scan, source, None));
        }
        let mut merger = scan::merge::Merger::new(&self.matcher);
        let summary = buildmedic_log::read_log_parallel(
            input,
            &scan::ChunkScanner(&self.matcher),
            |batch, part| merger.merge(batch, part),
            &self.reader_options(options.buffer_size),
            options.threads,
        )?;
        merger.finish(&summary);
        let scan = merger.into_scan();
        Ok(self.conclude(&summary, &scan, source, None))
    }

    /// Convenience for tests and small inputs.
    pub fn diagnose_bytes(&self, bytes: &[u8], source: &str) -> Diagnosis {
        // Reading from memory cannot fail.
        self.diagnose(bytes, source)
            .unwrap_or_else(|_| unreachable!("in-memory reads do not fail"))
    }
}
