//! The port the traffic channels need from storage.

use crate::traffic::model::{ChannelDefinition, ChannelReport, NewChannelRecord};
use crm_core::{Page, PageRequest, RepoError, Timestamp, TrafficChannelId};

/// Storage of traffic channels. A clash of codes reports `RepoError::Conflict` naming `code`.
/// Every read carries the channel's figures, computed from the clients it brought.
#[cfg_attr(test, mockall::automock)]
pub trait TrafficChannelRepository {
    /// Stores a new channel.
    fn insert(&self, record: &NewChannelRecord) -> Result<ChannelReport, RepoError>;

    /// One channel, archived or not.
    fn get(&self, id: TrafficChannelId) -> Result<Option<ChannelReport>, RepoError>;

    /// Replaces a channel's definition; `Ok(None)` when it does not exist.
    fn update(
        &self,
        id: TrafficChannelId,
        definition: &ChannelDefinition,
        at: Timestamp,
    ) -> Result<Option<ChannelReport>, RepoError>;

    /// Archives a channel (keeps an earlier archive time); `Ok(None)` when it does not exist.
    fn archive(
        &self,
        id: TrafficChannelId,
        at: Timestamp,
    ) -> Result<Option<ChannelReport>, RepoError>;

    /// A page of channels in id order with their figures; archived ones only when asked.
    fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<ChannelReport>, RepoError>;
}

impl<T: TrafficChannelRepository + ?Sized> TrafficChannelRepository for std::sync::Arc<T> {
    fn insert(&self, record: &NewChannelRecord) -> Result<ChannelReport, RepoError> {
        (**self).insert(record)
    }
    fn get(&self, id: TrafficChannelId) -> Result<Option<ChannelReport>, RepoError> {
        (**self).get(id)
    }
    fn update(
        &self,
        id: TrafficChannelId,
        definition: &ChannelDefinition,
        at: Timestamp,
    ) -> Result<Option<ChannelReport>, RepoError> {
        (**self).update(id, definition, at)
    }
    fn archive(
        &self,
        id: TrafficChannelId,
        at: Timestamp,
    ) -> Result<Option<ChannelReport>, RepoError> {
        (**self).archive(id, at)
    }
    fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<ChannelReport>, RepoError> {
        (**self).list(include_archived, page)
    }
}
