//! Access tokens for the Partner Center client, from Azure AD v2 or the sandbox's copy of it.
//!
//! - [`PcAuth::DeviceCode`] (the real service: delegated user): a cached refresh token is tried
//!   first; without one (or when it is refused) the device-code flow runs, the prompt goes to the
//!   [`PromptFn`] the UI gave, and the token endpoint is polled at the server's interval until the
//!   user approves, declines or the code expires. The refresh token is stored in `cache_path`
//!   (JSON, mode 0600 on Unix, written to a temporary file and renamed) together with the
//!   authority, client id and scope it belongs to; a cache made for another app or tenant is
//!   ignored.
//! - [`PcAuth::ClientCredentials`] (the sandbox): id and secret.
//!
//! The access token is reused until 2 minutes before it expires (half its life for short ones);
//! [`TokenSource::invalidate`] drops it after a 401 so the next call signs in again. One caller
//! signs in at a time; the others wait for its token.
//!
//! Nothing secret is logged: not the client secret, not tokens, not the device code; `Debug`
//! output redacts them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::pc_error::{PcError, describe};
use super::secure_file;

/// The device-code grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The scope the real Referrals API needs (with a refresh token).
pub const PARTNER_CENTER_SCOPE: &str =
    "https://api.partner.microsoft.com/user_impersonation offline_access";

/// How to get tokens.
#[derive(Clone)]
pub enum PcAuth {
    /// Client id and secret (the sandbox accepts any).
    ClientCredentials {
        token_url: String,
        client_id: String,
        client_secret: String,
        scope: String,
    },
    /// A user signs in with a code shown by the app.
    DeviceCode {
        /// `https://login.microsoftonline.com/{tenant}` (or the sandbox's `http://…/sandbox`).
        authority: String,
        client_id: String,
        scope: String,
        /// Where the refresh token is kept between runs.
        cache_path: PathBuf,
    },
}

impl fmt::Debug for PcAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcAuth::ClientCredentials {
                token_url,
                client_id,
                scope,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("token_url", token_url)
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .field("scope", scope)
                .finish(),
            PcAuth::DeviceCode {
                authority,
                client_id,
                scope,
                cache_path,
            } => f
                .debug_struct("DeviceCode")
                .field("authority", authority)
                .field("client_id", client_id)
                .field("scope", scope)
                .field("cache_path", cache_path)
                .finish(),
        }
    }
}

/// What the user must do to sign in: open `verification_uri` and type `user_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    /// The service's own sentence, ready to show.
    pub message: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
}

/// Receives the device-code prompt (the UI shows it; a test records it). Called while sign-in
/// waits for the user, so it must return quickly (e.g. send the prompt over a channel).
pub type PromptFn = Arc<dyn Fn(DeviceCodePrompt) + Send + Sync>;

struct Cached {
    token: String,
    renew_at: Instant,
}

/// Hands out access tokens, signing in when needed.
pub struct TokenSource {
    http: reqwest::Client,
    auth: PcAuth,
    prompt: Option<PromptFn>,
    current: Mutex<Option<Cached>>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// The refresh-token cache file.
#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    authority: String,
    client_id: String,
    scope: String,
    refresh_token: String,
}

/// A successful token answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// An Azure AD error answer.
#[derive(Debug, Deserialize)]
struct AadError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

#[derive(Deserialize)]
struct DeviceAnswer {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
}

impl TokenSource {
    pub fn new(http: reqwest::Client, auth: PcAuth, prompt: Option<PromptFn>) -> Self {
        TokenSource {
            http,
            auth,
            prompt,
            current: Mutex::new(None),
        }
    }

    /// A valid access token (cached, or freshly obtained).
    pub async fn token(&self) -> Result<String, PcError> {
        let mut current = self.current.lock().await;
        if let Some(c) = current.as_ref()
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        let (token, lifetime) = self.acquire().await?;
        let margin = if lifetime > Duration::from_secs(240) {
            Duration::from_secs(120)
        } else {
            lifetime / 2
        };
        *current = Some(Cached {
            token: token.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        Ok(token)
    }

    /// Forgets `token` (the service refused it); the next [`token`](Self::token) signs in again.
    pub async fn invalidate(&self, token: &str) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| c.token == token) {
            *current = None;
        }
    }

