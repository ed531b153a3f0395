//! The registration the wizard builds: the fields of its two forms (solution details and
//! contract), reading them back into a [`Registration`], the checks each step runs before the
//! next one opens, and the JSON Patch that is sent.
//!
//! Every value of the registration is a *leaf* with one way to be shown in a field and one way
//! to be read back, so the forms and the registration cannot drift apart.
//!
//! Choices (the public record is silent):
//! - In an update, a leaf whose field still shows what the registration held keeps the server's
//!   exact value (a timestamp with a time of day is shown as its date and, untouched, is not
//!   rewritten to midnight), so only what the user changed is patched. Solutions are matched to
//!   the registration's own by id; a solution whose id was changed is read as a new one.
//! - Defaults of a new registration: one solution per solution of the referral (id and name);
//!   the deal value as the solution value when there is exactly one solution (with several the
//!   split is the seller's to state, so the values start blank); the deal currency; deployed on
//!   Azure; primary deployment Customer; pricing PayAsYouGo; not marketplace-transacted. The
//!   contract: the sum of the solution values, the deal currency (or the one currency all
//!   solutions use), signed today (UTC), starting on the sign date, term Finite.
//! - A default follows its source (contract value ← sum of the solution values, contract
//!   currency ← the solutions' common currency, start date ← sign date) until the user types a
//!   value of their own; a field emptied by the user takes the default again.
//! - The transaction date of a solution not transacted through the marketplace and the end date
//!   of a Perpetual contract are locked in the form and never sent.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::domain::patch::{self, PatchOp};
use crate::domain::rules;
use crate::domain::time::{format_date, parse_datetime};
use crate::domain::validate::{self, FieldError};
use crate::domain::*;
use crate::ui::edit::{Group, count_group, edit_group};
use crate::ui::form::{Field, Form, Kind};

/// Field keys of the contract form (the names `rules::check_registration` uses).
pub mod key {
    pub const VALUE: &str = "contract.value";
    pub const CURRENCY: &str = "contract.currency";
    pub const SIGN: &str = "contract.signDateTime";
    pub const START: &str = "contract.startDateTime";
    pub const TERM: &str = "contract.term";
    pub const END: &str = "contract.endDateTime";
}

const TRANSACTED: &str = "isMarketplaceTransacted";
const TRANSACTED_ON: &str = "marketplaceTransactionDateTime";
const NOT_TRANSACTED: &str = "only for marketplace-transacted solutions";
const PERPETUAL_NO_END: &str = "a Perpetual contract has no end date";

/// Which registration a draft becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A new registration: `add /registrations/-`.
    New,
    /// The registration at this index: `replace` under `/registrations/{n}/`.
    Update(usize),
}

/// The two forms of the wizard, one per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Solutions,
    Contract,
}

impl Part {
    fn owns(self, key: &str) -> bool {
        match self {
            Part::Solutions => key.starts_with(Group::SolutionDetails.prefix()),
            Part::Contract => key.starts_with("contract"),
        }
    }
}

/// One value of a registration part: how it is shown in a field and read back.
struct Leaf<T> {
    /// The last segment of the field key (the JSON name).
    name: &'static str,
    /// The label after the entry's prefix.
    label: &'static str,
    kind: fn(&T) -> Kind,
    required: bool,
    hint: Option<&'static str>,
    show: fn(&T) -> String,
    /// Writes the typed text into the value; the error says how to fix it.
    read: fn(&mut T, &str) -> Result<(), String>,
}

