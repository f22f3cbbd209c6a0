//! Staff through the real app: employee cards and the role they give at sign-in, categories,
//! timesheets, shifts, payroll runs, history, the JSON and CSV exports, bad input and roles.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::{self, TestRequest};
use common::*;
use crm_core::{EmployeeId, Role};
use serde_json::{json, Value};

const EMPLOYEES: &str = "/api/v1/admin/employees";

async fn delete<S, B>(service: &S, token: &str, uri: &str) -> (u16, String, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    send(
        service,
        TestRequest::delete().uri(uri).insert_header(bearer(token)),
    )
    .await
}

fn token_for(app: &TestApp, id: i64, role: Role) -> String {
    app.state
        .auth
        .tokens
        .issue_staff(EmployeeId(id), role, None, at(NOW))
        .expect("token")
        .0
}

#[actix_web::test]
async fn cards_give_the_sign_in_role_change_with_history_and_archive() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let created = post(
        &service,
        &owner,
        EMPLOYEES,
        json!({
            "full_name": "Ирина Петрова", "phone": "8 916 111-22-33", "telegram_id": 777,
            "position": "Кассир", "role": "cashier", "pay_system": "hourly",
            "hourly_rate": 250.5, "hire_date": "2026-01-15", "notes": "ночные смены"
        }),
        None,
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.2);
    let card = &created.2;
    let id = card["id"].as_i64().unwrap();
    assert_eq!(card["phone"], "+79161112233");
    assert_eq!(card["role"], "cashier");
    assert_eq!(card["pay"]["pay_system"], "hourly");
    assert_eq!(card["pay"]["hourly_rate"], 250.5);
    assert_eq!(card["hire_date"], "2026-01-15");

    // Signing in with that Telegram id gives the card's role.
    let signed = send(
        &service,
        TestRequest::post()
            .uri("/api/v1/auth/telegram/verify")
            .set_json(json!({"init_data": init_data_for(777, "Ира", NOW)})),
    )
    .await;
    assert_eq!(signed.0, 200, "{}", signed.2);
    assert_eq!(signed.2["role"], "cashier");
    assert_eq!(signed.2["staff"]["employee_id"], id);
    let cashier = signed.2["access_token"].as_str().unwrap().to_owned();

    // A cashier lists employees without pay terms and may not read the history.
    let list = get(&service, &cashier, EMPLOYEES).await;
    assert_eq!(list.0, 200, "{}", list.2);
    assert!(list.2["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["pay"].is_null()));
    let history_uri = format!("{EMPLOYEES}/{id}/history");
    assert_problem(
        &get(&service, &cashier, &history_uri).await,
        403,
        "forbidden",
    );

    // Promoting the card changes what the same token may do at once.
    let promoted = put(
        &service,
        &owner,
        &format!("{EMPLOYEES}/{id}"),
        json!({"role": "admin", "pay_system": "hourly", "hourly_rate": 300, "notes": null}),
    )
    .await;
    assert_eq!(promoted.0, 200, "{}", promoted.2);
    assert_eq!(promoted.2["notes"], Value::Null);
    let history = get(&service, &cashier, &history_uri).await;
    assert_eq!(history.0, 200, "{}", history.2);
    let items = history.2["items"].as_array().unwrap();
    let changed: Vec<(&str, &Value, &Value)> = items
        .iter()
        .take(3)
        .map(|h| {
            (
                h["field"].as_str().unwrap(),
                &h["old_value"],
                &h["new_value"],
            )
        })
        .collect();
    // Newest first: the update's three fields (in card order, stored in one go), then creation.
    assert_eq!(changed.len(), 3);
    let fields: Vec<&str> = changed.iter().map(|c| c.0).collect();
    assert!(fields.contains(&"role"), "{fields:?}");
    assert!(fields.contains(&"hourly_rate"), "{fields:?}");
    assert!(fields.contains(&"notes"), "{fields:?}");
    let rate = items.iter().find(|h| h["field"] == "hourly_rate").unwrap();
    assert_eq!(rate["old_value"], "250.5");
    assert_eq!(rate["new_value"], "300");
    assert!(rate["actor"].as_str().unwrap().starts_with("employee:"));
    assert!(items[0]["id"].as_i64() > items[items.len() - 1]["id"].as_i64());
    assert!(items
        .iter()
        .any(|h| h["field"] == "full_name" && h["old_value"].is_null()));

    // An unchanged update writes no history.
    let total = history.2["total"].as_u64().unwrap();
    let same = put(
        &service,
        &owner,
        &format!("{EMPLOYEES}/{id}"),
        json!({"full_name": "Ирина Петрова"}),
    )
    .await;
    assert_eq!(same.0, 200);
    assert_eq!(
        get(&service, &owner, &history_uri).await.2["total"].as_u64(),
        Some(total)
    );

    // Archiving keeps the card, hides it by default and revokes access.
    let archived = delete(&service, &owner, &format!("{EMPLOYEES}/{id}")).await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    assert!(archived.2["archived_at"].is_string());
    let active = get(&service, &owner, EMPLOYEES).await.2;
    assert!(active["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"] != id));
    let all = get(
        &service,
        &owner,
        &format!("{EMPLOYEES}?include_archived=true"),
    )
    .await
    .2;
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == id));
    assert_problem(
        &get(&service, &cashier, EMPLOYEES).await,
        401,
        "staff_access_revoked",
    );
    let last = get(&service, &owner, &history_uri).await.2;
    assert_eq!(last["items"][0]["field"], "archived");
    assert_problem(
        &put(
            &service,
            &owner,
            &format!("{EMPLOYEES}/9999"),
            json!({"notes": "x"}),
        )
        .await,
        404,
        "employee_not_found",
    );
}

