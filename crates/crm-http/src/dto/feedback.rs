//! Feedback bodies: a client's rating and message from the Mini App, staff-recorded feedback,
//! the admin list's filters and page, the averages per product or service, and answers.

use crm_comms::feedback::{
    Feedback, FeedbackAnswer, FeedbackDraft, FeedbackFilter, FeedbackKind, FeedbackSource, Period,
    ProductRating,
};
use crm_core::{
    AppointmentId, Channel, ClientId, EmployeeId, FeedbackId, FieldError, MessageId, OperationId,
    Page, ProductId, Timestamp,
};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// What a feedback entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKindCode {
    /// A score of 1–5 for a product or service.
    Rating,
    /// Something went wrong.
    Complaint,
    /// An idea for the business.
    Suggestion,
    /// A question to the business.
    Question,
}

impl From<FeedbackKindCode> for FeedbackKind {
    fn from(k: FeedbackKindCode) -> Self {
        match k {
            FeedbackKindCode::Rating => FeedbackKind::Rating,
            FeedbackKindCode::Complaint => FeedbackKind::Complaint,
            FeedbackKindCode::Suggestion => FeedbackKind::Suggestion,
            FeedbackKindCode::Question => FeedbackKind::Question,
        }
    }
}

impl From<FeedbackKind> for FeedbackKindCode {
    fn from(k: FeedbackKind) -> Self {
        match k {
            FeedbackKind::Rating => FeedbackKindCode::Rating,
            FeedbackKind::Complaint => FeedbackKindCode::Complaint,
            FeedbackKind::Suggestion => FeedbackKindCode::Suggestion,
            FeedbackKind::Question => FeedbackKindCode::Question,
        }
    }
}

/// What a client may write from the Mini App besides a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKindCode {
    /// Something went wrong.
    Complaint,
    /// An idea for the business.
    Suggestion,
    /// A question to the business.
    Question,
}

impl From<MessageKindCode> for FeedbackKind {
    fn from(k: MessageKindCode) -> Self {
        match k {
            MessageKindCode::Complaint => FeedbackKind::Complaint,
            MessageKindCode::Suggestion => FeedbackKind::Suggestion,
            MessageKindCode::Question => FeedbackKind::Question,
        }
    }
}

/// Who recorded a feedback entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackSourceCode {
    /// The client, from the Mini App.
    App,
    /// A staff member.
    Admin,
}

impl From<FeedbackSource> for FeedbackSourceCode {
    fn from(s: FeedbackSource) -> Self {
        match s {
            FeedbackSource::App => FeedbackSourceCode::App,
            FeedbackSource::Admin => FeedbackSourceCode::Admin,
        }
    }
}

/// A client's rating of a product or service from the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// The score, 1 to 5.
    pub rating: i64,
    /// The product or service rated (optional with an appointment: its service is rated).
    pub product_id: Option<ProductId>,
    /// The client's own appointment being rated (one rating per appointment; a later one
    /// updates it).
    pub appointment_id: Option<AppointmentId>,
    /// The client's own purchase the rating refers to.
    pub operation_id: Option<OperationId>,
    /// An optional comment, at most 2000 characters.
    pub comment: Option<String>,
}

impl From<RatingRequest> for FeedbackDraft {
    fn from(r: RatingRequest) -> Self {
        FeedbackDraft {
            kind: Some(FeedbackKind::Rating),
            rating: Some(r.rating),
            text: r.comment,
            product_id: r.product_id,
            appointment_id: r.appointment_id,
            operation_id: r.operation_id,
        }
    }
}

/// A client's complaint, suggestion or question from the Mini App.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AppFeedbackRequest {
    /// `complaint`, `suggestion` or `question`.
    pub kind: MessageKindCode,
    /// The text, 1 to 2000 characters.
    pub text: String,
    /// The product or service it is about.
    pub product_id: Option<ProductId>,
}

