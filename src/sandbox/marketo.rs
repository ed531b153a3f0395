//! The Marketo REST emulator: identity, the five lead-database objects refdeck syncs, and
//! Marketo's limits, served at their real paths (`../shared/spec/marketo.md`).
//!
//! Sources: AdobeDocs/marketo-developer.en `help/rest-api/` — `sales-persons.md`,
//! `companies.md`, `opportunities.md`, `opportunity-roles.md`, `leads.md`, `lead-database.md`,
//! `error-codes.md`, `authentication.md`, `rest-api.md`; AdobeDocs/marketo.en, Marketo Sales
//! Insight for non-native integrations (the MSI fields and the feature switch). Where the docs
//! are silent the choice is said so where it is made.
//!
//! | path | GET | POST |
//! |---|---|---|
//! | `/identity/oauth/token` | token (query parameters) | token (query or form body) |
//! | `/rest/v1/salespersons.json`, `companies.json`, `leads.json`, `opportunities.json`, `opportunities/roles.json` | query | sync, or query with `_method=GET` |
//! | `/rest/v1/{object}/describe.json` | describe | – |
//!
//! # Behaviour
//! - Every REST answer is HTTP 200 with Marketo's envelope (`requestId` like
//!   `e42b#14272d07d78`, `success`, `result`, `errors`, `moreResult`, `nextPageToken`), auth
//!   failures included. Only the URI limit (414, more than 8 KB) and the identity endpoint
//!   (400/401 with `error`/`error_description`) answer otherwise, as Marketo does.
//! - Identity: any non-empty `client_id`/`client_secret` is accepted. A client asking again
//!   while its token lives gets the same token with the remaining `expires_in` (Marketo does
//!   this). Lifetime 3600 s on the sandbox [`Clock`].
//! - REST calls are checked in this order: concurrency (more than `max_concurrent` in flight →
//!   615), the token (only `Authorization: Bearer`; missing, unknown or sent as the removed
//!   `access_token` parameter → 601, expired → 602), the method (→ 605), the daily quota
//!   (→ 607, counted per CST day: it resets at 12:00 AM CST) and the rate (more than
//!   `max_calls` per `window` → 606, on the Clock). Quota and rate belong to the instance and
//!   are shared by every client (AdobeDocs/marketo-developer.en help/rest-api/rest-api.md).
//!   Calls answered 601, 602 or 605 count against neither (error-codes.md, the asterisked
//!   codes); nor, by choice, do calls refused with 606, 607 or 615, which never ran.
//! - Sync: body `{action, dedupeBy | lookupField, input}`. More than 300 records, an empty or
//!   missing `input`, an unknown `action`/`dedupeBy`/`lookupField` → 1003; a body that is not
//!   JSON → 609; a content type other than JSON → 612. Each record gets a `result` element with
//!   its `seq` and `created`/`updated` plus Marketo's id, or `skipped` with `reasons`:
//!   unknown field 1006; read-only field, wrong type or missing key 1003; the same key as an
//!   earlier record of the input 1036; a referenced
//!   `externalCompanyId`/`externalOpportunityId` (or a lead's `externalSalesPersonId`) not
//!   synced 1013; an opportunity naming an unknown `externalSalesPersonId` fails the whole call
//!   with 718 (error-codes.md); a
//!   referenced `leadId` not there 1004; `updateOnly` on a record that does not exist 1004 for
//!   leads, 1013 for the other objects; `createOnly` on one that does 1005 (leads) / 1017.
//! - Query: `filterType` (a single searchable field, or the aliases `idField` and
//!   `dedupeFields`), `filterValues` (comma separated, at most 300), `fields`, `batchSize`
//!   (1–300, default 300), `nextPageToken`. An unsearchable `filterType` → 1011; another bad or
//!   missing parameter → 1003; an unknown name in `fields` → 1006 for the whole call; more
//!   than 1,000 matching leads → 1003 (help/rest-api/leads.md). A compound-key query is
//!   `POST …?_method=GET` with a JSON body (see `calls::run_compound_query`). No match is `success: true` with an
//!   empty `result`. Results follow the order of `filterValues`; the token is opaque and bound
//!   to the query it came from. Leads without `fields` give id, email, names and timestamps;
//!   the other objects give every field.
//! - An unknown path under `/rest` → 610; a method a path does not serve → 605; a body over
//!   1 MB → HTTP 413.
//! - Text keys match trimmed and ignoring case.

