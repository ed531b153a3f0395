//! Saved views and the expiry queue, driven by keys: tabs with live counts, `1`–`9`, `[`/`]`,
//! the palette's `view save`/`view delete` (written to `views.toml`), the `expires` column and
//! filter, urgency and the top bar's count of referrals expiring within 48 hours.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crossterm::event::KeyCode;
use refdeck::domain::search::Column;
use refdeck::domain::view;
use refdeck::domain::{Direction, Status};
use refdeck::testing::scene::{Scene, now};
use refdeck::views_file::SavedViews;

fn in_view(s: &Scene) -> Vec<refdeck::domain::ReferralRow> {
    s.app
        .list
        .visible_ids()
        .iter()
        .map(|id| s.app.list.row(id).unwrap().to_row())
        .collect()
}

#[test]
fn number_keys_switch_views_and_to_answer_is_sorted_by_expiry() {
    let mut s = Scene::new(200, 160, 48);
    assert!(s.app.list.active_view().is_none(), "All first");
    s.keys("1");
    assert!(s.app.list.active_view().is_none());
    assert_eq!(s.app.list.visible_len(), 200);
    s.keys("2");
    assert_eq!(s.app.list.active_view().unwrap().name, "To answer");
    // In split view the detail follows the cursor onto the view's first row.
    let shown = s.sent.iter().rev().find_map(|c| match c {
        refdeck::protocol::Command::OpenDetail { id, .. } => Some(id.clone()),
        _ => None,
    });
    assert_eq!(shown, s.app.list.selected_id());
    let rows = in_view(&s);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.status == Status::New && r.direction == Some(Direction::Incoming))
    );
    let deadlines: Vec<_> = rows.iter().map(|r| r.expires).collect();
    let mut sorted = deadlines.clone();
    sorted.sort_by_key(|d| (d.is_none(), *d));
    assert_eq!(deadlines, sorted, "soonest deadline first");
    assert_eq!(s.app.list.sort().column, Column::Expires);
    // The tab's count is the number of rows the view shows.
    assert_eq!(s.app.list.view_counts()[1], rows.len());
    s.key(KeyCode::Char(']'));
    assert_eq!(s.app.list.active_view().unwrap().name, "Expiring");
    s.key(KeyCode::Char('['));
    s.key(KeyCode::Char('['));
    assert!(s.app.list.active_view().is_none(), "back on All");
    s.key(KeyCode::Char('['));
    assert_eq!(
        s.app.list.active_view().unwrap().name,
        "Marketo missing",
        "wraps"
    );
}

#[test]
fn digits_typed_in_the_filter_line_stay_text_and_narrow_the_view() {
    let mut s = Scene::new(200, 160, 48);
    s.keys("4");
    let base = s.app.list.visible_len();
    s.keys("/");
    s.keys("2");
    assert_eq!(s.app.list.filter_text(), "2");
    assert_eq!(s.app.list.active_view().unwrap().name, "My active");
    s.key(KeyCode::Backspace);
    s.keys("type:shared");
    s.key(KeyCode::Enter);
    let rows = in_view(&s);
    assert!(rows.len() < base);
    assert!(rows.iter().all(|r| r.status == Status::Active));
}

#[test]
fn a_missing_view_number_says_so() {
    let mut s = Scene::new(20, 160, 48);
    s.keys("9");
    assert!(s.app.list.active_view().is_none());
    assert!(s.screen().contains("no view 9"));
}

#[test]
fn views_are_saved_to_views_toml_and_deleted_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.toml");
    let mut s = Scene::new(200, 160, 48);
    s.app.options.views.path = Some(path.clone());
    s.keys("2/");
    s.keys("value>10k");
    s.key(KeyCode::Enter);
    let narrowed = s.app.list.visible_len();
    s.keys(":view save Big asks");
    s.key(KeyCode::Enter);
    let active = s.app.list.active_view().unwrap().clone();
    assert_eq!(active.name, "Big asks");
    assert_eq!(active.filter, "status:new dir:incoming value>10k");
    assert_eq!(
        s.app.list.filter_text(),
        "",
        "the typed filter went into the view"
    );
    assert_eq!(s.app.list.visible_len(), narrowed);
    let saved = SavedViews::load(&path, now()).unwrap();
    assert_eq!(saved.views, vec![active]);
    assert!(s.screen().contains("Big asks"));

    s.keys(":view delete Won this quarter");
    s.key(KeyCode::Enter);
    s.keys(":view delete big asks");
    s.key(KeyCode::Enter);
    let saved = SavedViews::load(&path, now()).unwrap();
    assert!(saved.views.is_empty());
    assert_eq!(saved.hidden, ["Won this quarter"]);
    let names: Vec<&str> = s.app.list.views().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["To answer", "Expiring", "My active", "Marketo missing"]
    );
    assert!(
        s.app.list.active_view().is_none(),
        "the deleted view was active"
    );

    s.keys(":view delete Nope");
    s.key(KeyCode::Enter);
    assert!(
        s.screen()
            .contains("no view `Nope`; the views are All, To answer")
    );
    s.keys(":view save Bad");
    s.key(KeyCode::Enter);
    s.keys("/");
    s.keys("stauts:new");
    s.key(KeyCode::Enter);
    s.keys(":view save Bad");
    s.key(KeyCode::Enter);
    assert!(
        !SavedViews::load(&path, now())
            .unwrap()
            .views
            .iter()
            .any(|v| v.filter.contains("stauts")),
        "a filter with errors is never saved"
    );
}

