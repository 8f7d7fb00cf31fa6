//! The web page: one HTML file, a stylesheet and a script, embedded in the binary (no CDN,
//! works offline). Views are hash routes (`#/`, `#/history`, `#/stats`, `#/kinds/KIND`,
//! `#/diagnoses/ID`) over the JSON API; charts are inline SVG drawn by the script.
//! Also the kind documents of `/api/v1/kinds`, built once from the knowledge base.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use buildmedic_kb::KnowledgeBase;

use crate::AppState;

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");

/// No inline script, no outside origin: the page works from the binary alone.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
}

/// `(the list, one document per kind)`.
pub fn kinds_documents(kb: &KnowledgeBase) -> (String, HashMap<String, String>) {
    let list: Vec<serde_json::Value> = kb
        .entries()
        .map(|e| {
            serde_json::json!({
                "kind": e.kind,
                "title": e.title,
                "catalog": e.catalog,
                "signatures": e.signatures.len(),
                "fixtures": e.fixtures.len(),
            })
        })
        .collect();
    let docs = kb
        .entries()
        .map(|e| {
            let signatures: Vec<_> = e
                .signatures
                .iter()
                .map(|s| serde_json::json!({"id": s.id, "pattern": s.pattern, "weight": s.weight}))
                .collect();
            let doc = serde_json::json!({
                "kind": e.kind,
                "title": e.title,
                "summary": e.summary.trim(),
                "causes": e.causes,
                "affected": e.affected,
                // Placeholders filled with the entry's generic words (`the package`).
                "fix": e.render_fix(&std::collections::BTreeMap::new()),
                "references": e.references,
                "catalog": e.catalog,
                "explains": e.explains,
                "signatures": signatures,
            });
            (e.kind.clone(), doc.to_string())
        })
        .collect();
    (serde_json::json!({ "kinds": list }).to_string(), docs)
}
