//! From a build log to a diagnosis: one pass of signature matching, then ranking.
//!
//! ```text
//! bytes ─► buildmedic_log::read_log ─► Scanner (matcher: anchors → triggers → regexes)
//!       ─► rank::conclude (locations, explains, ties, unknown fallback) ─► Diagnosis
//! ```
//!
//! The CLI and the server call [`Engine::diagnose`]; nothing here prints.

pub mod diagnosis;
pub mod fixtures;
pub mod matcher;
mod rank;
mod scan;

use std::io::{self, Read};

use buildmedic_kb::KnowledgeBase;

pub use diagnosis::{Diagnosis, FailingStep, Finding, Location, Stats, Status, Suppressed};
pub use matcher::Matcher;

/// A knowledge base compiled for matching. Build once, diagnose many logs.
pub struct Engine {
    kb: KnowledgeBase,
    matcher: Matcher,
}

impl Engine {
    pub fn new(kb: KnowledgeBase) -> Self {
        let matcher = Matcher::new(&kb);
        Engine { kb, matcher }
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
        let mut scanner = scan::Scanner::new(&self.matcher);
        let summary = buildmedic_log::read_log(input, &mut scanner)?;
        Ok(rank::conclude(
            &self.kb,
            &self.matcher,
            &summary,
            &scanner,
            source,
        ))
    }

    /// Convenience for tests and small inputs.
    pub fn diagnose_bytes(&self, bytes: &[u8], source: &str) -> Diagnosis {
        // Reading from memory cannot fail.
        self.diagnose(bytes, source)
            .unwrap_or_else(|_| unreachable!("in-memory reads do not fail"))
    }
}
