//! The referrals the Partner Center emulator holds, and every write the API allows on them.
//!
//! Pure state and rules (no HTTP): the handlers in `pc.rs` lock a [`Referrals`], call one method
//! with the sandbox clock's `now`, and render the result. The rules themselves live in
//! `crate::domain::rules`; this module only applies them.
//!
//! Choices where the public record is silent (see also `patching.rs` and `query.rs`):
//! - Create ignores what the client says about server-owned fields (`id`, `status`,
//!   `substatus`, `direction`, dates, `eTag`, `organization*`): a partner-created referral starts
//!   Active/Accepted and Outgoing. `engagementId` is kept when given (the Microsoft-linked
//!   referral of a shared deal must name its engagement, which must exist).
//! - A `Shared` create needs a `SolutionProfile` target, or the `BusinessProfileLocation` `msft`
//!   target with the `engagementId` of an existing referral.
//! - PUT needs `If-Match` (428 `preconditionRequired` without it, our choice) and a body without
//!   `links`; it is turned into the JSON Patch of the editable fields that differ
//!   (`domain::patch::diff_values`) and goes through exactly the PATCH rules. Read-only fields in
//!   a PUT body that differ are ignored.
//! - `If-Match` matches when any listed tag equals the eTag, ignoring `W/` and surrounding
//!   quotes; `*` matches anything.
//! - Expiry is lazy: before every request the referrals whose 14 days ran out by the sandbox
//!   clock become Closed/Expired, with `closedDateTime` (and `updatedDateTime`) at the moment
//!   the 14 days ended.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::demo::{self, over_pairs};
use super::error::{ApiError, typed};
use super::pages::Pages;
use super::patching;
use crate::domain::patch::diff_values;
use crate::domain::validate::FieldError;
use crate::domain::*;

/// The partner organisation that owns the referrals created in this sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub organization_id: String,
    pub organization_name: String,
    pub mpn_id: String,
}

/// What listing needs of every referral without building it: the id, the engagement, the
/// documented `$filter` fields (`engagementId`, `status`, `substatus`, `updatedDateTime`) and
/// the `$orderby` dates. About 250 bytes where the whole referral takes about 8 KB.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) id: Arc<str>,
    engagement_id: Option<Box<str>>,
    pub(super) created: Option<DateTime<Utc>>,
    pub(super) updated: Option<DateTime<Utc>>,
    status: Option<Status>,
    substatus: Option<Substatus>,
}

/// Rows built on one thread, with the expiry moments among them.
type RowsAndExpiry = (Vec<Row>, Vec<(DateTime<Utc>, usize)>);

/// The top-level fields a [`Row`] holds.
pub(super) const ROW_FIELDS: [&str; 6] = [
    "id",
    "engagementId",
    "createdDateTime",
    "updatedDateTime",
    "status",
    "substatus",
];

impl Row {
    fn of(r: &Referral) -> Row {
        Row {
            id: Arc::from(r.id()),
            engagement_id: r.engagement_id.as_deref().map(Box::from),
            created: r.created_date_time,
            updated: r.updated_date_time,
            status: r.status.clone(),
            substatus: r.substatus.clone(),
        }
    }

    /// A referral holding only the row's fields: a `$filter` that reads nothing but
    /// [`ROW_FIELDS`] answers the same for it as for the whole referral.
    pub(super) fn skeleton(&self) -> Referral {
        Referral {
            id: Some(self.id.to_string()),
            engagement_id: self.engagement_id.as_deref().map(str::to_string),
            created_date_time: self.created,
            updated_date_time: self.updated,
            status: self.status.clone(),
            substatus: self.substatus.clone(),
            ..Default::default()
        }
    }
}

