//! Bulk triage driven by keys: marks (`Space`, `V`, `*`, `Esc`), the preview a referral key
//! opens over the marked set, what a confirmed bulk move sends, its progress in the top bar and
//! its undo (`u` one row, `U` the batch). Backend answers are fed in as events.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use crossterm::event::KeyCode;
use refdeck::domain::Status;
use refdeck::domain::bulk::BulkMove;
use refdeck::protocol::{Command, Event};
use support::Harness;

/// The ids of the first `n` rows on screen whose status is `status`, with their positions.
fn rows_with(h: &Harness, status: Status, n: usize) -> Vec<(usize, String)> {
    h.app
        .list
        .visible_ids()
        .into_iter()
        .enumerate()
        .filter(|(_, id)| *h.app.list.row(id).unwrap().status() == status)
        .take(n)
        .collect()
}

/// Moves the cursor to the row at `pos` (from the top).
fn go_to(h: &mut Harness, pos: usize) {
    h.key(KeyCode::Char('g'));
    for _ in 0..pos {
        h.key(KeyCode::Char('j'));
    }
}

/// The backend's answer to a bulk accept of `rows`: one outbox entry each (seq 100, 101, …),
/// held until `until`.
fn accepts_held_until(
    h: &mut Harness,
    rows: &[(usize, String)],
    until: chrono::DateTime<chrono::Utc>,
) {
    h.event(Event::BulkQueued {
        change: BulkMove::Accept,
        queued: rows
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (id.clone(), 100 + i as i64))
            .collect(),
        skipped: Vec::new(),
        until: Some(until),
    });
}

