//! [`SystemClock`]: the real "now" for the [`crm_core::Clock`] port.

use crm_core::{Clock, Timestamp};
use time::OffsetDateTime;

/// The operating system's clock, in UTC.
///
/// It ticks in whole milliseconds, the precision of storage, so an instant a use case computes
/// equals the one it later reads back from the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let now = Timestamp::new(OffsetDateTime::now_utc());
        Timestamp::from_unix_millis(now.unix_millis()).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_in_whole_milliseconds_near_the_real_time() {
        let now = SystemClock.now();
        assert_eq!(now.as_offset_date_time().nanosecond() % 1_000_000, 0);
        let drift = OffsetDateTime::now_utc().unix_timestamp() - now.unix_seconds();
        assert!((0..=5).contains(&drift), "drift {drift}s");
    }
}
