//! The Marketo REST client: sign-in, limits, batching, and the two operations the dashboard
//! runs — check where referrals stand in Marketo, and push what is missing.
//!
//! # Behaviour
//! - Sign-in: `GET /identity/oauth/token` with the client id and secret; the token is kept
//!   until `expires_in` minus a margin (60 s, or half the lifetime when shorter) and sent as
//!   `Authorization: Bearer`. A call answered 601/602 gets a new token and is retried once.
//!   Neither the secret nor a token is ever logged or put in an error message.
//! - Limits: a client-side [`Limiter`] (100 calls per 20 s, 10 in flight by default) keeps
//!   normal use under Marketo's limits. If Marketo still answers 606 every caller pauses for a
//!   backoff (doubling from `first_delay` up to `max_delay`); 615 makes the one caller wait.
//!   6xx answers mean Marketo did not run the call, so syncs are retried as safely as queries.
//!   Transport errors, timeouts and 5xx answers are retried for queries only (a sync that may
//!   have run is not sent twice); after `attempts` tries the last error is returned.
//! - Batching: sync inputs and `filterValues` go 300 at a time. A query whose URL would pass
//!   7 KB (Marketo refuses 8 KB with 414, and 300 long emails do pass it) is sent as
//!   `POST …?_method=GET` with a form body, as Marketo documents. Query pages are followed
//!   through `nextPageToken`. Values are de-duplicated (ignoring case) before batching; a value
//!   containing a comma cannot be expressed in `filterValues` and is reported as not found.
//! - `check` plans every referral, groups the keys of each object over all of them, queries
//!   the five objects at once in batches of 300, and assesses each referral against the joint
//!   result. N referrals with distinct sellers and customers cost `4·⌈N/300⌉` calls (sales
//!   persons, companies, opportunities, roles) plus `⌈contacts/300⌉` (leads), plus a page per
//!   further 300 roles: 650 referrals with 1,300 contacts took 18 calls
//!   (`tests/marketo_client.rs`). At 100 calls per 20 s, checking 100,000 referrals takes
//!   minutes: callers that want progress check in slices (e.g. 3,000 referrals a call) and
//!   report between them.
//! - `push_missing` writes, in Marketo's order, every record the report shows as missing,
//!   blocked or mismatched (Partner Center is the system of record for these fields, and a
//!   mismatch such as a wrong sales-person email keeps Sales Insight from working), using
//!   `createOrUpdate` so a record created meanwhile is updated rather than duplicated. It stops
//!   after the first step in which a record was skipped (the later steps depend on it), reports
//!   every record's result as it comes, and ends with a fresh check.
//! - A base URL may be given with or without the `/rest` or `/identity` suffix Marketo's admin
//!   screen shows.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::limiter::Limiter;
use crate::domain::marketo::{
    ApiError, Company, Envelope, Lead, MAX_BATCH, MSI_FIELDS, MarketoId, MarketoMapping,
    MarketoObject, Observed, Opportunity, OpportunityRole, RecordResult, RecordStatus, SalesPerson,
    Step, StepResult, SyncPlan, SyncReport, SyncRequest, assess, codes, normalize_key, plan,
};
use crate::domain::referral::Referral;

/// A query URL longer than this goes as `POST …?_method=GET`.
const MAX_QUERY_URL: usize = 7 * 1024;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per call, the first included.
    pub attempts: u32,
    /// The first backoff; it doubles per try.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, attempt: u32) -> Duration {
        let base = self
            .first_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let jitter = rand::rng().random_range(0..=base.as_millis() as u64 / 4);
        base + Duration::from_millis(jitter)
    }
}

/// Where and how to reach one Marketo instance.
#[derive(Clone)]
pub struct MarketoConfig {
    /// E.g. `https://123-ABC-456.mktorest.com`, or the sandbox's base.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub mapping: MarketoMapping,
    /// Calls per window (Marketo: 100 per 20 s).
    pub max_calls: usize,
    pub window: Duration,
    /// Calls in flight at once (Marketo: 10).
    pub max_in_flight: usize,
    pub retry: RetryPolicy,
    /// Per HTTP request.
    pub timeout: Duration,
}

