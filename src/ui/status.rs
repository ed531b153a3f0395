//! Status moves: `s` offers only the moves the rules allow (each with its substatus choices),
//! `a` accepts, `x` declines with one of the documented reasons. The moves are the documented
//! table's (`rules::allowed_moves`; Closed referrals may correct their substatus); a move our
//! stricter reading doubts (`rules::transition_warnings`) is offered with its warning, and the
//! server's own refusal, if any, is shown with the server's message.
//!
//! Choices: the decline reason is written to `statusReason` in words ("Budget insufficient");
//! "Other" asks for a few words and writes "Other: …". Closing as Lost may carry an optional
//! reason the same way; Won needs none.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use crate::domain::patch;
use crate::domain::rules::{self, allowed_moves};
use crate::domain::*;
use crate::protocol::{Command, Level};
use crate::ui::bulk::BulkPreview;
use crate::ui::dialog::{Confirm, OnYes};
use crate::ui::form::{Field, Form, FormEvent, Kind};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets;

/// Queues the move of `base` to `status`/`substatus` (with an optional reason).
pub fn send_move(
    base: &Referral,
    status: Status,
    substatus: Substatus,
    reason: Option<String>,
    cx: &mut Cx<'_>,
) -> Flow {
    if let Err(v) = rules::check_transition(&base.status(), &base.substatus(), &status, &substatus)
    {
        cx.notify(Level::Error, v.message);
        return Flow::Handled;
    }
    let mut next = base.clone();
    next.status = Some(status.clone());
    next.substatus = Some(substatus.clone());
    if let Some(r) = reason {
        next.status_reason = Some(r);
    }
    let ops = patch::diff(base, &next);
    if ops.is_empty() {
        cx.notify(Level::Info, "the referral is already there");
        return Flow::Handled;
    }
    let mut command = Command::Patch {
        id: base.id().to_string(),
        ops,
        etag: base.etag.clone(),
        base: Box::new(base.clone()),
        summary: format!("status → {status}/{substatus}"),
    };
    if cx.undo_seconds > 0 {
        command = Command::PatchHeld {
            patch: Box::new(command),
            seconds: cx.undo_seconds,
        };
    }
    if !cx.confirm_actions {
        cx.send(command);
        cx.notify(
            Level::Info,
            format!("“{}”: status → {status}/{substatus}", base.name()),
        );
        return Flow::Handled;
    }
    let verb = match (&status, &substatus) {
        (Status::Active, Substatus::Accepted) if base.status() == Status::New => "Accept",
        (Status::Closed, Substatus::Declined) => "Decline",
        _ => "Move",
    };
    let because = next
        .status_reason
        .as_deref()
        .filter(|_| matches!(substatus, Substatus::Declined | Substatus::Lost))
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    Flow::Overlay(Box::new(Confirm::new(
        format!("{verb}?"),
        format!("{verb} ‘{}’ → {status}/{substatus}{because}?", base.name()),
        OnYes::Flow(Box::new(move || Flow::Send(command))),
    )))
}

/// `s`: the dialog of allowed moves, or why there are none.
pub fn open_status_dialog(r: &Referral, _cx: &mut Cx<'_>) -> Flow {
    Flow::Overlay(Box::new(StatusDialog::new(r.clone())))
}

/// `a`: New → Active/Accepted in one key.
pub fn accept(r: &Referral, cx: &mut Cx<'_>) -> Flow {
    match rules::check_transition(
        &r.status(),
        &r.substatus(),
        &Status::Active,
        &Substatus::Accepted,
    ) {
        Ok(()) if r.status() == Status::Active => {
            cx.notify(Level::Info, "already accepted");
            Flow::Handled
        }
        Ok(()) => send_move(r, Status::Active, Substatus::Accepted, None, cx),
        Err(v) => {
            cx.notify(Level::Warning, format!("cannot accept: {}", v.message));
            Flow::Handled
        }
    }
}

/// `x`: asks for a reason, then New → Closed/Declined.
pub fn open_decline_dialog(r: &Referral, cx: &mut Cx<'_>) -> Flow {
    match rules::check_transition(
        &r.status(),
        &r.substatus(),
        &Status::Closed,
        &Substatus::Declined,
    ) {
        Ok(()) => Flow::Overlay(Box::new(ReasonDialog::new(r.clone(), Substatus::Declined))),
        Err(v) => {
            cx.notify(Level::Warning, format!("cannot decline: {}", v.message));
            Flow::Handled
        }
    }
}

