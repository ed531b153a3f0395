//! The dashboard's state and its one entry point, [`App::update`]: every key, mouse event,
//! backend event and tick becomes an [`Action`]; `update` changes the state and returns the
//! [`Effects`] for the world outside (commands for the backend, text for the clipboard, quit).
//! Nothing here touches the network, the disk or the terminal, so the whole interaction can be
//! driven and checked in tests.
//!
//! Panes (`src/ui/`) implement [`Pane`]. The list is always there; the right side is a stack
//! (detail → edit form → …), and overlays (help, palette, dialogs) stack on top of everything.
//! A pane answers a key with a [`Flow`] that tells the app what to do next.
//!
//! - `keys`: keys, mouse and paste, and the keys that work everywhere.
//! - `backend_events`: what the backend reports.
//! - `draw`: the whole screen, with the top and bottom bars.
//! - `views`: switching, saving and deleting saved views.

mod backend_events;
mod bulk;
mod draw;
mod keys;
mod views;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};
use ratatui::Frame;

use crate::protocol::{Command, Connection, Event, Level, Link};
use crate::ui::keymap::Keymap;
use crate::ui::list::ListPane;
use crate::ui::pane::{Cx, Flow, ListRequest, ListView, Notice, Pane};
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
    /// A timer tick at a given time (tests pin the clock).
    TickAt(DateTime<Utc>),
    Backend(Event),
    /// The list's search worker has an answer (see `ListPane::start_search_worker`).
    SearchReady,
}

/// What one [`App::update`] asks of the world outside the app.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Effects {
    /// Commands for the backend, in order.
    pub commands: Vec<Command>,
    /// Text to put on the clipboard (the terminal loop writes it with OSC 52).
    pub clipboard: Option<String>,
    /// The app is done: the terminal loop ends.
    pub quit: bool,
    /// The palette changed the saved views: write them to this file (`views.toml`).
    pub save_views: Option<(std::path::PathBuf, crate::views_file::SavedViews)>,
    /// An escape sequence for the terminal (a desktop notification), written between frames.
    pub terminal: Option<String>,
}

impl Effects {
    /// Adds the effects of a later update: its commands after these, its clipboard text
    /// instead of this one's.
    pub fn merge(&mut self, later: Effects) {
        self.commands.extend(later.commands);
        if later.clipboard.is_some() {
            self.clipboard = later.clipboard;
        }
        self.quit |= later.quit;
        if later.save_views.is_some() {
            self.save_views = later.save_views;
        }
        if later.terminal.is_some() {
            self.terminal = later.terminal;
        }
    }
}

/// The top bar's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct TopBar {
    pub partner_center: Connection,
    pub marketo: Connection,
    pub last_refresh: Option<DateTime<Utc>>,
    /// A sync under way: referrals fetched so far, of how many (when the service counted).
    pub refreshing: Option<(usize, Option<u64>)>,
    /// When the sync under way started (for its ETA).
    pub refresh_started: Option<DateTime<Utc>>,
    /// The earliest the sync under way can end at the client's call budget (for its ETA).
    pub refresh_paced: Option<DateTime<Utc>>,
    /// Partner Center calls are being retried, and why the last one failed.
    pub retrying: Option<String>,
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
            refresh_started: None,
            refresh_paced: None,
            retrying: None,
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
    /// The address of the sandbox started in-process, when one was (shown in the top bar).
    pub sandbox_url: Option<String>,
    /// Accept, decline, status moves and pushes ask first.
    pub confirm_actions: bool,
    /// Seconds a status move is held in the outbox for `u` (0: sent at once).
    pub undo_seconds: u64,
    /// The saved views: shipped and config ones, the palette's, and where those are saved.
    pub views: ViewSetup,
    /// Tell the terminal when a background refresh finds new incoming referrals.
    pub notify: crate::config::NotifyStyle,
}

/// Where the saved views come from (see [`crate::domain::view`]).
#[derive(Debug, Clone)]
pub struct ViewSetup {
    /// The shipped views with the config file's `[[views]]` over them.
    pub configured: Vec<crate::domain::view::View>,
    /// The views of `views.toml` (saved from the palette).
    pub saved: crate::views_file::SavedViews,
    /// Where `views.toml` is written; `None` keeps palette changes for this session only.
    pub path: Option<std::path::PathBuf>,
}

