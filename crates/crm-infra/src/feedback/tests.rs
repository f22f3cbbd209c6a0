//! The feedback repository against a real migrated SQLite file: inserts, the one rating per
//! appointment rule, the list's filters and their indexes, the averages and answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testing::{at, exec, fresh_db};
use crm_comms::feedback::FeedbackBook;
use crm_core::{FixedClock, Timestamp};

/// 2026-11-24T12:00:00Z in millis.
const NOW: i64 = 1_795_521_600_000;
const HOUR: i64 = 3_600_000;

fn seed(db: &Database) {
    for (id, name) in [(1, "Anna Petrova"), (2, "Boris Ivanov")] {
        exec(
            db,
            &format!(
                "INSERT INTO clients (id, full_name, search_name, points_balance, total_spent, \
                 consent_personal_data, consent_marketing, consent_sms, consent_email, \
                 consent_app_push, created_at, updated_at) \
                 VALUES ({id}, '{name}', lower('{name}'), 0, 0, 1, 0, 0, 0, 0, 0, 0)"
            ),
        );
    }
    for (id, kind, name) in [(10, "service", "Haircut"), (11, "product", "Shampoo")] {
        exec(
            db,
            &format!(
                "INSERT INTO products (id, kind, name, name_lower, price, unit, created_at, \
                 updated_at) VALUES ({id}, '{kind}', '{name}', lower('{name}'), 1000, 'pcs', 0, 0)"
            ),
        );
    }
    exec(
        db,
        "INSERT INTO employees (id, full_name, role, created_at, updated_at) \
         VALUES (3, 'Maria', 'master', 0, 0)",
    );
    for (id, client) in [(5, 1), (6, 2)] {
        exec(
            db,
            &format!(
                "INSERT INTO appointments (id, client_id, service_id, employee_id, starts_at, \
                 ends_at, source, created_by, created_at, updated_at) \
                 VALUES ({id}, {client}, 10, 3, {NOW}, {NOW} + 3600000, 'admin', 'system', 0, 0)"
            ),
        );
    }
}

fn record(client: i64, kind: FeedbackKind, rating: Option<u8>, millis: i64) -> NewFeedback {
    NewFeedback {
        client_id: ClientId(client),
        kind,
        product_id: Some(ProductId(if kind == FeedbackKind::Rating {
            10
        } else {
            11
        })),
        appointment_id: None,
        operation_id: None,
        rating,
        text: (kind != FeedbackKind::Rating).then(|| "text".to_owned()),
        source: FeedbackSource::App,
        created_by: format!("client:{client}"),
        at: at(millis),
    }
}

#[test]
fn references_are_resolved() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let repo = SqliteFeedbackRepository::new(db.clone());
    assert!(repo.client_exists(ClientId(1)).unwrap());
    assert!(!repo.client_exists(ClientId(9)).unwrap());
    assert!(repo.product_exists(ProductId(11)).unwrap());
    assert!(!repo.product_exists(ProductId(99)).unwrap());
    assert_eq!(
        repo.appointment(AppointmentId(6)).unwrap(),
        Some(AppointmentRef {
            client_id: ClientId(2),
            service_id: ProductId(10),
            status: AppointmentStatus::Scheduled,
            starts_at: at(NOW),
        })
    );
    exec(
        &db,
        "UPDATE appointments SET status = 'no_show' WHERE id = 6",
    );
    assert_eq!(
        repo.appointment(AppointmentId(6))
            .unwrap()
            .map(|a| a.status),
        Some(AppointmentStatus::NoShow)
    );
    assert_eq!(repo.appointment(AppointmentId(99)).unwrap(), None);
    exec(
        &db,
        "INSERT INTO operations (id, kind, client_id, total, reward_type, actor, created_at) \
         VALUES (8, 'purchase', 2, 1000, 'points', 'system', 0)",
    );
    assert_eq!(
        repo.operation_client(OperationId(8)).unwrap(),
        Some(ClientId(2))
    );
    assert_eq!(repo.operation_client(OperationId(9)).unwrap(), None);
}

