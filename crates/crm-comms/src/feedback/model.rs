//! The feedback model: kinds, sources, the stored entry with its latest answer, what a client
//! or staff member submits and how it is checked, the admin list's filters and the average
//! rating per product or service.

use crate::appointments::model::AppointmentStatus;
use crm_core::{
    AppointmentId, Channel, ClientId, EmployeeId, FeedbackId, FieldError, MessageId, OperationId,
    ProductId, Timestamp,
};

/// The longest comment, complaint, suggestion, question or answer, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// What a feedback entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedbackKind {
    /// A score of 1–5 for a product or service, with an optional comment.
    Rating,
    /// Something went wrong.
    Complaint,
    /// An idea for the business.
    Suggestion,
    /// A question to the business.
    Question,
}

impl FeedbackKind {
    /// Every kind, in a stable order.
    pub const ALL: [FeedbackKind; 4] = [
        FeedbackKind::Rating,
        FeedbackKind::Complaint,
        FeedbackKind::Suggestion,
        FeedbackKind::Question,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FeedbackKind::Rating => "rating",
            FeedbackKind::Complaint => "complaint",
            FeedbackKind::Suggestion => "suggestion",
            FeedbackKind::Question => "question",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Who recorded a feedback entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedbackSource {
    /// The client, from the Mini App.
    App,
    /// A staff member, on the client's behalf.
    Admin,
}

impl FeedbackSource {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FeedbackSource::App => "app",
            FeedbackSource::Admin => "admin",
        }
    }

    /// The source of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "app" => Some(FeedbackSource::App),
            "admin" => Some(FeedbackSource::Admin),
            _ => None,
        }
    }
}

/// The business's latest answer to a feedback entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackAnswer {
    /// What the client was sent.
    pub text: String,
    /// Who answered.
    pub answered_by: EmployeeId,
    /// When.
    pub answered_at: Timestamp,
    /// The dialogue message that carried the answer.
    pub message_id: MessageId,
}

/// A stored feedback entry, with the names the admin list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// Id.
    pub id: FeedbackId,
    /// The client.
    pub client_id: ClientId,
    /// The client's full name.
    pub client_name: String,
    /// What it is.
    pub kind: FeedbackKind,
    /// The product or service it is about.
    pub product_id: Option<ProductId>,
    /// That product's or service's name.
    pub product_name: Option<String>,
    /// The appointment it is about.
    pub appointment_id: Option<AppointmentId>,
    /// The operation (purchase) it is about.
    pub operation_id: Option<OperationId>,
    /// The score, 1–5 (ratings only).
    pub rating: Option<u8>,
    /// The rating's comment, or the complaint's, suggestion's or question's text.
    pub text: Option<String>,
    /// Who recorded it.
    pub source: FeedbackSource,
    /// The actor that recorded it (`client:7`, `employee:3`).
    pub created_by: String,
    /// The latest answer, if any.
    pub answer: Option<FeedbackAnswer>,
    /// Recorded.
    pub created_at: Timestamp,
    /// Last changed (a re-rating, an answer).
    pub updated_at: Timestamp,
}

/// What a client or staff member submits, as received (checked by [`FeedbackDraft::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackDraft {
    /// What it is (`None` is a rating).
    pub kind: Option<FeedbackKind>,
    /// The score (ratings only; 1–5).
    pub rating: Option<i64>,
    /// The comment of a rating (optional) or the text of the other kinds (required).
    pub text: Option<String>,
    /// The product or service.
    pub product_id: Option<ProductId>,
    /// The appointment (the client's own).
    pub appointment_id: Option<AppointmentId>,
    /// The operation (the client's own).
    pub operation_id: Option<OperationId>,
}

/// A checked draft: the kind, the score and the trimmed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What it is.
    pub kind: FeedbackKind,
    /// The score (ratings only).
    pub rating: Option<u8>,
    /// The trimmed text, `None` when absent or blank.
    pub text: Option<String>,
}

