//! [`StaffAccess`]: who among the staff may act, and the first owner.

use crate::error::StaffError;
use crate::model::{Employee, NewEmployee};
use crate::ports::StaffRepository;
use crm_core::{Clock, EmployeeId, RepoError, Role};

/// Staff look-ups for sign-in and the staff guard, and the owner bootstrap.
pub struct StaffAccess<R, C> {
    repo: R,
    clock: C,
}

impl<R: StaffRepository, C: Clock> StaffAccess<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// The employee behind a Telegram user at sign-in. A Telegram id listed among the owners
    /// (`OWNER_TELEGRAM_IDS`) that is not yet an active employee becomes an owner now.
    pub fn sign_in(
        &self,
        telegram_id: i64,
        full_name: &str,
        owner_telegram_ids: &[i64],
    ) -> Result<Option<Employee>, StaffError> {
        if let Some(employee) = self.repo.find_active_by_telegram_id(telegram_id)? {
            return Ok(Some(employee));
        }
        if !owner_telegram_ids.contains(&telegram_id) {
            return Ok(None);
        }
        let name = if full_name.trim().is_empty() {
            format!("Owner {telegram_id}")
        } else {
            full_name.trim().chars().take(200).collect()
        };
        let owner = NewEmployee {
            full_name: name,
            telegram_id: Some(telegram_id),
            role: Role::Owner,
            at: self.clock.now(),
        };
        match self.repo.insert(&owner) {
            Ok(employee) => Ok(Some(employee)),
            // Two first sign-ins at once: the other one created the owner.
            Err(RepoError::Conflict { .. }) => {
                Ok(self.repo.find_active_by_telegram_id(telegram_id)?)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The employee behind a staff token, if still active; their current role is what counts.
    pub fn active(&self, id: EmployeeId) -> Result<Option<Employee>, StaffError> {
        Ok(self.repo.get(id)?.filter(Employee::is_active))
    }

    /// Adds an owner by hand (the CLI), for a first start without Telegram.
    pub fn create_owner(
        &self,
        full_name: &str,
        telegram_id: Option<i64>,
    ) -> Result<Employee, StaffError> {
        let owner = NewEmployee {
            full_name: full_name.trim().to_owned(),
            telegram_id,
            role: Role::Owner,
            at: self.clock.now(),
        };
        owner.validate().map_err(StaffError::Validation)?;
        Ok(self.repo.insert(&owner)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockStaffRepository;
    use crm_core::{FixedClock, Timestamp};
    use mockall::predicate::eq;

    fn clock() -> FixedClock {
        FixedClock::new(Timestamp::from_unix_seconds(1_790_000_000).expect("valid"))
    }

    fn employee(id: i64, role: Role, archived: bool) -> Employee {
        Employee {
            id: EmployeeId(id),
            full_name: "Ирина".into(),
            telegram_id: Some(42),
            role,
            archived_at: archived.then(|| Timestamp::from_unix_seconds(1).expect("valid")),
            created_at: Timestamp::from_unix_seconds(0).expect("valid"),
        }
    }

    #[test]
    fn an_active_employee_signs_in_with_their_role() {
        let mut repo = MockStaffRepository::new();
        repo.expect_find_active_by_telegram_id()
            .with(eq(42))
            .returning(|_| Ok(Some(employee(1, Role::Cashier, false))));
        repo.expect_insert().never();
        let found = StaffAccess::new(repo, clock())
            .sign_in(42, "Ирина", &[42])
            .expect("ok");
        assert_eq!(found.map(|e| e.role), Some(Role::Cashier));
    }

    #[test]
    fn a_listed_owner_is_created_on_first_sign_in() {
        let mut repo = MockStaffRepository::new();
        repo.expect_find_active_by_telegram_id()
            .returning(|_| Ok(None));
        repo.expect_insert()
            .withf(|e| e.role == Role::Owner && e.telegram_id == Some(42) && e.full_name == "Ирина")
            .times(1)
            .returning(|_| Ok(employee(5, Role::Owner, false)));
        let owner = StaffAccess::new(repo, clock())
            .sign_in(42, " Ирина ", &[7, 42])
            .expect("ok");
        assert_eq!(
            owner.map(|e| (e.id, e.role)),
            Some((EmployeeId(5), Role::Owner))
        );
    }

    #[test]
    fn anyone_else_is_not_staff() {
        let mut repo = MockStaffRepository::new();
        repo.expect_find_active_by_telegram_id()
            .returning(|_| Ok(None));
        repo.expect_insert().never();
        assert_eq!(
            StaffAccess::new(repo, clock())
                .sign_in(43, "x", &[42])
                .expect("ok"),
            None
        );
    }

    #[test]
    fn a_concurrent_owner_bootstrap_returns_the_stored_owner() {
        let mut repo = MockStaffRepository::new();
        let mut seq = mockall::Sequence::new();
        repo.expect_find_active_by_telegram_id()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(None));
        repo.expect_insert()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| {
                Err(RepoError::Conflict {
                    field: Some("telegram_id".into()),
                    message: "taken".into(),
                })
            });
        repo.expect_find_active_by_telegram_id()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(Some(employee(5, Role::Owner, false))));
        let owner = StaffAccess::new(repo, clock())
            .sign_in(42, "", &[42])
            .expect("ok");
        assert_eq!(owner.map(|e| e.id), Some(EmployeeId(5)));
    }

    #[test]
    fn archived_employees_lose_access() {
        let mut repo = MockStaffRepository::new();
        repo.expect_get()
            .returning(|id| Ok(Some(employee(id.0, Role::Admin, id.0 == 2))));
        let access = StaffAccess::new(repo, clock());
        assert!(access.active(EmployeeId(1)).expect("ok").is_some());
        assert!(access.active(EmployeeId(2)).expect("ok").is_none());
    }

    #[test]
    fn creating_an_owner_by_hand_checks_the_name() {
        let repo = MockStaffRepository::new();
        let err = StaffAccess::new(repo, clock())
            .create_owner("  ", None)
            .expect_err("invalid");
        assert!(matches!(err, StaffError::Validation(f) if f[0].field == "full_name"));
    }
}
