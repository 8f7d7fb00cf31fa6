//! Finding `buildmedic.toml`: the user's (`$XDG_CONFIG_HOME/buildmedic/buildmedic.toml`,
//! default `~/.config/buildmedic/`) and the project's (the nearest one searching upward from
//! the working directory). Each subcommand reads its own table (`[diagnose]`, `[lint]`);
//! project settings come after user settings so they win.

use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, WrapErr};

pub const FILE_NAME: &str = "buildmedic.toml";

/// A configuration file that was found and read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
}

impl ConfigFile {
    /// Directory relative paths in the file are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// The user's configuration directory (`$XDG_CONFIG_HOME/buildmedic` or `~/.config/buildmedic`).
pub fn user_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("buildmedic"))
}

/// Configuration files in effect, lowest precedence first.
pub fn discover() -> miette::Result<Vec<ConfigFile>> {
    let mut files = Vec::new();
    if let Some(dir) = user_dir() {
        let p = dir.join(FILE_NAME);
        if p.is_file() {
            files.push(read(&p)?);
        }
    }
    if let Ok(cwd) = std::env::current_dir()
        && let Some(p) = cwd
            .ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
        && !files.iter().any(|f| f.path == p)
    {
        files.push(read(&p)?);
    }
    Ok(files)
}

fn read(path: &Path) -> miette::Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    Ok(ConfigFile {
        path: path.to_path_buf(),
        text,
    })
}
