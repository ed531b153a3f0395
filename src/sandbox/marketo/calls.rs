//! The sync and query calls of the emulated lead-database objects (the rules are in the
//! parent module's notes).

use super::*;

pub(super) fn run_sync(
    s: &MarketoState,
    sp: &ObjectSpec,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    if !is_json(headers) {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        return Err(ApiError::new(
            codes::INVALID_CONTENT_TYPE,
            format!("Invalid Content Type '{content_type}'; send application/json"),
        ));
    }
    let req: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(codes::INVALID_JSON, format!("Invalid JSON: {e}")))?;
    let action = match req.get("action").and_then(Value::as_str) {
        None => SyncAction::CreateOrUpdate,
        Some("createOrUpdate") => SyncAction::CreateOrUpdate,
        Some("createOnly") => SyncAction::CreateOnly,
        Some("updateOnly") => SyncAction::UpdateOnly,
        Some(other) => {
            return Err(bad(format!(
                "Invalid action '{other}'; use createOrUpdate, createOnly or updateOnly"
            )));
        }
    };
    let key = sync_key(sp, &req, action)?;
    let input = req
        .get("input")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("The body needs an 'input' array of records"))?;
    if input.is_empty() {
        return Err(bad("'input' is empty; send 1 to 300 records"));
    }
    if input.len() > MAX_BATCH {
        return Err(bad(format!(
            "Batch of {} records exceeds the limit of {MAX_BATCH}",
            input.len()
        )));
    }
    let now = s.shared.clock.now();
    let mut store = lock(&s.shared.store);
    if sp.object == MarketoObject::Opportunity && !store.sales_persons_exist(input) {
        // AdobeDocs/marketo-developer.en help/rest-api/error-codes.md: 718, response-level.
        return Err(ApiError::new(
            codes::SALES_PERSON_NOT_FOUND,
            "ExternalSalesPersonID not found",
        ));
    }
    // error-codes.md 1036: the same key twice in one input; the first one counts.
    let key_fields: Vec<&str> = match &key {
        KeyBy::Fields(f) => f.clone(),
        KeyBy::Id => vec![sp.id_field()],
    };
    let mut seen = std::collections::HashSet::new();
    let result = input
        .iter()
        .enumerate()
        .map(|(seq, rec)| {
            let k: Option<Vec<String>> = key_fields
                .iter()
                .map(|f| rec.get(*f).and_then(store::norm))
                .collect();
            let duplicate = k.is_some_and(|k| !seen.insert(k));
            let mut out = if duplicate {
                let why =
                    ApiError::new(codes::DUPLICATE_IN_INPUT, "Duplicate object found in input");
                json!({"seq": seq, "status": "skipped", "reasons": [why]})
            } else {
                store.upsert(sp, action, &key, seq, rec, now)
            };
            // Lead results are `{id, status}` in input order, without `seq`
            // (help/rest-api/leads.md, Sync Leads).
            if sp.object == MarketoObject::Lead
                && let Some(o) = out.as_object_mut()
            {
                o.remove("seq");
            }
            out
        })
        .collect();
    Ok((result, None))
}

/// The compound-key query: `POST …?_method=GET` with a JSON body `{filterType:
/// "dedupeFields", fields[], input[{every key field}]}` (AdobeDocs/marketo-developer.en
/// help/rest-api/lead-database.md, opportunity-roles.md). `marketoGuid` in `fields` is read as
/// the id field, as the docs spell it both ways.
pub(super) fn run_compound_query(s: &MarketoState, sp: &ObjectSpec, body: &[u8]) -> Answer {
    let req: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(codes::INVALID_JSON, format!("Invalid JSON: {e}")))?;
    match req.get("filterType").and_then(Value::as_str) {
        Some("dedupeFields") => {}
        Some(other) => {
            return Err(ApiError::new(
                codes::FIELD_NOT_SUPPORTED,
                format!("Field '{other}' not supported; a compound query uses dedupeFields"),
            ));
        }
        None => return Err(bad("filterType is required")),
    }
    let input = req
        .get("input")
        .and_then(Value::as_array)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| bad("The body needs an 'input' array of 1 to 300 keys"))?;
    if input.len() > MAX_BATCH {
        return Err(bad(format!(
            "{} inputs exceed the limit of {MAX_BATCH}",
            input.len()
        )));
    }
    let names: Option<String> = req.get("fields").and_then(Value::as_array).map(|f| {
        f.iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(",")
    });
    let fields = query_fields(sp, names.as_ref(), s.switches().msi_non_native)?;
    let store = lock(&s.shared.store);
    let mut rows = Vec::new();
    for (i, key) in input.iter().enumerate() {
        let mut pairs = Vec::new();
        for f in sp.dedupe {
            match key.get(*f) {
                Some(v) if store::norm(v).is_some() => pairs.push((*f, v)),
                _ => return Err(bad(format!("input[{i}] needs a value for '{f}'"))),
            }
        }
        for id in store.find_all(sp, &pairs) {
            if !rows.contains(&id) {
                rows.push(id);
            }
        }
    }
    let page = rows
        .iter()
        .enumerate()
        .map(|(seq, id)| {
            let mut v = store.project(sp, *id, &fields);
            v["seq"] = Value::from(seq);
            v
        })
        .collect();
    Ok((page, None))
}

