//! [`News`]: the use cases of the news feed — create and edit posts (with the status rules
//! below), the admin list, the Mini App's feed, tracking and statistics.
//!
//! Status rules: every status may move to every other one.
//! - Publishing (from draft or archived) sets the publish time to the one given, or now; a
//!   future time schedules the post: it enters the feed then. Re-publishing an archived post
//!   therefore brings it back at the top of the feed unless a time is given.
//! - Editing a published post keeps its publish time unless a new one is given
//!   (`publish_at: null` means now).
//! - Back to draft clears the publish time; archiving keeps it (when it was published).
//! - A publish time is accepted only for a post that ends up published.

use crate::news::error::NewsError;
use crate::news::model::{
    is_visitor_id, search_key, validate_content, NewNewsEvent, NewsDraft, NewsEvent, NewsEventKind,
    NewsFilter, NewsPatch, NewsPost, NewsRecord, NewsStats, NewsStatus, DEFAULT_WINDOW_DAYS,
    MAX_TITLE_CHARS, MAX_WINDOW_DAYS,
};
use crate::news::ports::NewsRepository;
use crm_core::{
    ClientId, Clock, EmployeeId, FieldError, NewsPostId, OperationId, Page, PageRequest, Validation,
};

/// Who reports a tracked event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reporter {
    /// A staff member: names the client or visitor in the request.
    Staff(EmployeeId),
    /// The signed-in client through the Mini App: the event is theirs.
    Client(ClientId),
}

/// A tracking report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRequest {
    /// The post.
    pub news_post_id: NewsPostId,
    /// What happened.
    pub event: NewsEventKind,
    /// The client (from the Mini App: absent or the signed-in client).
    pub client_id: Option<ClientId>,
    /// An anonymous visitor id.
    pub visitor_id: Option<String>,
    /// The purchase a `purchase` event names.
    pub operation_id: Option<OperationId>,
    /// Who reports it.
    pub reporter: Reporter,
}

/// The news use cases over storage and a clock.
pub struct News<R, C> {
    repo: R,
    clock: C,
}

const PUBLISH_AT_ONLY_PUBLISHED: &str = "only a published post has a publish time";

