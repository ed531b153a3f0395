//! The Partner Center Referrals API over HTTP, at `/v1.0/engagements/referrals`
//! (`../shared/spec/partner-center.md`). Handlers only translate HTTP to [`Referrals`] calls.
//!
//! - Every route needs `Authorization: Bearer <token>` from the sandbox's token endpoint
//!   (401 `unauthenticated` otherwise), then passes the per-token throttle
//!   (`rate_limit_calls` per `rate_limit_window`, 429 (`generalException`; no code is documented) with `Retry-After`).
//! - Writes need `Content-Type: application/json` (PATCH also takes
//!   `application/json-patch+json`); anything else is 415.
//! - DELETE and other methods are 405 with an `Allow` header; unknown paths are 404
//!   `itemNotFound` (see `server.rs`). Trailing slashes are tolerated.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use serde_json::Value;
use tokio::time::Instant;

use super::clock::Clock;
use super::error::{ApiError, json_body};
use super::faults::Faults;
use super::referrals::{Referrals, render};
use super::tokens::Tokens;
use crate::domain::Referral;

/// Where the API lives under the origin.
pub const API_PATH: &str = "/v1.0/engagements";

/// Everything the Partner Center emulator shares between requests.
#[derive(Debug)]
pub struct PcState {
    pub referrals: RwLock<Referrals>,
    pub tokens: Mutex<Tokens>,
    pub throttle: Mutex<Throttle>,
    pub clock: Clock,
    pub faults: Faults,
    /// How the emulated tenant is set up.
    pub switches: super::SwitchBoard,
    /// `http://addr` of the listener, used when a request has no Host header.
    pub origin: String,
    /// How the referrals were generated (for `/_sandbox/reset`).
    pub count: usize,
    pub seed: u64,
}

pub type Shared = Arc<PcState>;

