//! The app factory: middleware, extractor limits and error handlers, routes, OpenAPI and docs.

use crate::error::{json_error, path_error, problem_fallback, query_error};
use crate::routes;
use crate::state::{AppState, HttpSettings};
use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash};
use actix_web::{web, App, Error};
use paperclip::actix::OpenApiExt;
use paperclip::v2::models::{DefaultApiRaw, Info, Tag};
use tracing_actix_web::TracingLogger;

/// Where the OpenAPI 3 document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .allowed_header("idempotency-key")
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in origins {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}

fn spec() -> DefaultApiRaw {
    let tag = |name: &str, description: &str| Tag {
        name: name.into(),
        description: Some(description.into()),
        external_docs: None,
    };
    DefaultApiRaw {
        info: Info {
            title: "CRM and loyalty backend".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: Some(
                "Backend of a small business's CRM and loyalty programme: the admin panel and the \
                 Telegram Mini App talk to it. Sign in at POST /api/v1/auth/telegram/verify (or use \
                 `crm-server token`), then press Authorize and enter `Bearer <token>`. Errors are \
                 RFC 9457 problem+json with a stable `code`. Money and points are decimal numbers \
                 with at most 2 fractional digits."
                    .into(),
            ),
            ..Default::default()
        },
        tags: vec![
            tag("Auth", "Telegram Mini App sign-in"),
            tag("Clients", "The client base and consents"),
            tag("App", "What the Mini App shows the signed-in client"),
            tag(
                "Settings",
                "System settings: company profile, timezone, currency, loyalty rules; audited",
            ),
            tag("Levels", "Loyalty levels: thresholds, cashback and points share"),
            tag(
                "Traffic channels",
                "Sources of clients (Mini App start codes, links, UTM) with their figures",
            ),
            tag("Operations", "Purchases, previews, refunds, the operations list and the points ledger"),
            tag("Referrals", "The referral programme: variants, configuration, client standing"),
            tag(
                "Certificates",
                "Gift certificates: types (nominal, price, validity), sales, look-up by code, the \
                 list with its income",
            ),
            tag(
                "Products",
                "Goods and services, warehouses and points of sale, stock levels and the stock \
                 ledger (receipts, write-offs, transfers, sales, returns, counts)",
            ),
            tag(
                "Staff",
                "Employees: cards with pay terms, categories, timesheets, shifts, payroll runs, \
                 change history and the accruals export (JSON and CSV)",
            ),
            tag(
                "Reminders",
                "Appointment reminders: rules per offset (1 h, 4 h, 1 day, 1 week) and the run",
            ),
            tag(
                "Dialogues",
                "Every message with every client: the registry, conversations, replies, group sends",
            ),
            tag("Dashboard", "The dashboard: today's figures compared with the previous period"),
            tag(
                "Analytics",
                "Statistics tabs: customers, operations, finance (and the other analytics areas)",
            ),
            tag(
                "Appointments",
                "Appointments and online booking: the diary, status changes, free slots, own bookings",
            ),
            tag("Feedback", "Ratings, complaints, suggestions and questions, with answers"),
            tag("News", "The news feed: posts, the Mini App feed, tracking and per-post stats"),
            tag(
                "Control tower",
                "The control tower (Russian): actions, processes, policy, the 90-day goal, outcomes, \
                 presets, endpoint specs; the full dashboard and the promotion forecast",
            ),
            tag("Probes", "Health and readiness"),
        ],
        ..Default::default()
    }
}

/// Builds the application over `state`.
pub fn build_app(
    state: web::Data<AppState>,
    settings: &HttpSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let json = web::JsonConfig::default()
        .limit(settings.body_limit_bytes)
        .error_handler(json_error);
    App::new()
        .app_data(state)
        .app_data(json)
        .app_data(web::Data::from(settings.code_attempts.clone()))
        .app_data(web::Data::from(settings.message_limit.clone()))
        .app_data(web::Data::from(settings.request_limits.clone()))
        .app_data(web::PayloadConfig::new(settings.body_limit_bytes))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .wrap(ErrorHandlers::new().default_handler(problem_fallback))
        .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
        .wrap(cors(&settings.cors_allow_origins))
        .wrap(TracingLogger::default())
        .configure(routes::docs::configure)
        .service(web::resource(OPENAPI_PATH).route(web::get().to(crate::openapi::serve)))
        .wrap_api_with_spec(spec())
        .configure(routes::health::configure)
        .configure(routes::auth::configure)
        .configure(routes::clients::configure)
        .configure(routes::operations::configure)
        .configure(routes::points::configure)
        .configure(routes::referral::configure)
        .configure(routes::settings::configure)
        .configure(routes::levels::configure)
        .configure(routes::traffic::configure)
        .configure(routes::certificates::configure)
        .configure(routes::staff::configure)
        .configure(routes::inventory::configure)
        .configure(routes::campaigns::configure)
        .configure(routes::appointments::configure)
        .configure(routes::reminders::configure)
        .configure(routes::dialogues::configure)
        .configure(routes::dashboard::configure)
        .configure(routes::analytics_sales::configure)
        .configure(routes::feedback::configure)
        .configure(routes::news::configure)
        .configure(routes::analytics_audience::configure)
        .configure(routes::control_tower::configure)
        .configure(routes::app::configure)
        .with_raw_json_spec_v3(|app, spec| {
            app.app_data(web::Data::new(crate::openapi::OpenApiDocument::new(spec)))
        })
        // Swagger UI needs paperclip's own document route; ours, mounted first, answers.
        .with_json_spec_v3_at(OPENAPI_PATH)
        .with_swagger_ui_at("/docs")
        .build()
}
