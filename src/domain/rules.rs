//! Status, editing and deal-registration rules
//! (`../shared/spec/partner-center.md`, "Status rules", "Deal registration").
//!
//! The same functions decide what the UI offers and what the sandbox accepts, so the two cannot
//! drift apart. Each refusal is a [`RuleViolation`] whose message names the rule in words.
//!
//! Choices where the public record is silent:
//! - A referral with status `None` or an unknown status may move anywhere a `New` one may, so a
//!   client never strands a referral it does not understand; its substatus is not checked.
//! - Declining (Closed/Declined) needs a `statusReason` only in the UI (the decline dialog asks
//!   for one); the service does not require it.
//! - "Won at least 72 hours after it was created" is measured from `createdDateTime` to
//!   `closedDateTime`; a Closed/Won referral without `closedDateTime` is not eligible.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::enums::{ContractTerm, Direction, RegistrationStatus, Status, Substatus};
use super::field::{EDITABLE_POINTERS, FieldPath};
use super::referral::{Referral, Registration};
use super::validate;

/// A broken rule, in words a seller understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    /// Short machine name of the rule, e.g. `closed-is-terminal`.
    pub rule: &'static str,
    /// The rule and what to do instead.
    pub message: String,
}

impl RuleViolation {
    fn new(rule: &'static str, message: impl Into<String>) -> Self {
        RuleViolation {
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (rule: {})", self.message, self.rule)
    }
}

impl std::error::Error for RuleViolation {}

/// One status a referral may move to, with the substatus values allowed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub status: Status,
    pub substatuses: Vec<Substatus>,
}

/// The substatus values that belong to a status.
pub fn substatuses_of(status: &Status) -> &'static [Substatus] {
    match status {
        Status::New => &[Substatus::Pending, Substatus::Received],
        Status::Active => &[Substatus::Accepted],
        Status::Closed => &[
            Substatus::Won,
            Substatus::Lost,
            Substatus::Declined,
            Substatus::Expired,
        ],
        Status::None | Status::Unknown(_) => &[],
    }
}

/// The moves a user may make from `status`/`substatus`, as the documented table has them
/// (learn.microsoft.com, partner-center/developer/referral-resources, "Status"): New → New,
/// Active or Closed; Active → Active or Closed; Closed → Closed; each with every substatus of the
/// target status. The current pair itself is not listed. Closed is not locked: its substatus may
/// be corrected (Lost → Won). Our stricter readings are [`transition_warnings`], not limits.
pub fn allowed_moves(status: &Status, substatus: &Substatus) -> Vec<Move> {
    let from = match status {
        Status::None | Status::Unknown(_) => Status::New,
        other => other.clone(),
    };
    let targets: &[Status] = match from {
        Status::New => &[Status::New, Status::Active, Status::Closed],
        Status::Active => &[Status::Active, Status::Closed],
        Status::Closed => &[Status::Closed],
        Status::None | Status::Unknown(_) => &[],
    };
    targets
        .iter()
        .filter_map(|st| {
            let subs: Vec<Substatus> = substatuses_of(st)
                .iter()
                .filter(|sub| !(st == status && *sub == substatus))
                .cloned()
                .collect();
            (!subs.is_empty()).then(|| Move {
                status: st.clone(),
                substatuses: subs,
            })
        })
        .collect()
}

