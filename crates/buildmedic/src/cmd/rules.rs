//! `buildmedic rules test [DIR...]`: run the fixtures of rule directories (or of the
//! built-in knowledge base) and report each one.

use std::path::PathBuf;
use std::process::ExitCode;

use buildmedic_engine::Engine;
use buildmedic_engine::fixtures::run_fixtures;
use buildmedic_kb::KnowledgeBase;

use crate::rules::RulesError;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RulesCommand {
    /// Run fixtures: of the rule directories given, or of the built-in entries without one.
    Test {
        /// Rule directories (`DIR/<kind>/kind.toml` + `fixtures/`, or flat `DIR/*.toml`).
        dirs: Vec<PathBuf>,
        /// Print passing fixtures too.
        #[arg(long, short)]
        verbose: bool,
    },
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let RulesCommand::Test { dirs, verbose } = args.command;
    let mut kb = KnowledgeBase::builtin().map_err(|e| RulesError(e.to_string()))?;
    let mut tested: Vec<String> = Vec::new();
    for d in &dirs {
        let kinds = kb.load_dir(d).map_err(|e| RulesError(e.to_string()))?;
        if kinds.is_empty() {
            return Err(RulesError(format!(
                "{}: no rule entries found (expected <kind>/kind.toml or *.toml)",
                d.display()
            ))
            .into());
        }
        tested.extend(kinds);
    }
    kb.compile_all().map_err(|e| RulesError(e.to_string()))?;
    let engine = Engine::new(kb).map_err(|e| RulesError(e.to_string()))?;
    let kb = engine.knowledge_base();
    let entries: Vec<_> = if dirs.is_empty() {
        kb.entries().collect()
    } else {
        tested.iter().filter_map(|k| kb.get(k)).collect()
    };
    let without: Vec<&str> = entries
        .iter()
        .filter(|e| e.fixtures.is_empty() && e.kind != buildmedic_kb::UNKNOWN)
        .map(|e| e.kind.as_str())
        .collect();
    let results = run_fixtures(&engine, entries.iter().copied());
    let mut failed = 0;
    for r in &results {
        match &r.failure {
            None if verbose => crate::output::outln!("ok     {}/{}", r.kind, r.file),
            None => {}
            Some(why) => {
                failed += 1;
                crate::output::outln!("FAIL   {}/{}: {why}", r.kind, r.file);
            }
        }
    }
    for k in &without {
        crate::output::outln!("FAIL   {k}: no fixtures");
    }
    if verbose {
        let anchors: Vec<String> = engine
            .matcher()
            .anchor_literals()
            .into_iter()
            .map(|a| format!("{:?}", String::from_utf8_lossy(&a)))
            .collect();
        crate::output::outln!(
            "prefilter anchors ({} passes): {}",
            engine.matcher().passes(),
            anchors.join(" ")
        );
    }
    crate::output::outln!(
        "{} fixtures, {} passed, {} failed; {} entries{}",
        results.len(),
        results.len() - failed,
        failed,
        entries.len(),
        if engine.matcher().is_single_stage() {
            " (note: too many distinct trigger literals for the fast prefilter; matching runs single-stage)"
        } else {
            ""
        }
    );
    Ok(ExitCode::from(u8::from(failed > 0 || !without.is_empty())))
}
