//! Keys, mouse and paste: the pane that has the keyboard gets them first; keys it does not
//! claim fall to the keys that work everywhere, and referral keys pressed in the list go to
//! the referral's detail pane.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::{App, Effects, Focus, cx};
use crate::protocol::{Command, Level};
use crate::ui::detail::DetailPane;
use crate::ui::keymap::KeyAction;
use crate::ui::pane::{Flow, Notice, Pane};

impl App {
    pub(super) fn on_key(&mut self, key: &KeyEvent, fx: &mut Effects) {
        let on_overlay = !self.overlays.is_empty();
        if !on_overlay && self.list.is_filtering() {
            // The filter line has the keyboard, whichever pane `/` was pressed in.
            self.focus = Focus::List;
            let before = self.list.selected_id();
            let flow = self.with_list(fx, |list, cx| list.handle_key(key, cx));
            if self.list.selected_id() != before {
                self.follow_selection(fx);
            }
            if !self.list.is_filtering() {
                self.end_filter(key);
            }
            self.apply(flow, fx);
            return;
        }
        let flow = if on_overlay || self.focus == Focus::Right && !self.right.is_empty() {
            self.with_target(fx, |pane, cx| pane.handle_key(key, cx))
        } else {
            let before = self.list.selected_id();
            let flow = self.with_list(fx, |list, cx| list.handle_key(key, cx));
            if self.list.selected_id() != before {
                self.follow_selection(fx);
            }
            flow
        };
        let flow = match flow {
            Flow::Ignored if !on_overlay => self.global_key(key, fx),
            other => other,
        };
        self.apply(flow, fx);
    }

    /// `/` pressed anywhere: the list's filter line takes the keyboard (the list shows in
    /// narrow view too), and the pane it came from gets it back afterwards.
    fn start_filter(&mut self) -> Flow {
        self.filter_from = Some(self.focus);
        self.focus = Focus::List;
        self.list.start_filter();
        Flow::Handled
    }

