//! Every documented route, with odd path parameters and junk bodies, as every kind of caller:
//! nothing answers 5xx, and every error is problem+json.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;

const PATH_VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "abc",
    "99999999999999999999",
    "%27%20OR%201=1",
    "1.5",
];
const BODIES: &[&str] = &[
    "",
    "{",
    "[]",
    "null",
    "{}",
    r#"{"total": 1e999}"#,
    r#"{"amount": "-0.001", "total": -1, "client_id": -5}"#,
    r#"{"name": "\u0000", "full_name": 12, "code": "", "generations": [1e30]}"#,
    r#"{"x": [[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]}"#,
];

#[actix_web::test]
async fn no_route_answers_5xx_to_junk() {
    let app = TestApp::new();
    let service = app.service().await;
    let spec = send(&service, TestRequest::get().uri("/openapi.json"))
        .await
        .2;
    let (_, owner) = app.staff_token(Role::Owner);
    let (_, master) = app.staff_token(Role::Master);
    let client = app.client_token(1);
    let callers: Vec<Option<String>> = vec![
        None,
        Some(owner),
        Some(master),
        Some(client),
        Some("garbage".into()),
    ];
    let mut requests = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("methods") {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            for value in PATH_VALUES {
                let uri: String = path
                    .split('/')
                    .map(|s| if s.starts_with('{') { *value } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                for caller in &callers {
                    for body in BODIES {
                        let mut request = TestRequest::default()
                            .method(method.to_uppercase().parse().expect("method"))
                            .uri(&format!("{uri}?limit=abc&client_id=x&from=yesterday"))
                            .insert_header((header::CONTENT_TYPE, "application/json"))
                            .set_payload(*body);
                        if let Some(token) = caller {
                            request = request.insert_header(bearer(token));
                        }
                        let (status, content_type, response) = send(&service, request).await;
                        requests += 1;
                        assert!(
                            status < 500,
                            "{method} {uri} body {body:?}: {status} {response}"
                        );
                        if status >= 400 {
                            assert_eq!(
                                content_type, "application/problem+json",
                                "{method} {uri}: {response}"
                            );
                        }
                    }
                }
                if !path.contains('{') {
                    break;
                }
            }
        }
    }
    assert!(requests > 1_000, "only {requests} requests were tried");
}
