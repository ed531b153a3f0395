//! `m` — where one referral stands in Marketo (`../shared/spec/ux.md`, "Marketo sync status").
//!
//! The view lists the five steps in the order Marketo requires (sales person, company, leads,
//! opportunity, opportunity roles), each with its state and its records (key, label, Marketo
//! id, and what is wrong with each record that is not synced), then the Sales Insight fields
//! read back from each lead, then anything about the referral that keeps a record from being
//! planned. A summary line says the badge, how many records a push would write, and when the
//! report was made.
//!
//! Opening it asks the backend to check the referral: the stored report shows at once (marked
//! cached) and is replaced by the live one. `c` checks again. `p` pushes, in Marketo's order,
//! every record that is missing, blocked behind a missing step, or different — Partner Center
//! is the system of record, so a mismatch (say, the sales person's email) is corrected, not
//! just reported; the hint says so. Each record's result shows as it arrives, above the steps,
//! and the push ends with a fresh report. With nothing to push, `p` says so and sends nothing.
//! The view scrolls (j/k, page keys, wheel); Esc closes it.

use crossterm::event::{KeyCode, KeyEvent, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};
use unicode_width::UnicodeWidthStr;

use crate::domain::Referral;
use crate::domain::marketo::{
    MarketoBadge, MsiFields, NO_MSI_NOTICE, RecordReport, RecordStatus, Step, StepResult,
    SyncReport, SyncState,
};
use crate::domain::time::parse_datetime;
use crate::protocol::{Command, Event, Level, PushTally, ReportSource};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::theme::Theme;
use crate::ui::widgets;

/// Opens the view for `r` and asks for its report.
pub fn open_marketo_view(r: &Referral, cx: &mut Cx<'_>) -> Flow {
    cx.send(Command::MarketoCheck {
        ids: vec![r.id().to_string()],
        all: false,
    });
    Flow::Push(Box::new(MarketoView::new(r.id(), r.name())))
}

/// What the view waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    Idle,
    Checking,
    /// A push of `expected` records runs.
    Pushing {
        expected: usize,
    },
}

/// How the last push ended.
#[derive(Debug, Clone, PartialEq)]
enum PushEnd {
    Running,
    Finished,
    Failed(String),
}

/// The report on screen.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    report: SyncReport,
    checked_at: chrono::DateTime<chrono::Utc>,
    source: ReportSource,
}

pub struct MarketoView {
    id: String,
    name: String,
    shown: Option<Shown>,
    activity: Activity,
    /// Results of the last push, in the order they came.
    pushed: Vec<StepResult>,
    push_end: Option<PushEnd>,
    error: Option<String>,
    scroll: usize,
    /// Rows of text of the last render (for paging).
    height: usize,
    /// The plan of a push is shown and waits for Enter/y (or Esc).
    confirming: bool,
}

impl MarketoView {
    /// A view waiting for the first report of referral `id`.
    pub fn new(id: &str, name: &str) -> MarketoView {
        MarketoView {
            id: id.to_string(),
            name: name.to_string(),
            shown: None,
            activity: Activity::Checking,
            pushed: Vec::new(),
            push_end: None,
            error: None,
            scroll: 0,
            height: 0,
            confirming: false,
        }
    }

    fn check(&mut self, cx: &mut Cx<'_>) -> Flow {
        if matches!(self.activity, Activity::Pushing { .. }) {
            cx.notify(Level::Info, "a push is running; it ends with a fresh check");
            return Flow::Handled;
        }
        cx.send(Command::MarketoCheck {
            ids: vec![self.id.clone()],
            all: false,
        });
        self.activity = Activity::Checking;
        Flow::Handled
    }

