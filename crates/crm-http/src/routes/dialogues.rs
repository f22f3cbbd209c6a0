//! Dialogues: the client's message from the Mini App (`POST /api/v1/feedback/app/message`,
//! rate-limited per client), the registry of every message (`GET
//! /api/v1/admin/dialogues/messages`), one client's conversation, a reply through a chosen
//! channel and group sends.
//!
//! Every staff role may read; owners, admins and managers reply and send (a cashier gets 403).

use crate::auth::{AppUser, StaffUser};
use crate::body::Body;
use crate::dto::common::page_request;
use crate::dto::dialogues::{
    AppMessageRequest, ClientPath, ConversationQuery, GroupSendRequest, GroupSendResponse,
    MessagePage, MessageResponse, RegistryQuery, ReplyRequest,
};
use crate::error::ApiError;
use crate::rate_limit::RateLimiter;
use crate::routes::operations::idempotency_key;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use crm_comms::campaigns::Purpose;
use crm_comms::dialogues::{
    DialogueError, GroupRecipients, GroupSend, MessageFilter, MessageSource, Reply,
};
use crm_core::{ClientId, FieldError, MessageId, Role, Timestamp, Validation};
use crm_staff::roster::ports::BusinessTimezone;
use paperclip::actix::{api_v2_operation, web, CreatedJson};

impl From<DialogueError> for ApiError {
    fn from(e: DialogueError) -> Self {
        match e {
            DialogueError::ClientNotFound => {
                ApiError::not_found("client_not_found", "No client with that id.")
            }
            DialogueError::UnknownClients(ids) => {
                let list = ids
                    .iter()
                    .map(|i| i.get().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                ApiError::on_field(
                    StatusCode::NOT_FOUND,
                    "unknown_clients",
                    format!("No clients with the ids {list}."),
                    "client_ids",
                    format!("unknown: {list}"),
                )
            }
            DialogueError::NoConsent => ApiError::on_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_consent",
                "The client has not consented to the processing of personal data.",
                "client_id",
                "no personal-data consent",
            ),
            DialogueError::NoContact { channel } => ApiError::on_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_contact",
                format!("The client has no contact for the {channel} channel."),
                "channel",
                format!("the client has no {channel} contact"),
            ),
            DialogueError::NoRecipients => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_recipients",
                "The group send has no recipients: give client_ids or a segment that matches \
                 clients.",
            ),
            DialogueError::IdempotencyKeyReused => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            ),
            DialogueError::GroupSendInProgress => ApiError::new(
                StatusCode::CONFLICT,
                "group_send_in_progress",
                concat!(
                    "The group send with this Idempotency-Key is still being queued; a retry ",
                    "more than 2 minutes after it began resumes it if it was interrupted."
                ),
            ),
            DialogueError::Validation(errors) => ApiError::validation(errors),
            DialogueError::Repo(e) => e.into(),
        }
    }
}

/// Stores the signed-in client's message to the business (channel Telegram) and marks their
/// conversation unanswered. A client seen first by Telegram id is created on the way in.
/// At most 20 messages per client per 10 minutes (429 with `Retry-After` beyond).
#[api_v2_operation(tags(Dialogues))]
async fn app_message(
    user: AppUser,
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    body: Body<AppMessageRequest>,
) -> Result<CreatedJson<MessageResponse>, ApiError> {
    if let Err(seconds) = limiter.try_acquire(user.client_id.get()) {
        return Err(ApiError::too_many_requests(
            "too_many_messages",
            format!("Too many messages; retry in {seconds} s."),
            seconds,
        ));
    }
    let text = body.into_inner().text;
    let dialogues = state.dialogues();
    let client = user.client_id;
    let stored = web::block(move || dialogues.receive(client, &text))
        .await
        .map_err(ApiError::from)?
        .map_err(ApiError::from)?;
    Ok(CreatedJson(stored.into()))
}

