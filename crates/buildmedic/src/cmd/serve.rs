//! `buildmedic serve`: the HTTP API, the web page and the history (crate
//! `buildmedic-server`). This module only turns arguments into a `Config`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Environment variable holding the bearer token (instead of `--token`, which other users
/// of the machine can see in the process list).
pub const TOKEN_ENV: &str = "BUILDMEDIC_TOKEN";

#[derive(Debug, clap::Args)]
#[command(
    after_help = "API: /api/v1/diagnoses, /api/v1/lint, /api/v1/kinds, /api/v1/stats, /healthz, /metrics; OpenAPI at /api/v1/openapi.json; web page at /.\nSIGTERM or Ctrl-C stops accepting, finishes requests in flight and writes what was acknowledged."
)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// History store: `sqlite://PATH` (WAL, created if missing) or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (shared by several replicas).
    #[arg(long, value_name = "URL", default_value = "sqlite://buildmedic.db")]
    pub db: String,
    /// Bearer token required for posting and for reading the history (default: the
    /// BUILDMEDIC_TOKEN environment variable; none: open).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Largest log accepted, counted after gzip decoding too (suffixes K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_body: u64,
    /// Seconds one request may take before it is answered 503.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub request_timeout: u64,
    /// Diagnoses run at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Requests admitted beyond the running ones; more are answered 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub queue: usize,
    /// Bytes of each log kept in the store (its tail, redacted, compressed); 0 keeps none.
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    pub log_cap: u64,
    /// Delete records older than this many days (0: keep everything).
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub retention_days: u32,
    /// Allow this origin to call the API from a browser (repeatable; `*` for any).
    /// Without it no CORS headers are sent.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Most records written per store transaction.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub batch: usize,
    /// Add or override knowledge-base entries from a rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Ignore buildmedic.toml files and the user rule directory.
    #[arg(long)]
    pub no_config: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (s, 1u64),
        Some((i, _)) => {
            let mult = match s[i..]
                .to_ascii_uppercase()
                .trim_end_matches("IB")
                .trim_end_matches('B')
            {
                "" => 1,
                "K" => 1 << 10,
                "M" => 1 << 20,
                "G" => 1 << 30,
                other => return Err(format!("unknown size suffix {other:?} (use K, M or G)")),
            };
            (&s[..i], mult)
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{s:?} is not a size"))
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let engine = crate::knowledge::engine(&args.rules, args.no_config)?;
    let token = args
        .token
        .or_else(|| std::env::var(TOKEN_ENV).ok())
        .filter(|t| !t.is_empty());
    let defaults = buildmedic_server::Config::default();
    let config = buildmedic_server::Config {
        listen: args.listen,
        db: args.db,
        token,
        max_body: args.max_body,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        workers: args.workers.unwrap_or(defaults.workers).max(1),
        queue: args.queue,
        log_cap: usize::try_from(args.log_cap).unwrap_or(usize::MAX),
        retention_days: args.retention_days,
        cors_origins: args.cors_origins,
        batch: args.batch.max(1),
    };
    buildmedic_server::run(config, engine).map_err(|e| miette::miette!("{e}"))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("5Q").is_err());
    }
}
