//! The sandbox's Marketo database: one table per object, indexed by every searchable field,
//! with Marketo's upsert and query rules.
//!
//! Lookups compare text trimmed and ignoring case (as Marketo matches emails and external
//! ids); numbers by value.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde_json::{Map, Value, json};

use super::objects::{ObjectSpec, spec};
use crate::domain::marketo::{ApiError, MarketoObject, SyncAction, codes};
use crate::domain::time::format_datetime;

/// How a sync call identifies existing records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyBy {
    /// By these fields together (`dedupeFields`, or a lead's `lookupField`).
    Fields(Vec<&'static str>),
    /// By Marketo's id field (`dedupeBy: idField`).
    Id,
}

#[derive(Debug, Default)]
struct Table {
    rows: BTreeMap<u64, Map<String, Value>>,
    next: u64,
    /// field → normalised value → row ids.
    index: HashMap<&'static str, HashMap<String, BTreeSet<u64>>>,
}

/// Every table, plus the generator of GUIDs.
#[derive(Debug)]
pub(super) struct Store {
    tables: HashMap<MarketoObject, Table>,
    rng: StdRng,
}

/// The form values are indexed and compared under.
pub(super) fn norm(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn skipped(seq: usize, code: &str, message: String) -> Value {
    json!({"seq": seq, "status": "skipped", "reasons": [ApiError::new(code, message)]})
}

impl Store {
    pub fn new(seed: u64) -> Store {
        let tables = MarketoObject::ALL
            .into_iter()
            .map(|o| {
                (
                    o,
                    Table {
                        next: spec(o).first_id,
                        ..Table::default()
                    },
                )
            })
            .collect();
        Store {
            tables,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn table(&self, o: MarketoObject) -> &Table {
        &self.tables[&o]
    }

    fn table_mut(&mut self, o: MarketoObject) -> &mut Table {
        self.tables.get_mut(&o).expect("every object has a table")
    }

    /// Records held of `object`.
    pub fn count(&self, object: MarketoObject) -> usize {
        self.table(object).rows.len()
    }

    /// Rows whose `pairs` all match; the first pair uses the index.
    fn find(&self, s: &ObjectSpec, pairs: &[(&str, &Value)]) -> Vec<u64> {
        let Some(((first, v0), rest)) = pairs.split_first() else {
            return Vec::new();
        };
        let t = self.table(s.object);
        let Some(rows) = norm(v0).and_then(|k| t.index.get(first)?.get(&k)) else {
            return Vec::new();
        };
        rows.iter()
            .copied()
            .filter(|id| {
                rest.iter()
                    .all(|(f, v)| t.rows[id].get(*f).and_then(norm) == norm(v))
            })
            .collect()
    }

    /// Rows whose `pairs` all match (a compound key).
    pub fn find_all(&self, s: &ObjectSpec, pairs: &[(&str, &Value)]) -> Vec<u64> {
        self.find(s, pairs)
    }

    /// True when every `externalSalesPersonId` the records name is a synced sales person.
    pub fn sales_persons_exist(&self, records: &[Value]) -> bool {
        let sp = spec(MarketoObject::SalesPerson);
        records
            .iter()
            .filter_map(|r| r.get("externalSalesPersonId"))
            .filter(|v| norm(v).is_some())
            .all(|v| !self.find(sp, &[("externalSalesPersonId", v)]).is_empty())
    }

    /// Rows matching any of `values` on `field`, in the order of the values, each row once.
    pub fn query(&self, s: &ObjectSpec, field: &str, values: &[Value]) -> Vec<u64> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for v in values {
            for id in self.find(s, &[(field, v)]) {
                if seen.insert(id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// The row projected on `fields`, Marketo's id first; absent fields are `null`.
    pub fn project(&self, s: &ObjectSpec, id: u64, fields: &[&str]) -> Value {
        let row = &self.table(s.object).rows[&id];
        let mut out = Map::new();
        out.insert(s.id_field().into(), row[s.id_field()].clone());
        for f in fields {
            let mut v = row.get(*f).cloned().unwrap_or(Value::Null);
            // Currency values come back as strings ("1604.47", help/rest-api/opportunities.md).
            if let (Some(super::objects::FieldType::Float), Value::Number(n)) =
                (s.field(f).map(|f| f.ty), &v)
            {
                v = Value::String(format!("{:.2}", n.as_f64().unwrap_or(0.0)));
            }
            out.insert((*f).to_string(), v);
        }
        Value::Object(out)
    }

    /// Sets fields of a row directly, bypassing the API rules (seeding the demo data).
    pub fn set_fields(&mut self, object: MarketoObject, id: u64, fields: Map<String, Value>) {
        let s = spec(object);
        let mut row = self.table_mut(object).rows.remove(&id).unwrap_or_default();
        unindex(self.table_mut(object), s, id, &row);
        row.extend(fields);
        index(self.table_mut(object), s, id, &row);
        self.table_mut(object).rows.insert(id, row);
    }

    /// Creates or updates one record of a sync call; the answer is its `result` element.
    pub fn upsert(
        &mut self,
        s: &ObjectSpec,
        action: SyncAction,
        key: &KeyBy,
        seq: usize,
        record: &Value,
        now: DateTime<Utc>,
    ) -> Value {
        match self.try_upsert(s, action, key, seq, record, now) {
            Ok(v) => v,
            Err((code, message)) => skipped(seq, code, message),
        }
    }

    fn try_upsert(
        &mut self,
        s: &ObjectSpec,
        action: SyncAction,
        key: &KeyBy,
        seq: usize,
        record: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, (&'static str, String)> {
        let obj = record.as_object().ok_or_else(|| {
            (
                codes::INVALID_DATA,
                format!("record {seq} is not a JSON object"),
            )
        })?;
        let key_fields: Vec<&str> = match key {
            KeyBy::Fields(f) => f.clone(),
            KeyBy::Id => vec![s.id_field()],
        };
        check_fields(s, obj, &key_fields)?;
        let mut pairs = Vec::new();
        for f in &key_fields {
            match obj.get(*f) {
                Some(v) if norm(v).is_some() => pairs.push((*f, v)),
                _ => {
                    return Err((
                        codes::INVALID_DATA,
                        format!("value for the key field '{f}' is missing"),
                    ));
                }
            }
        }
        let found = self.find(s, &pairs);
        let lead = s.object == MarketoObject::Lead;
        if found.len() > 1 {
            return Err((
                if lead {
                    codes::MULTIPLE_LEADS
                } else {
                    codes::INVALID_DATA
                },
                format!("{} records match the key", found.len()),
            ));
        }
        let existing = found.first().copied();
        match (action, existing) {
            (SyncAction::CreateOnly, Some(_)) => {
                return Err(if lead {
                    (codes::LEAD_EXISTS, "Lead already exists".into())
                } else {
                    (
                        codes::OBJECT_EXISTS,
                        format!("{} already exists", s.display),
                    )
                });
            }
            (SyncAction::UpdateOnly, None) => return Err(not_found(s)),
            (_, None) if *key == KeyBy::Id => return Err(not_found(s)),
            _ => {}
        }
        self.check_references(s, obj)?;
        let (id, status) = match existing {
            Some(id) => (id, "updated"),
            None => (self.create_row(s, now), "created"),
        };
        let mut fields: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| k.as_str() != s.id_field())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        fields.insert("updatedAt".into(), Value::String(format_datetime(&now)));
        self.set_fields(s.object, id, fields);
        let mut out = json!({"seq": seq, "status": status});
        out[s.id_field()] = self.table(s.object).rows[&id][s.id_field()].clone();
        Ok(out)
    }

    fn check_references(
        &self,
        s: &ObjectSpec,
        obj: &Map<String, Value>,
    ) -> Result<(), (&'static str, String)> {
        for r in s.references {
            let Some(v) = obj.get(r.field).filter(|v| norm(v).is_some()) else {
                continue;
            };
            if self.find(spec(r.target), &[(r.target_field, v)]).is_empty() {
                let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                return Err((
                    r.code,
                    format!(
                        "{} with {} '{shown}' is not synced; sync it first",
                        spec(r.target).display,
                        r.target_field
                    ),
                ));
            }
        }
        Ok(())
    }

    fn create_row(&mut self, s: &ObjectSpec, now: DateTime<Utc>) -> u64 {
        let guid = (!s.int_id()).then(|| {
            let mut bytes = [0u8; 16];
            self.rng.fill_bytes(&mut bytes);
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string()
        });
        let t = self.table_mut(s.object);
        let id = t.next;
        t.next += 1;
        let mut row = Map::new();
        row.insert(
            s.id_field().into(),
            match guid {
                Some(g) => Value::String(g),
                None => Value::from(id),
            },
        );
        row.insert("createdAt".into(), Value::String(format_datetime(&now)));
        index(t, s, id, &row);
        t.rows.insert(id, row);
        id
    }
}

fn not_found(s: &ObjectSpec) -> (&'static str, String) {
    if s.object == MarketoObject::Lead {
        (codes::LEAD_NOT_FOUND, "Lead not found".into())
    } else {
        (codes::OBJECT_NOT_FOUND, format!("{} not found", s.display))
    }
}

/// Unknown fields (1006), read-only fields and values of the wrong type (1003).
fn check_fields(
    s: &ObjectSpec,
    obj: &Map<String, Value>,
    keys: &[&str],
) -> Result<(), (&'static str, String)> {
    for (name, v) in obj {
        let Some(f) = s.field(name) else {
            return Err((
                codes::FIELD_NOT_FOUND,
                format!("Field '{name}' not found on {}", s.display),
            ));
        };
        if !f.updateable && !keys.contains(&f.name) && !s.dedupe.contains(&f.name) {
            return Err((codes::INVALID_DATA, format!("Field '{name}' is read-only")));
        }
        f.ty.check(v).map_err(|why| {
            (
                codes::INVALID_DATA,
                format!("Invalid value for '{name}': {why}"),
            )
        })?;
    }
    Ok(())
}

fn index(t: &mut Table, s: &ObjectSpec, id: u64, row: &Map<String, Value>) {
    for f in s.indexed() {
        if let Some(k) = row.get(f).and_then(norm) {
            t.index
                .entry(f)
                .or_default()
                .entry(k)
                .or_default()
                .insert(id);
        }
    }
}

fn unindex(t: &mut Table, s: &ObjectSpec, id: u64, row: &Map<String, Value>) {
    for f in s.indexed() {
        if let Some(k) = row.get(f).and_then(norm)
            && let Some(ids) = t.index.get_mut(f).and_then(|m| m.get_mut(&k))
        {
            ids.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn upsert(st: &mut Store, o: MarketoObject, rec: Value) -> Value {
        let s = spec(o);
        let key = KeyBy::Fields(if o == MarketoObject::Lead {
            vec!["externalPersonId"]
        } else {
            s.dedupe.to_vec()
        });
        st.upsert(s, SyncAction::CreateOrUpdate, &key, 0, &rec, now())
    }

    #[test]
    fn upsert_creates_then_updates_and_reindexes() {
        let mut st = Store::new(1);
        let sp = MarketoObject::SalesPerson;
        let r = upsert(
            &mut st,
            sp,
            json!({"externalSalesPersonId": "Jo.Doe", "email": "a@x.com"}),
        );
        assert_eq!(r["status"], "created");
        assert_eq!(r["id"], 501);
        let r = upsert(
            &mut st,
            sp,
            json!({"externalSalesPersonId": " jo.doe ", "email": "b@x.com"}),
        );
        assert_eq!(r["status"], "updated", "keys match ignoring case");
        let s = spec(sp);
        assert!(st.query(s, "email", &[json!("a@x.com")]).is_empty());
        assert_eq!(st.query(s, "email", &[json!("B@X.COM")]), vec![501]);
        assert_eq!(st.count(sp), 1);
    }

    #[test]
    fn guids_are_deterministic_per_seed() {
        let make = || {
            let mut st = Store::new(9);
            upsert(
                &mut st,
                MarketoObject::SalesPerson,
                json!({"externalSalesPersonId": "s"}),
            );
            upsert(
                &mut st,
                MarketoObject::Company,
                json!({"externalCompanyId": "c"}),
            );
            upsert(
                &mut st,
                MarketoObject::Opportunity,
                json!({"externalOpportunityId": "o"}),
            )
        };
        let a = make();
        assert_eq!(a, make());
        assert_eq!(a["marketoGUID"].as_str().unwrap().len(), 36);
    }

    #[test]
    fn record_rules() {
        let mut st = Store::new(1);
        let co = MarketoObject::Company;
        let r = upsert(
            &mut st,
            co,
            json!({"externalCompanyId": "c", "externalSalesPersonId": "ghost"}),
        );
        assert_eq!(r["status"], "skipped");
        assert_eq!(r["reasons"][0]["code"], "1013");
        assert!(
            r["reasons"][0]["message"]
                .as_str()
                .unwrap()
                .contains("'ghost'")
        );
        let r = upsert(&mut st, co, json!({"externalCompanyId": "c", "colour": 1}));
        assert_eq!(r["reasons"][0]["code"], "1006");
        let r = upsert(&mut st, co, json!({"externalCompanyId": "c", "id": 4}));
        assert_eq!(r["reasons"][0]["code"], "1003");
        let r = upsert(
            &mut st,
            co,
            json!({"externalCompanyId": "c", "numberOfEmployees": "many"}),
        );
        assert_eq!(r["reasons"][0]["code"], "1003");
        let r = upsert(&mut st, co, json!({"company": "no key"}));
        assert!(
            r["reasons"][0]["message"]
                .as_str()
                .unwrap()
                .contains("externalCompanyId")
        );
        let r = upsert(&mut st, co, json!([1]));
        assert_eq!(r["reasons"][0]["code"], "1003");
        assert_eq!(st.count(co), 0);
    }
}
