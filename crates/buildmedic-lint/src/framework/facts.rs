//! Facts that age (Python end-of-life dates, deprecated images, reserved prefixes, limits),
//! loaded from `data/facts.toml`. Code asks questions of [`Facts`]; it never hard-codes them.
//!
//! The Dockerfile and image-reference checks read [`Facts::deprecated_images`] and
//! [`Facts::limits`] from here too.

use std::sync::LazyLock;

use jiff::civil::Date;
use serde::Deserialize;

const EMBEDDED: &str = include_str!("../../data/facts.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Facts {
    /// Date the facts were last reviewed.
    pub reference_date: Date,
    pub names: NameFacts,
    pub limits: Limits,
    pub python: PythonFacts,
    pub images: ImageFacts,
    pub pip: PipFacts,
    pub azure: AzureFacts,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NameFacts {
    pub reserved_prefixes: Vec<String>,
    pub max_length: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Limits {
    pub dockerfile_warn_bytes: usize,
    pub dockerfile_error_bytes: usize,
    pub build_context_max_files: usize,
    pub build_context_max_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PythonFacts {
    pub near_eol_months: i32,
    pub versions: Vec<PythonRelease>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PythonRelease {
    /// `major.minor`
    pub version: String,
    pub eol: Date,
    /// First final release, when it is recent enough to matter.
    #[serde(default)]
    pub release: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImageFacts {
    pub deprecated: Vec<String>,
    pub replacement: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PipFacts {
    pub recommended_pip_spec: String,
    pub private_index_host_suffixes: Vec<String>,
    pub private_index_host_markers: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AzureFacts {
    pub blob_host_suffixes: Vec<String>,
}

/// Where a Python `major.minor` stands on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonStatus {
    Supported,
    /// End of life is within the near-EOL window.
    NearEol {
        eol: Date,
    },
    EndOfLife {
        eol: Date,
    },
    /// Not released yet on that day.
    Unreleased {
        release: Option<Date>,
    },
    /// Not in the table (e.g. `3.99`).
    Unknown,
}

// The embedded file is part of the binary and read by every test that lints (and by
// `embedded_facts_load`); failing here is a build bug, not an input error.
#[allow(clippy::expect_used)]
static BUILTIN: LazyLock<Facts> =
    LazyLock::new(|| toml::from_str(EMBEDDED).expect("data/facts.toml is valid"));

impl Facts {
    /// The facts shipped with this build.
    pub fn builtin() -> &'static Facts {
        &BUILTIN
    }

    /// Loads a replacement facts file (same schema as `data/facts.toml`).
    pub fn from_toml(text: &str) -> Result<Facts, toml::de::Error> {
        toml::from_str(text)
    }

    /// D16: whether `repository` (already stripped of tag/digest) is a deprecated Azure ML image.
    /// Accepts the repository with or without the `mcr.microsoft.com/` registry.
    pub fn is_deprecated_image(&self, repository: &str) -> bool {
        let repo = repository
            .strip_prefix("mcr.microsoft.com/")
            .unwrap_or(repository);
        self.images.deprecated.iter().any(|d| d == repo)
    }

    /// D22/D23: status of Python `major.minor` on `today`.
    pub fn python_status(&self, major: u32, minor: u32, today: Date) -> PythonStatus {
        let key = format!("{major}.{minor}");
        let Some(rel) = self.python.versions.iter().find(|r| r.version == key) else {
            let newest = self
                .python
                .versions
                .iter()
                .filter_map(|r| parse_major_minor(&r.version))
                .max();
            return match newest {
                Some(n) if (major, minor) > n => PythonStatus::Unreleased { release: None },
                _ if major < 3 => PythonStatus::EndOfLife {
                    eol: self.python.versions[0].eol,
                },
                _ => PythonStatus::Unknown,
            };
        };
        if let Some(release) = rel.release
            && today < release
        {
            return PythonStatus::Unreleased {
                release: Some(release),
            };
        }
        if rel.eol <= today {
            return PythonStatus::EndOfLife { eol: rel.eol };
        }
        let window_end = today
            .checked_add(jiff::Span::new().months(self.python.near_eol_months))
            .unwrap_or(today);
        if rel.eol <= window_end {
            return PythonStatus::NearEol { eol: rel.eol };
        }
        PythonStatus::Supported
    }

    /// Oldest `major.minor` that is neither end-of-life nor near it on `today` (for help lines).
    pub fn recommended_python(&self, today: Date) -> Option<String> {
        self.python
            .versions
            .iter()
            .filter(|r| r.version.starts_with("3."))
            .find(|r| {
                parse_major_minor(&r.version).is_some_and(|(a, b)| {
                    self.python_status(a, b, today) == PythonStatus::Supported
                })
            })
            .map(|r| r.version.clone())
    }
}

pub(crate) fn parse_major_minor(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn embedded_facts_load() {
        let f = Facts::builtin();
        assert_eq!(f.images.deprecated.len(), 17);
        assert!(f.is_deprecated_image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"));
        assert!(!f.is_deprecated_image("azureml/openmpi4.1.0-ubuntu22.04"));
    }

    #[test]
    fn python_status_follows_the_date() {
        let f = Facts::builtin();
        let d = date(2026, 7, 2);
        assert!(matches!(
            f.python_status(3, 8, d),
            PythonStatus::EndOfLife { .. }
        ));
        assert!(matches!(
            f.python_status(3, 10, d),
            PythonStatus::NearEol { .. }
        ));
        // 3.11's EOL (2027-10-31) is 16 months after 2026-07-02: outside the 12-month window.
        assert_eq!(f.python_status(3, 11, d), PythonStatus::Supported);
        assert_eq!(f.python_status(3, 12, d), PythonStatus::Supported);
        assert!(matches!(
            f.python_status(3, 15, d),
            PythonStatus::Unreleased { .. }
        ));
        assert!(matches!(
            f.python_status(3, 99, d),
            PythonStatus::Unreleased { .. }
        ));
        assert!(matches!(
            f.python_status(2, 5, d),
            PythonStatus::EndOfLife { .. }
        ));
        assert_eq!(
            f.recommended_python(date(2026, 11, 26)).as_deref(),
            Some("3.12")
        );
    }
}
