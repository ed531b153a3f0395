//! The terminal interface: one module per pane, plus theme and keymap.

pub mod keymap;
pub mod theme;
