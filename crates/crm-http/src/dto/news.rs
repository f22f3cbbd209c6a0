//! News bodies: a post as the API shows it, creation and partial update, the admin list's
//! filters, tracking reports and a post's statistics.

use crate::dto::common::double_option;
use crm_comms::news::{
    EventFigures, NewsButton, NewsDraft, NewsEvent, NewsEventKind, NewsFilter, NewsPatch, NewsPost,
    NewsStats, NewsStatus, NewsStatusFilter,
};
use crm_core::{ClientId, FieldError, Money, NewsPostId, OperationId, Page, Timestamp};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// Where a post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum NewsStatusCode {
    /// Being written; not in the feed.
    Draft,
    /// In the feed from its publish time on.
    Published,
    /// Out of the feed, kept.
    Archived,
}

impl From<NewsStatusCode> for NewsStatus {
    fn from(s: NewsStatusCode) -> Self {
        match s {
            NewsStatusCode::Draft => NewsStatus::Draft,
            NewsStatusCode::Published => NewsStatus::Published,
            NewsStatusCode::Archived => NewsStatus::Archived,
        }
    }
}

impl From<NewsStatus> for NewsStatusCode {
    fn from(s: NewsStatus) -> Self {
        match s {
            NewsStatus::Draft => NewsStatusCode::Draft,
            NewsStatus::Published => NewsStatusCode::Published,
            NewsStatus::Archived => NewsStatusCode::Archived,
        }
    }
}

/// The admin list's status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum NewsStatusQuery {
    /// Drafts.
    Draft,
    /// Published and in the feed now.
    Published,
    /// Published for a time still ahead.
    Scheduled,
    /// Archived.
    Archived,
}

impl From<NewsStatusQuery> for NewsStatusFilter {
    fn from(s: NewsStatusQuery) -> Self {
        match s {
            NewsStatusQuery::Draft => NewsStatusFilter::Draft,
            NewsStatusQuery::Published => NewsStatusFilter::Published,
            NewsStatusQuery::Scheduled => NewsStatusFilter::Scheduled,
            NewsStatusQuery::Archived => NewsStatusFilter::Archived,
        }
    }
}

/// A link button under a post.
#[derive(Debug, Clone, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct NewsButtonBody {
    /// Label, 1–64 characters.
    pub text: String,
    /// An http(s) link.
    pub url: String,
}

impl From<NewsButtonBody> for NewsButton {
    fn from(b: NewsButtonBody) -> Self {
        NewsButton {
            text: b.text,
            url: b.url,
        }
    }
}

impl From<NewsButton> for NewsButtonBody {
    fn from(b: NewsButton) -> Self {
        NewsButtonBody {
            text: b.text,
            url: b.url,
        }
    }
}

/// A new post.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct NewsCreateRequest {
    /// Title, 1–200 characters.
    pub title: String,
    /// Text, 1–4096 characters (a Telegram message).
    pub body: String,
    /// An http(s) image link.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Link buttons, at most 8.
    #[serde(default)]
    pub buttons: Vec<NewsButtonBody>,
    /// `draft` (default) or `published`.
    #[serde(default)]
    pub status: Option<NewsStatusCode>,
    /// Shown above the other posts (default false).
    #[serde(default)]
    pub pinned: Option<bool>,
    /// When a published post enters the feed (RFC 3339; default now; later = scheduled).
    #[serde(default)]
    pub publish_at: Option<Timestamp>,
}

impl From<NewsCreateRequest> for NewsDraft {
    fn from(r: NewsCreateRequest) -> Self {
        NewsDraft {
            title: r.title,
            body: r.body,
            image_url: r.image_url,
            buttons: r.buttons.into_iter().map(Into::into).collect(),
            status: r.status.map(Into::into).unwrap_or(NewsStatus::Draft),
            pinned: r.pinned.unwrap_or(false),
            publish_at: r.publish_at,
        }
    }
}

/// A change of a post: absent fields are kept; `image_url: null` removes the image;
/// `publish_at: null` publishes now.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct NewsUpdateRequest {
    /// Title, 1–200 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// Text, 1–4096 characters.
    #[serde(default)]
    pub body: Option<String>,
    /// An http(s) image link, or null to remove it.
    #[serde(default, deserialize_with = "double_option")]
    pub image_url: Option<Option<String>>,
    /// Link buttons (replacing all), at most 8.
    #[serde(default)]
    pub buttons: Option<Vec<NewsButtonBody>>,
    /// `draft`, `published` or `archived` (every change is allowed).
    #[serde(default)]
    pub status: Option<NewsStatusCode>,
    /// Pinned or not.
    #[serde(default)]
    pub pinned: Option<bool>,
    /// Publish time of a published post (null = now).
    #[serde(default, deserialize_with = "double_option")]
    pub publish_at: Option<Option<Timestamp>>,
    /// The `version` the change was made from: written only while the post is still at it
    /// (else 409 `version_conflict`); absent, the change is written regardless.
    #[serde(default)]
    pub version: Option<i64>,
}

