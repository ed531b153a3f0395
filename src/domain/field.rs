//! The fields of a referral the app shows and changes, named once: their JSON Pointer on the
//! wire and their label in forms.
//!
//! [`FieldPath::EDITABLE`] are the ones PATCH may change: the paths of the Partner Center
//! Referrals connector's `UpdateReferralDetails` operation (microsoft/PowerPlatformConnectors,
//! certified-connectors/PartnerCenterReferrals/apiDefinition.swagger.json; the collections with
//! their `/-`), plus the deal registrations of its separate registration operations. `/name`
//! and `/favorite` are not on that list: the name is fixed at create, and favorite is a local
//! mark (`backend::store`).

use std::fmt;

/// One field of a referral the app shows or changes. Collections (contacts, team, solutions, registrations)
/// are one field each; their entries are addressed under the field's pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldPath {
    Name,
    CampaignId,
    ShareWithMicrosoft,
    Contacts,
    ClosingDate,
    Currency,
    DealValue,
    Notes,
    Solutions,
    ExternalReferenceId,
    ReferralProgram,
    SalesStage,
    Status,
    Substatus,
    StatusReason,
    Team,
    Favorite,
    Registrations,
}

impl FieldPath {
    /// Every field PATCH may change, in the order of the connector's list (and of the patches
    /// built from it).
    pub const EDITABLE: [FieldPath; 16] = [
        FieldPath::CampaignId,
        FieldPath::ShareWithMicrosoft,
        FieldPath::Contacts,
        FieldPath::ClosingDate,
        FieldPath::Currency,
        FieldPath::DealValue,
        FieldPath::Notes,
        FieldPath::Solutions,
        FieldPath::ExternalReferenceId,
        FieldPath::ReferralProgram,
        FieldPath::SalesStage,
        FieldPath::Status,
        FieldPath::Substatus,
        FieldPath::StatusReason,
        FieldPath::Team,
        FieldPath::Registrations,
    ];

    /// The JSON Pointer (RFC 6901) of the field in a referral.
    pub const fn pointer(self) -> &'static str {
        match self {
            FieldPath::Name => "/name",
            FieldPath::CampaignId => "/campaignId",
            FieldPath::ShareWithMicrosoft => "/consent/consentToShareReferralWithMicrosoftSellers",
            FieldPath::Contacts => "/customerProfile/team",
            FieldPath::ClosingDate => "/details/closingDateTime",
            FieldPath::Currency => "/details/currency",
            FieldPath::DealValue => "/details/dealValue",
            FieldPath::Notes => "/details/notes",
            FieldPath::Solutions => "/details/requirements/solutions",
            FieldPath::ExternalReferenceId => "/externalReferenceId",
            FieldPath::ReferralProgram => "/referralProgram",
            FieldPath::SalesStage => "/salesStage",
            FieldPath::Status => "/status",
            FieldPath::Substatus => "/substatus",
            FieldPath::StatusReason => "/statusReason",
            FieldPath::Team => "/team",
            FieldPath::Favorite => "/favorite",
            FieldPath::Registrations => "/registrations",
        }
    }

    /// The field's label in forms.
    pub fn label(self) -> &'static str {
        match self {
            FieldPath::Name => "Name",
            FieldPath::CampaignId => "Campaign id",
            FieldPath::ShareWithMicrosoft => "Share with Microsoft",
            FieldPath::Contacts => "Contacts",
            FieldPath::ClosingDate => "Closing date",
            FieldPath::Currency => "Currency",
            FieldPath::DealValue => "Deal value",
            FieldPath::Notes => "Notes",
            FieldPath::Solutions => "Solutions",
            FieldPath::ExternalReferenceId => "External reference",
            FieldPath::ReferralProgram => "Referral program",
            FieldPath::SalesStage => "Sales stage",
            FieldPath::Status => "Status",
            FieldPath::Substatus => "Substatus",
            FieldPath::StatusReason => "Status reason",
            FieldPath::Team => "Team",
            FieldPath::Favorite => "Favorite",
            FieldPath::Registrations => "Registrations",
        }
    }

    /// The editable field a JSON Pointer names exactly (not an entry under a collection).
    pub fn from_pointer(pointer: &str) -> Option<FieldPath> {
        FieldPath::EDITABLE
            .into_iter()
            .find(|f| f.pointer() == pointer)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pointer())
    }
}

/// The pointers of [`FieldPath::EDITABLE`], in the same order.
pub const EDITABLE_POINTERS: [&str; 16] = {
    let mut out = [""; 16];
    let mut i = 0;
    while i < out.len() {
        out[i] = FieldPath::EDITABLE[i].pointer();
        i += 1;
    }
    out
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_parse_back_to_their_field() {
        for f in FieldPath::EDITABLE {
            assert_eq!(FieldPath::from_pointer(f.pointer()), Some(f));
        }
        assert_eq!(FieldPath::from_pointer("/team/-"), None);
        assert_eq!(FieldPath::from_pointer("/id"), None);
        assert_eq!(FieldPath::from_pointer("/name"), None, "fixed at create");
        assert_eq!(FieldPath::from_pointer("/favorite"), None, "a local mark");
    }
}
