//! Registry credentials, found where the build's client would find them.
//!
//! Order: `--creds` (one registry each), the definition's own credentials for its image,
//! `BUILDMEDIC_CREDS` (`registry=user:password`, whitespace-separated), the containers
//! auth file named by `REGISTRY_AUTH_FILE`, then the docker client configuration
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`: `credHelpers`, `auths`,
//! `credsStore`, through the `docker-credential-*` helpers, as docker does).
//!
//! A credential is only ever attached to requests for the registry it is configured for
//! and to the token realm that registry names in its challenge (see `registry`).

use std::path::{Path, PathBuf};

use crate::Options;

/// A secret for one registry. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Basic {
        username: String,
        password: String,
    },
    /// A refresh token (`identitytoken` in config.json, `<token>` user of a helper).
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { .. } => f.write_str("Credential::Basic(***)"),
            Credential::IdentityToken(_) => f.write_str("Credential::IdentityToken(***)"),
        }
    }
}

impl Credential {
    /// The secret strings, for redaction of anything that might echo them.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Credential::Basic { password, .. } => vec![password.as_str()],
            Credential::IdentityToken(t) => vec![t.as_str()],
        }
    }
}

/// A credential and the registry (`host[:port]`) it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedCredential {
    pub registry: String,
    pub credential: Credential,
}

/// `--creds` / `BUILDMEDIC_CREDS` entry that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredsParseError {
    #[error("credentials must be REGISTRY=USER:PASSWORD (the registry part is missing)")]
    NoRegistry,
    #[error("credentials must be REGISTRY=USER:PASSWORD (the password part is missing)")]
    NoPassword,
    #[error("credentials must be REGISTRY=USER:PASSWORD (the user name is empty)")]
    NoUser,
}

impl ScopedCredential {
    /// Parses `REGISTRY=USER:PASSWORD`; `default_registry` is used when the `REGISTRY=`
    /// part is absent (`--creds USER:PASSWORD` with one `--image`).
    pub fn parse(
        s: &str,
        default_registry: Option<&str>,
    ) -> Result<ScopedCredential, CredsParseError> {
        // A registry never contains '='; a user name rarely does: the first '=' ends the
        // registry part.
        let (registry, rest) = match s.split_once('=') {
            Some((r, rest)) => (r.to_string(), rest),
            None => (
                default_registry
                    .ok_or(CredsParseError::NoRegistry)?
                    .to_string(),
                s,
            ),
        };
        let (user, password) = rest.split_once(':').ok_or(CredsParseError::NoPassword)?;
        if user.is_empty() {
            return Err(CredsParseError::NoUser);
        }
        if registry.is_empty() {
            return Err(CredsParseError::NoRegistry);
        }
        Ok(ScopedCredential {
            registry: normalize_registry(&registry),
            credential: Credential::Basic {
                username: user.to_string(),
                password: password.to_string(),
            },
        })
    }
}

/// `docker.io`, `index.docker.io`, `registry-1.docker.io` and `https://index.docker.io/v1/`
/// are one registry; other hosts are kept (lower-cased, scheme and path dropped).
pub fn normalize_registry(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let host = s.split('/').next().unwrap_or(s).to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => host,
    }
}

