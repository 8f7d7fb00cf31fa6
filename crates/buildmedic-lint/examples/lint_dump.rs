//! Prints `file:line:col severity check message` for each finding — a dependency-free way to
//! eyeball the linter on a directory: `cargo run -p buildmedic-lint --example lint_dump -- PATH...`.

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let config = buildmedic_lint::LintConfig::default();
    let report = buildmedic_lint::lint_paths(&paths, &config);
    for d in &report.diagnostics {
        println!(
            "{}:{}:{} {} {} {}",
            d.file, d.line, d.column, d.severity, d.check, d.message
        );
    }
    for e in &report.errors {
        println!("INPUT ERROR {e}");
    }
    for s in &report.skipped {
        println!("SKIPPED {s}");
    }
    eprintln!(
        "{} files, {} findings",
        report.files.len(),
        report.diagnostics.len()
    );
}
