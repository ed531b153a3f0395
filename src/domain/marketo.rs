//! Marketo Sales Insight sync: what refdeck knows about a referral's presence in Marketo
//! (`../shared/spec/marketo.md`).
//!
//! Pure: the records Marketo stores for a referral ([`plan`]), what a set of Marketo query
//! results says about them ([`assess`]), and the wire shapes both ends of the REST API use
//! ([`Envelope`], [`RecordResult`], [`SyncRequest`]). The client (`backend::marketo`) and the
//! sandbox (`sandbox::marketo`) both build on these types.
//!
//! # Mapping (configurable, see [`MarketoMapping`])
//! | Partner Center | Marketo | key |
//! |---|---|---|
//! | the deal owner: the partner team member whose email is `owner_email`, else the first one | sales person | `externalSalesPersonId` from `sales_person_id` (default `{firstName}.{lastName}`, lower case) |
//! | the customer | company | `externalCompanyId` from `company_id` (default `{duns\|nameSlug}`) |
//! | each customer contact | lead | `externalPersonId` from `person_id` (default `{email}`, lower case) |
//! | the referral | opportunity | `externalOpportunityId` from `opportunity_id` (default `{externalReferenceId\|id}`, case kept) |
//! | each contact on the deal | opportunity role | (`externalOpportunityId`, lead id, role); the first contact gets `primary_role` with `isPrimary`, the others `default_role` |
//!
//! The sales person's key is deliberately not the email: the email is what Marketo compares with
//! the CRM user, so it must be free to differ for a mismatch to be seen.
//!
//! # Choices (the public record is silent)
//! - Templates: `{name}` inserts a value, `{a|b}` the first non-empty of several. When a slot
//!   has no value (a contact without an email for `{email}`) that record cannot be keyed and the
//!   plan lists it as a problem instead of inventing a key.
//! - Comparisons of emails and external ids trim and ignore case (`Ann@Contoso.com ` equals
//!   `ann@contoso.com`): Marketo matches these fields without regard to case, and a difference
//!   of case alone is no disagreement a seller could act on.
//! - Mismatches checked: the sales person's email; a lead's email; the opportunity's
//!   `externalCompanyId`, `externalSalesPersonId`, `amount` (to the cent) and `stage`; a
//!   contact who has a role on the opportunity but a different one. A company or lead owned by
//!   another seller is not a mismatch: several referrals (and sellers) may share a customer.
//! - A record that is missing while a step it depends on is not in Marketo is `Blocked`: pushing
//!   it alone would be skipped; pushing in order fixes both.
//! - Badge: every record synced and no plan problem → synced; no record present at all →
//!   missing; anything else (including a mismatch) → partial.
//! - A [`SyncReport`] serialises to JSON (steps by snake-case name, states tagged `state`,
//!   Marketo ids as a number or a GUID string) so the store can keep the last one per referral.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::enums::{ProfileType, Status, Substatus};
use super::referral::{Member, Referral};
use super::validate::FieldError;

/// The one-word Marketo state shown in the list and filtered by `mkto:`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarketoBadge {
    /// Not checked yet.
    #[default]
    Unknown,
    /// All five steps are in Marketo and agree with Partner Center.
    Synced,
    /// Some steps are there, or a step disagrees (e.g. the sales person's email).
    Partial,
    /// Nothing of the referral is in Marketo.
    Missing,
}

impl MarketoBadge {
    pub const ALL: [MarketoBadge; 4] = [
        MarketoBadge::Unknown,
        MarketoBadge::Synced,
        MarketoBadge::Partial,
        MarketoBadge::Missing,
    ];

    /// The word used in the list, the filter (`mkto:partial`) and the store.
    pub fn as_str(&self) -> &'static str {
        match self {
            MarketoBadge::Unknown => "unknown",
            MarketoBadge::Synced => "synced",
            MarketoBadge::Partial => "partial",
            MarketoBadge::Missing => "missing",
        }
    }

    pub fn parse(s: &str) -> Option<MarketoBadge> {
        MarketoBadge::ALL
            .into_iter()
            .find(|b| b.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Marketo's error and reason codes that refdeck produces or reacts to.
pub mod codes {
    /// Access token invalid or missing (re-authenticate).
    pub const TOKEN_INVALID: &str = "601";
    /// Access token expired (re-authenticate).
    pub const TOKEN_EXPIRED: &str = "602";
    /// HTTP method not supported on this path.
    pub const METHOD_NOT_SUPPORTED: &str = "605";
    /// More than 100 calls in 20 seconds.
    pub const RATE_LIMIT: &str = "606";
    /// The request body is not JSON.
    pub const INVALID_JSON: &str = "609";
    /// No such REST resource.
    pub const RESOURCE_NOT_FOUND: &str = "610";
    /// The body's content type is not accepted.
    pub const INVALID_CONTENT_TYPE: &str = "612";
    /// More than 10 calls in flight.
    pub const CONCURRENCY: &str = "615";
    /// Bad request or record: batch too big, bad filter, bad value.
    pub const INVALID_DATA: &str = "1003";
    /// The lead (or a referenced lead id) does not exist.
    pub const LEAD_NOT_FOUND: &str = "1004";
    /// `createOnly` for a lead that exists.
    pub const LEAD_EXISTS: &str = "1005";
    /// A field name Marketo does not know.
    pub const FIELD_NOT_FOUND: &str = "1006";
    /// Several leads match the lookup.
    pub const MULTIPLE_LEADS: &str = "1007";
    /// The object (or a referenced external id) does not exist.
    pub const OBJECT_NOT_FOUND: &str = "1013";
    /// `createOnly` for an object that exists.
    pub const OBJECT_EXISTS: &str = "1017";
}

/// The most records one sync call or one query's `filterValues` may carry.
pub const MAX_BATCH: usize = 300;

/// The lead fields Marketo Sales Insight computes; read-only through the API.
pub const MSI_FIELDS: [&str; 7] = [
    "msiLastInterestingMomentType",
    "msiLastInterestingMomentDate",
    "msiLastInterestingMomentDesc",
    "msiLastInterestingMomentSource",
    "priority",
    "relativeUrgency",
    "relativeScore",
];

// ---------------------------------------------------------------------------------------------
// Steps and objects
// ---------------------------------------------------------------------------------------------

/// The five sync steps, in the order Marketo requires (each needs the ones before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    SalesPerson,
    Company,
    Leads,
    Opportunity,
    Roles,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::SalesPerson,
        Step::Company,
        Step::Leads,
        Step::Opportunity,
        Step::Roles,
    ];

    /// How the step is named on screen.
    pub fn label(self) -> &'static str {
        match self {
            Step::SalesPerson => "sales person",
            Step::Company => "company",
            Step::Leads => "leads",
            Step::Opportunity => "opportunity",
            Step::Roles => "opportunity roles",
        }
    }

    /// The Marketo object the step writes.
    pub fn object(self) -> MarketoObject {
        match self {
            Step::SalesPerson => MarketoObject::SalesPerson,
            Step::Company => MarketoObject::Company,
            Step::Leads => MarketoObject::Lead,
            Step::Opportunity => MarketoObject::Opportunity,
            Step::Roles => MarketoObject::OpportunityRole,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A Marketo lead-database object refdeck reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarketoObject {
    SalesPerson,
    Company,
    Lead,
    Opportunity,
    OpportunityRole,
}

impl MarketoObject {
    pub const ALL: [MarketoObject; 5] = [
        MarketoObject::SalesPerson,
        MarketoObject::Company,
        MarketoObject::Lead,
        MarketoObject::Opportunity,
        MarketoObject::OpportunityRole,
    ];

    /// The object's name in Marketo's describe output.
    pub fn name(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "salesPerson",
            MarketoObject::Company => "company",
            MarketoObject::Lead => "lead",
            MarketoObject::Opportunity => "opportunity",
            MarketoObject::OpportunityRole => "opportunityRole",
        }
    }

    /// The path of the GET query (and of `POST ...?_method=GET`).
    pub fn query_path(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "/rest/v1/salespersons.json",
            MarketoObject::Company => "/rest/v1/companies.json",
            MarketoObject::Lead => "/rest/v1/leads.json",
            MarketoObject::Opportunity => "/rest/v1/opportunities.json",
            MarketoObject::OpportunityRole => "/rest/v1/opportunities/roles.json",
        }
    }

    /// The path of the POST that creates or updates records.
    pub fn sync_path(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "/rest/v1/salespersons/sync.json",
            MarketoObject::Company => "/rest/v1/companies/sync.json",
            other => other.query_path(),
        }
    }

    /// The path of the describe call.
    pub fn describe_path(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "/rest/v1/salespersons/describe.json",
            MarketoObject::Company => "/rest/v1/companies/describe.json",
            MarketoObject::Lead => "/rest/v1/leads/describe.json",
            MarketoObject::Opportunity => "/rest/v1/opportunities/describe.json",
            MarketoObject::OpportunityRole => "/rest/v1/opportunities/roles/describe.json",
        }
    }

    /// The field holding Marketo's own id: an integer `id` or a `marketoGUID`.
    pub fn id_field(self) -> &'static str {
        match self {
            MarketoObject::Opportunity | MarketoObject::OpportunityRole => "marketoGUID",
            _ => "id",
        }
    }

    /// The external key refdeck matches records by (the `filterType` of its queries).
    pub fn key_field(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "externalSalesPersonId",
            MarketoObject::Company => "externalCompanyId",
            MarketoObject::Lead => "externalPersonId",
            MarketoObject::Opportunity | MarketoObject::OpportunityRole => "externalOpportunityId",
        }
    }
}

