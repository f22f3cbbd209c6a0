//! The port the news needs from storage: posts, the admin list and the feed, the checks a
//! tracked event needs (client, purchase), the events themselves and the statistics.

use crate::news::model::{NewNewsEvent, NewsEvent, NewsFilter, NewsPost, NewsRecord, NewsStats};
use crm_core::{ClientId, NewsPostId, OperationId, Page, PageRequest, RepoError, Timestamp};

/// Storage of news posts and their tracking.
#[cfg_attr(test, mockall::automock)]
pub trait NewsRepository {
    /// Stores a new post.
    fn insert(
        &self,
        record: &NewsRecord,
        created_by: &str,
        at: Timestamp,
    ) -> Result<NewsPost, RepoError>;

    /// One post.
    fn get(&self, id: NewsPostId) -> Result<Option<NewsPost>, RepoError>;

    /// Writes a post's new content, status and publish time and raises its version by one;
    /// with `expected_version`, only while the post is still at that version. `Ok(None)` when
    /// nothing was written (no such post, or another version).
    fn update(
        &self,
        id: NewsPostId,
        record: &NewsRecord,
        expected_version: Option<i64>,
        at: Timestamp,
    ) -> Result<Option<NewsPost>, RepoError>;

    /// A page of posts matching the filters, newest created first.
    fn list(&self, filter: &NewsFilter, page: PageRequest) -> Result<Page<NewsPost>, RepoError>;

    /// A page of the feed at `now`: published posts whose publish time has come, pinned first,
    /// then the newest publish time.
    fn feed(&self, now: Timestamp, page: PageRequest) -> Result<Page<NewsPost>, RepoError>;

    /// Whether the client exists.
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError>;

    /// The client of a purchase operation and when it was made; `None` when there is no
    /// purchase with that id.
    fn purchase_client(&self, id: OperationId) -> Result<Option<(ClientId, Timestamp)>, RepoError>;

    /// Appends a tracked event.
    fn record_event(&self, event: &NewNewsEvent) -> Result<NewsEvent, RepoError>;

    /// The post's figures, attributing purchases within `window_days` after a client's first
    /// view, transition or click.
    fn stats(&self, id: NewsPostId, window_days: u32) -> Result<NewsStats, RepoError>;
}

impl<T: NewsRepository + ?Sized> NewsRepository for std::sync::Arc<T> {
    fn insert(
        &self,
        record: &NewsRecord,
        created_by: &str,
        at: Timestamp,
    ) -> Result<NewsPost, RepoError> {
        (**self).insert(record, created_by, at)
    }
    fn get(&self, id: NewsPostId) -> Result<Option<NewsPost>, RepoError> {
        (**self).get(id)
    }
    fn update(
        &self,
        id: NewsPostId,
        record: &NewsRecord,
        expected_version: Option<i64>,
        at: Timestamp,
    ) -> Result<Option<NewsPost>, RepoError> {
        (**self).update(id, record, expected_version, at)
    }
    fn list(&self, filter: &NewsFilter, page: PageRequest) -> Result<Page<NewsPost>, RepoError> {
        (**self).list(filter, page)
    }
    fn feed(&self, now: Timestamp, page: PageRequest) -> Result<Page<NewsPost>, RepoError> {
        (**self).feed(now, page)
    }
    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        (**self).client_exists(id)
    }
    fn purchase_client(&self, id: OperationId) -> Result<Option<(ClientId, Timestamp)>, RepoError> {
        (**self).purchase_client(id)
    }
    fn record_event(&self, event: &NewNewsEvent) -> Result<NewsEvent, RepoError> {
        (**self).record_event(event)
    }
    fn stats(&self, id: NewsPostId, window_days: u32) -> Result<NewsStats, RepoError> {
        (**self).stats(id, window_days)
    }
}
