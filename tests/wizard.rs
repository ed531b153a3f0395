//! The deal-registration wizard driven by keys, as a user drives it: snapshots of every step at
//! 80x24 and 160x48, and the behaviour around them (validation before each step, back and
//! forward keeping what was typed, Esc asking before discarding, the exact patch submitted, the
//! result of the save, existing registrations and which of them can be updated).
//!
//! Backend answers are fed in as events; a save is answered the way the service answers it
//! (the patch applied, the new registration given an id, ReviewPending status and history).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;
mod wizard_support;

use crossterm::event::KeyCode;
use refdeck::domain::patch::{self, Op, PatchOp};
use refdeck::domain::rules;
use refdeck::domain::*;
use refdeck::protocol::Event;
use support::{Harness, now};
use wizard_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
const DEMO: usize = 60;

/// Answers the last patch as the service does: applied, with the new registration's id,
/// status and history set by the server.
fn server_saves(h: &mut Harness) -> Referral {
    let SentPatch {
        id,
        ops,
        base,
        summary,
        ..
    } = last_patch(h);
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
    let SentPatch { id, summary, .. } = last_patch(h);
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
        h.ctrl('s');
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
        h.ctrl('s');
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
        let id = last_patch(h).id;
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
fn the_eligibility_page_says_one_thing_about_a_new_registration() {
    let mut h = Harness::new(DEMO, 160, 48);
    select(
        &mut h,
        "status:closed sub:won reg:actionrequired",
        with_open_registration,
    );
    press_register(&mut h);
    let screen = h.screen();
    assert!(
        !screen.contains("can be registered"),
        "a new registration is not possible here:\n{screen}"
    );
    assert!(screen.contains("update it instead"), "{screen}");
    let mut h = Harness::new(DEMO, 160, 48);
    select(&mut h, "status:closed sub:won reg:passed", |r| {
        !r.registrations().is_empty()
    });
    press_register(&mut h);
    let screen = h.screen();
    assert!(!screen.contains("can be registered"), "{screen}");
    assert!(!screen.contains("update it instead"), "{screen}");
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
        h.ctrl('s');
        // The contract value is the first field of the contract step.
        retype_contract_value(h, "910000");
        h.ctrl('s');
    });
    snap("wizard_update_saved", |h| {
        select(
            h,
            "status:closed sub:won reg:actionrequired",
            with_open_registration,
        );
        press_register(h);
        h.key(KeyCode::Enter);
        h.ctrl('s');
        retype_contract_value(h, "910000");
        h.ctrl('s');
        h.key(KeyCode::Enter);
        server_saves(h);
    });
}

// ── behaviour ────────────────────────────────────────────────────────────────────────────

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
    h.ctrl('s');
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
    h.ctrl('p');
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
    h.ctrl('s');
    let screen = h.screen();
    assert!(
        screen.contains("end date: enter the end date, or choose the Perpetual term"),
        "{screen}"
    );
    assert!(!screen.contains("PATCH /referrals"));
    h.keys("2027-12-31");
    h.ctrl('s');
    assert!(h.screen().contains("PATCH /referrals"));
    alt(&mut h, KeyCode::Left);
    assert!(h.screen().contains("2027-12-31"), "back keeps the end date");
    h.ctrl('p');
    h.ctrl('p');
    let screen = h.screen();
    assert!(screen.contains("+ New registration"), "{screen}");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("125000.50"), "the draft is kept");
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
    let SentPatch {
        id,
        ops,
        etag,
        base,
        summary,
    } = last_patch(&h);
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
    let ops = last_patch(&h).ops;
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
    h.ctrl('p');
    assert!(h.screen().contains("PATCH /referrals"));
}

#[test]
fn solutions_can_be_added_and_removed() {
    let mut h = Harness::new(DEMO, 160, 48);
    let r = open_new(&mut h);
    let n = r.solutions().len();
    h.key(KeyCode::Enter);
    h.ctrl('n');
    let screen = h.screen();
    assert!(screen.contains(&format!("{} solutions", n + 1)), "{screen}");
    h.ctrl('d');
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
    h.ctrl('s');
    h.ctrl('s');
    let screen = h.screen();
    assert!(screen.contains("nothing changed"), "{screen}");
    retype_contract_value(&mut h, "910000");
    h.ctrl('s');
    h.key(KeyCode::Enter);
    let ops = last_patch(&h).ops;
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
    assert!(!screen.contains("New registration"), "{screen}");
    assert!(
        screen.contains("registration 1 is Approved; a new registration"),
        "{screen}"
    );
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("Approved: no longer updatable"), "{screen}");
    assert!(screen.contains("cannot be updated"), "{screen}");
    assert!(!title(&h).starts_with("Update"));
}

#[test]
fn a_failed_registration_can_be_followed_by_a_new_one() {
    let mut h = Harness::new(DEMO, 80, 24);
    select(&mut h, "status:closed sub:won reg:failed", |r| {
        rules::registration_ineligibility(r).is_empty() && !r.registrations().is_empty()
    });
    press_register(&mut h);
    let screen = h.screen();
    assert!(screen.contains("▶ + New registration"), "{screen}");
    assert!(screen.contains("Failed"), "{screen}");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("Solution details"));
}

#[test]
fn the_result_follows_its_outbox_entry_through_retries_and_conflicts() {
    let mut h = Harness::new(DEMO, 80, 24);
    let r = open_new(&mut h);
    fill_solutions(&mut h, &r);
    fill_contract(&mut h);
    h.key(KeyCode::Enter);
    let summary = last_patch(&h).summary;
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

#[test]
fn snapshot_help() {
    snap("wizard_help", |h| {
        open_new(h);
        h.key(KeyCode::Enter);
        h.key(KeyCode::F(1));
    });
}

/// A fresh copy of the referral that arrives after the user left the eligibility page (the
/// detail's own reload, late on a busy machine) must not empty the step the user is on.
#[test]
fn a_late_fresh_copy_keeps_the_step_the_user_is_on() {
    let mut h = Harness::new(DEMO, 160, 48);
    let r = open_new(&mut h);
    h.key(KeyCode::Enter);
    let before = h.screen();
    assert!(before.contains("Solution details"), "{before}");
    h.event(Event::Detail {
        referral: Box::new(r),
        related: Vec::new(),
        fresh: true,
    });
    assert_eq!(h.screen(), before);
}
