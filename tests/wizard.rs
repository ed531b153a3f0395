//! The deal-registration wizard driven by keys, as a user drives it: snapshots of every step at
//! 80x24 and 160x48, and the behaviour around them (validation before each step, back and
//! forward keeping what was typed, Esc asking before discarding, the exact patch submitted, the
//! result of the save, existing registrations and which of them can be updated).
//!
//! Backend answers are fed in as events; a save is answered the way the service answers it
//! (the patch applied, the new registration given an id, ReviewPending status and history).

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use refdeck::app::Action;
use refdeck::backend::protocol::{Command, Event};
use refdeck::domain::patch::{self, Op, PatchOp};
use refdeck::domain::rules;
use refdeck::domain::*;
use support::{Harness, now};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
const DEMO: usize = 60;

/// Filters the list with `filter` and moves down to the first row whose referral matches.
fn select(h: &mut Harness, filter: &str, pred: impl Fn(&Referral) -> bool) -> Referral {
    h.key(KeyCode::Char('/'));
    h.keys(filter);
    h.key(KeyCode::Enter);
    for _ in 0..h.app.list.visible_len() {
        let id = h.app.list.selected_id().expect("a row").to_string();
        let r = h.referral(&id);
        if pred(&r) {
            return r;
        }
        h.key(KeyCode::Char('j'));
    }
    panic!("no referral under `{filter}` fits");
}

/// Presses `r` on the selected referral and answers the detail request, so the wizard opens.
fn press_register(h: &mut Harness) {
    if h.app.is_split() {
        // The detail follows the selection beside the list; answer it first.
        h.answer_detail();
        h.key(KeyCode::Char('r'));
    } else {
        h.key(KeyCode::Char('r'));
        h.answer_detail();
    }
    let title = h.app.right.last().map(|p| p.title()).unwrap_or_default();
    assert!(title.starts_with("Register"), "wizard not open: {title}");
}

fn eligible_without_registrations(r: &Referral) -> bool {
    rules::registration_ineligibility(r).is_empty() && r.registrations().is_empty()
}

fn with_open_registration(r: &Referral) -> bool {
    r.registrations()
        .last()
        .is_some_and(rules::registration_is_updatable)
}

/// The wizard on an eligible referral without registrations.
fn open_new(h: &mut Harness) -> Referral {
    let r = select(
        h,
        "status:closed sub:won reg:none",
        eligible_without_registrations,
    );
    press_register(h);
    r
}

fn ctrl(h: &mut Harness, c: char) {
    h.ctrl(c);
}

fn alt(h: &mut Harness, code: KeyCode) {
    h.act(Action::Key(KeyEvent::new(code, KeyModifiers::ALT)));
}

/// From the eligibility page of a new registration to the contract step: every solution gets
/// a value (the cursor jumps to each missing one when the step is checked).
fn fill_solutions(h: &mut Harness, r: &Referral) {
    h.key(KeyCode::Enter);
    let values = ["1,000,000", "250000", "125000.50"];
    for v in values.iter().take(r.solutions().len()) {
        ctrl(h, 's');
        h.keys(v);
    }
    ctrl(h, 's');
}

/// Types the end date the contract needs and opens the review.
fn fill_contract(h: &mut Harness) {
    ctrl(h, 's');
    h.keys("2027-12-31");
    ctrl(h, 's');
}

/// The last patch the app sent.
fn last_patch(h: &Harness) -> (String, Vec<PatchOp>, Option<String>, Referral, String) {
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
            } => Some((
                id.clone(),
                ops.clone(),
                etag.clone(),
                (**base).clone(),
                summary.clone(),
            )),
            _ => None,
        })
        .expect("a patch was sent")
}

/// Answers the last patch as the service does: applied, with the new registration's id,
/// status and history set by the server.
fn server_saves(h: &mut Harness) -> Referral {
    let (id, ops, _, base, summary) = last_patch(h);
    let mut doc = base.to_value();
    // The service keeps an empty list where a referral has no registrations yet.
    if let Some(obj) = doc.as_object_mut() {
        obj.entry("registrations").or_insert(serde_json::json!([]));
    }
    patch::apply(&mut doc, &ops).unwrap();
    let mut saved = Referral::from_value(doc).unwrap();
    if let Some(reg) = saved.registrations.as_mut().and_then(|v| v.last_mut())
        && reg.id.is_none()
    {
        reg.id = Some("5d0c1f7e-2b8a-4c3e-9f10-a1b2c3d4e5f6".into());
        reg.status = Some(RegistrationStatus::ReviewPending);
        reg.registration_date_time = Some(now());
        reg.status_history = Some(StatusHistory {
            review_pending_date_time: Some(now()),
            ..Default::default()
        });
    }
    saved.registration_status = saved.registrations().last().and_then(|g| g.status.clone());
    saved.etag = Some("\"e-after\"".into());
    h.event(Event::Queued {
        id: Some(id),
        seq: 7,
        summary,
    });
    h.event(Event::Saved {
        seq: 7,
        referral: Box::new(saved.clone()),
    });
    saved
}

