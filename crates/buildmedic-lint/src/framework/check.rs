//! How a check is declared: its id, default severity, fixability and documentation.
//!
//! A check is declared with [`declare_check!`](crate::declare_check) in its own file under
//! `rules/`. The macro captures the doc comment into [`CheckInfo::doc`], so `buildmedic
//! explain CHECK` and `docs/lint.md` print exactly what the source says. The list of all
//! checks is `run/registry.rs`; nothing here knows any check.

use crate::framework::diagnostic::Severity;

/// Static description of one check.
#[derive(Debug)]
pub struct CheckInfo {
    /// Kebab-case id: the catalog's id for definition problems (D01–D33), the failure kind
    /// id (`knowledge/<kind>/`) for predicted build failures.
    pub id: &'static str,
    /// Severity unless the check or the configuration says otherwise.
    pub default_severity: Severity,
    /// Whether `--fix` can repair (some of) its findings.
    pub fixable: bool,
    /// Catalog entry this check implements (`D01`, `B05`, ...), or "" for none.
    pub catalog: &'static str,
    /// Raw doc comment (each line keeps rustdoc's leading space).
    pub doc: &'static str,
}

impl CheckInfo {
    /// The documentation as Markdown, with rustdoc's leading space removed.
    pub fn doc_markdown(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_string() + "\n"
    }

    /// First sentence of "What it does", for one-line listings.
    pub fn summary(&self) -> String {
        let md = self.doc_markdown();
        let mut lines = md
            .lines()
            .skip_while(|l| !l.starts_with("## What it does"))
            .skip(1);
        let mut text = String::new();
        for line in lines.by_ref() {
            if line.trim().is_empty() {
                if text.is_empty() {
                    continue;
                }
                break;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line.trim());
        }
        match text.find(". ") {
            Some(i) => text[..=i].to_string(),
            None => text,
        }
    }
}

/// Declares a check: a `pub static CHECK: CheckInfo` whose `doc` is the doc comment.
///
/// ```ignore
/// declare_check! {
///     /// ## What it does
///     /// ...
///     /// ## Why it matters
///     /// ...
///     /// ## Example
///     /// ...
///     /// ## Fix
///     /// ...
///     id: "env-name-too-long", severity: Error, fixable: false, catalog: "D02"
/// }
/// ```
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        id: $id:literal, severity: $sev:ident, fixable: $fix:literal, catalog: $cat:literal $(,)?
    ) => {
        $(#[doc = $doc])*
        pub static CHECK: $crate::framework::check::CheckInfo = $crate::framework::check::CheckInfo {
            id: $id,
            default_severity: $crate::framework::diagnostic::Severity::$sev,
            fixable: $fix,
            catalog: $cat,
            doc: concat!($($doc, "\n"),*),
        };
    };
}