mod calls;
mod objects;
mod seed;
mod store;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use self::calls::{run_compound_query, run_query, run_sync};
use self::objects::{ObjectSpec, spec};
use self::store::{KeyBy, Store};
use super::clock::Clock;
use crate::domain::marketo::{
    ApiError, Envelope, MAX_BATCH, MarketoMapping, MarketoObject, SyncAction, codes,
};
use crate::domain::referral::Referral;

/// Longest URI (path and query) Marketo serves; longer GETs are 414.
const MAX_URI: usize = 8 * 1024;

/// Largest body of a REST call (AdobeDocs/marketo-developer.en help/rest-api/rest-api.md:
/// "a maximum body size of 1 MB"); larger ones are HTTP 413.
const MAX_BODY: usize = 1024 * 1024;

/// Most leads one filter may match (help/rest-api/leads.md: "1003, Too many results match the
/// filter").
const MAX_LEAD_MATCHES: usize = 1000;

/// The sandbox's Marketo instance; cheap to clone (clones share everything).
#[derive(Clone)]
pub struct MarketoState {
    shared: Arc<Shared>,
}

/// Shows the record counts, never the tokens.
impl std::fmt::Debug for MarketoState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = lock(&self.shared.store);
        let mut d = f.debug_struct("MarketoState");
        for o in MarketoObject::ALL {
            d.field(o.name(), &store.count(o));
        }
        d.field("tokens_issued", &lock(&self.shared.auth).issued)
            .finish_non_exhaustive()
    }
}

struct Shared {
    clock: Clock,
    switches: super::SwitchBoard,
    store: Mutex<Store>,
    auth: Mutex<Auth>,
    rate: Mutex<Rate>,
    max_concurrent: AtomicUsize,
    in_flight: AtomicUsize,
    latency_ms: AtomicU64,
    request_seq: AtomicU64,
    log: Mutex<Vec<String>>,
    rejections: Mutex<HashMap<String, u64>>,
}

struct Auth {
    ttl: Duration,
    /// token → (client id, expiry).
    tokens: HashMap<String, (String, DateTime<Utc>)>,
    /// client id → its current token.
    current: HashMap<String, String>,
    issued: u64,
}

/// The instance's budget, shared by every client (AdobeDocs/marketo-developer.en
/// help/rest-api/rest-api.md: "Each instance is limited to 100 API calls per 20 seconds";
/// the daily quota "resets daily at 12:00 AM CST").
struct Rate {
    max_calls: usize,
    window: Duration,
    calls: VecDeque<DateTime<Utc>>,
    daily_quota: u64,
    /// The CST day being counted, and its calls.
    day: Option<chrono::NaiveDate>,
    today: u64,
}

