//! A full first sync against the sandbox over real HTTP at a scaled-down rate limit (the same
//! number of calls per window on both ends, as at the documented 100 per 60 s): it takes exactly
//! ceil(N/100) list calls, meets no 429, and the list shows rows and an ETA before it ends.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use chrono::Duration as Span;
use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
use refdeck::protocol::{Command, Event};
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use serde_json::Value;
use support::{Harness, now};

const WAIT: Duration = Duration::from_secs(60);

async fn summary(h: &SandboxHandle) -> Value {
    reqwest::get(format!("{}/_sandbox", h.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn first_sync_takes_ceil_n_over_100_calls_no_429_and_shows_an_eta_before_it_ends() {
    const N: usize = 1_050;
    // 4 calls per 0.5 s on both ends: the 11 pages need the window to roll twice.
    let (calls, window) = (4, Duration::from_millis(500));
    let sandbox = sandbox::start(SandboxConfig {
        referrals: N,
        seed: 9,
        rate_limit_calls: calls,
        rate_limit_window: window,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::sandbox_backend(&sandbox, dir.path());
    let mut pc = PcConfig::sandbox(&sandbox.base_url());
    pc.rate_limit = (calls, window);
    config.partner_center = Some(PartnerCenterClient::new(pc).unwrap());
    let (cmd, mut ev, backend) = support::start_backend(config);
    cmd.send(Command::Start).unwrap();

    // The events go into a dashboard, a second of its clock per event, as they arrive.
    let mut hx = Harness::new(0, 160, 48);
    let mut tick = 0;
    let mut rows_seen = Vec::new();
    let mut etas = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let e = support::next_event(&mut ev, deadline).await;
        tick += 1;
        hx.app.set_now(now() + Span::seconds(tick));
        let done = match &e {
            Event::RefreshDone { changed, .. } => {
                assert_eq!(*changed, N);
                true
            }
            Event::RefreshFailed { message } => panic!("refresh failed: {message}"),
            _ => false,
        };
        let progress = matches!(e, Event::RefreshProgress { .. });
        hx.event(e);
        if done {
            break;
        }
        if progress {
            rows_seen.push(hx.app.list.len());
            let screen = hx.screen();
            let top = screen.lines().next().unwrap_or("").to_string();
            if top.contains("/1,050") && top.contains(" left") {
                etas.push(top);
            }
        }
    }
    let pages: Vec<usize> = (1..=N.div_ceil(100)).map(|p| (p * 100).min(N)).collect();
    assert_eq!(
        rows_seen, pages,
        "the list grows page by page from the first"
    );
    assert!(
        etas.len() >= 10,
        "each page but the last shows the time left: {etas:#?}"
    );
    let s = summary(&sandbox).await;
    assert_eq!(s["partnerCenterCalls"], N.div_ceil(100), "{s}");
    assert_eq!(s["throttled"], 0, "{s}");
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}
