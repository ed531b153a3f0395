//! Injected failures, so clients can be tested against a flaky service.
//!
//! [`FaultConfig`] is set through `POST /_sandbox/faults` (partial updates) and applies, as a
//! middleware, to every API route (Partner Center, Marketo, and the token endpoints), never to
//! `/_sandbox/…`. In order:
//! - `down`: every request's connection is dropped without an answer;
//! - `latencyMs`: every request waits that long first;
//! - `dropRate`: that share of requests have their connection dropped without an answer;
//! - `throttle`: every request gets 429 (`generalException`; no code is documented) (a "429 storm");
//! - `errorRate`: that share of requests get `status` (default 503) with the service's error
//!   body;
//! - `failNext`: the next that many requests get `status`, after `failAfter` more have passed
//!   untouched (a precise, repeatable failure: "the second call fails").
//!
//! `retryAfter` (seconds) is sent with injected 429s (default 1) and 503s (only when set);
//! `retryAfter: 0` clears it.
//!
//! How a drop looks like a network failure: the server runs on [`KillableListener`], whose
//! connections carry a kill switch reachable from the request (as `ConnectInfo`). A dropped
//! request flips the switch and answers with a body that fails at once; the next read or write
//! on that socket fails, hyper abandons the connection and the socket closes. The client sees
//! the connection close before any response byte ("connection closed before message completed"),
//! exactly like a server that went away; no HTTP status ever reaches it.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::error::ApiError;

/// The current faults (all off by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultConfig {
    pub error_rate: f64,
    pub status: u16,
    pub latency_ms: u64,
    pub down: bool,
    pub drop_rate: f64,
    pub throttle: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    pub fail_next: u32,
    pub fail_after: u32,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            error_rate: 0.0,
            status: 503,
            latency_ms: 0,
            down: false,
            drop_rate: 0.0,
            throttle: false,
            retry_after: None,
            fail_next: 0,
            fail_after: 0,
        }
    }
}

/// A partial update of [`FaultConfig`]; unknown fields are refused so typos do not pass.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultUpdate {
    pub error_rate: Option<f64>,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    pub down: Option<bool>,
    pub drop_rate: Option<f64>,
    pub throttle: Option<bool>,
    pub retry_after: Option<u64>,
    pub fail_next: Option<u32>,
    pub fail_after: Option<u32>,
}

/// Shared fault settings and how many faults were injected; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    cfg: Arc<Mutex<FaultConfig>>,
    injected: Arc<AtomicU64>,
}

impl Faults {
    pub fn get(&self) -> FaultConfig {
        self.cfg.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, cfg: FaultConfig) {
        *self.cfg.lock().unwrap_or_else(|e| e.into_inner()) = cfg;
    }

    /// Counts one request against `failAfter`/`failNext`; true when it must fail.
    fn take_planned_failure(&self) -> bool {
        let mut cfg = self.cfg.lock().unwrap_or_else(|e| e.into_inner());
        if cfg.fail_next == 0 {
            return false;
        }
        if cfg.fail_after > 0 {
            cfg.fail_after -= 1;
            return false;
        }
        cfg.fail_next -= 1;
        true
    }

    /// Requests answered by a fault (dropped, throttled or failed) since the start.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.injected.fetch_add(1, Ordering::SeqCst);
    }

    /// Applies a partial update after checking every value; returns the new settings.
    pub fn update(&self, u: FaultUpdate) -> Result<FaultConfig, ApiError> {
        for (name, rate) in [("errorRate", u.error_rate), ("dropRate", u.drop_rate)] {
            if let Some(r) = rate
                && !(0.0..=1.0).contains(&r)
            {
                return Err(ApiError::invalid(
                    name,
                    format!("{name}={r} must be between 0.0 and 1.0"),
                ));
            }
        }
        if let Some(s) = u.status
            && !(400..=599).contains(&s)
        {
            return Err(ApiError::invalid(
                "status",
                format!("status={s} must be an HTTP error status from 400 to 599, like 503"),
            ));
        }
        let mut cfg = self.get();
        cfg.error_rate = u.error_rate.unwrap_or(cfg.error_rate);
        cfg.status = u.status.unwrap_or(cfg.status);
        cfg.latency_ms = u.latency_ms.unwrap_or(cfg.latency_ms);
        cfg.down = u.down.unwrap_or(cfg.down);
        cfg.drop_rate = u.drop_rate.unwrap_or(cfg.drop_rate);
        cfg.throttle = u.throttle.unwrap_or(cfg.throttle);
        cfg.fail_next = u.fail_next.unwrap_or(cfg.fail_next);
        cfg.fail_after = u.fail_after.unwrap_or(cfg.fail_after);
        cfg.retry_after = match u.retry_after {
            Some(0) => None,
            Some(n) => Some(n),
            None => cfg.retry_after,
        };
        self.set(cfg.clone());
        Ok(cfg)
    }
}