    fn push(&mut self, cx: &mut Cx<'_>) -> Flow {
        if matches!(self.activity, Activity::Pushing { .. }) {
            cx.notify(Level::Info, "a push is already running");
            return Flow::Handled;
        }
        let Some(shown) = &self.shown else {
            cx.notify(Level::Info, "wait for the check to finish, then push");
            return Flow::Handled;
        };
        let expected = shown.report.to_push();
        if expected == 0 {
            let why = if shown.report.badge() == MarketoBadge::Synced {
                "nothing to push: everything is in Marketo and agrees"
            } else {
                "nothing to push: what is not synced cannot be planned (see the reasons)"
            };
            cx.notify(Level::Info, why);
            return Flow::Handled;
        }
        if cx.confirm_actions && !self.confirming {
            // Show the plan first; Enter/y pushes it.
            self.confirming = true;
            self.scroll = 0;
            return Flow::Handled;
        }
        self.confirming = false;
        cx.send(Command::MarketoPush {
            id: self.id.clone(),
        });
        self.activity = Activity::Pushing { expected };
        self.pushed.clear();
        self.push_end = Some(PushEnd::Running);
        self.error = None;
        self.scroll = 0;
        Flow::Handled
    }

    fn show(&mut self, report: &SyncReport, at: chrono::DateTime<chrono::Utc>, src: ReportSource) {
        // A cached report never replaces a fresh one that arrived first.
        let have_fresh = self.shown.as_ref().is_some_and(|s| s.source.is_fresh());
        if src == ReportSource::Cached && have_fresh {
            return;
        }
        self.shown = Some(Shown {
            report: report.clone(),
            checked_at: at,
            source: src,
        });
        match src {
            ReportSource::Cached => {}
            ReportSource::Checked => {
                self.error = None;
                if self.activity == Activity::Checking {
                    self.activity = Activity::Idle;
                }
            }
            ReportSource::Pushed => {
                self.error = None;
                self.activity = Activity::Idle;
                if self.push_end.is_some() {
                    self.push_end = Some(PushEnd::Finished);
                }
            }
        }
    }

    fn scroll_by(&mut self, delta: isize) {
        self.scroll = self.scroll.saturating_add_signed(delta);
    }

    /// The view's text at `width` cells.
    fn lines(&self, width: usize, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
        let t = cx.theme;
        let mut out = self.summary(width, cx);
        if self.confirming
            && let Some(shown) = &self.shown
        {
            plan_lines(&mut out, &self.name, &shown.report, width, cx);
        }
        if let Some(end) = &self.push_end {
            push_section(&mut out, &self.pushed, end, self.activity, width, t);
        }
        let Some(shown) = &self.shown else {
            return out;
        };
        let report = &shown.report;
        for (i, step) in report.steps.iter().enumerate() {
            out.push(step_header(i + 1, step.step, &step.state, t));
            if step.records.is_empty() {
                out.push(Line::styled("    nothing to sync", t.dim));
            }
            for r in &step.records {
                record_lines(&mut out, r, width, t);
            }
        }
        insight_lines(&mut out, report, width, cx);
        problem_lines(&mut out, report, width, t);
        out
    }

    fn summary(&self, width: usize, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
        let t = cx.theme;
        let mut out = Vec::new();
        if let Some(err) = &self.error {
            for l in widgets::wrap(&format!("✗ {err}"), width) {
                out.push(Line::styled(l, t.error));
            }
        }
        let Some(shown) = &self.shown else {
            if self.error.is_none() {
                let s = cx.busy.unwrap_or('…');
                out.push(Line::styled(format!("{s} checking Marketo…"), t.dim));
            }
            return out;
        };
        let badge = shown.report.badge();
        let n = shown.report.to_push();
        let todo = match n {
            0 => "nothing to push".to_string(),
            1 => "1 record to push".to_string(),
            n => format!("{n} records to push"),
        };
        let ago = widgets::ago(shown.checked_at, cx.now);
        let when = match shown.source {
            ReportSource::Cached => format!("cached: checked {ago}"),
            _ => format!("checked {ago}"),
        };
        let mut spans = vec![
            Span::styled(badge.as_str().to_string(), t.badge(badge)),
            Span::raw(format!(" · {todo} · ")),
            Span::styled(when, t.dim),
        ];
        let used: usize = spans.iter().map(|s| s.content.width()).sum();
        if used > width {
            spans.truncate(2);
        }
        out.push(Line::from(spans));
        for notice in shown.report.instance.notices() {
            for l in widgets::wrap(&format!("! {notice}"), width) {
                out.push(Line::styled(l, t.warning));
            }
        }
        out
    }

