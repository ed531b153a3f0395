//! Placeholder for the Marketo emulator, which is developed separately and replaces this file.
//!
//! It only fixes the two names the sandbox server calls: [`MarketoState::seeded`] and
//! [`router`]. Until the emulator lands, the router has no routes (Marketo paths answer 404).

use axum::Router;

use super::clock::Clock;
use crate::domain::Referral;

/// The Marketo emulator's state.
#[derive(Debug, Clone)]
pub struct MarketoState {
    _clock: Clock,
}

impl MarketoState {
    /// The state seeded from the sandbox's referrals.
    pub fn seeded(_referrals: &[Referral], _seed: u64, clock: Clock) -> MarketoState {
        MarketoState { _clock: clock }
    }
}

/// The Marketo routes (none yet).
pub fn router(_state: MarketoState) -> Router {
    Router::new()
}
