//! The services of `scripts/services/start.sh`, read from the env file it writes
//! (`BUILDMEDIC_PREFLIGHT_SERVICES=/path/to/env`). Without it the tests skip with a message, unless
//! `BUILDMEDIC_REQUIRE_SERVICES=1` (CI), where a missing service is a failure.

#![allow(dead_code)]

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use buildmedic_preflight::{Options, ScopedCredential};

pub struct Services {
    vars: HashMap<String, String>,
}

impl Services {
    pub fn get(&self, key: &str) -> String {
        match self.vars.get(key) {
            Some(v) => v.clone(),
            None => {
                panic!("{key} is not in the services env file (rerun scripts/services/start.sh)")
            }
        }
    }

    /// Every secret the services hand out, to assert none leaks.
    pub fn secrets(&self) -> Vec<String> {
        self.vars
            .iter()
            .filter(|(k, _)| k.ends_with("_PASS"))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Options for tests: a fresh cache, no docker config of the machine, quick retries.
    pub fn options(&self, cache: &std::path::Path) -> Options {
        let mut o = Options {
            cache_dir: Some(cache.to_path_buf()),
            docker_config_dir: Some(cache.join("no-docker-config")),
            retries: 1,
            backoff: Duration::from_millis(50),
            timeout: Duration::from_secs(10),
            ..Options::default()
        };
        for key in [
            "BM_REG_OPEN",
            "BM_REG_BASIC",
            "BM_REG_TOKEN",
            "BM_REG_GUARDED",
            "BM_REG_LIMITED",
            "BM_REG_GATEWAY",
        ] {
            o.insecure_registries.push(self.get(key));
        }
        // The token realm is plain HTTP on loopback too.
        let realm = self.get("BM_TOKEN_REALM");
        let realm_host = realm
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string();
        o.insecure_registries.push(realm_host);
        o.pip.use_pip_config = false;
        o.conda.well_known = Vec::new();
        o
    }

    pub fn creds(&self, registry_key: &str, user_key: &str, pass_key: &str) -> ScopedCredential {
        ScopedCredential::parse(
            &format!(
                "{}={}:{}",
                self.get(registry_key),
                self.get(user_key),
                self.get(pass_key)
            ),
            None,
        )
        .unwrap()
    }
}

/// The services, or `None` (test skipped with a message).
pub fn services(test: &str) -> Option<Services> {
    let required = std::env::var("BUILDMEDIC_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let path = match std::env::var("BUILDMEDIC_PREFLIGHT_SERVICES") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            if required {
                panic!(
                    "{test}: BUILDMEDIC_REQUIRE_SERVICES=1 but BUILDMEDIC_PREFLIGHT_SERVICES is not set (run through scripts/test.sh)"
                );
            }
            eprintln!(
                "{test}: skipped: no test services (run scripts/test.sh, or scripts/services/start.sh and set BUILDMEDIC_PREFLIGHT_SERVICES)"
            );
            return None;
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            if required {
                panic!("{test}: cannot read {path}: {e}");
            }
            eprintln!("{test}: skipped: cannot read {path}: {e}");
            return None;
        }
    };
    let vars = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Some(Services { vars })
}

/// What skopeo says about an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skopeo {
    Exists,
    NotFound,
    Unauthorized,
    /// Any other failure (403, unreachable, platform missing...), with the text checked by
    /// the caller.
    Other,
}

/// `skopeo inspect` with the given extra arguments; the verdict and stderr.
pub fn skopeo(args: &[&str], reference: &str) -> (Skopeo, String) {
    // One file per thread: tests run in parallel.
    let authfile = std::env::temp_dir().join(format!(
        "buildmedic-empty-auth-{}-{:?}.json",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&authfile, "{}").expect("temp dir is writable");
    let out = Command::new("skopeo")
        .arg("inspect")
        .arg("--retry-times=0")
        .args(args)
        .arg(format!("docker://{reference}"))
        .env("REGISTRY_AUTH_FILE", &authfile)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("skopeo runs (installed by scripts/services/install.sh)");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    if out.status.success() {
        return (Skopeo::Exists, err);
    }
    let lower = err.to_lowercase();
    let verdict = if lower.contains("manifest unknown") || lower.contains("name unknown") {
        Skopeo::NotFound
    } else if lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("denied")
        || lower.contains("invalid username/password")
    {
        Skopeo::Unauthorized
    } else {
        Skopeo::Other
    };
    (verdict, err)
}