    pub fn help_for(keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            (
                keymap.label(KeyAction::MarketoCheck),
                "check Marketo now".into(),
            ),
            (
                keymap.label(KeyAction::MarketoPush),
                "push what is missing or different, in Marketo's order (Partner Center wins)"
                    .into(),
            ),
            (keymap.label(KeyAction::Down), "scroll down".into()),
            (keymap.label(KeyAction::Up), "scroll up".into()),
            (keymap.label(KeyAction::PageDown), "page down".into()),
            (keymap.label(KeyAction::PageUp), "page up".into()),
            (keymap.label(KeyAction::Back), "close".into()),
        ]
    }
}

impl Pane for MarketoView {
    fn title(&self) -> String {
        format!("Marketo: {}", self.name)
    }

    fn referral_id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        if self.confirming {
            return match key.code {
                KeyCode::Enter | KeyCode::Char('y') | KeyCode::Char('Y') => self.push(cx),
                KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N') => {
                    self.confirming = false;
                    cx.notify(
                        Level::Info,
                        "push cancelled: nothing was written to Marketo",
                    );
                    Flow::Handled
                }
                _ => Flow::Handled,
            };
        }
        let Some(action) = cx.keymap.action(key) else {
            return Flow::Ignored;
        };
        let page = self.height.max(2) as isize - 1;
        match action {
            KeyAction::MarketoCheck => return self.check(cx),
            KeyAction::MarketoPush => return self.push(cx),
            KeyAction::Down => self.scroll_by(1),
            KeyAction::Up => self.scroll_by(-1),
            KeyAction::PageDown => self.scroll_by(page),
            KeyAction::PageUp => self.scroll_by(-page),
            KeyAction::Top => self.scroll = 0,
            KeyAction::Bottom => self.scroll = usize::MAX,
            // Already here.
            KeyAction::Marketo => {}
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn on_event(&mut self, event: &Event, _cx: &mut Cx<'_>) -> Flow {
        match event {
            Event::MarketoReport {
                id,
                report,
                checked_at,
                source,
            } if *id == self.id => {
                self.show(report, *checked_at, *source);
                Flow::Handled
            }
            Event::MarketoPushed { id, result } if *id == self.id => {
                self.pushed.push(result.clone());
                Flow::Handled
            }
            Event::MarketoFailed { id, message } if *id == self.id => {
                if matches!(self.activity, Activity::Pushing { .. }) {
                    self.push_end = Some(PushEnd::Failed(message.clone()));
                }
                self.activity = Activity::Idle;
                self.error = Some(message.clone());
                Flow::Handled
            }
            _ => Flow::Ignored,
        }
    }

    fn on_mouse(&mut self, mouse: &MouseEvent, _area: Rect, _cx: &mut Cx<'_>) -> Flow {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.scroll_by(3),
            MouseEventKind::ScrollUp => self.scroll_by(-3),
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let mut title = vec![Span::raw(format!(" {} ", self.title()))];
        match self.activity {
            Activity::Checking => title.push(Span::styled("checking… ", t.warning)),
            Activity::Pushing { expected } => title.push(Span::styled(
                format!("pushing {}/{expected}… ", self.pushed.len()),
                t.warning,
            )),
            Activity::Idle => {}
        }
        let block = widgets::pane_block(Line::from(title), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [body, hints] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        let width = body.width.saturating_sub(1) as usize;
        let lines = self.lines(width, cx);
        let height = body.height as usize;
        self.height = height;
        let total = lines.len();
        self.scroll = self.scroll.min(total.saturating_sub(height));
        let visible: Vec<Line> = lines.into_iter().skip(self.scroll).take(height).collect();
        frame.render_widget(Paragraph::new(visible), body);
        if total > height {
            let mut state = ScrollbarState::new(total.saturating_sub(height)).position(self.scroll);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight),
                body,
                &mut state,
            );
        }
        let km = cx.keymap;
        let hint_list = [
            (km.short(KeyAction::MarketoCheck), "check now".to_string()),
            (
                km.short(KeyAction::MarketoPush),
                "push what is missing or different".to_string(),
            ),
            (km.short(KeyAction::Back), "close".to_string()),
            ("j/k".to_string(), "scroll".to_string()),
        ];
        frame.render_widget(
            Paragraph::new(widgets::hints_line(&hint_list, cx, hints.width)),
            hints,
        );
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        Self::help_for(keymap)
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers (pure: text in, lines out)
// ---------------------------------------------------------------------------------------------

/// How a record state looks: an icon and its style.
fn state_mark(state: &SyncState, t: &Theme) -> (&'static str, Style) {
    match state {
        SyncState::Synced => ("✓", t.ok),
        SyncState::Missing => ("✗", t.badge_missing),
        SyncState::Mismatch { .. } => ("≠", t.warning),
        SyncState::Blocked { .. } => ("◌", t.dim),
        SyncState::Unplannable { .. } => ("!", t.error),
    }
}

/// The words after a step's name.
fn step_state_text(state: &SyncState) -> String {
    match state {
        SyncState::Mismatch { field, .. } => format!("mismatch ({field})"),
        SyncState::Blocked { by } => format!("blocked by the {by}"),
        other => other.label().to_string(),
    }
}

/// What goes at the end of a record's line: its Marketo id, or why it has none.
fn record_tag(r: &RecordReport) -> String {
    match (&r.state, &r.marketo_id) {
        (SyncState::Missing, _) => "not in Marketo".into(),
        (SyncState::Blocked { by }, _) => format!("waits for the {by}"),
        (_, Some(id)) => format!("id {id}"),
        (_, None) => String::new(),
    }
}

/// What to say under a record: how it differs, or why it cannot be synced.
fn record_detail(state: &SyncState) -> Option<String> {
    match state {
        SyncState::Mismatch {
            field,
            ours,
            theirs,
        } => {
            let (ours, theirs) = if field == "amount" {
                (amount(ours), amount(theirs))
            } else {
                (ours.clone(), theirs.clone())
            };
            Some(format!(
                "{field}: Marketo has “{theirs}”, Partner Center “{ours}”"
            ))
        }
        SyncState::Unplannable { reason } => Some(reason.clone()),
        _ => None,
    }
}

/// `2650000.00` → `2,650,000`; other text unchanged.
fn amount(text: &str) -> String {
    text.parse::<f64>()
        .map(widgets::group_thousands)
        .unwrap_or_else(|_| text.to_string())
}

fn step_header(n: usize, step: Step, state: &SyncState, t: &Theme) -> Line<'static> {
    let (icon, style) = state_mark(state, t);
    Line::from(vec![
        Span::styled(format!("── {n} {} ", step.label()), t.header),
        Span::styled(format!("{icon} {}", step_state_text(state)), style),
    ])
}

