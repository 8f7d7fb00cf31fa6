//! Building the knowledge base in effect: built-ins, then rule directories from
//! configuration (`[diagnose] rules = [...]` in buildmedic.toml, and the user's
//! `$XDG_CONFIG_HOME/buildmedic/rules/`), then `--rules DIR` from the command line. Later
//! sources add kinds or replace them whole.

use std::path::{Path, PathBuf};

use buildmedic_engine::Engine;
use buildmedic_kb::KnowledgeBase;
use miette::{IntoDiagnostic, WrapErr};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
struct DiagnoseTable {
    #[serde(default)]
    rules: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    diagnose: Option<DiagnoseTable>,
}

/// A knowledge-base file or rule directory that cannot be used. The knowledge-base error
/// keeps its file, line, column and code frame.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum RulesError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Kb(#[from] buildmedic_kb::KbError),
    #[error("{}: no rule entries found (expected <kind>/kind.toml or *.toml)", .0.display())]
    #[diagnostic(code(buildmedic::rules::empty))]
    Empty(PathBuf),
}

/// Adds or replaces the entries of rule directory `dir`; returns the kinds it held.
pub(crate) fn load(kb: &mut KnowledgeBase, dir: &Path) -> Result<Vec<String>, RulesError> {
    Ok(kb.load_dir(dir)?)
}

/// The rule directories configuration adds, in order.
pub fn configured_dirs(no_config: bool) -> miette::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    if no_config {
        return Ok(dirs);
    }
    if let Some(user) = crate::config::user_dir() {
        let d = user.join("rules");
        if d.is_dir() {
            dirs.push(d);
        }
    }
    for file in crate::config::discover()? {
        let parsed: ConfigFile = toml::from_str(&file.text)
            .into_diagnostic()
            .wrap_err_with(|| format!("invalid {}", file.path.display()))?;
        for d in parsed.diagnose.unwrap_or_default().rules {
            dirs.push(file.dir().join(d));
        }
    }
    Ok(dirs)
}

pub fn knowledge_base(extra: &[PathBuf], no_config: bool) -> miette::Result<KnowledgeBase> {
    let mut kb = KnowledgeBase::builtin().map_err(RulesError::from)?;
    for dir in configured_dirs(no_config)?.iter().chain(extra) {
        load(&mut kb, dir)?;
    }
    Ok(kb)
}

pub fn engine(extra: &[PathBuf], no_config: bool) -> miette::Result<Engine> {
    Ok(Engine::new(knowledge_base(extra, no_config)?))
}