/// A list to choose from, with its key hint under it.
fn render_choices(
    frame: &mut Frame<'_>,
    area: Rect,
    cx: &RenderCx<'_>,
    items: Vec<ListItem<'_>>,
    state: &mut ListState,
) {
    let [list_area, hint] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(cx.theme.selected)
            .highlight_symbol("▶ "),
        list_area,
        state,
    );
    frame.render_widget(
        Paragraph::new("enter choose · esc cancel").style(cx.theme.dim),
        hint,
    );
}

/// The allowed moves, one line per status/substatus pair.
pub struct StatusDialog {
    referral: Referral,
    options: Vec<(Status, Substatus)>,
    state: ListState,
}

impl StatusDialog {
    pub fn new(referral: Referral) -> StatusDialog {
        // Whatever the rules offer (a Closed referral's substatus too), but not where it is.
        let options: Vec<(Status, Substatus)> =
            allowed_moves(&referral.status(), &referral.substatus())
                .into_iter()
                .flat_map(|m| {
                    m.substatuses
                        .into_iter()
                        .map(move |s| (m.status.clone(), s))
                })
                .filter(|(s, u)| *s != referral.status() || *u != referral.substatus())
                .collect();
        StatusDialog {
            referral,
            options,
            state: ListState::default().with_selected(Some(0)),
        }
    }

    pub fn options(&self) -> &[(Status, Substatus)] {
        &self.options
    }
}

fn describe(status: &Status, sub: &Substatus) -> &'static str {
    match (status, sub) {
        (Status::New, Substatus::Pending) => "not looked at yet",
        (Status::New, Substatus::Received) => "seen, deciding",
        (Status::Active, Substatus::Accepted) => "accept: work the deal",
        (Status::Closed, Substatus::Won) => "the customer bought",
        (Status::Closed, Substatus::Lost) => "the customer did not buy",
        (Status::Closed, Substatus::Declined) => "decline (asks for a reason)",
        _ => "",
    }
}