fn server_refuses(h: &mut Harness, message: &str) {
    let (id, _, _, _, summary) = last_patch(h);
    h.event(Event::Queued {
        id: Some(id.clone()),
        seq: 8,
        summary,
    });
    h.event(Event::SaveFailed {
        seq: 8,
        id: Some(id),
        message: message.into(),
    });
}

fn snap(name: &str, build: impl Fn(&mut Harness)) {
    for (w, h) in SIZES {
        let mut hx = Harness::new(DEMO, w, h);
        build(&mut hx);
        let screen = hx.screen();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

// ── snapshots ────────────────────────────────────────────────────────────────────────────

#[test]
fn snapshot_ineligible() {
    snap("wizard_ineligible", |h| {
        select(h, "status:active", |_| true);
        press_register(h);
    });
}

#[test]
fn snapshot_eligible() {
    snap("wizard_eligible", |h| {
        open_new(h);
    });
}

#[test]
fn snapshot_solutions() {
    snap("wizard_solutions", |h| {
        open_new(h);
        h.key(KeyCode::Enter);
    });
}

#[test]
fn snapshot_solutions_errors() {
    snap("wizard_solutions_errors", |h| {
        open_new(h);
        h.key(KeyCode::Enter);
        ctrl(h, 's');
    });
}

#[test]
fn snapshot_contract() {
    snap("wizard_contract", |h| {
        let r = open_new(h);
        fill_solutions(h, &r);
    });
}

#[test]
fn snapshot_contract_errors() {
    snap("wizard_contract_errors", |h| {
        let r = open_new(h);
        fill_solutions(h, &r);
        ctrl(h, 's');
    });
}

#[test]
fn snapshot_review() {
    snap("wizard_review", |h| {
        let r = open_new(h);
        fill_solutions(h, &r);
        fill_contract(h);
    });
}

#[test]
fn snapshot_result_saving() {
    snap("wizard_result_saving", |h| {
        let r = open_new(h);
        fill_solutions(h, &r);
        fill_contract(h);
        h.key(KeyCode::Enter);
        let (id, ..) = last_patch(h);
        h.event(Event::Queued {
            id: Some(id),
            seq: 7,
            summary: "deal registration".into(),
        });
    });
}

#[test]
fn snapshot_result_saved() {
    snap("wizard_result_saved", |h| {
        let r = open_new(h);
        fill_solutions(h, &r);
        fill_contract(h);
        h.key(KeyCode::Enter);
        server_saves(h);
    });
}

#[test]
fn snapshot_result_refused() {
    snap("wizard_result_refused", |h| {
        let r = open_new(h);
        fill_solutions(h, &r);
        fill_contract(h);
        h.key(KeyCode::Enter);
        server_refuses(
            h,
            "Partner Center refused the change (400 invalidRequest): the referral must be won at least 72 hours after it was created",
        );
    });
}

#[test]
fn snapshot_existing_registration() {
    snap("wizard_existing", |h| {
        select(
            h,
            "status:closed sub:won reg:actionrequired",
            with_open_registration,
        );
        press_register(h);
    });
}

#[test]
fn snapshot_existing_not_updatable() {
    snap("wizard_existing_passed", |h| {
        select(h, "status:closed sub:won reg:passed", |r| {
            !r.registrations().is_empty()
        });
        press_register(h);
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Enter);
    });
}

#[test]
fn snapshot_update() {
    snap("wizard_update_solutions", |h| {
        select(
            h,
            "status:closed sub:won reg:actionrequired",
            with_open_registration,
        );
        press_register(h);
        h.key(KeyCode::Enter);
    });
    snap("wizard_update_review", |h| {
        select(
            h,
            "status:closed sub:won reg:actionrequired",
            with_open_registration,
        );
        press_register(h);
        h.key(KeyCode::Enter);
        ctrl(h, 's');
        // The contract value is the first field of the contract step.
        for _ in 0..12 {
            h.key(KeyCode::Backspace);
        }
        h.keys("910000");
        ctrl(h, 's');
    });
    snap("wizard_update_saved", |h| {
        select(
            h,
            "status:closed sub:won reg:actionrequired",
            with_open_registration,
        );
        press_register(h);
        h.key(KeyCode::Enter);
        ctrl(h, 's');
        for _ in 0..12 {
            h.key(KeyCode::Backspace);
        }
        h.keys("910000");
        ctrl(h, 's');
        h.key(KeyCode::Enter);
        server_saves(h);
    });
}

// ── behaviour ────────────────────────────────────────────────────────────────────────────

fn title(h: &Harness) -> String {
    h.app.right.last().map(|p| p.title()).unwrap_or_default()
}

fn overlay(h: &Harness) -> Option<String> {
    h.app.overlays.last().map(|p| p.title())
}

#[test]
fn an_ineligible_referral_lists_every_unmet_rule_and_offers_nothing_new() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = select(&mut h, "status:active", |_| true);
    press_register(&mut h);
    let screen = h.screen();
    let reasons = rules::registration_ineligibility(&r);
    assert!(reasons.len() >= 2, "{reasons:?}");
    for reason in &reasons {
        let start: String = reason.chars().take(40).collect();
        assert!(screen.contains(&start), "`{start}` missing:\n{screen}");
    }
    assert!(!screen.contains("New registration"));
    h.key(KeyCode::Enter);
    assert!(title(&h).starts_with("Register"));
    assert!(
        h.screen().contains("1 Eligibility"),
        "still on the first step"
    );
    h.key(KeyCode::Esc);
    assert!(
        !title(&h).starts_with("Register"),
        "esc closes without asking"
    );
}

