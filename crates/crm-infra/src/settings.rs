//! [`SqliteSettingsRepository`]: the system settings in SQLite, implementing
//! [`crm_clients::settings::SettingsRepository`].
//!
//! The settings are the one `system_settings` row (id 1, inserted by the migration); each
//! change writes it under a version guard and appends one `system_settings_changes` row per
//! changed field, in one `BEGIN IMMEDIATE` transaction.

use crate::db::Database;
use crate::error::{corrupt, stored_time, Failure};
use crate::schema::{system_settings, system_settings_changes};
use crm_clients::loyalty::LoyaltyRules;
use crm_clients::model::Email;
use crm_clients::settings::model::BookingSettings;
use crm_clients::settings::{
    CommunicationSettings, CompanyProfile, Currency, SettingChangeRecord, SettingsRepository,
    SettingsUpdatePlan, SystemSettings, Timezone,
};
use crm_core::{Actor, Page, PageRequest, Percent, Phone, Points, RepoError};
use diesel::dsl::count_star;
use diesel::prelude::*;

/// The id of the one settings row.
const SETTINGS_ROW: i64 = 1;

/// The system settings stored in SQLite. Cheap to clone; shares the database's pool.
#[derive(Debug, Clone)]
pub struct SqliteSettingsRepository {
    db: Database,
}

impl SqliteSettingsRepository {
    /// A repository over the database's pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The `system_settings` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = system_settings, check_for_backend(diesel::sqlite::Sqlite))]
struct SettingsRow {
    company_name: String,
    legal_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    website: Option<String>,
    timezone: String,
    currency: String,
    base_cashback_bp: i64,
    max_points_share_bp: i64,
    welcome_bonus: i64,
    points_expiry_days: Option<i64>,
    points_deferral_days: i64,
    refund_claws_back_referrals: bool,
    version: i64,
    updated_at: Option<i64>,
    updated_by: Option<String>,
    marketing_touch_cap: i64,
    marketing_touch_period_days: i64,
    conversion_window_hours: i64,
}

fn percent(bp: i64, what: &str) -> Result<Percent, RepoError> {
    Percent::from_basis_points(bp).ok_or_else(|| corrupt(what, SETTINGS_ROW))
}

fn days(value: i64, what: &str) -> Result<u32, RepoError> {
    u32::try_from(value).map_err(|_| corrupt(what, SETTINGS_ROW))
}

impl SettingsRow {
    fn loyalty(&self) -> Result<LoyaltyRules, RepoError> {
        Ok(LoyaltyRules {
            base_cashback: percent(self.base_cashback_bp, "settings base_cashback")?,
            max_points_share: percent(self.max_points_share_bp, "settings max_points_share")?,
            welcome_bonus: Points::from_minor(self.welcome_bonus),
            points_expiry_days: self
                .points_expiry_days
                .map(|d| days(d, "settings points_expiry_days"))
                .transpose()?,
            points_deferral_days: days(self.points_deferral_days, "settings deferral days")?,
            refund_claws_back_referrals: self.refund_claws_back_referrals,
        })
    }

    fn communications(&self) -> Result<CommunicationSettings, RepoError> {
        Ok(CommunicationSettings {
            marketing_touch_cap: days(self.marketing_touch_cap, "settings marketing_touch_cap")?,
            marketing_touch_period_days: days(
                self.marketing_touch_period_days,
                "settings marketing_touch_period_days",
            )?,
            conversion_window_hours: days(
                self.conversion_window_hours,
                "settings conversion_window_hours",
            )?,
        })
    }

    fn into_settings(self) -> Result<SystemSettings, RepoError> {
        let loyalty = self.loyalty()?;
        let communications = self.communications()?;
        Ok(SystemSettings {
            company: CompanyProfile {
                name: self.company_name,
                legal_name: self.legal_name,
                phone: self.phone.map(Phone::from_trusted),
                email: self.email.map(Email::from_trusted),
                address: self.address,
                website: self.website,
                timezone: Timezone::from_trusted(self.timezone),
                currency: Currency::from_trusted(self.currency),
            },
            loyalty,
            communications,
            // Read by `read_booking`; these columns belong to the appointments' table map.
            booking: BookingSettings::default(),
            version: self.version,
            updated_at: self
                .updated_at
                .map(|ms| stored_time(ms, "settings updated_at", SETTINGS_ROW))
                .transpose()?,
            updated_by: self
                .updated_by
                .map(|code| {
                    Actor::from_code(&code).ok_or_else(|| corrupt("settings actor", SETTINGS_ROW))
                })
                .transpose()?,
        })
    }
}

/// The columns a change writes.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = system_settings, treat_none_as_null = true)]
struct SettingsWrite<'a> {
    company_name: &'a str,
    legal_name: Option<&'a str>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    address: Option<&'a str>,
    website: Option<&'a str>,
    timezone: &'a str,
    currency: &'a str,
    base_cashback_bp: i64,
    max_points_share_bp: i64,
    welcome_bonus: i64,
    points_expiry_days: Option<i64>,
    points_deferral_days: i64,
    refund_claws_back_referrals: bool,
    marketing_touch_cap: i64,
    marketing_touch_period_days: i64,
    conversion_window_hours: i64,
    updated_at: Option<i64>,
    updated_by: Option<String>,
}

