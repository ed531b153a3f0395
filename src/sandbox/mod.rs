//! The loopback emulator of the Partner Center Referrals API and the Marketo REST API.
//!
//! Start one with [`start`]; see `server.rs` for the layout and each module for the behaviour
//! and the choices made where the public record is silent.
pub mod clock;
pub mod control;
pub mod demo;
pub mod error;
pub mod faults;
pub mod login;
pub mod marketo;
pub mod odata;
mod pages;
pub mod patching;
pub mod pc;
pub mod pick;
pub mod query;
pub mod referrals;
pub mod server;
pub mod switches;
pub mod tokens;

pub use server::{SandboxConfig, SandboxError, SandboxHandle, start};
pub use switches::{SwitchBoard, SwitchUpdate, Switches};
