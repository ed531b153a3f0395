//! What the user sees while things happen: rows as a first sync's pages arrive, a progress
//! bar with an ETA, a top bar that keeps time without key presses, and the layout that keeps
//! the unsent-edit count and errors visible.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use chrono::Duration as Span;
use refdeck::app::Action;
use refdeck::domain::ReferralRow;
use refdeck::protocol::{Command, Event};
use refdeck::sandbox::{self, SandboxConfig};
use support::{Harness, now};

const WAIT: Duration = Duration::from_secs(30);
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The first sync of 250 referrals (three pages of 100): the rows of each page reach the UI
/// before the refresh is done.
#[tokio::test]
async fn first_sync_sends_rows_page_by_page() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 250,
        seed: 5,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cmd, mut ev, backend) =
        support::start_backend(support::sandbox_backend(&sandbox, dir.path()));
    cmd.send(Command::Start).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut batches = Vec::new();
    let mut progress = Vec::new();
    loop {
        let e = support::next_event(&mut ev, deadline).await;
        match e {
            Event::RowsChanged { rows } => batches.push(rows.len()),
            Event::RefreshProgress { fetched, total, .. } => progress.push((fetched, total)),
            Event::RefreshDone { changed, .. } => {
                assert_eq!(changed, 250);
                break;
            }
            Event::RefreshFailed { message } => panic!("refresh failed: {message}"),
            _ => {}
        }
    }
    assert_eq!(batches, vec![100, 100, 50], "one batch of rows per page");
    assert_eq!(
        progress,
        vec![(100, Some(250)), (200, Some(250)), (250, Some(250))],
        "the service's count is asked for, so progress knows the total"
    );
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}

/// A scene whose first sync is under way: no rows yet, then two pages of 100 of 1,000.
fn mid_sync(w: u16, h: u16) -> Harness {
    let mut hx = Harness::new(0, w, h);
    hx.referrals = support::referrals(200);
    hx.event(Event::RefreshStarted { full: true });
    let rows: Vec<ReferralRow> = hx.referrals.iter().map(ReferralRow::from).collect();
    hx.app.set_now(now() + Span::seconds(4));
    hx.event(Event::RowsChanged {
        rows: rows[..100].to_vec(),
    });
    hx.event(Event::RefreshProgress {
        fetched: 100,
        total: Some(1000),
        paced: None,
    });
    hx.app.set_now(now() + Span::seconds(8));
    hx.event(Event::RowsChanged {
        rows: rows[100..].to_vec(),
    });
    hx.event(Event::RefreshProgress {
        fetched: 200,
        total: Some(1000),
        paced: None,
    });
    hx
}

#[test]
fn list_shows_rows_and_progress_mid_sync() {
    let mut hx = mid_sync(160, 48);
    let first = hx.app.list.selected_id();
    assert!(first.is_some(), "rows are listed before the sync ends");
    let screen = hx.screen();
    assert!(screen.contains("200/1,000"), "{screen}");
    // 200 in 8 s: 800 more take about 32 s.
    assert!(screen.contains("32s left"), "{screen}");
    // More rows keep the cursor on the same referral.
    hx.key(crossterm::event::KeyCode::Char('j'));
    let chosen = hx.app.list.selected_id();
    let more: Vec<ReferralRow> = support::referrals(300)[200..]
        .iter()
        .map(ReferralRow::from)
        .collect();
    hx.event(Event::RowsChanged { rows: more });
    assert_eq!(hx.app.list.selected_id(), chosen);
}

/// A first burst of pages within the rate window does not promise the rest at that speed:
/// the ETA is never less than the call budget allows.
#[test]
fn eta_is_never_less_than_the_call_budget_allows() {
    let mut hx = Harness::new(0, 160, 48);
    hx.event(Event::RefreshStarted { full: true });
    hx.app.set_now(now() + Span::seconds(10));
    // 10,000 of 100,000 in 10 s: 90 s more at that pace, but 900 calls at 100 per 60 s
    // need nine more windows.
    hx.event(Event::RefreshProgress {
        fetched: 10_000,
        total: Some(100_000),
        paced: Some(Duration::from_secs(540)),
    });
    let screen = hx.screen();
    assert!(screen.contains("10,000/100,000 · 9m left"), "{screen}");
    // Without a budget to wait for, the pace decides.
    hx.event(Event::RefreshProgress {
        fetched: 10_000,
        total: Some(100_000),
        paced: Some(Duration::ZERO),
    });
    let screen = hx.screen();
    assert!(screen.contains("10,000/100,000 · 2m left"), "{screen}");
}

