//! The news model: posts with their status and publish time, the admin list's filters, the
//! tracked events of a post and its statistics, with the validation of each.

use crate::campaigns::model::is_http_url;
use crate::delivery::TELEGRAM_TEXT_LIMIT;
use crm_core::{ClientId, FieldError, Money, NewsPostId, OperationId, Timestamp, Validation};
use serde::{Deserialize, Serialize};

/// Longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body accepted, in characters: a Telegram message.
pub const MAX_BODY_CHARS: usize = TELEGRAM_TEXT_LIMIT;
/// Most link buttons under a post.
pub const MAX_BUTTONS: usize = 8;
/// Longest button label, in characters.
pub const MAX_BUTTON_TEXT_CHARS: usize = 64;
/// Longest anonymous visitor id, in characters.
pub const MAX_VISITOR_ID_CHARS: usize = 64;
/// The attribution window of the statistics unless asked otherwise, in days.
pub const DEFAULT_WINDOW_DAYS: u32 = 7;
/// The widest attribution window, in days.
pub const MAX_WINDOW_DAYS: u32 = 90;

/// Where a post stands. Every status may move to every other one (see [`crate::news::News`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewsStatus {
    /// Being written; not in the feed.
    Draft,
    /// In the feed from its publish time on.
    Published,
    /// Taken out of the feed; kept with its history.
    Archived,
}

impl NewsStatus {
    /// The snake_case code stored.
    pub fn code(self) -> &'static str {
        match self {
            NewsStatus::Draft => "draft",
            NewsStatus::Published => "published",
            NewsStatus::Archived => "archived",
        }
    }

    /// Reads a stored code back.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "draft" => Some(NewsStatus::Draft),
            "published" => Some(NewsStatus::Published),
            "archived" => Some(NewsStatus::Archived),
            _ => None,
        }
    }
}

/// The admin list's status filter: `published` are the posts in the feed now, `scheduled` the
/// published posts whose publish time is still ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NewsStatusFilter {
    /// Drafts.
    Draft,
    /// Published and visible now.
    Published,
    /// Published with a publish time in the future.
    Scheduled,
    /// Archived.
    Archived,
}

/// A link button under a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsButton {
    /// Label, 1–64 characters.
    pub text: String,
    /// An http(s) link.
    pub url: String,
}

/// A new post as staff submit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsDraft {
    /// Title, 1–200 characters.
    pub title: String,
    /// Text, 1–4096 characters.
    pub body: String,
    /// An http(s) image link.
    pub image_url: Option<String>,
    /// Link buttons, at most 8.
    pub buttons: Vec<NewsButton>,
    /// Draft or published.
    pub status: NewsStatus,
    /// Shown above the other posts.
    pub pinned: bool,
    /// When it appears in the feed (published only; default now).
    pub publish_at: Option<Timestamp>,
}

/// A change of a post: `None` keeps a field; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsPatch {
    /// New title.
    pub title: Option<String>,
    /// New text.
    pub body: Option<String>,
    /// New image link, or cleared.
    pub image_url: Option<Option<String>>,
    /// New buttons (replacing all).
    pub buttons: Option<Vec<NewsButton>>,
    /// New status.
    pub status: Option<NewsStatus>,
    /// Pinned or not.
    pub pinned: Option<bool>,
    /// New publish time (published only), or `Some(None)` for "now".
    pub publish_at: Option<Option<Timestamp>>,
    /// The version the change was made from: written only while the post is still at it.
    /// `None` writes regardless (last writer wins).
    pub version: Option<i64>,
}

/// A stored post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsPost {
    /// Id.
    pub id: NewsPostId,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Image link.
    pub image_url: Option<String>,
    /// Link buttons.
    pub buttons: Vec<NewsButton>,
    /// Status.
    pub status: NewsStatus,
    /// Pinned.
    pub pinned: bool,
    /// When it appears (set while published; kept when archived).
    pub publish_at: Option<Timestamp>,
    /// Who created it (`employee:<id>`).
    pub created_by: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// 1 when created, one more on every change.
    pub version: i64,
}

impl NewsPost {
    /// Whether the post is in the Mini App's feed at `now`.
    pub fn is_visible(&self, now: Timestamp) -> bool {
        self.status == NewsStatus::Published && self.publish_at.is_some_and(|at| at <= now)
    }