impl PcState {
    pub fn read(&self) -> RwLockReadGuard<'_, Referrals> {
        self.referrals
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Referrals> {
        self.referrals
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn tokens(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Expires what is due at the sandbox's now (a read-locked peek first).
    pub fn expire_due(&self) {
        let now = self.clock.now();
        if self.read().next_expiry().is_some_and(|at| at <= now) {
            self.write().expire_due(now);
        }
    }

    /// `http://host` as the client addressed us.
    pub fn origin_of(&self, headers: &HeaderMap) -> String {
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .map(|h| format!("http://{h}"))
            .unwrap_or_else(|| self.origin.clone())
    }

    fn api_base(&self, headers: &HeaderMap) -> String {
        format!("{}{API_PATH}", self.origin_of(headers))
    }
}

/// Calls per token in a sliding window.
#[derive(Debug)]
pub struct Throttle {
    max: usize,
    window: Duration,
    calls: HashMap<String, VecDeque<Instant>>,
    admitted: u64,
    rejected: u64,
}

impl Throttle {
    pub fn new(max: usize, window: Duration) -> Throttle {
        Throttle {
            max: max.max(1),
            window,
            calls: HashMap::new(),
            admitted: 0,
            rejected: 0,
        }
    }

    /// Counts a call for `key`, or says how many whole seconds until one is allowed.
    pub fn admit(&mut self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let q = self.calls.entry(key.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() < self.max {
            q.push_back(now);
            self.admitted += 1;
            return Ok(());
        }
        self.rejected += 1;
        let oldest = q.front().copied().unwrap_or(now);
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Err(wait.as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Calls let through so far.
    pub fn admitted(&self) -> u64 {
        self.admitted
    }

    /// Calls refused with 429 so far (injected faults not included).
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    pub fn clear(&mut self) {
        self.calls.clear();
    }
}

/// The Partner Center routes with their auth/throttle layer.
pub fn router(state: Shared) -> Router {
    let collection: MethodRouter<Shared> = get(list)
        .post(create)
        .fallback(|| async { ApiError::method_not_allowed("GET, POST") });
    let item: MethodRouter<Shared> = get(get_one)
        .patch(patch_one)
        .put(put_one)
        .fallback(|| async { ApiError::method_not_allowed("GET, PATCH, PUT") });
    Router::new()
        .route(&format!("{API_PATH}/referrals"), collection.clone())
        .route(&format!("{API_PATH}/referrals/"), collection)
        .route(&format!("{API_PATH}/referrals/{{id}}"), item.clone())
        .route(&format!("{API_PATH}/referrals/{{id}}/"), item)
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        .with_state(state)
}

/// Token check, throttle, then lazy expiry.
async fn authorize(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let token = match s.tokens().check(req.headers(), s.clock.now()) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let admitted = s
        .throttle
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .admit(&token);
    if let Err(secs) = admitted {
        return ApiError::too_many_requests(secs).into_response();
    }
    s.expire_due();
    next.run(req).await
}

async fn list(
    State(s): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api_base = s.api_base(&headers);
    let next_base = if s.switches.get().docs_next_link {
        super::query::DOCS_NEXT_LINK_BASE.to_string()
    } else {
        api_base.clone()
    };
    // Finding the referrals may take long (a nested filter over a million); it runs on a
    // blocking thread under the shared lock, so other requests are served meanwhile.
    let body = tokio::task::spawn_blocking(move || {
        let plan = s.read().plan_list(q.as_deref())?;
        s.write().finish_list(plan, &api_base, &next_base)
    })
    .await
    .map_err(|_| ApiError::server(StatusCode::INTERNAL_SERVER_ERROR, None))??;
    Ok(Json(body).into_response())
}

async fn get_one(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = s.read();
    let r = store.get(&id)?;
    Ok(with_referral(StatusCode::OK, &r, &s.api_base(&headers)))
}

/// `POST /referrals`: 200 with the created referral, the one success the connector's definition
/// lists ("The request was successful. Referral created."; the create docs name no code).
async fn create(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let value = read_json(&headers, body, false)?;
    let base = s.api_base(&headers);
    let now = s.clock.now();
    let mut store = s.write();
    let r = store.create(&value, now)?;
    let mut resp = with_referral(StatusCode::OK, r, &base);
    if let Ok(loc) = HeaderValue::from_str(&format!("{base}/referrals/{}", r.id())) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

async fn patch_one(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let value = read_json(&headers, body, true)?;
    let if_match = if_match(&headers)?;
    let now = s.clock.now();
    let base = s.api_base(&headers);
    let mut store = s.write();
    let r = store.patch(&id, &value, if_match.as_deref(), now)?;
    if wants_representation(&headers) {
        let mut resp = with_referral(StatusCode::OK, r, &base);
        resp.headers_mut().insert(
            "preference-applied",
            HeaderValue::from_static("return=representation"),
        );
        Ok(resp)
    } else {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        set_etag(&mut resp, r);
        Ok(resp)
    }
}

async fn put_one(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let value = read_json(&headers, body, false)?;
    let if_match = if_match(&headers)?;
    let now = s.clock.now();
    let base = s.api_base(&headers);
    let mut store = s.write();
    let r = store.put(&id, &value, if_match.as_deref(), now)?;
    Ok(with_referral(StatusCode::OK, r, &base))
}

/// A referral answer: rendered body plus `ETag`.
fn with_referral(status: StatusCode, r: &Referral, api_base: &str) -> Response {
    let mut resp = (status, Json(render(r, api_base))).into_response();
    set_etag(&mut resp, r);
    resp
}

fn set_etag(resp: &mut Response, r: &Referral) {
    if let Some(tag) = r.etag.as_deref()
        && let Ok(v) = HeaderValue::from_str(tag)
    {
        resp.headers_mut().insert(header::ETAG, v);
    }
}

fn if_match(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get(header::IF_MATCH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_string()))
            .map_err(|_| ApiError::invalid("If-Match", "the If-Match header is not readable text")),
    }
}

fn wants_representation(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().any(|v| {
        v.to_str().is_ok_and(|s| {
            s.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("return=representation"))
        })
    })
}

/// Checks the content type and reads the body as JSON.
fn read_json(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    patch: bool,
) -> Result<Value, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ok = essence == "application/json" || (patch && essence == "application/json-patch+json");
    if !ok {
        let wanted = if patch {
            "application/json-patch+json or application/json"
        } else {
            "application/json"
        };
        let shown = if ct.is_empty() { "none" } else { ct };
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalidRequest",
            format!("Content-Type must be {wanted} (got {shown})"),
        )
        .with_target("Content-Type"));
    }
    let bytes = body.map_err(|e| {
        ApiError::new(
            e.status(),
            "invalidRequest",
            format!("the request body could not be read: {}", e.body_text()),
        )
        .with_target("body")
    })?;
    json_body(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn throttle_counts_per_token_and_says_when() {
        let mut t = Throttle::new(2, Duration::from_secs(10));
        assert!(t.admit("a").is_ok());
        assert!(t.admit("a").is_ok());
        assert_eq!(t.admit("a"), Err(10));
        assert!(t.admit("b").is_ok());
        tokio::time::advance(Duration::from_millis(7500)).await;
        assert_eq!(t.admit("a"), Err(3));
        tokio::time::advance(Duration::from_millis(2500)).await;
        assert!(t.admit("a").is_ok());
    }
}
