//! Everything that touches the network or the disk.

pub mod auth;
pub mod export;
pub mod limiter;
pub mod marketo;
pub mod partner_center;
pub mod pc_error;
pub mod retry;
pub mod secure_file;
pub mod store;
pub mod task;