/// The deepest `offset` of the registry and of a conversation: deeper pages go by `before`.
pub const MAX_OFFSET: u64 = 10_000;

/// Checks the keyset paging of a query: `offset` at most [`MAX_OFFSET`], `before` a positive id.
fn check_paging(offset: Option<u64>, before: Option<i64>, v: &mut Validation) {
    if offset.is_some_and(|o| o > MAX_OFFSET) {
        v.add(
            "offset",
            format!(
                "at most {MAX_OFFSET}; page deeper with `before` (the previous page's \
                 `next_before`)"
            ),
        );
    }
    if before.is_some_and(|id| id <= 0) {
        v.add("before", "must be a positive message id");
    }
}

/// Parses an RFC 3339 instant of the query.
fn instant(field: &str, raw: Option<&str>, v: &mut Validation) -> Option<Timestamp> {
    raw.and_then(|r| v.check(field, Timestamp::parse(r.trim())))
}

/// The start of a `YYYY-MM-DD` day in the business timezone, and of the next day.
fn day_bounds(raw: &str, tz: &str) -> Result<(Timestamp, Timestamp), FieldError> {
    let bad = || FieldError::new("date", "must be a date such as 2026-11-24");
    let raw = raw.trim();
    let shaped = raw.len() == 10
        && raw.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(bad());
    }
    let midnight = Timestamp::parse(&format!("{raw}T00:00:00Z")).map_err(|_| bad())?;
    let date = midnight.as_offset_date_time().date();
    let next = date.next_day().ok_or_else(bad)?;
    let tz = crm_analytics::period::timezone(tz);
    Ok((
        crm_analytics::period::local_day_start(date, tz),
        crm_analytics::period::local_day_start(next, tz),
    ))
}

/// The registry of every message with every client, newest first, with each client's name.
/// Filters (all that are given must match): `date` (a day in the business timezone) or
/// `from`/`to`, `name` (part of the client's full name, case-insensitive, Cyrillic too),
/// `status`, `channel`, `direction`, `client_id`, and `unanswered=true` (each client whose
/// last message has no reply: their latest message).
/// Paging: `limit` and `offset` (at most 10000; deeper → 422 naming `offset`), or keyset with
/// `before` (a message id: only the messages strictly older than it, newest first); each
/// page's `next_before` (the last row's id when the page is full) is the next page's
/// `before`, which keeps deep pages as fast as the first. `total` counts every matching
/// message whatever the cursor. An unknown `before` id → 422.
#[api_v2_operation(tags(Dialogues))]
async fn registry(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let mut v = Validation::new();
    let mut from = instant("from", query.from.as_deref(), &mut v);
    let mut to = instant("to", query.to.as_deref(), &mut v);
    if query.client_id.is_some_and(|id| id <= 0) {
        v.add("client_id", "must be a positive id");
    }
    if query.date.is_some() && (query.from.is_some() || query.to.is_some()) {
        v.add("date", "give a date or a from/to period, not both");
    }
    check_paging(query.offset, query.before, &mut v);
    v.finish().map_err(ApiError::validation)?;
    if let Some(date) = query.date {
        let zone = state.roster.timezone.clone();
        let name = web::block(move || zone.timezone()).await??;
        let (start, end) = day_bounds(&date, &name).map_err(|e| ApiError::validation(vec![e]))?;
        from = Some(start);
        to = Some(end);
    }
    let filter = MessageFilter {
        from,
        to,
        name: query.name,
        status: query.status.map(Into::into),
        channel: query.channel,
        direction: query.direction.map(Into::into),
        client_id: query.client_id.map(ClientId),
        unanswered: query.unanswered.unwrap_or(false),
        before: query.before.map(MessageId),
    };
    let dialogues = state.dialogues();
    let found = web::block(move || dialogues.list(filter, page)).await??;
    Ok(web::Json(found.into()))
}