impl From<NewsUpdateRequest> for NewsPatch {
    fn from(r: NewsUpdateRequest) -> Self {
        NewsPatch {
            title: r.title,
            body: r.body,
            image_url: r.image_url,
            buttons: r.buttons.map(|b| b.into_iter().map(Into::into).collect()),
            status: r.status.map(Into::into),
            pinned: r.pinned,
            publish_at: r.publish_at,
            version: r.version,
        }
    }
}

/// The news post id in a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct NewsPostPath {
    /// Post id.
    pub news_post_id: i64,
}

/// The admin list's filters and page.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
pub struct NewsListQuery {
    /// draft, published (in the feed now), scheduled (published for later) or archived.
    pub status: Option<NewsStatusQuery>,
    /// Pinned or not.
    pub pinned: Option<bool>,
    /// A fragment of the title, any case (Cyrillic too).
    pub q: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created at or before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

impl NewsListQuery {
    /// The filters, or 422 naming a bad `from`/`to`.
    pub fn filter(&self) -> Result<NewsFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut time = |field: &str, raw: &Option<String>| match raw {
            Some(raw) => match Timestamp::parse(raw.trim()) {
                Ok(t) => Some(t),
                Err(_) => {
                    errors.push(FieldError::new(
                        field,
                        "must be an RFC 3339 time such as 2026-11-24T12:00:00Z",
                    ));
                    None
                }
            },
            None => None,
        };
        let created_from = time("from", &self.from);
        let created_to = time("to", &self.to);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewsFilter {
            status: self.status.map(Into::into),
            pinned: self.pinned,
            title_fragment: self.q.clone(),
            created_from,
            created_to,
            now: None,
        })
    }
}

/// A post.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewsResponse {
    /// Id.
    pub id: NewsPostId,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Image link.
    pub image_url: Option<String>,
    /// Link buttons.
    pub buttons: Vec<NewsButtonBody>,
    /// draft, published or archived.
    pub status: NewsStatusCode,
    /// Published with a publish time still ahead.
    pub scheduled: bool,
    /// Shown above the other posts.
    pub pinned: bool,
    /// When it enters (entered) the feed.
    pub publish_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// 1 when created, one more on every change; send it back with an edit to guard it.
    pub version: i64,
}

impl NewsResponse {
    /// A post as seen at `now`.
    pub fn new(post: NewsPost, now: Timestamp) -> Self {
        Self {
            scheduled: post.is_scheduled(now),
            id: post.id,
            title: post.title,
            body: post.body,
            image_url: post.image_url,
            buttons: post.buttons.into_iter().map(Into::into).collect(),
            status: post.status.into(),
            pinned: post.pinned,
            publish_at: post.publish_at,
            created_at: post.created_at,
            updated_at: post.updated_at,
            version: post.version,
        }
    }
}

/// A page of posts.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewsPage {
    /// Posts.
    pub items: Vec<NewsResponse>,
    /// Posts in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl NewsPage {
    /// A page as seen at `now`.
    pub fn new(page: Page<NewsPost>, now: Timestamp) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page
                .items
                .into_iter()
                .map(|p| NewsResponse::new(p, now))
                .collect(),
        }
    }
}

/// What a client or visitor did with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum NewsEventCode {
    /// Saw it in the feed.
    View,
    /// Opened it.
    Transition,
    /// Followed a button.
    Click,
    /// Put a product in the cart.
    AddToCart,
    /// Booked an appointment.
    Booking,
    /// Bought.
    Purchase,
}

impl From<NewsEventCode> for NewsEventKind {
    fn from(e: NewsEventCode) -> Self {
        match e {
            NewsEventCode::View => NewsEventKind::View,
            NewsEventCode::Transition => NewsEventKind::Transition,
            NewsEventCode::Click => NewsEventKind::Click,
            NewsEventCode::AddToCart => NewsEventKind::AddToCart,
            NewsEventCode::Booking => NewsEventKind::Booking,
            NewsEventCode::Purchase => NewsEventKind::Purchase,
        }
    }
}

