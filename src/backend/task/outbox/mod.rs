//! The outbox: edits are written to the store (durably) before they are sent, and applied to
//! the cached referral so the list shows them at once. One worker sends entries in order; what
//! to send next and what each outcome does are decided in [`decide`], as data.

use std::time::Duration;

use chrono::Utc;

use super::{Ctx, is_transient};
use crate::backend::partner_center::{PartnerCenterClient, PcError};
use crate::backend::store::Withdrawal;
use crate::domain::Referral;
use crate::domain::outbox::{OutboxAction, OutboxEntry, StoreOp};
use crate::domain::patch::{self, PatchOp};
use crate::protocol::{Event, Level};
use decide::{Flow, Outcome, Resolution, SendQueue, Step};

mod decide;

impl Ctx {
    /// Tells the UI how many entries the outbox holds.
    pub(super) async fn send_outbox_count(&self) {
        if let Ok(n) = self.db(|s| s.outbox_len()).await {
            self.send(Event::OutboxCount(n));
        }
    }

    /// Sends the outbox entries to the UI.
    pub(super) async fn outbox_list(self) {
        match self.db(|s| s.outbox()).await {
            Ok(entries) => {
                self.send(Event::OutboxCount(entries.len()));
                self.send(Event::Outbox { entries });
            }
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
    }

    /// Writes an edit of an existing referral to the outbox, shows it, and wakes the worker.
    pub(super) async fn queue_patch(
        self,
        id: String,
        ops: Vec<PatchOp>,
        etag: Option<String>,
        base: Referral,
        summary: String,
        hold: Option<Duration>,
    ) {
        let until = hold.map(|h| Utc::now() + chrono::Duration::from_std(h).unwrap_or_default());
        let action = OutboxAction::Patch {
            referral_id: id.clone(),
            ops: ops.clone(),
            etag,
        };
        let s2 = summary.clone();
        let b2 = base.clone();
        let result = self
            .db(move |s| {
                let seq = s.outbox_push(&action, Some(&b2), &s2, Utc::now())?;
                if let Some(until) = until {
                    s.outbox_hold(seq, until)?;
                }
                // Show the edit at once: the cached copy gets the change applied.
                let current = s.get(&id)?.unwrap_or(b2);
                let mut doc = current.to_value();
                if patch::apply(&mut doc, &ops).is_ok()
                    && let Ok(updated) = serde_json::from_value::<Referral>(doc)
                {
                    s.upsert(std::slice::from_ref(&updated))?;
                }
                let row = s.rows_by_ids(std::slice::from_ref(&id))?.pop();
                Ok((seq, row))
            })
            .await;
        match result {
            Ok((seq, row)) => {
                if let Some(row) = row {
                    self.send(Event::RowsChanged { rows: vec![row] });
                }
                self.send(Event::Queued {
                    id: Some(base.id().to_string()),
                    seq,
                    summary: summary.clone(),
                });
                if let Some(until) = until {
                    self.send(Event::Held {
                        seq,
                        id: base.id().to_string(),
                        summary,
                        until,
                    });
                }
                self.send_outbox_count().await;
                self.wake_outbox.notify_one();
            }
            Err(e) => self.notice(
                Level::Error,
                format!("the edit could not be written to disk, nothing was sent: {e}"),
            ),
        }
    }

    /// Writes a new referral (and its Microsoft twin when `shared`) to the outbox.
    pub(super) async fn queue_create(self, referral: Referral, shared: bool) {
        let name = referral.name().to_string();
        let result = self
            .db(move |s| {
                let mut referral = referral;
                let twin = shared.then(|| crate::domain::create::microsoft_twin(&mut referral));
                let first = OutboxAction::Create {
                    referral: Box::new(referral.clone()),
                };
                let summary = format!("create “{}”", referral.name());
                let seq = s.outbox_push(&first, None, &summary, Utc::now())?;
                let mut seqs = vec![(seq, summary)];
                if let Some(twin) = twin {
                    let summary = format!("create the Microsoft referral of “{}”", referral.name());
                    let action = OutboxAction::CreateLinked {
                        referral: Box::new(twin),
                        after: seq,
                    };
                    let seq2 = s.outbox_push(&action, None, &summary, Utc::now())?;
                    seqs.push((seq2, summary));
                }
                Ok(seqs)
            })
            .await;
        match result {
            Ok(seqs) => {
                for (seq, summary) in seqs {
                    self.send(Event::Queued {
                        id: None,
                        seq,
                        summary,
                    });
                }
                self.send_outbox_count().await;
                self.wake_outbox.notify_one();
            }
            Err(e) => self.notice(
                Level::Error,
                format!("“{name}” could not be written to disk, nothing was sent: {e}"),
            ),
        }
    }

    /// Replaces a conflicting entry with the user's resolution and sends it again.
    pub(super) async fn resolve(
        self,
        seq: i64,
        ops: Vec<PatchOp>,
        etag: Option<String>,
        summary: String,
    ) {
        let result = self
            .db(move |s| {
                let entry = s.outbox()?.into_iter().find(|e| e.seq == seq);
                let Some(OutboxEntry {
                    action: OutboxAction::Patch { referral_id, .. },
                    ..
                }) = entry
                else {
                    return Ok(false);
                };
                s.outbox_replace(
                    seq,
                    &OutboxAction::Patch {
                        referral_id,
                        ops,
                        etag,
                    },
                )?;
                Ok(true)
            })
            .await;
        match result {
            Ok(true) => {
                self.notice(Level::Info, format!("sending the resolved edit: {summary}"));
                self.wake_outbox.notify_one();
            }
            Ok(false) => self.notice(Level::Warning, "that edit is no longer in the outbox"),
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
    }

    /// Puts a failed or conflicting entry back in the queue.
    pub(super) async fn retry(self, seq: i64) {
        if let Err(e) = self.db(move |s| s.outbox_retry(seq)).await {
            self.notice(Level::Error, e.to_string());
        }
        self.wake_outbox.notify_one();
        self.outbox_list().await;
    }

    /// Drops an entry the user gave up on.
    pub(super) async fn discard(self, seq: i64) {
        let result = self
            .db(move |s| {
                let entry = s.outbox()?.into_iter().find(|e| e.seq == seq);
                s.outbox_remove(seq)?;
                Ok(entry)
            })
            .await;
        match result {
            Ok(Some(entry)) => {
                self.notice(Level::Info, format!("discarded: {}", entry.summary));
                // The cache showed the edit; put the server's copy back.
                if let Some(id) = entry.referral_id().map(str::to_string)
                    && matches!(entry.action, OutboxAction::Patch { .. })
                {
                    self.restore_from_server(&id, entry.base.as_deref()).await;
                }
            }
            Ok(None) => {}
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        self.outbox_list().await;
    }

    /// Takes back an entry still held in the outbox (undo): the cache gets the server's copy
    /// back, as if the edit had never been made.
    pub(super) async fn withdraw(self, seq: i64) {
        match self.db(move |s| s.outbox_withdraw(seq, Utc::now())).await {
            Ok(Withdrawal::Withdrawn(entry)) => {
                if let Some(id) = entry.referral_id().map(str::to_string) {
                    self.restore_from_server(&id, entry.base.as_deref()).await;
                }
                self.send(Event::Withdrawn {
                    seq,
                    id: entry.referral_id().map(str::to_string),
                    summary: entry.summary.clone(),
                });
                self.notice(
                    Level::Success,
                    format!("undone, nothing was sent: {}", entry.summary),
                );
            }
            Ok(Withdrawal::TooLate | Withdrawal::Gone) => self.notice(
                Level::Warning,
                "too late to undo: the edit was already sent (see the outbox: O)",
            ),
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        self.send_outbox_count().await;
        self.wake_outbox.notify_one();
    }

    /// Replaces the cached copy of a referral with the server's (or `fallback` when offline).
    async fn restore_from_server(&self, id: &str, fallback: Option<&Referral>) {
        let fetched = match &self.pc {
            Some(pc) => pc.get(id).await.ok(),
            None => None,
        };
        let Some(r) = fetched.or_else(|| fallback.cloned()) else {
            return;
        };
        if let Ok(rows) = self.store_fetched(vec![r.clone()]).await {
            self.send(Event::RowsChanged { rows });
        }
    }

    /// Sends the outbox in order, forever; wakes on new entries and retries with backoff.
    pub(super) async fn outbox_worker(self) {
        let mut backoff = Duration::from_secs(1);
        loop {
            match self.send_pending().await {
                Pass::Idle => backoff = Duration::from_secs(1),
                Pass::Held(wait) => {
                    backoff = Duration::from_secs(1);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {},
                        _ = self.wake_outbox.notified() => {},
                    }
                    continue;
                }
                Pass::Transient => {
                    tokio::select! {
                        _ = tokio::time::sleep(jitter(backoff)) => {},
                        _ = self.wake_outbox.notified() => {},
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    continue;
                }
            }
            self.wake_outbox.notified().await;
        }
    }

    /// Sends what can be sent, in [`SendQueue`] order. After each entry that leaves the outbox
    /// it is read again: a sent entry can change the ones after it (a new eTag, a twin's
    /// engagement id).
    async fn send_pending(&self) -> Pass {
        let Some(pc) = self.pc.clone() else {
            return Pass::Idle;
        };
        'pass: loop {
            let now = Utc::now();
            let entries = match self
                .db(move |s| Ok((s.outbox()?, s.outbox_held(now)?)))
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    self.notice(Level::Error, e.to_string());
                    return Pass::Idle;
                }
            };
            let (entries, held) = entries;
            // The first held entry's time: the worker looks again then.
            let mut wake_at = None;
            let mut queue = SendQueue::new(&entries);
            while let Some(step) = queue.next() {
                if let Some(until) = held.get(&step.entry().seq) {
                    // In its undo window: it and the later entries of its referral wait.
                    wake_at =
                        Some(wake_at.map_or(*until, |w: chrono::DateTime<Utc>| w.min(*until)));
                    queue.hold(step.entry());
                    continue;
                }
                let resolution = match step {
                    Step::Patch {
                        entry,
                        referral_id,
                        ops,
                        etag,
                    } => self
                        .send_patch(&pc, entry, referral_id, ops, etag)
                        .await
                        .map(|outcome| decide::resolve(entry, outcome)),
                    Step::Create {
                        entry,
                        referral,
                        look_first,
                    } => self
                        .send_create(&pc, entry, referral, look_first)
                        .await
                        .map(|outcome| decide::resolve(entry, outcome)),
                    Step::Orphaned { entry } => Some(decide::orphaned(entry)),
                };
                let Some(resolution) = resolution else {
                    // The attempt could not be recorded, so nothing was sent.
                    self.send_outbox_count().await;
                    return Pass::Transient;
                };
                match self.carry_out(step.entry(), resolution).await {
                    Flow::Done => {
                        self.send_outbox_count().await;
                        continue 'pass;
                    }
                    Flow::Hold => queue.hold(step.entry()),
                    Flow::RetryLater => {
                        self.send_outbox_count().await;
                        return Pass::Transient;
                    }
                }
            }
            self.send_outbox_count().await;
            return match wake_at {
                Some(at) => Pass::Held((at - Utc::now()).to_std().unwrap_or_default()),
                None => Pass::Idle,
            };
        }
    }

    /// Sends a patch and says how it went; `None` when the attempt could not even be recorded
    /// (the store failed), so nothing was sent.
    async fn send_patch(
        &self,
        pc: &PartnerCenterClient,
        entry: &OutboxEntry,
        referral_id: &str,
        ops: &[PatchOp],
        etag: Option<&str>,
    ) -> Option<Outcome> {
        self.begin_attempt(entry.seq).await?;
        let result = pc.patch(referral_id, ops, etag).await;
        self.observe(&result);
        Some(match result {
            Ok(updated) => Outcome::Taken(updated),
            Err(PcError::PreconditionFailed { current }) => Outcome::Conflict {
                theirs: match current {
                    Some(c) => Some(*c),
                    None => pc.get(referral_id).await.ok(),
                },
            },
            Err(e) => failure(&e),
        })
    }

    /// Sends a create (after looking for the referral an earlier attempt may have made, when
    /// `look_first`) and says how it went; `None` as for [`Ctx::send_patch`].
    async fn send_create(
        &self,
        pc: &PartnerCenterClient,
        entry: &OutboxEntry,
        referral: &Referral,
        look_first: bool,
    ) -> Option<Outcome> {
        if look_first && let Some(existing) = self.find_created(pc, referral, entry).await {
            return Some(Outcome::Found(existing));
        }
        self.begin_attempt(entry.seq).await?;
        let result = pc.create(referral).await;
        self.observe(&result);
        Some(match result {
            Ok(created) => Outcome::Taken(created),
            Err(e) => failure(&e),
        })
    }

    /// Applies a resolution: its store operations in one transaction, the rows they stored,
    /// its events, then the restore it asks for.
    async fn carry_out(&self, entry: &OutboxEntry, resolution: Resolution) -> Flow {
        let Resolution {
            ops,
            events,
            restore,
            flow,
        } = resolution;
        let source = self.source.clone();
        match self.db(move |s| s.apply(&source, &ops)).await {
            Ok(rows) if !rows.is_empty() => self.send(Event::RowsChanged { rows }),
            Ok(_) => {}
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        for event in events {
            self.send(event);
        }
        if let Some(id) = restore {
            self.restore_from_server(&id, entry.base.as_deref()).await;
        }
        flow
    }

    /// Records on disk that an entry is about to be sent; `None` when the store failed (the
    /// entry is then not sent this time).
    async fn begin_attempt(&self, seq: i64) -> Option<()> {
        let source = self.source.clone();
        match self
            .db(move |s| s.apply(&source, &[StoreOp::CountAttempt(seq)]))
            .await
        {
            Ok(_) => Some(()),
            Err(e) => {
                self.notice(Level::Error, e.to_string());
                None
            }
        }
    }

    /// Looks for a referral an earlier, unanswered create may have made: same name, created
    /// after the edit was queued, and not already in the cache.
    async fn find_created(
        &self,
        pc: &PartnerCenterClient,
        referral: &Referral,
        entry: &OutboxEntry,
    ) -> Option<Referral> {
        let found = pc
            .list(&decide::lookup_query(), |_, _| {})
            .await
            .ok()?
            .referrals;
        for r in found {
            let same = decide::made_by_create(referral, entry, &r);
            // A referral already in the cache was made by some other edit (the twin's Shared
            // half has the same name and engagement).
            let id = r.id().to_string();
            let known = self.db(move |s| s.get(&id)).await.ok().flatten().is_some();
            if same && !known {
                return Some(r);
            }
        }
        None
    }
}

/// A failed send as an [`Outcome`]: transient failures are retried, any other is refused.
fn failure(e: &PcError) -> Outcome {
    if is_transient(e) {
        Outcome::Transient(e.to_string())
    } else {
        Outcome::Refused(e.to_string())
    }
}

/// How a pass over the outbox ended.
enum Pass {
    /// Nothing more can be sent now.
    Idle,
    /// Entries are held back (undo window); look again after this long.
    Held(Duration),
    /// The network or server failed; try again later, with backoff.
    Transient,
}

fn jitter(d: Duration) -> Duration {
    use rand::Rng;
    let ms = d.as_millis() as u64;
    Duration::from_millis(ms / 2 + rand::rng().random_range(0..=ms / 2 + 1))
}
