//! [`FailedAttempts`]: a sliding-window limit on failed payment-code entries per employee, so
//! that a six-digit code cannot be guessed at the till.

use crm_core::EmployeeId;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per window.
pub const MAX_FAILURES: usize = 10;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(600);

/// Failed attempts per employee, shared by every worker of the server.
#[derive(Debug, Default)]
pub struct FailedAttempts(Mutex<HashMap<EmployeeId, VecDeque<Instant>>>);

impl FailedAttempts {
    fn recent(&self, employee: EmployeeId, now: Instant) -> usize {
        let Ok(mut map) = self.0.lock() else {
            return MAX_FAILURES;
        };
        let entries = map.entry(employee).or_default();
        while entries
            .front()
            .is_some_and(|t| now.duration_since(*t) > WINDOW)
        {
            entries.pop_front();
        }
        entries.len()
    }

    /// Whether the employee may try another code now.
    pub fn allowed(&self, employee: EmployeeId) -> bool {
        self.recent(employee, Instant::now()) < MAX_FAILURES
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, employee: EmployeeId) {
        let now = Instant::now();
        self.recent(employee, now);
        if let Ok(mut map) = self.0.lock() {
            map.entry(employee).or_default().push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_failure_in_the_window_is_refused() {
        let attempts = FailedAttempts::default();
        let cashier = EmployeeId(1);
        for _ in 0..MAX_FAILURES {
            assert!(attempts.allowed(cashier));
            attempts.record_failure(cashier);
        }
        assert!(!attempts.allowed(cashier));
        assert!(attempts.allowed(EmployeeId(2)), "limits are per employee");
    }
}
