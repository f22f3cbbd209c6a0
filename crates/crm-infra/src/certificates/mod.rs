//! [`SqliteCertificateRepository`]: certificate types and issued certificates in SQLite,
//! implementing [`crm_clients::certificates::CertificateRepository`].
//!
//! Codes are stored normalised (upper case, no dashes) in a UNIQUE column, so a clash is a
//! `Conflict` naming `code` and the use case draws another. The list filters in SQL, each
//! filter backed by an index, and derives the status there too (`balance = 0` → redeemed,
//! `expires_at <= now` → expired, else active); its total and `sold_total` (the sum of prices)
//! come from one aggregate over the same filters, in the same read transaction as the page.

pub(crate) mod schema;
#[cfg(test)]
mod tests;

use crate::db::Database;
use crate::error::{stored_time, Failure};
use crate::schema::clients;
use crm_clients::certificates::model::{NewCertificateRecord, NewCertificateTypeRecord};
use crm_clients::certificates::{
    Certificate, CertificateCode, CertificateFilter, CertificateList, CertificateRepository,
    CertificateStatus, CertificateType, CertificateTypeDefinition,
};
use crm_core::{
    CertificateId, CertificateTypeId, ClientId, EmployeeId, Money, Page, PageRequest, RepoError,
    Timestamp,
};
use diesel::dsl::{count_star, exists, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::sqlite::Sqlite;
use schema::{certificate_types, certificates};

/// Certificates stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteCertificateRepository {
    db: Database,
}

impl SqliteCertificateRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A `certificate_types` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = certificate_types, check_for_backend(Sqlite))]
struct TypeRow {
    id: i64,
    name: String,
    nominal: i64,
    price: i64,
    validity_days: i64,
    archived_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TypeRow {
    fn into_type(self) -> Result<CertificateType, RepoError> {
        let id = self.id;
        Ok(CertificateType {
            id: CertificateTypeId(id),
            definition: CertificateTypeDefinition {
                name: self.name,
                nominal: Money::from_minor(self.nominal),
                price: Money::from_minor(self.price),
                validity_days: self.validity_days,
            },
            archived_at: self
                .archived_at
                .map(|ms| stored_time(ms, "certificate type archived_at", id))
                .transpose()?,
            created_at: stored_time(self.created_at, "certificate type created_at", id)?,
            updated_at: stored_time(self.updated_at, "certificate type updated_at", id)?,
        })
    }
}

/// The definition columns of a type.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = certificate_types)]
struct TypeWrite<'a> {
    name: &'a str,
    nominal: i64,
    price: i64,
    validity_days: i64,
    updated_at: i64,
}

impl<'a> TypeWrite<'a> {
    fn new(d: &'a CertificateTypeDefinition, at: Timestamp) -> Self {
        Self {
            name: &d.name,
            nominal: d.nominal.minor(),
            price: d.price.minor(),
            validity_days: d.validity_days,
            updated_at: at.unix_millis(),
        }
    }
}

/// A new `certificate_types` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = certificate_types)]
struct NewTypeRow<'a> {
    #[diesel(embed)]
    definition: TypeWrite<'a>,
    created_at: i64,
}

/// A `certificates` row (without its bookkeeping `created_at`).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = certificates, check_for_backend(Sqlite))]
struct CertificateRow {
    id: i64,
    code: String,
    type_id: i64,
    owner_client_id: Option<i64>,
    nominal: i64,
    balance: i64,
    price: i64,
    issued_at: i64,
    expires_at: i64,
    sold_by: Option<i64>,
    comment: Option<String>,
}