/// All referrals of one sandbox, indexed by id.
///
/// Demo referrals are not kept whole: each is rebuilt from the seed when it is read
/// ([`demo::Generator::nth`], identical to the one [`demo::generate`] makes), and only the
/// referrals created or changed since (by a write, a review outcome or expiry) are stored in
/// full. A [`Row`] per referral answers the documented filters and the ordering without
/// building referrals, so a million of them fit in a few hundred megabytes.
#[derive(Debug)]
pub struct Referrals {
    /// The generator of the referrals below `generated` that have not changed.
    generator: Option<demo::Generator>,
    generated: usize,
    pub(super) rows: Vec<Row>,
    /// Referrals created or changed here, by index: these are the truth for their index.
    changed: HashMap<usize, Referral>,
    by_id: HashMap<Arc<str>, usize>,
    /// (moment the 14 days end, index) of incoming New referrals, soonest first.
    expiring: BTreeSet<(DateTime<Utc>, usize)>,
    partner: Partner,
    pub(super) pages: Pages,
}

impl Referrals {
    /// Takes ownership of `items` (all kept whole); the partner organisation is the one that
    /// owns the first referral.
    pub fn new(items: Vec<Referral>) -> Referrals {
        let partner = partner_of(items.iter().find(|r| r.organization_id.is_some()));
        let mut me = Referrals::empty(partner, None, 0, items.len());
        for r in items {
            me.insert(r);
        }
        me
    }

    /// The `n` demo referrals of `demo::generate(n, seed, now)`, kept as rows and rebuilt from
    /// the seed when read (see the type's notes). Builds the rows on several threads.
    pub fn generated(n: usize, seed: u64, now: DateTime<Utc>) -> Referrals {
        let generator = demo::Generator::new(seed, now);
        let pairs = n.div_ceil(2);
        let chunk = |start: usize, end: usize| {
            let mut rows = Vec::with_capacity((end - start) * 2);
            let mut expiring = Vec::new();
            for k in start..end {
                for (j, r) in generator.pair(k as u64).iter().enumerate() {
                    let idx = 2 * k + j;
                    if idx < n {
                        expiring.extend(expiry_of(r).map(|at| (at, idx)));
                        rows.push(Row::of(r));
                    }
                }
            }
            (rows, expiring)
        };
        let chunks: Vec<RowsAndExpiry> = over_pairs(n, pairs, chunk);
        let first = (n > 0).then(|| generator.nth(0));
        let partner = partner_of(first.as_ref().filter(|r| r.organization_id.is_some()));
        let mut me = Referrals::empty(partner, Some(generator), n, n);
        for (rows, expiring) in chunks {
            for row in rows {
                me.by_id.insert(row.id.clone(), me.rows.len());
                me.rows.push(row);
            }
            me.expiring.extend(expiring);
        }
        me
    }

    fn empty(
        partner: Partner,
        generator: Option<demo::Generator>,
        generated: usize,
        capacity: usize,
    ) -> Referrals {
        Referrals {
            generator,
            generated,
            rows: Vec::with_capacity(capacity),
            changed: HashMap::new(),
            by_id: HashMap::with_capacity(capacity),
            expiring: BTreeSet::new(),
            partner,
            pages: Pages::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Referral `idx` (in the order they were added), built from the seed unless it changed.
    pub fn nth(&self, idx: usize) -> Option<Cow<'_, Referral>> {
        if idx >= self.rows.len() {
            return None;
        }
        Some(self.at(idx))
    }

    /// How many referrals are held whole (created or changed here).
    pub fn changed_count(&self) -> usize {
        self.changed.len()
    }

    /// Referral `idx < len()`.
    pub(super) fn at(&self, idx: usize) -> Cow<'_, Referral> {
        match (self.changed.get(&idx), &self.generator) {
            (Some(r), _) => Cow::Borrowed(r),
            (None, Some(g)) if idx < self.generated => Cow::Owned(g.nth(idx)),
            // Every index is either generated or held whole; an empty referral is never seen.
            (None, _) => Cow::Owned(Referral::default()),
        }
    }