impl fmt::Display for MarketoObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------------
// Records (the JSON Marketo reads and writes)
// ---------------------------------------------------------------------------------------------

/// A sales person (the CRM user who owns the deal).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesPerson {
    /// Marketo's id (read back; never sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_sales_person_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Further fields Marketo returned (`createdAt`, `updatedAt`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A company (the customer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_company_id: Option<String>,
    /// The company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_sales_person_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_country: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A lead (a customer contact), with the read-only Sales Insight fields when Marketo returns
/// them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lead {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_person_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_company_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_sales_person_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msi_last_interesting_moment_type: Option<String>,
    /// An ISO 8601 timestamp as Marketo writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msi_last_interesting_moment_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msi_last_interesting_moment_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msi_last_interesting_moment_source: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_int"
    )]
    pub priority: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_int"
    )]
    pub relative_urgency: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_int"
    )]
    pub relative_score: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An opportunity (the referral).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opportunity {
    #[serde(
        default,
        rename = "marketoGUID",
        skip_serializing_if = "Option::is_none"
    )]
    pub marketo_guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_opportunity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub opportunity_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_closed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_won: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_company_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_sales_person_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An opportunity role: links a lead to an opportunity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityRole {
    #[serde(
        default,
        rename = "marketoGUID",
        skip_serializing_if = "Option::is_none"
    )]
    pub marketo_guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_opportunity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_primary: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The Sales Insight fields of one lead, as shown in the Marketo pane.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MsiFields {
    pub last_moment_type: Option<String>,
    pub last_moment_date: Option<String>,
    pub last_moment_desc: Option<String>,
    pub last_moment_source: Option<String>,
    pub priority: Option<i64>,
    pub relative_urgency: Option<i64>,
    pub relative_score: Option<i64>,
}

impl MsiFields {
    /// True when Marketo has no Sales Insight data for the lead yet.
    pub fn is_empty(&self) -> bool {
        *self == MsiFields::default()
    }
}

impl Lead {
    pub fn msi(&self) -> MsiFields {
        MsiFields {
            last_moment_type: self.msi_last_interesting_moment_type.clone(),
            last_moment_date: self.msi_last_interesting_moment_date.clone(),
            last_moment_desc: self.msi_last_interesting_moment_desc.clone(),
            last_moment_source: self.msi_last_interesting_moment_source.clone(),
            priority: self.priority,
            relative_urgency: self.relative_urgency,
            relative_score: self.relative_score,
        }
    }
}

/// Reads an integer that a server may also send as a numeric string or `null`.
fn lenient_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.round() as i64))
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected an integer, found {n}"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected an integer, found \"{s}\""))),
        Some(other) => Err(D::Error::custom(format!(
            "expected an integer, found {other}"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Envelope and per-record results
// ---------------------------------------------------------------------------------------------

/// Every Marketo REST answer (always HTTP 200, failures included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// Like `e42b#14272d07d78`.
    #[serde(default)]
    pub request_id: String,
    pub success: bool,
    #[serde(default = "Vec::new")]
    pub result: Vec<T>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ApiError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_result: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A `{code, message}` pair: a response-level error or a record-level reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A quoted integer such as `"601"` (a bare number is accepted too).
    #[serde(deserialize_with = "code_string")]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

fn code_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!(
            "expected an error code, found {other}"
        ))),
    }
}

/// What Marketo did with one record of a sync call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordStatus {
    Created,
    Updated,
    Skipped,
    Deleted,
    /// A status this build does not know, kept verbatim.
    Unknown(String),
}

impl RecordStatus {
    pub fn as_str(&self) -> &str {
        match self {
            RecordStatus::Created => "created",
            RecordStatus::Updated => "updated",
            RecordStatus::Skipped => "skipped",
            RecordStatus::Deleted => "deleted",
            RecordStatus::Unknown(s) => s,
        }
    }

    pub fn parse(s: &str) -> RecordStatus {
        match s.to_ascii_lowercase().as_str() {
            "created" => RecordStatus::Created,
            "updated" => RecordStatus::Updated,
            "skipped" => RecordStatus::Skipped,
            "deleted" => RecordStatus::Deleted,
            _ => RecordStatus::Unknown(s.to_string()),
        }
    }

    /// Created or updated: the record is in Marketo now.
    pub fn is_ok(&self) -> bool {
        matches!(self, RecordStatus::Created | RecordStatus::Updated)
    }
}

impl fmt::Display for RecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RecordStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RecordStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(RecordStatus::parse(&String::deserialize(d)?))
    }
}

/// One element of a sync call's `result`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<usize>,
    pub status: RecordStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(
        default,
        rename = "marketoGUID",
        skip_serializing_if = "Option::is_none"
    )]
    pub marketo_guid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<ApiError>,
}

impl RecordResult {
    /// Marketo's id of the record, whichever kind the object uses.
    pub fn marketo_id(&self) -> Option<MarketoId> {
        match (&self.id, &self.marketo_guid) {
            (Some(id), _) => Some(MarketoId::Id(*id)),
            (None, Some(g)) => Some(MarketoId::Guid(g.clone())),
            (None, None) => None,
        }
    }
}

/// The `action` of a sync call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncAction {
    #[default]
    CreateOrUpdate,
    CreateOnly,
    UpdateOnly,
}

/// The body of a sync call.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRequest<'a, T> {
    pub action: SyncAction,
    /// `dedupeFields` for every object but leads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedupe_by: Option<&'a str>,
    /// Leads only: the field that identifies a lead (refdeck uses `externalPersonId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_field: Option<&'a str>,
    pub input: &'a [T],
}