impl CertificateRow {
    fn into_certificate(self) -> Result<Certificate, RepoError> {
        let id = self.id;
        Ok(Certificate {
            id: CertificateId(id),
            code: CertificateCode::from_trusted(self.code),
            type_id: CertificateTypeId(self.type_id),
            owner_client_id: self.owner_client_id.map(ClientId),
            nominal: Money::from_minor(self.nominal),
            balance: Money::from_minor(self.balance),
            price: Money::from_minor(self.price),
            issued_at: stored_time(self.issued_at, "certificate issued_at", id)?,
            expires_at: stored_time(self.expires_at, "certificate expires_at", id)?,
            sold_by: self.sold_by.map(EmployeeId),
            comment: self.comment,
        })
    }
}

/// A new `certificates` row: the balance starts at the nominal.
#[derive(Debug, Insertable)]
#[diesel(table_name = certificates)]
struct NewCertificateRow<'a> {
    code: &'a str,
    type_id: i64,
    owner_client_id: Option<i64>,
    nominal: i64,
    balance: i64,
    price: i64,
    issued_at: i64,
    expires_at: i64,
    sold_by: Option<i64>,
    comment: Option<&'a str>,
    created_at: i64,
}

impl<'a> NewCertificateRow<'a> {
    fn new(r: &'a NewCertificateRecord) -> Self {
        Self {
            code: r.code.as_str(),
            type_id: r.type_id.get(),
            owner_client_id: r.owner_client_id.map(ClientId::get),
            nominal: r.nominal.minor(),
            balance: r.nominal.minor(),
            price: r.price.minor(),
            issued_at: r.issued_at.unix_millis(),
            expires_at: r.expires_at.unix_millis(),
            sold_by: r.sold_by.map(EmployeeId::get),
            comment: r.comment.as_deref(),
            created_at: r.issued_at.unix_millis(),
        }
    }
}

/// The certificates matching `filter`, the status judged at `now` (UTC millis).
fn filtered(filter: &CertificateFilter, now: i64) -> certificates::BoxedQuery<'static, Sqlite> {
    let mut query = certificates::table.into_boxed();
    if let Some(owner) = filter.owner_client_id {
        query = query.filter(certificates::owner_client_id.eq(owner.get()));
    }
    if let Some(type_id) = filter.type_id {
        query = query.filter(certificates::type_id.eq(type_id.get()));
    }
    if let Some(from) = filter.issued_from {
        query = query.filter(certificates::issued_at.ge(from.unix_millis()));
    }
    if let Some(to) = filter.issued_to {
        query = query.filter(certificates::issued_at.lt(to.unix_millis()));
    }
    match filter.status {
        None => query,
        Some(CertificateStatus::Redeemed) => query.filter(certificates::balance.eq(0)),
        Some(CertificateStatus::Expired) => query.filter(
            certificates::balance
                .gt(0)
                .and(certificates::expires_at.le(now)),
        ),
        Some(CertificateStatus::Active) => query.filter(
            certificates::balance
                .gt(0)
                .and(certificates::expires_at.gt(now)),
        ),
    }
}

fn type_by_id(conn: &mut SqliteConnection, id: i64) -> Result<Option<CertificateType>, Failure> {
    let row = certificate_types::table
        .find(id)
        .select(TypeRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(TypeRow::into_type).transpose()?)
}

fn offset(page: PageRequest) -> i64 {
    i64::try_from(page.offset()).unwrap_or(i64::MAX)
}

impl CertificateRepository for SqliteCertificateRepository {
    fn insert_type(&self, record: &NewCertificateTypeRecord) -> Result<CertificateType, RepoError> {
        let mut conn = self.db.conn()?;
        let row = diesel::insert_into(certificate_types::table)
            .values(NewTypeRow {
                definition: TypeWrite::new(&record.definition, record.at),
                created_at: record.at.unix_millis(),
            })
            .returning(TypeRow::as_returning())
            .get_result(&mut conn)
            .map_err(Failure::from)?;
        row.into_type()
    }