    /// Whether the post is published for a time still ahead of `now`.
    pub fn is_scheduled(&self, now: Timestamp) -> bool {
        self.status == NewsStatus::Published && self.publish_at.is_some_and(|at| at > now)
    }

    /// The columns storage writes for this post.
    pub fn record(&self) -> NewsRecord {
        NewsRecord {
            title_lower: search_key(&self.title),
            title: self.title.clone(),
            body: self.body.clone(),
            image_url: self.image_url.clone(),
            buttons: self.buttons.clone(),
            status: self.status,
            pinned: self.pinned,
            publish_at: self.publish_at,
        }
    }
}

/// What storage writes of a post: its content, the lower-cased title for searching, status,
/// pin and publish time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsRecord {
    /// Title.
    pub title: String,
    /// The title lower-cased (Unicode, Cyrillic included) for case-insensitive search.
    pub title_lower: String,
    /// Text.
    pub body: String,
    /// Image link.
    pub image_url: Option<String>,
    /// Link buttons.
    pub buttons: Vec<NewsButton>,
    /// Status.
    pub status: NewsStatus,
    /// Pinned.
    pub pinned: bool,
    /// Publish time.
    pub publish_at: Option<Timestamp>,
}

/// The search form of a title or a query, trimmed: see [`crm_core::search_key`].
pub fn search_key(text: &str) -> String {
    crm_core::search_key(text.trim())
}

/// Checks the content of a post: title, body, image link and buttons.
pub fn validate_content(
    title: &str,
    body: &str,
    image_url: Option<&str>,
    buttons: &[NewsButton],
) -> Result<(), Vec<FieldError>> {
    let mut v = Validation::new();
    let title_chars = title.trim().chars().count();
    if title_chars == 0 || title_chars > MAX_TITLE_CHARS {
        v.add(
            "title",
            format!("must be 1 to {MAX_TITLE_CHARS} characters"),
        );
    }
    if body.trim().is_empty() || body.chars().count() > MAX_BODY_CHARS {
        v.add("body", format!("must be 1 to {MAX_BODY_CHARS} characters"));
    }
    if let Some(url) = image_url {
        if !is_http_url(url) {
            v.add("image_url", "must be an http or https link");
        }
    }
    if buttons.len() > MAX_BUTTONS {
        v.add("buttons", format!("at most {MAX_BUTTONS} buttons"));
    }
    for (i, b) in buttons.iter().enumerate() {
        let chars = b.text.trim().chars().count();
        if chars == 0 || chars > MAX_BUTTON_TEXT_CHARS {
            v.add(
                format!("buttons[{i}].text"),
                format!("must be 1 to {MAX_BUTTON_TEXT_CHARS} characters"),
            );
        }
        if !is_http_url(&b.url) {
            v.add(format!("buttons[{i}].url"), "must be an http or https link");
        }
    }
    v.finish()
}

/// Whether a visitor id is 1–64 characters of `A–Z a–z 0–9 _ -`.
pub fn is_visitor_id(id: &str) -> bool {
    (1..=MAX_VISITOR_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The admin list's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsFilter {
    /// Status (with `scheduled`).
    pub status: Option<NewsStatusFilter>,
    /// Pinned or not.
    pub pinned: Option<bool>,
    /// A title fragment, already lower-cased with [`search_key`].
    pub title_fragment: Option<String>,
    /// Created at or after.
    pub created_from: Option<Timestamp>,
    /// Created at or before.
    pub created_to: Option<Timestamp>,
    /// "Now", which splits published from scheduled posts.
    pub now: Option<Timestamp>,
}

/// What a client or visitor did with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewsEventKind {
    /// Saw the post in the feed.
    View,
    /// Opened the post.
    Transition,
    /// Followed a button link.
    Click,
    /// Put a product from the post in the cart.
    AddToCart,
    /// Booked an appointment from the post.
    Booking,
    /// Bought after the post.
    Purchase,
}

impl NewsEventKind {
    /// Every kind, in funnel order.
    pub const ALL: [NewsEventKind; 6] = [
        NewsEventKind::View,
        NewsEventKind::Transition,
        NewsEventKind::Click,
        NewsEventKind::AddToCart,
        NewsEventKind::Booking,
        NewsEventKind::Purchase,
    ];

