//! HTTP routes of the sandbox's sign-in service (see `tokens.rs` for the behaviour).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::pc::Shared;
use super::tokens::form;

/// `/{tenant}/oauth2/v2.0/token`, `/{tenant}/oauth2/v2.0/devicecode` (also without the tenant)
/// and the `/devicelogin` page.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device_code))
        .route("/oauth2/v2.0/devicecode", post(device_code))
        .route("/devicelogin", get(device_login))
        .with_state(state)
}

async fn token(State(s): State<Shared>, body: Bytes) -> Response {
    let now = s.clock.now();
    match s.tokens().token(&form(&body), now) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn device_code(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let now = s.clock.now();
    let origin = s.origin_of(&headers);
    match s.tokens().device_code(&form(&body), now, &origin) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn device_login() -> &'static str {
    "refdeck sandbox: device codes are approved automatically. Return to refdeck; sign-in completes on its next poll.\n"
}
