//! Helpers shared by the integration tests.
#![allow(dead_code, unused_imports)]

pub mod pty;

pub use refdeck::ui::scene::{Scene as Harness, now, referrals};
