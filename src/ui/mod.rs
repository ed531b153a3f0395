//! The terminal interface's parts: the pane contract ([`pane`]), one module per pane, plus
//! theme, keymap and shared widgets. The app lays them out on the screen (see
//! `../shared/spec/ux.md`); nothing here knows the app.

pub mod bulk;
pub mod conflict;
pub mod create;
pub mod detail;
pub mod dialog;
pub mod edit;
pub mod form;
pub mod help;
pub mod input;
pub mod keymap;
pub mod list;
pub mod marketo;
pub mod notify;
pub mod outbox;
pub mod palette;
pub mod pane;
pub mod status;
pub mod theme;
pub mod widgets;
pub mod wizard;

use ratatui::layout::Rect;

/// Where the last frame put things (for mouse hit-testing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub list: Option<Rect>,
    pub right: Option<Rect>,
    pub overlay: Rect,
}
