use super::*;
use crate::domain::patch::Op;
use crate::ui::form::Value;
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    parse_datetime(s).unwrap()
}

fn referral(solutions: serde_json::Value) -> Referral {
    serde_json::from_value(json!({
        "id": "r1", "name": "Deal", "status": "Closed", "substatus": "Won",
        "createdDateTime": "2026-01-01T00:00:00Z", "closedDateTime": "2026-02-01T00:00:00Z",
        "consent": {"consentToShareReferralWithMicrosoftSellers": true},
        "details": {"dealValue": 120000.0, "currency": "usd",
            "requirements": {"solutions": solutions}},
        "eTag": "\"e1\""
    }))
    .unwrap()
}

fn one_solution() -> Referral {
    referral(json!([{"id": "SOL-1", "name": "Analytics"}]))
}

fn existing(status: &str) -> Registration {
    serde_json::from_value(json!({
        "id": "reg-1", "type": "AzureIPCoSell", "status": status,
        "registrationDateTime": "2026-02-03T10:11:12Z",
        "statusHistory": {"reviewPendingDateTime": "2026-02-03T10:11:12Z"},
        "solutionDetails": [{"id": "SOL-1", "name": "Analytics", "value": 120000.0,
            "currency": "USD", "isDeployedOnAzure": true, "primaryDeploymentOn": "Customer",
            "pricingModel": "PayAsYouGo",
            "marketplaceTransactionDetails": {"isMarketplaceTransacted": true,
                "marketplaceTransactionDateTime": "2026-02-02T15:30:00Z"},
            "partnerNote": "kept"}],
        "contract": {"value": 120000.0, "currency": "USD",
            "signDateTime": "2026-02-01T09:00:00Z", "startDateTime": "2026-02-02T09:00:00Z",
            "endDateTime": "2027-02-02T09:00:00Z", "term": "Finite"}
    }))
    .unwrap()
}

fn set(form: &mut Form, key: &str, value: impl Into<Value>) {
    form.get_mut(key)
        .unwrap_or_else(|| panic!("no field {key}"))
        .set_value(value);
}

#[test]
fn a_new_registration_starts_from_the_referral() {
    let mut d = Draft::for_new(&one_solution(), at("2026-03-04T15:00:00Z"));
    // A Finite contract needs its end date: the one value without a default.
    let errors = d.registration().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "end date: enter the end date, or choose the Perpetual term"
    );
    set(&mut d.contract, key::END, "2027-03-03");
    let reg = d.registration().unwrap();
    assert_eq!(
        serde_json::to_value(&reg).unwrap(),
        json!({
            "type": "AzureIPCoSell",
            "solutionDetails": [{"id": "SOL-1", "name": "Analytics", "value": 120000.0,
                "currency": "USD", "isDeployedOnAzure": true, "primaryDeploymentOn": "Customer",
                "pricingModel": "PayAsYouGo",
                "marketplaceTransactionDetails": {"isMarketplaceTransacted": false}}],
            "contract": {"value": 120000.0, "currency": "USD",
                "startDateTime": "2026-03-04T00:00:00Z", "endDateTime": "2027-03-03T00:00:00Z",
                "signDateTime": "2026-03-04T00:00:00Z", "term": "Finite"}
        })
    );
}

#[test]
fn defaults_fill_the_contract_and_follow_until_typed_over() {
    let r = referral(json!([{"id": "SOL-1", "name": "A"}, {"id": "SOL-2", "name": "B"}]));
    let mut d = Draft::for_new(&r, at("2026-03-04T15:00:00Z"));
    assert_eq!(d.solution_count(), 2);
    assert_eq!(
        d.solutions.text("solutionDetails.0.value"),
        "",
        "split is the seller's"
    );
    assert_eq!(d.solutions.text("solutionDetails.1.currency"), "USD");
    assert_eq!(d.contract.text(key::SIGN), "2026-03-04");
    assert_eq!(d.contract.text(key::START), "2026-03-04");
    assert_eq!(d.contract.text(key::VALUE), "");
    set(&mut d.solutions, "solutionDetails.0.value", "70000");
    set(&mut d.solutions, "solutionDetails.1.value", "50,000.5");
    d.follow_defaults();
    assert_eq!(d.contract.text(key::VALUE), "120000.5");
    set(&mut d.solutions, "solutionDetails.1.currency", "EUR");
    set(&mut d.solutions, "solutionDetails.0.currency", "EUR");
    d.follow_defaults();
    assert_eq!(d.contract.text(key::CURRENCY), "EUR");
    // The sign date carries the start date along until the start is typed over.
    set(&mut d.contract, key::SIGN, "2026-03-01");
    d.follow_defaults();
    assert_eq!(d.contract.text(key::START), "2026-03-01");
    set(&mut d.contract, key::START, "2026-03-10");
    set(&mut d.contract, key::SIGN, "2026-03-02");
    d.follow_defaults();
    assert_eq!(d.contract.text(key::START), "2026-03-10");
    // A typed contract value stays.
    set(&mut d.contract, key::VALUE, "99");
    set(&mut d.solutions, "solutionDetails.0.value", "1");
    d.follow_defaults();
    assert_eq!(d.contract.text(key::VALUE), "99");
}