/// `text` wrapped to `width` after an `indent`, each line styled alike.
fn indented(out: &mut Vec<Line<'static>>, indent: usize, text: &str, width: usize, style: Style) {
    let pad = " ".repeat(indent);
    for l in widgets::wrap(text, width.saturating_sub(indent).max(8)) {
        out.push(Line::styled(format!("{pad}{l}"), style));
    }
}

/// `left` with `right` at the line's end when both fit; else `right` goes on a line of its
/// own, right-aligned. `left` wraps when it is longer than a line.
fn with_right(left: &str, right: &str, width: usize) -> Vec<(String, Option<String>)> {
    let mut rows: Vec<(String, Option<String>)> = widgets::wrap(left, width.max(8))
        .into_iter()
        .map(|l| (l, None))
        .collect();
    if right.is_empty() {
        return rows;
    }
    let last = rows.last().map_or(0, |(l, _)| l.width());
    if last + 2 + right.width() <= width {
        let gap = width - last - right.width();
        if let Some((l, r)) = rows.last_mut() {
            l.push_str(&" ".repeat(gap));
            *r = Some(right.to_string());
        }
    } else {
        let gap = width.saturating_sub(right.width());
        rows.push((" ".repeat(gap), Some(widgets::truncate(right, width))));
    }
    rows
}