/// A text trimmed to at most [`MAX_TEXT_CHARS`] characters without control characters (line
/// breaks and tabs allowed); `Ok(None)` when blank.
pub fn clean_text(field: &str, raw: &str) -> Result<Option<String>, FieldError> {
    let text = raw.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

impl FeedbackDraft {
    /// Checks the fields against each other: a rating needs a score of 1–5 and a product or
    /// an appointment, its comment is optional; the other kinds need a text and take no score.
    /// Every invalid field is reported; `text_field` is the text's name in the request
    /// (`comment` for the app's rating, `text` elsewhere).
    pub fn check(&self, text_field: &str) -> Result<Checked, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = self.kind.unwrap_or(FeedbackKind::Rating);
        let text = match self.text.as_deref().map(|t| clean_text(text_field, t)) {
            Some(Ok(text)) => text,
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => None,
        };
        let mut rating = None;
        if kind == FeedbackKind::Rating {
            match self.rating {
                None => errors.push(FieldError::new("rating", "is required for a rating")),
                Some(r) => match u8::try_from(r) {
                    Ok(r) if (1..=5).contains(&r) => rating = Some(r),
                    _ => errors.push(FieldError::new("rating", "must be between 1 and 5")),
                },
            }
            if self.product_id.is_none() && self.appointment_id.is_none() {
                errors.push(FieldError::new(
                    "product_id",
                    "a rating needs a product_id or an appointment_id",
                ));
            }
        } else {
            if self.rating.is_some() {
                errors.push(FieldError::new("rating", "only a rating has a score"));
            }
            if text.is_none() && self.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                errors.push(FieldError::new(text_field, "must not be empty"));
            }
        }
        if errors.is_empty() {
            Ok(Checked { kind, rating, text })
        } else {
            Err(errors)
        }
    }
}

/// A feedback entry to store (checked, references resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    /// The client.
    pub client_id: ClientId,
    /// What it is.
    pub kind: FeedbackKind,
    /// The product or service.
    pub product_id: Option<ProductId>,
    /// The appointment.
    pub appointment_id: Option<AppointmentId>,
    /// The operation.
    pub operation_id: Option<OperationId>,
    /// The score (ratings only).
    pub rating: Option<u8>,
    /// The comment or text.
    pub text: Option<String>,
    /// Who recorded it.
    pub source: FeedbackSource,
    /// The recording actor.
    pub created_by: String,
    /// Now.
    pub at: Timestamp,
}

/// A stored entry and whether this call created it (`false`: an earlier rating of the same
/// appointment was updated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The entry as stored.
    pub feedback: Feedback,
    /// Created (`true`) or updated (`false`).
    pub created: bool,
}

/// An appointment as feedback needs it: whose it is, which service it was for, its status and
/// its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppointmentRef {
    /// The booked client.
    pub client_id: ClientId,
    /// The booked service.
    pub service_id: ProductId,
    /// The appointment's status.
    pub status: AppointmentStatus,
    /// The appointment's start.
    pub starts_at: Timestamp,
}

impl AppointmentRef {
    /// Whether the client may rate the appointment at `now`: it was completed, or it is still
    /// scheduled and its start has passed (the visit happened, nobody closed it yet). A
    /// cancelled one, a no-show and one not yet started cannot be rated.
    pub fn rateable(&self, now: Timestamp) -> bool {
        match self.status {
            AppointmentStatus::Completed => true,
            AppointmentStatus::Scheduled => self.starts_at <= now,
            AppointmentStatus::Cancelled | AppointmentStatus::NoShow => false,
        }
    }
}

/// A period of recording: `from` inclusive, `to` exclusive; either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// From (inclusive).
    pub from: Option<Timestamp>,
    /// To (exclusive).
    pub to: Option<Timestamp>,
}

impl Period {
    /// `to` must come after `from`.
    pub fn check(&self) -> Result<(), FieldError> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if to <= from => {
                Err(FieldError::new("to", "must be after from"))
            }
            _ => Ok(()),
        }
    }
}

/// The admin list's filters; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackFilter {
    /// One kind.
    pub kind: Option<FeedbackKind>,
    /// One product or service.
    pub product_id: Option<ProductId>,
    /// Lowest score (1–5; ratings only then).
    pub rating_min: Option<i64>,
    /// Highest score (1–5; ratings only then).
    pub rating_max: Option<i64>,
    /// Recorded in this period.
    pub period: Period,
    /// Answered (`true`) or not yet (`false`).
    pub answered: Option<bool>,
    /// One client.
    pub client_id: Option<ClientId>,
}