#[test]
fn each_step_names_the_fields_to_fix() {
    let r = referral(json!([{"id": "SOL-1", "name": "A"}, {"id": "SOL-2"}]));
    let mut d = Draft::for_new(&r, at("2026-03-04T00:00:00Z"));
    let errors = d.check(Part::Solutions);
    let named: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    assert_eq!(
        named,
        ["solution 1 value", "solution 2 name", "solution 2 value"]
    );
    assert_eq!(
        d.solutions.focused().unwrap().key,
        "solutionDetails.0.value"
    );
    set(&mut d.solutions, "solutionDetails.0.value", "1");
    set(&mut d.solutions, "solutionDetails.1.value", "2");
    set(&mut d.solutions, "solutionDetails.1.name", "B");
    set(
        &mut d.solutions,
        "solutionDetails.1.isMarketplaceTransacted",
        true,
    );
    d.sync_locks();
    let errors = d.check(Part::Solutions);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "solution 2 transacted on");
    assert!(
        errors[0].message.contains("transaction date"),
        "{}",
        errors[0]
    );
    assert!(
        d.solutions
            .get("solutionDetails.1.marketplaceTransactionDateTime")
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .starts_with("solution 2 transacted on:")
    );
    set(
        &mut d.solutions,
        "solutionDetails.1.marketplaceTransactionDateTime",
        "2026-02-20",
    );
    assert!(d.check(Part::Solutions).is_empty());

    // The contract (its defaults follow the solutions when the step opens): a Finite term
    // needs its end, after the start, which is not before the sign date.
    d.follow_defaults();
    assert_eq!(d.contract.text(key::VALUE), "3");
    let errors = d.check(Part::Contract);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "end date");
    set(&mut d.contract, key::START, "2026-03-01");
    set(&mut d.contract, key::END, "2026-02-01");
    let named: Vec<String> = d
        .check(Part::Contract)
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        named,
        [
            "start date: the contract cannot start before it was signed; pick a start on or after the sign date",
            "end date: the contract must end after it starts"
        ]
    );
    set(&mut d.contract, key::CURRENCY, "dollars");
    let errors = d.check(Part::Contract);
    assert_eq!(errors[0].field, "contract currency");
    assert!(errors[0].message.contains("ISO 4217"));
}

#[test]
fn locked_fields_are_not_sent() {
    let mut d = Draft::for_new(&one_solution(), at("2026-03-04T00:00:00Z"));
    let date = "solutionDetails.0.marketplaceTransactionDateTime";
    assert!(d.solutions.get(date).unwrap().locked.is_some());
    set(
        &mut d.solutions,
        "solutionDetails.0.isMarketplaceTransacted",
        true,
    );
    d.sync_locks();
    assert!(d.solutions.get(date).unwrap().locked.is_none());
    set(&mut d.solutions, date, "2026-02-20");
    set(
        &mut d.solutions,
        "solutionDetails.0.isMarketplaceTransacted",
        false,
    );
    d.sync_locks();
    set(&mut d.contract, key::END, "2027-01-01");
    set(&mut d.contract, key::TERM, "Perpetual");
    d.sync_locks();
    assert!(d.contract.get(key::END).unwrap().locked.is_some());
    let reg = d.registration().unwrap();
    let m = reg.solution_details.unwrap()[0]
        .marketplace_transaction_details
        .clone()
        .unwrap();
    assert_eq!(m.is_marketplace_transacted, Some(false));
    assert_eq!(m.marketplace_transaction_date_time, None);
    let c = reg.contract.unwrap();
    assert_eq!(c.term, Some(ContractTerm::Perpetual));
    assert_eq!(c.end_date_time, None);
}

#[test]
fn solutions_can_be_added_and_removed_but_one_stays() {
    let mut d = Draft::for_new(&one_solution(), at("2026-03-04T00:00:00Z"));
    d.solutions.focus_key("solutionDetails.0.name");
    d.edit_solutions(true).unwrap();
    assert_eq!(d.solution_count(), 2);
    assert_eq!(d.solutions.focused().unwrap().key, "solutionDetails.1.id");
    assert_eq!(d.solutions.text("solutionDetails.1.currency"), "USD");
    assert_eq!(d.solutions.text("solutionDetails.0.id"), "SOL-1");
    assert!(d.typed);
    d.edit_solutions(false).unwrap();
    assert_eq!(d.solution_count(), 1);
    assert_eq!(d.solutions.text("solutionDetails.0.id"), "SOL-1");
    assert_eq!(
        d.edit_solutions(false).unwrap_err(),
        "a deal registration needs at least one solution"
    );
}