#[test]
fn the_expiry_queue_counts_and_colours_what_expires_within_48_hours() {
    let mut s = Scene::new(200, 160, 48);
    let expected = s
        .app
        .list
        .rows()
        .iter()
        .filter(|r| {
            *r.status() == Status::New
                && r.direction() == Some(&Direction::Incoming)
                && r.expires()
                    .is_some_and(|e| e < now() + chrono::Duration::hours(48))
        })
        .count();
    assert!(expected > 0, "the demo data has referrals about to expire");
    assert_eq!(s.app.list.expiring_soon(), expected);
    let screen = s.screen();
    assert!(
        screen.contains(&format!("{expected} expiring <48h")),
        "{screen}"
    );
    s.keys("4");
    s.keys("[");
    assert_eq!(s.app.list.active_view().unwrap().name, "Expiring");
    assert_eq!(s.app.list.visible_len(), expected);
    // Urgent rows are drawn in the urgency colours.
    let first = in_view(&s)[0].clone();
    let style = s.app.options.theme.expiry(&first, now()).unwrap();
    assert!(style == s.app.options.theme.expiry_urgent || style == s.app.options.theme.expiry_soon);
    // The counts follow the clock: a day later more referrals are within 48 hours.
    s.act(refdeck::app::Action::TickAt(
        now() + chrono::Duration::days(1),
    ));
    assert!(s.app.list.expiring_soon() >= expected);
}

#[test]
fn views_snapshots() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut s = Scene::new(60, w, h);
        insta::assert_snapshot!(format!("views_all_{w}x{h}"), s.screen());
        s.keys("2");
        insta::assert_snapshot!(format!("views_to_answer_{w}x{h}"), s.screen());
        s.keys("]");
        insta::assert_snapshot!(format!("views_expiring_{w}x{h}"), s.screen());
    }
}

#[test]
fn every_default_view_is_a_tab() {
    let s = Scene::new(10, 160, 48);
    let names: Vec<String> = s.app.list.views().iter().map(|v| v.name.clone()).collect();
    let defaults: Vec<String> = view::defaults().into_iter().map(|v| v.name).collect();
    assert_eq!(names, defaults);
}

#[test]
fn new_referrals_are_marked_until_opened() {
    let mut s = Scene::new(60, 160, 48);
    let mut fresh: Vec<_> = s
        .app
        .list
        .rows()
        .iter()
        .take(2)
        .map(|r| r.to_row())
        .collect();
    for r in &mut fresh {
        r.unseen = true;
    }
    s.event(refdeck::protocol::Event::RowsChanged {
        rows: fresh.clone(),
    });
    assert_eq!(s.app.list.unseen(), 2);
    let screen = s.screen();
    assert!(screen.contains("● 2 new"), "{screen}");
    insta::assert_snapshot!("views_new_marks_160x48", screen);
    // Open the first of them.
    while s.app.list.selected_id().as_deref() != Some(fresh[0].id.as_str()) {
        s.keys("j");
    }
    s.key(KeyCode::Enter);
    s.answer_detail();
    assert_eq!(s.app.list.unseen(), 1);
    assert!(!s.app.list.row(&fresh[0].id).unwrap().unseen());
    assert!(s.screen().contains("● 1 new"));
}

#[test]
fn new_incoming_referrals_notify_the_terminal_only_when_asked() {
    use refdeck::app::Action;
    use refdeck::protocol::Event;
    let mut s = Scene::new(10, 160, 48);
    let fx = s
        .app
        .update(Action::Backend(Event::NewIncoming { count: 2 }));
    assert_eq!(fx.terminal, None, "off by default");
    assert!(s.screen().contains("2 new incoming referrals"));
    s.app.options.notify = refdeck::config::NotifyStyle::Osc9;
    let fx = s
        .app
        .update(Action::Backend(Event::NewIncoming { count: 1 }));
    assert_eq!(
        fx.terminal.as_deref(),
        Some("\x1b]9;refdeck: 1 new incoming referral\x07")
    );
}
