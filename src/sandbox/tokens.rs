//! The sandbox's stand-in for Azure AD v2 (`login.microsoftonline.com`): the token and
//! device-code endpoints, in the real response shapes, so the client's sign-in code path is the
//! one it uses against Microsoft.
//!
//! - `POST /{tenant}/oauth2/v2.0/token` (and without the tenant), form-encoded:
//!   `client_credentials` (any non-empty id and secret), the device-code grant, `refresh_token`.
//! - `POST /{tenant}/oauth2/v2.0/devicecode`: codes are approved automatically; the first poll
//!   answers `authorization_pending`, the next one gives tokens. `interval` is 1 second and the
//!   code lives 15 minutes by the sandbox clock.
//! - `GET /devicelogin`: the verification page the prompt points to (it only says that approval
//!   is automatic).
//!
//! Access tokens are opaque random strings (not JWTs; clients must not read them), valid for
//! `token_ttl` by the sandbox clock; refresh tokens do not expire and rotate on use (the old one
//! stays valid, as Azure AD allows). Errors are `{"error", "error_description", "error_codes",
//! "timestamp", "trace_id", "correlation_id"}` with status 400 (401 for a bad client).

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::error::ApiError;

/// The device-code grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, Clone)]
struct Grant {
    expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Device {
    client_id: String,
    scope: String,
    expires: DateTime<Utc>,
    polls: u32,
}

/// Issued tokens and pending device codes.
#[derive(Debug)]
pub struct Tokens {
    ttl: Duration,
    access: HashMap<String, Grant>,
    refresh: HashMap<String, (String, String)>,
    devices: HashMap<String, Device>,
    issued: u64,
}

/// An Azure AD style error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AadError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl AadError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        AadError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }
}

impl IntoResponse for AadError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.error,
            "error_description": self.description,
            "error_codes": [],
            "timestamp": Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string(),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        });
        (self.status, axum::Json(body)).into_response()
    }
}

fn random_token(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Tokens {
    pub fn new(ttl: std::time::Duration) -> Tokens {
        Tokens {
            ttl: Duration::from_std(ttl).unwrap_or(Duration::hours(1)),
            access: HashMap::new(),
            refresh: HashMap::new(),
            devices: HashMap::new(),
            issued: 0,
        }
    }

    /// How many access tokens were issued so far.
    pub fn issued(&self) -> u64 {
        self.issued
    }

    fn issue(&mut self, client_id: &str, scope: &str, refresh: bool, now: DateTime<Utc>) -> Value {
        let access = random_token("sbx.at.");
        self.access.insert(
            access.clone(),
            Grant {
                expires: now + self.ttl,
            },
        );
        self.issued += 1;
        let mut body = json!({
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": self.ttl.num_seconds(),
            "ext_expires_in": self.ttl.num_seconds(),
            "access_token": access,
        });
        if refresh {
            let rt = random_token("sbx.rt.");
            self.refresh
                .insert(rt.clone(), (client_id.to_string(), scope.to_string()));
            body["refresh_token"] = json!(rt);
        }
        body
    }

    /// `POST …/oauth2/v2.0/token` with the decoded form.
    pub fn token(
        &mut self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Value, AadError> {
        let grant = required(form, "grant_type")?;
        let scope = form
            .get("scope")
            .cloned()
            .unwrap_or_else(|| "https://api.partner.microsoft.com/.default".into());
        match grant {
            "client_credentials" => {
                let client = required(form, "client_id")?;
                if form.get("client_secret").is_none_or(|s| s.is_empty()) {
                    return Err(AadError {
                        status: StatusCode::UNAUTHORIZED,
                        error: "invalid_client",
                        description: "the request body must contain client_secret".into(),
                    });
                }
                Ok(self.issue(client, &scope, false, now))
            }
            DEVICE_CODE_GRANT => {
                let code = required(form, "device_code")?;
                let Some(dev) = self.devices.get_mut(code) else {
                    return Err(AadError::new(
                        "invalid_grant",
                        "the device code is unknown or was already used; request a new one",
                    ));
                };
                if now >= dev.expires {
                    self.devices.remove(code);
                    return Err(AadError::new(
                        "expired_token",
                        "the device code expired; request a new one",
                    ));
                }
                dev.polls += 1;
                if dev.polls == 1 {
                    return Err(AadError::new(
                        "authorization_pending",
                        "the user has not finished signing in yet; keep polling",
                    ));
                }
                let dev = self.devices.remove(code).expect("present above");
                Ok(self.issue(&dev.client_id, &dev.scope, true, now))
            }
            "refresh_token" => {
                let rt = required(form, "refresh_token")?;
                let Some((client, old_scope)) = self.refresh.get(rt).cloned() else {
                    return Err(AadError::new(
                        "invalid_grant",
                        "the refresh token is not valid; sign in again",
                    ));
                };
                let scope = form.get("scope").cloned().unwrap_or(old_scope);
                Ok(self.issue(&client, &scope, true, now))
            }
            other => Err(AadError::new(
                "unsupported_grant_type",
                format!(
                    "grant_type `{other}` is not supported; use client_credentials, refresh_token or {DEVICE_CODE_GRANT}"
                ),
            )),
        }
    }

    /// `POST …/oauth2/v2.0/devicecode`; `origin` is `http://host` for the verification page.
    pub fn device_code(
        &mut self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
        origin: &str,
    ) -> Result<Value, AadError> {
        let client = required(form, "client_id")?;
        let scope = form.get("scope").cloned().unwrap_or_default();
        let device_code = random_token("sbx.dc.");
        let letters: String = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase()
            .chars()
            .take(9)
            .collect();
        let uri = format!("{origin}/devicelogin");
        let expires_in = 900;
        self.devices.insert(
            device_code.clone(),
            Device {
                client_id: client.to_string(),
                scope,
                expires: now + Duration::seconds(expires_in),
                polls: 0,
            },
        );
        Ok(json!({
            "user_code": letters,
            "device_code": device_code,
            "verification_uri": uri,
            "expires_in": expires_in,
            "interval": 1,
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {letters} to authenticate."),
        }))
    }

    /// Checks `Authorization: Bearer …`; returns the token (the throttle's key).
    pub fn check(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Result<String, ApiError> {
        let Some(raw) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthenticated(
                "send an access token: Authorization: Bearer <token>",
            ));
        };
        let text = raw.to_str().unwrap_or("");
        let token = match text.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => {
                return Err(ApiError::unauthenticated(
                    "the Authorization header must be `Bearer <token>`",
                ));
            }
        };
        match self.access.get(token) {
            None => Err(ApiError::unauthenticated(
                "the access token is not valid; sign in again",
            )),
            Some(g) if now >= g.expires => Err(ApiError::unauthenticated(
                "the access token expired; get a new one",
            )),
            Some(_) => Ok(token.to_string()),
        }
    }
}

