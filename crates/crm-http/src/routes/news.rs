//! News: `/api/v1/admin/news` (the admin list with filters, creation, partial update and
//! archiving, tracking and per-post statistics) and the Mini App's feed and tracking under
//! `/api/v1/app/news`.
//!
//! Every staff role may read the list and the statistics and report events; owners, admins and
//! managers create and change posts (a cashier gets 403). `POST /api/v1/admin/news/track`
//! also accepts the Mini App's credentials (a client token or `tma <initData>`): the event is
//! then the signed-in client's, like `POST /api/v1/app/news/track`.

use crate::auth::extract::StaffOrClient;
use crate::auth::{AppUser, StaffUser};
use crate::body::Body;
use crate::dto::common::page_request;
use crate::dto::common::PageQuery;
use crate::dto::news::{
    NewsCreateRequest, NewsEventResponse, NewsListQuery, NewsPage, NewsPostPath, NewsResponse,
    NewsStatsQuery, NewsStatsResponse, NewsTrackRequest, NewsUpdateRequest,
};
use crate::error::ApiError;
use crate::state::AppState;
use crm_comms::news::{NewsError, Reporter, TrackRequest};
use crm_core::{Actor, NewsPostId, Role};
use paperclip::actix::{api_v2_operation, web, CreatedJson};

impl From<NewsError> for ApiError {
    fn from(e: NewsError) -> Self {
        match e {
            NewsError::NotFound => {
                ApiError::not_found("news_post_not_found", "No news post with this id.")
            }
            NewsError::ClientNotFound => {
                ApiError::not_found("client_not_found", "No client with this id.")
            }
            NewsError::Forbidden(message) => ApiError::forbidden(message),
            NewsError::VersionConflict { current } => ApiError::new(
                actix_web::http::StatusCode::CONFLICT,
                "version_conflict",
                format!(
                    "The news post was changed by someone else meanwhile (now version \
                     {current}); reload it and retry."
                ),
            ),
            NewsError::Validation(errors) => ApiError::validation(errors),
            NewsError::Storage(e) => e.into(),
        }
    }
}

/// The admin list: filters `status` (draft, published = in the feed now, scheduled =
/// published for later, archived), `pinned`, `q` (title fragment, any case), `from`/`to`
/// (created, RFC 3339); newest first.
#[api_v2_operation(tags(News))]
async fn list_news(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<NewsListQuery>,
) -> Result<web::Json<NewsPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let filter = query.filter().map_err(ApiError::validation)?;
    let news = state.news();
    let found = web::block(move || news.list(filter, page)).await??;
    Ok(web::Json(NewsPage::new(found, state.clock.now())))
}

/// Creates a post: draft (default) or published — now, or at `publish_at` (a later time
/// schedules it).
#[api_v2_operation(tags(News))]
async fn create_news(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: Body<NewsCreateRequest>,
) -> Result<CreatedJson<NewsResponse>, ApiError> {
    staff.require(Role::manages_business, "create news posts")?;
    let draft = body.into_inner().into();
    let by = Actor::Employee(staff.employee_id).to_string();
    let news = state.news();
    let created = web::block(move || news.create(draft, &by)).await??;
    Ok(CreatedJson(NewsResponse::new(created, state.clock.now())))
}

/// Changes a post: absent fields are kept, `image_url: null` removes the image. `status`
/// may move between draft, published and archived in any direction: publishing sets the
/// publish time (given, or now), back to draft clears it, archiving takes the post out of the
/// feed and keeps it. Every change raises `version`; a body with the `version` it was made
/// from is written only while the post is still at it (else 409 `version_conflict`).
#[api_v2_operation(tags(News))]
async fn update_news(
    staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<NewsPostPath>,
    body: Body<NewsUpdateRequest>,
) -> Result<web::Json<NewsResponse>, ApiError> {
    staff.require(Role::manages_business, "change news posts")?;
    let id = NewsPostId(path.news_post_id);
    let patch = body.into_inner().into();
    let news = state.news();
    let updated = web::block(move || news.update(id, patch)).await??;
    Ok(web::Json(NewsResponse::new(updated, state.clock.now())))
}

/// A post's figures: per event the count and the unique actors, conversion rates on unique
/// actors (view → click → purchase) and the revenue of purchases attributed to the post
/// within `window_days` (1–90, default 7) after a client's first view, transition or click.
#[api_v2_operation(tags(News))]
async fn news_stats(
    _staff: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<NewsPostPath>,
    query: web::Query<NewsStatsQuery>,
) -> Result<web::Json<NewsStatsResponse>, ApiError> {
    let id = NewsPostId(path.news_post_id);
    let window = query.window_days;
    let news = state.news();
    let (post, stats) = web::block(move || news.stats(id, window)).await??;
    Ok(web::Json(NewsStatsResponse::new(&post, stats)))
}

async fn record(
    state: &AppState,
    body: NewsTrackRequest,
    reporter: Reporter,
) -> Result<CreatedJson<NewsEventResponse>, ApiError> {
    let request = TrackRequest {
        news_post_id: body.news_post_id,
        event: body.event.into(),
        client_id: body.client_id,
        visitor_id: body.visitor_id,
        operation_id: body.operation_id,
        reporter,
    };
    let news = state.news();
    let event = web::block(move || news.track(request)).await??;
    Ok(CreatedJson(event.into()))
}

/// Records an event of a post. With a staff token the body names a `client_id` or a
/// `visitor_id` (any existing post); with the Mini App's credentials (client token or `tma`)
/// the event is the signed-in client's (`client_id` absent or equal, else 403) and the post
/// must be in the feed now. A `purchase` may name its `operation_id`, a purchase of that client.
#[api_v2_operation(tags(News))]
async fn track_news(
    caller: StaffOrClient,
    state: web::Data<AppState>,
    body: Body<NewsTrackRequest>,
) -> Result<CreatedJson<NewsEventResponse>, ApiError> {
    let reporter = match caller {
        StaffOrClient::Staff(staff) => Reporter::Staff(staff.employee_id),
        StaffOrClient::Client(user) => Reporter::Client(user.client_id),
    };
    record(&state, body.into_inner(), reporter).await
}

/// The Mini App's feed: published posts whose time has come, pinned first, then the newest.
#[api_v2_operation(tags(App))]
async fn app_feed(
    _user: AppUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<NewsPage>, ApiError> {
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let news = state.news();
    let found = web::block(move || news.feed(page)).await??;
    Ok(web::Json(NewsPage::new(found, state.clock.now())))
}

/// The Mini App records an event of a post in the feed for the signed-in client.
#[api_v2_operation(tags(App))]
async fn app_track_news(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<NewsTrackRequest>,
) -> Result<CreatedJson<NewsEventResponse>, ApiError> {
    record(&state, body.into_inner(), Reporter::Client(user.client_id)).await
}

/// Mounts the news routes; literal paths before `{news_post_id}` ones.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/news")
            .route(web::get().to(list_news))
            .route(web::post().to(create_news)),
    )
    .service(web::resource("/api/v1/admin/news/track").route(web::post().to(track_news)))
    .service(web::resource("/api/v1/admin/news/{news_post_id}").route(web::put().to(update_news)))
    .service(
        web::resource("/api/v1/admin/news/{news_post_id}/stats").route(web::get().to(news_stats)),
    )
    .service(web::resource("/api/v1/app/news").route(web::get().to(app_feed)))
    .service(web::resource("/api/v1/app/news/track").route(web::post().to(app_track_news)));
}