/// Checks a status/substatus change made by a user against the documented table (see
/// [`allowed_moves`]).
pub fn check_transition(
    from_status: &Status,
    from_sub: &Substatus,
    to_status: &Status,
    to_sub: &Substatus,
) -> Result<(), RuleViolation> {
    if from_status == to_status && from_sub == to_sub {
        return Ok(());
    }
    if !to_status.is_known() || *to_status == Status::None {
        return Err(RuleViolation::new(
            "status-value",
            format!(
                "`{to_status}` is not a status a referral can be moved to; use New, Active or Closed"
            ),
        ));
    }
    if !substatuses_of(to_status).contains(to_sub) {
        let allowed: Vec<&str> = substatuses_of(to_status)
            .iter()
            .map(|s| s.as_str())
            .collect();
        return Err(RuleViolation::new(
            "substatus-of-status",
            format!(
                "substatus `{to_sub}` does not belong to status {to_status}; allowed: {}",
                allowed.join(", ")
            ),
        ));
    }
    if *from_status == Status::Closed && *to_status != Status::Closed {
        return Err(RuleViolation::new(
            "closed-is-terminal",
            format!(
                "a Closed referral ({from_sub}) stays Closed; only its substatus can be corrected"
            ),
        ));
    }
    if *from_status == Status::Active && *to_status == Status::New {
        return Err(RuleViolation::new(
            "no-return-to-new",
            "an Active referral cannot go back to New; it may stay Active or be Closed",
        ));
    }
    Ok(())
}

/// Our stricter readings of a move the documented table allows, as warnings shown before it is
/// made (never a refusal): Declined usually comes from New, Won and Lost from Active, and
/// Expired from the service (an incoming New referral left 14 days).
pub fn transition_warnings(
    from_status: &Status,
    from_sub: &Substatus,
    to_status: &Status,
    to_sub: &Substatus,
) -> Vec<RuleViolation> {
    if from_status == to_status && from_sub == to_sub {
        return Vec::new();
    }
    let known = from_status.is_known() && *from_status != Status::None;
    let mut w = Vec::new();
    match to_sub {
        Substatus::Declined if known && *from_status != Status::New => w.push(RuleViolation::new(
            "declined-only-from-new",
            format!(
                "usually only a New referral is Declined; this one is {from_status}/{from_sub}"
            ),
        )),
        Substatus::Won | Substatus::Lost if known && *from_status != Status::Active => {
            w.push(RuleViolation::new(
                "won-lost-only-from-active",
                format!("{to_sub} usually follows Active; this one is {from_status}/{from_sub}"),
            ))
        }
        Substatus::Expired => w.push(RuleViolation::new(
            "expired-by-service",
            "usually the service expires a referral (an incoming New referral left 14 days)",
        )),
        _ => {}
    }
    w
}

/// JSON Pointer paths a client may change by PATCH (the pointers of [`FieldPath::EDITABLE`]).
/// `-` appends; `{n}` is an index.
pub const EDITABLE_PATHS: &[&str] = &EDITABLE_POINTERS;

/// True when `path` (a JSON Pointer) may be changed by a PATCH. Collections accept their own path,
/// `/-` and `/{n}`; registrations accept `/-` and anything under `/{n}/`.
pub fn is_editable_path(path: &str) -> bool {
    let registrations = FieldPath::Registrations.pointer();
    if path == registrations {
        return false;
    }
    if let Some(rest) = path
        .strip_prefix(registrations)
        .and_then(|r| r.strip_prefix('/'))
    {
        if rest == "-" {
            return true;
        }
        let mut parts = rest.splitn(2, '/');
        let index = parts.next().unwrap_or("");
        return !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
    }
    for collection in [FieldPath::Contacts, FieldPath::Solutions, FieldPath::Team] {
        if let Some(rest) = path.strip_prefix(collection.pointer()) {
            return rest.is_empty()
                || rest == "/-"
                || rest
                    .strip_prefix('/')
                    .is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()));
        }
    }
    FieldPath::from_pointer(path).is_some()
}

