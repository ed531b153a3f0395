//! The configurable mapping of a referral onto Marketo keys: id templates, their slots and
//! the comparison form of emails and external ids.

use serde::{Deserialize, Serialize};

use crate::domain::enums::ProfileType;
use crate::domain::referral::{Member, Referral};
use crate::domain::validate::FieldError;

/// How a referral maps onto Marketo records; the `[marketo.mapping]` table of the config.
///
/// Every key is optional; a key this build does not know is an error naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketoMapping {
    /// The partner team member who owns the deal in Marketo, by email (ignoring case). When
    /// unset, or when nobody on the team has it, the first team member owns it.
    pub owner_email: Option<String>,
    /// `externalSalesPersonId` of the owner. Slots: `firstName`, `lastName`, `email`,
    /// `emailLocal` (the part before `@`). Default `{firstName}.{lastName}`.
    pub sales_person_id: String,
    /// `externalCompanyId` of the customer. Slots: `duns` (the DUNS profile id), `externalId`
    /// (the External profile id), `name`, `nameSlug` (`Contoso Ltd.` → `contoso-ltd`),
    /// `country`. Default `{duns|nameSlug}`.
    pub company_id: String,
    /// `externalPersonId` of each customer contact. Same slots as `sales_person_id`.
    /// Default `{email}`.
    pub person_id: String,
    /// `externalOpportunityId` of the referral. Slots: `externalReferenceId`, `id`,
    /// `engagementId`, `msxId`. Default `{externalReferenceId|id}`.
    pub opportunity_id: String,
    /// Lower-case the sales person, company and person ids (the opportunity id keeps its case,
    /// it usually is another system's id). Default true.
    pub lowercase_ids: bool,
    /// The role of the first contact on the opportunity (marked primary).
    /// Default `Decision Maker`.
    pub primary_role: String,
    /// The role of every other contact. Default `Influencer`.
    pub default_role: String,
}

impl Default for MarketoMapping {
    fn default() -> Self {
        MarketoMapping {
            owner_email: None,
            sales_person_id: "{firstName}.{lastName}".into(),
            company_id: "{duns|nameSlug}".into(),
            person_id: "{email}".into(),
            opportunity_id: "{externalReferenceId|id}".into(),
            lowercase_ids: true,
            primary_role: "Decision Maker".into(),
            default_role: "Influencer".into(),
        }
    }
}

pub(super) const PERSON_SLOTS: &[&str] = &["firstName", "lastName", "email", "emailLocal"];
pub(super) const COMPANY_SLOTS: &[&str] = &["duns", "externalId", "name", "nameSlug", "country"];
pub(super) const OPPORTUNITY_SLOTS: &[&str] =
    &["externalReferenceId", "id", "engagementId", "msxId"];

/// The mapping table as it appears in the config file, with its defaults.
pub const EXAMPLE_TOML: &str = r#"# How referrals map onto Marketo records. Every key is optional.
# owner_email = "me@partner.example"          # the team member who owns deals (default: first)
sales_person_id = "{firstName}.{lastName}"    # slots: firstName lastName email emailLocal
company_id = "{duns|nameSlug}"                # slots: duns externalId name nameSlug country
person_id = "{email}"                         # slots as sales_person_id
opportunity_id = "{externalReferenceId|id}"   # slots: externalReferenceId id engagementId msxId
lowercase_ids = true
primary_role = "Decision Maker"
default_role = "Influencer"
"#;

