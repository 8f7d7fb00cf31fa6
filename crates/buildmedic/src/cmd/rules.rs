//! `buildmedic rules test [DIR...]`: run the fixtures and signature examples of rule
//! directories (or of the built-in knowledge base) and report each one.
//! `buildmedic rules coverage`: list, per emitting tool and kind, the messages covered.

use std::path::PathBuf;
use std::process::ExitCode;

use buildmedic_engine::Engine;
use buildmedic_engine::fixtures::run_fixtures;
use buildmedic_kb::KnowledgeBase;

use crate::knowledge::RulesError;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CoverageFormat {
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TraceFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Subcommand)]
enum RulesCommand {
    /// Run fixtures and signature examples: of the rule directories given, or of the
    /// built-in entries without one.
    Test {
        /// Rule directories (`DIR/<kind>/kind.toml` + `signatures/` + `fixtures/`, or flat
        /// `DIR/*.toml`).
        dirs: Vec<PathBuf>,
        /// Print passing fixtures too.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Show why `diagnose` concludes what it does on a log: every signature match with its
    /// line and score (weight × location × context), the gate that dropped it, each kind's
    /// outcome, and why the status and the primary came out as they did.
    Trace {
        /// A build log (plain or gzip) or `-` for stdin.
        log: PathBuf,
        /// Add or override knowledge-base entries from a rule directory (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Ignore buildmedic.toml files and the user rule directory.
        #[arg(long)]
        no_config: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: TraceFormat,
    },
    /// List the messages the knowledge base recognises, per emitting tool and kind.
    Coverage {
        /// Rule directories to add to the built-in entries.
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: CoverageFormat,
    },
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    match args.command {
        RulesCommand::Test { dirs, verbose } => test(&dirs, verbose),
        RulesCommand::Trace {
            log,
            rules,
            no_config,
            format,
        } => {
            let engine = crate::knowledge::engine(&rules, no_config)?;
            let source = log.to_string_lossy().into_owned();
            let input = buildmedic_log::open_input(&log).map_err(|e| miette::miette!("{e}"))?;
            let (d, t) = engine
                .trace(input, &source)
                .map_err(|e| miette::miette!("{source}: read failed: {e}"))?;
            let text = match format {
                TraceFormat::Text => buildmedic_render::trace::text(&d, &t),
                TraceFormat::Json => buildmedic_render::trace::json(&d, &t) + "\n",
            };
            crate::output::emit(&text);
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Coverage { rules, format } => {
            let mut kb = KnowledgeBase::builtin().map_err(RulesError::from)?;
            for d in &rules {
                crate::knowledge::load(&mut kb, d)?;
            }
            let cov = kb.coverage();
            let text = match format {
                CoverageFormat::Markdown => buildmedic_render::coverage::markdown(&cov),
                CoverageFormat::Json => buildmedic_render::coverage::json(&cov) + "\n",
            };
            crate::output::emit(&text);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn test(dirs: &[PathBuf], verbose: bool) -> miette::Result<ExitCode> {
    if dirs.is_empty() {
        // A built-in entry that does not parse is left out of diagnoses; here it is an error.
        KnowledgeBase::check_builtin().map_err(RulesError::from)?;
    }
    let mut kb = KnowledgeBase::builtin().map_err(RulesError::from)?;
    let mut tested: Vec<String> = Vec::new();
    for d in dirs {
        let kinds = crate::knowledge::load(&mut kb, d)?;
        if kinds.is_empty() {
            return Err(RulesError::Empty(d.clone()).into());
        }
        tested.extend(kinds);
    }
    kb.compile_all().map_err(RulesError::from)?;
    let engine = Engine::new(kb).map_err(RulesError::from)?;
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
    let mut examples = 0;
    let mut bad_examples = 0;
    for entry in &entries {
        for sig in &entry.signatures {
            examples += sig.examples.len() + sig.not_examples.len();
            for problem in sig.check_examples() {
                bad_examples += 1;
                crate::output::outln!(
                    "FAIL   {}/{} ({}:{}): {problem}",
                    entry.kind,
                    sig.id,
                    sig.file.display(),
                    sig.line
                );
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
        "{} fixtures, {} passed, {} failed; {} example lines, {} failed; {} entries{}",
        results.len(),
        results.len() - failed,
        failed,
        examples,
        bad_examples,
        entries.len(),
        if engine.matcher().is_single_stage() {
            " (note: too many distinct trigger literals for the fast prefilter; matching runs single-stage)"
        } else {
            ""
        }
    );
    let bad = failed > 0 || bad_examples > 0 || !without.is_empty();
    Ok(ExitCode::from(u8::from(bad)))
}