    /// The filter line was left with `key`: Esc returns to the pane `/` was pressed in; Enter
    /// does too beside the list (wide view, where the detail follows the list), while in narrow
    /// view it stays on the list, which now shows the filtered referrals to pick from.
    fn end_filter(&mut self, key: &KeyEvent) {
        let Some(from) = self.filter_from.take() else {
            return;
        };
        let kept = matches!(key.code, crossterm::event::KeyCode::Enter)
            || key.code == crossterm::event::KeyCode::Char('m')
                && key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL);
        if self.right.is_empty() || kept && !self.is_split() {
            return;
        }
        self.focus = from;
    }

    /// `u`: takes back the last status move while it waits in the outbox; after its window
    /// (or once sent) says it is too late.
    fn undo_last(&mut self, fx: &mut Effects) {
        let (level, text) = match self.undo.take() {
            Some(u) if self.now < u.until => {
                fx.commands.push(Command::Withdraw { seq: u.seq });
                (Level::Info, format!("undoing: {}…", u.summary))
            }
            Some(u) => (
                Level::Warning,
                format!(
                    "too late to undo “{}”: it has been sent (the outbox O shows what waits)",
                    u.summary
                ),
            ),
            None => match self.held_batch_hint() {
                Some(hint) => (Level::Info, hint),
                None => (Level::Info, "nothing to undo".to_string()),
            },
        };
        self.notice = Some(Notice::new(level, text, self.now));
    }

    /// Keys that work everywhere a pane does not claim them.
    fn global_key(&mut self, key: &KeyEvent, fx: &mut Effects) -> Flow {
        let Some(action) = self.options.keymap.action(key) else {
            return self.view_digit(key, fx).unwrap_or(Flow::Ignored);
        };
        match action {
            KeyAction::Quit => {
                if self.focus == Focus::Right && !self.right.is_empty() && !self.is_split() {
                    Flow::Close
                } else {
                    Flow::Quit { force: false }
                }
            }
            KeyAction::Back => {
                if self.focus == Focus::Right && !self.right.is_empty() {
                    Flow::Close
                } else if self.is_split() && self.focus == Focus::Right {
                    self.focus = Focus::List;
                    Flow::Handled
                } else {
                    Flow::Handled
                }
            }
            KeyAction::Help => Flow::Overlay(Box::new(crate::ui::help::HelpOverlay::new(
                self.help_entries(),
            ))),
            KeyAction::Palette => Flow::Overlay(Box::new(crate::ui::palette::Palette::new())),
            KeyAction::Filter => self.start_filter(),
            KeyAction::Undo => {
                if !(self.focus == Focus::List && self.undo_row(fx)) {
                    self.undo_last(fx);
                }
                Flow::Handled
            }
            KeyAction::UndoBatch => {
                self.undo_batch(fx);
                Flow::Handled
            }
            KeyAction::Refresh => {
                fx.commands.push(Command::Refresh { full: false });
                Flow::Handled
            }
            KeyAction::NextView | KeyAction::PrevView => {
                let delta = if action == KeyAction::NextView { 1 } else { -1 };
                self.list.cycle_view(delta);
                self.follow_selection(fx);
                Flow::Handled
            }
            KeyAction::Outbox => {
                fx.commands.push(Command::OutboxList);
                Flow::Overlay(Box::new(crate::ui::outbox::OutboxOverlay::new()))
            }
            KeyAction::New | KeyAction::NewShared => {
                if self.warn_unsaved_form() {
                    return Flow::Handled;
                }
                self.right.clear();
                crate::ui::create::open_create(action == KeyAction::NewShared, self.now)
            }
            KeyAction::NextField | KeyAction::PrevField
                if self.is_split() && !self.right.is_empty() =>
            {
                self.focus = match self.focus {
                    Focus::List => Focus::Right,
                    Focus::Right => Focus::List,
                };
                Flow::Handled
            }
            _ => {
                // With marks, the referral actions that have a bulk form act on the marked set.
                if self.focus == Focus::List
                    && let Some(flow) = self.bulk_action(action)
                {
                    return flow;
                }
                // Referral actions pressed in the list go to the referral's detail pane.
                if self.focus == Focus::List
                    && let Some(id) = self.list.selected_id()
                {
                    return self.referral_action(action, key, &id, fx);
                }
                Flow::Ignored
            }
        }
    }

    /// When a right pane holds unsaved input, says so and returns true (the caller then leaves
    /// the panes as they are).
    fn warn_unsaved_form(&mut self) -> bool {
        if !self.right.iter().any(|p| p.has_unsaved_input()) {
            return false;
        }
        self.notice = Some(Notice::new(
            Level::Warning,
            "a form has unsaved changes: save it (ctrl-s) or close it (esc) first",
            self.now,
        ));
        true
    }

    /// A referral action pressed while the list has focus: the detail pane of that referral
    /// carries it out (opening the detail first, and running the action once it is loaded).
    fn referral_action(
        &mut self,
        action: KeyAction,
        key: &KeyEvent,
        id: &str,
        fx: &mut Effects,
    ) -> Flow {
        if action != KeyAction::Open && !action.acts_on_referral() {
            return Flow::Ignored;
        }
        if matches!(action, KeyAction::OpenBrowser | KeyAction::CopyId) {
            let mut cx = cx!(self, fx);
            return DetailPane::id_action(action, id, &mut cx);
        }
        if self.right.last().and_then(|p| p.referral_id()) == Some(id) {
            self.focus = Focus::Right;
            if action == KeyAction::Open {
                fx.commands.push(Command::OpenDetail {
                    id: id.to_string(),
                    fresh: true,
                });
                return Flow::Handled;
            }
            return self.with_target(fx, |pane, cx| pane.handle_key(key, cx));
        }
        if self.warn_unsaved_form() {
            return Flow::Handled;
        }
        self.right.clear();
        let mut pane = DetailPane::new(id.to_string());
        if action != KeyAction::Open {
            pane.queue(action);
        }
        fx.commands.push(Command::OpenDetail {
            id: id.to_string(),
            fresh: true,
        });
        Flow::Push(Box::new(pane))
    }

    /// Pasted text: into the list's filter line while it is edited, else to the pane that has
    /// the keyboard.
    pub(super) fn on_paste(&mut self, text: &str, fx: &mut Effects) {
        if self.overlays.is_empty()
            && let Flow::Handled = self.with_list(fx, |list, cx| list.on_paste(text, cx))
        {
            return;
        }
        let flow = self.with_target(fx, |pane, cx| pane.on_paste(text, cx));
        self.apply(flow, fx);
    }

    pub(super) fn on_mouse(&mut self, mouse: &MouseEvent, fx: &mut Effects) {
        let (col, row) = (mouse.column, mouse.row);
        let inside =
            |r: Rect| col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height;
        if !self.overlays.is_empty() {
            // Overlays are modal: the wheel and clicks go to them alone.
            let area = self.areas.overlay;
            let flow = self.with_target(fx, |pane, cx| pane.on_mouse(mouse, area, cx));
            self.apply(flow, fx);
            self.dirty = true;
            return;
        }
        if let Some(right) = self.areas.right
            && inside(right)
        {
            if matches!(mouse.kind, MouseEventKind::Down(_)) {
                self.focus = Focus::Right;
            }
            let flow = self.with_target(fx, |pane, cx| pane.on_mouse(mouse, right, cx));
            self.apply(flow, fx);
            self.dirty = true;
            return;
        }
        if let Some(list) = self.areas.list
            && inside(list)
        {
            if matches!(mouse.kind, MouseEventKind::Down(_)) {
                self.focus = Focus::List;
            }
            let before = self.list.selected_id();
            let flow = self.with_list(fx, |pane, cx| pane.on_mouse(mouse, list, cx));
            self.apply(flow, fx);
            if self.list.selected_id() != before {
                self.follow_selection(fx);
            }
            self.dirty = true;
        }
    }

    /// Help for the pane that has the keyboard, then the global keys.
    pub fn help_entries(&self) -> Vec<(String, String)> {
        let km = &self.options.keymap;
        let mut entries = match (self.focus, self.right.last()) {
            (Focus::Right, Some(pane)) => pane.help(km),
            _ => self.list.help(km),
        };
        for action in [
            KeyAction::Help,
            KeyAction::Palette,
            KeyAction::Refresh,
            KeyAction::NextView,
            KeyAction::PrevView,
            KeyAction::Outbox,
            KeyAction::NextField,
            KeyAction::Back,
            KeyAction::Quit,
        ] {
            entries.push((km.label(action), action.describe().to_string()));
        }
        entries
    }
}
