//! `buildmedic stats PATH...`: diagnose many logs on every core and report what fails most;
//! `buildmedic stats merge A.json B.json ...`: one report from the reports of shards.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use buildmedic_fleet::StatsReport;
use buildmedic_fleet::suggest::{suggest, write_checked};
use buildmedic_render::stats::{Format, render};
use clap::ValueEnum;

use crate::knowledge::RulesError;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Tables for a terminal.
    Text,
    /// The `buildmedic.stats/v1` report, with the state `stats merge` needs.
    Json,
    /// One table: section,kind,key,value,count,share.
    Csv,
    /// A Markdown section (CI job summary, issue).
    Markdown,
    /// One offline HTML file with SVG charts.
    Html,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<StatsCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, clap::Subcommand)]
enum StatsCommand {
    /// Merge `stats --format json` reports of shards into the report of all of them.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
struct Output {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Write a rule skeleton for each of the largest clusters of unknown failures into DIR
    /// (`DIR/suggested-NN/kind.toml` + fixtures; existing folders of those names are replaced).
    #[arg(long, value_name = "DIR")]
    suggest_rules: Option<PathBuf>,
    /// Skeletons written at most.
    #[arg(long, value_name = "N", default_value_t = 20)]
    suggest_max: usize,
    /// Only clusters with at least this many logs get a skeleton.
    #[arg(long, value_name = "N", default_value_t = 2)]
    suggest_min_logs: u64,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Logs: files (plain or gzip), directories (read recursively), glob patterns
    /// (`'logs/**/*.gz'`), `-` for stdin.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also read the paths listed in FILE, one per line (`-`: stdin).
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
    /// Threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Add or override knowledge-base entries from a rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Ignore buildmedic.toml files and the user rule directory.
    #[arg(long)]
    no_config: bool,
    /// No progress bar (it is only shown when stderr is a terminal).
    #[arg(long)]
    no_progress: bool,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// Reports written by `buildmedic stats --format json` (a file may hold several, one
    /// after the other; `-` reads stdin).
    #[arg(required = true, value_name = "REPORT.json")]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum StatsError {
    #[error("no logs given: name files, directories or glob patterns, or use --files-from")]
    #[diagnostic(code(buildmedic::usage))]
    NoInput,
    #[error("{path}: {source}")]
    #[diagnostic(code(buildmedic::read))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(code(buildmedic::stats_report))]
    Report(#[from] buildmedic_fleet::ReportError),
    #[error("{0}")]
    #[diagnostic(code(buildmedic::suggest_rules))]
    Suggest(String),
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    match args.command {
        Some(StatsCommand::Merge(m)) => merge(m),
        None => stats(args.run),
    }
}

fn read_text(path: &Path) -> Result<String, StatsError> {
    let read = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    };
    read.map_err(|source| StatsError::Read {
        path: path.to_string_lossy().into_owned(),
        source,
    })
}

fn stats(args: RunArgs) -> miette::Result<ExitCode> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let text = read_text(list)?;
        paths.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(PathBuf::from),
        );
    }
    if paths.is_empty() {
        return Err(StatsError::NoInput.into());
    }
    let engine = crate::knowledge::engine(&args.rules, args.no_config)?;
    let inputs = buildmedic_fleet::expand(&paths);
    let jobs = args
        .jobs
        .unwrap_or_else(buildmedic_fleet::run::default_jobs)
        .max(1);
    let progress = (!args.no_progress && std::io::stderr().is_terminal())
        .then(|| progress_bar(inputs.files.len() as u64));
    let bytes = AtomicU64::new(0);
    let on_log = |n: u64| {
        if let Some(pb) = &progress {
            let total = bytes.fetch_add(n, Ordering::Relaxed) + n;
            pb.inc(1);
            let secs = pb.elapsed().as_secs_f64().max(1e-3);
            if pb.position() % 16 == 0 || pb.position() == pb.length().unwrap_or(0) {
                pb.set_message(format!("{:.1} MB/s", total as f64 / 1e6 / secs));
            }
        }
    };
    let report = buildmedic_fleet::run(&engine, &inputs, jobs, &on_log);
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    for e in &report.errors {
        eprintln!("buildmedic: {}: {}", e.path, e.error);
    }
    finish(&report, &args.output)?;
    Ok(ExitCode::from(if report.input_errors > 0 { 2 } else { 0 }))
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} logs  {per_sec}  {msg}  eta {eta}",
    ) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

fn merge(args: MergeArgs) -> miette::Result<ExitCode> {
    let mut total: Option<StatsReport> = None;
    for path in &args.reports {
        let text = read_text(path)?;
        let reports = StatsReport::from_json_stream(&text, &path.to_string_lossy())
            .map_err(StatsError::from)?;
        for report in reports {
            match &mut total {
                None => total = Some(report),
                Some(t) => t.merge(report),
            }
        }
    }
    let mut total = total.unwrap_or_default();
    total.finish();
    finish(&total, &args.output)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the report to stdout and the rule skeletons (if asked) to their directory.
fn finish(report: &StatsReport, out: &Output) -> miette::Result<()> {
    if let Some(dir) = &out.suggest_rules {
        let (made, skipped) = suggest(&report.clusters, out.suggest_max, out.suggest_min_logs);
        let kb = buildmedic_kb::KnowledgeBase::builtin().map_err(RulesError::from)?;
        let (written, rejected) =
            write_checked(dir, made, kb).map_err(|e| StatsError::Suggest(e.to_string()))?;
        for s in &written {
            eprintln!(
                "buildmedic: wrote {}/{}: cluster {} ({} logs): {}",
                dir.display(),
                s.kind,
                s.cluster,
                s.logs,
                s.template
            );
        }
        if written.is_empty() {
            eprintln!(
                "buildmedic: no rule skeletons written: no cluster of unknown failures with at least {} logs got one",
                out.suggest_min_logs
            );
        }
        for s in skipped.iter().chain(&rejected) {
            eprintln!(
                "buildmedic: no skeleton for cluster {} ({}): {}",
                s.cluster, s.template, s.reason
            );
        }
    }
    crate::output::emit(&render(report, out.format.format()));
    Ok(())
}
