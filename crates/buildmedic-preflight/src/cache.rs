//! The on-disk cache: HTTP bodies with their validators (ETag, Last-Modified) for
//! conditional revalidation, and small JSON answers (image checks) for `--offline`.
//!
//! Layout: `DIR/preflight/<namespace>/<sha256 of key>.{body,json}`. Keys are URLs without
//! credentials. Writes go to a temporary file renamed into place, so concurrent runs never
//! read half a file. A cache that cannot be written is skipped silently: it only costs
//! speed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Validators and facts stored next to a cached body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Meta {
    /// The URL the body came from (credentials removed).
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Free-form facts of the entry's user (e.g. which repodata variant was served).
    #[serde(default)]
    pub note: Option<String>,
}

pub struct Cache {
    dir: Option<PathBuf>,
}

impl Cache {
    /// `dir`, else `$BUILDMEDIC_CACHE_DIR`, else `$XDG_CACHE_HOME/buildmedic`, else
    /// `~/.cache/buildmedic`; `None` when no directory can be named.
    pub fn new(dir: Option<PathBuf>) -> Cache {
        let dir = dir
            .or_else(|| std::env::var_os("BUILDMEDIC_CACHE_DIR").map(PathBuf::from))
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .filter(|v| !v.is_empty())
                    .map(|d| PathBuf::from(d).join("buildmedic"))
            })
            .or_else(|| {
                std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache").join("buildmedic"))
            })
            .map(|d| d.join("preflight"));
        Cache { dir }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn path(&self, namespace: &str, key: &str, ext: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let hash = Sha256::digest(key.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in hash.iter() {
            hex.push_str(&format!("{b:02x}"));
        }
        Some(dir.join(namespace).join(format!("{hex}.{ext}")))
    }

    /// A cached body and its meta.
    pub fn get_body(&self, namespace: &str, key: &str) -> Option<(Meta, Vec<u8>)> {
        let meta_path = self.path(namespace, key, "meta.json")?;
        let body_path = self.path(namespace, key, "body")?;
        let meta: Meta = serde_json::from_slice(&std::fs::read(meta_path).ok()?).ok()?;
        let body = std::fs::read(body_path).ok()?;
        Some((meta, body))
    }

    /// Stores a body and its meta (body first, so a meta always has its body).
    pub fn put_body(&self, namespace: &str, key: &str, meta: &Meta, body: &[u8]) {
        let (Some(meta_path), Some(body_path)) = (
            self.path(namespace, key, "meta.json"),
            self.path(namespace, key, "body"),
        ) else {
            return;
        };
        if write_atomic(&body_path, body).is_ok()
            && let Ok(json) = serde_json::to_vec(meta)
        {
            let _ = write_atomic(&meta_path, &json);
        }
    }

    /// Updates only the meta of an entry (after a 304).
    pub fn put_meta(&self, namespace: &str, key: &str, meta: &Meta) {
        if let Some(meta_path) = self.path(namespace, key, "meta.json")
            && let Ok(json) = serde_json::to_vec(meta)
        {
            let _ = write_atomic(&meta_path, &json);
        }
    }

    pub fn get_json<T: for<'de> Deserialize<'de>>(&self, namespace: &str, key: &str) -> Option<T> {
        let path = self.path(namespace, key, "json")?;
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    pub fn put_json<T: Serialize>(&self, namespace: &str, key: &str, value: &T) {
        if let Some(path) = self.path(namespace, key, "json")
            && let Ok(json) = serde_json::to_vec(value)
        {
            let _ = write_atomic(&path, &json);
        }
    }
}

fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(dir.path().to_path_buf()));
        assert!(cache.get_body("x", "k").is_none());
        let meta = Meta {
            url: "http://h/x".into(),
            etag: Some("\"1\"".into()),
            ..Meta::default()
        };
        cache.put_body("x", "k", &meta, b"body");
        let (m, b) = cache.get_body("x", "k").unwrap();
        assert_eq!(m, meta);
        assert_eq!(b, b"body");
        cache.put_json("j", "k", &vec![1, 2]);
        assert_eq!(cache.get_json::<Vec<i32>>("j", "k"), Some(vec![1, 2]));
        assert!(cache.get_json::<Vec<i32>>("j", "other").is_none());
    }
}