#[test]
fn a_new_registration_is_one_add() {
    let r = one_solution();
    let mut d = Draft::for_new(&r, at("2026-03-04T00:00:00Z"));
    set(&mut d.contract, key::END, "2027-03-04");
    let reg = d.registration().unwrap();
    let ops = patch_ops(&r, Target::New, &reg);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].op, Op::Add);
    assert_eq!(ops[0].path, "/registrations/-");
    assert_eq!(
        ops[0].value["contract"]["endDateTime"],
        "2027-03-04T00:00:00Z"
    );
    assert_eq!(ops[0].value["type"], "AzureIPCoSell");
    assert!(ops[0].value.get("id").is_none(), "the service adds the id");
    // Appending to existing registrations is an add as well.
    let mut with_one = r.clone();
    with_one.registrations = Some(vec![existing("Failed")]);
    let ops = patch_ops(&with_one, Target::New, &reg);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].path, "/registrations/-");
}

#[test]
fn an_untouched_update_changes_nothing_and_keeps_server_values() {
    let mut r = one_solution();
    r.registrations = Some(vec![existing("ActionRequired")]);
    let d = Draft::for_update(&r.registrations()[0], r.currency());
    assert_eq!(d.contract.text(key::SIGN), "2026-02-01");
    assert_eq!(
        d.solutions
            .text("solutionDetails.0.marketplaceTransactionDateTime"),
        "2026-02-02"
    );
    let reg = d.registration().unwrap();
    assert_eq!(reg, r.registrations()[0]);
    assert!(patch_ops(&r, Target::Update(0), &reg).is_empty());
}

#[test]
fn an_update_patches_only_the_changed_leaves() {
    let mut r = one_solution();
    r.registrations = Some(vec![existing("Failed"), existing("ActionRequired")]);
    let mut d = Draft::for_update(&r.registrations()[1], r.currency());
    set(&mut d.contract, key::VALUE, "125000");
    set(&mut d.contract, key::END, "2027-06-30");
    let reg = d.registration().unwrap();
    let ops = patch_ops(&r, Target::Update(1), &reg);
    assert_eq!(
        ops,
        vec![
            PatchOp::replace("/registrations/1/contract/value", json!(125000.0)),
            PatchOp::replace(
                "/registrations/1/contract/endDateTime",
                json!("2027-06-30T00:00:00Z")
            ),
        ]
    );
    // A changed solution replaces the solution list, keeping what the form does not show.
    set(&mut d.solutions, "solutionDetails.0.pricingModel", "Other");
    let reg = d.registration().unwrap();
    let ops = patch_ops(&r, Target::Update(1), &reg);
    let sol = ops
        .iter()
        .find(|o| o.path == "/registrations/1/solutionDetails")
        .unwrap();
    assert_eq!(sol.op, Op::Replace);
    assert_eq!(sol.value[0]["pricingModel"], "Other");
    assert_eq!(sol.value[0]["partnerNote"], "kept");
    assert_eq!(
        sol.value[0]["marketplaceTransactionDetails"]["marketplaceTransactionDateTime"],
        "2026-02-02T15:30:00Z"
    );
    // Switching to Perpetual clears the end date.
    set(&mut d.contract, key::TERM, "Perpetual");
    d.sync_locks();
    let ops = patch_ops(&r, Target::Update(1), &d.registration().unwrap());
    assert!(ops.contains(&PatchOp::replace(
        "/registrations/1/contract/endDateTime",
        serde_json::Value::Null
    )));
    assert!(ops.contains(&PatchOp::replace(
        "/registrations/1/contract/term",
        json!("Perpetual")
    )));
}

#[test]
fn unknown_server_values_are_offered_and_kept() {
    let mut reg = existing("ReviewPending");
    reg.solution_details.as_mut().unwrap()[0].pricing_model =
        Some(PricingModel::Unknown("Subscription".into()));
    let d = Draft::for_update(&reg, "USD");
    assert_eq!(
        d.solutions.text("solutionDetails.0.pricingModel"),
        "Subscription"
    );
    assert_eq!(d.registration().unwrap(), reg);
}

#[test]
fn rule_fields_map_to_form_keys() {
    assert_eq!(
        form_key("solutionDetails[3].marketplaceTransactionDetails.marketplaceTransactionDateTime"),
        "solutionDetails.3.marketplaceTransactionDateTime"
    );
    assert_eq!(
        form_key("solutionDetails[0].value"),
        "solutionDetails.0.value"
    );
    assert_eq!(form_key("contract.endDateTime"), "contract.endDateTime");
    assert_eq!(form_key("solutionDetails"), "solutionDetails");
}
