//! Driving the deal-registration wizard by keys in tests (shared by `tests/wizard.rs` and
//! `tests/registration.rs`).
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use refdeck::app::Action;
use refdeck::domain::patch::PatchOp;
use refdeck::domain::rules;
use refdeck::domain::*;
use refdeck::protocol::Command;

use crate::support::Harness;

/// Filters the list with `filter` and moves down to the first row whose referral fits.
pub fn select(h: &mut Harness, filter: &str, fits: impl Fn(&Referral) -> bool) -> Referral {
    h.key(KeyCode::Char('/'));
    h.keys(filter);
    h.key(KeyCode::Enter);
    for _ in 0..h.app.list.visible_len() {
        let id = h.app.list.selected_id().expect("a row").to_string();
        let r = h.referral(&id);
        if fits(&r) {
            return r;
        }
        h.key(KeyCode::Char('j'));
    }
    panic!("no referral under `{filter}` fits");
}

/// Presses `r` on the selected referral and answers the detail request, so the wizard opens.
pub fn press_register(h: &mut Harness) {
    if h.app.is_split() {
        // The detail follows the selection beside the list; answer it first.
        h.answer_detail();
        h.key(KeyCode::Char('r'));
    } else {
        h.key(KeyCode::Char('r'));
        h.answer_detail();
    }
    let title = title(h);
    assert!(title.starts_with("Register"), "wizard not open: {title}");
}

pub fn eligible_without_registrations(r: &Referral) -> bool {
    rules::registration_ineligibility(r).is_empty() && r.registrations().is_empty()
}

pub fn with_open_registration(r: &Referral) -> bool {
    r.registrations()
        .last()
        .is_some_and(rules::registration_is_updatable)
}

/// The wizard on an eligible referral without registrations.
pub fn open_new(h: &mut Harness) -> Referral {
    let r = select(
        h,
        "status:closed sub:won reg:none",
        eligible_without_registrations,
    );
    press_register(h);
    r
}

pub fn alt(h: &mut Harness, code: KeyCode) {
    h.act(Action::Key(KeyEvent::new(code, KeyModifiers::ALT)));
}

/// The solution values typed, in turn.
pub const VALUES: [&str; 3] = ["1,000,000", "250000", "125000.50"];

/// Gives `n` solutions a value and moves on: each Ctrl-S takes the cursor to the next missing
/// value (the step is checked), the last one opens the contract.
pub fn fill_values(h: &mut Harness, n: usize) {
    for i in 0..n {
        h.ctrl('s');
        h.keys(VALUES[i % VALUES.len()]);
    }
    h.ctrl('s');
}

/// From the eligibility page of a new registration to the contract step.
pub fn fill_solutions(h: &mut Harness, r: &Referral) {
    h.key(KeyCode::Enter);
    fill_values(h, r.solutions().len());
}

/// Types the end date the contract needs and opens the review.
pub fn fill_contract(h: &mut Harness) {
    h.ctrl('s');
    h.keys("2027-12-31");
    h.ctrl('s');
}

/// Replaces the contract value (the first field of the contract step) with `value`.
pub fn retype_contract_value(h: &mut Harness, value: &str) {
    for _ in 0..20 {
        h.key(KeyCode::Backspace);
    }
    h.keys(value);
}

/// What the app asked the backend to send.
#[derive(Debug, Clone)]
pub struct SentPatch {
    pub id: String,
    pub ops: Vec<PatchOp>,
    pub etag: Option<String>,
    pub base: Referral,
    pub summary: String,
}

/// The last patch the app sent.
pub fn last_patch(h: &Harness) -> SentPatch {
    h.sent
        .iter()
        .rev()
        .find_map(|c| match c {
            Command::Patch {
                id,
                ops,
                etag,
                base,
                summary,
            } => Some(SentPatch {
                id: id.clone(),
                ops: ops.clone(),
                etag: etag.clone(),
                base: (**base).clone(),
                summary: summary.clone(),
            }),
            _ => None,
        })
        .expect("a patch was sent")
}

/// How many patches the app sent so far.
pub fn patches_sent(h: &Harness) -> usize {
    h.sent
        .iter()
        .filter(|c| matches!(c, Command::Patch { .. }))
        .count()
}

/// The title of the pane on top of the right side.
pub fn title(h: &Harness) -> String {
    h.app.right.last().map(|p| p.title()).unwrap_or_default()
}

/// The title of the top overlay.
pub fn overlay(h: &Harness) -> Option<String> {
    h.app.overlays.last().map(|p| p.title())
}
