//! The dashboard's state and its one entry point, [`App::update`]: every key, mouse event,
//! backend event and tick becomes an [`Action`]; `update` changes the state and returns the
//! [`Command`]s for the backend. Nothing here touches the network, the disk or the terminal, so
//! the whole interaction can be driven and checked in tests.
//!
//! Panes (`src/ui/`) implement [`Pane`]. The list is always there; the right side is a stack
//! (detail → edit form → …), and overlays (help, palette, dialogs) stack on top of everything.
//! A pane answers a key with a [`Flow`] that tells the app what to do next.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::backend::protocol::{Command, Connection, Event, Level, Link};
use crate::ui::keymap::{KeyAction, Keymap};
use crate::ui::list::ListPane;
use crate::ui::theme::Theme;

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// A timer tick (spinner, relative times, notice expiry).
    Tick,
    Backend(Event),
}

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
    Sort(crate::domain::search::SortSpec),
    Filter(String),
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

/// What panes may read and do while handling input.
pub struct Cx<'a> {
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
    pub list: &'a ListPane,
    pub commands: &'a mut Vec<Command>,
    pub notice: &'a mut Option<Notice>,
    /// Edits waiting in the outbox.
    pub outbox: usize,
    /// Where `o` opens a referral (`{id}` replaced).
    pub portal_url: &'a str,
    /// Text to put on the clipboard (written with OSC 52 by the terminal loop).
    pub clipboard: &'a mut Option<String>,
}

impl Cx<'_> {
    pub fn send(&mut self, command: Command) {
        self.commands.push(command);
    }

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

    fn expired(&self, now: DateTime<Utc>) -> bool {
        let keep = match self.level {
            Level::Error => chrono::Duration::seconds(30),
            Level::Warning => chrono::Duration::seconds(15),
            _ => chrono::Duration::seconds(6),
        };
        now - self.at > keep
    }
}

/// The top bar's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct TopBar {
    pub partner_center: Connection,
    pub marketo: Connection,
    pub last_refresh: Option<DateTime<Utc>>,
    pub refreshing: Option<(usize, Option<u64>)>,
    pub outbox: usize,
    pub budget: Option<(usize, usize)>,
    pub marketo_budget: Option<(usize, usize)>,
    /// A Marketo check of the whole list: referrals checked so far, of how many.
    pub marketo_checking: Option<(usize, usize)>,
}

impl Default for TopBar {
    fn default() -> Self {
        let conn = || Connection {
            label: "…".into(),
            link: Link::Connecting,
        };
        TopBar {
            partner_center: conn(),
            marketo: conn(),
            last_refresh: None,
            refreshing: None,
            outbox: 0,
            budget: None,
            marketo_budget: None,
            marketo_checking: None,
        }
    }
}

/// Which side has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Right,
}

/// Settings the app starts with.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub keymap: Keymap,
    pub theme: Theme,
    pub split_min_width: u16,
    pub mouse: bool,
    pub portal_url: String,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            keymap: Keymap::default(),
            theme: Theme::default(),
            split_min_width: 120,
            mouse: true,
            portal_url: crate::config::PORTAL_URL.to_string(),
        }
    }
}

/// The whole dashboard state.
pub struct App {
    pub options: AppOptions,
    pub list: ListPane,
    pub right: Vec<Box<dyn Pane>>,
    pub overlays: Vec<Box<dyn Pane>>,
    pub focus: Focus,
    pub top: TopBar,
    pub notice: Option<Notice>,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub should_quit: bool,
    /// Text waiting to be copied to the clipboard by the terminal loop.
    pub clipboard: Option<String>,
    /// Something changed since the last draw.
    pub dirty: bool,
    spinner: usize,
    started: Instant,
    /// Where panes were drawn last, for mouse hit-testing.
    pub(crate) areas: crate::ui::Areas,
}

/// A [`Cx`] borrowing the app field by field, so a pane of the app can be borrowed beside it.
macro_rules! cx {
    ($app:ident, $commands:expr) => {
        Cx {
            keymap: &$app.options.keymap,
            now: $app.now,
            list: &$app.list,
            commands: $commands,
            notice: &mut $app.notice,
            outbox: $app.top.outbox,
            portal_url: &$app.options.portal_url,
            clipboard: &mut $app.clipboard,
        }
    };
}

const SPINNER: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];

