//! Deal registration over real HTTP: the patches the wizard builds (driven by keys, or with its
//! own [`Draft`] where the wizard rightly offers nothing), sent by the Partner Center client to
//! the sandbox, whose review is moved with its control call
//! `POST /_sandbox/referrals/{id}/registrations/{n}/status`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;
mod wizard_support;

use crossterm::event::KeyCode;
use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig, PcError};
use refdeck::domain::patch::PatchOp;
use refdeck::domain::rules;
use refdeck::domain::*;
use refdeck::protocol::Event;
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use refdeck::ui::wizard::{Draft, Target, key, patch_ops};
use serde_json::{Value, json};
use support::{Harness, now};
use wizard_support::*;

async fn start() -> (SandboxHandle, PartnerCenterClient) {
    let sb = sandbox::start(SandboxConfig {
        referrals: 80,
        seed: 5,
        now: Some(now()),
        ..Default::default()
    })
    .await
    .expect("sandbox starts");
    let client = PartnerCenterClient::new(PcConfig::sandbox(&sb.base_url())).expect("client");
    (sb, client)
}

async fn all(client: &PartnerCenterClient) -> Vec<Referral> {
    client
        .list(&ListQuery::default(), |_, _| {})
        .await
        .expect("list")
        .referrals
}

/// Moves registration `n` of referral `id` to `status` with the sandbox's control call.
async fn review(
    sb: &SandboxHandle,
    id: &str,
    n: usize,
    status: &str,
    reason: Option<&str>,
) -> Value {
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/referrals/{id}/registrations/{n}/status",
            sb.base_url()
        ))
        .body(json!({"status": status, "statusReason": reason}).to_string())
        .send()
        .await
        .expect("control call");
    assert!(
        answer.status().is_success(),
        "control call: {}",
        answer.status()
    );
    answer.json().await.expect("json")
}

/// The dashboard with these referrals in its list (as the backend would load them).
fn dashboard(referrals: Vec<Referral>) -> Harness {
    let mut h = Harness::new(0, 80, 24);
    h.referrals = referrals;
    let rows = h.referrals.iter().map(ReferralRow::from).collect();
    h.event(Event::Rows {
        rows,
        complete: true,
    });
    h
}

/// Opens the wizard on the referral `id`.
fn wizard_on(h: &mut Harness, id: &str) {
    select(h, "", |r| r.id() == id);
    press_register(h);
}

/// Sends what the wizard asked for, as the backend's outbox does, and tells the app the result.
async fn send(
    h: &mut Harness,
    client: &PartnerCenterClient,
    seq: i64,
) -> Result<Referral, PcError> {
    let p = last_patch(h);
    h.event(Event::Queued {
        id: Some(p.id.clone()),
        seq,
        summary: p.summary.clone(),
    });
    let result = client.patch(&p.id, &p.ops, p.etag.as_deref()).await;
    match &result {
        Ok(saved) => h.event(Event::Saved {
            seq,
            referral: Box::new(saved.clone()),
        }),
        Err(e) => h.event(Event::SaveFailed {
            seq,
            id: Some(p.id.clone()),
            message: e.to_string(),
        }),
    }
    result
}

