//! The referral list: the columns of `../shared/spec/ux.md`, sorting, status counts, and the
//! filter language live as you type.
//!
//! - `/` edits the filter line (a ratatui-textarea line). Every keystroke re-parses it; a token
//!   that cannot be read is shown in red with its reason and the list keeps its last good
//!   result. Enter keeps the filter, Esc clears it.
//! - Columns are dropped by priority when the pane is narrow (name, status and value stay
//!   longest); only the visible rows are ever built, so 100,000 rows draw as fast as 100.
//! - The selection follows the referral (by id) across re-filters and refreshes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use nucleo_matcher::{Config, Matcher};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui_textarea::TextArea;

use crate::domain::filter::{self, FilterError};
use crate::domain::marketo::MarketoBadge;
use crate::domain::row::{PackedRows, RowId, RowRef};
use crate::domain::search::{Column, LiveSearch, SortSpec, StatusCounts};
use crate::domain::{ReferralRow, Status};
use crate::keys::REFERRAL_ACTIONS;
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, ListLookup, Pane, RenderCx};
use crate::ui::widgets::{self, fit, fit_right};

mod columns;
mod selection;
mod views;

/// How long a filter's result may take before the filter line says "searching…".
const SEARCHING_HINT_AFTER: std::time::Duration = std::time::Duration::from_millis(16);

pub use columns::default_descending;
use columns::layout_columns;
pub use views::EXPIRING_WITHIN;
use views::Tabs;

/// A transient mark beside a row while its edit travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowMark {
    Saving,
    Saved,
    Failed,
}

pub struct ListPane {
    /// The rows and the filter's result, searched off the UI thread once
    /// [`ListPane::start_search_worker`] ran.
    search: LiveSearch,
    complete: bool,
    selected: usize,
    offset: usize,
    filtering: bool,
    input: TextArea<'static>,
    errors: Vec<FilterError>,
    /// Counts of the whole list by status.
    totals: StatusCounts,
    /// Marks beside rows whose edits travel, with when they were set.
    marks: HashMap<String, (RowMark, DateTime<Utc>)>,
    matcher: Matcher,
    now: DateTime<Utc>,
    /// Rows visible at the last render (for paging and clicks).
    page: usize,
    /// The area of the last render's data rows (for clicks).
    rows_area: Rect,
    /// The inner width of the last render: the columns shown, which `S` cycles through.
    width: u16,
    /// The hits in display order, Microsoft's linked copies right under their partner (see
    /// `domain::search::linked`).
    display: Vec<u32>,
    /// The referrals marked for a bulk action (`Space`, `V`, `*`).
    selection: selection::Selection,
    /// The saved views above the list (see `views`).
    tabs: Tabs,
    /// The search generation and filter `display` shows.
    display_generation: u64,
    display_filter: filter::Filter,
}

