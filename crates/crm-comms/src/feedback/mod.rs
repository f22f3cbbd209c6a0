//! Feedback: ratings (1–5) of a product or service, complaints, suggestions and questions from
//! the Mini App or recorded by staff; the admin list with filters, the average rating per
//! product or service, and the business's answer, which goes to the client through the
//! dialogue pipeline (the caller sends it; this module checks and records it).

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::{AnswerFailure, FeedbackError};
pub use model::{
    Answer, AppointmentRef, Feedback, FeedbackAnswer, FeedbackDraft, FeedbackFilter, FeedbackKind,
    FeedbackSource, NewFeedback, Period, ProductRating, Saved, MAX_TEXT_CHARS,
};
pub use ports::FeedbackRepository;
pub use service::FeedbackBook;
