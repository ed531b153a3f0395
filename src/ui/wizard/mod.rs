//! `r`: the deal-registration wizard (`../shared/spec/ux.md`, "The deal-registration wizard";
//! `../shared/spec/partner-center.md`, "Deal registration").
//!
//! Steps: **eligibility** (every unmet rule in words, and the referral's registrations with
//! their status and history) → **solutions** (one or more solution details) → **contract** →
//! **review** (the exact JSON Patch that will be sent, pretty-printed) → **result** (saving…,
//! registered with the new registration's id and status, or the server's refusal in its own
//! words). Submitting sends `PATCH add /registrations/-` for a new registration, or one
//! `replace` per changed value under `/registrations/{n}/` for an update, through the outbox
//! with `If-Match`. Going back and forward keeps everything typed; each step checks its fields
//! and the registration rules (`rules::check_registration`) before the next one opens.
//!
//! Keys (also in the pane's hint line and `?`/F1 help):
//! - eligibility: ↑/↓ (j/k) choose "new registration" or an existing registration, Enter opens
//!   it (a registration can be changed only while ReviewPending or ActionRequired), Esc closes.
//! - solutions and contract: the form keys (Tab/↓ next field, Shift-Tab/↑ previous, Space/←/→
//!   change a choice or toggle); **Ctrl-S** (or Alt-→, or Enter on the last field) goes to the
//!   next step, **Ctrl-P** (or Alt-←) to the previous one; Ctrl-N adds a solution after the one
//!   under the cursor and Ctrl-D removes it.
//! - review: Enter or Ctrl-S submits, ↑/↓/PgUp/PgDn scroll, Ctrl-P (Alt-←, ←) goes back.
//! - result: Enter returns to the eligibility page with the updated registrations; after a
//!   refusal Ctrl-P goes back to fix the registration and send it again.
//! - Esc anywhere closes the wizard, asking first once anything was typed and not yet sent.
//!
//! Choices (the record is silent):
//! - The wizard is a right-side pane (it replaces the list on narrow terminals), like the edit
//!   form, so 80x24 gives it the whole width.
//! - A referral may hold several registrations (a failed one and a retry); a new one is offered
//!   when the referral is eligible and `rules::new_registration_blocked` allows it (the latest
//!   registration, if any, Failed), otherwise the page says why. The cursor starts on the latest
//!   registration when it can still be updated, otherwise on the first line.
//! - Existing registrations can be updated even when the referral no longer passes the
//!   eligibility check (the check is for new registrations); the service decides.
//! - One draft is kept per target (new, or registration n), so switching between them from the
//!   eligibility page loses nothing.

mod draft;
mod leaves;
mod pages;
mod view;

pub use draft::{Draft, Part, Target, form_key, key, patch_ops};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::domain::patch::PatchOp;
use crate::domain::rules;
use crate::domain::*;
use crate::protocol::{Command, Event, Level};
use crate::ui::dialog::Confirm;
use crate::ui::form::FormEvent;
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::pane::{Cx, Flow, Pane, RenderCx};
use crate::ui::widgets::{self, money};

/// Opens the wizard on a loaded referral.
pub fn open_wizard(r: &Referral, cx: &mut Cx<'_>) -> Flow {
    Flow::Push(Box::new(Wizard::new(r.clone(), cx.now)))
}

/// The wizard's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Eligibility and the existing registrations.
    Start,
    Solutions,
    Contract,
    Review,
    Result,
}

/// Where a submitted registration stands. `seq` is its outbox entry: a retry from the outbox
/// or a resolved conflict answers under the same number, and the result follows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Handed to the backend, not yet in the outbox.
    Sending,
    /// In the outbox, waiting for Partner Center.
    Queued { seq: i64 },
    /// Partner Center took it.
    Saved,
    /// Partner Center refused it; the message is the server's.
    Refused { seq: i64, message: String },
    /// Someone changed the referral meanwhile; the conflict view decides.
    Conflict { seq: i64 },
}

