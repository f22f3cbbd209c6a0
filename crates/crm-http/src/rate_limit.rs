//! [`RateLimiter`]: a sliding-window limit on requests per key (a client writing from the Mini
//! App), shared by every worker of the server.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Messages a client may write per window by default.
pub const DEFAULT_MESSAGES: usize = 20;
/// The default window: ten minutes.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(600);
/// Keys kept before idle ones are forgotten.
const PRUNE_AT: usize = 10_000;

/// Sign-in attempts one peer address may make per minute.
pub const SIGN_INS_PER_ADDRESS: usize = 30;
/// Writes (any method but GET and HEAD) one client may make from the Mini App per minute.
pub const APP_WRITES_PER_CLIENT: usize = 60;

/// The per-minute limits of sign-in attempts per peer address and of Mini App writes per
/// client, shared by every worker of the server (one per app, so tests start afresh).
#[derive(Debug)]
pub struct RequestLimits {
    /// `POST /api/v1/auth/telegram/verify` per peer address.
    pub sign_in: RateLimiter,
    /// Mini App writes per client.
    pub app_writes: RateLimiter,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self::per_minute(SIGN_INS_PER_ADDRESS, APP_WRITES_PER_CLIENT)
    }
}

impl RequestLimits {
    /// Limits of `sign_ins` attempts per peer address and `app_writes` per client, each a minute.
    pub fn per_minute(sign_ins: usize, app_writes: usize) -> Self {
        Self {
            sign_in: RateLimiter::new(sign_ins, Duration::from_secs(60)),
            app_writes: RateLimiter::new(app_writes, Duration::from_secs(60)),
        }
    }
}

/// A limiter key for a text such as a peer address.
pub fn text_key(text: &str) -> i64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
}

/// At most `max` requests per key within any `window`.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    seen: Mutex<Seen>,
}

/// The requests seen per key, and the key count at which idle keys are next pruned.
#[derive(Debug, Default)]
struct Seen {
    times: HashMap<i64, VecDeque<Instant>>,
    prune_at: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_MESSAGES, DEFAULT_WINDOW)
    }
}

impl RateLimiter {
    /// A limiter of `max` requests per `window` and key.
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            seen: Mutex::new(Seen {
                times: HashMap::new(),
                prune_at: PRUNE_AT,
            }),
        }
    }

    /// Counts a request of `key` now when it is within the limit; otherwise says how many
    /// whole seconds to wait (at least 1) and counts nothing.
    pub fn try_acquire(&self, key: i64) -> Result<(), u64> {
        self.try_acquire_at(key, Instant::now())
    }

    fn try_acquire_at(&self, key: i64, now: Instant) -> Result<(), u64> {
        let Ok(mut seen) = self.seen.lock() else {
            return Err(self.window.as_secs().max(1));
        };
        // Idle keys are dropped when the map reaches `prune_at`, which then doubles past the
        // keys still active, so pruning stays amortised however many clients are active.
        if seen.times.len() >= seen.prune_at {
            let window = self.window;
            seen.times.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
            seen.prune_at = PRUNE_AT.max(seen.times.len().saturating_mul(2));
        }
        let times = seen.times.entry(key).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.max {
            let wait = times
                .front()
                .map(|t| self.window.saturating_sub(now.duration_since(*t)))
                .unwrap_or(self.window);
            return Err(wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_request_over_the_limit_waits_for_the_oldest_to_leave_the_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(limiter.try_acquire_at(7, t0), Ok(()));
        assert_eq!(
            limiter.try_acquire_at(7, t0 + Duration::from_secs(10)),
            Ok(())
        );
        let refused = limiter.try_acquire_at(7, t0 + Duration::from_secs(20));
        assert_eq!(refused, Err(40));
        assert_eq!(limiter.try_acquire_at(8, t0), Ok(()), "keys are separate");
        assert_eq!(
            limiter.try_acquire_at(7, t0 + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn idle_keys_are_pruned_and_active_ones_raise_the_next_pruning_point() {
        let limiter = RateLimiter::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for key in 0..PRUNE_AT as i64 {
            assert_eq!(limiter.try_acquire_at(key, t0), Ok(()));
        }
        // All still active: nothing dropped, and the next pruning waits for twice as many.
        assert_eq!(limiter.try_acquire_at(-1, t0), Ok(()));
        {
            let seen = limiter.seen.lock().unwrap();
            assert_eq!(seen.times.len(), PRUNE_AT + 1);
            assert_eq!(seen.prune_at, 2 * PRUNE_AT);
        }
        // A window later the first ones are idle: when the map reaches the new point, they
        // are dropped and the keys active now stay.
        let later = t0 + Duration::from_secs(61);
        for key in 0..PRUNE_AT as i64 {
            assert_eq!(limiter.try_acquire_at(1_000_000 + key, later), Ok(()));
        }
        let seen = limiter.seen.lock().unwrap();
        assert_eq!(seen.times.len(), PRUNE_AT, "idle keys were dropped");
        assert_eq!(seen.prune_at, 2 * (PRUNE_AT - 1));
    }
}
