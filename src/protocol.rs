//! What the UI and the backend task say to each other. The UI sends [`Command`]s and never
//! waits for an answer; the backend sends [`Event`]s as work progresses. Both are plain data so
//! the app's `update` can be tested without a network or a disk.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::domain::bulk::BulkMove;
use crate::domain::marketo::{MarketoBadge, RecordStatus, StepResult, SyncReport};
use crate::domain::outbox::OutboxEntry;
use crate::domain::patch::PatchOp;
use crate::domain::row::PackedRows;
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
    /// A [`Command::Patch`] held in the outbox `seconds` before it is sent, so that
    /// [`Command::Withdraw`] can take it back meanwhile (undo of a status move).
    PatchHeld {
        patch: Box<Command>,
        seconds: u64,
    },
    /// Take back an outbox entry that is still held and was never sent (undo); says so when
    /// it is too late.
    Withdraw {
        seq: i64,
    },
    /// Queue one status move for each of `ids` (bulk triage): one outbox entry per referral,
    /// built from its cached copy (its own eTag), held `hold_seconds` for undo. Referrals the
    /// move cannot apply to are skipped and reported.
    BulkMove {
        ids: Vec<String>,
        change: BulkMove,
        hold_seconds: u64,
    },
    /// Take back several held entries (undo of a bulk move); each referral's cached copy goes
    /// back to the one the edit was made on.
    WithdrawMany {
        seqs: Vec<i64>,
    },
    /// Mark or unmark a referral as a favorite: a local mark, never sent to the server (the
    /// service takes no PATCH of `/favorite`).
    SetFavorite {
        id: String,
        favorite: bool,
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
        rows: PackedRows,
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
        /// The least time the rest still takes at the client's call budget: the pages left,
        /// ceil((total - fetched)/100), against the rate window. `None` without a total.
        paced: Option<std::time::Duration>,
    },
    RefreshDone {
        at: DateTime<Utc>,
        changed: usize,
    },
    RefreshFailed {
        message: String,
    },
    /// A background refresh found incoming New referrals the seller has not seen.
    NewIncoming {
        count: usize,
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
    /// A held edit waits in the outbox until `until`; `u` can take it back until then.
    Held {
        seq: i64,
        id: String,
        summary: String,
        until: DateTime<Utc>,
    },
    /// A bulk move is on disk: one entry per referral (`queued`: id and outbox seq), held until
    /// `until` when held; `skipped` the referrals it could not apply to, with why.
    BulkQueued {
        change: BulkMove,
        queued: Vec<(String, i64)>,
        skipped: Vec<(String, String)>,
        until: Option<DateTime<Utc>>,
    },
    /// A held edit was taken back before it was sent (undo).
    Withdrawn {
        seq: i64,
        id: Option<String>,
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
    /// Partner Center calls are being retried (`why`: the last failure), or, with `None`,
    /// answer again after such retries.
    Retrying {
        why: Option<String>,
    },
    /// Something to tell the user in the status line.
    Notice {
        level: Level,
        text: String,
    },
    /// Where one referral stands in Marketo, and when that was found out.
    MarketoReport {
        id: String,
        report: Box<SyncReport>,
        checked_at: DateTime<Utc>,
        source: ReportSource,
    },
    /// New list badges (after any check or push).
    MarketoBadges(Vec<(String, MarketoBadge)>),
    /// One record written by a push, as Marketo answered it; they come in step order.
    MarketoPushed {
        id: String,
        result: StepResult,
    },
    /// A check or push of one referral failed; the last report shown stays valid as cached.
    MarketoFailed {
        id: String,
        message: String,
    },
    /// A check of the whole list has checked `done` of `total` referrals.
    MarketoProgress {
        done: usize,
        total: usize,
    },
    /// A check of the whole list ended: the badges it gave, or why it stopped early.
    MarketoCheckDone {
        counts: BadgeCounts,
        error: Option<String>,
    },
}

/// Where a [`Event::MarketoReport`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSource {
    /// The last check, read from the local store while a new one runs.
    Cached,
    /// A check that just ran.
    Checked,
    /// The check that ends a push: the push is over.
    Pushed,
}

impl ReportSource {
    /// True when the report was made just now (not read from the store).
    pub fn is_fresh(self) -> bool {
        self != ReportSource::Cached
    }
}

/// How many referrals a check of the whole list found in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BadgeCounts {
    pub synced: usize,
    pub partial: usize,
    pub missing: usize,
}

impl BadgeCounts {
    pub fn add(&mut self, badge: MarketoBadge) {
        match badge {
            MarketoBadge::Synced => self.synced += 1,
            MarketoBadge::Partial => self.partial += 1,
            MarketoBadge::Missing => self.missing += 1,
            MarketoBadge::Unknown => {}
        }
    }

    pub fn total(&self) -> usize {
        self.synced + self.partial + self.missing
    }
}

impl std::fmt::Display for BadgeCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} synced · {} partial · {} missing",
            self.synced, self.partial, self.missing
        )
    }
}

/// What a push did, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushTally {
    pub created: usize,
    pub updated: usize,
    /// Skipped (with reasons) or any status this build does not know.
    pub skipped: usize,
}

impl PushTally {
    pub fn add(&mut self, status: &RecordStatus) {
        match status {
            RecordStatus::Created => self.created += 1,
            RecordStatus::Updated => self.updated += 1,
            _ => self.skipped += 1,
        }
    }

    /// The tally of some results.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a StepResult>) -> PushTally {
        let mut t = PushTally::default();
        results.into_iter().for_each(|r| t.add(&r.status));
        t
    }

    pub fn total(&self) -> usize {
        self.created + self.updated + self.skipped
    }
}

impl std::fmt::Display for PushTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} skipped",
            self.created, self.updated, self.skipped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_counts_add_up() {
        let mut c = BadgeCounts::default();
        for b in [
            MarketoBadge::Synced,
            MarketoBadge::Partial,
            MarketoBadge::Partial,
            MarketoBadge::Missing,
            MarketoBadge::Unknown,
        ] {
            c.add(b);
        }
        assert_eq!(c.total(), 4);
        assert_eq!(c.to_string(), "1 synced · 2 partial · 1 missing");
        assert!(!ReportSource::Cached.is_fresh());
        assert!(ReportSource::Pushed.is_fresh());
    }

    #[test]
    fn push_tally_counts_each_outcome() {
        let mut t = PushTally::default();
        for s in [
            RecordStatus::Created,
            RecordStatus::Created,
            RecordStatus::Updated,
            RecordStatus::Skipped,
            RecordStatus::Unknown("odd".into()),
        ] {
            t.add(&s);
        }
        assert_eq!(t.to_string(), "2 created, 1 updated, 2 skipped");
        assert_eq!(t.total(), 5);
    }
}