fn text(v: &str) -> Option<String> {
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

fn solution_leaves() -> [Leaf<SolutionDetail>; 9] {
    [
        Leaf {
            name: "id",
            label: "id",
            kind: |_| Kind::Text,
            required: true,
            hint: Some("e.g. SOL-34104-EBB"),
            show: |s| s.id.clone().unwrap_or_default(),
            read: |s, v| {
                s.id = text(v);
                Ok(())
            },
        },
        Leaf {
            name: "name",
            label: "name",
            kind: |_| Kind::Text,
            required: true,
            hint: None,
            show: |s| s.name.clone().unwrap_or_default(),
            read: |s, v| {
                s.name = text(v);
                Ok(())
            },
        },
        Leaf {
            name: "value",
            label: "value",
            kind: |_| Kind::Amount,
            required: true,
            hint: None,
            show: |s| show_amount(s.value),
            read: |s, v| {
                s.value = read_amount(v)?;
                Ok(())
            },
        },
        Leaf {
            name: "currency",
            label: "currency",
            kind: |_| Kind::Currency,
            required: true,
            hint: None,
            show: |s| s.currency.clone().unwrap_or_default(),
            read: |s, v| {
                s.currency = read_currency(v)?;
                Ok(())
            },
        },
        Leaf {
            name: "isDeployedOnAzure",
            label: "on Azure",
            kind: |_| Kind::Toggle,
            required: false,
            hint: None,
            show: |s| s.is_deployed_on_azure.unwrap_or(true).to_string(),
            read: |s, v| {
                s.is_deployed_on_azure = Some(v == "true");
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
                s.primary_deployment_on
                    .clone()
                    .unwrap_or(PrimaryDeployment::Customer)
                    .to_string()
            },
            read: |s, v| {
                s.primary_deployment_on = Some(PrimaryDeployment::parse(v));
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
                s.pricing_model
                    .clone()
                    .unwrap_or(PricingModel::PayAsYouGo)
                    .to_string()
            },
            read: |s, v| {
                s.pricing_model = Some(PricingModel::parse(v));
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
                    .to_string()
            },
            read: |s, v| {
                market(s).is_marketplace_transacted = Some(v == "true");
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
            },
            read: |s, v| {
                market(s).marketplace_transaction_date_time = read_date(v)?;
                Ok(())
            },
        },
    ]
}

fn contract_leaves() -> [Leaf<Contract>; 6] {
    [
        Leaf {
            name: "value",
            label: "Contract value",
            kind: |_| Kind::Amount,
            required: true,
            hint: None,
            show: |c| show_amount(c.value),
            read: |c, v| {
                c.value = read_amount(v)?;
                Ok(())
            },
        },
        Leaf {
            name: "currency",
            label: "Contract currency",
            kind: |_| Kind::Currency,
            required: true,
            hint: None,
            show: |c| c.currency.clone().unwrap_or_default(),
            read: |c, v| {
                c.currency = read_currency(v)?;
                Ok(())
            },
        },
        Leaf {
            name: "signDateTime",
            label: "Sign date",
            kind: |_| Kind::Date,
            required: true,
            hint: Some("YYYY-MM-DD, the day the customer signed"),
            show: |c| show_date(c.sign_date_time),
            read: |c, v| {
                c.sign_date_time = read_date(v)?;
                Ok(())
            },
        },
        Leaf {
            name: "startDateTime",
            label: "Start date",
            kind: |_| Kind::Date,
            required: true,
            hint: Some("YYYY-MM-DD, on or after the sign date"),
            show: |c| show_date(c.start_date_time),
            read: |c, v| {
                c.start_date_time = read_date(v)?;
                Ok(())
            },
        },
        Leaf {
            name: "term",
            label: "Term",
            kind: |c| choice(ContractTerm::ALL, c.term.as_ref()),
            required: false,
            hint: None,
            show: |c| c.term.clone().unwrap_or(ContractTerm::Finite).to_string(),
            read: |c, v| {
                c.term = Some(ContractTerm::parse(v));
                Ok(())
            },
        },
        Leaf {
            name: "endDateTime",
            label: "End date",
            kind: |_| Kind::Date,
            required: false,
            hint: Some("YYYY-MM-DD, after the start date"),
            show: |c| show_date(c.end_date_time),
            read: |c, v| {
                c.end_date_time = read_date(v)?;
                Ok(())
            },
        },
    ]
}

/// How the fields of one entry are keyed and labelled.
struct Names {
    key: String,
    label: String,
}

impl Names {
    fn solution(i: usize) -> Names {
        Names {
            key: format!("{}.{i}.", Group::SolutionDetails.prefix()),
            label: format!("Solution {} ", i + 1),
        }
    }

    fn contract() -> Names {
        Names {
            key: "contract.".into(),
            label: String::new(),
        }
    }

    fn key(&self, leaf: &str) -> String {
        format!("{}{leaf}", self.key)
    }

    fn label(&self, leaf: &str) -> String {
        format!("{}{leaf}", self.label)
    }
}

fn fields_of<T>(leaves: &[Leaf<T>], names: &Names, value: &T) -> Vec<Field> {
    leaves
        .iter()
        .map(|leaf| {
            let mut f = Field::new(
                names.key(leaf.name),
                names.label(leaf.label),
                (leaf.kind)(value),
                &(leaf.show)(value),
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
fn read_leaves<T: Clone + Default>(
    leaves: &[Leaf<T>],
    names: &Names,
    form: &Form,
    base: Option<&T>,
) -> (T, Vec<FieldError>) {
    let mut out = base.cloned().unwrap_or_default();
    let mut errors = Vec::new();
    for leaf in leaves {
        let typed = form.value(&names.key(leaf.name));
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

/// The form key of a field named by `rules::check_registration`
/// (`solutionDetails[0].marketplaceTransactionDetails.marketplaceTransactionDateTime` →
/// `solutionDetails.0.marketplaceTransactionDateTime`).
pub fn form_key(rule_field: &str) -> String {
    let dotted = rule_field.replace('[', ".").replace(']', "");
    let parts: Vec<&str> = dotted.split('.').collect();
    match parts.as_slice() {
        [group, i, .., last] if *group == Group::SolutionDetails.prefix() => {
            format!("{group}.{i}.{last}")
        }
        _ => dotted,
    }
}

/// What the user typed for one registration, new or updated.
#[derive(Debug, Clone)]
pub struct Draft {
    pub solutions: Form,
    pub contract: Form,
    /// The registration being updated (`None` for a new one).
    base: Option<Registration>,
    /// Values the wizard filled in itself, by field key (see the module notes).
    auto: HashMap<String, String>,
    /// The currency a solution added with Ctrl-N starts with.
    currency: String,
    /// True once the user typed or changed anything.
    pub typed: bool,
}

impl Draft {
    /// A new registration of `r` with the defaults of the module notes; `today` is the sign
    /// date.
    pub fn for_new(r: &Referral, today: DateTime<Utc>) -> Draft {
        let currency = r.currency().trim().to_ascii_uppercase();
        let single = r.solutions().len() == 1;
        let solutions: Vec<SolutionDetail> = if r.solutions().is_empty() {
            vec![SolutionDetail::default()]
        } else {
            r.solutions()
                .iter()
                .map(|s| SolutionDetail {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    value: r.deal_value().filter(|_| single),
                    ..Default::default()
                })
                .collect()
        }
        .into_iter()
        .map(|s| SolutionDetail {
            currency: text(&currency),
            ..s
        })
        .collect();
        let contract = Contract {
            sign_date_time: Some(today),
            term: Some(ContractTerm::Finite),
            ..Default::default()
        };
        let mut draft = Draft::build(&solutions, &contract, None, currency.clone());
        draft.set_default(key::CURRENCY, &currency);
        draft.follow_defaults();
        draft
    }

    /// An update of `reg`, showing what it holds.
    pub fn for_update(reg: &Registration, currency: &str) -> Draft {
        let mut solutions = reg.solution_details.clone().unwrap_or_default();
        if solutions.is_empty() {
            solutions.push(SolutionDetail::default());
        }
        let contract = reg.contract.clone().unwrap_or_default();
        Draft::build(
            &solutions,
            &contract,
            Some(reg.clone()),
            currency.trim().to_ascii_uppercase(),
        )
    }

    fn build(
        solutions: &[SolutionDetail],
        contract: &Contract,
        base: Option<Registration>,
        currency: String,
    ) -> Draft {
        let fields = solutions
            .iter()
            .enumerate()
            .flat_map(|(i, s)| solution_detail_fields(i, s))
            .collect();
        let mut draft = Draft {
            solutions: Form::new(fields),
            contract: Form::new(contract_fields(contract)),
            base,
            auto: HashMap::new(),
            currency,
            typed: false,
        };
        draft.sync_locks();
        draft
    }

    pub fn is_update(&self) -> bool {
        self.base.is_some()
    }

    pub fn form(&self, part: Part) -> &Form {
        match part {
            Part::Solutions => &self.solutions,
            Part::Contract => &self.contract,
        }
    }

    pub fn form_mut(&mut self, part: Part) -> &mut Form {
        match part {
            Part::Solutions => &mut self.solutions,
            Part::Contract => &mut self.contract,
        }
    }

    pub fn solution_count(&self) -> usize {
        count_group(&self.solutions, Group::SolutionDetails)
    }

    /// Adds a solution after the one under the cursor (`add`) or removes that one.
    pub fn edit_solutions(&mut self, add: bool) -> Result<(), String> {
        let currency = self.currency.clone();
        let result = edit_group(&mut self.solutions, add, &mut |_, i| {
            solution_detail_fields(
                i,
                &SolutionDetail {
                    currency: text(&currency),
                    ..Default::default()
                },
            )
        });
        if result.is_ok() {
            self.typed = true;
            self.sync_locks();
        }
        result
    }

    /// The solution details as typed, with the errors of values that cannot be read.
    pub fn read_solutions(&self) -> (Vec<SolutionDetail>, Vec<FieldError>) {
        let leaves = solution_leaves();
        let own = self
            .base
            .as_ref()
            .and_then(|b| b.solution_details.as_deref())
            .unwrap_or(&[]);
        let mut errors = Vec::new();
        let solutions = (0..self.solution_count())
            .map(|i| {
                let names = Names::solution(i);
                let id = self.solutions.value(&names.key("id"));
                let base = own
                    .iter()
                    .find(|s| s.id.as_deref().map(str::trim) == Some(id.trim()));
                let (mut s, e) = read_leaves(&leaves, &names, &self.solutions, base);
                errors.extend(e);
                if let Some(m) = s.marketplace_transaction_details.as_mut()
                    && m.is_marketplace_transacted != Some(true)
                {
                    m.marketplace_transaction_date_time = None;
                }
                s
            })
            .collect();
        (solutions, errors)
    }

    /// The contract as typed, with the errors of values that cannot be read.
    pub fn read_contract(&self) -> (Contract, Vec<FieldError>) {
        let base = self.base.as_ref().and_then(|b| b.contract.as_ref());
        let (mut c, errors) =
            read_leaves(&contract_leaves(), &Names::contract(), &self.contract, base);
        if c.term == Some(ContractTerm::Perpetual) {
            c.end_date_time = None;
        }
        (c, errors)
    }

    /// The registration as typed: for an update, the registration with the typed parts put in
    /// (its id, status and history kept). Errors name the fields by their labels.
    pub fn registration(&self) -> Result<Registration, Vec<FieldError>> {
        let (solutions, mut errors) = self.read_solutions();
        let (contract, contract_errors) = self.read_contract();
        errors.extend(contract_errors);
        let mut reg = self.base.clone().unwrap_or_else(|| Registration {
            registration_type: Some(RegistrationType::AzureIpCoSell),
            ..Default::default()
        });
        reg.solution_details = Some(solutions);
        reg.contract = Some(contract);
        if !errors.is_empty() {
            return Err(errors);
        }
        let rule_errors: Vec<FieldError> = rules::check_registration(&reg)
            .into_iter()
            .map(|e| self.labelled(e))
            .collect();
        if rule_errors.is_empty() {
            Ok(reg)
        } else {
            Err(rule_errors)
        }
    }

    /// A rule error named by the label of the field it concerns (when the forms show one).
    fn labelled(&self, e: FieldError) -> FieldError {
        let k = form_key(&e.field);
        let field = [&self.solutions, &self.contract]
            .into_iter()
            .find_map(|f| f.get(&k));
        match field {
            Some(f) => FieldError::new(f.label.to_lowercase(), e.message),
            None => e,
        }
    }

    /// The checks of one step: every field of its form, then the registration rules that
    /// concern it. The errors are shown under their fields and the cursor goes to the first.
    pub fn check(&mut self, part: Part) -> Vec<FieldError> {
        let errors = self.form_mut(part).validate_all();
        if !errors.is_empty() {
            return errors;
        }
        let errors: Vec<FieldError> = match self.registration() {
            Ok(_) => Vec::new(),
            // Problems of the other step wait for that step.
            Err(all) => all
                .into_iter()
                .filter(|e| self.part_of(e) == part)
                .collect(),
        };
        let form = self.form_mut(part);
        form.show_errors(&errors);
        if let Some(i) = form.fields.iter().position(|f| f.error.is_some()) {
            form.focus = i;
        }
        errors
    }

    /// Which step an error belongs to: the one showing the field it names, else the one its
    /// rule name points at (`solutionDetails`, `contract`).
    fn part_of(&self, e: &FieldError) -> Part {
        let shown = [Part::Solutions, Part::Contract].into_iter().find(|p| {
            self.form(*p)
                .fields
                .iter()
                .any(|f| f.label.eq_ignore_ascii_case(&e.field))
        });
        shown.unwrap_or(if Part::Solutions.owns(&e.field) {
            Part::Solutions
        } else {
            Part::Contract
        })
    }

    /// Fills `key` with `value` when the field still follows its default (see the notes).
    fn set_default(&mut self, key: &str, value: &str) {
        let follows_now = {
            let current = self.contract.value(key);
            current.trim().is_empty() || self.auto.get(key) == Some(&current)
        };
        if !follows_now {
            return;
        }
        if let Some(f) = self.contract.get_mut(key)
            && f.value() != value
        {
            f.set_value(value);
            f.validate();
        }
        self.auto.insert(key.to_string(), value.to_string());
    }

    /// The sum of the solution values, when every solution has one.
    pub fn solutions_total(&self) -> Option<f64> {
        let (solutions, _) = self.read_solutions();
        let total: Option<f64> = solutions.iter().map(|s| s.value).sum();
        total.map(|t| (t * 100.0).round() / 100.0)
    }

    /// Updates the defaults that follow other fields (contract value and currency, start
    /// date). Called when the contract step opens and after each change in it.
    pub fn follow_defaults(&mut self) {
        if self.is_update() {
            return;
        }
        if let Some(total) = self.solutions_total() {
            self.set_default(key::VALUE, &show_amount(Some(total)));
        }
        let (solutions, _) = self.read_solutions();
        let currencies: BTreeSet<String> = solutions
            .iter()
            .filter_map(|s| s.currency.clone())
            .collect();
        if currencies.len() == 1
            && let Some(c) = currencies.first()
        {
            self.set_default(key::CURRENCY, &c.clone());
        }
        let sign = self.contract.value(key::SIGN);
        if parse_datetime(&sign).is_some() {
            self.set_default(key::START, &sign);
        }
    }

    /// After the user changed a value of `part`: marks the draft typed, locks what no longer
    /// applies and lets the contract's defaults follow.
    pub fn changed(&mut self, part: Part) {
        self.typed = true;
        self.sync_locks();
        if part == Part::Contract {
            self.follow_defaults();
        }
    }

    /// Locks the fields that do not apply (see the notes); a locked field whose text is not a
    /// date is emptied so it cannot block the step.
    pub fn sync_locks(&mut self) {
        let lock = |f: Option<&mut Field>, locked: bool, why: &str| {
            if let Some(f) = f {
                if locked {
                    if f.validate().is_some() {
                        f.set_value("");
                    }
                    f.error = None;
                    f.locked = Some(why.to_string());
                } else {
                    f.locked = None;
                }
            }
        };
        for i in 0..self.solution_count() {
            let names = Names::solution(i);
            let transacted = self.solutions.value(&names.key(TRANSACTED)) == "true";
            lock(
                self.solutions.get_mut(&names.key(TRANSACTED_ON)),
                !transacted,
                NOT_TRANSACTED,
            );
        }
        let perpetual = self.contract.value(key::TERM) == ContractTerm::Perpetual.as_str();
        lock(self.contract.get_mut(key::END), perpetual, PERPETUAL_NO_END);
    }
}

/// The JSON Patch that turns `referral` into the referral with `reg` added (`Target::New`) or
/// put in place of registration `n` (`Target::Update(n)`), built with [`patch::diff`] so it is
/// exactly what the service would expect from any other edit.
pub fn patch_ops(referral: &Referral, target: Target, reg: &Registration) -> Vec<PatchOp> {
    let mut edited = referral.clone();
    let regs = edited.registrations.get_or_insert_with(Vec::new);
    match target {
        Target::New => regs.push(reg.clone()),
        Target::Update(n) => match regs.get_mut(n) {
            Some(slot) => *slot = reg.clone(),
            None => return Vec::new(),
        },
    }
    patch::diff(referral, &edited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patch::Op;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        parse_datetime(s).unwrap()
    }

    fn referral(solutions: serde_json::Value) -> Referral {
        serde_json::from_value(json!({
            "id": "r1", "name": "Deal", "status": "Closed", "substatus": "Won",
            "createdDateTime": "2026-01-01T00:00:00Z", "closedDateTime": "2026-02-01T00:00:00Z",
            "consent": {"consentToShareReferralWithMicrosoftSellers": true},
            "details": {"dealValue": 120000.0, "currency": "usd",
                "requirements": {"solutions": solutions}},
            "eTag": "\"e1\""
        }))
        .unwrap()
    }

    fn one_solution() -> Referral {
        referral(json!([{"id": "SOL-1", "name": "Analytics"}]))
    }

    fn existing(status: &str) -> Registration {
        serde_json::from_value(json!({
            "id": "reg-1", "type": "AzureIPCoSell", "status": status,
            "registrationDateTime": "2026-02-03T10:11:12Z",
            "statusHistory": {"reviewPendingDateTime": "2026-02-03T10:11:12Z"},
            "solutionDetails": [{"id": "SOL-1", "name": "Analytics", "value": 120000.0,
                "currency": "USD", "isDeployedOnAzure": true, "primaryDeploymentOn": "Customer",
                "pricingModel": "PayAsYouGo",
                "marketplaceTransactionDetails": {"isMarketplaceTransacted": true,
                    "marketplaceTransactionDateTime": "2026-02-02T15:30:00Z"},
                "partnerNote": "kept"}],
            "contract": {"value": 120000.0, "currency": "USD",
                "signDateTime": "2026-02-01T09:00:00Z", "startDateTime": "2026-02-02T09:00:00Z",
                "endDateTime": "2027-02-02T09:00:00Z", "term": "Finite"}
        }))
        .unwrap()
    }

    fn set(form: &mut Form, key: &str, value: &str) {
        form.get_mut(key)
            .unwrap_or_else(|| panic!("no field {key}"))
            .set_value(value);
    }

    #[test]
    fn a_new_registration_starts_from_the_referral() {
        let mut d = Draft::for_new(&one_solution(), at("2026-03-04T15:00:00Z"));
        // A Finite contract needs its end date: the one value without a default.
        let errors = d.registration().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "end date: enter the end date, or choose the Perpetual term"
        );
        set(&mut d.contract, key::END, "2027-03-03");
        let reg = d.registration().unwrap();
        assert_eq!(
            serde_json::to_value(&reg).unwrap(),
            json!({
                "type": "AzureIPCoSell",
                "solutionDetails": [{"id": "SOL-1", "name": "Analytics", "value": 120000.0,
                    "currency": "USD", "isDeployedOnAzure": true, "primaryDeploymentOn": "Customer",
                    "pricingModel": "PayAsYouGo",
                    "marketplaceTransactionDetails": {"isMarketplaceTransacted": false}}],
                "contract": {"value": 120000.0, "currency": "USD",
                    "startDateTime": "2026-03-04T00:00:00Z", "endDateTime": "2027-03-03T00:00:00Z",
                    "signDateTime": "2026-03-04T00:00:00Z", "term": "Finite"}
            })
        );
    }

    #[test]
    fn defaults_fill_the_contract_and_follow_until_typed_over() {
        let r = referral(json!([{"id": "SOL-1", "name": "A"}, {"id": "SOL-2", "name": "B"}]));
        let mut d = Draft::for_new(&r, at("2026-03-04T15:00:00Z"));
        assert_eq!(d.solution_count(), 2);
        assert_eq!(
            d.solutions.value("solutionDetails.0.value"),
            "",
            "split is the seller's"
        );
        assert_eq!(d.solutions.value("solutionDetails.1.currency"), "USD");
        assert_eq!(d.contract.value(key::SIGN), "2026-03-04");
        assert_eq!(d.contract.value(key::START), "2026-03-04");
        assert_eq!(d.contract.value(key::VALUE), "");
        set(&mut d.solutions, "solutionDetails.0.value", "70000");
        set(&mut d.solutions, "solutionDetails.1.value", "50,000.5");
        d.follow_defaults();
        assert_eq!(d.contract.value(key::VALUE), "120000.5");
        set(&mut d.solutions, "solutionDetails.1.currency", "EUR");
        set(&mut d.solutions, "solutionDetails.0.currency", "EUR");
        d.follow_defaults();
        assert_eq!(d.contract.value(key::CURRENCY), "EUR");
        // The sign date carries the start date along until the start is typed over.
        set(&mut d.contract, key::SIGN, "2026-03-01");
        d.follow_defaults();
        assert_eq!(d.contract.value(key::START), "2026-03-01");
        set(&mut d.contract, key::START, "2026-03-10");
        set(&mut d.contract, key::SIGN, "2026-03-02");
        d.follow_defaults();
        assert_eq!(d.contract.value(key::START), "2026-03-10");
        // A typed contract value stays.
        set(&mut d.contract, key::VALUE, "99");
        set(&mut d.solutions, "solutionDetails.0.value", "1");
        d.follow_defaults();
        assert_eq!(d.contract.value(key::VALUE), "99");
    }

    #[test]
    fn each_step_names_the_fields_to_fix() {
        let r = referral(json!([{"id": "SOL-1", "name": "A"}, {"id": "SOL-2"}]));
        let mut d = Draft::for_new(&r, at("2026-03-04T00:00:00Z"));
        let errors = d.check(Part::Solutions);
        let named: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            named,
            ["solution 1 value", "solution 2 name", "solution 2 value"]
        );
        assert_eq!(
            d.solutions.focused().unwrap().key,
            "solutionDetails.0.value"
        );
        set(&mut d.solutions, "solutionDetails.0.value", "1");
        set(&mut d.solutions, "solutionDetails.1.value", "2");
        set(&mut d.solutions, "solutionDetails.1.name", "B");
        set(
            &mut d.solutions,
            "solutionDetails.1.isMarketplaceTransacted",
            "true",
        );
        d.sync_locks();
        let errors = d.check(Part::Solutions);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "solution 2 transacted on");
        assert!(
            errors[0].message.contains("transaction date"),
            "{}",
            errors[0]
        );
        assert!(
            d.solutions
                .get("solutionDetails.1.marketplaceTransactionDateTime")
                .unwrap()
                .error
                .as_deref()
                .unwrap()
                .starts_with("solution 2 transacted on:")
        );
        set(
            &mut d.solutions,
            "solutionDetails.1.marketplaceTransactionDateTime",
            "2026-02-20",
        );
        assert!(d.check(Part::Solutions).is_empty());

        // The contract (its defaults follow the solutions when the step opens): a Finite term
        // needs its end, after the start, which is not before the sign date.
        d.follow_defaults();
        assert_eq!(d.contract.value(key::VALUE), "3");
        let errors = d.check(Part::Contract);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "end date");
        set(&mut d.contract, key::START, "2026-03-01");
        set(&mut d.contract, key::END, "2026-02-01");
        let named: Vec<String> = d
            .check(Part::Contract)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            named,
            [
                "start date: the contract cannot start before it was signed; pick a start on or after the sign date",
                "end date: the contract must end after it starts"
            ]
        );
        set(&mut d.contract, key::CURRENCY, "dollars");
        let errors = d.check(Part::Contract);
        assert_eq!(errors[0].field, "contract currency");
        assert!(errors[0].message.contains("ISO 4217"));
    }

    #[test]
    fn locked_fields_are_not_sent() {
        let mut d = Draft::for_new(&one_solution(), at("2026-03-04T00:00:00Z"));
        let date = "solutionDetails.0.marketplaceTransactionDateTime";
        assert!(d.solutions.get(date).unwrap().locked.is_some());
        set(
            &mut d.solutions,
            "solutionDetails.0.isMarketplaceTransacted",
            "true",
        );
        d.sync_locks();
        assert!(d.solutions.get(date).unwrap().locked.is_none());
        set(&mut d.solutions, date, "2026-02-20");
        set(
            &mut d.solutions,
            "solutionDetails.0.isMarketplaceTransacted",
            "false",
        );
        d.sync_locks();
        set(&mut d.contract, key::END, "2027-01-01");
        set(&mut d.contract, key::TERM, "Perpetual");
        d.sync_locks();
        assert!(d.contract.get(key::END).unwrap().locked.is_some());
        let reg = d.registration().unwrap();
        let m = reg.solution_details.unwrap()[0]
            .marketplace_transaction_details
            .clone()
            .unwrap();
        assert_eq!(m.is_marketplace_transacted, Some(false));
        assert_eq!(m.marketplace_transaction_date_time, None);
        let c = reg.contract.unwrap();
        assert_eq!(c.term, Some(ContractTerm::Perpetual));
        assert_eq!(c.end_date_time, None);
    }

    #[test]
    fn solutions_can_be_added_and_removed_but_one_stays() {
        let mut d = Draft::for_new(&one_solution(), at("2026-03-04T00:00:00Z"));
        d.solutions.focus_key("solutionDetails.0.name");
        d.edit_solutions(true).unwrap();
        assert_eq!(d.solution_count(), 2);
        assert_eq!(d.solutions.focused().unwrap().key, "solutionDetails.1.id");
        assert_eq!(d.solutions.value("solutionDetails.1.currency"), "USD");
        assert_eq!(d.solutions.value("solutionDetails.0.id"), "SOL-1");
        assert!(d.typed);
        d.edit_solutions(false).unwrap();
        assert_eq!(d.solution_count(), 1);
        assert_eq!(d.solutions.value("solutionDetails.0.id"), "SOL-1");
        assert_eq!(
            d.edit_solutions(false).unwrap_err(),
            "a deal registration needs at least one solution"
        );
    }

    #[test]
    fn a_new_registration_is_one_add() {
        let r = one_solution();
        let mut d = Draft::for_new(&r, at("2026-03-04T00:00:00Z"));
        set(&mut d.contract, key::END, "2027-03-04");
        let reg = d.registration().unwrap();
        let ops = patch_ops(&r, Target::New, &reg);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].op, Op::Add);
        assert_eq!(ops[0].path, "/registrations/-");
        assert_eq!(
            ops[0].value["contract"]["endDateTime"],
            "2027-03-04T00:00:00Z"
        );
        assert_eq!(ops[0].value["type"], "AzureIPCoSell");
        assert!(ops[0].value.get("id").is_none(), "the service adds the id");
        // Appending to existing registrations is an add as well.
        let mut with_one = r.clone();
        with_one.registrations = Some(vec![existing("Failed")]);
        let ops = patch_ops(&with_one, Target::New, &reg);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].path, "/registrations/-");
    }

    #[test]
    fn an_untouched_update_changes_nothing_and_keeps_server_values() {
        let mut r = one_solution();
        r.registrations = Some(vec![existing("ActionRequired")]);
        let d = Draft::for_update(&r.registrations()[0], r.currency());
        assert_eq!(d.contract.value(key::SIGN), "2026-02-01");
        assert_eq!(
            d.solutions
                .value("solutionDetails.0.marketplaceTransactionDateTime"),
            "2026-02-02"
        );
        let reg = d.registration().unwrap();
        assert_eq!(reg, r.registrations()[0]);
        assert!(patch_ops(&r, Target::Update(0), &reg).is_empty());
    }

    #[test]
    fn an_update_patches_only_the_changed_leaves() {
        let mut r = one_solution();
        r.registrations = Some(vec![existing("Failed"), existing("ActionRequired")]);
        let mut d = Draft::for_update(&r.registrations()[1], r.currency());
        set(&mut d.contract, key::VALUE, "125000");
        set(&mut d.contract, key::END, "2027-06-30");
        let reg = d.registration().unwrap();
        let ops = patch_ops(&r, Target::Update(1), &reg);
        assert_eq!(
            ops,
            vec![
                PatchOp::replace("/registrations/1/contract/value", json!(125000.0)),
                PatchOp::replace(
                    "/registrations/1/contract/endDateTime",
                    json!("2027-06-30T00:00:00Z")
                ),
            ]
        );
        // A changed solution replaces the solution list, keeping what the form does not show.
        set(&mut d.solutions, "solutionDetails.0.pricingModel", "Other");
        let reg = d.registration().unwrap();
        let ops = patch_ops(&r, Target::Update(1), &reg);
        let sol = ops
            .iter()
            .find(|o| o.path == "/registrations/1/solutionDetails")
            .unwrap();
        assert_eq!(sol.op, Op::Replace);
        assert_eq!(sol.value[0]["pricingModel"], "Other");
        assert_eq!(sol.value[0]["partnerNote"], "kept");
        assert_eq!(
            sol.value[0]["marketplaceTransactionDetails"]["marketplaceTransactionDateTime"],
            "2026-02-02T15:30:00Z"
        );
        // Switching to Perpetual clears the end date.
        set(&mut d.contract, key::TERM, "Perpetual");
        d.sync_locks();
        let ops = patch_ops(&r, Target::Update(1), &d.registration().unwrap());
        assert!(ops.contains(&PatchOp::replace(
            "/registrations/1/contract/endDateTime",
            serde_json::Value::Null
        )));
        assert!(ops.contains(&PatchOp::replace(
            "/registrations/1/contract/term",
            json!("Perpetual")
        )));
    }

    #[test]
    fn unknown_server_values_are_offered_and_kept() {
        let mut reg = existing("ReviewPending");
        reg.solution_details.as_mut().unwrap()[0].pricing_model =
            Some(PricingModel::Unknown("Subscription".into()));
        let d = Draft::for_update(&reg, "USD");
        assert_eq!(
            d.solutions.value("solutionDetails.0.pricingModel"),
            "Subscription"
        );
        assert_eq!(d.registration().unwrap(), reg);
    }

    #[test]
    fn rule_fields_map_to_form_keys() {
        assert_eq!(
            form_key(
                "solutionDetails[3].marketplaceTransactionDetails.marketplaceTransactionDateTime"
            ),
            "solutionDetails.3.marketplaceTransactionDateTime"
        );
        assert_eq!(
            form_key("solutionDetails[0].value"),
            "solutionDetails.0.value"
        );
        assert_eq!(form_key("contract.endDateTime"), "contract.endDateTime");
        assert_eq!(form_key("solutionDetails"), "solutionDetails");
    }
}
