//! JSON Patch (RFC 6902, the `add` and `replace` subset the Referrals API accepts): the minimal
//! patch between two versions of a referral, and applying a patch to a JSON document.
//!
//! Choices (the public record is silent):
//! - A field that had a value and is now empty is sent as `replace` with `null`; the API has no
//!   `remove`.
//! - A collection that only grew is sent as one `add …/-` per new item; any other change to a
//!   collection replaces it whole. Registrations are the exception: new ones are `add
//!   /registrations/-` and a changed one gets a `replace` per changed leaf under
//!   `/registrations/{n}/`.
//! - Applying `add` creates missing intermediate objects (the service accepts
//!   `add /details/notes` on a referral without `details`).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::field::FieldPath;
use super::referral::Referral;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Replace,
}

/// One JSON Patch operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    pub op: Op,
    pub path: String,
    pub value: Value,
}

impl PatchOp {
    pub fn add(path: impl Into<String>, value: Value) -> Self {
        PatchOp {
            op: Op::Add,
            path: path.into(),
            value,
        }
    }
    pub fn replace(path: impl Into<String>, value: Value) -> Self {
        PatchOp {
            op: Op::Replace,
            path: path.into(),
            value,
        }
    }
}

/// A patch that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for PatchError {}

/// Reads a JSON Pointer (RFC 6901) from a document.
pub fn pointer<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(doc);
    }
    doc.pointer(path)
}

/// The minimal patch that turns `old` into `new`, limited to the editable fields of the spec.
/// Fields that are not editable are ignored even when they differ.
pub fn diff(old: &Referral, new: &Referral) -> Vec<PatchOp> {
    diff_values(&old.to_value(), &new.to_value())
}

/// [`diff`] on JSON documents.
pub fn diff_values(old: &Value, new: &Value) -> Vec<PatchOp> {
    let mut ops = Vec::new();
    for field in FieldPath::EDITABLE {
        let path = field.pointer();
        let a = pointer(old, path);
        let b = pointer(new, path);
        if field == FieldPath::Registrations {
            diff_registrations(a, b, &mut ops);
            continue;
        }
        match (a, b) {
            (None, None) => {}
            (Some(x), Some(y)) if x == y => {}
            (None, Some(Value::Null)) => {}
            (None, Some(y)) => ops.push(append_or_set(Op::Add, path, None, y)),
            (Some(Value::Null), Some(y)) => ops.push(PatchOp::add(path, y.clone())),
            (Some(_), None) => ops.push(PatchOp::replace(path, Value::Null)),
            (Some(x), Some(y)) => ops.push(append_or_set(Op::Replace, path, Some(x), y)),
        }
    }
    // A collection that only grew is written as appends; `append_or_set` marks those with an
    // array value to be split here so the order of items is kept.
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        if op.path.ends_with("/-")
            && let Value::Array(items) = op.value
        {
            out.extend(items.into_iter().map(|v| PatchOp::add(op.path.clone(), v)));
        } else {
            out.push(op);
        }
    }
    out
}

fn append_or_set(op: Op, path: &str, old: Option<&Value>, new: &Value) -> PatchOp {
    if let (Some(Value::Array(a)), Value::Array(b)) = (old, new)
        && !a.is_empty()
        && b.len() > a.len()
        && b[..a.len()] == a[..]
    {
        return PatchOp::add(format!("{path}/-"), Value::Array(b[a.len()..].to_vec()));
    }
    PatchOp {
        op,
        path: path.to_string(),
        value: new.clone(),
    }
}

fn diff_registrations(old: Option<&Value>, new: Option<&Value>, ops: &mut Vec<PatchOp>) {
    let empty = Vec::new();
    let a = old.and_then(Value::as_array).unwrap_or(&empty);
    let b = new.and_then(Value::as_array).unwrap_or(&empty);
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        diff_leaves(
            &format!("{}/{i}", FieldPath::Registrations.pointer()),
            x,
            y,
            ops,
        );
    }
    for item in b.iter().skip(a.len()) {
        ops.push(PatchOp::add(
            format!("{}/-", FieldPath::Registrations.pointer()),
            item.clone(),
        ));
    }
}

fn diff_leaves(path: &str, old: &Value, new: &Value, ops: &mut Vec<PatchOp>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, vb) in b {
                let p = format!("{path}/{}", escape(k));
                match a.get(k) {
                    Some(va) => diff_leaves(&p, va, vb, ops),
                    None => ops.push(PatchOp::add(p, vb.clone())),
                }
            }
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                ops.push(PatchOp::replace(
                    format!("{path}/{}", escape(k)),
                    Value::Null,
                ));
            }
        }
        _ => ops.push(PatchOp::replace(path, new.clone())),
    }
}

