//! Swagger UI at `/docs`, served from assets compiled into the binary (works offline), reading
//! `/openapi.json`.
//!
//! paperclip serves the Swagger UI assets; this module serves the page itself (pointing at our
//! spec rather than paperclip's default), redirects `/docs` to `/docs/`, and answers 404 for any
//! other file name before paperclip's asset handler sees it.

use actix_web::{guard, http::header, web, HttpResponse};

/// The Swagger UI files paperclip embeds.
const ASSETS: &[&str] = &[
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.js",
    "swagger-ui-es-bundle.js",
    "swagger-ui-es-bundle-core.js",
    "favicon-16x16.png",
    "favicon-32x32.png",
    "oauth2-redirect.html",
    "swagger-ui.css.map",
    "swagger-ui-bundle.js.map",
    "swagger-ui-standalone-preset.js.map",
    "swagger-ui.js.map",
    "swagger-ui-es-bundle.js.map",
    "swagger-ui-es-bundle-core.js.map",
];

const INDEX: &str = include_str!("docs_index.html");

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX)
}

async fn to_index() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

async fn unknown_asset() -> HttpResponse {
    HttpResponse::NotFound().finish()
}

/// Mounts the docs page; call before paperclip's `with_swagger_ui_at("/docs")`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/docs").route(web::get().to(to_index)))
        .service(web::resource(["/docs/", "/docs/index.html"]).route(web::get().to(index)))
        .service(
            web::resource("/docs/{filename:.*}")
                .guard(guard::fn_guard(|ctx| {
                    let path = ctx.head().uri.path();
                    let name = path.strip_prefix("/docs/").unwrap_or(path);
                    !ASSETS.contains(&name)
                }))
                .to(unknown_asset),
        );
}
