//! Feedback: the Mini App's rating (`POST /api/v1/feedback/app/rating`) and complaints,
//! suggestions and questions (`POST /api/v1/app/feedback`), and the admin side under
//! `/api/v1/admin/feedback`: the list with filters, the averages per product or service,
//! staff-recorded feedback and answers, which reach the client through the dialogue pipeline.
//!
//! Every staff role may read; owners, admins and managers record and answer (others get 403).

use crate::auth::{AppUser, StaffUser};
use crate::body::Body;
use crate::dto::common::page_request;
use crate::dto::feedback::{
    AdminFeedbackRequest, AnswerRequest, AppFeedbackRequest, FeedbackListQuery, FeedbackPage,
    FeedbackPath, FeedbackRatingsResponse, FeedbackResponse, RatingRequest, RatingsQuery,
};
use crate::error::ApiError;
use crate::routes::operations::idempotency_key;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder, ResponseError};
use crm_comms::dialogues::{MessageSource, Reply};
use crm_comms::feedback::{Answer, AnswerFailure, FeedbackDraft, FeedbackError, FeedbackSource};
use crm_core::{Actor, Channel, FeedbackId, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson, OperationModifier};
use paperclip::v2::models::{DefaultOperationRaw, DefaultSchemaRaw, Either, Response};
use paperclip::v2::schema::Apiv2Schema;
use serde::Serialize;

impl From<FeedbackError> for ApiError {
    fn from(e: FeedbackError) -> Self {
        match e {
            FeedbackError::NotFound => {
                ApiError::not_found("feedback_not_found", "No feedback with this id.")
            }
            FeedbackError::ClientNotFound => ApiError::on_field(
                StatusCode::NOT_FOUND,
                "client_not_found",
                "No client with this id.",
                "client_id",
                "unknown client",
            ),
            FeedbackError::ProductNotFound => ApiError::on_field(
                StatusCode::NOT_FOUND,
                "product_not_found",
                "No product or service with this id.",
                "product_id",
                "unknown product or service",
            ),
            FeedbackError::AppointmentNotFound => ApiError::on_field(
                StatusCode::NOT_FOUND,
                "appointment_not_found",
                "No appointment with this id for this client.",
                "appointment_id",
                "unknown appointment",
            ),
            FeedbackError::AppointmentNotRateable { status } => ApiError::on_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "appointment_not_rateable",
                "Only a completed appointment, or a scheduled one whose start has passed, can \
                 be rated.",
                "appointment_id",
                match status {
                    "cancelled" => "the appointment was cancelled",
                    "no_show" => "the client did not come to the appointment",
                    _ => "the appointment has not started yet",
                },
            ),
            FeedbackError::OperationNotFound => ApiError::on_field(
                StatusCode::NOT_FOUND,
                "operation_not_found",
                "No operation with this id for this client.",
                "operation_id",
                "unknown operation",
            ),
            FeedbackError::Validation(errors) => ApiError::validation(errors),
            FeedbackError::Storage(e) => e.into(),
        }
    }
}

/// A stored entry: 201 when this request created it, 200 when it updated the client's earlier
/// rating of the same appointment.
pub struct SavedJson<T>(pub T, pub bool);

impl<T: Serialize> Responder for SavedJson<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse<BoxBody> {
        let status = if self.1 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        match serde_json::to_string(&self.0) {
            Ok(body) => HttpResponse::build(status)
                .content_type("application/json")
                .body(body),
            Err(e) => ApiError::unavailable(
                "encoding_failed",
                "The response could not be encoded.",
                e.to_string(),
            )
            .error_response(),
        }
    }
}

impl<T: Serialize + Apiv2Schema> Apiv2Schema for SavedJson<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Serialize + Apiv2Schema> OperationModifier for SavedJson<T> {
    fn update_response(op: &mut DefaultOperationRaw) {
        for (status, description) in [
            (StatusCode::CREATED, "Created"),
            (
                StatusCode::OK,
                "An earlier rating of the same appointment was updated",
            ),
        ] {
            op.responses.insert(
                status.as_str().into(),
                Either::Right(Response {
                    description: Some(description.to_owned()),
                    schema: Some({
                        let mut def = T::schema_with_ref();
                        def.retain_ref();
                        def
                    }),
                    ..Default::default()
                }),
            );
        }
    }
}

/// The signed-in client rates a product or service (1–5, optional comment of at most 2000
/// characters), optionally tied to their own appointment (whose service is rated when no
/// `product_id` is given) or purchase. One rating per client per appointment: rating the same
/// appointment again updates the earlier rating and answers 200 instead of 201. A client seen
/// first by Telegram id (`tma` auth) is created on the way in.
#[api_v2_operation(tags(Feedback))]
async fn rate(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<RatingRequest>,
) -> Result<SavedJson<FeedbackResponse>, ApiError> {
    let draft: FeedbackDraft = body.into_inner().into();
    let client_id = user.client_id;
    let by = Actor::Client(client_id).to_string();
    let feedback = state.feedback();
    let saved =
        web::block(move || feedback.submit(client_id, draft, "comment", FeedbackSource::App, &by))
            .await??;
    Ok(SavedJson(saved.feedback.into(), saved.created))
}

