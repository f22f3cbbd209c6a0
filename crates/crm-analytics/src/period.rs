//! Periods and granularity: what every analytics figure is computed over.
//!
//! A request names a preset (`today`, `week`, `month`, `quarter`, `year`: the current calendar
//! period up to now) or `from`/`to` (local dates `YYYY-MM-DD`, both days included, or RFC 3339
//! instants), and a granularity (`day`, `week`, `month`). [`resolve`] turns it into exact
//! instants in the business's timezone: the period `[from, to)`, the previous comparable period
//! (the same length just before; for a preset, the previous calendar period up to the same
//! point), and the buckets `[from, to)` the series are grouped by. Storage then aggregates with
//! plain range conditions on indexed BIGINT millisecond columns, so daylight-saving changes and
//! any timezone are exact.

use crm_core::{FieldError, Timestamp};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};
use time_tz::{timezones, OffsetDateTimeExt, PrimitiveDateTimeExt, TimeZone, Tz};

/// The timezone used when the business has none set or an unknown one.
pub const DEFAULT_TIMEZONE: &str = "Europe/Moscow";
/// Most buckets one request may ask for (about three years by day).
pub const MAX_BUCKETS: usize = 1_100;
/// Longest period, in days.
pub const MAX_PERIOD_DAYS: i64 = 3_700;

/// A named period: the current calendar period up to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Today so far.
    Today,
    /// This week (from Monday) so far.
    Week,
    /// This month so far.
    Month,
    /// This quarter so far.
    Quarter,
    /// This year so far.
    Year,
}

impl Preset {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Preset::Today => "today",
            Preset::Week => "week",
            Preset::Month => "month",
            Preset::Quarter => "quarter",
            Preset::Year => "year",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Preset::Today,
            Preset::Week,
            Preset::Month,
            Preset::Quarter,
            Preset::Year,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }
}

/// How series are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Local calendar days.
    Day,
    /// ISO weeks (Monday to Sunday).
    Week,
    /// Calendar months.
    Month,
}

impl Granularity {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

/// What the caller asked for; every part optional (the default is `month` by `day`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodRequest {
    /// A preset; refused together with `from`/`to`.
    pub preset: Option<Preset>,
    /// First day (`YYYY-MM-DD`, local) or instant (RFC 3339).
    pub from: Option<String>,
    /// Last day included (`YYYY-MM-DD`, local) or end instant excluded (RFC 3339).
    pub to: Option<String>,
    /// The grouping of series.
    pub granularity: Option<Granularity>,
}

/// One group of a series: `[from, to)` with a label such as `2026-11-24`, `2026-W48` or
/// `2026-11`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Local label.
    pub label: String,
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
}

/// A resolved period with its comparison and buckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The preset it came from, if any.
    pub preset: Option<Preset>,
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
    /// The previous comparable period's start.
    pub previous_from: Timestamp,
    /// The previous comparable period's end (excluded).
    pub previous_to: Timestamp,
    /// The grouping.
    pub granularity: Granularity,
    /// The groups covering `[from, to)`, clipped to it, in order.
    pub buckets: Vec<Bucket>,
    /// The IANA timezone used.
    pub timezone: String,
}

impl Period {
    /// The length in whole days (rounded up), at least 1.
    pub fn days(&self) -> i64 {
        let ms = self.to.unix_millis() - self.from.unix_millis();
        ((ms + 86_399_999) / 86_400_000).max(1)
    }
}

/// The timezone of a name, falling back to [`DEFAULT_TIMEZONE`] and then UTC.
pub fn timezone(name: &str) -> &'static Tz {
    timezones::get_by_name(name)
        .or_else(|| timezones::get_by_name(DEFAULT_TIMEZONE))
        .unwrap_or(timezones::db::UTC)
}

