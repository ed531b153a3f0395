//! Sandbox scale benchmark: the resident memory of N demo referrals (Partner Center store, then
//! the Marketo instance seeded from the first 100,000), and the time of `GET /referrals` over them with the documented
//! filters (answered from the compact rows) and with a nested filter (each referral rebuilt
//! from the seed once).
//!
//! ```text
//! cargo run --release --example bench_sandbox -- 1000000
//! n=1000000 pc_s=… pc_rss_mb=… marketo_s=… rss_mb=… hwm_mb=…
//! list "…" count=… first_page_ms=… next_page_ms=…
//! ```
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Instant;

use refdeck::domain::marketo::MarketoMapping;
use refdeck::sandbox::clock::Clock;
use refdeck::sandbox::demo;
use refdeck::sandbox::marketo::MarketoState;
use refdeck::sandbox::referrals::Referrals;

#[path = "support/proc.rs"]
mod proc;
use proc::status_mb;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |a| a.parse().unwrap());
    let now = chrono::Utc::now();
    let t = Instant::now();
    let mut store = Referrals::generated(n, 1, now);
    let pc_s = t.elapsed().as_secs_f64();
    let pc_rss = status_mb("VmRSS:");
    let t = Instant::now();
    let marketo = MarketoState::seeded_from(
        || demo::iter(n.min(MarketoState::SEEDED_REFERRALS), 1, now),
        1,
        Clock::new(),
        &MarketoMapping::default(),
    );
    let marketo_s = t.elapsed().as_secs_f64();
    println!(
        "n={n} pc_s={pc_s:.1} pc_rss_mb={pc_rss:.0} marketo_s={marketo_s:.1} rss_mb={:.0} hwm_mb={:.0}",
        status_mb("VmRSS:"),
        status_mb("VmHWM:")
    );
    let base = "http://h/v1.0/engagements";
    for query in [
        "$count=true",
        "$filter=status%20eq%20'New'&$count=true",
        "$filter=updatedDateTime%20gt%202026-01-01T00:00:00Z&$orderby=updatedDateTime%20desc&$count=true",
        "$filter=customerProfile/address/country%20eq%20'US'&$count=true",
        "$filter=team/any(t:t/email%20eq%20'x@y.com')&$count=true",
    ] {
        let t = Instant::now();
        let first = store.list(Some(query), base, base).unwrap();
        let first_ms = t.elapsed().as_secs_f64() * 1e3;
        let next_ms = first["@odata.nextLink"].as_str().map(|link| {
            let next = link.split_once('?').unwrap().1.to_string();
            let t = Instant::now();
            store.list(Some(&next), base, base).unwrap();
            t.elapsed().as_secs_f64() * 1e3
        });
        println!(
            "list \"{query}\" count={} first_page_ms={first_ms:.0} next_page_ms={:.1}",
            first["@odata.count"],
            next_ms.unwrap_or(0.0)
        );
    }
    println!(
        "after listing rss_mb={:.0} hwm_mb={:.0}",
        status_mb("VmRSS:"),
        status_mb("VmHWM:")
    );
    drop(marketo);
}
