//! The loopback emulator of the Partner Center Referrals API and the Marketo REST API.
pub mod clock;
pub mod demo;
pub mod marketo;