    async fn acquire(&self) -> Result<(String, Duration), PcError> {
        match &self.auth {
            PcAuth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scope,
            } => {
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", client_secret),
                    ("scope", scope),
                ];
                let answer = self
                    .post_token(token_url, &form)
                    .await?
                    .map_err(aad_failure)?;
                Ok(lifetime(answer))
            }
            PcAuth::DeviceCode {
                authority,
                client_id,
                scope,
                cache_path,
            } => {
                let token_url = format!("{}/oauth2/v2.0/token", authority.trim_end_matches('/'));
                if let Some(rt) = read_cache(cache_path, authority, client_id, scope) {
                    let form = [
                        ("grant_type", "refresh_token"),
                        ("client_id", client_id.as_str()),
                        ("refresh_token", rt.as_str()),
                        ("scope", scope.as_str()),
                    ];
                    match self.post_token(&token_url, &form).await? {
                        Ok(answer) => {
                            self.remember(answer.refresh_token.as_deref())?;
                            return Ok(lifetime(answer));
                        }
                        Err(e) => tracing::info!(
                            error = %e.error,
                            "the cached sign-in was refused; signing in again"
                        ),
                    }
                }
                let answer = self
                    .device_flow(authority, client_id, scope, &token_url)
                    .await?;
                self.remember(answer.refresh_token.as_deref())?;
                Ok(lifetime(answer))
            }
        }
    }

    /// Stores a refresh token for the device-code configuration.
    fn remember(&self, refresh_token: Option<&str>) -> Result<(), PcError> {
        let (
            PcAuth::DeviceCode {
                authority,
                client_id,
                scope,
                cache_path,
            },
            Some(rt),
        ) = (&self.auth, refresh_token)
        else {
            return Ok(());
        };
        let file = CacheFile {
            authority: authority.clone(),
            client_id: client_id.clone(),
            scope: scope.clone(),
            refresh_token: rt.to_string(),
        };
        write_private(
            cache_path,
            &serde_json::to_vec_pretty(&file).unwrap_or_default(),
        )
        .map_err(|e| {
            PcError::Auth(format!(
                "cannot save the sign-in to {}: {e}",
                cache_path.display()
            ))
        })
    }

    async fn device_flow(
        &self,
        authority: &str,
        client_id: &str,
        scope: &str,
        token_url: &str,
    ) -> Result<TokenAnswer, PcError> {
        let Some(prompt) = &self.prompt else {
            return Err(PcError::Auth(
                "signing in needs a device-code prompt, and none was configured".into(),
            ));
        };
        let url = format!("{}/oauth2/v2.0/devicecode", authority.trim_end_matches('/'));
        let form = [("client_id", client_id), ("scope", scope)];
        let (status, body, retry_after) = self.post_form(&url, &form).await?;
        if !status.is_success() {
            return Err(aad_failure(refusal(status, &body, retry_after)?));
        }
        let dev: DeviceAnswer = serde_json::from_slice(&body).map_err(|e| {
            PcError::Decode(format!(
                "the device-code answer is not in the expected shape: {e}"
            ))
        })?;
        let expires_in = dev.expires_in.unwrap_or(900);
        prompt(DeviceCodePrompt {
            message: dev.message.clone().unwrap_or_else(|| {
                format!(
                    "To sign in, open {} and enter the code {}",
                    dev.verification_uri, dev.user_code
                )
            }),
            user_code: dev.user_code,
            verification_uri: dev.verification_uri,
            expires_in,
        });
        let mut interval = Duration::from_secs(dev.interval.unwrap_or(5).max(1));
        let deadline = Instant::now() + Duration::from_secs(expires_in);
        let poll = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", client_id),
            ("device_code", dev.device_code.as_str()),
        ];
        loop {
            tokio::time::sleep(interval).await;
            match self.post_token(token_url, &poll).await? {
                Ok(answer) => return Ok(answer),
                Err(e) if e.error == "authorization_pending" => {}
                Err(e) if e.error == "slow_down" => interval += Duration::from_secs(5),
                Err(e) => return Err(aad_failure(e)),
            }
            if Instant::now() >= deadline {
                return Err(PcError::Auth(
                    "the sign-in code expired before it was used; sign in again".into(),
                ));
            }
        }
    }

    /// Posts to a token endpoint: the answer, or the service's refusal.
    async fn post_token(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<TokenAnswer, AadError>, PcError> {
        let (status, body, retry_after) = self.post_form(url, form).await?;
        if status.is_success() {
            return serde_json::from_slice(&body).map(Ok).map_err(|e| {
                PcError::Decode(format!(
                    "the token answer is not in the expected shape: {e}"
                ))
            });
        }
        refusal(status, &body, retry_after).map(Err)
    }

    async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(reqwest::StatusCode, Vec<u8>, Option<Duration>), PcError> {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let resp = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| {
                PcError::Network(format!(
                    "cannot reach the sign-in service: {}",
                    describe(&e)
                ))
            })?;
        let status = resp.status();
        let retry_after = super::retry::retry_after(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| {
            PcError::Network(format!("the sign-in answer broke off: {}", describe(&e)))
        })?;
        Ok((status, bytes.to_vec(), retry_after))
    }
}