impl Outcome {
    /// The outbox entry, once known.
    pub fn seq(&self) -> Option<i64> {
        match self {
            Outcome::Queued { seq } | Outcome::Refused { seq, .. } | Outcome::Conflict { seq } => {
                Some(*seq)
            }
            Outcome::Sending | Outcome::Saved => None,
        }
    }

    /// True when the user can go back to fix the registration and send it again.
    fn can_fix(&self) -> bool {
        matches!(self, Outcome::Refused { .. } | Outcome::Conflict { .. })
    }
}

/// The wizard pane.
pub struct Wizard {
    referral: Referral,
    now: DateTime<Utc>,
    /// Every unmet eligibility rule, in words (empty: a new registration may be made).
    ineligible: Vec<String>,
    /// Why no new registration can be added next to the latest one.
    blocked: Option<rules::RuleViolation>,
    step: Step,
    /// The chosen line of the eligibility page (see [`Wizard::choices`]).
    cursor: usize,
    target: Target,
    drafts: Vec<(Target, Draft)>,
    /// The patch under review (and then sent).
    ops: Vec<PatchOp>,
    /// First shown line of the scrolled steps (eligibility page, review, result).
    scroll: usize,
    /// Lines the scrolled body had at the last draw, and its height (for paging).
    body: (usize, usize),
    outcome: Option<Outcome>,
    /// Ids of the registrations before the submit (to find the new one).
    before: Vec<Option<String>>,
    message: Option<(Level, String)>,
}

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

fn alt(key: &KeyEvent, code: KeyCode) -> bool {
    key.modifiers.contains(KeyModifiers::ALT) && key.code == code
}

fn is_back(key: &KeyEvent) -> bool {
    ctrl(key, 'p') || alt(key, KeyCode::Left)
}

fn is_next(key: &KeyEvent) -> bool {
    ctrl(key, 's') || alt(key, KeyCode::Right)
}

impl Wizard {
    pub fn new(referral: Referral, now: DateTime<Utc>) -> Wizard {
        let mut w = Wizard {
            ineligible: rules::registration_ineligibility(&referral),
            blocked: rules::new_registration_blocked(&referral),
            referral,
            now,
            step: Step::Start,
            cursor: 0,
            target: Target::New,
            drafts: Vec::new(),
            ops: Vec::new(),
            scroll: 0,
            body: (0, 0),
            outcome: None,
            before: Vec::new(),
            message: None,
        };
        w.cursor = w.default_cursor();
        w
    }

    /// The draft of the current target, if one was opened.
    fn draft(&self) -> Option<&Draft> {
        self.drafts
            .iter()
            .find(|(t, _)| *t == self.target)
            .map(|(_, d)| d)
    }

    fn draft_mut(&mut self) -> Option<&mut Draft> {
        let target = self.target;
        self.drafts
            .iter_mut()
            .find(|(t, _)| *t == target)
            .map(|(_, d)| d)
    }

    /// The lines of the eligibility page one can choose: a new registration when the referral
    /// is eligible and its latest registration (if any) Failed, then each existing one.
    pub fn choices(&self) -> Vec<Target> {
        let new = (self.ineligible.is_empty() && self.blocked.is_none()).then_some(Target::New);
        new.into_iter()
            .chain((0..self.referral.registrations().len()).map(Target::Update))
            .collect()
    }

    fn default_cursor(&self) -> usize {
        let regs = self.referral.registrations();
        let choices = self.choices();
        match regs.last() {
            Some(last) if rules::registration_is_updatable(last) => choices.len() - 1,
            _ => 0,
        }
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }

