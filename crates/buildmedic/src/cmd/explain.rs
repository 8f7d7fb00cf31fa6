//! `buildmedic explain ID`: the knowledge-base entry of a failure kind and/or the
//! documentation of a lint check with that id (predicted build failures share their id
//! with the kind they predict, so both are printed).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A failure kind (`buildmedic kinds`) or a lint check id (`buildmedic explain --list`).
    #[arg(required_unless_present = "list")]
    id: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: ExplainFormat,
    /// List every kind and lint check id.
    #[arg(long)]
    list: bool,
    /// Include entries from a rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Ignore buildmedic.toml files and the user rule directory.
    #[arg(long)]
    no_config: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{0}` is neither a failure kind nor a lint check")]
#[diagnostic(
    code(buildmedic::explain),
    help("`buildmedic explain --list` shows every id")
)]
struct Unknown(String);

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let kb = crate::knowledge::knowledge_base(&args.rules, args.no_config)?;
    if args.list {
        crate::output::outln!("failure kinds:");
        for e in kb.entries() {
            crate::output::outln!("  {:<30} {}", e.kind, e.title);
        }
        crate::output::outln!("lint checks:");
        for c in buildmedic_lint::registry() {
            crate::output::outln!("  {:<30} {}", c.id, c.summary());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let id = args.id.unwrap_or_default();
    let entry = kb.get(&id);
    let check = buildmedic_lint::find_check(&id);
    if entry.is_none() && check.is_none() {
        return Err(Unknown(id).into());
    }
    let markdown = matches!(args.format, ExplainFormat::Markdown);
    let mut out = String::new();
    if let Some(e) = entry {
        out.push_str(&if markdown {
            buildmedic_render::explain::kind_markdown(e)
        } else {
            buildmedic_render::explain::kind_text(e)
        });
    }
    if let Some(c) = check {
        if !out.is_empty() {
            out.push('\n');
        }
        if markdown {
            out.push_str(&format!(
                "## Lint check `{}` ({})\n\n{}",
                c.id,
                c.default_severity,
                c.doc_markdown()
            ));
        } else {
            out.push_str(&format!(
                "lint check {} (default severity {})\n\n{}",
                c.id,
                c.default_severity,
                c.doc_markdown()
            ));
        }
    }
    crate::output::emit(&out);
    Ok(ExitCode::SUCCESS)
}
