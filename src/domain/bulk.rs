//! Bulk status moves, as pure decisions: which of a set of referrals a move applies to (and
//! why the others are skipped), the JSON Patch each one sends, and how many Partner Center calls
//! the set needs and how long they take at the documented rate (100 calls per 60 s per token).
//!
//! A bulk move is one outbox entry per referral, each with its own `If-Match` eTag and conflict
//! handling: the outbox sends one `PATCH` per referral with `Prefer: return=representation`, so a
//! referral costs one call (a 412 costs one `GET` more, for the mine/theirs view).

use std::time::Duration;

use super::enums::{DeclineReason, Status, Substatus};
use super::patch::{self, PatchOp};
use super::referral::Referral;
use super::rules;
use super::set;
use serde_json::Value;

/// The documented Partner Center rate: calls per window, per token.
pub const RATE_CALLS: usize = 100;
/// The documented Partner Center rate window.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

/// What a bulk action does to each marked referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// A status move through the outbox, one entry per referral.
    Move(BulkMove),
    /// Mark (`true`) or unmark as favorites: local, no calls.
    Favorite(bool),
    /// Check the referrals in Marketo (batched).
    MarketoCheck,
    /// Push what is missing in Marketo, referral by referral.
    MarketoPush,
}

/// A change made on many referrals at once, one outbox entry each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkMove {
    /// New → Active/Accepted.
    Accept,
    /// → Closed/Declined, with one reason for all (written to `statusReason`).
    Decline { reason: String },
    /// One field set to one value, with the rules and checks of a single edit
    /// ([`super::set::plan`]).
    Set { path: String, value: Value },
}

impl BulkMove {
    /// Where a status move takes a referral (`None` for a field set).
    pub fn target(&self) -> Option<(Status, Substatus)> {
        match self {
            BulkMove::Accept => Some((Status::Active, Substatus::Accepted)),
            BulkMove::Decline { .. } => Some((Status::Closed, Substatus::Declined)),
            BulkMove::Set { .. } => None,
        }
    }

    /// The verb, for previews and notices ("accept", "decline", "set").
    pub fn verb(&self) -> &'static str {
        match self {
            BulkMove::Accept => "accept",
            BulkMove::Decline { .. } => "decline",
            BulkMove::Set { .. } => "set",
        }
    }

    /// The verb in progress, for the top bar ("accepting").
    pub fn progressive(&self) -> &'static str {
        match self {
            BulkMove::Accept => "accepting",
            BulkMove::Decline { .. } => "declining",
            BulkMove::Set { .. } => "setting",
        }
    }

    /// The past tense ("accepted", "declined").
    pub fn past(&self) -> &'static str {
        match self {
            BulkMove::Accept => "accepted",
            BulkMove::Decline { .. } => "declined",
            BulkMove::Set { .. } => "set",
        }
    }

    /// The outbox summary of one referral's entry.
    pub fn summary(&self) -> String {
        match (self, self.target()) {
            (BulkMove::Set { path, value }, _) => format!("{path} → {value}"),
            (_, Some((status, sub))) => format!("status → {status}/{sub}"),
            (_, None) => String::new(),
        }
    }

    /// True when a referral at `status`/`substatus` is already where a status move takes it.
    pub fn is_done(&self, status: &Status, substatus: &Substatus) -> bool {
        self.target().is_some_and(|(to, to_sub)| {
            *status == to && (to == Status::Active || *substatus == to_sub)
        })
    }

    /// Why the change cannot apply to a referral at `status`/`substatus`, or `None` when it
    /// can: already there, or a move the documented table forbids (`rules::check_transition`).
    /// A field set is checked on what the status says here, and in full per referral when it
    /// is queued.
    pub fn why_not(&self, status: &Status, substatus: &Substatus) -> Option<String> {
        let Some((to, to_sub)) = self.target() else {
            let BulkMove::Set { path, value } = self else {
                return None;
            };
            let at = Referral {
                status: Some(status.clone()),
                substatus: Some(substatus.clone()),
                ..Referral::default()
            };
            return set::plan(&at, path, value.clone()).err().map(|e| e.message);
        };
        if self.is_done(status, substatus) {
            return Some(format!("already {status}/{substatus}"));
        }
        // Grouped in a preview by reason: the terminal rule in one short sentence for all
        // Closed substatuses.
        rules::check_transition(status, substatus, &to, &to_sub)
            .err()
            .map(|v| match v.rule {
                "closed-is-terminal" => "Closed (a Closed referral stays Closed)".to_string(),
                _ => v.message,
            })
    }

    /// The patch that changes `current`, or why it cannot be changed.
    pub fn ops(&self, current: &Referral) -> Result<Vec<PatchOp>, String> {
        if let BulkMove::Set { path, value } = self {
            return set::plan(current, path, value.clone()).map_err(|e| e.message);
        }
        if let Some(why) = self.why_not(&current.status(), &current.substatus()) {
            return Err(why);
        }
        let Some((status, sub)) = self.target() else {
            return Err("nothing to change".into());
        };
        let mut next = current.clone();
        next.status = Some(status);
        next.substatus = Some(sub);
        if let BulkMove::Decline { reason } = self {
            next.status_reason = Some(reason.clone());
        }
        let ops = patch::diff(current, &next);
        if ops.is_empty() {
            return Err("nothing to change".into());
        }
        Ok(ops)
    }
}