#[test]
fn each_step_checks_before_the_next_and_back_keeps_what_was_typed() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = open_new(&mut h);
    assert!(
        r.solutions().len() >= 2,
        "the demo referral has several solutions"
    );
    h.key(KeyCode::Enter);
    ctrl(&mut h, 's');
    let screen = h.screen();
    assert!(screen.contains("fields need attention"), "{screen}");
    assert!(screen.contains("Solutions"), "{screen}");
    assert!(
        !screen.contains("Contract value"),
        "the contract step waits"
    );
    // Fill every value; the cursor is taken to each missing one.
    fill_values(&mut h, r.solutions().len());
    assert!(h.screen().contains("Contract value"));
    // Back to the solutions: the values are still there; forward again: so is the contract.
    ctrl(&mut h, 'p');
    assert!(
        h.screen().contains("125000.50"),
        "the last value typed is still there"
    );
    alt(&mut h, KeyCode::Right);
    let screen = h.screen();
    assert!(screen.contains("Contract value"), "{screen}");
    assert!(
        screen.contains("1375000.5"),
        "contract value is the sum of the solutions:\n{screen}"
    );
    // Without an end date the review does not open.
    ctrl(&mut h, 's');
    let screen = h.screen();
    assert!(
        screen.contains("end date: enter the end date, or choose the Perpetual term"),
        "{screen}"
    );
    assert!(!screen.contains("PATCH /referrals"));
    h.keys("2027-12-31");
    ctrl(&mut h, 's');
    assert!(h.screen().contains("PATCH /referrals"));
    alt(&mut h, KeyCode::Left);
    assert!(h.screen().contains("2027-12-31"), "back keeps the end date");
    ctrl(&mut h, 'p');
    ctrl(&mut h, 'p');
    let screen = h.screen();
    assert!(screen.contains("+ New registration"), "{screen}");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("125000.50"), "the draft is kept");
}

fn fill_values(h: &mut Harness, n: usize) {
    for v in ["1,000,000", "250000", "125000.50"].iter().take(n) {
        h.keys(v);
        ctrl(h, 's');
    }
}

#[test]
fn esc_asks_before_discarding_typed_input() {
    let mut h = Harness::new(DEMO, 80, 24);
    open_new(&mut h);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Esc);
    assert_eq!(overlay(&h), None, "nothing typed: closes at once");
    assert!(!title(&h).starts_with("Register"));

    press_register(&mut h);
    h.key(KeyCode::Enter);
    h.keys("x");
    h.key(KeyCode::Esc);
    assert_eq!(overlay(&h).as_deref(), Some("Discard?"));
    h.key(KeyCode::Char('n'));
    assert!(title(&h).starts_with("Register"), "no keeps the wizard");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('y'));
    assert_eq!(overlay(&h), None);
    assert!(!title(&h).starts_with("Register"), "yes discards");
}