/// A refusal from the sign-in service: throttling and server failures are (transient) errors;
/// an Azure AD error answer is returned for the caller to interpret.
fn refusal(
    status: reqwest::StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<AadError, PcError> {
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(PcError::Throttled { retry_after });
    }
    if status.is_server_error() {
        return Err(PcError::Server {
            status: status.as_u16(),
            code: "signInUnavailable".into(),
            message: format!("the sign-in service answered {status}"),
        });
    }
    match serde_json::from_slice::<AadError>(body) {
        Ok(e) if !e.error.is_empty() => Ok(e),
        _ => Err(PcError::Auth(format!(
            "the sign-in service answered {status} without an explanation"
        ))),
    }
}

fn lifetime(answer: TokenAnswer) -> (String, Duration) {
    (
        answer.access_token,
        Duration::from_secs(answer.expires_in.unwrap_or(3600)),
    )
}

fn aad_failure(e: AadError) -> PcError {
    let hint = match e.error.as_str() {
        "access_denied" | "authorization_declined" => "the sign-in was declined",
        "expired_token" => "the sign-in code expired; sign in again",
        "invalid_client" => "the app id or secret was refused",
        "invalid_grant" => "the sign-in is no longer valid; sign in again",
        _ => "the sign-in failed",
    };
    PcError::Auth(format!("{hint} ({}: {})", e.error, e.error_description))
}

/// The cached refresh token, if the cache belongs to this configuration. Loosens nothing: a
/// cache readable by others is made private again.
fn read_cache(path: &Path, authority: &str, client_id: &str, scope: &str) -> Option<String> {
    let text = std::fs::read(path).ok()?;
    secure_file::tighten(path);
    let file: CacheFile = serde_json::from_slice(&text).ok()?;
    (file.authority == authority && file.client_id == client_id && file.scope == scope)
        .then_some(file.refresh_token)
}

/// Writes `bytes` to `path` (creating its directory) readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    secure_file::write_private(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let a = PcAuth::ClientCredentials {
            token_url: "http://x".into(),
            client_id: "id".into(),
            client_secret: "hunter2".into(),
            scope: "s".into(),
        };
        let text = format!("{a:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn cache_is_private_and_tied_to_its_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/tokens.json");
        let file = CacheFile {
            authority: "a".into(),
            client_id: "c".into(),
            scope: "s".into(),
            refresh_token: "rt".into(),
        };
        write_private(&path, &serde_json::to_vec(&file).unwrap()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        assert_eq!(read_cache(&path, "a", "c", "s").as_deref(), Some("rt"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "loosened cache is made private again");
        }
        assert_eq!(read_cache(&path, "other", "c", "s"), None);
        assert_eq!(read_cache(&path, "a", "other", "s"), None);
        assert_eq!(read_cache(&dir.path().join("missing"), "a", "c", "s"), None);
    }
}
