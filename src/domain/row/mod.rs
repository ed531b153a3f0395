//! The compact form of a referral that the list, the filter and the sort work on.
//!
//! The dashboard keeps one row per referral in memory, packed ([`PackedRows`]: a million of
//! them in about 300 MB), and reads the full [`Referral`] from the local store only when a
//! detail is opened. Everything the list shows, sorts or filters on is here. `ReferralRow` is
//! the unpacked form rows travel in (store, backend events, tests).

use chrono::{DateTime, Utc};

use super::enums::*;
use super::marketo::MarketoBadge;
use super::referral::Referral;

mod packed;

pub use packed::{PackedRows, RowId, RowRef};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferralRow {
    pub id: String,
    pub engagement_id: String,
    pub name: String,
    /// Customer company name.
    pub customer: String,
    pub status: Status,
    pub substatus: Substatus,
    pub referral_type: Option<ReferralType>,
    pub direction: Option<Direction>,
    pub qualification: Option<Qualification>,
    pub sales_stage: Option<SalesStage>,
    pub registration_status: Option<RegistrationStatus>,
    pub deal_value: Option<f64>,
    /// ISO 4217, upper case; empty when unknown.
    pub currency: String,
    /// ISO 3166 alpha-2 of the customer; empty when unknown.
    pub country: String,
    pub closing: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// When an incoming New referral expires unanswered (`expirationDateTime`).
    pub expires: Option<DateTime<Utc>>,
    /// When the referral was closed (`closedDateTime`).
    pub closed: Option<DateTime<Utc>>,
    pub favorite: bool,
    /// Further text the free words of the filter search: the notes and every customer
    /// contact's name and email, separated by newlines.
    pub search_text: String,
    /// The last known Marketo sync state of this referral.
    pub marketo: MarketoBadge,
    /// The referral arrived or changed since the seller last opened it (kept by the local
    /// store; rows made straight from a referral say `false`).
    pub unseen: bool,
    /// Microsoft's linked copy of a shared referral (its target is the `BusinessProfileLocation`
    /// `msft`); it has the engagement id of its partner.
    pub microsoft: bool,
}

impl From<&Referral> for ReferralRow {
    fn from(r: &Referral) -> Self {
        let mut search_text = String::new();
        let notes = r.notes();
        if !notes.is_empty() {
            search_text.push_str(notes);
        }
        for c in r.contacts() {
            for part in [c.full_name().as_str(), c.email.as_deref().unwrap_or("")] {
                if !part.is_empty() {
                    if !search_text.is_empty() {
                        search_text.push('\n');
                    }
                    search_text.push_str(part);
                }
            }
        }
        ReferralRow {
            id: r.id().to_string(),
            engagement_id: r.engagement_id.clone().unwrap_or_default(),
            name: r.name().to_string(),
            customer: r.customer_name().to_string(),
            status: r.status(),
            substatus: r.substatus(),
            referral_type: r.referral_type.clone(),
            direction: r.direction.clone(),
            qualification: r.qualification.clone(),
            sales_stage: r.sales_stage.clone(),
            registration_status: r.registration_status.clone(),
            deal_value: r.deal_value(),
            currency: r.currency().to_ascii_uppercase(),
            country: r.country().to_ascii_uppercase(),
            closing: r.closing_date(),
            created: r.created_date_time,
            updated: r.updated_date_time,
            expires: r.expiration_date_time,
            closed: r.closed_date_time,
            favorite: r.is_favorite(),
            search_text,
            marketo: MarketoBadge::Unknown,
            unseen: false,
            microsoft: r.target.iter().flatten().any(|t| {
                t.id.as_deref() == Some("msft")
                    && t.target_type == Some(TargetType::BusinessProfileLocation)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_carries_what_the_list_needs() {
        let r: Referral = serde_json::from_value(serde_json::json!({
            "id": "r1", "name": "Supply chain", "status": "New", "substatus": "Pending",
            "customerProfile": {"name": "Contoso", "address": {"country": "us"},
                "team": [{"firstName": "Ann", "lastName": "Lee", "email": "ann@contoso.com"}]},
            "details": {"notes": "wants a demo", "dealValue": 5.0, "currency": "eur"}
        }))
        .unwrap();
        let row = ReferralRow::from(&r);
        assert_eq!(row.customer, "Contoso");
        assert_eq!(row.currency, "EUR");
        assert_eq!(row.country, "US");
        assert_eq!(row.search_text, "wants a demo\nAnn Lee\nann@contoso.com");
        assert_eq!(row.marketo, MarketoBadge::Unknown);
    }
}