#[tokio::test]
async fn register_review_update_and_lock_over_http() {
    let (sb, client) = start().await;
    let referrals = all(&client).await;
    let target = referrals
        .iter()
        .find(|r| eligible_without_registrations(r))
        .expect("an eligible referral without registrations")
        .clone();
    let id = target.id().to_string();

    // New registration, built and submitted in the wizard.
    let mut h = dashboard(referrals.clone());
    wizard_on(&mut h, &id);
    fill_solutions(&mut h, &target);
    fill_contract(&mut h);
    h.key(KeyCode::Enter);
    let sent = last_patch(&h);
    assert_eq!(sent.ops.len(), 1);
    assert_eq!(sent.ops[0].path, "/registrations/-");
    let saved = send(&mut h, &client, 1)
        .await
        .expect("the sandbox takes the registration");
    let reg = saved
        .registrations()
        .last()
        .expect("a registration")
        .clone();
    assert_eq!(reg.status, Some(RegistrationStatus::ReviewPending));
    assert_eq!(
        saved.registration_status,
        Some(RegistrationStatus::ReviewPending)
    );
    let history = reg.status_history.clone().expect("history");
    assert!(history.review_pending_date_time.is_some());
    assert!(reg.registration_date_time.is_some());
    let reg_id = reg.id.clone().expect("the service gives the id");
    // What was sent is what is stored (the service adds its own fields only).
    assert_eq!(
        reg.solution_details,
        serde_json::from_value(sent.ops[0].value["solutionDetails"].clone()).unwrap()
    );
    assert_eq!(
        reg.contract,
        serde_json::from_value(sent.ops[0].value["contract"].clone()).unwrap()
    );
    let screen = h.screen();
    assert!(screen.contains("✓ Registered"), "{screen}");
    assert!(screen.contains(&reg_id), "{screen}");
    assert!(screen.contains("ReviewPending"), "{screen}");
    assert_ne!(saved.etag, target.etag, "every write gives a new eTag");

    // Microsoft asks for action: the wizard offers the update and the sandbox takes it.
    let n = saved.registrations().len() - 1;
    review(
        &sb,
        &id,
        n,
        "ActionRequired",
        Some("Attach the signed purchase order."),
    )
    .await;
    let current = client.get(&id).await.unwrap();
    let reg = &current.registrations()[n];
    assert_eq!(reg.status, Some(RegistrationStatus::ActionRequired));
    assert!(
        reg.status_history
            .as_ref()
            .unwrap()
            .action_required_date_time
            .is_some()
    );
    let mut h = dashboard(vec![current.clone()]);
    wizard_on(&mut h, &id);
    h.key(KeyCode::Enter);
    assert!(
        title(&h).starts_with(&format!("Update registration {}", n + 1)),
        "{}",
        title(&h)
    );
    h.ctrl('s');
    retype_contract_value(&mut h, "1400000");
    h.ctrl('s');
    h.key(KeyCode::Enter);
    assert_eq!(
        last_patch(&h).ops,
        vec![PatchOp::replace(
            format!("/registrations/{n}/contract/value"),
            json!(1_400_000.0)
        )]
    );
    let updated = send(&mut h, &client, 2)
        .await
        .expect("an ActionRequired registration can change");
    let reg = &updated.registrations()[n];
    assert_eq!(reg.contract.as_ref().unwrap().value, Some(1_400_000.0));
    assert_eq!(reg.id.as_deref(), Some(reg_id.as_str()));
    // The change answers Microsoft's request: the registration is under review again, its
    // history keeps the request.
    assert_eq!(reg.status, Some(RegistrationStatus::ReviewPending));
    let history = reg.status_history.as_ref().unwrap();
    assert!(history.action_required_date_time.is_some());
    assert!(history.review_pending_date_time.is_some());
    assert!(
        h.screen()
            .contains(&format!("✓ Registration {} updated", n + 1))
    );

    // Approved: the wizard does not offer an update, and the service refuses one.
    review(&sb, &id, n, "Approved", None).await;
    let approved = client.get(&id).await.unwrap();
    assert_eq!(
        approved.registrations()[n].status,
        Some(RegistrationStatus::Approved)
    );
    assert_eq!(
        approved.registration_status,
        Some(RegistrationStatus::Approved)
    );
    let mut h = dashboard(vec![approved.clone()]);
    wizard_on(&mut h, &id);
    let before = patches_sent(&h);
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(screen.contains("cannot be updated"), "{screen}");
    assert!(screen.contains("Approved: no longer updatable"), "{screen}");
    assert_eq!(patches_sent(&h), before, "nothing is sent");
    // The same update built by the wizard's draft, sent anyway, is refused.
    let mut draft = Draft::for_update(&approved.registrations()[n], approved.currency());
    draft
        .contract
        .get_mut(key::VALUE)
        .unwrap()
        .set_value("1500000");
    let ops = patch_ops(&approved, Target::Update(n), &draft.registration().unwrap());
    assert_eq!(ops.len(), 1);
    match client.patch(&id, &ops, approved.etag.as_deref()).await {
        Err(PcError::Invalid {
            status: 400,
            message,
            ..
        }) => {
            assert!(message.contains("Approved"), "{message}");
            assert!(
                message.contains("ReviewPending or ActionRequired"),
                "{message}"
            );
        }
        other => panic!("an Approved registration must not change: {other:?}"),
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn an_ineligible_referral_is_refused_with_every_rule() {
    let (sb, client) = start().await;
    let referrals = all(&client).await;
    let r = referrals
        .iter()
        .filter(|r| !r.solutions().is_empty() && r.registrations().is_empty())
        .max_by_key(|r| rules::registration_ineligibility(r).len())
        .expect("a referral")
        .clone();
    let reasons = rules::registration_ineligibility(&r);
    assert!(reasons.len() >= 2, "{reasons:?}");

    // The wizard lists every unmet rule and offers nothing to send.
    let mut h = dashboard(referrals.clone());
    wizard_on(&mut h, r.id());
    let screen = h.screen();
    assert!(!screen.contains("New registration"), "{screen}");
    h.key(KeyCode::Enter);
    h.ctrl('s');
    assert_eq!(patches_sent(&h), 0);

    // The registration the wizard's draft makes of it, sent anyway: 400 naming every rule.
    let mut draft = Draft::for_new(&r, now());
    for i in 0..draft.solution_count() {
        draft
            .solutions
            .get_mut(&format!("solutionDetails.{i}.value"))
            .unwrap()
            .set_value("1000");
    }
    draft.follow_defaults();
    draft
        .contract
        .get_mut(key::END)
        .unwrap()
        .set_value("2027-12-31");
    let reg = draft.registration().expect("a complete registration");
    let ops = patch_ops(&r, Target::New, &reg);
    match client.patch(r.id(), &ops, r.etag.as_deref()).await {
        Err(PcError::Invalid {
            status: 400,
            message,
            ..
        }) => {
            for reason in &reasons {
                assert!(
                    message.contains(reason.as_str()),
                    "`{reason}` not in `{message}`"
                );
            }
        }
        other => panic!("an ineligible referral must be refused: {other:?}"),
    }
    let unchanged = client.get(r.id()).await.unwrap();
    assert!(unchanged.registrations().is_empty());
    sb.shutdown().await;
}
