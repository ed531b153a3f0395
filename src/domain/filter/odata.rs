//! The exact tokens of a filter that go to the server as a Partner Center OData `$filter`.
//!
//! Only what the docs list is sent (learn.microsoft.com, partner-center/developer/
//! get-a-list-of-referrals: `$filter` on engagementId, status, substatus, updatedDateTime and
//! email; the examples use `eq` and `and` only): a `status:` or `sub:` token with one value,
//! not negated, becomes `status eq 'New'`. Every other token (comma lists, which would need
//! `or`; negations; comparisons; the other fields; `fav`; words) is applied locally to what
//! the server returns.

use super::{Cond, Filter, ListField, Term};

/// Quotes a string for an OData `$filter`: single quotes, embedded quotes doubled.
pub fn odata_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Filter {
    /// The tokens the server can apply as a documented OData `$filter` (see the module notes),
    /// joined by ` and `; `None` when none can. The rest must be applied locally.
    pub fn to_odata(&self) -> Option<String> {
        let parts: Vec<String> = self.terms.iter().filter_map(Term::to_odata).collect();
        (!parts.is_empty()).then(|| parts.join(" and "))
    }
}

impl Term {
    fn to_odata(&self) -> Option<String> {
        if self.negated {
            return None;
        }
        match &self.cond {
            Cond::OneOf { field, values } => match (field.odata_path()?, values.as_slice()) {
                (path, [one]) => Some(format!("{path} eq {}", odata_string_literal(one))),
                _ => None,
            },
            Cond::Value(_) | Cond::Date { .. } | Cond::Favorite => None,
        }
    }
}

impl ListField {
    /// The OData path on the server for the fields the docs list under `$filter`; `None` for
    /// the fields filtered locally only.
    pub fn odata_path(self) -> Option<&'static str> {
        match self {
            ListField::Status => Some("status"),
            ListField::Substatus => Some("substatus"),
            _ => None,
        }
    }
}
