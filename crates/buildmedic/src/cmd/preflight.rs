//! `buildmedic preflight`: check the registry, the channels and the indexes before building.
//!
//! Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 usage or input
//! error.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use buildmedic_preflight::{
    ImageTarget, Options, Preflight, Progress, ScopedCredential, TargetPlatform, Targets,
};
use buildmedic_render::preflight::{PreflightFormat, TextOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A block per failing check, a line per passing one.
    Text,
    /// The `buildmedic.preflight/v1` JSON document.
    Json,
    /// A Markdown table (for `$GITHUB_STEP_SUMMARY`).
    Markdown,
    /// GitHub Actions annotations.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 every check passed, 1 a check failed, 2 usage or input error.\n\
Credentials: --creds, BUILDMEDIC_CREDS, REGISTRY_AUTH_FILE, then $DOCKER_CONFIG/config.json or ~/.docker/config.json (auths, credHelpers, credsStore).\n\
pip indexes: the definition's --index-url, then --index-url, PIP_INDEX_URL, pip.conf. conda channels: the definition's, expanded with .condarc."
)]
pub struct Args {
    /// Environment definitions to check (files or directories, as for `buildmedic lint`).
    #[arg(value_name = "PATH", required_unless_present = "image")]
    pub paths: Vec<PathBuf>,

    /// Check this image reference (repeatable).
    #[arg(long, value_name = "REF")]
    pub image: Vec<String>,

    /// Target platform: the manifest-list entry, the conda subdir, the wheel tags.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub platform: String,

    /// The environment's Python when the definition does not pin one (e.g. 3.11).
    #[arg(long, value_name = "VERSION")]
    pub python: Option<String>,

