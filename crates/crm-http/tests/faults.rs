//! Faults: a backup of a live database, a long write lock held by another connection, request
//! limits (429 with `Retry-After`) and a SIGKILL of the real server in the middle of a stream
//! of purchases.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use actix_web::test::{self, TestRequest};
use common::*;
use crm_core::Role;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn open(path: &Path) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA busy_timeout = 5000;").unwrap();
    conn
}

fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

/// `PRAGMA integrity_check` says ok, and every client's balance equals the sum of its ledger.
fn assert_consistent(conn: &mut SqliteConnection) {
    let lines = diesel::sql_query("PRAGMA integrity_check")
        .load::<Line>(conn)
        .unwrap();
    let lines: Vec<&str> = lines.iter().map(|l| l.integrity_check.as_str()).collect();
    assert_eq!(lines, ["ok"], "integrity_check");
    let off = count(
        conn,
        "SELECT count(*) AS n FROM clients c WHERE c.points_balance != \
         COALESCE((SELECT SUM(l.amount) FROM points_ledger l WHERE l.client_id = c.id), 0)",
    );
    assert_eq!(off, 0, "clients whose balance differs from their ledger");
}

async fn new_client<S, B>(service: &S, token: &str, name: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let created = post(
        service,
        token,
        "/api/v1/admin/clients",
        json!({ "full_name": name }),
        None,
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.2);
    created.2["id"].as_i64().unwrap()
}

// ---------------------------------------------------------------------------------------------
// (d) Backup

#[actix_web::test]
async fn a_backup_taken_while_purchases_are_written_is_consistent() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let anna = new_client(&service, &token, "Анна").await;
    let boris = new_client(&service, &token, "Борис").await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.db");

    let writes = async {
        let mut written = 0;
        for i in 0..60 {
            let client = if i % 2 == 0 { anna } else { boris };
            let done = post(
                &service,
                &token,
                "/api/v1/admin/operations",
                json!({ "client_id": client, "total": 100 + i }),
                Some(&format!("backup-{i}")),
            )
            .await;
            assert_eq!(done.0, 201, "{}", done.2);
            written += 1;
        }
        written
    };
    let copy = async {
        // Let a few purchases land first, then copy while the rest are being written.
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        let db = app.db.clone();
        let to = target.clone();
        actix_web::web::block(move || db.backup(&to)).await.unwrap()
    };
    let (written, size) = futures_util::join!(writes, copy);
    let size = size.expect("backup succeeds");
    assert_eq!(written, 60);
    assert_eq!(size, std::fs::metadata(&target).unwrap().len());
    assert!(size > 0);

    let mut conn = open(&target);
    assert_consistent(&mut conn);
    let copied = count(&mut conn, "SELECT count(*) AS n FROM operations");
    assert!(copied <= 60, "{copied} operations in the copy");
    eprintln!("the backup holds {copied} of 60 purchases");
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM clients"), 2);

    // An existing file is never overwritten.
    let again = app.db.backup(&target);
    let Err(crm_infra::InfraError::Io(message)) = again else {
        panic!("an existing target was accepted: {again:?}");
    };
    assert!(message.contains("already exists"), "{message}");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), size);
}

// ---------------------------------------------------------------------------------------------
// (b) A long write lock from another connection

/// Holds `BEGIN IMMEDIATE` on its own connection to `path` for `hold`, then commits; returns
/// once the lock is taken.
fn hold_write_lock(path: &Path, hold: Duration) -> std::thread::JoinHandle<()> {
    let path = path.to_owned();
    let (taken, taken_rx) = mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = open(&path);
        conn.batch_execute("BEGIN IMMEDIATE;").unwrap();
        taken.send(()).unwrap();
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT;").unwrap();
    });
    taken_rx.recv().unwrap();
    holder
}

/// A purchase, a client create and a client read sent at once while another connection holds
/// the write lock for `hold`; returns the three results and how long each took.
async fn under_lock(hold: Duration) -> Vec<((u16, String, Value), Option<String>, Duration)> {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, token) = app.staff_token(Role::Owner);
    let client = new_client(&service, &token, "Вера").await;
    let holder = hold_write_lock(app.db.path(), hold);
    let timed = |request: TestRequest| {
        let service = &service;
        async move {
            let started = Instant::now();
            let response = test::call_service(service, request.to_request()).await;
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body: Value =
                serde_json::from_slice(&test::read_body(response).await).unwrap_or(Value::Null);
            ((status, content_type, body), retry_after, started.elapsed())
        }
    };
    let auth = bearer(&token);
    let (purchase, create, read) = futures_util::join!(
        timed(
            TestRequest::post()
                .uri("/api/v1/admin/operations")
                .insert_header(auth.clone())
                .set_json(json!({ "client_id": client, "total": 250 }))
        ),
        timed(
            TestRequest::post()
                .uri("/api/v1/admin/clients")
                .insert_header(auth.clone())
                .set_json(json!({ "full_name": "Глеб" }))
        ),
        timed(
            TestRequest::get()
                .uri(&format!("/api/v1/admin/clients/{client}"))
                .insert_header(auth.clone())
        ),
    );
    holder.join().unwrap();
    let mut conn = open(app.db.path());
    assert_consistent(&mut conn);
    vec![purchase, create, read]
}

