//! The evaluator: tests an expression against a document.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{CmpOp, Expr, Fields, LambdaKind, Literal, Operand, Path};
use crate::domain::time::parse_datetime;

type Env = Vec<(String, Value)>;

pub(super) fn eval(expr: &Expr, doc: &dyn Fields, env: &mut Env) -> bool {
    match expr {
        Expr::Or(a, b) => eval(a, doc, env) || eval(b, doc, env),
        Expr::And(a, b) => eval(a, doc, env) && eval(b, doc, env),
        Expr::Not(e) => !eval(e, doc, env),
        Expr::Truthy(o) => matches!(operand(o, doc, env).as_deref(), Some(Value::Bool(true))),
        Expr::Cmp(a, op, b) => compare(a, *op, b, doc, env),
        Expr::Lambda {
            collection,
            kind,
            var,
            predicate,
        } => {
            let Some(Value::Array(items)) = resolve(collection, doc, env).map(Cow::into_owned)
            else {
                return *kind == LambdaKind::All;
            };
            let Some(pred) = predicate else {
                return !items.is_empty();
            };
            let name = var.clone().unwrap_or_default();
            let mut test = |item: Value| {
                env.push((name.clone(), item));
                let ok = eval(pred, doc, env);
                env.pop();
                ok
            };
            match kind {
                LambdaKind::Any => items.into_iter().any(&mut test),
                LambdaKind::All => items.into_iter().all(&mut test),
            }
        }
    }
}

fn resolve<'a>(path: &Path, doc: &'a dyn Fields, env: &Env) -> Option<Cow<'a, Value>> {
    let (first, rest) = path.segments.split_first()?;
    match env.iter().rev().find(|(n, _)| n == first) {
        Some((_, item)) => item.field(rest).map(|v| Cow::Owned(v.into_owned())),
        None => doc.field(&path.segments),
    }
}

fn operand<'a>(o: &'a Operand, doc: &'a dyn Fields, env: &Env) -> Option<Cow<'a, Value>> {
    match o {
        Operand::Path(p) => resolve(p, doc, env),
        Operand::Lit(Literal::Bool(b)) => Some(Cow::Owned(Value::Bool(*b))),
        Operand::Lit(_) => None,
    }
}

/// A comparable value: JSON from a document or a literal.
enum V<'a> {
    Json(Option<Cow<'a, Value>>),
    Lit(&'a Literal),
}

fn side<'a>(o: &'a Operand, doc: &'a dyn Fields, env: &Env) -> V<'a> {
    match o {
        Operand::Lit(l) => V::Lit(l),
        Operand::Path(p) => V::Json(resolve(p, doc, env)),
    }
}

fn compare(a: &Operand, op: CmpOp, b: &Operand, doc: &dyn Fields, env: &Env) -> bool {
    let (x, y) = (side(a, doc, env), side(b, doc, env));
    if is_null(&x) || is_null(&y) {
        let both = is_null(&x) && is_null(&y);
        return match op {
            CmpOp::Eq => both,
            CmpOp::Ne => !both,
            _ => false,
        };
    }
    match order(&x, &y) {
        None => op == CmpOp::Ne,
        Some(ord) => match op {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
        },
    }
}

fn is_null(v: &V) -> bool {
    match v {
        V::Json(None) => true,
        V::Json(Some(j)) => j.is_null(),
        V::Lit(l) => **l == Literal::Null,
    }
}

/// Scalars normalised for comparison.
enum Scalar<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    Time(DateTime<Utc>),
    Guid(&'a str),
}

fn scalar<'a>(v: &'a V<'a>) -> Option<Scalar<'a>> {
    match v {
        V::Lit(Literal::Str(s)) => Some(Scalar::Str(s)),
        V::Lit(Literal::Num(n)) => Some(Scalar::Num(*n)),
        V::Lit(Literal::Bool(b)) => Some(Scalar::Bool(*b)),
        V::Lit(Literal::DateTime(d)) => Some(Scalar::Time(*d)),
        V::Lit(Literal::Guid(g)) => Some(Scalar::Guid(g)),
        V::Lit(Literal::Null) | V::Json(None) => None,
        V::Json(Some(j)) => match j.as_ref() {
            Value::String(s) => Some(Scalar::Str(s)),
            Value::Number(n) => n.as_f64().map(Scalar::Num),
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            _ => None,
        },
    }
}

fn order(x: &V, y: &V) -> Option<Ordering> {
    use Scalar::*;
    match (scalar(x)?, scalar(y)?) {
        (Str(a), Str(b)) => Some(a.cmp(b)),
        (Num(a), Num(b)) => a.partial_cmp(&b),
        (Bool(a), Bool(b)) => Some(a.cmp(&b)),
        (Time(a), Time(b)) => Some(a.cmp(&b)),
        (Time(t), Str(s)) => parse_datetime(s).map(|d| t.cmp(&d)),
        (Str(s), Time(t)) => parse_datetime(s).map(|d| d.cmp(&t)),
        (Guid(a), Guid(b)) => Some(a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())),
        (Guid(g), Str(s)) => Some(g.to_ascii_lowercase().cmp(&s.to_ascii_lowercase())),
        (Str(s), Guid(g)) => Some(s.to_ascii_lowercase().cmp(&g.to_ascii_lowercase())),
        _ => None,
    }
}