    /// The indexes of the referrals `test` accepts, on several threads when there are many;
    /// referrals built from the seed are built one pair at a time and dropped after.
    pub(super) fn scan(&self, test: impl Fn(&Referral) -> bool + Sync) -> Vec<u32> {
        let n = self.rows.len();
        let pairs = self.generated.div_ceil(2);
        let look = |idx: usize, built: &Referral| match self.changed.get(&idx) {
            Some(r) => test(r),
            None => test(built),
        };
        let part = |start: usize, end: usize| -> Vec<u32> {
            let mut out = Vec::new();
            let Some(g) = &self.generator else {
                return out;
            };
            for k in start..end {
                for (j, r) in g.pair(k as u64).iter().enumerate() {
                    let idx = 2 * k + j;
                    if idx < self.generated && look(idx, r) {
                        out.push(idx as u32);
                    }
                }
            }
            out
        };
        let mut out: Vec<u32> = over_pairs(self.generated, pairs, part)
            .into_iter()
            .flatten()
            .collect();
        for idx in self.generated..n {
            if self.changed.get(&idx).is_some_and(&test) {
                out.push(idx as u32);
            }
        }
        out
    }

    pub fn partner(&self) -> &Partner {
        &self.partner
    }

    /// Adds a referral at the next index.
    fn insert(&mut self, r: Referral) -> &Referral {
        let idx = self.rows.len();
        let row = Row::of(&r);
        self.by_id.insert(row.id.clone(), idx);
        self.rows.push(row);
        self.expiring.extend(expiry_of(&r).map(|at| (at, idx)));
        self.changed.entry(idx).or_insert(r)
    }

    /// Stores `r` whole as referral `idx` (its row follows).
    fn keep(&mut self, idx: usize, r: Referral) -> &Referral {
        self.rows[idx] = Row::of(&r);
        match self.changed.entry(idx) {
            Entry::Occupied(mut e) => {
                e.insert(r);
                e.into_mut()
            }
            Entry::Vacant(e) => e.insert(r),
        }
    }

    /// When the next referral is due to expire (a cheap check under a read lock).
    pub fn next_expiry(&self) -> Option<DateTime<Utc>> {
        self.expiring.first().map(|(at, _)| *at)
    }

    /// Expires every incoming New referral whose 14 days have passed at `now`; returns how many.
    pub fn expire_due(&mut self, now: DateTime<Utc>) -> usize {
        let mut n = 0;
        while let Some(&(at, idx)) = self.expiring.first() {
            if at > now {
                break;
            }
            self.expiring.pop_first();
            let current = self.at(idx);
            if crate::domain::rules::should_expire(&current, now) {
                let mut r = current.into_owned();
                r.status = Some(Status::Closed);
                r.substatus = Some(Substatus::Expired);
                r.closed_date_time = Some(at);
                r.updated_date_time = Some(r.updated_date_time.map_or(at, |u| u.max(at)));
                r.etag = Some(new_etag());
                self.keep(idx, r);
                n += 1;
            }
        }
        n
    }

    fn index(&self, id: &str) -> Result<usize, ApiError> {
        self.by_id.get(id).copied().ok_or_else(|| {
            ApiError::not_found(format!("no referral with id `{id}`")).with_target("id")
        })
    }

