//! Pure types and rules: no I/O, no clocks other than values passed in.

pub mod bulk;
pub mod create;
pub mod enums;
pub mod field;
pub mod filter;
pub mod marketo;
pub mod money;
pub mod outbox;
pub mod patch;
pub mod referral;
pub mod row;
pub mod rules;
pub mod search;
pub mod set;
pub mod text;
pub mod time;
pub mod validate;
pub mod view;

pub use enums::*;
pub use referral::*;
pub use row::ReferralRow;
