//! Client-side rate limiting shared by the API clients, so normal use never meets a 429/606.
//!
//! A sliding window of call start times (at most `max_calls` per `window`), an optional cap on
//! calls in flight (Marketo allows 10), and a pause that a server's `Retry-After` imposes on every
//! caller at once. The window is slightly stricter than the server's (`margin`) so clock skew
//! between the two ends cannot push a call over.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
struct Window {
    starts: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

/// A rate limiter; cheap to clone (clones share the budget).
#[derive(Debug, Clone)]
pub struct Limiter {
    max_calls: usize,
    window: Duration,
    state: Arc<Mutex<Window>>,
    in_flight: Option<Arc<Semaphore>>,
}

/// Held while a call is in flight; dropping it frees the concurrency slot.
#[derive(Debug)]
pub struct Permit {
    _slot: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    /// `max_calls` per `window`, no concurrency cap.
    pub fn new(max_calls: usize, window: Duration) -> Self {
        Limiter {
            max_calls: max_calls.max(1),
            window,
            state: Arc::new(Mutex::new(Window {
                starts: VecDeque::new(),
                paused_until: None,
            })),
            in_flight: None,
        }
    }

    /// Also caps the number of calls in flight at once.
    pub fn with_concurrency(mut self, max_in_flight: usize) -> Self {
        self.in_flight = Some(Arc::new(Semaphore::new(max_in_flight.max(1))));
        self
    }

    /// Waits until a call may start, then counts it.
    pub async fn acquire(&self) -> Permit {
        let slot = match &self.in_flight {
            Some(sem) => sem.clone().acquire_owned().await.ok(),
            None => None,
        };
        loop {
            let wait = {
                let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                while w
                    .starts
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    w.starts.pop_front();
                }
                match w.paused_until {
                    Some(until) if until > now => Some(until - now),
                    _ => {
                        w.paused_until = None;
                        if w.starts.len() < self.max_calls {
                            w.starts.push_back(now);
                            None
                        } else {
                            let oldest = *w.starts.front().expect("window is full");
                            Some(
                                self.window.saturating_sub(now.duration_since(oldest))
                                    + Duration::from_millis(5),
                            )
                        }
                    }
                }
            };
            match wait {
                None => return Permit { _slot: slot },
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Calls still allowed in the current window (for the top bar).
    pub fn remaining(&self) -> usize {
        let w = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let used = w
            .starts
            .iter()
            .filter(|t| now.duration_since(**t) < self.window)
            .count();
        self.max_calls.saturating_sub(used)
    }

    /// The least time from now until `calls` more calls can all have started: the calls the
    /// window still allows start at once, each later one waits until the call `max_calls`
    /// before it is a window old (and none starts during a `Retry-After` pause). A sync that
    /// needs `calls` more pages takes at least this long.
    pub fn time_for(&self, calls: usize) -> Duration {
        if calls == 0 {
            return Duration::ZERO;
        }
        let w = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let live: Vec<Instant> = w
            .starts
            .iter()
            .copied()
            .filter(|t| now.duration_since(*t) < self.window)
            .collect();
        let free = self.max_calls.saturating_sub(live.len());
        // Call k (1-based) starts a window after call k - max_calls.
        let rounds = (calls - 1) / self.max_calls;
        let k = calls - rounds * self.max_calls;
        let first = if k <= free {
            now
        } else {
            live.get(k - free - 1).map_or(now, |t| *t + self.window)
        };
        let at = first + self.window * rounds as u32;
        let at = w.paused_until.map_or(at, |p| at.max(p));
        at.saturating_duration_since(now)
    }

    pub fn max_calls(&self) -> usize {
        self.max_calls
    }

    /// Stops every caller until `delay` has passed (a server said `Retry-After`).
    pub fn pause_for(&self, delay: Duration) {
        let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let until = Instant::now() + delay;
        if w.paused_until.is_none_or(|p| p < until) {
            w.paused_until = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_exceeds_the_window() {
        let lim = Limiter::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            lim.acquire().await;
        }
        assert_eq!(lim.remaining(), 0);
        assert!(t0.elapsed() < Duration::from_millis(1));
        lim.acquire().await;
        assert!(
            t0.elapsed() >= Duration::from_secs(10),
            "{:?}",
            t0.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn time_for_counts_the_windows_still_to_wait() {
        let lim = Limiter::new(3, Duration::from_secs(10));
        assert_eq!(lim.time_for(0), Duration::ZERO);
        assert_eq!(lim.time_for(3), Duration::ZERO);
        assert_eq!(lim.time_for(4), Duration::from_secs(10));
        assert_eq!(lim.time_for(7), Duration::from_secs(20));
        lim.acquire().await;
        tokio::time::advance(Duration::from_secs(4)).await;
        lim.acquire().await;
        // One call left now; the next waits for the first (6 s), then the second (10 s).
        assert_eq!(lim.time_for(1), Duration::ZERO);
        assert_eq!(lim.time_for(2), Duration::from_secs(6));
        assert_eq!(lim.time_for(3), Duration::from_secs(10));
        assert_eq!(lim.time_for(4), Duration::from_secs(10));
        assert_eq!(lim.time_for(5), Duration::from_secs(16));
        lim.pause_for(Duration::from_secs(30));
        assert_eq!(lim.time_for(1), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_everyone() {
        let lim = Limiter::new(100, Duration::from_secs(60));
        lim.pause_for(Duration::from_secs(5));
        let t0 = Instant::now();
        lim.acquire().await;
        assert!(t0.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn caps_calls_in_flight() {
        let lim = Limiter::new(100, Duration::from_secs(1)).with_concurrency(2);
        let a = lim.acquire().await;
        let _b = lim.acquire().await;
        let third = tokio::spawn({
            let lim = lim.clone();
            async move {
                lim.acquire().await;
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!third.is_finished());
        drop(a);
        third.await.unwrap();
    }
}
