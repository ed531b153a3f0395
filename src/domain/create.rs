//! New referrals (`../shared/spec/partner-center.md`, "Create"): what a create needs, and the
//! two bodies of a referral shared with Microsoft.
//!
//! Choices (the public record is silent):
//! - A shared referral's `SolutionProfile` target is its first solution's id.
//! - The Microsoft-linked twin is a copy of the shared referral (same customer, contacts, details
//!   and solutions) with the target `BusinessProfileLocation`/`msft`, sent once the first create
//!   has returned the `engagementId` both share.

use super::enums::*;
use super::referral::*;
use super::validate::{self, FieldError};

/// Most solutions and most team members a referral may carry.
pub const MAX_SOLUTIONS: usize = 50;
pub const MAX_TEAM: usize = 50;

/// Every reason `r` cannot be created, each naming the field and the fix.
pub fn check_new(r: &Referral) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut need = |ok: bool, field: &str, fix: &str| {
        if !ok {
            errors.push(FieldError::new(field, fix));
        }
    };
    need(
        !r.name().trim().is_empty(),
        "name",
        "give the referral a name",
    );
    need(
        r.referral_type.is_some(),
        "type",
        "choose Independent or Shared",
    );
    let cp = r.customer_profile.as_ref();
    need(
        cp.and_then(|c| c.name.as_deref())
            .is_some_and(|n| !n.trim().is_empty()),
        "customerProfile.name",
        "enter the customer's company name",
    );
    let country = cp
        .and_then(|c| c.address.as_ref())
        .and_then(|a| a.country.as_deref());
    match country {
        None => need(
            false,
            "customerProfile.address.country",
            "enter the customer's country (two letters, e.g. US)",
        ),
        Some(c) => {
            if let Err(e) = validate::country("customerProfile.address.country", c) {
                errors.push(e);
            }
        }
    }
    let contacts = r.contacts();
    if contacts.is_empty() {
        errors.push(FieldError::new(
            "customerProfile.team",
            "add at least one customer contact with first and last name, email and phone",
        ));
    }
    for (i, c) in contacts.iter().enumerate() {
        let f = |name: &str| format!("customerProfile.team[{i}].{name}");
        if c.first_name.as_deref().unwrap_or("").trim().is_empty() {
            errors.push(FieldError::new(
                f("firstName"),
                "enter the contact's first name",
            ));
        }
        if c.last_name.as_deref().unwrap_or("").trim().is_empty() {
            errors.push(FieldError::new(
                f("lastName"),
                "enter the contact's last name",
            ));
        }
        match c.email.as_deref() {
            Some(e) => errors.extend(validate::email(&f("email"), e).err()),
            None => errors.push(FieldError::new(f("email"), "enter the contact's email")),
        }
        match c.phone_number.as_deref() {
            Some(p) => errors.extend(validate::phone(&f("phoneNumber"), p).err()),
            None => errors.push(FieldError::new(
                f("phoneNumber"),
                "enter the contact's phone number",
            )),
        }
    }
    if r.consent.is_none() {
        errors.push(FieldError::new("consent", "record the customer's consent"));
    }
    let d = r.details.as_ref();
    match d.and_then(|d| d.deal_value) {
        None => errors.push(FieldError::new(
            "details.dealValue",
            "enter the deal value (0 or more)",
        )),
        Some(v) => errors.extend(validate::non_negative("details.dealValue", v).err()),
    }
    match d.and_then(|d| d.currency.as_deref()) {
        None => errors.push(FieldError::new(
            "details.currency",
            "enter an ISO 4217 currency such as USD",
        )),
        Some(c) => errors.extend(validate::currency("details.currency", c).err()),
    }
    if d.and_then(|d| d.closing_date_time).is_none() {
        errors.push(FieldError::new(
            "details.closingDateTime",
            "enter the expected closing date",
        ));
    }
    let solutions = r.solutions();
    if solutions.is_empty() {
        errors.push(FieldError::new(
            "details.requirements.solutions",
            "add at least one solution",
        ));
    }
    if solutions.len() > MAX_SOLUTIONS {
        errors.push(FieldError::new(
            "details.requirements.solutions",
            format!(
                "{} solutions; a referral takes at most {MAX_SOLUTIONS}",
                solutions.len()
            ),
        ));
    }
    for (i, s) in solutions.iter().enumerate() {
        if s.id.as_deref().unwrap_or("").trim().is_empty() {
            errors.push(FieldError::new(
                format!("details.requirements.solutions[{i}].id"),
                "enter the solution id (e.g. SOL-34104-EBB)",
            ));
        }
    }
    if r.team().len() > MAX_TEAM {
        errors.push(FieldError::new(
            "team",
            format!(
                "{} members; a referral takes at most {MAX_TEAM}",
                r.team().len()
            ),
        ));
    }
    errors
}

