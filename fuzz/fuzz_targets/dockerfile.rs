//! Fuzz the Dockerfile lexer and every Dockerfile/image check: no input may panic.
//!
//! Register in `fuzz/Cargo.toml`:
//! ```toml
//! [[bin]]
//! name = "dockerfile"
//! path = "fuzz_targets/dockerfile.rs"
//! test = false
//! doc = false
//! bench = false
//! ```
//! Run: `cargo +nightly fuzz run dockerfile -- -max_total_time=300`.

#![no_main]

use buildmedic_lint::{FileCx, FileKind, LintConfig, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let df = buildmedic_lint::syntax::dockerfile::parse(&text);
    for ins in &df.instructions {
        assert!(ins.span.end <= text.len());
    }
    let config = LintConfig::default();
    let file = SourceFile::new(
        "Dockerfile",
        "Dockerfile",
        FileKind::Dockerfile,
        text.as_ref(),
    );
    let mut cx = FileCx::new(&config, &file);
    buildmedic_lint::run::lint_dockerfile(&mut cx, None);
    // The first line doubles as an image reference and a .dockerignore.
    let first = text.lines().next().unwrap_or("");
    let _ = buildmedic_lint::syntax::image_ref::explain::explain(first);
    let ignore = buildmedic_lint::syntax::dockerignore::DockerIgnore::parse(&text);
    let _ = ignore.is_excluded(first);
});