fn required<'a>(form: &'a HashMap<String, String>, name: &str) -> Result<&'a str, AadError> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            AadError::new(
                "invalid_request",
                format!("the request body must contain the parameter `{name}`"),
            )
        })
}

/// Decodes a form body; repeated names keep the last value.
pub fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn bearer(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {t}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn client_credentials_tokens_expire_by_the_clock() {
        let mut t = Tokens::new(std::time::Duration::from_secs(3600));
        let now = Utc::now();
        let body = t
            .token(
                &f(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", "a"),
                    ("client_secret", "s"),
                ]),
                now,
            )
            .unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert!(body.get("refresh_token").is_none());
        let at = body["access_token"].as_str().unwrap();
        assert!(t.check(&bearer(at), now).is_ok());
        assert!(t.check(&bearer(at), now + Duration::hours(2)).is_err());
        assert!(t.check(&bearer("forged"), now).is_err());
        assert!(t.check(&HeaderMap::new(), now).is_err());
        let e = t
            .token(
                &f(&[("grant_type", "client_credentials"), ("client_id", "a")]),
                now,
            )
            .unwrap_err();
        assert_eq!(e.error, "invalid_client");
        let e = t.token(&f(&[("grant_type", "password")]), now).unwrap_err();
        assert_eq!(e.error, "unsupported_grant_type");
        assert_eq!(t.token(&f(&[]), now).unwrap_err().error, "invalid_request");
    }

    #[test]
    fn device_code_is_pending_once_then_approved_then_refreshable() {
        let mut t = Tokens::new(std::time::Duration::from_secs(3600));
        let now = Utc::now();
        let dc = t
            .device_code(
                &f(&[("client_id", "app"), ("scope", "x offline_access")]),
                now,
                "http://h",
            )
            .unwrap();
        assert_eq!(dc["interval"], 1);
        assert_eq!(dc["verification_uri"], "http://h/devicelogin");
        let code = dc["device_code"].as_str().unwrap();
        let poll = f(&[
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", "app"),
            ("device_code", code),
        ]);
        assert_eq!(
            t.token(&poll, now).unwrap_err().error,
            "authorization_pending"
        );
        let tokens = t.token(&poll, now).unwrap();
        assert_eq!(tokens["scope"], "x offline_access");
        assert_eq!(t.token(&poll, now).unwrap_err().error, "invalid_grant");
        let rt = tokens["refresh_token"].as_str().unwrap();
        let again = t
            .token(
                &f(&[("grant_type", "refresh_token"), ("refresh_token", rt)]),
                now,
            )
            .unwrap();
        assert_ne!(again["access_token"], tokens["access_token"]);
        let e = t
            .token(
                &f(&[("grant_type", "refresh_token"), ("refresh_token", "nope")]),
                now,
            )
            .unwrap_err();
        assert_eq!(e.error, "invalid_grant");
        let dc = t
            .device_code(&f(&[("client_id", "app")]), now, "http://h")
            .unwrap();
        let code = dc["device_code"].as_str().unwrap();
        let poll = f(&[("grant_type", DEVICE_CODE_GRANT), ("device_code", code)]);
        let e = t.token(&poll, now + Duration::minutes(16)).unwrap_err();
        assert_eq!(e.error, "expired_token");
    }
}
