//! The five lead-database objects the sandbox serves: their fields, keys, searchable fields and
//! the references a record must satisfy before Marketo accepts it.

use serde_json::{Value, json};

use crate::domain::marketo::{MSI_FIELDS, MarketoObject, codes};

/// A field's data type, as Marketo's describe names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldType {
    Str,
    Int,
    Float,
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    DateTime,
}

impl FieldType {
    fn describe(self) -> &'static str {
        match self {
            FieldType::Str => "string",
            FieldType::Int => "integer",
            FieldType::Float => "currency",
            FieldType::Bool => "boolean",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
        }
    }

    /// Why `v` is not a value of this type (`null` is always accepted: it clears the field).
    pub(super) fn check(self, v: &Value) -> Result<(), &'static str> {
        let ok = match (self, v) {
            (_, Value::Null) => true,
            (FieldType::Str | FieldType::DateTime, Value::String(_)) => true,
            (FieldType::Int, Value::Number(n)) => n.is_i64(),
            (FieldType::Float, Value::Number(_)) => true,
            (FieldType::Bool, Value::Bool(_)) => true,
            (FieldType::Date, Value::String(s)) => {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                FieldType::Str | FieldType::DateTime => "expected a string",
                FieldType::Int => "expected an integer",
                FieldType::Float => "expected a number",
                FieldType::Bool => "expected true or false",
                FieldType::Date => "expected a date as YYYY-MM-DD",
            })
        }
    }
}

/// One field of an object.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    /// Writable through sync calls (keys are writable as keys even when not updateable).
    pub updateable: bool,
}

const fn rw(name: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        updateable: true,
    }
}

const fn ro(name: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        updateable: false,
    }
}

/// A record's field that must name a record of another object.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reference {
    pub field: &'static str,
    pub target: MarketoObject,
    pub target_field: &'static str,
    /// The reason code of the skip when the target is not there.
    pub code: &'static str,
}

/// Everything the sandbox knows about one object.
#[derive(Debug)]
pub(super) struct ObjectSpec {
    pub object: MarketoObject,
    pub display: &'static str,
    /// The fields that identify a record (all of them together).
    pub dedupe: &'static [&'static str],
    /// Field sets a query may filter on; single-field ones work as `filterType`.
    pub searchable: &'static [&'static [&'static str]],
    /// What a query returns without `fields` (`None`: every field).
    pub default_fields: Option<&'static [&'static str]>,
    pub fields: &'static [FieldSpec],
    pub references: &'static [Reference],
    /// Leads only: the fields `lookupField` may name.
    pub lookup_fields: &'static [&'static str],
    /// The first Marketo id handed out (integer-id objects).
    pub first_id: u64,
}

use FieldType::*;

const STAMPS: [FieldSpec; 2] = [ro("createdAt", DateTime), ro("updatedAt", DateTime)];

static SALES_PERSON: ObjectSpec = ObjectSpec {
    object: MarketoObject::SalesPerson,
    display: "Sales Person",
    dedupe: &["externalSalesPersonId"],
    searchable: &[&["externalSalesPersonId"], &["email"], &["id"]],
    default_fields: None,
    fields: &[
        ro("id", Int),
        STAMPS[0],
        STAMPS[1],
        ro("externalSalesPersonId", Str),
        rw("email", Str),
        rw("firstName", Str),
        rw("lastName", Str),
        rw("phone", Str),
        rw("title", Str),
    ],
    references: &[],
    lookup_fields: &[],
    first_id: 501,
};

const SALES_PERSON_REF: Reference = Reference {
    field: "externalSalesPersonId",
    target: MarketoObject::SalesPerson,
    target_field: "externalSalesPersonId",
    code: codes::OBJECT_NOT_FOUND,
};

const COMPANY_REF: Reference = Reference {
    field: "externalCompanyId",
    target: MarketoObject::Company,
    target_field: "externalCompanyId",
    code: codes::OBJECT_NOT_FOUND,
};

