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

/// Most solutions, and most people in a team or a customer's contacts, a referral may carry.
pub const MAX_SOLUTIONS: usize = 50;
pub const MAX_TEAM: usize = 50;

/// What [`check_new`] found: `errors` block a create (the service refuses it), `advice` names
/// what a good referral usually carries but the service does not require.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCheck {
    pub errors: Vec<FieldError>,
    pub advice: Vec<FieldError>,
}

/// Checks a new referral (spec "Create"), each finding naming the field and the fix. Only
/// `type`, `customerProfile`, `consent` and `details` are required (learn.microsoft.com,
/// partner-center/developer/create-a-referral, each marked "Required"), plus `partnerRole`,
/// `solutionArea` and `solutionPlay` together for a Services co-sell referral (one of them
/// given); values that are given must be valid. Everything else missing is advice. The sandbox
/// refuses a create with errors; the create form blocks on errors and shows the advice.
pub fn check_new(r: &Referral) -> NewCheck {
    let mut c = NewCheck::default();
    match &r.referral_type {
        None => c
            .errors
            .push(FieldError::new("type", "choose Independent or Shared")),
        Some(t) if !t.is_known() => c.errors.push(FieldError::new(
            "type",
            format!("`{t}` is not a referral type; choose Independent or Shared"),
        )),
        Some(_) => {}
    }
    if r.consent.is_none() {
        c.errors.push(FieldError::new(
            "consent",
            "include the consent object (consentToShareReferralWithMicrosoftSellers and the others)",
        ));
    }
    if r.registrations.as_ref().is_some_and(|g| !g.is_empty()) {
        c.errors.push(FieldError::new(
            "registrations",
            "a new referral cannot carry registrations; register the deal once it is won",
        ));
    }
    if r.name().trim().is_empty() {
        c.advice.push(FieldError::new(
            "name",
            "name the deal, e.g. \"Contoso supply chain modernization\"; it cannot be changed after the create",
        ));
    }
    check_customer(r.customer_profile.as_ref(), &mut c);
    check_details(r.details.as_ref(), &mut c);
    c.errors.extend(check_team("team", r.team(), false));
    c.errors.extend(check_services_co_sell(r));
    c
}

/// PartnerRole, SolutionArea and SolutionPlay: "Required for Services co-sell referrals only"
/// (learn.microsoft.com, partner-center/developer/create-a-referral). A referral that gives one
/// of them is a Services co-sell referral and needs all three, none blank; any other value is
/// kept (the docs list none).
pub fn check_services_co_sell(r: &Referral) -> Vec<FieldError> {
    let fields = [
        ("partnerRole", &r.partner_role),
        ("solutionArea", &r.solution_area),
        ("solutionPlay", &r.solution_play),
    ];
    if fields.iter().all(|(_, v)| v.is_none()) {
        return Vec::new();
    }
    fields
        .iter()
        .filter(|(_, v)| v.as_deref().is_none_or(|s| s.trim().is_empty()))
        .map(|(name, _)| {
            FieldError::new(
                *name,
                "a Services co-sell referral needs its partner role, solution area and solution play; fill in all three, or clear all three for another referral",
            )
        })
        .collect()
}

fn check_customer(c: Option<&CustomerProfile>, out: &mut NewCheck) {
    let Some(c) = c else {
        out.errors.push(FieldError::new(
            "customerProfile",
            "include the customer: name, address with country, and a contact",
        ));
        return;
    };
    if c.name.as_deref().unwrap_or("").trim().is_empty() {
        out.advice.push(FieldError::new(
            "customerProfile.name",
            "enter the customer's company name",
        ));
    }
    match c.address.as_ref().and_then(|a| a.country.as_deref()) {
        None => out.advice.push(FieldError::new(
            "customerProfile.address.country",
            "enter the customer's country as an ISO 3166 code such as US",
        )),
        Some(cc) => out
            .errors
            .extend(validate::country("customerProfile.address.country", cc).err()),
    }
    let contacts = c.team.as_deref().unwrap_or(&[]);
    if contacts.is_empty() {
        out.advice.push(FieldError::new(
            "customerProfile.team",
            "add a customer contact with first and last name, email and phone",
        ));
    }
    for (i, m) in contacts.iter().enumerate() {
        for (value, name, fix) in [
            (&m.first_name, "firstName", "enter the contact's first name"),
            (&m.last_name, "lastName", "enter the contact's last name"),
            (
                &m.email,
                "email",
                "enter the contact's email, like name@example.com",
            ),
            (
                &m.phone_number,
                "phoneNumber",
                "enter the contact's phone, like +1 425 555 0100",
            ),
        ] {
            if value.as_deref().unwrap_or("").trim().is_empty() {
                out.advice.push(FieldError::new(
                    format!("customerProfile.team[{i}].{name}"),
                    fix,
                ));
            }
        }
    }
    out.errors
        .extend(check_team("customerProfile.team", contacts, false));
}