#[actix_web::test]
async fn only_owners_and_admins_touch_pay_payroll_history_and_exports() {
    let app = TestApp::new();
    let service = app.service().await;
    let (id, admin) = app.staff_token(Role::Admin);
    // An admin may not grant the owner role.
    assert_problem(
        &post(
            &service,
            &admin,
            EMPLOYEES,
            json!({"full_name": "X", "role": "owner"}),
            None,
        )
        .await,
        403,
        "forbidden",
    );
    for role in [Role::Cashier, Role::Master] {
        let (_, token) = app.staff_token(role);
        let run = post(
            &service,
            &token,
            &format!("{EMPLOYEES}/payroll/run"),
            json!({"period_from": "2026-11-01", "period_to": "2026-11-30"}),
            None,
        )
        .await;
        assert_problem(&run, 403, "forbidden");
        for uri in [
            format!("{EMPLOYEES}/export"),
            format!("{EMPLOYEES}/export.csv"),
            format!("{EMPLOYEES}/{id}/history"),
        ] {
            assert_problem(&get(&service, &token, &uri).await, 403, "forbidden");
        }
        assert_problem(
            &post(
                &service,
                &token,
                EMPLOYEES,
                json!({"full_name": "Y", "role": "master", "hourly_rate": 1000}),
                None,
            )
            .await,
            403,
            "forbidden",
        );
        assert_problem(
            &put(
                &service,
                &token,
                &format!("{EMPLOYEES}/{id}"),
                json!({"pay_system": "hourly", "hourly_rate": 1}),
            )
            .await,
            403,
            "forbidden",
        );
    }
    // Nothing was written by the refused requests.
    let list = get(&service, &admin, &format!("{EMPLOYEES}/export")).await;
    assert_eq!(list.2["total"], 0);
}