impl<'a, T> SyncRequest<'a, T> {
    /// A `createOrUpdate` of `input` keyed the way refdeck keys `object`.
    pub fn upsert(object: MarketoObject, input: &'a [T]) -> Self {
        let lead = object == MarketoObject::Lead;
        SyncRequest {
            action: SyncAction::CreateOrUpdate,
            dedupe_by: (!lead).then_some("dedupeFields"),
            lookup_field: lead.then_some("externalPersonId"),
            input,
        }
    }
}

/// Marketo's id of a record: an integer for sales persons, companies and leads, a GUID for
/// opportunities and roles.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MarketoId {
    Id(i64),
    Guid(String),
}

impl MarketoId {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            MarketoId::Id(i) => Some(*i),
            MarketoId::Guid(_) => None,
        }
    }
}

impl fmt::Display for MarketoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarketoId::Id(i) => write!(f, "{i}"),
            MarketoId::Guid(g) => f.write_str(g),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------

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

const PERSON_SLOTS: &[&str] = &["firstName", "lastName", "email", "emailLocal"];
const COMPANY_SLOTS: &[&str] = &["duns", "externalId", "name", "nameSlug", "country"];
const OPPORTUNITY_SLOTS: &[&str] = &["externalReferenceId", "id", "engagementId", "msxId"];

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

fn same_text(a: &str, b: &str) -> bool {
    normalize_key(a) == normalize_key(b)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn person_slot(m: &Member, slot: &str) -> Option<String> {
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

fn company_slot(r: &Referral, slot: &str) -> Option<String> {
    match slot {
        "duns" => profile_id(r, ProfileType::Duns),
        "externalId" => profile_id(r, ProfileType::External),
        "name" => non_empty(Some(r.customer_name())),
        "nameSlug" => non_empty(Some(&slug(r.customer_name()))),
        "country" => non_empty(Some(r.country())),
        _ => None,
    }
}

fn opportunity_slot(r: &Referral, slot: &str) -> Option<String> {
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

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

/// Something about the referral that keeps a record from being planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProblem {
    pub step: Step,
    pub message: String,
}

/// A role refdeck wants on the opportunity; the lead is named by its external id because its
/// Marketo id is only known once the lead is synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRole {
    pub external_opportunity_id: String,
    pub external_person_id: String,
    pub role: String,
    pub is_primary: bool,
    /// The contact's name, for display.
    pub contact: String,
}

impl PlannedRole {
    /// The key a report uses for this role.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.external_opportunity_id, self.external_person_id, self.role
        )
    }

    /// The wire record, once the lead's Marketo id is known.
    pub fn to_record(&self, lead_id: i64) -> OpportunityRole {
        OpportunityRole {
            external_opportunity_id: Some(self.external_opportunity_id.clone()),
            lead_id: Some(lead_id),
            role: Some(self.role.clone()),
            is_primary: Some(self.is_primary),
            ..OpportunityRole::default()
        }
    }
}

/// The records each of the five steps needs for one referral, in Marketo's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncPlan {
    pub referral_id: String,
    pub sales_person: Option<SalesPerson>,
    pub company: Option<Company>,
    pub leads: Vec<Lead>,
    pub opportunity: Option<Opportunity>,
    pub roles: Vec<PlannedRole>,
    /// Records that could not be planned, and why.
    pub problems: Vec<PlanProblem>,
}

impl SyncPlan {
    pub fn sales_person_id(&self) -> Option<&str> {
        self.sales_person
            .as_ref()
            .and_then(|s| s.external_sales_person_id.as_deref())
    }

    pub fn company_id(&self) -> Option<&str> {
        self.company
            .as_ref()
            .and_then(|c| c.external_company_id.as_deref())
    }

    pub fn opportunity_id(&self) -> Option<&str> {
        self.opportunity
            .as_ref()
            .and_then(|o| o.external_opportunity_id.as_deref())
    }

    /// The `externalPersonId`s of the leads, in contact order.
    pub fn person_ids(&self) -> impl Iterator<Item = &str> {
        self.leads
            .iter()
            .filter_map(|l| l.external_person_id.as_deref())
    }

    fn problem(&mut self, step: Step, message: String) {
        self.problems.push(PlanProblem { step, message });
    }
}

/// The records Marketo should hold for `r`.
pub fn plan(r: &Referral, m: &MarketoMapping) -> SyncPlan {
    let mut p = SyncPlan {
        referral_id: r.id().to_string(),
        ..SyncPlan::default()
    };
    p.sales_person = plan_sales_person(r, m, &mut p.problems);
    let sp_id = p.sales_person_id().map(str::to_string);
    p.company = plan_company(r, m, sp_id.clone(), &mut p.problems);
    let co_id = p.company_id().map(str::to_string);
    plan_leads(r, m, &mut p, co_id.clone(), sp_id.clone());
    p.opportunity = plan_opportunity(r, m, co_id, sp_id, &mut p.problems);
    if let Some(opp_id) = p.opportunity_id().map(str::to_string) {
        p.roles = p
            .leads
            .iter()
            .enumerate()
            .map(|(i, lead)| PlannedRole {
                external_opportunity_id: opp_id.clone(),
                external_person_id: lead.external_person_id.clone().unwrap_or_default(),
                role: if i == 0 {
                    m.primary_role.trim().to_string()
                } else {
                    m.default_role.trim().to_string()
                },
                is_primary: i == 0,
                contact: lead_label(lead),
            })
            .collect();
    } else if !p.leads.is_empty() {
        p.problem(
            Step::Roles,
            "no opportunity id, so the contacts cannot be given roles".into(),
        );
    }
    p
}

/// Renders one id template; the error names what is missing.
fn render_id(
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

fn owner<'a>(r: &'a Referral, m: &MarketoMapping) -> Option<&'a Member> {
    let team = r.team();
    m.owner_email
        .as_deref()
        .and_then(|want| {
            team.iter()
                .find(|t| t.email.as_deref().is_some_and(|e| same_text(e, want)))
        })
        .or_else(|| team.first())
}

fn plan_sales_person(
    r: &Referral,
    m: &MarketoMapping,
    problems: &mut Vec<PlanProblem>,
) -> Option<SalesPerson> {
    let Some(o) = owner(r, m) else {
        problems.push(PlanProblem {
            step: Step::SalesPerson,
            message: "the referral has no partner team member to own it in Marketo".into(),
        });
        return None;
    };
    match render_id(&m.sales_person_id, PERSON_SLOTS, m.lowercase_ids, |s| {
        person_slot(o, s)
    }) {
        Ok(id) => Some(SalesPerson {
            external_sales_person_id: Some(id),
            email: non_empty(o.email.as_deref()),
            first_name: non_empty(o.first_name.as_deref()),
            last_name: non_empty(o.last_name.as_deref()),
            phone: non_empty(o.phone_number.as_deref()),
            title: non_empty(o.title.as_deref()),
            ..SalesPerson::default()
        }),
        Err(why) => {
            problems.push(PlanProblem {
                step: Step::SalesPerson,
                message: format!("team member \"{}\": {why}", o.full_name()),
            });
            None
        }
    }
}

