//! The Marketo REST client: sign-in, limits, batching, and the two operations the dashboard
//! runs — check where referrals stand in Marketo, and push what is missing.
//!
//! # Behaviour
//! - Sign-in: `GET /identity/oauth/token` with the client id and secret; the token is kept
//!   until `expires_in` minus a margin (60 s, or half the lifetime when shorter) and sent as
//!   `Authorization: Bearer`. A call answered 601/602 gets a new token and is retried once.
//!   Neither the secret nor a token is ever logged or put in an error message.
//! - Limits: a client-side [`Limiter`] (50 calls per 20 s, 5 in flight by default: the
//!   instance's 100 per 20 s and 10 in flight are shared by every integration, and Adobe
//!   advises one integration to use half) keeps normal use under Marketo's limits. If Marketo still answers 606 every caller pauses for a
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
//!
//! - Instance: [`MarketoClient::instance`] probes (two describes, once per client) whether
//!   leads carry the Sales Insight fields ("MSI Non-Native") and whether the instance syncs a
//!   native CRM (1018); the check then asks only for lead fields the instance has and skips
//!   roles under a native CRM, and a push is refused with a plain-word reason.
//!
//! Sources: AdobeDocs/marketo-developer.en `help/rest-api/` (`sales-persons.md`,
//! `companies.md`, `opportunities.md`, `opportunity-roles.md`, `leads.md`, `lead-database.md`,
//! `error-codes.md`, `authentication.md`, `marketo-integration-best-practices.md`).
//!
//! The client is split by job: `transport` (sign-in, one call with its retries), `calls`
//! (batched sync and query), `instance` (the probe), `ops` (check and push).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use url::Url;

use crate::backend::limiter::Limiter;
use crate::domain::marketo::MarketoMapping;

use transport::{Token, transport_message};

mod calls;
mod instance;
mod ops;
mod transport;

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
    /// Calls per window. The instance allows 100 per 20 s for every integration together;
    /// Adobe advises one integration to keep to 50 or fewer (AdobeDocs/marketo-developer.en
    /// help/rest-api/marketo-integration-best-practices.md).
    pub max_calls: usize,
    pub window: Duration,
    /// Calls in flight at once: the instance allows 10 together, one integration should keep
    /// to five or fewer (same page).
    pub max_in_flight: usize,
    pub retry: RetryPolicy,
    /// Per HTTP request.
    pub timeout: Duration,
}

impl MarketoConfig {
    /// Half of Marketo's per-instance limits (50 calls per 20 s, 5 in flight), the default
    /// mapping and retry policy, a 30 s timeout.
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
            max_calls: 50,
            window: Duration::from_secs(20),
            max_in_flight: 5,
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
    /// The instance cannot take this work (see [`crate::domain::marketo::InstanceInfo::push_refusal`]).
    #[error("{0}")]
    Refused(String),
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
    /// The instance probe, made once.
    probe: tokio::sync::OnceCell<instance::Probe>,
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
                probe: tokio::sync::OnceCell::new(),
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
    fn one_integration_keeps_to_half_the_instance_limits_by_default() {
        let cfg = MarketoConfig::new("https://x.mktorest.com", "id", "s");
        assert_eq!(
            (cfg.max_calls, cfg.window, cfg.max_in_flight),
            (50, Duration::from_secs(20), 5)
        );
    }

    #[test]
    fn a_bad_mapping_is_refused_up_front() {
        let mut cfg = MarketoConfig::new("https://x.mktorest.com", "id", "s");
        cfg.mapping.person_id = "{mail}".into();
        let e = MarketoClient::new(cfg).unwrap_err();
        assert!(e.to_string().contains("person_id"), "{e}");
    }
}
