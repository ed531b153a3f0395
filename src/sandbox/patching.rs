//! PATCH on a referral: a JSON Patch of `add`/`replace` operations, checked against the rules of
//! `crate::domain::rules`, including deal registrations under `/registrations`.
//!
//! Order of checks: the shape of each operation; the status move the whole patch makes
//! (`check_transition`: the documented table, so a Closed referral stays Closed); each path
//! (`check_edit`: editable, sharing permanent); each value (numbers, currency,
//! dates, enums); then the operations are applied in order to a copy and the result must still
//! read as a referral, with valid people and solutions. Nothing is stored unless all pass.
//!
//! Choices where the public record is silent:
//! - `replace` of a field the referral does not hold yet works like `add` (the service holds
//!   every field, null when unset).
//! - `dealValue` accepts numbers and numeric strings (`"25,000.50"`); required values (`name`,
//!   `dealValue`, `currency`, `closingDateTime`) cannot be set to null.
//! - Status and substatus are checked together: send both when the substatus must change
//!   (New→Active needs `substatus: Accepted`); the service does not guess.
//! - A new registration is accepted only when the referral has none, or its latest one Failed.
//! - The service owns a registration's `id`, `registrationDateTime`, `status`, `statusReason`
//!   and `statusHistory`; values the client sends there are replaced (add) or refused (update).
//! - Changing an ActionRequired registration resubmits it: it becomes ReviewPending again.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::error::{ApiError, typed};
use crate::domain::create::{check_solutions, check_team};
use crate::domain::patch::{self, Op, PatchOp};
use crate::domain::rules;
use crate::domain::time::format_datetime;
use crate::domain::validate::{self, FieldError};
use crate::domain::*;

/// Registration fields only the service writes.
const SERVER_OWNED: [&str; 5] = [
    "id",
    "registrationDateTime",
    "status",
    "statusReason",
    "statusHistory",
];

/// Reads a JSON Patch body into operations.
pub fn parse_ops(body: &Value) -> Result<Vec<PatchOp>, ApiError> {
    let Value::Array(items) = body else {
        return Err(ApiError::invalid(
            "body",
            r#"a PATCH body is a JSON Patch array, like [{"op":"replace","path":"/name","value":"New name"}]"#,
        ));
    };
    if items.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "the patch has no operations; send at least one",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_op(i, item))
        .collect()
}

fn parse_op(i: usize, item: &Value) -> Result<PatchOp, ApiError> {
    let at = |name: &str| format!("[{i}].{name}");
    let Value::Object(map) = item else {
        return Err(ApiError::invalid(
            format!("[{i}]"),
            format!("operation {i} must be an object with op, path and value"),
        ));
    };
    let op = match map.get("op").and_then(Value::as_str) {
        Some("add") => Op::Add,
        Some("replace") => Op::Replace,
        Some(other) => {
            return Err(ApiError::invalid(
                at("op"),
                format!("operation {i}: `{other}` is not supported; use add or replace"),
            ));
        }
        None => {
            return Err(ApiError::invalid(
                at("op"),
                format!("operation {i} needs \"op\": \"add\" or \"replace\""),
            ));
        }
    };
    let path = match map.get("path").and_then(Value::as_str) {
        Some(p) if p.starts_with('/') => p.to_string(),
        _ => {
            return Err(ApiError::invalid(
                at("path"),
                format!("operation {i} needs a \"path\" that starts with /, like \"/name\""),
            ));
        }
    };
    let Some(value) = map.get("value") else {
        return Err(ApiError::invalid(
            at("value"),
            format!("operation {i} ({path}) needs a \"value\""),
        ));
    };
    Ok(PatchOp {
        op,
        path,
        value: value.clone(),
    })
}