    fn get_type(&self, id: CertificateTypeId) -> Result<Option<CertificateType>, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(type_by_id(&mut conn, id.get())?)
    }

    fn update_type(
        &self,
        id: CertificateTypeId,
        definition: &CertificateTypeDefinition,
        at: Timestamp,
    ) -> Result<Option<CertificateType>, RepoError> {
        let mut conn = self.db.conn()?;
        let updated = conn.immediate_transaction(|conn| {
            let changed = diesel::update(certificate_types::table.find(id.get()))
                .set(TypeWrite::new(definition, at))
                .execute(conn)?;
            if changed == 0 {
                return Ok(None);
            }
            type_by_id(conn, id.get())
        })?;
        Ok(updated)
    }

    fn archive_type(
        &self,
        id: CertificateTypeId,
        at: Timestamp,
    ) -> Result<Option<CertificateType>, RepoError> {
        let mut conn = self.db.conn()?;
        let archived = conn.immediate_transaction(|conn| {
            diesel::update(
                certificate_types::table
                    .find(id.get())
                    .filter(certificate_types::archived_at.is_null()),
            )
            .set((
                certificate_types::archived_at.eq(at.unix_millis()),
                certificate_types::updated_at.eq(at.unix_millis()),
            ))
            .execute(conn)?;
            type_by_id(conn, id.get())
        })?;
        Ok(archived)
    }

    fn list_types(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<CertificateType>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let mut count = certificate_types::table.select(count_star()).into_boxed();
            let mut rows = certificate_types::table
                .select(TypeRow::as_select())
                .order(certificate_types::id)
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .into_boxed();
            if !include_archived {
                count = count.filter(certificate_types::archived_at.is_null());
                rows = rows.filter(certificate_types::archived_at.is_null());
            }
            let total = count.get_result::<i64>(conn)?;
            let rows = rows.load(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(TypeRow::into_type)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    fn client_exists(&self, id: ClientId) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(diesel::select(exists(clients::table.find(id.get())))
            .get_result::<bool>(&mut conn)
            .map_err(Failure::from)?)
    }

    fn insert(&self, record: &NewCertificateRecord) -> Result<Certificate, RepoError> {
        let mut conn = self.db.conn()?;
        let row = diesel::insert_into(certificates::table)
            .values(NewCertificateRow::new(record))
            .returning(CertificateRow::as_returning())
            .get_result(&mut conn)
            .map_err(Failure::from)?;
        row.into_certificate()
    }

    fn find_by_code(&self, code: &str) -> Result<Option<Certificate>, RepoError> {
        let Ok(code) = CertificateCode::parse(code) else {
            return Ok(None);
        };
        let mut conn = self.db.conn()?;
        let row = certificates::table
            .filter(certificates::code.eq(code.as_str()))
            .select(CertificateRow::as_select())
            .first(&mut conn)
            .optional()
            .map_err(Failure::from)?;
        row.map(CertificateRow::into_certificate).transpose()
    }

    fn list(
        &self,
        filter: &CertificateFilter,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<CertificateList<Certificate>, RepoError> {
        let now = now.unix_millis();
        let mut conn = self.db.conn()?;
        // One read transaction: the page, its total and the income come from one snapshot.
        let (rows, (total, sold_total)) = conn.transaction(|conn| {
            let totals = filtered(filter, now)
                .select((
                    count_star(),
                    sql::<BigInt>("COALESCE(SUM(certificates.price), 0)"),
                ))
                .get_result::<(i64, i64)>(conn)?;
            let rows = filtered(filter, now)
                .select(CertificateRow::as_select())
                .order((certificates::issued_at.desc(), certificates::id.desc()))
                .limit(i64::from(page.limit()))
                .offset(offset(page))
                .load(conn)?;
            Ok::<_, Failure>((rows, totals))
        })?;
        Ok(CertificateList {
            page: Page {
                items: rows
                    .into_iter()
                    .map(CertificateRow::into_certificate)
                    .collect::<Result<_, _>>()?,
                total: u64::try_from(total).unwrap_or_default(),
                limit: page.limit(),
                offset: page.offset(),
            },
            sold_total: Money::from_minor(sold_total),
        })
    }
}
