//! The referral as the Partner Center Referrals API sends it
//! (`../shared/spec/partner-center.md`, "The referral").
//!
//! Every object carries `extra`, a flattened map of the fields this build does not know, so a
//! referral read from the service and written back loses nothing. Every field is optional on the
//! wire: a missing value is `None` (or an empty list) and is not written back. A JSON `null` is
//! read as absent too (our choice: the service treats both alike).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enums::*;
use super::time;

/// Unknown fields of an object, kept for a lossless round trip.
pub type Extra = Map<String, Value>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Referral {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub created_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub updated_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub expiration_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub accepted_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub closed_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substatus: Option<Substatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub referral_type: Option<ReferralType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<Qualification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_stage: Option<SalesStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// Services co-sell: the partner's role in the deal. PartnerRole, SolutionArea and
    /// SolutionPlay are listed by the create docs as "Required for Services co-sell referrals
    /// only" (learn.microsoft.com, partner-center/developer/create-a-referral); the docs name
    /// no JSON location and no values, so they are kept as top-level strings (the table's other
    /// properties are top-level) and any value is kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_role: Option<String>,
    /// Services co-sell: "The Solution area of the Customer need in the opportunity" (see
    /// [`Referral::partner_role`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution_area: Option<String>,
    /// Services co-sell: the solution play (see [`Referral::partner_role`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution_play: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_program: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorite: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_spam: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_status: Option<RegistrationStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrations: Option<Vec<Registration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Vec<Target>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_profile: Option<CustomerProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Vec<Member>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_context: Option<InviteContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_info: Option<TrackingInfo>,
    #[serde(default, rename = "eTag", skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<CompanySize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Vec<Member>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<CustomerId>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_type: Option<ProfileType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A person: a customer contact or a partner team member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_preference: Option<ContactPreference>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPreference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_notifications: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    /// Spelled as the service spells it.
    #[serde(
        default,
        rename = "consentToToShareInfoWithOthers",
        skip_serializing_if = "Option::is_none"
    )]
    pub consent_to_share_info_with_others: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_to_contact: Option<bool>,
    /// False means a private deal; once true it cannot go back to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_to_share_referral_with_microsoft_sellers: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_value: Option<f64>,
    /// ISO 4217.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub closing_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_requested_contact: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Requirements>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industries: Option<Vec<IdRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<IdRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<IdRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solutions: Option<Vec<Solution>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<Vec<Value>>,
    /// An object in the current docs (`{"iot": {}, "attributes": [{"id", "type"}]}`,
    /// learn.microsoft.com, partner-center/developer/create-a-referral), text in older data:
    /// kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_requirements: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Solution {
    /// E.g. `SOL-34104-EBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub solution_type: Option<SolutionType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<InvitedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistance_request_code: Option<AssistanceRequestCode>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitedBy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Computed, read-only links.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    #[serde(default, rename = "self", skip_serializing_if = "Option::is_none")]
    pub self_link: Option<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_referrals: Option<Link>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingInfo {
    /// Microsoft CRM opportunity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_msx_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A deal registration (`../shared/spec/partner-center.md`, "Deal registration").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub registration_type: Option<RegistrationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution_details: Option<Vec<SolutionDetail>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<Contract>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub registration_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RegistrationStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_history: Option<StatusHistory>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SolutionDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deployed_on_azure: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_deployment_on: Option<PrimaryDeployment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_model: Option<PricingModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_transaction_details: Option<MarketplaceTransactionDetails>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceTransactionDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_marketplace_transacted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub marketplace_transaction_date_time: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub start_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub end_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub sign_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<ContractTerm>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusHistory {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub review_pending_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub action_required_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub passed_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub failed_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::opt")]
    pub approved_date_time: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Referral {
    /// Parses one referral, with an error that names the offending field path.
    pub fn from_value(value: Value) -> Result<Referral, String> {
        serde_json::from_value(value)
            .map_err(|e| format!("referral is not in the expected shape: {e}"))
    }

    /// The referral as JSON (cannot fail: every field is plain data).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    pub fn customer_name(&self) -> &str {
        self.customer_profile
            .as_ref()
            .and_then(|c| c.name.as_deref())
            .unwrap_or("")
    }

    pub fn status(&self) -> Status {
        self.status.clone().unwrap_or_default()
    }

    pub fn substatus(&self) -> Substatus {
        self.substatus.clone().unwrap_or_default()
    }

    pub fn deal_value(&self) -> Option<f64> {
        self.details.as_ref().and_then(|d| d.deal_value)
    }

    pub fn currency(&self) -> &str {
        self.details
            .as_ref()
            .and_then(|d| d.currency.as_deref())
            .unwrap_or("")
    }

    pub fn closing_date(&self) -> Option<DateTime<Utc>> {
        self.details.as_ref().and_then(|d| d.closing_date_time)
    }

    pub fn notes(&self) -> &str {
        self.details
            .as_ref()
            .and_then(|d| d.notes.as_deref())
            .unwrap_or("")
    }

    pub fn contacts(&self) -> &[Member] {
        self.customer_profile
            .as_ref()
            .and_then(|c| c.team.as_deref())
            .unwrap_or(&[])
    }

    pub fn team(&self) -> &[Member] {
        self.team.as_deref().unwrap_or(&[])
    }

    pub fn solutions(&self) -> &[Solution] {
        self.details
            .as_ref()
            .and_then(|d| d.requirements.as_ref())
            .and_then(|r| r.solutions.as_deref())
            .unwrap_or(&[])
    }

    pub fn registrations(&self) -> &[Registration] {
        self.registrations.as_deref().unwrap_or(&[])
    }

    pub fn is_favorite(&self) -> bool {
        self.favorite.unwrap_or(false)
    }

    /// Shared with Microsoft sellers (not a private deal).
    pub fn is_shared_with_microsoft(&self) -> bool {
        self.consent
            .as_ref()
            .and_then(|c| c.consent_to_share_referral_with_microsoft_sellers)
            .unwrap_or(false)
    }

    pub fn country(&self) -> &str {
        self.customer_profile
            .as_ref()
            .and_then(|c| c.address.as_ref())
            .and_then(|a| a.country.as_deref())
            .unwrap_or("")
    }
}