fn plan_company(
    r: &Referral,
    m: &MarketoMapping,
    sp_id: Option<String>,
    problems: &mut Vec<PlanProblem>,
) -> Option<Company> {
    match render_id(&m.company_id, COMPANY_SLOTS, m.lowercase_ids, |s| {
        company_slot(r, s)
    }) {
        Ok(id) => {
            let addr = r.customer_profile.as_ref().and_then(|c| c.address.as_ref());
            let field =
                |f: fn(&super::referral::Address) -> Option<&str>| non_empty(addr.and_then(f));
            let street = [
                field(|a| a.address_line1.as_deref()),
                field(|a| a.address_line2.as_deref()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            Some(Company {
                external_company_id: Some(id),
                company: non_empty(Some(r.customer_name())),
                external_sales_person_id: sp_id,
                billing_street: non_empty(Some(&street)),
                billing_city: field(|a| a.city.as_deref()),
                billing_state: field(|a| a.state.as_deref()),
                billing_postal_code: field(|a| a.postal_code.as_deref()),
                billing_country: field(|a| a.country.as_deref()),
                ..Company::default()
            })
        }
        Err(why) => {
            problems.push(PlanProblem {
                step: Step::Company,
                message: format!("customer: {why}"),
            });
            None
        }
    }
}

fn plan_leads(
    r: &Referral,
    m: &MarketoMapping,
    p: &mut SyncPlan,
    co_id: Option<String>,
    sp_id: Option<String>,
) {
    let mut seen = HashSet::new();
    for (i, c) in r.contacts().iter().enumerate() {
        match render_id(&m.person_id, PERSON_SLOTS, m.lowercase_ids, |s| {
            person_slot(c, s)
        }) {
            Ok(id) => {
                if seen.insert(normalize_key(&id)) {
                    p.leads.push(Lead {
                        external_person_id: Some(id),
                        email: non_empty(c.email.as_deref()),
                        first_name: non_empty(c.first_name.as_deref()),
                        last_name: non_empty(c.last_name.as_deref()),
                        phone: non_empty(c.phone_number.as_deref()),
                        title: non_empty(c.title.as_deref()),
                        external_company_id: co_id.clone(),
                        external_sales_person_id: sp_id.clone(),
                        ..Lead::default()
                    });
                }
            }
            Err(why) => p.problem(
                Step::Leads,
                format!("contact {} (\"{}\"): {why}", i + 1, c.full_name()),
            ),
        }
    }
}

fn plan_opportunity(
    r: &Referral,
    m: &MarketoMapping,
    co_id: Option<String>,
    sp_id: Option<String>,
    problems: &mut Vec<PlanProblem>,
) -> Option<Opportunity> {
    match render_id(&m.opportunity_id, OPPORTUNITY_SLOTS, false, |s| {
        opportunity_slot(r, s)
    }) {
        Ok(id) => {
            let closed = r.status() == Status::Closed;
            Some(Opportunity {
                external_opportunity_id: Some(id),
                name: non_empty(Some(r.name())),
                opportunity_type: r.referral_type.as_ref().map(|t| t.to_string()),
                stage: opportunity_stage(r),
                amount: r.deal_value(),
                close_date: r.closing_date().map(|d| d.format("%Y-%m-%d").to_string()),
                is_closed: Some(closed),
                is_won: Some(closed && r.substatus() == Substatus::Won),
                external_company_id: co_id,
                external_sales_person_id: sp_id,
                ..Opportunity::default()
            })
        }
        Err(why) => {
            problems.push(PlanProblem {
                step: Step::Opportunity,
                message: format!("referral: {why}"),
            });
            None
        }
    }
}

/// The sales stage when set; else `Closed Won`-style wording from the status.
fn opportunity_stage(r: &Referral) -> Option<String> {
    if r.status() == Status::Closed {
        return Some(format!("Closed {}", r.substatus()));
    }
    r.sales_stage
        .as_ref()
        .map(|s| s.to_string())
        .or_else(|| r.status.as_ref().map(|s| s.to_string()))
}

fn lead_label(l: &Lead) -> String {
    let name = [l.first_name.as_deref(), l.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (name.is_empty(), l.email.as_deref()) {
        (false, Some(e)) => format!("{name} <{e}>"),
        (false, None) => name,
        (true, Some(e)) => e.to_string(),
        (true, None) => l.external_person_id.clone().unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// What Marketo holds
// ---------------------------------------------------------------------------------------------

/// What the Marketo queries found, keyed (case-insensitively) by external id. One `Observed`
/// may cover many referrals: `check all` fills it with batched queries and assesses each
/// referral against it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    sales_persons: HashMap<String, SalesPerson>,
    companies: HashMap<String, Company>,
    leads: HashMap<String, Lead>,
    opportunities: HashMap<String, Opportunity>,
    roles: HashMap<String, Vec<OpportunityRole>>,
}

impl Observed {
    pub fn add_sales_person(&mut self, r: SalesPerson) {
        if let Some(k) = r.external_sales_person_id.as_deref() {
            self.sales_persons.insert(normalize_key(k), r);
        }
    }

    pub fn add_company(&mut self, r: Company) {
        if let Some(k) = r.external_company_id.as_deref() {
            self.companies.insert(normalize_key(k), r);
        }
    }

    pub fn add_lead(&mut self, r: Lead) {
        if let Some(k) = r.external_person_id.as_deref() {
            self.leads.insert(normalize_key(k), r);
        }
    }

    pub fn add_opportunity(&mut self, r: Opportunity) {
        if let Some(k) = r.external_opportunity_id.as_deref() {
            self.opportunities.insert(normalize_key(k), r);
        }
    }

    pub fn add_role(&mut self, r: OpportunityRole) {
        if let Some(k) = r.external_opportunity_id.as_deref() {
            self.roles.entry(normalize_key(k)).or_default().push(r);
        }
    }

    pub fn sales_person(&self, key: &str) -> Option<&SalesPerson> {
        self.sales_persons.get(&normalize_key(key))
    }

    pub fn company(&self, key: &str) -> Option<&Company> {
        self.companies.get(&normalize_key(key))
    }

    pub fn lead(&self, key: &str) -> Option<&Lead> {
        self.leads.get(&normalize_key(key))
    }

    pub fn opportunity(&self, key: &str) -> Option<&Opportunity> {
        self.opportunities.get(&normalize_key(key))
    }

    /// Every role on the opportunity.
    pub fn roles(&self, opportunity_key: &str) -> &[OpportunityRole] {
        self.roles
            .get(&normalize_key(opportunity_key))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Records held, over all objects.
    pub fn len(&self) -> usize {
        self.sales_persons.len()
            + self.companies.len()
            + self.leads.len()
            + self.opportunities.len()
            + self.roles.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Assessment
// ---------------------------------------------------------------------------------------------

/// Where one record (or one step) stands in Marketo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    /// In Marketo and in agreement.
    Synced,
    /// Not in Marketo; it can be pushed now.
    Missing,
    /// In Marketo, but a field differs.
    Mismatch {
        field: String,
        ours: String,
        theirs: String,
    },
    /// Not in Marketo, and a step it needs is not there either.
    Blocked { by: Step },
    /// Cannot be synced as the referral stands (e.g. a contact without an email).
    Unplannable { reason: String },
}

impl SyncState {
    /// The record is in Marketo (agreeing or not).
    pub fn is_present(&self) -> bool {
        matches!(self, SyncState::Synced | SyncState::Mismatch { .. })
    }

    /// A push would write this record.
    pub fn needs_push(&self) -> bool {
        matches!(
            self,
            SyncState::Missing | SyncState::Mismatch { .. } | SyncState::Blocked { .. }
        )
    }

    /// One word for the pane.
    pub fn label(&self) -> &'static str {
        match self {
            SyncState::Synced => "synced",
            SyncState::Missing => "missing",
            SyncState::Mismatch { .. } => "mismatch",
            SyncState::Blocked { .. } => "blocked",
            SyncState::Unplannable { .. } => "cannot sync",
        }
    }
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncState::Mismatch {
                field,
                ours,
                theirs,
            } => write!(
                f,
                "mismatch: {field} is \"{theirs}\" in Marketo, \"{ours}\" in Partner Center"
            ),
            SyncState::Blocked { by } => write!(f, "blocked: needs the {by} first"),
            SyncState::Unplannable { reason } => write!(f, "cannot sync: {reason}"),
            other => f.write_str(other.label()),
        }
    }
}

/// One record of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordReport {
    /// The external key (for a role: `opportunity/person/role`).
    pub key: String,
    /// What a person recognises: a name and email, a company name.
    pub label: String,
    pub state: SyncState,
    /// Marketo's id, when the record is there.
    pub marketo_id: Option<MarketoId>,
}

/// One of the five steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: Step,
    /// The step as a whole: the most pressing state of its records (blocked, then missing,
    /// then mismatch, then cannot-sync); synced when every record is (or there is none).
    pub state: SyncState,
    pub records: Vec<RecordReport>,
}

/// A lead's Sales Insight data, as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadInsight {
    pub external_person_id: String,
    pub label: String,
    pub msi: MsiFields,
}