/// Checks people: at most 50; emails and phones valid; contacts need all four fields.
pub fn check_team(field: &str, members: &[Member], contacts: bool) -> Vec<FieldError> {
    let mut e = Vec::new();
    if members.len() > MAX_TEAM {
        e.push(FieldError::new(
            field,
            format!(
                "has {} people; at most {MAX_TEAM} are allowed",
                members.len()
            ),
        ));
    }
    for (i, m) in members.iter().enumerate() {
        let f = |name: &str| format!("{field}[{i}].{name}");
        if contacts {
            for (value, name, fix) in [
                (&m.first_name, "firstName", "enter the contact's first name"),
                (&m.last_name, "lastName", "enter the contact's last name"),
                (
                    &m.email,
                    "email",
                    "enter the contact's email, like name@example.com",
                ),
                (
                    &m.phone_number,
                    "phoneNumber",
                    "enter the contact's phone, like +1 425 555 0100",
                ),
            ] {
                if value.as_deref().unwrap_or("").trim().is_empty() {
                    e.push(FieldError::new(f(name), fix));
                }
            }
        }
        if let Some(email) = m.email.as_deref().filter(|s| !s.trim().is_empty()) {
            e.extend(validate::email(&f("email"), email).err());
        }
        if let Some(phone) = m.phone_number.as_deref().filter(|s| !s.trim().is_empty()) {
            e.extend(validate::phone(&f("phoneNumber"), phone).err());
        }
    }
    e
}

fn check_details(d: Option<&Details>, out: &mut NewCheck) {
    let Some(d) = d else {
        out.errors.push(FieldError::new(
            "details",
            "include the deal details: dealValue, currency, closingDateTime and a solution",
        ));
        return;
    };
    match d.deal_value {
        None => out.advice.push(FieldError::new(
            "details.dealValue",
            "enter the deal value (0 or more)",
        )),
        Some(v) => out
            .errors
            .extend(validate::non_negative("details.dealValue", v).err()),
    }
    match d.currency.as_deref() {
        None => out.advice.push(FieldError::new(
            "details.currency",
            "enter an ISO 4217 currency code such as USD",
        )),
        Some(c) => out
            .errors
            .extend(validate::currency("details.currency", c).err()),
    }
    if d.closing_date_time.is_none() {
        out.advice.push(FieldError::new(
            "details.closingDateTime",
            "enter the expected closing date, like 2026-12-31",
        ));
    }
    let solutions = d
        .requirements
        .as_ref()
        .and_then(|r| r.solutions.as_deref())
        .unwrap_or(&[]);
    if solutions.is_empty() {
        out.advice.push(FieldError::new(
            "details.requirements.solutions",
            "add a solution, like {\"id\": \"SOL-34104-EBB\"}",
        ));
    } else {
        out.errors.extend(check_solutions(solutions));
    }
}

/// One to fifty solutions, each with an id.
pub fn check_solutions(solutions: &[Solution]) -> Vec<FieldError> {
    let field = "details.requirements.solutions";
    let mut e = Vec::new();
    if solutions.is_empty() {
        e.push(FieldError::new(
            field,
            "add at least one solution, like {\"id\": \"SOL-34104-EBB\"}",
        ));
    }
    if solutions.len() > MAX_SOLUTIONS {
        e.push(FieldError::new(
            field,
            format!(
                "has {} solutions; at most {MAX_SOLUTIONS} are allowed",
                solutions.len()
            ),
        ));
    }
    for (i, s) in solutions.iter().enumerate() {
        if s.id.as_deref().unwrap_or("").trim().is_empty() {
            e.push(FieldError::new(
                format!("{field}[{i}].id"),
                "enter the solution id, like SOL-34104-EBB",
            ));
        }
    }
    e
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
        assert_eq!(check_new(&complete()), NewCheck::default());
    }

    fn fields(found: &[FieldError]) -> Vec<&str> {
        found.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn only_type_customer_consent_and_details_are_required() {
        let c = check_new(&Referral::default());
        assert_eq!(
            fields(&c.errors),
            ["type", "consent", "customerProfile", "details"]
        );
        let mut r = complete();
        r.name = None;
        r.customer_profile.as_mut().unwrap().team = Some(vec![Member {
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            ..Default::default()
        }]);
        r.details.as_mut().unwrap().requirements = None;
        r.details.as_mut().unwrap().deal_value = None;
        let c = check_new(&r);
        assert_eq!(
            c.errors,
            vec![],
            "missing email, phone, solutions, value are advice"
        );
        assert_eq!(
            fields(&c.advice),
            [
                "name",
                "customerProfile.team[0].email",
                "customerProfile.team[0].phoneNumber",
                "details.dealValue",
                "details.requirements.solutions"
            ]
        );
    }

    #[test]
    fn bad_contact_values_are_named() {
        let mut r = complete();
        r.customer_profile.as_mut().unwrap().team.as_mut().unwrap()[0].email = Some("ann".into());
        let errors = check_new(&r).errors;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "customerProfile.team[0].email");
    }

    #[test]
    fn services_co_sell_needs_role_area_and_play_together() {
        let mut r = complete();
        r.partner_role = Some("a role no list names".into());
        assert_eq!(
            fields(&check_new(&r).errors),
            ["solutionArea", "solutionPlay"]
        );
        r.solution_area = Some("AI Business Solutions".into());
        r.solution_play = Some(" ".into());
        assert_eq!(fields(&check_new(&r).errors), ["solutionPlay"]);
        r.solution_play = Some("Unknown future play".into());
        assert_eq!(check_new(&r).errors, vec![], "any value is kept");
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
