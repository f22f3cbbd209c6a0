//! The certificate repository against a real migrated SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testing::{at, exec, fresh_db};

const DAY: i64 = 86_400_000;

fn definition(name: &str, nominal: i64, price: i64) -> CertificateTypeDefinition {
    CertificateTypeDefinition {
        name: name.into(),
        nominal: Money::from_minor(nominal),
        price: Money::from_minor(price),
        validity_days: 30,
    }
}

fn add_type(
    repo: &SqliteCertificateRepository,
    name: &str,
    nominal: i64,
    price: i64,
) -> CertificateType {
    repo.insert_type(&NewCertificateTypeRecord {
        definition: definition(name, nominal, price),
        at: at(1_000),
    })
    .unwrap()
}

fn add_client(db: &Database) -> ClientId {
    exec(
        db,
        "INSERT INTO clients (full_name, search_name, created_at, updated_at) VALUES ('C', 'c', 0, 0)",
    );
    let mut conn = db.conn().unwrap();
    ClientId(
        clients::table
            .select(clients::id)
            .order(clients::id.desc())
            .first::<i64>(&mut conn)
            .unwrap(),
    )
}

fn add_employee(db: &Database) -> EmployeeId {
    exec(
        db,
        "INSERT INTO employees (full_name, role, created_at, updated_at) VALUES ('Кассир', 'cashier', 0, 0)",
    );
    EmployeeId(1)
}

/// A code made of one repeated character of the alphabet plus a counter digit.
fn code(n: usize) -> CertificateCode {
    CertificateCode::parse(&format!("{:0>16}", n)).unwrap()
}

fn record(
    kind: &CertificateType,
    code: CertificateCode,
    owner: Option<ClientId>,
    issued_at: i64,
) -> NewCertificateRecord {
    NewCertificateRecord {
        code,
        type_id: kind.id,
        owner_client_id: owner,
        nominal: kind.definition.nominal,
        price: kind.definition.price,
        issued_at: at(issued_at),
        expires_at: at(issued_at + 30 * DAY),
        sold_by: None,
        comment: None,
    }
}

fn ids(list: &CertificateList<Certificate>) -> Vec<i64> {
    list.page.items.iter().map(|c| c.id.get()).collect()
}

#[test]
fn types_are_defined_changed_archived_and_listed() {
    let (_dir, db) = fresh_db();
    let repo = SqliteCertificateRepository::new(db);
    let small = add_type(&repo, "На 1000", 100_000, 90_000);
    let big = add_type(&repo, "На 5000", 500_000, 500_000);
    assert_eq!(small.definition, definition("На 1000", 100_000, 90_000));
    assert_eq!((small.created_at, small.archived_at), (at(1_000), None));
    assert_eq!(repo.get_type(big.id).unwrap(), Some(big.clone()));
    assert_eq!(repo.get_type(CertificateTypeId(99)).unwrap(), None);

    let changed = CertificateTypeDefinition {
        validity_days: 365,
        ..definition("На 1 000 ₽", 100_000, 0)
    };
    let updated = repo
        .update_type(small.id, &changed, at(2_000))
        .unwrap()
        .unwrap();
    assert_eq!(updated.definition, changed);
    assert_eq!(
        (updated.created_at, updated.updated_at),
        (at(1_000), at(2_000))
    );
    assert_eq!(
        repo.update_type(CertificateTypeId(99), &changed, at(2_000))
            .unwrap(),
        None
    );

    let archived = repo.archive_type(big.id, at(3_000)).unwrap().unwrap();
    assert_eq!(archived.archived_at, Some(at(3_000)));
    let again = repo.archive_type(big.id, at(4_000)).unwrap().unwrap();
    assert_eq!(again.archived_at, Some(at(3_000)));
    assert_eq!(
        repo.archive_type(CertificateTypeId(99), at(1)).unwrap(),
        None
    );

    let on_sale = repo.list_types(false, PageRequest::default()).unwrap();
    assert_eq!(on_sale.total, 1);
    assert_eq!(on_sale.items, [updated]);
    let all = repo
        .list_types(true, PageRequest::new(Some(1), Some(1)).unwrap())
        .unwrap();
    assert_eq!((all.total, all.items.len()), (2, 1));
    assert_eq!(all.items[0].id, big.id);

    // The database refuses what the domain would never send.
    let zero = repo.insert_type(&NewCertificateTypeRecord {
        definition: definition("Ноль", 0, 0),
        at: at(1),
    });
    assert!(matches!(zero, Err(RepoError::Conflict { field: None, .. })));
}

