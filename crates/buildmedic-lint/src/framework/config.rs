//! Lint configuration: the `[lint]` table of `buildmedic.toml` plus command-line overrides.
//!
//! Check ids are validated with an `is_known` predicate the caller passes
//! ([`crate::is_known_check`] for the built-in checks), so the configuration does not depend
//! on the list of checks.
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

use crate::framework::check::CheckInfo;
use crate::framework::diagnostic::Severity;
use crate::framework::facts::Facts;

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
    /// Reads the `[lint]` table of a `buildmedic.toml` (other tables are ignored). Check
    /// ids must satisfy `is_known`.
    pub fn from_toml(
        text: &str,
        is_known: impl Fn(&str) -> bool,
    ) -> Result<LintConfig, ConfigError> {
        let file: ConfigFile = toml::from_str(text)?;
        let mut config = LintConfig::default();
        if let Some(table) = file.lint {
            if let Some(select) = table.select {
                config.select = Some(validate_ids(select, "lint.select", &is_known)?);
            }
            config.ignore = validate_ids(table.ignore, "lint.ignore", &is_known)?;
            for (check, value) in table.severity {
                if !is_known(&check) {
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

    /// Adds `--select` ids (replacing the file's list) after validating them with `is_known`.
    pub fn select(
        &mut self,
        ids: Vec<String>,
        is_known: impl Fn(&str) -> bool,
    ) -> Result<(), ConfigError> {
        self.select = Some(validate_ids(ids, "--select", &is_known)?);
        Ok(())
    }

    /// Adds `--ignore` ids after validating them with `is_known`.
    pub fn ignore(
        &mut self,
        ids: Vec<String>,
        is_known: impl Fn(&str) -> bool,
    ) -> Result<(), ConfigError> {
        self.ignore
            .extend(validate_ids(ids, "--ignore", &is_known)?);
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

fn validate_ids(
    ids: Vec<String>,
    origin: &'static str,
    is_known: &impl Fn(&str) -> bool,
) -> Result<Vec<String>, ConfigError> {
    for id in &ids {
        if !is_known(id) {
            return Err(ConfigError::UnknownCheck(id.clone(), origin));
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for the registry: the framework is tested without the checks.
    fn known(id: &str) -> bool {
        matches!(
            id,
            "conda-deps-unpinned" | "conda-channels-missing" | "conda-bad-spec"
        )
    }

    #[test]
    fn reads_lint_table() {
        let c = LintConfig::from_toml(
            "[diagnose]\nx = 1\n[lint]\nignore = [\"conda-deps-unpinned\"]\n[lint.severity]\nconda-channels-missing = \"error\"\n",
            known,
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
            LintConfig::from_toml("[lint]\nignore = [\"nope\"]\n", known),
            Err(ConfigError::UnknownCheck(..))
        ));
        assert!(LintConfig::from_toml("[lint]\nbogus = 1\n", known).is_err());
        assert!(
            LintConfig::from_toml("[lint.severity]\nconda-bad-spec = \"loud\"\n", known).is_err()
        );
        let mut c = LintConfig::default();
        assert!(c.select(vec!["conda-bad-spec".into()], known).is_ok());
        assert!(c.ignore(vec!["nope".into()], known).is_err());
    }
}