impl App {
    pub fn new(options: AppOptions, now: DateTime<Utc>) -> App {
        App {
            options,
            list: ListPane::new(now),
            right: Vec::new(),
            overlays: Vec::new(),
            focus: Focus::List,
            top: TopBar::default(),
            notice: None,
            now,
            size: (80, 24),
            should_quit: false,
            clipboard: None,
            dirty: true,
            spinner: 0,
            started: Instant::now(),
            areas: Default::default(),
        }
    }

    /// True when the right pane sits beside the list (wide terminal).
    pub fn is_split(&self) -> bool {
        self.size.0 >= self.options.split_min_width
    }

    /// True while the backend works on something the user waits for.
    pub fn busy(&self) -> bool {
        self.top.refreshing.is_some()
            || self.top.marketo_checking.is_some()
            || self.top.partner_center.link == Link::Connecting
    }

    /// The spinner frame, when busy.
    pub fn spinner(&self) -> Option<char> {
        self.busy().then(|| SPINNER[self.spinner % SPINNER.len()])
    }

    /// How long the app has run (for the tick pacing of the event loop).
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Applies one action; returns the commands for the backend.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        let mut commands = Vec::new();
        match action {
            Action::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    self.on_key(&key, &mut commands);
                    self.dirty = true;
                }
            }
            Action::Mouse(mouse) => {
                if self.options.mouse {
                    self.on_mouse(&mouse, &mut commands);
                }
            }
            Action::Paste(text) => {
                if self.overlays.is_empty() && self.list.paste(&text) {
                    self.dirty = true;
                    return commands;
                }
                let flow = self.with_target(&mut commands, |pane, cx| pane.on_paste(&text, cx));
                self.apply(flow, &mut commands);
                self.dirty = true;
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Action::Tick => {
                self.now = Utc::now();
                if self.busy() {
                    self.spinner = self.spinner.wrapping_add(1);
                    self.dirty = true;
                }
                self.list.set_now(self.now);
                if self.list.expire_marks(self.now) {
                    self.dirty = true;
                }
                if self.notice.as_ref().is_some_and(|n| n.expired(self.now)) {
                    self.notice = None;
                    self.dirty = true;
                }
            }
            Action::Backend(event) => {
                self.on_backend(event, &mut commands);
                self.dirty = true;
            }
        }
        commands
    }

    /// Sets the clock the app uses for relative times (tests pin it).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.list.set_now(now);
    }

    /// Runs `f` on the pane that has the keyboard: the top overlay, else the focused right
    /// pane. Returns `None` when the list has it.
    fn with_target(
        &mut self,
        commands: &mut Vec<Command>,
        f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> Flow,
    ) -> Flow {
        let pane: Option<&mut Box<dyn Pane>> = if let Some(top) = self.overlays.last_mut() {
            Some(top)
        } else if self.focus == Focus::Right {
            self.right.last_mut()
        } else {
            None
        };
        let mut cx = cx!(self, commands);
        match pane {
            Some(p) => f(p.as_mut(), &mut cx),
            None => Flow::Ignored,
        }
    }

    fn on_key(&mut self, key: &KeyEvent, commands: &mut Vec<Command>) {
        let on_overlay = !self.overlays.is_empty();
        let flow = if on_overlay || self.focus == Focus::Right && !self.right.is_empty() {
            self.with_target(commands, |pane, cx| pane.handle_key(key, cx))
        } else {
            let before = self.list.selected_id().map(str::to_string);
            let flow = self.list.handle_key(
                key,
                &self.options.keymap,
                commands,
                &mut self.notice,
                self.now,
            );
            if self.list.selected_id() != before.as_deref() {
                self.follow_selection(commands);
            }
            flow
        };
        let flow = match flow {
            Flow::Ignored if !on_overlay => self.global_key(key, commands),
            other => other,
        };
        self.apply(flow, commands);
    }

    /// Keys that work everywhere a pane does not claim them.
    fn global_key(&mut self, key: &KeyEvent, commands: &mut Vec<Command>) -> Flow {
        let Some(action) = self.options.keymap.action(key) else {
            return Flow::Ignored;
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
            KeyAction::Refresh => {
                commands.push(Command::Refresh { full: false });
                Flow::Handled
            }
            KeyAction::Outbox => {
                commands.push(Command::OutboxList);
                Flow::Overlay(Box::new(crate::ui::outbox::OutboxOverlay::new()))
            }
            KeyAction::New | KeyAction::NewShared => {
                if self.right.iter().any(|p| p.has_unsaved_input()) {
                    self.notice = Some(Notice::new(
                        Level::Warning,
                        "a form has unsaved changes: save it (ctrl-s) or close it (esc) first",
                        self.now,
                    ));
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
                // Referral actions pressed in the list go to the referral's detail pane.
                if self.focus == Focus::List
                    && let Some(id) = self.list.selected_id().map(str::to_string)
                {
                    return self.referral_action(action, key, &id, commands);
                }
                Flow::Ignored
            }
        }
    }

    /// A referral action pressed while the list has focus: the detail pane of that referral
    /// carries it out (opening the detail first, and running the action once it is loaded).
    fn referral_action(
        &mut self,
        action: KeyAction,
        key: &KeyEvent,
        id: &str,
        commands: &mut Vec<Command>,
    ) -> Flow {
        use crate::ui::detail::DetailPane;
        let acts_on_referral = matches!(
            action,
            KeyAction::Open
                | KeyAction::Edit
                | KeyAction::Status
                | KeyAction::Accept
                | KeyAction::Decline
                | KeyAction::Register
                | KeyAction::Marketo
                | KeyAction::Favorite
                | KeyAction::OpenBrowser
                | KeyAction::CopyId
        );
        if !acts_on_referral {
            return Flow::Ignored;
        }
        if matches!(action, KeyAction::OpenBrowser | KeyAction::CopyId) {
            let mut cx = cx!(self, commands);
            return DetailPane::id_action(action, id, &mut cx);
        }
        if self.right.last().and_then(|p| p.referral_id()) == Some(id) {
            self.focus = Focus::Right;
            if action == KeyAction::Open {
                commands.push(Command::OpenDetail {
                    id: id.to_string(),
                    fresh: true,
                });
                return Flow::Handled;
            }
            return self.with_target(commands, |pane, cx| pane.handle_key(key, cx));
        }
        if self.right.iter().any(|p| p.has_unsaved_input()) {
            self.notice = Some(Notice::new(
                Level::Warning,
                "a form has unsaved changes: save it (ctrl-s) or close it (esc) first",
                self.now,
            ));
            return Flow::Handled;
        }
        self.right.clear();
        let mut pane = DetailPane::new(id.to_string());
        if action != KeyAction::Open {
            pane.queue(action);
        }
        commands.push(Command::OpenDetail {
            id: id.to_string(),
            fresh: true,
        });
        Flow::Push(Box::new(pane))
    }

    fn apply(&mut self, flow: Flow, commands: &mut Vec<Command>) {
        match flow {
            Flow::Ignored | Flow::Handled => {}
            Flow::Close => {
                if self.overlays.pop().is_none() {
                    self.right.pop();
                    if self.right.is_empty() {
                        self.focus = Focus::List;
                    }
                }
            }
            Flow::Push(pane) => {
                self.right.push(pane);
                self.focus = Focus::Right;
            }
            Flow::Replace(pane) => {
                if !self.overlays.is_empty() {
                    self.overlays.pop();
                    self.overlays.push(pane);
                } else {
                    self.right.pop();
                    self.right.push(pane);
                    self.focus = Focus::Right;
                }
            }
            Flow::Overlay(pane) => self.overlays.push(pane),
            Flow::Quit { force } => {
                if force || self.top.outbox == 0 {
                    self.should_quit = true;
                    commands.push(Command::Shutdown);
                } else {
                    self.overlays
                        .push(Box::new(crate::ui::dialog::Confirm::quit_with_unsent(
                            self.top.outbox,
                        )));
                }
            }
            Flow::Send(command) => commands.push(command),
            Flow::List(ListRequest::Sort(sort)) => self.list.set_sort(sort),
            Flow::List(ListRequest::Filter(text)) => {
                self.list.set_filter(&text);
                self.follow_selection(commands);
            }
            Flow::Theme(theme) => self.options.theme = *theme,
            Flow::Many(flows) => {
                for f in flows {
                    self.apply(f, commands);
                }
            }
        }
    }

    fn on_mouse(&mut self, mouse: &MouseEvent, commands: &mut Vec<Command>) {
        let (col, row) = (mouse.column, mouse.row);
        let inside =
            |r: Rect| col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height;
        if !self.overlays.is_empty() {
            // Overlays are modal: the wheel and clicks go to them alone.
            let area = self.areas.overlay;
            let flow = self.with_target(commands, |pane, cx| pane.on_mouse(mouse, area, cx));
            self.apply(flow, commands);
            self.dirty = true;
            return;
        }
        if let Some(right) = self.areas.right
            && inside(right)
        {
            if matches!(mouse.kind, MouseEventKind::Down(_)) {
                self.focus = Focus::Right;
            }
            let flow = self.with_target(commands, |pane, cx| pane.on_mouse(mouse, right, cx));
            self.apply(flow, commands);
            self.dirty = true;
            return;
        }
        if let Some(list) = self.areas.list
            && inside(list)
        {
            if matches!(mouse.kind, MouseEventKind::Down(_)) {
                self.focus = Focus::List;
            }
            let before = self.list.selected_id().map(str::to_string);
            self.list.on_mouse(mouse, list);
            let after = self.list.selected_id().map(str::to_string);
            if before != after {
                self.follow_selection(commands);
            }
            self.dirty = true;
        }
    }

    /// In split view the detail follows the list selection.
    pub fn follow_selection(&mut self, commands: &mut Vec<Command>) {
        if !self.is_split() {
            return;
        }
        let Some(id) = self.list.selected_id().map(str::to_string) else {
            return;
        };
        let showing = self
            .right
            .last()
            .and_then(|p| p.referral_id())
            .map(str::to_string);
        if showing.as_deref() == Some(id.as_str())
            || self.right.iter().any(|p| p.has_unsaved_input())
        {
            return;
        }
        self.right.clear();
        self.right
            .push(Box::new(crate::ui::detail::DetailPane::new(id.clone())));
        commands.push(Command::OpenDetail { id, fresh: false });
    }

    fn on_backend(&mut self, event: Event, commands: &mut Vec<Command>) {
        // List rows can be many: they move into the list and concern no pane.
        let event = match event {
            Event::Rows { rows, complete } => {
                self.list.set_rows(rows, complete);
                if self.right.is_empty() {
                    self.follow_selection(commands);
                }
                return;
            }
            Event::RowsChanged { rows } => {
                self.list.upsert_rows(rows);
                if self.right.is_empty() {
                    self.follow_selection(commands);
                }
                return;
            }
            other => other,
        };
        match &event {
            Event::PartnerCenter(c) => self.top.partner_center = c.clone(),
            Event::Marketo(c) => self.top.marketo = c.clone(),
            Event::RefreshStarted { .. } => self.top.refreshing = Some((0, None)),
            Event::RefreshProgress { fetched, total } => {
                self.top.refreshing = Some((*fetched, *total))
            }
            Event::RefreshDone { at, changed } => {
                self.top.refreshing = None;
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
                self.notice = Some(Notice::new(
                    Level::Error,
                    format!("refresh failed: {message}"),
                    self.now,
                ));
            }
            Event::OutboxCount(n) => self.top.outbox = *n,
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
        // The list marks a referral while its edit travels: saving…, then saved or refused.
        use crate::ui::list::RowMark;
        match &event {
            Event::Queued { id: Some(id), .. } => self.list.mark(id, Some(RowMark::Saving)),
            Event::Saved { referral, .. } => {
                self.list
                    .upsert_rows(vec![crate::domain::ReferralRow::from(referral.as_ref())]);
                self.list.mark(referral.id(), Some(RowMark::Saved));
            }
            Event::SaveFailed { id: Some(id), .. } => self.list.mark(id, Some(RowMark::Failed)),
            Event::Conflict { theirs, .. } => self.list.mark(theirs.id(), Some(RowMark::Failed)),
            _ => {}
        }
        // Every pane sees every event; each picks what concerns it.
        let mut flows = Vec::new();
        {
            let mut cx = cx!(self, commands);
            for pane in self.right.iter_mut().chain(self.overlays.iter_mut()) {
                flows.push(pane.on_event(&event, &mut cx));
            }
        }
        for flow in flows {
            // A pane closing itself from an event (e.g. a form after its save) is applied as a
            // close of the top pane only when it is the top one; others are ignored.
            match flow {
                Flow::Close => {}
                other => self.apply(other, commands),
            }
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
            KeyAction::Outbox,
            KeyAction::NextField,
            KeyAction::Back,
            KeyAction::Quit,
        ] {
            entries.push((km.label(action), action.describe().to_string()));
        }
        entries
    }

    /// Draws the whole screen.
    pub fn draw(&mut self, frame: &mut Frame<'_>) {
        crate::ui::draw(self, frame);
        self.dirty = false;
    }
}
