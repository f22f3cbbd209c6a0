//! Dialogue bodies: a client's message, a staff reply, the registry's query and page, and
//! group sends with their outcome.

use crate::dto::campaigns::{AudienceBody, PurposeCode};
use crm_comms::dialogues::{Direction, GroupSendReport, Message, MessageSource, MessageStatus};
use crm_core::{Channel, ClientId, EmployeeId, Page, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A client's message from the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AppMessageRequest {
    /// Text, 1 to 4096 characters.
    pub text: String,
}

/// A staff member's reply to one client.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// Channel to send through (the client needs an address on it).
    pub channel: Channel,
    /// Text, within the channel's limit in characters: telegram 4096, vk 4096, max 4000,
    /// facebook 2000, instagram 1000, sms 670, app_push 1000, email 10000.
    pub text: String,
}

/// One message to many clients: a list of client ids or a segment (exactly one of them).
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct GroupSendRequest {
    /// Channel.
    pub channel: Channel,
    /// Text, within the channel's limit (advertising: the opt-out footer counts too); a client
    /// whose text with `{name}`/`{balance}` filled in is over it is skipped as `too_long`.
    pub text: String,
    /// `advertising` (default: personal data + marketing + the channel's consent) or
    /// `transactional` (personal data only).
    #[serde(default)]
    pub purpose: Option<PurposeCode>,
    /// These clients (at most 10000; every id must exist).
    #[serde(default)]
    pub client_ids: Option<Vec<ClientId>>,
    /// Or every client of a segment (tags, levels, traffic channels, spend, ...).
    #[serde(default)]
    pub segment: Option<AudienceBody>,
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionCode {
    /// From the client.
    Inbound,
    /// To the client.
    Outbound,
}

impl From<DirectionCode> for Direction {
    fn from(d: DirectionCode) -> Self {
        match d {
            DirectionCode::Inbound => Direction::Inbound,
            DirectionCode::Outbound => Direction::Outbound,
        }
    }
}

impl From<Direction> for DirectionCode {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Inbound => DirectionCode::Inbound,
            Direction::Outbound => DirectionCode::Outbound,
        }
    }
}

/// What produced a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum SourceCode {
    /// The client, in the Mini App.
    App,
    /// A staff reply.
    AdminReply,
    /// A group send.
    GroupSend,
    /// An answer to feedback.
    FeedbackAnswer,
}

