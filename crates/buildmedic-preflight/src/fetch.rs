//! GET through the on-disk cache: conditional requests (`If-None-Match`,
//! `If-Modified-Since`) when an entry exists, the cached body on 304, and only the cache
//! with `--offline`.

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

use crate::Shared;
use crate::cache::Meta;
use crate::http::{NetError, Request, display_url};

/// Where a body came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheState {
    /// Downloaded (and stored).
    Network,
    /// The server answered 304: the cached body is current.
    Revalidated,
    /// `--offline`: the cached body, not revalidated.
    Offline,
}

impl CacheState {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            CacheState::Network => None,
            CacheState::Revalidated => Some("revalidated"),
            CacheState::Offline => Some("offline"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// The URL after redirects.
    pub url: url::Url,
    pub cache: CacheState,
    pub attempts: u32,
}

#[derive(Debug, Clone)]
pub enum FetchError {
    Net(NetError),
    /// `--offline` and nothing cached.
    NotCached,
}

/// GETs `req.url`, revalidating a cached copy. Non-200 answers are returned as they are
/// (and not cached).
pub async fn get_cached(s: &Shared, namespace: &str, req: Request) -> Result<Fetched, FetchError> {
    let key = display_url(&req.url);
    let cached = s.cache.get_body(namespace, &key);
    if s.opts.offline {
        return match cached {
            Some((meta, body)) => Ok(Fetched {
                status: StatusCode::OK,
                body,
                content_type: meta.content_type.clone(),
                url: req.url.clone(),
                cache: CacheState::Offline,
                attempts: 0,
            }),
            None => Err(FetchError::NotCached),
        };
    }
    let mut req = req;
    if let Some((meta, _)) = &cached {
        if let Some(etag) = &meta.etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &meta.last_modified {
            req = req.header(IF_MODIFIED_SINCE, lm);
        }
    }
    let answer = s.net.send(&req).await.map_err(FetchError::Net)?;
    let content_type = answer
        .header("content-type")
        .map(|c| c.split(';').next().unwrap_or(c).trim().to_string());
    if answer.status == StatusCode::NOT_MODIFIED
        && let Some((mut meta, body)) = cached
    {
        if let Some(etag) = answer.header(ETAG.as_str()) {
            meta.etag = Some(etag.to_string());
        }
        s.cache.put_meta(namespace, &key, &meta);
        return Ok(Fetched {
            status: StatusCode::OK,
            body,
            content_type: meta.content_type.clone().or(content_type),
            url: answer.url.clone(),
            cache: CacheState::Revalidated,
            attempts: answer.attempts,
        });
    }
    if answer.status == StatusCode::OK {
        let meta = Meta {
            url: key.clone(),
            etag: answer.header(ETAG.as_str()).map(str::to_string),
            last_modified: answer.header(LAST_MODIFIED.as_str()).map(str::to_string),
            content_type: content_type.clone(),
            note: None,
        };
        s.cache.put_body(namespace, &key, &meta, &answer.body);
    }
    Ok(Fetched {
        status: answer.status,
        body: answer.body,
        content_type,
        url: answer.url,
        cache: CacheState::Network,
        attempts: answer.attempts,
    })
}