/// The key docker uses for a registry in config.json and with helpers.
fn docker_config_key(registry: &str) -> String {
    if registry == "docker.io" {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// A credential and where it came from (`--creds`, `docker config (credsStore: pass)`).
#[derive(Debug, Clone)]
pub struct Found {
    pub credential: Credential,
    pub source: String,
}

/// Where the credentials of a run come from.
pub struct CredentialStore {
    cli: Vec<ScopedCredential>,
    env: Vec<ScopedCredential>,
    auth_file: Option<PathBuf>,
    docker_config: Option<PathBuf>,
    use_stores: bool,
    looked_up: crate::OnceMap<Lookup>,
}

#[derive(Debug, Clone)]
struct Lookup {
    found: Option<Found>,
    note: Option<String>,
}

impl CredentialStore {
    pub fn new(opts: &Options) -> CredentialStore {
        let mut env = Vec::new();
        if opts.use_credential_stores
            && let Ok(v) = std::env::var("BUILDMEDIC_CREDS")
        {
            for item in v.split_whitespace() {
                if let Ok(c) = ScopedCredential::parse(item, None) {
                    env.push(c);
                }
            }
        }
        let docker_config = opts
            .docker_config_dir
            .clone()
            .or_else(|| std::env::var_os("DOCKER_CONFIG").map(PathBuf::from))
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))
            .map(|d| d.join("config.json"));
        CredentialStore {
            cli: opts.credentials.clone(),
            env,
            auth_file: std::env::var_os("REGISTRY_AUTH_FILE").map(PathBuf::from),
            docker_config,
            use_stores: opts.use_credential_stores,
            looked_up: crate::OnceMap::default(),
        }
    }

    /// The credential for `registry` (normalized `host[:port]`), with `definition` (what the
    /// environment definition names) between `--creds` and the stores. Helpers run at most
    /// once per registry and run.
    pub async fn lookup(
        &self,
        registry: &str,
        definition: Option<&Credential>,
    ) -> (Option<Found>, Option<String>) {
        let registry = normalize_registry(registry);
        if let Some(c) = self.cli.iter().find(|c| c.registry == registry) {
            return (
                Some(Found {
                    credential: c.credential.clone(),
                    source: "--creds".to_string(),
                }),
                None,
            );
        }
        if let Some(c) = definition {
            return (
                Some(Found {
                    credential: c.clone(),
                    source: "the environment definition".to_string(),
                }),
                None,
            );
        }
        if !self.use_stores {
            return (None, None);
        }
        if let Some(c) = self.env.iter().find(|c| c.registry == registry) {
            return (
                Some(Found {
                    credential: c.credential.clone(),
                    source: "BUILDMEDIC_CREDS".to_string(),
                }),
                None,
            );
        }
        let cell = self.looked_up.cell(registry.clone());
        let auth_file = self.auth_file.clone();
        let docker_config = self.docker_config.clone();
        let lookup = cell
            .get_or_init(|| async move {
                let reg = registry.clone();
                tokio::task::spawn_blocking(move || {
                    lookup_files(&reg, auth_file.as_deref(), docker_config.as_deref())
                })
                .await
                .unwrap_or(Lookup {
                    found: None,
                    note: Some("the credential lookup was interrupted".to_string()),
                })
            })
            .await;
        (lookup.found.clone(), lookup.note.clone())
    }
}

fn lookup_files(registry: &str, auth_file: Option<&Path>, docker_config: Option<&Path>) -> Lookup {
    let key = docker_config_key(registry);
    let mut note = None;
    if let Some(path) = auth_file {
        match read_config(path, &key) {
            Ok(Some(credential)) => {
                return Lookup {
                    found: Some(Found {
                        credential,
                        source: format!("REGISTRY_AUTH_FILE ({})", path.display()),
                    }),
                    note: None,
                };
            }
            Ok(None) => {}
            Err(e) => note = Some(e),
        }
    }
    if let Some(path) = docker_config {
        match read_config(path, &key) {
            Ok(Some(credential)) => {
                let how = config_route(path, &key);
                return Lookup {
                    found: Some(Found {
                        credential,
                        source: format!("docker config {}{how}", path.display()),
                    }),
                    note,
                };
            }
            Ok(None) => {}
            Err(e) => note = Some(e),
        }
    }
    Lookup { found: None, note }
}

