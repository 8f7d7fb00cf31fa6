//! `buildmedic lint`: check environment definitions before they are built.
//!
//! Exit codes: 0 no error-severity findings, 1 errors found (warnings too with `--strict`),
//! 2 usage or input error (unreadable file, invalid YAML, bad configuration).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use buildmedic_lint::{LintConfig, LintReport};
use buildmedic_render::lint::{LintFormat, TextOptions};
use miette::{IntoDiagnostic, WrapErr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames with the span underlined and a help line.
    Text,
    /// The `buildmedic.lint/v1` JSON document.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no errors, 1 errors found (or warnings with --strict), 2 usage or input error.\nDocumentation of a check: buildmedic explain CHECK."
)]
pub struct Args {
    /// Files or directories to lint (directories are searched for environment definitions).
    #[arg(value_name = "PATH", required_unless_present = "image")]
    pub paths: Vec<PathBuf>,

    /// Run every image check (reference grammar, tag/digest pinning, deprecated base images)
    /// on this image reference.
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Count warnings as failures (exit code 1).
    #[arg(long)]
    pub strict: bool,

    /// Apply safe fixes to the files, report what changed, then lint again.
    #[arg(long)]
    pub fix: bool,

    /// Configuration file (default: the nearest buildmedic.toml from the current directory up).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run only these checks (comma-separated ids; replaces `lint.select`).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Skip these checks (comma-separated ids; added to `lint.ignore`).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Reference date for end-of-life and SAS expiry checks (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE", alias = "python-eol-date")]
    pub today: Option<String>,

    /// Reference time for SAS token validity (RFC 3339; default: now, or --today at 00:00 UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub now: Option<String>,

    /// When to use colours in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let config = build_config(&args)?;
    let mut report = lint(&args, &config);
    if args.fix {
        let (applied, errors) = buildmedic_lint::apply_fixes(&report);
        for a in &applied {
            eprintln!(
                "fixed {}:{} [{}] {}",
                a.file, a.line, a.check, a.description
            );
        }
        for e in &errors {
            eprintln!("error: {e}");
        }
        eprintln!(
            "{} fix{} applied",
            applied.len(),
            if applied.len() == 1 { "" } else { "es" }
        );
        if !applied.is_empty() {
            report = lint(&args, &config);
        }
        report.errors.extend(errors);
    }
    let format = match args.format {
        Format::Text => LintFormat::Text,
        Format::Json => LintFormat::Json,
        Format::Sarif => LintFormat::Sarif,
        Format::Github => LintFormat::Github,
    };
    let out = match format {
        LintFormat::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => buildmedic_render::use_color(std::io::stdout().is_terminal()),
            };
            buildmedic_render::lint::text(&report, &TextOptions { color })
        }
        other => buildmedic_render::lint::render(&report, other),
    };
    crate::output::emit(&out);
    for skipped in &report.skipped {
        eprintln!("note: {skipped}: not an environment definition, skipped");
    }
    for e in &report.errors {
        eprintln!("error: {e}");
    }
    Ok(if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if report.fails(args.strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn lint(args: &Args, config: &LintConfig) -> LintReport {
    let mut report = if args.paths.is_empty() {
        LintReport::default()
    } else {
        buildmedic_lint::lint_paths(&args.paths, config)
    };
    if let Some(image) = &args.image {
        let image_report = buildmedic_lint::lint_image(image, config);
        report.files.extend(image_report.files);
        report.diagnostics.extend(image_report.diagnostics);
    }
    report
}

fn build_config(args: &Args) -> miette::Result<LintConfig> {
    // An explicit --config, else the configuration in effect (the project's
    // buildmedic.toml wins over the user's).
    let file = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot read {}", p.display()))?;
            Some(crate::config::ConfigFile {
                path: p.clone(),
                text,
            })
        }
        None => crate::config::discover()?.pop(),
    };
    let mut config = match &file {
        Some(f) => LintConfig::from_toml(&f.text, buildmedic_lint::is_known_check)
            .map_err(|e| miette::miette!("{}: {e}", f.path.display()))?,
        None => LintConfig::default(),
    };
    if !args.select.is_empty() {
        config
            .select(args.select.clone(), buildmedic_lint::is_known_check)
            .map_err(|e| miette::miette!("{e}"))?;
    }
    if !args.ignore.is_empty() {
        config
            .ignore(args.ignore.clone(), buildmedic_lint::is_known_check)
            .map_err(|e| miette::miette!("{e}"))?;
    }
    if let Some(today) = &args.today {
        config = config
            .with_today_str(today)
            .map_err(|e| miette::miette!("--today {today}: {e}"))?;
    }
    if let Some(now) = &args.now {
        config
            .set_now_str(now)
            .map_err(|e| miette::miette!("--now {now}: {e}"))?;
    }
    Ok(config)
}
