//! String enumerations of the Partner Center Referrals API
//! (`../shared/spec/partner-center.md`, "Enumerations").
//!
//! Every enum keeps an `Unknown(String)` fallback: a value the service sends that this build does
//! not know is kept verbatim, shown as it is, and sent back unchanged. Parsing is
//! case-insensitive (the filter language and config files are typed by people) but the canonical
//! spelling is always what is serialised.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value that has words for people (every string enum here).
pub trait Labelled {
    /// The value in words; unknown values as they are.
    fn label(&self) -> String;
}

/// A documented wire value in words: `1to50employees` → `1–50 employees`,
/// `Morethan500employees` → `More than 500 employees`, `MarketingQualified` →
/// `Marketing qualified`, with the spec's acronyms kept upper case.
fn humanize(wire: &str) -> String {
    match wire {
        "AzureIPCoSell" => return "Azure IP co-sell".into(),
        "Duns" => return "DUNS".into(),
        _ => {}
    }
    let group = |n: &str| {
        n.parse::<u64>()
            .map(|v| {
                let digits = v.to_string();
                let mut out = String::new();
                for (i, c) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        out.push(',');
                    }
                    out.push(c);
                }
                out
            })
            .unwrap_or_else(|_| n.to_string())
    };
    if let Some(range) = wire.strip_suffix("employees") {
        if let Some(n) = range.strip_prefix("Morethan") {
            return format!("More than {} employees", group(n));
        }
        if let Some((a, b)) = range.split_once("to") {
            return format!("{}–{} employees", group(a), group(b));
        }
    }
    let mut out = String::new();
    for (i, c) in wire.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Declares a string enum with an `Unknown(String)` fallback, serde as a plain JSON string,
/// `Display`/`FromStr`, and `ALL` (the known variants in documented order).
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($variant:ident => $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The known values, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Parses the wire spelling, ignoring ASCII case; anything else is `Unknown`.
            pub fn parse(s: &str) -> Self {
                $(if s.eq_ignore_ascii_case($text) { return $name::$variant; })+
                $name::Unknown(s.to_string())
            }

            /// The value in words for people (`1–50 employees`, `Marketing qualified`); a
            /// value this build does not know is shown as it is.
            pub fn label(&self) -> String {
                match self {
                    $name::Unknown(s) => s.clone(),
                    known => humanize(known.as_str()),
                }
            }

            /// True when this is one of the documented values.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl Labelled for $name {
            fn label(&self) -> String {
                $name::label(self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::parse(s))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok($name::parse(&s))
            }
        }
    };
}

string_enum!(
    /// Referral status.
    Status {
        None => "None",
        New => "New",
        Active => "Active",
        Closed => "Closed",
    }
);

string_enum!(
    /// Referral substatus.
    Substatus {
        None => "None",
        Pending => "Pending",
        Received => "Received",
        Accepted => "Accepted",
        Won => "Won",
        Lost => "Lost",
        Declined => "Declined",
        Expired => "Expired",
    }
);

string_enum!(
    /// Independent (partner only) or Shared (co-sell with Microsoft).
    ReferralType {
        Independent => "Independent",
        Shared => "Shared",
    }
);

string_enum!(
    /// How the referral was qualified.
    Qualification {
        None => "None",
        Direct => "Direct",
        MarketingQualified => "MarketingQualified",
        SalesQualified => "SalesQualified",
    }
);

string_enum!(
    /// Incoming (someone sent it to us) or Outgoing (we created it).
    Direction {
        Incoming => "Incoming",
        Outgoing => "Outgoing",
    }
);

string_enum!(
    /// What kind of help Microsoft was asked for.
    AssistanceRequestCode {
        Unknown_ => "Unknown",
        GeneralOrOther => "GeneralOrOther",
        CustomerTechnicalArchitecture => "CustomerTechnicalArchitecture",
        ProofOfConceptOrDemo => "ProofOfConceptOrDemo",
        QuotesOrLicensing => "QuotesOrLicensing",
        PostSalesCustomerSuccess => "PostSalesCustomerSuccess",
        WorkloadSpecificValueProposition => "WorkloadSpecificValueProposition",
    }
);

string_enum!(
    /// Sales stage of an active deal.
    SalesStage {
        Qualify => "Qualify",
        Develop => "Develop",
        Propose => "Propose",
        Close => "Close",
    }
);

string_enum!(
    /// Customer company size band.
    CompanySize {
        S1to9 => "1to9employees",
        S10to50 => "10to50employees",
        S51to250 => "51to250employees",
        S251to1000 => "251to1000employees",
        S1001to5000 => "1001to5000employees",
        S5001to10000 => "5001to10000employees",
        S10001to20000 => "10001to20000employees",
        MoreThan20000 => "Morethan20000employees",
        S1to50 => "1to50employees",
        S51to500 => "51to500employees",
        MoreThan500 => "Morethan500employees",
    }
);

