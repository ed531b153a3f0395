//! The outbox: edits written to disk before they are sent, as plain data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Referral;
use crate::domain::patch::PatchOp;

/// What an outbox entry asks the server to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OutboxAction {
    /// `PATCH /referrals/{id}` with these operations and `If-Match: etag`.
    Patch {
        referral_id: String,
        ops: Vec<PatchOp>,
        etag: Option<String>,
    },
    /// `POST /referrals`.
    Create { referral: Box<Referral> },
    /// `POST /referrals` for the Microsoft-linked twin of the referral an earlier entry created;
    /// its `engagementId` comes from that entry's result (`after`).
    CreateLinked { referral: Box<Referral>, after: i64 },
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OutboxState {
    /// Waiting to be sent (or being retried after a network or server failure).
    Pending,
    /// The server refused it (a rule, a bad value); it waits for the user to retry or discard.
    Failed,
    /// The referral changed on the server meanwhile (412); it waits for the user to resolve.
    Conflict,
}

/// One durable edit.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub action: OutboxAction,
    /// The referral as the user saw it when editing (for the mine/theirs view on a conflict).
    pub base: Option<Box<Referral>>,
    /// One line for the outbox list, e.g. "status → Active/Accepted".
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub state: OutboxState,
}

impl OutboxEntry {
    /// The referral this entry concerns, when known.
    pub fn referral_id(&self) -> Option<&str> {
        match &self.action {
            OutboxAction::Patch { referral_id, .. } => Some(referral_id),
            OutboxAction::Create { referral } | OutboxAction::CreateLinked { referral, .. } => {
                referral.id.as_deref()
            }
        }
    }
}

/// One change to the store, as data. The outcome of a send is a list of these, applied by the
/// store in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreOp {
    /// Counts an attempt, durably, before the entry is sent: after a crash mid-request the next
    /// run knows the server may have the change already.
    CountAttempt(i64),
    /// Drops an entry (the server took it).
    Delete(i64),
    /// Records where an entry stands and why.
    Mark {
        seq: i64,
        state: OutboxState,
        error: Option<String>,
    },
    /// Moves the queued patches of `referral_id` made on eTag `from` onto `to`: they were made
    /// on top of the change the server just took.
    Rechain {
        referral_id: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// Gives the linked creates waiting for entry `after` the engagement id its create got.
    Link {
        after: i64,
        engagement_id: Option<String>,
    },
    /// Stores referrals as the server sent them, with the unsent edits applied on top, and
    /// moves the sync mark.
    Fetched(Vec<Referral>),
    /// Stores one page of a sync like [`StoreOp::Fetched`], without moving the sync mark (the
    /// sync moves it once every page is in, so an interrupted sync is fetched again).
    FetchedPage(Vec<Referral>),
}

/// The entries a [`StoreOp::Rechain`] rewrites, with their new actions.
pub fn rechained(
    entries: &[OutboxEntry],
    id: &str,
    from: &Option<String>,
    to: &Option<String>,
) -> Vec<(i64, OutboxAction)> {
    entries
        .iter()
        .filter_map(|e| match &e.action {
            OutboxAction::Patch {
                referral_id,
                ops,
                etag,
            } if referral_id == id && etag == from => Some((
                e.seq,
                OutboxAction::Patch {
                    referral_id: id.to_string(),
                    ops: ops.clone(),
                    etag: to.clone(),
                },
            )),
            _ => None,
        })
        .collect()
}

/// The entries a [`StoreOp::Link`] rewrites, with their new actions.
pub fn linked(
    entries: &[OutboxEntry],
    after: i64,
    engagement_id: &Option<String>,
) -> Vec<(i64, OutboxAction)> {
    entries
        .iter()
        .filter_map(|e| match &e.action {
            OutboxAction::CreateLinked {
                referral,
                after: waits_for,
            } if *waits_for == after => {
                let mut twin = referral.as_ref().clone();
                twin.engagement_id = engagement_id.clone();
                Some((
                    e.seq,
                    OutboxAction::CreateLinked {
                        referral: Box::new(twin),
                        after,
                    },
                ))
            }
            _ => None,
        })
        .collect()
}

/// A referral as fetched, with the unsent edits of the outbox applied on top.
pub fn with_pending(server: Referral, pending: &[OutboxEntry]) -> Referral {
    let mut doc = None;
    for e in pending {
        if let OutboxAction::Patch {
            referral_id, ops, ..
        } = &e.action
            && referral_id == server.id()
            && e.state == OutboxState::Pending
        {
            let d = doc.get_or_insert_with(|| server.to_value());
            let mut trial = d.clone();
            if crate::domain::patch::apply(&mut trial, ops).is_ok() {
                *d = trial;
            }
        }
    }
    match doc {
        Some(d) => serde_json::from_value(d).unwrap_or(server),
        None => server,
    }
}
