//! [`SqliteStaffRepository`]: employees in SQLite, implementing [`crm_staff::StaffRepository`];
//! [`SqliteRoster`]: the roster (cards, categories, timesheets, shifts, payroll, history).

mod roster;
mod schema;

pub(crate) use roster::refresh_name_search;
pub use roster::SqliteRoster;

use crate::db::Database;
use crate::error::{corrupt, map_diesel_error, stored_time as timestamp};
use crate::schema::employees;
use crm_core::{EmployeeId, RepoError, Role, Timestamp};
use crm_staff::{Employee, NewEmployee, StaffRepository};
use diesel::prelude::*;

/// Employees stored in SQLite. Each call checks a connection out of the pool, so the repository
/// is cheap to clone and can be shared between threads.
#[derive(Debug, Clone)]
pub struct SqliteStaffRepository {
    db: Database,
}

impl SqliteStaffRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The columns of `employees` that sign-in and the staff guard read.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = employees, check_for_backend(diesel::sqlite::Sqlite))]
struct EmployeeRow {
    id: i64,
    full_name: String,
    telegram_id: Option<i64>,
    role: String,
    archived_at: Option<i64>,
    created_at: i64,
}

impl EmployeeRow {
    fn into_employee(self) -> Result<Employee, RepoError> {
        let id = self.id;
        Ok(Employee {
            id: EmployeeId(id),
            full_name: self.full_name,
            telegram_id: self.telegram_id,
            role: Role::from_code(&self.role)
                .filter(|role| role.is_staff())
                .ok_or_else(|| corrupt("employee role", id))?,
            archived_at: self
                .archived_at
                .map(|ms| timestamp(ms, "employee archived_at", id))
                .transpose()?,
            created_at: timestamp(self.created_at, "employee created_at", id)?,
        })
    }
}

/// A new `employees` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = employees)]
struct NewEmployeeRow<'a> {
    full_name: &'a str,
    name_search: String,
    telegram_id: Option<i64>,
    role: &'static str,
    created_at: i64,
    updated_at: i64,
}

impl StaffRepository for SqliteStaffRepository {
    fn find_active_by_telegram_id(&self, telegram_id: i64) -> Result<Option<Employee>, RepoError> {
        let mut conn = self.db.conn()?;
        employees::table
            .filter(employees::telegram_id.eq(telegram_id))
            .filter(employees::archived_at.is_null())
            .select(EmployeeRow::as_select())
            .get_result(&mut conn)
            .optional()
            .map_err(map_diesel_error)?
            .map(EmployeeRow::into_employee)
            .transpose()
    }

    fn get(&self, id: EmployeeId) -> Result<Option<Employee>, RepoError> {
        let mut conn = self.db.conn()?;
        employees::table
            .find(id.get())
            .select(EmployeeRow::as_select())
            .get_result(&mut conn)
            .optional()
            .map_err(map_diesel_error)?
            .map(EmployeeRow::into_employee)
            .transpose()
    }

    fn insert(&self, employee: &NewEmployee) -> Result<Employee, RepoError> {
        let mut conn = self.db.conn()?;
        let at = employee.at.unix_millis();
        // One statement: atomic on its own. The partial unique index on active Telegram ids
        // reports `UNIQUE constraint failed: employees.telegram_id`, i.e. Conflict on that field.
        diesel::insert_into(employees::table)
            .values(NewEmployeeRow {
                full_name: &employee.full_name,
                name_search: crm_core::search_key(&employee.full_name),
                telegram_id: employee.telegram_id,
                role: employee.role.code(),
                created_at: at,
                updated_at: at,
            })
            .returning(EmployeeRow::as_returning())
            .get_result(&mut conn)
            .map_err(map_diesel_error)?
            .into_employee()
    }