/// One client's whole conversation (both directions, every channel), newest first.
/// Paging as the registry's: `limit` and `offset` (at most 10000), or `before` (a message id:
/// only the messages strictly older than it) with each page's `next_before`.
#[api_v2_operation(tags(Dialogues))]
async fn conversation(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ClientPath>,
    query: web::Query<ConversationQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let mut v = Validation::new();
    check_paging(query.offset, query.before, &mut v);
    v.finish().map_err(ApiError::validation)?;
    let client = ClientId(path.client_id);
    let before = query.before.map(MessageId);
    let dialogues = state.dialogues();
    let found = web::block(move || dialogues.conversation(client, before, page)).await??;
    Ok(web::Json(found.into()))
}

/// Replies to a client through a chosen channel: the client must have consented to the
/// processing of personal data (a reply is transactional: the client wrote first) and have an
/// address on the channel. One delivery is queued with the message; an `Idempotency-Key`
/// makes a retried request send once. The conversation is no longer unanswered.
#[api_v2_operation(tags(Dialogues))]
async fn reply(
    req: HttpRequest,
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<ClientPath>,
    body: Body<ReplyRequest>,
) -> Result<CreatedJson<MessageResponse>, ApiError> {
    staff.require(Role::manages_business, "reply to clients")?;
    let key = idempotency_key(&req)?;
    let body = body.into_inner();
    let reply = Reply {
        client_id: ClientId(path.client_id),
        channel: body.channel,
        text: body.text,
        source: MessageSource::AdminReply,
    };
    let author = staff.employee_id;
    let dialogues = state.dialogues();
    let stored = web::block(move || dialogues.reply(reply, author, key)).await??;
    Ok(CreatedJson(stored.into()))
}

/// Sends one message to a list of clients (`client_ids`, every id must exist) or a segment
/// (`segment`: tags, levels, traffic channels, spend, ...), through the delivery queue. Each
/// client is queued or skipped for lack of consent (advertising: personal data, marketing and
/// the channel's own consent; transactional: personal data), of an address on the channel,
/// (advertising) over the touch-frequency cap, or because the text with the client's `{name}`
/// and `{balance}` filled in is over the channel's limit (`too_long`). No recipients → 422
/// `no_recipients`. An `Idempotency-Key` makes a retry answer the first outcome and send
/// nothing again; the key with another body → 409 `idempotency_key_reused`.
#[api_v2_operation(tags(Dialogues))]
async fn send_group(
    req: HttpRequest,
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<GroupSendRequest>,
) -> Result<CreatedJson<GroupSendResponse>, ApiError> {
    staff.require(Role::manages_business, "send group messages")?;
    let key = idempotency_key(&req)?;
    let body = body.into_inner();
    let recipients = match (body.client_ids, body.segment) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "segment",
                "give client_ids or a segment, not both",
            ))
        }
        (Some(ids), None) => GroupRecipients::Clients(ids),
        (None, Some(segment)) => GroupRecipients::Segment(segment.into()),
        (None, None) => return Err(DialogueError::NoRecipients.into()),
    };
    let send = GroupSend {
        channel: body.channel,
        text: body.text,
        purpose: body.purpose.map_or(Purpose::Advertising, Into::into),
        recipients,
    };
    let author = staff.employee_id;
    let dialogues = state.dialogues();
    let report = web::block(move || dialogues.send_group(send, author, key)).await??;
    Ok(CreatedJson(report.into()))
}

/// Mounts the dialogue routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/feedback/app/message").route(web::post().to(app_message)))
        .service(web::resource("/api/v1/admin/dialogues/messages").route(web::get().to(registry)))
        .service(
            web::resource("/api/v1/admin/dialogues/send-group").route(web::post().to(send_group)),
        )
        .service(
            web::resource("/api/v1/admin/dialogues/{client_id}/messages")
                .route(web::get().to(conversation)),
        )
        .service(
            web::resource("/api/v1/admin/dialogues/{client_id}/reply").route(web::post().to(reply)),
        );
}
