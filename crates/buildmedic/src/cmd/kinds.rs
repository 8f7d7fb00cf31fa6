//! `buildmedic kinds`: the failure kinds in effect.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindsFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "text")]
    format: KindsFormat,
    /// Include entries from a rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Ignore buildmedic.toml files and the user rule directory.
    #[arg(long)]
    no_config: bool,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let kb = crate::knowledge::knowledge_base(&args.rules, args.no_config)?;
    let out = match args.format {
        KindsFormat::Text => buildmedic_render::explain::kinds_text(&kb),
        KindsFormat::Json => buildmedic_render::explain::kinds_json(&kb),
        KindsFormat::Markdown => buildmedic_render::explain::kinds_markdown(&kb),
    };
    crate::output::emit(&out);
    Ok(ExitCode::SUCCESS)
}
