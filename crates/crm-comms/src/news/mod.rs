//! News: the company's feed of posts (title, body, image link, link buttons; draft, published
//! or archived; pinned; a publish time that may lie ahead), the admin list with filters, the
//! Mini App's feed, tracking of what clients and anonymous visitors do with a post (view,
//! transition, click, add to cart, booking, purchase) and per-post statistics with the revenue
//! of the purchases attributed to the post.

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::NewsError;
pub use model::{
    EventFigures, NewNewsEvent, NewsButton, NewsDraft, NewsEvent, NewsEventKind, NewsFilter,
    NewsPatch, NewsPost, NewsRecord, NewsStats, NewsStatus, NewsStatusFilter,
};
pub use ports::NewsRepository;
pub use service::{News, Reporter, TrackRequest};