impl MarketoConfig {
    /// Marketo's limits, the default mapping and retry policy, a 30 s timeout.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> MarketoConfig {
        MarketoConfig {
            base_url: base_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            mapping: MarketoMapping::default(),
            max_calls: 100,
            window: Duration::from_secs(20),
            max_in_flight: 10,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for MarketoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MarketoConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("mapping", &self.mapping)
            .field("max_calls", &self.max_calls)
            .field("window", &self.window)
            .field("max_in_flight", &self.max_in_flight)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What can go wrong talking to Marketo; every message says what was called and why it failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketoError {
    #[error("Marketo base URL \"{url}\" is not usable: {reason}")]
    BadBaseUrl { url: String, reason: String },
    #[error("Marketo mapping: {0}")]
    Mapping(String),
    #[error("Marketo sign-in failed (HTTP {status}): {message}; check client_id and client_secret")]
    Auth { status: u16, message: String },
    #[error("Marketo error {code} on {path}: {message}")]
    Api {
        code: String,
        message: String,
        path: String,
    },
    #[error("Marketo kept answering {code} ({message}) to {path}; gave up after {attempts} tries")]
    GaveUp {
        code: String,
        message: String,
        path: String,
        attempts: u32,
    },
    #[error("cannot reach Marketo for {path}: {message}")]
    Transport { path: String, message: String },
    #[error("Marketo answered HTTP {status} to {path}: {snippet}")]
    Http {
        status: u16,
        path: String,
        snippet: String,
    },
    #[error("Marketo's reply to {path} is not in the expected shape: {detail}")]
    Malformed { path: String, detail: String },
}

impl MarketoError {
    /// Marketo's error code, when the error carries one.
    pub fn code(&self) -> Option<&str> {
        match self {
            MarketoError::Api { code, .. } | MarketoError::GaveUp { code, .. } => Some(code),
            _ => None,
        }
    }
}

type Result<T, E = MarketoError> = std::result::Result<T, E>;

/// The fields each check query asks for.
const SALES_PERSON_FIELDS: &[&str] = &["externalSalesPersonId", "email", "firstName", "lastName"];
const COMPANY_FIELDS: &[&str] = &["externalCompanyId", "company", "externalSalesPersonId"];
const LEAD_FIELDS: &[&str] = &[
    "externalPersonId",
    "email",
    "firstName",
    "lastName",
    "externalCompanyId",
    "externalSalesPersonId",
];
const OPPORTUNITY_FIELDS: &[&str] = &[
    "externalOpportunityId",
    "name",
    "stage",
    "amount",
    "closeDate",
    "isClosed",
    "isWon",
    "externalCompanyId",
    "externalSalesPersonId",
];
const ROLE_FIELDS: &[&str] = &["externalOpportunityId", "leadId", "role", "isPrimary"];

/// A Marketo client; cheap to clone (clones share the token, the budget and the counters).
#[derive(Debug, Clone)]
pub struct MarketoClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// Scheme, host and port (and any path prefix), without a trailing slash.
    base: String,
    cfg: MarketoConfig,
    limiter: Limiter,
    token: tokio::sync::Mutex<Option<Token>>,
    calls: AtomicU64,
}

struct Token {
    value: String,
    refresh_at: Instant,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// One REST request, rebuilt for every try.
enum Request<'a> {
    Get { query: String },
    Json { body: &'a [u8] },
}

/// Why one try failed.
enum Failure {
    /// Worth another try (transport, timeout, 5xx); the error to give if none is left.
    Transient(MarketoError),
    Final(MarketoError),
}

fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(160).collect();
    if one_line.chars().count() > 160 {
        s.push('…');
    }
    if s.is_empty() {
        "(empty body)".into()
    } else {
        s
    }
}

/// A transport error's message with its causes, never its URL.
fn transport_message(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

fn normalize_base(raw: &str) -> Result<String> {
    let bad = |reason: &str| MarketoError::BadBaseUrl {
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let url = Url::parse(raw.trim())
        .map_err(|e| bad(&format!("{e}; e.g. https://123-ABC-456.mktorest.com")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(
            "use an http(s) URL such as https://123-ABC-456.mktorest.com",
        ));
    }
    if url.query().is_some() {
        return Err(bad("remove the query string"));
    }
    let mut base = url.as_str().trim_end_matches('/').to_string();
    for suffix in ["/rest", "/identity"] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            base = stripped.to_string();
        }
    }
    Ok(base)
}

impl MarketoClient {
    /// Checks the base URL and the mapping; nothing is sent yet.
    pub fn new(cfg: MarketoConfig) -> Result<MarketoClient> {
        let base = normalize_base(&cfg.base_url)?;
        cfg.mapping.validate().map_err(|errs| {
            MarketoError::Mapping(
                errs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .build()
            .map_err(|e| MarketoError::Transport {
                path: String::new(),
                message: transport_message(e),
            })?;
        let limiter = Limiter::new(cfg.max_calls, cfg.window).with_concurrency(cfg.max_in_flight);
        Ok(MarketoClient {
            inner: Arc::new(Inner {
                http,
                base,
                cfg,
                limiter,
                token: tokio::sync::Mutex::new(None),
                calls: AtomicU64::new(0),
            }),
        })
    }

    /// The mapping this client plans with.
    pub fn mapping(&self) -> &MarketoMapping {
        &self.inner.cfg.mapping
    }

    /// Calls left in the current window, and the window's size (for the top bar).
    pub fn budget(&self) -> (usize, usize) {
        let l = &self.inner.limiter;
        (l.remaining(), l.max_calls())
    }

    /// REST calls sent so far (sign-in excluded, retries included).
    pub fn calls_made(&self) -> u64 {
        self.inner.calls.load(Ordering::SeqCst)
    }

    // -----------------------------------------------------------------------------------------
    // Sign-in
    // -----------------------------------------------------------------------------------------

    async fn token(&self) -> Result<String> {
        self.token_replacing(None).await
    }

    /// A live token; a new one when `stale` is the cached one (Marketo refused it).
    async fn token_replacing(&self, stale: Option<&str>) -> Result<String> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref()
            && Instant::now() < t.refresh_at
            && stale != Some(t.value.as_str())
        {
            return Ok(t.value.clone());
        }
        let t = self.sign_in().await?;
        let value = t.value.clone();
        *slot = Some(t);
        Ok(value)
    }

    async fn sign_in(&self) -> Result<Token> {
        #[derive(serde::Deserialize)]
        struct Reply {
            access_token: String,
            expires_in: u64,
        }
        let path = "/identity/oauth/token";
        let mut url = Url::parse(&format!("{}{path}", self.inner.base)).map_err(|e| {
            MarketoError::BadBaseUrl {
                url: self.inner.cfg.base_url.clone(),
                reason: e.to_string(),
            }
        })?;
        url.query_pairs_mut()
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.inner.cfg.client_id)
            .append_pair("client_secret", &self.inner.cfg.client_secret);
        let resp = self
            .inner
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| MarketoError::Transport {
                path: path.into(),
                message: transport_message(e),
            })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| MarketoError::Transport {
            path: path.into(),
            message: transport_message(e),
        })?;
        if status != 200 {
            let message = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("error_description")
                        .or_else(|| v.get("error"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| snippet(&body));
            return Err(MarketoError::Auth { status, message });
        }
        let reply: Reply = serde_json::from_slice(&body).map_err(|e| MarketoError::Malformed {
            path: path.into(),
            detail: format!("{e}; got {}", snippet(&body)),
        })?;
        if reply.access_token.trim().is_empty() {
            return Err(MarketoError::Malformed {
                path: path.into(),
                detail: "the access_token is empty".into(),
            });
        }
        let life = Duration::from_secs(reply.expires_in);
        let margin = Duration::from_secs(60).min(life / 2);
        tracing::debug!(expires_in = reply.expires_in, "signed in to Marketo");
        Ok(Token {
            value: reply.access_token,
            refresh_at: Instant::now() + life - margin,
        })
    }