impl Default for ViewSetup {
    fn default() -> Self {
        ViewSetup {
            configured: crate::domain::view::defaults(),
            saved: Default::default(),
            path: None,
        }
    }
}

impl ViewSetup {
    /// The views in use, in tab order (after All).
    pub fn effective(&self) -> Vec<crate::domain::view::View> {
        self.saved.over(&self.configured)
    }
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            keymap: Keymap::default(),
            theme: Theme::default(),
            split_min_width: 120,
            mouse: true,
            portal_url: crate::config::PORTAL_URL.to_string(),
            sandbox_url: None,
            confirm_actions: true,
            undo_seconds: 5,
            views: ViewSetup::default(),
            notify: crate::config::NotifyStyle::Off,
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
    /// Something changed since the last draw.
    dirty: bool,
    spinner: usize,
    /// Where panes were drawn last, for mouse hit-testing.
    areas: crate::ui::Areas,
    /// The side that had the keyboard when `/` started editing the filter line from it.
    filter_from: Option<Focus>,
    /// The last held status move, which `u` can take back until its time.
    undo: Option<Undo>,
    /// The bulk status move on its way, if any.
    batch: Option<bulk::Batch>,
}

/// A status move held in the outbox for its undo window.
#[derive(Debug, Clone, PartialEq)]
struct Undo {
    seq: i64,
    summary: String,
    until: DateTime<Utc>,
}

/// A [`Cx`] borrowing the app field by field, so a pane of the app can be borrowed beside it.
/// `$fx` is the `&mut Effects` of the update; `$list` what the pane may read of the list
/// (the list itself, unless given).
macro_rules! cx {
    ($app:ident, $fx:ident) => {
        cx!($app, $fx, $crate::ui::pane::ListView::of(&$app.list))
    };
    ($app:ident, $fx:ident, $list:expr) => {
        $crate::ui::pane::Cx {
            keymap: &$app.options.keymap,
            now: $app.now,
            list: $list,
            commands: &mut $fx.commands,
            notice: &mut $app.notice,
            outbox: $app.top.outbox,
            portal_url: &$app.options.portal_url,
            clipboard: &mut $fx.clipboard,
            confirm_actions: $app.options.confirm_actions,
            undo_seconds: $app.options.undo_seconds,
        }
    };
}
use cx;

const SPINNER: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];

impl App {
    pub fn new(options: AppOptions, now: DateTime<Utc>) -> App {
        let mut list = ListPane::new(now);
        list.set_views(options.views.effective());
        App {
            options,
            list,
            right: Vec::new(),
            overlays: Vec::new(),
            focus: Focus::List,
            top: TopBar::default(),
            notice: None,
            now,
            size: (80, 24),
            dirty: true,
            spinner: 0,
            areas: Default::default(),
            filter_from: None,
            undo: None,
            batch: None,
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

    /// True when something changed since the last draw.
    pub fn needs_draw(&self) -> bool {
        self.dirty
    }

    /// Shows a notice in the bottom bar.
    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice::new(level, text, self.now));
        self.dirty = true;
    }

