//! Keys that do what they say: the app driven by keys (as a user drives it), with backend
//! answers fed in as events, checked for what it sends and shows.

mod support;

use crossterm::event::KeyCode;
use refdeck::app::Focus;
use refdeck::protocol::Command;
use support::Harness;

fn patches(h: &Harness) -> usize {
    h.sent
        .iter()
        .filter(|c| matches!(c, Command::Patch { .. }))
        .count()
}

/// The last line of the screen (the key hints or a notice).
fn footer(h: &mut Harness) -> String {
    h.screen()
        .lines()
        .last()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

#[test]
fn slash_in_the_detail_filters_the_list_and_types_no_commands() {
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Enter);
    h.answer_detail();
    assert_eq!(h.app.focus, Focus::Right);
    h.key(KeyCode::Char('/'));
    // Every letter of this query is also a referral key (accept, status, favorite, …).
    h.keys("status:active fax");
    assert_eq!(patches(&h), 0, "the query was read as commands");
    assert!(h.app.overlays.is_empty(), "the query opened a dialog");
    assert_eq!(h.app.list.filter_text(), "status:active fax");
    h.key(KeyCode::Enter);
    assert!(!h.app.list.is_filtering());
    assert_eq!(h.app.focus, Focus::Right, "enter returns to the detail");
}

#[test]
fn slash_in_the_narrow_detail_shows_the_filter_and_esc_returns() {
    let mut h = Harness::new(60, 80, 24);
    h.key(KeyCode::Enter);
    h.answer_detail();
    h.key(KeyCode::Char('/'));
    h.keys("zzz");
    assert_eq!(patches(&h), 0);
    assert!(h.screen().contains("filter: zzz"), "{}", h.screen());
    assert!(
        h.screen().contains("Referrals 0/60"),
        "the list shows while filtering"
    );
    h.key(KeyCode::Esc);
    assert_eq!(h.app.focus, Focus::Right, "esc returns to the detail");
    assert!(h.screen().contains("Referral: "), "{}", h.screen());
    assert_eq!(h.app.list.filter_text(), "");
}

#[test]
fn colon_opens_the_palette_from_the_detail() {
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Enter);
    h.answer_detail();
    h.key(KeyCode::Char(':'));
    assert_eq!(h.app.overlays.len(), 1);
    assert!(h.screen().contains("sort"), "{}", h.screen());
}

#[test]
fn the_footer_shows_the_keys_of_the_focused_pane() {
    let mut h = Harness::new(60, 160, 48);
    let list = footer(&mut h);
    assert!(list.contains("sort"), "list footer: {list}");
    h.key(KeyCode::Enter);
    h.answer_detail();
    let detail = footer(&mut h);
    assert!(detail.contains("/ filter"), "detail footer: {detail}");
    assert!(detail.contains("edit the field"), "detail footer: {detail}");
    h.key(KeyCode::Char('s'));
    let status = footer(&mut h);
    assert!(status.contains("move there"), "status footer: {status}");
    assert!(!status.contains("/ filter"), "status footer: {status}");
}