#[test]
fn submit_sends_the_reviewed_patch_through_the_outbox() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = open_new(&mut h);
    fill_solutions(&mut h, &r);
    fill_contract(&mut h);
    let before = h.sent.len();
    h.key(KeyCode::Enter);
    let (id, ops, etag, base, summary) = last_patch(&h);
    assert!(h.sent.len() > before);
    assert_eq!(id, r.id());
    assert_eq!(etag, r.etag);
    assert_eq!(base, r);
    assert!(summary.starts_with("deal registration"), "{summary}");
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].op, Op::Add);
    assert_eq!(ops[0].path, "/registrations/-");
    let reg: Registration = serde_json::from_value(ops[0].value.clone()).unwrap();
    assert!(rules::check_registration(&reg).is_empty());
    let sols = reg.solution_details.clone().unwrap();
    assert_eq!(sols.len(), r.solutions().len());
    assert_eq!(sols[0].id, r.solutions()[0].id);
    assert_eq!(sols[0].value, Some(1_000_000.0));
    assert_eq!(sols[0].currency.as_deref(), Some(r.currency()));
    let c = reg.contract.clone().unwrap();
    assert_eq!(c.value, Some(1_375_000.5));
    assert_eq!(
        c.sign_date_time.map(|d| d.date_naive()),
        Some(now().date_naive())
    );
    assert_eq!(c.start_date_time, c.sign_date_time);
    assert_eq!(c.term, Some(ContractTerm::Finite));
    assert!(h.screen().contains("saving…"));
    let saved = server_saves(&mut h);
    let screen = h.screen();
    assert!(screen.contains("✓ Registered"), "{screen}");
    assert!(screen.contains("ReviewPending"), "{screen}");
    assert!(
        screen.contains("5d0c1f7e-2b8a-4c3e-9f10-a1b2c3d4e5f6"),
        "{screen}"
    );
    // Enter returns to the registrations, now listing the new one.
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(
        screen.contains("Registration 1 · ReviewPending"),
        "{screen}"
    );
    assert_eq!(saved.registrations().len(), 1);
    // Nothing is left unsaved once handed over: closing does not ask.
    h.key(KeyCode::Esc);
    assert_eq!(overlay(&h), None);
    assert!(!title(&h).starts_with("Register"));
}

#[test]
fn the_review_shows_the_exact_json_sent() {
    let mut h = Harness::new(DEMO, 160, 48);
    let r = open_new(&mut h);
    fill_solutions(&mut h, &r);
    fill_contract(&mut h);
    let screen = h.screen();
    h.key(KeyCode::Enter);
    let (_, ops, ..) = last_patch(&h);
    let pretty = serde_json::to_string_pretty(&ops).unwrap();
    // Every line of the JSON that fits on the screen is shown as it is.
    let shown: Vec<&str> = pretty.lines().take(30).collect();
    for line in shown {
        assert!(screen.contains(line), "`{line}` not shown:\n{screen}");
    }
}

#[test]
fn a_refusal_shows_the_server_message_and_allows_a_fix() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = open_new(&mut h);
    fill_solutions(&mut h, &r);
    fill_contract(&mut h);
    h.key(KeyCode::Enter);
    server_refuses(
        &mut h,
        "contract.endDateTime: the contract must end after it starts",
    );
    let screen = h.screen();
    assert!(screen.contains("refused the registration"), "{screen}");
    assert!(
        screen.contains("the contract must end after it starts"),
        "{screen}"
    );
    // The draft is not lost: closing asks, and back returns to the review.
    h.key(KeyCode::Esc);
    assert_eq!(overlay(&h).as_deref(), Some("Discard?"));
    h.key(KeyCode::Char('n'));
    ctrl(&mut h, 'p');
    assert!(h.screen().contains("PATCH /referrals"));
}

#[test]
fn solutions_can_be_added_and_removed() {
    let mut h = Harness::new(DEMO, 160, 48);
    let r = open_new(&mut h);
    let n = r.solutions().len();
    h.key(KeyCode::Enter);
    ctrl(&mut h, 'n');
    let screen = h.screen();
    assert!(screen.contains(&format!("{} solutions", n + 1)), "{screen}");
    ctrl(&mut h, 'd');
    assert!(h.screen().contains(&format!("{n} solutions")));
}