#[test]
fn a_rating_of_an_appointment_is_kept_once_and_updated() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let repo = SqliteFeedbackRepository::new(db.clone());
    let mut first = record(1, FeedbackKind::Rating, Some(2), NOW);
    first.appointment_id = Some(AppointmentId(5));
    let saved = repo.upsert_rating(&first).unwrap();
    assert!(saved.created);
    assert_eq!(saved.feedback.client_name, "Anna Petrova");
    assert_eq!(saved.feedback.product_name.as_deref(), Some("Haircut"));

    let mut again = first.clone();
    again.rating = Some(5);
    again.text = Some("better".into());
    again.at = at(NOW + HOUR);
    let updated = repo.upsert_rating(&again).unwrap();
    assert!(!updated.created);
    assert_eq!(updated.feedback.id, saved.feedback.id);
    assert_eq!(updated.feedback.rating, Some(5));
    assert_eq!(updated.feedback.text.as_deref(), Some("better"));
    assert_eq!(updated.feedback.created_at, at(NOW));
    assert_eq!(updated.feedback.updated_at, at(NOW + HOUR));
    let page = repo
        .list(&FeedbackFilter::default(), PageRequest::default())
        .unwrap();
    assert_eq!(page.total, 1);

    // The unique index refuses a second row even when written around the upsert.
    let clash = repo.insert(&first).unwrap_err();
    assert!(matches!(clash, RepoError::Conflict { .. }), "{clash:?}");
    // Ratings of products without an appointment are separate entries.
    repo.insert(&record(1, FeedbackKind::Rating, Some(3), NOW))
        .unwrap();
    repo.insert(&record(1, FeedbackKind::Rating, Some(4), NOW))
        .unwrap();
    let page = repo
        .list(&FeedbackFilter::default(), PageRequest::default())
        .unwrap();
    assert_eq!(page.total, 3);
}

#[test]
fn the_database_refuses_inconsistent_rows() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let mut conn = db.conn().unwrap();
    for values in [
        // score out of range
        "(1, 'rating', 10, 6, NULL)",
        "(1, 'rating', 10, 0, NULL)",
        // a rating without a score, a complaint with one
        "(1, 'rating', 10, NULL, 'x')",
        "(1, 'complaint', NULL, 3, 'x')",
        // a rating without a product, a question without a text
        "(1, 'rating', NULL, 4, NULL)",
        "(1, 'question', NULL, NULL, NULL)",
        // an unknown client
        "(9, 'question', NULL, NULL, 'x')",
    ] {
        let sql = format!(
            "INSERT INTO feedback (client_id, kind, product_id, rating, text, source, \
             created_by, created_at, updated_at) SELECT *, 'app', 'x', 0, 0 FROM (VALUES {values})"
        );
        assert!(diesel::sql_query(&sql).execute(&mut conn).is_err(), "{sql}");
    }
}

fn ids(page: &Page<Feedback>) -> Vec<i64> {
    page.items.iter().map(|f| f.id.get()).collect()
}

#[test]
fn the_list_filters_newest_first() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let repo = SqliteFeedbackRepository::new(db.clone());
    let a = repo
        .insert(&record(1, FeedbackKind::Rating, Some(5), NOW))
        .unwrap();
    let b = repo
        .insert(&record(2, FeedbackKind::Rating, Some(2), NOW + HOUR))
        .unwrap();
    let c = repo
        .insert(&record(1, FeedbackKind::Complaint, None, NOW + 2 * HOUR))
        .unwrap();
    let d = repo
        .insert(&record(2, FeedbackKind::Question, None, NOW + 3 * HOUR))
        .unwrap();
    repo.record_answer(
        d.id,
        &FeedbackAnswer {
            text: "Yes".into(),
            answered_by: EmployeeId(3),
            answered_at: at(NOW + 4 * HOUR),
            message_id: MessageId(77),
        },
    )
    .unwrap()
    .unwrap();
    let list = |filter: FeedbackFilter| repo.list(&filter, PageRequest::default()).unwrap();
    let all = list(FeedbackFilter::default());
    assert_eq!(
        ids(&all),
        vec![d.id.get(), c.id.get(), b.id.get(), a.id.get()]
    );
    assert_eq!(all.items[0].client_name, "Boris Ivanov");
    assert_eq!(
        all.items[0].answer.as_ref().unwrap().message_id,
        MessageId(77)
    );
    assert_eq!(all.items[0].updated_at, at(NOW + 4 * HOUR));
    assert_eq!(all.items[1].product_name.as_deref(), Some("Shampoo"));
    let kind = list(FeedbackFilter {
        kind: Some(FeedbackKind::Rating),
        ..FeedbackFilter::default()
    });
    assert_eq!(ids(&kind), vec![b.id.get(), a.id.get()]);
    let product = list(FeedbackFilter {
        product_id: Some(ProductId(11)),
        ..FeedbackFilter::default()
    });
    assert_eq!(ids(&product), vec![d.id.get(), c.id.get()]);
    let high = list(FeedbackFilter {
        rating_min: Some(3),
        rating_max: Some(5),
        ..FeedbackFilter::default()
    });
    assert_eq!(ids(&high), vec![a.id.get()]);
    let period = list(FeedbackFilter {
        period: Period {
            from: Some(at(NOW + HOUR)),
            to: Some(at(NOW + 3 * HOUR)),
        },
        ..FeedbackFilter::default()
    });
    assert_eq!(ids(&period), vec![c.id.get(), b.id.get()]);
    let answered = list(FeedbackFilter {
        answered: Some(true),
        ..FeedbackFilter::default()
    });
    assert_eq!(ids(&answered), vec![d.id.get()]);
    let open = list(FeedbackFilter {
        answered: Some(false),
        client_id: Some(ClientId(1)),
        ..FeedbackFilter::default()
    });
    assert_eq!(ids(&open), vec![c.id.get(), a.id.get()]);
    let paged = repo
        .list(
            &FeedbackFilter::default(),
            PageRequest::new(Some(2), Some(1)).unwrap(),
        )
        .unwrap();
    assert_eq!(
        (paged.total, ids(&paged)),
        (4, vec![c.id.get(), b.id.get()])
    );
}

