//! Index guard: every documented GET route of the admin and Mini App APIs is called — once
//! bare and once per query parameter (each enum value, a valid date, id or search text) — while
//! the pool records every SQL statement. Each statement then goes through
//! `EXPLAIN QUERY PLAN`, and the test fails on a full scan (`SCAN <table>` without an index) of
//! a large table, unless the statement is on the allow-list below with its reason.
//!
//! The test database is never `ANALYZE`d, so SQLite plans as for a big database (it assumes
//! about a million rows per table and selective indexes): a scan it still picks means that no
//! index serves the query, whatever the data. See "Index guard" in `docs/architecture.md`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::TestRequest;
use common::*;
use crm_core::Role;
use crm_infra::query_log;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Tables that grow with the business: a full scan of one of them is a defect.
const LARGE_TABLES: &[&str] = &[
    "clients",
    "operations",
    "points_ledger",
    "deliveries",
    "messages",
    "news_events",
    "appointments",
    "feedback",
    "page_views",
    "stock_movements",
    "campaign_events",
    "certificates",
    "referral_rewards",
    "client_level_changes",
];

/// Intended or known scans: (table, a fragment of the statement, why). An entry that no
/// statement needs any more fails the test, so the list cannot go stale.
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "clients",
        "`clients`.`search_name` LIKE ?",
        "substring search (`%…%`) over names and phones cannot use a B-tree; it must read them",
    ),
    (
        "clients",
        "FROM `clients` ORDER BY `clients`.`id`",
        "an unfiltered page walks the primary key in page order and stops at LIMIT + OFFSET",
    ),
    (
        "operations",
        "FROM `operations` ORDER BY `operations`.`id`",
        "an unfiltered page walks the primary key in page order and stops at LIMIT + OFFSET",
    ),
    (
        "clients",
        "(`clients`.`last_purchase_at`",
        "an activity filter in the default (registration) order: SQLite either walks the id \
         order and stops at LIMIT + OFFSET matches or reads the clients_last_purchase range and \
         sorts, whichever the ANALYZE statistics make cheaper; the count reads the range",
    ),
    (
        "clients",
        "WITH scored AS",
        "an RFM segment is scores computed from three thresholds, which no index can hold: its \
         page walks the buyers in id order until LIMIT, its count reads the covering clients_rfm \
         range once",
    ),
];

/// One entity of each kind, for the path ids and id filters (the ids are the ones used below).
const SEED: &str = "
INSERT INTO clients (id, full_name, search_name, phone, created_at, updated_at)
    VALUES (1, 'Anna Petrova', 'anna petrova', '+79990000001', 1795000000000, 1795000000000);
INSERT INTO employees (id, full_name, role, created_at, updated_at)
    VALUES (900, 'Maria Master', 'master', 1795000000000, 1795000000000);
INSERT INTO employee_categories (id, name, created_at) VALUES (1, 'Stylists', 1795000000000);
INSERT INTO locations (id, kind, name, created_at)
    VALUES (1, 'point_of_sale', 'Main hall', 1795000000000);
INSERT INTO products (id, kind, name, name_lower, price, unit, duration_minutes, created_at,
    updated_at)
    VALUES (1, 'product', 'Shampoo', 'shampoo', 90000, 'pcs', NULL, 1795000000000, 1795000000000),
           (2, 'service', 'Haircut', 'haircut', 150000, 'pcs', 60, 1795000000000, 1795000000000);
INSERT INTO operations (id, kind, client_id, total, reward_type, actor, created_at)
    VALUES (1, 'purchase', 1, 150000, 'points', 'employee:900', 1795400000000);
INSERT INTO appointments (id, client_id, service_id, employee_id, starts_at, ends_at, source,
    created_by, created_at, updated_at)
    VALUES (1, 1, 2, 900, 1795600000000, 1795603600000, 'admin', 'employee:900', 1795000000000,
    1795000000000);
INSERT INTO campaigns (id, name, wizard_step, created_by, created_at, updated_at)
    VALUES (1, 'Winter offer', 4, 'employee:900', 1795000000000, 1795000000000);
INSERT INTO certificate_types (id, name, nominal, price, validity_days, created_at, updated_at)
    VALUES (1, 'Gift 1000', 100000, 100000, 365, 1795000000000, 1795000000000);
INSERT INTO certificates (id, code, type_id, nominal, balance, price, issued_at, expires_at,
    created_at)
    VALUES (1, '7K3MQ9XD2FHNW4RT', 1, 100000, 100000, 100000, 1795000000000, 1826536000000,
    1795000000000);
INSERT INTO news_posts (id, title, title_lower, body, created_by, created_at, updated_at)
    VALUES (1, 'Opening', 'opening', 'We open', 'employee:900', 1795000000000, 1795000000000);
INSERT INTO feedback (id, client_id, kind, text, source, created_by, created_at, updated_at)
    VALUES (1, 1, 'question', 'When do you open?', 'app', 'client:1', 1795000000000,
    1795000000000);
INSERT INTO messages (id, client_id, direction, channel, text, source, status, created_at,
    updated_at)
    VALUES (1, 1, 'inbound', 'telegram', 'Hello', 'app', 'received', 1795000000000,
    1795000000000);
