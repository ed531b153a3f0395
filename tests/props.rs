//! Property tests: the validators, the JSON Patch builder and referral parsing hold up on any
//! input (no panic) and keep their promises (accepted values re-validate, a patch rebuilds the
//! target, a valid referral round-trips).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use refdeck::domain::patch::{apply, diff, diff_values, pointer};
use refdeck::domain::referral::Referral;
use refdeck::domain::rules::EDITABLE_PATHS;
use refdeck::domain::time::format_datetime;
use refdeck::domain::validate;
use serde_json::{Map, Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Strings that reach the interesting branches: text validators' alphabets, plus anything.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9@._+ ()-]{0,40}",
        "[A-Za-z]{2,3}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?",
        "[+]?[0-9 .,_eE-]{0,20}",
        "[a-z]{1,8}@[a-z]{1,8}\\.[a-z]{2,3}",
    ]
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[a-zA-Z0-9 ~/]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/]{0,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn text_validators_never_panic_and_accepted_values_revalidate(s in text()) {
        type TextCheck = fn(&str, &str) -> validate::Check<String>;
        let checks: [(&str, TextCheck); 5] = [
            ("required", validate::required),
            ("email", validate::email),
            ("phone", validate::phone),
            ("currency", validate::currency),
            ("country", validate::country),
        ];
        for (name, check) in checks {
            match check(name, &s) {
                Ok(v) => prop_assert_eq!(check(name, &v), Ok(v.clone()), "{} of {:?}", name, s),
                Err(e) => {
                    prop_assert_eq!(e.field.as_str(), name);
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
        if let Ok(v) = validate::max_len("notes", &s, 10) {
            prop_assert!(v.chars().count() <= 10);
        }
    }

    #[test]
    fn dates_and_amounts_never_panic_and_accepted_values_revalidate(s in text()) {
        if let Ok(d) = validate::datetime("closing", &s) {
            prop_assert_eq!(validate::datetime("closing", &format_datetime(&d)), Ok(d));
        }
        if let Ok(v) = validate::amount("value", &s) {
            prop_assert!(v.is_finite() && v >= 0.0);
            prop_assert_eq!(validate::amount("value", &v.to_string()), Ok(v));
            prop_assert_eq!(validate::non_negative("value", v), Ok(v));
        }
    }

    #[test]
    fn non_negative_accepts_exactly_finite_numbers_from_zero(v in any::<f64>()) {
        let ok = validate::non_negative("value", v).is_ok();
        prop_assert_eq!(ok, v.is_finite() && v >= 0.0);
    }
}

/// The editable paths the generic builder works on (registrations have their own property).
fn plain_paths() -> Vec<&'static str> {
    EDITABLE_PATHS
        .iter()
        .copied()
        .filter(|p| *p != "/registrations")
        .collect()
}

/// Sets `path` in `doc`, creating parent objects.
fn set(doc: &mut Value, path: &str, v: Value) {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut cur = doc;
    for seg in &segments[..segments.len() - 1] {
        let map = cur.as_object_mut().expect("parents are objects");
        cur = map
            .entry(seg.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Some(map) = cur.as_object_mut() {
        map.insert(segments[segments.len() - 1].to_string(), v);
    }
}

/// How a field changes from the old document to the new one.
#[derive(Debug, Clone)]
enum Change {
    Keep,
    Drop,
    Set(Value),
    Append(Vec<Value>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        2 => Just(Change::Keep),
        1 => Just(Change::Drop),
        2 => json_value().prop_map(Change::Set),
        1 => prop::collection::vec(json_value(), 1..3).prop_map(Change::Append),
    ]
}

/// Old and new documents over the editable fields, plus an unrelated read-only field.
fn doc_pair() -> impl Strategy<Value = (Value, Value)> {
    let n = plain_paths().len();
    (
        prop::collection::vec(prop::option::of(json_value()), n),
        prop::collection::vec(change(), n),
        json_value(),
        json_value(),
    )
        .prop_map(|(olds, changes, id_a, id_b)| {
            let (mut old, mut new) = (json!({"id": id_a}), json!({"id": id_b}));
            for ((path, before), change) in plain_paths().into_iter().zip(olds).zip(changes) {
                if let Some(v) = &before {
                    set(&mut old, path, v.clone());
                }
                let after = match (change, before) {
                    (Change::Keep, b) => b,
                    (Change::Drop, _) => None,
                    (Change::Set(v), _) => Some(v),
                    (Change::Append(items), Some(Value::Array(mut a))) => {
                        a.extend(items);
                        Some(Value::Array(a))
                    }
                    (Change::Append(items), _) => Some(Value::Array(items)),
                };
                if let Some(v) = after {
                    set(&mut new, path, v);
                }
            }
            (old, new)
        })
}

/// Absent and `null` are the same to the API (see patch.rs): drop null members everywhere.
fn normal(v: Option<&Value>) -> Value {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    v.map_or(Value::Null, strip)
}

/// Old and new registration lists: each old one changed or kept, then new ones appended.
fn registrations_pair() -> impl Strategy<Value = (Value, Value)> {
    let item = || prop::collection::btree_map("[a-z~/]{0,3}", json_value(), 0..4);
    (
        prop::collection::vec((item(), prop::option::of(item())), 0..3),
        prop::collection::vec(item(), 0..2),
    )
        .prop_map(|(pairs, added)| {
            let obj = |m: std::collections::BTreeMap<String, Value>| {
                Value::Object(m.into_iter().collect())
            };
            let old: Vec<Value> = pairs.iter().map(|(a, _)| obj(a.clone())).collect();
            let mut new: Vec<Value> = pairs
                .into_iter()
                .map(|(a, b)| obj(b.unwrap_or(a)))
                .collect();
            new.extend(added.into_iter().map(obj));
            (json!({"registrations": old}), json!({"registrations": new}))
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn applying_the_diff_rebuilds_the_editable_fields((old, new) in doc_pair()) {
        let ops = diff_values(&old, &new);
        prop_assert!(ops.iter().all(|op| op.path.starts_with('/')));
        let mut doc = old.clone();
        apply(&mut doc, &ops).map_err(|e| TestCaseError::fail(format!("{e}: {ops:?}")))?;
        for path in plain_paths() {
            prop_assert_eq!(normal(pointer(&doc, path)), normal(pointer(&new, path)), "{}", path);
        }
        prop_assert_eq!(doc.get("id"), old.get("id"), "read-only fields are never patched");
        // A second diff may only restate the nulls the first one wrote for absent fields.
        let again = diff_values(&doc, &new);
        prop_assert!(again.iter().all(|op| op.value.is_null()), "{:?}", again);
    }

    #[test]
    fn registration_changes_are_leaf_patches_that_rebuild_them((old, new) in registrations_pair()) {
        let ops = diff_values(&old, &new);
        prop_assert!(ops.iter().all(|op| op.path.starts_with("/registrations/")));
        let mut doc = old.clone();
        apply(&mut doc, &ops).map_err(|e| TestCaseError::fail(format!("{e}: {ops:?}")))?;
        prop_assert_eq!(normal(doc.get("registrations")), normal(new.get("registrations")));
    }

    #[test]
    fn diff_and_apply_never_panic_on_any_documents(a in json_value(), b in json_value()) {
        let ops = diff_values(&a, &b);
        let mut doc = a.clone();
        let _ = apply(&mut doc, &ops);
    }
}

/// A handful of realistic referrals from the demo generator.
fn demo() -> Vec<Referral> {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    refdeck::sandbox::demo::generate(16, 7, now)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn typed_edits_round_trip_through_diff_and_apply(
        pick in 0usize..16,
        name in "[a-zA-Z0-9 ]{1,30}",
        notes in prop::option::of("[a-zA-Z0-9 \n]{0,60}"),
        value in prop::option::of(0.0f64..1e9),
        favorite in any::<bool>(),
    ) {
        let old = demo()[pick].clone();
        let mut new = old.clone();
        new.name = Some(name);
        let details = new.details.get_or_insert_with(Default::default);
        details.notes = notes;
        details.deal_value = value;
        new.favorite = Some(favorite);
        let ops = diff(&old, &new);
        let mut doc = old.to_value();
        apply(&mut doc, &ops).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let rebuilt = Referral::from_value(doc).map_err(TestCaseError::fail)?;
        for path in EDITABLE_PATHS {
            prop_assert_eq!(
                normal(pointer(&rebuilt.to_value(), path)),
                normal(pointer(&new.to_value(), path)),
                "{}", path
            );
        }
    }

    #[test]
    fn any_json_tree_parses_or_is_refused_without_panic(v in json_value()) {
        if let Ok(r) = Referral::from_value(v) {
            let again = Referral::from_value(r.to_value());
            prop_assert_eq!(again.as_ref(), Ok(&r));
        }
    }

    #[test]
    fn referral_shaped_trees_parse_or_are_refused_without_panic(
        fields in prop::collection::btree_map(
            prop::sample::select(vec![
                "id", "name", "status", "substatus", "favorite", "details", "customerProfile",
                "team", "registrations", "consent", "target", "createdDateTime", "tags",
                "salesStage", "eTag", "links", "unknownField",
            ]),
            json_value(),
            0..8,
        ),
    ) {
        let v = Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        match Referral::from_value(v) {
            Ok(r) => prop_assert_eq!(Referral::from_value(r.to_value()), Ok(r.clone())),
            Err(e) => prop_assert!(e.starts_with("referral is not in the expected shape")),
        }
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panic(s in any::<String>()) {
        let _ = serde_json::from_str::<Referral>(&s);
        let _ = serde_json::from_str::<Vec<Referral>>(&s);
    }

    #[test]
    fn valid_referrals_round_trip(pick in 0usize..16) {
        let r = demo()[pick].clone();
        let text = serde_json::to_string(&r).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Referral =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_value(), r.to_value());
    }
}
