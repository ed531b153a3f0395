//! The preview of a bulk action on the marked referrals: what it will do (count, the first
//! names), the referrals it cannot apply to and why (they are skipped), the marked referrals the
//! filter hides, the API calls it needs and the time they take at the documented rate. `y` or
//! `Enter` confirms, `Esc` cancels. A confirmed status move becomes one outbox entry per
//! referral (`Command::BulkMove`); favorites are local; Marketo checks and pushes go to the
//! Marketo worker.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::bulk::{self, BulkAction, BulkMove, RATE_CALLS, RATE_WINDOW};
use crate::protocol::Command;
use crate::ui::keymap::Keymap;
use crate::ui::list::ListPane;
use crate::ui::pane::{Cx, Flow, ListRequest, Pane, RenderCx};
use crate::ui::widgets;

/// How many names a preview lists before "… and N more".
pub const NAMES_SHOWN: usize = 5;

/// A bulk action ready to be confirmed.
pub struct BulkPreview {
    action: BulkAction,
    /// The referrals it applies to: id and name.
    apply: Vec<(String, String)>,
    /// The referrals it skips: name and why.
    skip: Vec<(String, String)>,
    /// Marked referrals the filter hides (they are included).
    hidden: usize,
    /// Partner Center calls left in the current window, and the window's size.
    budget: Option<(usize, usize)>,
    /// Seconds each edit is held for undo before it is sent.
    hold: u64,
}

impl BulkPreview {
    /// The preview of `action` on the marked referrals of `list`.
    pub fn new(
        list: &ListPane,
        action: BulkAction,
        budget: Option<(usize, usize)>,
        hold: u64,
    ) -> BulkPreview {
        let mut apply = Vec::new();
        let mut skip = Vec::new();
        for id in list.marked_ids() {
            let Some(row) = list.row(&id) else { continue };
            let why = match &action {
                BulkAction::Move(m) => m.why_not(row.status(), row.substatus()),
                BulkAction::Favorite(true) if row.favorite() => Some("already a favorite".into()),
                BulkAction::Favorite(false) if !row.favorite() => Some("not a favorite".into()),
                _ => None,
            };
            match why {
                Some(why) => skip.push((row.name().to_string(), why)),
                None => apply.push((id, row.name().to_string())),
            }
        }
        BulkPreview {
            action,
            apply,
            skip,
            hidden: list.marked_hidden(),
            budget,
            hold,
        }
    }

    /// The action this preview confirms.
    pub fn action(&self) -> &BulkAction {
        &self.action
    }

    /// How many referrals it applies to.
    pub fn count(&self) -> usize {
        self.apply.len()
    }

    /// Sets the reason of a bulk decline (asked for before the preview shows).
    pub fn set_reason(&mut self, reason: String) {
        if let BulkAction::Move(BulkMove::Decline { reason: r }) = &mut self.action {
            *r = reason;
        }
    }

    /// The verb and what it does, for the title and the first line.
    fn headline(&self) -> String {
        let n = self.apply.len();
        let s = if n == 1 { "" } else { "s" };
        match &self.action {
            BulkAction::Move(BulkMove::Accept) => {
                format!("Accept {n} referral{s} → Active/Accepted")
            }
            BulkAction::Move(BulkMove::Decline { reason }) => {
                format!("Decline {n} referral{s} → Closed/Declined ({reason})")
            }
            BulkAction::Move(BulkMove::Set { path, value }) => {
                format!("Set {path} to {value} on {n} referral{s}")
            }
            BulkAction::Favorite(true) => format!("Mark {n} referral{s} as favorites"),
            BulkAction::Favorite(false) => format!("Unmark {n} favorite{s}"),
            BulkAction::MarketoCheck => format!("Check {n} referral{s} in Marketo"),
            BulkAction::MarketoPush => format!("Push {n} referral{s} to Marketo"),
        }
    }

    /// The calls the action needs and how long they take, in words.
    fn cost(&self) -> Vec<String> {
        let n = self.apply.len();
        match &self.action {
            BulkAction::Move(_) => {
                let calls = bulk::calls_for(n);
                let (left, max) = self.budget.unwrap_or((RATE_CALLS, RATE_CALLS));
                let time = bulk::time_for(calls, left, max, RATE_WINDOW);
                let mut v = vec![
                    format!(
                        "Partner Center calls: {calls} (one PATCH per referral with its own \
                         If-Match; a conflict costs one GET more)"
                    ),
                    format!(
                        "Time at {RATE_CALLS} calls / {} s ({left} left now): {}",
                        RATE_WINDOW.as_secs(),
                        bulk::describe_time(time)
                    ),
                ];
                if self.hold > 0 {
                    v.push(format!(
                        "Each edit waits {} s in the outbox first: u on a row undoes it, U the \
                         whole batch",
                        self.hold
                    ));
                }
                v
            }
            BulkAction::Favorite(_) => vec!["A mark on this computer: no API calls.".into()],
            BulkAction::MarketoCheck => vec![format!(
                "Marketo calls: about {} (each of the five objects queried 300 referrals a call), \
                 at the [marketo] rate",
                5 * n.div_ceil(300)
            )],
            BulkAction::MarketoPush => vec![format!(
                "Marketo calls: up to {} (a check and up to five writes per referral), at the \
                 [marketo] rate",
                10 * n
            )],
        }
    }