#[test]
fn averages_per_product_are_exact_and_follow_the_period() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let repo = SqliteFeedbackRepository::new(db.clone());
    for (score, millis) in [(5, NOW), (4, NOW), (4, NOW + HOUR)] {
        repo.insert(&record(1, FeedbackKind::Rating, Some(score), millis))
            .unwrap();
    }
    let mut shampoo = record(2, FeedbackKind::Rating, Some(2), NOW);
    shampoo.product_id = Some(ProductId(11));
    repo.insert(&shampoo).unwrap();
    repo.insert(&record(2, FeedbackKind::Complaint, None, NOW))
        .unwrap();
    let all = repo.ratings(&Period::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].product_id, all[0].ratings, all[0].average_hundredths),
        (ProductId(10), 3, 433)
    );
    assert_eq!(all[0].product_kind, "service");
    assert_eq!(all[0].average_text(), "4.33");
    assert_eq!(
        (
            all[1].product_name.as_str(),
            all[1].ratings,
            all[1].average_hundredths
        ),
        ("Shampoo", 1, 200)
    );
    let later = repo
        .ratings(&Period {
            from: Some(at(NOW + 1)),
            to: None,
        })
        .unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!((later[0].ratings, later[0].average_hundredths), (1, 400));
}

#[test]
fn the_use_cases_run_on_storage() {
    let (_dir, db) = fresh_db();
    seed(&db);
    let book = FeedbackBook::new(
        SqliteFeedbackRepository::new(db.clone()),
        FixedClock::new(Timestamp::from_unix_millis(NOW).unwrap()),
    );
    let draft = crm_comms::feedback::FeedbackDraft {
        rating: Some(4),
        appointment_id: Some(AppointmentId(5)),
        ..Default::default()
    };
    let first = book
        .submit(
            ClientId(1),
            draft.clone(),
            "comment",
            FeedbackSource::App,
            "client:1",
        )
        .unwrap();
    assert!(first.created);
    assert_eq!(first.feedback.product_id, Some(ProductId(10)));
    let second = book
        .submit(
            ClientId(1),
            draft.clone(),
            "comment",
            FeedbackSource::App,
            "client:1",
        )
        .unwrap();
    assert!(!second.created);
    // Boris may not rate Anna's appointment.
    assert!(book
        .submit(
            ClientId(2),
            draft,
            "comment",
            FeedbackSource::App,
            "client:2"
        )
        .is_err());
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn plan_of(db: &Database, filter: &FeedbackFilter) -> String {
    let (sql, args) = list_sql(filter);
    let mut conn = db.conn().expect("connection");
    bound(format!("EXPLAIN QUERY PLAN {sql} LIMIT 50 OFFSET 0"), &args)
        .load::<PlanRow>(&mut conn)
        .expect("plan")
        .into_iter()
        .map(|r| r.detail)
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn every_list_filter_is_index_backed() {
    let (_dir, db) = fresh_db();
    let t = Some(at(NOW));
    for (filter, index) in [
        (FeedbackFilter::default(), "feedback_by_created"),
        (
            FeedbackFilter {
                kind: Some(FeedbackKind::Complaint),
                ..FeedbackFilter::default()
            },
            "feedback_by_kind",
        ),
        (
            FeedbackFilter {
                product_id: Some(ProductId(1)),
                ..FeedbackFilter::default()
            },
            "feedback_by_product",
        ),
        (
            FeedbackFilter {
                client_id: Some(ClientId(1)),
                ..FeedbackFilter::default()
            },
            "feedback_by_client",
        ),
        (
            FeedbackFilter {
                rating_min: Some(4),
                rating_max: Some(5),
                ..FeedbackFilter::default()
            },
            "feedback_by_kind",
        ),
        (
            FeedbackFilter {
                period: Period { from: t, to: None },
                ..FeedbackFilter::default()
            },
            "feedback_by_created",
        ),
        (
            FeedbackFilter {
                answered: Some(false),
                ..FeedbackFilter::default()
            },
            "feedback_unanswered",
        ),
        (
            FeedbackFilter {
                answered: Some(true),
                ..FeedbackFilter::default()
            },
            "feedback_answered",
        ),
    ] {
        let plan = plan_of(&db, &filter);
        assert!(plan.contains(index), "{filter:?}: {plan}");
        // Every table is read through an index, and the order needs no sort.
        for step in plan.split("; ") {
            assert!(
                !step.starts_with("SCAN") || step.contains("USING"),
                "{filter:?}: {plan}"
            );
        }
        assert!(!plan.contains("TEMP B-TREE"), "{filter:?}: {plan}");
    }
}