    pub fn get(&self, id: &str) -> Result<Cow<'_, Referral>, ApiError> {
        self.index(id).map(|i| self.at(i))
    }

    /// Creates a referral from a request body (see the module notes for the rules).
    pub fn create(&mut self, body: &Value, now: DateTime<Utc>) -> Result<&Referral, ApiError> {
        if !body.is_object() {
            return Err(ApiError::invalid(
                "body",
                "send the referral as a JSON object",
            ));
        }
        let mut r: Referral = typed(body, "")?;
        let mut errors = crate::domain::create::check_new(&r).errors;
        errors.extend(self.check_sharing(&r));
        if !errors.is_empty() {
            return Err(ApiError::fields(&errors));
        }
        normalise_codes(&mut r);
        r.id = Some(uuid::Uuid::new_v4().to_string());
        if r.engagement_id.as_deref().unwrap_or("").is_empty() {
            r.engagement_id = Some(uuid::Uuid::new_v4().to_string());
        }
        r.organization_id = Some(self.partner.organization_id.clone());
        r.organization_name = Some(self.partner.organization_name.clone());
        r.mpn_id = Some(self.partner.mpn_id.clone());
        r.status = Some(Status::Active);
        r.substatus = Some(Substatus::Accepted);
        r.direction = Some(Direction::Outgoing);
        r.created_date_time = Some(now);
        r.updated_date_time = Some(now);
        r.accepted_date_time = Some(now);
        r.closed_date_time = None;
        r.expiration_date_time = None;
        r.registration_status = Some(RegistrationStatus::None);
        r.registrations = None;
        r.links = None;
        r.etag = Some(new_etag());
        Ok(self.insert(r))
    }

    /// Targets and engagement of a Shared referral.
    fn check_sharing(&self, r: &Referral) -> Vec<FieldError> {
        let targets = r.target.as_deref().unwrap_or(&[]);
        let to_microsoft = targets.iter().any(|t| {
            t.target_type == Some(TargetType::BusinessProfileLocation)
                && t.id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case("msft"))
        });
        let to_solution = targets
            .iter()
            .any(|t| t.target_type == Some(TargetType::SolutionProfile));
        let mut errors = Vec::new();
        if r.referral_type == Some(ReferralType::Shared) && !to_microsoft && !to_solution {
            errors.push(FieldError::new(
                "target",
                "a Shared referral needs a target: {type: SolutionProfile, id: <your solution>} for your referral, or {type: BusinessProfileLocation, id: msft} with the engagementId for the Microsoft-linked one",
            ));
        }
        if to_microsoft {
            match r.engagement_id.as_deref().filter(|e| !e.is_empty()) {
                None => errors.push(FieldError::new(
                    "engagementId",
                    "the Microsoft-linked referral needs the engagementId of your Shared referral; create that first and copy its engagementId",
                )),
                Some(eid) if !self.rows.iter().any(|x| x.engagement_id.as_deref() == Some(eid)) => {
                    errors.push(FieldError::new(
                        "engagementId",
                        format!("no referral belongs to engagement `{eid}`; create your Shared referral first and use the engagementId it returns"),
                    ))
                }
                Some(_) => {}
            }
        }
        errors
    }

    /// Applies a JSON Patch body (see `patching.rs`).
    pub fn patch(
        &mut self,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<&Referral, ApiError> {
        let idx = self.index(id)?;
        let current = self.at(idx);
        check_if_match(&current, if_match)?;
        let ops = patching::parse_ops(body)?;
        let next = patching::apply_ops(&current, &ops, now)?;
        Ok(self.commit(idx, next, now))
    }

    /// Replaces a referral (deprecated PUT; see the module notes).
    pub fn put(
        &mut self,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<&Referral, ApiError> {
        let idx = self.index(id)?;
        let Some(tag) = if_match else {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "preconditionRequired",
                "PUT needs an If-Match header with the referral's eTag; GET the referral and send its eTag back",
            )
            .with_target("If-Match"));
        };
        let current = self.at(idx);
        check_if_match(&current, Some(tag))?;
        if !body.is_object() {
            return Err(ApiError::invalid(
                "body",
                "send the referral as a JSON object",
            ));
        }
        if body.get("links").is_some() {
            return Err(ApiError::invalid(
                "links",
                "links are computed by the service; send the referral without `links`",
            ));
        }
        let _: Referral = typed(body, "")?;
        if let Some(body_id) = body.get("id").and_then(Value::as_str)
            && body_id != id
        {
            return Err(ApiError::invalid(
                "id",
                format!(
                    "the body is referral `{body_id}` but the URL names `{id}`; they must match"
                ),
            ));
        }
        let ops = diff_values(&current.to_value(), body);
        let next = if ops.is_empty() {
            current.into_owned()
        } else {
            patching::apply_ops(&current, &ops, now)?
        };
        Ok(self.commit(idx, next, now))
    }

    /// Sets the review outcome of registration `n` (the sandbox's stand-in for Microsoft's
    /// review), with its status-history date and the referral's `registrationStatus`.
    pub fn set_registration_status(
        &mut self,
        id: &str,
        n: usize,
        status: &str,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<&Referral, ApiError> {
        let idx = self.index(id)?;
        let status = RegistrationStatus::parse(status);
        if !status.is_known() || status == RegistrationStatus::None {
            return Err(ApiError::invalid(
                "status",
                format!(
                    "`{status}` is not a review outcome; use ReviewPending, ActionRequired, Passed, Failed or Approved"
                ),
            ));
        }
        let mut next = self.at(idx).into_owned();
        let regs = next.registrations.get_or_insert_with(Vec::new);
        let count = regs.len();
        let reg = regs.get_mut(n).ok_or_else(|| {
            ApiError::not_found(format!(
                "referral `{id}` has {count} registration(s); there is no registration {n}"
            ))
        })?;
        let history = reg.status_history.get_or_insert_with(Default::default);
        let slot = match status {
            RegistrationStatus::ReviewPending => &mut history.review_pending_date_time,
            RegistrationStatus::ActionRequired => &mut history.action_required_date_time,
            RegistrationStatus::Passed => &mut history.passed_date_time,
            RegistrationStatus::Failed => &mut history.failed_date_time,
            _ => &mut history.approved_date_time,
        };
        *slot = Some(now);
        reg.status = Some(status);
        reg.status_reason = reason;
        next.registration_status = regs.last().and_then(|g| g.status.clone());
        Ok(self.commit(idx, next, now))
    }

    /// Stores a changed referral with a new eTag and `updatedDateTime`, and the dates its
    /// status move implies.
    fn commit(&mut self, idx: usize, mut next: Referral, now: DateTime<Utc>) -> &Referral {
        if next.status != self.rows[idx].status {
            match next.status() {
                Status::Active if next.accepted_date_time.is_none() => {
                    next.accepted_date_time = Some(now)
                }
                Status::Closed => next.closed_date_time = Some(now),
                _ => {}
            }
        }
        next.updated_date_time = Some(now);
        next.etag = Some(new_etag());
        self.keep(idx, next)
    }
}

