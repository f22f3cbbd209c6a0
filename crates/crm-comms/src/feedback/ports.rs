//! The port feedback needs from storage: the references it checks (clients, products,
//! appointments, operations), the entries themselves with the one-rating-per-appointment rule,
//! the admin list, the averages and the recorded answers.

use crate::feedback::model::{
    AppointmentRef, Feedback, FeedbackAnswer, FeedbackFilter, NewFeedback, Period, ProductRating,
    Saved,
};
use crm_core::{
    AppointmentId, ClientId, FeedbackId, OperationId, Page, PageRequest, ProductId, RepoError,
};

/// Storage of feedback.
#[cfg_attr(test, mockall::automock)]
pub trait FeedbackRepository {
    /// Whether the client exists.
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError>;

    /// Whether the product or service exists (archived ones included: history is rated too).
    fn product_exists(&self, id: ProductId) -> Result<bool, RepoError>;

    /// The appointment's client and service; `None` when it does not exist.
    fn appointment(&self, id: AppointmentId) -> Result<Option<AppointmentRef>, RepoError>;

    /// The operation's client; `None` when it does not exist.
    fn operation_client(&self, id: OperationId) -> Result<Option<ClientId>, RepoError>;

    /// Stores a new entry.
    fn insert(&self, record: &NewFeedback) -> Result<Feedback, RepoError>;

    /// Stores a rating of an appointment, or updates the client's earlier rating of that
    /// appointment (score, comment, product, operation, source, `updated_at`) in one
    /// transaction; the unique index keeps one row per client and appointment.
    fn upsert_rating(&self, record: &NewFeedback) -> Result<Saved, RepoError>;

    /// One entry.
    fn get(&self, id: FeedbackId) -> Result<Option<Feedback>, RepoError>;

    /// A page of entries matching the filters, newest first (then by id, descending).
    fn list(&self, filter: &FeedbackFilter, page: PageRequest)
        -> Result<Page<Feedback>, RepoError>;

    /// The ratings per product or service recorded in the period, best average first (then by
    /// name and id).
    fn ratings(&self, period: &Period) -> Result<Vec<ProductRating>, RepoError>;

    /// Records the latest answer (replacing an earlier one); `None` when the entry is gone.
    fn record_answer(
        &self,
        id: FeedbackId,
        answer: &FeedbackAnswer,
    ) -> Result<Option<Feedback>, RepoError>;
}

impl<T: FeedbackRepository + ?Sized> FeedbackRepository for std::sync::Arc<T> {
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        (**self).client_exists(id)
    }
    fn product_exists(&self, id: ProductId) -> Result<bool, RepoError> {
        (**self).product_exists(id)
    }
    fn appointment(&self, id: AppointmentId) -> Result<Option<AppointmentRef>, RepoError> {
        (**self).appointment(id)
    }
    fn operation_client(&self, id: OperationId) -> Result<Option<ClientId>, RepoError> {
        (**self).operation_client(id)
    }
    fn insert(&self, record: &NewFeedback) -> Result<Feedback, RepoError> {
        (**self).insert(record)
    }
    fn upsert_rating(&self, record: &NewFeedback) -> Result<Saved, RepoError> {
        (**self).upsert_rating(record)
    }
    fn get(&self, id: FeedbackId) -> Result<Option<Feedback>, RepoError> {
        (**self).get(id)
    }
    fn list(
        &self,
        filter: &FeedbackFilter,
        page: PageRequest,
    ) -> Result<Page<Feedback>, RepoError> {
        (**self).list(filter, page)
    }
    fn ratings(&self, period: &Period) -> Result<Vec<ProductRating>, RepoError> {
        (**self).ratings(period)
    }
    fn record_answer(
        &self,
        id: FeedbackId,
        answer: &FeedbackAnswer,
    ) -> Result<Option<Feedback>, RepoError> {
        (**self).record_answer(id, answer)
    }
}
