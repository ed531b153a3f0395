//! The assessment: what the Marketo queries found ([`Observed`]) compared with the plan of a
//! referral, record by record, into a [`SyncReport`] and its list badge.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::mapping::same_text;
use super::plan::lead_label;
use super::{
    Company, InstanceInfo, Lead, MarketoBadge, MarketoId, MsiFields, Opportunity, OpportunityRole,
    PlanProblem, PlannedRole, SalesPerson, Step, SyncPlan, normalize_key,
};

// ---------------------------------------------------------------------------------------------
// What Marketo holds
// ---------------------------------------------------------------------------------------------

/// What the Marketo queries found, keyed (case-insensitively) by external id. One `Observed`
/// may cover many referrals: `check all` fills it with batched queries and assesses each
/// referral against it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    sales_persons: HashMap<String, SalesPerson>,
    companies: HashMap<String, Company>,
    leads: HashMap<String, Lead>,
    opportunities: HashMap<String, Opportunity>,
    roles: HashMap<String, Vec<OpportunityRole>>,
    /// The instance the records were read from; every report assessed against them says so.
    pub instance: InstanceInfo,
}

impl Observed {
    pub fn add_sales_person(&mut self, r: SalesPerson) {
        if let Some(k) = r.external_sales_person_id.as_deref() {
            self.sales_persons.insert(normalize_key(k), r);
        }
    }

    pub fn add_company(&mut self, r: Company) {
        if let Some(k) = r.external_company_id.as_deref() {
            self.companies.insert(normalize_key(k), r);
        }
    }

    pub fn add_lead(&mut self, r: Lead) {
        if let Some(k) = r.external_person_id.as_deref() {
            self.leads.insert(normalize_key(k), r);
        }
    }

    pub fn add_opportunity(&mut self, r: Opportunity) {
        if let Some(k) = r.external_opportunity_id.as_deref() {
            self.opportunities.insert(normalize_key(k), r);
        }
    }

    pub fn add_role(&mut self, r: OpportunityRole) {
        if let Some(k) = r.external_opportunity_id.as_deref() {
            self.roles.entry(normalize_key(k)).or_default().push(r);
        }
    }

    pub fn sales_person(&self, key: &str) -> Option<&SalesPerson> {
        self.sales_persons.get(&normalize_key(key))
    }

    pub fn company(&self, key: &str) -> Option<&Company> {
        self.companies.get(&normalize_key(key))
    }

    pub fn lead(&self, key: &str) -> Option<&Lead> {
        self.leads.get(&normalize_key(key))
    }

    pub fn opportunity(&self, key: &str) -> Option<&Opportunity> {
        self.opportunities.get(&normalize_key(key))
    }

    /// Every role on the opportunity.
    pub fn roles(&self, opportunity_key: &str) -> &[OpportunityRole] {
        self.roles
            .get(&normalize_key(opportunity_key))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Records held, over all objects.
    pub fn len(&self) -> usize {
        self.sales_persons.len()
            + self.companies.len()
            + self.leads.len()
            + self.opportunities.len()
            + self.roles.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Assessment
// ---------------------------------------------------------------------------------------------

/// Where one record (or one step) stands in Marketo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    /// In Marketo and in agreement.
    Synced,
    /// Not in Marketo; it can be pushed now.
    Missing,
    /// In Marketo, but a field differs.
    Mismatch {
        field: String,
        ours: String,
        theirs: String,
    },
    /// Not in Marketo, and a step it needs is not there either.
    Blocked { by: Step },
    /// Cannot be synced as the referral stands (e.g. a contact without an email).
    Unplannable { reason: String },
}

impl SyncState {
    /// The record is in Marketo (agreeing or not).
    pub fn is_present(&self) -> bool {
        matches!(self, SyncState::Synced | SyncState::Mismatch { .. })
    }

    /// A push would write this record.
    pub fn needs_push(&self) -> bool {
        matches!(
            self,
            SyncState::Missing | SyncState::Mismatch { .. } | SyncState::Blocked { .. }
        )
    }

    /// One word for the pane.
    pub fn label(&self) -> &'static str {
        match self {
            SyncState::Synced => "synced",
            SyncState::Missing => "missing",
            SyncState::Mismatch { .. } => "mismatch",
            SyncState::Blocked { .. } => "blocked",
            SyncState::Unplannable { .. } => "cannot sync",
        }
    }
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncState::Mismatch {
                field,
                ours,
                theirs,
            } => write!(
                f,
                "mismatch: {field} is \"{theirs}\" in Marketo, \"{ours}\" in Partner Center"
            ),
            SyncState::Blocked { by } => write!(f, "blocked: needs the {by} first"),
            SyncState::Unplannable { reason } => write!(f, "cannot sync: {reason}"),
            other => f.write_str(other.label()),
        }
    }
}

