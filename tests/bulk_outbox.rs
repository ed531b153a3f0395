//! A bulk accept through the backend against the sandbox over real HTTP: one outbox entry per
//! referral, each sent with its own `If-Match`, within the rate limit.
//!
//! Rate: the documented Partner Center limit, 100 calls per 60 s per token, on both ends (the
//! sandbox throttles at it, the client's limiter is set to it). The first sync and 150 accepts
//! need more than 100 calls, so the test waits for a second window (about a minute of real
//! time; it asserts no timing): zero 429s, every referral Active.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig};
use refdeck::domain::Status;
use refdeck::domain::bulk::{BulkMove, RATE_CALLS};
use refdeck::protocol::{Command, Event};
use refdeck::sandbox::{self, SandboxConfig};

/// The documented rate window (see the module notes).
const WINDOW: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(240);

async fn list(client: &PartnerCenterClient, status: &str) -> Vec<String> {
    let q = ListQuery {
        filter: Some(format!("status eq '{status}'")),
        ..ListQuery::default()
    };
    let page = client.list(&q, |_, _| {}).await.unwrap();
    page.referrals.iter().map(|r| r.id().to_string()).collect()
}

#[tokio::test]
async fn a_bulk_accept_of_150_keeps_to_100_calls_per_window_and_every_referral_is_active() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 2_600,
        seed: 11,
        rate_limit_calls: RATE_CALLS,
        rate_limit_window: WINDOW,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let rated = |url: &str| PcConfig {
        rate_limit: (RATE_CALLS, WINDOW),
        ..PcConfig::sandbox(url)
    };
    // A checking client of its own (its own token, so its own budget).
    let checker = PartnerCenterClient::new(rated(&sandbox.base_url())).unwrap();
    let new = list(&checker, "New").await;
    assert!(new.len() >= 150, "the demo data has {} New", new.len());
    let ids: Vec<String> = new[..150].to_vec();

    let dir = tempfile::tempdir().unwrap();
    let mut config = support::sandbox_backend(&sandbox, dir.path());
    config.partner_center = Some(PartnerCenterClient::new(rated(&sandbox.base_url())).unwrap());
    let (cmd, mut ev, backend) = support::start_backend(config);
    cmd.send(Command::Start).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut next = async || support::next_event(&mut ev, deadline).await;
    while !matches!(next().await, Event::RefreshDone { .. }) {}

    cmd.send(Command::BulkMove {
        ids: ids.clone(),
        change: BulkMove::Accept,
        hold_seconds: 1,
    })
    .unwrap();
    let queued = loop {
        if let Event::BulkQueued {
            queued, skipped, ..
        } = next().await
        {
            assert!(skipped.is_empty(), "{skipped:?}");
            break queued;
        }
    };
    assert_eq!(queued.len(), 150, "one outbox entry per referral");
    let mut seqs: Vec<i64> = queued.iter().map(|(_, s)| *s).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 150);
    let mut saved = 0;
    while saved < 150 {
        match next().await {
            Event::Saved { referral, .. } => {
                assert_eq!(referral.status(), Status::Active);
                saved += 1;
            }
            Event::SaveFailed { message, .. } => panic!("refused: {message}"),
            Event::Conflict { .. } => panic!("a conflict"),
            _ => {}
        }
    }
    let summary: serde_json::Value = reqwest::get(format!("{}/_sandbox", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["throttled"], 0, "no call met a 429");
    let active = list(&checker, "Active").await;
    for id in &ids {
        assert!(active.contains(id), "{id} is not Active on the server");
    }
    backend.abort();
}

#[tokio::test]
async fn a_bulk_field_set_sends_one_checked_patch_per_referral() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 30,
        seed: 5,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let checker = PartnerCenterClient::new(PcConfig::sandbox(&sandbox.base_url())).unwrap();
    let ids: Vec<String> = list(&checker, "Active").await[..3].to_vec();
    let dir = tempfile::tempdir().unwrap();
    let (cmd, mut ev, backend) =
        support::start_backend(support::sandbox_backend(&sandbox, dir.path()));
    cmd.send(Command::Start).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut next = async || support::next_event(&mut ev, deadline).await;
    while !matches!(next().await, Event::RefreshDone { .. }) {}
    cmd.send(Command::BulkMove {
        ids: ids.clone(),
        change: BulkMove::Set {
            path: "/details/notes".into(),
            value: serde_json::json!("call back in Q3"),
        },
        hold_seconds: 0,
    })
    .unwrap();
    let mut saved = 0;
    while saved < 3 {
        match next().await {
            Event::Saved { referral, .. } => {
                assert_eq!(referral.notes(), "call back in Q3");
                saved += 1;
            }
            Event::SaveFailed { message, .. } => panic!("refused: {message}"),
            _ => {}
        }
    }
    for id in &ids {
        assert_eq!(checker.get(id).await.unwrap().notes(), "call back in Q3");
    }
    backend.abort();
}
