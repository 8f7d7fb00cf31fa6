//! Fuzz the environment-definition linter and the definition model end to end: the same
//! bytes as a conda `environment.yml`, a pip `requirements.txt` and an Azure ML v2
//! environment YAML.
//!
//! Discovery reads files, so the bytes go through `lint_paths` and
//! `definition::discover` and the file system (a per-process directory under the temp dir,
//! rewritten on every run). Follow-ups (`-r other.txt`, `conda_file:`, `build.path:`) may
//! read other files; nothing is ever written outside that directory.
//!
//! Run: `cargo +nightly fuzz run lint_text fuzz/seeds/lint_text`.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use buildmedic_lint::definition::{self, Definitions, Location};
use buildmedic_lint::{LintConfig, LintReport, lint_paths};
use libfuzzer_sys::fuzz_target;

const AZUREML_HEADER: &[u8] =
    b"$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n";

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("buildmedic-fuzz-lint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        dir
    })
}

fn check(report: &LintReport) {
    for d in &report.diagnostics {
        assert!(d.span.start <= d.span.end, "{}: reversed span", d.check);
        let Some(file) = report.source(&d.file) else {
            continue;
        };
        if let Some(fix) = &d.fix {
            for edit in &fix.edits {
                assert!(
                    file.text.get(edit.range.clone()).is_some(),
                    "{}: fix edit {:?} is not a valid range of {:?}",
                    d.check,
                    edit.range,
                    d.file
                );
            }
        }
    }
}

/// Every item of the model lies inside its file, with a consistent line/column range.
fn check_model(defs: &Definitions) {
    let located = |l: &Location| {
        let Some(file) = defs.files.iter().find(|f| f.source.display == l.file) else {
            panic!("{l:?}: no such file in the model");
        };
        assert!(
            file.source.text.get(l.span.clone()).is_some(),
            "{l:?} is not a valid range of {:?}",
            l.file
        );
        assert!(l.line <= l.end_line, "{l:?}");
    };
    for i in defs.images() {
        located(&i.location);
    }
    for e in defs.conda() {
        located(&e.location);
        e.specs.iter().for_each(|s| located(&s.location));
    }
    for p in defs.pip() {
        located(&p.location);
    }
    for i in defs.instructions() {
        located(&i.location);
        i.copy_sources.iter().for_each(|(_, l)| located(l));
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let conda = dir.join("environment.yml");
    let requirements = dir.join("requirements.txt");
    let azureml = dir.join("azureml-environment.yml");
    let mut aml = AZUREML_HEADER.to_vec();
    aml.extend_from_slice(data);
    for (path, bytes) in [(&conda, data), (&requirements, data), (&azureml, &aml[..])] {
        std::fs::write(path, bytes).expect("write a fuzz input");
    }
    let config = LintConfig::default();
    for path in [conda, requirements, azureml] {
        check(&lint_paths(std::slice::from_ref(&path), &config));
        match definition::discover(&[path]) {
            Ok(defs) => check_model(&defs),
            Err(e) => check_model(&e.partial),
        }
    }
    // The YAML reader on its own, for inputs that are not definitions.
    let _ = buildmedic_lint::syntax::yaml::parse(&String::from_utf8_lossy(data));
});
