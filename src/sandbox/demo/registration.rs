//! Deal registrations of eligible Closed/Won demo referrals, with their review history.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::{between, uuid};
use crate::domain::*;

/// Adds one registration (sometimes a failed one and a retry) to an eligible Closed/Won referral
/// and sets its `registrationStatus` to the latest one's.
pub(super) fn add_registrations(rng: &mut StdRng, r: &mut Referral, now: DateTime<Utc>) {
    let closed = r.closed_date_time.unwrap_or(now);
    let statuses = [
        RegistrationStatus::ReviewPending,
        RegistrationStatus::ActionRequired,
        RegistrationStatus::Passed,
        RegistrationStatus::Failed,
        RegistrationStatus::Approved,
    ];
    let mut plan = vec![statuses.choose(rng).expect("statuses").clone()];
    if rng.random_bool(0.1) {
        plan.insert(0, RegistrationStatus::Failed);
    }
    let mut regs = Vec::new();
    let mut start = closed;
    for status in plan {
        let reg = registration(rng, r, status, start, now);
        start = reg
            .registration_date_time
            .unwrap_or(start)
            .max(latest_history(&reg));
        regs.push(reg);
    }
    r.registration_status = regs.last().and_then(|g| g.status.clone());
    r.updated_date_time = r.updated_date_time.max(Some(start));
    r.registrations = Some(regs);
}

fn latest_history(reg: &Registration) -> DateTime<Utc> {
    let h = reg.status_history.clone().unwrap_or_default();
    [
        h.review_pending_date_time,
        h.action_required_date_time,
        h.passed_date_time,
        h.failed_date_time,
        h.approved_date_time,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn registration(
    rng: &mut StdRng,
    r: &Referral,
    status: RegistrationStatus,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Registration {
    let currency = r.currency().to_string();
    let total = r.deal_value().unwrap_or(0.0);
    let solutions = r.solutions();
    let share = (total / solutions.len().max(1) as f64).round();
    let solution_details = solutions
        .iter()
        .map(|s| {
            let transacted = rng.random_bool(0.4);
            SolutionDetail {
                id: s.id.clone(),
                name: s.name.clone(),
                value: Some(share),
                currency: Some(currency.clone()),
                is_deployed_on_azure: Some(rng.random_bool(0.9)),
                primary_deployment_on: Some(if rng.random_bool(0.7) {
                    PrimaryDeployment::Customer
                } else {
                    PrimaryDeployment::Partner
                }),
                pricing_model: Some(if rng.random_bool(0.6) {
                    PricingModel::PayAsYouGo
                } else {
                    PricingModel::Other
                }),
                marketplace_transaction_details: Some(MarketplaceTransactionDetails {
                    is_marketplace_transacted: Some(transacted),
                    marketplace_transaction_date_time: transacted.then_some(after),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let sign = after - Duration::days(rng.random_range(0..10));
    let start = sign + Duration::days(rng.random_range(0..30));
    let perpetual = rng.random_bool(0.2);
    let contract = Contract {
        value: Some(total),
        currency: Some(currency),
        sign_date_time: Some(sign),
        start_date_time: Some(start),
        end_date_time: (!perpetual).then(|| start + Duration::days(365 * rng.random_range(1..4))),
        term: Some(if perpetual {
            ContractTerm::Perpetual
        } else {
            ContractTerm::Finite
        }),
        ..Default::default()
    };
    // Review steps happen in order between `after` and `now`.
    let registered = between(rng, after, now);
    let step = |rng: &mut StdRng, from: DateTime<Utc>| between(rng, from, now);
    let mut history = StatusHistory {
        review_pending_date_time: Some(registered),
        ..Default::default()
    };
    let mut reason = None;
    match status {
        RegistrationStatus::ActionRequired => {
            history.action_required_date_time = Some(step(rng, registered));
            reason = Some("Attach the signed contract or purchase order.".to_string());
        }
        RegistrationStatus::Passed => history.passed_date_time = Some(step(rng, registered)),
        RegistrationStatus::Failed => {
            history.failed_date_time = Some(step(rng, registered));
            reason = Some("Azure consumption could not be verified.".to_string());
        }
        RegistrationStatus::Approved => {
            let passed = step(rng, registered);
            history.passed_date_time = Some(passed);
            history.approved_date_time = Some(step(rng, passed));
        }
        _ => {}
    }
    Registration {
        id: Some(uuid(rng)),
        registration_type: Some(RegistrationType::AzureIpCoSell),
        solution_details: Some(solution_details),
        contract: Some(contract),
        registration_date_time: Some(registered),
        status: Some(status),
        status_reason: reason,
        status_history: Some(history),
        ..Default::default()
    }
}
