//! `--fix`: apply the safe fixes of a report to the files on disk.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::framework::diagnostic::Diagnostic;
use crate::framework::report::{InputError, LintReport};
use crate::syntax::source::FileKind;

/// One fix that was written to disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedFix {
    pub file: String,
    pub line: usize,
    pub check: &'static str,
    pub description: String,
}

/// Applies every fix in `report` whose edits do not overlap an earlier fix in the same file,
/// writes the files, and returns what was changed. Virtual sources are never written.
pub fn apply_fixes(report: &LintReport) -> (Vec<AppliedFix>, Vec<InputError>) {
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &report.diagnostics {
        if d.fix.is_some() {
            by_file.entry(d.file.as_str()).or_default().push(d);
        }
    }
    let mut applied = Vec::new();
    let mut errors = Vec::new();
    for (display, diags) in by_file {
        let Some(source) = report.source(display) else {
            continue;
        };
        if source.kind == FileKind::Virtual || display.contains('#') {
            continue;
        }
        let mut edits: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
        let mut accepted = Vec::new();
        for d in diags {
            let Some(fix) = &d.fix else { continue };
            let overlaps = fix.edits.iter().any(|e| {
                edits.iter().any(|(r, _)| {
                    (e.range.start < r.end && r.start < e.range.end) || (e.range.start == r.start)
                })
            });
            let in_bounds = fix.edits.iter().all(|e| {
                e.range.end <= source.text.len()
                    && source.text.is_char_boundary(e.range.start)
                    && source.text.is_char_boundary(e.range.end)
            });
            if overlaps || !in_bounds {
                continue;
            }
            for e in &fix.edits {
                edits.push((e.range.clone(), e.replacement.as_str()));
            }
            accepted.push(AppliedFix {
                file: display.to_string(),
                line: d.line,
                check: d.check,
                description: fix.description.clone(),
            });
        }
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        let mut text = source.text.clone();
        for (range, replacement) in edits {
            text.replace_range(range, replacement);
        }
        match std::fs::write(&source.path, text) {
            Ok(()) => applied.extend(accepted),
            Err(e) => errors.push(InputError {
                path: display.to_string(),
                message: format!("cannot write fixes: {e}"),
            }),
        }
    }
    (applied, errors)
}