";

/// The value of a path parameter, by its name.
fn path_value(name: &str) -> &'static str {
    match name {
        "employee_id" => "900",
        "code" => "7K3M-Q9XD-2FHN-W4RT",
        "vertical" => "salon",
        _ => "1",
    }
}

/// The words in backticks of a parameter's description (`product` or `service` …).
fn backticked(description: &str) -> Vec<String> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            !word.is_empty()
                && !word.ends_with("_days")
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

/// Valid sample values of a query parameter: every enum value, else a value of its kind.
fn query_values(param: &Value) -> Vec<String> {
    let name = param["name"].as_str().unwrap_or_default();
    let schema = &param["schema"];
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    let kind = schema["type"].as_str().unwrap_or_default();
    let format = schema["format"].as_str().unwrap_or_default();
    let is_end = name == "to" || name.ends_with("_to");
    let is_start = name == "from" || name.ends_with("_from");
    let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
    match (kind, format) {
        ("boolean", _) => list(&["true", "false"]),
        ("string", "date-time") if is_end => list(&["2026-11-30T00:00:00Z"]),
        ("string", "date-time") => list(&["2026-09-01T00:00:00Z"]),
        ("integer", _) => match name {
            "employee_id" => list(&["900"]),
            "service_id" => list(&["2"]),
            n if n.ends_with("_id") => list(&["1"]),
            // A message id (the dialogues' keyset cursor).
            "before" => list(&["1"]),
            "limit" => list(&["20"]),
            "offset" => list(&["10"]),
            "rating_min" => list(&["2"]),
            "rating_max" => list(&["4"]),
            _ => list(&["30"]),
        },
        _ if is_end => list(&["2026-11-24", "2026-11-30T00:00:00Z"]),
        _ if is_start => list(&["2026-09-01", "2026-09-01T00:00:00Z"]),
        _ => match name {
            "date" => list(&["2026-11-24"]),
            "sort" => list(&[
                "created_at",
                "-full_name",
                "total_spent",
                "-last_purchase_at",
                "points_balance",
                "-purchase_count",
            ]),
            "consent" => list(&["personal_data", "marketing", "sms", "app_push", "email"]),
            "tag" => list(&["vip"]),
            "category" => list(&["hair"]),
            "type" if backticked(param["description"].as_str().unwrap_or_default()).is_empty() => {
                list(&[
                    "receipt",
                    "write_off",
                    "transfer",
                    "sale",
                    "return",
                    "adjustment",
                ])
            }
            "q" | "search" | "name" => list(&["an", "+7999", "900"]),
            _ => backticked(param["description"].as_str().unwrap_or_default()),
        },
    }
}

/// The real table behind each name or alias used after FROM / JOIN in `sql`.
fn aliases(sql: &str) -> BTreeMap<String, String> {
    const NOT_ALIAS: &[&str] = &[
        "where",
        "join",
        "left",
        "inner",
        "cross",
        "outer",
        "on",
        "group",
        "order",
        "limit",
        "using",
        "natural",
        "union",
        "except",
        "intersect",
        "window",
        "having",
        "indexed",
        "not",
        "as",
        "offset",
        "set",
        "values",
        "returning",
    ];
    let words: Vec<String> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut map = BTreeMap::new();
    for (i, word) in words.iter().enumerate() {
        if word != "from" && word != "join" {
            continue;
        }
        let Some(table) = words.get(i + 1) else {
            continue;
        };
        map.insert(table.clone(), table.clone());
        let mut next = i + 2;
        if words.get(next).map(String::as_str) == Some("as") {
            next += 1;
        }
        if let Some(alias) = words.get(next) {
            if !NOT_ALIAS.contains(&alias.as_str()) {
                map.insert(alias.clone(), table.clone());
            }
        }
    }
    map
}

/// The large tables that `plan` scans without an index, with the plan line.
fn full_scans(sql: &str, plan: &[query_log::PlanRow]) -> Vec<(String, String)> {
    let names = aliases(sql);
    plan.iter()
        .filter_map(|row| {
            let rest = row.detail.strip_prefix("SCAN ")?;
            if rest.contains("USING INDEX") || rest.contains("USING COVERING INDEX") {
                return None;
            }
            let name = rest.split_whitespace().next()?.to_ascii_lowercase();
            let table = names.get(&name).cloned().unwrap_or(name);
            LARGE_TABLES
                .contains(&table.as_str())
                .then(|| (table, row.detail.clone()))
        })
        .collect()
}

/// Whether a statement is worth explaining (reads and writes, not transaction control).
fn explainable(sql: &str) -> bool {
    let head = sql
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    ["SELECT", "WITH", "UPDATE", "DELETE", "INSERT"].contains(&head.as_str())
}

