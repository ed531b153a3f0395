//! First-sync benchmark: a sandbox with N referrals throttling at the documented rate (100
//! calls per 60 s per token, on both ends) and the backend task syncing them into a fresh
//! store in a temporary directory, over real HTTP on loopback.
//!
//! ```text
//! cargo run --release --example bench_sync -- 100000            # 100 calls per 60 s
//! cargo run --release --example bench_sync -- 1050 4 1          # 4 calls per 1 s
//! n=100000 calls=1000 expected_calls=1000 throttled=0 first_rows_s=… total_s=… rss_mb=…
//! ```
//! At 100 calls per 60 s, 100,000 referrals (1,000 pages) take about ten minutes: the first 100
//! pages come at once, then 100 every minute. A line per 100 pages shows the ETA the top bar
//! shows at that moment (and its two parts: the pace so far, the least the call budget allows).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::{Duration, Instant};

use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
use refdeck::backend::task::{self, BackendConfig};
use refdeck::protocol::{Command, Event};
use refdeck::sandbox::{self, SandboxConfig};
use tokio::sync::mpsc::unbounded_channel;

#[path = "support/proc.rs"]
mod proc;
use proc::status_mb;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(100_000, |a| a.parse().unwrap());
    let calls: usize = args.get(1).map_or(100, |a| a.parse().unwrap());
    let window = Duration::from_secs(args.get(2).map_or(60, |a| a.parse().unwrap()));
    let sandbox = sandbox::start(SandboxConfig {
        referrals: n,
        seed: 42,
        rate_limit_calls: calls,
        rate_limit_window: window,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut pc = PcConfig::sandbox(&sandbox.base_url());
    pc.rate_limit = (calls, window);
    let config = BackendConfig {
        partner_center: Some(PartnerCenterClient::new(pc).unwrap()),
        partner_center_label: "sandbox".into(),
        source: sandbox.pc_base_url(),
        marketo: None,
        marketo_label: "off".into(),
        store_path: Some(dir.path().join(refdeck::backend::store::FILE_NAME)),
        refresh_every: None,
        marketo_slice: task::MARKETO_SLICE,
    };
    let (cmd, cmd_rx) = unbounded_channel();
    let (ev_tx, mut ev) = unbounded_channel();
    let backend = task::spawn(config, cmd_rx, ev_tx);
    let t0 = Instant::now();
    cmd.send(Command::Start).unwrap();
    let mut first_rows = None;
    let mut pages = 0usize;
    loop {
        match ev.recv().await.expect("the backend runs") {
            Event::RowsChanged { rows } if !rows.is_empty() => {
                first_rows.get_or_insert_with(|| t0.elapsed());
            }
            Event::RefreshProgress {
                fetched,
                total,
                paced,
            } => {
                pages += 1;
                if pages.is_multiple_of(100) {
                    // What the top bar shows: the pace so far, never below the call budget.
                    let t = t0.elapsed().as_secs_f64();
                    let total = total.unwrap_or(0) as f64;
                    let by_rate = t * (total - fetched as f64).max(0.0) / fetched.max(1) as f64;
                    let by_budget = paced.unwrap_or_default().as_secs_f64();
                    println!(
                        "t={t:.0}s fetched={fetched} eta_s={:.0} (pace {by_rate:.0}, budget {by_budget:.0})",
                        by_rate.max(by_budget)
                    );
                }
            }
            Event::RefreshDone { changed, .. } => {
                assert_eq!(changed, n, "every referral stored");
                break;
            }
            Event::RefreshFailed { message } => panic!("the sync failed: {message}"),
            _ => {}
        }
    }
    let total = t0.elapsed();
    let summary: serde_json::Value = reqwest::get(format!("{}/_sandbox", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!(
        "n={n} rate={calls}/{}s calls={} expected_calls={} throttled={} first_rows_s={:.2} total_s={:.1} rss_mb={:.0} hwm_mb={:.0}",
        window.as_secs(),
        summary["partnerCenterCalls"],
        n.div_ceil(100),
        summary["throttled"],
        first_rows.unwrap_or_default().as_secs_f64(),
        total.as_secs_f64(),
        status_mb("VmRSS:"),
        status_mb("VmHWM:"),
    );
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}
