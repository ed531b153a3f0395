//! The records Marketo reads and writes for a referral: sales person, company, lead (with its
//! Sales Insight fields), opportunity and opportunity role.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The lead fields Marketo Sales Insight computes; read-only through the API, and present only
/// where the "MSI Non-Native" feature is enabled (AdobeDocs/marketo.en
/// help/marketo/product-docs/marketo-sales-insight/sales-insight-for-non-native-ms-dynamics-integrations.md;
/// the standard-field list's `relativeScore`/`urgency` are not these fields).
pub const MSI_FIELDS: [&str; 7] = [
    "msiLastInterestingMomentType",
    "msiLastInterestingMomentDate",
    "msiLastInterestingMomentDesc",
    "msiLastInterestingMomentSource",
    "priority",
    "relativeUrgency",
    "relativeScoring",
];

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
    pub relative_scoring: Option<i64>,
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
    /// Marketo sends currency as a string (`"1604.47"`, AdobeDocs/marketo-developer.en
    /// help/rest-api/opportunities.md); a number is read too.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_float"
    )]
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
    /// Read under its former name too, so reports stored by older builds still load.
    #[serde(default, alias = "relative_score")]
    pub relative_scoring: Option<i64>,
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
            relative_scoring: self.relative_scoring,
        }
    }
}

/// Reads a number that a server may also send as a numeric string or `null`.
fn lenient_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a number, found \"{s}\""))),
        Some(other) => Err(D::Error::custom(format!(
            "expected a number, found {other}"
        ))),
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
