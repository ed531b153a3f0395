//! Bulk triage: a status move of many referrals becomes one outbox entry per referral, each
//! built from that referral's cached copy (its own eTag for `If-Match`), held for the undo
//! window, and then sent by the outbox worker like any other edit (conflicts and refusals are
//! handled per referral). Undo of the batch takes back every entry still held.

use chrono::Utc;

use super::Ctx;
use crate::backend::store::Withdrawal;
use crate::domain::Referral;
use crate::domain::bulk::BulkMove;
use crate::domain::outbox::OutboxAction;
use crate::domain::patch;
use crate::protocol::{Event, Level};

impl Ctx {
    /// Writes one held entry per referral of `ids` that `change` applies to, shows the moves
    /// in the list at once, and reports what was queued and what was skipped.
    pub(super) async fn queue_bulk_move(self, ids: Vec<String>, change: BulkMove, hold: u64) {
        let until = (hold > 0).then(|| Utc::now() + chrono::Duration::seconds(hold as i64));
        let c = change.clone();
        let result = self
            .db(move |s| {
                let mut queued = Vec::new();
                let mut skipped = Vec::new();
                let mut changed = Vec::new();
                for id in ids {
                    let Some(current) = s.get(&id)? else {
                        skipped.push((id, "not in the local copy; refresh first".to_string()));
                        continue;
                    };
                    let ops = match c.ops(&current) {
                        Ok(ops) => ops,
                        Err(why) => {
                            skipped.push((id, why));
                            continue;
                        }
                    };
                    let action = OutboxAction::Patch {
                        referral_id: id.clone(),
                        ops: ops.clone(),
                        etag: current.etag.clone(),
                    };
                    let seq = s.outbox_push(&action, Some(&current), &c.summary(), Utc::now())?;
                    if let Some(until) = until {
                        s.outbox_hold(seq, until)?;
                    }
                    let mut doc = current.to_value();
                    if patch::apply(&mut doc, &ops).is_ok()
                        && let Ok(updated) = serde_json::from_value::<Referral>(doc)
                    {
                        changed.push(updated);
                    }
                    queued.push((id, seq));
                }
                s.upsert(&changed)?;
                let ids: Vec<String> = changed.iter().map(|r| r.id().to_string()).collect();
                let rows = s.rows_by_ids(&ids)?;
                Ok((queued, skipped, rows))
            })
            .await;
        match result {
            Ok((queued, skipped, rows)) => {
                if !rows.is_empty() {
                    self.send(Event::RowsChanged { rows });
                }
                self.send(Event::BulkQueued {
                    change,
                    queued,
                    skipped,
                    until,
                });
                self.send_outbox_count().await;
                self.wake_outbox.notify_one();
            }
            Err(e) => self.notice(
                Level::Error,
                format!("the edits could not be written to disk, nothing was sent: {e}"),
            ),
        }
    }

    /// Takes back every entry of `seqs` still held (undo of a bulk move): each referral's
    /// cached copy goes back to the one the edit was made on (nothing was sent, so that is
    /// the server's), without a call per referral.
    pub(super) async fn withdraw_many(self, seqs: Vec<i64>) {
        let result = self
            .db(move |s| {
                let now = Utc::now();
                let mut out = Vec::new();
                for seq in seqs {
                    out.push((seq, s.outbox_withdraw(seq, now)?));
                }
                Ok(out)
            })
            .await;
        let outcomes = match result {
            Ok(o) => o,
            Err(e) => {
                self.notice(Level::Error, e.to_string());
                return;
            }
        };
        let mut bases = Vec::new();
        let mut late = 0;
        for (seq, outcome) in outcomes {
            match outcome {
                Withdrawal::Withdrawn(entry) => {
                    bases.extend(entry.base.as_deref().cloned());
                    self.send(Event::Withdrawn {
                        seq,
                        id: entry.referral_id().map(str::to_string),
                        summary: entry.summary.clone(),
                    });
                }
                Withdrawal::TooLate | Withdrawal::Gone => late += 1,
            }
        }
        let undone = bases.len();
        if let Ok(rows) = self.store_fetched(bases).await
            && !rows.is_empty()
        {
            self.send(Event::RowsChanged { rows });
        }
        let text = match late {
            0 => format!("undone, nothing was sent: {undone} edits"),
            n => format!("undone: {undone} edits; {n} had been sent already (see the outbox: O)"),
        };
        self.notice(
            if late == 0 {
                Level::Success
            } else {
                Level::Warning
            },
            text,
        );
        self.send_outbox_count().await;
        self.wake_outbox.notify_one();
    }
}
