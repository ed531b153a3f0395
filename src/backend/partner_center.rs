//! The Partner Center Referrals API client (`../shared/spec/partner-center.md`), the same code
//! for the real service and the sandbox.
//!
//! Every call: an access token from [`TokenSource`] (signed in again once after a 401); a
//! permit from the client-side [`Limiter`] (the service's 100 calls per 60 s, with a window 2%
//! longer than the service's so normal use never meets a 429); a fresh `client-request-id` per
//! attempt and one `MS-CorrelationId` per call.
//!
//! Errors are read by their HTTP status: a 412 is a conflict whether its code is
//! `preconditionFailed` or `resourceModified` (both documented, learn.microsoft.com,
//! partner-center/developer/error-codes), and a 429, for which no code is documented, is
//! throttling whatever its body says.
//!
//! Retries (jittered exponential backoff, [`RetryPolicy`]):
//! - 429: always, after the `Retry-After` the server gave (it pauses the whole limiter, so
//!   other calls wait too); without one, the backoff.
//! - 503: always, after its `Retry-After` when given (the service refused the work).
//! - 500, 502, 504 and lost connections: only for calls that are safe to repeat: GET, PUT, and
//!   PATCH without appends (`…/-`). A create (POST) or an appending PATCH whose answer was lost
//!   is never repeated blindly: it may have been applied, and a repeat could create a duplicate.
//!   It fails with [`PcError::Uncertain`] so the caller can refresh and decide.
//! - A connection that could not be opened is retried for every call (nothing was sent).
//!
//! Lists follow `@odata.nextLink` by its query (`$skiptoken=…`), sent to the configured base's
//! `/referrals`: the documented link is `http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=…`
//! (learn.microsoft.com, partner-center/developer/get-a-list-of-referrals: another scheme than
//! the API's https and no `/engagements`), so its scheme, host and path are not used, and the
//! token only ever goes to the configured base. A referral in a page that does not read as a referral is
//! skipped and reported in [`Listing::skipped`] with its id and the reason; the rest of the page
//! is kept.
//!
//! Logging (`tracing`, target `refdeck::backend::partner_center`): method, path, status,
//! attempt and timing only; never tokens, secrets or bodies.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use url::Url;

use super::auth::{PcAuth, PromptFn, TokenSource};
use super::limiter::Limiter;
pub use super::pc_error::{PcError, describe};
use super::retry::{RetryPolicy, retry_after};
use crate::domain::Referral;
use crate::domain::patch::PatchOp;

/// The real service's base URL.
pub const MICROSOFT_BASE_URL: &str = "https://api.partner.microsoft.com/v1.0/engagements";

/// The most referrals a list page holds: "If there are more than 100 items in a collection, use
/// `@odata.nextLink` to get the next page" (learn.microsoft.com, partner-center/developer/
/// get-a-list-of-referrals, 2019 revisions). A list of N takes ceil(N/100) calls.
pub const PAGE_SIZE: usize = 100;

/// How to reach Partner Center.
#[derive(Clone)]
pub struct PcConfig {
    /// `…/v1.0/engagements` (no trailing slash needed).
    pub base_url: String,
    pub auth: PcAuth,
    /// Calls per window the client allows itself (the service's 100 per 60 s).
    pub rate_limit: (usize, Duration),
    pub user_agent: String,
    pub retry: RetryPolicy,
    /// Time limit for one HTTP attempt.
    pub timeout: Duration,
    /// Where the device-code prompt goes (needed for [`PcAuth::DeviceCode`]).
    pub prompt: Option<PromptFn>,
}

impl fmt::Debug for PcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcConfig")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("rate_limit", &self.rate_limit)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("prompt", &self.prompt.is_some())
            .finish()
    }
}

impl PcConfig {
    /// Defaults around `base_url` and `auth`.
    pub fn new(base_url: impl Into<String>, auth: PcAuth) -> Self {
        PcConfig {
            base_url: base_url.into(),
            auth,
            rate_limit: (100, Duration::from_secs(60)),
            user_agent: format!("refdeck/{}", env!("CARGO_PKG_VERSION")),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            prompt: None,
        }
    }

