//! The detail's entries, one function per section of the referral.

use unicode_width::UnicodeWidthStr;

use super::Entry;
use crate::domain::*;
use crate::ui::widgets::{self, money};

/// Every section of a referral as detail entries.
pub fn build_entries(r: &Referral, related: &[ReferralRow]) -> Vec<Entry> {
    let mut e = Vec::new();
    overview(&mut e, r);
    overview_dates(&mut e, r);
    overview_extras(&mut e, r);
    customer(&mut e, r);
    customer_contacts(&mut e, r);
    partner_team(&mut e, r);
    details(&mut e, r);
    requirements(&mut e, r);
    consent(&mut e, r);
    invite_context(&mut e, r);
    registrations(&mut e, r);
    targets(&mut e, r);
    links(&mut e, r);
    related_referrals(&mut e, r, related);
    other_fields(&mut e, r);
    e
}

fn header(e: &mut Vec<Entry>, title: &str) {
    e.push(Entry::Header(title.to_string()));
}

/// Overview: what the referral is and where it comes from.
fn overview(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Overview");
    e.push(field("Name", r.name(), None));
    e.push(field(
        "Status",
        format!("{} / {}", r.status(), r.substatus()),
        Some("/status"),
    ));
    e.push(field(
        "Status reason",
        r.status_reason.clone().unwrap_or_default(),
        Some("/statusReason"),
    ));
    e.push(field(
        "Favorite",
        if r.is_favorite() { "★ yes" } else { "no" },
        None,
    ));
    e.push(field("Type", label(&r.referral_type), None));
    e.push(field("Direction", label(&r.direction), None));
    e.push(field("Qualification", label(&r.qualification), None));
    e.push(field(
        "Sales stage",
        label(&r.sales_stage),
        Some("/salesStage"),
    ));
    // Services co-sell (see `Referral::partner_role`): shown when the referral has any of them.
    if r.partner_role.is_some() || r.solution_area.is_some() || r.solution_play.is_some() {
        for (label, value) in [
            ("Partner role", &r.partner_role),
            ("Solution area", &r.solution_area),
            ("Solution play", &r.solution_play),
        ] {
            e.push(field(label, value.clone().unwrap_or_default(), None));
        }
    }
    e.push(field("Id", r.id(), None));
    e.push(field(
        "Engagement",
        r.engagement_id.clone().unwrap_or_default(),
        None,
    ));
    e.push(field(
        "External reference",
        r.external_reference_id.clone().unwrap_or_default(),
        Some("/externalReferenceId"),
    ));
    e.push(field(
        "Campaign",
        r.campaign_id.clone().unwrap_or_default(),
        Some("/campaignId"),
    ));
    e.push(field(
        "Referral program",
        r.referral_program.clone().unwrap_or_default(),
        Some("/referralProgram"),
    ));
    let org = match (&r.organization_name, &r.organization_id) {
        (Some(n), Some(i)) => format!("{n} ({i})"),
        (Some(n), None) => n.clone(),
        (None, Some(i)) => i.clone(),
        (None, None) => String::new(),
    };
    e.push(field("Organization", org, None));
    e.push(field("MPN id", r.mpn_id.clone().unwrap_or_default(), None));
}

/// Overview: when it was created, changed, accepted, closed, and when it expires.
fn overview_dates(e: &mut Vec<Entry>, r: &Referral) {
    e.push(field(
        "Created",
        widgets::datetime(r.created_date_time),
        None,
    ));
    e.push(field(
        "Updated",
        widgets::datetime(r.updated_date_time),
        None,
    ));
    if r.accepted_date_time.is_some() {
        e.push(field(
            "Accepted",
            widgets::datetime(r.accepted_date_time),
            None,
        ));
    }
    if r.closed_date_time.is_some() {
        e.push(field("Closed", widgets::datetime(r.closed_date_time), None));
    }
    // A Closed referral no longer expires.
    if r.expiration_date_time.is_some() && r.status() != Status::Closed {
        e.push(field(
            "Expires",
            widgets::datetime(r.expiration_date_time),
            None,
        ));
    }
}

