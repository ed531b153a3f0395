//! What the backend reports: rows go to the list, connection and progress facts to the top
//! bar, a few events open overlays, and every pane sees every event.

use super::{App, Effects, Focus, cx};
use crate::domain::ReferralRow;
use crate::protocol::{Event, Level};
use crate::ui::list::RowMark;
use crate::ui::pane::{Flow, Notice};

/// Where a pane sits: its stack and its place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Right(usize),
    Overlay(usize),
}

impl App {
    pub(super) fn on_backend(&mut self, event: Event, fx: &mut Effects) {
        // List rows can be many: they move into the list and concern no pane.
        let event = match event {
            Event::Rows { rows, complete } => {
                self.list.set_rows(rows, complete);
                if self.right.is_empty() {
                    self.follow_selection(fx);
                }
                return;
            }
            Event::RowsChanged { rows } => {
                self.list.upsert_rows(rows);
                // A referral that left the filter (accepted, declined, moved) hands the detail
                // to the row now under the cursor, so the keys act on what the cursor shows.
                let left_filter = self
                    .right
                    .last()
                    .and_then(|p| p.referral_id())
                    .is_some_and(|id| !self.list.is_visible(id));
                if self.right.is_empty() || left_filter {
                    self.follow_selection(fx);
                }
                return;
            }
            other => other,
        };
        match &event {
            // Opened: the referral is no longer new (the backend records it too).
            Event::Detail { referral, .. } => self.list.mark_seen(referral.id()),
            Event::NewIncoming { count } => self.on_new_incoming(*count, fx),
            _ => {}
        }
        self.note_facts(&event);
        self.mark_rows(&event);
        self.note_batch(&event);
        // Every pane sees every event; each picks what concerns it.
        let mut flows = Vec::new();
        {
            let mut cx = cx!(self, fx);
            for (i, pane) in self.right.iter_mut().enumerate() {
                flows.push((Slot::Right(i), pane.on_event(&event, &mut cx)));
            }
            for (i, pane) in self.overlays.iter_mut().enumerate() {
                flows.push((Slot::Overlay(i), pane.on_event(&event, &mut cx)));
            }
        }
        self.apply_pane_flows(flows, fx);
    }

    /// The top bar's facts, notices, and the overlays some events open.
    fn note_facts(&mut self, event: &Event) {
        match event {
            Event::PartnerCenter(c) => self.top.partner_center = c.clone(),
            Event::Marketo(c) => self.top.marketo = c.clone(),
            Event::RefreshStarted { .. } => {
                self.top.refreshing = Some((0, None));
                self.top.refresh_started = Some(self.now);
                self.top.refresh_paced = None;
            }
            Event::RefreshProgress {
                fetched,
                total,
                paced,
            } => {
                self.top.refreshing = Some((*fetched, *total));
                self.top.refresh_paced = paced
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .map(|d| self.now + d);
            }
            Event::RefreshDone { at, changed } => {
                self.top.refreshing = None;
                self.top.refresh_started = None;
                self.top.refresh_paced = None;
                self.top.last_refresh = Some(*at);
                if *changed > 0 {
                    self.notice = Some(Notice::new(
                        Level::Info,
                        format!(
                            "{changed} referral{} updated",
                            if *changed == 1 { "" } else { "s" }
                        ),
                        self.now,
                    ));
                }
            }
            Event::RefreshFailed { message } => {
                self.top.refreshing = None;
                self.top.refresh_started = None;
                self.top.refresh_paced = None;
                self.notice = Some(Notice::new(
                    Level::Error,
                    format!("refresh failed: {message}"),
                    self.now,
                ));
            }
            Event::OutboxCount(n) => self.top.outbox = *n,
            Event::Retrying { why } => self.top.retrying = why.clone(),
            Event::Held {
                seq,
                summary,
                until,
                ..
            } => {
                let secs = (*until - self.now).num_seconds().max(1);
                self.notice = Some(Notice::new(
                    Level::Info,
                    format!(
                        "{summary}: sent in {secs} s — {} undoes",
                        self.options
                            .keymap
                            .short(crate::ui::keymap::KeyAction::Undo)
                    ),
                    self.now,
                ));
                self.undo = Some(super::Undo {
                    seq: *seq,
                    summary: summary.clone(),
                    until: *until,
                });
            }
            Event::Withdrawn { seq, .. } if self.undo.as_ref().is_some_and(|u| u.seq == *seq) => {
                self.undo = None;
            }
            Event::Budget {
                partner_center,
                marketo,
            } => {
                self.top.budget = Some(*partner_center);
                self.top.marketo_budget = *marketo;
            }
            Event::Notice { level, text } => {
                self.notice = Some(Notice::new(*level, text.clone(), self.now))
            }
            Event::MarketoBadges(badges) => self.list.set_marketo(badges),
            Event::MarketoProgress { done, total } => {
                self.top.marketo_checking = Some((*done, *total))
            }
            Event::MarketoCheckDone { counts, error } => {
                self.top.marketo_checking = None;
                self.notice = Some(match error {
                    Some(e) => Notice::new(
                        Level::Error,
                        format!("Marketo check ({counts} so far): {e}"),
                        self.now,
                    ),
                    None => Notice::new(
                        Level::Success,
                        format!("Marketo: {} checked — {counts}", counts.total()),
                        self.now,
                    ),
                });
            }
            Event::Conflict {
                seq,
                base,
                mine,
                theirs,
            } => self
                .overlays
                .push(Box::new(crate::ui::conflict::ConflictView::new(
                    *seq,
                    (**base).clone(),
                    (**mine).clone(),
                    (**theirs).clone(),
                ))),
            Event::DeviceCode(code) => {
                self.overlays
                    .push(Box::new(crate::ui::dialog::DeviceCodeDialog::new(
                        code.clone(),
                    )))
            }
            Event::Exported { path, count } => {
                self.notice = Some(Notice::new(
                    Level::Success,
                    format!("exported {count} referrals to {}", path.display()),
                    self.now,
                ))
            }
            _ => {}
        }
    }