/// The middleware that applies the faults.
pub async fn middleware(State(faults): State<Faults>, req: Request, next: Next) -> Response {
    let cfg = faults.get();
    if cfg.down {
        faults.count();
        return drop_connection(&req);
    }
    if cfg.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(cfg.latency_ms)).await;
    }
    if cfg.drop_rate > 0.0 && rand::random::<f64>() < cfg.drop_rate {
        faults.count();
        return drop_connection(&req);
    }
    if cfg.throttle {
        faults.count();
        return ApiError::too_many_requests(cfg.retry_after.unwrap_or(1)).into_response();
    }
    let planned = faults.take_planned_failure();
    if planned || cfg.error_rate > 0.0 && rand::random::<f64>() < cfg.error_rate {
        faults.count();
        let status = StatusCode::from_u16(cfg.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let retry = match status.as_u16() {
            429 => Some(cfg.retry_after.unwrap_or(1)),
            503 => cfg.retry_after,
            _ => None,
        };
        return ApiError::server(status, retry).into_response();
    }
    next.run(req).await
}

/// Kills the request's connection; the answer never reaches the client.
fn drop_connection(req: &Request) -> Response {
    if let Some(ConnectInfo(conn)) = req.extensions().get::<ConnectInfo<Conn>>() {
        conn.kill.store(true, Ordering::SeqCst);
    }
    let failing = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the sandbox dropped this connection",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// What a handler knows about its connection: the peer and the kill switch.
#[derive(Debug, Clone)]
pub struct Conn {
    pub remote: SocketAddr,
    kill: Arc<AtomicBool>,
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, KillableListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        Conn {
            remote: *stream.remote_addr(),
            kill: stream.io().kill.clone(),
        }
    }
}

/// A TCP listener whose connections can be killed from a request.
#[derive(Debug)]
pub struct KillableListener(pub TcpListener);

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        let _ = stream.set_nodelay(true);
        (
            KillableStream {
                inner: stream,
                kill: Arc::new(AtomicBool::new(false)),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A TCP stream that fails every read and write once its kill switch is on.
#[derive(Debug)]
pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl KillableStream {
    fn killed(&self) -> Option<io::Error> {
        self.kill.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the sandbox dropped this connection",
            )
        })
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_failures_skip_then_fail_exactly_so_many() {
        let f = Faults::default();
        f.update(FaultUpdate {
            fail_after: Some(2),
            fail_next: Some(1),
            ..Default::default()
        })
        .unwrap();
        let outcomes: Vec<bool> = (0..5).map(|_| f.take_planned_failure()).collect();
        assert_eq!(outcomes, [false, false, true, false, false]);
        assert_eq!(f.get().fail_next, 0);
    }

    #[test]
    fn partial_updates_and_validation() {
        let f = Faults::default();
        let cfg = f
            .update(FaultUpdate {
                error_rate: Some(0.5),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(cfg.error_rate, 0.5);
        assert_eq!(cfg.status, 503);
        let cfg = f
            .update(FaultUpdate {
                down: Some(true),
                ..Default::default()
            })
            .unwrap();
        assert!(cfg.down && cfg.error_rate == 0.5);
        let e = f
            .update(FaultUpdate {
                drop_rate: Some(1.5),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.target.as_deref(), Some("dropRate"));
        assert!(
            f.update(FaultUpdate {
                status: Some(200),
                ..Default::default()
            })
            .is_err()
        );
        assert!(serde_json::from_str::<FaultUpdate>(r#"{"errorrate": 1}"#).is_err());
    }
}