/// The instant a local date starts in `tz` (the first valid local time of the day, so a
/// daylight-saving gap at midnight moves it forward, an overlap takes the earlier instant).
pub fn local_day_start(date: Date, tz: &Tz) -> Timestamp {
    let midnight = PrimitiveDateTime::new(date, Time::MIDNIGHT);
    let mut probe = midnight;
    for _ in 0..4 {
        match probe.assume_timezone(tz) {
            time_tz::OffsetResult::Some(at) => return Timestamp::new(at),
            time_tz::OffsetResult::Ambiguous(first, _) => return Timestamp::new(first),
            time_tz::OffsetResult::None => probe += Duration::hours(1),
        }
    }
    Timestamp::new(midnight.assume_utc())
}

/// The local date of an instant in `tz`.
pub fn local_date(at: Timestamp, tz: &Tz) -> Date {
    at.as_offset_date_time().to_timezone(tz).date()
}

fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), format).ok()
}

/// A bound: a local date, or an instant.
enum Bound {
    Day(Date),
    Instant(Timestamp),
}

fn parse_bound(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<Bound> {
    if let Some(date) = parse_date(text) {
        return Some(Bound::Day(date));
    }
    match Timestamp::parse(text.trim()) {
        Ok(at) => Some(Bound::Instant(at)),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "must be a date YYYY-MM-DD or an RFC 3339 time",
            ));
            None
        }
    }
}

fn month_start(date: Date) -> Date {
    date.replace_day(1).unwrap_or(date)
}

fn add_months(date: Date, months: i32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months;
    let year = index.div_euclid(12);
    let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
    let month = Month::try_from(month).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1).unwrap_or(date)
}

fn week_start(date: Date) -> Date {
    let back = i64::from(date.weekday().number_days_from_monday());
    date.checked_sub(Duration::days(back)).unwrap_or(date)
}

fn preset_start(preset: Preset, today: Date) -> (Date, Date) {
    // (start of the current period, start of the previous one)
    match preset {
        Preset::Today => (today, today.previous_day().unwrap_or(today)),
        Preset::Week => {
            let start = week_start(today);
            (start, start.checked_sub(Duration::days(7)).unwrap_or(start))
        }
        Preset::Month => {
            let start = month_start(today);
            (start, add_months(start, -1))
        }
        Preset::Quarter => {
            let month0 = i32::from(u8::from(today.month())) - 1;
            let start = add_months(month_start(today), -(month0 % 3));
            (start, add_months(start, -3))
        }
        Preset::Year => {
            let start = Date::from_calendar_date(today.year(), Month::January, 1).unwrap_or(today);
            (start, add_months(start, -12))
        }
    }
}

fn bucket_label(granularity: Granularity, date: Date) -> String {
    match granularity {
        Granularity::Day => format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        Granularity::Week => {
            let (year, week, _) = date.to_iso_week_date();
            format!("{year:04}-W{week:02}")
        }
        Granularity::Month => format!("{:04}-{:02}", date.year(), u8::from(date.month())),
    }
}

fn next_bucket(granularity: Granularity, start: Date) -> Date {
    match granularity {
        Granularity::Day => start.next_day().unwrap_or(start),
        Granularity::Week => start.checked_add(Duration::days(7)).unwrap_or(start),
        Granularity::Month => add_months(start, 1),
    }
}

fn bucket_start(granularity: Granularity, date: Date) -> Date {
    match granularity {
        Granularity::Day => date,
        Granularity::Week => week_start(date),
        Granularity::Month => month_start(date),
    }
}

/// The buckets covering `[from, to)`, clipped to it; `None` when there would be more than
/// [`MAX_BUCKETS`].
pub fn buckets(
    from: Timestamp,
    to: Timestamp,
    granularity: Granularity,
    tz: &Tz,
) -> Option<Vec<Bucket>> {
    let mut out = Vec::new();
    let mut day = bucket_start(granularity, local_date(from, tz));
    while out.len() <= MAX_BUCKETS {
        let start = local_day_start(day, tz).max(from);
        if start >= to {
            return Some(out);
        }
        let next = next_bucket(granularity, day);
        if next <= day {
            return Some(out);
        }
        let end = local_day_start(next, tz).min(to);
        out.push(Bucket {
            label: bucket_label(granularity, day),
            from: start,
            to: end,
        });
        day = next;
    }
    None
}