/// Applies `ops` to a copy of `current`, checking every rule; returns the changed referral
/// (eTag and `updatedDateTime` are the caller's to set).
pub fn apply_ops(
    current: &Referral,
    ops: &[PatchOp],
    now: DateTime<Utc>,
) -> Result<Referral, ApiError> {
    if ops.is_empty() {
        return Err(ApiError::invalid("body", "the patch has no operations"));
    }
    check_status_move(current, ops)?;
    for op in ops {
        rules::check_edit(current, &op.path, &op.value)
            .map_err(|v| ApiError::rule(op.path.clone(), v))?;
    }
    let mut doc = current.to_value();
    let mut touched_regs = BTreeSet::new();
    let mut added_reg = false;
    for op in ops {
        if op.path == "/registrations/-" {
            add_registration(&mut doc, &op.value, now)?;
            added_reg = true;
        } else if let Some(rest) = op.path.strip_prefix("/registrations/") {
            let (n, sub) = rest.split_once('/').unwrap_or((rest, ""));
            let n: usize = n
                .parse()
                .map_err(|_| ApiError::invalid(op.path.clone(), "not a registration index"))?;
            update_registration(&mut doc, n, sub, op, now)?;
            touched_regs.insert(n);
        } else {
            let value = normalise(&op.path, &op.value)?;
            start_missing_list(&mut doc, &op.path);
            let op = PatchOp {
                op: effective_op(&doc, op),
                path: op.path.clone(),
                value,
            };
            patch::apply(&mut doc, std::slice::from_ref(&op)).map_err(|e| {
                ApiError::invalid(e.path.clone(), format!("{}: {}", e.path, e.message))
            })?;
        }
    }
    let mut next: Referral = typed(&doc, "")?;
    let mut errors = Vec::new();
    let touched = |prefix: &str| ops.iter().any(|o| o.path.starts_with(prefix));
    if touched("/customerProfile/team") {
        if next.contacts().is_empty() {
            errors.push(FieldError::new(
                "customerProfile.team",
                "keep at least one customer contact",
            ));
        }
        errors.extend(check_team("customerProfile.team", next.contacts(), true));
    }
    if touched("/team") {
        errors.extend(check_team("team", next.team(), false));
    }
    if touched("/details/requirements/solutions") {
        errors.extend(check_solutions(next.solutions()));
    }
    for n in &touched_regs {
        if let Some(reg) = next.registrations().get(*n) {
            errors.extend(prefixed(
                &format!("registrations[{n}]"),
                rules::check_registration(reg),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(&errors));
    }
    if added_reg || !touched_regs.is_empty() {
        next.registration_status = next.registrations().last().and_then(|g| g.status.clone());
    }
    Ok(next)
}

/// `replace` of something that is not there yet is an `add` (see the module notes); array
/// indexes keep their meaning.
fn effective_op(doc: &Value, op: &PatchOp) -> Op {
    if op.op == Op::Replace && patch::pointer(doc, &op.path).is_none() {
        let parent = op.path.rsplit_once('/').map_or("", |(p, _)| p);
        if !patch::pointer(doc, parent).is_some_and(Value::is_array) {
            return Op::Add;
        }
    }
    op.op
}

/// The status move of the whole patch, checked once.
fn check_status_move(current: &Referral, ops: &[PatchOp]) -> Result<(), ApiError> {
    let (mut status, mut sub) = (current.status(), current.substatus());
    let mut touched = false;
    for op in ops {
        let slot = match op.path.as_str() {
            "/status" => 0,
            "/substatus" => 1,
            _ => continue,
        };
        let Some(text) = op.value.as_str() else {
            return Err(ApiError::invalid(
                op.path.clone(),
                format!("{} must be a string, like \"Active\"", op.path),
            ));
        };
        touched = true;
        if slot == 0 {
            status = Status::parse(text);
        } else {
            sub = Substatus::parse(text);
        }
    }
    if touched {
        rules::check_transition(&current.status(), &current.substatus(), &status, &sub)
            .map_err(|v| ApiError::rule("status", v))?;
    }
    Ok(())
}

/// Checks and normalises the value of a plain (non-registration) operation.
fn normalise(path: &str, value: &Value) -> Result<Value, ApiError> {
    let field = path.trim_start_matches('/').replace('/', ".");
    let bad = |message: String| Err(ApiError::invalid(field.clone(), message));
    let from_check = |r: validate::Check<Value>| r.map_err(|e| ApiError::fields(&[e]));
    match (path, value) {
        ("/details/dealValue" | "/details/currency" | "/details/closingDateTime", Value::Null) => {
            bad(format!("{field} is required and cannot be cleared"))
        }
        ("/details/dealValue", Value::Number(n)) => from_check(
            validate::non_negative(&field, n.as_f64().unwrap_or(f64::NAN)).map(|v| json!(v)),
        ),
        ("/details/dealValue", Value::String(s)) => {
            from_check(validate::amount(&field, s).map(|v| json!(v)))
        }
        ("/details/currency", Value::String(s)) => {
            from_check(validate::currency(&field, s).map(Value::String))
        }
        ("/details/closingDateTime", Value::String(s)) => {
            from_check(validate::datetime(&field, s).map(|d| json!(format_datetime(&d))))
        }
        ("/status", Value::String(s)) => Ok(json!(Status::parse(s).as_str())),
        ("/substatus", Value::String(s)) => Ok(json!(Substatus::parse(s).as_str())),
        ("/salesStage", Value::String(s)) => {
            let stage = SalesStage::parse(s);
            if stage.is_known() {
                Ok(json!(stage.as_str()))
            } else {
                bad(format!(
                    "`{s}` is not a sales stage; use Qualify, Develop, Propose or Close"
                ))
            }
        }
        (
            "/details/dealValue"
            | "/details/currency"
            | "/details/closingDateTime"
            | "/statusReason"
            | "/externalReferenceId"
            | "/campaignId"
            | "/referralProgram"
            | "/details/notes"
            | "/salesStage",
            v,
        ) if !(v.is_null() || v.is_string()) => {
            bad(format!("{field} must be {}", expected_kind(path)))
        }
        _ => Ok(value.clone()),
    }
}

fn expected_kind(path: &str) -> &'static str {
    match path {
        "/details/dealValue" => "a number, 0 or more",
        "/details/closingDateTime" => "a date string, like \"2026-12-31\"",
        _ => "a string",
    }
}

fn prefixed(prefix: &str, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError::new(format!("{prefix}.{}", e.field), e.message))
        .collect()
}

