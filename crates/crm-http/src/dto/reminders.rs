//! Reminder bodies: the four rules, a partial change of some of them, and the run's report.

use crm_comms::reminders::{
    OffsetCounts, ReminderOffset, ReminderRule, RuleChange, RunReport, SkipReason, SkippedReminder,
};
use crm_core::{Channel, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// How long before an appointment's start a reminder goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
pub enum OffsetCode {
    /// One hour before.
    #[serde(rename = "1h")]
    Hour,
    /// Four hours before.
    #[serde(rename = "4h")]
    FourHours,
    /// One day before.
    #[serde(rename = "1d")]
    Day,
    /// One week before.
    #[serde(rename = "1w")]
    Week,
}

impl From<OffsetCode> for ReminderOffset {
    fn from(o: OffsetCode) -> Self {
        match o {
            OffsetCode::Hour => Self::Hour,
            OffsetCode::FourHours => Self::FourHours,
            OffsetCode::Day => Self::Day,
            OffsetCode::Week => Self::Week,
        }
    }
}

impl From<ReminderOffset> for OffsetCode {
    fn from(o: ReminderOffset) -> Self {
        match o {
            ReminderOffset::Hour => Self::Hour,
            ReminderOffset::FourHours => Self::FourHours,
            ReminderOffset::Day => Self::Day,
            ReminderOffset::Week => Self::Week,
        }
    }
}

/// A reminder rule.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RuleResponse {
    /// The offset before the start: `1h`, `4h`, `1d` or `1w`.
    pub offset: OffsetCode,
    /// Whether reminders at this offset go out.
    pub enabled: bool,
    /// The channel they go through.
    pub channel: Channel,
    /// The text; placeholders `{client_name}`, `{service}`, `{master}`, `{time}` (local start
    /// time in the business timezone, `25.11.2026 14:00`) and `{address}`.
    pub template: String,
    /// Who changed the rule last (absent for the seeded rule).
    pub updated_by: Option<String>,
    /// When it was changed last.
    pub updated_at: Option<Timestamp>,
}

impl From<ReminderRule> for RuleResponse {
    fn from(r: ReminderRule) -> Self {
        Self {
            offset: r.offset.into(),
            enabled: r.enabled,
            channel: r.channel,
            template: r.template,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        }
    }
}

/// The four reminder rules, shortest offset first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RulesResponse {
    /// The rules.
    pub rules: Vec<RuleResponse>,
    /// The placeholders a template may use.
    pub placeholders: Vec<String>,
}

impl RulesResponse {
    /// The body of a rule list.
    pub fn new(rules: Vec<ReminderRule>) -> Self {
        Self {
            rules: rules.into_iter().map(Into::into).collect(),
            placeholders: crm_comms::reminders::model::PLACEHOLDERS
                .iter()
                .map(|p| format!("{{{p}}}"))
                .collect(),
        }
    }
}

/// A change of one rule: only the given parts change.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct RuleChangeBody {
    /// Which rule: `1h`, `4h`, `1d` or `1w`.
    pub offset: OffsetCode,
    /// Whether reminders at this offset go out.
    pub enabled: Option<bool>,
    /// The channel.
    pub channel: Option<Channel>,
    /// The text with placeholders (not empty, within the channel's limit: Telegram and the
    /// messengers 4096 characters, SMS 670, e-mail 10000).
    pub template: Option<String>,
}

/// A partial change of some rules, all or nothing.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct RulesUpdateRequest {
    /// The rules to change (each offset at most once).
    pub rules: Vec<RuleChangeBody>,
}

impl RulesUpdateRequest {
    /// The domain's changes.
    pub fn into_changes(self) -> Vec<RuleChange> {
        self.rules
            .into_iter()
            .map(|r| RuleChange {
                offset: r.offset.into(),
                enabled: r.enabled,
                channel: r.channel,
                template: r.template,
            })
            .collect()
    }
}

/// Why a reminder was not sent.
#[derive(Debug, Clone, Copy, Serialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReasonCode {
    /// No consent to the processing of personal data.
    NoConsent,
    /// No address on the rule's channel.
    NoContact,
}

impl From<SkipReason> for SkipReasonCode {
    fn from(r: SkipReason) -> Self {
        match r {
            SkipReason::NoConsent => Self::NoConsent,
            SkipReason::NoContact => Self::NoContact,
        }
    }
}

/// A reminder the run skipped (reported once: it is recorded and not retried).
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SkippedBody {
    /// The appointment.
    pub appointment_id: i64,
    /// The offset.
    pub offset: OffsetCode,
    /// Why.
    pub reason: SkipReasonCode,
}

impl From<SkippedReminder> for SkippedBody {
    fn from(s: SkippedReminder) -> Self {
        Self {
            appointment_id: s.appointment_id.get(),
            offset: s.offset.into(),
            reason: s.reason.into(),
        }
    }
}

/// A run's figures for one offset.
#[derive(Debug, Default, Serialize, Apiv2Schema)]
pub struct OffsetCountsBody {
    /// Reminders enqueued.
    pub queued: u64,
    /// Reminders skipped.
    pub skipped: u64,
}

impl From<&OffsetCounts> for OffsetCountsBody {
    fn from(c: &OffsetCounts) -> Self {
        Self {
            queued: c.queued as u64,
            skipped: c.skipped as u64,
        }
    }
}

/// A run's figures per offset.
#[derive(Debug, Default, Serialize, Apiv2Schema)]
pub struct ByOffsetBody {
    /// One hour before.
    #[serde(rename = "1h")]
    pub hour: OffsetCountsBody,
    /// Four hours before.
    #[serde(rename = "4h")]
    pub four_hours: OffsetCountsBody,
    /// One day before.
    #[serde(rename = "1d")]
    pub day: OffsetCountsBody,
    /// One week before.
    #[serde(rename = "1w")]
    pub week: OffsetCountsBody,
}

/// What a reminder run did: only what this run recorded.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct RunResponse {
    /// Reminders enqueued in the delivery queue.
    pub queued: u64,
    /// Reminders skipped, with the reason.
    pub skipped: Vec<SkippedBody>,
    /// Per offset.
    pub by_offset: ByOffsetBody,
}

impl From<RunReport> for RunResponse {
    fn from(r: RunReport) -> Self {
        let mut by_offset = ByOffsetBody::default();
        for counts in &r.by_offset {
            let slot = match counts.offset {
                ReminderOffset::Hour => &mut by_offset.hour,
                ReminderOffset::FourHours => &mut by_offset.four_hours,
                ReminderOffset::Day => &mut by_offset.day,
                ReminderOffset::Week => &mut by_offset.week,
            };
            *slot = counts.into();
        }
        Self {
            queued: r.queued as u64,
            skipped: r.skipped.into_iter().map(Into::into).collect(),
            by_offset,
        }
    }
}