impl<'a> SettingsWrite<'a> {
    fn new(plan: &'a SettingsUpdatePlan) -> Self {
        let (c, l) = (&plan.company, &plan.loyalty);
        Self {
            company_name: &c.name,
            legal_name: c.legal_name.as_deref(),
            phone: c.phone.as_ref().map(Phone::as_str),
            email: c.email.as_ref().map(Email::as_str),
            address: c.address.as_deref(),
            website: c.website.as_deref(),
            timezone: c.timezone.as_str(),
            currency: c.currency.as_str(),
            base_cashback_bp: l.base_cashback.basis_points(),
            max_points_share_bp: l.max_points_share.basis_points(),
            welcome_bonus: l.welcome_bonus.minor(),
            points_expiry_days: l.points_expiry_days.map(i64::from),
            points_deferral_days: i64::from(l.points_deferral_days),
            refund_claws_back_referrals: l.refund_claws_back_referrals,
            marketing_touch_cap: i64::from(plan.communications.marketing_touch_cap),
            marketing_touch_period_days: i64::from(plan.communications.marketing_touch_period_days),
            conversion_window_hours: i64::from(plan.communications.conversion_window_hours),
            updated_at: Some(plan.at.unix_millis()),
            updated_by: Some(plan.actor.to_string()),
        }
    }
}

/// A new entry of the audit trail.
#[derive(Debug, Insertable)]
#[diesel(table_name = system_settings_changes)]
struct NewChangeRow<'a> {
    field: &'a str,
    old_value: String,
    new_value: String,
    actor: &'a str,
    at: i64,
}

/// A stored entry of the audit trail.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = system_settings_changes, check_for_backend(diesel::sqlite::Sqlite))]
struct ChangeRow {
    id: i64,
    field: String,
    old_value: String,
    new_value: String,
    actor: String,
    at: i64,
}

impl ChangeRow {
    fn into_record(self) -> Result<SettingChangeRecord, RepoError> {
        let id = self.id;
        let value = |text: &str| {
            serde_json::from_str(text).map_err(|_| corrupt("settings change value", id))
        };
        Ok(SettingChangeRecord {
            id,
            old_value: value(&self.old_value)?,
            new_value: value(&self.new_value)?,
            field: self.field,
            actor: Actor::from_code(&self.actor)
                .ok_or_else(|| corrupt("settings change actor", id))?,
            at: stored_time(self.at, "settings change time", id)?,
        })
    }
}

/// The online booking columns of the settings row (the defaults without the row).
fn read_booking(conn: &mut SqliteConnection) -> Result<BookingSettings, Failure> {
    use crate::appointments::schema::system_settings as booking;
    let row: Option<(i64, i64, i64)> = booking::table
        .find(SETTINGS_ROW)
        .select((
            booking::booking_min_notice_minutes,
            booking::booking_horizon_days,
            booking::booking_slot_step_minutes,
        ))
        .first(conn)
        .optional()?;
    let Some((notice, horizon, step)) = row else {
        return Ok(BookingSettings::default());
    };
    Ok(BookingSettings {
        min_notice_minutes: days(notice, "settings booking_min_notice_minutes")?,
        horizon_days: days(horizon, "settings booking_horizon_days")?,
        slot_step_minutes: days(step, "settings booking_slot_step_minutes")?,
    })
}

/// The settings with their online booking section.
fn read_settings(conn: &mut SqliteConnection) -> Result<Option<SystemSettings>, Failure> {
    let Some(row) = read(conn)? else {
        return Ok(None);
    };
    let mut settings = row.into_settings()?;
    settings.booking = read_booking(conn)?;
    Ok(Some(settings))
}

fn read(conn: &mut SqliteConnection) -> Result<Option<SettingsRow>, Failure> {
    Ok(system_settings::table
        .find(SETTINGS_ROW)
        .select(SettingsRow::as_select())
        .first(conn)
        .optional()?)
}