/// The partner that owns `first`, or the sandbox's own when there is none.
fn partner_of(first: Option<&Referral>) -> Partner {
    first
        .map(|r| Partner {
            organization_id: r.organization_id.clone().unwrap_or_default(),
            organization_name: r.organization_name.clone().unwrap_or_default(),
            mpn_id: r.mpn_id.clone().unwrap_or_default(),
        })
        .unwrap_or_else(|| Partner {
            organization_id: "00000000-0000-4000-8000-000000000001".into(),
            organization_name: demo::PARTNER_NAME.into(),
            mpn_id: "4000001".into(),
        })
}

/// When an incoming New referral's 14 days end; `None` for every other referral.
fn expiry_of(r: &Referral) -> Option<DateTime<Utc>> {
    if r.status() == Status::New && r.direction == Some(Direction::Incoming) {
        r.created_date_time
            .map(|created| created + crate::domain::rules::EXPIRY_AFTER)
    } else {
        None
    }
}

/// The referral as the API answers it: `links` computed under `api_base`
/// (`http://host/v1.0/engagements`).
pub fn render(r: &Referral, api_base: &str) -> Value {
    let mut v = r.to_value();
    if let Value::Object(map) = &mut v {
        let links = demo::links_under(api_base, r.id(), r.engagement_id.as_deref().unwrap_or(""));
        map.insert("links".into(), json!(links));
    }
    v
}

/// A fresh eTag in the service's shape (quotes included).
pub fn new_etag() -> String {
    demo::etag(&mut rand::rng())
}

