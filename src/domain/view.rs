//! Saved views: named filters shown as tabs above the list, each with its live count.
//!
//! A view is a name, a filter line in the filter language ([`crate::domain::filter`]) and an
//! optional sort. The list always starts with the tab **All** (no filter); then come the
//! shipped [`defaults`], then the views of the config file's `[[views]]` tables, then the ones
//! saved from the palette (`views.toml` beside the config file). A later view with the name of
//! an earlier one replaces it in place ([`merge`]); `views.toml` may also hide views by name
//! (`:view delete` of a view it did not save).
//!
//! The active view's filter is the base of the list; what the user types after `/` narrows it
//! (both must hold: the tokens and words of the two are joined, see [`combine`]).

use chrono::{DateTime, Utc};

use super::filter::{self, Filter};
use super::search::SortSpec;

/// The name of the first tab, which shows every referral.
pub const ALL: &str = "All";

/// One saved view.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: String,
    /// A filter line, as typed.
    pub filter: String,
    /// The order of the view; `None` keeps the list's own order.
    pub sort: Option<SortSpec>,
}

impl View {
    /// A view from its parts, checked: the error names the field (`name`, `filter`, `sort`)
    /// and the fix. `now` resolves relative dates only to check them.
    pub fn new(
        name: &str,
        filter_text: &str,
        sort: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<View, ViewError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ViewError::new(
                "name",
                "a view needs a name, e.g. name = \"To answer\"",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ViewError::new("name", "a view name is one line of text"));
        }
        if name.eq_ignore_ascii_case(ALL) {
            return Err(ViewError::new(
                "name",
                format!("`{ALL}` is the tab of every referral; choose another name"),
            ));
        }
        let parsed = filter::parse(filter_text, now);
        if let Some(e) = parsed.errors.first() {
            return Err(ViewError::new("filter", e.reason.clone()));
        }
        let sort = match sort {
            None => None,
            Some(s) => Some(SortSpec::parse(s).map_err(|e| ViewError::new("sort", e))?),
        };
        Ok(View {
            name: name.to_string(),
            filter: filter_text.trim().to_string(),
            sort,
        })
    }

    /// The view's filter, its relative dates resolved at `now`. A filter that no longer
    /// parses (it was checked when the view was made) keeps what it can read.
    pub fn parse_filter(&self, now: DateTime<Utc>) -> Filter {
        filter::parse(&self.filter, now).filter
    }
}

/// A view that cannot be used: which field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewError {
    /// `name`, `filter` or `sort`.
    pub field: &'static str,
    pub message: String,
}

impl ViewError {
    fn new(field: &'static str, message: impl Into<String>) -> ViewError {
        ViewError {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ViewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The views refdeck ships. "My active" is every active referral of the partner
/// organisation: a referral names its partner team members but refdeck does not know which
/// of them is signed in, so "my" is the organisation's.
pub fn defaults() -> Vec<View> {
    let view = |name: &str, filter: &str, sort: Option<SortSpec>| View {
        name: name.into(),
        filter: filter.into(),
        sort,
    };
    let by_expiry = Some(SortSpec {
        column: super::search::Column::Expires,
        descending: false,
    });
    vec![
        view("To answer", "status:new dir:incoming", by_expiry),
        view("Expiring", "status:new dir:incoming expires<48h", by_expiry),
        view("My active", "status:active", None),
        view("Won this quarter", "sub:won closed:quarter", None),
        view("Marketo missing", "mkto:missing", None),
    ]
}

/// `base` with `over` laid on it: a view of `over` with the name of one in `base` (ignoring
/// case) replaces it in place; the others are added at the end, in order.
pub fn merge(mut base: Vec<View>, over: impl IntoIterator<Item = View>) -> Vec<View> {
    for v in over {
        match base
            .iter_mut()
            .find(|b| b.name.eq_ignore_ascii_case(&v.name))
        {
            Some(slot) => *slot = v,
            None => base.push(v),
        }
    }
    base
}

/// The filter of the list: every token and word of the view's filter and of the typed one.
pub fn combine(view: &Filter, typed: &Filter) -> Filter {
    if view.is_empty() {
        return typed.clone();
    }
    let mut out = view.clone();
    out.terms.extend(typed.terms.iter().cloned());
    out.words.extend(typed.words.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReferralRow;
    use crate::domain::enums::*;
    use crate::domain::time::parse_datetime;

    fn now() -> DateTime<Utc> {
        parse_datetime("2026-06-15T12:00:00Z").unwrap()
    }

    #[test]
    fn every_default_view_parses() {
        for v in defaults() {
            let checked = View::new(&v.name, &v.filter, None, now());
            assert!(checked.is_ok(), "{}: {checked:?}", v.name);
        }
        assert_eq!(
            defaults()[0].sort.map(|s| s.column.as_str()),
            Some("expires")
        );
    }

    #[test]
    fn bad_views_name_the_field() {
        let e = View::new(" ", "status:new", None, now()).unwrap_err();
        assert_eq!(e.field, "name");
        let e = View::new("x", "stauts:new", None, now()).unwrap_err();
        assert_eq!(e.field, "filter");
        assert!(e.message.contains("unknown filter key `stauts`"), "{e}");
        let e = View::new("x", "", Some("sideways"), now()).unwrap_err();
        assert_eq!(e.field, "sort");
        let e = View::new("all", "", None, now()).unwrap_err();
        assert_eq!(e.field, "name");
    }

    #[test]
    fn later_views_replace_earlier_ones_by_name() {
        let v = |n: &str, f: &str| View::new(n, f, None, now()).unwrap();
        let merged = merge(
            vec![v("A", "status:new"), v("B", "fav")],
            [v("b", "mkto:missing"), v("C", "")],
        );
        let names: Vec<&str> = merged.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A", "b", "C"]);
        assert_eq!(merged[1].filter, "mkto:missing");
    }

    #[test]
    fn the_typed_filter_narrows_the_view() {
        let view = filter::parse("status:new", now()).filter;
        let typed = filter::parse("contoso", now()).filter;
        let both = combine(&view, &typed);
        let mut row = ReferralRow {
            name: "Contoso deal".into(),
            status: Status::New,
            ..ReferralRow::default()
        };
        let mut m = nucleo_matcher::Matcher::default();
        assert!(both.matches_row(&row, &mut m));
        row.status = Status::Active;
        assert!(!both.matches_row(&row, &mut m));
        row.status = Status::New;
        row.name = "Fabrikam".into();
        assert!(!both.matches_row(&row, &mut m));
    }
}