/// ` (credHelpers: ecr-login)` / ` (credsStore: pass)` / `` for plain `auths`.
fn config_route(path: &Path, key: &str) -> String {
    let Ok(text) = std::fs::read_to_string(path) else {
        return String::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return String::new();
    };
    if let Some(h) = v
        .get("credHelpers")
        .and_then(|h| h.get(key))
        .and_then(|h| h.as_str())
        .filter(|h| !h.is_empty())
    {
        return format!(" (credHelpers: {h})");
    }
    let in_auths = v.get("auths").and_then(|a| a.as_object()).is_some_and(|a| {
        a.iter().any(|(k, e)| {
            normalize_registry(k) == normalize_registry(key)
                && (e.get("auth").is_some()
                    || e.get("identitytoken").is_some()
                    || e.get("username").is_some())
        })
    });
    if in_auths {
        return String::new();
    }
    match v.get("credsStore").and_then(|s| s.as_str()) {
        Some(s) => format!(" (credsStore: {s})"),
        None => String::new(),
    }
}

/// Reads one config file. `Ok(None)`: no file or no credential for the registry.
fn read_config(path: &Path, key: &str) -> Result<Option<Credential>, String> {
    use docker_credential::{CredentialRetrievalError as E, DockerCredential};
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    match docker_credential::get_credential_from_reader(std::io::BufReader::new(file), key) {
        Ok(DockerCredential::UsernamePassword(user, secret)) if user == "<token>" => {
            Ok(Some(Credential::IdentityToken(secret)))
        }
        Ok(DockerCredential::UsernamePassword(username, password)) => {
            Ok(Some(Credential::Basic { username, password }))
        }
        Ok(DockerCredential::IdentityToken(t)) => Ok(Some(Credential::IdentityToken(t))),
        Err(E::NoCredentialConfigured) => Ok(None),
        Err(E::ConfigReadError) => Err(format!(
            "{} is not a valid docker configuration (JSON); its credentials were not used",
            path.display()
        )),
        Err(E::HelperFailure { helper, .. }) => {
            // A helper that has nothing for the registry exits non-zero ("credentials not
            // found in native keychain"); docker then pulls anonymously. Its output may
            // hold secrets: it is not shown.
            let helper = helper.strip_prefix("docker-credential-").unwrap_or(&helper);
            Err(format!(
                "the credential helper docker-credential-{helper} found no credentials for {key} (pulling anonymously)"
            ))
        }
        Err(E::HelperCommunicationError) => Err(format!(
            "a credential helper named in {} could not be run (is docker-credential-* on PATH?)",
            path.display()
        )),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_creds() {
        let c = ScopedCredential::parse("myreg.io:5000=me:p:w", None).unwrap();
        assert_eq!(c.registry, "myreg.io:5000");
        assert_eq!(
            c.credential,
            Credential::Basic {
                username: "me".into(),
                password: "p:w".into()
            }
        );
        let c = ScopedCredential::parse("me:pw", Some("index.docker.io")).unwrap();
        assert_eq!(c.registry, "docker.io");
        assert_eq!(
            ScopedCredential::parse("me:pw", None),
            Err(CredsParseError::NoRegistry)
        );
        assert_eq!(
            ScopedCredential::parse("reg=me", None),
            Err(CredsParseError::NoPassword)
        );
        assert_eq!(
            ScopedCredential::parse("reg=:pw", None),
            Err(CredsParseError::NoUser)
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credential::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn reads_auths_and_reports_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        // "me:s3cret"
        std::fs::write(
            &path,
            r#"{"auths":{"reg.example:5000":{"auth":"bWU6czNjcmV0"},"https://index.docker.io/v1/":{"identitytoken":"tok"}}}"#,
        )
        .unwrap();
        assert_eq!(
            read_config(&path, "reg.example:5000").unwrap(),
            Some(Credential::Basic {
                username: "me".into(),
                password: "s3cret".into()
            })
        );
        assert_eq!(
            read_config(&path, &docker_config_key("docker.io")).unwrap(),
            Some(Credential::IdentityToken("tok".into()))
        );
        assert_eq!(read_config(&path, "other.example").unwrap(), None);
        std::fs::write(&path, "{not json").unwrap();
        assert!(read_config(&path, "reg.example:5000").is_err());
        assert_eq!(
            read_config(&dir.path().join("absent.json"), "x").unwrap(),
            None
        );
    }
}