/// Checks the non-status rules of an edit: the path is editable (Closed referrals too: the docs
/// lock none of them), sharing with Microsoft cannot be withdrawn.
pub fn check_edit(
    current: &Referral,
    path: &str,
    new_value: &serde_json::Value,
) -> Result<(), RuleViolation> {
    if !is_editable_path(path) {
        return Err(RuleViolation::new(
            "read-only-field",
            format!(
                "`{path}` cannot be changed; editable fields are {}",
                EDITABLE_PATHS.join(", ")
            ),
        ));
    }
    if path == FieldPath::ShareWithMicrosoft.pointer()
        && current.is_shared_with_microsoft()
        && new_value == &serde_json::Value::Bool(false)
    {
        return Err(RuleViolation::new(
            "sharing-is-permanent",
            "a referral shared with Microsoft sellers cannot be made private again",
        ));
    }
    Ok(())
}

/// How long an incoming New referral waits before the service expires it.
pub const EXPIRY_AFTER: Duration = Duration::days(14);

/// True when the service should expire this referral at `now`.
pub fn should_expire(r: &Referral, now: DateTime<Utc>) -> bool {
    r.status() == Status::New
        && r.direction == Some(Direction::Incoming)
        && r.created_date_time.is_some_and(|c| now >= c + EXPIRY_AFTER)
}

/// How long after creation a deal must be won to be registered.
pub const MIN_WON_AFTER_CREATE: Duration = Duration::hours(72);

/// Every reason a referral cannot get a deal registration; empty means eligible.
pub fn registration_ineligibility(r: &Referral) -> Vec<String> {
    let mut reasons = Vec::new();
    if !(r.status() == Status::Closed && r.substatus() == Substatus::Won) {
        reasons.push(format!(
            "it must be Closed/Won (it is {}/{})",
            r.status(),
            r.substatus()
        ));
    }
    if !r.is_shared_with_microsoft() {
        reasons
            .push("it must be shared with Microsoft sellers (this is a private deal)".to_string());
    }
    if r.solutions().is_empty() {
        reasons.push("it must name at least one solution".to_string());
    }
    match (r.created_date_time, r.closed_date_time) {
        (Some(c), Some(w)) if w - c >= MIN_WON_AFTER_CREATE => {}
        (Some(c), Some(w)) => reasons.push(format!(
            "it must be won at least 72 hours after it was created (won after {} hours)",
            (w - c).num_hours().max(0)
        )),
        _ => reasons.push(
            "it must be won at least 72 hours after it was created (no close date recorded)"
                .to_string(),
        ),
    }
    reasons
}

/// Why a new registration cannot be added next to the referral's latest one, or `None` when it
/// can. Our reading of the service: one registration at a time — a new one only once the latest
/// has Failed; while it is under review it is updated instead.
pub fn new_registration_blocked(r: &Referral) -> Option<RuleViolation> {
    let last = r.registrations().last()?;
    if last.status == Some(RegistrationStatus::Failed) {
        return None;
    }
    let status = last.status.clone().unwrap_or_default();
    let n = r.registrations().len();
    let message = if registration_is_updatable(last) {
        format!(
            "registration {n} is {status}: update it instead (a new registration is possible only once the latest has Failed)"
        )
    } else {
        format!(
            "registration {n} is {status}; a new registration is possible only once the latest has Failed"
        )
    };
    Some(RuleViolation::new("one-registration-at-a-time", message))
}

/// True while a registration may still be changed by the partner.
pub fn registration_is_updatable(reg: &Registration) -> bool {
    matches!(
        reg.status,
        Some(RegistrationStatus::ReviewPending) | Some(RegistrationStatus::ActionRequired)
    )
}

