//! Demo data: Marketo as a partner's marketing team would find it, part synced.
//!
//! The sales person is shared by every referral its seller owns, so the seller decides first:
//! walking the sellers in a seeded order, those covering the first ~10% of referrals get a
//! sales person whose email differs from Partner Center's (a mismatch), the next ~25% are not in
//! Marketo at all (their referrals are missing), the rest are in Marketo. Each referral of a
//! seller in Marketo is then fully synced (~40% of all referrals) or partial (~25%: sales person
//! and company only; everything but the roles; or everything but the leads, so the roles wait
//! for them). Customers and contacts shared between referrals make the shares approximate: a
//! missing referral whose customer another referral synced shows as partial.
//!
//! Seeded leads carry plausible Sales Insight fields. Everything depends only on the referrals,
//! the seed and the clock's "now".

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::objects::spec;
use super::store::{KeyBy, Store};
use crate::domain::marketo::{
    MarketoMapping, MarketoObject, SyncAction, SyncPlan, normalize_key, plan,
};
use crate::domain::referral::Referral;
use crate::domain::time::format_datetime;

/// How much of a referral to put in Marketo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    SalesPersonAndCompany,
    AllButLeads,
    AllButRoles,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seller {
    Absent,
    WrongEmail,
    Present,
}

/// FNV-1a: a hash that stays the same across builds and platforms.
pub(super) fn fnv(seed: u64, text: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Fills `store` from the referrals `referrals()` yields, in two passes (the sellers first),
/// so the referrals need not all be in memory at once.
pub(super) fn seed<I, R>(
    store: &mut Store,
    referrals: impl Fn() -> I,
    seed: u64,
    now: DateTime<Utc>,
    mapping: &MarketoMapping,
) where
    I: Iterator<Item = R>,
    R: std::borrow::Borrow<Referral>,
{
    let sellers = seller_states(
        referrals().filter_map(|r| {
            plan(r.borrow(), mapping)
                .sales_person_id()
                .map(normalize_key)
        }),
        seed,
    );
    let mut lead_ids: HashMap<String, i64> = HashMap::new();
    for r in referrals() {
        let p = plan(r.borrow(), mapping);
        let Some(sp_key) = p.sales_person_id().map(normalize_key) else {
            continue;
        };
        let depth = match sellers.get(&sp_key) {
            Some(Seller::Present) => depth_of(&p.referral_id, seed),
            Some(Seller::WrongEmail) => Depth::Full,
            _ => continue,
        };
        put_plan(store, &p, depth, now, seed, &mut lead_ids);
    }
    for (key, state) in &sellers {
        if *state == Seller::WrongEmail {
            give_wrong_email(store, key);
        }
    }
}

/// The state of each seller, from the (normalised) seller key of every referral.
fn seller_states(keys: impl Iterator<Item = String>, seed: u64) -> HashMap<String, Seller> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let mut order: Vec<(&String, &usize)> = counts.iter().collect();
    order.sort_by_key(|(k, _)| (fnv(seed, k), (*k).clone()));
    let mut covered = 0usize;
    let mut out = HashMap::new();
    for (k, n) in order {
        let share = covered * 100 / total.max(1);
        let state = if share < 10 {
            Seller::WrongEmail
        } else if share < 35 {
            Seller::Absent
        } else {
            Seller::Present
        };
        covered += n;
        out.insert(k.clone(), state);
    }
    out
}

/// Sellers in Marketo: 40 of 65 referrals full, the rest split over the partial depths.
fn depth_of(referral_id: &str, seed: u64) -> Depth {
    let h = fnv(seed.rotate_left(17), referral_id) % 65;
    match h {
        0..40 => Depth::Full,
        _ => match h % 3 {
            0 => Depth::SalesPersonAndCompany,
            1 => Depth::AllButRoles,
            _ => Depth::AllButLeads,
        },
    }
}

