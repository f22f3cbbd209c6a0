//! The ratings, levels, page-go and marketing tabs and the Mini App's page-view tracking
//! through the real app, on data the tests create; every figure asserted exactly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use serde_json::{json, Value};

const RATINGS: &str = "/api/v1/admin/analytics/ratings";
const LEVELS: &str = "/api/v1/admin/analytics/levels";
const PAGE_GO: &str = "/api/v1/admin/analytics/page-go";
const MARKETING: &str = "/api/v1/admin/analytics/marketing";
const VIEWS: &str = "/api/v1/app/page-views";
const ANONYMOUS: &str = "/api/v1/app/page-views/anonymous";

async fn buy<S, B>(service: &S, token: &str, client: i64, total: f64) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, op) = post(
        service,
        token,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": total}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{op}");
    op["id"].as_i64().unwrap()
}

fn anonymous(ip: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(ANONYMOUS)
        .peer_addr(format!("{ip}:40000").parse().unwrap())
        .set_json(body)
}

/// Page views stored today, as the page-go tab counts them.
async fn stored_views<S, B>(service: &S, token: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let (status, _, tab) = get(service, token, &format!("{PAGE_GO}?period=today")).await;
    assert_eq!(status, 200, "{tab}");
    tab["views"]["current"].as_i64().unwrap()
}

