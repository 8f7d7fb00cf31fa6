//! The `buildmedic` command line: a thin shell over the library crates.
//!
//! Each subcommand lives in `cmd/<name>.rs`, parses its own arguments (clap derive) and
//! returns an [`ExitCode`]. Errors are `miette` reports; `main` maps them to exit code 2.

#[macro_use]
mod output;
mod cmd;
mod config;
mod knowledge;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tells you why your environment image build failed, and stops broken environments
/// before they are built.
#[derive(Debug, Parser)]
#[command(name = "buildmedic", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read build logs and name the root cause of the failure.
    Diagnose(cmd::diagnose::Args),
    /// Check environment definitions (Azure ML YAML/JSON, conda, pip, Dockerfile) before building.
    Lint(cmd::lint::Args),
    /// Check the registries, channels and indexes a definition needs, before building.
    Preflight(cmd::preflight::Args),
    /// List the build-failure kinds buildmedic knows.
    Kinds(cmd::kinds::Args),
    /// Print the knowledge-base entry of a failure kind or the documentation of a lint check.
    Explain(cmd::explain::Args),
    /// Work with rule directories (knowledge-base entries and their fixtures).
    Rules(cmd::rules::Args),
    /// Diagnose many logs in parallel and report what fails most (`stats merge` joins shards).
    Stats(cmd::stats::Args),
    /// Show the lines of a failed log that successful logs of the same build do not have.
    Diff(cmd::diff::Args),
    /// Serve the HTTP API, the web page and the history of diagnoses.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diagnose(args) => cmd::diagnose::run(args),
        Command::Lint(args) => cmd::lint::run(args),
        Command::Preflight(args) => cmd::preflight::run(args),
        Command::Kinds(args) => cmd::kinds::run(args),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Stats(args) => cmd::stats::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}
