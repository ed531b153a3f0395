//! The OData `$filter` subset the Referrals API understands: a parser and an evaluator over JSON.
//!
//! Grammar (keywords are case-insensitive):
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | compare
//! compare := operand (("eq"|"ne"|"gt"|"ge"|"lt"|"le") operand)?
//! operand := "(" expr ")" | literal | path
//! path    := name ("/" name)* ("/" ("any"|"all") "(" (var ":" expr)? ")")?
//! literal := 'text' ('' escapes a quote) | number | true | false | null
//!          | datetime (2026-01-01T00:00:00Z, unquoted) | guid (unquoted)
//! ```
//! A path on its own is true when it holds `true`; a lambda is true when any (all) items of the
//! collection satisfy its predicate (`any()` with no predicate: the collection is not empty).
//! Inside a lambda, a path that starts with the lambda's variable reads the item.
//!
//! Evaluation (choices where OData leaves room):
//! - A missing field is `null`. `x eq null` is true when the field is missing or null; ordering
//!   comparisons with `null` are false. A path that runs into a list without `any`/`all` reads
//!   as `null`.
//! - Strings compare case-sensitively (as OData does); guids compare case-insensitively.
//! - An unquoted datetime compares as an instant with a string field that holds a date-time;
//!   quoted strings compare as text.
//! - Values of different types are not equal (`ne` is true) and have no order.
//!
//! Errors carry the 0-based character position in the filter text.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

mod eval;
mod lex;
mod parse;

use eval::eval;

/// A syntax error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 0-based character offset into the filter text.
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at position {})", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}

/// A parsed filter, ready to test documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: Expr,
}

/// Something a filter can be tested against: gives the JSON at a path of object keys
/// (`None` when a step is missing or is not an object).
pub trait Fields {
    fn field(&self, path: &[String]) -> Option<Cow<'_, Value>>;
}

