//! The leaves of a registration: every value of a solution detail or a contract with one way to
//! be shown in a form field and one way to be read back, so the forms and the registration
//! cannot drift apart.

use chrono::{DateTime, Utc};

use crate::domain::time::format_date;
use crate::domain::validate::{self, FieldError};
use crate::domain::*;
use crate::ui::edit::Group;
use crate::ui::form::{Field, Form, Kind, Value};

pub(super) const TRANSACTED: &str = "isMarketplaceTransacted";
pub(super) const TRANSACTED_ON: &str = "marketplaceTransactionDateTime";

/// One value of a registration part: how it is shown in a field and read back.
pub(super) struct Leaf<T> {
    /// The last segment of the field key (the JSON name).
    name: &'static str,
    /// The label after the entry's prefix.
    label: &'static str,
    kind: fn(&T) -> Kind,
    required: bool,
    hint: Option<&'static str>,
    show: fn(&T) -> Value,
    /// Writes the field's value into the part; the error says how to fix it.
    read: fn(&mut T, &Value) -> Result<(), String>,
}

pub(super) fn text(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn read_amount(v: &str) -> Result<Option<f64>, String> {
    text(v)
        .map(|t| validate::amount("", &t).map_err(|e| e.message))
        .transpose()
}

fn read_currency(v: &str) -> Result<Option<String>, String> {
    text(v)
        .map(|t| validate::currency("", &t).map_err(|e| e.message))
        .transpose()
}

fn read_date(v: &str) -> Result<Option<DateTime<Utc>>, String> {
    text(v)
        .map(|t| validate::datetime("", &t).map_err(|e| e.message))
        .transpose()
}

/// An amount as typed back into a field: `120000`, `1250.5`.
pub fn show_amount(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn show_date(d: Option<DateTime<Utc>>) -> String {
    d.map(|d| format_date(&d)).unwrap_or_default()
}

/// A choice of the known values, plus the current one when the server sent one this build
/// does not know (so an update never changes it by accident).
fn choice<E: Clone + PartialEq + ToString>(all: &[E], current: Option<&E>) -> Kind {
    let mut options: Vec<String> = all.iter().map(E::to_string).collect();
    if let Some(c) = current.filter(|c| !all.contains(c)) {
        options.push(c.to_string());
    }
    Kind::Choice(options)
}

fn market(s: &mut SolutionDetail) -> &mut MarketplaceTransactionDetails {
    s.marketplace_transaction_details
        .get_or_insert_with(Default::default)
}

pub(super) fn solution_leaves() -> [Leaf<SolutionDetail>; 9] {
    [
        Leaf {
            name: "id",
            label: "id",
            kind: |_| Kind::Text,
            required: true,
            hint: Some("e.g. SOL-34104-EBB"),
            show: |s| s.id.clone().unwrap_or_default().into(),
            read: |s, v| {
                s.id = text(v.as_text());
                Ok(())
            },
        },
        Leaf {
            name: "name",
            label: "name",
            kind: |_| Kind::Text,
            required: true,
            hint: None,
            show: |s| s.name.clone().unwrap_or_default().into(),
            read: |s, v| {
                s.name = text(v.as_text());
                Ok(())
            },
        },
        Leaf {
            name: "value",
            label: "value",
            kind: |_| Kind::Amount,
            required: true,
            hint: None,
            show: |s| show_amount(s.value).into(),
            read: |s, v| {
                s.value = read_amount(v.as_text())?;
                Ok(())
            },
        },
        Leaf {
            name: "currency",
            label: "currency",
            kind: |_| Kind::Currency,
            required: true,
            hint: None,
            show: |s| s.currency.clone().unwrap_or_default().into(),
            read: |s, v| {
                s.currency = read_currency(v.as_text())?;
                Ok(())
            },
        },
        Leaf {
            name: "isDeployedOnAzure",
            label: "on Azure",
            kind: |_| Kind::Toggle,
            required: false,
            hint: None,
            show: |s| s.is_deployed_on_azure.unwrap_or(true).into(),
            read: |s, v| {
                s.is_deployed_on_azure = Some(v.is_on());
                Ok(())
            },
        },
        Leaf {
            name: "primaryDeploymentOn",
            label: "deployment",
            kind: |s| choice(PrimaryDeployment::ALL, s.primary_deployment_on.as_ref()),
            required: false,
            hint: None,
            show: |s| {
                let p = s.primary_deployment_on.as_ref();
                Value::chosen(Some(p.unwrap_or(&PrimaryDeployment::Customer).as_str()))
            },
            read: |s, v| {
                s.primary_deployment_on = Some(PrimaryDeployment::parse(v.as_text()));
                Ok(())
            },
        },
        Leaf {
            name: "pricingModel",
            label: "pricing",
            kind: |s| choice(PricingModel::ALL, s.pricing_model.as_ref()),
            required: false,
            hint: None,
            show: |s| {
                let p = s.pricing_model.as_ref();
                Value::chosen(Some(p.unwrap_or(&PricingModel::PayAsYouGo).as_str()))
            },
            read: |s, v| {
                s.pricing_model = Some(PricingModel::parse(v.as_text()));
                Ok(())
            },
        },
        Leaf {
            name: TRANSACTED,
            label: "marketplace",
            kind: |_| Kind::Toggle,
            required: false,
            hint: Some("transacted through the commercial marketplace"),
            show: |s| {
                s.marketplace_transaction_details
                    .as_ref()
                    .and_then(|m| m.is_marketplace_transacted)
                    .unwrap_or(false)
                    .into()
            },
            read: |s, v| {
                market(s).is_marketplace_transacted = Some(v.is_on());
                Ok(())
            },
        },
        Leaf {
            name: TRANSACTED_ON,
            label: "transacted on",
            kind: |_| Kind::Date,
            required: false,
            hint: Some("YYYY-MM-DD"),
            show: |s| {
                show_date(
                    s.marketplace_transaction_details
                        .as_ref()
                        .and_then(|m| m.marketplace_transaction_date_time),
                )
                .into()
            },
            read: |s, v| {
                market(s).marketplace_transaction_date_time = read_date(v.as_text())?;
                Ok(())
            },
        },
    ]
}

pub(super) fn contract_leaves() -> [Leaf<Contract>; 6] {
    [
        Leaf {
            name: "value",
            label: "Contract value",
            kind: |_| Kind::Amount,
            required: true,
            hint: None,
            show: |c| show_amount(c.value).into(),
            read: |c, v| {
                c.value = read_amount(v.as_text())?;
                Ok(())
            },
        },
        Leaf {
            name: "currency",
            label: "Contract currency",
            kind: |_| Kind::Currency,
            required: true,
            hint: None,
            show: |c| c.currency.clone().unwrap_or_default().into(),
            read: |c, v| {
                c.currency = read_currency(v.as_text())?;
                Ok(())
            },
        },
        Leaf {
            name: "signDateTime",
            label: "Sign date",
            kind: |_| Kind::Date,
            required: true,
            hint: Some("YYYY-MM-DD, the day the customer signed"),
            show: |c| show_date(c.sign_date_time).into(),
            read: |c, v| {
                c.sign_date_time = read_date(v.as_text())?;
                Ok(())
            },
        },
        Leaf {
            name: "startDateTime",
            label: "Start date",
            kind: |_| Kind::Date,
            required: true,
            hint: Some("YYYY-MM-DD, on or after the sign date"),
            show: |c| show_date(c.start_date_time).into(),
            read: |c, v| {
                c.start_date_time = read_date(v.as_text())?;
                Ok(())
            },
        },
        Leaf {
            name: "term",
            label: "Term",
            kind: |c| choice(ContractTerm::ALL, c.term.as_ref()),
            required: false,
            hint: None,
            show: |c| {
                let t = c.term.as_ref();
                Value::chosen(Some(t.unwrap_or(&ContractTerm::Finite).as_str()))
            },
            read: |c, v| {
                c.term = Some(ContractTerm::parse(v.as_text()));
                Ok(())
            },
        },
        Leaf {
            name: "endDateTime",
            label: "End date",
            kind: |_| Kind::Date,
            required: false,
            hint: Some("YYYY-MM-DD, after the start date"),
            show: |c| show_date(c.end_date_time).into(),
            read: |c, v| {
                c.end_date_time = read_date(v.as_text())?;
                Ok(())
            },
        },
    ]
}

/// How the fields of one entry are keyed and labelled.
pub(super) struct Names {
    key: String,
    label: String,
}

impl Names {
    pub(super) fn solution(i: usize) -> Names {
        Names {
            key: format!("{}.{i}.", Group::SolutionDetails.prefix()),
            label: format!("Solution {} ", i + 1),
        }
    }

    pub(super) fn contract() -> Names {
        Names {
            key: "contract.".into(),
            label: String::new(),
        }
    }

    pub(super) fn key(&self, leaf: &str) -> String {
        format!("{}{leaf}", self.key)
    }

    pub(super) fn label(&self, leaf: &str) -> String {
        format!("{}{leaf}", self.label)
    }
}

pub(super) fn fields_of<T>(leaves: &[Leaf<T>], names: &Names, value: &T) -> Vec<Field> {
    leaves
        .iter()
        .map(|leaf| {
            let mut f = Field::new(
                names.key(leaf.name),
                names.label(leaf.label),
                (leaf.kind)(value),
                (leaf.show)(value),
            );
            if leaf.required {
                f = f.required();
            }
            if let Some(h) = leaf.hint {
                f = f.hint(h);
            }
            f
        })
        .collect()
}

/// Reads one entry back; a leaf still showing `base`'s value keeps `base`'s exact value.
pub(super) fn read_leaves<T: Clone + Default>(
    leaves: &[Leaf<T>],
    names: &Names,
    form: &Form,
    base: Option<&T>,
) -> (T, Vec<FieldError>) {
    let mut out = base.cloned().unwrap_or_default();
    let mut errors = Vec::new();
    for leaf in leaves {
        let typed = form
            .get(&names.key(leaf.name))
            .map_or(Value::Text(String::new()), Field::value);
        if base.is_some_and(|b| (leaf.show)(b) == typed) {
            continue;
        }
        if let Err(message) = (leaf.read)(&mut out, &typed) {
            errors.push(FieldError::new(
                names.label(leaf.label).to_lowercase(),
                message,
            ));
        }
    }
    (out, errors)
}

/// The fields of solution `i` of a registration.
pub fn solution_detail_fields(i: usize, s: &SolutionDetail) -> Vec<Field> {
    fields_of(&solution_leaves(), &Names::solution(i), s)
}

/// The fields of a contract.
pub fn contract_fields(c: &Contract) -> Vec<Field> {
    fields_of(&contract_leaves(), &Names::contract(), c)
}