/// Where one referral stands in Marketo: the five steps in order, plus the MSI fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub referral_id: String,
    /// The five steps, in [`Step::ALL`] order.
    pub steps: [StepReport; 5],
    /// The leads found in Marketo, with their Sales Insight fields.
    pub insights: Vec<LeadInsight>,
    pub problems: Vec<PlanProblem>,
}

impl SyncReport {
    /// The step's report.
    pub fn step(&self, step: Step) -> &StepReport {
        // Five steps, in `Step` order: the index is always in range.
        &self.steps[step as usize]
    }

    /// Every record of every step, in push order.
    pub fn records(&self) -> impl Iterator<Item = (Step, &RecordReport)> {
        self.steps
            .iter()
            .flat_map(|s| s.records.iter().map(move |r| (s.step, r)))
    }

    /// How many records a push would write.
    pub fn to_push(&self) -> usize {
        self.records().filter(|(_, r)| r.state.needs_push()).count()
    }

    /// The list badge: synced when every record is synced and nothing is unplannable,
    /// missing when no record is in Marketo, partial otherwise.
    pub fn badge(&self) -> MarketoBadge {
        let mut any_present = false;
        let mut all_synced = self.problems.is_empty();
        for (_, r) in self.records() {
            any_present |= r.state.is_present();
            all_synced &= r.state == SyncState::Synced;
        }
        if all_synced {
            MarketoBadge::Synced
        } else if any_present {
            MarketoBadge::Partial
        } else {
            MarketoBadge::Missing
        }
    }
}

/// Compares the plan of one referral with what Marketo holds.
pub fn assess(plan: &SyncPlan, seen: &Observed) -> SyncReport {
    let problem = |step: Step| {
        plan.problems
            .iter()
            .find(|p| p.step == step)
            .map(|p| p.message.clone())
    };
    let unplannable = |step: Step, label: &str| {
        let reason = problem(step).unwrap_or_else(|| format!("no {label} to sync"));
        vec![RecordReport {
            key: String::new(),
            label: label.to_string(),
            state: SyncState::Unplannable { reason },
            marketo_id: None,
        }]
    };

    let sp = match &plan.sales_person {
        Some(ours) => vec![assess_sales_person(ours, seen)],
        None => unplannable(Step::SalesPerson, "sales person"),
    };
    let sp_ok = sp.iter().all(|r| r.state.is_present());

    let co = match &plan.company {
        Some(ours) => vec![assess_company(ours, seen, sp_ok)],
        None => unplannable(Step::Company, "company"),
    };
    let co_ok = co.iter().all(|r| r.state.is_present());
    let upstream = |sp_ok: bool, co_ok: bool| {
        if !sp_ok {
            Some(Step::SalesPerson)
        } else if !co_ok {
            Some(Step::Company)
        } else {
            None
        }
    };

    let leads: Vec<RecordReport> = plan
        .leads
        .iter()
        .map(|l| assess_lead(l, seen, upstream(sp_ok, co_ok)))
        .collect();

    let opp = match &plan.opportunity {
        Some(ours) => vec![assess_opportunity(ours, seen, upstream(sp_ok, co_ok))],
        None => unplannable(Step::Opportunity, "opportunity"),
    };
    let opp_ok = opp.iter().all(|r| r.state.is_present());

    let roles: Vec<RecordReport> = plan
        .roles
        .iter()
        .map(|r| assess_role(r, seen, opp_ok))
        .collect();

    let insights = plan
        .leads
        .iter()
        .filter_map(|ours| {
            let key = ours.external_person_id.as_deref()?;
            let theirs = seen.lead(key)?;
            Some(LeadInsight {
                external_person_id: key.to_string(),
                label: lead_label(ours),
                msi: theirs.msi(),
            })
        })
        .collect();

    let steps = [
        (Step::SalesPerson, sp),
        (Step::Company, co),
        (Step::Leads, leads),
        (Step::Opportunity, opp),
        (Step::Roles, roles),
    ]
    .map(|(step, records)| StepReport {
        step,
        state: step_state(&records, problem(step)),
        records,
    });

    SyncReport {
        referral_id: plan.referral_id.clone(),
        steps,
        insights,
        problems: plan.problems.clone(),
    }
}

fn step_state(records: &[RecordReport], problem: Option<String>) -> SyncState {
    let first =
        |want: fn(&SyncState) -> bool| records.iter().map(|r| &r.state).find(|s| want(s)).cloned();
    first(|s| matches!(s, SyncState::Blocked { .. }))
        .or_else(|| first(|s| *s == SyncState::Missing))
        .or_else(|| first(|s| matches!(s, SyncState::Mismatch { .. })))
        .or_else(|| first(|s| matches!(s, SyncState::Unplannable { .. })))
        .or_else(|| problem.map(|reason| SyncState::Unplannable { reason }))
        .unwrap_or(SyncState::Synced)
}

/// The state of a record that is not in Marketo: blocked by the first missing upstream step.
fn absent(blocked_by: Option<Step>) -> SyncState {
    match blocked_by {
        Some(by) => SyncState::Blocked { by },
        None => SyncState::Missing,
    }
}

/// The first field that differs, among (name, ours, theirs); text compared trimmed and
/// ignoring case, and only where refdeck has a value.
fn first_difference(fields: &[(&str, Option<String>, Option<String>)]) -> SyncState {
    fields
        .iter()
        .find_map(|(field, ours, theirs)| {
            let ours = ours.as_deref()?;
            let theirs = theirs.as_deref().unwrap_or("");
            (!same_text(ours, theirs)).then(|| SyncState::Mismatch {
                field: field.to_string(),
                ours: ours.trim().to_string(),
                theirs: theirs.trim().to_string(),
            })
        })
        .unwrap_or(SyncState::Synced)
}

fn assess_sales_person(ours: &SalesPerson, seen: &Observed) -> RecordReport {
    let key = ours.external_sales_person_id.clone().unwrap_or_default();
    let label = match ours.email.as_deref() {
        Some(e) => format!("{key} <{e}>"),
        None => key.clone(),
    };
    match seen.sales_person(&key) {
        Some(theirs) => RecordReport {
            state: first_difference(&[("email", ours.email.clone(), theirs.email.clone())]),
            marketo_id: theirs.id.map(MarketoId::Id),
            key,
            label,
        },
        None => RecordReport {
            key,
            label,
            state: SyncState::Missing,
            marketo_id: None,
        },
    }
}

fn assess_company(ours: &Company, seen: &Observed, sp_ok: bool) -> RecordReport {
    let key = ours.external_company_id.clone().unwrap_or_default();
    let label = ours.company.clone().unwrap_or_else(|| key.clone());
    let theirs = seen.company(&key);
    RecordReport {
        state: match theirs {
            Some(_) => SyncState::Synced,
            None => absent((!sp_ok).then_some(Step::SalesPerson)),
        },
        marketo_id: theirs.and_then(|t| t.id).map(MarketoId::Id),
        key,
        label,
    }
}

