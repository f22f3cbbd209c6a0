//! The port the dialogues need from storage: client look-ups for addressing, messages with the
//! upkeep of each conversation's summary, replies and group-send batches written together with
//! their deliveries, and the registry.

use crate::delivery::NewDelivery;
use crate::dialogues::model::{ClientContact, Message, MessageFilter, NewMessage};
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

    /// Stores a group send (counts zero) and returns its id.
    fn create_group_send(&self, send: &NewGroupSend, at: Timestamp) -> Result<i64, RepoError>;

    /// Stores one batch of a group send in one transaction: per pair, the delivery (skipped
    /// when its `dedupe_key` exists) and the message linked to it; returns how many were queued.
    fn queue_group_batch(
        &self,
        group_send_id: i64,
        batch: &[(NewMessage, NewDelivery)],
        at: Timestamp,
    ) -> Result<usize, RepoError>;

    /// Writes the final counts of a group send.
    fn finish_group_send(
        &self,
        group_send_id: i64,
        counts: &GroupSendCounts,
    ) -> Result<(), RepoError>;

    /// The registry: a page of messages matching `filter`, newest first.
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
    fn create_group_send(&self, send: &NewGroupSend, at: Timestamp) -> Result<i64, RepoError> {
        (**self).create_group_send(send, at)
    }
    fn queue_group_batch(
        &self,
        group_send_id: i64,
        batch: &[(NewMessage, NewDelivery)],
        at: Timestamp,
    ) -> Result<usize, RepoError> {
        (**self).queue_group_batch(group_send_id, batch, at)
    }
    fn finish_group_send(
        &self,
        group_send_id: i64,
        counts: &GroupSendCounts,
    ) -> Result<(), RepoError> {
        (**self).finish_group_send(group_send_id, counts)
    }
    fn list(&self, filter: &MessageFilter, page: PageRequest) -> Result<Page<Message>, RepoError> {
        (**self).list(filter, page)
    }
}
