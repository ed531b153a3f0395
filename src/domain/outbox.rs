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