impl<R: NewsRepository, C: Clock> News<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// Creates a post, draft or published (now or at its publish time).
    pub fn create(&self, draft: NewsDraft, created_by: &str) -> Result<NewsPost, NewsError> {
        let mut v = Validation::new();
        if let Err(errors) = validate_content(
            &draft.title,
            &draft.body,
            draft.image_url.as_deref(),
            &draft.buttons,
        ) {
            errors.into_iter().for_each(|e| v.add(e.field, e.message));
        }
        if draft.status == NewsStatus::Archived {
            v.add("status", "a new post is draft or published");
        }
        if draft.publish_at.is_some() && draft.status != NewsStatus::Published {
            v.add("publish_at", PUBLISH_AT_ONLY_PUBLISHED);
        }
        v.finish().map_err(NewsError::Validation)?;
        let now = self.clock.now();
        let publish_at =
            (draft.status == NewsStatus::Published).then(|| draft.publish_at.unwrap_or(now));
        let title = draft.title.trim().to_owned();
        let record = NewsRecord {
            title_lower: search_key(&title),
            title,
            body: draft.body,
            image_url: draft.image_url,
            buttons: draft.buttons,
            status: draft.status,
            pinned: draft.pinned,
            publish_at,
        };
        Ok(self.repo.insert(&record, created_by, now)?)
    }

    /// Changes a post: content, pin, status and publish time (see the module's status rules).
    /// With `patch.version`, the change is written only while the post is still at that
    /// version (else [`NewsError::VersionConflict`]); without it the last writer wins.
    pub fn update(&self, id: NewsPostId, patch: NewsPatch) -> Result<NewsPost, NewsError> {
        let mut post = self.repo.get(id)?.ok_or(NewsError::NotFound)?;
        if let Some(version) = patch.version {
            if version < 1 {
                return Err(NewsError::field("version", "must be 1 or more"));
            }
            if version != post.version {
                return Err(NewsError::VersionConflict {
                    current: post.version,
                });
            }
        }
        let now = self.clock.now();
        if let Some(title) = patch.title {
            post.title = title.trim().to_owned();
        }
        if let Some(body) = patch.body {
            post.body = body;
        }
        if let Some(image_url) = patch.image_url {
            post.image_url = image_url;
        }
        if let Some(buttons) = patch.buttons {
            post.buttons = buttons;
        }
        if let Some(pinned) = patch.pinned {
            post.pinned = pinned;
        }
        let mut v = Validation::new();
        if let Err(errors) = validate_content(
            &post.title,
            &post.body,
            post.image_url.as_deref(),
            &post.buttons,
        ) {
            errors.into_iter().for_each(|e| v.add(e.field, e.message));
        }
        let status = patch.status.unwrap_or(post.status);
        post.publish_at = match status {
            NewsStatus::Published => match patch.publish_at {
                Some(Some(at)) => Some(at),
                Some(None) => Some(now),
                None if post.status == NewsStatus::Published => post.publish_at.or(Some(now)),
                None => Some(now),
            },
            NewsStatus::Draft | NewsStatus::Archived => {
                if matches!(patch.publish_at, Some(Some(_))) {
                    v.add("publish_at", PUBLISH_AT_ONLY_PUBLISHED);
                }
                if status == NewsStatus::Draft {
                    None
                } else {
                    post.publish_at
                }
            }
        };
        post.status = status;
        v.finish().map_err(NewsError::Validation)?;
        match self.repo.update(id, &post.record(), patch.version, now)? {
            Some(updated) => Ok(updated),
            // Nothing written: changed (or gone) since it was read.
            None => match self.repo.get(id)? {
                Some(current) => Err(NewsError::VersionConflict {
                    current: current.version,
                }),
                None => Err(NewsError::NotFound),
            },
        }
    }

    /// The admin list: the filters with the title fragment lower-cased and "now" set, newest
    /// created first.
    pub fn list(
        &self,
        mut filter: NewsFilter,
        page: PageRequest,
    ) -> Result<Page<NewsPost>, NewsError> {
        let mut v = Validation::new();
        if let Some(q) = filter.title_fragment.take() {
            if q.chars().count() > MAX_TITLE_CHARS {
                v.add("q", format!("at most {MAX_TITLE_CHARS} characters"));
            }
            let key = search_key(&q);
            filter.title_fragment = (!key.is_empty()).then_some(key);
        }
        if let (Some(from), Some(to)) = (filter.created_from, filter.created_to) {
            if to < from {
                v.add("to", "must not be before from");
            }
        }
        v.finish().map_err(NewsError::Validation)?;
        filter.now = Some(self.clock.now());
        Ok(self.repo.list(&filter, page)?)
    }

    /// The Mini App's feed now.
    pub fn feed(&self, page: PageRequest) -> Result<Page<NewsPost>, NewsError> {
        Ok(self.repo.feed(self.clock.now(), page)?)
    }

    /// Records an event of a post. From the Mini App the event is the signed-in client's and
    /// the post must be in the feed now; staff may report for any existing post, naming a
    /// client or a visitor. A purchase may name its operation, a purchase of that client made
    /// after the post was published.
    pub fn track(&self, request: TrackRequest) -> Result<NewsEvent, NewsError> {
        let client_id = match request.reporter {
            Reporter::Staff(_) => request.client_id,
            Reporter::Client(own) => {
                if request.client_id.is_some_and(|c| c != own) {
                    return Err(NewsError::Forbidden(
                        "A client may report events of their own only.".into(),
                    ));
                }
                Some(own)
            }
        };
        let mut errors: Vec<FieldError> = Vec::new();
        if let Some(visitor) = &request.visitor_id {
            if !is_visitor_id(visitor) {
                errors.push(FieldError::new(
                    "visitor_id",
                    "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -",
                ));
            }
        }
        if client_id.is_none() && request.visitor_id.is_none() {
            errors.push(FieldError::new(
                "client_id",
                "a client_id or a visitor_id is required",
            ));
        }
        if request.operation_id.is_some() {
            if request.event != NewsEventKind::Purchase {
                errors.push(FieldError::new(
                    "operation_id",
                    "is accepted only with the event purchase",
                ));
            } else if client_id.is_none() {
                errors.push(FieldError::new(
                    "operation_id",
                    "needs the client_id of the client who made the purchase",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(NewsError::Validation(errors));
        }
        let now = self.clock.now();
        let post = self
            .repo
            .get(request.news_post_id)?
            .ok_or(NewsError::NotFound)?;
        if matches!(request.reporter, Reporter::Client(_)) && !post.is_visible(now) {
            return Err(NewsError::NotFound);
        }
        if let Some(client) = client_id {
            if !self.repo.client_exists(client)? {
                return Err(NewsError::ClientNotFound);
            }
        }
        if let (Some(operation), Some(client)) = (request.operation_id, client_id) {
            match self.repo.purchase_client(operation)? {
                None => {
                    return Err(NewsError::field("operation_id", "no purchase with this id"));
                }
                Some((owner, _)) if owner != client => {
                    return Err(NewsError::field(
                        "operation_id",
                        "is a purchase of another client",
                    ));
                }
                Some((_, made_at)) if post.publish_at.is_some_and(|p| made_at < p) => {
                    return Err(NewsError::field(
                        "operation_id",
                        "is a purchase made before the post was published",
                    ));
                }
                Some(_) => {}
            }
        }
        let event = NewNewsEvent {
            news_post_id: post.id,
            event: request.event,
            client_id,
            visitor_id: request.visitor_id,
            operation_id: request.operation_id,
            at: now,
        };
        Ok(self.repo.record_event(&event)?)
    }

    /// A post's statistics over an attribution window of 1–90 days (default 7).
    pub fn stats(
        &self,
        id: NewsPostId,
        window_days: Option<u32>,
    ) -> Result<(NewsPost, NewsStats), NewsError> {
        let window = window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
        if !(1..=MAX_WINDOW_DAYS).contains(&window) {
            return Err(NewsError::field("window_days", "must be between 1 and 90"));
        }
        let post = self.repo.get(id)?.ok_or(NewsError::NotFound)?;
        let stats = self.repo.stats(id, window)?;
        Ok((post, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::model::{NewsButton, NewsStatusFilter};
    use crate::news::ports::MockNewsRepository;
    use crm_core::{FixedClock, Timestamp};
    use std::sync::{Arc, Mutex};

    const NOW: i64 = 1_790_000_000;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s).expect("time")
    }

    fn service(repo: MockNewsRepository) -> News<MockNewsRepository, FixedClock> {
        News::new(repo, FixedClock::new(at(NOW)))
    }

    fn draft() -> NewsDraft {
        NewsDraft {
            title: " Скидки недели ".into(),
            body: "Всё по 100".into(),
            image_url: Some("https://cdn.example/a.png".into()),
            buttons: vec![NewsButton {
                text: "Купить".into(),
                url: "https://shop.example".into(),
            }],
            status: NewsStatus::Draft,
            pinned: false,
            publish_at: None,
        }
    }

    fn post(status: NewsStatus, publish_at: Option<i64>) -> NewsPost {
        NewsPost {
            id: NewsPostId(5),
            title: "Post".into(),
            body: "Body".into(),
            image_url: None,
            buttons: vec![],
            status,
            pinned: false,
            publish_at: publish_at.map(at),
            created_by: "employee:1".into(),
            created_at: at(NOW - 100),
            updated_at: at(NOW - 100),
            version: 1,
        }
    }

    fn stored(record: &NewsRecord, when: Timestamp) -> NewsPost {
        NewsPost {
            id: NewsPostId(5),
            title: record.title.clone(),
            body: record.body.clone(),
            image_url: record.image_url.clone(),
            buttons: record.buttons.clone(),
            status: record.status,
            pinned: record.pinned,
            publish_at: record.publish_at,
            created_by: "employee:1".into(),
            created_at: when,
            updated_at: when,
            version: 1,
        }
    }

    fn fields(result: Result<impl std::fmt::Debug, NewsError>) -> Vec<String> {
        match result {
            Err(NewsError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn creating_rejects_every_bad_field_and_writes_nothing() {
        let s = service(MockNewsRepository::new());
        let bad = NewsDraft {
            title: "  ".into(),
            body: "x".repeat(4_097),
            image_url: Some("ftp://cdn.example/a.png".into()),
            buttons: (0..9)
                .map(|_| NewsButton {
                    text: "ok".into(),
                    url: "https://a.example".into(),
                })
                .collect(),
            status: NewsStatus::Draft,
            pinned: false,
            publish_at: Some(at(NOW)),
        };
        assert_eq!(
            fields(s.create(bad, "employee:1")),
            ["title", "body", "image_url", "buttons", "publish_at"]
        );
        let long_title = NewsDraft {
            title: "я".repeat(201),
            buttons: vec![NewsButton {
                text: String::new(),
                url: "javascript:alert(1)".into(),
            }],
            status: NewsStatus::Archived,
            ..draft()
        };
        assert_eq!(
            fields(s.create(long_title, "employee:1")),
            ["title", "buttons[0].text", "buttons[0].url", "status"]
        );
    }

    #[test]
    fn creating_stores_the_lower_case_title_and_publishes_now_or_later() {
        let mut repo = MockNewsRepository::new();
        repo.expect_insert()
            .withf(|r, by, when| {
                r.title == "Скидки недели"
                    && r.title_lower == "скидки недели"
                    && by == "employee:1"
                    && *when == at(NOW)
            })
            .times(3)
            .returning(|r, _, when| Ok(stored(r, when)));
        let s = service(repo);
        let created = s.create(draft(), "employee:1").expect("draft");
        assert_eq!(created.status, NewsStatus::Draft);
        assert_eq!(created.publish_at, None);
        let published = NewsDraft {
            status: NewsStatus::Published,
            ..draft()
        };
        let now = s
            .create(published.clone(), "employee:1")
            .expect("published");
        assert_eq!(now.publish_at, Some(at(NOW)));
        assert!(now.is_visible(at(NOW)));
        let scheduled = NewsDraft {
            publish_at: Some(at(NOW + 3_600)),
            ..published
        };
        let later = s.create(scheduled, "employee:1").expect("scheduled");
        assert!(later.is_scheduled(at(NOW)));
        assert!(!later.is_visible(at(NOW)));
        assert!(later.is_visible(at(NOW + 3_600)));
    }

    fn updating(current: NewsPost) -> News<MockNewsRepository, FixedClock> {
        let mut repo = MockNewsRepository::new();
        let current = Arc::new(Mutex::new(current));
        let read = current.clone();
        repo.expect_get().returning(move |id| {
            Ok((id == NewsPostId(5)).then(|| read.lock().expect("lock").clone()))
        });
        repo.expect_update().returning(move |_, r, expected, when| {
            let mut post = current.lock().expect("lock");
            if expected.is_some_and(|v| v != post.version) {
                return Ok(None);
            }
            let created = post.created_at;
            let version = post.version + 1;
            *post = NewsPost {
                created_at: created,
                version,
                ..stored(r, when)
            };
            Ok(Some(post.clone()))
        });
        service(repo)
    }

    #[test]
    fn status_transitions_set_keep_or_clear_the_publish_time() {
        let s = updating(post(NewsStatus::Published, Some(NOW - 50)));
        let edited = s
            .update(
                NewsPostId(5),
                NewsPatch {
                    title: Some("Новое".into()),
                    ..NewsPatch::default()
                },
            )
            .expect("edited");
        assert_eq!(edited.publish_at, Some(at(NOW - 50)));
        let archive = NewsPatch {
            status: Some(NewsStatus::Archived),
            ..NewsPatch::default()
        };
        let archived = s.update(NewsPostId(5), archive).expect("archived");
        assert_eq!(archived.status, NewsStatus::Archived);
        assert_eq!(archived.publish_at, Some(at(NOW - 50)));
        assert!(!archived.is_visible(at(NOW)));
        let republish = NewsPatch {
            status: Some(NewsStatus::Published),
            ..NewsPatch::default()
        };
        let again = s.update(NewsPostId(5), republish).expect("republished");
        assert_eq!(again.publish_at, Some(at(NOW)));
        let to_draft = NewsPatch {
            status: Some(NewsStatus::Draft),
            ..NewsPatch::default()
        };
        let drafted = s.update(NewsPostId(5), to_draft).expect("draft");
        assert_eq!(drafted.publish_at, None);
        let schedule = NewsPatch {
            status: Some(NewsStatus::Published),
            publish_at: Some(Some(at(NOW + 60))),
            ..NewsPatch::default()
        };
        let scheduled = s.update(NewsPostId(5), schedule).expect("scheduled");
        assert!(scheduled.is_scheduled(at(NOW)));
    }

    #[test]
    fn updating_rejects_bad_fields_and_unknown_posts_without_writing() {
        let mut repo = MockNewsRepository::new();
        repo.expect_get()
            .returning(|id| Ok((id == NewsPostId(5)).then(|| post(NewsStatus::Draft, None))));
        repo.expect_update().never();
        let s = service(repo);
        let bad = NewsPatch {
            title: Some(String::new()),
            image_url: Some(Some("not a link".into())),
            publish_at: Some(Some(at(NOW))),
            ..NewsPatch::default()
        };
        assert_eq!(
            fields(s.update(NewsPostId(5), bad)),
            ["title", "image_url", "publish_at"]
        );
        assert_eq!(
            s.update(NewsPostId(6), NewsPatch::default()).err(),
            Some(NewsError::NotFound)
        );
    }

    #[test]
    fn the_list_searches_lower_case_and_splits_scheduled_at_now() {
        let mut repo = MockNewsRepository::new();
        repo.expect_list()
            .withf(|f, _| {
                f.title_fragment.as_deref() == Some("скидк")
                    && f.now == Some(at(NOW))
                    && f.status == Some(NewsStatusFilter::Scheduled)
            })
            .times(1)
            .returning(|_, page| {
                Ok(Page {
                    items: vec![],
                    total: 0,
                    limit: page.limit(),
                    offset: page.offset(),
                })
            });
        let s = service(repo);
        let page = PageRequest::new(None, None).expect("page");
        let filter = NewsFilter {
            status: Some(NewsStatusFilter::Scheduled),
            title_fragment: Some(" СКИДК ".into()),
            ..NewsFilter::default()
        };
        s.list(filter, page).expect("list");
        let backwards = NewsFilter {
            created_from: Some(at(NOW)),
            created_to: Some(at(NOW - 1)),
            ..NewsFilter::default()
        };
        assert_eq!(fields(s.list(backwards, page)), ["to"]);
    }

    fn track(event: NewsEventKind, reporter: Reporter) -> TrackRequest {
        TrackRequest {
            news_post_id: NewsPostId(5),
            event,
            client_id: None,
            visitor_id: None,
            operation_id: None,
            reporter,
        }
    }

    #[test]
    fn the_app_tracks_only_visible_posts_for_its_own_client() {
        let mut repo = MockNewsRepository::new();
        let visible = Arc::new(Mutex::new(post(NewsStatus::Published, Some(NOW + 10))));
        let read = visible.clone();
        repo.expect_get()
            .returning(move |_| Ok(Some(read.lock().expect("lock").clone())));
        repo.expect_client_exists().returning(|_| Ok(true));
        repo.expect_record_event().times(1).returning(|e| {
            Ok(NewsEvent {
                id: 1,
                event: e.clone(),
            })
        });
        let s = service(repo);
        let me = Reporter::Client(ClientId(7));
        let foreign = TrackRequest {
            client_id: Some(ClientId(8)),
            ..track(NewsEventKind::View, me)
        };
        assert!(matches!(s.track(foreign), Err(NewsError::Forbidden(_))));
        assert_eq!(
            s.track(track(NewsEventKind::View, me)),
            Err(NewsError::NotFound)
        );
        *visible.lock().expect("lock") = post(NewsStatus::Published, Some(NOW - 10));
        let own = TrackRequest {
            client_id: Some(ClientId(7)),
            ..track(NewsEventKind::Click, me)
        };
        let event = s.track(own).expect("tracked");
        assert_eq!(event.event.client_id, Some(ClientId(7)));
        assert_eq!(event.event.at, at(NOW));
    }

    #[test]
    fn staff_name_a_client_or_visitor_and_purchases_must_be_the_clients() {
        let mut repo = MockNewsRepository::new();
        repo.expect_get()
            .returning(|_| Ok(Some(post(NewsStatus::Draft, None))));
        repo.expect_client_exists()
            .returning(|id| Ok(id != ClientId(99)));
        repo.expect_purchase_client().returning(|op| {
            Ok(match op.get() {
                1 => Some((ClientId(7), at(NOW - 10))),
                2 => Some((ClientId(8), at(NOW - 10))),
                _ => None,
            })
        });
        repo.expect_record_event().times(2).returning(|e| {
            Ok(NewsEvent {
                id: 1,
                event: e.clone(),
            })
        });
        let s = service(repo);
        let staff = Reporter::Staff(EmployeeId(1));
        assert_eq!(
            fields(s.track(track(NewsEventKind::View, staff))),
            ["client_id"]
        );
        let bad_visitor = TrackRequest {
            visitor_id: Some("has space".into()),
            operation_id: Some(OperationId(1)),
            ..track(NewsEventKind::Click, staff)
        };
        assert_eq!(fields(s.track(bad_visitor)), ["visitor_id", "operation_id"]);
        let unknown = TrackRequest {
            client_id: Some(ClientId(99)),
            ..track(NewsEventKind::View, staff)
        };
        assert_eq!(s.track(unknown), Err(NewsError::ClientNotFound));
        let purchase = |op| TrackRequest {
            client_id: Some(ClientId(7)),
            operation_id: Some(OperationId(op)),
            ..track(NewsEventKind::Purchase, staff)
        };
        assert_eq!(fields(s.track(purchase(2))), ["operation_id"]);
        assert_eq!(fields(s.track(purchase(3))), ["operation_id"]);
        s.track(purchase(1)).expect("purchase");
        let visitor = TrackRequest {
            visitor_id: Some("anon-42".into()),
            ..track(NewsEventKind::View, staff)
        };
        let event = s.track(visitor).expect("a draft can be tracked by staff");
        assert_eq!(event.event.client_id, None);
    }

    #[test]
    fn a_named_purchase_made_before_the_post_was_published_is_refused() {
        let mut repo = MockNewsRepository::new();
        repo.expect_get()
            .returning(|_| Ok(Some(post(NewsStatus::Published, Some(NOW - 50)))));
        repo.expect_client_exists().returning(|_| Ok(true));
        repo.expect_purchase_client().returning(|op| {
            Ok(Some((
                ClientId(7),
                at(if op.get() == 1 { NOW - 51 } else { NOW - 50 }),
            )))
        });
        repo.expect_record_event().times(1).returning(|e| {
            Ok(NewsEvent {
                id: 1,
                event: e.clone(),
            })
        });
        let s = service(repo);
        let purchase = |op| TrackRequest {
            client_id: Some(ClientId(7)),
            operation_id: Some(OperationId(op)),
            ..track(NewsEventKind::Purchase, Reporter::Staff(EmployeeId(1)))
        };
        assert_eq!(fields(s.track(purchase(1))), ["operation_id"]);
        s.track(purchase(2))
            .expect("made when the post was published");
    }

    #[test]
    fn an_edit_from_a_stale_version_is_refused_and_without_a_version_the_last_wins() {
        let s = updating(post(NewsStatus::Draft, None));
        let first = s
            .update(
                NewsPostId(5),
                NewsPatch {
                    title: Some("A".into()),
                    version: Some(1),
                    ..NewsPatch::default()
                },
            )
            .expect("updated");
        assert_eq!(first.version, 2);
        assert_eq!(
            s.update(
                NewsPostId(5),
                NewsPatch {
                    title: Some("B".into()),
                    version: Some(1),
                    ..NewsPatch::default()
                },
            ),
            Err(NewsError::VersionConflict { current: 2 })
        );
        let blind = s
            .update(
                NewsPostId(5),
                NewsPatch {
                    title: Some("C".into()),
                    ..NewsPatch::default()
                },
            )
            .expect("last writer wins");
        assert_eq!((blind.title.as_str(), blind.version), ("C", 3));
    }

    #[test]
    fn stats_take_a_window_of_one_to_ninety_days() {
        let mut repo = MockNewsRepository::new();
        repo.expect_get()
            .returning(|id| Ok((id == NewsPostId(5)).then(|| post(NewsStatus::Draft, None))));
        repo.expect_stats()
            .withf(|_, w| *w == 7)
            .times(1)
            .returning(|_, w| {
                Ok(NewsStats {
                    window_days: w,
                    events: vec![],
                    purchasers: 0,
                    viewers_who_clicked: 0,
                    purchasers_who_clicked: 0,
                    purchasers_who_viewed: 0,
                    purchases: 0,
                    revenue: crm_core::Money::ZERO,
                })
            });
        let s = service(repo);
        assert_eq!(fields(s.stats(NewsPostId(5), Some(0))), ["window_days"]);
        assert_eq!(fields(s.stats(NewsPostId(5), Some(91))), ["window_days"]);
        assert_eq!(
            s.stats(NewsPostId(6), None).err(),
            Some(NewsError::NotFound)
        );
        let (_, stats) = s.stats(NewsPostId(5), None).expect("stats");
        assert_eq!(stats.view_to_click(), 0.0);
    }
}
