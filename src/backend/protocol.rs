//! What the UI and the backend task say to each other. The UI sends [`Command`]s and never
//! waits for an answer; the backend sends [`Event`]s as work progresses. Both are plain data so
//! the app's `update` can be tested without a network or a disk.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::backend::store::OutboxEntry;
use crate::domain::patch::PatchOp;
use crate::domain::{Referral, ReferralRow};

/// UI → backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Load the cache, connect, start syncing and sending the outbox.
    Start,
    /// Fetch from the server: only what changed since the last sync, or everything.
    Refresh {
        full: bool,
    },
    /// Read one referral from the cache; with `fresh`, then also from the server (new eTag).
    OpenDetail {
        id: String,
        fresh: bool,
    },
    /// Queue a change of an existing referral: written to the outbox, then sent.
    Patch {
        id: String,
        ops: Vec<PatchOp>,
        /// The eTag the user's view was based on (`If-Match`).
        etag: Option<String>,
        /// The referral as the user saw it (for the mine/theirs view on a conflict).
        base: Box<Referral>,
        summary: String,
    },
    /// Queue a new referral; `shared` also creates the Microsoft-linked twin.
    Create {
        referral: Box<Referral>,
        shared: bool,
    },
    /// Replace a conflicting outbox entry with the user's resolution and send it again.
    Resolve {
        seq: i64,
        ops: Vec<PatchOp>,
        etag: Option<String>,
        summary: String,
    },
    /// Ask for the outbox entries.
    OutboxList,
    OutboxRetry {
        seq: i64,
    },
    OutboxDiscard {
        seq: i64,
    },
    /// Check Marketo for these referrals (`all` = every cached referral, in batches).
    MarketoCheck {
        ids: Vec<String>,
        all: bool,
    },
    /// Push what is missing in Marketo for one referral, in order.
    MarketoPush {
        id: String,
    },
    /// Write referrals to a file.
    Export {
        format: ExportFormat,
        path: PathBuf,
        ids: Vec<String>,
    },
    /// Open an address in the user's browser.
    OpenUrl {
        url: String,
    },
    /// Flush and stop.
    Shutdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }
}

/// How a remote system is doing, for the top bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Not configured at all.
    Off,
    Connecting,
    /// Waiting for the user to finish a device-code sign-in.
    SigningIn,
    Online,
    /// Unreachable or failing; the reason is shown.
    Offline(String),
}

/// Where each remote system is, and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `sandbox`, a host name or a tenant.
    pub label: String,
    pub link: Link,
}

/// An Azure AD device-code sign-in waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

/// Backend → UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    PartnerCenter(Connection),
    Marketo(Connection),
    DeviceCode(DeviceCode),
    /// List rows from the cache; `complete` is false for the quick first screenful.
    Rows {
        rows: Vec<ReferralRow>,
        complete: bool,
    },
    /// Rows that changed (refresh, save); insert or replace by id.
    RowsChanged {
        rows: Vec<ReferralRow>,
    },
    RefreshStarted {
        full: bool,
    },
    RefreshProgress {
        fetched: usize,
        total: Option<u64>,
    },
    RefreshDone {
        at: DateTime<Utc>,
        changed: usize,
    },
    RefreshFailed {
        message: String,
    },
    /// One referral for the detail pane; `fresh` when it came from the server just now.
    Detail {
        referral: Box<Referral>,
        related: Vec<ReferralRow>,
        fresh: bool,
    },
    DetailFailed {
        id: String,
        message: String,
    },
    /// An edit is on disk in the outbox.
    Queued {
        id: Option<String>,
        seq: i64,
        summary: String,
    },
    /// The server took an edit; `referral` is its new state.
    Saved {
        seq: i64,
        referral: Box<Referral>,
    },
    /// The server refused an edit; it stays in the outbox as failed.
    SaveFailed {
        seq: i64,
        id: Option<String>,
        message: String,
    },
    /// Someone changed the referral meanwhile: the user must choose per field.
    Conflict {
        seq: i64,
        base: Box<Referral>,
        mine: Box<Referral>,
        theirs: Box<Referral>,
    },
    Outbox {
        entries: Vec<OutboxEntry>,
    },
    OutboxCount(usize),
    /// Calls left in the current throttle windows (remaining, max).
    Budget {
        partner_center: (usize, usize),
        marketo: Option<(usize, usize)>,
    },
    Exported {
        path: PathBuf,
        count: usize,
    },
    /// Something to tell the user in the status line.
    Notice {
        level: Level,
        text: String,
    },
    /// Marketo results, as opaque JSON until the Marketo view is wired.
    MarketoReport {
        id: String,
        report: serde_json::Value,
    },
}