/// One record of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordReport {
    /// The external key (for a role: `opportunity/person/role`).
    pub key: String,
    /// What a person recognises: a name and email, a company name.
    pub label: String,
    pub state: SyncState,
    /// Marketo's id, when the record is there.
    pub marketo_id: Option<MarketoId>,
}

/// One of the five steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: Step,
    /// The step as a whole: the most pressing state of its records (blocked, then missing,
    /// then mismatch, then cannot-sync); synced when every record is (or there is none).
    pub state: SyncState,
    pub records: Vec<RecordReport>,
}

/// A lead's Sales Insight data, as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadInsight {
    pub external_person_id: String,
    pub label: String,
    pub msi: MsiFields,
}

/// Where one referral stands in Marketo: the five steps in order, plus the MSI fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub referral_id: String,
    /// The five steps, in [`Step::ALL`] order.
    pub steps: [StepReport; 5],
    /// The leads found in Marketo, with their Sales Insight fields.
    pub insights: Vec<LeadInsight>,
    pub problems: Vec<PlanProblem>,
    /// The instance the check ran against (reports stored before this was known read the
    /// default).
    #[serde(default)]
    pub instance: InstanceInfo,
}

impl SyncReport {
    /// The step's report.
    pub fn step(&self, step: Step) -> &StepReport {
        // Five steps, in `Step` order: the index is always in range.
        &self.steps[step as usize]
    }

    /// Every record of every step, in push order.
    pub fn records(&self) -> impl Iterator<Item = (Step, &RecordReport)> {
        self.steps
            .iter()
            .flat_map(|s| s.records.iter().map(move |r| (s.step, r)))
    }

    /// How many records a push would write.
    pub fn to_push(&self) -> usize {
        self.records().filter(|(_, r)| r.state.needs_push()).count()
    }

    /// The list badge: synced when every record is synced and nothing is unplannable,
    /// missing when no record is in Marketo, partial otherwise.
    pub fn badge(&self) -> MarketoBadge {
        let mut any_present = false;
        let mut all_synced = self.problems.is_empty();
        for (_, r) in self.records() {
            any_present |= r.state.is_present();
            all_synced &= r.state == SyncState::Synced;
        }
        if all_synced {
            MarketoBadge::Synced
        } else if any_present {
            MarketoBadge::Partial
        } else {
            MarketoBadge::Missing
        }
    }
}