impl FeedbackFilter {
    /// Scores within 1–5 with `rating_min ≤ rating_max`, and a forward period.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("rating_min", self.rating_min),
            ("rating_max", self.rating_max),
        ] {
            if value.is_some_and(|v| !(1..=5).contains(&v)) {
                errors.push(FieldError::new(field, "must be between 1 and 5"));
            }
        }
        if let (Some(min), Some(max)) = (self.rating_min, self.rating_max) {
            if min > max {
                errors.push(FieldError::new(
                    "rating_max",
                    "must not be below rating_min",
                ));
            }
        }
        if let Err(e) = self.period.check() {
            errors.push(e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The ratings of one product or service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRating {
    /// The product or service.
    pub product_id: ProductId,
    /// Its name.
    pub product_name: String,
    /// `product` or `service`.
    pub product_kind: String,
    /// How many ratings.
    pub ratings: u64,
    /// The average score in hundredths (433 = 4.33), rounded half up.
    pub average_hundredths: u32,
}

impl ProductRating {
    /// The average as a decimal with two places (`4.33`).
    pub fn average_text(&self) -> String {
        format!(
            "{}.{:02}",
            self.average_hundredths / 100,
            self.average_hundredths % 100
        )
    }
}

/// The average of `count` scores summing to `sum`, in hundredths, rounded half up.
pub fn average_hundredths(sum: u64, count: u64) -> u32 {
    if count == 0 {
        return 0;
    }
    let value = (sum * 200 + count) / (count * 2);
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// An answer to send and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// What to tell the client.
    pub text: String,
    /// Where to send it.
    pub channel: Channel,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(score: i64) -> FeedbackDraft {
        FeedbackDraft {
            rating: Some(score),
            product_id: Some(ProductId(1)),
            ..FeedbackDraft::default()
        }
    }

    #[test]
    fn ratings_are_one_to_five() {
        for bad in [0, 6, -1, 256, i64::MAX] {
            let errors = rating(bad).check("comment").unwrap_err();
            assert_eq!(errors[0].field, "rating");
        }
        for good in 1..=5 {
            assert_eq!(
                rating(good).check("comment").unwrap().rating,
                Some(good as u8)
            );
        }
    }

    #[test]
    fn kind_and_score_must_agree() {
        let missing = FeedbackDraft {
            product_id: Some(ProductId(1)),
            ..FeedbackDraft::default()
        };
        assert_eq!(missing.check("text").unwrap_err()[0].field, "rating");
        let scored_complaint = FeedbackDraft {
            kind: Some(FeedbackKind::Complaint),
            rating: Some(3),
            text: Some("cold coffee".into()),
            ..FeedbackDraft::default()
        };
        assert_eq!(
            scored_complaint.check("text").unwrap_err()[0].field,
            "rating"
        );
        let empty_question = FeedbackDraft {
            kind: Some(FeedbackKind::Question),
            text: Some("   ".into()),
            ..FeedbackDraft::default()
        };
        assert_eq!(empty_question.check("text").unwrap_err()[0].field, "text");
        let unrated = FeedbackDraft {
            rating: Some(4),
            ..FeedbackDraft::default()
        };
        assert_eq!(unrated.check("text").unwrap_err()[0].field, "product_id");
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        let mut draft = rating(5);
        draft.text = Some("  great  ".into());
        assert_eq!(
            draft.check("comment").unwrap().text.as_deref(),
            Some("great")
        );
        draft.text = Some("x".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(draft.check("comment").unwrap_err()[0].field, "comment");
        draft.text = Some("bell\u{7}".into());
        assert!(draft.check("comment").is_err());
    }

    #[test]
    fn averages_round_half_up_in_hundredths() {
        assert_eq!(average_hundredths(13, 3), 433);
        assert_eq!(average_hundredths(14, 3), 467);
        assert_eq!(average_hundredths(9, 2), 450);
        assert_eq!(average_hundredths(0, 0), 0);
        let r = ProductRating {
            product_id: ProductId(1),
            product_name: "Cut".into(),
            product_kind: "service".into(),
            ratings: 3,
            average_hundredths: 405,
        };
        assert_eq!(r.average_text(), "4.05");
    }

    #[test]
    fn filters_are_checked() {
        let filter = FeedbackFilter {
            rating_min: Some(4),
            rating_max: Some(2),
            ..FeedbackFilter::default()
        };
        assert_eq!(filter.check().unwrap_err()[0].field, "rating_max");
        let filter = FeedbackFilter {
            rating_min: Some(0),
            ..FeedbackFilter::default()
        };
        assert_eq!(filter.check().unwrap_err()[0].field, "rating_min");
        assert!(FeedbackFilter::default().check().is_ok());
    }
}
