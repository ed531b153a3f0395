//! refdeck: a keyboard-driven terminal dashboard for Partner Center co-sell referrals and their
//! Marketo Sales Insight sync.
//!
//! - [`domain`]: pure types and rules, no I/O.
//! - [`backend`]: the async task, API clients, rate limiting, local store.
//! - [`protocol`]: the commands and events the UI and the backend task exchange.
//! - [`sandbox`]: the loopback emulator of both remote APIs.
//! - [`script`]: the scripting subcommands (`referrals list|get|set`, `marketo check`).

pub mod app;
pub mod backend;
pub mod config;
pub mod doctor;
pub mod domain;
pub mod keys;
pub mod memory;
pub mod protocol;
pub mod sandbox;
pub mod script;
pub mod setup;
#[doc(hidden)]
pub mod testing;
pub mod tui;
pub mod ui;
pub mod views_file;