    /// Enter on the eligibility page.
    fn choose(&mut self) -> Flow {
        let Some(&target) = self.choices().get(self.cursor) else {
            return Flow::Handled;
        };
        if let Target::Update(n) = target {
            let reg = &self.referral.registrations()[n];
            if !rules::registration_is_updatable(reg) {
                let status = reg.status.clone().unwrap_or_default();
                let text = format!("registration {} is {status}: it cannot be updated", n + 1);
                self.say(Level::Warning, text);
                return Flow::Handled;
            }
        }
        if !self.drafts.iter().any(|(t, _)| *t == target) {
            let draft = match target {
                Target::New => Draft::for_new(&self.referral, self.now),
                Target::Update(n) => {
                    Draft::for_update(&self.referral.registrations()[n], self.referral.currency())
                }
            };
            self.drafts.push((target, draft));
        }
        self.target = target;
        self.go(Step::Solutions);
        Flow::Handled
    }

    fn go(&mut self, step: Step) {
        self.step = step;
        self.scroll = 0;
        self.message = None;
        if step == Step::Contract
            && let Some(d) = self.draft_mut()
        {
            d.follow_defaults();
        }
    }

    /// The step before this one.
    fn back(&mut self) {
        let prev = match self.step {
            Step::Start | Step::Solutions => Step::Start,
            Step::Contract => Step::Solutions,
            Step::Review => Step::Contract,
            Step::Result => {
                if self.outcome.as_ref().is_some_and(Outcome::can_fix) {
                    self.outcome = None;
                    Step::Review
                } else {
                    return;
                }
            }
        };
        self.go(prev);
    }

    /// The step after this one, when the current one checks out.
    fn next(&mut self) {
        let (part, to) = match self.step {
            Step::Solutions => (Part::Solutions, Step::Contract),
            Step::Contract => (Part::Contract, Step::Review),
            _ => return,
        };
        if self.leave_form(part, to) && to == Step::Review {
            self.prepare_review();
        }
    }

    /// Checks a form step and moves on when it is right; says what to fix otherwise.
    fn leave_form(&mut self, part: Part, to: Step) -> bool {
        let Some(d) = self.draft_mut() else {
            return false;
        };
        let errors = d.check(part);
        if let Some(first) = errors.first() {
            let text = if errors.len() == 1 {
                first.to_string()
            } else {
                format!("{} fields need attention — {first}", errors.len())
            };
            self.say(Level::Error, text);
            return false;
        }
        self.go(to);
        true
    }

    /// Builds the patch to review; stays on the contract step when there is nothing to send.
    fn prepare_review(&mut self) {
        let built = self.draft().map(Draft::registration);
        let reg = match built {
            Some(Ok(reg)) => reg,
            Some(Err(errors)) => {
                let text = errors.first().map(|e| e.to_string()).unwrap_or_default();
                self.step = Step::Contract;
                self.say(Level::Error, text);
                return;
            }
            None => return,
        };
        let ops = patch_ops(&self.referral, self.target, &reg);
        if ops.is_empty() {
            self.step = Step::Contract;
            self.say(
                Level::Info,
                "nothing changed: change a value to update this registration",
            );
            return;
        }
        if let Some(v) = ops
            .iter()
            .find_map(|op| rules::check_edit(&self.referral, &op.path, &op.value).err())
        {
            self.step = Step::Contract;
            self.say(Level::Error, v.message);
            return;
        }
        self.ops = ops;
    }

    /// The outbox's one-line description of the change.
    fn summary(&self) -> String {
        match self.target {
            Target::New => {
                let reg = self.draft().and_then(|d| d.registration().ok());
                let n = reg
                    .as_ref()
                    .and_then(|r| r.solution_details.as_ref())
                    .map_or(0, Vec::len);
                let c = reg.and_then(|r| r.contract).unwrap_or_default();
                format!(
                    "deal registration: {}, {}",
                    crate::domain::text::count(n, "solution"),
                    money(c.value, c.currency.as_deref().unwrap_or(""))
                )
            }
            Target::Update(n) => format!("update deal registration {}", n + 1),
        }
    }

