//! Routes and handlers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::metrics::{KindLabels, RequestLabels, RouteLabels};
use crate::store::{Filter, StatsQuery, format_ms, now_ms};
use crate::{AppState, job, web};

type St = State<Arc<AppState>>;
type Q = Query<HashMap<String, String>>;

const DAY_MS: i64 = 86_400_000;
const MAX_SOURCE: usize = 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .route(
            "/api/v1/diagnoses",
            post(post_diagnosis).get(list_diagnoses),
        )
        .route("/api/v1/diagnoses/{id}", get(get_diagnosis))
        .route("/api/v1/diagnoses/{id}/log", get(get_log))
        .route("/api/v1/stats", get(stats))
        .route(
            "/api/v1/lint",
            post(lint).layer(DefaultBodyLimit::max(
                usize::try_from(state.config.max_body).unwrap_or(usize::MAX),
            )),
        )
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), auth));
    let mut app = Router::new()
        .merge(protected)
        .route("/api/v1/kinds", get(kinds))
        .route("/api/v1/kinds/{kind}", get(kind))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(web::routes())
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            timeout_and_metrics,
        ));
    if let Some(cors) = cors(&state.config.cors_origins) {
        app = app.layer(cors);
    }
    app.with_state(state)
}

fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::CONTENT_ENCODING,
        ])
        .expose_headers([header::LOCATION, header::RETRY_AFTER]);
    if origins.iter().any(|o| o == "*") {
        Some(layer.allow_origin(AllowOrigin::any()))
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        Some(layer.allow_origin(AllowOrigin::list(list)))
    }
}

/// Per-request timeout, request counter and latency histogram.
async fn timeout_and_metrics(State(st): St, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let resp = match tokio::time::timeout(st.config.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            st.metrics.reject("timeout");
            ApiError::unavailable(
                "timeout",
                format!(
                    "the request took longer than {} s",
                    st.config.request_timeout.as_secs_f64()
                ),
                1,
            )
            .into_response()
        }
    };
    st.metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route: route.clone(),
            status: resp.status().as_u16().to_string(),
        })
        .inc();
    st.metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    resp
}

/// Bearer token for writes and history (when the server has one).
async fn auth(State(st): St, req: Request, next: Next) -> Response {
    if let Some(token) = &st.config.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            st.metrics.reject("unauthorized");
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this endpoint needs `Authorization: Bearer TOKEN`",
            )
            .into_response();
        }
    }
    next.run(req).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Decrements the in-flight gauge when the request ends, however it ends.
