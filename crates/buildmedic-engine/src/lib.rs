//! From a build log to a diagnosis: one pass of signature matching, then ranking.
//!
//! ```text
//! bytes ─► buildmedic_log::read_log ─► Scanner (matcher: anchors → triggers → regexes)
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
    Diagnosis, FailingStep, Finding, Location, Score, Severity, Stats, Status, Suppressed,
};
pub use matcher::Matcher;
pub use rank::RankPolicy;
pub use rank::policy::LocationFactors;
pub use trace::Trace;

/// A knowledge base compiled for matching. Build once, diagnose many logs.
pub struct Engine {
    kb: KnowledgeBase,
    matcher: Matcher,
    policy: RankPolicy,
}

impl Engine {
    pub fn new(kb: KnowledgeBase) -> Self {
        let matcher = Matcher::new(&kb);
        Engine {
            kb,
            matcher,
            policy: RankPolicy::default(),
        }
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
    pub fn builtin() -> Result<Self, buildmedic_kb::KbError> {
        Ok(Self::new(KnowledgeBase::builtin()?))
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
        let summary = buildmedic_log::read_log(input, &mut scanner)?;
        let inputs = rank::Inputs {
            kb: &self.kb,
            matcher: &self.matcher,
            policy: &self.policy,
            summary: &summary,
            scanner: &scanner,
        };
        Ok(rank::conclude(&inputs, source, trace))
    }

    /// Convenience for tests and small inputs.
    pub fn diagnose_bytes(&self, bytes: &[u8], source: &str) -> Diagnosis {
        // Reading from memory cannot fail.
        self.diagnose(bytes, source)
            .unwrap_or_else(|_| unreachable!("in-memory reads do not fail"))
    }
}