fn record_lines(out: &mut Vec<Line<'static>>, r: &RecordReport, width: usize, t: &Theme) {
    let (icon, style) = state_mark(&r.state, t);
    let tag = record_tag(r);
    let label = if r.label.is_empty() { &r.key } else { &r.label };
    let inner = width.saturating_sub(4);
    for (i, (left, right)) in with_right(label, &tag, inner).into_iter().enumerate() {
        let lead = if i == 0 {
            Span::styled(format!("  {icon} "), style)
        } else {
            Span::raw("    ")
        };
        let mut spans = vec![lead, Span::raw(left)];
        if let Some(right) = right {
            spans.push(Span::styled(right, t.dim));
        }
        out.push(Line::from(spans));
    }
    if let Some(detail) = record_detail(&r.state) {
        let style = match r.state {
            SyncState::Mismatch { .. } => t.warning,
            _ => t.error,
        };
        indented(out, 6, &detail, width, style);
    }
}

/// The short name of a step in the push results' column.
fn step_column(step: Step) -> &'static str {
    match step {
        Step::SalesPerson => "sales person",
        Step::Company => "company",
        Step::Leads => "lead",
        Step::Opportunity => "opportunity",
        Step::Roles => "role",
    }
}

fn push_section(
    out: &mut Vec<Line<'static>>,
    results: &[StepResult],
    end: &PushEnd,
    activity: Activity,
    width: usize,
    t: &Theme,
) {
    out.push(Line::styled("── Push ", t.header));
    let tally = PushTally::of(results);
    match end {
        PushEnd::Running => {
            let expected = match activity {
                Activity::Pushing { expected } => expected,
                _ => results.len(),
            };
            out.push(Line::styled(
                format!(
                    "  pushing in Marketo's order… {} of {expected} written",
                    results.len()
                ),
                t.warning,
            ));
        }
        PushEnd::Finished => {
            let style = if tally.skipped > 0 { t.warning } else { t.ok };
            out.push(Line::styled(format!("  done: {tally}"), style));
        }
        PushEnd::Failed(msg) => {
            indented(out, 2, &format!("stopped ({tally}): {msg}"), width, t.error);
        }
    }
    for r in results {
        result_lines(out, r, width, t);
    }
}

/// One pushed record: `✓ created lead · Ann Lee <ann@…>`, its new id at the end when it fits
/// (the fresh report that ends the push lists every id), and Marketo's reasons when skipped.
fn result_lines(out: &mut Vec<Line<'static>>, r: &StepResult, width: usize, t: &Theme) {
    let (icon, style) = match r.status {
        RecordStatus::Created | RecordStatus::Updated => ("✓", t.ok),
        _ => ("✗", t.error),
    };
    let head = format!("{} {} · ", r.status, step_column(r.step));
    let text = format!("{head}{}", r.label);
    let id = r
        .marketo_id
        .as_ref()
        .map(|id| format!("id {id}"))
        .unwrap_or_default();
    let mut rows = with_right(&text, &id, width.saturating_sub(4));
    if rows.len() > 1 && rows.last().is_some_and(|(l, _)| l.trim().is_empty()) {
        rows.pop();
    }
    for (i, (left, right)) in rows.into_iter().enumerate() {
        let mut spans = vec![if i == 0 {
            Span::styled(format!("  {icon} "), style)
        } else {
            Span::raw("    ")
        }];
        match left.strip_prefix(&head) {
            Some(rest) if i == 0 => {
                spans.push(Span::styled(head.clone(), style));
                spans.push(Span::raw(rest.to_string()));
            }
            _ => spans.push(Span::raw(left)),
        }
        if let Some(right) = right {
            spans.push(Span::styled(right, t.dim));
        }
        out.push(Line::from(spans));
    }
    for reason in &r.reasons {
        indented(out, 6, &reason.to_string(), width, t.error);
    }
}

