//! `buildmedic diff FAILED.log --baseline OK.log...`: the lines of a failed build log that
//! no successful log of the same build has. Also the `--baseline` of `diagnose`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use buildmedic_engine::{Diagnosis, Engine};
use buildmedic_fleet::{Baseline, DiffOptions, diff, refine_unknown};
use buildmedic_render::stats::{diff_json, diff_text};
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Novel lines (`+`) with context, then a summary line.
    Text,
    /// One `buildmedic.diff/v1` JSON object.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The failed build's log (file, gzip, or `-` for stdin).
    #[arg(value_name = "FAILED.log")]
    pub failed: PathBuf,
    /// Logs of successful builds of the same thing (repeatable; each a file or gzip).
    #[arg(long, required = true, num_args = 1.., value_name = "OK.log")]
    pub baseline: Vec<PathBuf>,
    /// Lines of context around each novel line.
    #[arg(short = 'C', long, value_name = "N", default_value_t = 2)]
    pub context: usize,
    /// Novel lines shown at most (all are counted).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub max_lines: usize,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum DiffError {
    #[error(transparent)]
    #[diagnostic(code(buildmedic::input))]
    Input(#[from] buildmedic_log::InputError),
    #[error("{path}: read failed: {source}")]
    #[diagnostic(code(buildmedic::read))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> DiffError {
    let path = path.to_string_lossy().into_owned();
    move |source| DiffError::Read { path, source }
}

/// The templates of the baseline logs; an unreadable baseline is an error (a diff against
/// part of the baselines would call lines new that are not).
pub(crate) fn load_baseline(paths: &[PathBuf]) -> Result<Baseline, DiffError> {
    let mut b = Baseline::new();
    for p in paths {
        let input = buildmedic_log::open_input(p)?;
        b.add(input, &p.to_string_lossy()).map_err(read_err(p))?;
    }
    Ok(b)
}

/// Exit codes as diff(1): 0 nothing new, 1 new lines found, 2 an input error.
pub fn run(args: Args) -> miette::Result<ExitCode> {
    let baseline = load_baseline(&args.baseline)?;
    let input = buildmedic_log::open_input(&args.failed).map_err(DiffError::from)?;
    let opts = DiffOptions {
        context: args.context,
        max_lines: args.max_lines,
    };
    let report = diff(input, &args.failed.to_string_lossy(), &baseline, opts)
        .map_err(read_err(&args.failed))?;
    crate::output::emit(&match args.format {
        FormatArg::Text => diff_text(&report),
        FormatArg::Json => diff_json(&report),
    });
    Ok(ExitCode::from(u8::from(report.kept > 0)))
}

/// `diagnose --baseline`: diagnoses `path`; when no rule matched, the evidence of the
/// `unknown` finding becomes the error-looking lines the baselines do not have. Standard
/// input is read into memory first, since it is read twice.
pub(crate) fn diagnose_with_baseline(
    engine: &Engine,
    path: &Path,
    source: &str,
    baseline: &Baseline,
) -> Result<Diagnosis, DiffError> {
    let opts = DiffOptions {
        context: 0,
        max_lines: 0,
    };
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        buildmedic_log::open_input(path)?
            .read_to_end(&mut bytes)
            .map_err(read_err(path))?;
        let mut d = engine.diagnose_bytes(&bytes, source);
        if let Ok(r) = diff(&bytes[..], source, baseline, opts) {
            refine_unknown(&mut d, &r);
        }
        return Ok(d);
    }
    let input = buildmedic_log::open_input(path)?;
    let mut d = engine.diagnose(input, source).map_err(read_err(path))?;
    if d.primary()
        .is_some_and(|p| p.kind == buildmedic_kb::UNKNOWN)
    {
        let input = buildmedic_log::open_input(path)?;
        let r = diff(input, source, baseline, opts).map_err(read_err(path))?;
        refine_unknown(&mut d, &r);
    }
    Ok(d)
}
