//! The ports the settings need from storage: the one settings record with its audit trail, and
//! the loyalty levels.

use crate::loyalty::levels::Level;
use crate::loyalty::LoyaltyRules;
use crate::settings::model::{
    LevelRecord, NewLevelRecord, SettingChangeRecord, SettingsUpdatePlan, SystemSettings,
};
use crm_core::{LevelId, Page, PageRequest, RepoError, Timestamp};

/// Storage of the system settings. Reading never fails for want of a row: a missing record
/// reads as the defaults.
#[cfg_attr(test, mockall::automock)]
pub trait SettingsRepository {
    /// The settings as stored (the defaults when nothing is stored yet).
    fn get(&self) -> Result<SystemSettings, RepoError>;

    /// The loyalty rules alone, for purchase and registration code.
    fn loyalty_rules(&self) -> Result<LoyaltyRules, RepoError>;

    /// Writes the plan and its audit entries in one transaction if the record is still at
    /// `plan.expected_version`; `Ok(None)` when it has changed meanwhile.
    fn update(&self, plan: &SettingsUpdatePlan) -> Result<Option<SystemSettings>, RepoError>;

    /// A page of the audit trail, newest first.
    fn history(&self, page: PageRequest) -> Result<Page<SettingChangeRecord>, RepoError>;
}

impl<T: SettingsRepository + ?Sized> SettingsRepository for std::sync::Arc<T> {
    fn get(&self) -> Result<SystemSettings, RepoError> {
        (**self).get()
    }
    fn loyalty_rules(&self) -> Result<LoyaltyRules, RepoError> {
        (**self).loyalty_rules()
    }
    fn update(&self, plan: &SettingsUpdatePlan) -> Result<Option<SystemSettings>, RepoError> {
        (**self).update(plan)
    }
    fn history(&self, page: PageRequest) -> Result<Page<SettingChangeRecord>, RepoError> {
        (**self).history(page)
    }
}

/// Storage of the loyalty levels.
#[cfg_attr(test, mockall::automock)]
pub trait LevelRepository {
    /// Every level in use (not archived), for purchase code to pick a client's level.
    fn active_levels(&self) -> Result<Vec<Level>, RepoError>;

    /// A page of levels in list order (threshold kind, threshold, id), archived ones only
    /// when asked.
    fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<LevelRecord>, RepoError>;

    /// One level, archived or not.
    fn get(&self, id: LevelId) -> Result<Option<LevelRecord>, RepoError>;

    /// Stores a new level.
    fn insert(&self, record: &NewLevelRecord) -> Result<LevelRecord, RepoError>;

    /// Replaces a level's definition; `Ok(None)` when it does not exist.
    fn update(&self, level: &Level, at: Timestamp) -> Result<Option<LevelRecord>, RepoError>;

    /// Archives a level (keeps an earlier archive time); `Ok(None)` when it does not exist.
    fn archive(&self, id: LevelId, at: Timestamp) -> Result<Option<LevelRecord>, RepoError>;
}

impl<T: LevelRepository + ?Sized> LevelRepository for std::sync::Arc<T> {
    fn active_levels(&self) -> Result<Vec<Level>, RepoError> {
        (**self).active_levels()
    }
    fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<LevelRecord>, RepoError> {
        (**self).list(include_archived, page)
    }
    fn get(&self, id: LevelId) -> Result<Option<LevelRecord>, RepoError> {
        (**self).get(id)
    }
    fn insert(&self, record: &NewLevelRecord) -> Result<LevelRecord, RepoError> {
        (**self).insert(record)
    }
    fn update(&self, level: &Level, at: Timestamp) -> Result<Option<LevelRecord>, RepoError> {
        (**self).update(level, at)
    }
    fn archive(&self, id: LevelId, at: Timestamp) -> Result<Option<LevelRecord>, RepoError> {
        (**self).archive(id, at)
    }
}