/// How the sync call identifies records: `lookupField` for leads, `dedupeBy` otherwise.
fn sync_key(sp: &ObjectSpec, req: &Value, action: SyncAction) -> Result<KeyBy, ApiError> {
    if sp.object == MarketoObject::Lead {
        let field = req
            .get("lookupField")
            .and_then(Value::as_str)
            .unwrap_or("email");
        return match sp.lookup_fields.iter().find(|f| **f == field) {
            Some(&"id") if action != SyncAction::UpdateOnly => {
                Err(bad("lookupField 'id' needs the action updateOnly"))
            }
            Some(&"id") => Ok(KeyBy::Id),
            Some(f) => Ok(KeyBy::Fields(vec![f])),
            None => Err(bad(format!(
                "Invalid lookupField '{field}'; use one of {}",
                sp.lookup_fields.join(", ")
            ))),
        };
    }
    match req.get("dedupeBy").and_then(Value::as_str) {
        None | Some("dedupeFields") => Ok(KeyBy::Fields(sp.dedupe.to_vec())),
        Some("idField") if action == SyncAction::UpdateOnly => Ok(KeyBy::Id),
        Some("idField") => Err(bad("dedupeBy 'idField' needs the action updateOnly")),
        Some(other) => Err(bad(format!(
            "Invalid dedupeBy '{other}'; use dedupeFields or idField"
        ))),
    }
}

/// The opaque page token: the offset and a fingerprint of the query it belongs to.
pub(super) fn page_token(offset: usize, fingerprint: u64) -> String {
    format!("{:08X}{:016X}", offset, fingerprint)
}

pub(super) fn read_page_token(token: &str, fingerprint: u64) -> Option<usize> {
    let t = token.trim();
    if t.len() != 24 || !t.is_ascii() {
        return None;
    }
    let offset = usize::from_str_radix(&t[..8], 16).ok()?;
    let fp = u64::from_str_radix(&t[8..], 16).ok()?;
    (fp == fingerprint).then_some(offset)
}

pub(super) fn run_query(s: &MarketoState, sp: &ObjectSpec, q: &HashMap<String, String>) -> Answer {
    let filter_type = q
        .get("filterType")
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .ok_or_else(|| bad("filterType is required"))?;
    // `idField` and `dedupeFields` name the describe's keys (help/rest-api/lead-database.md);
    // another unsearchable field is 1011 (error-codes.md).
    let wanted = match filter_type {
        "idField" => sp.id_field(),
        "dedupeFields" if sp.dedupe.len() == 1 => sp.dedupe[0],
        other => other,
    };
    let Some(field) = sp.filter_types().find(|f| *f == wanted) else {
        return Err(ApiError::new(
            codes::FIELD_NOT_SUPPORTED,
            format!(
                "Field '{filter_type}' not supported as filterType for {}; use one of {}",
                sp.display,
                sp.filter_types().collect::<Vec<_>>().join(", ")
            ),
        ));
    };
    let raw: Vec<&str> = q
        .get("filterValues")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if raw.is_empty() {
        return Err(bad(
            "filterValues is required: 1 to 300 comma-separated values",
        ));
    }
    if raw.len() > MAX_BATCH {
        return Err(bad(format!(
            "{} filterValues exceed the limit of {MAX_BATCH}",
            raw.len()
        )));
    }
    let ty = sp.field(field).map(|f| f.ty);
    let values = raw
        .iter()
        .map(|v| match ty {
            Some(objects::FieldType::Int) => v
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| bad(format!("filterValues for {field} must be integers: '{v}'"))),
            _ => Ok(Value::String((*v).to_string())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fields = query_fields(sp, q.get("fields"), s.switches().msi_non_native)?;
    let batch = match q.get("batchSize").map(|b| b.trim()) {
        None | Some("") => MAX_BATCH,
        Some(b) => b
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_BATCH).contains(n))
            .ok_or_else(|| bad(format!("batchSize must be 1 to {MAX_BATCH}, not '{b}'")))?,
    };
    let fingerprint = seed::fnv(
        0,
        &format!(
            "{}|{filter_type}|{}|{}",
            sp.object.name(),
            raw.join(","),
            fields.join(",")
        ),
    );
    let offset = match q
        .get("nextPageToken")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        None => 0,
        Some(t) => read_page_token(t, fingerprint)
            .ok_or_else(|| bad(format!("Invalid nextPageToken '{t}' for this query")))?,
    };
    let store = lock(&s.shared.store);
    let rows = store.query(sp, field, &values);
    if sp.object == MarketoObject::Lead && rows.len() > MAX_LEAD_MATCHES {
        return Err(bad(format!(
            "Too many results match the filter: {} leads, at most {MAX_LEAD_MATCHES}",
            rows.len()
        )));
    }
    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(batch)
        .enumerate()
        .map(|(seq, id)| {
            let mut v = store.project(sp, *id, &fields);
            // Every object's query result but the leads' carries `seq` (the per-object pages).
            if sp.object != MarketoObject::Lead {
                v["seq"] = Value::from(seq);
            }
            v
        })
        .collect();
    let end = offset + page.len();
    let next = (end < rows.len()).then(|| page_token(end, fingerprint));
    Ok((page, next))
}

/// The `fields` parameter, checked; the object's default when absent.
fn query_fields(
    sp: &ObjectSpec,
    given: Option<&String>,
    msi_non_native: bool,
) -> Result<Vec<&'static str>, ApiError> {
    let names: Vec<&str> = given
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return Ok(match sp.default_fields {
            Some(d) => d.to_vec(),
            None => sp.fields.iter().map(|f| f.name).collect(),
        });
    }
    names
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case(sp.id_field()))
        .map(|n| {
            let known = sp.field(n).filter(|f| sp.has_field(f.name, msi_non_native));
            known.map(|f| f.name).ok_or_else(|| {
                ApiError::new(
                    codes::FIELD_NOT_FOUND,
                    format!("Field '{n}' not found on {}", sp.display),
                )
            })
        })
        .collect()
}
