//! The ports the client base needs from storage.

use crate::consent::ConsentEvent;
use crate::model::{Client, ClientQuery, ClientUpdatePlan, NewClientRecord};
use crm_core::{ClientId, Page, PageRequest, Phone, RepoError, TrafficChannelId};

/// Storage of clients. Every method is one atomic step; a unique clash reports
/// `RepoError::Conflict` naming the field (`phone`, `telegram_id`).
#[cfg_attr(test, mockall::automock)]
pub trait ClientRepository {
    /// Stores a new client with its consent events.
    fn insert(&self, record: &NewClientRecord) -> Result<Client, RepoError>;

    /// Stores a new client unless one with the same Telegram id exists (also under a
    /// concurrent insert); returns the stored client and whether it was created now.
    fn insert_or_get_by_telegram_id(
        &self,
        record: &NewClientRecord,
    ) -> Result<(Client, bool), RepoError>;

    /// One client.
    fn get(&self, id: ClientId) -> Result<Option<Client>, RepoError>;

    /// The client with this Telegram id.
    fn find_by_telegram_id(&self, telegram_id: i64) -> Result<Option<Client>, RepoError>;

    /// The client with this phone.
    fn find_by_phone(&self, phone: &Phone) -> Result<Option<Client>, RepoError>;

    /// Writes an update if the client is still at `plan.expected_version`; `Ok(None)` when it
    /// has changed meanwhile (or no longer exists).
    fn update(&self, plan: &ClientUpdatePlan) -> Result<Option<Client>, RepoError>;

    /// A page of clients matching the query, with the total count.
    fn list(&self, query: &ClientQuery, page: PageRequest) -> Result<Page<Client>, RepoError>;

    /// The latest consent events of a client, newest first.
    fn consent_history(&self, id: ClientId, limit: u32) -> Result<Vec<ConsentEvent>, RepoError>;

    /// Whether a client exists.
    fn exists(&self, id: ClientId) -> Result<bool, RepoError>;

    /// Whether a traffic channel exists.
    fn traffic_channel_exists(&self, id: TrafficChannelId) -> Result<bool, RepoError>;

    /// The traffic channel with this code.
    fn traffic_channel_by_code(&self, code: &str) -> Result<Option<TrafficChannelId>, RepoError>;
}

impl<T: ClientRepository + ?Sized> ClientRepository for std::sync::Arc<T> {
    fn insert(&self, record: &NewClientRecord) -> Result<Client, RepoError> {
        (**self).insert(record)
    }
    fn insert_or_get_by_telegram_id(
        &self,
        record: &NewClientRecord,
    ) -> Result<(Client, bool), RepoError> {
        (**self).insert_or_get_by_telegram_id(record)
    }
    fn get(&self, id: ClientId) -> Result<Option<Client>, RepoError> {
        (**self).get(id)
    }
    fn find_by_telegram_id(&self, telegram_id: i64) -> Result<Option<Client>, RepoError> {
        (**self).find_by_telegram_id(telegram_id)
    }
    fn find_by_phone(&self, phone: &Phone) -> Result<Option<Client>, RepoError> {
        (**self).find_by_phone(phone)
    }
    fn update(&self, plan: &ClientUpdatePlan) -> Result<Option<Client>, RepoError> {
        (**self).update(plan)
    }
    fn list(&self, query: &ClientQuery, page: PageRequest) -> Result<Page<Client>, RepoError> {
        (**self).list(query, page)
    }
    fn consent_history(&self, id: ClientId, limit: u32) -> Result<Vec<ConsentEvent>, RepoError> {
        (**self).consent_history(id, limit)
    }
    fn exists(&self, id: ClientId) -> Result<bool, RepoError> {
        (**self).exists(id)
    }
    fn traffic_channel_exists(&self, id: TrafficChannelId) -> Result<bool, RepoError> {
        (**self).traffic_channel_exists(id)
    }
    fn traffic_channel_by_code(&self, code: &str) -> Result<Option<TrafficChannelId>, RepoError> {
        (**self).traffic_channel_by_code(code)
    }
}