string_enum!(
    /// Deal-registration status, on the referral and on each registration.
    RegistrationStatus {
        None => "None",
        ReviewPending => "ReviewPending",
        ActionRequired => "ActionRequired",
        Passed => "Passed",
        Failed => "Failed",
        Approved => "Approved",
    }
);

string_enum!(
    /// Kind of routing target.
    TargetType {
        None => "None",
        BusinessProfileLocation => "BusinessProfileLocation",
        SolutionProfile => "SolutionProfile",
    }
);

string_enum!(
    /// Kind of customer identifier.
    ProfileType {
        Duns => "Duns",
        External => "External",
    }
);

string_enum!(
    /// How a solution reference is interpreted.
    SolutionType {
        None => "None",
        Category => "Category",
        Name => "Name",
    }
);

string_enum!(
    /// Where the registered solution is mainly deployed.
    PrimaryDeployment {
        Customer => "Customer",
        Partner => "Partner",
    }
);

string_enum!(
    /// Pricing model of a registered solution.
    PricingModel {
        PayAsYouGo => "PayAsYouGo",
        Other => "Other",
    }
);

string_enum!(
    /// Contract term of a deal registration.
    ContractTerm {
        Finite => "Finite",
        Perpetual => "Perpetual",
    }
);

string_enum!(
    /// Deal-registration type; the only documented one is Azure IP co-sell.
    RegistrationType {
        AzureIpCoSell => "AzureIPCoSell",
    }
);

string_enum!(
    /// Why a referral was declined or lost; written to `statusReason`.
    /// The wire strings are our choice (the public record lists the reasons in words only).
    DeclineReason {
        BudgetInsufficient => "BudgetInsufficient",
        CustomerUnresponsive => "CustomerUnresponsive",
        ChoseAnotherVendor => "ChoseAnotherVendor",
        RequirementsNotMet => "RequirementsNotMet",
        NotACustomer => "NotACustomer",
        TimelineTooShort => "TimelineTooShort",
        Spam => "Spam",
        Other => "Other",
    }
);

macro_rules! default_variant {
    ($($name:ident => $variant:ident),+ $(,)?) => {
        $(impl Default for $name {
            fn default() -> Self {
                $name::$variant
            }
        })+
    };
}

default_variant!(
    Status => None,
    Substatus => None,
    Qualification => None,
    RegistrationStatus => None,
    TargetType => None,
    SolutionType => None,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_exactly() {
        for s in Status::ALL {
            let json = serde_json::to_string(s).unwrap();
            let back: Status = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, s);
        }
        assert_eq!(
            CompanySize::parse("Morethan20000employees"),
            CompanySize::MoreThan20000
        );
        assert_eq!(RegistrationType::AzureIpCoSell.as_str(), "AzureIPCoSell");
        assert_eq!(
            AssistanceRequestCode::parse("unknown"),
            AssistanceRequestCode::Unknown_
        );
    }

    #[test]
    fn unknown_values_are_kept_verbatim() {
        let s: Substatus = serde_json::from_str("\"OnHold\"").unwrap();
        assert_eq!(s, Substatus::Unknown("OnHold".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"OnHold\"");
        assert!(!s.is_known());
    }

    #[test]
    fn parse_ignores_case() {
        assert_eq!(Status::parse("new"), Status::New);
        assert_eq!(Direction::parse("INCOMING"), Direction::Incoming);
    }

    #[test]
    fn every_value_has_a_human_label_and_unknown_ones_stay_as_they_are() {
        assert_eq!(CompanySize::S1to50.label(), "1–50 employees");
        assert_eq!(CompanySize::S1001to5000.label(), "1,001–5,000 employees");
        assert_eq!(CompanySize::MoreThan500.label(), "More than 500 employees");
        assert_eq!(
            Qualification::MarketingQualified.label(),
            "Marketing qualified"
        );
        assert_eq!(
            AssistanceRequestCode::ProofOfConceptOrDemo.label(),
            "Proof of concept or demo"
        );
        assert_eq!(RegistrationStatus::ReviewPending.label(), "Review pending");
        assert_eq!(RegistrationType::AzureIpCoSell.label(), "Azure IP co-sell");
        assert_eq!(ProfileType::Duns.label(), "DUNS");
        assert_eq!(PricingModel::PayAsYouGo.label(), "Pay as you go");
        assert_eq!(DeclineReason::NotACustomer.label(), "Not a customer");
        assert_eq!(Status::New.label(), "New");
        assert_eq!(CompanySize::parse("7to8Robots").label(), "7to8Robots");
        for size in CompanySize::ALL {
            assert!(!size.label().contains("employees") || size.label().contains(' '));
        }
    }
}