#[actix_web::test]
async fn categories_are_refused_deletion_while_in_use() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let uri = format!("{EMPLOYEES}/categories");
    let barbers = post(&service, &owner, &uri, json!({"name": "Барберы"}), None).await;
    assert_eq!(barbers.0, 201, "{}", barbers.2);
    let cat = barbers.2["id"].as_i64().unwrap();
    assert_problem(
        &post(&service, &owner, &uri, json!({"name": "Барберы"}), None).await,
        409,
        "duplicate_employee",
    );
    assert_problem(
        &post(&service, &owner, &uri, json!({"name": " "}), None).await,
        422,
        "validation_failed",
    );
    // An unknown category: 422, and no employee written.
    let before = get(&service, &owner, EMPLOYEES).await.2["total"].clone();
    assert_problem(
        &post(
            &service,
            &owner,
            EMPLOYEES,
            json!({"full_name": "Олег", "role": "master", "category_id": 999}),
            None,
        )
        .await,
        422,
        "category_not_found",
    );
    assert_eq!(get(&service, &owner, EMPLOYEES).await.2["total"], before);

    let mut ids = Vec::new();
    for name in ["Олег", "Павел"] {
        let e = post(
            &service,
            &owner,
            EMPLOYEES,
            json!({"full_name": name, "role": "master", "category_id": cat}),
            None,
        )
        .await;
        assert_eq!(e.0, 201, "{}", e.2);
        ids.push(e.2["id"].as_i64().unwrap());
    }
    let refused = delete(&service, &owner, &format!("{uri}/{cat}")).await;
    assert_problem(&refused, 409, "category_in_use");
    assert!(
        refused.2["detail"].as_str().unwrap().contains('2'),
        "{}",
        refused.2
    );
    let (_, cashier) = app.staff_token(Role::Cashier);
    assert_eq!(get(&service, &cashier, &uri).await.2["total"], 1);
    assert_problem(
        &delete(&service, &cashier, &format!("{uri}/{cat}")).await,
        403,
        "forbidden",
    );

    put(
        &service,
        &owner,
        &format!("{EMPLOYEES}/{}", ids[0]),
        json!({"category_id": null}),
    )
    .await;
    delete(&service, &owner, &format!("{EMPLOYEES}/{}", ids[1])).await;
    let deleted = delete(&service, &owner, &format!("{uri}/{cat}")).await;
    assert_eq!(deleted.0, 200, "{}", deleted.2);
    assert_eq!(deleted.2["total"], 0);
    assert_problem(
        &delete(&service, &owner, &format!("{uri}/{cat}")).await,
        404,
        "category_not_found",
    );
}

#[actix_web::test]
async fn timesheets_take_one_entry_a_day_and_refuse_bad_hours() {
    let app = TestApp::new();
    let service = app.service().await;
    let (id, manager) = app.staff_token(Role::Manager);
    let uri = format!("{EMPLOYEES}/{id}/timesheet");
    let first = post(
        &service,
        &manager,
        &uri,
        json!({"work_date": "2026-11-02", "hours": 7.5, "pieces": 3, "piece_rate": 100, "note": "Смена"}),
        None,
    )
    .await;
    assert_eq!(first.0, 201, "{}", first.2);
    assert_eq!(first.2["hours"], 7.5);
    assert_problem(
        &post(
            &service,
            &manager,
            &uri,
            json!({"work_date": "2026-11-02", "hours": 1}),
            None,
        )
        .await,
        409,
        "timesheet_day_taken",
    );
    for (body, field) in [
        (json!({"work_date": "2026-11-03", "hours": -1}), "hours"),
        (json!({"work_date": "2026-11-03", "hours": 24.01}), "hours"),
        (json!({"work_date": "2026-11-03", "hours": 25}), "hours"),
        (json!({"work_date": "2026-11-03"}), "hours"),
        (json!({"work_date": "2026-13-03", "hours": 2}), "work_date"),
        (json!({"work_date": "2026-11-03", "pieces": -2}), "pieces"),
    ] {
        let r = post(&service, &manager, &uri, body.clone(), None).await;
        assert_problem(&r, 422, "validation_failed");
        assert_eq!(r.2["errors"][0]["field"], field, "{body}: {}", r.2);
    }
    let list = get(
        &service,
        &manager,
        &format!("{uri}?from=2026-11-01&to=2026-11-30"),
    )
    .await;
    assert_eq!(list.0, 200, "{}", list.2);
    assert_eq!(list.2["total"], 1, "nothing written by refused entries");
    assert_eq!(list.2["total_hours"], 7.5);
    let backwards = get(
        &service,
        &manager,
        &format!("{uri}?from=2026-11-30&to=2026-11-01"),
    )
    .await;
    assert_problem(&backwards, 422, "validation_failed");
    assert_eq!(backwards.2["errors"][0]["field"], "to");
    // Others' timesheets are for managers up; one's own is readable.
    let (master_id, master) = app.staff_token(Role::Master);
    assert_problem(
        &get(
            &service,
            &master,
            &format!("{uri}?from=2026-11-01&to=2026-11-30"),
        )
        .await,
        403,
        "forbidden",
    );
    let own = format!("{EMPLOYEES}/{master_id}/timesheet?from=2026-11-01&to=2026-11-30");
    assert_eq!(get(&service, &master, &own).await.0, 200);
    assert_problem(
        &post(
            &service,
            &master,
            &uri,
            json!({"work_date": "2026-11-04", "hours": 1}),
            None,
        )
        .await,
        403,
        "forbidden",
    );
}

