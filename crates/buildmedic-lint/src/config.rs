//! Lint configuration: the `[lint]` table of `buildmedic.toml` plus command-line overrides.
//!
//! ```toml
//! [lint]
//! select = ["conda-bad-spec", "pip-invalid-operator"]   # default: every check
//! ignore = ["conda-deps-unpinned"]
//! [lint.severity]
//! conda-channels-missing = "error"
//! ```

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;

use crate::facts::Facts;
use crate::registry::find_check;
use crate::{CheckInfo, Severity};

/// Errors in the configuration (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid buildmedic.toml: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("unknown check id `{0}` in {1} (see `buildmedic explain --list`)")]
    UnknownCheck(String, &'static str),
    #[error("invalid severity `{value}` for `{check}` (expected error, warning or info)")]
    BadSeverity { check: String, value: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LintTable {
    #[serde(default)]
    select: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    lint: Option<LintTable>,
}

/// Everything a lint run needs to know besides the files.
#[derive(Debug, Clone)]
pub struct LintConfig {
    /// Only these checks run (None = all).
    pub select: Option<Vec<String>>,
    /// These checks never run.
    pub ignore: Vec<String>,
    /// Per-check severity overrides.
    pub severity: BTreeMap<String, Severity>,
    /// Facts (EOL table, deprecated images, limits).
    pub facts: Facts,
    /// "Today" for end-of-life comparisons.
    pub today: Date,
    /// "Now" for SAS token validity.
    pub now: Timestamp,
}

impl Default for LintConfig {
    fn default() -> Self {
        let now = Timestamp::now();
        LintConfig {
            select: None,
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            facts: Facts::builtin().clone(),
            today: now.to_zoned(jiff::tz::TimeZone::UTC).date(),
            now,
        }
    }
}

impl LintConfig {
    /// Reads the `[lint]` table of a `buildmedic.toml` (other tables are ignored).
    pub fn from_toml(text: &str) -> Result<LintConfig, ConfigError> {
        let file: ConfigFile = toml::from_str(text)?;
        let mut config = LintConfig::default();
        if let Some(table) = file.lint {
            if let Some(select) = table.select {
                config.select = Some(validate_ids(select, "lint.select")?);
            }
            config.ignore = validate_ids(table.ignore, "lint.ignore")?;
            for (check, value) in table.severity {
                if find_check(&check).is_none() {
                    return Err(ConfigError::UnknownCheck(check, "lint.severity"));
                }
                let sev = Severity::parse(&value).ok_or_else(|| ConfigError::BadSeverity {
                    check: check.clone(),
                    value: value.clone(),
                })?;
                config.severity.insert(check, sev);
            }
        }
        Ok(config)
    }

    /// Fixes "today" (and "now", at midnight UTC) — for reproducible runs and tests.
    pub fn with_today(mut self, today: Date) -> LintConfig {
        self.today = today;
        self.now = today
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(self.now);
        self
    }

    /// [`Self::with_today`] from `YYYY-MM-DD`.
    pub fn with_today_str(self, today: &str) -> Result<LintConfig, String> {
        let date: Date = today
            .parse()
            .map_err(|e| format!("expected YYYY-MM-DD ({e})"))?;
        Ok(self.with_today(date))
    }

    /// Sets "now" from an RFC 3339 timestamp.
    pub fn set_now_str(&mut self, now: &str) -> Result<(), String> {
        self.now = now
            .parse()
            .map_err(|e| format!("expected an RFC 3339 timestamp ({e})"))?;
        Ok(())
    }

    /// Adds `--select` ids (replacing the file's list) after validating them.
    pub fn select(&mut self, ids: Vec<String>) -> Result<(), ConfigError> {
        self.select = Some(validate_ids(ids, "--select")?);
        Ok(())
    }

    /// Adds `--ignore` ids after validating them.
    pub fn ignore(&mut self, ids: Vec<String>) -> Result<(), ConfigError> {
        self.ignore.extend(validate_ids(ids, "--ignore")?);
        Ok(())
    }

    /// Whether `check` runs at all.
    pub fn is_enabled(&self, check: &CheckInfo) -> bool {
        if self.ignore.iter().any(|i| i == check.id) {
            return false;
        }
        match &self.select {
            Some(sel) => sel.iter().any(|s| s == check.id),
            None => true,
        }
    }

    /// Configured severity override for `id`.
    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        self.severity.get(id).copied()
    }
}

fn validate_ids(ids: Vec<String>, origin: &'static str) -> Result<Vec<String>, ConfigError> {
    for id in &ids {
        if find_check(id).is_none() {
            return Err(ConfigError::UnknownCheck(id.clone(), origin));
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lint_table() {
        let c = LintConfig::from_toml(
            "[diagnose]\nx = 1\n[lint]\nignore = [\"conda-deps-unpinned\"]\n[lint.severity]\nconda-channels-missing = \"error\"\n",
        )
        .unwrap();
        assert_eq!(c.ignore, vec!["conda-deps-unpinned"]);
        assert_eq!(
            c.severity_override("conda-channels-missing"),
            Some(Severity::Error)
        );
    }

    #[test]
    fn unknown_ids_are_errors() {
        assert!(matches!(
            LintConfig::from_toml("[lint]\nignore = [\"nope\"]\n"),
            Err(ConfigError::UnknownCheck(..))
        ));
        assert!(LintConfig::from_toml("[lint]\nbogus = 1\n").is_err());
        assert!(LintConfig::from_toml("[lint.severity]\nconda-bad-spec = \"loud\"\n").is_err());
    }
}