/// Resolves a request at `now` in the business timezone `timezone_name`.
pub fn resolve(
    request: &PeriodRequest,
    now: Timestamp,
    timezone_name: &str,
) -> Result<Period, Vec<FieldError>> {
    let tz = timezone(timezone_name);
    let mut errors = Vec::new();
    let granularity = request.granularity.unwrap_or(Granularity::Day);
    let custom = request.from.is_some() || request.to.is_some();
    if request.preset.is_some() && custom {
        errors.push(FieldError::new(
            "period",
            "give either a period preset or from/to, not both",
        ));
        return Err(errors);
    }
    let (preset, from, to, previous_from, previous_to) = if custom {
        let from = request
            .from
            .as_deref()
            .and_then(|t| parse_bound("from", t, &mut errors));
        let to = request
            .to
            .as_deref()
            .and_then(|t| parse_bound("to", t, &mut errors));
        if !errors.is_empty() {
            return Err(errors);
        }
        let to = match to {
            Some(Bound::Day(date)) => local_day_start(date.next_day().unwrap_or(date), tz),
            Some(Bound::Instant(at)) => at,
            None => now,
        };
        let from = match from {
            Some(Bound::Day(date)) => local_day_start(date, tz),
            Some(Bound::Instant(at)) => at,
            // Without a start: the 30 days before the end.
            None => to.plus_seconds(-30 * 86_400),
        };
        if from >= to {
            return Err(vec![FieldError::new("from", "must be earlier than to")]);
        }
        let length = to.unix_millis() - from.unix_millis();
        if length > MAX_PERIOD_DAYS * 86_400_000 {
            return Err(vec![FieldError::new(
                "from",
                format!("a period may span at most {MAX_PERIOD_DAYS} days"),
            )]);
        }
        let previous_from =
            Timestamp::from_unix_millis(from.unix_millis() - length).unwrap_or(from);
        (None, from, to, previous_from, from)
    } else {
        let preset = request.preset.unwrap_or(Preset::Month);
        let today = local_date(now, tz);
        let (start, previous_start) = preset_start(preset, today);
        let from = local_day_start(start, tz);
        let previous_from = local_day_start(previous_start, tz);
        // The previous period up to the same point: as long as this one has run so far, but
        // never past its own end.
        let elapsed = now.unix_millis() - from.unix_millis();
        let previous_to = Timestamp::from_unix_millis(previous_from.unix_millis() + elapsed)
            .unwrap_or(from)
            .min(from);
        let to = Timestamp::from_unix_millis(now.unix_millis() + 1).unwrap_or(now);
        (Some(preset), from, to, previous_from, previous_to)
    };
    let Some(buckets) = buckets(from, to, granularity, tz) else {
        return Err(vec![FieldError::new(
            "granularity",
            format!("too many groups: at most {MAX_BUCKETS}; choose a coarser granularity"),
        )]);
    };
    Ok(Period {
        preset,
        from,
        to,
        previous_from,
        previous_to,
        granularity,
        buckets,
        timezone: tz.name().to_owned(),
    })
}

/// The change from `previous` to `current` in percent with one decimal, `None` when the
/// previous value is zero (no comparable base).
pub fn change_percent(current: i64, previous: i64) -> Option<f64> {
    if previous == 0 {
        return None;
    }
    let change = (current as f64 - previous as f64) * 100.0 / (previous as f64).abs();
    Some((change * 10.0).round() / 10.0)
}