    fn archive(&self, id: EmployeeId, at: Timestamp) -> Result<bool, RepoError> {
        let mut conn = self.db.conn()?;
        let changed = diesel::update(
            employees::table
                .find(id.get())
                .filter(employees::archived_at.is_null()),
        )
        .set((
            employees::archived_at.eq(Some(at.unix_millis())),
            employees::updated_at.eq(at.unix_millis()),
        ))
        .execute(&mut conn)
        .map_err(map_diesel_error)?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{at, fresh_db};

    const T0: i64 = 1_790_000_000_456;

    fn new_employee(name: &str, telegram_id: Option<i64>, role: Role) -> NewEmployee {
        NewEmployee {
            full_name: name.to_owned(),
            telegram_id,
            role,
            at: at(T0),
        }
    }

    #[test]
    fn inserted_employees_are_found_by_id_and_active_telegram_id() {
        let (_dir, db) = fresh_db();
        let repo = SqliteStaffRepository::new(db);
        let owner = repo
            .insert(&new_employee("Ирина", Some(42), Role::Owner))
            .unwrap();
        assert_eq!(
            owner,
            Employee {
                id: owner.id,
                full_name: "Ирина".to_owned(),
                telegram_id: Some(42),
                role: Role::Owner,
                archived_at: None,
                created_at: at(T0),
            }
        );
        let cashier = repo
            .insert(&new_employee("Пётр", None, Role::Cashier))
            .unwrap();
        assert_ne!(cashier.id, owner.id);
        assert_eq!(cashier.role, Role::Cashier);
        assert_eq!(cashier.telegram_id, None);

        assert_eq!(repo.get(owner.id).unwrap(), Some(owner.clone()));
        assert_eq!(repo.get(cashier.id).unwrap(), Some(cashier));
        assert_eq!(repo.get(EmployeeId(999)).unwrap(), None);
        assert_eq!(repo.find_active_by_telegram_id(42).unwrap(), Some(owner));
        assert_eq!(repo.find_active_by_telegram_id(43).unwrap(), None);
    }

    #[test]
    fn archived_employees_do_not_sign_in_and_free_their_telegram_id() {
        let (_dir, db) = fresh_db();
        let repo = SqliteStaffRepository::new(db.clone());
        let gone = repo
            .insert(&new_employee("Уволенный", Some(77), Role::Manager))
            .unwrap();
        assert!(repo.archive(gone.id, at(T0 + 1_000)).unwrap());
        assert!(
            !repo.archive(gone.id, at(T0 + 2_000)).unwrap(),
            "already archived"
        );
        assert!(
            !repo.archive(EmployeeId(9_999), at(T0)).unwrap(),
            "no such employee"
        );
        assert_eq!(repo.find_active_by_telegram_id(77).unwrap(), None);
        let archived = repo.get(gone.id).unwrap().unwrap();
        assert_eq!(archived.archived_at, Some(at(T0 + 1_000)));
        assert!(!archived.is_active());

        // The unique index covers active employees only: the id may be hired again.
        let rehired = repo
            .insert(&new_employee("Вернувшийся", Some(77), Role::Admin))
            .unwrap();
        assert_eq!(repo.find_active_by_telegram_id(77).unwrap(), Some(rehired));
    }

    #[test]
    fn a_second_active_employee_with_the_same_telegram_id_is_a_conflict() {
        let (_dir, db) = fresh_db();
        let repo = SqliteStaffRepository::new(db);
        repo.insert(&new_employee("Первая", Some(42), Role::Owner))
            .unwrap();
        let clash = repo.insert(&new_employee("Вторая", Some(42), Role::Master));
        match clash {
            Err(RepoError::Conflict { field, message }) => {
                assert_eq!(field.as_deref(), Some("telegram_id"));
                assert!(message.contains("telegram_id"), "{message}");
            }
            other => panic!("expected a telegram_id conflict, got {other:?}"),
        }
        // Employees without a Telegram id never clash.
        repo.insert(&new_employee("Без телеграма", None, Role::Master))
            .unwrap();
        repo.insert(&new_employee("Тоже без", None, Role::Master))
            .unwrap();
    }
}
