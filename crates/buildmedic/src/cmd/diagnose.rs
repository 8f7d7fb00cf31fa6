//! `buildmedic diagnose LOG...`: name the root cause of each build log.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use buildmedic_engine::{Engine, Status};
use buildmedic_render::diagnosis::{Format, render};
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// A headline and a code frame of the evidence (colours on a terminal; NO_COLOR respected).
    Text,
    /// One `buildmedic.diagnosis/v1` JSON object per input, one per line.
    Json,
    /// A Markdown section for a CI job summary.
    Markdown,
    /// GitHub Actions `::error` annotations.
    Github,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Build logs to read: files (plain or gzip, recognised by content) or `-` for stdin.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Add or override knowledge-base entries from a rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Ignore buildmedic.toml files and the user rule directory.
    #[arg(long)]
    pub no_config: bool,
    /// Exit with 0 even when a failure is found (input and usage errors still exit 2):
    /// for reporting-only CI steps.
    #[arg(long)]
    pub exit_zero: bool,
    /// Logs of successful builds of the same thing (repeatable): when no rule matches, the
    /// evidence shown is the error lines these logs do not have (see `buildmedic diff`).
    #[arg(long, value_name = "OK.log")]
    pub baseline: Vec<PathBuf>,
    /// Threads for one log: one frames it, the others match it (default: all cores). The
    /// diagnosis is the same with any number; `-j 1` reads on this thread only.
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// The environment definition that was built (YAML/JSON, conda file, requirements file,
    /// Dockerfile, or a build-context directory; repeatable): each finding is linked to the
    /// definition line that caused it, with lint's findings on that line and a suggested edit.
    #[arg(long = "env", value_name = "PATH")]
    pub env: Vec<PathBuf>,
    /// With --env: write the suggested edits to the definition files.
    #[arg(long, requires = "env")]
    pub fix: bool,
    /// With --env: do not ask registries, channels or indexes (preflight) to verify the edits.
    #[arg(long, requires = "env")]
    pub offline: bool,
}

/// Files smaller than this are diagnosed on one thread whatever `-j` says.
const SMALL_LOG: u64 = 4 << 20;

/// Exit codes: 0 every build succeeded, 1 a failure was found, 2 an input or usage error
/// (other inputs are still diagnosed).
pub fn run(args: Args) -> miette::Result<ExitCode> {
    let engine = crate::knowledge::engine(&args.rules, args.no_config)?;
    let baseline = if args.baseline.is_empty() {
        None
    } else {
        Some(crate::cmd::diff::load_baseline(&args.baseline)?)
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = args.jobs.map_or(cores, usize::from);
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Github => Format::Github,
    };
    let env = if args.env.is_empty() {
        None
    } else {
        // Preflight as `buildmedic preflight` runs it by default: the user's pip
        // configuration and .condarc (channels, mirrors) count.
        let mut preflight = buildmedic_preflight::Options::default();
        if !args.offline {
            preflight.pip.use_pip_config = true;
            for problem in preflight.conda.apply_condarc(None) {
                eprintln!(
                    "warning: {}",
                    buildmedic_redact::redact(&problem.to_string())
                );
            }
        }
        let opts = buildmedic_link::LinkOptions {
            offline: args.offline,
            preflight: Some(preflight),
        };
        Some(buildmedic_link::Env::open(&args.env, opts).map_err(|e| {
            miette::Report::new(DiagnoseError::Env {
                message: e.to_string(),
            })
        })?)
    };
    let color = buildmedic_render::use_color(std::io::stdout().is_terminal());
    let stdout = std::io::stdout();
    let mut any_failed = false;
    let mut any_error = false;
    for path in &args.logs {
        let source = path.to_string_lossy();
        // The length of a regular file (not stdin, a pipe or a device): threads pay off from
        // a few batches on, so a small file is read on this thread.
        let file_len = (path != std::path::Path::new("-"))
            .then(|| std::fs::metadata(path).ok())
            .flatten()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        let threads = if file_len.is_some_and(|n| n < SMALL_LOG) {
            1
        } else {
            jobs
        };
        let diagnosed = match &baseline {
            Some(b) => crate::cmd::diff::diagnose_with_baseline(&engine, path, &source, b)
                .map_err(miette::Report::new),
            None => {
                diagnose_one(&engine, path, &source, threads, file_len).map_err(miette::Report::new)
            }
        };
        match diagnosed {
            Ok(mut d) => {
                any_failed |= d.status == Status::Failed;
                if let Some(env) = &env {
                    let edits = env.link(&mut d);
                    if args.fix {
                        any_error |= !apply_edits(&edits);
                    }
                }
                let mut out = stdout.lock();
                if out.write_all(render(&d, format, color).as_bytes()).is_err() {
                    // stdout closed (e.g. `| head`): stop quietly.
                    return Ok(exit_code(any_error, any_failed, args.exit_zero));
                }
            }
            Err(e) => {
                any_error = true;
                eprintln!("{e:?}");
            }
        }
    }
    Ok(exit_code(any_error, any_failed, args.exit_zero))
}

/// Writes the edits (`--fix`); reports each on stderr. Returns whether all were written.
fn apply_edits(edits: &[buildmedic_link::PendingEdit]) -> bool {
    let mut ok = true;
    for e in edits {
        match buildmedic_link::apply(e) {
            Ok(()) => eprintln!("fixed: {}", buildmedic_redact::redact(&e.file)),
            Err(err) => {
                ok = false;
                eprintln!(
                    "{:?}",
                    miette::Report::new(DiagnoseError::Fix {
                        message: err.to_string()
                    })
                );
            }
        }
    }
    ok
}

fn exit_code(any_error: bool, any_failed: bool, exit_zero: bool) -> ExitCode {
    ExitCode::from(if any_error {
        2
    } else if any_failed && !exit_zero {
        1
    } else {
        0
    })
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum DiagnoseError {
    #[error(transparent)]
    #[diagnostic(code(buildmedic::input))]
    Input(#[from] buildmedic_log::InputError),
    #[error("{message}")]
    #[diagnostic(code(buildmedic::env))]
    Env { message: String },
    #[error("{message}")]
    #[diagnostic(code(buildmedic::fix))]
    Fix { message: String },
    #[error("{path}: read failed: {source}")]
    #[diagnostic(code(buildmedic::read))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn diagnose_one(
    engine: &Engine,
    path: &std::path::Path,
    source: &str,
    threads: usize,
    file_len: Option<u64>,
) -> Result<buildmedic_engine::Diagnosis, DiagnoseError> {
    // With threads to spare, gzip is decoded on one of its own, ahead of the framing.
    let input = buildmedic_log::open_input_with(path, threads > 1)?;
    let mut options = buildmedic_engine::DiagnoseOptions {
        threads,
        ..buildmedic_engine::DiagnoseOptions::default()
    };
    // A small file does not need a 1 MiB batch buffer (zeroing it is most of the start-up of
    // a short log); the diagnosis does not depend on the batch size.
    if let Some(len) = file_len {
        let fits = usize::try_from(len.saturating_add(1))
            .unwrap_or(usize::MAX)
            .next_power_of_two();
        options.buffer_size = fits.clamp(64 << 10, options.buffer_size);
    }
    engine
        .diagnose_with(input, source, &options)
        .map_err(|e| DiagnoseError::Read {
            path: source.to_string(),
            source: e,
        })
}