struct InFlight<'a>(&'a prometheus_client::metrics::gauge::Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn post_diagnosis(
    State(st): St,
    Query(q): Q,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let received_at = now_ms();
    let source = match q.get("source") {
        None => "-".to_string(),
        Some(s)
            if s.is_empty()
                || s.chars().count() > MAX_SOURCE
                || s.chars().any(char::is_control) =>
        {
            return Err(ApiError::bad_request(
                "bad-source",
                format!("`source` must be 1 to {MAX_SOURCE} characters without control characters"),
            ));
        }
        Some(s) => buildmedic_redact::redact(s).into_owned(),
    };
    match headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("identity") | Some("gzip") | Some("x-gzip") => {}
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-encoding",
                format!("Content-Encoding {other:?} is not supported (send plain or gzip)"),
            ));
        }
    }
    let limit = st.config.max_body;
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limit
    {
        st.metrics.reject("too-large");
        return Err(ApiError::too_large(limit));
    }
    let Ok(admitted) = Arc::clone(&st.admission).try_acquire_owned() else {
        st.metrics.reject("queue-full");
        return Err(ApiError::unavailable(
            "busy",
            "every worker is busy and the queue is full; retry later",
            1,
        ));
    };
    st.metrics.in_flight.inc();
    let _in_flight = InFlight(&st.metrics.in_flight);

    let (tx, rx) = mpsc::channel::<job::Chunk>(16);
    let feed = async move {
        let mut stream = body.into_data_stream();
        let mut raw = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.try_send(Err(()));
                    return Err(ApiError::bad_request(
                        "bad-body",
                        format!("reading the body failed: {e}"),
                    ));
                }
            };
            raw += chunk.len() as u64;
            if raw > limit {
                let _ = tx.try_send(Err(()));
                return Err(ApiError::too_large(limit));
            }
            if tx.send(Ok(chunk)).await.is_err() {
                // The job stopped early (decoded size limit); its error is the answer.
                break;
            }
        }
        Ok(())
    };
    let params = job::Params {
        id: uuid::Uuid::now_v7().to_string(),
        received_at,
        source,
        max_decoded: limit,
        log_cap: st.config.log_cap,
    };
    let work = {
        let st = Arc::clone(&st);
        async move {
            let running = Arc::clone(&st.running)
                .acquire_owned()
                .await
                .map_err(|_| ApiError::internal("worker pool closed"))?;
            let engine = Arc::clone(&st.engine);
            tokio::task::spawn_blocking(move || {
                let _running = running;
                let _admitted = admitted;
                job::diagnose(&engine, rx, params)
            })
            .await
            .map_err(|e| ApiError::internal(format!("diagnosis task failed: {e}")))
        }
    };
    let (fed, done) = tokio::join!(feed, work);
    fed?;
    let record = match done? {
        Ok(r) => r,
        Err(job::JobError::TooLarge(limit)) => {
            st.metrics.reject("too-large");
            return Err(ApiError::too_large(limit));
        }
        Err(job::JobError::Aborted) => {
            return Err(ApiError::bad_request(
                "bad-body",
                "the request body ended with an error",
            ));
        }
        Err(job::JobError::Empty) => {
            return Err(ApiError::bad_request(
                "empty",
                "the body is empty: send the build log",
            ));
        }
        Err(job::JobError::Read(e)) => {
            return Err(ApiError::bad_request(
                "bad-body",
                format!("the log could not be read: {e}"),
            ));
        }
    };
    let body = record.diagnosis.clone();
    let labels = KindLabels {
        kind: record.kind.clone().unwrap_or_else(|| "none".into()),
        status: record.status.clone(),
    };
    let location = format!("/api/v1/diagnoses/{}", record.id);
    st.writer.write(record).await.map_err(|e| {
        ApiError::unavailable(
            "store-unavailable",
            buildmedic_redact::redact(&e).into_owned(),
            1,
        )
    })?;
    st.metrics.diagnoses.get_or_create(&labels).inc();
    let mut resp = json_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(ApiError::not_found("no diagnosis with this id"));
    }
    Ok(())
}

async fn get_diagnosis(State(st): St, Path(id): Path<String>) -> Result<Response, ApiError> {
    check_id(&id)?;
    match st.store.get(&id).await? {
        Some(json) => Ok(json_response(StatusCode::OK, json)),
        None => Err(ApiError::not_found("no diagnosis with this id")),
    }
}

async fn get_log(State(st): St, Path(id): Path<String>) -> Result<Response, ApiError> {
    check_id(&id)?;
    let Some(log) = st.store.get_log(&id).await? else {
        return Err(ApiError::not_found("no diagnosis with this id"));
    };
    let Some(gz) = log.gz else {
        return Err(ApiError::not_found(
            "the log of this diagnosis was not stored",
        ));
    };
    let text = job::gunzip(&gz).map_err(|e| ApiError::internal(format!("stored log: {e}")))?;
    let mut resp = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert("x-log-first-line", HeaderValue::from(log.first_line));
    h.insert("x-log-bytes", HeaderValue::from(log.bytes));
    h.insert(
        "x-log-truncated",
        HeaderValue::from_static(if log.truncated { "true" } else { "false" }),
    );
    Ok(resp)
}

/// `since`/`until`: RFC 3339 timestamps or `YYYY-MM-DD` (UTC midnight).
fn parse_time(name: &str, value: &str) -> Result<i64, ApiError> {
    if let Ok(t) = value.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    if let Ok(d) = value.parse::<jiff::civil::Date>()
        && let Ok(t) = d
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(t.timestamp().as_millisecond());
    }
    Err(ApiError::bad_request(
        "bad-time",
        format!("`{name}` must be an RFC 3339 timestamp or a YYYY-MM-DD date"),
    ))
}