    /// The commands that carry the action out.
    fn commands(&self) -> Vec<Command> {
        let ids = || self.apply.iter().map(|(id, _)| id.clone());
        match &self.action {
            BulkAction::Move(m) => vec![Command::BulkMove {
                ids: ids().collect(),
                change: m.clone(),
                hold_seconds: self.hold,
            }],
            BulkAction::Favorite(favorite) => ids()
                .map(|id| Command::SetFavorite {
                    id,
                    favorite: *favorite,
                })
                .collect(),
            BulkAction::MarketoCheck => vec![Command::MarketoCheck {
                ids: ids().collect(),
                all: false,
            }],
            BulkAction::MarketoPush => ids().map(|id| Command::MarketoPush { id }).collect(),
        }
    }

    /// The body's lines: what, how much and the keys first (they must show in a small
    /// terminal), then the names and the skipped referrals.
    fn lines(&self, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
        let mut v = vec![Line::styled(self.headline(), cx.theme.title)];
        if self.hidden > 0 {
            v.push(Line::styled(
                format!(
                    "{} of the marked referrals {} hidden by the filter (included).",
                    self.hidden,
                    if self.hidden == 1 { "is" } else { "are" },
                ),
                cx.theme.warning,
            ));
        }
        v.extend(self.cost().into_iter().map(Line::raw));
        v.push(Line::from(if self.apply.is_empty() {
            vec![
                Span::raw("Nothing to do. "),
                Span::styled("Esc", cx.theme.key),
                Span::raw(" close"),
            ]
        } else {
            vec![
                Span::styled("y", cx.theme.key),
                Span::raw("/"),
                Span::styled("Enter", cx.theme.key),
                Span::raw(" confirm · "),
                Span::styled("Esc", cx.theme.key),
                Span::raw(" cancel"),
            ]
        }));
        v.push(Line::raw(""));
        names(
            &mut v,
            self.apply.iter().map(|(_, name)| name.clone()),
            self.apply.len(),
        );
        if !self.skip.is_empty() {
            v.push(Line::styled(
                format!("Skipped ({}):", self.skip.len()),
                cx.theme.warning,
            ));
            for (why, names) in by_reason(&self.skip) {
                let mut shown: Vec<&str> = names.iter().take(2).copied().collect();
                if names.len() > 2 {
                    shown.push("…");
                }
                v.push(Line::raw(format!(
                    "  • {} {why}: {}",
                    names.len(),
                    shown.join(", ")
                )));
            }
        }
        v
    }
}

/// The skipped referrals' names grouped by why, the reasons in the order first met.
fn by_reason(skip: &[(String, String)]) -> Vec<(&str, Vec<&str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, why) in skip {
        match groups.iter_mut().find(|(w, _)| *w == why.as_str()) {
            Some((_, names)) => names.push(name),
            None => groups.push((why, vec![name])),
        }
    }
    groups
}

/// The first [`NAMES_SHOWN`] names as bullets, then "… and N more".
fn names(v: &mut Vec<Line<'static>>, items: impl Iterator<Item = String>, total: usize) {
    for name in items.take(NAMES_SHOWN) {
        v.push(Line::raw(format!("  • {name}")));
    }
    if total > NAMES_SHOWN {
        v.push(Line::raw(format!("  … and {} more", total - NAMES_SHOWN)));
    }
}

impl Pane for BulkPreview {
    fn title(&self) -> String {
        "Bulk action".into()
    }

    fn handle_key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> Flow {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter if !self.apply.is_empty() => {
                let mut flows = vec![Flow::Close, Flow::List(ListRequest::ClearMarks)];
                flows.extend(self.commands().into_iter().map(Flow::Send));
                Flow::Many(flows)
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q') => {
                Flow::Close
            }
            KeyCode::Enter | KeyCode::Char('y') | KeyCode::Char('Y') => Flow::Close,
            _ => Flow::Handled,
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(format!(" {} ", self.title()), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(self.lines(cx)).wrap(Wrap { trim: false }),
            inner,
        );
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            ("y/enter".into(), "confirm".into()),
            ("esc/n".into(), "cancel".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (90, 85)
    }
}
