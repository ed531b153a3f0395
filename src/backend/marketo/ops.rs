//! What the dashboard calls: check where referrals stand, and push what is missing.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::marketo::{
    ApiError, Company, Lead, MAX_BATCH, MSI_FIELDS, MarketoId, MarketoObject, Observed,
    Opportunity, OpportunityRole, RecordStatus, SalesPerson, Step, StepResult, SyncPlan,
    SyncReport, assess, codes, normalize_key, plan,
};
use crate::domain::referral::Referral;

use super::instance::Probe;
use super::{MarketoClient, MarketoError, Result};

/// The fields each check query asks for.
const SALES_PERSON_FIELDS: &[&str] = &["externalSalesPersonId", "email", "firstName", "lastName"];
const COMPANY_FIELDS: &[&str] = &["externalCompanyId", "company", "externalSalesPersonId"];
const LEAD_FIELDS: &[&str] = &[
    "externalPersonId",
    "email",
    "firstName",
    "lastName",
    "externalCompanyId",
    "externalSalesPersonId",
];
const OPPORTUNITY_FIELDS: &[&str] = &[
    "externalOpportunityId",
    "name",
    "stage",
    "amount",
    "closeDate",
    "isClosed",
    "isWon",
    "externalCompanyId",
    "externalSalesPersonId",
];
const ROLE_FIELDS: &[&str] = &["externalOpportunityId", "leadId", "role", "isPrimary"];

impl MarketoClient {
    /// Where each referral stands in Marketo, in the order given; the five objects are queried
    /// once for all of them, 300 keys a call.
    pub async fn check(&self, referrals: &[Referral]) -> Result<Vec<SyncReport>> {
        let plans: Vec<SyncPlan> = referrals
            .iter()
            .map(|r| plan(r, &self.inner.cfg.mapping))
            .collect();
        let probe = self.probe().await?;
        let mut seen = self.observe(&plans, probe).await?;
        seen.instance = probe.info;
        Ok(plans.iter().map(|p| assess(p, &seen)).collect())
    }

    async fn observe(&self, plans: &[SyncPlan], probe: &Probe) -> Result<Observed> {
        let keys = |f: fn(&SyncPlan) -> Vec<&str>| -> Vec<String> {
            plans.iter().flat_map(f).map(str::to_string).collect()
        };
        let sp_ids = keys(|p| p.sales_person_id().into_iter().collect());
        let co_ids = keys(|p| p.company_id().into_iter().collect());
        let person_ids = keys(|p| p.person_ids().collect());
        let opp_ids = keys(|p| p.opportunity_id().into_iter().collect());
        // Only fields the instance has: one unknown name fails the whole call with 1006.
        let lead_fields: Vec<&str> = LEAD_FIELDS
            .iter()
            .chain(MSI_FIELDS.iter())
            .copied()
            .filter(|f| probe.lead_fields.contains(*f))
            .collect();
        // Opportunity roles are not exposed on an instance with a native CRM.
        let role_ids: &[String] = if probe.info.native_crm { &[] } else { &opp_ids };
        let (sps, cos, leads, opps, roles) = tokio::try_join!(
            self.query::<SalesPerson>(
                MarketoObject::SalesPerson,
                "externalSalesPersonId",
                &sp_ids,
                SALES_PERSON_FIELDS
            ),
            self.query::<Company>(
                MarketoObject::Company,
                "externalCompanyId",
                &co_ids,
                COMPANY_FIELDS
            ),
            self.query::<Lead>(
                MarketoObject::Lead,
                "externalPersonId",
                &person_ids,
                &lead_fields
            ),
            self.query::<Opportunity>(
                MarketoObject::Opportunity,
                "externalOpportunityId",
                &opp_ids,
                OPPORTUNITY_FIELDS
            ),
            self.query::<OpportunityRole>(
                MarketoObject::OpportunityRole,
                "externalOpportunityId",
                role_ids,
                ROLE_FIELDS
            ),
        )?;
        let mut seen = Observed::default();
        sps.into_iter().for_each(|r| seen.add_sales_person(r));
        cos.into_iter().for_each(|r| seen.add_company(r));
        leads.into_iter().for_each(|r| seen.add_lead(r));
        opps.into_iter().for_each(|r| seen.add_opportunity(r));
        roles.into_iter().for_each(|r| seen.add_role(r));
        Ok(seen)
    }