fn parse_kind_param(q: &HashMap<String, String>) -> Result<Option<String>, ApiError> {
    match q.get("kind") {
        None => Ok(None),
        Some(k)
            if !k.is_empty()
                && k.len() <= 100
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(k.clone()))
        }
        Some(_) => Err(ApiError::bad_request(
            "bad-kind",
            "`kind` must be a kind id",
        )),
    }
}

async fn list_diagnoses(State(st): St, Query(q): Q) -> Result<Response, ApiError> {
    let limit = match q.get("limit") {
        None => 50,
        Some(l) => match l.parse::<u32>() {
            Ok(n @ 1..=500) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "bad-limit",
                    "`limit` must be 1 to 500",
                ));
            }
        },
    };
    let status = match q.get("status").map(String::as_str) {
        None => None,
        Some(s @ ("failed" | "succeeded")) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad-status",
                "`status` is failed or succeeded",
            ));
        }
    };
    let cursor = match q.get("cursor") {
        None => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| {
            ApiError::bad_request(
                "bad-cursor",
                "`cursor` is not a cursor this server returned",
            )
        })?),
    };
    let filter = Filter {
        kind: parse_kind_param(&q)?,
        status,
        since: q.get("since").map(|v| parse_time("since", v)).transpose()?,
        until: q.get("until").map(|v| parse_time("until", v)).transpose()?,
        cursor,
        limit,
    };
    let mut items = st.store.list(&filter).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|s| format!("{}.{}", s.received_ms, s.id))
    } else {
        None
    };
    let body = serde_json::json!({"items": items, "next_cursor": next_cursor});
    Ok(json_response(StatusCode::OK, body.to_string()))
}

fn parse_cursor(c: &str) -> Option<(i64, String)> {
    let (ms, id) = c.split_once('.')?;
    let ms = ms.parse::<i64>().ok()?;
    uuid::Uuid::try_parse(id).ok()?;
    Some((ms, id.to_string()))
}

async fn stats(State(st): St, Query(q): Q) -> Result<Response, ApiError> {
    let now = now_ms();
    let until = q
        .get("until")
        .map(|v| parse_time("until", v))
        .transpose()?
        .unwrap_or(now + 1);
    let since = q
        .get("since")
        .map(|v| parse_time("since", v))
        .transpose()?
        .unwrap_or(until - 30 * DAY_MS);
    let (bucket, offset, width) = match q.get("bucket").map(String::as_str) {
        None | Some("day") => ("day", 0, DAY_MS),
        // Weeks start on Monday; the epoch was a Thursday.
        Some("week") => ("week", 3 * DAY_MS, 7 * DAY_MS),
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad-bucket",
                "`bucket` is day or week",
            ));
        }
    };
    if since >= until {
        return Err(ApiError::bad_request(
            "bad-time",
            "`since` must be before `until`",
        ));
    }
    let first = (since + offset).div_euclid(width);
    let last = (until - 1 + offset).div_euclid(width);
    if last - first >= 1000 {
        return Err(ApiError::bad_request(
            "bad-time",
            "at most 1000 buckets per query",
        ));
    }
    let rows = st
        .store
        .stats(StatsQuery {
            since,
            until,
            offset,
            width,
        })
        .await?;
    let mut series: Vec<serde_json::Value> = Vec::new();
    for b in first..=last {
        let mut counts = serde_json::Map::new();
        let mut total = 0;
        for (_, kind, n) in rows.buckets.iter().filter(|(i, _, _)| *i == b) {
            counts.insert(kind.clone(), (*n).into());
            total += n;
        }
        series.push(serde_json::json!({
            "start": format_ms(b * width - offset),
            "failed": total,
            "counts": counts,
        }));
    }
    let count = |s: &str| {
        rows.status
            .iter()
            .find(|(k, _)| k == s)
            .map_or(0, |(_, n)| *n)
    };
    let kb = st.engine.knowledge_base();
    let top_kinds: Vec<_> = rows
        .kinds
        .iter()
        .map(|(k, n)| serde_json::json!({"kind": k, "title": kb.get(k).map(|e| e.title.as_str()), "count": n}))
        .collect();
    // The five most frequent values of each entity name.
    let mut per_name: HashMap<&str, usize> = HashMap::new();
    let top_entities: Vec<_> = rows
        .entities
        .iter()
        .filter(|(name, _, _)| {
            let seen = per_name.entry(name.as_str()).or_default();
            *seen += 1;
            *seen <= 5
        })
        .take(40)
        .map(|(name, value, n)| serde_json::json!({"name": name, "value": value, "count": n}))
        .collect();
    let body = serde_json::json!({
        "since": format_ms(since),
        "until": format_ms(until),
        "bucket": bucket,
        "total": count("failed") + count("succeeded"),
        "failed": count("failed"),
        "succeeded": count("succeeded"),
        "series": series,
        "top_kinds": top_kinds,
        "top_entities": top_entities,
    });
    Ok(json_response(StatusCode::OK, body.to_string()))
}

