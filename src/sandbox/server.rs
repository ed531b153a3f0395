//! Starting and stopping a sandbox: one loopback HTTP server that serves the Partner Center
//! Referrals API, the sign-in endpoints, the Marketo REST API and the `/_sandbox` controls.
//!
//! Layers, outermost first: `request-id` on every response and `client-request-id` echoed; then
//! the fault injector on every API route (`faults.rs`); then, on Partner Center routes only,
//! the token check and throttle (`pc.rs`). Unknown paths answer 404 `itemNotFound`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::demo;
use super::error::ApiError;
use super::faults::{Conn, Faults, KillableListener};
use super::marketo::{self, MarketoState};
use super::pc::{self, API_PATH, PcState, Throttle};
use super::referrals::Referrals;
use super::tokens::Tokens;
use super::{control, login};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// How many demo referrals to generate.
    pub referrals: usize,
    /// Seed of the demo data.
    pub seed: u64,
    /// Partner Center calls allowed per token per window (the connector's 100 per 60 s).
    pub rate_limit_calls: usize,
    pub rate_limit_window: Duration,
    /// Lifetime of access tokens (Azure AD's hour).
    pub token_ttl: Duration,
    /// The clock's start; `None` is real time.
    pub now: Option<DateTime<Utc>>,
    /// How the seeded Marketo records are keyed (the app's `[marketo.mapping]`, so both agree).
    pub marketo_mapping: crate::domain::marketo::MarketoMapping,
    /// How the emulated tenant is set up (see [`super::switches`]).
    pub switches: super::Switches,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            referrals: 200,
            seed: 1,
            rate_limit_calls: 100,
            rate_limit_window: Duration::from_secs(60),
            token_ttl: Duration::from_secs(3600),
            now: None,
            marketo_mapping: Default::default(),
            switches: Default::default(),
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot listen for stop signals: {0}")]
    Signal(std::io::Error),
}

/// A running sandbox. Dropping it stops the server too.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    clock: Clock,
    faults: Faults,
    switches: super::SwitchBoard,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Partner Center base the client takes: `http://127.0.0.1:PORT/v1.0/engagements`.
    pub fn pc_base_url(&self) -> String {
        format!("{}{API_PATH}", self.base_url())
    }

    /// The sign-in authority for the device-code flow: `http://127.0.0.1:PORT/sandbox`.
    pub fn authority(&self) -> String {
        format!("{}/sandbox", self.base_url())
    }

    /// The token endpoint for client credentials.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v2.0/token", self.authority())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox clock (shared with the server: moving it moves the server's time).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The injected faults (the same settings `/_sandbox/faults` changes).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// How the emulated tenant is set up (the same settings `/_sandbox/switches` changes).
    pub fn switches(&self) -> &super::SwitchBoard {
        &self.switches
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Generates the demo data, binds `cfg.addr` and serves in a spawned task.
pub async fn start(cfg: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
    let clock = Clock::new();
    if let Some(at) = cfg.now {
        clock.set(at);
    }
    let (count, seed, now) = (cfg.referrals, cfg.seed, clock.now());
    let (mapping, seed_clock) = (cfg.marketo_mapping.clone(), clock.clone());
    let seeded = tokio::task::spawn_blocking(move || {
        let referrals = Referrals::generated(count, seed, now);
        let marketo = MarketoState::seeded_from(
            || demo::iter(count.min(MarketoState::SEEDED_REFERRALS), seed, now),
            seed,
            seed_clock,
            &mapping,
        );
        (referrals, marketo)
    })
    .await;
    let (referrals, marketo_state) = match seeded {
        Ok(both) => both,
        Err(_) => (
            Referrals::new(Vec::new()),
            MarketoState::seeded(&[], cfg.seed, clock.clone(), &cfg.marketo_mapping),
        ),
    };
    let switches = super::SwitchBoard::new(cfg.switches.clone());
    let marketo_state = marketo_state.with_switches(switches.clone());
    let listener = TcpListener::bind(cfg.addr)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: cfg.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
        addr: cfg.addr,
        source,
    })?;
    let faults = Faults::default();
    let state = Arc::new(PcState {
        referrals: RwLock::new(referrals),
        tokens: Mutex::new(Tokens::new(cfg.token_ttl)),
        throttle: Mutex::new(Throttle::new(cfg.rate_limit_calls, cfg.rate_limit_window)),
        clock: clock.clone(),
        faults: faults.clone(),
        switches: switches.clone(),
        origin: format!("http://{addr}"),
        count: cfg.referrals,
        seed: cfg.seed,
    });
    let app = app(state, marketo_state, faults.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let service = app.into_make_service_with_connect_info::<Conn>();
    let task = tokio::spawn(async move {
        let served = axum::serve(KillableListener(listener), service)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("sandbox server stopped: {e}");
        }
    });
    tracing::info!(%addr, referrals = cfg.referrals, "sandbox listening");
    Ok(SandboxHandle {
        addr,
        clock,
        faults,
        switches,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The whole router.
fn app(state: pc::Shared, marketo_state: MarketoState, faults: Faults) -> Router {
    let api = Router::new()
        .merge(pc::router(state.clone()))
        .merge(login::router(state.clone()))
        .merge(marketo::router(marketo_state))
        .layer(middleware::from_fn_with_state(
            faults,
            super::faults::middleware,
        ));
    Router::new()
        .merge(api)
        .merge(control::router(state))
        .fallback(not_found)
        .layer(middleware::from_fn(request_ids))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "nothing lives at `{}`; the Referrals API is under {API_PATH}/referrals",
        uri.path()
    ))
    .with_target("path")
}

/// `request-id` on every response; `client-request-id` echoed when the client sent one.
async fn request_ids(req: Request, next: Next) -> Response {
    let client = req.headers().get("client-request-id").cloned();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("request-id", v);
    }
    if let Some(c) = client {
        h.insert("client-request-id", c);
    }
    resp
}

/// Refuses a listening address other than loopback unless `allow_remote` (the sandbox has no
/// real security: anyone who can reach it can read and change its data).
pub fn check_addr(addr: SocketAddr, allow_remote: bool) -> Result<(), String> {
    if addr.ip().is_loopback() || allow_remote {
        Ok(())
    } else {
        Err(format!(
            "refusing to listen on {addr}: the sandbox accepts any client and has no real security; \
             use a loopback address such as 127.0.0.1:0, or pass --allow-remote if you really mean it"
        ))
    }
}

/// Starts a sandbox, writes `listening on http://HOST:PORT` as the first line of `out`, and
/// serves until Ctrl-C or SIGTERM. The signal handlers are in place before the line is written,
/// so a signal sent as soon as the line is read stops the sandbox cleanly.
pub async fn run_until_stopped(
    cfg: SandboxConfig,
    out: &mut impl std::io::Write,
) -> Result<(), SandboxError> {
    let stop = stop_signal()?;
    let handle = start(cfg).await?;
    let _ = writeln!(out, "listening on {}", handle.base_url());
    let _ = out.flush();
    stop.await;
    handle.shutdown().await;
    Ok(())
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM; on Unix the handlers are installed when this
/// returns (elsewhere on first poll).
fn stop_signal() -> Result<impl std::future::Future<Output = ()>, SandboxError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(SandboxError::Signal)?;
        let mut int = signal(SignalKind::interrupt()).map_err(SandboxError::Signal)?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