/// Checks the content of a deal registration before it is sent (and in the sandbox when it
/// arrives). Each message names the field and the fix.
pub fn check_registration(reg: &Registration) -> Vec<validate::FieldError> {
    let mut errors = Vec::new();
    let solutions = reg.solution_details.as_deref().unwrap_or(&[]);
    if solutions.is_empty() {
        errors.push(validate::FieldError::new(
            "solutionDetails",
            "add at least one solution to register",
        ));
    }
    for (i, s) in solutions.iter().enumerate() {
        let field = |name: &str| format!("solutionDetails[{i}].{name}");
        if s.id.as_deref().unwrap_or("").trim().is_empty() {
            errors.push(validate::FieldError::new(
                field("id"),
                "enter the solution id (e.g. SOL-34104-EBB)",
            ));
        }
        if s.name.as_deref().unwrap_or("").trim().is_empty() {
            errors.push(validate::FieldError::new(
                field("name"),
                "enter the solution name",
            ));
        }
        match s.value {
            None => errors.push(validate::FieldError::new(
                field("value"),
                "enter the solution value (0 or more)",
            )),
            Some(v) => errors.extend(validate::non_negative(&field("value"), v).err()),
        }
        match s.currency.as_deref() {
            None => errors.push(validate::FieldError::new(
                field("currency"),
                "enter an ISO 4217 currency code such as USD",
            )),
            Some(c) => errors.extend(validate::currency(&field("currency"), c).err()),
        }
        if let Some(m) = &s.marketplace_transaction_details
            && m.is_marketplace_transacted == Some(true)
            && m.marketplace_transaction_date_time.is_none()
        {
            errors.push(validate::FieldError::new(
                field("marketplaceTransactionDetails.marketplaceTransactionDateTime"),
                "a marketplace-transacted solution needs its transaction date",
            ));
        }
    }
    match &reg.contract {
        None => errors.push(validate::FieldError::new(
            "contract",
            "fill in the contract",
        )),
        Some(c) => {
            match c.value {
                None => errors.push(validate::FieldError::new(
                    "contract.value",
                    "enter the contract value (0 or more)",
                )),
                Some(v) => errors.extend(validate::non_negative("contract.value", v).err()),
            }
            match c.currency.as_deref() {
                None => errors.push(validate::FieldError::new(
                    "contract.currency",
                    "enter an ISO 4217 currency code such as USD",
                )),
                Some(cur) => errors.extend(validate::currency("contract.currency", cur).err()),
            }
            if c.sign_date_time.is_none() {
                errors.push(validate::FieldError::new(
                    "contract.signDateTime",
                    "enter the date the contract was signed",
                ));
            }
            match c.start_date_time {
                None => errors.push(validate::FieldError::new(
                    "contract.startDateTime",
                    "enter the contract start date",
                )),
                Some(start) => {
                    if let Some(sign) = c.sign_date_time
                        && start < sign
                    {
                        errors.push(validate::FieldError::new(
                            "contract.startDateTime",
                            "the contract cannot start before it was signed; pick a start on or after the sign date",
                        ));
                    }
                    match (c.term.as_ref(), c.end_date_time) {
                        (Some(ContractTerm::Perpetual), Some(_)) => errors.push(validate::FieldError::new(
                            "contract.endDateTime",
                            "a Perpetual contract has no end date; clear it or choose a Finite term",
                        )),
                        (Some(ContractTerm::Perpetual), None) => {}
                        (_, None) => errors.push(validate::FieldError::new(
                            "contract.endDateTime",
                            "enter the end date, or choose the Perpetual term",
                        )),
                        (_, Some(end)) if end <= start => errors.push(validate::FieldError::new(
                            "contract.endDateTime",
                            "the contract must end after it starts",
                        )),
                        _ => {}
                    }
                }
            }
            if c.term.is_none() {
                errors.push(validate::FieldError::new(
                    "contract.term",
                    "choose Finite or Perpetual",
                ));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status as S;
    use Substatus as U;

    fn moves(status: S, sub: U) -> Vec<(S, U)> {
        allowed_moves(&status, &sub)
            .into_iter()
            .flat_map(|m| {
                m.substatuses
                    .into_iter()
                    .map(move |u| (m.status.clone(), u))
            })
            .collect()
    }

    #[test]
    fn the_documented_table_is_followed() {
        assert_eq!(
            moves(S::New, U::Pending),
            [
                (S::New, U::Received),
                (S::Active, U::Accepted),
                (S::Closed, U::Won),
                (S::Closed, U::Lost),
                (S::Closed, U::Declined),
                (S::Closed, U::Expired),
            ]
        );
        assert_eq!(
            moves(S::Active, U::Accepted),
            [
                (S::Closed, U::Won),
                (S::Closed, U::Lost),
                (S::Closed, U::Declined),
                (S::Closed, U::Expired),
            ]
        );
        // Closed is not locked: its substatus can be corrected.
        assert_eq!(
            moves(S::Closed, U::Lost),
            [
                (S::Closed, U::Won),
                (S::Closed, U::Declined),
                (S::Closed, U::Expired)
            ]
        );
        assert!(check_transition(&S::Closed, &U::Lost, &S::Closed, &U::Won).is_ok());
    }

    #[test]
    fn closed_stays_closed() {
        for sub in [U::Won, U::Lost, U::Declined, U::Expired] {
            let err = check_transition(&S::Closed, &sub, &S::Active, &U::Accepted).unwrap_err();
            assert_eq!(err.rule, "closed-is-terminal");
        }
    }

    #[test]
    fn stricter_readings_are_warnings() {
        let w = |fs, fu, ts, tu| -> Vec<&'static str> {
            transition_warnings(&fs, &fu, &ts, &tu)
                .into_iter()
                .map(|v| v.rule)
                .collect()
        };
        assert_eq!(
            w(S::Active, U::Accepted, S::Closed, U::Declined),
            ["declined-only-from-new"]
        );
        assert_eq!(
            w(S::New, U::Pending, S::Closed, U::Won),
            ["won-lost-only-from-active"]
        );
        assert_eq!(
            w(S::Closed, U::Lost, S::Closed, U::Won),
            ["won-lost-only-from-active"]
        );
        assert_eq!(
            w(S::New, U::Pending, S::Closed, U::Expired),
            ["expired-by-service"]
        );
        assert!(w(S::Active, U::Accepted, S::Closed, U::Won).is_empty());
        assert!(w(S::New, U::Pending, S::Closed, U::Declined).is_empty());
        assert!(check_transition(&S::Active, &U::Accepted, &S::Closed, &U::Declined).is_ok());
        assert!(check_transition(&S::New, &U::Pending, &S::Closed, &U::Won).is_ok());
    }

    #[test]
    fn every_offered_move_is_accepted_and_nothing_else_is() {
        let statuses = [S::New, S::Active, S::Closed];
        for from in &statuses {
            for from_sub in substatuses_of(from) {
                let offered = allowed_moves(from, from_sub);
                for to in &statuses {
                    for to_sub in U::ALL {
                        let is_offered = offered
                            .iter()
                            .any(|m| &m.status == to && m.substatuses.contains(to_sub));
                        let same = from == to && from_sub == to_sub;
                        let ok = check_transition(from, from_sub, to, to_sub).is_ok();
                        assert_eq!(
                            ok,
                            is_offered || same,
                            "{from}/{from_sub} -> {to}/{to_sub}: offered={is_offered} accepted={ok}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn violations_name_the_rule() {
        let e = check_transition(&S::New, &U::Pending, &S::Active, &U::Won).unwrap_err();
        assert_eq!(e.rule, "substatus-of-status");
        let e = check_transition(&S::Active, &U::Accepted, &S::New, &U::Pending).unwrap_err();
        assert_eq!(e.rule, "no-return-to-new");
        assert!(e.to_string().contains("no-return-to-new"));
    }

    #[test]
    fn editable_paths_follow_the_connector_list() {
        for p in [
            "/campaignId",
            "/team/-",
            "/team/3",
            "/customerProfile/team",
            "/details/requirements/solutions/-",
            "/registrations/-",
            "/registrations/0/contract/value",
        ] {
            assert!(is_editable_path(p), "{p}");
        }
        for p in [
            "/name",
            "/favorite",
            "/id",
            "/registrations",
            "/registrations/x/a",
            "/team/x",
            "/details/dealValue/x",
            "/links",
            "",
        ] {
            assert!(!is_editable_path(p), "{p}");
        }
    }

    #[test]
    fn closed_referrals_take_every_patchable_field() {
        let r = Referral {
            status: Some(S::Closed),
            substatus: Some(U::Won),
            ..Default::default()
        };
        assert!(check_edit(&r, "/details/notes", &serde_json::json!("x")).is_ok());
        let e = check_edit(&r, "/favorite", &serde_json::json!(true)).unwrap_err();
        assert_eq!(e.rule, "read-only-field");
        assert!(e.message.contains("`/favorite`"), "{}", e.message);
        assert!(check_edit(&r, "/campaignId", &serde_json::json!("x")).is_ok());
        assert!(check_edit(&r, "/details/dealValue", &serde_json::json!(5)).is_ok());
    }

    #[test]
    fn sharing_cannot_be_withdrawn() {
        let r: Referral = serde_json::from_value(serde_json::json!({
            "status": "Active",
            "consent": {"consentToShareReferralWithMicrosoftSellers": true}
        }))
        .unwrap();
        let path = "/consent/consentToShareReferralWithMicrosoftSellers";
        assert_eq!(
            check_edit(&r, path, &serde_json::json!(false))
                .unwrap_err()
                .rule,
            "sharing-is-permanent"
        );
        assert!(check_edit(&r, path, &serde_json::json!(true)).is_ok());
    }

    fn won_referral(hours: i64) -> Referral {
        serde_json::from_value(serde_json::json!({
            "status": "Closed",
            "substatus": "Won",
            "createdDateTime": "2026-01-01T00:00:00Z",
            "closedDateTime": (chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
                + Duration::hours(hours)).to_rfc3339(),
            "consent": {"consentToShareReferralWithMicrosoftSellers": true},
            "details": {"requirements": {"solutions": [{"id": "SOL-1"}]}}
        }))
        .unwrap()
    }

    #[test]
    fn registration_eligibility_lists_every_unmet_rule() {
        assert!(registration_ineligibility(&won_referral(72)).is_empty());
        let early = registration_ineligibility(&won_referral(71));
        assert_eq!(early.len(), 1);
        assert!(early[0].contains("72 hours"), "{early:?}");
        let all = registration_ineligibility(&Referral::default());
        assert_eq!(all.len(), 4, "{all:?}");
    }

    #[test]
    fn a_new_registration_waits_until_the_latest_one_failed() {
        let mut r = won_referral(100);
        assert_eq!(new_registration_blocked(&r), None);
        let reg = |status| Registration {
            status: Some(status),
            ..Default::default()
        };
        r.registrations = Some(vec![reg(RegistrationStatus::Failed)]);
        assert_eq!(new_registration_blocked(&r), None);
        for open in [
            RegistrationStatus::ReviewPending,
            RegistrationStatus::ActionRequired,
            RegistrationStatus::Passed,
            RegistrationStatus::Approved,
        ] {
            r.registrations = Some(vec![reg(RegistrationStatus::Failed), reg(open.clone())]);
            let v = new_registration_blocked(&r).unwrap();
            assert_eq!(v.rule, "one-registration-at-a-time");
            assert!(v.message.contains(open.as_str()), "{v}");
        }
    }

    #[test]
    fn incoming_new_referrals_expire_after_14_days() {
        let created = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let r = Referral {
            status: Some(S::New),
            direction: Some(Direction::Incoming),
            created_date_time: Some(created),
            ..Default::default()
        };
        assert!(!should_expire(
            &r,
            created + Duration::days(14) - Duration::seconds(1)
        ));
        assert!(should_expire(&r, created + Duration::days(14)));
        let outgoing = Referral {
            direction: Some(Direction::Outgoing),
            ..r
        };
        assert!(!should_expire(&outgoing, created + Duration::days(30)));
    }
}