async fn lint(
    State(st): St,
    Query(q): Q,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart =
        multipart.map_err(|e| ApiError::new(e.status(), "bad-multipart", e.body_text()))?;
    let today = q.get("today").cloned();
    let mut files = Vec::new();
    let mut total = 0u64;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e)),
        };
        let Some(name) = field.file_name().map(str::to_string) else {
            continue;
        };
        if files.len() >= 64 {
            return Err(ApiError::bad_request(
                "too-many-files",
                "at most 64 files per request",
            ));
        }
        crate::lint::check_name(&name)
            .map_err(|e| ApiError::bad_request("bad-file-name", e.to_string()))?;
        let bytes = field.bytes().await.map_err(multipart_error)?;
        total += bytes.len() as u64;
        if total > st.config.max_body {
            return Err(ApiError::too_large(st.config.max_body));
        }
        files.push(crate::lint::Upload {
            name,
            bytes: bytes.to_vec(),
        });
    }
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "no-files",
            "send the files as multipart/form-data parts with a filename",
        ));
    }
    let Ok(admitted) = Arc::clone(&st.admission).try_acquire_owned() else {
        st.metrics.reject("queue-full");
        return Err(ApiError::unavailable(
            "busy",
            "every worker is busy; retry later",
            1,
        ));
    };
    let running = Arc::clone(&st.running)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("worker pool closed"))?;
    let result = tokio::task::spawn_blocking(move || {
        let _p = (admitted, running);
        crate::lint::lint(&files, today.as_deref())
    })
    .await
    .map_err(|e| ApiError::internal(format!("lint task failed: {e}")))?;
    match result {
        Ok(json) => Ok(json_response(StatusCode::OK, json)),
        Err(e @ crate::lint::LintError::Io(_)) => Err(ApiError::internal(e.to_string())),
        Err(e) => Err(ApiError::bad_request("bad-upload", e.to_string())),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(status, "too-large", e.body_text());
    }
    ApiError::new(status, "bad-multipart", e.body_text())
}

async fn kinds(State(st): St) -> Response {
    json_response(StatusCode::OK, st.kinds_json.clone())
}

async fn kind(State(st): St, Path(kind): Path<String>) -> Result<Response, ApiError> {
    match st.kind_json.get(&kind) {
        Some(json) => Ok(json_response(StatusCode::OK, json.clone())),
        None => Err(ApiError::not_found(format!(
            "no kind {:?}",
            kind.chars().take(100).collect::<String>()
        ))),
    }
}

async fn openapi() -> Response {
    json_response(StatusCode::OK, crate::OPENAPI.to_string())
}

async fn healthz(State(st): St) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "store": st.store.backend(),
        "in_flight": st.metrics.in_flight.get(),
        "uptime_seconds": st.started.elapsed().as_secs(),
    });
    json_response(StatusCode::OK, body.to_string())
}

async fn metrics(State(st): St) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.encode(),
    )
        .into_response()
}
