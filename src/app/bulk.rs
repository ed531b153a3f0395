//! Bulk triage in the app: with marks present, the referral action keys pressed in the list
//! (accept, decline, favorite, Marketo check and push) open a preview of the action on the
//! marked set; a confirmed status move is followed here as a batch — its progress in the top
//! bar ("accepting 37/150"), `u` on a row undoing that referral's held edit, `U` the whole
//! batch while it is held, and a notice when every referral has an answer.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::{App, Effects};
use crate::domain::bulk::BulkAction;
use crate::domain::bulk::BulkMove;
use crate::domain::text::count;
use crate::protocol::{Command, Event, Level};
use crate::ui::bulk::BulkPreview;
use crate::ui::keymap::KeyAction;
use crate::ui::pane::{Flow, Notice};
use crate::ui::status::ReasonDialog;

/// A bulk status move on its way: one outbox entry per referral.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub change: BulkMove,
    /// Outbox seq → referral id, of the entries with no answer yet.
    waiting: HashMap<i64, String>,
    pub total: usize,
    pub saved: usize,
    pub failed: usize,
    pub withdrawn: usize,
    /// Until when the entries are held (undo is possible).
    pub until: Option<DateTime<Utc>>,
}

impl Batch {
    /// Entries answered or taken back.
    pub fn done(&self) -> usize {
        self.saved + self.failed + self.withdrawn
    }

    /// The top bar's progress: "accepting 37/150".
    pub fn progress(&self) -> String {
        format!(
            "{} {}/{}",
            self.change.progressive(),
            self.done(),
            self.total
        )
    }
}

impl App {
    /// A referral action pressed in the list while rows are marked: the preview of that action
    /// on the marked set, or `None` when the action is not a bulk one.
    pub(super) fn bulk_action(&mut self, action: KeyAction) -> Option<Flow> {
        if self.list.marked_len() == 0 {
            return None;
        }
        let hold = self.options.undo_seconds;
        let budget = self.top.budget;
        let preview = |list, a| BulkPreview::new(list, a, budget, hold);
        Some(match action {
            KeyAction::Accept => Flow::Overlay(Box::new(preview(
                &self.list,
                BulkAction::Move(BulkMove::Accept),
            ))),
            KeyAction::Decline => Flow::Overlay(Box::new(ReasonDialog::for_bulk(preview(
                &self.list,
                BulkAction::Move(BulkMove::Decline {
                    reason: String::new(),
                }),
            )))),
            KeyAction::Favorite => {
                let all = self
                    .list
                    .marked_ids()
                    .iter()
                    .all(|id| self.list.row(id).is_some_and(|r| r.favorite()));
                Flow::Overlay(Box::new(preview(&self.list, BulkAction::Favorite(!all))))
            }
            KeyAction::MarketoCheck => {
                Flow::Overlay(Box::new(preview(&self.list, BulkAction::MarketoCheck)))
            }
            KeyAction::MarketoPush => {
                Flow::Overlay(Box::new(preview(&self.list, BulkAction::MarketoPush)))
            }
            _ => return None,
        })
    }

    /// Follows the batch through the backend's events.
    pub(super) fn note_batch(&mut self, event: &Event) {
        match event {
            Event::BulkQueued {
                change,
                queued,
                skipped,
                until,
            } => {
                for (id, _) in queued {
                    self.list.mark(id, Some(crate::ui::list::RowMark::Saving));
                }
                let mut text = format!(
                    "{} {} queued",
                    change.verb(),
                    count(queued.len(), "referral")
                );
                if !skipped.is_empty() {
                    text.push_str(&format!(", {} skipped", skipped.len()));
                }
                if let Some(until) = until {
                    let secs = (*until - self.now).num_seconds().max(1);
                    text.push_str(&format!(
                        ": sent in {secs} s — {} on a row undoes it, {} all",
                        self.options.keymap.short(KeyAction::Undo),
                        self.options.keymap.short(KeyAction::UndoBatch)
                    ));
                }
                self.notice = Some(Notice::new(Level::Info, text, self.now));
                self.batch = (!queued.is_empty()).then(|| Batch {
                    change: change.clone(),
                    waiting: queued.iter().map(|(id, seq)| (*seq, id.clone())).collect(),
                    total: queued.len(),
                    saved: 0,
                    failed: 0,
                    withdrawn: 0,
                    until: *until,
                });
            }
            Event::Saved { seq, .. } => self.batch_answer(*seq, |b| b.saved += 1),
            Event::SaveFailed { seq, .. } | Event::Conflict { seq, .. } => {
                self.batch_answer(*seq, |b| b.failed += 1)
            }
            Event::Withdrawn { seq, .. } => self.batch_answer(*seq, |b| b.withdrawn += 1),
            _ => {}
        }
    }