/// Compares the plan of one referral with what Marketo holds.
pub fn assess(plan: &SyncPlan, seen: &Observed) -> SyncReport {
    let problem = |step: Step| {
        plan.problems
            .iter()
            .find(|p| p.step == step)
            .map(|p| p.message.clone())
    };
    let unplannable = |step: Step, label: &str| {
        let reason = problem(step).unwrap_or_else(|| format!("no {label} to sync"));
        vec![RecordReport {
            key: String::new(),
            label: label.to_string(),
            state: SyncState::Unplannable { reason },
            marketo_id: None,
        }]
    };

    let sp = match &plan.sales_person {
        Some(ours) => vec![assess_sales_person(ours, seen)],
        None => unplannable(Step::SalesPerson, "sales person"),
    };
    let sp_ok = sp.iter().all(|r| r.state.is_present());

    let co = match &plan.company {
        Some(ours) => vec![assess_company(ours, seen, sp_ok)],
        None => unplannable(Step::Company, "company"),
    };
    let co_ok = co.iter().all(|r| r.state.is_present());
    let upstream = |sp_ok: bool, co_ok: bool| {
        if !sp_ok {
            Some(Step::SalesPerson)
        } else if !co_ok {
            Some(Step::Company)
        } else {
            None
        }
    };

    let leads: Vec<RecordReport> = plan
        .leads
        .iter()
        .map(|l| assess_lead(l, seen, upstream(sp_ok, co_ok)))
        .collect();

    let opp = match &plan.opportunity {
        Some(ours) => vec![assess_opportunity(ours, seen, upstream(sp_ok, co_ok))],
        None => unplannable(Step::Opportunity, "opportunity"),
    };
    let opp_ok = opp.iter().all(|r| r.state.is_present());

    let roles: Vec<RecordReport> = plan
        .roles
        .iter()
        .map(|r| assess_role(r, seen, opp_ok))
        .collect();

    let insights = plan
        .leads
        .iter()
        .filter_map(|ours| {
            let key = ours.external_person_id.as_deref()?;
            let theirs = seen.lead(key)?;
            Some(LeadInsight {
                external_person_id: key.to_string(),
                label: lead_label(ours),
                msi: theirs.msi(),
            })
        })
        .collect();

    let steps = [
        (Step::SalesPerson, sp),
        (Step::Company, co),
        (Step::Leads, leads),
        (Step::Opportunity, opp),
        (Step::Roles, roles),
    ]
    .map(|(step, records)| StepReport {
        step,
        state: step_state(&records, problem(step)),
        records,
    });

    SyncReport {
        referral_id: plan.referral_id.clone(),
        steps,
        insights,
        problems: plan.problems.clone(),
        instance: seen.instance,
    }
}

fn step_state(records: &[RecordReport], problem: Option<String>) -> SyncState {
    let first =
        |want: fn(&SyncState) -> bool| records.iter().map(|r| &r.state).find(|s| want(s)).cloned();
    first(|s| matches!(s, SyncState::Blocked { .. }))
        .or_else(|| first(|s| *s == SyncState::Missing))
        .or_else(|| first(|s| matches!(s, SyncState::Mismatch { .. })))
        .or_else(|| first(|s| matches!(s, SyncState::Unplannable { .. })))
        .or_else(|| problem.map(|reason| SyncState::Unplannable { reason }))
        .unwrap_or(SyncState::Synced)
}

/// The state of a record that is not in Marketo: blocked by the first missing upstream step.
fn absent(blocked_by: Option<Step>) -> SyncState {
    match blocked_by {
        Some(by) => SyncState::Blocked { by },
        None => SyncState::Missing,
    }
}

/// The first field that differs, among (name, ours, theirs); text compared trimmed and
/// ignoring case, and only where refdeck has a value.
fn first_difference(fields: &[(&str, Option<String>, Option<String>)]) -> SyncState {
    fields
        .iter()
        .find_map(|(field, ours, theirs)| {
            let ours = ours.as_deref()?;
            let theirs = theirs.as_deref().unwrap_or("");
            (!same_text(ours, theirs)).then(|| SyncState::Mismatch {
                field: field.to_string(),
                ours: ours.trim().to_string(),
                theirs: theirs.trim().to_string(),
            })
        })
        .unwrap_or(SyncState::Synced)
}

fn assess_sales_person(ours: &SalesPerson, seen: &Observed) -> RecordReport {
    let key = ours.external_sales_person_id.clone().unwrap_or_default();
    let label = match ours.email.as_deref() {
        Some(e) => format!("{key} <{e}>"),
        None => key.clone(),
    };
    match seen.sales_person(&key) {
        Some(theirs) => RecordReport {
            state: first_difference(&[("email", ours.email.clone(), theirs.email.clone())]),
            marketo_id: theirs.id.map(MarketoId::Id),
            key,
            label,
        },
        None => RecordReport {
            key,
            label,
            state: SyncState::Missing,
            marketo_id: None,
        },
    }
}