fn to_value<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// Upserts one record the way the API would; the Marketo id when it was accepted.
fn put(store: &mut Store, object: MarketoObject, record: Value, now: DateTime<Utc>) -> Option<u64> {
    let s = spec(object);
    let key = KeyBy::Fields(if object == MarketoObject::Lead {
        vec!["externalPersonId"]
    } else {
        s.dedupe.to_vec()
    });
    let out = store.upsert(s, SyncAction::CreateOrUpdate, &key, 0, &record, now);
    if out["status"] == "skipped" {
        return None;
    }
    match &out[s.id_field()] {
        Value::Number(n) => n.as_u64(),
        // GUID objects: the row is found again through the key when needed.
        _ => Some(0),
    }
}

fn put_plan(
    store: &mut Store,
    p: &SyncPlan,
    depth: Depth,
    now: DateTime<Utc>,
    seed: u64,
    lead_ids: &mut HashMap<String, i64>,
) {
    let earlier = |days: i64, salt: &str| {
        let mut rng = StdRng::seed_from_u64(fnv(seed, salt));
        now - Duration::days(rng.random_range(days / 2..=days))
            - Duration::minutes(rng.random_range(0..1440))
    };
    if let Some(sp) = &p.sales_person {
        put(
            store,
            MarketoObject::SalesPerson,
            to_value(sp),
            earlier(400, &p.referral_id),
        );
    }
    if let Some(co) = &p.company {
        put(
            store,
            MarketoObject::Company,
            to_value(co),
            earlier(300, &p.referral_id),
        );
    }
    if depth == Depth::SalesPersonAndCompany {
        return;
    }
    if depth != Depth::AllButLeads {
        for lead in &p.leads {
            let Some(key) = lead.external_person_id.as_deref() else {
                continue;
            };
            if let Some(id) = put(
                store,
                MarketoObject::Lead,
                to_value(lead),
                earlier(200, key),
            ) {
                lead_ids.insert(normalize_key(key), id as i64);
                store.set_fields(MarketoObject::Lead, id, msi_fields(seed, key, now));
            }
        }
    }
    if let Some(opp) = &p.opportunity {
        put(
            store,
            MarketoObject::Opportunity,
            to_value(opp),
            earlier(90, &p.referral_id),
        );
    }
    if depth != Depth::Full {
        return;
    }
    for role in &p.roles {
        if let Some(lead_id) = lead_ids.get(&normalize_key(&role.external_person_id)) {
            put(
                store,
                MarketoObject::OpportunityRole,
                to_value(&role.to_record(*lead_id)),
                earlier(60, &role.key()),
            );
        }
    }
}

fn give_wrong_email(store: &mut Store, key: &str) {
    let s = spec(MarketoObject::SalesPerson);
    for id in store.query(
        s,
        "externalSalesPersonId",
        &[Value::String(key.to_string())],
    ) {
        let row = store.project(s, id, &["email"]);
        let wrong = match row["email"].as_str().and_then(|e| e.split_once('@')) {
            Some((local, domain)) => format!("{local}@legacy-{domain}"),
            None => format!("{key}@legacy.example"),
        };
        let mut m = Map::new();
        m.insert("email".into(), Value::String(wrong));
        store.set_fields(MarketoObject::SalesPerson, id, m);
    }
}

const MOMENTS: [(&str, &str, &str); 8] = [
    ("Web", "Visited web page: /solutions/azure-migration", "Web"),
    ("Web", "Visited web page: /pricing", "Web"),
    (
        "Email",
        "Opened email: Quarterly partner newsletter",
        "Email",
    ),
    (
        "Email",
        "Clicked link in email: Co-sell webinar invitation",
        "Email",
    ),
    ("Milestone", "Filled out form: Contact sales", "Form"),
    (
        "Milestone",
        "Registered for event: Azure Immersion Day",
        "Event",
    ),
    (
        "Web",
        "Downloaded: Cloud adoption framework whitepaper",
        "Web",
    ),
    (
        "Sales",
        "Replied to sales email: Follow-up on proposal",
        "Sales Insight",
    ),
];

