//! The backend task against the sandbox over real HTTP: edits go through the durable outbox
//! with `If-Match`, conflicts come back as mine/theirs, refusals wait for the user, offline
//! edits wait and go in order, and a shared referral's second create waits when it fails.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig};
use refdeck::backend::store::Store;
use refdeck::backend::task;
use refdeck::domain::outbox::OutboxState;
use refdeck::domain::patch::PatchOp;
use refdeck::domain::*;
use refdeck::protocol::{Command, Event};
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

const WAIT: Duration = Duration::from_secs(30);

struct Rig {
    sandbox: SandboxHandle,
    client: PartnerCenterClient,
    dir: tempfile::TempDir,
    cmd: UnboundedSender<Command>,
    ev: UnboundedReceiver<Event>,
    backend: tokio::task::JoinHandle<()>,
}

fn backend(
    sandbox: &SandboxHandle,
    dir: &std::path::Path,
) -> (
    UnboundedSender<Command>,
    UnboundedReceiver<Event>,
    tokio::task::JoinHandle<()>,
) {
    let (cmd, cmd_rx) = unbounded_channel();
    let (ev_tx, ev) = unbounded_channel();
    let config = support::sandbox_backend(sandbox, dir);
    let handle = task::spawn(config, cmd_rx, ev_tx);
    cmd.send(Command::Start).unwrap();
    (cmd, ev, handle)
}

