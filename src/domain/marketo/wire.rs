//! The wire shapes of Marketo's REST API: the envelope every answer comes in, per-record
//! results, error codes, the body of a sync call and Marketo's record ids.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::MarketoObject;

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
    /// The daily quota is used up (it resets at 12:00 AM CST).
    pub const DAILY_QUOTA: &str = "607";
    /// A Sync Opportunities record names an `externalSalesPersonId` that does not exist.
    pub const SALES_PERSON_NOT_FOUND: &str = "718";
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
    /// A `filterType` (or lookup field) that cannot be used.
    pub const FIELD_NOT_SUPPORTED: &str = "1011";
    /// The same key twice in one input.
    pub const DUPLICATE_IN_INPUT: &str = "1036";
    /// A field name Marketo does not know.
    pub const FIELD_NOT_FOUND: &str = "1006";
    /// Several leads match the lookup.
    pub const MULTIPLE_LEADS: &str = "1007";
    /// The object (or a referenced external id) does not exist.
    pub const OBJECT_NOT_FOUND: &str = "1013";
    /// `createOnly` for an object that exists.
    pub const OBJECT_EXISTS: &str = "1017";
    /// The instance syncs a native CRM, so the call is not allowed.
    pub const CRM_ENABLED: &str = "1018";
}

/// The most records one sync call or one query's `filterValues` may carry.
pub const MAX_BATCH: usize = 300;

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