    /// Applies one action; returns what it asks of the world outside.
    pub fn update(&mut self, action: Action) -> Effects {
        let mut fx = Effects::default();
        match action {
            Action::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    self.on_key(&key, &mut fx);
                    self.dirty = true;
                }
            }
            Action::Mouse(mouse) => {
                if self.options.mouse {
                    self.on_mouse(&mouse, &mut fx);
                }
            }
            Action::Paste(text) => {
                self.on_paste(&text, &mut fx);
                self.dirty = true;
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Action::Tick => self.on_tick(Utc::now()),
            Action::TickAt(now) => self.on_tick(now),
            Action::Backend(event) => {
                self.on_backend(event, &mut fx);
                self.dirty = true;
            }
            Action::SearchReady => self.on_search_ready(&mut fx),
        }
        fx
    }

    /// Draws the whole screen.
    pub fn draw(&mut self, frame: &mut Frame<'_>) {
        draw::draw(self, frame);
        self.dirty = false;
    }

    /// Sets the clock the app uses for relative times (tests pin it).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.list.set_now(now);
    }

    /// The clock moved on: the spinner turns, marks and notices fade.
    fn on_tick(&mut self, now: DateTime<Utc>) {
        // The top bar's relative time and ETA are derived from the clock: redraw when they
        // read differently now.
        if draw::clock_text(self, self.now) != draw::clock_text(self, now) {
            self.dirty = true;
        }
        // Deadlines come closer with the clock alone: recount the views once a minute.
        let minute = |t: DateTime<Utc>| t.timestamp().div_euclid(60);
        let new_minute = minute(self.now) != minute(now);
        self.now = now;
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
            self.dirty = true;
        }
        self.list.set_now(self.now);
        if new_minute && self.list.recount_for_clock() {
            self.dirty = true;
        }
        // A slow search shows "searching…" in the filter line.
        if self.list.expire_marks(self.now) || self.list.is_searching() {
            self.dirty = true;
        }
        if self.notice.as_ref().is_some_and(|n| n.expired(self.now)) {
            self.notice = None;
            self.dirty = true;
        }
    }

    /// Runs `f` on the pane that has the keyboard: the top overlay, else the focused right
    /// pane. Returns `Ignored` when the list has it.
    fn with_target(
        &mut self,
        fx: &mut Effects,
        f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> Flow,
    ) -> Flow {
        let pane: Option<&mut Box<dyn Pane>> = if let Some(top) = self.overlays.last_mut() {
            Some(top)
        } else if self.focus == Focus::Right {
            self.right.last_mut()
        } else {
            None
        };
        let mut cx = cx!(self, fx);
        match pane {
            Some(p) => f(p.as_mut(), &mut cx),
            None => Flow::Ignored,
        }
    }

    /// Runs `f` on the list, with a context that borrows the rest of the app.
    fn with_list(
        &mut self,
        fx: &mut Effects,
        f: impl FnOnce(&mut ListPane, &mut Cx<'_>) -> Flow,
    ) -> Flow {
        let mut cx = cx!(self, fx, ListView::none());
        f(&mut self.list, &mut cx)
    }

    fn apply(&mut self, flow: Flow, fx: &mut Effects) {
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
                    fx.quit = true;
                    fx.commands.push(Command::Shutdown);
                } else {
                    self.overlays
                        .push(Box::new(crate::ui::dialog::Confirm::quit_with_unsent(
                            self.top.outbox,
                        )));
                }
            }
            Flow::Send(command) => fx.commands.push(command),
            Flow::List(ListRequest::Sort(sort)) => self.list.set_sort(sort),
            Flow::List(ListRequest::ClearMarks) => self.list.clear_marks(),
            Flow::List(ListRequest::Bulk(action)) => {
                self.overlays
                    .push(Box::new(crate::ui::bulk::BulkPreview::new(
                        &self.list,
                        action,
                        self.top.budget,
                        self.options.undo_seconds,
                    )))
            }
            Flow::List(ListRequest::Filter(text)) => {
                self.list.set_filter(&text);
                self.follow_selection(fx);
            }
            Flow::List(
                req @ (ListRequest::ShowView(_)
                | ListRequest::SaveView(_)
                | ListRequest::DeleteView(_)),
            ) => {
                self.view_request(req, fx);
                self.follow_selection(fx);
            }
            Flow::Theme(theme) => self.options.theme = *theme,
            Flow::Many(flows) => {
                for f in flows {
                    self.apply(f, fx);
                }
            }
        }
    }

    /// Shows the search worker's answer. The detail follows the cursor when the answer moved it
    /// or when its referral left the result.
    fn on_search_ready(&mut self, fx: &mut Effects) {
        let before = self.list.selected_id();
        if !self.list.poll_search() {
            return;
        }
        self.dirty = true;
        let left_filter = self
            .right
            .last()
            .and_then(|p| p.referral_id())
            .is_some_and(|id| !self.list.is_visible(id));
        if self.list.selected_id() != before || left_filter {
            self.follow_selection(fx);
        }
    }

    /// In split view the detail follows the list selection.
    fn follow_selection(&mut self, fx: &mut Effects) {
        if !self.is_split() {
            return;
        }
        let Some(id) = self.list.selected_id() else {
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
        fx.commands.push(Command::OpenDetail { id, fresh: false });
    }
}