#[actix_web::test]
async fn writes_wait_for_a_short_foreign_lock_and_then_succeed() {
    let results = under_lock(Duration::from_millis(1_500)).await;
    let [purchase, create, read] = &results[..] else {
        unreachable!()
    };
    assert_eq!(purchase.0 .0, 201, "purchase: {}", purchase.0 .2);
    assert_eq!(create.0 .0, 201, "client create: {}", create.0 .2);
    assert_eq!(read.0 .0, 200, "read: {}", read.0 .2);
    for (name, result) in [("purchase", purchase), ("client create", create)] {
        assert!(
            result.2 >= Duration::from_millis(1_000),
            "{name} waited for the lock: {:?}",
            result.2
        );
    }
}

#[actix_web::test]
async fn writes_give_503_with_retry_after_when_a_foreign_lock_outlasts_the_busy_timeout() {
    let results = under_lock(Duration::from_millis(6_500)).await;
    let [purchase, create, read] = &results[..] else {
        unreachable!()
    };
    for (name, result) in [("purchase", purchase), ("client create", create)] {
        assert_problem(&result.0, 503, "storage_busy");
        let retry: u64 = result
            .1
            .as_deref()
            .unwrap_or_else(|| panic!("{name}: no Retry-After"))
            .parse()
            .unwrap();
        assert!(retry >= 1, "{name}: Retry-After {retry}");
        assert!(
            result.2 >= Duration::from_millis(4_000),
            "{name} waited the busy timeout first: {:?}",
            result.2
        );
    }
    assert_eq!(read.0 .0, 200, "read: {}", read.0 .2);
}

// ---------------------------------------------------------------------------------------------
// (c) Request limits

fn sign_in_from(ip: &str, telegram_id: i64) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/telegram/verify")
        .peer_addr(format!("{ip}:40000").parse().unwrap())
        .set_json(json!({ "init_data": init_data_for(telegram_id, "Гость", NOW - 10) }))
}

#[actix_web::test]
async fn sign_in_is_limited_per_address_with_retry_after() {
    let app = TestApp::new();
    let service = app.service().await;
    let limit = crm_http::rate_limit::SIGN_INS_PER_ADDRESS;
    for i in 0..limit {
        let signed = send(&service, sign_in_from("10.1.0.1", 7_000 + i as i64)).await;
        assert_eq!(signed.0, 200, "sign-in {i}: {}", signed.2);
    }
    let response = test::call_service(&service, sign_in_from("10.1.0.1", 7_999).to_request()).await;
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Value = serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(body["code"], "too_many_sign_ins");
    assert_eq!(body["status"], 429);

    let elsewhere = send(&service, sign_in_from("10.1.0.2", 7_999)).await;
    assert_eq!(
        elsewhere.0, 200,
        "another address is not limited: {}",
        elsewhere.2
    );
    let mut conn = open(app.db.path());
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM clients"),
        limit as i64 + 1,
        "the refused sign-in created nobody"
    );
}

#[actix_web::test]
async fn mini_app_writes_are_limited_per_client_with_retry_after() {
    let app = TestApp::new();
    let service = app.service().await;
    let (_, staff) = app.staff_token(Role::Owner);
    let vera = new_client(&service, &staff, "Вера").await;
    let gleb = new_client(&service, &staff, "Глеб").await;
    let token = app.client_token(vera);
    let limit = crm_http::rate_limit::APP_WRITES_PER_CLIENT;
    for i in 0..limit {
        let code = post(
            &service,
            &token,
            "/api/v1/app/payment-code",
            json!({}),
            None,
        )
        .await;
        assert_eq!(code.0, 201, "write {i}: {}", code.2);
    }
    let request = TestRequest::post()
        .uri("/api/v1/app/payment-code")
        .insert_header(bearer(&token))
        .set_json(json!({}));
    let response = test::call_service(&service, request.to_request()).await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(body["code"], "too_many_requests");

    let me = get(&service, &token, "/api/v1/app/me").await;
    assert_eq!(me.0, 200, "reads are not limited: {}", me.2);
    let other = post(
        &service,
        &app.client_token(gleb),
        "/api/v1/app/payment-code",
        json!({}),
        None,
    )
    .await;
    assert_eq!(other.0, 201, "another client is not limited: {}", other.2);
}

// ---------------------------------------------------------------------------------------------
// (a) SIGKILL of the real server in the middle of a stream of purchases