impl SettingsRepository for SqliteSettingsRepository {
    fn get(&self) -> Result<SystemSettings, RepoError> {
        let mut conn = self.db.conn()?;
        Ok(read_settings(&mut conn)?.unwrap_or_default())
    }

    fn loyalty_rules(&self) -> Result<LoyaltyRules, RepoError> {
        let mut conn = self.db.conn()?;
        match read(&mut conn)? {
            Some(row) => row.loyalty(),
            None => Ok(LoyaltyRules::default()),
        }
    }

    fn update(&self, plan: &SettingsUpdatePlan) -> Result<Option<SystemSettings>, RepoError> {
        let mut conn = self.db.conn()?;
        let updated = conn.immediate_transaction(|conn| {
            if plan.expected_version == 0 {
                // The migration inserts the row; this only restores it if someone removed it.
                diesel::insert_or_ignore_into(system_settings::table)
                    .values(system_settings::id.eq(SETTINGS_ROW))
                    .execute(conn)?;
            }
            // The version guard: zero rows when someone changed the settings since they were read.
            let changed = diesel::update(
                system_settings::table
                    .filter(system_settings::id.eq(SETTINGS_ROW))
                    .filter(system_settings::version.eq(plan.expected_version)),
            )
            .set((
                SettingsWrite::new(plan),
                system_settings::version.eq(system_settings::version + 1),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Ok(None);
            }
            {
                use crate::appointments::schema::system_settings as booking;
                diesel::update(booking::table.find(SETTINGS_ROW))
                    .set((
                        booking::booking_min_notice_minutes
                            .eq(i64::from(plan.booking.min_notice_minutes)),
                        booking::booking_horizon_days.eq(i64::from(plan.booking.horizon_days)),
                        booking::booking_slot_step_minutes
                            .eq(i64::from(plan.booking.slot_step_minutes)),
                    ))
                    .execute(conn)?;
            }
            let actor = plan.actor.to_string();
            let rows: Vec<NewChangeRow<'_>> = plan
                .changes
                .iter()
                .map(|change| NewChangeRow {
                    field: &change.field,
                    old_value: change.old_value.to_string(),
                    new_value: change.new_value.to_string(),
                    actor: &actor,
                    at: plan.at.unix_millis(),
                })
                .collect();
            if !rows.is_empty() {
                diesel::insert_into(system_settings_changes::table)
                    .values(&rows)
                    .execute(conn)?;
            }
            read_settings(conn)
        });
        Ok(updated?)
    }

    fn history(&self, page: PageRequest) -> Result<Page<SettingChangeRecord>, RepoError> {
        let mut conn = self.db.conn()?;
        let (rows, total) = conn.transaction(|conn| {
            let total = system_settings_changes::table
                .select(count_star())
                .get_result::<i64>(conn)?;
            let rows = system_settings_changes::table
                .order(system_settings_changes::id.desc())
                .limit(i64::from(page.limit()))
                .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
                .select(ChangeRow::as_select())
                .load::<ChangeRow>(conn)?;
            Ok::<_, Failure>((rows, total))
        })?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(ChangeRow::into_record)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::testing::{at, exec, fresh_db};
    use crm_clients::settings::model::{changed_communications, changed_fields};
    use crm_clients::settings::{CommunicationUpdate, CompanyUpdate, LoyaltyRulesUpdate};
    use crm_core::EmployeeId;
    use serde_json::json;
    use std::sync::{Arc, Barrier};

    const T0: i64 = 1_790_000_000_000;

    fn plan(
        current: &SystemSettings,
        update: CompanyUpdate,
        rules: LoyaltyRulesUpdate,
        millis: i64,
    ) -> SettingsUpdatePlan {
        let company = current.company.updated(update);
        let loyalty = current.loyalty.updated(rules);
        SettingsUpdatePlan {
            expected_version: current.version,
            changes: changed_fields((&current.company, &current.loyalty), (&company, &loyalty)),
            company,
            loyalty,
            communications: current.communications,
            booking: current.booking,
            actor: Actor::Employee(EmployeeId(3)),
            at: at(millis),
        }
    }

    #[test]
    fn the_migrated_row_holds_the_defaults() {
        let (_dir, db) = fresh_db();
        let repo = SqliteSettingsRepository::new(db.clone());
        assert_eq!(repo.get().unwrap(), SystemSettings::default());
        assert_eq!(repo.loyalty_rules().unwrap(), LoyaltyRules::default());
        // Without the row (removed by hand) reading still gives the defaults, and a change
        // puts it back.
        exec(&db, "DELETE FROM system_settings");
        assert_eq!(repo.get().unwrap(), SystemSettings::default());
        assert_eq!(repo.loyalty_rules().unwrap(), LoyaltyRules::default());
        let change = plan(
            &SystemSettings::default(),
            CompanyUpdate {
                name: Some("Кофейня".into()),
                ..Default::default()
            },
            LoyaltyRulesUpdate::default(),
            T0,
        );
        assert_eq!(
            repo.update(&change).unwrap().unwrap().company.name,
            "Кофейня"
        );
    }

    #[test]
    fn communication_settings_are_read_written_and_audited() {
        let (_dir, db) = fresh_db();
        let repo = SqliteSettingsRepository::new(db);
        let current = repo.get().unwrap();
        assert_eq!(current.communications.marketing_touch_cap, 3);
        assert_eq!(current.communications.marketing_touch_period_days, 7);
        assert_eq!(current.communications.conversion_window_hours, 72);
        let mut change = plan(
            &current,
            CompanyUpdate::default(),
            LoyaltyRulesUpdate::default(),
            T0,
        );
        change.communications = current.communications.updated(CommunicationUpdate {
            marketing_touch_cap: Some(0),
            conversion_window_hours: Some(24),
            ..Default::default()
        });
        change.changes = changed_communications(&current.communications, &change.communications);
        let stored = repo.update(&change).unwrap().expect("at the version");
        assert_eq!(stored.communications.marketing_touch_cap, 0);
        assert_eq!(stored.communications.marketing_touch_period_days, 7);
        assert_eq!(stored.communications.conversion_window_hours, 24);
        assert_eq!(repo.get().unwrap(), stored);
        let history = repo.history(PageRequest::default()).unwrap();
        let fields: Vec<_> = history.items.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields.len(), 2);
        assert!(fields.contains(&"communications.marketing_touch_cap"));
        assert!(fields.contains(&"communications.conversion_window_hours"));
    }

    #[test]
    fn booking_settings_are_read_written_and_audited() {
        use crm_clients::settings::model::{changed_booking, BookingUpdate};
        let (_dir, db) = fresh_db();
        let repo = SqliteSettingsRepository::new(db);
        let current = repo.get().unwrap();
        assert_eq!(current.booking, BookingSettings::default());
        let mut change = plan(
            &current,
            CompanyUpdate::default(),
            LoyaltyRulesUpdate::default(),
            T0,
        );
        change.booking = current.booking.updated(BookingUpdate {
            min_notice_minutes: Some(0),
            slot_step_minutes: Some(30),
            ..Default::default()
        });
        change.changes = changed_booking(&current.booking, &change.booking);
        let stored = repo.update(&change).unwrap().expect("at the version");
        assert_eq!(
            stored.booking,
            BookingSettings {
                min_notice_minutes: 0,
                horizon_days: 60,
                slot_step_minutes: 30
            }
        );
        assert_eq!(repo.get().unwrap(), stored);
        let history = repo.history(PageRequest::default()).unwrap();
        let mut fields: Vec<_> = history.items.iter().map(|c| c.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["booking.min_notice_minutes", "booking.slot_step_minutes"]
        );
    }

    #[test]
    fn a_change_is_written_with_one_audit_row_per_field() {
        let (_dir, db) = fresh_db();
        let repo = SqliteSettingsRepository::new(db);
        let current = repo.get().unwrap();
        let change = plan(
            &current,
            CompanyUpdate {
                name: Some("Кофейня".into()),
                phone: crm_clients::Patch::Set(Phone::parse("+79161234567").unwrap()),
                timezone: Some(Timezone::parse("Asia/Omsk").unwrap()),
                ..Default::default()
            },
            LoyaltyRulesUpdate {
                base_cashback: Some(Percent::from_basis_points(750).unwrap()),
                welcome_bonus: Some(Points::from_major(100)),
                points_expiry_days: crm_clients::Patch::Set(365),
                refund_claws_back_referrals: Some(false),
                ..Default::default()
            },
            T0,
        );
        let stored = repo
            .update(&change)
            .unwrap()
            .expect("at the expected version");
        assert_eq!(stored.version, 1);
        assert_eq!(stored.company.name, "Кофейня");
        assert_eq!(
            stored.company.phone.as_ref().map(Phone::as_str),
            Some("+79161234567")
        );
        assert_eq!(stored.company.timezone.as_str(), "Asia/Omsk");
        assert_eq!(stored.loyalty.base_cashback.basis_points(), 750);
        assert_eq!(stored.loyalty.welcome_bonus, Points::from_major(100));
        assert_eq!(stored.loyalty.points_expiry_days, Some(365));
        assert!(!stored.loyalty.refund_claws_back_referrals);
        assert_eq!(stored.updated_at, Some(at(T0)));
        assert_eq!(stored.updated_by, Some(Actor::Employee(EmployeeId(3))));
        assert_eq!(repo.get().unwrap(), stored);
        assert_eq!(repo.loyalty_rules().unwrap(), stored.loyalty);

        // A second change: the trail is newest first and paged.
        let second = plan(
            &stored,
            CompanyUpdate {
                phone: crm_clients::Patch::Clear,
                ..Default::default()
            },
            LoyaltyRulesUpdate::default(),
            T0 + 1_000,
        );
        repo.update(&second).unwrap().unwrap();
        let history = repo
            .history(PageRequest::new(Some(3), None).unwrap())
            .unwrap();
        assert_eq!(history.total, 8);
        let fields: Vec<_> = history.items.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "company.phone",
                "loyalty.refund_claws_back_referrals",
                "loyalty.points_expiry_days"
            ]
        );
        assert_eq!(history.items[0].old_value, json!("+79161234567"));
        assert_eq!(history.items[0].new_value, serde_json::Value::Null);
        assert_eq!(history.items[0].at, at(T0 + 1_000));
        assert_eq!(history.items[0].actor, Actor::Employee(EmployeeId(3)));
        assert_eq!(history.items[1].old_value, json!(true));
        assert_eq!(history.items[2].new_value, json!(365));
        let last = repo
            .history(PageRequest::new(Some(3), Some(6)).unwrap())
            .unwrap();
        let fields: Vec<_> = last.items.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["company.phone", "company.name"]);
        assert_eq!(last.items[1].old_value, json!(""));
        assert_eq!(last.items[1].new_value, json!("Кофейня"));
    }

    #[test]
    fn a_stale_version_writes_nothing() {
        let (_dir, db) = fresh_db();
        let repo = SqliteSettingsRepository::new(db);
        let current = repo.get().unwrap();
        let first = plan(
            &current,
            CompanyUpdate {
                name: Some("A".into()),
                ..Default::default()
            },
            LoyaltyRulesUpdate::default(),
            T0,
        );
        repo.update(&first).unwrap().unwrap();
        // Computed from the same old version: refused, nothing audited.
        let stale = plan(
            &current,
            CompanyUpdate {
                name: Some("B".into()),
                ..Default::default()
            },
            LoyaltyRulesUpdate::default(),
            T0,
        );
        assert_eq!(repo.update(&stale).unwrap(), None);
        assert_eq!(repo.get().unwrap().company.name, "A");
        assert_eq!(repo.history(PageRequest::default()).unwrap().total, 1);
    }

    #[test]
    fn concurrent_changes_lose_no_update() {
        let (_dir, db) = fresh_db();
        let repo = SqliteSettingsRepository::new(db);
        let service = Arc::new(crm_clients::settings::BusinessSettings::new(
            repo.clone(),
            crm_core::FixedClock::new(at(T0)),
        ));
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let service = service.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut update = crm_clients::settings::SettingsUpdate::default();
                    // Each thread changes a different field.
                    match i {
                        0 => update.company.name = Some("Кофейня".into()),
                        1 => update.loyalty.welcome_bonus = Some(Points::from_major(50)),
                        2 => update.loyalty.points_deferral_days = Some(7),
                        _ => update.company.currency = Some(Currency::parse("USD").unwrap()),
                    }
                    barrier.wait();
                    service.update(update, Actor::Employee(EmployeeId(i)))
                })
            })
            .collect();
        let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let done = outcomes.iter().filter(|o| o.is_ok()).count();
        let stored = repo.get().unwrap();
        // Every change that reported success is in the record, and audited once.
        assert_eq!(stored.version, done as i64);
        assert_eq!(
            repo.history(PageRequest::default()).unwrap().total,
            done as u64
        );
        if outcomes[0].is_ok() {
            assert_eq!(stored.company.name, "Кофейня");
        }
        if outcomes[1].is_ok() {
            assert_eq!(stored.loyalty.welcome_bonus, Points::from_major(50));
        }
        if outcomes[2].is_ok() {
            assert_eq!(stored.loyalty.points_deferral_days, 7);
        }
        if outcomes[3].is_ok() {
            assert_eq!(stored.company.currency.as_str(), "USD");
        }
        assert!(done >= 1);
    }
}