/// The signed-in client sends a complaint, suggestion or question (1–2000 characters),
/// optionally about a product or service. A client seen first by Telegram id is created.
#[api_v2_operation(tags(Feedback))]
async fn write(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<AppFeedbackRequest>,
) -> Result<CreatedJson<FeedbackResponse>, ApiError> {
    let draft: FeedbackDraft = body.into_inner().into();
    let client_id = user.client_id;
    let by = Actor::Client(client_id).to_string();
    let feedback = state.feedback();
    let saved =
        web::block(move || feedback.submit(client_id, draft, "text", FeedbackSource::App, &by))
            .await??;
    Ok(CreatedJson(saved.feedback.into()))
}

/// Feedback newest first, with the client's and the product's names. Filters: `kind`,
/// `product_id`, `rating_min`/`rating_max` (1–5, min ≤ max; ratings only), `from` (inclusive)
/// and `to` (exclusive) as RFC 3339, `answered`, `client_id`.
#[api_v2_operation(tags(Feedback))]
async fn list(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<FeedbackListQuery>,
) -> Result<web::Json<FeedbackPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let filter = query.filter().map_err(ApiError::validation)?;
    let feedback = state.feedback();
    let found = web::block(move || feedback.list(&filter, page)).await??;
    Ok(web::Json(found.into()))
}

/// The number of ratings and the average score per product or service, best first, over the
/// ratings recorded in the optional period (`from` inclusive, `to` exclusive). The average is
/// exact: `average_rating` is a decimal string with two places and `average_rating_hundredths`
/// the same value as an integer, both rounded half up from the stored sum and count.
#[api_v2_operation(tags(Feedback))]
async fn ratings(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<RatingsQuery>,
) -> Result<web::Json<FeedbackRatingsResponse>, ApiError> {
    let period = query.period().map_err(ApiError::validation)?;
    let feedback = state.feedback();
    let found = web::block(move || feedback.ratings(&period)).await??;
    Ok(web::Json(FeedbackRatingsResponse::new(period, found)))
}

/// Records feedback on a client's behalf (source `admin`): any kind; a rating needs `rating`
/// (1–5) and a product or the client's appointment, the other kinds a `text`. Rating an
/// appointment the client already rated updates that rating (200 instead of 201).
#[api_v2_operation(tags(Feedback))]
async fn record(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<AdminFeedbackRequest>,
) -> Result<SavedJson<FeedbackResponse>, ApiError> {
    staff.require(Role::manages_business, "record feedback")?;
    let (client_id, draft) = body.into_inner().into_parts();
    let by = Actor::Employee(staff.employee_id).to_string();
    let feedback = state.feedback();
    let saved =
        web::block(move || feedback.submit(client_id, draft, "text", FeedbackSource::Admin, &by))
            .await??;
    Ok(SavedJson(saved.feedback.into(), saved.created))
}

/// Answers a feedback entry: the text (1–2000 characters) goes to the entry's client through
/// the dialogue pipeline on `channel` (default `telegram`; the client needs personal-data
/// consent and an address there — the dialogue's `no_consent` / `no_contact` otherwise), and
/// the answer is recorded with who, when and the dialogue message. A later answer is allowed
/// and replaces the recorded one (each is a message in the dialogue). An `Idempotency-Key`
/// makes a retried request send once.
#[api_v2_operation(tags(Feedback))]
async fn answer(
    req: HttpRequest,
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<FeedbackPath>,
    body: Body<AnswerRequest>,
) -> Result<web::Json<FeedbackResponse>, ApiError> {
    staff.require(Role::manages_business, "answer feedback")?;
    let key = idempotency_key(&req)?;
    let body = body.into_inner();
    let answer = Answer {
        text: body.text,
        channel: body.channel.unwrap_or(Channel::Telegram),
    };
    let id = FeedbackId(path.feedback_id);
    let author = staff.employee_id;
    let feedback = state.feedback();
    let dialogues = state.dialogues();
    let answered = web::block(move || {
        feedback.answer(id, answer, author, |entry, answer| {
            let reply = Reply {
                client_id: entry.client_id,
                channel: answer.channel,
                text: answer.text.clone(),
                source: MessageSource::FeedbackAnswer,
            };
            dialogues
                .reply(reply, author, key)
                .map(|message| message.id)
        })
    })
    .await?;
    match answered {
        Ok(entry) => Ok(web::Json(entry.into())),
        Err(AnswerFailure::Feedback(e)) => Err(e.into()),
        Err(AnswerFailure::Send(e)) => Err(e.into()),
    }
}

/// Registers the feedback routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/feedback/app/rating").route(web::post().to(rate)))
        .service(web::resource("/api/v1/app/feedback").route(web::post().to(write)))
        .service(
            web::resource("/api/v1/admin/feedback")
                .route(web::get().to(list))
                .route(web::post().to(record)),
        )
        .service(web::resource("/api/v1/admin/feedback/ratings").route(web::get().to(ratings)))
        .service(
            web::resource("/api/v1/admin/feedback/{feedback_id}/answer")
                .route(web::post().to(answer)),
        );
}