#[actix_web::test]
async fn no_list_filter_or_analytics_route_scans_a_large_table() {
    let app = TestApp::new();
    query_log::execute_batch(&app.db, SEED).expect("seed");
    let service = app.service().await;
    let spec = send(&service, TestRequest::get().uri("/openapi.json"))
        .await
        .2;
    let (_, owner) = app.staff_token(Role::Owner);
    let client = app.client_token(1);

    // Every GET route under /admin and /app: with its required parameters only, then with one
    // optional parameter at a time (each sample value), then with a from–to pair.
    // A request: (token, route, the optional parameter it exercises, uri).
    let mut requests: Vec<(String, String, String, String)> = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let token = if path.starts_with("/api/v1/admin/") {
            &owner
        } else if path.starts_with("/api/v1/app/") {
            &client
        } else {
            continue;
        };
        let base: String = path
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => path_value(name),
                    None => s,
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        let params: Vec<Value> = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p["in"] == "query")
            .collect();
        let required: Vec<String> = params
            .iter()
            .filter(|p| p["required"] == true)
            .filter_map(|p| {
                let value = query_values(p).into_iter().next()?;
                Some(format!("{}={value}", p["name"].as_str()?))
            })
            .collect();
        let with = |extra: &str| {
            let query: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .chain((!extra.is_empty()).then_some(extra))
                .collect();
            if query.is_empty() {
                base.clone()
            } else {
                format!("{base}?{}", query.join("&"))
            }
        };
        let mut add = |param: &str, uri: String| {
            requests.push((token.clone(), path.clone(), param.to_owned(), uri));
        };
        add("", with(""));
        for param in params.iter().filter(|p| p["required"] != true) {
            let name = param["name"].as_str().unwrap_or_default();
            for value in query_values(param) {
                add(name, with(&format!("{name}={value}")));
            }
        }
        let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
        if names.contains(&"from") && names.contains(&"to") {
            for pair in [
                "from=2026-09-01&to=2026-11-24",
                "from=2026-09-01T00:00:00Z&to=2026-11-30T00:00:00Z",
            ] {
                add("from", with(pair));
                add("to", with(pair));
            }
        }
    }
    assert!(requests.len() > 100, "only {} requests", requests.len());

    // Statement → the requests that ran it; route and parameter → whether a request succeeded.
    let mut statements: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut exercised: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    query_log::start();
    for (token, route, param, uri) in &requests {
        let (status, _, body) = get(&service, token, uri).await;
        let outcomes = exercised.entry((route.clone(), param.clone())).or_default();
        if (200..300).contains(&status) {
            outcomes.push(String::new());
        } else {
            outcomes.push(format!("GET {uri}: {status} {}", body["code"]));
        }
        for sql in query_log::take() {
            if explainable(&sql) {
                statements.entry(sql).or_default().insert(uri.clone());
            }
        }
    }
    query_log::stop();
    // A route whose bare call is refused (it needs a from–to pair) counts once any call passed.
    let routes_ok: BTreeSet<&String> = exercised
        .iter()
        .filter(|(_, outcomes)| outcomes.iter().any(String::is_empty))
        .map(|((route, _), _)| route)
        .collect();
    let unchecked: Vec<String> = exercised
        .iter()
        .filter(|((route, param), _)| !(param.is_empty() && routes_ok.contains(route)))
        .map(|(_, outcomes)| outcomes)
        .filter(|outcomes| outcomes.iter().all(|o| !o.is_empty()))
        .flatten()
        .cloned()
        .collect();
    assert!(
        unchecked.is_empty(),
        "every route and every filter needs one successful sample request, or its query is \
         not checked:\n{}",
        unchecked.join("\n")
    );
    assert!(
        statements.len() > 50,
        "only {} statements",
        statements.len()
    );

    eprintln!(
        "index guard: {} requests, {} distinct statements explained",
        requests.len(),
        statements.len()
    );
    let mut failures = Vec::new();
    let mut allowed_used = BTreeSet::new();
    for (sql, uris) in &statements {
        let plan = query_log::explain(&app.db, sql).expect("plan");
        for (table, detail) in full_scans(sql, &plan) {
            if let Some((_, fragment, _)) = ALLOWED
                .iter()
                .find(|(t, fragment, _)| *t == table && sql.contains(fragment))
            {
                allowed_used.insert(*fragment);
                continue;
            }
            let example = uris.iter().next().cloned().unwrap_or_default();
            failures.push(format!(
                "{detail}  (table {table}; {} request(s), e.g. GET {example})\n    {sql}\n",
                uris.len()
            ));
        }
    }
    let stale: Vec<&str> = ALLOWED
        .iter()
        .map(|(_, fragment, _)| *fragment)
        .filter(|fragment| !allowed_used.contains(fragment))
        .collect();
    assert!(
        failures.is_empty(),
        "{} statement(s) fully scan a large table; add an index (or, if the scan is \
         intended, an ALLOWED entry with its reason):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        stale.is_empty(),
        "allow-list entries that no statement needs any more: {stale:?}"
    );
}

#[test]
fn aliases_resolve_to_tables() {
    let map = aliases(
        "SELECT c.id FROM `clients` c JOIN operations AS o ON o.client_id = c.id \
         LEFT JOIN feedback WHERE 1",
    );
    assert_eq!(map["c"], "clients");
    assert_eq!(map["o"], "operations");
    assert_eq!(map["feedback"], "feedback");
    assert!(!map.contains_key("where"));
}
