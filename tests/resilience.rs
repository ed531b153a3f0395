//! Sturdy under faults: with the sandbox failing a fifth of the calls, dropping connections,
//! throttling in storms and answering slowly, the backend keeps going, says what failed,
//! retries, and loses no edit.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::collections::HashSet;
use std::time::Duration;

use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig};
use refdeck::domain::patch::PatchOp;
use refdeck::protocol::{Command, Event, Level};
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

async fn faults(sandbox: &SandboxHandle, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

/// Collects events until `done` says so or the time is up.
async fn until(
    ev: &mut UnboundedReceiver<Event>,
    secs: u64,
    mut done: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, ev.recv()).await {
        let stop = done(&e);
        seen.push(e);
        if stop {
            return seen;
        }
    }
    panic!("timed out; events so far: {}", seen.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_survive_errors_drops_throttling_and_latency() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 120,
        seed: 5,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = PartnerCenterClient::new(PcConfig::sandbox(&sandbox.base_url())).unwrap();
    let targets: Vec<_> = client
        .list(
            &ListQuery {
                filter: Some("status eq 'Active'".into()),
                ..ListQuery::default()
            },
            |_, _| {},
        )
        .await
        .unwrap()
        .referrals
        .into_iter()
        .take(8)
        .collect();
    assert_eq!(targets.len(), 8);

    let dir = tempfile::tempdir().unwrap();
    let (cmd, mut ev, _backend) =
        support::start_backend(support::sandbox_backend(&sandbox, dir.path()));
    // A 429 storm from the start: the first sync waits it out (Retry-After) and then succeeds.
    faults(&sandbox, json!({"throttle": true, "retryAfter": 1})).await;
    cmd.send(Command::Start).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    faults(&sandbox, json!({"throttle": false})).await;
    let mut seen = until(&mut ev, 60, |e| {
        matches!(e, Event::RefreshDone { .. } | Event::RefreshFailed { .. })
    })
    .await;

    // Now a fifth of the calls fail, a tenth of the connections drop, and every answer is slow.
    faults(
        &sandbox,
        json!({"errorRate": 0.2, "status": 503, "dropRate": 0.1, "latencyMs": 150}),
    )
    .await;
    for (i, r) in targets.iter().enumerate() {
        cmd.send(Command::Patch {
            id: r.id().to_string(),
            ops: vec![PatchOp::replace(
                "/details/notes",
                json!(format!("Resilient {i}")),
            )],
            etag: r.etag.clone(),
            base: Box::new(r.clone()),
            summary: "name".into(),
        })
        .unwrap();
    }
    cmd.send(Command::Refresh { full: true }).unwrap();
    let mut saved = HashSet::new();
    let mut told_failures = false;
    seen.extend(
        until(&mut ev, 120, |e| {
            if let Event::Saved { referral, .. } = e {
                saved.insert(referral.id().to_string());
            }
            saved.len() == targets.len()
        })
        .await,
    );
    // What the backend says about the retries comes with its next periodic look.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    while let Ok(e) = ev.try_recv() {
        seen.push(e);
    }
    for e in &seen {
        match e {
            Event::PartnerCenter(c) if matches!(c.link, refdeck::protocol::Link::Offline(_)) => {
                told_failures = true
            }
            Event::RefreshFailed { .. }
            | Event::Retrying { why: Some(_) }
            | Event::Notice {
                level: Level::Warning | Level::Error,
                ..
            } => told_failures = true,
            Event::SaveFailed { message, .. } => {
                panic!("an edit was refused instead of retried: {message}")
            }
            Event::Conflict { .. } => panic!("a retried edit came back as a conflict"),
            _ => {}
        }
    }
    let injected: u64 = {
        let summary: serde_json::Value = reqwest::get(format!("{}/_sandbox", sandbox.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        summary["faultsInjected"].as_u64().unwrap_or(0)
    };
    assert!(injected > 0, "faults were injected");
    assert!(
        told_failures || injected < 3,
        "failures were shown to the user"
    );

    faults(
        &sandbox,
        json!({"errorRate": 0.0, "dropRate": 0.0, "latencyMs": 0}),
    )
    .await;
    for (i, r) in targets.iter().enumerate() {
        let server = client.get(r.id()).await.unwrap();
        assert_eq!(
            server.notes(),
            format!("Resilient {i}"),
            "edit {i} reached the server exactly as made"
        );
    }
}
