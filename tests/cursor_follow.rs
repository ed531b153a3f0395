//! The referral the keys act on is the one under the cursor: when an action moves a row out of
//! the filter, the cursor moves on and the detail (split view) and the next action follow it.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use crossterm::event::KeyCode;
use refdeck::domain::enums::{Status, Substatus};
use refdeck::domain::row::ReferralRow;
use refdeck::protocol::{Command, Event};
use support::Harness;

/// The id of the referral of the last `Patch` the app sent (held for the undo window or not).
fn last_patch(h: &Harness) -> Option<String> {
    fn id(c: &Command) -> Option<String> {
        match c {
            Command::Patch { id, .. } => Some(id.clone()),
            Command::PatchHeld { patch, .. } => id(patch),
            _ => None,
        }
    }
    h.sent.iter().rev().find_map(id)
}

/// Presses `a` and confirms; returns the confirm line's screen.
fn accept(h: &mut Harness) -> String {
    h.key(KeyCode::Char('a'));
    let screen = h.screen();
    h.key(KeyCode::Enter);
    screen
}

#[test]
fn after_accept_the_detail_and_the_keys_follow_the_cursor() {
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Char('/'));
    h.keys("status:new");
    h.key(KeyCode::Enter);
    let first = h.app.list.selected_id().unwrap().to_string();
    h.key(KeyCode::Enter);
    h.answer_detail();
    accept(&mut h);
    assert_eq!(last_patch(&h).as_deref(), Some(first.as_str()));
    // The server accepted it: the row is Active now and leaves the `status:new` filter.
    let mut accepted = ReferralRow::from(&h.referral(&first));
    accepted.status = Status::Active;
    accepted.substatus = Substatus::Accepted;
    h.event(Event::RowsChanged {
        rows: vec![accepted],
    });
    let next = h.app.list.selected_id().unwrap().to_string();
    assert_ne!(next, first, "the cursor moved on");
    assert_eq!(
        h.app.right.last().and_then(|p| p.referral_id()),
        Some(next.as_str()),
        "the detail follows the cursor"
    );
    h.answer_detail();
    let name = h.referral(&next).name().to_string();
    let screen = h.screen();
    let right_half: String = screen
        .lines()
        .map(|l| l.chars().skip(80).collect::<String>())
        .collect();
    let shown: String = name.chars().take(30).collect();
    assert!(
        right_half.contains(&shown),
        "the detail shows {name}:\n{screen}"
    );
    let asked = accept(&mut h);
    assert_eq!(
        last_patch(&h).as_deref(),
        Some(next.as_str()),
        "`a` acts on the referral under the cursor"
    );
    assert!(
        asked.contains(&format!("Accept ‘{shown}")),
        "the confirm line names the referral:\n{asked}"
    );
}
