//! Deterministic, realistic demo referrals for the sandbox, the demo mode and the tests.
//!
//! [`generate`] returns the same referrals for the same `(n, seed, now)`, on every run and every
//! machine (the generator is `StdRng`, seeded per pair of referrals, so it is also prefix-stable:
//! the first `k` of `generate(n, …)` equal `generate(k, …)` when `k` is even).
//!
//! What the data looks like (choices, written down so tests and screens can rely on them):
//! - One partner organisation ("Trey Research") owns every referral; a pool of eight sellers is
//!   reused across referrals' `team`, so Marketo sales persons repeat.
//! - Referrals come in pairs. About one pair in six is a deal shared with Microsoft: the
//!   partner's `Shared` referral (target `SolutionProfile`) and its Microsoft-linked twin (target
//!   `BusinessProfileLocation` `msft`), with the same `engagementId`, name, customer and status.
//!   Every other referral is on its own, with its own engagement.
//! - Incoming referrals (from Microsoft when Shared, from another partner when Independent) take
//!   every status the rules allow: New/Pending and New/Received only when younger than 14 days,
//!   Active/Accepted, Closed/Won, Lost, Declined (within 14 days of creation), Expired (exactly
//!   14 days after creation). Outgoing ones (created by the partner) start Active/Accepted, so
//!   they are Active/Accepted, Closed/Won or Closed/Lost.
//! - Dates spread over the 540 days (about 18 months) before `now`; no date is after `now`
//!   except the closing date of open deals. `now` is truncated to whole seconds.
//! - Deal registrations exist only where [`rules::registration_ineligibility`] finds nothing
//!   against the referral (most Closed/Won shared deals won 72 hours or more after creation), in
//!   every registration status, and each passes [`rules::check_registration`].
//! - Large counts are generated on several threads; the result does not depend on the number of
//!   threads.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::domain::rules;
use crate::domain::*;

mod customer;
mod registration;
mod words;

use customer::customer_profile;
use registration::add_registrations;
use words::*;

/// The base URL written into demo referrals' `links` (the sandbox rewrites it with its own).
pub const REAL_BASE_URL: &str = "https://api.partner.microsoft.com/v1.0/engagements";

/// The partner organisation that owns every demo referral.
pub const PARTNER_NAME: &str = "Trey Research";
/// The partner's email domain (team members' addresses).
pub const PARTNER_DOMAIN: &str = "treyresearch.net";

/// Generates `n` referrals, deterministic for `(n, seed, now)`.
pub fn generate(n: usize, seed: u64, now: DateTime<Utc>) -> Vec<Referral> {
    let ctx = Ctx::new(seed, now.trunc_subsecs(0));
    let pairs = n.div_ceil(2);
    let chunks = over_pairs(n, pairs, |start, end| {
        let mut v = Vec::with_capacity((end - start) * 2);
        for k in start..end {
            v.extend(ctx.pair(k as u64));
        }
        v
    });
    let mut out: Vec<Referral> = Vec::with_capacity(pairs * 2);
    for c in chunks {
        out.extend(c);
    }
    out.truncate(n);
    out
}