static COMPANY: ObjectSpec = ObjectSpec {
    object: MarketoObject::Company,
    display: "Company",
    dedupe: &["externalCompanyId"],
    searchable: &[
        &["externalCompanyId"],
        &["id"],
        &["company"],
        &["externalSalesPersonId"],
    ],
    default_fields: None,
    fields: &[
        ro("id", Int),
        STAMPS[0],
        STAMPS[1],
        ro("externalCompanyId", Str),
        rw("company", Str),
        rw("externalSalesPersonId", Str),
        rw("billingStreet", Str),
        rw("billingCity", Str),
        rw("billingState", Str),
        rw("billingPostalCode", Str),
        rw("billingCountry", Str),
        rw("numberOfEmployees", Int),
        rw("industry", Str),
        rw("website", Str),
    ],
    references: &[SALES_PERSON_REF],
    lookup_fields: &[],
    first_id: 2001,
};

static LEAD: ObjectSpec = ObjectSpec {
    object: MarketoObject::Lead,
    display: "Lead",
    dedupe: &["email"],
    searchable: &[
        &["id"],
        &["email"],
        &["externalPersonId"],
        &["externalCompanyId"],
        &["externalSalesPersonId"],
    ],
    default_fields: Some(&[
        "id",
        "email",
        "firstName",
        "lastName",
        "updatedAt",
        "createdAt",
    ]),
    fields: &[
        ro("id", Int),
        STAMPS[0],
        STAMPS[1],
        rw("email", Str),
        rw("firstName", Str),
        rw("lastName", Str),
        rw("phone", Str),
        rw("title", Str),
        rw("company", Str),
        rw("leadSource", Str),
        rw("externalPersonId", Str),
        rw("externalCompanyId", Str),
        rw("externalSalesPersonId", Str),
        ro("msiLastInterestingMomentType", Str),
        ro("msiLastInterestingMomentDate", DateTime),
        ro("msiLastInterestingMomentDesc", Str),
        ro("msiLastInterestingMomentSource", Str),
        ro("priority", Int),
        ro("relativeUrgency", Int),
        ro("relativeScoring", Int),
    ],
    references: &[COMPANY_REF, SALES_PERSON_REF],
    lookup_fields: &["email", "externalPersonId", "id"],
    first_id: 10001,
};

static OPPORTUNITY: ObjectSpec = ObjectSpec {
    object: MarketoObject::Opportunity,
    display: "Opportunity",
    dedupe: &["externalOpportunityId"],
    searchable: &[
        &["externalOpportunityId"],
        &["marketoGUID"],
        &["externalCompanyId"],
        &["externalSalesPersonId"],
    ],
    default_fields: None,
    fields: &[
        ro("marketoGUID", Str),
        STAMPS[0],
        STAMPS[1],
        ro("externalOpportunityId", Str),
        rw("name", Str),
        rw("description", Str),
        rw("type", Str),
        rw("stage", Str),
        rw("amount", Float),
        rw("closeDate", Date),
        rw("isClosed", Bool),
        rw("isWon", Bool),
        rw("externalCompanyId", Str),
        rw("externalSalesPersonId", Str),
    ],
    // An unknown sales person fails the whole call with 718 (see `run_sync`).
    references: &[COMPANY_REF],
    lookup_fields: &[],
    first_id: 1,
};

static OPPORTUNITY_ROLE: ObjectSpec = ObjectSpec {
    object: MarketoObject::OpportunityRole,
    display: "Opportunity Role",
    dedupe: &["externalOpportunityId", "leadId", "role"],
    searchable: &[
        &["externalOpportunityId", "leadId", "role"],
        &["marketoGUID"],
        &["leadId"],
        &["externalOpportunityId"],
    ],
    default_fields: None,
    fields: &[
        ro("marketoGUID", Str),
        STAMPS[0],
        STAMPS[1],
        ro("externalOpportunityId", Str),
        ro("leadId", Int),
        ro("role", Str),
        rw("isPrimary", Bool),
    ],
    references: &[
        Reference {
            field: "externalOpportunityId",
            target: MarketoObject::Opportunity,
            target_field: "externalOpportunityId",
            code: codes::OBJECT_NOT_FOUND,
        },
        Reference {
            field: "leadId",
            target: MarketoObject::Lead,
            target_field: "id",
            code: codes::LEAD_NOT_FOUND,
        },
    ],
    lookup_fields: &[],
    first_id: 1,
};

/// The spec of `object`.
pub(super) fn spec(object: MarketoObject) -> &'static ObjectSpec {
    match object {
        MarketoObject::SalesPerson => &SALES_PERSON,
        MarketoObject::Company => &COMPANY,
        MarketoObject::Lead => &LEAD,
        MarketoObject::Opportunity => &OPPORTUNITY,
        MarketoObject::OpportunityRole => &OPPORTUNITY_ROLE,
    }
}

