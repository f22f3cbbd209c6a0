//! The audience tabs of the statistics — `/api/v1/admin/analytics/{ratings, levels, page-go,
//! marketing}` (any staff member may read) — and the Mini App's page-view tracking:
//! `POST /api/v1/app/page-views` (a signed-in client) and `POST /api/v1/app/page-views/anonymous`
//! (no sign-in; limited per visitor id and per IP address, 429 with `Retry-After` beyond).

use crate::auth::{AppUser, StaffUser};
use crate::body::Body;
use crate::dto::analytics_audience::{
    AnonymousPageViewRequest, LevelsResponse, MarketingQuery, MarketingResponse, PageGoResponse,
    PageViewRecorded, PageViewRequest, RatingsQuery, RatingsResponse,
};
use crate::dto::common::page_request;
use crate::dto::period::PeriodQuery;
use crate::error::ApiError;
use crate::rate_limit::RateLimiter;
use crate::state::AppState;
use actix_web::HttpRequest;
use crm_analytics::audience::model::Visitor;
use paperclip::actix::{api_v2_operation, web, CreatedJson};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;
use std::time::Duration;

/// Anonymous page views one visitor id may send per minute.
pub const VIEWS_PER_VISITOR: usize = 30;
/// Anonymous page views one IP address may send per minute.
pub const VIEWS_PER_ADDRESS: usize = 120;

/// The two limits of anonymous page views, shared by every worker of the process.
struct AnonymousLimits {
    visitor: RateLimiter,
    address: RateLimiter,
}

fn limits() -> &'static AnonymousLimits {
    static LIMITS: OnceLock<AnonymousLimits> = OnceLock::new();
    LIMITS.get_or_init(|| AnonymousLimits {
        visitor: RateLimiter::new(VIEWS_PER_VISITOR, Duration::from_secs(60)),
        address: RateLimiter::new(VIEWS_PER_ADDRESS, Duration::from_secs(60)),
    })
}

/// A limiter key for a text (visitor id or address).
fn key(kind: &str, text: &str) -> i64 {
    let mut hasher = DefaultHasher::new();
    kind.hash(&mut hasher);
    text.hash(&mut hasher);
    i64::from_ne_bytes(hasher.finish().to_ne_bytes())
}

fn too_many(seconds: u64) -> ApiError {
    ApiError::too_many_requests(
        "too_many_page_views",
        format!("Too many page views; retry in {seconds} s."),
        seconds,
    )
}

/// The ratings tab: top clients by payments in the period (net purchases and their count) and
/// by recommendations (clients invited, new in the period, and the referral tree per
/// generation 1–6). `limit` rows each: 1 to 100, default 10.
#[api_v2_operation(tags(Analytics))]
async fn ratings(
    _staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
    query: web::Query<RatingsQuery>,
) -> Result<web::Json<RatingsResponse>, ApiError> {
    let request = period.request();
    let limit = query.limit;
    let analytics = state.audience_analytics();
    let found = web::block(move || analytics.ratings(&request, limit)).await??;
    Ok(web::Json(found.into()))
}

/// The levels tab: clients per loyalty level now ("no level" included) and the level changes
/// in the period per from → to pair, up and down.
#[api_v2_operation(tags(Analytics))]
async fn levels(
    _staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
) -> Result<web::Json<LevelsResponse>, ApiError> {
    let request = period.request();
    let analytics = state.audience_analytics();
    let found = web::block(move || analytics.levels(&request)).await??;
    Ok(web::Json(found.into()))
}

/// The page-go tab: views and unique visitors of the Mini App per bucket and for the whole
/// period (compared with the previous one), and the most viewed pages. A visitor is a client
/// or an anonymous visitor id.
#[api_v2_operation(tags(Analytics))]
async fn page_go(
    _staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
) -> Result<web::Json<PageGoResponse>, ApiError> {
    let request = period.request();
    let analytics = state.audience_analytics();
    let found = web::block(move || analytics.page_go(&request)).await??;
    Ok(web::Json(found.into()))
}

/// The marketing tab: traffic channels (new clients, conversion to a first purchase, revenue),
/// the funnel visit → registration → first purchase → repeat purchase, RFM segments (with
/// `segment`, a page of its clients: `limit` 1 to 500, `offset`), campaigns launched in the
/// period with their results, and the revenue forecast for the next period with its method.
#[api_v2_operation(tags(Analytics))]
async fn marketing(
    _staff: StaffUser,
    state: web::Data<AppState>,
    period: web::Query<PeriodQuery>,
    query: web::Query<MarketingQuery>,
) -> Result<web::Json<MarketingResponse>, ApiError> {
    let request = period.request();
    let page = page_request(query.limit, query.offset).map_err(ApiError::validation)?;
    let segment = query.segment.map(Into::into);
    let analytics = state.audience_analytics();
    let found = web::block(move || analytics.marketing(&request, segment, page)).await??;
    Ok(web::Json(found.into()))
}

/// Records a page view of the signed-in client (a client token or `tma` initData). `page`
/// is a path of 1–200 characters starting with `/`; `visitor_id` is ignored (the client is
/// the visitor).
#[api_v2_operation(tags(App))]
async fn record_view(
    user: AppUser,
    state: web::Data<AppState>,
    body: Body<PageViewRequest>,
) -> Result<CreatedJson<PageViewRecorded>, ApiError> {
    let page = body.into_inner().page;
    let analytics = state.audience_analytics();
    let client = user.client_id;
    web::block(move || analytics.record_page_view(page, Visitor::Client(client))).await??;
    Ok(CreatedJson(PageViewRecorded { recorded: true }))
}

/// Records a page view of an anonymous visitor (no sign-in): `visitor_id` is the id the app
/// keeps for the device (8–64 characters of `A-Z a-z 0-9 _ -`). At most 30 views per visitor
/// id and 120 per IP address a minute (429 with `Retry-After` beyond).
#[api_v2_operation(tags(App))]
async fn record_anonymous_view(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<AnonymousPageViewRequest>,
) -> Result<CreatedJson<PageViewRecorded>, ApiError> {
    let body = body.into_inner();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let limits = limits();
    limits
        .address
        .try_acquire(key("ip", &address))
        .map_err(too_many)?;
    limits
        .visitor
        .try_acquire(key("visitor", &body.visitor_id))
        .map_err(too_many)?;
    let analytics = state.audience_analytics();
    let visitor = Visitor::Anonymous(body.visitor_id);
    let page = body.page;
    web::block(move || analytics.record_page_view(page, visitor))
        .await
        .map_err(ApiError::from)?
        .map_err(ApiError::from)?;
    Ok(CreatedJson(PageViewRecorded { recorded: true }))
}

/// Mounts the audience analytics and page-view routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/admin/analytics/ratings").route(web::get().to(ratings)))
        .service(web::resource("/api/v1/admin/analytics/levels").route(web::get().to(levels)))
        .service(web::resource("/api/v1/admin/analytics/page-go").route(web::get().to(page_go)))
        .service(web::resource("/api/v1/admin/analytics/marketing").route(web::get().to(marketing)))
        .service(web::resource("/api/v1/app/page-views").route(web::post().to(record_view)))
        .service(
            web::resource("/api/v1/app/page-views/anonymous")
                .route(web::post().to(record_anonymous_view)),
        );
}