impl ListPane {
    pub fn new(now: DateTime<Utc>) -> ListPane {
        ListPane {
            search: LiveSearch::new(Vec::new()),
            complete: false,
            selected: 0,
            offset: 0,
            filtering: false,
            input: new_input(""),
            errors: Vec::new(),
            totals: StatusCounts::default(),
            marks: HashMap::new(),
            matcher: Matcher::new(Config::DEFAULT),
            now,
            page: 10,
            rows_area: Rect::default(),
            width: 80,
            display: Vec::new(),
            selection: Default::default(),
            tabs: Tabs::new(),
            display_generation: 0,
            display_filter: filter::Filter::default(),
        }
    }

    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
    }

    /// Replaces every row (cache load). `complete` is false for the quick first screenful.
    pub fn set_rows(&mut self, rows: impl Into<PackedRows>, complete: bool) {
        let keep = self.selected_id();
        let version = self.search.rows_version();
        self.search.set_rows(rows);
        self.complete = complete;
        // With the search thread the new rows arrive later, through `poll_search`.
        self.after_rows_swapped(version);
        self.sync_display(keep.as_deref());
    }

    /// Inserts or replaces rows by id (refresh, save).
    pub fn upsert_rows(&mut self, rows: Vec<ReferralRow>) {
        if rows.is_empty() {
            return;
        }
        let keep = self.selected_id();
        self.search.upsert(rows);
        self.recount();
        self.sync_display(keep.as_deref());
    }

    /// Records the Marketo badge of a referral.
    pub fn set_marketo(&mut self, badges: &[(String, MarketoBadge)]) {
        let keep = self.selected_id();
        self.search
            .set_marketo_many(badges.iter().map(|(id, b)| (id.as_str(), *b)));
        self.recount();
        self.sync_display(keep.as_deref());
    }

    pub fn mark(&mut self, id: &str, mark: Option<RowMark>) {
        match mark {
            Some(m) => self.marks.insert(id.to_string(), (m, self.now)),
            None => self.marks.remove(id),
        };
    }

    /// "Saved" marks fade after a few seconds; "saving…" and "refused" stay until resolved.
    /// True when something changed.
    pub fn expire_marks(&mut self, now: DateTime<Utc>) -> bool {
        let before = self.marks.len();
        self.marks
            .retain(|_, (m, at)| *m != RowMark::Saved || now - *at < chrono::Duration::seconds(5));
        self.marks.len() != before
    }

    fn position_of(&self, id: &str) -> Option<usize> {
        let i = self.search.corpus().index_of(id)? as u32;
        self.display.iter().position(|&h| h == i)
    }

    pub fn totals(&self) -> StatusCounts {
        self.totals
    }

    pub fn len(&self) -> usize {
        self.search.corpus().len()
    }

    pub fn is_empty(&self) -> bool {
        self.search.corpus().is_empty()
    }

    /// How many rows the filter lets through.
    pub fn visible_len(&self) -> usize {
        self.display.len()
    }

    pub fn selected_row(&self) -> Option<RowRef<'_>> {
        let i = *self.display.get(self.selected)?;
        self.search.corpus().row(i as usize)
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected_row().map(|r| r.id().to_string())
    }

    /// True when the referral `id` is among the filtered rows.
    pub fn is_visible(&self, id: &str) -> bool {
        let id = RowId::of(id);
        let corpus = self.search.corpus();
        self.search
            .hits()
            .iter()
            .any(|&i| corpus.row(i as usize).is_some_and(|r| r.id() == id))
    }

    /// The ids of the filtered list, in display order (export).
    pub fn visible_ids(&self) -> Vec<String> {
        self.display
            .iter()
            .filter_map(|&i| {
                self.search
                    .corpus()
                    .row(i as usize)
                    .map(|r| r.id().to_string())
            })
            .collect()
    }

    /// A row by id (any, filtered or not).
    pub fn row(&self, id: &str) -> Option<RowRef<'_>> {
        let corpus = self.search.corpus();
        corpus.index_of(id).and_then(|i| corpus.row(i))
    }

    pub fn rows(&self) -> &PackedRows {
        self.search.corpus().rows()
    }

    pub fn filter_text(&self) -> String {
        self.input.lines().first().cloned().unwrap_or_default()
    }

    pub fn filter_errors(&self) -> &[FilterError] {
        &self.errors
    }

    pub fn is_filtering(&self) -> bool {
        self.filtering
    }

    /// Starts editing the filter line (`/`, from any pane).
    pub fn start_filter(&mut self) {
        self.filtering = true;
    }

    pub fn sort(&self) -> SortSpec {
        self.search.corpus().sort().unwrap_or(SortSpec::DEFAULT)
    }

    /// The sort set by the user or the view; `None` is the default order.
    pub fn explicit_sort(&self) -> Option<SortSpec> {
        self.search.corpus().sort()
    }

    /// Sorts by a column (the palette's `sort` and `S`).
    pub fn set_sort(&mut self, sort: SortSpec) {
        let keep = self.selected_id();
        self.search.set_sort(Some(sort));
        self.sync_display(keep.as_deref());
    }

    /// Sets the filter text and applies it (the palette's `filter`).
    pub fn set_filter(&mut self, text: &str) {
        self.input = new_input(text);
        self.refilter();
    }

    /// Parses the filter line and asks for its result; the current result stays on screen
    /// until the answer arrives (see [`ListPane::poll_search`]).
    fn refilter(&mut self) {
        let parsed = filter::parse(&self.filter_text(), self.now);
        self.errors = parsed.errors;
        if self.errors.is_empty() {
            let keep = self.selected_id();
            let combined = crate::domain::view::combine(&self.view_filter(), &parsed.filter);
            self.search.set_filter(&combined);
            self.sync_display(keep.as_deref());
        }
    }

    /// Starts searching on a worker thread, which calls `wake` when an answer is ready (the
    /// owner then calls [`ListPane::poll_search`]). Until then every search answers at once.
    ///
    /// # Errors
    /// When the thread cannot be started (searches stay on the calling thread).
    pub fn start_search_worker(
        &mut self,
        wake: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<()> {
        self.search.start_worker(wake)
    }

    /// Takes the search worker's answers; true when the list changed.
    pub fn poll_search(&mut self) -> bool {
        let keep = self.selected_id();
        let rows = self.search.rows_version();
        if !self.search.poll() {
            return false;
        }
        self.after_rows_swapped(rows);
        let counts = self.take_view_counts();
        self.sync_display(keep.as_deref()) || counts
    }

    /// Recounts what the list keeps of all rows when the search swapped in new rows since
    /// `rows` (its rows version then).
    fn after_rows_swapped(&mut self, rows: u64) {
        if self.search.rows_version() != rows {
            self.recount();
        }
    }

    /// Waits until the search worker answered everything asked so far and shows the answer
    /// (tests and benchmarks).
    pub fn settle_search(&mut self) {
        let keep = self.selected_id();
        let rows = self.search.rows_version();
        self.search.settle();
        self.after_rows_swapped(rows);
        self.take_view_counts();
        self.sync_display(keep.as_deref());
    }

    /// True while the latest filter's result is not shown yet.
    pub fn is_searching(&self) -> bool {
        self.search.pending_for().is_some()
    }

    /// Shows the search's current result if it is not shown yet; true when it changed. The
    /// cursor stays on `keep` if that is still a hit; else, when the filter changed, it goes to
    /// the top.
    fn sync_display(&mut self, keep: Option<&str>) -> bool {
        let generation = self.search.shown_generation();
        if generation == self.display_generation {
            return false;
        }
        self.display_generation = generation;
        let filter_changed = *self.search.shown_filter() != self.display_filter;
        if filter_changed {
            self.display_filter = self.search.shown_filter().clone();
        }
        self.display = self.search.hits().to_vec();
        match keep.and_then(|id| self.position_of(id)) {
            Some(pos) => self.selected = pos,
            None if filter_changed => self.selected = 0,
            None => {}
        }
        self.selected = self.selected.min(self.display.len().saturating_sub(1));
        true
    }

    fn move_by(&mut self, delta: isize) {
        let len = self.display.len();
        if len == 0 {
            return;
        }
        let next = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.selected = next as usize;
    }

    fn filter_key(&mut self, key: &KeyEvent) -> Flow {
        match key.code {
            KeyCode::Enter => self.filtering = false,
            KeyCode::Esc => {
                self.filtering = false;
                self.set_filter("");
            }
            KeyCode::Down => self.move_by(1),
            KeyCode::Up => self.move_by(-1),
            KeyCode::PageDown => self.move_by(self.page as isize - 1),
            KeyCode::PageUp => self.move_by(-(self.page as isize - 1)),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filtering = false;
                self.set_filter("");
            }
            KeyCode::Char('m') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filtering = false
            }
            _ => {
                if crate::ui::input::textarea_key(&mut self.input, key) {
                    self.refilter();
                }
            }
        }
        Flow::Handled
    }

    /// The status counts and filter line.
    pub fn render_filter_line(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = self.totals;
        let mut spans = vec![
            Span::styled(format!(" New {}", t.new), cx.theme.status_new),
            Span::styled(" · ", cx.theme.dim),
            Span::styled(format!("Active {}", t.active), cx.theme.status_active),
            Span::styled(" · ", cx.theme.dim),
            Span::styled(format!("Closed {}", t.closed), cx.theme.status_closed),
        ];
        if t.other > 0 {
            spans.push(Span::styled(format!(" · other {}", t.other), cx.theme.dim));
        }
        if (!self.complete || self.search.is_indexing()) && !self.is_empty() {
            spans.push(Span::styled(" (loading…)", cx.theme.dim));
        }
        spans.push(Span::raw("   "));
        // The active view's filter is the base; the typed filter narrows it.
        if let Some(v) = self.active_view().filter(|v| !v.filter.is_empty()) {
            spans.push(Span::styled(format!("{} + ", v.filter), cx.theme.dim));
        }
        let text = self.filter_text();
        if text.is_empty() && !self.filtering {
            spans.push(Span::styled(
                format!("{} filter", cx.keymap.short(KeyAction::Filter)),
                cx.theme.dim,
            ));
        } else {
            spans.push(Span::styled("filter: ", cx.theme.dim));
            spans.extend(self.filter_spans(&text, cx));
            if self.filtering {
                spans.push(Span::styled("▏", cx.theme.key));
            }
        }
        spans.push(Span::styled(
            format!("  ({})", self.visible_len()),
            cx.theme.dim,
        ));
        // The previous result stays until the new one is ready; say so past one frame.
        if self
            .search
            .pending_for()
            .is_some_and(|t| t >= SEARCHING_HINT_AFTER)
        {
            spans.push(Span::styled(" searching…", cx.theme.dim));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    /// The filter text with bad tokens in the error style.
    fn filter_spans(&self, text: &str, cx: &RenderCx<'_>) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        let mut pos = 0;
        let mut bad: Vec<&FilterError> = self.errors.iter().collect();
        bad.sort_by_key(|e| e.span.start);
        for e in bad {
            let (start, end) = (e.span.start.min(text.len()), e.span.end.min(text.len()));
            if start < pos || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            spans.push(Span::styled(text[pos..start].to_string(), cx.theme.input));
            spans.push(Span::styled(
                text[start..end].to_string(),
                cx.theme.error.patch(cx.theme.input),
            ));
            pos = end;
        }
        spans.push(Span::styled(text[pos..].to_string(), cx.theme.input));
        spans
    }
}

impl ListLookup for ListPane {
    fn visible_ids(&self) -> Vec<String> {
        ListPane::visible_ids(self)
    }

    fn selected_id(&self) -> Option<String> {
        ListPane::selected_id(self)
    }

    fn name_of(&self, id: &str) -> Option<String> {
        self.row(id).map(|r| r.name().to_string())
    }

    fn marked_ids(&self) -> Vec<String> {
        ListPane::marked_ids(self)
    }
}

impl Pane for ListPane {
    fn title(&self) -> String {
        "Referrals".into()
    }

    /// Keys while the list has focus.
    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        self.now = cx.now;
        if self.filtering {
            return self.filter_key(key);
        }
        let page = self.page.max(2) as isize - 1;
        match cx.keymap.action(key) {
            Some(KeyAction::Down) => self.move_by(1),
            Some(KeyAction::Up) => self.move_by(-1),
            Some(KeyAction::PageDown) => self.move_by(page),
            Some(KeyAction::PageUp) => self.move_by(-page),
            Some(KeyAction::Top) => self.selected = 0,
            Some(KeyAction::Bottom) => self.selected = self.display.len().saturating_sub(1),
            Some(KeyAction::Filter) => self.filtering = true,
            Some(KeyAction::SortNext) => {
                // Only the columns on screen: a sort by a hidden column looks like no order.
                let shown: Vec<Column> = layout_columns(self.width, self.sort().column)
                    .iter()
                    .filter_map(|c| c.sort_column())
                    .collect();
                let cur = self.sort();
                let column = match shown.iter().position(|c| *c == cur.column) {
                    Some(i) => shown[(i + 1) % shown.len()],
                    None => shown.first().copied().unwrap_or(Column::Name),
                };
                self.set_sort(SortSpec {
                    column,
                    descending: default_descending(column),
                });
            }
            Some(KeyAction::SortReverse) => {
                let cur = self.sort();
                self.set_sort(SortSpec {
                    descending: !cur.descending,
                    ..cur
                });
            }
            Some(KeyAction::Mark) => self.toggle_mark(),
            Some(KeyAction::MarkRange) => self.mark_range(),
            Some(KeyAction::MarkAll) => self.mark_all(),
            Some(KeyAction::Back) if self.marked_len() > 0 => self.clear_marks(),
            Some(KeyAction::Back) if !self.filter_text().is_empty() => self.set_filter(""),
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    /// Pasted text goes into the filter line while it is being edited.
    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        if !self.filtering {
            return Flow::Ignored;
        }
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.input.insert_str(clean);
        self.refilter();
        Flow::Handled
    }

    fn on_mouse(&mut self, mouse: &MouseEvent, _area: Rect, _cx: &mut Cx<'_>) -> Flow {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_by(3),
            MouseEventKind::ScrollUp => self.move_by(-3),
            MouseEventKind::Down(_) => {
                let r = self.rows_area;
                if mouse.row >= r.y && mouse.row < r.y + r.height {
                    let pos = self.offset + (mouse.row - r.y) as usize;
                    if pos < self.display.len() {
                        self.selected = pos;
                    }
                }
            }
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> = [
            (KeyAction::Down, "next referral"),
            (KeyAction::Up, "previous referral"),
            (KeyAction::PageDown, "page down"),
            (KeyAction::PageUp, "page up"),
            (KeyAction::Top, "first"),
            (KeyAction::Bottom, "last"),
            (KeyAction::Filter, "filter (enter keeps, esc clears)"),
            (KeyAction::SortNext, "sort by the next column on screen"),
            (KeyAction::SortReverse, "reverse the sort"),
            (KeyAction::Open, "open the detail"),
            (KeyAction::New, "new referral"),
            (KeyAction::NewShared, "new referral shared with Microsoft"),
            (KeyAction::NextView, "next saved view (1–9 pick a tab)"),
            (KeyAction::PrevView, "previous saved view"),
        ]
        .into_iter()
        .chain(REFERRAL_ACTIONS.iter().copied())
        .chain(selection::HELP.iter().copied())
        .map(|(a, d)| (keymap.label(a), d.to_string()))
        .collect();
        h.push(("".into(), selection::with_marks(keymap)));
        h.push((
            "filter".into(),
            "words (fuzzy) · \"exact phrase\" · status:new sub:pending type:shared dir:incoming qual:sales".into(),
        ));
        h.push((
            "".into(),
            "value>50000 cur:usd close<2026-12-31 updated>7d fav mkto:missing country:us -status:closed".into(),
        ));
        h.push((
            "".into(),
            "expires<48h (deadline within 48 h) · closed:quarter (this calendar quarter)".into(),
        ));
        h.push((
            "views".into(),
            "tabs above the list; :view save NAME · :view delete NAME · :view NAME; / narrows the view".into(),
        ));
        h.push((
            "".into(),
            format!(
                "value>50k:eur · values compare in {} unless a currency is named",
                crate::domain::money::current().reporting()
            ),
        ));
        h
    }

    /// The list itself.
    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let sort = self.sort();
        let title = format!(
            " Referrals {}/{} · sort {}{}{} ",
            self.visible_len(),
            self.len(),
            sort.column.as_str(),
            if sort.descending { " ▼" } else { " ▲" },
            self.marks_title()
        );
        let block = widgets::pane_block(title, cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.is_empty() {
            let msg = if self.complete && !self.search.is_indexing() {
                "No referrals yet. R refreshes, n creates one."
            } else {
                "loading referrals…"
            };
            frame.render_widget(Paragraph::new(msg).style(cx.theme.dim), inner);
            return;
        }
        // With marks, a one-cell gutter before the columns shows them.
        let gutter = self.marked_len() > 0;
        let cols = layout_columns(
            inner.width.saturating_sub(if gutter { 2 } else { 0 }),
            sort.column,
        );
        self.width = inner.width;
        let height = inner.height.saturating_sub(1) as usize;
        self.page = height.max(1);
        self.rows_area = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        let len = self.display.len();
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
        let header = Row::new(
            gutter
                .then(|| Cell::from(""))
                .into_iter()
                .chain(cols.iter().map(|c| {
                    let mut name = c.title().to_string();
                    if c.sort_column() == Some(sort.column) {
                        name.push(if sort.descending { '▼' } else { '▲' });
                    }
                    Cell::from(name)
                })),
        )
        .style(cx.theme.header);
        let hits: Vec<u32> = self
            .display
            .iter()
            .skip(self.offset)
            .take(height)
            .copied()
            .collect();
        let has_words = self.display_filter.has_words();
        let corpus = self.search.corpus();
        let mut rows = Vec::with_capacity(hits.len());
        let mut above: Option<RowId<'_>> = self
            .offset
            .checked_sub(1)
            .and_then(|p| self.display.get(p))
            .and_then(|&i| corpus.row(i as usize))
            .map(|r| r.engagement_id());
        for &i in &hits {
            let Some(row) = corpus.row(i as usize) else {
                continue;
            };
            // A Microsoft copy right under a referral of its engagement is drawn indented.
            let engagement = row.engagement_id();
            let under = row.microsoft() && !engagement.is_empty() && above == Some(engagement);
            above = Some(engagement);
            // The few rows on screen are unpacked for drawing.
            let row = &row.to_row();
            let (name_hl, cust_hl) = if has_words {
                (
                    self.display_filter.highlight(&row.name, &mut self.matcher),
                    self.display_filter
                        .highlight(&row.customer, &mut self.matcher),
                )
            } else {
                (Vec::new(), Vec::new())
            };
            let mark = self.marks.get(&row.id).map(|(m, _)| *m);
            let marked = gutter.then(|| {
                if self.is_marked(&row.id) {
                    Cell::from(Span::styled("✓", cx.theme.key))
                } else {
                    Cell::from(" ")
                }
            });
            // Rows of the expiry queue are coloured by how soon they expire.
            let urgency = cx.theme.expiry(row, self.now).unwrap_or_default();
            rows.push(
                Row::new(
                    marked.into_iter().chain(
                        cols.iter()
                            .map(|c| c.cell(row, (mark, under), &name_hl, &cust_hl, cx, self.now)),
                    ),
                )
                .style(urgency),
            );
        }
        let widths: Vec<Constraint> = gutter
            .then_some(Constraint::Length(1))
            .into_iter()
            .chain(cols.iter().map(|c| c.constraint()))
            .collect();
        let mut state = TableState::default().with_selected(Some(self.selected - self.offset));
        let selected_style = if cx.focused {
            cx.theme.selected
        } else {
            cx.theme
                .selected
                .remove_modifier(ratatui::style::Modifier::BOLD)
        };
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .row_highlight_style(selected_style)
            .highlight_symbol("▶ ");
        frame.render_stateful_widget(table, inner, &mut state);
    }
}

fn new_input(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_keys_never_wait_for_the_search_worker() {
        let now = Utc::now();
        let mut list = ListPane::new(now);
        let rows: Vec<ReferralRow> = (0..3000)
            .map(|i| ReferralRow {
                id: format!("r{i}"),
                name: format!("deal {i}"),
                customer: ["Contoso", "Fabrikam"][i % 2].into(),
                ..ReferralRow::default()
            })
            .collect();
        list.set_rows(rows, true);
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let w = woken.clone();
        list.start_search_worker(move || w.store(true, std::sync::atomic::Ordering::SeqCst))
            .unwrap();
        list.set_filter("contoso");
        // The key is handled; the previous result stays until the answer is taken.
        assert_eq!(list.visible_len(), 3000);
        assert!(list.is_searching());
        list.settle_search();
        assert!(woken.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(list.visible_len(), 1500);
        assert!(!list.is_searching());
        assert!(!list.poll_search());
    }

    #[test]
    fn narrow_panes_drop_columns_by_priority() {
        let titles = |w| {
            layout_columns(w, Column::Updated)
                .iter()
                .map(|c| c.title())
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(40), ["Name", "Status"]);
        assert!(titles(78).contains(&"Customer"));
        assert!(!titles(78).contains(&"Dir"));
        assert_eq!(
            titles(200),
            [
                "Name", "Customer", "Status", "Type", "Dir", "Value", "Closing", "Expires",
                "Updated", "Mkto"
            ]
        );
        for w in [10, 40, 80, 120, 160, 300] {
            let total: u16 = layout_columns(w, Column::Expires)
                .iter()
                .map(|c| c.width() + 1)
                .sum();
            assert!(total <= w.max(18) + 1, "{w}: {total}");
        }
    }
}
