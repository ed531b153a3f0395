//! Setting one field of a referral to a value, as `refdeck referrals set` and the palette's
//! `:set` over marked referrals do: the value is read as JSON when it parses (`42`, `true`,
//! `"quoted"`, `{"email": …}`), otherwise as text; it is checked the way the service checks it
//! (currency codes, amounts, dates, emails, required names), normalised (`eur` → `EUR`,
//! `2026-12-31` → `2026-12-31T00:00:00Z`) and turned into the smallest JSON Patch. A status is
//! one value, `STATUS/SUBSTATUS`; a bare status keeps the current substatus when it belongs to
//! the new status, or takes the only one the new status has.

use serde_json::Value;

use super::enums::{Status, Substatus};
use super::field::FieldPath;
use super::patch::{PatchOp, pointer};
use super::referral::Referral;
use super::rules;
use super::time::format_datetime;
use super::validate::{self, FieldError};

/// Why a value cannot be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    /// The value is malformed for the field (a usage error), rather than refused by a rule.
    pub usage: bool,
    pub message: String,
}

impl SetError {
    fn refused(message: impl Into<String>) -> SetError {
        SetError {
            usage: false,
            message: message.into(),
        }
    }

    fn usage(message: impl Into<String>) -> SetError {
        SetError {
            usage: true,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads VALUE: JSON when it parses as JSON, a plain string otherwise.
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// The JSON Patch that sets `path` to `value` on `current`, checked against the rules and
/// validators.
pub fn plan(current: &Referral, path: &str, value: Value) -> Result<Vec<PatchOp>, SetError> {
    let refused = |v: rules::RuleViolation| SetError::refused(v.to_string());
    rules::check_edit(current, path, &value).map_err(refused)?;
    if is_status_path(path) {
        let (status, sub) = target_status(current, path, &value)?;
        rules::check_transition(&current.status(), &current.substatus(), &status, &sub)
            .map_err(refused)?;
        return Ok(vec![
            set_op(
                current,
                FieldPath::Status.pointer(),
                Value::String(status.as_str().to_string()),
            ),
            set_op(
                current,
                FieldPath::Substatus.pointer(),
                Value::String(sub.as_str().to_string()),
            ),
        ]);
    }
    let value = normalise(path, value).map_err(|e| SetError::refused(e.to_string()))?;
    Ok(vec![set_op(current, path, value)])
}

/// True for `/status` and `/substatus`, which change together.
pub fn is_status_path(path: &str) -> bool {
    matches!(
        FieldPath::from_pointer(path),
        Some(FieldPath::Status | FieldPath::Substatus)
    )
}

/// `replace` when the field is present, `add` when it is not (or when appending).
fn set_op(current: &Referral, path: &str, value: Value) -> PatchOp {
    let doc = current.to_value();
    if !path.ends_with("/-") && pointer(&doc, path).is_some() {
        PatchOp::replace(path, value)
    } else {
        PatchOp::add(path, value)
    }
}

/// The status and substatus a `/status` or `/substatus` value asks for (see the module notes).
fn target_status(
    current: &Referral,
    path: &str,
    value: &Value,
) -> Result<(Status, Substatus), SetError> {
    let Some(text) = value.as_str() else {
        return Err(SetError::usage(format!(
            "{path} takes a text value, like Active/Accepted"
        )));
    };
    if FieldPath::from_pointer(path) == Some(FieldPath::Substatus) {
        return Ok((current.status(), Substatus::parse(text.trim())));
    }
    if let Some((s, sub)) = text.split_once('/') {
        return Ok((Status::parse(s.trim()), Substatus::parse(sub.trim())));
    }
    let status = Status::parse(text.trim());
    let allowed = rules::substatuses_of(&status);
    let sub = if allowed.contains(&current.substatus()) {
        current.substatus()
    } else if let [only] = allowed {
        only.clone()
    } else {
        let pairs: Vec<String> = allowed.iter().map(|s| format!("{status}/{s}")).collect();
        return Err(SetError::usage(format!(
            "say which substatus: write the value as STATUS/SUBSTATUS, one of {}",
            if pairs.is_empty() {
                "New/Pending, Active/Accepted, Closed/Won".to_string()
            } else {
                pairs.join(", ")
            }
        )));
    };
    Ok((status, sub))
}

/// Checks and normalises a value the way the service does; errors name the field.
pub fn normalise(path: &str, value: Value) -> Result<Value, FieldError> {
    let field = path.trim_start_matches('/').replace('/', ".");
    let number = |v: f64| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
    use FieldPath as F;
    match (FieldPath::from_pointer(path), &value) {
        (Some(F::Name | F::DealValue | F::Currency | F::ClosingDate), Value::Null) => {
            Err(FieldError::new(&field, "is required and cannot be cleared"))
        }
        (Some(F::Name), Value::String(s)) => validate::required(&field, s).map(Value::String),
        (Some(F::DealValue), Value::Number(n)) => {
            validate::non_negative(&field, n.as_f64().unwrap_or(f64::NAN)).map(number)
        }
        (Some(F::DealValue), Value::String(s)) => validate::amount(&field, s).map(number),
        (Some(F::DealValue), _) => Err(FieldError::new(&field, "enter an amount, like 25000")),
        (Some(F::Currency), Value::String(s)) => validate::currency(&field, s).map(Value::String),
        (Some(F::ClosingDate), Value::String(s)) => {
            validate::datetime(&field, s).map(|d| Value::String(format_datetime(&d)))
        }
        (Some(F::Currency | F::ClosingDate | F::Name), _) => Err(FieldError::new(
            &field,
            "must be text; quote it or write it plainly",
        )),
        (Some(F::Favorite | F::ShareWithMicrosoft), v) if !v.is_boolean() => {
            Err(FieldError::new(&field, "must be true or false"))
        }
        _ => {
            check_emails(&field, &value)?;
            Ok(value)
        }
    }
}

/// Every `email` inside a contact (or list of contacts) must be an email address.
fn check_emails(field: &str, value: &Value) -> Result<(), FieldError> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_emails(&format!("{field}.{i}"), v)),
        Value::Object(map) => match map.get("email") {
            Some(Value::String(e)) => validate::email(&format!("{field}.email"), e).map(|_| ()),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}