    fn submit(&mut self, cx: &mut Cx<'_>) -> Flow {
        if self.ops.is_empty() {
            return Flow::Handled;
        }
        self.before = self
            .referral
            .registrations()
            .iter()
            .map(|r| r.id.clone())
            .collect();
        cx.send(Command::Patch {
            id: self.referral.id().to_string(),
            ops: self.ops.clone(),
            etag: self.referral.etag.clone(),
            base: Box::new(self.referral.clone()),
            summary: self.summary(),
        });
        self.outcome = Some(Outcome::Sending);
        self.go(Step::Result);
        Flow::Handled
    }

    /// Esc: close, asking first when typed input would be lost.
    fn cancel(&self) -> Flow {
        if self.has_unsaved_input() {
            Flow::Overlay(Box::new(Confirm::discard_form("the registration wizard")))
        } else {
            Flow::Close
        }
    }

    /// The referral changed on the server (saved, or reloaded): start over from it.
    fn rebase(&mut self, referral: Referral) {
        self.ineligible = rules::registration_ineligibility(&referral);
        self.blocked = rules::new_registration_blocked(&referral);
        self.referral = referral;
        self.drafts.clear();
        self.cursor = self.default_cursor();
    }

    /// The registration the result is about.
    fn result_registration(&self) -> Option<(usize, &Registration)> {
        let regs = self.referral.registrations();
        match self.target {
            Target::Update(n) => regs.get(n).map(|r| (n, r)),
            Target::New => regs
                .iter()
                .enumerate()
                .rev()
                .find(|(_, r)| r.id.is_none() || !self.before.contains(&r.id))
                .or_else(|| regs.iter().enumerate().next_back()),
        }
    }

    /// `help`: the key is the help key (asked for by the app when the form does not take it).
    fn handle_form_key(&mut self, key: &KeyEvent, part: Part, help: bool) -> Flow {
        if is_back(key) {
            self.back();
            return Flow::Handled;
        }
        if alt(key, KeyCode::Right) {
            self.next();
            return Flow::Handled;
        }
        if part == Part::Solutions && (ctrl(key, 'n') || ctrl(key, 'd')) {
            let result = self
                .draft_mut()
                .map(|d| d.edit_solutions(key.code == KeyCode::Char('n')));
            match result {
                Some(Err(why)) => self.say(Level::Warning, why),
                _ => self.message = None,
            }
            return Flow::Handled;
        }
        let Some(d) = self.draft_mut() else {
            return Flow::Handled;
        };
        let form = d.form_mut(part);
        let last = form
            .fields
            .iter()
            .rposition(|f| f.locked.is_none() && f.kind != crate::ui::form::Kind::ReadOnly);
        if key.code == KeyCode::Enter && key.modifiers.is_empty() && last == Some(form.focus) {
            self.next();
            return Flow::Handled;
        }
        match form.handle_key(key) {
            FormEvent::Submit => self.next(),
            FormEvent::Cancel => return self.cancel(),
            FormEvent::Changed => {
                d.changed(part);
                self.message = None;
            }
            // Help where the key is not text (F1, or `?` on a choice): the app's help overlay.
            FormEvent::Ignored if help => return Flow::Ignored,
            FormEvent::Handled | FormEvent::Ignored => {}
        }
        Flow::Handled
    }

    fn scroll_by(&mut self, delta: isize) {
        let max = self.body.0.saturating_sub(self.body.1);
        self.scroll = (self.scroll as isize + delta).clamp(0, max as isize) as usize;
    }
}

impl Pane for Wizard {
    fn title(&self) -> String {
        self.title_text()
    }