    /// The list marks a referral while its edit travels: saving…, then saved or refused.
    fn mark_rows(&mut self, event: &Event) {
        match event {
            Event::Queued { id: Some(id), .. } => self.list.mark(id, Some(RowMark::Saving)),
            Event::Saved { referral, .. } => {
                self.list
                    .upsert_rows(vec![ReferralRow::from(referral.as_ref())]);
                self.list.mark(referral.id(), Some(RowMark::Saved));
            }
            Event::SaveFailed { id: Some(id), .. } => self.list.mark(id, Some(RowMark::Failed)),
            Event::Withdrawn { id: Some(id), .. } => self.list.mark(id, None),
            Event::Conflict { theirs, .. } => self.list.mark(theirs.id(), Some(RowMark::Failed)),
            _ => {}
        }
    }

    /// Applies what the panes answered to an event. A `Close` closes the pane that answered
    /// it, wherever it sits in its stack (e.g. the sign-in dialog once signed in); those panes
    /// close first, then the other flows apply in order.
    fn apply_pane_flows(&mut self, flows: Vec<(Slot, Flow)>, fx: &mut Effects) {
        let mut closing = Vec::new();
        let mut rest = Vec::new();
        for (slot, flow) in flows {
            sort_flow(slot, flow, &mut closing, &mut rest);
        }
        closing.sort();
        closing.dedup();
        let mut closed_right = false;
        for slot in closing.into_iter().rev() {
            match slot {
                Slot::Right(i) => {
                    self.right.remove(i);
                    closed_right = true;
                }
                Slot::Overlay(i) => {
                    self.overlays.remove(i);
                }
            }
        }
        if closed_right && self.right.is_empty() {
            self.focus = Focus::List;
        }
        for flow in rest {
            self.apply(flow, fx);
        }
    }
}

/// Splits a pane's flow into the closes of that pane and everything else.
fn sort_flow(slot: Slot, flow: Flow, closing: &mut Vec<Slot>, rest: &mut Vec<Flow>) {
    match flow {
        Flow::Close => closing.push(slot),
        Flow::Many(flows) => {
            for f in flows {
                sort_flow(slot, f, closing, rest);
            }
        }
        other => rest.push(other),
    }
}