impl From<AppFeedbackRequest> for FeedbackDraft {
    fn from(r: AppFeedbackRequest) -> Self {
        FeedbackDraft {
            kind: Some(r.kind.into()),
            rating: None,
            text: Some(r.text),
            product_id: r.product_id,
            appointment_id: None,
            operation_id: None,
        }
    }
}

/// Feedback a staff member records for a client.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AdminFeedbackRequest {
    /// The client.
    pub client_id: ClientId,
    /// What it is.
    pub kind: FeedbackKindCode,
    /// The text (required except for a rating, where it is the optional comment), at most 2000
    /// characters.
    pub text: Option<String>,
    /// The score 1–5 (a rating only, and required for it).
    pub rating: Option<i64>,
    /// The product or service.
    pub product_id: Option<ProductId>,
    /// The client's appointment.
    pub appointment_id: Option<AppointmentId>,
    /// The client's purchase.
    pub operation_id: Option<OperationId>,
}

impl AdminFeedbackRequest {
    /// The client and the draft.
    pub fn into_parts(self) -> (ClientId, FeedbackDraft) {
        (
            self.client_id,
            FeedbackDraft {
                kind: Some(self.kind.into()),
                rating: self.rating,
                text: self.text,
                product_id: self.product_id,
                appointment_id: self.appointment_id,
                operation_id: self.operation_id,
            },
        )
    }
}

/// An answer to send to the feedback's client.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The answer, 1 to 2000 characters.
    pub text: String,
    /// The channel to send it through (default `telegram`).
    pub channel: Option<Channel>,
}

/// The feedback entry of a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct FeedbackPath {
    /// The feedback entry.
    pub feedback_id: i64,
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<Timestamp>, FieldError> {
    raw.map(|r| {
        Timestamp::parse(r.trim())
            .map_err(|_| FieldError::new(field, "must be an RFC 3339 time with an offset"))
    })
    .transpose()
}

fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, Vec<FieldError>> {
    let mut errors = Vec::new();
    let from = instant("from", from)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let to = instant("to", to).map_err(|e| errors.push(e)).ok().flatten();
    if errors.is_empty() {
        Ok(Period { from, to })
    } else {
        Err(errors)
    }
}

/// The admin list's filters and page.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct FeedbackListQuery {
    /// One kind.
    pub kind: Option<FeedbackKindCode>,
    /// One product or service.
    pub product_id: Option<i64>,
    /// Lowest score, 1–5 (ratings only).
    pub rating_min: Option<i64>,
    /// Highest score, 1–5 (ratings only; not below `rating_min`).
    pub rating_max: Option<i64>,
    /// Recorded at or after (RFC 3339).
    pub from: Option<String>,
    /// Recorded before (RFC 3339).
    pub to: Option<String>,
    /// Answered (`true`) or not yet (`false`).
    pub answered: Option<bool>,
    /// One client.
    pub client_id: Option<i64>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl FeedbackListQuery {
    /// The filters (range checks are the use case's).
    pub fn filter(&self) -> Result<FeedbackFilter, Vec<FieldError>> {
        Ok(FeedbackFilter {
            kind: self.kind.map(Into::into),
            product_id: self.product_id.map(ProductId),
            rating_min: self.rating_min,
            rating_max: self.rating_max,
            period: period(self.from.as_deref(), self.to.as_deref())?,
            answered: self.answered,
            client_id: self.client_id.map(ClientId),
        })
    }
}

/// The averages' period.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct RatingsQuery {
    /// Ratings recorded at or after (RFC 3339).
    pub from: Option<String>,
    /// Ratings recorded before (RFC 3339).
    pub to: Option<String>,
}

impl RatingsQuery {
    /// The period.
    pub fn period(&self) -> Result<Period, Vec<FieldError>> {
        period(self.from.as_deref(), self.to.as_deref())
    }
}