    fn referral_id(&self) -> Option<&str> {
        Some(self.referral.id())
    }

    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow {
        let action = cx.keymap.action(key);
        // F1 (not a typed `?`) opens the help everywhere.
        if action == Some(KeyAction::Help) && !matches!(key.code, KeyCode::Char(_)) {
            return Flow::Ignored;
        }
        let help = action == Some(KeyAction::Help);
        match self.step {
            Step::Solutions => return self.handle_form_key(key, Part::Solutions, help),
            Step::Contract => return self.handle_form_key(key, Part::Contract, help),
            _ => {}
        }
        if key.code == KeyCode::Esc || key.code == KeyCode::Char('q') && key.modifiers.is_empty() {
            return self.cancel();
        }
        let page = self.body.1.max(2) as isize - 1;
        match self.step {
            Step::Start => match action {
                Some(KeyAction::Down) => {
                    self.cursor = (self.cursor + 1).min(self.choices().len().saturating_sub(1));
                    self.message = None;
                }
                Some(KeyAction::Up) => {
                    self.cursor = self.cursor.saturating_sub(1);
                    self.message = None;
                }
                Some(KeyAction::Top) => self.cursor = 0,
                Some(KeyAction::Bottom) => self.cursor = self.choices().len().saturating_sub(1),
                Some(KeyAction::Open) => return self.choose(),
                _ if is_next(key) => return self.choose(),
                _ => return Flow::Ignored,
            },
            Step::Review => match action {
                _ if is_back(key) || key.code == KeyCode::Left => self.back(),
                Some(KeyAction::Open) => return self.submit(cx),
                _ if is_next(key) => return self.submit(cx),
                Some(KeyAction::Down) => self.scroll_by(1),
                Some(KeyAction::Up) => self.scroll_by(-1),
                Some(KeyAction::PageDown) => self.scroll_by(page),
                Some(KeyAction::PageUp) => self.scroll_by(-page),
                Some(KeyAction::Top) => self.scroll = 0,
                Some(KeyAction::Bottom) => self.scroll_by(isize::MAX / 2),
                _ => return Flow::Ignored,
            },
            Step::Result => match action {
                _ if is_back(key) || key.code == KeyCode::Left => self.back(),
                Some(KeyAction::Open) if self.outcome == Some(Outcome::Saved) => {
                    self.outcome = None;
                    self.go(Step::Start);
                }
                Some(KeyAction::Down) => self.scroll_by(1),
                Some(KeyAction::Up) => self.scroll_by(-1),
                _ => return Flow::Ignored,
            },
            Step::Solutions | Step::Contract => {}
        }
        Flow::Handled
    }

