//! The plan: the records Marketo should hold for one referral, step by step in Marketo's order,
//! and what keeps a record from being planned.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::mapping::{
    COMPANY_SLOTS, OPPORTUNITY_SLOTS, PERSON_SLOTS, company_slot, non_empty, opportunity_slot,
    person_slot, render_id, same_text,
};
use super::{
    Company, Lead, MarketoMapping, Opportunity, OpportunityRole, SalesPerson, Step, normalize_key,
};
use crate::domain::enums::{Status, Substatus};
use crate::domain::referral::{Address, Member, Referral};

/// Something about the referral that keeps a record from being planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProblem {
    pub step: Step,
    pub message: String,
}

/// A role refdeck wants on the opportunity; the lead is named by its external id because its
/// Marketo id is only known once the lead is synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRole {
    pub external_opportunity_id: String,
    pub external_person_id: String,
    pub role: String,
    pub is_primary: bool,
    /// The contact's name, for display.
    pub contact: String,
}

impl PlannedRole {
    /// The key a report uses for this role.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.external_opportunity_id, self.external_person_id, self.role
        )
    }

    /// The wire record, once the lead's Marketo id is known.
    pub fn to_record(&self, lead_id: i64) -> OpportunityRole {
        OpportunityRole {
            external_opportunity_id: Some(self.external_opportunity_id.clone()),
            lead_id: Some(lead_id),
            role: Some(self.role.clone()),
            is_primary: Some(self.is_primary),
            ..OpportunityRole::default()
        }
    }
}

/// The records each of the five steps needs for one referral, in Marketo's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncPlan {
    pub referral_id: String,
    pub sales_person: Option<SalesPerson>,
    pub company: Option<Company>,
    pub leads: Vec<Lead>,
    pub opportunity: Option<Opportunity>,
    pub roles: Vec<PlannedRole>,
    /// Records that could not be planned, and why.
    pub problems: Vec<PlanProblem>,
}

impl SyncPlan {
    pub fn sales_person_id(&self) -> Option<&str> {
        self.sales_person
            .as_ref()
            .and_then(|s| s.external_sales_person_id.as_deref())
    }

    pub fn company_id(&self) -> Option<&str> {
        self.company
            .as_ref()
            .and_then(|c| c.external_company_id.as_deref())
    }

    pub fn opportunity_id(&self) -> Option<&str> {
        self.opportunity
            .as_ref()
            .and_then(|o| o.external_opportunity_id.as_deref())
    }

    /// The `externalPersonId`s of the leads, in contact order.
    pub fn person_ids(&self) -> impl Iterator<Item = &str> {
        self.leads
            .iter()
            .filter_map(|l| l.external_person_id.as_deref())
    }

    fn problem(&mut self, step: Step, message: String) {
        self.problems.push(PlanProblem { step, message });
    }
}

/// The records Marketo should hold for `r`.
pub fn plan(r: &Referral, m: &MarketoMapping) -> SyncPlan {
    let mut p = SyncPlan {
        referral_id: r.id().to_string(),
        ..SyncPlan::default()
    };
    p.sales_person = plan_sales_person(r, m, &mut p.problems);
    let sp_id = p.sales_person_id().map(str::to_string);
    p.company = plan_company(r, m, sp_id.clone(), &mut p.problems);
    let co_id = p.company_id().map(str::to_string);
    plan_leads(r, m, &mut p, co_id.clone(), sp_id.clone());
    p.opportunity = plan_opportunity(r, m, co_id, sp_id, &mut p.problems);
    if let Some(opp_id) = p.opportunity_id().map(str::to_string) {
        p.roles = p
            .leads
            .iter()
            .enumerate()
            .map(|(i, lead)| PlannedRole {
                external_opportunity_id: opp_id.clone(),
                external_person_id: lead.external_person_id.clone().unwrap_or_default(),
                role: if i == 0 {
                    m.primary_role.trim().to_string()
                } else {
                    m.default_role.trim().to_string()
                },
                is_primary: i == 0,
                contact: lead_label(lead),
            })
            .collect();
    } else if !p.leads.is_empty() {
        p.problem(
            Step::Roles,
            "no opportunity id, so the contacts cannot be given roles".into(),
        );
    }
    p
}

fn owner<'a>(r: &'a Referral, m: &MarketoMapping) -> Option<&'a Member> {
    let team = r.team();
    m.owner_email
        .as_deref()
        .and_then(|want| {
            team.iter()
                .find(|t| t.email.as_deref().is_some_and(|e| same_text(e, want)))
        })
        .or_else(|| team.first())
}