/// True when every editable field the user changed (`base` → `mine`) already has the user's value
/// in `theirs`: an edit whose answer was lost and whose retry met a 412 had in fact arrived.
pub fn already_applied(base: &Referral, mine: &Referral, theirs: &Referral) -> bool {
    let (b, m, t) = (base.to_value(), mine.to_value(), theirs.to_value());
    FieldPath::EDITABLE.iter().all(|f| {
        let p = f.pointer();
        let mv = pointer(&m, p);
        mv == pointer(&b, p) || mv == pointer(&t, p)
    })
}

/// Escapes one JSON Pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Applies `ops` to `doc` in order. On error the document may be partly changed; callers apply
/// to a copy and keep the original on failure.
pub fn apply(doc: &mut Value, ops: &[PatchOp]) -> Result<(), PatchError> {
    for op in ops {
        apply_one(doc, op)?;
    }
    Ok(())
}

fn apply_one(doc: &mut Value, op: &PatchOp) -> Result<(), PatchError> {
    let err = |m: &str| PatchError {
        path: op.path.clone(),
        message: m.to_string(),
    };
    let Some(rest) = op.path.strip_prefix('/') else {
        return Err(err("a path must start with /"));
    };
    let segments: Vec<String> = rest.split('/').map(unescape).collect();
    let (last, parents) = segments.split_last().ok_or_else(|| err("empty path"))?;
    let mut cur = doc;
    for (depth, seg) in parents.iter().enumerate() {
        // A missing container is made as what the next segment needs: `-` appends to a list.
        let next_is_append =
            segments.get(depth + 1).is_some_and(|s| s == "-") && depth + 1 == parents.len();
        let fresh = || {
            if next_is_append {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        cur = match cur {
            Value::Object(map) => {
                if !map.contains_key(seg) {
                    if op.op == Op::Replace {
                        return Err(err(&format!("`{seg}` does not exist; use add")));
                    }
                    map.insert(seg.clone(), fresh());
                }
                let child = map.get_mut(seg).expect("inserted above");
                if child.is_null() && op.op == Op::Add {
                    *child = fresh();
                }
                child
            }
            Value::Array(items) => {
                let i = index(seg, items.len(), false).map_err(|m| err(&m))?;
                &mut items[i]
            }
            _ => {
                return Err(err(&format!(
                    "`{seg}` is inside a value that is not an object or list"
                )));
            }
        };
    }
    match cur {
        Value::Object(map) => {
            if op.op == Op::Replace && !map.contains_key(last) {
                return Err(err(&format!("`{last}` does not exist; use add")));
            }
            map.insert(last.clone(), op.value.clone());
            Ok(())
        }
        Value::Array(items) => {
            if op.op == Op::Add {
                if last == "-" {
                    items.push(op.value.clone());
                } else {
                    let i = index(last, items.len(), true).map_err(|m| err(&m))?;
                    items.insert(i, op.value.clone());
                }
            } else {
                let i = index(last, items.len(), false).map_err(|m| err(&m))?;
                items[i] = op.value.clone();
            }
            Ok(())
        }
        Value::Null if op.op == Op::Add => {
            let mut map = Map::new();
            map.insert(last.clone(), op.value.clone());
            *cur = Value::Object(map);
            Ok(())
        }
        _ => Err(err("the parent is not an object or list")),
    }
}

fn index(seg: &str, len: usize, allow_end: bool) -> Result<usize, String> {
    if seg.is_empty()
        || !seg.bytes().all(|b| b.is_ascii_digit())
        || (seg.len() > 1 && seg.starts_with('0'))
    {
        return Err(format!("`{seg}` is not a list index"));
    }
    let i: usize = seg
        .parse()
        .map_err(|_| format!("`{seg}` is not a list index"))?;
    if i < len || (allow_end && i == len) {
        Ok(i)
    } else {
        Err(format!("index {i} is past the end of a list of {len}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(v: Value) -> Referral {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unchanged_referral_gives_empty_patch() {
        let a = r(json!({"id": "1", "name": "x", "team": [{"email": "a@b.co"}]}));
        assert!(diff(&a, &a.clone()).is_empty());
    }

    #[test]
    fn scalar_changes_are_replace_or_add_in_spec_order() {
        let a = r(json!({"name": "x", "details": {"dealValue": 10.0}}));
        let b = r(
            json!({"name": "y", "details": {"dealValue": 10.0, "notes": "hi"}, "favorite": true}),
        );
        // Name and favorite are not patchable: never in a patch.
        assert_eq!(
            diff(&a, &b),
            vec![PatchOp::add("/details/notes", json!("hi"))]
        );
    }

    #[test]
    fn read_only_fields_are_never_patched() {
        let a = r(json!({"id": "1", "organizationName": "A"}));
        let b = r(json!({"id": "2", "organizationName": "B"}));
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn grown_collections_are_appends_and_others_replace() {
        let a = r(json!({"team": [{"email": "a@x.co"}]}));
        let b = r(json!({"team": [{"email": "a@x.co"}, {"email": "b@x.co"}, {"email": "c@x.co"}]}));
        assert_eq!(
            diff(&a, &b),
            vec![
                PatchOp::add("/team/-", json!({"email": "b@x.co"})),
                PatchOp::add("/team/-", json!({"email": "c@x.co"})),
            ]
        );
        let c = r(json!({"team": [{"email": "z@x.co"}]}));
        assert_eq!(
            diff(&a, &c),
            vec![PatchOp::replace("/team", json!([{"email": "z@x.co"}]))]
        );
    }

    #[test]
    fn cleared_fields_become_null() {
        let a = r(json!({"campaignId": "c1"}));
        let b = r(json!({}));
        assert_eq!(
            diff(&a, &b),
            vec![PatchOp::replace("/campaignId", Value::Null)]
        );
    }

    #[test]
    fn registrations_append_and_update_leaves() {
        let a = r(
            json!({"registrations": [{"status": "ActionRequired", "contract": {"value": 1.0, "currency": "USD"}}]}),
        );
        let b = r(json!({"registrations": [
            {"status": "ActionRequired", "contract": {"value": 2.0, "currency": "USD"}},
            {"type": "AzureIPCoSell"}
        ]}));
        assert_eq!(
            diff(&a, &b),
            vec![
                PatchOp::replace("/registrations/0/contract/value", json!(2.0)),
                PatchOp::add("/registrations/-", json!({"type": "AzureIPCoSell"})),
            ]
        );
    }

    #[test]
    fn diff_then_apply_reproduces_the_editable_part() {
        let a = json!({"id": "1", "campaignId": "x", "team": [{"email": "a@x.co"}], "details": {"currency": "USD"},
            "registrations": [{"contract": {"value": 1.0}}]});
        let b = json!({"id": "1", "campaignId": "y", "team": [{"email": "a@x.co"}, {"email": "b@x.co"}],
            "details": {"currency": "EUR", "notes": "n"}, "status": "Active",
            "registrations": [{"contract": {"value": 3.0}}, {"type": "AzureIPCoSell"}]});
        let ops = diff_values(&a, &b);
        let mut doc = a.clone();
        apply(&mut doc, &ops).unwrap();
        assert_eq!(doc, b);
    }

    #[test]
    fn apply_follows_rfc6902_for_add_and_replace() {
        let mut doc = json!({"a": [1, 2], "o": {"k": 1}});
        apply(
            &mut doc,
            &[
                PatchOp::add("/a/1", json!(9)),
                PatchOp::add("/a/-", json!(3)),
            ],
        )
        .unwrap();
        assert_eq!(doc["a"], json!([1, 9, 2, 3]));
        apply(
            &mut doc,
            &[
                PatchOp::replace("/o/k", json!(2)),
                PatchOp::add("/n/deep", json!(true)),
            ],
        )
        .unwrap();
        assert_eq!(doc["o"]["k"], 2);
        assert_eq!(doc["n"]["deep"], true);
        assert!(apply(&mut doc, &[PatchOp::replace("/missing", json!(1))]).is_err());
        assert!(apply(&mut doc, &[PatchOp::replace("/a/7", json!(1))]).is_err());
        assert!(apply(&mut doc, &[PatchOp::add("/a/01", json!(1))]).is_err());
        assert!(apply(&mut doc, &[PatchOp::add("nope", json!(1))]).is_err());
        assert!(apply(&mut doc, &[PatchOp::add("/o/k/x", json!(1))]).is_err());
        let mut absent = json!({"registrations": null});
        apply(
            &mut absent,
            &[
                PatchOp::add("/registrations/-", json!({"a": 1})),
                PatchOp::add("/tags/-", json!("x")),
            ],
        )
        .unwrap();
        assert_eq!(absent, json!({"registrations": [{"a": 1}], "tags": ["x"]}));
        let mut esc = json!({});
        apply(&mut esc, &[PatchOp::add("/a~1b", json!(1))]).unwrap();
        assert_eq!(esc["a/b"], 1);
    }
}
