//! The exact tokens of a filter as a Partner Center OData `$filter`, for narrowing on the
//! server (see partner-center.md, "Query").

use super::{Cond, Filter, Interval, Term};
use crate::domain::time::format_datetime;

/// Quotes a string for an OData `$filter`: single quotes, embedded quotes doubled.
pub fn odata_string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Filter {
    /// The exact tokens as a Partner Center OData `$filter` (see partner-center.md, "Query"),
    /// joined by ` and `, for narrowing on the server. Free words, `mkto:` and `value` (compared
    /// across currencies) are local only and left out; `None` when nothing remains.
    pub fn to_odata(&self) -> Option<String> {
        let parts: Vec<String> = self.terms.iter().filter_map(Term::to_odata).collect();
        (!parts.is_empty()).then(|| parts.join(" and "))
    }
}

impl Term {
    fn to_odata(&self) -> Option<String> {
        let clauses = self.cond.odata_clauses()?;
        Some(if self.negated {
            format!("not ({})", clauses.join(self.cond.odata_joiner()))
        } else if clauses.len() == 1 {
            clauses.join("")
        } else {
            format!("({})", clauses.join(self.cond.odata_joiner()))
        })
    }
}

impl Cond {
    /// The OData comparisons of this condition, to be joined by [`Cond::odata_joiner`];
    /// `None` for local-only conditions.
    fn odata_clauses(&self) -> Option<Vec<String>> {
        match self {
            Cond::OneOf { field, values } => {
                let path = field.odata_path()?;
                Some(
                    values
                        .iter()
                        .map(|v| format!("{path} eq {}", odata_string_literal(v)))
                        .collect(),
                )
            }
            // Values compare in the reporting currency, which the server cannot convert to:
            // value tokens are applied locally.
            Cond::Value(_) => None,
            Cond::Date { field, interval } => {
                Some(interval.odata(field.odata_path(), format_datetime))
            }
            Cond::Favorite => Some(vec!["favorite eq true".to_string()]),
        }
    }

    fn odata_joiner(&self) -> &'static str {
        match self {
            Cond::OneOf { .. } => " or ",
            _ => " and ",
        }
    }
}

impl<T: PartialOrd + Copy> Interval<T> {
    /// The OData comparisons (`path gt x`, …) of the bounds; one `eq` for a single point.
    fn odata(&self, path: &str, show: impl Fn(&T) -> String) -> Vec<String> {
        if let (Some(lo), Some(hi)) = (self.lo, self.hi)
            && lo.inclusive
            && hi.inclusive
            && lo.at == hi.at
        {
            return vec![format!("{path} eq {}", show(&lo.at))];
        }
        let lo = self.lo.map(|e| {
            format!(
                "{path} {} {}",
                if e.inclusive { "ge" } else { "gt" },
                show(&e.at)
            )
        });
        let hi = self.hi.map(|e| {
            format!(
                "{path} {} {}",
                if e.inclusive { "le" } else { "lt" },
                show(&e.at)
            )
        });
        lo.into_iter().chain(hi).collect()
    }
}