impl Member {
    pub fn full_name(&self) -> String {
        match (self.first_name.as_deref(), self.last_name.as_deref()) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (Some(f), None) => f.to_string(),
            (None, Some(l)) => l.to_string(),
            (None, None) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_survive_a_round_trip_at_every_depth() {
        let input = json!({
            "id": "r1",
            "status": "New",
            "futureTopLevel": {"a": 1},
            "customerProfile": {
                "name": "Contoso",
                "address": {"country": "US", "plusCode": "87G8Q2"},
                "team": [{"firstName": "Ann", "pronouns": "she/her"}]
            },
            "details": {"dealValue": 12.5, "requirements": {"solutions": [{"id": "SOL-1", "rank": 3}]}},
            "registrations": [{"status": "Passed", "statusHistory": {"archivedDateTime": "x"}}]
        });
        let r: Referral = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(r.contacts()[0].extra["pronouns"], "she/her");
        assert_eq!(r.to_value(), input);
    }

    #[test]
    fn unknown_enum_strings_are_kept() {
        let r = Referral::from_value(json!({"status": "Paused", "type": "Hybrid"})).unwrap();
        assert_eq!(r.status(), Status::Unknown("Paused".into()));
        assert_eq!(r.to_value()["type"], "Hybrid");
    }

    #[test]
    fn bad_shapes_are_errors_not_panics() {
        let err = Referral::from_value(json!({"details": {"dealValue": "lots"}})).unwrap_err();
        assert!(err.contains("expected"), "{err}");
        assert!(Referral::from_value(json!([1, 2])).is_err());
        assert!(Referral::from_value(json!({"createdDateTime": "soon"})).is_err());
    }

    #[test]
    fn service_sentinel_dates_read_as_absent() {
        let r = Referral::from_value(json!({"closedDateTime": "0001-01-01T00:00:00"})).unwrap();
        assert!(r.closed_date_time.is_none());
    }
}
