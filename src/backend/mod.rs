//! Everything that touches the network or the disk.

pub mod export;
pub mod limiter;
pub mod marketo;
pub mod protocol;
pub mod secure_file;
pub mod store;
