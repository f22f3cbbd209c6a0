//! Shared set-up of the HTTP tests: the real app over a fresh SQLite file with the real
//! migrations, a fixed clock, a test bot token, and helpers to sign initData and mint tokens.
#![allow(dead_code)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::{test, web};
use crm_core::{Clock, FixedClock, Role, Timestamp};
use crm_http::auth::init_data;
use crm_http::auth::jwt::TokenKeys;
use crm_http::state::{AppState, AuthSettings, HttpSettings};
use crm_infra::{Database, SqliteStaffRepository};
use crm_staff::{NewEmployee, StaffRepository};
use serde_json::Value;
use std::sync::Arc;

/// The bot token the tests sign initData with.
pub const BOT_TOKEN: &str = "123456789:TEST-bot-token-for-the-http-tests";
/// "Now" in the tests: 2026-11-24T12:00:00Z.
pub const NOW: i64 = 1_795_521_600;
/// A Telegram id listed as an owner.
pub const OWNER_TG: i64 = 1_000_001;

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub db: Database,
    pub settings: HttpSettings,
    _dir: tempfile::TempDir,
}

pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds).expect("valid time")
}

impl TestApp {
    pub fn new() -> Self {
        Self::with_bot_token(Some(BOT_TOKEN), at(NOW))
    }

    pub fn with_bot_token(bot_token: Option<&str>, now: Timestamp) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data").join("app.db");
        let db = Database::open(path.to_str(), 4).expect("database opens");
        db.run_migrations().expect("migrations run");
        let clock = Arc::new(FixedClock::new(now));
        let shared_clock: Arc<dyn Clock> = clock.clone();
        let state = crm_http::wiring::sqlite_state(
            &db,
            shared_clock,
            AuthSettings {
                bot_token: bot_token.map(str::to_owned),
                tokens: TokenKeys::new(b"test-secret-0123456789-abcdefghijklmnop", 3_600),
                init_data_max_age_seconds: 86_400,
                owner_telegram_ids: vec![OWNER_TG],
            },
        );
        Self {
            state,
            clock,
            db,
            settings: HttpSettings::default(),
            _dir: dir,
        }
    }

    pub async fn service(
        &self,
    ) -> impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    > {
        test::init_service(crm_http::build_app(
            web::Data::new(self.state.clone()),
            &self.settings,
        ))
        .await
    }

    /// Adds an employee and returns a staff token for them.
    pub fn staff_token(&self, role: Role) -> (i64, String) {
        let employee = SqliteStaffRepository::new(self.db.clone())
            .insert(&NewEmployee {
                full_name: format!("Test {role}"),
                telegram_id: None,
                role,
                at: at(NOW),
            })
            .expect("employee stored");
        let (token, _) = self
            .state
            .auth
            .tokens
            .issue_staff(employee.id, role, None, self.clock.now())
            .expect("token issued");
        (employee.id.get(), token)
    }
}

impl TestApp {
    /// A client token for a client id (as sign-in would issue).
    pub fn client_token(&self, client_id: i64) -> String {
        self.state
            .auth
            .tokens
            .issue_client(crm_core::ClientId(client_id), self.clock.now())
            .expect("token issued")
            .0
    }
}

/// initData for a user, signed with the test bot token at `auth_date`.
pub fn init_data_for(user_id: i64, first_name: &str, auth_date: i64) -> String {
    let user = serde_json::json!({"id": user_id, "first_name": first_name, "username": format!("u{user_id}")}).to_string();
    init_data::sign(
        &[
            ("auth_date", &auth_date.to_string()),
            ("query_id", "AAHtest"),
            ("user", &user),
        ],
        BOT_TOKEN,
    )
}

pub fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

/// Sends a request and returns status, content type and the JSON body (Null if not JSON).
pub async fn send<S, B>(service: &S, request: test::TestRequest) -> (u16, String, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = test::call_service(service, request.to_request()).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = test::read_body(response).await;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, content_type, body)
}

/// Asserts a problem+json error with this status and code.
pub fn assert_problem(result: &(u16, String, Value), status: u16, code: &str) {
    let (got_status, content_type, body) = result;
    assert_eq!(*got_status, status, "status; body: {body}");
    assert_eq!(
        content_type, "application/problem+json",
        "content type; body: {body}"
    );
    assert_eq!(body["status"], status, "problem status field: {body}");
    assert_eq!(body["code"], code, "problem code: {body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "detail: {body}"
    );
}

/// POSTs JSON with a bearer token and an optional `Idempotency-Key`.
pub async fn post<S, B>(
    service: &S,
    token: &str,
    uri: &str,
    body: Value,
    key: Option<&str>,
) -> (u16, String, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut request = test::TestRequest::post()
        .uri(uri)
        .insert_header(bearer(token))
        .set_json(body);
    if let Some(key) = key {
        request = request.insert_header(("Idempotency-Key", key));
    }
    send(service, request).await
}

/// GETs with a bearer token.
pub async fn get<S, B>(service: &S, token: &str, uri: &str) -> (u16, String, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(
        service,
        test::TestRequest::get()
            .uri(uri)
            .insert_header(bearer(token)),
    )
    .await
}

impl TestApp {
    /// Runs one pass of the delivery worker at the app's clock with the Telegram adapter pointed
    /// at `telegram_api_base` (a `crm_infra::channels::fake_server::FakeHttp`); every other
    /// channel is unconfigured, so its due deliveries fail with `channel_not_configured`.
    pub async fn deliver_due(&self, telegram_api_base: &str) -> crm_comms::delivery::WorkerReport {
        let base = telegram_api_base.to_owned();
        let config = crm_infra::channels::ChannelsConfig::from_lookup(&move |name| match name {
            "TELEGRAM_BOT_TOKEN" => Some("42:fake-bot-token".to_owned()),
            "TELEGRAM_API_BASE" => Some(base.clone()),
            _ => None,
        })
        .expect("channel configuration");
        let adapters = config.adapters().expect("adapters");
        let worker = crm_comms::delivery::DeliveryWorker::new(
            self.state.delivery_queue.clone(),
            crm_comms::delivery::WorkerSettings::default(),
        );
        worker.run_once(&adapters, self.clock.now()).await
    }
}

/// A successful Bot API `sendMessage` answer, for `FakeHttp::start`.
pub fn telegram_ok(message_id: i64) -> (u16, String) {
    (
        200,
        format!(r#"{{"ok":true,"result":{{"message_id":{message_id}}}}}"#),
    )
}

/// Sends a JSON `PUT` with a bearer token.
pub async fn put<S, B>(service: &S, token: &str, uri: &str, body: Value) -> (u16, String, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(
        service,
        test::TestRequest::put()
            .uri(uri)
            .insert_header(bearer(token))
            .set_json(body),
    )
    .await
}

/// Registers a client through `POST /api/v1/admin/clients` and returns its id.
pub async fn client<S, B>(service: &S, token: &str, body: Value) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, _, created) = post(service, token, "/api/v1/admin/clients", body, None).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("client id")
}
