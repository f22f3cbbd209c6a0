//! The purchase transaction in-process, without HTTP: the `Checkout` use case the
//! `POST /api/v1/admin/operations` handler calls, wired by `wiring::sqlite_state` over a temp
//! SQLite file with the real migrations (WAL, the server's pool size and pragmas). The buyer has
//! a three-generation referral chain above them and pays part of each check with points, so
//! every purchase spends points, accrues cashback, rewards three recommenders and re-evaluates
//! the level, exactly as over HTTP. Each purchase carries a unique idempotency key.
//!
//! `cargo bench -p crm-http --bench purchase` (`make bench` runs it and puts the figure beside
//! the HTTP ones).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use crm_clients::loyalty::operations::{ClientRef, PurchaseRequest};
use crm_clients::loyalty::programmes::ReferralConfigChange;
use crm_clients::{ClientProfile, ConsentChanges, ContactHandles, NewClient};
use crm_core::{Actor, ClientId, Clock, EmployeeId, Money, Percent, Points, Role};
use crm_http::auth::jwt::TokenKeys;
use crm_http::state::{AppState, AuthSettings};
use crm_infra::{Database, SqliteStaffRepository, SystemClock};
use crm_staff::{NewEmployee, StaffRepository};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

/// The server's default pool size (`DB_POOL_SIZE`).
const POOL_SIZE: u32 = 8;

/// A temp database with the programme, a cashier and a buyer at the end of a chain of four.
struct Shop {
    _dir: tempfile::TempDir,
    state: AppState,
    cashier: EmployeeId,
    buyer: ClientId,
}

fn profile(name: &str, referrer: Option<ClientId>) -> NewClient {
    NewClient {
        profile: ClientProfile {
            full_name: name.to_owned(),
            phone: None,
            telegram_id: None,
            telegram_username: None,
            email: None,
            birthday: None,
            gender: None,
            handles: ContactHandles::default(),
            tags: Vec::new(),
            referrer_id: referrer,
            traffic_channel_id: None,
            notes: None,
        },
        consents: ConsentChanges::default(),
    }
}

fn purchase(buyer: ClientId, cashier: EmployeeId, total: i64, points: i64) -> PurchaseRequest {
    PurchaseRequest {
        client: ClientRef::Id(buyer),
        total: Money::from_minor(total),
        points_to_spend: Points::from_minor(points),
        certificate_code: None,
        expected_cash: None,
        employee_id: Some(cashier),
        location_id: None,
        receipt_number: None,
        comment: None,
        spending_without_code_allowed: true,
        items: Vec::new(),
    }
}

fn shop() -> Shop {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let db = Database::open(path.to_str(), POOL_SIZE).expect("database opens");
    db.run_migrations().expect("migrations run");
    let state = crm_http::wiring::sqlite_state(
        &db,
        Arc::new(SystemClock),
        AuthSettings {
            bot_token: None,
            tokens: TokenKeys::new(b"bench-secret-0123456789-abcdefghijklmnop", 3_600),
            init_data_max_age_seconds: 86_400,
            owner_telegram_ids: Vec::new(),
        },
    );
    let percent = |bp| Percent::from_basis_points(bp).expect("a rate");
    state
        .referral_programmes()
        .change_config(
            ReferralConfigChange {
                enabled: Some(true),
                generations: Some(vec![percent(500), percent(300), percent(100)]),
                reward_type: None,
            },
            Actor::System,
        )
        .expect("referral programme configured");
    let cashier = SqliteStaffRepository::new(db.clone())
        .insert(&NewEmployee {
            full_name: "Ольга Кассир".to_owned(),
            telegram_id: None,
            role: Role::Owner,
            at: SystemClock.now(),
        })
        .expect("employee stored")
        .id;
    let clients = state.client_base();
    let mut referrer = None;
    for name in [
        "Анна Первая",
        "Мария Вторая",
        "Елена Третья",
        "Ирина Покупатель",
    ] {
        let client = clients
            .register(profile(name, referrer), Actor::Employee(cashier))
            .expect("client registered");
        referrer = Some(client.id);
    }
    let buyer = referrer.expect("the buyer");
    // Points to spend: a first purchase without points accrues cashback.
    state
        .checkout()
        .purchase(
            &purchase(buyer, cashier, 100_000_00, 0),
            None,
            Actor::Employee(cashier),
        )
        .expect("first purchase");
    Shop {
        _dir: dir,
        state,
        cashier,
        buyer,
    }
}

fn bench_purchase(c: &mut Criterion) {
    let shop = shop();
    let checkout = shop.state.checkout();
    // 1000.00 with 5 points: the cashback of each check refills more than it spends.
    let request = purchase(shop.buyer, shop.cashier, 1_000_00, 5_00);
    let actor = Actor::Employee(shop.cashier);
    let mut counter: u64 = 0;
    let mut group = c.benchmark_group("purchase");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("commit", |b| {
        b.iter(|| {
            counter += 1;
            let (operation, replayed) = checkout
                .purchase(&request, Some(format!("bench-{counter}")), actor)
                .expect("purchase recorded");
            assert!(!replayed && operation.referral_rewards.len() == 3);
            black_box(operation)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_purchase);
criterion_main!(benches);