#[actix_web::test]
async fn ratings_and_levels_follow_the_purchases_referrals_and_refunds_made() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    for (name, threshold, cashback) in [("Серебро", 1000, 3), ("Золото", 5000, 7)] {
        let (status, _, body) = post(
            &service,
            &owner,
            "/api/v1/admin/loyalty-levels",
            json!({"name": name, "threshold_kind": "total_spent", "threshold": threshold,
                   "cashback": cashback}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let anna = client(&service, &owner, json!({"full_name": "Анна"})).await;
    let boris = client(
        &service,
        &owner,
        json!({"full_name": "Борис", "referrer_id": anna}),
    )
    .await;
    let vera = client(
        &service,
        &owner,
        json!({"full_name": "Вера", "referrer_id": boris}),
    )
    .await;
    let gleb = client(
        &service,
        &owner,
        json!({"full_name": "Глеб", "referrer_id": anna}),
    )
    .await;
    buy(&service, &owner, boris, 1200.0).await; // none -> silver
    let big = buy(&service, &owner, vera, 6000.0).await; // none -> gold
    buy(&service, &owner, anna, 300.5).await;
    buy(&service, &owner, gleb, 100.0).await;
    let refunded = buy(&service, &owner, gleb, 50.0).await;
    let (status, _, body) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/operations/{refunded}/refund"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Any staff member may read.
    let (_, cashier) = app.staff_token(Role::Cashier);
    let (status, _, ratings) = get(&service, &cashier, &format!("{RATINGS}?period=today")).await;
    assert_eq!(status, 200, "{ratings}");
    assert_eq!(ratings["period"]["preset"], "today");
    let payers: Vec<(i64, i64, f64)> = ratings["by_payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["client_id"].as_i64().unwrap(),
                r["purchases"].as_i64().unwrap(),
                r["net_revenue"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        payers,
        [
            (vera, 1, 6000.0),
            (boris, 1, 1200.0),
            (anna, 1, 300.5),
            (gleb, 1, 100.0)
        ],
        "the refunded purchase counts for nothing"
    );
    assert_eq!(ratings["by_payments"][0]["full_name"], "Вера");
    let referrers = ratings["by_recommendations"].as_array().unwrap();
    assert_eq!(referrers.len(), 2);
    assert_eq!(referrers[0]["client_id"], anna);
    assert_eq!(referrers[0]["invited_total"], 2);
    assert_eq!(referrers[0]["invited_new"], 2);
    assert_eq!(referrers[0]["generations"], json!([2, 1, 0, 0, 0, 0]));
    assert_eq!(referrers[1]["client_id"], boris);
    assert_eq!(referrers[1]["generations"], json!([1, 0, 0, 0, 0, 0]));
    let (_, _, top1) = get(&service, &owner, &format!("{RATINGS}?limit=1")).await;
    assert_eq!(top1["by_payments"].as_array().unwrap().len(), 1);
    assert_eq!(top1["by_recommendations"].as_array().unwrap().len(), 1);
    // Earlier periods hold nothing.
    let (_, _, before) = get(
        &service,
        &owner,
        &format!("{RATINGS}?from=2026-10-01&to=2026-10-31"),
    )
    .await;
    assert_eq!(before["by_payments"], json!([]));
    assert_eq!(before["by_recommendations"][0]["invited_new"], 0);

    let (status, _, levels) = get(&service, &owner, &format!("{LEVELS}?period=week")).await;
    assert_eq!(status, 200, "{levels}");
    let holders: Vec<(Value, i64)> = levels["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["level"]["name"].clone(), l["clients"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        holders,
        [
            (Value::Null, 2),
            (json!("Серебро"), 1),
            (json!("Золото"), 1)
        ]
    );
    assert_eq!(
        (levels["ups"].as_i64(), levels["downs"].as_i64()),
        (Some(2), Some(0))
    );
    // A refund of the big purchase takes Vera back to no level.
    let (status, _, body) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/operations/{big}/refund"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, _, levels) = get(&service, &owner, &format!("{LEVELS}?period=week")).await;
    assert_eq!(
        (levels["ups"].as_i64(), levels["downs"].as_i64()),
        (Some(2), Some(1))
    );
    let down = levels["movement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["direction"] == "down")
        .unwrap();
    assert_eq!(down["from"]["name"], "Золото");
    assert_eq!(down["to"], Value::Null);
    assert_eq!(down["changes"], 1);
    assert_eq!(down["clients"], 1);
    assert_eq!(levels["levels"][0]["clients"], 3);

    // Bad parameters.
    for uri in [
        format!("{RATINGS}?limit=0"),
        format!("{RATINGS}?limit=101"),
        format!("{LEVELS}?from=2026-11-10&to=2026-11-01"),
    ] {
        let result = get(&service, &owner, &uri).await;
        assert_problem(&result, 422, "validation_failed");
    }
    let result = get(&service, &owner, &format!("{RATINGS}?limit=ten")).await;
    assert_eq!(result.0, 400, "{}", result.2);
    let result = get(&service, &owner, &format!("{PAGE_GO}?period=decade")).await;
    assert_eq!(result.0, 400, "{}", result.2);
    let unsigned = send(&service, TestRequest::get().uri(RATINGS)).await;
    assert_eq!(unsigned.0, 401);
}

#[actix_web::test]
async fn page_go_counts_views_from_tma_client_tokens_and_anonymous_visitors() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Manager);
    // A Telegram user seen for the first time: the client is created on the way in.
    let tma = format!("tma {}", init_data_for(5_550_001, "Ivan", NOW));
    let (status, _, body) = send(
        &service,
        TestRequest::post()
            .uri(VIEWS)
            .insert_header((actix_web::http::header::AUTHORIZATION, tma))
            .set_json(json!({"page": "/catalog"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["recorded"], true);
    let anna = client(&service, &owner, json!({"full_name": "Анна"})).await;
    let token = app.client_token(anna);
    for page in ["/catalog", "/news"] {
        let (status, _, body) = post(
            &service,
            &token,
            VIEWS,
            json!({"page": page, "visitor_id": "ignored-for-clients"}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    for (visitor, page) in [
        ("visitor-aaaa1", "/catalog"),
        ("visitor-aaaa1", "/catalog"),
        ("visitor_bbbb2", "/"),
    ] {
        let (status, _, body) = send(
            &service,
            anonymous("10.0.0.2", json!({"page": page, "visitor_id": visitor})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(stored_views(&service, &owner).await, 6);

    // Bad bodies: 4xx and nothing written.
    let long = format!("/{}", "a".repeat(200));
    for body in [
        json!({"page": ""}),
        json!({"page": long}),
        json!({"page": "catalog"}),
        json!({"page": "/a b"}),
    ] {
        let result = post(&service, &token, VIEWS, body, None).await;
        assert_problem(&result, 422, "validation_failed");
    }
    for body in [
        json!({"page": "/x", "visitor_id": "bad id!"}),
        json!({"page": "/x", "visitor_id": "short"}),
        json!({"page": "/x", "visitor_id": "v".repeat(65)}),
        json!({"page": "", "visitor_id": "visitor-ok-1"}),
    ] {
        let result = send(&service, anonymous("10.0.0.3", body)).await;
        assert_problem(&result, 422, "validation_failed");
    }
    for body in [
        json!({"page": "/x"}),
        json!({"page": "/x", "visitor_id": "visitor-ok-1", "extra": 1}),
        json!({"page": 5, "visitor_id": "visitor-ok-1"}),
    ] {
        let result = send(&service, anonymous("10.0.0.3", body)).await;
        assert!((400..500).contains(&result.0), "{} {}", result.0, result.2);
    }
    let malformed = send(
        &service,
        TestRequest::post()
            .uri(ANONYMOUS)
            .peer_addr("10.0.0.3:1".parse().unwrap())
            .insert_header((actix_web::http::header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"page\": \"/x\","),
    )
    .await;
    assert_eq!(malformed.0, 400, "{}", malformed.2);
    let unsigned = send(
        &service,
        TestRequest::post()
            .uri(VIEWS)
            .set_json(json!({"page": "/catalog"})),
    )
    .await;
    assert_eq!(unsigned.0, 401);
    assert_eq!(
        stored_views(&service, &owner).await,
        6,
        "nothing written by refused requests"
    );

    let (status, _, tab) = get(&service, &owner, &format!("{PAGE_GO}?period=today")).await;
    assert_eq!(status, 200, "{tab}");
    assert_eq!(tab["views"]["current"], 6);
    assert_eq!(tab["views"]["previous"], 0);
    assert_eq!(tab["views"]["change_percent"], Value::Null);
    assert_eq!(tab["visitors"]["current"], 4);
    assert_eq!(tab["series"].as_array().unwrap().len(), 1);
    assert_eq!(tab["series"][0]["label"], "2026-11-24");
    assert_eq!(tab["series"][0]["views"], 6);
    assert_eq!(tab["series"][0]["visitors"], 4);
    assert_eq!(
        tab["top_pages"],
        json!([
            {"page": "/catalog", "views": 4, "visitors": 3},
            {"page": "/", "views": 1, "visitors": 1},
            {"page": "/news", "views": 1, "visitors": 1}
        ])
    );
    // Tomorrow the same views are yesterday's: the previous period.
    app.clock.set(at(NOW + 86_400 + 60));
    let owner = app.staff_token(Role::Owner).1;
    let (_, _, tab) = get(&service, &owner, &format!("{PAGE_GO}?period=today")).await;
    assert_eq!(tab["views"]["current"], 0);
    assert_eq!(tab["views"]["previous"], 6);
    assert_eq!(tab["visitors"]["previous"], 4);
    // Week buckets: the unique count of the period is not the sum of the days.
    let (_, _, week) = get(
        &service,
        &owner,
        &format!("{PAGE_GO}?from=2026-11-23&to=2026-11-25"),
    )
    .await;
    let days: Vec<i64> = week["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["views"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [0, 6, 0]);
    assert_eq!(week["visitors"]["current"], 4);
}

#[actix_web::test]
async fn anonymous_page_views_are_limited_per_visitor_and_per_address() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, staff) = app.staff_token(Role::Cashier);
    for _ in 0..30 {
        let result = send(
            &service,
            anonymous(
                "10.0.9.1",
                json!({"page": "/", "visitor_id": "limited-visitor"}),
            ),
        )
        .await;
        assert_eq!(result.0, 201, "{}", result.2);
    }
    let response = actix_web::test::call_service(
        &service,
        anonymous(
            "10.0.9.2",
            json!({"page": "/", "visitor_id": "limited-visitor"}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(stored_views(&service, &staff).await, 30);

    // One address, many visitor ids: 120 a minute.
    for i in 0..119 {
        let result = send(
            &service,
            anonymous(
                "10.0.9.3",
                json!({"page": "/", "visitor_id": format!("address-visitor-{i}")}),
            ),
        )
        .await;
        assert_eq!(result.0, 201, "{}", result.2);
    }
    let result = send(
        &service,
        anonymous(
            "10.0.9.3",
            json!({"page": "/", "visitor_id": "address-visitor-last"}),
        ),
    )
    .await;
    assert_eq!(result.0, 201, "the 120th is still allowed");
    let result = send(
        &service,
        anonymous(
            "10.0.9.3",
            json!({"page": "/", "visitor_id": "address-visitor-over"}),
        ),
    )
    .await;
    assert_problem(&result, 429, "too_many_page_views");
    assert_eq!(stored_views(&service, &staff).await, 150);
}

#[actix_web::test]
async fn marketing_counts_channels_funnel_segments_campaigns_and_forecasts_revenue() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (status, _, channel) = post(
        &service,
        &owner,
        "/api/v1/admin/traffic-channels",
        json!({"name": "Instagram", "code": "insta"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{channel}");
    let insta = channel["id"].as_i64().unwrap();
    let ann = client(
        &service,
        &owner,
        json!({"full_name": "Ann", "telegram_id": 901, "traffic_channel_id": insta,
               "consent_personal_data": true, "consent_marketing": true}),
    )
    .await;
    let bob = client(
        &service,
        &owner,
        json!({"full_name": "Bob", "telegram_id": 902, "traffic_channel_id": insta,
               "consent_personal_data": true, "consent_marketing": true}),
    )
    .await;
    let cat = client(&service, &owner, json!({"full_name": "Cat"})).await;
    for visitor in ["funnel-visitor-1", "funnel-visitor-2"] {
        let result = send(
            &service,
            anonymous("10.0.1.1", json!({"page": "/", "visitor_id": visitor})),
        )
        .await;
        assert_eq!(result.0, 201, "{}", result.2);
    }
    let result = post(
        &service,
        &app.client_token(ann),
        VIEWS,
        json!({"page": "/catalog"}),
        None,
    )
    .await;
    assert_eq!(result.0, 201, "{}", result.2);

    // A campaign to the two reachable clients, sent through a fake Telegram.
    let (status, _, created) = post(
        &service,
        &owner,
        "/api/v1/admin/campaigns",
        json!({"name": "Осень", "channels": ["telegram"], "content": {"text": "Sale"}}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let campaign = created["id"].as_i64().unwrap();
    let (status, _, launched) = post(
        &service,
        &owner,
        &format!("/api/v1/admin/communications/{campaign}/launch"),
        json!({}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{launched}");
    assert_eq!(launched["enqueued"], 2);
    let fake =
        crm_infra::channels::fake_server::FakeHttp::start(vec![telegram_ok(1), telegram_ok(2)]);
    app.deliver_due(&fake.base).await;
    assert_eq!(fake.finish().len(), 2);
    let (status, _, clicked) = post(
        &service,
        &owner,
        "/api/v1/admin/communications/track",
        json!({"event": "click", "token": format!("{campaign}-{bob}"),
               "url": "https://shop.example/sale"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{clicked}");
    // Two opens by Ann and one by Bob: two distinct clients opened.
    for who in [ann, ann, bob] {
        let (status, _, opened) = post(
            &service,
            &owner,
            "/api/v1/admin/communications/track",
            json!({"event": "open", "campaign_id": campaign, "client_id": who}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{opened}");
    }

    app.clock.set(at(NOW + 60));
    let (_, owner) = app.staff_token(Role::Owner);
    buy(&service, &owner, ann, 1000.0).await;
    buy(&service, &owner, ann, 500.0).await;
    buy(&service, &owner, bob, 2000.0).await;
    buy(&service, &owner, cat, 100.0).await;

    let (status, _, tab) = get(
        &service,
        &owner,
        &format!("{MARKETING}?from=2026-11-24&to=2026-11-24"),
    )
    .await;
    assert_eq!(status, 200, "{tab}");
    assert_eq!(
        tab["channels"],
        json!([
            {"channel_id": insta, "name": "Instagram", "code": "insta", "new_clients": 2,
             "converted": 2, "conversion_percent": 100.0, "purchases": 3, "revenue": 3500.0},
            {"channel_id": null, "name": null, "code": null, "new_clients": 1,
             "converted": 1, "conversion_percent": 100.0, "purchases": 1, "revenue": 100.0}
        ])
    );
    let funnel: Vec<(String, i64, Value)> = tab["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_owned(),
                s["count"].as_i64().unwrap(),
                s["conversion_percent"].clone(),
            )
        })
        .collect();
    assert_eq!(
        funnel,
        [
            ("visit".to_owned(), 3, Value::Null),
            ("registration".to_owned(), 3, json!(100.0)),
            ("first_purchase".to_owned(), 3, json!(100.0)),
            ("repeat_purchase".to_owned(), 1, json!(33.3)),
        ]
    );
    let segments: Vec<(String, i64)> = tab["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segment"].as_str().unwrap().to_owned(),
                s["clients"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        segments,
        [
            ("champions".to_owned(), 0),
            ("loyal".to_owned(), 1),
            ("new".to_owned(), 2),
            ("promising".to_owned(), 0),
            ("at_risk".to_owned(), 0),
            ("sleeping".to_owned(), 0),
        ]
    );
    assert_eq!(tab["segment_clients"], Value::Null);
    assert_eq!(tab["rfm_thresholds"]["recent_days"], 30);
    assert_eq!(tab["rfm_thresholds"]["high_spent"], 20000.0);
    let campaigns = tab["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), 1);
    let c = &campaigns[0];
    assert_eq!(c["campaign_id"], campaign);
    assert_eq!(c["name"], "Осень");
    assert_eq!(
        (
            &c["recipients"],
            &c["sent"],
            &c["failed"],
            &c["opens"],
            &c["clicks"],
            &c["conversions"],
            &c["revenue"]
        ),
        (
            &json!(2),
            &json!(2),
            &json!(0),
            &json!(2),
            &json!(1),
            &json!(2),
            &json!(3500.0)
        )
    );
    // Twelve one-day windows; only the last (the period's day) holds revenue (3 600): the line
    // through eleven zeros and 3 600 reaches 1 200 one window ahead.
    let forecast = &tab["forecast"];
    assert_eq!(forecast["method"], "linear_regression");
    assert_eq!(forecast["history"].as_array().unwrap().len(), 12);
    assert_eq!(forecast["history"][11]["revenue"], 3600.0);
    assert_eq!(forecast["history"][0]["revenue"], 0.0);
    assert_eq!(forecast["window_days"], 1);
    assert_eq!(forecast["windows_ahead"], 1.0);
    assert_eq!(forecast["forecast"], 1200.0);
    assert_eq!(forecast["from"], tab["period"]["to"]);

    let (status, _, new_ones) = get(
        &service,
        &owner,
        &format!("{MARKETING}?period=today&segment=new&limit=1"),
    )
    .await;
    assert_eq!(status, 200, "{new_ones}");
    let page = &new_ones["segment_clients"];
    assert_eq!(page["segment"], "new");
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"][0]["client_id"], bob);
    assert_eq!(page["items"][0]["score"], json!({"r": 3, "f": 1, "m": 1}));
    let (_, _, next) = get(
        &service,
        &owner,
        &format!("{MARKETING}?period=today&segment=new&limit=1&offset=1"),
    )
    .await;
    assert_eq!(next["segment_clients"]["items"][0]["client_id"], cat);

    for uri in [
        format!("{MARKETING}?segment=new&limit=501"),
        format!("{MARKETING}?segment=new&limit=0"),
    ] {
        assert_problem(&get(&service, &owner, &uri).await, 422, "validation_failed");
    }
    for uri in [
        format!("{MARKETING}?segment=whales"),
        format!("{MARKETING}?offset=-1"),
    ] {
        let result = get(&service, &owner, &uri).await;
        assert_eq!(result.0, 400, "{uri}: {}", result.2);
    }
}
