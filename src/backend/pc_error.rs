//! What can go wrong talking to Partner Center (or signing in to it), shared by the client and
//! the token source.

use std::time::Duration;

use crate::domain::Referral;

/// What can go wrong talking to Partner Center.
#[derive(Debug, thiserror::Error)]
pub enum PcError {
    #[error("not signed in: {0}")]
    Unauthenticated(String),
    #[error("access denied: {0}")]
    AccessDenied(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The referral changed since it was read; `current` is the server's version (when it could
    /// be read).
    #[error("the referral was changed by someone else since it was read")]
    PreconditionFailed { current: Option<Box<Referral>> },
    /// The service refused the request (4xx): its code, message and the field it names.
    #[error("{message}")]
    Invalid {
        status: u16,
        code: String,
        message: String,
        target: Option<String>,
    },
    #[error("the service is throttling requests; retry after {retry_after:?}")]
    Throttled { retry_after: Option<Duration> },
    #[error("the service failed ({status} {code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("network: {0}")]
    Network(String),
    /// A non-repeatable request was sent but its answer was lost: it may or may not have been
    /// applied.
    #[error(
        "no answer came, and the change may or may not have been applied: {0}; refresh before trying again"
    )]
    Uncertain(String),
    #[error("unexpected answer: {0}")]
    Decode(String),
    #[error("sign-in: {0}")]
    Auth(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl PcError {
    /// True when trying again later may succeed without changing the request.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PcError::Throttled { .. } | PcError::Server { .. } | PcError::Network(_)
        )
    }
}

/// A reqwest error in words, with its causes (reqwest's own text is terse), the URL reduced to
/// its path (the query may hold customer names).
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_connect() {
        "cannot connect".to_string()
    } else if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), url.path());
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