/// The business's latest answer.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct AnswerResponse {
    /// What the client was sent.
    pub text: String,
    /// Who answered.
    pub answered_by: EmployeeId,
    /// When.
    pub answered_at: Timestamp,
    /// The dialogue message that carried it (see the client's dialogue for its delivery).
    pub message_id: MessageId,
}

impl From<FeedbackAnswer> for AnswerResponse {
    fn from(a: FeedbackAnswer) -> Self {
        Self {
            text: a.text,
            answered_by: a.answered_by,
            answered_at: a.answered_at,
            message_id: a.message_id,
        }
    }
}

/// A feedback entry.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FeedbackResponse {
    /// Id.
    pub id: FeedbackId,
    /// The client.
    pub client_id: ClientId,
    /// The client's full name.
    pub client_name: String,
    /// What it is.
    pub kind: FeedbackKindCode,
    /// The product or service.
    pub product_id: Option<ProductId>,
    /// Its name.
    pub product_name: Option<String>,
    /// The appointment.
    pub appointment_id: Option<AppointmentId>,
    /// The purchase.
    pub operation_id: Option<OperationId>,
    /// The score 1–5 (ratings only).
    pub rating: Option<u8>,
    /// The rating's comment or the text.
    pub text: Option<String>,
    /// Who recorded it.
    pub source: FeedbackSourceCode,
    /// The recording actor (`client:7`, `employee:3`).
    pub created_by: String,
    /// Whether the business has answered.
    pub answered: bool,
    /// The latest answer.
    pub answer: Option<AnswerResponse>,
    /// Recorded.
    pub created_at: Timestamp,
    /// Last changed (a re-rating, an answer).
    pub updated_at: Timestamp,
}

impl From<Feedback> for FeedbackResponse {
    fn from(f: Feedback) -> Self {
        Self {
            id: f.id,
            client_id: f.client_id,
            client_name: f.client_name,
            kind: f.kind.into(),
            product_id: f.product_id,
            product_name: f.product_name,
            appointment_id: f.appointment_id,
            operation_id: f.operation_id,
            rating: f.rating,
            text: f.text,
            source: f.source.into(),
            created_by: f.created_by,
            answered: f.answer.is_some(),
            answer: f.answer.map(Into::into),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// A page of feedback, newest first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FeedbackPage {
    /// The entries.
    pub items: Vec<FeedbackResponse>,
    /// How many match the filters.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u64,
}

impl From<Page<Feedback>> for FeedbackPage {
    fn from(page: Page<Feedback>) -> Self {
        let page = page.map(FeedbackResponse::from);
        Self {
            items: page.items,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// The ratings of one product or service.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProductRatingResponse {
    /// The product or service.
    pub product_id: ProductId,
    /// Its name.
    pub product_name: String,
    /// `product` or `service`.
    pub product_kind: String,
    /// How many ratings.
    pub ratings: u64,
    /// The average score as a decimal string with exactly two places (`"4.33"`), rounded half
    /// up from the exact sum and count.
    pub average_rating: String,
    /// The same average in hundredths (`433`), an exact integer.
    pub average_rating_hundredths: u32,
}

impl From<ProductRating> for ProductRatingResponse {
    fn from(r: ProductRating) -> Self {
        Self {
            average_rating: r.average_text(),
            product_id: r.product_id,
            product_name: r.product_name,
            product_kind: r.product_kind,
            ratings: r.ratings,
            average_rating_hundredths: r.average_hundredths,
        }
    }
}

/// The averages per product or service, best first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct FeedbackRatingsResponse {
    /// Per product or service with at least one rating in the period.
    pub items: Vec<ProductRatingResponse>,
    /// The period's start, when given.
    pub from: Option<Timestamp>,
    /// The period's end, when given.
    pub to: Option<Timestamp>,
}

impl FeedbackRatingsResponse {
    /// The averages of a period.
    pub fn new(period: Period, ratings: Vec<ProductRating>) -> Self {
        Self {
            items: ratings.into_iter().map(Into::into).collect(),
            from: period.from,
            to: period.to,
        }
    }
}