    /// A sandbox at `origin` (`http://127.0.0.1:PORT`), signed in with client credentials.
    pub fn sandbox(origin: &str) -> Self {
        let origin = origin.trim_end_matches('/');
        Self::new(
            format!("{origin}/v1.0/engagements"),
            PcAuth::ClientCredentials {
                token_url: format!("{origin}/sandbox/oauth2/v2.0/token"),
                client_id: "refdeck".into(),
                client_secret: "sandbox".into(),
                scope: "https://api.partner.microsoft.com/.default".into(),
            },
        )
    }

    /// The real service for `tenant` with a public-client app registration, the refresh token
    /// kept in `cache_path`.
    pub fn microsoft(tenant: &str, client_id: &str, cache_path: std::path::PathBuf) -> Self {
        Self::new(
            MICROSOFT_BASE_URL,
            PcAuth::DeviceCode {
                authority: format!("https://login.microsoftonline.com/{tenant}"),
                client_id: client_id.into(),
                scope: super::auth::PARTNER_CENTER_SCOPE.into(),
                cache_path,
            },
        )
    }
}

/// What a list query asks for. Callers send only what the docs list
/// (learn.microsoft.com, partner-center/developer/get-a-list-of-referrals): `$filter` on
/// engagementId, status, substatus, updatedDateTime or email with `eq` and `and`; `$orderby`
/// on `createdDateTime`; and filter or sort anything else locally.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: Option<String>,
    /// `createdDateTime desc` or `createdDateTime asc`.
    pub orderby: Option<String>,
    /// The total number of referrals to retrieve across pages (default all; the connector's
    /// definition: "Total number of entries to retrieve"); pages hold at most 100 each.
    pub top: Option<u32>,
    pub select: Option<Vec<String>>,
    pub count: bool,
}

/// A referral of a page that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub id: Option<String>,
    pub error: String,
}

/// The result of a list: every readable referral, the unreadable ones, and the total the
/// service counted (with `count: true`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub referrals: Vec<Referral>,
    pub skipped: Vec<Skipped>,
    pub count: Option<u64>,
    /// HTTP pages fetched.
    pub pages: usize,
}

/// The Partner Center client; cheap to clone (clones share tokens and the rate budget).
#[derive(Debug, Clone)]
pub struct PartnerCenterClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    tokens: TokenSource,
    limiter: Limiter,
    retry: RetryPolicy,
    /// Attempts that failed and were retried, and why the last one failed (for the UI).
    retried: std::sync::atomic::AtomicU64,
    last_trouble: std::sync::Mutex<Option<String>>,
    /// A call was retried and none has succeeded since.
    struggling: std::sync::atomic::AtomicBool,
}

/// Whether a request may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Safe,
    Unsafe,
}

struct Call<'a> {
    method: Method,
    url: Url,
    body: Option<(&'static str, Vec<u8>)>,
    if_match: Option<&'a str>,
    prefer_representation: bool,
    repeat: Repeat,
}

struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl PartnerCenterClient {
    pub fn new(cfg: PcConfig) -> Result<Self, PcError> {
        let mut base = Url::parse(cfg.base_url.trim_end_matches('/')).map_err(|e| {
            PcError::Config(format!(
                "the Partner Center URL `{}` is not a URL: {e}",
                cfg.base_url
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(PcError::Config(format!(
                "the Partner Center URL `{}` must start with https:// (or http:// for the sandbox)",
                cfg.base_url
            )));
        }
        base.set_query(None);
        let http = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| PcError::Config(format!("cannot set up HTTP: {e}")))?;
        // 2% longer than the service's window: a call's arrival, not its start, is what the
        // service counts, so an earlier call that travelled slower must not still be in its window.
        let (max, window) = cfg.rate_limit;
        let window = window + window / 50;
        Ok(PartnerCenterClient {
            inner: Arc::new(Inner {
                tokens: TokenSource::new(http.clone(), cfg.auth, cfg.prompt),
                http,
                base,
                limiter: Limiter::new(max, window),
                retry: cfg.retry,
                retried: std::sync::atomic::AtomicU64::new(0),
                last_trouble: std::sync::Mutex::new(None),
                struggling: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// The least time before `calls` more calls can all have started at the client's rate
    /// limit (see [`Limiter::time_for`]).
    pub fn time_for_calls(&self, calls: usize) -> Duration {
        self.inner.limiter.time_for(calls)
    }

    /// Calls left in the current rate window, and the window's size.
    pub fn budget(&self) -> (usize, usize) {
        let l = &self.inner.limiter;
        (l.remaining(), l.max_calls())
    }

    /// Every referral matching `q`, following `@odata.nextLink` to the end. `on_page` hears
    /// (referrals so far, the service's count when asked for) after each page.
    pub async fn list(
        &self,
        q: &ListQuery,
        mut on_page: impl FnMut(usize, Option<u64>),
    ) -> Result<Listing, PcError> {
        self.list_pages(q, |_, so_far, count| on_page(so_far, count))
            .await
    }

    /// [`Self::list`], where `on_page` also gets the readable referrals of each page as it
    /// arrives (so they can be stored and shown before the last page is in).
    pub async fn list_pages(
        &self,
        q: &ListQuery,
        mut on_page: impl FnMut(&[Referral], usize, Option<u64>),
    ) -> Result<Listing, PcError> {
        let mut url = self.url(&["referrals"]);
        let query = encode_query(q);
        if !query.is_empty() {
            url.set_query(Some(&query));
        }
        let mut out = Listing::default();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            let answer = self.send(self.get_call(url)).await?;
            let page: Value = decode(&answer.body)?;
            out.pages += 1;
            if let Some(n) = page.get("@odata.count").and_then(Value::as_u64) {
                out.count = Some(n);
            }
            let Some(items) = page.get("value").and_then(Value::as_array) else {
                return Err(PcError::Decode(
                    "a list page has no `value` array".to_string(),
                ));
            };
            let before = out.referrals.len();
            for item in items {
                match Referral::from_value(item.clone()) {
                    Ok(r) => out.referrals.push(r),
                    Err(error) => {
                        let id = item.get("id").and_then(Value::as_str).map(str::to_string);
                        tracing::warn!(id = id.as_deref().unwrap_or("?"), %error, "skipped an unreadable referral");
                        out.skipped.push(Skipped { id, error });
                    }
                }
            }
            on_page(&out.referrals[before..], out.referrals.len(), out.count);
            if let Some(link) = page.get("@odata.nextLink").and_then(Value::as_str) {
                next = Some(self.follow(link)?);
            }
        }
        Ok(out)
    }

    /// One referral.
    pub async fn get(&self, id: &str) -> Result<Referral, PcError> {
        let answer = self
            .send(self.get_call(self.url(&["referrals", id])))
            .await?;
        referral(&answer.body)
    }

    /// The referrals of one engagement (a shared deal and its Microsoft-linked twin).
    pub async fn related(&self, engagement_id: &str) -> Result<Vec<Referral>, PcError> {
        let q = ListQuery {
            filter: Some(format!(
                "engagementId eq '{}'",
                engagement_id.replace('\'', "''")
            )),
            ..Default::default()
        };
        Ok(self.list(&q, |_, _| {}).await?.referrals)
    }

    /// Creates a referral; returns it as the service stored it. Never repeated after a lost
    /// answer (see the module notes).
    pub async fn create(&self, r: &Referral) -> Result<Referral, PcError> {
        let mut body = r.to_value();
        if let Value::Object(map) = &mut body {
            map.remove("links");
        }
        let call = Call {
            method: Method::POST,
            url: self.url(&["referrals"]),
            body: Some(("application/json", to_bytes(&body))),
            if_match: None,
            prefer_representation: false,
            repeat: Repeat::Unsafe,
        };
        let answer = self.send(call).await?;
        referral(&answer.body)
    }

    /// Applies a JSON Patch; with `if_match` the service refuses if the referral changed
    /// ([`PcError::PreconditionFailed`] then carries the current version). Returns the updated
    /// referral (read back when the service answers 204).
    pub async fn patch(
        &self,
        id: &str,
        ops: &[PatchOp],
        if_match: Option<&str>,
    ) -> Result<Referral, PcError> {
        let appends = ops.iter().any(|o| o.path.ends_with("/-"));
        let call = Call {
            method: Method::PATCH,
            url: self.url(&["referrals", id]),
            body: Some(("application/json", to_bytes(&serde_json::json!(ops)))),
            if_match,
            prefer_representation: true,
            repeat: if appends {
                Repeat::Unsafe
            } else {
                Repeat::Safe
            },
        };
        match self.send(call).await {
            Ok(a) if a.status == StatusCode::NO_CONTENT || a.body.is_empty() => self.get(id).await,
            Ok(a) => referral(&a.body),
            Err(PcError::PreconditionFailed { .. }) => Err(self.precondition_failed(id).await),
            Err(e) => Err(e),
        }
    }

    /// Replaces a referral (the deprecated PUT); needs its `eTag`.
    pub async fn put(&self, r: &Referral) -> Result<Referral, PcError> {
        let Some(etag) = r.etag.as_deref() else {
            return Err(PcError::Config(
                "a full update needs the referral's eTag; read the referral first".into(),
            ));
        };
        let mut body = r.to_value();
        if let Value::Object(map) = &mut body {
            map.remove("links");
        }
        let call = Call {
            method: Method::PUT,
            url: self.url(&["referrals", r.id()]),
            body: Some(("application/json", to_bytes(&body))),
            if_match: Some(etag),
            prefer_representation: false,
            repeat: Repeat::Safe,
        };
        match self.send(call).await {
            Ok(a) => referral(&a.body),
            Err(PcError::PreconditionFailed { .. }) => Err(self.precondition_failed(r.id()).await),
            Err(e) => Err(e),
        }
    }

    async fn precondition_failed(&self, id: &str) -> PcError {
        PcError::PreconditionFailed {
            current: self.get(id).await.ok().map(Box::new),
        }
    }

    fn get_call(&self, url: Url) -> Call<'static> {
        Call {
            method: Method::GET,
            url,
            body: None,
            if_match: None,
            prefer_representation: false,
            repeat: Repeat::Safe,
        }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The next page of a nextLink: its query (the `$skiptoken`, as given) on the configured
    /// base's `/referrals`, whatever scheme, host and path the link names (see the module notes).
    fn follow(&self, link: &str) -> Result<Url, PcError> {
        let query = link
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or(q))
            .filter(|q| !q.is_empty())
            .ok_or_else(|| {
                PcError::Decode(format!(
                    "the nextLink `{link}` has no query (no $skiptoken) to ask for the next page with"
                ))
            })?;
        let mut url = self.url(&["referrals"]);
        url.set_query(Some(query));
        Ok(url)
    }

    /// How many attempts failed and were retried so far, and why the last one failed. Retries
    /// are invisible in results; this lets the UI say that the service is struggling.
    pub fn trouble(&self) -> (u64, Option<String>) {
        let inner = &*self.inner;
        let why = inner
            .last_trouble
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (
            inner.retried.load(std::sync::atomic::Ordering::Relaxed),
            why,
        )
    }

    /// True while a retried call has not been followed by a successful one (the UI's retry
    /// warning goes once this is false).
    pub fn struggling(&self) -> bool {
        self.inner
            .struggling
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn note_retry(&self, why: String) {
        let inner = &*self.inner;
        inner
            .struggling
            .store(true, std::sync::atomic::Ordering::Relaxed);
        inner
            .retried
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *inner.last_trouble.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    /// Sends with tokens, the limiter and the retry rules of the module notes.
    async fn send(&self, call: Call<'_>) -> Result<Answer, PcError> {
        let inner = &*self.inner;
        let correlation = uuid::Uuid::new_v4().to_string();
        let mut reauthenticated = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let last = attempt >= inner.retry.max_attempts.max(1);
            let token = match inner.tokens.token().await {
                Ok(t) => t,
                Err(e) if e.is_transient() && !last => {
                    tokio::time::sleep(inner.retry.backoff(attempt)).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let _permit = inner.limiter.acquire().await;
            let started = tokio::time::Instant::now();
            let sent = self.attempt(&call, &token, &correlation).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let (status, headers, body) = match sent {
                Ok(parts) => parts,
                Err(failure) => {
                    tracing::debug!(method = %call.method, path = call.url.path(), attempt, elapsed_ms, error = %failure.message, "request failed");
                    let repeatable = call.repeat == Repeat::Safe || !failure.reached_server;
                    if repeatable && !last {
                        self.note_retry(format!("no answer ({})", failure.message));
                        tokio::time::sleep(inner.retry.backoff(attempt)).await;
                        continue;
                    }
                    return Err(if failure.reached_server && call.repeat == Repeat::Unsafe {
                        PcError::Uncertain(failure.message)
                    } else {
                        PcError::Network(failure.message)
                    });
                }
            };
            tracing::debug!(method = %call.method, path = call.url.path(), status = status.as_u16(), attempt, elapsed_ms, "answer");
            if status.is_success() {
                // The service answers again: the trouble is over.
                inner
                    .struggling
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                return Ok(Answer { status, body });
            }
            let wait = retry_after(&headers);
            match status.as_u16() {
                401 if !reauthenticated => {
                    inner.tokens.invalidate(&token).await;
                    reauthenticated = true;
                    attempt -= 1;
                    continue;
                }
                429 | 503 if !last => {
                    self.note_retry(if status.as_u16() == 429 {
                        "throttled (429)".into()
                    } else {
                        "unavailable (503)".into()
                    });
                    if let Some(w) = wait {
                        inner.limiter.pause_for(inner.retry.honour(w));
                    } else {
                        tokio::time::sleep(inner.retry.backoff(attempt)).await;
                    }
                    continue;
                }
                500 | 502 | 504 if call.repeat == Repeat::Safe && !last => {
                    self.note_retry(format!("server error ({})", status.as_u16()));
                    tokio::time::sleep(inner.retry.backoff(attempt)).await;
                    continue;
                }
                _ => return Err(error_from(status, wait, &body)),
            }
        }
    }

    /// One HTTP exchange; the body is read in full.
    async fn attempt(
        &self,
        call: &Call<'_>,
        token: &str,
        correlation: &str,
    ) -> Result<(StatusCode, header::HeaderMap, Vec<u8>), Failure> {
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(token)
            .header(header::ACCEPT, "application/json")
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .header("MS-CorrelationId", correlation);
        if let Some(tag) = call.if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        if call.prefer_representation {
            req = req.header("Prefer", "return=representation");
        }
        if let Some((content_type, body)) = &call.body {
            req = req
                .header(header::CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        let resp = req.send().await.map_err(|e| Failure {
            reached_server: !e.is_connect(),
            message: describe(&e),
        })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(|e| Failure {
            reached_server: true,
            message: format!("the answer broke off: {}", describe(&e)),
        })?;
        Ok((status, headers, body.to_vec()))
    }
}

/// A failed exchange: whether the request may have reached the service, and why.
struct Failure {
    reached_server: bool,
    message: String,
}

/// The typed error for a refused request.
fn error_from(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> PcError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let field = |k: &str| err.and_then(|e| e.get(k)).and_then(Value::as_str);
    let code = field("code").unwrap_or("").to_string();
    let message = match field("message") {
        Some(m) => m.to_string(),
        None => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                format!("the service answered {status}")
            } else {
                format!(
                    "the service answered {status}: {}",
                    text.chars().take(200).collect::<String>()
                )
            }
        }
    };
    let target = field("target").map(str::to_string);
    match status.as_u16() {
        401 => PcError::Unauthenticated(message),
        403 => PcError::AccessDenied(message),
        404 => PcError::NotFound(message),
        412 => PcError::PreconditionFailed { current: None },
        429 => PcError::Throttled { retry_after },
        s if s >= 500 => PcError::Server {
            status: s,
            code,
            message,
        },
        s => PcError::Invalid {
            status: s,
            code,
            message,
            target,
        },
    }
}

fn decode(body: &[u8]) -> Result<Value, PcError> {
    serde_json::from_slice(body)
        .map_err(|e| PcError::Decode(format!("the answer is not JSON: {e}")))
}

fn referral(body: &[u8]) -> Result<Referral, PcError> {
    Referral::from_value(decode(body)?).map_err(PcError::Decode)
}

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// `$filter=…&$orderby=…` with spaces as `%20` (some servers read `+` literally).
fn encode_query(q: &ListQuery) -> String {
    let mut parts = Vec::new();
    let mut push = |k: &str, v: &str| {
        let enc: String = url::form_urlencoded::byte_serialize(v.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        parts.push(format!("{k}={enc}"));
    };
    if let Some(f) = &q.filter {
        push("$filter", f);
    }
    if let Some(o) = &q.orderby {
        push("$orderby", o);
    }
    if let Some(s) = &q.select {
        push("$select", &s.join(","));
    }
    if let Some(t) = q.top {
        push("$top", &t.to_string());
    }
    if q.count {
        push("$count", "true");
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding_keeps_odata_readable() {
        let q = ListQuery {
            filter: Some("status eq 'New' and name eq 'A+B & C'".into()),
            orderby: Some("updatedDateTime desc".into()),
            top: Some(50),
            select: Some(vec!["id".into(), "name".into()]),
            count: true,
        };
        let s = encode_query(&q);
        assert_eq!(
            s,
            "$filter=status%20eq%20%27New%27%20and%20name%20eq%20%27A%2BB%20%26%20C%27&$orderby=updatedDateTime%20desc&$select=id%2Cname&$top=50&$count=true"
        );
        let back: Vec<(String, String)> = url::form_urlencoded::parse(s.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(back[0].1, "status eq 'New' and name eq 'A+B & C'");
        assert_eq!(encode_query(&ListQuery::default()), "");
    }

    #[test]
    fn errors_carry_the_service_code_message_and_target() {
        let body = br#"{"error":{"code":"invalidRequest","message":"details.currency: bad","target":"details.currency"}}"#;
        match error_from(StatusCode::BAD_REQUEST, None, body) {
            PcError::Invalid {
                code,
                message,
                target,
                status,
            } => {
                assert_eq!((status, code.as_str()), (400, "invalidRequest"));
                assert_eq!(message, "details.currency: bad");
                assert_eq!(target.as_deref(), Some("details.currency"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error_from(StatusCode::NOT_FOUND, None, b"{}"),
            PcError::NotFound(_)
        ));
        match error_from(StatusCode::BAD_GATEWAY, None, b"<html>bad gateway</html>") {
            PcError::Server {
                status, message, ..
            } => {
                assert_eq!(status, 502);
                assert!(message.contains("bad gateway"));
            }
            other => panic!("{other:?}"),
        }
        assert!(error_from(StatusCode::SERVICE_UNAVAILABLE, None, b"").is_transient());
        assert!(!error_from(StatusCode::BAD_REQUEST, None, b"").is_transient());
    }

    #[test]
    fn config_is_checked_and_debug_hides_secrets() {
        let mut cfg = PcConfig::sandbox("http://127.0.0.1:1");
        if let PcAuth::ClientCredentials { client_secret, .. } = &mut cfg.auth {
            *client_secret = "hunter2-secret".into();
        }
        assert!(!format!("{cfg:?}").contains("hunter2"), "{cfg:?}");
        assert!(PartnerCenterClient::new(cfg).is_ok());
        let mut bad = PcConfig::sandbox("http://127.0.0.1:1");
        bad.base_url = "not a url".into();
        assert!(matches!(
            PartnerCenterClient::new(bad),
            Err(PcError::Config(_))
        ));
        let mut ftp = PcConfig::sandbox("http://127.0.0.1:1");
        ftp.base_url = "ftp://x/v1.0/engagements".into();
        assert!(matches!(
            PartnerCenterClient::new(ftp),
            Err(PcError::Config(_))
        ));
    }

    #[test]
    fn next_links_are_followed_on_the_configured_base() {
        let c = PartnerCenterClient::new(PcConfig::sandbox("http://127.0.0.1:9")).unwrap();
        for link in [
            "http://127.0.0.1:9/v1.0/engagements/referrals?$skiptoken=a%2fb",
            "http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=a%2fb",
            "https://evil.example/elsewhere?$skiptoken=a%2fb#x",
            "/v1.0/referrals?$skiptoken=a%2fb",
        ] {
            assert_eq!(
                c.follow(link).unwrap().as_str(),
                "http://127.0.0.1:9/v1.0/engagements/referrals?$skiptoken=a%2fb",
                "{link}"
            );
        }
        assert!(c.follow("http://evil.example/v1.0/referrals").is_err());
        assert_eq!(
            c.url(&["referrals", "a b"]).as_str(),
            "http://127.0.0.1:9/v1.0/engagements/referrals/a%20b"
        );
    }
}