impl ObjectSpec {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field holding Marketo's id.
    pub fn id_field(&self) -> &'static str {
        self.object.id_field()
    }

    /// True when Marketo's id is an integer (else a GUID).
    pub fn int_id(&self) -> bool {
        self.id_field() == "id"
    }

    /// The fields a single-field query may filter on.
    pub fn filter_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.searchable
            .iter()
            .filter(|s| s.len() == 1)
            .map(|s| s[0])
    }

    /// Every field the store indexes for lookups.
    pub fn indexed(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.filter_types().collect();
        for f in self.dedupe.iter().chain(self.lookup_fields) {
            if !out.contains(f) {
                out.push(f);
            }
        }
        out
    }

    /// True when the field exists on this instance: without the "MSI Non-Native" feature
    /// leads have no Sales Insight fields (AdobeDocs/marketo.en
    /// sales-insight-for-non-native-ms-dynamics-integrations.md).
    pub fn has_field(&self, name: &str, msi_non_native: bool) -> bool {
        self.field(name).is_some()
            && (msi_non_native || self.object != MarketoObject::Lead || !MSI_FIELDS.contains(&name))
    }

    /// What `GET …/describe.json` answers: for leads the flat list of fields, each with its
    /// `rest` (and, but for the Sales Insight fields, `soap`) name and `readOnly`
    /// (AdobeDocs/marketo-developer.en help/rest-api/leads.md, Describe); for the other
    /// objects one object-level description (the per-object pages, e.g. sales-persons.md).
    pub fn describe(&self, msi_non_native: bool) -> Vec<Value> {
        if self.object != MarketoObject::Lead {
            return vec![self.describe_object()];
        }
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| self.has_field(f.name, msi_non_native))
            .map(|(i, f)| {
                let read_only = !f.updateable;
                let mut v = json!({
                    "id": i + 1,
                    "displayName": display_name(f.name),
                    "dataType": f.ty.describe(),
                    "rest": {"name": f.name, "readOnly": read_only},
                });
                if f.ty == FieldType::Str {
                    v["length"] = json!(255);
                }
                if !MSI_FIELDS.contains(&f.name) {
                    let mut soap = f.name.to_string();
                    if let Some(first) = soap.get_mut(..1) {
                        first.make_ascii_uppercase();
                    }
                    v["soap"] = json!({"name": soap, "readOnly": read_only});
                }
                v
            })
            .collect()
    }

    fn describe_object(&self) -> Value {
        json!({
            "name": self.object.name(),
            "displayName": self.display,
            "description": format!("{} object", self.display),
            "createdAt": DESCRIBED_AT,
            "updatedAt": DESCRIBED_AT,
            "idField": self.id_field(),
            "dedupeFields": self.dedupe,
            "searchableFields": self.searchable,
            "fields": self.fields.iter().map(|f| json!({
                "name": f.name,
                "dataType": f.ty.describe(),
                "updateable": f.updateable,
            })).collect::<Vec<_>>(),
        })
    }
}

/// When the sandbox's object schemas were last changed (describe's `createdAt`/`updatedAt`).
const DESCRIBED_AT: &str = "2026-01-05T09:00:00Z";

/// `externalPersonId` → `External Person Id`.
fn display_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            if c.is_ascii_uppercase() {
                out.push(' ');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_and_reference_names_a_known_field() {
        for object in MarketoObject::ALL {
            let s = spec(object);
            assert_eq!(s.object, object);
            for f in s.indexed() {
                assert!(s.field(f).is_some(), "{object}: {f}");
            }
            for r in s.references {
                assert!(s.field(r.field).is_some(), "{object}: {}", r.field);
                assert!(spec(r.target).indexed().contains(&r.target_field));
            }
            assert!(s.field(s.id_field()).is_some());
            assert!(s.filter_types().any(|f| f == object.key_field()));
        }
    }

    #[test]
    fn types_check_values() {
        assert!(FieldType::Int.check(&json!(3)).is_ok());
        assert!(FieldType::Int.check(&json!(3.5)).is_err());
        assert!(FieldType::Date.check(&json!("2026-02-30")).is_err());
        assert!(FieldType::Date.check(&json!("2026-02-28")).is_ok());
        assert!(FieldType::Bool.check(&json!("true")).is_err());
        assert!(FieldType::Str.check(&Value::Null).is_ok());
    }
}
