//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod pty;

// Not every test binary uses every helper.
#[allow(unused_imports)]
pub use refdeck::ui::scene::{Scene as Harness, now, referrals};