fn bulk_moves(h: &Harness) -> Vec<(Vec<String>, BulkMove)> {
    h.sent
        .iter()
        .filter_map(|c| match c {
            Command::BulkMove { ids, change, .. } => Some((ids.clone(), change.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn space_marks_and_moves_down_v_marks_a_range_star_all_and_esc_clears() {
    let mut h = Harness::new(30, 120, 30);
    let ids = h.app.list.visible_ids();
    h.key(KeyCode::Char(' '));
    assert!(h.app.list.is_marked(&ids[0]));
    assert_eq!(h.app.list.selected_id(), Some(ids[1].clone()), "moves down");
    h.key(KeyCode::Char(' '));
    assert_eq!(h.app.list.marked_len(), 2);
    // Space again on a marked row unmarks it.
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Char(' '));
    assert!(!h.app.list.is_marked(&ids[1]));
    // V: from the last mark (row 1) to the cursor (row 5).
    go_to(&mut h, 5);
    h.key(KeyCode::Char('V'));
    for id in &ids[0..=5] {
        assert!(h.app.list.is_marked(id), "{id}");
    }
    assert_eq!(h.app.list.marked_len(), 6);
    assert!(h.screen().contains("6 marked"), "{}", h.screen());
    // *: every visible row; again: none.
    h.key(KeyCode::Char('*'));
    assert_eq!(h.app.list.marked_len(), 30);
    h.key(KeyCode::Char('*'));
    assert_eq!(h.app.list.marked_len(), 0);
    h.key(KeyCode::Char('*'));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.list.marked_len(), 0, "esc clears the marks");
    assert!(
        h.sent
            .iter()
            .all(|c| matches!(c, Command::OpenDetail { .. })),
        "marking sends nothing (the detail beside the list follows the cursor): {:?}",
        h.sent
    );
}

#[test]
fn marks_survive_filtering_and_the_preview_says_which_are_hidden() {
    let mut h = Harness::new(40, 160, 48);
    let new = rows_with(&h, Status::New, 2);
    for (pos, _) in &new {
        go_to(&mut h, *pos);
        h.key(KeyCode::Char(' '));
    }
    // A filter that hides the first marked referral.
    let hidden_name = h.app.list.row(&new[0].1).unwrap().name().to_string();
    let shown_name = h.app.list.row(&new[1].1).unwrap().name().to_string();
    h.key(KeyCode::Char('/'));
    h.keys(&format!("\"{shown_name}\""));
    h.key(KeyCode::Enter);
    assert!(!h.app.list.is_visible(&new[0].1));
    assert!(h.app.list.is_marked(&new[0].1), "a hidden row stays marked");
    assert!(
        h.screen().contains("2 marked (1 hidden by the filter)"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('a'));
    let screen = h.screen();
    assert!(screen.contains("Accept 2 referrals"), "{screen}");
    assert!(
        screen.contains("1 of the marked referrals is hidden by the filter (included)"),
        "{screen}"
    );
    assert!(screen.contains(&hidden_name[..hidden_name.len().min(20)]));
}

#[test]
fn accept_over_marks_previews_skips_what_cannot_move_and_sends_one_bulk_move() {
    let mut h = Harness::new(60, 160, 48);
    let new = rows_with(&h, Status::New, 3);
    let active = rows_with(&h, Status::Active, 1);
    for (pos, _) in new.iter().chain(&active) {
        go_to(&mut h, *pos);
        h.key(KeyCode::Char(' '));
    }
    h.key(KeyCode::Char('a'));
    let screen = h.screen();
    assert!(
        screen.contains("Accept 3 referrals → Active/Accepted"),
        "{screen}"
    );
    assert!(screen.contains("Skipped (1):"), "{screen}");
    assert!(screen.contains("already Active/Accepted"), "{screen}");
    assert!(screen.contains("Partner Center calls: 3"), "{screen}");
    assert!(screen.contains("97 left now"), "{screen}");
    assert!(bulk_moves(&h).is_empty(), "nothing before y");
    h.key(KeyCode::Char('y'));
    let sent = bulk_moves(&h);
    assert_eq!(sent.len(), 1, "{:?}", h.sent);
    let want: Vec<String> = new.iter().map(|(_, id)| id.clone()).collect();
    let mut got = sent[0].0.clone();
    got.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got, want_sorted, "the Active one is skipped");
    assert_eq!(sent[0].1, BulkMove::Accept);
    assert_eq!(h.app.list.marked_len(), 0, "confirming clears the marks");
    assert!(h.app.overlays.is_empty());
}

#[test]
fn esc_cancels_the_preview_and_keeps_the_marks() {
    let mut h = Harness::new(30, 120, 30);
    h.key(KeyCode::Char('*'));
    h.key(KeyCode::Char('a'));
    assert_eq!(h.app.overlays.len(), 1);
    h.key(KeyCode::Esc);
    assert!(h.app.overlays.is_empty());
    assert_eq!(h.app.list.marked_len(), 30);
    assert!(bulk_moves(&h).is_empty());
}

#[test]
fn decline_over_marks_asks_one_reason_for_all_then_previews() {
    let mut h = Harness::new(60, 160, 48);
    let new = rows_with(&h, Status::New, 2);
    for (pos, _) in &new {
        go_to(&mut h, *pos);
        h.key(KeyCode::Char(' '));
    }
    h.key(KeyCode::Char('x'));
    assert!(
        h.screen().contains("Decline 2 referrals — why?"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(
        screen.contains("Decline 2 referrals → Closed/Declined"),
        "{screen}"
    );
    h.key(KeyCode::Char('y'));
    let sent = bulk_moves(&h);
    assert_eq!(sent.len(), 1);
    match &sent[0].1 {
        BulkMove::Decline { reason } => assert!(!reason.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn favorite_over_marks_is_local_and_sends_one_mark_each() {
    let mut h = Harness::new(20, 120, 30);
    let ids = h.app.list.visible_ids();
    let all_fav = ids[..2]
        .iter()
        .all(|id| h.app.list.row(id).unwrap().favorite());
    let want: Vec<String> = ids[..2]
        .iter()
        .filter(|id| h.app.list.row(id).unwrap().favorite() == all_fav)
        .cloned()
        .collect();
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('f'));
    assert!(h.screen().contains("no API calls"), "{}", h.screen());
    h.key(KeyCode::Enter);
    let got: Vec<String> = h
        .sent
        .iter()
        .filter_map(|c| match c {
            Command::SetFavorite { id, favorite } if *favorite != all_fav => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got, want, "{:?}", h.sent);
}

#[test]
fn a_bulk_move_shows_progress_and_u_undoes_one_row_and_big_u_the_rest() {
    let mut h = Harness::new(60, 160, 48);
    let new = rows_with(&h, Status::New, 3);
    let until = support::now() + chrono::Duration::seconds(5);
    accepts_held_until(&mut h, &new, until);
    assert!(h.screen().contains("accepting 0/3"), "{}", h.screen());
    // `u` on the second row of the batch takes back that referral's edit only.
    go_to(&mut h, new[1].0);
    h.key(KeyCode::Char('u'));
    assert_eq!(h.sent.last(), Some(&Command::Withdraw { seq: 101 }));
    h.event(Event::Withdrawn {
        seq: 101,
        id: Some(new[1].1.clone()),
        summary: "status → Active/Accepted".into(),
    });
    assert!(h.screen().contains("accepting 1/3"), "{}", h.screen());
    // `U` takes back the rest.
    h.key(KeyCode::Char('U'));
    assert_eq!(
        h.sent.last(),
        Some(&Command::WithdrawMany {
            seqs: vec![100, 102]
        })
    );
}

#[test]
fn the_batch_ends_with_a_notice_of_what_was_done() {
    let mut h = Harness::new(30, 160, 48);
    let new = rows_with(&h, Status::New, 2);
    h.event(Event::BulkQueued {
        change: BulkMove::Accept,
        queued: vec![(new[0].1.clone(), 7), (new[1].1.clone(), 8)],
        skipped: vec![("x".into(), "already Active/Accepted".into())],
        until: None,
    });
    assert!(h.screen().contains("1 skipped"), "{}", h.screen());
    let mut r = h.referral(&new[0].1);
    r.status = Some(Status::Active);
    h.event(Event::Saved {
        seq: 7,
        referral: Box::new(r),
    });
    assert!(h.screen().contains("accepting 1/2"), "{}", h.screen());
    h.event(Event::SaveFailed {
        seq: 8,
        id: Some(new[1].1.clone()),
        message: "refused".into(),
    });
    let screen = h.screen();
    assert!(h.app.batch().is_none());
    assert!(
        screen.contains("accept: 1 of 2 done, 1 refused or in conflict"),
        "{screen}"
    );
}

fn snap(name: &str, build: impl Fn(&mut Harness)) {
    for (w, hgt) in [(80, 24), (160, 48)] {
        let mut h = Harness::new(60, w, hgt);
        build(&mut h);
        let screen = h.screen();
        insta::assert_snapshot!(format!("{name}_{w}x{hgt}"), screen);
    }
}

#[test]
fn snapshot_list_with_marks() {
    snap("bulk_marks", |h| {
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Char(' '));
    });
}

#[test]
fn snapshot_bulk_accept_preview() {
    snap("bulk_accept_preview", |h| {
        h.key(KeyCode::Char('*'));
        h.key(KeyCode::Char('a'));
    });
}

#[test]
fn export_from_the_palette_writes_the_marked_referrals_when_rows_are_marked() {
    let mut h = Harness::new(30, 120, 30);
    let ids = h.app.list.visible_ids();
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(':'));
    h.keys("export csv marked.csv");
    h.key(KeyCode::Enter);
    let exported = h
        .sent
        .iter()
        .find_map(|c| match c {
            Command::Export { ids, .. } => Some(ids.clone()),
            _ => None,
        })
        .expect("an export was sent");
    assert_eq!(exported, vec![ids[0].clone(), ids[2].clone()]);
}

#[test]
fn set_from_the_palette_checks_the_value_then_previews_over_the_marks() {
    let mut h = Harness::new(30, 160, 48);
    // Without marks it says how to mark.
    h.key(KeyCode::Char(':'));
    h.keys("set /details/notes hello");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("mark the referrals first"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    // A value the field cannot take is refused before any preview, naming the field.
    h.key(KeyCode::Char(':'));
    h.keys("set /details/currency euro");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("currency"), "{}", h.screen());
    assert!(!h.screen().contains("Bulk action"), "{}", h.screen());
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char(':'));
    h.keys("set /details/notes call back in Q3");
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(
        screen.contains("Set /details/notes to \"call back in Q3\" on 2 referrals"),
        "{screen}"
    );
    h.key(KeyCode::Char('y'));
    let sent = bulk_moves(&h);
    assert_eq!(sent.len(), 1, "{:?}", h.sent);
    assert_eq!(sent[0].0.len(), 2);
    assert_eq!(
        sent[0].1,
        BulkMove::Set {
            path: "/details/notes".into(),
            value: serde_json::json!("call back in Q3"),
        }
    );
}

/// After a bulk move in a view the moved rows may have left it (an accepted referral is no
/// longer in "To answer"): `u` on a row outside the batch sends nothing and says how to undo.
#[test]
fn u_outside_the_batch_says_how_to_undo_it_instead_of_nothing_to_undo() {
    let mut h = Harness::new(60, 160, 48);
    let new = rows_with(&h, Status::New, 3);
    let closed = rows_with(&h, Status::Closed, 1);
    accepts_held_until(&mut h, &new, support::now() + chrono::Duration::seconds(5));
    go_to(&mut h, closed[0].0);
    let sent = h.sent.len();
    h.key(KeyCode::Char('u'));
    assert_eq!(h.sent.len(), sent, "nothing is withdrawn");
    let screen = h.screen();
    assert!(!screen.contains("nothing to undo"), "{screen}");
    assert!(
        screen.contains("3 accepts wait") && screen.contains("U undoes"),
        "{screen}"
    );

    // Once the hold is over the batch is on its way: `u` says it is too late.
    h.act(refdeck::app::Action::TickAt(
        support::now() + chrono::Duration::seconds(6),
    ));
    h.key(KeyCode::Char('u'));
    assert_eq!(h.sent.len(), sent, "nothing is withdrawn");
    let screen = h.screen();
    assert!(
        screen.contains("too late to undo the bulk accept"),
        "{screen}"
    );
}