/// Whether `date` falls on a weekend.
pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// `now` as a date-time in `tz` (for hour-of-day and weekday grouping).
pub fn local_time(at: Timestamp, tz: &Tz) -> OffsetDateTime {
    at.as_offset_date_time().to_timezone(tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn today_in_moscow_compares_with_yesterday_so_far() {
        // 2026-11-24 12:00 UTC = 15:00 in Moscow.
        let p = resolve(
            &PeriodRequest {
                preset: Some(Preset::Today),
                ..PeriodRequest::default()
            },
            at("2026-11-24T12:00:00Z"),
            "Europe/Moscow",
        )
        .unwrap();
        assert_eq!(p.from, at("2026-11-23T21:00:00Z"));
        assert_eq!(p.to, at("2026-11-24T12:00:00.001Z"));
        assert_eq!(p.previous_from, at("2026-11-22T21:00:00Z"));
        assert_eq!(p.previous_to, at("2026-11-23T12:00:00Z"));
        assert_eq!(p.buckets.len(), 1);
        assert_eq!(p.buckets[0].label, "2026-11-24");
    }

    #[test]
    fn custom_dates_include_the_last_day_and_compare_with_the_same_length_before() {
        let p = resolve(
            &PeriodRequest {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-10".into()),
                granularity: Some(Granularity::Week),
                ..PeriodRequest::default()
            },
            at("2026-11-24T12:00:00Z"),
            "UTC",
        )
        .unwrap();
        assert_eq!(p.from, at("2026-11-01T00:00:00Z"));
        assert_eq!(p.to, at("2026-11-11T00:00:00Z"));
        assert_eq!(p.previous_from, at("2026-10-22T00:00:00Z"));
        assert_eq!(p.previous_to, p.from);
        let labels: Vec<_> = p.buckets.iter().map(|b| b.label.as_str()).collect();
        // 1 Nov 2026 is a Sunday: the week of 26 Oct, then 2 Nov, then 9 Nov.
        assert_eq!(labels, ["2026-W44", "2026-W45", "2026-W46"]);
        assert_eq!(p.buckets[0].from, p.from);
        assert_eq!(p.buckets[2].to, p.to);
        assert_eq!(p.days(), 10);
    }

    #[test]
    fn months_and_quarters_follow_the_calendar() {
        let p = resolve(
            &PeriodRequest {
                preset: Some(Preset::Quarter),
                granularity: Some(Granularity::Month),
                ..PeriodRequest::default()
            },
            at("2026-11-24T12:00:00Z"),
            "UTC",
        )
        .unwrap();
        assert_eq!(p.from, at("2026-10-01T00:00:00Z"));
        assert_eq!(p.previous_from, at("2026-07-01T00:00:00Z"));
        let labels: Vec<_> = p.buckets.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2026-10", "2026-11"]);
    }

    #[test]
    fn daylight_saving_days_are_exact() {
        // Berlin leaves summer time on 25 Oct 2026: that day has 25 hours.
        let p = resolve(
            &PeriodRequest {
                from: Some("2026-10-25".into()),
                to: Some("2026-10-25".into()),
                ..PeriodRequest::default()
            },
            at("2026-11-24T12:00:00Z"),
            "Europe/Berlin",
        )
        .unwrap();
        assert_eq!(p.to.unix_millis() - p.from.unix_millis(), 25 * 3_600_000);
    }

    #[test]
    fn refuses_contradictions_and_huge_requests() {
        let now = at("2026-11-24T12:00:00Z");
        let both = PeriodRequest {
            preset: Some(Preset::Week),
            from: Some("2026-11-01".into()),
            ..PeriodRequest::default()
        };
        assert_eq!(resolve(&both, now, "UTC").unwrap_err()[0].field, "period");
        let reversed = PeriodRequest {
            from: Some("2026-11-10".into()),
            to: Some("2026-11-01".into()),
            ..PeriodRequest::default()
        };
        assert_eq!(resolve(&reversed, now, "UTC").unwrap_err()[0].field, "from");
        let junk = PeriodRequest {
            from: Some("yesterday".into()),
            ..PeriodRequest::default()
        };
        assert_eq!(resolve(&junk, now, "UTC").unwrap_err()[0].field, "from");
        let long_by_day = PeriodRequest {
            from: Some("2016-01-01".into()),
            to: Some("2026-01-01".into()),
            ..PeriodRequest::default()
        };
        assert!(resolve(&long_by_day, now, "UTC").is_err());
    }

    #[test]
    fn change_is_relative_to_the_previous_value() {
        assert_eq!(change_percent(150, 100), Some(50.0));
        assert_eq!(change_percent(50, 200), Some(-75.0));
        assert_eq!(change_percent(5, 0), None);
        assert_eq!(change_percent(1, 3), Some(-66.7));
    }
}