/// `add /registrations/-`: eligibility, one open registration at a time, content; then the
/// service's own fields.
fn add_registration(doc: &mut Value, value: &Value, now: DateTime<Utc>) -> Result<(), ApiError> {
    let working: Referral = typed(doc, "")?;
    let reasons = rules::registration_ineligibility(&working);
    if !reasons.is_empty() {
        return Err(ApiError::invalid(
            "/registrations/-",
            format!("this referral cannot be registered: {}", reasons.join("; ")),
        )
        .with_inner("rule", json!("registration-eligibility"))
        .with_inner("reasons", json!(reasons)));
    }
    if let Some(v) = rules::new_registration_blocked(&working) {
        return Err(
            ApiError::invalid("/registrations/-", v.to_string()).with_inner("rule", json!(v.rule))
        );
    }
    if !value.is_object() {
        return Err(ApiError::invalid(
            "registration",
            "the registration must be an object with type, solutionDetails and contract",
        ));
    }
    let mut reg: Registration = typed(value, "registration")?;
    let errors = prefixed("registration", rules::check_registration(&reg));
    if !errors.is_empty() {
        return Err(ApiError::fields(&errors));
    }
    reg.id = Some(uuid::Uuid::new_v4().to_string());
    reg.registration_type
        .get_or_insert(RegistrationType::AzureIpCoSell);
    reg.registration_date_time = Some(now);
    reg.status = Some(RegistrationStatus::ReviewPending);
    reg.status_reason = None;
    reg.status_history = Some(StatusHistory {
        review_pending_date_time: Some(now),
        ..Default::default()
    });
    let Value::Object(map) = doc else {
        return Err(ApiError::invalid("body", "the referral is not an object"));
    };
    let list = map
        .entry("registrations")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !list.is_array() {
        *list = Value::Array(Vec::new());
    }
    if let Value::Array(items) = list {
        items.push(serde_json::to_value(&reg).unwrap_or(Value::Null));
    }
    Ok(())
}