fn assess_lead(ours: &Lead, seen: &Observed, blocked_by: Option<Step>) -> RecordReport {
    let key = ours.external_person_id.clone().unwrap_or_default();
    let label = lead_label(ours);
    match seen.lead(&key) {
        Some(theirs) => RecordReport {
            state: first_difference(&[("email", ours.email.clone(), theirs.email.clone())]),
            marketo_id: theirs.id.map(MarketoId::Id),
            key,
            label,
        },
        None => RecordReport {
            key,
            label,
            state: absent(blocked_by),
            marketo_id: None,
        },
    }
}

fn assess_opportunity(
    ours: &Opportunity,
    seen: &Observed,
    blocked_by: Option<Step>,
) -> RecordReport {
    let key = ours.external_opportunity_id.clone().unwrap_or_default();
    let label = ours.name.clone().unwrap_or_else(|| key.clone());
    let Some(theirs) = seen.opportunity(&key) else {
        return RecordReport {
            key,
            label,
            state: absent(blocked_by),
            marketo_id: None,
        };
    };
    let money = |a: Option<f64>| a.map(|v| format!("{v:.2}"));
    let state = first_difference(&[
        (
            "externalCompanyId",
            ours.external_company_id.clone(),
            theirs.external_company_id.clone(),
        ),
        (
            "externalSalesPersonId",
            ours.external_sales_person_id.clone(),
            theirs.external_sales_person_id.clone(),
        ),
        ("amount", money(ours.amount), money(theirs.amount)),
        ("stage", ours.stage.clone(), theirs.stage.clone()),
    ]);
    RecordReport {
        key,
        label,
        state,
        marketo_id: theirs.marketo_guid.clone().map(MarketoId::Guid),
    }
}

fn assess_role(ours: &PlannedRole, seen: &Observed, opp_ok: bool) -> RecordReport {
    let key = ours.key();
    let label = format!(
        "{} as {}{}",
        ours.contact,
        ours.role,
        if ours.is_primary { " (primary)" } else { "" }
    );
    let lead_id = seen.lead(&ours.external_person_id).and_then(|l| l.id);
    let missing = |state| RecordReport {
        key: key.clone(),
        label: label.clone(),
        state,
        marketo_id: None,
    };
    if !opp_ok {
        return missing(SyncState::Blocked {
            by: Step::Opportunity,
        });
    }
    let Some(lead_id) = lead_id else {
        return missing(SyncState::Blocked { by: Step::Leads });
    };
    let roles = seen.roles(&ours.external_opportunity_id);
    let of_lead: Vec<&OpportunityRole> = roles
        .iter()
        .filter(|r| r.lead_id == Some(lead_id))
        .collect();
    let exact = of_lead
        .iter()
        .find(|r| r.role.as_deref().is_some_and(|x| same_text(x, &ours.role)));
    match (exact, of_lead.first()) {
        (Some(r), _) => RecordReport {
            key,
            label,
            state: SyncState::Synced,
            marketo_id: r.marketo_guid.clone().map(MarketoId::Guid),
        },
        (None, Some(other)) => RecordReport {
            state: SyncState::Mismatch {
                field: "role".into(),
                ours: ours.role.clone(),
                theirs: other.role.clone().unwrap_or_default(),
            },
            marketo_id: other.marketo_guid.clone().map(MarketoId::Guid),
            key,
            label,
        },
        (None, None) => missing(SyncState::Missing),
    }
}

// ---------------------------------------------------------------------------------------------
// Push results
// ---------------------------------------------------------------------------------------------

/// What happened to one record during a push, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub step: Step,
    /// The record's key, as in [`RecordReport::key`].
    pub key: String,
    pub label: String,
    pub status: RecordStatus,
    pub marketo_id: Option<MarketoId>,
    /// Why it was skipped.
    pub reasons: Vec<ApiError>,
}