#[test]
fn sync_progress_snapshot() {
    for (w, h) in SIZES {
        let mut hx = mid_sync(w, h);
        insta::assert_snapshot!(format!("sync_progress_{w}x{h}"), hx.screen());
    }
}

/// The top bar keeps time on ticks alone: `↻ 12s ago` moves on and needs a redraw.
#[test]
fn relative_refresh_time_moves_on_ticks() {
    let mut hx = Harness::new(5, 160, 48);
    assert!(hx.screen().contains("↻ 12s ago"));
    hx.act(Action::TickAt(now() + Span::seconds(30)));
    assert!(
        hx.app.needs_draw(),
        "a tick that changes the relative time redraws"
    );
    let screen = hx.screen();
    assert!(screen.contains("↻ 42s ago"), "{screen}");
    hx.act(Action::TickAt(now() + Span::seconds(90)));
    assert!(hx.screen().contains("↻ 1m ago"));
}

/// A retry warning goes once Partner Center answers again.
#[test]
fn retry_warning_clears_when_calls_succeed() {
    let mut hx = Harness::new(5, 160, 48);
    hx.event(Event::Retrying {
        why: Some("HTTP 503".into()),
    });
    assert!(hx.screen().contains("retried"));
    hx.act(Action::TickAt(now() + Span::seconds(2)));
    assert!(
        hx.screen().contains("retried"),
        "still failing: the warning stays"
    );
    hx.event(Event::Retrying { why: None });
    hx.act(Action::TickAt(now() + Span::seconds(3)));
    let screen = hx.screen();
    assert!(!screen.contains("retried"), "{screen}");
}

/// The API budget refills in the top bar as the limiter's window slides, with no key pressed
/// and no call made: the backend pushes the new budget.
#[tokio::test]
async fn budget_refills_as_the_window_slides() {
    use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 20,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::sandbox_backend(&sandbox, dir.path());
    let mut pc = PcConfig::sandbox(&sandbox.base_url());
    pc.rate_limit = (100, Duration::from_secs(2));
    config.partner_center = Some(PartnerCenterClient::new(pc).unwrap());
    let (cmd, mut ev, backend) = support::start_backend(config);
    cmd.send(Command::Start).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut spent = false;
    loop {
        let e = support::next_event(&mut ev, deadline).await;
        if let Event::Budget { partner_center, .. } = e {
            if partner_center.0 < partner_center.1 {
                spent = true;
            } else if spent {
                assert_eq!(partner_center, (100, 100));
                break;
            }
        }
    }
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}

/// The first referral of a status, opened in the edit form.
fn edit_first(hx: &mut Harness, status: &str) {
    use crossterm::event::KeyCode;
    hx.key(KeyCode::Char('/'));
    hx.keys(&format!("status:{status}"));
    hx.key(KeyCode::Enter);
    hx.key(KeyCode::Enter);
    hx.answer_detail();
    // The name is fixed after the create: walk down to the first field `e` edits.
    for _ in 0..20 {
        hx.key(KeyCode::Char('e'));
        if hx
            .app
            .right
            .last()
            .is_some_and(|p| p.title().starts_with("Edit"))
        {
            return;
        }
        if !hx.app.overlays.is_empty() {
            hx.key(KeyCode::Esc); // the status picker
        }
        hx.key(KeyCode::Char('j'));
    }
    panic!("no editable field in the detail:\n{}", hx.screen());
}