    // -----------------------------------------------------------------------------------------
    // One REST call, with retries
    // -----------------------------------------------------------------------------------------

    fn build(&self, path: &str, req: &Request<'_>, token: &str) -> reqwest::RequestBuilder {
        let http = &self.inner.http;
        let base = &self.inner.base;
        let b = match req {
            Request::Get { query } if base.len() + path.len() + query.len() < MAX_QUERY_URL => {
                http.get(format!("{base}{path}?{query}"))
            }
            Request::Get { query } => http
                .post(format!("{base}{path}?_method=GET"))
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(query.clone()),
            Request::Json { body } => http
                .post(format!("{base}{path}"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec()),
        };
        b.bearer_auth(token)
    }

    async fn try_once(
        &self,
        path: &str,
        req: &Request<'_>,
        token: &str,
    ) -> std::result::Result<Envelope<Value>, Failure> {
        let _permit = self.inner.limiter.acquire().await;
        self.inner.calls.fetch_add(1, Ordering::SeqCst);
        let resp = self.build(path, req, token).send().await.map_err(|e| {
            Failure::Transient(MarketoError::Transport {
                path: path.into(),
                message: transport_message(e),
            })
        })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| {
            Failure::Transient(MarketoError::Transport {
                path: path.into(),
                message: transport_message(e),
            })
        })?;
        if status != 200 {
            let err = MarketoError::Http {
                status,
                path: path.into(),
                snippet: snippet(&body),
            };
            return Err(if status >= 500 {
                Failure::Transient(err)
            } else {
                Failure::Final(err)
            });
        }
        serde_json::from_slice(&body).map_err(|e| {
            Failure::Final(MarketoError::Malformed {
                path: path.into(),
                detail: format!("{e}; got {}", snippet(&body)),
            })
        })
    }