impl fmt::Display for StepResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.step, self.label, self.status)?;
        if let Some(id) = &self.marketo_id {
            write!(f, " (id {id})")?;
        }
        for r in &self.reasons {
            write!(f, "; {r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn referral() -> Referral {
        serde_json::from_value(json!({
            "id": "r-1",
            "name": "Contoso supply chain",
            "status": "Active", "substatus": "Accepted", "salesStage": "Develop",
            "type": "Independent",
            "externalReferenceId": "CRM-0042",
            "customerProfile": {
                "name": "Contoso Ltd.",
                "address": {"addressLine1": "1 Main St", "city": "Redmond", "country": "US"},
                "ids": [{"profileType": "Duns", "id": "123456789"}],
                "team": [
                    {"firstName": "Ann", "lastName": "Lee", "email": "Ann.Lee@Contoso.com"},
                    {"firstName": "Bo", "lastName": "Chen", "email": "bo@contoso.com"},
                    {"firstName": "No", "lastName": "Mail"}
                ]
            },
            "details": {"dealValue": 25000.0, "currency": "USD",
                        "closingDateTime": "2026-09-30T00:00:00Z"},
            "team": [
                {"firstName": "Jo", "lastName": "Doe", "email": "jo.doe@partner.com"},
                {"firstName": "Max", "lastName": "Ray", "email": "max@partner.com"}
            ]
        }))
        .unwrap()
    }

    /// Everything the plan asks for, as Marketo would hold it after a full push.
    fn observed_all(p: &SyncPlan) -> Observed {
        let mut o = Observed::default();
        let mut sp = p.sales_person.clone().unwrap();
        sp.id = Some(7);
        o.add_sales_person(sp);
        let mut co = p.company.clone().unwrap();
        co.id = Some(8);
        o.add_company(co);
        for (i, l) in p.leads.iter().enumerate() {
            let mut l = l.clone();
            l.id = Some(100 + i as i64);
            o.add_lead(l);
        }
        let mut opp = p.opportunity.clone().unwrap();
        opp.marketo_guid = Some("g-opp".into());
        o.add_opportunity(opp);
        for (i, r) in p.roles.iter().enumerate() {
            let mut role = r.to_record(100 + i as i64);
            role.marketo_guid = Some(format!("g-role-{i}"));
            o.add_role(role);
        }
        o
    }

    #[test]
    fn default_mapping_builds_every_key() {
        let p = plan(&referral(), &MarketoMapping::default());
        assert_eq!(p.sales_person_id(), Some("jo.doe"));
        assert_eq!(
            p.sales_person.as_ref().unwrap().email.as_deref(),
            Some("jo.doe@partner.com")
        );
        assert_eq!(p.company_id(), Some("123456789"));
        let co = p.company.as_ref().unwrap();
        assert_eq!(co.external_sales_person_id.as_deref(), Some("jo.doe"));
        assert_eq!(co.billing_city.as_deref(), Some("Redmond"));
        assert_eq!(
            p.person_ids().collect::<Vec<_>>(),
            ["ann.lee@contoso.com", "bo@contoso.com"]
        );
        assert_eq!(p.leads[0].email.as_deref(), Some("Ann.Lee@Contoso.com"));
        assert_eq!(p.leads[0].external_company_id.as_deref(), Some("123456789"));
        let opp = p.opportunity.as_ref().unwrap();
        assert_eq!(opp.external_opportunity_id.as_deref(), Some("CRM-0042"));
        assert_eq!(opp.close_date.as_deref(), Some("2026-09-30"));
        assert_eq!(opp.stage.as_deref(), Some("Develop"));
        assert_eq!(opp.amount, Some(25000.0));
        assert_eq!((opp.is_closed, opp.is_won), (Some(false), Some(false)));
        assert_eq!(p.roles.len(), 2);
        assert_eq!(
            (p.roles[0].role.as_str(), p.roles[0].is_primary),
            ("Decision Maker", true)
        );
        assert_eq!(
            (p.roles[1].role.as_str(), p.roles[1].is_primary),
            ("Influencer", false)
        );
        // The contact without an email is reported, not keyed by something invented.
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].step, Step::Leads);
        assert!(
            p.problems[0].message.contains("contact 3") && p.problems[0].message.contains("email"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn fallbacks_and_owner_choice() {
        let mut r = referral();
        r.external_reference_id = None;
        r.customer_profile.as_mut().unwrap().ids = None;
        let m = MarketoMapping {
            owner_email: Some("MAX@partner.com".into()),
            ..MarketoMapping::default()
        };
        let p = plan(&r, &m);
        assert_eq!(p.company_id(), Some("contoso-ltd"));
        assert_eq!(p.opportunity_id(), Some("r-1"));
        assert_eq!(p.sales_person_id(), Some("max.ray"));
        // An owner email nobody has falls back to the first member.
        let m = MarketoMapping {
            owner_email: Some("nobody@x.com".into()),
            ..MarketoMapping::default()
        };
        assert_eq!(plan(&r, &m).sales_person_id(), Some("jo.doe"));
    }

    #[test]
    fn custom_templates_and_case() {
        let m = MarketoMapping::from_toml(
            "sales_person_id = \"{emailLocal}\"\ncompany_id = \"acct-{name}\"\n\
             lowercase_ids = false\nopportunity_id = \"{id}\"\nprimary_role = \"Champion\"",
        )
        .unwrap();
        let p = plan(&referral(), &m);
        assert_eq!(p.sales_person_id(), Some("jo.doe"));
        assert_eq!(p.company_id(), Some("acct-Contoso Ltd."));
        assert_eq!(p.person_ids().next(), Some("Ann.Lee@Contoso.com"));
        assert_eq!(p.opportunity_id(), Some("r-1"));
        assert_eq!(p.roles[0].role, "Champion");
    }

    #[test]
    fn config_errors_name_the_key() {
        let err = MarketoMapping::from_toml("sales_person_idd = \"{email}\"").unwrap_err();
        assert!(err.contains("sales_person_idd"), "{err}");
        let err = MarketoMapping::from_toml("company_id = \"{dunz}\"").unwrap_err();
        assert!(
            err.contains("company_id") && err.contains("{dunz}"),
            "{err}"
        );
        assert!(err.contains("{nameSlug}"), "the fix lists the slots: {err}");
        let err = MarketoMapping::from_toml("person_id = \"{email\"").unwrap_err();
        assert!(
            err.contains("person_id") && err.contains("without"),
            "{err}"
        );
        let err = MarketoMapping::from_toml("opportunity_id = \"fixed\"").unwrap_err();
        assert!(err.contains("no slot"), "{err}");
        let err = MarketoMapping::from_toml("default_role = \" \"").unwrap_err();
        assert!(err.contains("default_role"), "{err}");
        let err = MarketoMapping::from_toml("lowercase_ids = \"yes\"").unwrap_err();
        assert!(
            err.contains("lowercase_ids") || err.contains("bool"),
            "{err}"
        );
    }

    #[test]
    fn example_toml_is_the_default() {
        assert_eq!(
            MarketoMapping::from_toml(EXAMPLE_TOML).unwrap(),
            MarketoMapping::default()
        );
        assert_eq!(
            MarketoMapping::from_toml("").unwrap(),
            MarketoMapping::default()
        );
    }

    #[test]
    fn unplannable_referral_reports_why() {
        let r: Referral = serde_json::from_value(json!({"id": "bare"})).unwrap();
        let p = plan(&r, &MarketoMapping::default());
        assert!(p.sales_person.is_none() && p.company.is_none());
        assert_eq!(p.opportunity_id(), Some("bare"));
        let rep = assess(&p, &Observed::default());
        assert!(matches!(
            rep.step(Step::SalesPerson).state,
            SyncState::Unplannable { ref reason } if reason.contains("team member")
        ));
        assert!(matches!(
            rep.step(Step::Company).state,
            SyncState::Unplannable { .. }
        ));
        assert_eq!(rep.badge(), MarketoBadge::Missing);
    }

    #[test]
    fn steps_come_in_marketo_order() {
        let rep = assess(
            &plan(&referral(), &MarketoMapping::default()),
            &Observed::default(),
        );
        let order: Vec<Step> = rep.steps.iter().map(|s| s.step).collect();
        assert_eq!(order, Step::ALL);
        for s in Step::ALL {
            assert_eq!(rep.step(s).step, s);
        }
        let pushed: Vec<Step> = rep.records().map(|(s, _)| s).collect();
        let mut sorted = pushed.clone();
        sorted.sort();
        assert_eq!(pushed, sorted, "records come step by step");
    }

    #[test]
    fn nothing_in_marketo_is_missing_and_blocked_downstream() {
        let p = plan(&referral(), &MarketoMapping::default());
        let rep = assess(&p, &Observed::default());
        assert_eq!(rep.step(Step::SalesPerson).state, SyncState::Missing);
        assert_eq!(
            rep.step(Step::Company).state,
            SyncState::Blocked {
                by: Step::SalesPerson
            }
        );
        assert_eq!(
            rep.step(Step::Leads).state,
            SyncState::Blocked {
                by: Step::SalesPerson
            }
        );
        assert_eq!(
            rep.step(Step::Roles).state,
            SyncState::Blocked {
                by: Step::Opportunity
            }
        );
        assert_eq!(rep.badge(), MarketoBadge::Missing);
        assert_eq!(rep.to_push(), 1 + 1 + 2 + 1 + 2);
        assert!(rep.insights.is_empty());
    }

    #[test]
    fn everything_present_is_synced_with_ids() {
        let mut r = referral();
        r.customer_profile
            .as_mut()
            .unwrap()
            .team
            .as_mut()
            .unwrap()
            .pop();
        let p = plan(&r, &MarketoMapping::default());
        assert!(p.problems.is_empty());
        let rep = assess(&p, &observed_all(&p));
        assert_eq!(rep.badge(), MarketoBadge::Synced, "{rep:#?}");
        assert_eq!(rep.to_push(), 0);
        assert_eq!(
            rep.step(Step::SalesPerson).records[0].marketo_id,
            Some(MarketoId::Id(7))
        );
        assert_eq!(
            rep.step(Step::Opportunity).records[0].marketo_id,
            Some(MarketoId::Guid("g-opp".into()))
        );
        assert_eq!(rep.insights.len(), 2);
    }

    #[test]
    fn a_plan_problem_keeps_the_badge_partial() {
        let p = plan(&referral(), &MarketoMapping::default());
        let rep = assess(&p, &observed_all(&p));
        let leads = rep.step(Step::Leads);
        assert!(leads.records.iter().all(|r| r.state == SyncState::Synced));
        assert!(matches!(
            &leads.state,
            SyncState::Unplannable { reason } if reason.contains("contact 3")
        ));
        assert_eq!(rep.badge(), MarketoBadge::Partial);
    }

    #[test]
    fn sales_person_email_mismatch_ignores_case_and_spaces() {
        let p = plan(&referral(), &MarketoMapping::default());
        let mut o = observed_all(&p);
        let mut sp = p.sales_person.clone().unwrap();
        sp.email = Some("  JO.DOE@Partner.com ".into());
        o.add_sales_person(sp.clone());
        assert_eq!(
            assess(&p, &o).step(Step::SalesPerson).state,
            SyncState::Synced
        );
        sp.email = Some("jdoe@old-partner.com".into());
        o.add_sales_person(sp);
        let rep = assess(&p, &o);
        assert_eq!(
            rep.step(Step::SalesPerson).state,
            SyncState::Mismatch {
                field: "email".into(),
                ours: "jo.doe@partner.com".into(),
                theirs: "jdoe@old-partner.com".into()
            }
        );
        // Present but disagreeing: the rest is not blocked, the badge is partial.
        assert_eq!(rep.step(Step::Company).state, SyncState::Synced);
        assert_eq!(rep.badge(), MarketoBadge::Partial);
        assert!(rep.step(Step::SalesPerson).state.needs_push());
    }

    #[test]
    fn opportunity_and_role_mismatches() {
        let mut r = referral();
        r.customer_profile
            .as_mut()
            .unwrap()
            .team
            .as_mut()
            .unwrap()
            .pop();
        let p = plan(&r, &MarketoMapping::default());
        let mut o = observed_all(&p);
        let mut opp = p.opportunity.clone().unwrap();
        opp.amount = Some(24999.0);
        o.add_opportunity(opp);
        let rep = assess(&p, &o);
        assert!(matches!(
            &rep.step(Step::Opportunity).state,
            SyncState::Mismatch { field, ours, theirs }
                if field == "amount" && ours == "25000.00" && theirs == "24999.00"
        ));
        // A contact holding another role on the deal.
        let mut o = observed_all(&p);
        o.roles.clear();
        let mut role = p.roles[0].to_record(100);
        role.role = Some("Evaluator".into());
        o.add_role(role);
        o.add_role(p.roles[1].to_record(101));
        let rep = assess(&p, &o);
        assert!(matches!(
            &rep.step(Step::Roles).records[0].state,
            SyncState::Mismatch { field, theirs, .. } if field == "role" && theirs == "Evaluator"
        ));
        assert_eq!(rep.step(Step::Roles).records[1].state, SyncState::Synced);
    }

    #[test]
    fn partial_states() {
        let mut r = referral();
        r.customer_profile
            .as_mut()
            .unwrap()
            .team
            .as_mut()
            .unwrap()
            .pop();
        let p = plan(&r, &MarketoMapping::default());
        let full = observed_all(&p);
        let mut o = Observed::default();
        o.add_sales_person(full.sales_person("jo.doe").unwrap().clone());
        o.add_company(full.company("123456789").unwrap().clone());
        let rep = assess(&p, &o);
        assert_eq!(rep.step(Step::Leads).state, SyncState::Missing);
        assert_eq!(rep.step(Step::Opportunity).state, SyncState::Missing);
        assert_eq!(
            rep.step(Step::Roles).state,
            SyncState::Blocked {
                by: Step::Opportunity
            }
        );
        assert_eq!(rep.badge(), MarketoBadge::Partial);
        // With the opportunity but not the leads, roles wait for the leads.
        o.add_opportunity(full.opportunity("CRM-0042").unwrap().clone());
        let rep = assess(&p, &o);
        assert_eq!(
            rep.step(Step::Roles).state,
            SyncState::Blocked { by: Step::Leads }
        );
    }

    #[test]
    fn msi_fields_are_read_back() {
        let l: Lead = serde_json::from_value(json!({
            "id": 5, "externalPersonId": "a@b.com", "email": "a@b.com",
            "msiLastInterestingMomentType": "Web",
            "msiLastInterestingMomentDate": "2026-03-01T10:00:00Z",
            "msiLastInterestingMomentDesc": "Visited /pricing",
            "msiLastInterestingMomentSource": "Web page",
            "priority": 71, "relativeUrgency": "2", "relativeScore": null,
            "updatedAt": "2026-03-01T10:00:00Z"
        }))
        .unwrap();
        let msi = l.msi();
        assert_eq!(msi.priority, Some(71));
        assert_eq!(msi.relative_urgency, Some(2));
        assert_eq!(msi.relative_score, None);
        assert_eq!(msi.last_moment_type.as_deref(), Some("Web"));
        assert_eq!(l.extra["updatedAt"], "2026-03-01T10:00:00Z");
        assert!(!msi.is_empty());
        assert!(
            serde_json::from_value::<Lead>(json!({"priority": "high"}))
                .unwrap_err()
                .to_string()
                .contains("integer")
        );
    }

    #[test]
    fn envelope_and_results_parse_leniently() {
        let e: Envelope<RecordResult> = serde_json::from_value(json!({
            "requestId": "e42b#14272d07d78", "success": true,
            "result": [
                {"seq": 0, "status": "created", "id": 12},
                {"seq": 1, "status": "skipped",
                 "reasons": [{"code": 1013, "message": "Object not found"}]},
                {"seq": 2, "status": "queued", "marketoGUID": "g"}
            ]
        }))
        .unwrap();
        assert_eq!(e.result[0].marketo_id(), Some(MarketoId::Id(12)));
        assert_eq!(e.result[1].reasons[0].code, "1013");
        assert_eq!(e.result[2].status, RecordStatus::Unknown("queued".into()));
        assert_eq!(e.result[2].marketo_id(), Some(MarketoId::Guid("g".into())));
        let e: Envelope<Value> = serde_json::from_value(json!({
            "requestId": "x", "success": false,
            "errors": [{"code": "601", "message": "Access token invalid"}]
        }))
        .unwrap();
        assert!(e.result.is_empty());
        assert_eq!(e.errors[0].code, codes::TOKEN_INVALID);
        assert!(serde_json::from_value::<Envelope<Value>>(json!({"result": []})).is_err());
    }

    #[test]
    fn sync_request_keys_leads_by_lookup_field() {
        let leads = [Lead::default()];
        let v = serde_json::to_value(SyncRequest::upsert(MarketoObject::Lead, &leads)).unwrap();
        assert_eq!(
            v,
            json!({"action": "createOrUpdate", "lookupField": "externalPersonId", "input": [{}]})
        );
        let v = serde_json::to_value(SyncRequest::upsert(MarketoObject::Company, &leads)).unwrap();
        assert_eq!(v["dedupeBy"], "dedupeFields");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Contoso Ltd."), "contoso-ltd");
        assert_eq!(slug("  Fabrikam & Söhne GmbH "), "fabrikam-söhne-gmbh");
        assert_eq!(slug("***"), "");
    }

    #[test]
    fn badge_words_round_trip() {
        for b in MarketoBadge::ALL {
            assert_eq!(MarketoBadge::parse(b.as_str()), Some(b));
        }
        assert_eq!(
            MarketoBadge::parse(" Partial "),
            Some(MarketoBadge::Partial)
        );
        assert_eq!(MarketoBadge::parse("nope"), None);
    }

    #[test]
    fn reports_survive_a_json_round_trip() {
        let r = referral();
        let p = plan(&r, &MarketoMapping::default());
        let mut o = observed_all(&p);
        let mut sp = p.sales_person.clone().unwrap();
        sp.id = Some(7);
        sp.email = Some("old@partner.com".into());
        o.add_sales_person(sp);
        let rep = assess(&p, &o);
        let text = serde_json::to_string(&rep).unwrap();
        assert!(text.contains(r#""state":"mismatch""#), "{text}");
        assert!(text.contains(r#""step":"sales_person""#), "{text}");
        let back: SyncReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, rep);
        // Integer and GUID ids keep their kind.
        let ids: Vec<MarketoId> = serde_json::from_str(r#"[7, "g-opp"]"#).unwrap();
        assert_eq!(ids, [MarketoId::Id(7), MarketoId::Guid("g-opp".into())]);
    }
}