/// The day Marketo's quota counts in: CST is UTC−6 all year (the docs name CST, not CT).
fn quota_day(t: DateTime<Utc>) -> chrono::NaiveDate {
    (t - chrono::Duration::hours(6)).date_naive()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MarketoState {
    /// An empty instance with Marketo's limits: 100 calls per 20 s, 10 in flight, tokens for an
    /// hour.
    pub fn new(clock: Clock) -> MarketoState {
        Self::with_store(clock, Store::new(0))
    }

    fn with_store(clock: Clock, store: Store) -> MarketoState {
        MarketoState {
            shared: Arc::new(Shared {
                clock,
                switches: super::SwitchBoard::default(),
                store: Mutex::new(store),
                auth: Mutex::new(Auth {
                    ttl: Duration::from_secs(3600),
                    tokens: HashMap::new(),
                    current: HashMap::new(),
                    issued: 0,
                }),
                rate: Mutex::new(Rate {
                    max_calls: 100,
                    window: Duration::from_secs(20),
                    calls: VecDeque::new(),
                    daily_quota: 50_000,
                    day: None,
                    today: 0,
                }),
                max_concurrent: AtomicUsize::new(10),
                in_flight: AtomicUsize::new(0),
                latency_ms: AtomicU64::new(0),
                request_seq: AtomicU64::new(0xe42b),
                log: Mutex::new(Vec::new()),
                rejections: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// An instance holding part of `referrals` (see the `seed` module: ~40% fully synced,
    /// ~25% partial, ~25% missing, ~10% with a sales person whose email differs), the same for
    /// the same referrals, seed and clock.
    pub fn seeded(
        referrals: &[Referral],
        seed: u64,
        clock: Clock,
        mapping: &MarketoMapping,
    ) -> MarketoState {
        Self::seeded_from(|| referrals.iter(), seed, clock, mapping)
    }

    /// The most referrals a sandbox seeds Marketo records for: the first 100,000 (demo referrals
    /// are prefix-stable, so a larger sandbox seeds the same records as one of 100,000); the
    /// rest are not in Marketo, like deals made after the integration last ran. A seeded
    /// referral takes about 10 KB of Marketo records, so a million of them would not fit in
    /// the sandbox's 2 GB.
    pub const SEEDED_REFERRALS: usize = 100_000;

    /// The same as [`MarketoState::seeded`] from the referrals `referrals()` yields (called
    /// twice), so a million demo referrals can be streamed from their seed.
    pub fn seeded_from<I, R>(
        referrals: impl Fn() -> I,
        seed: u64,
        clock: Clock,
        mapping: &MarketoMapping,
    ) -> MarketoState
    where
        I: Iterator<Item = R>,
        R: std::borrow::Borrow<Referral>,
    {
        let mut store = Store::new(seed);
        seed::seed(&mut store, referrals, seed, clock.now(), mapping);
        Self::with_store(clock, store)
    }

    /// The same instance reading its setup from `switches` (shared with Partner Center and
    /// `/_sandbox/switches`). Call before serving: it rebuilds the shared state.
    pub fn with_switches(self, switches: super::SwitchBoard) -> MarketoState {
        match Arc::try_unwrap(self.shared) {
            Ok(mut shared) => {
                shared.switches = switches;
                MarketoState {
                    shared: Arc::new(shared),
                }
            }
            Err(shared) => {
                shared.switches.set(switches.get());
                MarketoState { shared }
            }
        }
    }

    /// How the instance is set up now.
    pub fn switches(&self) -> super::Switches {
        self.shared.switches.get()
    }

    /// The clock tokens and the rate window run on.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Sets the rate limit (Marketo: 100 calls per 20 s per instance).
    pub fn set_rate_limit(&self, max_calls: usize, window: Duration) {
        let mut r = lock(&self.shared.rate);
        r.max_calls = max_calls.max(1);
        r.window = window;
        r.calls.clear();
    }

    /// Sets the daily quota (Marketo: 50,000 for most subscriptions), counted from 12:00 AM
    /// CST on the sandbox clock.
    pub fn set_daily_quota(&self, calls: u64) {
        let mut r = lock(&self.shared.rate);
        r.daily_quota = calls;
        r.today = 0;
    }

    /// Sets how many calls may be in flight at once (Marketo: 10).
    pub fn set_max_concurrent(&self, n: usize) {
        self.shared.max_concurrent.store(n.max(1), Ordering::SeqCst);
    }

    /// Makes every REST call take at least this long (to provoke 615 in tests).
    pub fn set_latency(&self, latency: Duration) {
        self.shared
            .latency_ms
            .store(latency.as_millis() as u64, Ordering::SeqCst);
    }

    /// Forgets every token: the next call with one is 601.
    pub fn revoke_tokens(&self) {
        let mut a = lock(&self.shared.auth);
        a.tokens.clear();
        a.current.clear();
    }

    /// How many new tokens the identity endpoint has issued.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.auth).issued
    }

    /// `METHOD path` of every REST call executed (past the token, rate and concurrency checks),
    /// in order; a query sent as POST reads `POST path?_method=GET`.
    pub fn request_log(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }

    /// How many calls were refused with `code` (601, 602, 606, 615).
    pub fn rejections(&self, code: &str) -> u64 {
        lock(&self.shared.rejections)
            .get(code)
            .copied()
            .unwrap_or(0)
    }

    /// Records held of `object`.
    pub fn count(&self, object: MarketoObject) -> usize {
        lock(&self.shared.store).count(object)
    }

    fn request_id(&self) -> String {
        let n = self.shared.request_seq.fetch_add(1, Ordering::SeqCst) & 0xffff;
        format!("{n:04x}#{:x}", self.shared.clock.now().timestamp_millis())
    }

    fn reject(&self, request_id: String, code: &str, message: &str) -> Response {
        *lock(&self.shared.rejections)
            .entry(code.to_string())
            .or_default() += 1;
        failure(request_id, ApiError::new(code, message))
    }
}

/// The Marketo routes, with `state` applied; merge into the sandbox server.
pub fn router(state: MarketoState) -> Router {
    let mut routes = Vec::new();
    for object in MarketoObject::ALL {
        // Query (GET, or POST with `_method=GET`) and sync (POST) share one path.
        routes.push((
            object.query_path(),
            Endpoint {
                object,
                describe: false,
            },
        ));
        routes.push((
            object.describe_path(),
            Endpoint {
                object,
                describe: true,
            },
        ));
    }
    routes
        .into_iter()
        .fold(
            Router::new().route("/identity/oauth/token", any(token)),
            |r, (path, ep)| r.route(path, endpoint(ep)),
        )
        .route("/rest/{*rest}", any(unknown_resource))
        .with_state(state)
}

/// What one path serves: an object's describe, or its query and sync.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    object: MarketoObject,
    describe: bool,
}

fn endpoint(ep: Endpoint) -> MethodRouter<MarketoState> {
    any(
        move |State(s): State<MarketoState>,
              method: Method,
              uri: Uri,
              headers: HeaderMap,
              body: Bytes| async move { serve(s, ep, method, uri, headers, body).await },
    )
}

fn envelope(e: Envelope<Value>) -> Response {
    (StatusCode::OK, axum::Json(e)).into_response()
}

fn failure(request_id: String, error: ApiError) -> Response {
    envelope(Envelope {
        request_id,
        success: false,
        result: Vec::new(),
        errors: vec![error],
        warnings: Vec::new(),
        more_result: None,
        next_page_token: None,
    })
}

fn success(request_id: String, result: Vec<Value>, next: Option<String>) -> Response {
    envelope(Envelope {
        request_id,
        success: true,
        result,
        errors: Vec::new(),
        warnings: Vec::new(),
        more_result: next.as_ref().map(|_| true),
        next_page_token: next,
    })
}

/// Decoded `a=1&b=2` pairs (query string or form body).
fn params(text: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

/// Decrements the in-flight count when the call ends, however it ends.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl MarketoState {
    fn enter(&self) -> Option<Slot> {
        let s = &self.shared;
        let n = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let slot = Slot(s.clone());
        (n <= s.max_concurrent.load(Ordering::SeqCst)).then_some(slot)
    }

    /// Whether the call's token is live, or the error to answer. Only `Authorization: Bearer`
    /// carries it: the `access_token` query parameter was removed
    /// (AdobeDocs/marketo-developer.en help/rest-api/authentication.md), so it is 601.
    fn authenticate(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Result<(), (&'static str, &'static str)> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, t)| t.trim().to_string())
            });
        let Some(token) = bearer else {
            return Err(if query.contains_key("access_token") {
                (
                    codes::TOKEN_INVALID,
                    "Access token invalid: the access_token query parameter is no longer \
                     accepted; send the header Authorization: Bearer <token>",
                )
            } else {
                (codes::TOKEN_INVALID, "Access token not specified")
            });
        };
        let auth = lock(&self.shared.auth);
        match auth.tokens.get(&token) {
            None => Err((codes::TOKEN_INVALID, "Access token invalid")),
            Some((_, expiry)) if *expiry <= self.shared.clock.now() => {
                Err((codes::TOKEN_EXPIRED, "Access token expired"))
            }
            Some(_) => Ok(()),
        }
    }

    /// Counts the call against the instance's window and daily quota, or says which limit it
    /// is over (606, 607).
    fn admit(&self) -> Result<(), (&'static str, String)> {
        let now = self.shared.clock.now();
        let mut rate = lock(&self.shared.rate);
        let day = quota_day(now);
        if rate.day != Some(day) {
            rate.day = Some(day);
            rate.today = 0;
        }
        if rate.today >= rate.daily_quota {
            return Err((
                codes::DAILY_QUOTA,
                format!(
                    "Daily quota reached: {} calls; it resets at 12:00 AM CST",
                    rate.daily_quota
                ),
            ));
        }
        let window = chrono::Duration::from_std(rate.window).unwrap_or(chrono::Duration::MAX);
        let max = rate.max_calls;
        while rate.calls.front().is_some_and(|t| now - *t >= window) {
            rate.calls.pop_front();
        }
        if rate.calls.len() >= max {
            return Err((
                codes::RATE_LIMIT,
                format!(
                    "Max rate limit '{max}' exceeded with in '{}' secs",
                    window.num_seconds()
                ),
            ));
        }
        rate.calls.push_back(now);
        rate.today += 1;
        Ok(())
    }
}