    /// Sends `req` until it succeeds or cannot; `idempotent` allows retrying transport
    /// failures.
    async fn call(
        &self,
        path: &str,
        req: Request<'_>,
        idempotent: bool,
    ) -> Result<Envelope<Value>> {
        let policy = self.inner.cfg.retry;
        let mut token = self.token().await?;
        let mut signed_in_again = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= policy.attempts.max(1);
            let err = match self.try_once(path, &req, &token).await {
                Ok(env) if env.success => return Ok(env),
                Ok(env) => env.errors.into_iter().next().unwrap_or_else(|| {
                    ApiError::new("", "success is false but no error was given")
                }),
                Err(Failure::Transient(e)) if idempotent && !last => {
                    tracing::debug!(path, attempt, error = %e, "Marketo call failed; retrying");
                    tokio::time::sleep(policy.delay(attempt)).await;
                    continue;
                }
                Err(Failure::Transient(e) | Failure::Final(e)) => return Err(e),
            };
            match err.code.as_str() {
                codes::TOKEN_INVALID | codes::TOKEN_EXPIRED if !signed_in_again => {
                    tracing::debug!(path, code = %err.code, "Marketo refused the token; signing in again");
                    signed_in_again = true;
                    token = self.token_replacing(Some(&token)).await?;
                    attempt -= 1;
                }
                codes::RATE_LIMIT | codes::CONCURRENCY if !last => {
                    let delay = policy.delay(attempt);
                    tracing::debug!(path, code = %err.code, ?delay, "Marketo is throttling; waiting");
                    if err.code == codes::RATE_LIMIT {
                        self.inner.limiter.pause_for(delay);
                    } else {
                        tokio::time::sleep(delay).await;
                    }
                }
                codes::RATE_LIMIT | codes::CONCURRENCY => {
                    return Err(MarketoError::GaveUp {
                        code: err.code,
                        message: err.message,
                        path: path.into(),
                        attempts: attempt,
                    });
                }
                _ => {
                    return Err(MarketoError::Api {
                        code: err.code,
                        message: err.message,
                        path: path.into(),
                    });
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Batched sync and query
    // -----------------------------------------------------------------------------------------

    /// `createOrUpdate` of `records`, 300 per call, in order; one result per record with `seq`
    /// counted over all of them.
    pub async fn sync<T: Serialize>(
        &self,
        object: MarketoObject,
        records: &[T],
    ) -> Result<Vec<RecordResult>> {
        let path = object.sync_path();
        let mut out = Vec::with_capacity(records.len());
        for (n, chunk) in records.chunks(MAX_BATCH).enumerate() {
            let body = serde_json::to_vec(&SyncRequest::upsert(object, chunk)).map_err(|e| {
                MarketoError::Malformed {
                    path: path.into(),
                    detail: format!("cannot encode the records: {e}"),
                }
            })?;
            let env = self
                .call(path, Request::Json { body: &body }, false)
                .await?;
            let results: Vec<RecordResult> = parse_all(path, env.result)?;
            if results.len() != chunk.len() {
                return Err(MarketoError::Malformed {
                    path: path.into(),
                    detail: format!(
                        "{} records sent, {} results back",
                        chunk.len(),
                        results.len()
                    ),
                });
            }
            out.extend(results.into_iter().enumerate().map(|(i, mut r)| {
                r.seq = Some(n * MAX_BATCH + r.seq.unwrap_or(i));
                r
            }));
        }
        Ok(out)
    }

    /// Every `object` whose `filter_type` is one of `values`, asking for `fields`; values go
    /// 300 per call (several calls at once), pages are followed.
    pub async fn query<T: DeserializeOwned>(
        &self,
        object: MarketoObject,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<T>> {
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<&str> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| {
                let comma = v.contains(',');
                if comma {
                    tracing::warn!(%object, value = %v, "a key with a comma cannot be queried");
                }
                !v.is_empty() && !comma
            })
            .filter(|v| seen.insert(normalize_key(v)))
            .collect();
        // The batch futures are made up front (they do nothing until polled): a closure
        // inside the stream would make this future not `Send` (rustc cannot prove the
        // closure's higher-ranked bounds), and the backend runs checks in spawned tasks.
        let batches: Vec<_> = unique
            .chunks(MAX_BATCH)
            .map(|chunk| self.query_batch::<T>(object, filter_type, chunk, fields))
            .collect();
        let pages: Vec<Vec<T>> = futures::stream::iter(batches)
            .buffer_unordered(self.inner.cfg.max_in_flight.max(1))
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().collect())
    }

    async fn query_batch<T: DeserializeOwned>(
        &self,
        object: MarketoObject,
        filter_type: &str,
        values: &[&str],
        fields: &[&str],
    ) -> Result<Vec<T>> {
        let path = object.query_path();
        let joined_values = values.join(",");
        let joined_fields = fields.join(",");
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            // Built in a block: the serializer is not `Send` and must not live across the
            // await, or no caller could run a check in a spawned task.
            let query = {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                q.append_pair("filterType", filter_type)
                    .append_pair("filterValues", &joined_values)
                    .append_pair("batchSize", &MAX_BATCH.to_string());
                if !fields.is_empty() {
                    q.append_pair("fields", &joined_fields);
                }
                if let Some(t) = &next {
                    q.append_pair("nextPageToken", t);
                }
                q.finish()
            };
            let env = self.call(path, Request::Get { query }, true).await?;
            out.extend(parse_all::<T>(path, env.result)?);
            match env.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) if env.more_result != Some(false) => {
                    if next.as_deref() == Some(t.as_str()) {
                        return Err(MarketoError::Malformed {
                            path: path.into(),
                            detail: "the same nextPageToken came back twice".into(),
                        });
                    }
                    next = Some(t);
                }
                _ => return Ok(out),
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // What the dashboard calls
    // -----------------------------------------------------------------------------------------

    /// Where each referral stands in Marketo, in the order given; the five objects are queried
    /// once for all of them, 300 keys a call.
    pub async fn check(&self, referrals: &[Referral]) -> Result<Vec<SyncReport>> {
        let plans: Vec<SyncPlan> = referrals
            .iter()
            .map(|r| plan(r, &self.inner.cfg.mapping))
            .collect();
        let seen = self.observe(&plans).await?;
        Ok(plans.iter().map(|p| assess(p, &seen)).collect())
    }

    async fn observe(&self, plans: &[SyncPlan]) -> Result<Observed> {
        let keys = |f: fn(&SyncPlan) -> Vec<&str>| -> Vec<String> {
            plans.iter().flat_map(f).map(str::to_string).collect()
        };
        let sp_ids = keys(|p| p.sales_person_id().into_iter().collect());
        let co_ids = keys(|p| p.company_id().into_iter().collect());
        let person_ids = keys(|p| p.person_ids().collect());
        let opp_ids = keys(|p| p.opportunity_id().into_iter().collect());
        let lead_fields: Vec<&str> = LEAD_FIELDS
            .iter()
            .chain(MSI_FIELDS.iter())
            .copied()
            .collect();
        let (sps, cos, leads, opps, roles) = tokio::try_join!(
            self.query::<SalesPerson>(
                MarketoObject::SalesPerson,
                "externalSalesPersonId",
                &sp_ids,
                SALES_PERSON_FIELDS
            ),
            self.query::<Company>(
                MarketoObject::Company,
                "externalCompanyId",
                &co_ids,
                COMPANY_FIELDS
            ),
            self.query::<Lead>(
                MarketoObject::Lead,
                "externalPersonId",
                &person_ids,
                &lead_fields
            ),
            self.query::<Opportunity>(
                MarketoObject::Opportunity,
                "externalOpportunityId",
                &opp_ids,
                OPPORTUNITY_FIELDS
            ),
            self.query::<OpportunityRole>(
                MarketoObject::OpportunityRole,
                "externalOpportunityId",
                &opp_ids,
                ROLE_FIELDS
            ),
        )?;
        let mut seen = Observed::default();
        sps.into_iter().for_each(|r| seen.add_sales_person(r));
        cos.into_iter().for_each(|r| seen.add_company(r));
        leads.into_iter().for_each(|r| seen.add_lead(r));
        opps.into_iter().for_each(|r| seen.add_opportunity(r));
        roles.into_iter().for_each(|r| seen.add_role(r));
        Ok(seen)
    }

    /// Pushes what `report` shows missing, blocked or mismatched for `referral`, step by step
    /// in Marketo's order, calling `on_record` with each record's result; stops after a step
    /// in which a record was skipped; returns a fresh report.
    pub async fn push_missing(
        &self,
        referral: &Referral,
        report: &SyncReport,
        mut on_record: impl FnMut(StepResult),
    ) -> Result<SyncReport> {
        let p = plan(referral, &self.inner.cfg.mapping);
        let mut lead_ids: HashMap<String, i64> = report
            .step(Step::Leads)
            .records
            .iter()
            .filter_map(|r| Some((normalize_key(&r.key), r.marketo_id.as_ref()?.as_int()?)))
            .collect();
        let mut run = Push {
            client: self,
            on_record: &mut on_record,
        };
        let sp = pending(
            report,
            Step::SalesPerson,
            p.sales_person
                .iter()
                .map(|r| (r.external_sales_person_id.as_deref(), r)),
        );
        let co = pending(
            report,
            Step::Company,
            p.company
                .iter()
                .map(|r| (r.external_company_id.as_deref(), r)),
        );
        if !(run.step(Step::SalesPerson, sp).await?.all_ok
            && run.step(Step::Company, co).await?.all_ok)
        {
            return self.recheck(referral).await;
        }
        let leads = pending(
            report,
            Step::Leads,
            p.leads.iter().map(|r| (r.external_person_id.as_deref(), r)),
        );
        let done = run.step(Step::Leads, leads).await?;
        for (key, id) in done.ids {
            if let Some(id) = id.as_int() {
                lead_ids.insert(normalize_key(&key), id);
            }
        }
        let opp = pending(
            report,
            Step::Opportunity,
            p.opportunity
                .iter()
                .map(|r| (r.external_opportunity_id.as_deref(), r)),
        );
        if !(done.all_ok && run.step(Step::Opportunity, opp).await?.all_ok) {
            return self.recheck(referral).await;
        }
        // Roles name their lead by Marketo id, known only now.
        let mut roles = Vec::new();
        for (key, label, planned) in pending(
            report,
            Step::Roles,
            p.roles.iter().map(|r| (Some(r.key()), r)),
        ) {
            match lead_ids.get(&normalize_key(&planned.external_person_id)) {
                Some(id) => roles.push((key, label, planned.to_record(*id))),
                None => (run.on_record)(StepResult {
                    step: Step::Roles,
                    key,
                    label,
                    status: RecordStatus::Skipped,
                    marketo_id: None,
                    reasons: vec![ApiError::new(
                        codes::LEAD_NOT_FOUND,
                        format!(
                            "lead '{}' is not in Marketo, so it cannot get a role",
                            planned.external_person_id
                        ),
                    )],
                }),
            }
        }
        let roles = roles
            .iter()
            .map(|(k, l, r)| (k.clone(), l.clone(), r))
            .collect();
        run.step(Step::Roles, roles).await?;
        self.recheck(referral).await
    }

    async fn recheck(&self, referral: &Referral) -> Result<SyncReport> {
        self.check(std::slice::from_ref(referral))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| MarketoError::Malformed {
                path: "check".into(),
                detail: "no report for the referral".into(),
            })
    }
}

/// The records of one step a push must write: those the report shows missing, blocked or
/// mismatched, and those it does not know (planned since), each with its key and label.
fn pending<'a, K: AsRef<str>, T>(
    report: &SyncReport,
    step: Step,
    planned: impl IntoIterator<Item = (Option<K>, &'a T)>,
) -> Vec<(String, String, &'a T)> {
    planned
        .into_iter()
        .filter_map(|(key, record)| {
            let key = key?.as_ref().to_string();
            let known = report
                .step(step)
                .records
                .iter()
                .find(|r| normalize_key(&r.key) == normalize_key(&key));
            match known {
                Some(r) if !r.state.needs_push() => None,
                Some(r) => Some((key, r.label.clone(), record)),
                None => Some((key.clone(), key, record)),
            }
        })
        .collect()
}

/// The outcome of one push step.
struct StepDone {
    all_ok: bool,
    /// Key → Marketo id of the records created or updated.
    ids: Vec<(String, MarketoId)>,
}

/// One push run: the client and where results go.
struct Push<'c, F> {
    client: &'c MarketoClient,
    on_record: &'c mut F,
}

impl<F: FnMut(StepResult)> Push<'_, F> {
    /// Syncs `items` (key, label, record) of one step and reports each result.
    async fn step<T: Serialize>(
        &mut self,
        step: Step,
        items: Vec<(String, String, &T)>,
    ) -> Result<StepDone> {
        let mut done = StepDone {
            all_ok: true,
            ids: Vec::new(),
        };
        // One call per 300 records, each reported before the next is sent, so a failure
        // part way leaves the earlier results shown.
        for chunk in items.chunks(MAX_BATCH) {
            let records: Vec<&T> = chunk.iter().map(|(_, _, r)| *r).collect();
            let results = self.client.sync(step.object(), &records).await?;
            for ((key, label, _), result) in chunk.iter().zip(results) {
                let marketo_id = result.marketo_id();
                done.all_ok &= result.status.is_ok();
                if let (true, Some(id)) = (result.status.is_ok(), &marketo_id) {
                    done.ids.push((key.clone(), id.clone()));
                }
                (self.on_record)(StepResult {
                    step,
                    key: key.clone(),
                    label: label.clone(),
                    status: result.status,
                    marketo_id,
                    reasons: result.reasons,
                });
            }
        }
        Ok(done)
    }
}

