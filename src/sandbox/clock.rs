//! The sandbox's controllable clock: real time plus an offset that `POST /_sandbox/clock`
//! moves, so tests can make referrals expire and tokens run out without waiting.
//!
//! The offset is kept in nanoseconds (about ±292 years), so after `set(t)` the clock reads `t`
//! plus the real time elapsed since, never a moment before `t`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Shared by every part of one sandbox; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ns: Arc<AtomicI64>,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    /// The sandbox's "now".
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ns.fetch_add(nanos(by), Ordering::SeqCst);
    }

    /// Sets "now" to an absolute instant.
    pub fn set(&self, now: DateTime<Utc>) {
        self.offset_ns
            .store(nanos(now - Utc::now()), Ordering::SeqCst);
    }

    /// How far the clock is from real time.
    pub fn offset(&self) -> Duration {
        Duration::nanoseconds(self.offset_ns.load(Ordering::SeqCst))
    }
}

/// A duration in nanoseconds, saturating at the representable range.
fn nanos(d: Duration) -> i64 {
    d.num_nanoseconds().unwrap_or(if d < Duration::zero() {
        i64::MIN
    } else {
        i64::MAX
    })
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
        assert!(c.now() >= target, "never before the instant it was set to");
        assert!((c.now() - target).num_seconds().abs() <= 1);
        assert!(c.clone().offset() > Duration::zero());
    }
}
