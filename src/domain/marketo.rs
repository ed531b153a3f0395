//! Marketo Sales Insight sync: what refdeck knows about a referral's presence in Marketo
//! (`../shared/spec/marketo.md`).

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
