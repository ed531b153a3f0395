//! The sandbox's controllable clock: real time plus an offset that `POST /_sandbox/clock`
//! moves, so tests can make referrals expire and tokens run out without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Shared by every part of one sandbox; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    /// The sandbox's "now".
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Sets "now" to an absolute instant.
    pub fn set(&self, now: DateTime<Utc>) {
        let offset = (now - Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::SeqCst);
    }

    /// How far the clock is from real time.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_and_set_move_now() {
        let c = Clock::new();
        let before = c.now();
        c.advance(Duration::days(15));
        assert!(c.now() - before >= Duration::days(15));
        let target = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        c.set(target);
        assert!((c.now() - target).num_seconds().abs() <= 1);
        assert!(c.clone().offset() > Duration::zero());
    }
}
