//! The dialogue model: messages in both directions, their sources and statuses, replies, the
//! registry filter and group sends, with the text limits of each channel.

use crate::campaigns::model::{Audience, Purpose, MAX_CLIENT_LIST, OPT_OUT_FOOTER};
use crate::delivery::DeliveryStatus;
use crm_core::{Channel, ClientId, EmployeeId, MessageId, Timestamp, Validation};
use serde::{Deserialize, Serialize};

/// Longest message a client may write from the Mini App.
pub const MAX_INBOUND_CHARS: usize = 4_096;
/// Longest name fragment the registry searches for.
pub const MAX_NAME_FILTER_CHARS: usize = 100;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the client to the business.
    Inbound,
    /// From the business to the client.
    Outbound,
}

impl Direction {
    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [Direction::Inbound, Direction::Outbound]
            .into_iter()
            .find(|d| d.code() == code)
    }
}

/// What produced a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageSource {
    /// Written by the client in the Mini App.
    App,
    /// A staff member's reply in the dialogue.
    AdminReply,
    /// One message of a group send.
    GroupSend,
    /// A staff member's answer to a feedback entry.
    FeedbackAnswer,
}

impl MessageSource {
    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            MessageSource::App => "app",
            MessageSource::AdminReply => "admin_reply",
            MessageSource::GroupSend => "group_send",
            MessageSource::FeedbackAnswer => "feedback_answer",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            MessageSource::App,
            MessageSource::AdminReply,
            MessageSource::GroupSend,
            MessageSource::FeedbackAnswer,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// Whether a message of this source answers the client (clears "unanswered"): replies and
    /// feedback answers do; group sends do not.
    pub fn answers(self) -> bool {
        matches!(
            self,
            MessageSource::AdminReply | MessageSource::FeedbackAnswer
        )
    }
}

/// Where a message stands: `received` for inbound messages, the delivery's status for
/// outbound ones (kept in step with it by storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// An inbound message, stored.
    Received,
    /// Waiting in the delivery queue.
    Queued,
    /// Being sent.
    Sending,
    /// Accepted by the provider.
    Sent,
    /// Confirmed delivered.
    Delivered,
    /// Not sent; `reason` says why.
    Failed,
}

impl MessageStatus {
    /// Every status, in a stable order.
    pub const ALL: [MessageStatus; 6] = [
        MessageStatus::Received,
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Failed,
    ];

    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            MessageStatus::Received => "received",
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Failed => "failed",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl From<DeliveryStatus> for MessageStatus {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Queued => MessageStatus::Queued,
            DeliveryStatus::Sending => MessageStatus::Sending,
            DeliveryStatus::Sent => MessageStatus::Sent,
            DeliveryStatus::Delivered => MessageStatus::Delivered,
            DeliveryStatus::Failed => MessageStatus::Failed,
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Id.
    pub id: MessageId,
    /// The client of the conversation.
    pub client_id: ClientId,
    /// The client's full name (for the registry).
    pub client_name: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Channel it came or went through.
    pub channel: Channel,
    /// Text.
    pub text: String,
    /// The employee who wrote it (outbound messages from staff).
    pub author: Option<EmployeeId>,
    /// What produced it.
    pub source: MessageSource,
    /// Where it stands.
    pub status: MessageStatus,
    /// Why it failed.
    pub reason: Option<String>,
    /// The delivery that sends it (outbound).
    pub delivery_id: Option<i64>,
    /// The group send it belongs to.
    pub group_send_id: Option<i64>,
    /// Written at.
    pub created_at: Timestamp,
    /// Last status change.
    pub updated_at: Timestamp,
}

/// A message to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The client.
    pub client_id: ClientId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Channel.
    pub channel: Channel,
    /// Text (as sent: with the opt-out footer for advertising).
    pub text: String,
    /// The employee who wrote it.
    pub author: Option<EmployeeId>,
    /// What produced it.
    pub source: MessageSource,
    /// The group send it belongs to.
    pub group_send_id: Option<i64>,
}

/// A staff member's message to one client through a chosen channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The client.
    pub client_id: ClientId,
    /// Channel to send through.
    pub channel: Channel,
    /// Text.
    pub text: String,
    /// Reply in the dialogue or answer to feedback.
    pub source: MessageSource,
}

/// What storage knows about a client for addressing one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientContact {
    /// Full name.
    pub name: String,
    /// Consent to the processing of personal data.
    pub consent_personal_data: bool,
    /// The address on the channel asked for, if the client has one.
    pub address: Option<String>,
}