/// At 80 columns a busy top bar drops its least important parts, never the unsent-edit
/// count or an offline reason.
#[test]
fn top_bar_keeps_outbox_and_errors_when_narrow() {
    use refdeck::protocol::{Connection, Link};
    for (w, h) in SIZES {
        let mut hx = Harness::new(20, w, h);
        hx.event(Event::PartnerCenter(Connection {
            label: "sandbox".into(),
            link: Link::Offline("connection refused".into()),
        }));
        hx.event(Event::MarketoProgress {
            done: 1200,
            total: 20000,
        });
        hx.event(Event::OutboxCount(3));
        hx.event(Event::RefreshStarted { full: false });
        let screen = hx.screen();
        let top = screen.lines().next().unwrap();
        assert!(top.contains("outbox 3"), "{top}");
        assert!(top.contains("offline: connection refused"), "{top}");
        insta::assert_snapshot!(format!("top_bar_busy_{w}x{h}"), screen);
    }
}

/// A lock is noted once, above the fields, not under every field it covers (a Closed
/// referral's form included).
#[test]
fn closed_form_notes_the_lock_once() {
    for (w, h) in SIZES {
        let mut hx = Harness::new(60, w, h);
        edit_first(&mut hx, "closed");
        let screen = hx.screen();
        let notes = screen.matches("│locked:").count();
        assert!(notes >= 1, "{screen}");
        assert_eq!(screen.matches("locked").count(), notes, "{screen}");
        insta::assert_snapshot!(format!("edit_closed_{w}x{h}"), screen);
    }
}

/// Ctrl-S on an invalid form names the first invalid field and the fix, moves the cursor
/// there, and shows the whole message (wrapped, not cut), even at 160 columns.
#[test]
fn invalid_save_names_the_field_and_shows_the_whole_error() {
    use crossterm::event::KeyCode;
    for (w, h) in SIZES {
        let mut hx = Harness::new(60, w, h);
        edit_first(&mut hx, "active");
        // The form again, on the closing date (the detail opened it on its first editable line).
        let referral = hx.referral(&hx.app.list.selected_id().unwrap());
        hx.app.right.pop();
        hx.app.right.push(Box::new(refdeck::ui::edit::EditForm::new(
            referral,
            "/details/closingDateTime",
        )));
        for _ in 0..12 {
            hx.key(KeyCode::Backspace);
        }
        hx.keys("soon");
        hx.key(KeyCode::BackTab);
        hx.ctrl('s');
        assert!(
            !hx.sent.iter().any(|c| matches!(c, Command::Patch { .. })),
            "nothing is sent"
        );
        let notice = hx.app.notice.clone().expect("a notice");
        assert!(
            notice.text.to_lowercase().contains("closing date"),
            "{}",
            notice.text
        );
        assert!(notice.text.contains("YYYY-MM-DD"), "{}", notice.text);
        let screen = hx.screen();
        insta::assert_snapshot!(format!("edit_invalid_{w}x{h}"), screen);
    }
}