/// Reads a decline reason as a script gives it: one of the documented reasons, by its words
/// ("Budget insufficient") or its name (`BudgetInsufficient`), any case, or `Other: some words`.
/// Returns the reason as the dashboard writes it to `statusReason` (in words).
pub fn decline_reason(text: &str) -> Result<String, String> {
    let text = text.trim();
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    if let Some((head, rest)) = text.split_once(':')
        && squash(head) == "other"
    {
        let rest = rest.trim();
        if rest.is_empty() {
            return Err("say in a few words why after `Other:`".into());
        }
        return Ok(format!("Other: {rest}"));
    }
    DeclineReason::ALL
        .iter()
        .filter(|r| **r != DeclineReason::Other)
        .find(|r| squash(r.as_str()) == squash(text))
        .map(|r| r.label())
        .ok_or_else(|| {
            let known: Vec<String> = DeclineReason::ALL
                .iter()
                .filter(|r| **r != DeclineReason::Other)
                .map(|r| format!("\"{}\"", r.label()))
                .collect();
            format!(
                "`{text}` is not a documented decline reason; use one of {}, or \"Other: some words\"",
                known.join(", ")
            )
        })
}

/// The Partner Center calls a bulk move of `referrals` sends: one `PATCH` each.
pub fn calls_for(referrals: usize) -> usize {
    referrals
}

/// How long `calls` take at `max` calls per `window` when `left` calls remain in the current
/// window: none beyond the budget wait; each further `max` waits one more window.
pub fn time_for(calls: usize, left: usize, max: usize, window: Duration) -> Duration {
    let beyond = calls.saturating_sub(left);
    if beyond == 0 {
        return Duration::ZERO;
    }
    window * beyond.div_ceil(max.max(1)) as u32
}

/// A duration in words for a preview: "at once", "about 45 s", "about 2 min".
pub fn describe_time(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "at once (within the current budget)".into(),
        1..=119 => format!("about {s} s"),
        _ => format!("about {} min", s.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referral(status: &str, sub: &str) -> Referral {
        serde_json::from_value(serde_json::json!({
            "id": "r1", "name": "Deal", "status": status, "substatus": sub, "eTag": "e1"
        }))
        .unwrap()
    }

    #[test]
    fn accept_applies_to_new_and_skips_the_rest_with_the_reason() {
        let a = BulkMove::Accept;
        assert_eq!(a.why_not(&Status::New, &Substatus::Pending), None);
        assert_eq!(
            a.why_not(&Status::Active, &Substatus::Accepted).as_deref(),
            Some("already Active/Accepted")
        );
        let closed = a.why_not(&Status::Closed, &Substatus::Won).unwrap();
        assert_eq!(closed, "Closed (a Closed referral stays Closed)");
    }

    #[test]
    fn decline_writes_the_one_reason_and_skips_what_is_declined() {
        let d = BulkMove::Decline {
            reason: "Budget insufficient".into(),
        };
        let ops = d.ops(&referral("New", "Pending")).unwrap();
        let paths: Vec<&str> = ops.iter().map(|o| o.path.as_str()).collect();
        assert!(paths.contains(&"/status"), "{paths:?}");
        assert!(paths.contains(&"/substatus"), "{paths:?}");
        assert!(paths.contains(&"/statusReason"), "{paths:?}");
        assert_eq!(
            d.ops(&referral("Closed", "Declined")).unwrap_err(),
            "already Closed/Declined"
        );
    }

    #[test]
    fn decline_reasons_are_the_documented_ones_in_words() {
        assert_eq!(
            decline_reason("budgetinsufficient").unwrap(),
            "Budget insufficient"
        );
        assert_eq!(
            decline_reason("Budget insufficient").unwrap(),
            "Budget insufficient"
        );
        assert_eq!(
            decline_reason("other: too small").unwrap(),
            "Other: too small"
        );
        assert!(decline_reason("Other:").is_err());
        let e = decline_reason("bored").unwrap_err();
        assert!(e.contains("not a documented decline reason"), "{e}");
        assert!(e.contains("\"Spam\""), "{e}");
    }

    #[test]
    fn a_field_set_uses_the_rules_and_checks_of_one_edit() {
        let notes = BulkMove::Set {
            path: "/details/notes".into(),
            value: serde_json::json!("call back in Q3"),
        };
        assert_eq!(notes.why_not(&Status::Closed, &Substatus::Won), None);
        assert_eq!(notes.ops(&referral("New", "Pending")).unwrap().len(), 1);
        let currency = BulkMove::Set {
            path: "/details/currency".into(),
            value: serde_json::json!("euro"),
        };
        let e = currency.ops(&referral("New", "Pending")).unwrap_err();
        assert!(e.contains("currency"), "{e}");
        let name = BulkMove::Set {
            path: "/name".into(),
            value: serde_json::json!("x"),
        };
        assert!(name.why_not(&Status::New, &Substatus::Pending).is_some());
        let won = BulkMove::Set {
            path: "/status".into(),
            value: serde_json::json!("Closed/Won"),
        };
        let closed_to_active = BulkMove::Set {
            path: "/status".into(),
            value: serde_json::json!("Active"),
        };
        assert_eq!(won.why_not(&Status::Active, &Substatus::Accepted), None);
        assert!(
            closed_to_active
                .why_not(&Status::Closed, &Substatus::Won)
                .is_some()
        );
    }

    #[test]
    fn the_time_counts_whole_windows_beyond_the_budget() {
        let w = RATE_WINDOW;
        assert_eq!(time_for(calls_for(50), 100, 100, w), Duration::ZERO);
        assert_eq!(time_for(calls_for(150), 100, 100, w), w);
        assert_eq!(time_for(calls_for(150), 20, 100, w), w * 2);
        assert_eq!(time_for(250, 0, 100, w), w * 3);
        assert_eq!(describe_time(Duration::from_secs(60)), "about 60 s");
        assert_eq!(describe_time(Duration::from_secs(180)), "about 3 min");
    }
}
