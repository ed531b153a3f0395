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

/// The first New referral: filtered to, opened, loaded.
fn open_first_new(h: &mut Harness) -> String {
    h.key(KeyCode::Char('/'));
    h.keys("status:new");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    h.answer_detail();
    h.app
        .list
        .selected_id()
        .expect("a New referral")
        .to_string()
}

fn held(h: &Harness) -> Vec<(String, String, u64)> {
    h.sent
        .iter()
        .filter_map(|c| match c {
            Command::PatchHeld { patch, seconds } => match patch.as_ref() {
                Command::Patch { id, summary, .. } => Some((id.clone(), summary.clone(), *seconds)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn accept_names_the_referral_and_the_move_and_asks_first() {
    let mut h = Harness::new(60, 160, 48);
    let id = open_first_new(&mut h);
    let name = h.referral(&id).name().to_string();
    h.sent.clear();
    h.key(KeyCode::Char('a'));
    assert!(h.sent.is_empty(), "accepted without asking: {:?}", h.sent);
    let screen = h.screen();
    assert!(
        screen.contains(&format!("Accept ‘{name}’ → Active/Accepted?")),
        "{screen}"
    );
    assert!(
        screen.contains("Enter/y confirm · Esc/n cancel"),
        "{screen}"
    );
    h.key(KeyCode::Esc);
    assert!(h.sent.is_empty(), "esc sent {:?}", h.sent);
    h.key(KeyCode::Char('a'));
    h.key(KeyCode::Enter);
    assert_eq!(
        held(&h),
        [(id, "status → Active/Accepted".to_string(), 5)],
        "{:?}",
        h.sent
    );
}

#[test]
fn decline_asks_after_the_reason() {
    let mut h = Harness::new(60, 160, 48);
    let id = open_first_new(&mut h);
    let name = h.referral(&id).name().to_string();
    h.sent.clear();
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Enter);
    assert!(h.sent.is_empty(), "declined without asking: {:?}", h.sent);
    let screen = h.screen();
    assert!(
        screen.contains(&format!("Decline ‘{name}’ → Closed/Declined")),
        "{screen}"
    );
    h.key(KeyCode::Char('y'));
    assert_eq!(held(&h).len(), 1, "{:?}", h.sent);
}

#[test]
fn without_confirm_and_undo_the_move_is_sent_at_once() {
    let mut h = Harness::new(60, 160, 48);
    h.app.options.confirm_actions = false;
    h.app.options.undo_seconds = 0;
    open_first_new(&mut h);
    h.sent.clear();
    h.key(KeyCode::Char('a'));
    assert_eq!(patches(&h), 1, "{:?}", h.sent);
}

#[test]
fn u_withdraws_a_held_move_in_its_window_and_says_too_late_after() {
    use refdeck::protocol::Event;
    let mut h = Harness::new(60, 160, 48);
    let id = open_first_new(&mut h);
    h.key(KeyCode::Char('a'));
    h.key(KeyCode::Enter);
    let until = h.app.now + chrono::Duration::seconds(5);
    h.event(Event::Queued {
        id: Some(id.clone()),
        seq: 7,
        summary: "status → Active/Accepted".into(),
    });
    h.event(Event::Held {
        seq: 7,
        id: id.clone(),
        summary: "status → Active/Accepted".into(),
        until,
    });
    assert!(footer(&mut h).contains("u undoes"), "{}", footer(&mut h));
    h.sent.clear();
    h.key(KeyCode::Char('u'));
    assert_eq!(h.sent, [Command::Withdraw { seq: 7 }]);
    h.event(Event::Withdrawn {
        seq: 7,
        id: Some(id.clone()),
        summary: "status → Active/Accepted".into(),
    });
    assert!(!h.screen().contains("saving…"), "{}", h.screen());

    // A second move, undone too late.
    h.key(KeyCode::Char('a'));
    h.key(KeyCode::Enter);
    h.event(Event::Held {
        seq: 8,
        id,
        summary: "status → Active/Accepted".into(),
        until,
    });
    h.app.set_now(until + chrono::Duration::seconds(1));
    h.sent.clear();
    h.key(KeyCode::Char('u'));
    assert!(h.sent.is_empty(), "{:?}", h.sent);
    assert!(
        footer(&mut h).contains("too late to undo"),
        "{}",
        footer(&mut h)
    );
}

#[test]
fn the_decline_reasons_honour_the_list_moves() {
    for (keys, want) in [
        (vec![KeyCode::Char('G')], "Why"),
        (vec![KeyCode::End], "Why"),
        (
            vec![KeyCode::Char('G'), KeyCode::Char('g')],
            "Closed/Declined (Budget",
        ),
        (
            vec![KeyCode::Char('G'), KeyCode::Home],
            "Closed/Declined (Budget",
        ),
        (vec![KeyCode::PageDown], "Why"),
        (
            vec![KeyCode::PageDown, KeyCode::PageUp],
            "Closed/Declined (Budget",
        ),
    ] {
        let mut h = Harness::new(60, 160, 48);
        open_first_new(&mut h);
        h.key(KeyCode::Char('x'));
        for k in &keys {
            h.key(*k);
        }
        h.key(KeyCode::Enter);
        let screen = h.screen();
        assert!(screen.contains(want), "{keys:?} then enter: {screen}");
    }
}

#[test]
fn the_status_picker_offers_what_the_rules_offer_but_where_it_is() {
    use refdeck::domain::rules::allowed_moves;
    use refdeck::ui::status::StatusDialog;
    let h = Harness::new(60, 80, 24);
    for r in &h.referrals {
        let want: Vec<_> = allowed_moves(&r.status(), &r.substatus())
            .into_iter()
            .flat_map(|m| {
                m.substatuses
                    .into_iter()
                    .map(move |s| (m.status.clone(), s))
            })
            .filter(|(s, u)| *s != r.status() || *u != r.substatus())
            .collect();
        assert_eq!(StatusDialog::new(r.clone()).options(), want.as_slice());
    }
}

/// The header line of the list (the one under the top border).
fn list_header(h: &mut Harness) -> String {
    h.screen()
        .lines()
        .find(|l| l.contains("Name"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn sort_cycles_only_through_visible_columns_and_shows_its_direction() {
    let mut h = Harness::new(60, 80, 24);
    let header = list_header(&mut h);
    for _ in 0..12 {
        h.key(KeyCode::Char('S'));
        let header = list_header(&mut h);
        let column = h.app.list.sort().column;
        let marked = header
            .split_whitespace()
            .find(|w| w.ends_with('▲') || w.ends_with('▼'))
            .unwrap_or_else(|| panic!("sorted by {column:?}, not marked in {header}"));
        let title = match column.as_str() {
            "direction" => "dir",
            "marketo" => "mkto",
            other => other,
        };
        assert_eq!(
            marked.trim_end_matches(['▲', '▼']).to_lowercase(),
            title,
            "sorted by {column:?}, marked {marked}"
        );
    }
    assert!(header.contains("Name"), "{header}");
}

#[test]
fn the_reverse_key_flips_the_sort() {
    let mut h = Harness::new(60, 160, 48);
    let before = h.app.list.sort();
    let first = h.app.list.visible_ids()[0].clone();
    h.key(KeyCode::Char('~'));
    assert_eq!(h.app.list.sort().column, before.column);
    assert_eq!(h.app.list.sort().descending, !before.descending);
    assert_eq!(h.app.list.visible_ids().last(), Some(&first));
    let want = format!(
        "sort {} {}",
        before.column.as_str(),
        if before.descending { '▲' } else { '▼' }
    );
    assert!(h.screen().contains(&want), "{}", h.screen());
}

#[test]
fn text_inputs_follow_readline() {
    // The filter line.
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Char('/'));
    h.keys("status:new cont");
    h.ctrl('w');
    assert_eq!(h.app.list.filter_text(), "status:new ");
    h.ctrl('u');
    assert_eq!(
        h.app.list.filter_text(),
        "",
        "ctrl-u clears to the line start"
    );
    h.ctrl('z');
    assert_eq!(h.app.list.filter_text(), "status:new ", "ctrl-z undoes");
    h.ctrl('a');
    h.keys("-");
    h.ctrl('e');
    h.keys("fav");
    assert_eq!(h.app.list.filter_text(), "-status:new fav");
    h.ctrl('a');
    h.ctrl('k');
    assert_eq!(h.app.list.filter_text(), "");
    h.key(KeyCode::Esc);

    // The palette.
    h.key(KeyCode::Char(':'));
    h.keys("sort name");
    h.ctrl('a');
    h.ctrl('k');
    assert!(!h.screen().contains("sort name"), "{}", h.screen());
    h.ctrl('z');
    assert!(h.screen().contains("sort name"), "{}", h.screen());
    h.ctrl('e');
    h.ctrl('u');
    assert!(!h.screen().contains("sort name"), "{}", h.screen());
    h.key(KeyCode::Esc);

    // A form field.
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Char('n'));
    h.keys("Deal one");
    assert!(h.screen().contains("Deal one"), "{}", h.screen());
    h.ctrl('u');
    assert!(!h.screen().contains("Deal one"), "{}", h.screen());
    h.ctrl('z');
    assert!(h.screen().contains("Deal one"), "{}", h.screen());
}

#[test]
fn help_wraps_the_filter_language_in_full() {
    let mut h = Harness::new(60, 80, 24);
    h.key(KeyCode::Char('?'));
    h.keys("value>");
    let screen = h.screen();
    assert!(screen.contains("-status:closed"), "{screen}");
}

#[test]
fn f1_in_a_form_shows_the_form_keys() {
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Char('n'));
    h.keys("Deal");
    h.key(KeyCode::F(1));
    assert_eq!(h.app.overlays.len(), 1, "no help overlay");
    let screen = h.screen();
    assert!(screen.contains("ctrl-s"), "{screen}");
    assert!(screen.contains("next field"), "{screen}");
    h.key(KeyCode::Esc);
    assert!(h.screen().contains("Deal"), "typed text kept");
}