    /// One entry of the batch has its answer; the last one ends the batch with a notice.
    fn batch_answer(&mut self, seq: i64, count_it: impl FnOnce(&mut Batch)) {
        let Some(batch) = self.batch.as_mut() else {
            return;
        };
        if batch.waiting.remove(&seq).is_none() {
            return;
        }
        count_it(batch);
        if !batch.waiting.is_empty() {
            return;
        }
        let mut text = format!(
            "{}: {} of {} done",
            batch.change.verb(),
            batch.saved,
            batch.total
        );
        if batch.withdrawn > 0 {
            text.push_str(&format!(", {} undone", batch.withdrawn));
        }
        let level = if batch.failed > 0 {
            text.push_str(&format!(
                ", {} refused or in conflict (see the outbox: {})",
                batch.failed,
                self.options.keymap.short(KeyAction::Outbox)
            ));
            Level::Warning
        } else {
            Level::Success
        };
        self.notice = Some(Notice::new(level, text, self.now));
        self.batch = None;
    }

    /// `u` on a row of the batch still held: undoes that referral's edit. False when the row
    /// under the cursor has no such edit (the plain undo applies then).
    pub(super) fn undo_row(&mut self, fx: &mut Effects) -> bool {
        let Some(id) = self.list.selected_id() else {
            return false;
        };
        let Some(batch) = &self.batch else {
            return false;
        };
        if batch.until.is_none_or(|u| self.now >= u) {
            return false;
        }
        let Some(seq) = batch
            .waiting
            .iter()
            .find(|(_, rid)| rid.as_str() == id)
            .map(|(s, _)| *s)
        else {
            return false;
        };
        fx.commands.push(Command::Withdraw { seq });
        self.notice = Some(Notice::new(
            Level::Info,
            format!("undoing the {} of one referral…", batch.change.verb()),
            self.now,
        ));
        true
    }

    /// What `u` says when the row under the cursor is not in a held batch (its rows may have
    /// left the view, as accepted referrals leave "To answer"): how to undo it, or that it is
    /// too late once the hold is over.
    pub(super) fn held_batch_hint(&self) -> Option<String> {
        let b = self.batch.as_ref()?;
        let until = b.until?;
        if b.waiting.is_empty() || self.now >= until {
            return Some(format!(
                "too late to undo the bulk {}: it has been sent ({})",
                b.change.verb(),
                b.progress()
            ));
        }
        Some(format!(
            "{} wait: U undoes them all, u one on its row (not this one; 1 shows All)",
            count(b.waiting.len(), b.change.verb()),
        ))
    }

    /// `U`: undoes every edit of the batch still held.
    pub(super) fn undo_batch(&mut self, fx: &mut Effects) {
        let (level, text) = match &self.batch {
            Some(b) if b.until.is_some_and(|u| self.now < u) => {
                let mut seqs: Vec<i64> = b.waiting.keys().copied().collect();
                seqs.sort_unstable();
                let n = seqs.len();
                fx.commands.push(Command::WithdrawMany { seqs });
                (
                    Level::Info,
                    format!(
                        "undoing the {} of {}…",
                        b.change.verb(),
                        count(n, "referral")
                    ),
                )
            }
            Some(b) => (
                Level::Warning,
                format!(
                    "too late to undo the {}: it is being sent ({})",
                    b.change.verb(),
                    b.progress()
                ),
            ),
            None => (Level::Info, "no bulk action to undo".to_string()),
        };
        self.notice = Some(Notice::new(level, text, self.now));
    }

    /// The referrals of the batch still without an answer (tests and the pty check read it).
    pub fn batch(&self) -> Option<&Batch> {
        self.batch.as_ref()
    }

    /// Ids of the batch's referrals still waiting.
    pub fn batch_waiting(&self) -> HashSet<String> {
        self.batch
            .as_ref()
            .map(|b| b.waiting.values().cloned().collect())
            .unwrap_or_default()
    }
}