impl From<MessageSource> for SourceCode {
    fn from(s: MessageSource) -> Self {
        match s {
            MessageSource::App => SourceCode::App,
            MessageSource::AdminReply => SourceCode::AdminReply,
            MessageSource::GroupSend => SourceCode::GroupSend,
            MessageSource::FeedbackAnswer => SourceCode::FeedbackAnswer,
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatusCode {
    /// Inbound, stored.
    Received,
    /// Waiting to be sent.
    Queued,
    /// Being sent.
    Sending,
    /// Accepted by the provider.
    Sent,
    /// Confirmed delivered.
    Delivered,
    /// Not sent (`reason` says why).
    Failed,
}

impl From<MessageStatusCode> for MessageStatus {
    fn from(s: MessageStatusCode) -> Self {
        match s {
            MessageStatusCode::Received => MessageStatus::Received,
            MessageStatusCode::Queued => MessageStatus::Queued,
            MessageStatusCode::Sending => MessageStatus::Sending,
            MessageStatusCode::Sent => MessageStatus::Sent,
            MessageStatusCode::Delivered => MessageStatus::Delivered,
            MessageStatusCode::Failed => MessageStatus::Failed,
        }
    }
}

impl From<MessageStatus> for MessageStatusCode {
    fn from(s: MessageStatus) -> Self {
        match s {
            MessageStatus::Received => MessageStatusCode::Received,
            MessageStatus::Queued => MessageStatusCode::Queued,
            MessageStatus::Sending => MessageStatusCode::Sending,
            MessageStatus::Sent => MessageStatusCode::Sent,
            MessageStatus::Delivered => MessageStatusCode::Delivered,
            MessageStatus::Failed => MessageStatusCode::Failed,
        }
    }
}

/// A message.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct MessageResponse {
    /// Id.
    pub id: i64,
    /// The client.
    pub client_id: ClientId,
    /// The client's full name.
    pub client_name: String,
    /// `inbound` or `outbound`.
    pub direction: DirectionCode,
    /// Channel.
    pub channel: Channel,
    /// Text.
    pub text: String,
    /// The employee who wrote it.
    pub author_employee_id: Option<EmployeeId>,
    /// What produced it.
    pub source: SourceCode,
    /// `received` (inbound) or the delivery's status.
    pub status: MessageStatusCode,
    /// Why it failed.
    pub reason: Option<String>,
    /// The delivery sending it.
    pub delivery_id: Option<i64>,
    /// The group send it belongs to.
    pub group_send_id: Option<i64>,
    /// Written at.
    pub created_at: Timestamp,
    /// Last status change.
    pub updated_at: Timestamp,
}

impl From<Message> for MessageResponse {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.get(),
            client_id: m.client_id,
            client_name: m.client_name,
            direction: m.direction.into(),
            channel: m.channel,
            text: m.text,
            author_employee_id: m.author,
            source: m.source.into(),
            status: m.status.into(),
            reason: m.reason,
            delivery_id: m.delivery_id,
            group_send_id: m.group_send_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A page of messages, newest first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct MessagePage {
    /// Messages.
    pub items: Vec<MessageResponse>,
    /// Matching messages in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
    /// The id to pass as `before` for the next page: the last row's id when the page is
    /// full (more may follow); absent on the last page.
    pub next_before: Option<i64>,
}

impl From<Page<Message>> for MessagePage {
    fn from(page: Page<Message>) -> Self {
        let full = page.items.len() >= usize::try_from(page.limit).unwrap_or(usize::MAX);
        Self {
            next_before: page.items.last().filter(|_| full).map(|m| m.id.get()),
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// The registry's filters and paging.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct RegistryQuery {
    /// A day (`YYYY-MM-DD`) in the business's timezone.
    pub date: Option<String>,
    /// Written at or after (RFC 3339).
    pub from: Option<String>,
    /// Written before (RFC 3339).
    pub to: Option<String>,
    /// Part of the client's full name (case-insensitive).
    pub name: Option<String>,
    /// Status.
    pub status: Option<MessageStatusCode>,
    /// Channel.
    pub channel: Option<Channel>,
    /// Direction.
    pub direction: Option<DirectionCode>,
    /// One client.
    pub client_id: Option<i64>,
    /// `true`: only unanswered conversations (each client's latest message from them).
    pub unanswered: Option<bool>,
    /// Keyset paging: a message id; only messages strictly older than it in the registry's
    /// order (newest first, then by id) — pass the previous page's `next_before`.
    pub before: Option<i64>,
    /// Page size (1–500, default 50).
    pub limit: Option<u32>,
    /// Offset (at most 10000; page deeper with `before`).
    pub offset: Option<u64>,
}

/// Paging of one conversation.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ConversationQuery {
    /// Keyset paging: a message id; only messages strictly older than it — pass the
    /// previous page's `next_before`.
    pub before: Option<i64>,
    /// Page size (1–500, default 50).
    pub limit: Option<u32>,
    /// Offset (at most 10000; page deeper with `before`).
    pub offset: Option<u64>,
}

/// The `{client_id}` of a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct ClientPath {
    /// Client id.
    pub client_id: i64,
}

/// Clients skipped by a group send, by reason.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct SkippedResponse {
    /// Without the consent the purpose needs.
    pub no_consent: u64,
    /// Without an address on the channel.
    pub no_contact: u64,
    /// Advertising over the touch-frequency cap.
    pub capped: u64,
    /// The text with the client's name and balance filled in (and, for advertising, the
    /// opt-out footer) is over the channel's limit.
    pub too_long: u64,
}

/// What a group send did.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct GroupSendResponse {
    /// The stored group send.
    pub group_send_id: i64,
    /// Clients addressed.
    pub requested: u64,
    /// Messages queued.
    pub queued: u64,
    /// Clients skipped, by reason.
    pub skipped: SkippedResponse,
}

impl From<GroupSendReport> for GroupSendResponse {
    fn from(r: GroupSendReport) -> Self {
        Self {
            group_send_id: r.group_send_id,
            requested: r.requested,
            queued: r.queued,
            skipped: SkippedResponse {
                no_consent: r.skipped_no_consent,
                no_contact: r.skipped_no_contact,
                capped: r.skipped_capped,
                too_long: r.skipped_too_long,
            },
        }
    }
}