impl From<NewsEventKind> for NewsEventCode {
    fn from(e: NewsEventKind) -> Self {
        match e {
            NewsEventKind::View => NewsEventCode::View,
            NewsEventKind::Transition => NewsEventCode::Transition,
            NewsEventKind::Click => NewsEventCode::Click,
            NewsEventKind::AddToCart => NewsEventCode::AddToCart,
            NewsEventKind::Booking => NewsEventCode::Booking,
            NewsEventKind::Purchase => NewsEventCode::Purchase,
        }
    }
}

/// A tracking report. Staff name a `client_id` or a `visitor_id`; from the Mini App the
/// client is the signed-in one (`client_id` absent or equal).
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct NewsTrackRequest {
    /// The post.
    pub news_post_id: NewsPostId,
    /// view, transition, click, add_to_cart, booking or purchase.
    pub event: NewsEventCode,
    /// The client.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// An anonymous visitor: 1–64 characters of A-Z, a-z, 0-9, _ and -.
    #[serde(default)]
    pub visitor_id: Option<String>,
    /// The purchase (event purchase only): an operation of that client.
    #[serde(default)]
    pub operation_id: Option<OperationId>,
}

/// A recorded event.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewsEventResponse {
    /// Event id.
    pub id: i64,
    /// The post.
    pub news_post_id: NewsPostId,
    /// What happened.
    pub event: NewsEventCode,
    /// The client.
    pub client_id: Option<ClientId>,
    /// The anonymous visitor.
    pub visitor_id: Option<String>,
    /// The purchase named.
    pub operation_id: Option<OperationId>,
    /// When.
    pub at: Timestamp,
}

impl From<NewsEvent> for NewsEventResponse {
    fn from(e: NewsEvent) -> Self {
        Self {
            id: e.id,
            news_post_id: e.event.news_post_id,
            event: e.event.event.into(),
            client_id: e.event.client_id,
            visitor_id: e.event.visitor_id,
            operation_id: e.event.operation_id,
            at: e.event.at,
        }
    }
}

/// The statistics' window.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct NewsStatsQuery {
    /// Days after a client's first view, transition or click in which their purchases count
    /// for the post, 1–90 (default 7).
    pub window_days: Option<u32>,
}

/// The figures of one event.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct EventFiguresResponse {
    /// Events recorded.
    pub count: u64,
    /// Distinct clients plus distinct visitors (of events without a client).
    pub unique: u64,
}

impl From<EventFigures> for EventFiguresResponse {
    fn from(f: EventFigures) -> Self {
        Self {
            count: f.count,
            unique: f.unique,
        }
    }
}

/// Per event kind.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewsEventsFigures {
    /// Views.
    pub view: EventFiguresResponse,
    /// Transitions.
    pub transition: EventFiguresResponse,
    /// Clicks.
    pub click: EventFiguresResponse,
    /// Add-to-cart.
    pub add_to_cart: EventFiguresResponse,
    /// Bookings.
    pub booking: EventFiguresResponse,
    /// Purchase events.
    pub purchase: EventFiguresResponse,
}

/// A post's statistics; rates are fractions from 0 to 1 with 4 decimals.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewsStatsResponse {
    /// The post.
    pub news_post_id: NewsPostId,
    /// The attribution window used, in days.
    pub window_days: u32,
    /// Per event kind.
    pub events: NewsEventsFigures,
    /// Distinct purchasers: clients with an attributed purchase, and actors of a purchase
    /// event naming no operation reported within the window after their first touch.
    pub purchasers: u64,
    /// Unique viewers who clicked / unique viewers.
    pub view_to_click: f64,
    /// Unique purchasers who clicked / unique clickers.
    pub click_to_purchase: f64,
    /// Unique purchasers who viewed / unique viewers.
    pub view_to_purchase: f64,
    /// Purchases attributed to the post, each once: a client's purchases within
    /// `window_days` after their first view, transition or click (a purchase named by a
    /// purchase event counts only so).
    pub purchases: u64,
    /// Their net total (refunds deducted).
    pub revenue: Money,
}

impl NewsStatsResponse {
    /// The figures of a post.
    pub fn new(post: &NewsPost, s: NewsStats) -> Self {
        let f = |k| s.figures(k).into();
        Self {
            news_post_id: post.id,
            window_days: s.window_days,
            events: NewsEventsFigures {
                view: f(NewsEventKind::View),
                transition: f(NewsEventKind::Transition),
                click: f(NewsEventKind::Click),
                add_to_cart: f(NewsEventKind::AddToCart),
                booking: f(NewsEventKind::Booking),
                purchase: f(NewsEventKind::Purchase),
            },
            purchasers: s.purchasers,
            view_to_click: s.view_to_click(),
            click_to_purchase: s.click_to_purchase(),
            view_to_purchase: s.view_to_purchase(),
            purchases: s.purchases,
            revenue: s.revenue,
        }
    }
}