impl MarketoMapping {
    /// Reads the mapping table from TOML and checks it; errors name the key and the fix.
    pub fn from_toml(text: &str) -> Result<MarketoMapping, String> {
        let mapping: MarketoMapping =
            toml::from_str(text).map_err(|e| format!("marketo mapping: {}", e.message()))?;
        mapping.validate().map_err(|errs| {
            errs.iter()
                .map(|e| format!("marketo mapping: {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        Ok(mapping)
    }

    /// Checks every template and role name.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, template, slots) in [
            ("sales_person_id", &self.sales_person_id, PERSON_SLOTS),
            ("company_id", &self.company_id, COMPANY_SLOTS),
            ("person_id", &self.person_id, PERSON_SLOTS),
            ("opportunity_id", &self.opportunity_id, OPPORTUNITY_SLOTS),
        ] {
            if let Err(message) = Template::parse(template, slots) {
                errors.push(FieldError::new(field, message));
            }
        }
        for (field, role) in [
            ("primary_role", &self.primary_role),
            ("default_role", &self.default_role),
        ] {
            if role.trim().is_empty() {
                errors.push(FieldError::new(
                    field,
                    "must not be empty; e.g. \"Influencer\"",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A parsed id template: literal text and `{a|b}` slots.
#[derive(Debug, Clone, PartialEq)]
struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Slot(Vec<String>),
}

impl Template {
    fn parse(text: &str, slots: &[&str]) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(format!("`}}` without `{{` in \"{text}\""));
            }
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("`{{` without `}}` in \"{text}\""))?;
            let names: Vec<String> = after[..close]
                .split('|')
                .map(|s| s.trim().to_string())
                .collect();
            for name in &names {
                if !slots.contains(&name.as_str()) {
                    return Err(format!(
                        "unknown slot {{{name}}} in \"{text}\"; use one of {}",
                        slots
                            .iter()
                            .map(|s| format!("{{{s}}}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                }
            }
            parts.push(Part::Slot(names));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if !parts.iter().any(|p| matches!(p, Part::Slot(_))) {
            return Err(format!(
                "\"{text}\" has no slot, so every record would get the same id"
            ));
        }
        Ok(Template { parts })
    }

    /// The rendered text, or the first slot that has no value.
    fn render(&self, value: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Slot(names) => {
                    let found = names
                        .iter()
                        .filter_map(|n| value(n))
                        .map(|v| v.trim().to_string())
                        .find(|v| !v.is_empty());
                    match found {
                        Some(v) => out.push_str(&v),
                        None => return Err(names.join(" or ")),
                    }
                }
            }
        }
        Ok(out)
    }
}

/// `Contoso Ltd.` → `contoso-ltd`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The form under which emails and external ids are compared.
pub fn normalize_key(text: &str) -> String {
    text.trim().to_lowercase()
}

pub(super) fn same_text(a: &str, b: &str) -> bool {
    normalize_key(a) == normalize_key(b)
}

pub(super) fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub(super) fn person_slot(m: &Member, slot: &str) -> Option<String> {
    match slot {
        "firstName" => non_empty(m.first_name.as_deref()),
        "lastName" => non_empty(m.last_name.as_deref()),
        "email" => non_empty(m.email.as_deref()),
        "emailLocal" => m
            .email
            .as_deref()
            .and_then(|e| e.trim().split('@').next())
            .and_then(|l| non_empty(Some(l))),
        _ => None,
    }
}

fn profile_id(r: &Referral, kind: ProfileType) -> Option<String> {
    r.customer_profile
        .as_ref()
        .and_then(|c| c.ids.as_ref())
        .and_then(|ids| {
            ids.iter()
                .find(|i| i.profile_type.as_ref() == Some(&kind))
                .and_then(|i| non_empty(i.id.as_deref()))
        })
}

pub(super) fn company_slot(r: &Referral, slot: &str) -> Option<String> {
    match slot {
        "duns" => profile_id(r, ProfileType::Duns),
        "externalId" => profile_id(r, ProfileType::External),
        "name" => non_empty(Some(r.customer_name())),
        "nameSlug" => non_empty(Some(&slug(r.customer_name()))),
        "country" => non_empty(Some(r.country())),
        _ => None,
    }
}

pub(super) fn opportunity_slot(r: &Referral, slot: &str) -> Option<String> {
    match slot {
        "externalReferenceId" => non_empty(r.external_reference_id.as_deref()),
        "id" => non_empty(r.id.as_deref()),
        "engagementId" => non_empty(r.engagement_id.as_deref()),
        "msxId" => non_empty(
            r.tracking_info
                .as_ref()
                .and_then(|t| t.microsoft_msx_id.as_deref()),
        ),
        _ => None,
    }
}

/// Renders one id template; the error names what is missing.
pub(super) fn render_id(
    template: &str,
    slots: &[&str],
    lowercase: bool,
    value: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let t = Template::parse(template, slots)?;
    let id = t
        .render(value)
        .map_err(|slot| format!("no {slot} for the template \"{template}\""))?;
    Ok(if lowercase { id.to_lowercase() } else { id })
}