    fn on_event(&mut self, event: &Event, _cx: &mut Cx<'_>) -> Flow {
        let mine = |id: &str| id == self.referral.id();
        let seq = self.outcome.as_ref().and_then(Outcome::seq);
        let sending = self.outcome == Some(Outcome::Sending);
        match event {
            Event::Queued {
                id: Some(id), seq, ..
            } if sending && mine(id) => {
                self.outcome = Some(Outcome::Queued { seq: *seq });
            }
            Event::Saved { seq: s, referral }
                if mine(referral.id()) && (Some(*s) == seq || sending) =>
            {
                self.rebase(referral.as_ref().clone());
                self.outcome = Some(Outcome::Saved);
            }
            Event::SaveFailed {
                seq: s, message, ..
            } if Some(*s) == seq => {
                self.outcome = Some(Outcome::Refused {
                    seq: *s,
                    message: message.clone(),
                });
            }
            Event::Conflict { seq: s, .. } if Some(*s) == seq => {
                self.outcome = Some(Outcome::Conflict { seq: *s });
            }
            // A newer copy replaces the base while the user is still on the eligibility page
            // and nothing is typed or in flight; past that page it would empty the open step.
            Event::Detail {
                referral,
                fresh: true,
                ..
            }
            | Event::Saved { referral, .. }
                if self.outcome.is_none()
                    && self.step == Step::Start
                    && mine(referral.id())
                    && !self.drafts.iter().any(|(_, d)| d.typed) =>
            {
                self.rebase(referral.as_ref().clone());
            }
            _ => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn on_mouse(&mut self, mouse: &MouseEvent, _area: Rect, _cx: &mut Cx<'_>) -> Flow {
        let delta = match mouse.kind {
            MouseEventKind::ScrollDown => 1,
            MouseEventKind::ScrollUp => -1,
            _ => return Flow::Ignored,
        };
        match self.step {
            Step::Start => {
                let last = self.choices().len().saturating_sub(1) as isize;
                self.cursor = (self.cursor as isize + delta).clamp(0, last) as usize;
            }
            Step::Review | Step::Result => self.scroll_by(3 * delta),
            Step::Solutions | Step::Contract => return Flow::Ignored,
        }
        Flow::Handled
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Flow {
        let part = match self.step {
            Step::Solutions => Part::Solutions,
            Step::Contract => Part::Contract,
            _ => return Flow::Ignored,
        };
        if let Some(d) = self.draft_mut()
            && d.form_mut(part).paste(text)
        {
            d.changed(part);
        }
        Flow::Handled
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let block = widgets::pane_block(format!(" {} ", self.title_text()), cx);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let message: Vec<String> = self
            .message
            .as_ref()
            .map(|(_, text)| widgets::wrap(text, inner.width.max(8) as usize))
            .unwrap_or_default();
        let msg_h = message.len().clamp(1, 3) as u16;
        let [bar, body, msg, hint] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(msg_h),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(view::step_bar(self.step, cx)), bar);
        let width = body.width.saturating_sub(1) as usize;
        match self.step {
            Step::Start => {
                let (lines, top, bottom) = self.start_lines(width, cx);
                let height = body.height as usize;
                // Keep the chosen line in view, and its details as far as they fit.
                self.scroll = top.min(bottom.saturating_sub(height));
                self.draw_scrolled(frame, body, lines);
            }
            Step::Solutions | Step::Contract => {
                let part = if self.step == Step::Solutions {
                    Part::Solutions
                } else {
                    Part::Contract
                };
                let header = self.form_header(part);
                let [head, form_area] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
                frame.render_widget(
                    Paragraph::new(Line::styled(
                        widgets::truncate(&header, head.width as usize),
                        cx.theme.header,
                    )),
                    head,
                );
                if let Some(d) = self.draft_mut() {
                    d.form_mut(part).render(frame, form_area, cx);
                }
            }
            Step::Review => {
                let lines = view::review(&self.referral, &self.ops, width, cx);
                self.draw_scrolled(frame, body, lines);
            }
            Step::Result => {
                let lines = self.result_lines(width, cx);
                self.draw_scrolled(frame, body, lines);
            }
        }
        if let Some((level, _)) = &self.message {
            let style = match level {
                Level::Error => cx.theme.error,
                Level::Warning => cx.theme.warning,
                Level::Success => cx.theme.ok,
                Level::Info => cx.theme.info,
            };
            let lines: Vec<Line> = message
                .into_iter()
                .map(|l| Line::styled(l, style))
                .collect();
            frame.render_widget(Paragraph::new(lines), msg);
        }
        let hints: Vec<(String, String)> = self
            .hints()
            .into_iter()
            .map(|(k, w)| (k.to_string(), w.to_string()))
            .collect();
        frame.render_widget(
            Paragraph::new(widgets::hints_line(&hints, cx, hint.width)),
            hint,
        );
    }

    fn help(&self, _keymap: &Keymap) -> Vec<(String, String)> {
        [
            ("j/k ↑/↓", "choose a registration"),
            ("enter", "open · next · submit"),
            ("ctrl-s alt-→", "next step (checked)"),
            ("ctrl-p alt-←", "back (keeps input)"),
            ("tab shift-tab", "next / previous field"),
            ("space ←/→", "change choice/toggle"),
            ("ctrl-n", "add a solution"),
            ("ctrl-d", "remove this solution"),
            ("pgup/pgdn", "scroll the review"),
            ("esc", "close (asks if typed)"),
        ]
        .into_iter()
        .map(|(k, w)| (k.to_string(), w.to_string()))
        .collect()
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn has_unsaved_input(&self) -> bool {
        let handed_over = matches!(
            self.outcome,
            Some(Outcome::Sending | Outcome::Queued { .. } | Outcome::Saved)
        );
        !handed_over && self.drafts.iter().any(|(_, d)| d.typed)
    }
}