    /// Pushes what `report` shows missing, blocked or mismatched for `referral`, step by step
    /// in Marketo's order, calling `on_record` with each record's result; stops after a step
    /// in which a record was skipped; returns a fresh report.
    pub async fn push_missing(
        &self,
        referral: &Referral,
        report: &SyncReport,
        mut on_record: impl FnMut(StepResult),
    ) -> Result<SyncReport> {
        if let Some(why) = self.instance().await?.push_refusal() {
            return Err(MarketoError::Refused(why));
        }
        let p = plan(referral, &self.inner.cfg.mapping);
        let mut lead_ids: HashMap<String, i64> = report
            .step(Step::Leads)
            .records
            .iter()
            .filter_map(|r| Some((normalize_key(&r.key), r.marketo_id.as_ref()?.as_int()?)))
            .collect();
        let mut run = Push {
            client: self,
            on_record: &mut on_record,
        };
        let sp = pending(
            report,
            Step::SalesPerson,
            p.sales_person
                .iter()
                .map(|r| (r.external_sales_person_id.as_deref(), r)),
        );
        let co = pending(
            report,
            Step::Company,
            p.company
                .iter()
                .map(|r| (r.external_company_id.as_deref(), r)),
        );
        if !(run.step(Step::SalesPerson, sp).await?.all_ok
            && run.step(Step::Company, co).await?.all_ok)
        {
            return self.recheck(referral).await;
        }
        let leads = pending(
            report,
            Step::Leads,
            p.leads.iter().map(|r| (r.external_person_id.as_deref(), r)),
        );
        let done = run.step(Step::Leads, leads).await?;
        for (key, id) in done.ids {
            if let Some(id) = id.as_int() {
                lead_ids.insert(normalize_key(&key), id);
            }
        }
        let opp = pending(
            report,
            Step::Opportunity,
            p.opportunity
                .iter()
                .map(|r| (r.external_opportunity_id.as_deref(), r)),
        );
        if !(done.all_ok && run.step(Step::Opportunity, opp).await?.all_ok) {
            return self.recheck(referral).await;
        }
        // Roles name their lead by Marketo id, known only now.
        let mut roles = Vec::new();
        for (key, label, planned) in pending(
            report,
            Step::Roles,
            p.roles.iter().map(|r| (Some(r.key()), r)),
        ) {
            match lead_ids.get(&normalize_key(&planned.external_person_id)) {
                Some(id) => roles.push((key, label, planned.to_record(*id))),
                None => (run.on_record)(StepResult {
                    step: Step::Roles,
                    key,
                    label,
                    status: RecordStatus::Skipped,
                    marketo_id: None,
                    reasons: vec![ApiError::new(
                        codes::LEAD_NOT_FOUND,
                        format!(
                            "lead '{}' is not in Marketo, so it cannot get a role",
                            planned.external_person_id
                        ),
                    )],
                }),
            }
        }
        let roles = roles
            .iter()
            .map(|(k, l, r)| (k.clone(), l.clone(), r))
            .collect();
        run.step(Step::Roles, roles).await?;
        self.recheck(referral).await
    }

    async fn recheck(&self, referral: &Referral) -> Result<SyncReport> {
        self.check(std::slice::from_ref(referral))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| MarketoError::Malformed {
                path: "check".into(),
                detail: "no report for the referral".into(),
            })
    }
}

/// The records of one step a push must write: those the report shows missing, blocked or
/// mismatched, and those it does not know (planned since), each with its key and label.
fn pending<'a, K: AsRef<str>, T>(
    report: &SyncReport,
    step: Step,
    planned: impl IntoIterator<Item = (Option<K>, &'a T)>,
) -> Vec<(String, String, &'a T)> {
    planned
        .into_iter()
        .filter_map(|(key, record)| {
            let key = key?.as_ref().to_string();
            let known = report
                .step(step)
                .records
                .iter()
                .find(|r| normalize_key(&r.key) == normalize_key(&key));
            match known {
                Some(r) if !r.state.needs_push() => None,
                Some(r) => Some((key, r.label.clone(), record)),
                None => Some((key.clone(), key, record)),
            }
        })
        .collect()
}

/// The outcome of one push step.
struct StepDone {
    all_ok: bool,
    /// Key → Marketo id of the records created or updated.
    ids: Vec<(String, MarketoId)>,
}

/// One push run: the client and where results go.
struct Push<'c, F> {
    client: &'c MarketoClient,
    on_record: &'c mut F,
}

impl<F: FnMut(StepResult)> Push<'_, F> {
    /// Syncs `items` (key, label, record) of one step and reports each result.
    async fn step<T: Serialize>(
        &mut self,
        step: Step,
        items: Vec<(String, String, &T)>,
    ) -> Result<StepDone> {
        let mut done = StepDone {
            all_ok: true,
            ids: Vec::new(),
        };
        // One call per 300 records, each reported before the next is sent, so a failure
        // part way leaves the earlier results shown.
        for chunk in items.chunks(MAX_BATCH) {
            let records: Vec<&T> = chunk.iter().map(|(_, _, r)| *r).collect();
            let results = self.client.sync(step.object(), &records).await?;
            for ((key, label, _), result) in chunk.iter().zip(results) {
                let marketo_id = result.marketo_id();
                done.all_ok &= result.status.is_ok();
                if let (true, Some(id)) = (result.status.is_ok(), &marketo_id) {
                    done.ids.push((key.clone(), id.clone()));
                }
                (self.on_record)(StepResult {
                    step,
                    key: key.clone(),
                    label: label.clone(),
                    status: result.status,
                    marketo_id,
                    reasons: result.reasons,
                });
            }
        }
        Ok(done)
    }
}