impl Rig {
    async fn new() -> Rig {
        let sandbox = sandbox::start(SandboxConfig {
            referrals: 60,
            seed: 3,
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let client = PartnerCenterClient::new(PcConfig::sandbox(&sandbox.base_url())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (cmd, ev, backend) = backend(&sandbox, dir.path());
        let mut rig = Rig {
            sandbox,
            client,
            dir,
            cmd,
            ev,
            backend,
        };
        rig.expect("the first sync", |e| matches!(e, Event::RefreshDone { .. }))
            .await;
        rig
    }

    /// Waits for an event matching `pred` (other events are skipped).
    async fn expect(&mut self, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.ev.recv()).await {
                Ok(Some(e)) if pred(&e) => return e,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the backend stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }

    async fn first(&self, status: &str) -> Referral {
        let q = ListQuery {
            filter: Some(format!("status eq '{status}'")),
            ..ListQuery::default()
        };
        self.client
            .list(&q, |_, _| {})
            .await
            .unwrap()
            .referrals
            .remove(0)
    }

    fn patch(&self, base: &Referral, ops: Vec<PatchOp>, summary: &str) {
        self.cmd
            .send(Command::Patch {
                id: base.id().to_string(),
                ops,
                etag: base.etag.clone(),
                base: Box::new(base.clone()),
                summary: summary.into(),
            })
            .unwrap();
    }

    async fn faults(&self, body: serde_json::Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", self.sandbox.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    async fn outbox(&mut self) -> Vec<refdeck::domain::outbox::OutboxEntry> {
        self.cmd.send(Command::OutboxList).unwrap();
        match self
            .expect("the outbox", |e| matches!(e, Event::Outbox { .. }))
            .await
        {
            Event::Outbox { entries } => entries,
            _ => unreachable!(),
        }
    }
}

#[tokio::test]
async fn an_edit_is_sent_with_if_match_and_saved() {
    let mut rig = Rig::new().await;
    let base = rig.first("Active").await;
    rig.patch(
        &base,
        vec![PatchOp::replace("/details/notes", json!("Renamed deal"))],
        "name",
    );
    let queued = rig
        .expect("queued", |e| matches!(e, Event::Queued { .. }))
        .await;
    let Event::Queued { seq, .. } = queued else {
        unreachable!()
    };
    let saved = rig
        .expect("saved", |e| matches!(e, Event::Saved { .. }))
        .await;
    let Event::Saved {
        seq: saved_seq,
        referral,
    } = saved
    else {
        unreachable!()
    };
    assert_eq!(saved_seq, seq);
    assert_eq!(referral.notes(), "Renamed deal");
    assert_ne!(referral.etag, base.etag, "a write gives a new eTag");
    let server = rig.client.get(base.id()).await.unwrap();
    assert_eq!(server.notes(), "Renamed deal");
    assert!(rig.outbox().await.is_empty());
}

#[tokio::test]
async fn a_412_shows_mine_and_theirs_and_sends_the_chosen_result() {
    let mut rig = Rig::new().await;
    let base = rig.first("Active").await;
    // A colleague renames it first.
    rig.client
        .patch(
            base.id(),
            &[PatchOp::replace(
                "/details/notes",
                json!("Colleague's name"),
            )],
            base.etag.as_deref(),
        )
        .await
        .unwrap();
    rig.patch(
        &base,
        vec![PatchOp::replace("/details/notes", json!("My name"))],
        "name",
    );
    let conflict = rig
        .expect("a conflict", |e| matches!(e, Event::Conflict { .. }))
        .await;
    let Event::Conflict {
        seq,
        base: b,
        mine,
        theirs,
    } = conflict
    else {
        unreachable!()
    };
    assert_eq!(b.notes(), base.notes());
    assert_eq!(mine.notes(), "My name");
    assert_eq!(theirs.notes(), "Colleague's name");
    // Nothing was overwritten meanwhile.
    assert_eq!(
        rig.client.get(base.id()).await.unwrap().notes(),
        "Colleague's name"
    );
    let entries = rig.outbox().await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].state, OutboxState::Conflict);

    rig.cmd
        .send(Command::Resolve {
            seq,
            ops: vec![PatchOp::replace("/details/notes", json!("Both names"))],
            etag: theirs.etag.clone(),
            summary: "resolved".into(),
        })
        .unwrap();
    rig.expect(
        "saved",
        |e| matches!(e, Event::Saved { seq: s, .. } if *s == seq),
    )
    .await;
    assert_eq!(
        rig.client.get(base.id()).await.unwrap().notes(),
        "Both names"
    );
}

#[tokio::test]
async fn a_refused_edit_waits_until_discarded_and_the_cache_is_restored() {
    let mut rig = Rig::new().await;
    let base = rig.first("Active").await;
    // An Active referral cannot go back to New (the documented table): the service refuses it.
    rig.patch(
        &base,
        vec![
            PatchOp::replace("/status", json!("New")),
            PatchOp::replace("/substatus", json!("Pending")),
        ],
        "back to new",
    );
    let failed = rig
        .expect("a refusal", |e| matches!(e, Event::SaveFailed { .. }))
        .await;
    let Event::SaveFailed { seq, message, .. } = failed else {
        unreachable!()
    };
    assert!(
        message.contains("back to New"),
        "the server's message: {message}"
    );
    let entries = rig.outbox().await;
    assert_eq!(entries[0].state, OutboxState::Failed);
    assert!(entries[0].last_error.is_some());
    rig.cmd.send(Command::OutboxDiscard { seq }).unwrap();
    rig.expect(
        "the empty outbox",
        |e| matches!(e, Event::Outbox { entries } if entries.is_empty()),
    )
    .await;
    let store = Store::open(&rig.dir.path().join(refdeck::backend::store::FILE_NAME)).unwrap();
    assert_eq!(
        store.get(base.id()).unwrap().unwrap().status(),
        Status::Active,
        "the cache shows the server's copy"
    );
}

#[tokio::test]
async fn offline_edits_wait_and_reach_the_server_in_order() {
    let mut rig = Rig::new().await;
    let base = rig.first("New").await;
    rig.faults(json!({"down": true})).await;
    // Two edits of the same referral, both made on the copy the user loaded.
    rig.patch(
        &base,
        vec![PatchOp::replace("/statusReason", json!("First edit"))],
        "name",
    );
    rig.patch(
        &base,
        vec![PatchOp::add("/details/notes", json!("Second edit"))],
        "notes",
    );
    rig.expect("both queued", |e| matches!(e, Event::OutboxCount(2)))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending = rig.outbox().await;
    assert_eq!(pending.len(), 2, "nothing was lost or sent");
    assert!(pending[0].seq < pending[1].seq);
    rig.faults(json!({"down": false})).await;
    rig.cmd
        .send(Command::OutboxRetry {
            seq: pending[0].seq,
        })
        .unwrap();
    let first = rig
        .expect("the first saved", |e| matches!(e, Event::Saved { .. }))
        .await;
    let second = rig
        .expect("the second saved", |e| matches!(e, Event::Saved { .. }))
        .await;
    let (Event::Saved { seq: s1, .. }, Event::Saved { seq: s2, referral }) = (first, second) else {
        unreachable!()
    };
    assert!(s1 < s2, "in the order they were made");
    assert_eq!(referral.status_reason.as_deref(), Some("First edit"));
    assert_eq!(referral.notes(), "Second edit");
    let server = rig.client.get(base.id()).await.unwrap();
    assert_eq!(
        (
            server.status_reason.as_deref().unwrap_or(""),
            server.notes()
        ),
        ("First edit", "Second edit")
    );
}

#[tokio::test]
async fn unsent_edits_survive_a_restart_of_the_backend() {
    let mut rig = Rig::new().await;
    let base = rig.first("New").await;
    rig.faults(json!({"down": true})).await;
    rig.patch(
        &base,
        vec![PatchOp::replace(
            "/details/notes",
            json!("after the restart"),
        )],
        "favorite",
    );
    rig.expect("queued", |e| matches!(e, Event::Queued { .. }))
        .await;
    rig.cmd.send(Command::Shutdown).unwrap();
    let _ = (&mut rig.backend).await;
    rig.faults(json!({"down": false})).await;
    let (cmd, ev, handle) = backend(&rig.sandbox, rig.dir.path());
    (rig.cmd, rig.ev, rig.backend) = (cmd, ev, handle);
    rig.expect("saved after the restart", |e| {
        matches!(e, Event::Saved { .. })
    })
    .await;
    assert_eq!(
        rig.client.get(base.id()).await.unwrap().notes(),
        "after the restart"
    );
}

fn new_referral(name: &str) -> Referral {
    serde_json::from_value(json!({
        "name": name, "type": "Independent",
        "customerProfile": {"name": "Fabrikam", "address": {"country": "DE"},
            "team": [{"firstName": "Jo", "lastName": "Smith", "email": "jo@fabrikam.com", "phoneNumber": "+49 30 1234567"}]},
        "consent": {"consentToContact": true},
        "details": {"dealValue": 120000.0, "currency": "EUR", "closingDateTime": "2027-03-01T00:00:00Z",
            "requirements": {"solutions": [{"id": "SOL-34104-EBB", "name": "Fabrikam analytics"}]}}
    }))
    .unwrap()
}

#[tokio::test]
async fn a_shared_referral_and_its_microsoft_twin_share_an_engagement_even_when_the_second_call_fails()
 {
    let mut rig = Rig::new().await;
    // The first create passes; the next call (the twin) fails once.
    rig.faults(json!({"failAfter": 1, "failNext": 1, "status": 500}))
        .await;
    rig.cmd
        .send(Command::Create {
            referral: Box::new(new_referral("Fabrikam shared rollout")),
            shared: true,
        })
        .unwrap();
    let first = rig
        .expect("the shared referral created", |e| {
            matches!(e, Event::Saved { .. })
        })
        .await;
    let Event::Saved {
        referral: shared, ..
    } = first
    else {
        unreachable!()
    };
    // The twin's first attempt fails: it stays in the outbox with the failure recorded.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let entries = rig.outbox().await;
        assert_eq!(entries.len(), 1, "only the twin waits: {entries:?}");
        if entries[0].last_error.is_some() {
            assert_eq!(
                entries[0].state,
                OutboxState::Pending,
                "a server error is retried by itself"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the twin's failure was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = rig
        .expect("the twin created", |e| matches!(e, Event::Saved { .. }))
        .await;
    let Event::Saved { referral: twin, .. } = second else {
        unreachable!()
    };
    assert_eq!(shared.referral_type, Some(ReferralType::Shared));
    assert!(shared.engagement_id.is_some());
    assert_eq!(twin.engagement_id, shared.engagement_id);
    let target = &twin.target.as_ref().unwrap()[0];
    assert_eq!(
        target.target_type,
        Some(TargetType::BusinessProfileLocation)
    );
    assert_eq!(target.id.as_deref(), Some("msft"));
    let related = rig
        .client
        .related(shared.engagement_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(related.len(), 2);
    assert!(rig.outbox().await.is_empty());
}

#[tokio::test]
async fn an_independent_create_arrives_once() {
    let mut rig = Rig::new().await;
    rig.cmd
        .send(Command::Create {
            referral: Box::new(new_referral("Fabrikam solo")),
            shared: false,
        })
        .unwrap();
    let saved = rig
        .expect("created", |e| matches!(e, Event::Saved { .. }))
        .await;
    let Event::Saved { referral, .. } = saved else {
        unreachable!()
    };
    assert_eq!(
        (referral.status(), referral.substatus()),
        (Status::Active, Substatus::Accepted)
    );
    assert_eq!(referral.direction, Some(Direction::Outgoing));
    let q = ListQuery {
        filter: Some("name eq 'Fabrikam solo'".into()),
        ..ListQuery::default()
    };
    assert_eq!(
        rig.client
            .list(&q, |_, _| {})
            .await
            .unwrap()
            .referrals
            .len(),
        1
    );
}

#[tokio::test]
async fn a_later_refresh_asks_only_for_what_changed() {
    let mut rig = Rig::new().await;
    let changed = rig.first("Active").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    rig.client
        .patch(
            changed.id(),
            &[PatchOp::replace(
                "/details/notes",
                json!("Changed elsewhere"),
            )],
            changed.etag.as_deref(),
        )
        .await
        .unwrap();
    rig.cmd.send(Command::Refresh { full: false }).unwrap();
    let started = rig
        .expect("the refresh", |e| matches!(e, Event::RefreshStarted { .. }))
        .await;
    assert_eq!(
        started,
        Event::RefreshStarted { full: false },
        "an incremental refresh"
    );
    let rows = rig
        .expect("the changed rows", |e| {
            matches!(e, Event::RowsChanged { .. })
        })
        .await;
    let Event::RowsChanged { rows } = rows else {
        unreachable!()
    };
    assert_eq!(rows.len(), 1, "only the changed referral came back");
    assert_eq!(rows[0].id, changed.id());
    let done = rig
        .expect("done", |e| matches!(e, Event::RefreshDone { .. }))
        .await;
    assert!(
        matches!(done, Event::RefreshDone { changed: 1, .. }),
        "{done:?}"
    );
}

/// A held status move (the undo window) is not sent while held; withdrawn, it never reaches the
/// server and the cache shows the referral as it was. Held for a minute so the test does not
/// depend on timing.
#[tokio::test]
async fn a_held_move_withdrawn_in_its_window_is_never_sent() {
    let mut rig = Rig::new().await;
    let base = rig.first("New").await;
    let id = base.id().to_string();
    let mut next = base.clone();
    next.status = Some(Status::Active);
    next.substatus = Some(Substatus::Accepted);
    rig.cmd
        .send(Command::PatchHeld {
            patch: Box::new(Command::Patch {
                id: id.clone(),
                ops: refdeck::domain::patch::diff(&base, &next),
                etag: base.etag.clone(),
                base: Box::new(base.clone()),
                summary: "status → Active/Accepted".into(),
            }),
            seconds: 60,
        })
        .unwrap();
    let seq = match rig
        .expect("the held move", |e| matches!(e, Event::Held { .. }))
        .await
    {
        Event::Held { seq, .. } => seq,
        _ => unreachable!(),
    };
    rig.cmd.send(Command::Withdraw { seq }).unwrap();
    rig.expect(
        "the withdrawal",
        |e| matches!(e, Event::Withdrawn { seq: s, .. } if *s == seq),
    )
    .await;
    assert!(rig.outbox().await.is_empty());
    let on_server = rig.client.get(&id).await.unwrap();
    assert_eq!(
        on_server.status(),
        Status::New,
        "the move reached the server"
    );
    // Withdrawing again is too late (nothing to take back).
    rig.cmd.send(Command::Withdraw { seq }).unwrap();
    rig.expect(
        "too late",
        |e| matches!(e, Event::Notice { text, .. } if text.starts_with("too late to undo")),
    )
    .await;
}

#[tokio::test]
async fn a_favorite_is_a_local_mark_that_never_reaches_the_server() {
    let mut rig = Rig::new().await;
    let base = rig.first("Active").await;
    let id = base.id().to_string();
    let favorite = !base.is_favorite();
    rig.cmd
        .send(Command::SetFavorite {
            id: id.clone(),
            favorite,
        })
        .unwrap();
    let rows = rig
        .expect("the marked row", |e| matches!(e, Event::RowsChanged { .. }))
        .await;
    let Event::RowsChanged { rows } = rows else {
        unreachable!()
    };
    assert_eq!(
        (rows[0].id.as_str(), rows[0].favorite),
        (id.as_str(), favorite)
    );
    let detail = rig
        .expect("the detail", |e| matches!(e, Event::Detail { .. }))
        .await;
    let Event::Detail { referral, .. } = detail else {
        unreachable!()
    };
    assert_eq!(referral.is_favorite(), favorite);
    assert!(
        rig.outbox().await.is_empty(),
        "nothing queued for the server"
    );
    let server = rig.client.get(&id).await.unwrap();
    assert_eq!(server.etag, base.etag, "the server copy is untouched");
}