fn insight_lines(
    out: &mut Vec<Line<'static>>,
    report: &SyncReport,
    width: usize,
    cx: &RenderCx<'_>,
) {
    let t = cx.theme;
    out.push(Line::styled(
        "── Sales Insight (read from Marketo) ",
        t.header,
    ));
    if !report.instance.msi_non_native {
        let why = format!("    none: {NO_MSI_NOTICE}");
        for l in widgets::wrap(&why, width) {
            out.push(Line::styled(l, t.dim));
        }
        return;
    }
    if report.insights.is_empty() {
        out.push(Line::styled("    no lead is in Marketo yet", t.dim));
    }
    for lead in &report.insights {
        indented(out, 2, &lead.label, width, Style::new());
        if lead.msi.is_empty() {
            out.push(Line::styled("    no Sales Insight data yet", t.dim));
            continue;
        }
        for (label, value) in msi_rows(&lead.msi) {
            let head = format!("    {} ", widgets::fit(label, 12));
            let wrapped = widgets::wrap(&value, width.saturating_sub(head.width()).max(8));
            for (i, chunk) in wrapped.into_iter().enumerate() {
                let lead_text = if i == 0 {
                    head.clone()
                } else {
                    " ".repeat(head.width())
                };
                out.push(Line::from(vec![
                    Span::styled(lead_text, t.dim),
                    Span::raw(chunk),
                ]));
            }
        }
    }
}

/// The Sales Insight fields as (label, value) rows; absent values as `—`.
fn msi_rows(m: &MsiFields) -> Vec<(&'static str, String)> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("—")
            .to_string()
    };
    let num = |v: Option<i64>| v.map_or("—".to_string(), |n| n.to_string());
    let date = match m.last_moment_date.as_deref() {
        Some(raw) => parse_datetime(raw)
            .map(|d| widgets::datetime(Some(d)))
            .unwrap_or_else(|| raw.to_string()),
        None => "—".into(),
    };
    vec![
        (
            "Last moment",
            format!("{} · {date}", text(&m.last_moment_type)),
        ),
        ("Description", text(&m.last_moment_desc)),
        ("Source", text(&m.last_moment_source)),
        (
            "Scores",
            format!(
                "priority {} · relative urgency {} · relative scoring {}",
                num(m.priority),
                num(m.relative_urgency),
                num(m.relative_scoring)
            ),
        ),
    ]
}