async fn serve(
    s: MarketoState,
    ep: Endpoint,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let uri_len = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI {
        return (StatusCode::URI_TOO_LONG, "414 Request-URI Too Long").into_response();
    }
    if body.len() > MAX_BODY {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "413 Request Entity Too Large",
        )
            .into_response();
    }
    let rid = s.request_id();
    let Some(_slot) = s.enter() else {
        return s.reject(rid, codes::CONCURRENCY, "Concurrent access limit reached");
    };
    let latency = s.shared.latency_ms.load(Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let query = params(uri.query().unwrap_or(""));
    if let Err((code, message)) = s.authenticate(&headers, &query) {
        return s.reject(rid, code, message);
    }
    let as_get = query
        .get("_method")
        .is_some_and(|m| m.eq_ignore_ascii_case("GET"));
    let served = match method {
        Method::GET => true,
        Method::POST => !ep.describe,
        _ => false,
    };
    if !served {
        // 605 is one of the answers that count against neither the rate nor the quota.
        return failure(
            rid,
            ApiError::new(
                codes::METHOD_NOT_SUPPORTED,
                format!("HTTP method {method} not supported on {}", uri.path()),
            ),
        );
    }
    if let Err((code, message)) = s.admit() {
        return s.reject(rid, code, &message);
    }
    let shown = if as_get { "?_method=GET" } else { "" };
    lock(&s.shared.log).push(format!("{method} {}{shown}", uri.path()));
    let sp = spec(ep.object);
    let switches = s.switches();
    let sync_call = method == Method::POST && !as_get;
    if switches.native_crm && crm_managed(ep.object, sync_call) {
        return failure(
            rid,
            ApiError::new(
                codes::CRM_ENABLED,
                format!(
                    "CRM Enabled: this instance syncs a native CRM, so the {} API is {}",
                    sp.display,
                    if ep.object == MarketoObject::OpportunityRole {
                        "not exposed"
                    } else {
                        "read-only"
                    }
                ),
            ),
        );
    }
    let answer = match method {
        Method::GET if ep.describe => Ok((sp.describe(switches.msi_non_native), None)),
        Method::GET => run_query(&s, sp, &query),
        Method::POST if as_get && is_json(&headers) => run_compound_query(&s, sp, &body),
        Method::POST if as_get => {
            let mut all = query.clone();
            all.extend(params(&String::from_utf8_lossy(&body)));
            run_query(&s, sp, &all)
        }
        Method::POST => run_sync(&s, sp, &headers, &body),
        _ => Err(ApiError::new(
            codes::METHOD_NOT_SUPPORTED,
            format!("HTTP method {method} not supported on {}", uri.path()),
        )),
    };
    match answer {
        Ok((result, next)) => success(rid, result, next),
        Err(e) => failure(rid, e),
    }
}