fn assess_company(ours: &Company, seen: &Observed, sp_ok: bool) -> RecordReport {
    let key = ours.external_company_id.clone().unwrap_or_default();
    let label = ours.company.clone().unwrap_or_else(|| key.clone());
    let theirs = seen.company(&key);
    RecordReport {
        state: match theirs {
            Some(_) => SyncState::Synced,
            None => absent((!sp_ok).then_some(Step::SalesPerson)),
        },
        marketo_id: theirs.and_then(|t| t.id).map(MarketoId::Id),
        key,
        label,
    }
}

fn assess_lead(ours: &Lead, seen: &Observed, blocked_by: Option<Step>) -> RecordReport {
    let key = ours.external_person_id.clone().unwrap_or_default();
    let label = lead_label(ours);
    match seen.lead(&key) {
        Some(theirs) => RecordReport {
            state: first_difference(&[("email", ours.email.clone(), theirs.email.clone())]),
            marketo_id: theirs.id.map(MarketoId::Id),
            key,
            label,
        },
        None => RecordReport {
            key,
            label,
            state: absent(blocked_by),
            marketo_id: None,
        },
    }
}

fn assess_opportunity(
    ours: &Opportunity,
    seen: &Observed,
    blocked_by: Option<Step>,
) -> RecordReport {
    let key = ours.external_opportunity_id.clone().unwrap_or_default();
    let label = ours.name.clone().unwrap_or_else(|| key.clone());
    let Some(theirs) = seen.opportunity(&key) else {
        return RecordReport {
            key,
            label,
            state: absent(blocked_by),
            marketo_id: None,
        };
    };
    let money = |a: Option<f64>| a.map(|v| format!("{v:.2}"));
    let state = first_difference(&[
        (
            "externalCompanyId",
            ours.external_company_id.clone(),
            theirs.external_company_id.clone(),
        ),
        (
            "externalSalesPersonId",
            ours.external_sales_person_id.clone(),
            theirs.external_sales_person_id.clone(),
        ),
        ("amount", money(ours.amount), money(theirs.amount)),
        ("stage", ours.stage.clone(), theirs.stage.clone()),
    ]);
    RecordReport {
        key,
        label,
        state,
        marketo_id: theirs.marketo_guid.clone().map(MarketoId::Guid),
    }
}

fn assess_role(ours: &PlannedRole, seen: &Observed, opp_ok: bool) -> RecordReport {
    let key = ours.key();
    let label = format!(
        "{} as {}{}",
        ours.contact,
        ours.role,
        if ours.is_primary { " (primary)" } else { "" }
    );
    let lead_id = seen.lead(&ours.external_person_id).and_then(|l| l.id);
    let missing = |state| RecordReport {
        key: key.clone(),
        label: label.clone(),
        state,
        marketo_id: None,
    };
    if !opp_ok {
        return missing(SyncState::Blocked {
            by: Step::Opportunity,
        });
    }
    let Some(lead_id) = lead_id else {
        return missing(SyncState::Blocked { by: Step::Leads });
    };
    let roles = seen.roles(&ours.external_opportunity_id);
    let of_lead: Vec<&OpportunityRole> = roles
        .iter()
        .filter(|r| r.lead_id == Some(lead_id))
        .collect();
    let exact = of_lead
        .iter()
        .find(|r| r.role.as_deref().is_some_and(|x| same_text(x, &ours.role)));
    match (exact, of_lead.first()) {
        (Some(r), _) => RecordReport {
            key,
            label,
            state: SyncState::Synced,
            marketo_id: r.marketo_guid.clone().map(MarketoId::Guid),
        },
        (None, Some(other)) => RecordReport {
            state: SyncState::Mismatch {
                field: "role".into(),
                ours: ours.role.clone(),
                theirs: other.role.clone().unwrap_or_default(),
            },
            marketo_id: other.marketo_guid.clone().map(MarketoId::Guid),
            key,
            label,
        },
        (None, None) => missing(SyncState::Missing),
    }
}