impl Fields for Value {
    fn field(&self, path: &[String]) -> Option<Cow<'_, Value>> {
        path.iter()
            .try_fold(self, |v, seg| v.get(seg.as_str()))
            .map(Cow::Borrowed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LambdaKind {
    Any,
    All,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    Guid(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Path {
    segments: Vec<String>,
    position: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Lit(Literal),
    Path(Path),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, CmpOp, Operand),
    Lambda {
        collection: Path,
        kind: LambdaKind,
        var: Option<String>,
        predicate: Option<Box<Expr>>,
    },
    /// A bare path or literal used as a condition.
    Truthy(Operand),
}

impl Filter {
    /// True when `doc` satisfies the filter.
    pub fn matches(&self, doc: &dyn Fields) -> bool {
        eval(&self.expr, doc, &mut Vec::new())
    }

    /// The top-level property names the filter reads (outside lambda variables), with their
    /// positions, so a caller can reject unknown properties.
    pub fn properties(&self) -> Vec<(&str, usize)> {
        let mut out = Vec::new();
        collect_properties(&self.expr, &mut Vec::new(), &mut out);
        out
    }
}

fn collect_properties<'a>(
    expr: &'a Expr,
    vars: &mut Vec<&'a str>,
    out: &mut Vec<(&'a str, usize)>,
) {
    let mut path = |p: &'a Path, vars: &Vec<&'a str>| {
        if let Some(first) = p.segments.first()
            && !vars.contains(&first.as_str())
        {
            out.push((first.as_str(), p.position));
        }
    };
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            collect_properties(a, vars, out);
            collect_properties(b, vars, out);
        }
        Expr::Not(e) => collect_properties(e, vars, out),
        Expr::Cmp(a, _, b) => {
            for o in [a, b] {
                if let Operand::Path(p) = o {
                    path(p, vars);
                }
            }
        }
        Expr::Truthy(Operand::Path(p)) => path(p, vars),
        Expr::Truthy(Operand::Lit(_)) => {}
        Expr::Lambda {
            collection,
            var,
            predicate,
            ..
        } => {
            path(collection, vars);
            if let Some(pred) = predicate {
                vars.extend(var.as_deref());
                collect_properties(pred, vars, out);
                if var.is_some() {
                    vars.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "id": "r1",
            "name": "O'Brien supply chain",
            "status": "New",
            "favorite": true,
            "engagementId": "5C6148AB-b8d7-46aa-95c5-89a6a22d5a21",
            "createdDateTime": "2026-01-15T10:00:00Z",
            "details": {"dealValue": 25000.0, "currency": "USD"},
            "customerProfile": {"address": {"country": "US"}, "team": [{"email": "x@y.com"}]},
            "team": [{"email": "a@b.com", "firstName": "Ann"}, {"email": "c@d.com"}],
            "tags": ["priority", "renewal"],
            "campaignId": null
        })
    }

    fn m(f: &str) -> bool {
        Filter::parse(f)
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .matches(&doc())
    }

    fn err(f: &str) -> FilterError {
        Filter::parse(f).expect_err(f)
    }

    #[test]
    fn comparisons_and_logic() {
        assert!(m("status eq 'New'"));
        assert!(!m("status eq 'new'"));
        assert!(m("status ne 'Active'"));
        assert!(m(
            "details/dealValue gt 10000 and details/dealValue le 25000"
        ));
        assert!(!m("details/dealValue lt 25000"));
        assert!(m("details/dealValue ge 2.5e4"));
        assert!(m("status eq 'Active' or details/currency eq 'USD'"));
        assert!(m("not (status eq 'Active')"));
        assert!(m("NOT status EQ 'Closed' AND favorite Eq TRUE"));
        assert!(m("(status eq 'Closed' or status eq 'New') and favorite"));
        assert!(!m("status eq 'Closed' or status eq 'New' and not favorite"));
        assert!(m("favorite"));
        assert!(m("name eq 'O''Brien supply chain'"));
        assert!(m("details/dealValue gt -1"));
    }

    #[test]
    fn nulls_and_missing_fields() {
        assert!(m("campaignId eq null"));
        assert!(m("externalReferenceId eq null"));
        assert!(m("name ne null"));
        assert!(!m("missing gt 3"));
        assert!(!m("missing lt 3"));
        assert!(m("missing ne 3"));
        assert!(
            !m("team/email eq 'a@b.com'"),
            "a list without any() reads as null"
        );
        assert!(m("status ne 5"), "different types are not equal");
    }

    #[test]
    fn nested_paths_and_lambdas() {
        assert!(m("customerProfile/address/country eq 'US'"));
        assert!(m("team/any(t:t/email eq 'a@b.com')"));
        assert!(m(
            "team/ANY( t : t/email eq 'c@d.com' and t/firstName eq null)"
        ));
        assert!(!m("team/any(t:t/email eq 'z@b.com')"));
        assert!(m("team/all(t:t/email ne null)"));
        assert!(!m("team/all(t:t/firstName eq 'Ann')"));
        assert!(m("team/any()"));
        assert!(!m("registrations/any()"));
        assert!(
            m("registrations/all(r: r/status eq 'Passed')"),
            "all() of nothing"
        );
        assert!(m("tags/any(t: t eq 'renewal')"));
        assert!(m(
            "customerProfile/team/any(c: c/email eq 'x@y.com' and status eq 'New')"
        ));
        assert!(m(
            "team/any(a: tags/any(b: b eq 'priority') and a/email eq 'a@b.com')"
        ));
    }

    #[test]
    fn datetimes_and_guids() {
        assert!(m("createdDateTime gt 2026-01-01T00:00:00Z"));
        assert!(!m("createdDateTime lt 2026-01-15T11:00:00+01:00"));
        assert!(m("createdDateTime eq 2026-01-15T11:00:00+01:00"));
        assert!(m("createdDateTime ge 2026-01-15T10:00:00.000Z"));
        assert!(m("createdDateTime gt 2026-01-15"));
        assert!(
            m("createdDateTime gt '2026-01-01'"),
            "quoted: compared as text"
        );
        assert!(!m("createdDateTime eq '2026-01-15'"));
        assert!(m("engagementId eq 5c6148ab-b8d7-46aa-95c5-89a6a22d5a21"));
        assert!(m("engagementId eq '5C6148AB-b8d7-46aa-95c5-89a6a22d5a21'"));
        assert!(m("engagementId eq 5C6148AB-B8D7-46AA-95C5-89A6A22D5A21"));
        assert!(!m("engagementId eq 00000000-0000-0000-0000-000000000000"));
    }

    #[test]
    fn errors_name_the_position() {
        let e = err("status eq");
        assert_eq!(e.position, 9);
        assert!(e.message.contains("the filter ends"), "{e}");
        let e = err("status eq 'New");
        assert_eq!(e.position, 10);
        assert!(e.message.contains("not closed"));
        let e = err("status 'New'");
        assert_eq!(e.position, 7);
        assert!(e.message.contains("comparison operator"), "{e}");
        let e = err("(status eq 'New'");
        assert_eq!(e.position, 16);
        let e = err("contains(name, 'x')");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("not supported"));
        let e = err("status eq 'a' and");
        assert_eq!(e.position, 17);
        assert_eq!(err("x eq #").position, 5);
        assert_eq!(err("x eq 2026-13-45T00:00:00Z").position, 5);
        assert!(
            err("team/any(t:t/email eq 'a') eq true")
                .message
                .contains("any()")
        );
        assert!(err("team/all()").message.contains("condition"));
        assert!(err("").message.contains("the filter ends"));
        assert_eq!(err("a eq 1 b").position, 7);
        let deep = format!("{}a eq 1{}", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).message.contains("deeper"));
        assert_eq!(err("status eq 'x' or or").position, 17);
    }

    #[test]
    fn properties_skip_lambda_variables() {
        let f = Filter::parse("status eq 'New' and team/any(t: t/email eq 'x' and stauts eq 1)")
            .unwrap();
        assert_eq!(
            f.properties(),
            vec![("status", 0), ("team", 20), ("stauts", 51)]
        );
    }
}