/// The registry's filters; every filter set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Written at or after.
    pub from: Option<Timestamp>,
    /// Written before.
    pub to: Option<Timestamp>,
    /// Part of the client's full name, lower-cased.
    pub name: Option<String>,
    /// Status.
    pub status: Option<MessageStatus>,
    /// Channel.
    pub channel: Option<Channel>,
    /// Direction.
    pub direction: Option<Direction>,
    /// One client.
    pub client_id: Option<ClientId>,
    /// Only unanswered conversations: their client's latest inbound message.
    pub unanswered: bool,
    /// Keyset paging: only rows strictly older than this message in the registry's order
    /// (`created_at` descending, then id descending). Does not change the total.
    pub before: Option<MessageId>,
}

/// Who a group send goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRecipients {
    /// These clients.
    Clients(Vec<ClientId>),
    /// Every client matching the segment.
    Segment(Audience),
}

/// One message to many clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSend {
    /// Channel.
    pub channel: Channel,
    /// Text.
    pub text: String,
    /// Advertising (personal data + marketing + the channel's consent, opt-out footer) or
    /// transactional (personal data only).
    pub purpose: Purpose,
    /// Recipients.
    pub recipients: GroupRecipients,
}

impl GroupSend {
    /// What the request asks for, as one string (channel, purpose, trimmed text, the sorted
    /// list of clients or the segment): a retry under the same `Idempotency-Key` has the same.
    pub fn fingerprint(&self) -> String {
        let recipients = match &self.recipients {
            GroupRecipients::Clients(ids) => {
                let mut ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
                ids.sort_unstable();
                ids.dedup();
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!("clients:{}", list.join(","))
            }
            GroupRecipients::Segment(audience) => format!("segment:{audience:?}"),
        };
        format!(
            "group_send|{}|{}|{:?}|{recipients}",
            self.channel,
            self.purpose.code(),
            self.text.trim()
        )
    }
}

/// What a group send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupSendReport {
    /// The stored group send.
    pub group_send_id: i64,
    /// Clients addressed (listed, or matching the segment).
    pub requested: u64,
    /// Messages queued.
    pub queued: u64,
    /// Skipped: without the consent the purpose needs.
    pub skipped_no_consent: u64,
    /// Skipped: consenting but without an address on the channel.
    pub skipped_no_contact: u64,
    /// Skipped: advertising over the touch-frequency cap.
    pub skipped_capped: u64,
    /// Skipped: the text with the client's name and balance filled in (and the opt-out
    /// footer) is over the channel's limit.
    pub skipped_too_long: u64,
}

/// The longest text a message on `channel` may carry: the one per-channel table shared with
/// the campaigns (see [`crate::campaigns::model::text_limit`]).
pub use crate::campaigns::model::text_limit;

/// Checks an outbound text on `channel`: not blank, within the channel's limit (with the
/// opt-out footer counted when `footer` is set). Characters are Unicode scalar values of the
/// trimmed text (what is sent).
pub fn validate_outbound_text(channel: Channel, text: &str, footer: bool, v: &mut Validation) {
    let chars = text.trim().chars().count();
    if chars == 0 {
        v.add("text", "must not be empty");
    } else if let Some(message) = over_limit(channel, chars, footer) {
        v.add("text", message);
    }
}

/// Why a text of `chars` characters (plus the opt-out footer when `footer` is set) does not
/// fit `channel`; `None` when it fits.
pub fn over_limit(channel: Channel, chars: usize, footer: bool) -> Option<String> {
    let limit = text_limit(channel);
    let extra = if footer {
        OPT_OUT_FOOTER.chars().count()
    } else {
        0
    };
    (chars + extra > limit).then(|| {
        format!(
            "is {chars} characters; at most {} fit the {channel} limit of {limit}",
            limit.saturating_sub(extra)
        )
    })
}

/// Checks a client's message from the Mini App: 1 to 4096 characters, not blank.
pub fn validate_inbound_text(text: &str, v: &mut Validation) {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        v.add("text", "must not be empty");
    } else if chars > MAX_INBOUND_CHARS {
        v.add(
            "text",
            format!("is {chars} characters; at most {MAX_INBOUND_CHARS}"),
        );
    }
}

/// Checks the recipients of a group send (the segment's filters, the list's size).
pub fn validate_recipients(recipients: &GroupRecipients, v: &mut Validation) {
    match recipients {
        GroupRecipients::Clients(ids) => {
            if ids.len() > MAX_CLIENT_LIST {
                v.add("client_ids", "at most 10000 clients");
            }
            if ids.iter().any(|id| id.get() <= 0) {
                v.add("client_ids", "client ids are positive");
            }
        }
        GroupRecipients::Segment(audience) => {
            let mut inner = Validation::new();
            audience.validate(&mut inner);
            if let Err(errors) = inner.finish() {
                for e in errors {
                    let field = e.field.replacen("audience.", "segment.", 1);
                    v.add(field, e.message);
                }
            }
        }
    }
}
