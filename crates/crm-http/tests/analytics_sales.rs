//! The dashboard summary and the customers, operations and finance tabs through the real app,
//! on data the test creates (clients, purchases with points, a refund, a certificate sale, a
//! stock receipt, a payroll run, an appointment), asserting exact figures; bad parameters and
//! roles.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::*;
use crm_core::{Role, Timestamp};
use serde_json::{json, Value};

const SUMMARY: &str = "/api/v1/admin/dashboard/summary";
const CUSTOMERS: &str = "/api/v1/admin/analytics/customers";
const OPERATIONS: &str = "/api/v1/admin/analytics/operations";
const FINANCE: &str = "/api/v1/admin/analytics/finance";

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn money(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// What the scenario recorded, for the assertions.
struct Recorded {
    /// Points credited today (cashback of today's purchases minus the refund's clawback).
    accrued_today: f64,
    /// Payroll accrued by the run ending today.
    payroll: f64,
}

/// In Moscow (UTC+3), now 2026-11-24 15:00 local (a Tuesday):
/// - 20 Oct: clients C (male, 1990) and D (female, 2010) buy for 500 and 100;
/// - yesterday 12:00 local: C buys for 200;
/// - today: clients A (no gender) and B (female, 2000) are added; A buys for 1000, then for 100
///   paying 30 in points and 70 cash; 400 of the 1000 is refunded; C buys for 300; a
///   certificate is sold for 2700.50; 10.5 kg are received at 8.00; payroll runs for 1–24 Nov;
///   an appointment is booked for 17:00 local.
async fn scenario<S, B>(app: &TestApp, service: &S) -> Recorded
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let now = Timestamp::from_unix_seconds(NOW).unwrap();
    app.clock
        .set(Timestamp::parse("2026-10-20T09:00:00Z").unwrap());
    let (_, owner) = app.staff_token(Role::Owner);
    let c = id(&post(
        service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Сергей", "gender": "male", "birthday": "1990-05-10"}),
        None,
    )
    .await
    .2);
    let d = id(&post(
        service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Дарья", "gender": "female", "birthday": "2010-01-01"}),
        None,
    )
    .await
    .2);
    for (client, total) in [(c, 500), (d, 100)] {
        let p = post(
            service,
            &owner,
            "/api/v1/admin/operations",
            json!({"client_id": client, "total": total}),
            None,
        )
        .await;
        assert_eq!(p.0, 201, "{}", p.2);
    }
    app.clock
        .set(Timestamp::parse("2026-11-23T09:00:00Z").unwrap());
    let (_, owner) = app.staff_token(Role::Owner);
    let yesterday = post(
        service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": c, "total": 200}),
        None,
    )
    .await;
    assert_eq!(yesterday.0, 201, "{}", yesterday.2);

    app.clock.set(now);
    let (_, owner) = app.staff_token(Role::Owner);
    let a = id(&post(
        service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Алексей"}),
        None,
    )
    .await
    .2);
    post(
        service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Белла", "gender": "female", "birthday": "2000-11-03"}),
        None,
    )
    .await;
    let first = post(
        service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": a, "total": 1000}),
        None,
    )
    .await;
    assert_eq!(first.0, 201, "{}", first.2);
    let code = post(
        service,
        &app.client_token(a),
        "/api/v1/app/payment-code",
        json!({}),
        None,
    )
    .await;
    assert_eq!(code.0, 201, "{}", code.2);
    let with_points = post(
        service,
        &owner,
        "/api/v1/admin/operations",
        json!({"payment_code": code.2["code"], "total": 100, "points_to_spend": 30, "cash": 70}),
        None,
    )
    .await;
    assert_eq!(with_points.0, 201, "{}", with_points.2);
    assert_eq!(with_points.2["points"], 30.0);
    let refund = post(
        service,
        &owner,
        &format!("/api/v1/admin/operations/{}/refund", id(&first.2)),
        json!({"amount": 400}),
        Some("refund-1"),
    )
    .await;
    assert_eq!(refund.0, 201, "{}", refund.2);
    assert_eq!(refund.2["cash"], 400.0);
    let third = post(
        service,
        &owner,
        "/api/v1/admin/operations",
        json!({"client_id": c, "total": 300}),
        None,
    )
    .await;
    assert_eq!(third.0, 201, "{}", third.2);
    let accrued_today = money(&first.2["cashback"])
        + money(&with_points.2["cashback"])
        + money(&third.2["cashback"])
        - money(&refund.2["cashback"]);

    let kind = post(
        service,
        &owner,
        "/api/v1/admin/certificates/types",
        json!({"name": "Подарочный", "nominal": 3000, "price": "2700.50", "validity_days": 90}),
        None,
    )
    .await;
    assert_eq!(kind.0, 201, "{}", kind.2);
    let sold = post(
        service,
        &owner,
        "/api/v1/admin/certificates",
        json!({"type_id": id(&kind.2)}),
        None,
    )
    .await;
    assert_eq!(sold.0, 201, "{}", sold.2);

    let beans = post(
        service,
        &owner,
        "/api/v1/admin/products",
        json!({"name": "Кофе", "price": 20, "unit": "kg"}),
        None,
    )
    .await;
    assert_eq!(beans.0, 201, "{}", beans.2);
    let store = post(
        service,
        &owner,
        "/api/v1/admin/products/locations",
        json!({"kind": "warehouse", "name": "Склад"}),
        None,
    )
    .await;
    assert_eq!(store.0, 201, "{}", store.2);
    let receipt = post(
        service,
        &owner,
        &format!("/api/v1/admin/products/{}/movements", id(&beans.2)),
        json!({"type": "receipt", "location_id": id(&store.2), "quantity": 10.5,
               "unit_cost": 8}),
        None,
    )
    .await;
    assert!(receipt.0 == 201 || receipt.0 == 200, "{}", receipt.2);

    let (master_id, _) = app.staff_token(Role::Master);
    let salaried = post(
        service,
        &owner,
        "/api/v1/admin/employees",
        json!({"full_name": "Оклад", "role": "manager", "pay_system": "salary",
               "monthly_salary": 30000}),
        None,
    )
    .await;
    assert_eq!(salaried.0, 201, "{}", salaried.2);
    let run = post(
        service,
        &owner,
        "/api/v1/admin/employees/payroll/run",
        json!({"period_from": "2026-11-01", "period_to": "2026-11-24"}),
        None,
    )
    .await;
    assert_eq!(run.0, 200, "{}", run.2);
    let payroll: f64 = run.2["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| money(&r["amount"]))
        .sum();
    assert!(payroll > 0.0, "{}", run.2);

    let haircut = post(
        service,
        &owner,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Стрижка", "price": 1500, "duration_minutes": 45}),
        None,
    )
    .await;
    assert_eq!(haircut.0, 201, "{}", haircut.2);
    let shift = post(
        service,
        &owner,
        &format!("/api/v1/admin/employees/{master_id}/schedule"),
        json!({"date": "2026-11-24", "start_time": "09:00", "end_time": "18:00"}),
        None,
    )
    .await;
    assert_eq!(shift.0, 201, "{}", shift.2);
    let booked = post(
        service,
        &owner,
        "/api/v1/admin/appointments",
        json!({"client_id": a, "service_id": id(&haircut.2), "employee_id": master_id,
               "starts_at": "2026-11-24T14:00:00Z"}),
        None,
    )
    .await;
    assert_eq!(booked.0, 201, "{}", booked.2);
    Recorded {
        accrued_today,
        payroll,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

#[actix_web::test]
async fn the_summary_counts_today_against_yesterday_so_far() {
    let app = TestApp::new();
    let service = app.service().await;
    let recorded = scenario(&app, &service).await;
    let (_, cashier) = app.staff_token(Role::Cashier);
    let (status, _, s) = get(&service, &cashier, SUMMARY).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["period"]["preset"], "today");
    assert_eq!(s["period"]["timezone"], "Europe/Moscow");
    assert_eq!(s["period"]["from"], "2026-11-23T21:00:00Z");
    // 1000 + 100 + 300 bought, 400 refunded.
    assert_eq!(s["revenue"]["current"], 1000.0);
    assert_eq!(s["revenue"]["previous"], 200.0);
    assert_eq!(s["revenue"]["change_percent"], 400.0);
    assert_eq!(s["operations"]["current"], 3);
    assert_eq!(s["operations"]["previous"], 1);
    // 1400 / 3 = 466.666… → 466.67
    assert_eq!(s["average_check"]["current"], 466.67);
    assert_eq!(s["average_check"]["previous"], 200.0);
    assert_eq!(s["new_clients"]["current"], 2);
    assert_eq!(s["new_clients"]["previous"], 0);
    assert_eq!(s["new_clients"]["change_percent"], Value::Null);
    assert_eq!(s["returning_clients"]["current"], 1);
    assert_eq!(s["returning_clients"]["previous"], 1);
    assert!(
        close(
            money(&s["points_accrued"]["current"]),
            recorded.accrued_today
        ),
        "{s}"
    );
    assert_eq!(s["points_spent"]["current"], 30.0);
    assert_eq!(s["points_spent"]["previous"], 0.0);
    assert_eq!(s["certificates_sold"]["current"], 1);
    assert_eq!(s["certificates_amount"]["current"], 2700.5);
    // Booked for 17:00 today: counted although later than now.
    assert_eq!(s["appointments"]["scheduled"]["current"], 1);
    assert_eq!(s["appointments"]["no_show"]["current"], 0);
    // The 45-minute haircut in a 9-hour shift: 45 / 540 = 8.3 %; no visit was due yet.
    assert_eq!(s["appointments"]["booked_minutes"]["current"], 45);
    assert_eq!(s["appointments"]["shift_minutes"]["current"], 540);
    assert_eq!(s["appointments"]["utilisation_percent"]["current"], 8.3);
    assert_eq!(
        s["appointments"]["utilisation_percent"]["previous"],
        Value::Null
    );
    assert_eq!(
        s["appointments"]["no_show_rate_percent"]["current"],
        Value::Null
    );

    // Another period by query: yesterday as dates.
    let (status, _, y) = get(
        &service,
        &cashier,
        &format!("{SUMMARY}?from=2026-11-23&to=2026-11-23"),
    )
    .await;
    assert_eq!(status, 200, "{y}");
    assert_eq!(y["revenue"]["current"], 200.0);
    assert_eq!(y["period"]["preset"], Value::Null);
}

#[actix_web::test]
async fn the_operations_tab_splits_by_bucket_hour_and_weekday() {
    let app = TestApp::new();
    let service = app.service().await;
    let recorded = scenario(&app, &service).await;
    let (_, master) = app.staff_token(Role::Master);
    let (status, _, r) = get(&service, &master, &format!("{OPERATIONS}?period=week")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["period"]["from"], "2026-11-22T21:00:00Z");
    // Monday and Tuesday of this week.
    let series = r["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["bucket"]["label"], "2026-11-23");
    assert_eq!(series[0]["sales"]["purchases"], 1);
    assert_eq!(series[0]["sales"]["revenue"], 200.0);
    assert_eq!(series[1]["sales"]["purchases"], 3);
    assert_eq!(series[1]["sales"]["refunds"], 1);
    assert_eq!(series[1]["sales"]["refunds_amount"], 400.0);
    assert_eq!(series[1]["sales"]["revenue"], 1000.0);
    assert_eq!(r["purchases"]["current"], 4);
    assert_eq!(r["revenue"]["current"], 1200.0);
    assert_eq!(r["refunds"]["current"], 1);
    assert_eq!(r["points_spent"]["current"], 30.0);
    let yesterday_cashback = money(&r["points_accrued"]["current"]) - recorded.accrued_today;
    assert!(close(yesterday_cashback, 10.0), "5 % of 200: {r}");
    let hours = r["by_hour"].as_array().unwrap();
    assert_eq!(hours.len(), 24);
    // 12:00 and 15:00 local.
    assert_eq!(hours[12]["sales"]["purchases"], 1);
    assert_eq!(hours[15]["sales"]["purchases"], 3);
    assert_eq!(hours[15]["sales"]["revenue"], 1000.0);
    let total: i64 = hours
        .iter()
        .map(|h| h["sales"]["purchases"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 4);
    let days = r["by_weekday"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["weekday"], 1);
    assert_eq!(days[0]["sales"]["purchases"], 1);
    assert_eq!(days[1]["sales"]["purchases"], 3);
    assert_eq!(days[6]["sales"]["purchases"], 0);
}

#[actix_web::test]
async fn the_customers_tab_counts_the_base_and_cohorts() {
    let app = TestApp::new();
    let service = app.service().await;
    scenario(&app, &service).await;
    let (_, cashier) = app.staff_token(Role::Cashier);
    let (status, _, r) = get(
        &service,
        &cashier,
        &format!("{CUSTOMERS}?lost_after_days=30"),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["period"]["preset"], "month");
    assert_eq!(r["lost_after_days"], 30);
    let base = get(&service, &cashier, "/api/v1/admin/clients").await.2["total"].clone();
    assert_eq!(r["total_clients"], base);
    assert_eq!(r["total_clients"], 4);
    assert_eq!(r["new_clients"]["current"], 2);
    assert_eq!(r["new_clients"]["previous"], 2);
    assert_eq!(r["active_clients"]["current"], 2);
    assert_eq!(r["returning_clients"]["current"], 1);
    // D last bought on 20 October, 35 days ago.
    assert_eq!(r["lost_clients"], 1);
    assert_eq!(
        r["by_gender"],
        json!({"male": 1, "female": 2, "unknown": 1})
    );
    let band = |code: &str| {
        r["by_age"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["band"] == code)
            .unwrap()["clients"]
            .clone()
    };
    assert_eq!(band("35_44"), 1);
    assert_eq!(band("25_34"), 1);
    assert_eq!(band("under_18"), 1);
    assert_eq!(band("unknown"), 1);
    assert_eq!(band("55_plus"), 0);
    let series = r["new_clients_series"].as_array().unwrap();
    assert_eq!(series.len(), 24);
    assert_eq!(series[23]["clients"], 2);
    let cohorts = r["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 12);
    let october = cohorts.iter().find(|c| c["month"] == "2026-10").unwrap();
    assert_eq!(october["clients"], 2);
    assert_eq!(october["retention"][0]["months_after"], 1);
    assert_eq!(october["retention"][0]["clients"], 1);
    assert_eq!(october["retention"][0]["share_percent"], 50.0);
    let november = cohorts.iter().find(|c| c["month"] == "2026-11").unwrap();
    assert_eq!(november["clients"], 1);

    let default = get(&service, &cashier, CUSTOMERS).await;
    assert_eq!(default.2["lost_after_days"], 90);
    assert_eq!(default.2["lost_clients"], 0);
}

#[actix_web::test]
async fn the_finance_tab_is_for_owners_and_admins() {
    let app = TestApp::new();
    let service = app.service().await;
    let recorded = scenario(&app, &service).await;
    let (_, admin) = app.staff_token(Role::Admin);
    let (status, _, r) = get(&service, &admin, &format!("{FINANCE}?period=today")).await;
    assert_eq!(status, 200, "{r}");
    let t = &r["totals"];
    // Cash: 1000 + 70 + 300 paid, 400 given back.
    assert_eq!(t["income"]["cash_from_purchases"], 970.0);
    assert_eq!(t["income"]["certificate_sales"], 2700.5);
    assert_eq!(t["income"]["total"], 3670.5);
    // 10.5 kg at 8.00.
    assert_eq!(t["expenses"]["cost_of_goods"], 84.0);
    assert!(
        close(money(&t["expenses"]["payroll"]), recorded.payroll),
        "{r}"
    );
    assert!(
        close(money(&t["cash_flow"]), 3670.5 - 84.0 - recorded.payroll),
        "{r}"
    );
    assert_eq!(r["series"].as_array().unwrap().len(), 1);
    assert_eq!(r["series"][0]["figures"]["cash_flow"], t["cash_flow"]);

    // By month for the quarter: October had 600 in cash and nothing else.
    let (_, _, q) = get(
        &service,
        &admin,
        &format!("{FINANCE}?period=quarter&granularity=month"),
    )
    .await;
    assert_eq!(q["series"][0]["bucket"]["label"], "2026-10");
    assert_eq!(
        q["series"][0]["figures"]["income"]["cash_from_purchases"],
        600.0
    );
    assert_eq!(q["series"][0]["figures"]["cash_flow"], 600.0);
    assert_eq!(q["totals"]["income"]["cash_from_purchases"], 1770.0);

    let (_, cashier) = app.staff_token(Role::Cashier);
    assert_problem(&get(&service, &cashier, FINANCE).await, 403, "forbidden");
    let (_, manager) = app.staff_token(Role::Manager);
    assert_problem(&get(&service, &manager, FINANCE).await, 403, "forbidden");
}

#[actix_web::test]
async fn bad_parameters_are_refused_with_a_problem() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    for uri in [
        format!("{SUMMARY}?period=decade"),
        format!("{OPERATIONS}?granularity=hour"),
        format!("{CUSTOMERS}?lost_after_days=ten"),
    ] {
        assert_problem(&get(&service, &owner, &uri).await, 400, "invalid_query");
    }
    for (uri, field) in [
        (format!("{SUMMARY}?from=junk"), "from"),
        (format!("{FINANCE}?from=2026-11-10&to=2026-11-01"), "from"),
        (
            format!("{OPERATIONS}?period=week&from=2026-11-01"),
            "period",
        ),
        (format!("{CUSTOMERS}?lost_after_days=0"), "lost_after_days"),
        (
            format!("{CUSTOMERS}?lost_after_days=731"),
            "lost_after_days",
        ),
        (
            format!("{OPERATIONS}?from=2016-01-01&to=2026-01-01&granularity=day"),
            "granularity",
        ),
    ] {
        let result = get(&service, &owner, &uri).await;
        assert_problem(&result, 422, "validation_failed");
        assert_eq!(result.2["errors"][0]["field"], field, "{uri}: {}", result.2);
    }
    let anonymous = send(&service, actix_web::test::TestRequest::get().uri(SUMMARY)).await;
    assert_eq!(anonymous.0, 401);
}

#[actix_web::test]
async fn an_empty_business_has_zero_figures() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let (status, _, s) = get(&service, &owner, SUMMARY).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(
        s["revenue"],
        json!({"current": 0.0, "previous": 0.0, "change_percent": null})
    );
    assert_eq!(s["average_check"]["current"], 0.0);
    for uri in [CUSTOMERS, OPERATIONS, FINANCE] {
        let (status, _, body) = get(&service, &owner, uri).await;
        assert_eq!(status, 200, "{uri}: {body}");
    }
}

#[actix_web::test]
async fn the_routes_are_documented() {
    let app = TestApp::new();
    let service = app.service().await;
    let spec = send(
        &service,
        actix_web::test::TestRequest::get().uri("/openapi.json"),
    )
    .await
    .2;
    for path in [SUMMARY, CUSTOMERS, OPERATIONS, FINANCE] {
        assert!(
            spec["paths"][path]["get"].is_object(),
            "{path} is not documented"
        );
    }
}