/// A change under `/registrations/{n}` (`sub` is the rest of the path, maybe empty).
fn update_registration(
    doc: &mut Value,
    n: usize,
    sub: &str,
    op: &PatchOp,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let count = doc
        .get("registrations")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let Some(existing) = doc.pointer(&format!("/registrations/{n}")).cloned() else {
        return Err(ApiError::invalid(
            op.path.clone(),
            format!(
                "there is no registration {n} (this referral has {count}); add one with /registrations/-"
            ),
        ));
    };
    let reg: Registration = typed(&existing, &format!("registrations[{n}]"))?;
    if !rules::registration_is_updatable(&reg) {
        let status = reg.status.clone().unwrap_or_default();
        return Err(ApiError::invalid(
            op.path.clone(),
            format!("registration {n} is {status}; only a ReviewPending or ActionRequired registration can change (rule: registration-locked)"),
        )
        .with_inner("rule", json!("registration-locked")));
    }
    let path = format!("/registrations/{n}");
    if sub.is_empty() {
        if op.op == Op::Add {
            return Err(ApiError::invalid(
                op.path.clone(),
                "add a registration with /registrations/-; replace /registrations/{n} changes one",
            ));
        }
        let Value::Object(mut fresh) = op.value.clone() else {
            return Err(ApiError::invalid(
                op.path.clone(),
                "a registration must be an object",
            ));
        };
        for key in SERVER_OWNED {
            match existing.get(key) {
                Some(v) => fresh.insert(key.to_string(), v.clone()),
                None => fresh.remove(key),
            };
        }
        set_pointer(doc, &path, Value::Object(fresh));
    } else {
        let first = sub.split('/').next().unwrap_or("");
        if SERVER_OWNED.contains(&first) {
            return Err(ApiError::rule(
                op.path.clone(),
                rules::RuleViolation {
                    rule: "read-only-field",
                    message: format!(
                        "`{first}` of a registration is set by Microsoft's review and cannot be changed"
                    ),
                },
            ));
        }
        let effective = PatchOp {
            op: effective_op(doc, op),
            path: op.path.clone(),
            value: op.value.clone(),
        };
        patch::apply(doc, std::slice::from_ref(&effective))
            .map_err(|e| ApiError::invalid(e.path.clone(), format!("{}: {}", e.path, e.message)))?;
    }
    if reg.status == Some(RegistrationStatus::ActionRequired) {
        set_pointer(doc, &format!("{path}/status"), json!("ReviewPending"));
        if let Some(h) = doc.pointer_mut(&format!("{path}/statusHistory"))
            && let Value::Object(h) = h
        {
            h.insert("reviewPendingDateTime".into(), json!(format_datetime(&now)));
        }
    }
    Ok(())
}

/// `add …/-` to a list the referral does not hold yet starts the list.
fn start_missing_list(doc: &mut Value, path: &str) {
    if let Some(parent) = path.strip_suffix("/-")
        && patch::pointer(doc, parent).is_none_or(Value::is_null)
    {
        // Cannot fail where it matters: a bad parent path fails again, with its message, when
        // the operation itself is applied.
        let _ = patch::apply(doc, &[PatchOp::add(parent, json!([]))]);
    }
}

