//! The list's saved views: the tabs above it with their live counts, which one is active, and
//! the expiry queue's count of New referrals expiring within 48 hours.
//!
//! The active view's filter is the base of the list and the typed filter narrows it
//! ([`crate::domain::view::combine`]); switching views keeps the typed filter. A view with a
//! sort puts the list in its order; one without goes back to the default order. Counts are
//! computed by the search (one pass over the rows per view, on its worker thread once that
//! runs) when the rows, the views or the minute change, never per keystroke.

use chrono::Duration;

use super::*;
use crate::domain::filter::Filter;
use crate::domain::view::{self, View};
use crate::domain::{Direction, Status};

/// The tabs: `views[0]` is All (no filter); `counts[i]` is the count of `views[i]`.
#[derive(Debug, Clone)]
pub(super) struct Tabs {
    pub(super) views: Vec<View>,
    pub(super) active: usize,
    pub(super) counts: Vec<usize>,
    /// New incoming referrals whose deadline is within 48 hours (or past) at the last count.
    pub(super) expiring: usize,
    /// Rows marked new (arrived or changed since last opened).
    pub(super) unseen: usize,
}

impl Tabs {
    pub(super) fn new() -> Tabs {
        Tabs {
            views: vec![all_view()],
            active: 0,
            counts: vec![0],
            expiring: 0,
            unseen: 0,
        }
    }
}

fn all_view() -> View {
    View {
        name: view::ALL.into(),
        filter: String::new(),
        sort: None,
    }
}

/// How close to its deadline a New referral must be to count as expiring.
pub const EXPIRING_WITHIN: Duration = Duration::hours(48);

impl ListPane {
    /// Sets the saved views (the All tab is added in front). The active view stays active
    /// when its name is still there; otherwise All is.
    pub fn set_views(&mut self, views: Vec<View>) {
        let active = self.active_view().map(|v| v.name.clone());
        self.tabs.views = std::iter::once(all_view()).chain(views).collect();
        let keep = active
            .and_then(|name| self.tabs.views.iter().position(|v| v.name == name))
            .unwrap_or(0);
        self.tabs.active = keep;
        self.recount();
        self.refilter();
    }

    /// The saved views, without All.
    pub fn views(&self) -> &[View] {
        &self.tabs.views[1..]
    }

    /// The active saved view; `None` on All.
    pub fn active_view(&self) -> Option<&View> {
        (self.tabs.active > 0).then(|| &self.tabs.views[self.tabs.active])
    }

    /// The live count of each tab, All first.
    pub fn view_counts(&self) -> &[usize] {
        &self.tabs.counts
    }

    /// Referrals that arrived or changed since the seller last opened them.
    pub fn unseen(&self) -> usize {
        self.tabs.unseen
    }

    /// The referral was opened: it is no longer new.
    pub fn mark_seen(&mut self, id: &str) {
        if let Some(row) = self.row(id).filter(|r| r.unseen()).map(RowRef::to_row) {
            self.upsert_rows(vec![ReferralRow {
                unseen: false,
                ..row
            }]);
        }
    }

    /// New incoming referrals expiring within 48 hours (or already past their deadline).
    pub fn expiring_soon(&self) -> usize {
        self.tabs.expiring
    }

    /// Switches to tab `i` (0 is All); false when there is no such tab.
    pub fn select_view(&mut self, i: usize) -> bool {
        let Some(v) = self.tabs.views.get(i) else {
            return false;
        };
        let sort = v.sort;
        self.tabs.active = i;
        let keep = self.selected_id();
        self.search.set_sort(sort);
        self.refilter();
        if keep
            .as_deref()
            .and_then(|id| self.position_of(id))
            .is_none()
        {
            self.selected = 0;
        }
        true
    }

    /// Switches to the tab `name` (ignoring case); false when there is none.
    pub fn select_view_named(&mut self, name: &str) -> bool {
        match self
            .tabs
            .views
            .iter()
            .position(|v| v.name.eq_ignore_ascii_case(name))
        {
            Some(i) => self.select_view(i),
            None => false,
        }
    }

    /// The next (`delta` 1) or previous (-1) tab, wrapping around.
    pub fn cycle_view(&mut self, delta: isize) {
        let n = self.tabs.views.len() as isize;
        let next = (self.tabs.active as isize + delta).rem_euclid(n.max(1));
        self.select_view(next as usize);
    }

    /// Recounts after the clock moved (relative dates such as `expires<48h` now mean other
    /// instants); true when a count changed (the views' counts follow from the search worker,
    /// see [`ListPane::take_view_counts`]).
    pub fn recount_for_clock(&mut self) -> bool {
        let before = (self.tabs.counts.clone(), self.tabs.expiring);
        self.recount();
        before != (self.tabs.counts.clone(), self.tabs.expiring)
    }

    /// The active view's filter, relative dates resolved now.
    pub(super) fn view_filter(&self) -> Filter {
        self.active_view()
            .map(|v| v.parse_filter(self.now))
            .unwrap_or_default()
    }

    /// Recounts the list by status, the tabs and the expiring and new referrals (after the rows,
    /// the views or the clock changed). The views' counts are asked of the search (off the UI
    /// thread once its worker runs; the worker also recounts whenever rows change); the tabs
    /// keep their last counts until the answer arrives.
    pub(super) fn recount(&mut self) {
        let now = self.now;
        let filters = self.tabs.views[1..]
            .iter()
            .map(|v| v.parse_filter(now))
            .collect();
        self.search.set_view_filters(filters);
        self.take_view_counts();
        // One pass over the rows for every count (this runs on every change of rows).
        let deadline = now + EXPIRING_WITHIN;
        let (mut totals, mut unseen, mut expiring) = (StatusCounts::default(), 0, 0);
        for r in self.search.corpus().rows().iter() {
            totals.add(r.status());
            unseen += usize::from(r.unseen());
            expiring += usize::from(
                *r.status() == Status::New
                    && r.direction() == Some(&Direction::Incoming)
                    && r.expires().is_some_and(|at| at < deadline),
            );
        }
        self.totals = totals;
        self.tabs.unseen = unseen;
        self.tabs.expiring = expiring;
    }

    /// Copies the search's latest counts of the views into the tabs (All counts every row);
    /// true when a count changed.
    pub(super) fn take_view_counts(&mut self) -> bool {
        let Some(counts) = self.search.view_counts() else {
            return false;
        };
        let all = self.search.corpus().len();
        let counts: Vec<usize> = std::iter::once(all).chain(counts.iter().copied()).collect();
        if counts == self.tabs.counts {
            return false;
        }
        self.tabs.counts = counts;
        true
    }

    /// The tabs line: `1 All 500 │ 2 To answer 12 │ …`, the active tab highlighted; tabs that
    /// do not fit are left out at the end (`…`).
    pub fn render_tabs(&self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let mut spans = vec![Span::raw(" ")];
        let mut used = 1usize;
        let width = area.width as usize;
        for (i, v) in self.tabs.views.iter().enumerate() {
            let count = self.tabs.counts.get(i).copied().unwrap_or(0);
            let key = if i < 9 {
                format!("{} ", i + 1)
            } else {
                String::new()
            };
            let label = format!(" {}{} {} ", key, v.name, count);
            let w = unicode_width::UnicodeWidthStr::width(label.as_str()) + 1;
            if used + w > width {
                spans.push(Span::styled("…", cx.theme.dim));
                break;
            }
            let style = if i == self.tabs.active {
                cx.theme.selected
            } else {
                cx.theme.dim
            };
            spans.push(Span::styled(label, style));
            spans.push(Span::styled("│", cx.theme.dim));
            used += w;
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}