fn plan_sales_person(
    r: &Referral,
    m: &MarketoMapping,
    problems: &mut Vec<PlanProblem>,
) -> Option<SalesPerson> {
    let Some(o) = owner(r, m) else {
        problems.push(PlanProblem {
            step: Step::SalesPerson,
            message: "the referral has no partner team member to own it in Marketo".into(),
        });
        return None;
    };
    match render_id(&m.sales_person_id, PERSON_SLOTS, m.lowercase_ids, |s| {
        person_slot(o, s)
    }) {
        Ok(id) => Some(SalesPerson {
            external_sales_person_id: Some(id),
            email: non_empty(o.email.as_deref()),
            first_name: non_empty(o.first_name.as_deref()),
            last_name: non_empty(o.last_name.as_deref()),
            phone: non_empty(o.phone_number.as_deref()),
            title: non_empty(o.title.as_deref()),
            ..SalesPerson::default()
        }),
        Err(why) => {
            problems.push(PlanProblem {
                step: Step::SalesPerson,
                message: format!("team member \"{}\": {why}", o.full_name()),
            });
            None
        }
    }
}

fn plan_company(
    r: &Referral,
    m: &MarketoMapping,
    sp_id: Option<String>,
    problems: &mut Vec<PlanProblem>,
) -> Option<Company> {
    match render_id(&m.company_id, COMPANY_SLOTS, m.lowercase_ids, |s| {
        company_slot(r, s)
    }) {
        Ok(id) => {
            let addr = r.customer_profile.as_ref().and_then(|c| c.address.as_ref());
            let field = |f: fn(&Address) -> Option<&str>| non_empty(addr.and_then(f));
            let street = [
                field(|a| a.address_line1.as_deref()),
                field(|a| a.address_line2.as_deref()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            Some(Company {
                external_company_id: Some(id),
                company: non_empty(Some(r.customer_name())),
                external_sales_person_id: sp_id,
                billing_street: non_empty(Some(&street)),
                billing_city: field(|a| a.city.as_deref()),
                billing_state: field(|a| a.state.as_deref()),
                billing_postal_code: field(|a| a.postal_code.as_deref()),
                billing_country: field(|a| a.country.as_deref()),
                ..Company::default()
            })
        }
        Err(why) => {
            problems.push(PlanProblem {
                step: Step::Company,
                message: format!("customer: {why}"),
            });
            None
        }
    }
}

fn plan_leads(
    r: &Referral,
    m: &MarketoMapping,
    p: &mut SyncPlan,
    co_id: Option<String>,
    sp_id: Option<String>,
) {
    let mut seen = HashSet::new();
    for (i, c) in r.contacts().iter().enumerate() {
        match render_id(&m.person_id, PERSON_SLOTS, m.lowercase_ids, |s| {
            person_slot(c, s)
        }) {
            Ok(id) => {
                if seen.insert(normalize_key(&id)) {
                    p.leads.push(Lead {
                        external_person_id: Some(id),
                        email: non_empty(c.email.as_deref()),
                        first_name: non_empty(c.first_name.as_deref()),
                        last_name: non_empty(c.last_name.as_deref()),
                        phone: non_empty(c.phone_number.as_deref()),
                        title: non_empty(c.title.as_deref()),
                        external_company_id: co_id.clone(),
                        external_sales_person_id: sp_id.clone(),
                        ..Lead::default()
                    });
                }
            }
            Err(why) => p.problem(
                Step::Leads,
                format!("contact {} (\"{}\"): {why}", i + 1, c.full_name()),
            ),
        }
    }
}

fn plan_opportunity(
    r: &Referral,
    m: &MarketoMapping,
    co_id: Option<String>,
    sp_id: Option<String>,
    problems: &mut Vec<PlanProblem>,
) -> Option<Opportunity> {
    match render_id(&m.opportunity_id, OPPORTUNITY_SLOTS, false, |s| {
        opportunity_slot(r, s)
    }) {
        Ok(id) => {
            let closed = r.status() == Status::Closed;
            Some(Opportunity {
                external_opportunity_id: Some(id),
                name: non_empty(Some(r.name())),
                opportunity_type: r.referral_type.as_ref().map(|t| t.to_string()),
                stage: opportunity_stage(r),
                amount: r.deal_value(),
                close_date: r.closing_date().map(|d| d.format("%Y-%m-%d").to_string()),
                is_closed: Some(closed),
                is_won: Some(closed && r.substatus() == Substatus::Won),
                external_company_id: co_id,
                external_sales_person_id: sp_id,
                ..Opportunity::default()
            })
        }
        Err(why) => {
            problems.push(PlanProblem {
                step: Step::Opportunity,
                message: format!("referral: {why}"),
            });
            None
        }
    }
}

/// The sales stage when set; else `Closed Won`-style wording from the status.
fn opportunity_stage(r: &Referral) -> Option<String> {
    if r.status() == Status::Closed {
        return Some(format!("Closed {}", r.substatus()));
    }
    r.sales_stage
        .as_ref()
        .map(|s| s.to_string())
        .or_else(|| r.status.as_ref().map(|s| s.to_string()))
}

pub(super) fn lead_label(l: &Lead) -> String {
    let name = [l.first_name.as_deref(), l.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (name.is_empty(), l.email.as_deref()) {
        (false, Some(e)) => format!("{name} <{e}>"),
        (false, None) => name,
        (true, Some(e)) => e.to_string(),
        (true, None) => l.external_person_id.clone().unwrap_or_default(),
    }
}