/// Makes `r` the partner's half of a referral shared with Microsoft: type Shared, shared with
/// Microsoft sellers, routed by its first solution.
pub fn make_shared(r: &mut Referral) {
    r.referral_type = Some(ReferralType::Shared);
    let consent = r.consent.get_or_insert_with(Consent::default);
    consent.consent_to_share_referral_with_microsoft_sellers = Some(true);
    let solution = r.solutions().first().and_then(|s| s.id.clone());
    r.target = Some(vec![Target {
        target_type: Some(TargetType::SolutionProfile),
        id: solution,
        ..Default::default()
    }]);
}

/// The Microsoft-linked twin of a shared referral (see the module notes). Its `engagementId` is
/// filled in once the shared referral exists.
pub fn microsoft_twin(shared: &mut Referral) -> Referral {
    make_shared(shared);
    let mut twin = shared.clone();
    twin.id = None;
    twin.engagement_id = None;
    twin.etag = None;
    twin.target = Some(vec![Target {
        target_type: Some(TargetType::BusinessProfileLocation),
        id: Some("msft".into()),
        ..Default::default()
    }]);
    twin
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn complete() -> Referral {
        serde_json::from_value(json!({
            "name": "Contoso rollout", "type": "Independent",
            "customerProfile": {"name": "Contoso", "address": {"country": "US"},
                "team": [{"firstName": "Ann", "lastName": "Lee", "email": "ann@contoso.com", "phoneNumber": "+1 425 555 0100"}]},
            "consent": {"consentToContact": true},
            "details": {"dealValue": 1000.0, "currency": "USD", "closingDateTime": "2027-01-01T00:00:00Z",
                "requirements": {"solutions": [{"id": "SOL-1"}]}}
        }))
        .unwrap()
    }

    #[test]
    fn a_complete_referral_passes() {
        assert_eq!(check_new(&complete()), vec![]);
    }

    #[test]
    fn every_missing_part_is_named() {
        let errors = check_new(&Referral::default());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "name",
            "type",
            "customerProfile.name",
            "customerProfile.address.country",
            "customerProfile.team",
            "consent",
            "details.dealValue",
            "details.currency",
            "details.closingDateTime",
            "details.requirements.solutions",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn bad_contact_values_are_named() {
        let mut r = complete();
        r.customer_profile.as_mut().unwrap().team.as_mut().unwrap()[0].email = Some("ann".into());
        let errors = check_new(&r);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "customerProfile.team[0].email");
    }

    #[test]
    fn shared_referrals_get_a_microsoft_twin() {
        let mut r = complete();
        let twin = microsoft_twin(&mut r);
        assert_eq!(r.referral_type, Some(ReferralType::Shared));
        assert!(r.is_shared_with_microsoft());
        let t = &r.target.as_ref().unwrap()[0];
        assert_eq!(t.target_type, Some(TargetType::SolutionProfile));
        assert_eq!(t.id.as_deref(), Some("SOL-1"));
        let tt = &twin.target.as_ref().unwrap()[0];
        assert_eq!(tt.target_type, Some(TargetType::BusinessProfileLocation));
        assert_eq!(tt.id.as_deref(), Some("msft"));
        assert_eq!(twin.name(), r.name());
        assert!(twin.engagement_id.is_none());
    }
}