/// Whether a native CRM takes the call away: every sync but the leads' answers 1018 "CRM
/// Enabled" (AdobeDocs/marketo-developer.en help/rest-api/lead-database.md: "the Company,
/// Opportunity, Opportunity Role, and Sales Person APIs are disabled"; error-codes.md: 1018),
/// while queries of sales persons, companies and opportunities stay readable (the per-object
/// pages: "read-only access"). Opportunity roles "are only exposed for subscriptions which do
/// not have a native CRM sync enabled" (opportunity-roles.md), so every role call is 1018. The
/// docs show no worked 1018 answer; it comes in `errors[]`, as the whole call is refused.
fn crm_managed(object: MarketoObject, sync_call: bool) -> bool {
    match object {
        MarketoObject::Lead => false,
        MarketoObject::OpportunityRole => true,
        _ => sync_call,
    }
}

async fn unknown_resource(State(s): State<MarketoState>, uri: Uri) -> Response {
    let rid = s.request_id();
    failure(
        rid,
        ApiError::new(
            codes::RESOURCE_NOT_FOUND,
            format!("Requested resource not found: {}", uri.path()),
        ),
    )
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::INVALID_DATA, message)
}

type Answer = Result<(Vec<Value>, Option<String>), ApiError>;

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"))
}

/// `GET|POST /identity/oauth/token`.
async fn token(State(s): State<MarketoState>, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let mut p = params(q.as_deref().unwrap_or(""));
    p.extend(params(&String::from_utf8_lossy(&body)));
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    match p.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type '{other}' is not supported; use client_credentials"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant type; use grant_type=client_credentials",
            );
        }
    }
    let non_empty = |k: &str| p.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let (Some(client), Some(_secret)) = (non_empty("client_id"), non_empty("client_secret")) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "client_id and client_secret are required",
        );
    };
    let now = s.shared.clock.now();
    let mut auth = lock(&s.shared.auth);
    let live = auth
        .current
        .get(client)
        .and_then(|t| auth.tokens.get(t).map(|(_, exp)| (t.clone(), *exp)))
        .filter(|(_, exp)| *exp > now);
    let (token, expiry) = match live {
        Some(t) => t,
        None => {
            let token = format!("{}:sb", uuid::Uuid::new_v4());
            let ttl = chrono::Duration::from_std(auth.ttl).unwrap_or(chrono::Duration::hours(1));
            let expiry = now
                .checked_add_signed(ttl)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            auth.tokens
                .insert(token.clone(), (client.to_string(), expiry));
            auth.current.insert(client.to_string(), token.clone());
            auth.issued += 1;
            (token, expiry)
        }
    };
    let expires_in = ((expiry - now).num_milliseconds() / 1000).max(0);
    (
        StatusCode::OK,
        axum::Json(json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": expires_in,
            "scope": format!("{client}@sandbox"),
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::calls::{page_token, read_page_token};
    use super::*;

    #[test]
    fn page_tokens_are_bound_to_their_query() {
        let t = page_token(300, 42);
        assert_eq!(read_page_token(&t, 42), Some(300));
        assert_eq!(read_page_token(&t, 43), None);
        assert_eq!(read_page_token("garbage", 42), None);
        assert_eq!(read_page_token("ÄÄÄÄÄÄÄÄÄÄÄÄ", 42), None);
    }

    #[test]
    fn debug_shows_counts_not_tokens() {
        let s = MarketoState::new(Clock::new());
        lock(&s.shared.auth)
            .tokens
            .insert("tok-secret".into(), ("app".into(), Utc::now()));
        let text = format!("{s:?}");
        assert!(
            text.contains("lead: 0") && !text.contains("tok-secret"),
            "{text}"
        );
    }

    #[test]
    fn request_ids_look_like_marketo_ones() {
        let s = MarketoState::new(Clock::new());
        let id = s.request_id();
        let (a, b) = id.split_once('#').unwrap();
        assert_eq!(a, "e42b");
        assert!(
            b.len() >= 11 && b.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }
}
