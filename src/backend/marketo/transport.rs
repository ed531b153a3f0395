//! Sign-in and single REST calls: the token, the limiter, retries and backoff.

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::domain::marketo::{ApiError, Envelope, codes};

use super::{MarketoClient, MarketoError, Result};

/// A query URL longer than this goes as `POST …?_method=GET`.
const MAX_QUERY_URL: usize = 7 * 1024;

/// A sign-in token and when to replace it.
pub(super) struct Token {
    value: String,
    refresh_at: Instant,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// One REST request, rebuilt for every try.
pub(super) enum Request<'a> {
    Get { query: String },
    Json { body: &'a [u8] },
}

impl Request<'_> {
    /// A GET without parameters (a describe).
    pub(super) fn get_all() -> Request<'static> {
        Request::Get {
            query: String::new(),
        }
    }
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
pub(super) fn transport_message(e: reqwest::Error) -> String {
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

impl MarketoClient {
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
            Request::Get { query } if query.is_empty() => http.get(format!("{base}{path}")),
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
    pub(super) async fn call(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::marketo::MarketoConfig;

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
    fn snippets_are_short_and_single_line() {
        assert_eq!(
            snippet(b"<html>\n  <b>oops</b>\n</html>"),
            "<html> <b>oops</b> </html>"
        );
        assert_eq!(snippet(b""), "(empty body)");
        assert!(snippet(&[b'x'; 500]).chars().count() <= 161);
    }
}
