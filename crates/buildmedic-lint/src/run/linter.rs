//! The lint run: discover the definitions, hand each file to the dispatcher of its kind,
//! apply configuration and suppressions, and collect a [`LintReport`].

use std::path::PathBuf;

use crate::framework::config::LintConfig;
use crate::framework::context::FileCx;
use crate::framework::diagnostic::Diagnostic;
use crate::framework::report::LintReport;
use crate::framework::suppress::Suppressions;
use crate::rules::any::{forbidden_blob, utf8_decode};
use crate::syntax::asks::Image;
use crate::syntax::source::{FileKind, SourceFile};

use super::discover::{Loaded, discover};
use super::registry::find_check;
use super::{azureml_v1, azureml_v2, conda, dockerfile, image_ref, requirements};

/// Lints files and directories (directories are searched for environment definitions), and
/// the files they reference.
pub fn lint_paths(paths: &[PathBuf], config: &LintConfig) -> LintReport {
    let discovered = discover(paths);
    let mut report = LintReport {
        errors: discovered.errors,
        skipped: discovered.skipped,
        ..LintReport::default()
    };
    // Where each discovered file went in `report.files` (inline Dockerfiles go nowhere).
    let mut position: Vec<Option<usize>> = Vec::with_capacity(discovered.files.len());
    for loaded in discovered.files {
        match loaded.inline.clone() {
            None => {
                let diagnostics = lint_file(&loaded, config);
                report.diagnostics.extend(diagnostics);
                position.push(Some(report.files.len()));
                report.files.push(loaded.file);
            }
            Some((span, field)) => {
                position.push(None);
                let parent = loaded
                    .parent
                    .and_then(|p| position.get(p).copied().flatten())
                    .and_then(|p| report.files.get(p));
                let Some(parent) = parent else { continue };
                let mut cx = FileCx::new(config, &loaded.file);
                dockerfile::lint(&mut cx, None);
                forbidden_blob::scan(&mut cx);
                let diagnostics = finish(config, &loaded.file, cx.into_diagnostics());
                // Report at the string in the including file: JSON escapes make positions
                // inside the string unmappable, so the Dockerfile line goes in the message.
                let (line, column) = parent.line_col(span.start);
                let (end_line, end_column) = parent.line_col(span.end);
                let parent_display = parent.display.clone();
                for mut d in diagnostics {
                    d.message = format!("{field} line {}: {}", d.line, d.message);
                    d.file = parent_display.clone();
                    (d.line, d.column, d.end_line, d.end_column) =
                        (line, column, end_line, end_column);
                    d.span = span.clone();
                    d.fix = None;
                    d.fixable = false;
                    report.diagnostics.push(d);
                }
            }
        }
    }
    let order: Vec<&str> = report.files.iter().map(|f| f.display.as_str()).collect();
    let mut diagnostics = std::mem::take(&mut report.diagnostics);
    diagnostics.sort_by_key(|d| {
        (
            order
                .iter()
                .position(|f| *f == d.file)
                .unwrap_or(usize::MAX),
            d.line,
            d.column,
            d.check,
        )
    });
    report.diagnostics = diagnostics;
    report
}

/// Runs every image check on one reference (`buildmedic lint --image REF`).
pub fn lint_image(reference: &str, config: &LintConfig) -> LintReport {
    let file = SourceFile::new("<--image>", "<--image>", FileKind::Virtual, reference);
    let mut cx = FileCx::new(config, &file);
    image_ref::check(&Image::command_line(&file), &mut cx);
    let mut diagnostics = finish(config, &file, cx.into_diagnostics());
    diagnostics.sort_by_key(|d| (d.line, d.column));
    LintReport {
        files: vec![file],
        diagnostics,
        errors: Vec::new(),
        skipped: Vec::new(),
    }
}

/// Every check of one discovered file.
fn lint_file(loaded: &Loaded, config: &LintConfig) -> Vec<Diagnostic> {
    let file = &loaded.file;
    let mut cx = FileCx::new(config, file);
    if let Some(problem) = &loaded.utf8 {
        utf8_decode::report(&mut cx, problem);
    }
    let root = loaded.root.as_ref();
    match (file.kind, root) {
        (FileKind::AzureMlYaml, Some(root)) => azureml_v2::lint(root, &mut cx),
        (FileKind::AzureMlJson, Some(root)) => azureml_v1::lint(root, &mut cx),
        (FileKind::Conda, Some(root)) => conda::lint(root, &mut cx),
        (FileKind::Requirements, _) => requirements::lint_file(&mut cx),
        (FileKind::Dockerfile, _) => dockerfile::lint(&mut cx, loaded.context_dir.as_deref()),
        _ => {}
    }
    forbidden_blob::scan(&mut cx);
    finish(config, file, cx.into_diagnostics())
}

/// Applies configuration (enabled checks, severity overrides) and inline suppressions.
fn finish(config: &LintConfig, file: &SourceFile, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let suppressions = Suppressions::parse(file);
    diagnostics
        .into_iter()
        .filter(|d| {
            find_check(d.check).is_none_or(|c| config.is_enabled(c))
                && (suppressions.is_empty() || !suppressions.suppresses(d))
        })
        .map(|mut d| {
            if let Some(sev) = config.severity_override(d.check) {
                d.severity = sev;
            }
            d
        })
        .collect()
}