fn set_pointer(doc: &mut Value, path: &str, value: Value) {
    if let Some(slot) = doc.pointer_mut(path) {
        *slot = value;
    } else if let Some((parent, key)) = path.rsplit_once('/')
        && let Some(Value::Object(map)) = doc.pointer_mut(parent)
    {
        map.insert(key.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn referral(v: Value) -> Referral {
        serde_json::from_value(v).unwrap()
    }

    fn ops(v: Value) -> Vec<PatchOp> {
        parse_ops(&v).unwrap()
    }

    fn active() -> Referral {
        referral(json!({
            "id": "a", "status": "Active", "substatus": "Accepted", "name": "Deal",
            "customerProfile": {"team": [{"firstName": "A", "lastName": "B", "email": "a@b.co", "phoneNumber": "+1 425 555 0100"}]},
            "consent": {"consentToShareReferralWithMicrosoftSellers": true},
            "details": {"dealValue": 10.0, "currency": "USD", "requirements": {"solutions": [{"id": "SOL-1"}]}},
            "createdDateTime": (now() - Duration::days(10)).to_rfc3339()
        }))
    }

    fn registration() -> Value {
        json!({
            "type": "AzureIPCoSell",
            "solutionDetails": [{"id": "SOL-1", "name": "S", "value": 5, "currency": "USD"}],
            "contract": {"value": 5, "currency": "USD", "signDateTime": "2026-02-01",
                         "startDateTime": "2026-02-02", "endDateTime": "2027-02-02", "term": "Finite"}
        })
    }

    #[test]
    fn op_shapes_are_checked() {
        assert!(parse_ops(&json!({})).is_err());
        assert!(parse_ops(&json!([])).is_err());
        let e = parse_ops(&json!([{"op": "remove", "path": "/name"}])).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("[0].op"));
        let e = parse_ops(&json!([{"op": "add", "path": "name", "value": 1}])).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("[0].path"));
        let e = parse_ops(&json!([{"op": "add", "path": "/name"}])).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("[0].value"));
    }

    #[test]
    fn values_are_validated_and_normalised() {
        let r = active();
        let next = apply_ops(
            &r,
            &ops(json!([
                {"op": "replace", "path": "/details/dealValue", "value": "25,000.50"},
                {"op": "replace", "path": "/details/currency", "value": "eur"},
                {"op": "replace", "path": "/campaignId", "value": "C1"},
                {"op": "add", "path": "/details/closingDateTime", "value": "2026-12-31"}
            ])),
            now(),
        )
        .unwrap();
        assert_eq!(next.deal_value(), Some(25000.5));
        assert_eq!(next.currency(), "EUR");
        assert_eq!(next.campaign_id.as_deref(), Some("C1"));
        for (path, value, target) in [
            ("/details/dealValue", json!(-1), "details.dealValue"),
            ("/details/dealValue", json!("lots"), "details.dealValue"),
            ("/details/currency", json!("XXX"), "details.currency"),
            ("/details/currency", json!(5), "details.currency"),
            ("/details/currency", json!(null), "details.currency"),
            ("/name", json!("x"), "/name"),
            ("/salesStage", json!("Dream"), "salesStage"),
            ("/favorite", json!(true), "/favorite"),
            ("/team/-", json!({"email": "not-an-email"}), "team[0].email"),
            ("/customerProfile/team", json!([]), "customerProfile.team"),
            (
                "/details/requirements/solutions/-",
                json!({"name": "x"}),
                "details.requirements.solutions[1].id",
            ),
        ] {
            let e = apply_ops(&r, &[PatchOp::add(path, value.clone())], now()).unwrap_err();
            assert_eq!(
                e.target.as_deref(),
                Some(target),
                "{path} = {value}: {}",
                e.message
            );
        }
    }

    #[test]
    fn status_moves_follow_the_rules() {
        let r = active();
        let e = apply_ops(&r, &[PatchOp::replace("/status", json!("New"))], now()).unwrap_err();
        assert_eq!(e.inner["rule"], "substatus-of-status");
        // Declined from Active is in the documented table (our stricter reading only warns).
        let declined = apply_ops(
            &r,
            &ops(
                json!([{"op": "replace", "path": "/status", "value": "Closed"},
                        {"op": "replace", "path": "/substatus", "value": "Declined"}]),
            ),
            now(),
        )
        .unwrap();
        assert_eq!(declined.substatus(), Substatus::Declined);
        let won = apply_ops(
            &r,
            &ops(
                json!([{"op": "replace", "path": "/status", "value": "closed"},
                        {"op": "replace", "path": "/substatus", "value": "won"}]),
            ),
            now(),
        )
        .unwrap();
        assert_eq!(won.status(), Status::Closed);
        assert_eq!(won.substatus(), Substatus::Won);
        // Closed is not locked: fields change, and the substatus can be corrected.
        assert!(apply_ops(&won, &[PatchOp::replace("/campaignId", json!("x"))], now()).is_ok());
        let lost = apply_ops(
            &won,
            &[PatchOp::replace("/substatus", json!("Lost"))],
            now(),
        )
        .unwrap();
        assert_eq!(lost.substatus(), Substatus::Lost);
        let reopen = ops(
            json!([{"op": "replace", "path": "/status", "value": "Active"},
                               {"op": "replace", "path": "/substatus", "value": "Accepted"}]),
        );
        let e = apply_ops(&won, &reopen, now()).unwrap_err();
        assert_eq!(e.inner["rule"], "closed-is-terminal");
        assert!(
            apply_ops(
                &won,
                &[PatchOp::replace("/details/notes", json!("n"))],
                now()
            )
            .is_ok()
        );
        let e = apply_ops(
            &r,
            &[PatchOp::replace(
                "/consent/consentToShareReferralWithMicrosoftSellers",
                json!(false),
            )],
            now(),
        )
        .unwrap_err();
        assert_eq!(e.inner["rule"], "sharing-is-permanent");
        let e = apply_ops(&r, &[PatchOp::replace("/id", json!("b"))], now()).unwrap_err();
        assert_eq!(e.inner["rule"], "read-only-field");
    }

    #[test]
    fn registrations_need_eligibility_and_valid_content() {
        let r = active();
        let e = apply_ops(
            &r,
            &[PatchOp::add("/registrations/-", registration())],
            now(),
        )
        .unwrap_err();
        assert_eq!(e.inner["rule"], "registration-eligibility");
        assert!(e.message.contains("Closed/Won"), "{}", e.message);
        let close = ops(json!([
            {"op": "replace", "path": "/status", "value": "Closed"},
            {"op": "replace", "path": "/substatus", "value": "Won"},
        ]));
        let mut won = apply_ops(&r, &close, now()).unwrap();
        won.closed_date_time = Some(now());
        let mut bad = registration();
        bad["contract"]["currency"] = json!("ZZZ");
        bad["solutionDetails"][0]["value"] = json!(-3);
        let e = apply_ops(&won, &[PatchOp::add("/registrations/-", bad)], now()).unwrap_err();
        let errors = e.inner["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(
            e.target.as_deref(),
            Some("registration.solutionDetails[0].value")
        );
        let mut sneaky = registration();
        sneaky["status"] = json!("Approved");
        let done = apply_ops(&won, &[PatchOp::add("/registrations/-", sneaky)], now()).unwrap();
        let reg = &done.registrations()[0];
        assert_eq!(reg.status, Some(RegistrationStatus::ReviewPending));
        assert_eq!(reg.registration_date_time, Some(now()));
        assert!(reg.id.is_some());
        assert_eq!(
            done.registration_status,
            Some(RegistrationStatus::ReviewPending)
        );
        // One at a time.
        let e = apply_ops(
            &done,
            &[PatchOp::add("/registrations/-", registration())],
            now(),
        )
        .unwrap_err();
        assert_eq!(e.inner["rule"], "one-registration-at-a-time");
        // Updates while pending; never the service's fields.
        let upd = apply_ops(
            &done,
            &[PatchOp::replace(
                "/registrations/0/contract/value",
                json!(9),
            )],
            now(),
        )
        .unwrap();
        assert_eq!(
            upd.registrations()[0].contract.as_ref().unwrap().value,
            Some(9.0)
        );
        let e = apply_ops(
            &done,
            &[PatchOp::replace(
                "/registrations/0/status",
                json!("Approved"),
            )],
            now(),
        )
        .unwrap_err();
        assert_eq!(e.inner["rule"], "read-only-field");
        let e = apply_ops(
            &done,
            &[PatchOp::replace(
                "/registrations/0/contract/endDateTime",
                json!("2020-01-01"),
            )],
            now(),
        )
        .unwrap_err();
        assert_eq!(
            e.target.as_deref(),
            Some("registrations[0].contract.endDateTime")
        );
        let e = apply_ops(
            &done,
            &[PatchOp::replace(
                "/registrations/3/contract/value",
                json!(1),
            )],
            now(),
        )
        .unwrap_err();
        assert!(e.message.contains("no registration 3"));
        let mut passed = done.clone();
        passed.registrations.as_mut().unwrap()[0].status = Some(RegistrationStatus::Passed);
        let e = apply_ops(
            &passed,
            &[PatchOp::replace(
                "/registrations/0/contract/value",
                json!(1),
            )],
            now(),
        )
        .unwrap_err();
        assert_eq!(e.inner["rule"], "registration-locked");
    }
}