    /// The snake_case code stored.
    pub fn code(self) -> &'static str {
        match self {
            NewsEventKind::View => "view",
            NewsEventKind::Transition => "transition",
            NewsEventKind::Click => "click",
            NewsEventKind::AddToCart => "add_to_cart",
            NewsEventKind::Booking => "booking",
            NewsEventKind::Purchase => "purchase",
        }
    }

    /// Reads a stored code back.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A validated event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNewsEvent {
    /// The post.
    pub news_post_id: NewsPostId,
    /// What happened.
    pub event: NewsEventKind,
    /// The client, when known.
    pub client_id: Option<ClientId>,
    /// The anonymous visitor, when no client is known (or besides it).
    pub visitor_id: Option<String>,
    /// The purchase a `purchase` event names.
    pub operation_id: Option<OperationId>,
    /// When.
    pub at: Timestamp,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsEvent {
    /// Row id.
    pub id: i64,
    /// The event as recorded.
    pub event: NewNewsEvent,
}

/// The figures of one event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFigures {
    /// The kind.
    pub event: NewsEventKind,
    /// Events recorded.
    pub count: u64,
    /// Distinct actors: clients, plus visitors of events without a client.
    pub unique: u64,
}

/// A post's statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsStats {
    /// The attribution window, in days.
    pub window_days: u32,
    /// Per event kind, every kind present, in [`NewsEventKind::ALL`] order.
    pub events: Vec<EventFigures>,
    /// Distinct purchasers: clients with an attributed purchase, and actors of a `purchase`
    /// event without a named operation reported within the window after their first view,
    /// transition or click.
    pub purchasers: u64,
    /// Distinct viewers who also clicked.
    pub viewers_who_clicked: u64,
    /// Distinct purchasers who clicked.
    pub purchasers_who_clicked: u64,
    /// Distinct purchasers who viewed.
    pub purchasers_who_viewed: u64,
    /// Purchases attributed to the post (a client's purchases within the window after their
    /// first view, transition or click), each counted once.
    pub purchases: u64,
    /// Their net total (total minus refunds).
    pub revenue: Money,
}

impl NewsStats {
    /// The figures of one kind (zeros when absent).
    pub fn figures(&self, event: NewsEventKind) -> EventFigures {
        self.events
            .iter()
            .find(|f| f.event == event)
            .copied()
            .unwrap_or(EventFigures {
                event,
                count: 0,
                unique: 0,
            })
    }

    /// Unique viewers who clicked per unique viewer (never above 1).
    pub fn view_to_click(&self) -> f64 {
        rate(
            self.viewers_who_clicked,
            self.figures(NewsEventKind::View).unique,
        )
    }

    /// Unique purchasers who clicked per unique clicker (never above 1).
    pub fn click_to_purchase(&self) -> f64 {
        rate(
            self.purchasers_who_clicked,
            self.figures(NewsEventKind::Click).unique,
        )
    }

    /// Unique purchasers who viewed per unique viewer (never above 1).
    pub fn view_to_purchase(&self) -> f64 {
        rate(
            self.purchasers_who_viewed,
            self.figures(NewsEventKind::View).unique,
        )
    }
}

/// `part / base` as a fraction rounded to 4 decimals, at most 1; 0 when the base is 0.
pub fn rate(part: u64, base: u64) -> f64 {
    if base == 0 {
        0.0
    } else {
        ((part.min(base) as f64 / base as f64) * 10_000.0).round() / 10_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_searched_in_lower_case_cyrillic_too() {
        assert_eq!(search_key(" Скидки НЕДЕЛИ "), "скидки недели");
    }

    #[test]
    fn visitor_ids_are_short_safe_tokens() {
        assert!(is_visitor_id("abc_DEF-123"));
        assert!(!is_visitor_id(""));
        assert!(!is_visitor_id("a b"));
        assert!(!is_visitor_id(&"x".repeat(65)));
        assert!(!is_visitor_id("визит"));
    }

    #[test]
    fn rates_round_to_four_decimals_and_zero_without_a_base() {
        assert_eq!(rate(1, 3), 0.3333);
        assert_eq!(rate(2, 3), 0.6667);
        assert_eq!(rate(5, 0), 0.0);
        assert_eq!(rate(3, 2), 1.0);
    }

    #[test]
    fn event_codes_round_trip() {
        for kind in NewsEventKind::ALL {
            assert_eq!(NewsEventKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(NewsEventKind::from_code("open"), None);
    }
}
