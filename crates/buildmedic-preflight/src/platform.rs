//! The target platform (`--platform linux/amd64`) and what it means for each ecosystem:
//! the manifest-list entry, the conda subdir, the wheel platform.

use std::fmt;
use std::str::FromStr;

/// An OCI platform: `os/architecture[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetPlatform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Default for TargetPlatform {
    fn default() -> TargetPlatform {
        TargetPlatform {
            os: "linux".to_string(),
            architecture: "amd64".to_string(),
            variant: None,
        }
    }
}

impl fmt::Display for TargetPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// `--platform` that is not `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid platform `{0}`: expected os/architecture[/variant], e.g. linux/amd64")]
pub struct PlatformError(pub String);

impl FromStr for TargetPlatform {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<TargetPlatform, PlatformError> {
        let parts: Vec<&str> = s.trim().split('/').collect();
        let valid = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| valid(p)) {
            return Err(PlatformError(s.to_string()));
        }
        let os = parts[0].to_ascii_lowercase();
        // The aliases containerd normalises (x86_64 → amd64, aarch64 → arm64).
        let architecture = match parts[1].to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" => "amd64".to_string(),
            "aarch64" => "arm64".to_string(),
            "i386" | "i686" => "386".to_string(),
            other => other.to_string(),
        };
        let variant = parts.get(2).map(|v| v.to_ascii_lowercase());
        Ok(TargetPlatform {
            os,
            architecture,
            variant,
        })
    }
}

impl TargetPlatform {
    /// Whether a manifest-list entry's platform matches, as containerd's default matcher
    /// does: same os and architecture; the variant must match when both name one (`arm64`
    /// without a variant means `v8`).
    pub fn matches(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        if !self.os.eq_ignore_ascii_case(os)
            || !self.architecture.eq_ignore_ascii_case(architecture)
        {
            return false;
        }
        let norm = |v: Option<&str>| -> Option<String> {
            match (self.architecture.as_str(), v) {
                ("arm64", None) => Some("v8".to_string()),
                (_, v) => v.map(str::to_ascii_lowercase),
            }
        };
        match (norm(self.variant.as_deref()), norm(variant)) {
            (Some(a), Some(b)) => a == b,
            (None, _) => true,
            (Some(_), None) => false,
        }
    }

    /// The conda subdir (`linux-64`, `linux-aarch64`, `osx-arm64`, `win-64`...).
    pub fn conda_subdir(&self) -> Option<&'static str> {
        Some(match (self.os.as_str(), self.architecture.as_str()) {
            ("linux", "amd64") => "linux-64",
            ("linux", "arm64") => "linux-aarch64",
            ("linux", "ppc64le") => "linux-ppc64le",
            ("linux", "s390x") => "linux-s390x",
            ("linux", "386") => "linux-32",
            ("darwin" | "osx", "amd64") => "osx-64",
            ("darwin" | "osx", "arm64") => "osx-arm64",
            ("windows", "amd64") => "win-64",
            ("windows", "arm64") => "win-arm64",
            _ => return None,
        })
    }

    /// The wheel platform for uv's tag computation.
    pub fn wheel_platform(&self, glibc: (u16, u16)) -> Option<uv_platform_tags::Platform> {
        use uv_platform_tags::{Arch, Os, Platform};
        let arch = match self.architecture.as_str() {
            "amd64" => Arch::X86_64,
            "arm64" => Arch::Aarch64,
            "ppc64le" => Arch::Powerpc64Le,
            "s390x" => Arch::S390X,
            "386" => Arch::X86,
            _ => return None,
        };
        let os = match self.os.as_str() {
            "linux" => Os::Manylinux {
                major: glibc.0,
                minor: glibc.1,
            },
            "windows" => Os::Windows,
            "darwin" | "osx" => Os::Macos {
                major: 11,
                minor: 0,
            },
            _ => return None,
        };
        Some(Platform::new(os, arch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let p: TargetPlatform = "linux/x86_64".parse().unwrap();
        assert_eq!(p.to_string(), "linux/amd64");
        let p: TargetPlatform = "linux/arm64/v8".parse().unwrap();
        assert_eq!(p.variant.as_deref(), Some("v8"));
        assert!("linux".parse::<TargetPlatform>().is_err());
        assert!("linux/amd64/v1/x".parse::<TargetPlatform>().is_err());
        assert!("linux/ amd64".parse::<TargetPlatform>().is_err());
    }

    #[test]
    fn matches_like_containerd() {
        let amd: TargetPlatform = "linux/amd64".parse().unwrap();
        assert!(amd.matches("linux", "amd64", None));
        assert!(!amd.matches("linux", "arm64", Some("v8")));
        assert!(!amd.matches("windows", "amd64", None));
        let arm: TargetPlatform = "linux/arm64".parse().unwrap();
        assert!(arm.matches("linux", "arm64", Some("v8")));
        assert!(arm.matches("linux", "arm64", None));
        let v7: TargetPlatform = "linux/arm/v7".parse().unwrap();
        assert!(!v7.matches("linux", "arm", Some("v6")));
        assert!(!v7.matches("linux", "arm", None));
    }

    #[test]
    fn subdirs() {
        let p = |s: &str| s.parse::<TargetPlatform>().unwrap();
        assert_eq!(p("linux/amd64").conda_subdir(), Some("linux-64"));
        assert_eq!(p("linux/arm64").conda_subdir(), Some("linux-aarch64"));
        assert_eq!(p("plan9/amd64").conda_subdir(), None);
    }
}
