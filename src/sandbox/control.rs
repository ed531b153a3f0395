//! The sandbox's control routes under `/_sandbox` (no auth, never throttled, never faulted):
//!
//! | route | body | effect |
//! |---|---|---|
//! | `GET /_sandbox` | | summary: referral count, clock, faults and how many were injected, tokens issued, Partner Center calls let through and throttled |
//! | `GET`/`POST /_sandbox/faults` | partial [`FaultUpdate`] | read / change injected faults |
//! | `GET`/`POST /_sandbox/clock` | `{"advanceSeconds": n}` or `{"now": "2026-…Z"}` | read / move the clock |
//! | `POST /_sandbox/referrals/{id}/registrations/{n}/status` | `{"status", "statusReason"?}` | review outcome of a registration |
//! | `GET`/`POST /_sandbox/switches` | partial [`SwitchUpdate`] | read / change how the tenant is set up (see `switches.rs`) |
//! | `POST /_sandbox/reset` | | fresh referrals (same count and seed, at the current clock), no faults, empty throttle |

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, json_body, typed};
use super::faults::FaultUpdate;
use super::pc::{API_PATH, Shared};
use super::referrals::{Referrals, render};
use super::switches::SwitchUpdate;
use crate::domain::time::{format_datetime, parse_datetime};

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/_sandbox", get(summary))
        .route("/_sandbox/faults", get(get_faults).post(set_faults))
        .route("/_sandbox/clock", get(get_clock).post(set_clock))
        .route("/_sandbox/switches", get(get_switches).post(set_switches))
        .route(
            "/_sandbox/referrals/{id}/registrations/{n}/status",
            post(registration_status),
        )
        .route("/_sandbox/reset", post(reset))
        .with_state(state)
}

async fn summary(State(s): State<Shared>) -> Json<Value> {
    s.expire_due();
    let (calls, throttled) = {
        let t = s
            .throttle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (t.admitted(), t.rejected())
    };
    Json(json!({
        "referrals": s.read().len(),
        "now": format_datetime(&s.clock.now()),
        "clockOffsetSeconds": s.clock.offset().num_seconds(),
        "faults": s.faults.get(),
        "switches": s.switches.get(),
        "tokensIssued": s.tokens().issued(),
        "faultsInjected": s.faults.injected(),
        "partnerCenterCalls": calls,
        "throttled": throttled,
    }))
}

async fn get_faults(State(s): State<Shared>) -> Json<Value> {
    Json(json!(s.faults.get()))
}

async fn set_faults(State(s): State<Shared>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let update: FaultUpdate = typed(&json_body(&body)?, "")?;
    Ok(Json(json!(s.faults.update(update)?)))
}

async fn get_switches(State(s): State<Shared>) -> Json<Value> {
    Json(json!(s.switches.get()))
}

async fn set_switches(State(s): State<Shared>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let update: SwitchUpdate = typed(&json_body(&body)?, "")?;
    Ok(Json(json!(s.switches.update(update))))
}

fn clock_body(s: &Shared) -> Value {
    json!({
        "now": format_datetime(&s.clock.now()),
        "offsetSeconds": s.clock.offset().num_seconds(),
    })
}

async fn get_clock(State(s): State<Shared>) -> Json<Value> {
    Json(clock_body(&s))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockMove {
    advance_seconds: Option<i64>,
    now: Option<String>,
}

async fn set_clock(State(s): State<Shared>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let m: ClockMove = typed(&json_body(&body)?, "")?;
    match (m.advance_seconds, m.now) {
        (Some(secs), None) => {
            let by = Duration::try_seconds(secs).ok_or_else(|| {
                ApiError::invalid("advanceSeconds", "advanceSeconds is out of range")
            })?;
            s.clock.advance(by);
        }
        (None, Some(text)) => {
            let at = parse_datetime(&text).ok_or_else(|| {
                ApiError::invalid(
                    "now",
                    format!("`{text}` is not a date-time; write it like 2026-01-31T00:00:00Z"),
                )
            })?;
            s.clock.set(at);
        }
        _ => {
            return Err(ApiError::invalid(
                "body",
                r#"send either {"advanceSeconds": 3600} or {"now": "2026-01-31T00:00:00Z"}"#,
            ));
        }
    }
    s.expire_due();
    Ok(Json(clock_body(&s)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusChange {
    status: String,
    status_reason: Option<String>,
}

async fn registration_status(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((id, n)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let n: usize = n.parse().map_err(|_| {
        ApiError::invalid("n", format!("`{n}` is not a registration index (0, 1, …)"))
    })?;
    let change: StatusChange = typed(&json_body(&body)?, "")?;
    s.expire_due();
    let now = s.clock.now();
    let base = format!("{}{API_PATH}", s.origin_of(&headers));
    let mut store = s.write();
    let r = store.set_registration_status(&id, n, &change.status, change.status_reason, now)?;
    Ok(Json(render(r, &base)))
}

async fn reset(State(s): State<Shared>) -> Json<Value> {
    let (count, seed, now) = (s.count, s.seed, s.clock.now());
    let fresh = tokio::task::spawn_blocking(move || Referrals::generated(count, seed, now))
        .await
        .unwrap_or_else(|_| Referrals::new(Vec::new()));
    *s.write() = fresh;
    s.faults.set(Default::default());
    s.throttle
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
    Json(json!({"referrals": s.read().len()}))
}
