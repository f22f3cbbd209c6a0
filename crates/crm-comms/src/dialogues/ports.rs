//! The port the dialogues need from storage: client look-ups for addressing, messages with the
//! upkeep of each conversation's summary, replies and group-send batches written together with
//! their deliveries, and the registry.

use crate::delivery::NewDelivery;
use crate::dialogues::model::{ClientContact, GroupSendReport, Message, MessageFilter, NewMessage};
use crm_core::{Channel, ClientId, Page, PageRequest, RepoError, Timestamp};

/// The figures of a group send, stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroupSend {
    /// Channel.
    pub channel: Channel,
    /// `advertising` or `transactional`.
    pub purpose: String,
    /// Text as sent.
    pub text: String,
    /// Who sent it (`staff:<id>`).
    pub created_by: String,
    /// The request's `Idempotency-Key`, unique among group sends.
    pub idempotency_key: Option<String>,
    /// What the request asked for (channel, purpose, text, recipients), to tell a retry from
    /// another request under the same key.
    pub fingerprint: String,
}

/// A group send found by its `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGroupSend {
    /// Its id.
    pub id: i64,
    /// When it was created (a send unfinished long after was interrupted).
    pub created_at: Timestamp,
    /// The fingerprint of the request that created it.
    pub fingerprint: String,
    /// Its outcome; `None` while it is still being queued.
    pub report: Option<GroupSendReport>,
}

/// The counts of a finished group send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSendCounts {
    /// Clients addressed.
    pub requested: u64,
    /// Messages queued.
    pub queued: u64,
    /// Skipped for want of consent.
    pub skipped_no_consent: u64,
    /// Skipped for want of an address.
    pub skipped_no_contact: u64,
    /// Skipped over the touch-frequency cap.
    pub skipped_capped: u64,
    /// Skipped: the personalised text was over the channel's limit.
    pub skipped_too_long: u64,
}

/// Storage of messages and conversations.
#[cfg_attr(test, mockall::automock)]
pub trait DialogueRepository {
    /// The client's name, personal-data consent and address on `channel`; `None` when the
    /// client does not exist.
    fn contact(
        &self,
        client_id: ClientId,
        channel: Channel,
    ) -> Result<Option<ClientContact>, RepoError>;

    /// Whether the client exists.
    fn client_exists(&self, client_id: ClientId) -> Result<bool, RepoError>;

    /// Stores an inbound message and marks the conversation unanswered, in one transaction.
    fn insert_inbound(&self, message: &NewMessage, at: Timestamp) -> Result<Message, RepoError>;

    /// Stores an outbound message and enqueues its delivery in one transaction, linking the
    /// two and updating the conversation (a reply clears "unanswered"). The delivery's
    /// `dedupe_key` is used as given when not empty, else it becomes `dialogue:message:<id>`;
    /// when a delivery with that key exists already (a retried request) nothing is written
    /// and the message linked to it is returned.
    fn insert_outbound(
        &self,
        message: &NewMessage,
        delivery: &NewDelivery,
        at: Timestamp,
    ) -> Result<Message, RepoError>;

    /// Stores a group send (counts zero, not finished) and returns its id; `Ok(None)` when
    /// its `idempotency_key` is taken already (nothing written).
    fn create_group_send(
        &self,
        send: &NewGroupSend,
        at: Timestamp,
    ) -> Result<Option<i64>, RepoError>;

    /// The group send made under `idempotency_key`, if any.
    fn find_group_send(&self, idempotency_key: &str) -> Result<Option<StoredGroupSend>, RepoError>;

    /// Stores one batch of a group send in one transaction: per pair, the delivery (skipped
    /// when its `dedupe_key` exists) and the message linked to it; returns how many were queued.
    fn queue_group_batch(
        &self,
        group_send_id: i64,
        batch: &[(NewMessage, NewDelivery)],
        at: Timestamp,
    ) -> Result<usize, RepoError>;

    /// How many messages of the group send are stored (each queued once, whatever the number
    /// of runs that queued it).
    fn count_group_messages(&self, group_send_id: i64) -> Result<u64, RepoError>;

    /// Writes the final counts of a group send and marks it finished.
    fn finish_group_send(
        &self,
        group_send_id: i64,
        counts: &GroupSendCounts,
        at: Timestamp,
    ) -> Result<(), RepoError>;

    /// The registry: a page of messages matching `filter`, newest first (`created_at`, then
    /// id, descending); `total` counts every match whatever `filter.before`. `NotFound` when
    /// the `before` message does not exist.
    fn list(&self, filter: &MessageFilter, page: PageRequest) -> Result<Page<Message>, RepoError>;
}

impl<T: DialogueRepository + ?Sized> DialogueRepository for std::sync::Arc<T> {
    fn contact(
        &self,
        client_id: ClientId,
        channel: Channel,
    ) -> Result<Option<ClientContact>, RepoError> {
        (**self).contact(client_id, channel)
    }
    fn client_exists(&self, client_id: ClientId) -> Result<bool, RepoError> {
        (**self).client_exists(client_id)
    }
    fn insert_inbound(&self, message: &NewMessage, at: Timestamp) -> Result<Message, RepoError> {
        (**self).insert_inbound(message, at)
    }
    fn insert_outbound(
        &self,
        message: &NewMessage,
        delivery: &NewDelivery,
        at: Timestamp,
    ) -> Result<Message, RepoError> {
        (**self).insert_outbound(message, delivery, at)
    }
    fn create_group_send(
        &self,
        send: &NewGroupSend,
        at: Timestamp,
    ) -> Result<Option<i64>, RepoError> {
        (**self).create_group_send(send, at)
    }
    fn find_group_send(&self, idempotency_key: &str) -> Result<Option<StoredGroupSend>, RepoError> {
        (**self).find_group_send(idempotency_key)
    }
    fn queue_group_batch(
        &self,
        group_send_id: i64,
        batch: &[(NewMessage, NewDelivery)],
        at: Timestamp,
    ) -> Result<usize, RepoError> {
        (**self).queue_group_batch(group_send_id, batch, at)
    }
    fn count_group_messages(&self, group_send_id: i64) -> Result<u64, RepoError> {
        (**self).count_group_messages(group_send_id)
    }
    fn finish_group_send(
        &self,
        group_send_id: i64,
        counts: &GroupSendCounts,
        at: Timestamp,
    ) -> Result<(), RepoError> {
        (**self).finish_group_send(group_send_id, counts, at)
    }
    fn list(&self, filter: &MessageFilter, page: PageRequest) -> Result<Page<Message>, RepoError> {
        (**self).list(filter, page)
    }
}