/// Sales Insight fields of one lead: four in five leads have an interesting moment.
fn msi_fields(seed: u64, key: &str, now: DateTime<Utc>) -> Map<String, Value> {
    let mut rng = StdRng::seed_from_u64(fnv(seed ^ 0x5a5a, key));
    let mut m = Map::new();
    if rng.random_range(0..5) == 0 {
        return m;
    }
    let (kind, desc, source) = MOMENTS[rng.random_range(0..MOMENTS.len())];
    let when = now
        - Duration::days(rng.random_range(0..45))
        - Duration::seconds(rng.random_range(0..86_400));
    let v = json!({
        "msiLastInterestingMomentType": kind,
        "msiLastInterestingMomentDate": format_datetime(&when),
        "msiLastInterestingMomentDesc": desc,
        "msiLastInterestingMomentSource": source,
        "priority": rng.random_range(0..=100),
        "relativeUrgency": rng.random_range(0..=3),
        "relativeScoring": rng.random_range(1..=3),
    });
    if let Value::Object(o) = v {
        m = o;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referrals(n: usize, sellers: usize) -> Vec<Referral> {
        (0..n)
            .map(|i| {
                serde_json::from_value(json!({
                    "id": format!("r{i}"),
                    "name": format!("Deal {i}"),
                    "customerProfile": {"name": format!("Customer {i}"),
                        "team": [{"firstName": "C", "lastName": format!("{i}"),
                                  "email": format!("c{i}@cust.com")}]},
                    "team": [{"firstName": "Seller", "lastName": format!("{}", i % sellers),
                              "email": format!("s{}@partner.com", i % sellers)}]
                }))
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn seller_shares_follow_the_targets() {
        let rs = referrals(1000, 1000);
        let m = MarketoMapping::default();
        let plans: Vec<SyncPlan> = rs.iter().map(|r| plan(r, &m)).collect();
        let states = seller_states(
            plans
                .iter()
                .filter_map(|p| p.sales_person_id().map(normalize_key)),
            7,
        );
        let count = |s| states.values().filter(|v| **v == s).count();
        assert!(
            (95..=105).contains(&count(Seller::WrongEmail)),
            "{}",
            count(Seller::WrongEmail)
        );
        assert!((245..=255).contains(&count(Seller::Absent)));
        let full = plans
            .iter()
            .filter(|p| depth_of(&p.referral_id, 7) == Depth::Full)
            .count();
        assert!(
            (560..=680).contains(&full),
            "{full} of 1000 full among present sellers"
        );
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let rs = referrals(60, 6);
        let m = MarketoMapping::default();
        let now = Utc::now();
        let dump = |seed| {
            let mut st = Store::new(seed);
            super::seed(&mut st, || rs.iter(), seed, now, &m);
            MarketoObject::ALL
                .iter()
                .map(|o| st.count(*o))
                .collect::<Vec<_>>()
        };
        assert_eq!(dump(1), dump(1));
        assert!((1..=40).any(|s| dump(s) != dump(1)));
    }

    #[test]
    fn msi_values_are_plausible() {
        let now = Utc::now();
        let with: Vec<_> = (0..200)
            .map(|i| msi_fields(3, &format!("p{i}"), now))
            .filter(|m| !m.is_empty())
            .collect();
        assert!((120..=190).contains(&with.len()), "{}", with.len());
        for m in with {
            assert!((0..=100).contains(&m["priority"].as_i64().unwrap()));
            assert!((0..=3).contains(&m["relativeUrgency"].as_i64().unwrap()));
            assert!((1..=3).contains(&m["relativeScoring"].as_i64().unwrap()));
            let d = crate::domain::time::parse_datetime(
                m["msiLastInterestingMomentDate"].as_str().unwrap(),
            )
            .unwrap();
            assert!(d <= now && now - d <= Duration::days(46));
        }
    }
}