#[actix_web::test]
async fn shifts_are_local_times_and_never_overlap() {
    let app = TestApp::new();
    let service = app.service().await;
    let (id, manager) = app.staff_token(Role::Manager);
    let uri = format!("{EMPLOYEES}/{id}/schedule");
    let shift = post(
        &service,
        &manager,
        &uri,
        json!({"date": "2026-11-24", "start_time": "09:00", "end_time": "18:00", "location": "Центр"}),
        None,
    )
    .await;
    assert_eq!(shift.0, 201, "{}", shift.2);
    // Europe/Moscow is UTC+3.
    assert_eq!(shift.2["starts_at"], "2026-11-24T06:00:00Z");
    assert_eq!(shift.2["ends_at"], "2026-11-24T15:00:00Z");
    assert_problem(
        &post(
            &service,
            &manager,
            &uri,
            json!({"date": "2026-11-24", "start_time": "17:00", "end_time": "20:00"}),
            None,
        )
        .await,
        409,
        "shift_overlaps",
    );
    let backwards = post(
        &service,
        &manager,
        &uri,
        json!({"date": "2026-11-25", "start_time": "18:00", "end_time": "09:00"}),
        None,
    )
    .await;
    assert_problem(&backwards, 422, "validation_failed");
    assert_eq!(backwards.2["errors"][0]["field"], "end_time");
    let next = post(
        &service,
        &manager,
        &uri,
        json!({"date": "2026-11-24", "start_time": "18:00", "end_time": "21:00"}),
        None,
    )
    .await;
    assert_eq!(next.0, 201, "back-to-back is fine: {}", next.2);
    let (_, master) = app.staff_token(Role::Master);
    let list = get(
        &service,
        &master,
        &format!("{uri}?from=2026-11-24&to=2026-11-24"),
    )
    .await;
    assert_eq!(list.0, 200, "{}", list.2);
    assert_eq!(list.2["total"], 2);
    assert_eq!(list.2["items"][0]["start_time"], "09:00");
    assert_eq!(list.2["items"][0]["location"], "Центр");
    assert_problem(
        &get(
            &service,
            &master,
            &format!("{uri}?from=2026-11-25&to=2026-11-24"),
        )
        .await,
        422,
        "validation_failed",
    );
}