#[test]
fn certificates_are_stored_normalised_and_found_by_any_spelling() {
    let (_dir, db) = fresh_db();
    let repo = SqliteCertificateRepository::new(db.clone());
    let kind = add_type(&repo, "На 3000", 300_000, 270_000);
    let owner = add_client(&db);
    let seller = add_employee(&db);
    let typed = CertificateCode::parse("7k3m-q9xd-2fhn-w4rt").unwrap();
    let stored = repo
        .insert(&NewCertificateRecord {
            sold_by: Some(seller),
            comment: Some("подарок".into()),
            ..record(&kind, typed.clone(), Some(owner), 10 * DAY)
        })
        .unwrap();
    assert_eq!(stored.code.as_str(), "7K3MQ9XD2FHNW4RT");
    assert_eq!(stored.balance, Money::from_minor(300_000));
    assert_eq!(stored.nominal, Money::from_minor(300_000));
    assert_eq!(stored.price, Money::from_minor(270_000));
    assert_eq!(stored.owner_client_id, Some(owner));
    assert_eq!(stored.sold_by, Some(seller));
    assert_eq!(stored.expires_at, at(40 * DAY));
    assert_eq!(stored.comment.as_deref(), Some("подарок"));

    for spelling in [
        "7K3MQ9XD2FHNW4RT",
        "7k3m-q9xd-2fhn-w4rt",
        "7K3M-Q9XD-2FHN-W4RT",
    ] {
        assert_eq!(
            repo.find_by_code(spelling).unwrap(),
            Some(stored.clone()),
            "{spelling}"
        );
    }
    assert_eq!(repo.find_by_code("0000-0000-0000-0000").unwrap(), None);
    assert_eq!(repo.find_by_code("not a code").unwrap(), None);
    assert_eq!(repo.find_by_code("").unwrap(), None);

    // A code in use is a conflict naming `code`, whatever the spelling it came with.
    let clash = repo.insert(&record(&kind, typed, None, 11 * DAY));
    assert!(matches!(
        clash,
        Err(RepoError::Conflict { field: Some(ref f), .. }) if f == "code"
    ));
    assert!(repo.client_exists(owner).unwrap());
    assert!(!repo.client_exists(ClientId(owner.get() + 1)).unwrap());
    // An owner that does not exist is refused by the foreign key.
    let orphan = repo.insert(&record(&kind, code(1), Some(ClientId(999)), 0));
    assert!(matches!(
        orphan,
        Err(RepoError::Conflict { field: None, .. })
    ));
}

#[test]
fn the_list_filters_in_sql_derives_the_status_and_sums_the_income() {
    let (_dir, db) = fresh_db();
    let repo = SqliteCertificateRepository::new(db.clone());
    let small = add_type(&repo, "На 1000", 100_000, 90_000);
    let big = add_type(&repo, "На 5000", 500_000, 450_000);
    let anna = add_client(&db);
    let boris = add_client(&db);
    // Issued on days 1..=6; each valid 30 days.
    let plan = [
        (&small, Some(anna)),
        (&big, Some(anna)),
        (&small, None),
        (&big, Some(boris)),
        (&small, Some(boris)),
        (&big, None),
    ];
    let issued: Vec<Certificate> = plan
        .iter()
        .enumerate()
        .map(|(i, (kind, owner))| {
            repo.insert(&record(kind, code(i + 1), *owner, (i as i64 + 1) * DAY))
                .unwrap()
        })
        .collect();
    let id = |n: usize| issued[n - 1].id.get();
    // #2 is spent in full, #3 in part.
    exec(
        &db,
        &format!("UPDATE certificates SET balance = 0 WHERE id = {}", id(2)),
    );
    exec(
        &db,
        &format!("UPDATE certificates SET balance = 100 WHERE id = {}", id(3)),
    );

    let page = PageRequest::default();
    // Just after day 32: #1 (expires day 31) and #2 (day 32) have run out; #2 is redeemed all
    // the same; #3 expires on day 33.
    let now = at(32 * DAY + 1);
    let all = repo.list(&CertificateFilter::default(), now, page).unwrap();
    assert_eq!(ids(&all), [id(6), id(5), id(4), id(3), id(2), id(1)]);
    assert_eq!(all.page.total, 6);
    assert_eq!(all.sold_total, Money::from_minor(3 * 90_000 + 3 * 450_000));

    let status = |s| CertificateFilter {
        status: Some(s),
        ..Default::default()
    };
    let active = repo
        .list(&status(CertificateStatus::Active), now, page)
        .unwrap();
    assert_eq!(ids(&active), [id(6), id(5), id(4), id(3)]);
    assert!(active
        .page
        .items
        .iter()
        .all(|c| c.status_at(now) == CertificateStatus::Active));
    let expired = repo
        .list(&status(CertificateStatus::Expired), now, page)
        .unwrap();
    assert_eq!(ids(&expired), [id(1)]);
    assert_eq!(expired.sold_total, Money::from_minor(90_000));
    let redeemed = repo
        .list(&status(CertificateStatus::Redeemed), now, page)
        .unwrap();
    assert_eq!(ids(&redeemed), [id(2)]);
    // Exactly at expiry a certificate is expired.
    let at_expiry = repo
        .list(&status(CertificateStatus::Expired), at(33 * DAY), page)
        .unwrap();
    assert_eq!(ids(&at_expiry), [id(3), id(1)]);

    let annas = repo
        .list(
            &CertificateFilter {
                owner_client_id: Some(anna),
                ..Default::default()
            },
            now,
            page,
        )
        .unwrap();
    assert_eq!(ids(&annas), [id(2), id(1)]);
    assert_eq!(annas.sold_total, Money::from_minor(90_000 + 450_000));

    let big_active_in_window = repo
        .list(
            &CertificateFilter {
                status: Some(CertificateStatus::Active),
                type_id: Some(big.id),
                issued_from: Some(at(2 * DAY)),
                issued_to: Some(at(6 * DAY)),
                ..Default::default()
            },
            now,
            page,
        )
        .unwrap();
    assert_eq!(ids(&big_active_in_window), [id(4)]);
    assert_eq!(big_active_in_window.sold_total, Money::from_minor(450_000));

    // The total and the income cover every matching row, not just the page.
    let second = repo
        .list(
            &CertificateFilter::default(),
            now,
            PageRequest::new(Some(2), Some(2)).unwrap(),
        )
        .unwrap();
    assert_eq!(ids(&second), [id(4), id(3)]);
    assert_eq!(
        (second.page.total, second.page.limit, second.page.offset),
        (6, 2, 2)
    );
    assert_eq!(second.sold_total, all.sold_total);

    let none = repo
        .list(
            &CertificateFilter {
                owner_client_id: Some(ClientId(999)),
                ..Default::default()
            },
            now,
            page,
        )
        .unwrap();
    assert_eq!((none.page.total, none.sold_total), (0, Money::ZERO));
    assert!(none.page.items.is_empty());
}
