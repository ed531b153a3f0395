//! Error answers of the Partner Center emulator, in the service's shape:
//! `{"error":{"code","message","target","innerError":{…}}}` with the documented codes.
//!
//! Also the JSON body reader every write endpoint uses: malformed JSON names the line and column,
//! a value of the wrong type names its path (`details.dealValue`), and neither is ever a 500.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::domain::rules::RuleViolation;
use crate::domain::validate::FieldError;

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub target: Option<String>,
    /// `innerError` extras (boxed to keep the error small).
    pub inner: Box<Map<String, Value>>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
    /// Methods for an `Allow` header (405).
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            target: None,
            inner: Box::default(),
            retry_after: None,
            allow: None,
        }
    }

    /// 400 `invalidRequest`.
    pub fn invalid(target: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidRequest", message).with_target(target)
    }

    /// 400 for a broken business rule; `innerError.rule` carries the rule's name.
    pub fn rule(target: impl Into<String>, v: RuleViolation) -> Self {
        Self::invalid(target, v.to_string()).with_inner("rule", json!(v.rule))
    }

    /// 400 for one or more field errors: the message lists them all, the target is the first,
    /// `innerError.errors` has each `{field, message}`.
    pub fn fields(errors: &[FieldError]) -> Self {
        let message = errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        let list: Vec<Value> = errors
            .iter()
            .map(|e| json!({"field": e.field, "message": e.message}))
            .collect();
        let target = errors.first().map(|e| e.field.clone()).unwrap_or_default();
        Self::invalid(target, message).with_inner("errors", Value::Array(list))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "itemNotFound", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "preconditionFailed",
            message,
        )
    }

    /// Too many requests (429). The docs name no error code for it (learn.microsoft.com,
    /// partner-center/developer/error-codes lists 429 only as an HTTP status), so the body is
    /// the documented envelope with the documented catch-all `generalException`; clients key
    /// off the status and `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "generalException",
            format!("too many requests; retry after {retry_after} seconds"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalidRequest",
            format!("this method is not supported here; allowed: {allow}"),
        );
        e.allow = Some(allow);
        e
    }

    /// The error for an injected or real server failure with this status.
    pub fn server(status: StatusCode, retry_after: Option<u64>) -> Self {
        let (code, message) = match status.as_u16() {
            503 => (
                "serviceNotAvailable",
                "the service is temporarily unavailable",
            ),
            500 => ("generalException", "an unexpected error occurred"),
            429 => ("generalException", "too many requests"),
            _ => ("generalException", "the request failed"),
        };
        let mut e = Self::new(status, code, message);
        e.retry_after = retry_after;
        e
    }

    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        let t = target.into();
        self.target = (!t.is_empty()).then_some(t);
        self
    }

    pub fn with_inner(mut self, key: &str, value: Value) -> Self {
        self.inner.insert(key.to_string(), value);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        if let Some(t) = &self.target {
            error.insert("target".into(), json!(t));
        }
        let mut inner = (*self.inner).clone();
        inner.insert(
            "date".into(),
            json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
        error.insert("innerError".into(), Value::Object(inner));
        json!({ "error": error })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        let h = resp.headers_mut();
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(allow) = self.allow {
            h.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Parses a request body as JSON: syntax errors name line and column.
pub fn json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            "body",
            "the request body is empty; send JSON",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::invalid(
            "body",
            format!(
                "the body is not valid JSON: {e} (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

/// Reads `value` as `T`; a value of the wrong type is a 400 naming its path.
pub fn typed<T: DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, ApiError> {
    T::deserialize(value).map_err(|e| {
        let path = join_path(prefix, &locate::<T>(value));
        let message = if path.is_empty() {
            format!("the body has the wrong shape: {e}")
        } else {
            format!("{path}: {e}")
        };
        ApiError::invalid(path, message)
    })
}

fn join_path(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) if rest.starts_with('[') => format!("{prefix}{rest}"),
        (false, false) => format!("{prefix}.{rest}"),
    }
}

enum Seg {
    Key(String),
    Index(usize),
}

/// Finds the path of the smallest part of `value` that `T` cannot read. At each level, a child
/// is the culprit when the document holding only that child fails while the same container
/// left empty reads fine (every field of the wire model is optional); when the empty container
/// fails too, the container itself is the problem. Returns `""` for the whole value.
fn locate<T: DeserializeOwned>(value: &Value) -> String {
    let fails = |doc: Value| T::deserialize(&doc).is_err();
    let mut path: Vec<Seg> = Vec::new();
    let mut cur = value;
    'descend: loop {
        let children: Vec<(Seg, &Value)> = match cur {
            Value::Object(map) => map.iter().map(|(k, v)| (Seg::Key(k.clone()), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Seg::Index(i), v))
                .collect(),
            _ => break,
        };
        let empty = if cur.is_array() { json!([]) } else { json!({}) };
        if fails(rebuild(&path, empty)) {
            break;
        }
        for (seg, child) in children {
            path.push(seg);
            if fails(rebuild(&path, child.clone())) {
                cur = child;
                continue 'descend;
            }
            path.pop();
        }
        break;
    }
    let mut out = String::new();
    for seg in &path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The document holding only `leaf` at `path` (lists hold just that one item).
fn rebuild(path: &[Seg], leaf: Value) -> Value {
    path.iter().rev().fold(leaf, |inner, seg| match seg {
        Seg::Key(k) => {
            let mut m = Map::new();
            m.insert(k.clone(), inner);
            Value::Object(m)
        }
        Seg::Index(_) => Value::Array(vec![inner]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Referral;

    #[test]
    fn wrong_types_name_their_path() {
        let v = json!({"name": "x", "details": {"notes": "n", "dealValue": "lots"}});
        let e = typed::<Referral>(&v, "").unwrap_err();
        assert_eq!(e.target.as_deref(), Some("details.dealValue"));
        assert!(
            e.message.starts_with("details.dealValue: "),
            "{}",
            e.message
        );
        let v = json!({"customerProfile": {"team": [{"email": "a@b.co"}, {"email": 5}]}});
        let e = typed::<Referral>(&v, "").unwrap_err();
        assert_eq!(e.target.as_deref(), Some("customerProfile.team[1].email"));
        let v = json!({"team": "everyone"});
        assert_eq!(
            typed::<Referral>(&v, "").unwrap_err().target.as_deref(),
            Some("team")
        );
        let e = typed::<Referral>(&json!([1]), "").unwrap_err();
        assert!(e.target.is_none());
        let e = typed::<Referral>(&json!({"favorite": "yes"}), "value").unwrap_err();
        assert_eq!(e.target.as_deref(), Some("value.favorite"));
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let e = json_body(b"{\n  \"name\": }").unwrap_err();
        assert!(e.message.contains("line 2"), "{}", e.message);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(json_body(b"  ").unwrap_err().message.contains("empty"));
    }

    #[test]
    fn body_has_the_service_shape() {
        let e = ApiError::fields(&[
            FieldError::new("name", "required"),
            FieldError::new("details.currency", "bad"),
        ]);
        let b = e.body();
        assert_eq!(b["error"]["code"], "invalidRequest");
        assert_eq!(b["error"]["target"], "name");
        assert_eq!(
            b["error"]["innerError"]["errors"][1]["field"],
            "details.currency"
        );
        assert!(
            b["error"]["message"]
                .as_str()
                .unwrap()
                .contains("details.currency: bad")
        );
    }
}
