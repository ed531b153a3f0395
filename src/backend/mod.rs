//! Everything that touches the network or the disk.

pub mod limiter;
pub mod marketo;
