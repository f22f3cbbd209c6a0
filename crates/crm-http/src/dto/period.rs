//! The period every analytics route reads (`period`, `from`, `to`, `granularity` in the query
//! string) and the resolved period every analytics response echoes.

use crm_analytics::period::{Bucket, Granularity, Period, PeriodRequest, Preset};
use crm_core::Timestamp;
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A named period: the current calendar period up to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum PresetCode {
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

impl From<PresetCode> for Preset {
    fn from(code: PresetCode) -> Self {
        match code {
            PresetCode::Today => Preset::Today,
            PresetCode::Week => Preset::Week,
            PresetCode::Month => Preset::Month,
            PresetCode::Quarter => Preset::Quarter,
            PresetCode::Year => Preset::Year,
        }
    }
}

impl From<Preset> for PresetCode {
    fn from(preset: Preset) -> Self {
        match preset {
            Preset::Today => PresetCode::Today,
            Preset::Week => PresetCode::Week,
            Preset::Month => PresetCode::Month,
            Preset::Quarter => PresetCode::Quarter,
            Preset::Year => PresetCode::Year,
        }
    }
}

/// How series are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum GranularityCode {
    /// Local calendar days.
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl From<GranularityCode> for Granularity {
    fn from(code: GranularityCode) -> Self {
        match code {
            GranularityCode::Day => Granularity::Day,
            GranularityCode::Week => Granularity::Week,
            GranularityCode::Month => Granularity::Month,
        }
    }
}

impl From<Granularity> for GranularityCode {
    fn from(granularity: Granularity) -> Self {
        match granularity {
            Granularity::Day => GranularityCode::Day,
            Granularity::Week => GranularityCode::Week,
            Granularity::Month => GranularityCode::Month,
        }
    }
}

/// The period of an analytics request. Give `period` (a preset) or `from`/`to`, not both;
/// nothing means `period=month`. `from`/`to` are local dates `YYYY-MM-DD` in the business's
/// timezone (both days included) or RFC 3339 instants (`to` excluded). Other query parameters
/// of a route are read separately, so this struct does not refuse them.
#[derive(Debug, Default, Clone, Deserialize, Apiv2Schema)]
pub struct PeriodQuery {
    /// A preset: today, week, month, quarter, year.
    pub period: Option<PresetCode>,
    /// First day (`YYYY-MM-DD`) or start instant (RFC 3339).
    pub from: Option<String>,
    /// Last day included (`YYYY-MM-DD`) or end instant excluded (RFC 3339).
    pub to: Option<String>,
    /// Grouping of series: day (default), week, month.
    pub granularity: Option<GranularityCode>,
}

impl PeriodQuery {
    /// The domain request.
    pub fn request(&self) -> PeriodRequest {
        PeriodRequest {
            preset: self.period.map(Into::into),
            from: self.from.clone(),
            to: self.to.clone(),
            granularity: self.granularity.map(Into::into),
        }
    }
}

/// One group of a series.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct BucketResponse {
    /// Local label: `2026-11-24`, `2026-W48` or `2026-11`.
    pub label: String,
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
}

impl From<&Bucket> for BucketResponse {
    fn from(b: &Bucket) -> Self {
        Self {
            label: b.label.clone(),
            from: b.from,
            to: b.to,
        }
    }
}

/// The period a figure was computed over, as resolved in the business's timezone.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PeriodResponse {
    /// The preset, when one was asked for.
    pub preset: Option<PresetCode>,
    /// Start, included.
    pub from: Timestamp,
    /// End, excluded.
    pub to: Timestamp,
    /// The previous comparable period's start.
    pub previous_from: Timestamp,
    /// The previous comparable period's end, excluded.
    pub previous_to: Timestamp,
    /// The grouping of series.
    pub granularity: GranularityCode,
    /// The IANA timezone used.
    pub timezone: String,
}

impl From<&Period> for PeriodResponse {
    fn from(p: &Period) -> Self {
        Self {
            preset: p.preset.map(Into::into),
            from: p.from,
            to: p.to,
            previous_from: p.previous_from,
            previous_to: p.previous_to,
            granularity: p.granularity.into(),
            timezone: p.timezone.clone(),
        }
    }
}
