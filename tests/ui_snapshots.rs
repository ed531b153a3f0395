//! Snapshots of every pane's rendered buffer at 80x24 and 160x48.
//!
//! The app is driven the way a user drives it (keys), with backend answers fed in as events;
//! the buffer is compared with the stored snapshot (`cargo insta review` to accept changes).

mod support;

use crossterm::event::KeyCode;
use refdeck::domain::outbox::{OutboxAction, OutboxEntry, OutboxState};
use refdeck::domain::patch::PatchOp;
use refdeck::protocol::{Connection, DeviceCode, Event, Link};
use support::{Harness, now};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, build: impl Fn(&mut Harness)) {
    for (w, h) in SIZES {
        let mut hx = Harness::new(60, w, h);
        build(&mut hx);
        let screen = hx.screen();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn list() {
    snap("list", |_| {});
}

#[test]
fn list_filtered() {
    snap("list_filtered", |h| {
        h.key(KeyCode::Char('/'));
        h.keys("status:new");
    });
}

#[test]
fn list_bad_filter_keeps_last_result() {
    snap("list_bad_filter", |h| {
        // Set at once (as the palette's `filter` does): the bad token is reported and the
        // list keeps the last good result (here: everything).
        h.key(KeyCode::Char(':'));
        h.keys("filter status:new value>lots");
        h.key(KeyCode::Enter);
    });
}

#[test]
fn list_fuzzy_highlight() {
    snap("list_fuzzy", |h| {
        h.key(KeyCode::Char('/'));
        h.keys("cont");
        h.key(KeyCode::Enter);
    });
}

#[test]
fn detail() {
    snap("detail", |h| {
        h.key(KeyCode::Enter);
        h.answer_detail();
    });
}

#[test]
fn detail_scrolled() {
    snap("detail_scrolled", |h| {
        h.key(KeyCode::Enter);
        h.answer_detail();
        for _ in 0..30 {
            h.key(KeyCode::Char('j'));
        }
    });
}

#[test]
fn help_overlay() {
    snap("help", |h| h.key(KeyCode::Char('?')));
}

#[test]
fn help_overlay_filtered() {
    snap("help_filtered", |h| {
        h.key(KeyCode::Char('?'));
        h.keys("status");
    });
}

#[test]
fn palette() {
    snap("palette", |h| {
        h.key(KeyCode::Char(':'));
        h.keys("so");
    });
}

#[test]
fn edit_form() {
    snap("edit", |h| {
        // The first Active referral, so the form is not read-only.
        h.key(KeyCode::Char('/'));
        h.keys("status:active");
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
        h.answer_detail();
        // Name and Status are not edited in the form; Status reason is.
        h.key(KeyCode::Down);
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('e'));
    });
}

#[test]
fn status_dialog() {
    snap("status", |h| {
        h.key(KeyCode::Char('/'));
        h.keys("status:new");
        h.key(KeyCode::Enter);
        h.key(KeyCode::Char('s'));
        h.answer_detail();
    });
}

#[test]
fn decline_dialog() {
    snap("decline", |h| {
        h.key(KeyCode::Char('/'));
        h.keys("status:new");
        h.key(KeyCode::Enter);
        h.key(KeyCode::Char('x'));
        h.answer_detail();
    });
}

#[test]
fn create_form() {
    snap("create", |h| h.key(KeyCode::Char('n')));
}

#[test]
fn create_shared_form() {
    snap("create_shared", |h| h.key(KeyCode::Char('N')));
}

#[test]
fn conflict_view() {
    snap("conflict", |h| {
        let base = h.referrals[0].clone();
        let mut mine = base.clone();
        mine.details.get_or_insert_default().notes = Some("Noted by me".into());
        let mut theirs = base.clone();
        theirs.details.get_or_insert_default().notes = Some("Noted by a colleague".into());
        theirs.etag = Some("\"new\"".into());
        h.event(Event::Conflict {
            seq: 3,
            base: Box::new(base),
            mine: Box::new(mine),
            theirs: Box::new(theirs),
        });
    });
}

#[test]
fn outbox_overlay() {
    snap("outbox", |h| {
        h.key(KeyCode::Char('O'));
        let id = h.referrals[1].id().to_string();
        h.event(Event::Outbox {
            entries: vec![
                OutboxEntry {
                    seq: 1,
                    action: OutboxAction::Patch {
                        referral_id: id.clone(),
                        ops: vec![PatchOp::replace("/name", serde_json::json!("x"))],
                        etag: None,
                    },
                    base: None,
                    summary: "edit name".into(),
                    created_at: now() - chrono::Duration::minutes(3),
                    attempts: 2,
                    last_error: Some("Partner Center did not answer".into()),
                    state: OutboxState::Pending,
                },
                OutboxEntry {
                    seq: 2,
                    action: OutboxAction::Patch {
                        referral_id: id,
                        ops: vec![],
                        etag: None,
                    },
                    base: None,
                    summary: "status → Closed/Won".into(),
                    created_at: now() - chrono::Duration::minutes(1),
                    attempts: 1,
                    last_error: Some("Won and Lost only from Active".into()),
                    state: OutboxState::Failed,
                },
            ],
        });
    });
}

#[test]
fn device_code_dialog() {
    snap("device_code", |h| {
        h.event(Event::DeviceCode(DeviceCode {
            user_code: "F7K-2QH".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            message:
                "To sign in, open https://microsoft.com/devicelogin and enter the code F7K-2QH."
                    .into(),
        }))
    });
}

#[test]
fn the_sign_in_dialog_closes_once_signed_in() {
    let mut h = Harness::new(60, 80, 24);
    h.event(Event::PartnerCenter(Connection {
        label: "contoso.com".into(),
        link: Link::SigningIn,
    }));
    h.event(Event::DeviceCode(DeviceCode {
        user_code: "F7K-2QH".into(),
        verification_uri: "https://microsoft.com/devicelogin".into(),
        message: "To sign in, open https://microsoft.com/devicelogin and enter the code F7K-2QH."
            .into(),
    }));
    assert!(h.screen().contains("Sign in to Partner Center"));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.copied.as_deref(), Some("F7K-2QH"), "y copies the code");
    h.event(Event::PartnerCenter(Connection {
        label: "contoso.com".into(),
        link: Link::Online,
    }));
    assert!(h.app.overlays.is_empty(), "the dialog is still open");
    assert!(!h.screen().contains("Sign in to Partner Center"));
}

