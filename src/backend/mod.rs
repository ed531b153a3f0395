//! Everything that touches the network or the disk.

pub mod auth;
pub mod limiter;
pub mod partner_center;
pub mod retry;