#[actix_web::test]
async fn payroll_runs_compute_replace_drafts_and_close() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let hourly = post(
        &service,
        &owner,
        EMPLOYEES,
        json!({"full_name": "Почасовой", "role": "cashier", "hourly_rate": 333.33}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let piece = post(
        &service,
        &owner,
        EMPLOYEES,
        json!({"full_name": "Сдельный", "role": "cashier", "pay_system": "piecework",
               "piece_rate": 50, "revenue_share": 10}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let salaried = post(
        &service,
        &owner,
        EMPLOYEES,
        json!({"full_name": "Оклад", "role": "manager", "pay_system": "salary",
               "monthly_salary": 30000}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let sheet = |id: i64| format!("{EMPLOYEES}/{id}/timesheet");
    post(
        &service,
        &owner,
        &sheet(hourly),
        json!({"work_date": "2026-11-02", "hours": 7.33}),
        None,
    )
    .await;
    post(
        &service,
        &owner,
        &sheet(piece),
        json!({"work_date": "2026-11-02", "pieces": 3}),
        None,
    )
    .await;

    // The pieceworker sells for 1000.01 and refunds 200 of it: 800.01 attributed.
    let seller = token_for(&app, piece, Role::Cashier);
    let client = post(
        &service,
        &seller,
        "/api/v1/admin/clients",
        json!({"full_name": "Клиент"}),
        None,
    )
    .await
    .2["id"]
        .as_i64()
        .unwrap();
    let sale = post(
        &service,
        &seller,
        "/api/v1/admin/operations",
        json!({"client_id": client, "total": 1000.01}),
        None,
    )
    .await;
    assert_eq!(sale.0, 201, "{}", sale.2);
    let sale_id = sale.2["id"].as_i64().unwrap();
    let refund = post(
        &service,
        &seller,
        &format!("/api/v1/admin/operations/{sale_id}/refund"),
        json!({"amount": 200}),
        None,
    )
    .await;
    assert_eq!(refund.0, 201, "{}", refund.2);

    let run_uri = format!("{EMPLOYEES}/payroll/run");
    let period = json!({"period_from": "2026-11-01", "period_to": "2026-11-30"});
    let run = post(&service, &owner, &run_uri, period.clone(), None).await;
    assert_eq!(run.0, 200, "{}", run.2);
    assert_eq!(run.2["status"], "draft");
    let result = |run: &Value, id: i64| {
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["employee_id"] == id)
            .cloned()
            .unwrap()
    };
    // 7.33 h × 333.33 = 2443.3089 → 2443.30
    assert_eq!(result(&run.2, hourly)["amount"], 2443.3);
    let p = result(&run.2, piece);
    assert_eq!(p["attributed_revenue"], 800.01);
    // 3 × 50 + 10 % of 800.01 (80.001 → 80.00)
    assert_eq!(p["revenue_amount"], 80.0);
    assert_eq!(p["amount"], 230.0);
    assert_eq!(result(&run.2, salaried)["amount"], 30000.0);
    let count = run.2["results"].as_array().unwrap().len();

    // A re-run replaces the draft rather than adding to it.
    post(
        &service,
        &owner,
        &sheet(hourly),
        json!({"work_date": "2026-11-03", "hours": 2}),
        None,
    )
    .await;
    let rerun = post(&service, &owner, &run_uri, period.clone(), None).await;
    assert_eq!(rerun.0, 200, "{}", rerun.2);
    assert_eq!(rerun.2["id"], run.2["id"]);
    assert_eq!(rerun.2["results"].as_array().unwrap().len(), count);
    assert_eq!(result(&rerun.2, hourly)["amount"], 3109.96); // 9.33 × 333.33 = 3109.9689
    let export = get(&service, &owner, &format!("{EMPLOYEES}/export")).await;
    assert_eq!(export.2["total"].as_u64().unwrap() as usize, count);

    // Only some employees: theirs are replaced, the rest stay.
    let some = post(
        &service,
        &owner,
        &run_uri,
        json!({"period_from": "2026-11-01", "period_to": "2026-11-30", "employee_ids": [hourly], "close": true}),
        None,
    )
    .await;
    assert_eq!(some.0, 200, "{}", some.2);
    assert_eq!(some.2["status"], "closed");
    assert_eq!(some.2["results"].as_array().unwrap().len(), count);
    assert_problem(
        &post(&service, &owner, &run_uri, period, None).await,
        409,
        "payroll_run_closed",
    );
    assert_problem(
        &post(
            &service,
            &owner,
            &run_uri,
            json!({"period_from": "2026-12-01", "period_to": "2026-12-31", "employee_ids": [99999]}),
            None,
        )
        .await,
        422,
        "employee_not_found",
    );

    // Bad periods: 422 and nothing stored.
    for (body, field) in [
        (
            json!({"period_from": "2026-12-31", "period_to": "2026-12-01"}),
            "period_to",
        ),
        (
            json!({"period_from": "2026-01-01", "period_to": "2027-01-02"}),
            "period_to",
        ),
        (
            json!({"period_from": "2026-02-30", "period_to": "2026-03-01"}),
            "period_from",
        ),
    ] {
        let r = post(&service, &owner, &run_uri, body.clone(), None).await;
        assert_problem(&r, 422, "validation_failed");
        assert_eq!(r.2["errors"][0]["field"], field, "{body}");
    }
    let export = get(&service, &owner, &format!("{EMPLOYEES}/export")).await;
    assert_eq!(export.2["total"].as_u64().unwrap() as usize, count);
}

#[actix_web::test]
async fn exports_filter_by_name_and_period_and_the_csv_is_safe_for_excel() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    for (name, rate) in [
        ("Ирина Смирнова", 100),
        ("=HYPERLINK(\"x\")", 200),
        ("Борис; \"Б\"", 300),
    ] {
        let e = post(
            &service,
            &owner,
            EMPLOYEES,
            json!({"full_name": name, "role": "master", "hourly_rate": rate}),
            None,
        )
        .await;
        assert_eq!(e.0, 201, "{}", e.2);
        let id = e.2["id"].as_i64().unwrap();
        post(
            &service,
            &owner,
            &format!("{EMPLOYEES}/{id}/timesheet"),
            json!({"work_date": "2026-10-05", "hours": 10}),
            None,
        )
        .await;
    }
    let run_uri = format!("{EMPLOYEES}/payroll/run");
    for (from, to) in [("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-30")] {
        let r = post(
            &service,
            &owner,
            &run_uri,
            json!({"period_from": from, "period_to": to}),
            None,
        )
        .await;
        assert_eq!(r.0, 200, "{}", r.2);
    }
    let all = get(&service, &owner, &format!("{EMPLOYEES}/export")).await;
    // Three employees plus the owner, two runs.
    assert_eq!(all.2["total"], 8, "{}", all.2);
    let irina = get(
        &service,
        &owner,
        &format!("{EMPLOYEES}/export?name=%D0%B8%D0%A0%D0%98%D0%BD%D0%90"), // "иРИнА"
    )
    .await;
    assert_eq!(irina.0, 200, "{}", irina.2);
    assert_eq!(irina.2["total"], 2);
    assert_eq!(
        irina.2["items"][0]["accrual"]["full_name"],
        "Ирина Смирнова"
    );
    let october = get(
        &service,
        &owner,
        &format!("{EMPLOYEES}/export?name=%D0%B8%D1%80%D0%B8%D0%BD&from=2026-10-01&to=2026-10-31"),
    )
    .await;
    assert_eq!(october.2["total"], 1);
    assert_eq!(october.2["items"][0]["accrual"]["amount"], 1000.0);
    assert_eq!(october.2["items"][0]["period_from"], "2026-10-01");
    assert_problem(
        &get(
            &service,
            &owner,
            &format!("{EMPLOYEES}/export?from=2026-11-01&to=2026-10-01"),
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &get(
            &service,
            &owner,
            &format!("{EMPLOYEES}/export.csv?from=2026-11-01&to=2026-10-01"),
        )
        .await,
        422,
        "validation_failed",
    );

    let response = test::call_service(
        &service,
        TestRequest::get()
            .uri(&format!(
                "{EMPLOYEES}/export.csv?from=2026-10-01&to=2026-10-31"
            ))
            .insert_header(bearer(&owner))
            .to_request(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let bytes = test::read_body(response).await;
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 6, "header, four rows, final CRLF: {text:?}");
    assert_eq!(lines[5], "");
    assert!(lines[0].starts_with("run_id;period_from;period_to;status;employee_id;full_name;"));
    assert!(
        text.contains(";Ирина Смирнова;hourly;10,00;100,00;"),
        "{text}"
    );
    assert!(text.contains(";1000,00\r\n"), "{text}");
    assert!(
        text.contains(";\"'=HYPERLINK(\"\"x\"\")\";"),
        "defanged and quoted: {text}"
    );
    assert!(text.contains(";\"Борис; \"\"Б\"\"\";"), "quoted: {text}");
    assert!(!text.contains(";=HYPERLINK"), "{text}");
}

#[actix_web::test]
async fn the_csv_streams_every_page() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    // More employees than one CSV page (500), each with an accrual row.
    let staff = crm_infra::SqliteStaffRepository::new(app.db.clone());
    for n in 0..520 {
        crm_staff::StaffRepository::insert(
            &staff,
            &crm_staff::NewEmployee {
                full_name: format!("Сотрудник {n:03}"),
                telegram_id: None,
                role: Role::Master,
                at: at(NOW),
            },
        )
        .unwrap();
    }
    let run = post(
        &service,
        &owner,
        &format!("{EMPLOYEES}/payroll/run"),
        json!({"period_from": "2026-11-01", "period_to": "2026-11-30"}),
        None,
    )
    .await;
    assert_eq!(run.0, 200, "{}", run.2);
    let response = test::call_service(
        &service,
        TestRequest::get()
            .uri(&format!(
                "{EMPLOYEES}/export.csv?name=%D1%81%D0%BE%D1%82%D1%80%D1%83%D0%B4"
            ))
            .insert_header(bearer(&owner))
            .to_request(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = test::read_body(response).await;
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let rows = text.split("\r\n").filter(|l| !l.is_empty()).count();
    assert_eq!(rows, 521, "header and 520 rows");
    assert!(text.contains(";Сотрудник 000;") && text.contains(";Сотрудник 519;"));
}

#[actix_web::test]
async fn the_last_owner_cannot_be_archived() {
    let app = TestApp::new();
    let service = app.service().await;
    let (owner_id, owner) = app.staff_token(Role::Owner);
    let last = delete(
        &service,
        &owner,
        &format!("/api/v1/admin/employees/{owner_id}"),
    )
    .await;
    assert_problem(&last, 409, "last_owner");
    let (second_id, _) = app.staff_token(Role::Owner);
    let archived = delete(
        &service,
        &owner,
        &format!("/api/v1/admin/employees/{second_id}"),
    )
    .await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    let again = delete(
        &service,
        &owner,
        &format!("/api/v1/admin/employees/{owner_id}"),
    )
    .await;
    assert_problem(&again, 409, "last_owner");
}

/// A master with a scheduled appointment still to come is not archived (409, nothing written);
/// once it is cancelled, archiving goes through. A completed appointment's price counts in the
/// master's attributed revenue for piecework pay.
#[actix_web::test]
async fn a_master_keeps_their_card_while_clients_are_booked_with_them() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, owner) = app.staff_token(Role::Owner);
    let master = post(
        &service,
        &owner,
        EMPLOYEES,
        json!({"full_name": "Ольга Мастер", "role": "master", "pay_system": "piecework",
               "piece_rate": 0, "revenue_share": 40}),
        None,
    )
    .await;
    assert_eq!(master.0, 201, "{}", master.2);
    let master_id = master.2["id"].as_i64().unwrap();
    let haircut = post(
        &service,
        &owner,
        "/api/v1/admin/products",
        json!({"type": "service", "name": "Стрижка", "price": 1500.50, "duration_minutes": 45}),
        None,
    )
    .await;
    assert_eq!(haircut.0, 201, "{}", haircut.2);
    for date in ["2026-11-24", "2026-11-25"] {
        let shift = post(
            &service,
            &owner,
            &format!("{EMPLOYEES}/{master_id}/schedule"),
            json!({"date": date, "start_time": "09:00", "end_time": "18:00"}),
            None,
        )
        .await;
        assert_eq!(shift.0, 201, "{}", shift.2);
    }
    let client = post(
        &service,
        &owner,
        "/api/v1/admin/clients",
        json!({"full_name": "Анна Клиент", "phone": "+79160000007"}),
        None,
    )
    .await;
    assert_eq!(client.0, 201, "{}", client.2);
    let book = |starts_at: &'static str| {
        json!({"client_id": client.2["id"], "service_id": haircut.2["id"],
               "employee_id": master_id, "starts_at": starts_at})
    };
    // Tomorrow 10:00 and 13:00 Moscow; the clock then moves to 11:00 and the first is done.
    let done = post(
        &service,
        &owner,
        "/api/v1/admin/appointments",
        book("2026-11-25T07:00:00Z"),
        None,
    )
    .await;
    assert_eq!(done.0, 201, "{}", done.2);
    let coming = post(
        &service,
        &owner,
        "/api/v1/admin/appointments",
        book("2026-11-25T10:00:00Z"),
        None,
    )
    .await;
    assert_eq!(coming.0, 201, "{}", coming.2);
    let later = NOW + 20 * 3600;
    app.clock.set(at(later));
    let (_, owner) = app.staff_token(Role::Owner);
    let status = |id: &Value, to: &str| {
        TestRequest::patch()
            .uri(&format!("/api/v1/admin/appointments/{id}/status"))
            .insert_header(bearer(&owner))
            .set_json(json!({"status": to}))
    };
    let completed = send(&service, status(&done.2["id"], "completed")).await;
    assert_eq!(completed.0, 200, "{}", completed.2);

    let refused = delete(&service, &owner, &format!("{EMPLOYEES}/{master_id}")).await;
    assert_problem(&refused, 409, "employee_has_appointments");
    assert!(
        refused.2["detail"].as_str().unwrap().contains(" 1 "),
        "{}",
        refused.2
    );
    let card = get(&service, &owner, &format!("{EMPLOYEES}/{master_id}")).await;
    assert!(card.2["archived_at"].is_null(), "{}", card.2);

    let run = post(
        &service,
        &owner,
        "/api/v1/admin/employees/payroll/run",
        json!({"period_from": "2026-11-01", "period_to": "2026-11-30", "employee_ids": [master_id]}),
        None,
    )
    .await;
    assert_eq!(run.0, 200, "{}", run.2);
    let result = &run.2["results"][0];
    assert_eq!(result["attributed_revenue"], 1500.5, "{}", run.2);
    assert_eq!(result["revenue_amount"], 600.2, "40 % of 1500.50");

    let cancelled = send(&service, status(&coming.2["id"], "cancelled")).await;
    assert_eq!(cancelled.0, 200, "{}", cancelled.2);
    let archived = delete(&service, &owner, &format!("{EMPLOYEES}/{master_id}")).await;
    assert_eq!(archived.0, 200, "{}", archived.2);
    assert!(archived.2["archived_at"].is_string(), "{}", archived.2);
}