    /// glibc of the image, for manylinux wheel tags.
    #[arg(long, value_name = "MAJOR.MINOR", default_value = "2.31")]
    pub glibc: String,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Registry credentials `[REGISTRY=]USER:PASSWORD` (repeatable; without REGISTRY= they
    /// are for the registry of the single --image).
    #[arg(long, value_name = "[REGISTRY=]USER:PASSWORD")]
    pub creds: Vec<String>,

    /// The docker client configuration directory (default: $DOCKER_CONFIG, else ~/.docker).
    #[arg(long, value_name = "DIR")]
    pub docker_config: Option<PathBuf>,

    /// Allow plain HTTP and unverified TLS for this registry (host[:port]; repeatable).
    #[arg(long, value_name = "HOST")]
    pub insecure_registry: Vec<String>,

    /// Trust this PEM CA certificate too (repeatable).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,

    /// pip index URL (the definition's own --index-url still wins).
    #[arg(long, value_name = "URL")]
    pub index_url: Option<String>,

    /// Additional pip index URL (repeatable).
    #[arg(long, value_name = "URL")]
    pub extra_index_url: Vec<String>,

    /// Channels searched for a conda package that is not in the listed ones, to say who
    /// carries it (comma-separated names or URLs).
    #[arg(long, value_name = "CHANNELS", value_delimiter = ',')]
    pub suggest_channels: Option<Vec<String>>,

    /// Use only the on-disk cache (no network).
    #[arg(long)]
    pub offline: bool,

    /// Cache directory (default: $BUILDMEDIC_CACHE_DIR, else $XDG_CACHE_HOME/buildmedic).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,

    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    pub timeout: f64,

    /// Retries on 429, 5xx and timeouts (with exponential backoff).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,

    /// First backoff in seconds (doubled on each retry).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5, hide = true)]
    pub backoff: f64,

    /// No progress line on stderr.
    #[arg(long)]
    pub no_progress: bool,

    /// When to use colours in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let opts = options(&args)?;
    let mut targets = Targets::default();
    for image in &args.image {
        targets.images.push(ImageTarget::new(image.clone()));
    }
    let mut input_errors = Vec::new();
    if !args.paths.is_empty() {
        let found = buildmedic_preflight::definition::discover(&args.paths);
        targets.images.extend(found.targets.images);
        targets.conda.extend(found.targets.conda);
        targets.pip.extend(found.targets.pip);
        input_errors = found.errors;
        for skipped in &found.skipped {
            eprintln!("note: {skipped}: not an environment definition, skipped");
        }
    }
    let preflight = Preflight::new(opts).map_err(|e| miette::miette!("{e}"))?;
    let report = preflight.run(&targets);
    clear_progress(&args);

    let out = match args.format {
        Format::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => buildmedic_render::use_color(std::io::stdout().is_terminal()),
            };
            buildmedic_render::preflight::text(&report, &TextOptions { color })
        }
        Format::Json => buildmedic_render::preflight::render(&report, PreflightFormat::Json),
        Format::Markdown => {
            buildmedic_render::preflight::render(&report, PreflightFormat::Markdown)
        }
        Format::Github => buildmedic_render::preflight::render(&report, PreflightFormat::Github),
    };
    crate::output::emit(&out);
    if args.format != Format::Text {
        for note in &report.notes {
            eprintln!("note: {note}");
        }
    }
    for e in &input_errors {
        eprintln!("error: {e}");
    }
    Ok(if !input_errors.is_empty() {
        ExitCode::from(2)
    } else if report.fails() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn seconds(name: &str, v: f64) -> miette::Result<Duration> {
    if !v.is_finite() || !(0.0..=3600.0).contains(&v) {
        return Err(miette::miette!(
            "--{name} {v}: expected seconds between 0 and 3600"
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

fn options(args: &Args) -> miette::Result<Options> {
    let mut opts = Options {
        platform: args
            .platform
            .parse::<TargetPlatform>()
            .map_err(|e| miette::miette!("--platform: {e}"))?,
        python: args.python.clone(),
        ..Options::default()
    };
    opts.glibc = args
        .glibc
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| {
            miette::miette!("--glibc {}: expected MAJOR.MINOR, e.g. 2.31", args.glibc)
        })?;
    if args.concurrency == 0 {
        return Err(miette::miette!("--concurrency must be at least 1"));
    }
    opts.concurrency = args.concurrency;
    opts.timeout = seconds("timeout", args.timeout)?;
    if opts.timeout.is_zero() {
        return Err(miette::miette!("--timeout must be more than 0"));
    }
    opts.connect_timeout = opts.connect_timeout.min(opts.timeout);
    opts.retries = args.retries;
    opts.backoff = seconds("backoff", args.backoff)?;
    opts.offline = args.offline;
    opts.cache_dir = args.cache_dir.clone();
    opts.insecure_registries = args.insecure_registry.clone();
    opts.ca_certs = args.ca_cert.clone();
    opts.docker_config_dir = args.docker_config.clone();
    // A bare USER:PASSWORD belongs to the registry of the one --image.
    let single_registry = match args.image.as_slice() {
        [one] => buildmedic_lint::syntax::image_ref::parse_normalized_named(one)
            .ok()
            .map(|r| r.domain),
        _ => None,
    };
    for c in &args.creds {
        let parsed = ScopedCredential::parse(c, single_registry.as_deref()).map_err(|e| {
            miette::miette!(
                "--creds: {e}{}",
                if single_registry.is_none() {
                    " (name the registry unless exactly one --image is given)"
                } else {
                    ""
                }
            )
        })?;
        opts.credentials.push(parsed);
    }
    opts.pip.index_url = args.index_url.clone();
    opts.pip.extra_index_urls = args.extra_index_url.clone();
    opts.pip.use_pip_config = true;
    for problem in opts.conda.apply_condarc(None) {
        eprintln!("warning: {problem}");
    }
    if let Some(list) = &args.suggest_channels {
        opts.conda.well_known = list.iter().filter(|c| !c.is_empty()).cloned().collect();
    }
    if !args.no_progress && std::io::stderr().is_terminal() {
        opts.progress = Some(Arc::new(|p: Progress| {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            let target: String = p.target.chars().take(60).collect();
            let _ = write!(err, "\r\x1b[2Kpreflight [{}/{}] {target}", p.done, p.total);
            let _ = err.flush();
        }));
    }
    Ok(opts)
}

fn clear_progress(args: &Args) {
    if !args.no_progress && std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}