fn problem_lines(out: &mut Vec<Line<'static>>, report: &SyncReport, width: usize, t: &Theme) {
    // Problems already shown as a record's reason are not repeated.
    let shown: Vec<&str> = report
        .records()
        .filter_map(|(_, r)| match &r.state {
            SyncState::Unplannable { reason } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    let rest: Vec<_> = report
        .problems
        .iter()
        .filter(|p| !shown.contains(&p.message.as_str()))
        .collect();
    if rest.is_empty() {
        return;
    }
    out.push(Line::styled(
        "── Cannot be synced as the referral stands ",
        t.header,
    ));
    for p in rest {
        indented(
            out,
            2,
            &format!("{}: {}", p.step, p.message),
            width,
            t.error,
        );
    }
}

/// The plan of a push, for confirming it: each record it would write (step, key, what it
/// does), then the keys.
fn plan_lines(
    out: &mut Vec<Line<'static>>,
    name: &str,
    report: &SyncReport,
    width: usize,
    cx: &RenderCx<'_>,
) {
    let t = cx.theme;
    let n = report.to_push();
    out.push(Line::styled(
        widgets::truncate(
            &format!(
                "Push ‘{name}’ to Marketo? {} will be written:",
                crate::domain::text::count(n, "record")
            ),
            width,
        ),
        t.warning,
    ));
    for (step, r) in report.records().filter(|(_, r)| r.state.needs_push()) {
        let action = match &r.state {
            crate::domain::marketo::SyncState::Mismatch { field, .. } => {
                format!("update {field}")
            }
            _ => "create".to_string(),
        };
        out.push(Line::raw(widgets::truncate(
            &format!("  {step} · {} · {action}", r.key),
            width,
        )));
    }
    out.push(Line::from(vec![
        Span::styled("Enter", t.key),
        Span::raw("/"),
        Span::styled("y", t.key),
        Span::raw(" push · "),
        Span::styled("Esc", t.key),
        Span::raw("/"),
        Span::styled("n", t.key),
        Span::raw(" cancel"),
    ]));
    out.push(Line::raw(""));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::marketo::MarketoId;

    #[test]
    fn ids_sit_at_the_end_of_the_line_or_below_it() {
        let rows = with_right("Contoso Ltd.", "id 42", 30);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0.width() + "id 42".width(), 30);
        assert_eq!(rows[0].1.as_deref(), Some("id 42"));

        let guid = "id dff23271-f996-47d7-984f-f2676861b5fb";
        let rows = with_right("Ann Lee <ann.lee@contoso.com>", guid, 50);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].1, None);
        assert_eq!(rows[1].0.width() + guid.width(), 50);

        let rows = with_right("a long label that must wrap over lines", "", 12);
        assert!(rows.iter().all(|(l, r)| l.width() <= 12 && r.is_none()));
        assert!(rows.len() >= 3);
    }

    #[test]
    fn every_state_explains_itself() {
        let rec = |state: SyncState, id: Option<MarketoId>| RecordReport {
            key: "k".into(),
            label: "l".into(),
            state,
            marketo_id: id,
        };
        assert_eq!(record_detail(&SyncState::Synced), None);
        assert_eq!(
            record_tag(&rec(SyncState::Synced, Some(MarketoId::Id(7)))),
            "id 7"
        );
        assert_eq!(record_tag(&rec(SyncState::Missing, None)), "not in Marketo");
        let m = SyncState::Mismatch {
            field: "email".into(),
            ours: "jo@partner.com".into(),
            theirs: "old@partner.com".into(),
        };
        assert_eq!(
            record_detail(&m).unwrap(),
            "email: Marketo has “old@partner.com”, Partner Center “jo@partner.com”"
        );
        assert_eq!(step_state_text(&m), "mismatch (email)");
        let amount = SyncState::Mismatch {
            field: "amount".into(),
            ours: "2645000.00".into(),
            theirs: "2650000.50".into(),
        };
        assert_eq!(
            record_detail(&amount).unwrap(),
            "amount: Marketo has “2,650,000.50”, Partner Center “2,645,000”"
        );
        let b = SyncState::Blocked { by: Step::Company };
        assert_eq!(record_tag(&rec(b.clone(), None)), "waits for the company");
        assert_eq!(record_detail(&b), None);
        assert_eq!(step_state_text(&b), "blocked by the company");
        let u = SyncState::Unplannable {
            reason: "no email".into(),
        };
        assert_eq!(record_detail(&u).as_deref(), Some("no email"));
    }

    #[test]
    fn msi_rows_fill_gaps_and_format_dates() {
        let m = MsiFields {
            last_moment_type: Some("Web".into()),
            last_moment_date: Some("2026-11-20T14:02:00Z".into()),
            priority: Some(71),
            ..MsiFields::default()
        };
        let rows = msi_rows(&m);
        assert_eq!(rows[0].1, "Web · 2026-11-20 14:02 UTC");
        assert_eq!(rows[1].1, "—");
        assert_eq!(
            rows[3].1,
            "priority 71 · relative urgency — · relative scoring —"
        );
        let odd = MsiFields {
            last_moment_date: Some("last Tuesday".into()),
            ..MsiFields::default()
        };
        assert_eq!(msi_rows(&odd)[0].1, "— · last Tuesday");
    }
}