/// Reads every element of a `result` array as `T`; the error names the element.
fn parse_all<T: DeserializeOwned>(path: &str, items: Vec<Value>) -> Result<Vec<T>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| MarketoError::Malformed {
                path: path.into(),
                detail: format!("result[{i}]: {e}"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_or_refused() {
        assert_eq!(
            normalize_base("https://123-ABC-456.mktorest.com/rest/").unwrap(),
            "https://123-abc-456.mktorest.com"
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base("https://x.mktorest.com/identity").unwrap(),
            "https://x.mktorest.com"
        );
        for bad in ["", "mktorest.com", "ftp://x.com", "https://x.com/?a=1"] {
            let e = normalize_base(bad).unwrap_err();
            assert!(e.to_string().contains("base URL"), "{e}");
        }
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let cfg = MarketoConfig::new("https://x.mktorest.com", "id", "hunter2");
        assert!(!format!("{cfg:?}").contains("hunter2"));
        let t = Token {
            value: "tok-123".into(),
            refresh_at: Instant::now(),
        };
        assert!(!format!("{t:?}").contains("tok-123"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            attempts: 5,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        let d1 = p.delay(1);
        assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(125));
        let d3 = p.delay(3);
        assert!(d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(500));
        assert!(p.delay(30) <= Duration::from_millis(625));
    }

    #[test]
    fn a_bad_mapping_is_refused_up_front() {
        let mut cfg = MarketoConfig::new("https://x.mktorest.com", "id", "s");
        cfg.mapping.person_id = "{mail}".into();
        let e = MarketoClient::new(cfg).unwrap_err();
        assert!(e.to_string().contains("person_id"), "{e}");
    }

    #[test]
    fn snippets_are_short_and_single_line() {
        assert_eq!(
            snippet(b"<html>\n  <b>oops</b>\n</html>"),
            "<html> <b>oops</b> </html>"
        );
        assert_eq!(snippet(b""), "(empty body)");
        assert!(snippet(&[b'x'; 500]).chars().count() <= 161);
    }
}