impl Pane for StatusDialog {
    fn title(&self) -> String {
        "Change status".into()
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let n = self.options.len();
        match (key.code, cx.keymap.action(key)) {
            (KeyCode::Esc, _) | (_, Some(KeyAction::Quit)) => Flow::Close,
            (_, action)
                if let Some(i) =
                    widgets::choice_move(self.state.selected().unwrap_or(0), n, action, n) =>
            {
                self.state.select(Some(i));
                Flow::Handled
            }
            (KeyCode::Enter, _) => {
                let Some((status, sub)) = self
                    .state
                    .selected()
                    .and_then(|i| self.options.get(i))
                    .cloned()
                else {
                    return Flow::Close;
                };
                match sub {
                    Substatus::Declined | Substatus::Lost => {
                        Flow::Replace(Box::new(ReasonDialog::new(self.referral.clone(), sub)))
                    }
                    _ => Flow::Many(vec![
                        Flow::Close,
                        send_move(&self.referral, status, sub, None, cx),
                    ]),
                }
            }
            _ => Flow::Handled,
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(
            format!(
                " Status of “{}”: {}/{} ",
                self.referral.name(),
                self.referral.status(),
                self.referral.substatus()
            ),
            cx,
        );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.options.is_empty() {
            let why = format!(
                "No status move is allowed from {}/{}.",
                self.referral.status(),
                self.referral.substatus()
            );
            frame.render_widget(
                Paragraph::new(why)
                    .style(cx.theme.warning)
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
        let (from, from_sub) = (self.referral.status(), self.referral.substatus());
        let items: Vec<ListItem> = self
            .options
            .iter()
            .map(|(s, u)| {
                let mut spans = vec![
                    Span::styled(format!("{s}/{u}"), cx.theme.status(s)),
                    Span::styled(format!("  {}", describe(s, u)), cx.theme.dim),
                ];
                for w in rules::transition_warnings(&from, &from_sub, s, u) {
                    spans.push(Span::styled(format!("  ⚠ {}", w.message), cx.theme.warning));
                }
                ListItem::new(Line::from(spans))
            })
            .collect();
        render_choices(frame, inner, cx, items, &mut self.state);
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            (keymap.label(KeyAction::Down), "next move".into()),
            (keymap.label(KeyAction::Up), "previous move".into()),
            ("enter".into(), "move there".into()),
            ("esc".into(), "cancel".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (60, 40)
    }
}

/// What a reason is asked for: one referral's move, or a bulk decline (whose preview opens
/// with the reason).
enum ReasonFor {
    One(Box<Referral>),
    Many(Option<Box<BulkPreview>>),
}

/// Picks the reason of a decline (required) or a loss (optional).
pub struct ReasonDialog {
    target: ReasonFor,
    substatus: Substatus,
    state: ListState,
    other: Option<Form>,
}

impl ReasonDialog {
    pub fn new(referral: Referral, substatus: Substatus) -> ReasonDialog {
        ReasonDialog {
            target: ReasonFor::One(Box::new(referral)),
            substatus,
            state: ListState::default().with_selected(Some(0)),
            other: None,
        }
    }

    /// The one reason of a bulk decline; the preview opens with it.
    pub fn for_bulk(preview: BulkPreview) -> ReasonDialog {
        ReasonDialog {
            target: ReasonFor::Many(Some(Box::new(preview))),
            substatus: Substatus::Declined,
            state: ListState::default().with_selected(Some(0)),
            other: None,
        }
    }

    fn reasons(&self) -> Vec<String> {
        let mut v: Vec<String> = DeclineReason::ALL
            .iter()
            .map(|r| r.label().to_string())
            .collect();
        if self.substatus == Substatus::Lost {
            v.insert(0, "No reason".into());
        }
        v
    }

    fn finish(&mut self, reason: Option<String>, cx: &mut Cx<'_>) -> Flow {
        let referral = match &mut self.target {
            ReasonFor::One(r) => r,
            ReasonFor::Many(preview) => {
                return match preview.take() {
                    Some(mut p) => {
                        p.set_reason(reason.unwrap_or_default());
                        Flow::Replace(p)
                    }
                    None => Flow::Close,
                };
            }
        };
        Flow::Many(vec![
            Flow::Close,
            send_move(referral, Status::Closed, self.substatus.clone(), reason, cx),
        ])
    }
}

impl Pane for ReasonDialog {
    fn title(&self) -> String {
        format!("{} — reason", self.substatus)
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        if let Some(form) = &mut self.other {
            return match form.handle_key(key) {
                FormEvent::Cancel => {
                    self.other = None;
                    Flow::Handled
                }
                FormEvent::Submit => {
                    let text = form.text("other").trim().to_string();
                    if text.is_empty() {
                        form.show_errors(&[crate::domain::validate::FieldError::new(
                            "other",
                            "say in a few words why, or pick another reason",
                        )]);
                        return Flow::Handled;
                    }
                    self.finish(Some(format!("Other: {text}")), cx)
                }
                _ => Flow::Handled,
            };
        }
        let reasons = self.reasons();
        let n = reasons.len();
        match (key.code, cx.keymap.action(key)) {
            (KeyCode::Esc, _) | (_, Some(KeyAction::Quit)) => Flow::Close,
            (_, action)
                if let Some(i) =
                    widgets::choice_move(self.state.selected().unwrap_or(0), n, action, n) =>
            {
                self.state.select(Some(i));
                Flow::Handled
            }
            (KeyCode::Enter, _) => {
                let choice = &reasons[self.state.selected().unwrap_or(0).min(n - 1)];
                match choice.as_str() {
                    "Other" => {
                        self.other = Some(Form::new(vec![
                            Field::new("other", "Why", Kind::Text, "")
                                .required()
                                .hint("ctrl-s to confirm"),
                        ]));
                        Flow::Handled
                    }
                    "No reason" => self.finish(None, cx),
                    reason => self.finish(Some(reason.to_string()), cx),
                }
            }
            _ => Flow::Handled,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        if let Some(form) = &mut self.other {
            form.paste(text);
        }
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let verb = if self.substatus == Substatus::Declined {
            "Decline"
        } else {
            "Close as Lost"
        };
        let what = match &self.target {
            ReasonFor::One(r) => format!("“{}”", r.name()),
            ReasonFor::Many(p) => {
                let n = p.as_ref().map_or(0, |p| p.count());
                crate::domain::text::count(n, "referral")
            }
        };
        let block = widgets::pane_block(format!(" {verb} {what} — why? "), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if let Some(form) = &mut self.other {
            form.render(frame, inner, cx);
            return;
        }
        let items: Vec<ListItem> = self.reasons().into_iter().map(ListItem::new).collect();
        render_choices(frame, inner, cx, items, &mut self.state);
    }

    fn help(&self, keymap: &Keymap) -> Vec<(String, String)> {
        vec![
            (keymap.label(KeyAction::Down), "next reason".into()),
            (keymap.label(KeyAction::Up), "previous reason".into()),
            ("enter".into(), "choose".into()),
            ("esc".into(), "cancel".into()),
        ]
    }

    fn overlay_size(&self) -> (u16, u16) {
        (60, 50)
    }

    fn has_unsaved_input(&self) -> bool {
        self.other.as_ref().is_some_and(Form::is_dirty)
    }
}
