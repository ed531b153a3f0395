//! The expiry queue against the sandbox: its controllable clock moves past referrals'
//! deadlines, a refresh brings the Expired referrals back, and the list's count of New
//! referrals expiring within 48 hours follows.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use refdeck::domain::{ReferralRow, Status, Substatus};
use refdeck::protocol::{Command, Event};
use refdeck::sandbox::{self, SandboxConfig};
use refdeck::ui::list::ListPane;
use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(30);

/// Collects the rows a refresh sends until it is done.
async fn refreshed(ev: &mut UnboundedReceiver<Event>) -> Vec<ReferralRow> {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut rows = Vec::new();
    loop {
        match support::next_event(ev, deadline).await {
            Event::RowsChanged { rows: r } => rows.extend(r),
            Event::RefreshDone { .. } => return rows,
            Event::RefreshFailed { message } => panic!("refresh failed: {message}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn referrals_expire_on_the_sandbox_clock_and_the_count_follows() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 300,
        seed: 11,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cmd, mut ev, backend) =
        support::start_backend(support::sandbox_backend(&sandbox, dir.path()));
    cmd.send(Command::Start).unwrap();
    let first = refreshed(&mut ev).await;

    let mut list = ListPane::new(sandbox.clock().now());
    list.set_rows(first, true);
    let before = list.expiring_soon();
    assert!(before > 0, "the demo data has referrals about to expire");
    let soonest = list
        .rows()
        .iter()
        .filter(|r| *r.status() == Status::New && r.expires().is_some())
        .min_by_key(|r| r.expires())
        .unwrap()
        .to_row();

    // Three days later, through the sandbox's clock switch.
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/_sandbox/clock", sandbox.base_url()))
        .body(r#"{"advanceSeconds": 259200}"#)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    cmd.send(Command::Refresh { full: false }).unwrap();
    let changed = refreshed(&mut ev).await;
    let expired = changed.iter().find(|r| r.id == soonest.id).unwrap();
    assert_eq!(
        (expired.status.clone(), expired.substatus.clone()),
        (Status::Closed, Substatus::Expired)
    );
    list.set_now(sandbox.clock().now());
    list.upsert_rows(changed);
    let after = list.expiring_soon();
    let expected = list
        .rows()
        .iter()
        .filter(|r| {
            *r.status() == Status::New
                && r.expires()
                    .is_some_and(|e| e < sandbox.clock().now() + chrono::Duration::hours(48))
        })
        .count();
    assert_eq!(after, expected);
    assert!(
        list.rows()
            .iter()
            .filter(|r| *r.status() == Status::New)
            .all(|r| r.expires().is_none_or(|e| e > sandbox.clock().now())),
        "nothing New is left past its deadline"
    );
    assert_ne!(after, before, "the count changed with the clock");
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}

/// A background refresh (the periodic one) marks what arrived or changed since the seller last
/// looked and announces the new incoming referrals; the first sync is the baseline.
#[tokio::test]
async fn a_background_refresh_marks_new_referrals_and_announces_incoming_ones() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 200,
        seed: 3,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::sandbox_backend(&sandbox, dir.path());
    config.refresh_every = Some(Duration::from_millis(300));
    let (cmd, mut ev, backend) = support::start_backend(config);
    cmd.send(Command::Start).unwrap();
    let first = refreshed(&mut ev).await;
    assert!(!first.is_empty());
    assert!(
        first.iter().all(|r| !r.unseen),
        "the first sync is the baseline"
    );

    // The service's data moves on two days: new referrals arrive, others change.
    let http = reqwest::Client::new();
    for (path, body) in [("clock", r#"{"advanceSeconds": 172800}"#), ("reset", "")] {
        let resp = http
            .post(format!("{}/_sandbox/{path}", sandbox.base_url()))
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}");
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut changed: Vec<ReferralRow> = Vec::new();
    let announced = loop {
        match support::next_event(&mut ev, deadline).await {
            Event::RowsChanged { rows } => changed.extend(rows),
            Event::NewIncoming { count } => break count,
            Event::RefreshFailed { message } => panic!("refresh failed: {message}"),
            _ => {}
        }
    };
    let new_incoming: std::collections::HashSet<&str> = changed
        .iter()
        .filter(|r| {
            r.unseen
                && r.status == Status::New
                && r.direction == Some(refdeck::domain::Direction::Incoming)
        })
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(announced, new_incoming.len());
    assert!(announced > 0);

    // Opening one marks it seen: its row comes back without the mark.
    let id = new_incoming.iter().next().unwrap().to_string();
    cmd.send(Command::OpenDetail {
        id: id.clone(),
        fresh: true,
    })
    .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Event::RowsChanged { rows } = support::next_event(&mut ev, deadline).await
            && let Some(row) = rows.iter().find(|r| r.id == id)
        {
            assert!(!row.unseen);
            break;
        }
    }
    let store =
        refdeck::backend::store::Store::open(&dir.path().join(refdeck::backend::store::FILE_NAME))
            .unwrap();
    let rows = store.load_rows(None).unwrap();
    assert!(
        !rows.iter().find(|r| r.id == id).unwrap().unseen,
        "kept in the store"
    );
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}