#[test]
fn open_registrations_can_be_updated_and_settled_ones_cannot() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = select(
        &mut h,
        "status:closed sub:won reg:actionrequired",
        with_open_registration,
    );
    press_register(&mut h);
    let n = r.registrations().len() - 1;
    // The cursor starts on the open registration.
    h.key(KeyCode::Enter);
    assert!(
        title(&h).starts_with(&format!("Update registration {}", n + 1)),
        "{}",
        title(&h)
    );
    ctrl(&mut h, 's');
    ctrl(&mut h, 's');
    let screen = h.screen();
    assert!(screen.contains("nothing changed"), "{screen}");
    for _ in 0..12 {
        h.key(KeyCode::Backspace);
    }
    h.keys("910000");
    ctrl(&mut h, 's');
    h.key(KeyCode::Enter);
    let (_, ops, ..) = last_patch(&h);
    assert_eq!(
        ops,
        vec![PatchOp::replace(
            format!("/registrations/{n}/contract/value"),
            serde_json::json!(910000.0)
        )]
    );

    // A Passed registration is shown, not offered for update.
    let mut h = Harness::new(DEMO, 80, 24);
    let r = select(&mut h, "status:closed sub:won reg:passed", |r| {
        !r.registrations().is_empty()
    });
    press_register(&mut h);
    let before = h.sent.len();
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("no longer updatable"), "{screen}");
    assert!(screen.contains("1 Eligibility"));
    assert!(title(&h).starts_with("Register"));
    assert_eq!(h.sent.len(), before);
    assert!(!rules::registration_is_updatable(
        r.registrations().last().unwrap()
    ));
}

#[test]
fn an_approved_registration_is_not_offered_for_update() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = select(
        &mut h,
        "status:closed sub:won reg:actionrequired",
        with_open_registration,
    );
    // The service approved it meanwhile.
    let at = h.referrals.iter().position(|x| x.id() == r.id()).unwrap();
    let reg = h.referrals[at]
        .registrations
        .as_mut()
        .and_then(|v| v.last_mut())
        .unwrap();
    reg.status = Some(RegistrationStatus::Approved);
    press_register(&mut h);
    let screen = h.screen();
    assert!(screen.contains("+ New registration"), "{screen}");
    assert!(
        screen.contains("▶ + New registration"),
        "the cursor is not on it:\n{screen}"
    );
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("Approved: no longer updatable"), "{screen}");
    assert!(!title(&h).starts_with("Update"));
}

#[test]
fn the_result_follows_its_outbox_entry_through_retries_and_conflicts() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = open_new(&mut h);
    fill_solutions(&mut h, &r);
    fill_contract(&mut h);
    h.key(KeyCode::Enter);
    let (_, _, _, _, summary) = last_patch(&h);
    assert!(
        summary.starts_with("deal registration: 3 solutions, 1,375,000.50"),
        "{summary}"
    );
    server_refuses(&mut h, "Partner Center did not answer");
    // Another entry's answer is not ours.
    h.event(Event::SaveFailed {
        seq: 99,
        id: Some(r.id().into()),
        message: "someone else's edit".into(),
    });
    assert!(!h.screen().contains("someone else's edit"));
    // Retried from the outbox, it conflicts, then goes through once resolved.
    let mut theirs = r.clone();
    theirs.etag = Some("\"theirs\"".into());
    h.event(Event::Conflict {
        seq: 8,
        base: Box::new(r.clone()),
        mine: Box::new(r.clone()),
        theirs: Box::new(theirs),
    });
    h.key(KeyCode::Esc); // set the conflict view aside to look at the wizard
    let screen = h.screen();
    assert!(screen.contains("Someone changed this referral"), "{screen}");
    let mut saved = r.clone();
    saved.registrations = Some(vec![Registration {
        id: Some("reg-9".into()),
        status: Some(RegistrationStatus::ReviewPending),
        ..Default::default()
    }]);
    h.event(Event::Saved {
        seq: 8,
        referral: Box::new(saved),
    });
    let screen = h.screen();
    assert!(screen.contains("✓ Registered"), "{screen}");
    assert!(screen.contains("reg-9"), "{screen}");
}