#[test]
fn quit_with_unsent_edits_asks() {
    snap("quit_confirm", |h| {
        h.event(Event::OutboxCount(2));
        h.key(KeyCode::Char('q'));
    });
}

#[test]
fn the_list_marks_a_row_while_its_edit_travels() {
    let mut h = Harness::new(60, 160, 48);
    let first = h.app.list.visible_ids()[0].clone();
    let r = h.referral(&first);
    let line_of = |screen: &str| {
        screen
            .lines()
            .find(|l| l.contains("▶"))
            .unwrap_or("")
            .to_string()
    };
    h.event(Event::Queued {
        id: Some(first.clone()),
        seq: 1,
        summary: "name".into(),
    });
    assert!(
        line_of(&h.screen()).contains("▶ …"),
        "saving…: {}",
        line_of(&h.screen())
    );
    h.event(Event::Saved {
        seq: 1,
        referral: Box::new(r.clone()),
    });
    assert!(
        line_of(&h.screen()).contains("▶ ✓"),
        "saved: {}",
        line_of(&h.screen())
    );
    h.event(Event::SaveFailed {
        seq: 2,
        id: Some(first),
        message: "refused".into(),
    });
    assert!(
        line_of(&h.screen()).contains("▶ !"),
        "refused: {}",
        line_of(&h.screen())
    );
}
