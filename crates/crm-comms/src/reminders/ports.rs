//! The port the reminders need from storage: the rules, the due set per offset (index-backed,
//! in bounded batches) and recording each reminder once together with its delivery.

use crate::reminders::model::{DueReminder, ReminderOffset, ReminderRule, ReminderSend};
use crm_core::{Channel, RepoError, Timestamp};

/// Storage of reminder rules and of the reminders recorded per appointment and offset.
#[cfg_attr(test, mockall::automock)]
pub trait ReminderRepository {
    /// The four rules, shortest offset first.
    fn rules(&self) -> Result<Vec<ReminderRule>, RepoError>;

    /// Writes these rules back in one transaction.
    fn save_rules(&self, rules: &[ReminderRule]) -> Result<(), RepoError>;

    /// Up to `limit` appointments, earliest start first, whose reminder at `offset` is due at
    /// `now` and not yet recorded: status `scheduled`, start in
    /// `(now + next shorter offset, now + offset]` (the next shorter offset is 0 for 1 h), made
    /// at or before `start - offset`; with the client's consent and address on `channel`.
    fn due(
        &self,
        offset: ReminderOffset,
        channel: Channel,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueReminder>, RepoError>;

    /// Records the reminders in one transaction: per reminder a row unique per appointment and
    /// offset and, for a queued one, its delivery (enqueued by its dedupe key), each only while
    /// the appointment is still `scheduled` (checked in the same transaction). Returns, in
    /// order, whether each was recorded by this call (`false`: another run recorded it first,
    /// or the appointment was cancelled, completed or marked no-show meanwhile).
    fn record(&self, sends: &[ReminderSend], at: Timestamp) -> Result<Vec<bool>, RepoError>;
}

impl<T: ReminderRepository + ?Sized> ReminderRepository for std::sync::Arc<T> {
    fn rules(&self) -> Result<Vec<ReminderRule>, RepoError> {
        (**self).rules()
    }
    fn save_rules(&self, rules: &[ReminderRule]) -> Result<(), RepoError> {
        (**self).save_rules(rules)
    }
    fn due(
        &self,
        offset: ReminderOffset,
        channel: Channel,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueReminder>, RepoError> {
        (**self).due(offset, channel, now, limit)
    }
    fn record(&self, sends: &[ReminderSend], at: Timestamp) -> Result<Vec<bool>, RepoError> {
        (**self).record(sends, at)
    }
}
