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
use crate::domain::time::parse_datetime;
use crate::domain::validate::FieldError;
use crate::domain::*;
use crate::ui::edit::{Group, count_group, edit_group};
use crate::ui::form::{Field, Form};

use super::leaves::{
    Names, TRANSACTED, TRANSACTED_ON, contract_fields, contract_leaves, read_leaves, show_amount,
    solution_detail_fields, solution_leaves, text,
};

/// Field keys of the contract form (the names `rules::check_registration` uses).
pub mod key {
    pub const VALUE: &str = "contract.value";
    pub const CURRENCY: &str = "contract.currency";
    pub const SIGN: &str = "contract.signDateTime";
    pub const START: &str = "contract.startDateTime";
    pub const TERM: &str = "contract.term";
    pub const END: &str = "contract.endDateTime";
}

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
                let id = self.solutions.text(&names.key("id"));
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
            let current = self.contract.text(key);
            current.trim().is_empty() || self.auto.get(key) == Some(&current)
        };
        if !follows_now {
            return;
        }
        if let Some(f) = self.contract.get_mut(key)
            && f.text() != value
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
        let sign = self.contract.text(key::SIGN);
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
            let transacted = self.solutions.is_checked(&names.key(TRANSACTED));
            lock(
                self.solutions.get_mut(&names.key(TRANSACTED_ON)),
                !transacted,
                NOT_TRANSACTED,
            );
        }
        let perpetual = self.contract.chosen(key::TERM) == Some(ContractTerm::Perpetual.as_str());
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
mod tests;
