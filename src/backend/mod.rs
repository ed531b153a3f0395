//! Everything that touches the network or the disk.

pub mod limiter;
pub mod secure_file;
pub mod store;