/// 412 unless `if_match` is absent or names the current eTag.
pub fn check_if_match(current: &Referral, if_match: Option<&str>) -> Result<(), ApiError> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let strip = |t: &str| {
        let t = t.trim();
        let t = t.strip_prefix("W/").unwrap_or(t);
        t.trim_matches('"').to_string()
    };
    let mine = strip(current.etag.as_deref().unwrap_or(""));
    if header
        .split(',')
        .any(|t| t.trim() == "*" || strip(t) == mine)
    {
        return Ok(());
    }
    Err(ApiError::precondition_failed(
        "the referral changed since you read it (its eTag differs from If-Match); GET it again and reapply your change",
    )
    .with_target("If-Match")
    .with_inner("currentETag", json!(current.etag)))
}

/// Upper-cases currency and country codes.
fn normalise_codes(r: &mut Referral) {
    if let Some(d) = r.details.as_mut()
        && let Some(c) = d.currency.as_mut()
    {
        *c = c.trim().to_ascii_uppercase();
    }
    if let Some(a) = r.customer_profile.as_mut().and_then(|c| c.address.as_mut())
        && let Some(c) = a.country.as_mut()
    {
        *c = c.trim().to_ascii_uppercase();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn valid_create() -> Value {
        json!({
            "name": "Contoso pilot",
            "type": "Independent",
            "customerProfile": {
                "name": "Contoso Ltd",
                "address": {"country": "us"},
                "team": [{"firstName": "Ann", "lastName": "Lee", "email": "ann@contoso.com", "phoneNumber": "+1 425 555 0100"}]
            },
            "consent": {"consentToShareReferralWithMicrosoftSellers": false},
            "details": {
                "dealValue": 1000, "currency": "usd", "closingDateTime": "2026-12-31",
                "requirements": {"solutions": [{"id": "SOL-34104-EBB"}]}
            },
            "status": "Closed", "substatus": "Won", "direction": "Incoming"
        })
    }

    #[test]
    fn create_starts_active_outgoing_and_normalises_codes() {
        let mut s = Referrals::new(demo::generate(10, 1, now()));
        let r = s.create(&valid_create(), now()).unwrap().clone();
        assert_eq!(r.status(), Status::Active);
        assert_eq!(r.substatus(), Substatus::Accepted);
        assert_eq!(r.direction, Some(Direction::Outgoing));
        assert_eq!(r.currency(), "USD");
        assert_eq!(r.country(), "US");
        assert_eq!(r.organization_name.as_deref(), Some(demo::PARTNER_NAME));
        assert!(r.etag.as_deref().unwrap().starts_with('"'));
        assert_eq!(s.get(r.id()).unwrap().as_ref(), &r);
        assert_eq!(s.len(), 11);
    }

    #[test]
    fn create_lists_every_missing_required_part() {
        let mut s = Referrals::new(vec![]);
        let e = s
            .create(&json!({"customerProfile": {"team": [{}]}}), now())
            .unwrap_err();
        let fields: Vec<String> = e.inner["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["field"].as_str().unwrap().to_string())
            .collect();
        // Only type, customerProfile, consent and details are required; a contact without
        // email is advice for the form, not a refusal.
        assert_eq!(fields, ["type", "consent", "details"]);
        assert_eq!(e.target.as_deref(), Some("type"));
    }

    #[test]
    fn shared_needs_targets_and_the_twin_an_existing_engagement() {
        let mut s = Referrals::new(vec![]);
        let mut body = valid_create();
        body["type"] = json!("Shared");
        let e = s.create(&body, now()).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("target"));
        body["target"] = json!([{"type": "SolutionProfile", "id": "SOL-34104-EBB"}]);
        let mine = s.create(&body, now()).unwrap().clone();
        let mut twin = body.clone();
        twin["target"] = json!([{"type": "BusinessProfileLocation", "id": "msft"}]);
        let e = s.create(&twin, now()).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("engagementId"));
        twin["engagementId"] = json!("nope");
        assert!(
            s.create(&twin, now())
                .unwrap_err()
                .message
                .contains("no referral")
        );
        twin["engagementId"] = json!(mine.engagement_id);
        let linked = s.create(&twin, now()).unwrap();
        assert_eq!(linked.engagement_id, mine.engagement_id);
        assert_ne!(linked.id, mine.id);
    }

    #[test]
    fn incoming_new_referrals_expire_when_their_14_days_end() {
        let created = now() - Duration::days(13);
        let r: Referral = serde_json::from_value(json!({
            "id": "a", "status": "New", "substatus": "Pending", "direction": "Incoming",
            "createdDateTime": created.to_rfc3339(), "eTag": "\"1\""
        }))
        .unwrap();
        let mut s = Referrals::new(vec![r]);
        assert_eq!(s.expire_due(now()), 0);
        assert_eq!(s.next_expiry(), Some(created + Duration::days(14)));
        assert_eq!(s.expire_due(now() + Duration::days(2)), 1);
        let r = s.get("a").unwrap();
        assert_eq!(r.substatus(), Substatus::Expired);
        assert_eq!(r.closed_date_time, Some(created + Duration::days(14)));
        assert_ne!(r.etag.as_deref(), Some("\"1\""));
        assert_eq!(s.next_expiry(), None);
    }

    #[test]
    fn if_match_rules() {
        let r = Referral {
            etag: Some("\"abc\"".into()),
            ..Default::default()
        };
        assert!(check_if_match(&r, None).is_ok());
        assert!(check_if_match(&r, Some("\"abc\"")).is_ok());
        assert!(check_if_match(&r, Some("W/\"abc\"")).is_ok());
        assert!(check_if_match(&r, Some("*")).is_ok());
        assert!(check_if_match(&r, Some("\"x\", \"abc\"")).is_ok());
        let e = check_if_match(&r, Some("\"old\"")).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(e.code, "preconditionFailed");
    }

    /// Every page of `query`: (the referrals listed, `@odata.count` of the first page).
    fn all_pages(s: &mut Referrals, query: &str) -> (Vec<Value>, Value) {
        let base = "http://h/v1.0/engagements";
        let first = s.list(Some(query), base, base).unwrap();
        let count = first["@odata.count"].clone();
        let mut out = Vec::new();
        let mut page = first;
        loop {
            out.extend(page["value"].as_array().unwrap().iter().cloned());
            let Some(link) = page["@odata.nextLink"].as_str() else {
                break;
            };
            let next = link.split_once('?').unwrap().1.to_string();
            page = s.list(Some(&next), base, base).unwrap();
        }
        (out, count)
    }

    const QUERIES: [&str; 7] = [
        "$count=true",
        "$filter=status%20eq%20'New'&$count=true",
        "$filter=substatus%20eq%20'Won'%20and%20updatedDateTime%20gt%202025-06-01T00:00:00Z&$orderby=updatedDateTime%20desc",
        "$filter=customerProfile/address/country%20eq%20'US'%20or%20campaignId%20ne%20null&$count=true",
        "$filter=team/any(t:t/email%20ne%20'x')&$orderby=createdDateTime%20asc&$top=150&$skip=20",
        "$select=name,status&$top=120",
        "$orderby=updatedDateTime%20asc,createdDateTime%20desc&$skip=7",
    ];

    #[test]
    fn referrals_built_on_demand_equal_the_ones_generated_in_full() {
        // Odd, so the last pair is cut in half as `generate` cuts it.
        let n = 301;
        let full = demo::generate(n, 5, now());
        let mut whole = Referrals::new(full.clone());
        let mut lazy = Referrals::generated(n, 5, now());
        assert_eq!(lazy.len(), n);
        assert_eq!(lazy.partner(), whole.partner());
        assert_eq!(lazy.next_expiry(), whole.next_expiry());
        assert_eq!(lazy.changed_count(), 0);
        for (i, r) in full.iter().enumerate() {
            assert_eq!(lazy.nth(i).unwrap().as_ref(), r, "referral {i}");
            assert_eq!(lazy.get(r.id()).unwrap().as_ref(), r);
        }
        assert!(lazy.nth(n).is_none());
        for q in QUERIES {
            assert_eq!(all_pages(&mut lazy, q), all_pages(&mut whole, q), "{q}");
        }
        // Expiry on the clock turns the same referrals Closed/Expired in both.
        let later = now() + Duration::days(15);
        let expired = whole.expire_due(later);
        assert!(expired > 0);
        assert_eq!(lazy.expire_due(later), expired);
        assert_eq!(lazy.changed_count(), expired);
        for (i, r) in whole.rows.iter().enumerate() {
            let (a, b) = (lazy.nth(i).unwrap(), whole.get(&r.id).unwrap());
            assert_eq!((a.status(), a.substatus()), (b.status(), b.substatus()));
            assert_eq!(a.closed_date_time, b.closed_date_time);
        }
    }

    #[test]
    fn a_changed_referral_keeps_its_change_across_listing_and_paging() {
        let mut s = Referrals::generated(250, 6, now());
        // The referral on the second page of the default order.
        let (listed, _) = all_pages(&mut s, "$count=true");
        let target = listed[150]["id"].as_str().unwrap().to_string();
        let before = s.get(&target).unwrap().into_owned();
        let later = now() + Duration::hours(1);
        let body = json!([
            {"op": "replace", "path": "/campaignId", "value": "changed-campaign"},
            {"op": "replace", "path": "/details/notes", "value": "changed notes"}
        ]);
        let after = s
            .patch(&target, &body, before.etag.as_deref(), later)
            .unwrap()
            .clone();
        assert_eq!(s.changed_count(), 1);
        assert_ne!(after.etag, before.etag);
        assert_eq!(s.get(&target).unwrap().as_ref(), &after);
        // The same place in the default order, with the change.
        let (listed, count) = all_pages(&mut s, "$count=true");
        assert_eq!(count, 250);
        assert_eq!(listed[150]["id"], target.as_str());
        assert_eq!(listed[150]["campaignId"], "changed-campaign");
        assert_eq!(listed[150]["details"]["notes"], "changed notes");
        assert_eq!(listed[150]["eTag"], json!(after.etag));
        // First by updatedDateTime; found by a filter on the changed field (a full scan).
        let (by_update, _) = all_pages(&mut s, "$orderby=updatedDateTime%20desc");
        assert_eq!(by_update[0]["id"], target.as_str());
        let (found, _) = all_pages(&mut s, "$filter=campaignId%20eq%20'changed-campaign'");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["id"], target.as_str());
        // The old eTag is now a 412; other referrals are still built from the seed.
        let e = s
            .patch(&target, &body, before.etag.as_deref(), later)
            .unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(s.changed_count(), 1);
        let fresh = Referrals::generated(250, 6, now());
        let other = listed[151]["id"].as_str().unwrap();
        assert_eq!(s.get(other).unwrap(), fresh.get(other).unwrap());
    }

    #[test]
    fn put_needs_if_match_and_no_links() {
        let mut s = Referrals::new(demo::generate(4, 2, now()));
        let r = s.nth(0).unwrap().into_owned();
        let mut body = r.to_value();
        let e = s.put(r.id(), &body, None, now()).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_REQUIRED);
        let tag = r.etag.clone().unwrap();
        let e = s.put(r.id(), &body, Some(&tag), now()).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("links"));
        body.as_object_mut().unwrap().remove("links");
        body["campaignId"] = json!("put campaign");
        let out = s.put(r.id(), &body, Some(&tag), now()).unwrap();
        assert_eq!(out.campaign_id.as_deref(), Some("put campaign"));
        assert_ne!(out.etag, r.etag);
    }
}