/// Overview: tags, quality and tracking, when there are any.
fn overview_extras(e: &mut Vec<Entry>, r: &Referral) {
    if let Some(tags) = r.tags.as_ref().filter(|t| !t.is_empty()) {
        e.push(field("Tags", tags.join(", "), None));
    }
    if r.is_spam == Some(true) || r.quality.is_some() {
        e.push(field(
            "Quality",
            format!(
                "{}{}",
                r.quality.clone().unwrap_or_default(),
                if r.is_spam == Some(true) {
                    " (spam)"
                } else {
                    ""
                }
            ),
            None,
        ));
    }
    for (label, v) in [
        ("Source", &r.referral_source),
        ("Call to action", &r.call_to_action),
        ("Last modified via", &r.last_modified_via),
    ] {
        if let Some(v) = v {
            e.push(field(label, v.clone(), None));
        }
    }
    if let Some(msx) = r
        .tracking_info
        .as_ref()
        .and_then(|t| t.microsoft_msx_id.as_deref())
    {
        e.push(field("Microsoft MSX id", msx, None));
    }
}

/// The customer's profile.
fn customer(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Customer");
    let cp = r.customer_profile.clone().unwrap_or_default();
    e.push(field("Name", cp.name.clone().unwrap_or_default(), None));
    if let Some(a) = &cp.address {
        let street = [a.address_line1.as_deref(), a.address_line2.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        e.push(field("Address", street, None));
        let place = [
            a.city.as_deref(),
            a.state.as_deref(),
            a.postal_code.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        e.push(field("City", place, None));
        e.push(field(
            "Country",
            format!(
                "{}{}",
                opt(&a.country),
                a.region
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            None,
        ));
    }
    e.push(field("Size", label(&cp.size), None));
    for id in cp.ids.iter().flatten() {
        e.push(field(
            &format!("{} id", label(&id.profile_type)),
            id.id.clone().unwrap_or_default(),
            None,
        ));
    }
}

/// The customer's contacts.
fn customer_contacts(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Customer contacts");
    if r.contacts().is_empty() {
        e.push(field("Contacts", "none", Some("/customerProfile/team")));
    }
    for (i, m) in r.contacts().iter().enumerate() {
        e.push(field(
            &format!("Contact {}", i + 1),
            member_line(m),
            Some("/customerProfile/team"),
        ));
    }
}

/// The partner's team.
fn partner_team(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Partner team");
    if r.team().is_empty() {
        e.push(field("Team", "none", Some("/team")));
    }
    for (i, m) in r.team().iter().enumerate() {
        e.push(field(
            &format!("Member {}", i + 1),
            member_line(m),
            Some("/team"),
        ));
    }
}

/// The deal value in the reporting currency, `  ≈ 45,000 USD` (nothing when it is already in
/// it), or why it cannot be compared: `  (no rate for XYZ)`.
fn converted(value: Option<f64>, currency: &str) -> String {
    let rates = crate::domain::money::current();
    match value {
        Some(_) if currency.is_empty() || currency.eq_ignore_ascii_case(rates.reporting()) => {
            String::new()
        }
        Some(v) => match rates.to_reporting(v, currency) {
            Some(r) => format!("  ≈ {}", money(Some(r.round()), rates.reporting())),
            None => format!("  (no rate for {})", currency.to_ascii_uppercase()),
        },
        None => String::new(),
    }
}

/// Deal value, closing date and notes.
fn details(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Details");
    let d = r.details.clone().unwrap_or_default();
    let currency = d.currency.as_deref().unwrap_or("");
    e.push(field(
        "Deal value",
        money(d.deal_value, currency) + &converted(d.deal_value, currency),
        Some("/details/dealValue"),
    ));
    e.push(field(
        "Currency",
        d.currency.clone().unwrap_or_default(),
        Some("/details/currency"),
    ));
    e.push(field(
        "Closing date",
        widgets::date(d.closing_date_time),
        Some("/details/closingDateTime"),
    ));
    e.push(field(
        "Notes",
        d.notes.clone().unwrap_or_default(),
        Some("/details/notes"),
    ));
    e.push(field(
        "Customer asked contact",
        yes_no(d.customer_requested_contact),
        None,
    ));
    if let Some(a) = &d.customer_action {
        e.push(field("Customer action", a.clone(), None));
    }
}

/// The solutions, industries, products, services and offers asked for.
fn requirements(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Requirements");
    let req = r
        .details
        .as_ref()
        .and_then(|d| d.requirements.clone())
        .unwrap_or_default();
    if r.solutions().is_empty() {
        e.push(field(
            "Solutions",
            "none",
            Some("/details/requirements/solutions"),
        ));
    }
    for (i, s) in r.solutions().iter().enumerate() {
        let mut text = format!(
            "{} {}",
            s.id.as_deref().unwrap_or("?"),
            s.name.as_deref().unwrap_or("")
        );
        if let Some(p) = s.publisher_name.as_deref() {
            text.push_str(&format!(" ({p})"));
        }
        e.push(field(
            &format!("Solution {}", i + 1),
            text.trim().to_string(),
            Some("/details/requirements/solutions"),
        ));
    }
    for (label, ids) in [
        ("Industries", &req.industries),
        ("Products", &req.products),
        ("Services", &req.services),
    ] {
        if let Some(ids) = ids.as_ref().filter(|v| !v.is_empty()) {
            let list: Vec<String> = ids.iter().filter_map(|i| i.id.clone()).collect();
            e.push(field(label, list.join(", "), None));
        }
    }
    if let Some(offers) = req.offers.as_ref().filter(|o| !o.is_empty()) {
        e.push(field(
            "Offers",
            offers
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            None,
        ));
    }
    if let Some(a) = &req.additional_requirements {
        let text = match a {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        e.push(field("Additional", text, None));
    }
}

/// Consent to share and to contact.
fn consent(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Consent");
    let c = r.consent.clone().unwrap_or_default();
    e.push(field(
        "Shared with Microsoft",
        match c.consent_to_share_referral_with_microsoft_sellers {
            Some(true) => "yes (co-sell)",
            Some(false) => "no (private deal)",
            None => "—",
        },
        Some("/consent/consentToShareReferralWithMicrosoftSellers"),
    ));
    e.push(field(
        "Consent to contact",
        yes_no(c.consent_to_contact),
        None,
    ));
    e.push(field(
        "Share info with others",
        yes_no(c.consent_to_share_info_with_others),
        None,
    ));
}

/// Who invited the partner, when someone did.
fn invite_context(e: &mut Vec<Entry>, r: &Referral) {
    if let Some(ic) = &r.invite_context {
        header(e, "Invite context");
        if let Some(by) = &ic.invited_by {
            e.push(field(
                "Invited by",
                by.organization_name
                    .clone()
                    .or(by.organization_id.clone())
                    .unwrap_or_default(),
                None,
            ));
        }
        e.push(field(
            "Assistance",
            label(&ic.assistance_request_code),
            None,
        ));
        e.push(field("Notes", ic.notes.clone().unwrap_or_default(), None));
    }
}

/// Deal registrations with their status history.
fn registrations(e: &mut Vec<Entry>, r: &Referral) {
    header(e, "Deal registrations");
    e.push(field(
        "Registration status",
        label(&r.registration_status),
        None,
    ));
    if r.registrations().is_empty() {
        e.push(field("Registrations", "none", None));
    }
    for (i, reg) in r.registrations().iter().enumerate() {
        let n = i + 1;
        e.push(field(
            &format!("Registration {n}"),
            format!(
                "{} · {} · registered {}",
                label(&reg.registration_type),
                label(&reg.status),
                widgets::date(reg.registration_date_time)
            ),
            None,
        ));
        if let Some(reason) = reg.status_reason.as_deref().filter(|s| !s.is_empty()) {
            e.push(field("  reason", reason, None));
        }
        if let Some(c) = &reg.contract {
            e.push(field("  contract", widgets::contract_line(c), None));
        }
        for s in reg.solution_details.iter().flatten() {
            e.push(field("  solution", widgets::solution_detail_line(s), None));
        }
        if let Some(hist) = &reg.status_history {
            for (label, at) in [
                ("review pending", hist.review_pending_date_time),
                ("action required", hist.action_required_date_time),
                ("passed", hist.passed_date_time),
                ("failed", hist.failed_date_time),
                ("approved", hist.approved_date_time),
            ] {
                if at.is_some() {
                    e.push(field(&format!("  {label}"), widgets::datetime(at), None));
                }
            }
        }
    }
}

/// Targets, when there are any.
fn targets(e: &mut Vec<Entry>, r: &Referral) {
    if let Some(targets) = r.target.as_ref().filter(|t| !t.is_empty()) {
        header(e, "Targets");
        for t in targets {
            e.push(field(
                &label(&t.target_type),
                t.id.clone().unwrap_or_default(),
                None,
            ));
        }
    }
}

/// Links, when the service sent any.
fn links(e: &mut Vec<Entry>, r: &Referral) {
    if let Some(links) = &r.links {
        header(e, "Links");
        for (label, link) in [
            ("Self", &links.self_link),
            ("Related", &links.related_referrals),
        ] {
            if let Some(l) = link {
                e.push(field(
                    label,
                    format!(
                        "{} {}",
                        l.method.as_deref().unwrap_or("GET"),
                        l.uri.as_deref().unwrap_or("")
                    ),
                    None,
                ));
            }
        }
    }
}

/// Other referrals of the same engagement.
fn related_referrals(e: &mut Vec<Entry>, r: &Referral, related: &[ReferralRow]) {
    header(e, "Related referrals (same engagement)");
    let others: Vec<&ReferralRow> = related.iter().filter(|x| x.id != r.id()).collect();
    if others.is_empty() {
        e.push(field("Related", "none", None));
    }
    for x in others {
        e.push(Entry::Related {
            id: x.id.clone(),
            text: format!(
                "{} · {} · {}/{} · {}",
                x.name,
                x.referral_type.as_ref().map(|t| t.as_str()).unwrap_or("?"),
                x.status,
                x.substatus,
                x.id
            ),
        });
    }
}

/// Fields this build does not know.
fn other_fields(e: &mut Vec<Entry>, r: &Referral) {
    let unknown = unknown_fields(r);
    if !unknown.is_empty() {
        header(e, "Other fields (kept as received)");
        for (k, v) in unknown {
            e.push(field(&k, v, None));
        }
    }
}

fn field(label: &str, value: impl Into<String>, path: Option<&'static str>) -> Entry {
    let value = value.into();
    Entry::Field {
        label: label.to_string(),
        value: if value.is_empty() {
            "—".into()
        } else {
            value
        },
        path,
    }
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "—".into(),
    }
}

/// A value of a string enum in words (see [`crate::domain::enums`]), or nothing.
fn label<T: Labelled>(v: &Option<T>) -> String {
    v.as_ref().map(Labelled::label).unwrap_or_default()
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn member_line(m: &Member) -> String {
    let mut parts = vec![m.full_name()];
    if let Some(t) = m.title.as_deref().filter(|t| !t.is_empty()) {
        parts.push(t.to_string());
    }
    for v in [m.email.as_deref(), m.phone_number.as_deref()]
        .into_iter()
        .flatten()
    {
        if !v.is_empty() {
            parts.push(v.to_string());
        }
    }
    if let Some(p) = &m.contact_preference {
        if let Some(l) = p.locale.as_deref() {
            parts.push(l.to_string());
        }
        if p.disable_notifications == Some(true) {
            parts.push("no notifications".into());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

/// Fields of the referral this build does not know, flattened to `path: value` lines.
fn unknown_fields(r: &Referral) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), compact(v)))
        .collect();
    if let Some(cp) = &r.customer_profile {
        out.extend(
            cp.extra
                .iter()
                .map(|(k, v)| (format!("customerProfile.{k}"), compact(v))),
        );
    }
    if let Some(d) = &r.details {
        out.extend(
            d.extra
                .iter()
                .map(|(k, v)| (format!("details.{k}"), compact(v))),
        );
    }
    out
}

fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => {
            let s = other.to_string();
            if s.width() > 200 {
                widgets::truncate(&s, 200)
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(r: &Referral) -> Vec<(String, String)> {
        build_entries(r, &[])
            .into_iter()
            .filter_map(|e| match e {
                Entry::Field { label, value, .. } => Some((label, value)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn enums_show_their_labels_and_closed_referrals_do_not_expire() {
        let r: Referral = serde_json::from_value(json!({
            "id": "1", "name": "Deal", "status": "Closed", "substatus": "Won",
            "qualification": "MarketingQualified",
            "expirationDateTime": "2027-01-01T00:00:00Z",
            "customerProfile": {"name": "Contoso", "size": "1to50employees"}
        }))
        .unwrap();
        let v = values(&r);
        let get = |l: &str| v.iter().find(|(x, _)| x == l).map(|(_, y)| y.clone());
        assert_eq!(get("Size").as_deref(), Some("1–50 employees"));
        assert_eq!(get("Qualification").as_deref(), Some("Marketing qualified"));
        assert_eq!(get("Expires"), None, "a Closed referral does not expire");
        let mut open = r.clone();
        open.status = Some(Status::New);
        let v = values(&open);
        assert!(v.iter().any(|(l, _)| l == "Expires"));
    }
}