/// Runs `work(start, end)` over the pairs `0..pairs` of `n` generated referrals, split in
/// contiguous ranges across the machine's threads (one thread below 20,000 referrals), and
/// returns the results in range order. A panic in a thread is raised again here.
pub(crate) fn over_pairs<T: Send>(
    n: usize,
    pairs: usize,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    let threads = if n < 20_000 {
        1
    } else {
        std::thread::available_parallelism()
            .map(|p| p.get())
            .unwrap_or(1)
            .min(16)
    };
    let per_thread = pairs.div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..pairs)
            .step_by(per_thread)
            .map(|start| {
                let end = (start + per_thread).min(pairs);
                s.spawn(move || work(start, end))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The same referrals as [`generate`], one at a time, for consumers that do not need them all in
/// memory at once (a referral takes about 8 KB; a million of them about 8 GB).
pub fn iter(n: usize, seed: u64, now: DateTime<Utc>) -> impl Iterator<Item = Referral> {
    let ctx = Ctx::new(seed, now.trunc_subsecs(0));
    (0..n.div_ceil(2) as u64)
        .flat_map(move |k| ctx.pair(k))
        .take(n)
}

/// Any one referral of [`generate`] on its own: `Generator::new(seed, now).nth(i)` equals
/// `generate(n, seed, now)[i]` for every `n > i`, so a store can keep only what changed and
/// rebuild the rest when asked.
pub struct Generator {
    ctx: Ctx,
}

impl Generator {
    /// The generator of `generate(_, seed, now)`.
    pub fn new(seed: u64, now: DateTime<Utc>) -> Generator {
        Generator {
            ctx: Ctx::new(seed, now.trunc_subsecs(0)),
        }
    }

    /// Referrals `2k` and `2k + 1` (they are made together: a shared deal's twin copies its
    /// partner's referral).
    pub fn pair(&self, k: u64) -> [Referral; 2] {
        self.ctx.pair(k)
    }

    /// Referral `i`.
    pub fn nth(&self, i: usize) -> Referral {
        let [a, b] = self.ctx.pair(i as u64 / 2);
        if i.is_multiple_of(2) { a } else { b }
    }
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("seed", &self.ctx.seed)
            .field("now", &self.ctx.now)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// The generator

/// How far back creation dates reach (about 18 months).
const HISTORY_DAYS: i64 = 540;

/// Fixed per seed: the partner, its sellers, and the clock.
struct Ctx {
    seed: u64,
    now: DateTime<Utc>,
    partner_org_id: String,
    partner_location_id: String,
    mpn_id: String,
    sellers: Vec<Member>,
    microsoft_org_id: String,
    other_partners: Vec<(String, &'static str)>,
}

/// What one referral is to be, decided before its fields are filled in.
#[derive(Clone)]
struct Plan {
    direction: Direction,
    kind: ReferralType,
    status: Status,
    substatus: Substatus,
}

impl Ctx {
    fn new(seed: u64, now: DateTime<Utc>) -> Ctx {
        let mut rng = StdRng::seed_from_u64(mix(seed, u64::MAX));
        let sellers = (0..8)
            .map(|i| {
                let first = FIRST_NAMES[(i * 7 + (seed as usize % 5)) % FIRST_NAMES.len()];
                let last = LAST_NAMES[(i * 11 + (seed as usize % 7)) % LAST_NAMES.len()];
                Member {
                    first_name: Some(first.to_string()),
                    last_name: Some(last.to_string()),
                    email: Some(format!(
                        "{}.{}@{PARTNER_DOMAIN}",
                        slug(first, ""),
                        slug(last, "")
                    )),
                    phone_number: Some(format!("+1 425 555 {:04}", rng.random_range(100..10_000))),
                    title: Some(SELLER_TITLES[i % SELLER_TITLES.len()].to_string()),
                    contact_preference: Some(ContactPreference {
                        locale: Some("en-us".into()),
                        disable_notifications: Some(false),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            })
            .collect();
        Ctx {
            seed,
            now,
            partner_org_id: uuid(&mut rng),
            partner_location_id: uuid(&mut rng),
            mpn_id: format!("{}", rng.random_range(4_000_000..6_999_999)),
            sellers,
            microsoft_org_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".to_string(),
            other_partners: OTHER_PARTNERS
                .iter()
                .map(|p| (uuid(&mut rng), *p))
                .collect(),
        }
    }

    /// The two referrals of pair `k`: a shared deal and its Microsoft twin, or two on their own.
    fn pair(&self, k: u64) -> [Referral; 2] {
        let mut rng = StdRng::seed_from_u64(mix(self.seed, k));
        if rng.random_bool(1.0 / 6.0) {
            let plan = outgoing_plan(&mut rng, ReferralType::Shared);
            let primary = self.referral(&mut rng, plan);
            let twin = self.microsoft_twin(&mut rng, &primary);
            [primary, twin]
        } else {
            let a = random_plan(&mut rng);
            let a = self.referral(&mut rng, a);
            let b = random_plan(&mut rng);
            let b = self.referral(&mut rng, b);
            [a, b]
        }
    }

    fn referral(&self, rng: &mut StdRng, plan: Plan) -> Referral {
        let country = COUNTRIES.choose(rng).expect("countries");
        let base = *COMPANY_BASES.choose(rng).expect("bases");
        let sector = rng
            .random_bool(0.5)
            .then(|| *SECTORS.choose(rng).expect("sectors"));
        let suffix = *country.suffixes.choose(rng).expect("suffixes");
        let short = match sector {
            Some(s) => format!("{base} {s}"),
            None => base.to_string(),
        };
        let customer_name = format!("{short} {suffix}");
        let domain = format!("{}.{}", slug(&short, ""), country.tld);
        let project = *PROJECTS.choose(rng).expect("projects");
        let dates = Dates::pick(rng, self.now, &plan);
        let id = uuid(rng);
        let engagement_id = uuid(rng);
        let shared = plan.kind == ReferralType::Shared;
        let mut r = Referral {
            id: Some(id.clone()),
            engagement_id: Some(engagement_id.clone()),
            organization_id: Some(self.partner_org_id.clone()),
            organization_name: Some(PARTNER_NAME.to_string()),
            mpn_id: Some(self.mpn_id.clone()),
            name: Some(format!("{base} {project}")),
            external_reference_id: rng
                .random_bool(if plan.direction == Direction::Outgoing {
                    0.6
                } else {
                    0.3
                })
                .then(|| {
                    format!(
                        "OPP-{}-{:06}",
                        2024 + rng.random_range(0..3),
                        rng.random_range(0..1_000_000)
                    )
                }),
            created_date_time: Some(dates.created),
            updated_date_time: Some(dates.updated),
            expiration_date_time: dates.expiration,
            accepted_date_time: dates.accepted,
            closed_date_time: dates.closed,
            status: Some(plan.status.clone()),
            substatus: Some(plan.substatus.clone()),
            status_reason: status_reason(rng, &plan.substatus),
            referral_type: Some(plan.kind.clone()),
            qualification: Some(qualification(rng, &plan.direction)),
            direction: Some(plan.direction.clone()),
            sales_stage: sales_stage(rng, &plan),
            campaign_id: rng.random_bool(0.2).then(|| {
                format!(
                    "CMP-FY{}-{:04}",
                    25 + rng.random_range(0..2),
                    rng.random_range(1..9999)
                )
            }),
            referral_program: rng.random_bool(0.15).then(|| "AzureIPCoSell".to_string()),
            favorite: Some(rng.random_bool(0.08)),
            is_spam: (plan.direction == Direction::Incoming).then_some(false),
            tags: rng.random_bool(0.25).then(|| {
                let count = rng.random_range(1..3);
                let mut tags: Vec<String> = TAGS
                    .choose_multiple(rng, count)
                    .map(|t| t.to_string())
                    .collect();
                tags.sort();
                tags
            }),
            registration_status: Some(RegistrationStatus::None),
            registrations: None,
            target: Some(vec![self.target(rng, &plan)]),
            customer_profile: Some(customer_profile(rng, country, customer_name, &domain)),
            consent: Some(Consent {
                consent_to_share_info_with_others: Some(rng.random_bool(0.5)),
                consent_to_contact: Some(rng.random_bool(0.9)),
                consent_to_share_referral_with_microsoft_sellers: Some(
                    shared || rng.random_bool(0.25),
                ),
                ..Default::default()
            }),
            details: Some(details(rng, country, &plan, &dates)),
            team: Some({
                let count = rng.random_range(1..3);
                self.sellers.choose_multiple(rng, count).cloned().collect()
            }),
            invite_context: self.invite_context(rng, &plan),
            links: Some(links(&id, &engagement_id)),
            tracking_info: shared.then(|| TrackingInfo {
                microsoft_msx_id: Some(format!("7-{}", alnum(rng, 10))),
                ..Default::default()
            }),
            etag: Some(etag(rng)),
            ..Default::default()
        };
        if plan.status == Status::Closed
            && plan.substatus == Substatus::Won
            && rules::registration_ineligibility(&r).is_empty()
            && rng.random_bool(0.65)
        {
            add_registrations(rng, &mut r, self.now);
        }
        r
    }

    /// The Microsoft-linked referral of a shared deal: same engagement, customer and status,
    /// its own id, routed to Microsoft.
    fn microsoft_twin(&self, rng: &mut StdRng, primary: &Referral) -> Referral {
        let id = uuid(rng);
        let engagement_id = primary.engagement_id.clone().unwrap_or_default();
        Referral {
            id: Some(id.clone()),
            target: Some(vec![Target {
                target_type: Some(TargetType::BusinessProfileLocation),
                id: Some("msft".into()),
                ..Default::default()
            }]),
            registrations: None,
            registration_status: Some(RegistrationStatus::None),
            favorite: Some(false),
            tags: None,
            links: Some(links(&id, &engagement_id)),
            etag: Some(etag(rng)),
            ..primary.clone()
        }
    }

    fn target(&self, rng: &mut StdRng, plan: &Plan) -> Target {
        let (kind, id) = match plan.direction {
            Direction::Outgoing => (
                TargetType::SolutionProfile,
                SOLUTIONS.choose(rng).expect("solutions").0.to_string(),
            ),
            _ => (
                TargetType::BusinessProfileLocation,
                self.partner_location_id.clone(),
            ),
        };
        Target {
            target_type: Some(kind),
            id: Some(id),
            ..Default::default()
        }
    }

    fn invite_context(&self, rng: &mut StdRng, plan: &Plan) -> Option<InviteContext> {
        let (org_id, org_name, code) = match (&plan.direction, &plan.kind) {
            (Direction::Incoming, ReferralType::Shared) => (
                self.microsoft_org_id.clone(),
                "Microsoft".to_string(),
                AssistanceRequestCode::ALL
                    .choose(rng)
                    .expect("codes")
                    .clone(),
            ),
            (Direction::Incoming, _) => {
                let (id, name) = self.other_partners.choose(rng).expect("partners");
                (
                    id.clone(),
                    name.to_string(),
                    AssistanceRequestCode::GeneralOrOther,
                )
            }
            (_, ReferralType::Shared) => (
                self.partner_org_id.clone(),
                PARTNER_NAME.to_string(),
                AssistanceRequestCode::ALL[1..]
                    .choose(rng)
                    .expect("codes")
                    .clone(),
            ),
            _ => return None,
        };
        Some(InviteContext {
            notes: Some(INVITE_NOTES.choose(rng).expect("notes").to_string()),
            invited_by: Some(InvitedBy {
                organization_id: Some(org_id),
                organization_name: Some(org_name),
                ..Default::default()
            }),
            assistance_request_code: Some(code),
            ..Default::default()
        })
    }
}

fn random_plan(rng: &mut StdRng) -> Plan {
    if rng.random_bool(0.6) {
        let kind = if rng.random_bool(0.6) {
            ReferralType::Shared
        } else {
            ReferralType::Independent
        };
        let (status, substatus) = weighted(
            rng,
            &[
                (8, (Status::New, Substatus::Pending)),
                (6, (Status::New, Substatus::Received)),
                (28, (Status::Active, Substatus::Accepted)),
                (20, (Status::Closed, Substatus::Won)),
                (12, (Status::Closed, Substatus::Lost)),
                (12, (Status::Closed, Substatus::Declined)),
                (14, (Status::Closed, Substatus::Expired)),
            ],
        );
        Plan {
            direction: Direction::Incoming,
            kind,
            status,
            substatus,
        }
    } else {
        outgoing_plan(rng, ReferralType::Independent)
    }
}

fn outgoing_plan(rng: &mut StdRng, kind: ReferralType) -> Plan {
    let (status, substatus) = weighted(
        rng,
        &[
            (45, (Status::Active, Substatus::Accepted)),
            (38, (Status::Closed, Substatus::Won)),
            (17, (Status::Closed, Substatus::Lost)),
        ],
    );
    Plan {
        direction: Direction::Outgoing,
        kind,
        status,
        substatus,
    }
}

/// The dates of one referral, consistent with its status.
struct Dates {
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    accepted: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    expiration: Option<DateTime<Utc>>,
}

impl Dates {
    fn pick(rng: &mut StdRng, now: DateTime<Utc>, plan: &Plan) -> Dates {
        let hour = Duration::hours(1);
        let day = Duration::days(1);
        let oldest = now - Duration::days(HISTORY_DAYS);
        let expiry = rules::EXPIRY_AFTER;
        let mut d = match plan.substatus {
            Substatus::Pending | Substatus::Received => {
                let created = between(rng, now - expiry + hour, now - Duration::minutes(10));
                Dates::open(created, None)
            }
            Substatus::Expired => {
                let created = between(rng, oldest, now - expiry);
                Dates::open(created, Some(created + expiry))
            }
            Substatus::Declined => {
                let created = between(rng, oldest, now - hour);
                let closed = between(rng, created + hour / 2, (created + day * 13).min(now));
                Dates::open(created, Some(closed))
            }
            Substatus::Accepted => {
                let created = between(rng, oldest, now - hour);
                let accepted = accept_after(rng, created, now, plan);
                Dates {
                    accepted: Some(accepted),
                    ..Dates::open(created, None)
                }
            }
            _ => {
                // Won or Lost: accepted, then closed. Most wins come well after 72 hours so
                // they can be registered; a few are quick wins that cannot.
                let created = between(rng, oldest, now - hour * 2);
                let accepted = accept_after(rng, created, now, plan);
                let earliest = if plan.substatus == Substatus::Won && rng.random_bool(0.9) {
                    (created + rules::MIN_WON_AFTER_CREATE).max(accepted)
                } else {
                    accepted
                };
                let latest = (earliest + Duration::days(200)).min(now);
                let closed = between(rng, earliest.min(now), latest);
                Dates {
                    accepted: Some(accepted),
                    ..Dates::open(created, Some(closed))
                }
            }
        };
        if plan.direction == Direction::Incoming {
            d.expiration = Some(d.created + expiry);
        }
        let last = d.closed.or(d.accepted).unwrap_or(d.created);
        d.updated = between(rng, last, (last + Duration::days(30)).min(now));
        d
    }

    fn open(created: DateTime<Utc>, closed: Option<DateTime<Utc>>) -> Dates {
        Dates {
            created,
            updated: created,
            accepted: None,
            closed,
            expiration: None,
        }
    }
}

/// When a referral was accepted: at once for partner-created ones, within its 14 days for
/// incoming ones.
fn accept_after(
    rng: &mut StdRng,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    plan: &Plan,
) -> DateTime<Utc> {
    if plan.direction == Direction::Outgoing {
        return created;
    }
    let latest = (created + Duration::days(10)).min(now);
    between(rng, created + Duration::minutes(30), latest)
}

fn status_reason(rng: &mut StdRng, sub: &Substatus) -> Option<String> {
    let list = match sub {
        Substatus::Declined => DECLINE_REASONS,
        Substatus::Lost => LOST_REASONS,
        _ => return None,
    };
    Some(list.choose(rng).expect("reasons").to_string())
}

fn qualification(rng: &mut StdRng, direction: &Direction) -> Qualification {
    let weights: &[(u32, Qualification)] = match direction {
        Direction::Incoming => &[
            (35, Qualification::MarketingQualified),
            (35, Qualification::SalesQualified),
            (15, Qualification::Direct),
            (15, Qualification::None),
        ],
        _ => &[
            (50, Qualification::Direct),
            (30, Qualification::SalesQualified),
            (20, Qualification::None),
        ],
    };
    weighted(rng, weights)
}

fn sales_stage(rng: &mut StdRng, plan: &Plan) -> Option<SalesStage> {
    match plan.substatus {
        Substatus::Won => Some(SalesStage::Close),
        Substatus::Accepted | Substatus::Lost => SalesStage::ALL.choose(rng).cloned(),
        Substatus::Pending | Substatus::Received => {
            rng.random_bool(0.4).then_some(SalesStage::Qualify)
        }
        _ => None,
    }
}

fn details(rng: &mut StdRng, country: &Country, plan: &Plan, dates: &Dates) -> Details {
    let currency = if rng.random_bool(0.8) {
        country.currency
    } else {
        *["USD", "EUR"].choose(rng).expect("currencies")
    };
    let per_usd = COUNTRIES
        .iter()
        .find(|c| c.currency == currency)
        .map_or(1.0, |c| c.per_usd);
    // Log-uniform between 5 thousand and 5 million dollars, in round local amounts.
    let usd = 10f64.powf(rng.random_range(3.7..6.7));
    let step = if per_usd > 50.0 { 10_000.0 } else { 500.0 };
    let deal_value = ((usd * per_usd) / step).round().max(1.0) * step;
    let closing = match dates.closed {
        Some(closed) if plan.substatus == Substatus::Won || plan.substatus == Substatus::Lost => {
            closed
        }
        Some(_) => dates.created + Duration::days(rng.random_range(30..120)),
        None => dates.created.max(dates.updated) + Duration::days(rng.random_range(7..180)),
    };
    let count = rng.random_range(1..4);
    let solutions = SOLUTIONS
        .choose_multiple(rng, count)
        .map(|(id, name)| Solution {
            id: Some(id.to_string()),
            name: Some(name.to_string()),
            solution_type: Some(SolutionType::Name),
            publisher_name: Some(PARTNER_NAME.to_string()),
            ..Default::default()
        })
        .collect();
    let ids = |rng: &mut StdRng, list: &[&str], max: usize| -> Vec<IdRef> {
        let count = rng.random_range(1..=max);
        list.choose_multiple(rng, count)
            .map(|s| IdRef {
                id: Some(s.to_string()),
                ..Default::default()
            })
            .collect()
    };
    Details {
        notes: rng
            .random_bool(0.7)
            .then(|| NOTES.choose(rng).expect("notes").to_string()),
        deal_value: Some(deal_value),
        currency: Some(currency.to_string()),
        closing_date_time: Some(closing),
        customer_requested_contact: Some(rng.random_bool(0.4)),
        customer_action: None,
        requirements: Some(Requirements {
            industries: Some(ids(rng, INDUSTRIES, 1)),
            products: Some(ids(rng, PRODUCTS, 2)),
            services: Some(ids(rng, SERVICES, 2)),
            solutions: Some(solutions),
            offers: None,
            additional_requirements: rng.random_bool(0.2).then(|| {
                serde_json::Value::from("Must integrate with the existing SAP landscape.")
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The computed `links` of a referral under `base`.
pub fn links_under(base: &str, id: &str, engagement_id: &str) -> Links {
    let link = |uri: String| Link {
        uri: Some(uri),
        method: Some("GET".into()),
        ..Default::default()
    };
    Links {
        self_link: Some(link(format!("{base}/referrals/{id}"))),
        related_referrals: Some(link(format!(
            "{base}/referrals?$filter=engagementId eq {engagement_id}"
        ))),
        ..Default::default()
    }
}

fn links(id: &str, engagement_id: &str) -> Links {
    links_under(REAL_BASE_URL, id, engagement_id)
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// A fresh eTag in the service's shape, quotes included: `"84001c9d-0000-0100-0000-6225a63e0000"`.
pub fn etag(rng: &mut impl Rng) -> String {
    format!(
        "\"{:08x}-0000-0100-0000-{:012x}\"",
        rng.random::<u32>(),
        rng.random::<u64>() & 0xffff_ffff_ffff
    )
}

/// A version-4 UUID drawn from `rng` (deterministic for a seeded generator).
pub fn uuid(rng: &mut impl Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

fn alnum(rng: &mut StdRng, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..len)
        .map(|_| *CHARS.choose(rng).expect("chars") as char)
        .collect()
}

/// Lower-case ASCII letters and digits of `s`, joined by `sep` where words were.
fn slug(s: &str, sep: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(sep)
}

/// A uniform instant in `[a, b]` (whole seconds); `a` when the range is empty.
fn between(rng: &mut StdRng, a: DateTime<Utc>, b: DateTime<Utc>) -> DateTime<Utc> {
    let span = (b - a).num_seconds();
    if span <= 0 {
        a
    } else {
        a + Duration::seconds(rng.random_range(0..=span))
    }
}

fn weighted<T: Clone>(rng: &mut StdRng, items: &[(u32, T)]) -> T {
    let total: u32 = items.iter().map(|(w, _)| w).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for (w, item) in items {
        if pick < *w {
            return item.clone();
        }
        pick -= w;
    }
    items[items.len() - 1].1.clone()
}

/// SplitMix64 of `seed` and `k`: independent streams per pair.
fn mix(seed: u64, k: u64) -> u64 {
    let mut z = seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate;
    use std::collections::{HashMap, HashSet};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn same_inputs_same_referrals() {
        let a = generate(300, 7, now());
        let b = generate(300, 7, now());
        assert_eq!(a, b);
        assert_eq!(a.len(), 300);
        let c = generate(300, 8, now());
        assert_ne!(a, c);
        // Prefix-stable, and independent of threading.
        let big = generate(20_002, 7, now());
        assert_eq!(&big[..300], &a[..]);
        assert_eq!(generate(20_002, 7, now()), big);
        assert_eq!(generate(301, 7, now()).len(), 301);
        assert_eq!(
            iter(301, 7, now()).collect::<Vec<_>>(),
            generate(301, 7, now())
        );
        assert!(generate(0, 7, now()).is_empty());
    }

    /// Every rule a generated referral must keep; returns what it breaks.
    fn problems(r: &Referral, now: DateTime<Utc>) -> Vec<String> {
        let mut p = Vec::new();
        let (st, sub) = (r.status(), r.substatus());
        if !rules::substatuses_of(&st).contains(&sub) {
            p.push(format!("{st}/{sub} do not belong together"));
        }
        if r.direction == Some(Direction::Outgoing)
            && !matches!(sub, Substatus::Accepted | Substatus::Won | Substatus::Lost)
        {
            p.push(format!("outgoing referral is {st}/{sub}"));
        }
        if rules::should_expire(r, now) {
            p.push("incoming New referral older than 14 days".into());
        }
        if !r.registrations().is_empty() {
            let why = rules::registration_ineligibility(r);
            if !why.is_empty() {
                p.push(format!("registration on ineligible referral: {why:?}"));
            }
            for g in r.registrations() {
                for e in rules::check_registration(g) {
                    p.push(format!("registration: {e}"));
                }
            }
            let last = r.registrations().last().unwrap();
            if r.updated_date_time < last.registration_date_time {
                p.push("updatedDateTime before the last registration".into());
            }
            if r.registration_status != last.status {
                p.push("registrationStatus differs from the last registration".into());
            }
        }
        p.extend(
            validate::currency("currency", r.currency())
                .err()
                .map(|e| e.to_string()),
        );
        p.extend(
            validate::country("country", r.country())
                .err()
                .map(|e| e.to_string()),
        );
        for m in r.contacts().iter().chain(r.team()) {
            let email = m.email.as_deref().unwrap_or("");
            p.extend(validate::email("email", email).err().map(|e| e.to_string()));
            let phone = m.phone_number.as_deref().unwrap_or("");
            p.extend(validate::phone("phone", phone).err().map(|e| e.to_string()));
        }
        let created = r.created_date_time.unwrap();
        let dates = [
            r.updated_date_time,
            r.accepted_date_time,
            r.closed_date_time,
        ];
        for d in dates.into_iter().flatten() {
            if d < created || d > now {
                p.push(format!("date {d} outside [{created}, {now}]"));
            }
        }
        if created < now - Duration::days(HISTORY_DAYS) {
            p.push("created too long ago".into());
        }
        if (st == Status::Closed) != r.closed_date_time.is_some() {
            p.push("closedDateTime present iff Closed".into());
        }
        if r.solutions().is_empty() || r.solutions().len() > 3 {
            p.push("1 to 3 solutions".into());
        }
        if !r.etag.as_deref().unwrap_or("").starts_with('"') {
            p.push("eTag carries its quotes".into());
        }
        p
    }

    #[test]
    fn every_referral_keeps_the_rules() {
        let now = now();
        for r in generate(3000, 42, now) {
            let p = problems(&r, now);
            assert!(p.is_empty(), "{}: {p:?}", r.id());
            // Round-trips through JSON unchanged.
            assert_eq!(Referral::from_value(r.to_value()).unwrap(), r);
        }
    }

    #[test]
    fn covers_every_combination_the_rules_allow() {
        let all = generate(3000, 1, now());
        let pairs: HashSet<(String, String, String, String)> = all
            .iter()
            .map(|r| {
                (
                    r.status().to_string(),
                    r.substatus().to_string(),
                    r.direction.clone().unwrap().to_string(),
                    r.referral_type.clone().unwrap().to_string(),
                )
            })
            .collect();
        for (st, sub) in [
            ("New", "Pending"),
            ("New", "Received"),
            ("Active", "Accepted"),
            ("Closed", "Won"),
            ("Closed", "Lost"),
            ("Closed", "Declined"),
            ("Closed", "Expired"),
        ] {
            for ty in ["Shared", "Independent"] {
                assert!(
                    pairs.contains(&(st.into(), sub.into(), "Incoming".into(), ty.into())),
                    "missing incoming {ty} {st}/{sub}"
                );
            }
        }
        for sub in ["Accepted", "Won", "Lost"] {
            assert!(pairs.iter().any(|p| p.1 == sub && p.2 == "Outgoing"));
        }
        let reg_statuses: HashSet<String> = all
            .iter()
            .flat_map(|r| r.registrations().iter())
            .map(|g| g.status.clone().unwrap().to_string())
            .collect();
        assert_eq!(reg_statuses.len(), 5, "{reg_statuses:?}");
        let quals: HashSet<_> = all.iter().map(|r| r.qualification.clone()).collect();
        assert_eq!(quals.len(), 4);
        let currencies: HashSet<_> = all.iter().map(|r| r.currency().to_string()).collect();
        for c in ["USD", "EUR", "GBP", "JPY", "AUD", "CAD", "INR", "BRL"] {
            assert!(currencies.contains(c), "{c}");
        }
        let codes: HashSet<_> = all
            .iter()
            .filter_map(|r| r.invite_context.as_ref()?.assistance_request_code.clone())
            .collect();
        assert_eq!(codes.len(), AssistanceRequestCode::ALL.len());
        assert!(all.iter().any(|r| r.is_favorite()));
        assert!(all.iter().any(|r| r.tags.is_some()));
        assert!(all.iter().any(|r| r.external_reference_id.is_some()));
        assert!(all.iter().any(|r| r.solutions().len() == 3));
    }

    #[test]
    fn shared_deals_have_a_microsoft_twin_in_the_same_engagement() {
        let all = generate(2000, 3, now());
        let mut by_engagement: HashMap<&str, Vec<&Referral>> = HashMap::new();
        for r in &all {
            by_engagement
                .entry(r.engagement_id.as_deref().unwrap())
                .or_default()
                .push(r);
        }
        let twins: Vec<_> = by_engagement.values().filter(|v| v.len() == 2).collect();
        assert!(twins.len() > 50, "{}", twins.len());
        assert!(by_engagement.values().all(|v| v.len() <= 2));
        for pair in twins {
            let targets: Vec<_> = pair
                .iter()
                .map(|r| r.target.as_ref().unwrap()[0].target_type.clone().unwrap())
                .collect();
            assert!(targets.contains(&TargetType::SolutionProfile));
            assert!(targets.contains(&TargetType::BusinessProfileLocation));
            assert!(
                pair.iter()
                    .all(|r| r.referral_type == Some(ReferralType::Shared))
            );
            assert_eq!(pair[0].status, pair[1].status);
        }
        let ids: HashSet<_> = all.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn sellers_repeat_across_referrals() {
        let all = generate(500, 9, now());
        let emails: HashSet<_> = all
            .iter()
            .flat_map(|r| r.team().iter().map(|m| m.email.clone().unwrap()))
            .collect();
        assert!(emails.len() <= 8 && emails.len() >= 4, "{emails:?}");
        assert!(emails.iter().all(|e| e.ends_with(PARTNER_DOMAIN)));
    }
}