/// A minimal HTTP/1.1 exchange over a fresh connection: status and JSON body, or an I/O error
/// (the server is gone).
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    key: Option<&str>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(key) = key {
        head.push_str(&format!("Idempotency-Key: {key}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(payload.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {text:?}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    Ok((status, body))
}

fn server(dir: &Path, args: &[&str], port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm-server"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", dir.join("app.db"))
        .env(
            "JWT_SECRET",
            "faults-test-secret-0123456789-abcdefghijklmnop",
        )
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("WORKERS", "2")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` and waits (at most 20 s) until `/health` answers.
fn start(dir: &Path) -> (Child, u16) {
    let port = free_port();
    let mut child = server(dir, &["serve"], port)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok((200, _)) = http(port, "GET", "/health", "", None, None) {
            return (child, port);
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited at start: {status}");
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_sigkill_mid_stream_loses_no_acknowledged_purchase() {
    let dir = tempfile::tempdir().unwrap();
    let made = server(dir.path(), &["create-owner", "--name", "Owner"], 1)
        .output()
        .unwrap();
    assert!(made.status.success(), "create-owner failed");
    let token = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert!(!token.is_empty());

    let (mut child, port) = start(dir.path());
    let clients: Vec<i64> = (0..3)
        .map(|i| {
            let (status, body) = http(
                port,
                "POST",
                "/api/v1/admin/clients",
                &token,
                Some(&json!({ "full_name": format!("Клиент {i}") })),
                None,
            )
            .unwrap();
            assert_eq!(status, 201, "{body}");
            body["id"].as_i64().unwrap()
        })
        .collect();

    // Four writers stream purchases until the server disappears.
    let (acked_tx, acked_rx) = mpsc::channel::<String>();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let acked = acked_tx.clone();
            let token = token.clone();
            let clients = clients.clone();
            std::thread::spawn(move || {
                for i in 0..100_000 {
                    let key = format!("kill-{w}-{i}");
                    let body = json!({ "client_id": clients[i % clients.len()], "total": 100 + i });
                    match http(
                        port,
                        "POST",
                        "/api/v1/admin/operations",
                        &token,
                        Some(&body),
                        Some(&key),
                    ) {
                        Ok((201, _)) => acked.send(key).unwrap(),
                        Ok((status, body)) => {
                            assert!(status < 500 || status == 503, "{status}: {body}")
                        }
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    drop(acked_tx);
    // Mid-stream, `crm-server backup` copies the live database.
    std::thread::sleep(Duration::from_millis(700));
    let copy = dir.path().join("live-copy.db");
    let copy_arg = copy.to_str().unwrap().to_owned();
    let backed = server(dir.path(), &["backup", "--to", &copy_arg], 1)
        .output()
        .unwrap();
    assert!(backed.status.success(), "backup failed");
    let said = String::from_utf8(backed.stdout).unwrap();
    assert!(said.contains(&copy_arg) && said.contains("bytes"), "{said}");
    let refused = server(dir.path(), &["backup", "--to", &copy_arg], 1)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "an existing target was overwritten"
    );
    let why = String::from_utf8(refused.stderr).unwrap();
    assert!(why.contains("already exists"), "{why}");
    std::thread::sleep(Duration::from_millis(800));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for writer in writers {
        writer.join().unwrap();
    }
    let acked: Vec<String> = acked_rx.iter().collect();
    assert!(
        acked.len() > 10,
        "only {} purchases acknowledged",
        acked.len()
    );

    // The restarted server opens the file, recovers the WAL and answers.
    let (mut child, port) = start(dir.path());
    let (ready, _) = http(port, "GET", "/ready", "", None, None).unwrap();
    assert_eq!(ready, 200);
    let (listed, page) = http(
        port,
        "GET",
        "/api/v1/admin/operations?limit=1",
        &token,
        None,
        None,
    )
    .unwrap();
    assert_eq!(listed, 200, "{page}");
    child.kill().unwrap();
    child.wait().unwrap();

    let stored_now = count(
        &mut open(&dir.path().join("app.db")),
        "SELECT count(*) AS n FROM operations",
    );
    eprintln!(
        "{} purchases acknowledged before SIGKILL, {stored_now} stored",
        acked.len()
    );
    assert_consistent(&mut open(&copy));
    let mut conn = open(&dir.path().join("app.db"));
    assert_consistent(&mut conn);
    let stored = count(&mut conn, "SELECT count(*) AS n FROM operations");
    assert!(stored >= acked.len() as i64, "{stored} < {}", acked.len());
    assert_eq!(page["total"].as_i64(), Some(stored));
    for key in &acked {
        let found = count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM operations WHERE idempotency_key = '{key}'"),
        );
        assert_eq!(found, 1, "acknowledged purchase {key} is missing");
    }
}