/// The outbox names each entry's referral and the fields it changes, and shows the server's
/// reason for a refused edit.
#[test]
fn outbox_names_referral_fields_and_server_reason() {
    use crossterm::event::KeyCode;
    use refdeck::domain::outbox::{OutboxAction, OutboxEntry, OutboxState};
    use refdeck::domain::patch::PatchOp;
    for (w, h) in SIZES {
        let mut hx = Harness::new(60, w, h);
        hx.key(KeyCode::Char('O'));
        let r = hx.referrals[1].clone();
        hx.event(Event::Outbox {
            entries: vec![OutboxEntry {
                seq: 4,
                action: OutboxAction::Patch {
                    referral_id: r.id().to_string(),
                    ops: vec![
                        PatchOp::replace("/details/dealValue", serde_json::json!(5)),
                        PatchOp::replace("/details/closingDateTime", serde_json::json!("x")),
                    ],
                    etag: None,
                },
                base: None,
                summary: "edit deal value, closing date".into(),
                created_at: now() - Span::minutes(2),
                attempts: 1,
                last_error: Some("closingDateTime must be in the future".into()),
                state: OutboxState::Failed,
            }],
        });
        let screen = hx.screen();
        let name: String = r.name().chars().take(12).collect();
        assert!(screen.contains(&name), "{screen}");
        assert!(screen.contains("Deal value, Closing date"), "{screen}");
        assert!(
            screen.contains("server: closingDateTime must be"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("outbox_refused_{w}x{h}"), screen);
    }
}

/// The in-process sandbox's address is in the top bar on wide screens.
#[test]
fn top_bar_shows_the_sandbox_address_when_wide() {
    for (w, h) in SIZES {
        let mut hx = Harness::new(20, w, h);
        hx.app.options.sandbox_url = Some("http://127.0.0.1:41234".into());
        let screen = hx.screen();
        let top = screen.lines().next().unwrap().to_string();
        assert_eq!(top.contains("http://127.0.0.1:41234"), w >= 110, "{top}");
        assert!(top.contains("outbox 0"), "{top}");
        insta::assert_snapshot!(format!("top_bar_sandbox_{w}x{h}"), top);
    }
}

/// A shared referral and Microsoft's linked copy (target `BusinessProfileLocation` `msft`,
/// same engagement) sit together whatever the sort: the copy right under its partner, marked.
#[test]
fn microsoft_copies_sit_under_their_partner_in_every_sort() {
    use refdeck::domain::search::{Column, SortSpec};
    let mut hx = Harness::new(60, 160, 48);
    let rows: Vec<ReferralRow> = hx.referrals.iter().map(ReferralRow::from).collect();
    let copies: Vec<&ReferralRow> = rows.iter().filter(|r| r.microsoft).collect();
    assert!(!copies.is_empty(), "the demo data has linked copies");
    let check = |ids: &[String], how: &str| {
        for copy in &copies {
            let at = ids.iter().position(|id| *id == copy.id).unwrap();
            let above = rows.iter().find(|r| r.id == ids[at - 1]).unwrap();
            assert_eq!(
                above.engagement_id, copy.engagement_id,
                "{how}: {} is not under its partner",
                copy.name
            );
            assert!(!above.microsoft, "{how}");
        }
    };
    // The copy's own values may differ from its partner's (here: far lower, far older).
    let mut changed = copies[0].clone();
    changed.deal_value = Some(1.0);
    changed.updated = Some(now() - Span::days(900));
    hx.event(Event::RowsChanged {
        rows: vec![changed],
    });
    check(&hx.app.list.visible_ids(), "default order");
    for column in [Column::Name, Column::Value, Column::Closing, Column::Status] {
        for descending in [false, true] {
            hx.app.list.set_sort(SortSpec { column, descending });
            check(
                &hx.app.list.visible_ids(),
                &format!("{column:?} {descending}"),
            );
        }
    }
    hx.app.list.set_sort(SortSpec {
        column: Column::Value,
        descending: false,
    });
    let screen = hx.screen();
    assert!(screen.contains("└MS "), "{screen}");
    insta::assert_snapshot!("list_linked_by_value_160x48", screen);
}

/// The backend says when Partner Center calls are retried, and again once they succeed, so
/// the warning never outlives its cause.
#[tokio::test]
async fn retry_warning_is_withdrawn_once_calls_succeed() {
    let sandbox = sandbox::start(SandboxConfig {
        referrals: 20,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cmd, mut ev, backend) =
        support::start_backend(support::sandbox_backend(&sandbox, dir.path()));
    cmd.send(Command::Start).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut next = async || support::next_event(&mut ev, deadline).await;
    while !matches!(next().await, Event::RefreshDone { .. }) {}
    let r = reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .json(&serde_json::json!({"status": 503, "failNext": 2}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    cmd.send(Command::Refresh { full: true }).unwrap();
    let mut said = Vec::new();
    loop {
        match next().await {
            Event::Retrying { why } => {
                let done = why.is_none();
                said.push(why);
                if done {
                    break;
                }
            }
            Event::RefreshFailed { message } => panic!("refresh failed: {message}"),
            _ => {}
        }
    }
    assert!(said[0].is_some(), "{said:?}");
    assert_eq!(said.last(), Some(&None));
    cmd.send(Command::Shutdown).unwrap();
    backend.await.unwrap();
}
