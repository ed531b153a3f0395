//! The pane contract: what every pane (the list, the detail, a form, an overlay) implements,
//! what it may read and do while handling input ([`Cx`]) or drawing ([`RenderCx`]), and the
//! [`Flow`] it answers with to tell the app what to do next.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::domain::search::SortSpec;
use crate::protocol::{Command, Event, Level};
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;

/// What a pane asks the app to do after handling a key.
pub enum Flow {
    /// Not for this pane; the app tries its global keys.
    Ignored,
    /// Done; nothing else to do.
    Handled,
    /// Close this pane or overlay.
    Close,
    /// Open a pane on the right-side stack and focus it.
    Push(Box<dyn Pane>),
    /// Close this pane and open another in its place.
    Replace(Box<dyn Pane>),
    /// Open a modal overlay.
    Overlay(Box<dyn Pane>),
    /// Leave the app (`force` skips the unsent-edits question).
    Quit { force: bool },
    /// Send a command to the backend.
    Send(Command),
    /// Change the list (sort, filter).
    List(ListRequest),
    /// Switch the colour theme.
    Theme(Box<Theme>),
    /// Several of the above, in order.
    Many(Vec<Flow>),
}

/// A change to the list that a pane (the palette) asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ListRequest {
    Sort(SortSpec),
    Filter(String),
    /// Clear the marks of bulk triage (a bulk action was confirmed).
    ClearMarks,
    /// Preview a bulk action on the marked referrals (the palette's `set`).
    Bulk(crate::domain::bulk::BulkAction),
    /// Switch to the saved view of this name.
    ShowView(String),
    /// Save the list's view and typed filter (and its sort) as a view of this name.
    SaveView(String),
    /// Delete the saved view of this name.
    DeleteView(String),
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flow::Ignored => f.write_str("Ignored"),
            Flow::Handled => f.write_str("Handled"),
            Flow::Close => f.write_str("Close"),
            Flow::Push(p) => write!(f, "Push({})", p.title()),
            Flow::Replace(p) => write!(f, "Replace({})", p.title()),
            Flow::Overlay(p) => write!(f, "Overlay({})", p.title()),
            Flow::Quit { force } => write!(f, "Quit {{ force: {force} }}"),
            Flow::Send(c) => write!(f, "Send({c:?})"),
            Flow::List(r) => write!(f, "List({r:?})"),
            Flow::Theme(t) => write!(f, "Theme({})", t.name),
            Flow::Many(v) => f.debug_list().entries(v).finish(),
        }
    }
}

/// What panes may read of the referral list (the list pane answers it).
pub trait ListLookup {
    /// The ids of the filtered list, in display order.
    fn visible_ids(&self) -> Vec<String>;
    /// The id of the selected referral.
    fn selected_id(&self) -> Option<String>;
    /// The name of a listed referral.
    fn name_of(&self, id: &str) -> Option<String>;
    /// The referrals marked for a bulk action (none by default).
    fn marked_ids(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What panes may read of the referral list. Empty while the list itself handles input.
#[derive(Clone, Copy)]
pub struct ListView<'a>(Option<&'a dyn ListLookup>);

impl<'a> ListView<'a> {
    /// A view of `list`.
    pub fn of(list: &'a dyn ListLookup) -> ListView<'a> {
        ListView(Some(list))
    }

    /// No list to read (the list's own input handling).
    pub fn none() -> ListView<'a> {
        ListView(None)
    }

    /// The ids of the filtered list, in display order.
    pub fn visible_ids(&self) -> Vec<String> {
        self.0.map(|l| l.visible_ids()).unwrap_or_default()
    }

    /// The id of the selected referral.
    pub fn selected_id(&self) -> Option<String> {
        self.0.and_then(|l| l.selected_id())
    }

    /// The name of a listed referral.
    pub fn name_of(&self, id: &str) -> Option<String> {
        self.0.and_then(|l| l.name_of(id))
    }

    /// The referrals marked for a bulk action.
    pub fn marked_ids(&self) -> Vec<String> {
        self.0.map(|l| l.marked_ids()).unwrap_or_default()
    }
}

/// What panes may read and do while handling input.
pub struct Cx<'a> {
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
    pub list: ListView<'a>,
    pub commands: &'a mut Vec<Command>,
    pub notice: &'a mut Option<Notice>,
    /// Edits waiting in the outbox.
    pub outbox: usize,
    /// Where `o` opens a referral (`{id}` replaced).
    pub portal_url: &'a str,
    /// Text to put on the clipboard (written with OSC 52 by the terminal loop).
    pub clipboard: &'a mut Option<String>,
    /// Accept, decline, status moves and pushes ask first.
    pub confirm_actions: bool,
    /// Seconds a status move is held in the outbox for undo (0: sent at once).
    pub undo_seconds: u64,
}

impl Cx<'_> {
    /// Queues a command for the backend.
    pub fn send(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Shows a notice in the bottom bar.
    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        *self.notice = Some(Notice::new(level, text, self.now));
    }
}

/// What panes may read while drawing.
pub struct RenderCx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
    pub focused: bool,
    /// The spinner frame while work runs.
    pub busy: Option<char>,
}

/// A pane: the list, the detail, a form, an overlay.
pub trait Pane {
    /// Shown in the pane's border.
    fn title(&self) -> String;
    /// Handle a key (text fields get every key first; unhandled ones come back as `Ignored`).
    fn handle_key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> Flow;
    /// React to backend events (default: ignore).
    fn on_event(&mut self, _event: &Event, _cx: &mut Cx<'_>) -> Flow {
        Flow::Ignored
    }
    /// Pasted text (default: ignore).
    fn on_paste(&mut self, _text: &str, _cx: &mut Cx<'_>) -> Flow {
        Flow::Ignored
    }
    /// Mouse events inside the pane's last area (default: ignore).
    fn on_mouse(&mut self, _mouse: &MouseEvent, _area: Rect, _cx: &mut Cx<'_>) -> Flow {
        Flow::Ignored
    }
    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>);
    /// Key hints for the help overlay and the bottom bar: (keys, what they do).
    fn help(&self, keymap: &Keymap) -> Vec<(String, String)>;
    /// For overlays: how much of the screen they take (percent width, percent height).
    fn overlay_size(&self) -> (u16, u16) {
        (70, 70)
    }
    /// True while the pane holds text the user typed and has not saved (asks before closing).
    fn has_unsaved_input(&self) -> bool {
        false
    }
    /// The referral this pane shows, if any.
    fn referral_id(&self) -> Option<&str> {
        None
    }
    /// True when typed characters are text here (a form): `/` and `:` are then not the
    /// filter and palette keys.
    fn takes_text(&self) -> bool {
        false
    }
}

/// A line in the status bar that fades after a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl Notice {
    pub fn new(level: Level, text: impl Into<String>, at: DateTime<Utc>) -> Notice {
        Notice {
            level,
            text: text.into(),
            at,
        }
    }

    /// True once the notice has been shown long enough (errors stay longest).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        let keep = match self.level {
            Level::Error => chrono::Duration::seconds(30),
            Level::Warning => chrono::Duration::seconds(15),
            _ => chrono::Duration::seconds(6),
        };
        now - self.at > keep
    }
}
