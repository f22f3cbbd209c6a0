//! [`BusinessSettings`] and [`LoyaltyLevels`]: the use cases of the system settings and of the
//! loyalty levels.

use crate::loyalty::levels::Level;
use crate::settings::error::SettingsError;
use crate::settings::model::{
    changed_booking, changed_communications, changed_fields, LevelRecord, LevelUpdate, NewLevel,
    NewLevelRecord, SettingChangeRecord, SettingsUpdate, SettingsUpdatePlan, SystemSettings,
    ThresholdKind,
};
use crate::settings::ports::{LevelRepository, SettingsRepository};
use crm_core::{Actor, Clock, FieldError, LevelId, Page, PageRequest};

/// How often an update is recomputed when the settings change underneath it.
const UPDATE_ATTEMPTS: usize = 3;

/// The system settings: read, change with an audit entry per changed field, read the trail.
pub struct BusinessSettings<R, C> {
    repo: R,
    clock: C,
}

impl<R: SettingsRepository, C: Clock> BusinessSettings<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// The settings (the defaults until changed).
    pub fn current(&self) -> Result<SystemSettings, SettingsError> {
        Ok(self.repo.get()?)
    }

    /// Changes the named fields. Every field whose value changes gets one audit entry; a
    /// change that changes nothing writes nothing. A concurrent change is retried.
    pub fn update(
        &self,
        update: SettingsUpdate,
        actor: Actor,
    ) -> Result<SystemSettings, SettingsError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.repo.get()?;
            let company = current.company.updated(update.company.clone());
            let loyalty = current.loyalty.updated(update.loyalty.clone());
            let communications = current.communications.updated(update.communications);
            let booking = current.booking.updated(update.booking);
            let mut errors = company.validate().err().unwrap_or_default();
            if let Err(rules) = loyalty.validate() {
                errors.extend(
                    rules
                        .into_iter()
                        .map(|e| FieldError::new(format!("loyalty.{}", e.field), e.message)),
                );
            }
            errors.extend(communications.validate().err().unwrap_or_default());
            errors.extend(booking.validate().err().unwrap_or_default());
            if !errors.is_empty() {
                return Err(SettingsError::Validation(errors));
            }
            let mut changes =
                changed_fields((&current.company, &current.loyalty), (&company, &loyalty));
            changes.extend(changed_communications(
                &current.communications,
                &communications,
            ));
            changes.extend(changed_booking(&current.booking, &booking));
            if changes.is_empty() {
                return Ok(current);
            }
            let plan = SettingsUpdatePlan {
                expected_version: current.version,
                company,
                loyalty,
                communications,
                booking,
                changes,
                actor,
                at: self.clock.now(),
            };
            if let Some(updated) = self.repo.update(&plan)? {
                return Ok(updated);
            }
        }
        Err(SettingsError::ConcurrentChange)
    }

    /// A page of the audit trail, newest first.
    pub fn history(&self, page: PageRequest) -> Result<Page<SettingChangeRecord>, SettingsError> {
        Ok(self.repo.history(page)?)
    }
}

/// The loyalty levels: list, define, change, archive.
pub struct LoyaltyLevels<R, C> {
    repo: R,
    clock: C,
}

impl<R: LevelRepository, C: Clock> LoyaltyLevels<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// A page of levels; archived ones only when asked.
    pub fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<LevelRecord>, SettingsError> {
        Ok(self.repo.list(include_archived, page)?)
    }

    /// Defines a level.
    pub fn create(&self, level: NewLevel) -> Result<LevelRecord, SettingsError> {
        Level::validate(&level.name, level.threshold).map_err(SettingsError::Validation)?;
        let record = NewLevelRecord {
            level: NewLevel {
                name: level.name.trim().to_owned(),
                ..level
            },
            at: self.clock.now(),
        };
        Ok(self.repo.insert(&record)?)
    }

    /// Changes the named fields of a level.
    pub fn update(&self, id: LevelId, update: LevelUpdate) -> Result<LevelRecord, SettingsError> {
        let current = self.repo.get(id)?.ok_or(SettingsError::LevelNotFound)?;
        let old = current.level;
        let threshold = match (update.threshold_kind, update.threshold) {
            (None, None) => Ok(old.threshold),
            (kind, Some(value)) => kind
                .unwrap_or_else(|| ThresholdKind::of(old.threshold))
                .threshold(value),
            (Some(kind), None) if kind == ThresholdKind::of(old.threshold) => Ok(old.threshold),
            (Some(_), None) => Err(FieldError::new(
                "threshold",
                "is required when threshold_kind changes",
            )),
        }
        .map_err(|e| SettingsError::Validation(vec![e]))?;
        let level = Level {
            id,
            name: update.name.map_or(old.name, |name| name.trim().to_owned()),
            threshold,
            cashback: update.cashback.unwrap_or(old.cashback),
            max_points_share: update.max_points_share.apply(old.max_points_share),
        };
        Level::validate(&level.name, level.threshold).map_err(SettingsError::Validation)?;
        self.repo
            .update(&level, self.clock.now())?
            .ok_or(SettingsError::LevelNotFound)
    }

    /// Archives a level: it is no longer listed or reached, and clients who hold it keep it
    /// until their level is next evaluated.
    pub fn archive(&self, id: LevelId) -> Result<LevelRecord, SettingsError> {
        self.repo
            .archive(id, self.clock.now())?
            .ok_or(SettingsError::LevelNotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loyalty::levels::LevelThreshold;
    use crate::loyalty::LoyaltyRules;
    use crate::model::Patch;
    use crate::settings::model::{
        CommunicationUpdate, CompanyUpdate, LoyaltyRulesUpdate, Timezone,
    };
    use crate::settings::ports::{MockLevelRepository, MockSettingsRepository};
    use crm_core::{EmployeeId, FixedClock, Money, Percent, RepoError, Timestamp};
    use mockall::predicate::eq;

    const NOW: i64 = 1_790_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    fn percent(bp: i64) -> Percent {
        Percent::from_basis_points(bp).expect("valid")
    }

    fn settings(
        repo: MockSettingsRepository,
    ) -> BusinessSettings<MockSettingsRepository, FixedClock> {
        BusinessSettings::new(repo, FixedClock::new(at(NOW)))
    }

    fn levels(repo: MockLevelRepository) -> LoyaltyLevels<MockLevelRepository, FixedClock> {
        LoyaltyLevels::new(repo, FixedClock::new(at(NOW)))
    }

    const ACTOR: Actor = Actor::Employee(EmployeeId(2));

    #[test]
    fn an_update_audits_only_the_fields_it_changes() {
        let mut repo = MockSettingsRepository::new();
        repo.expect_get()
            .returning(|| Ok(SystemSettings::default()));
        repo.expect_update()
            .withf(|plan| {
                let fields: Vec<_> = plan.changes.iter().map(|c| c.field.as_str()).collect();
                plan.expected_version == 0
                    && fields
                        == [
                            "company.timezone",
                            "loyalty.base_cashback",
                            "communications.marketing_touch_cap",
                        ]
                    && plan.communications.marketing_touch_cap == 5
                    && plan.changes[1].old_value == serde_json::json!(5.0)
                    && plan.changes[1].new_value == serde_json::json!(7.5)
                    && plan.actor == ACTOR
                    && plan.at == at(NOW)
                    && plan.loyalty.max_points_share == percent(3_000)
            })
            .times(1)
            .returning(|plan| {
                Ok(Some(SystemSettings {
                    company: plan.company.clone(),
                    loyalty: plan.loyalty,
                    communications: plan.communications,
                    booking: plan.booking,
                    version: 1,
                    updated_at: Some(plan.at),
                    updated_by: Some(plan.actor),
                }))
            });
        let updated = settings(repo)
            .update(
                SettingsUpdate {
                    company: CompanyUpdate {
                        timezone: Some(Timezone::parse("Asia/Omsk").expect("valid")),
                        // The same value as stored: not a change.
                        currency: Some(crate::settings::model::Currency::default()),
                        ..Default::default()
                    },
                    loyalty: LoyaltyRulesUpdate {
                        base_cashback: Some(percent(750)),
                        max_points_share: Some(percent(3_000)),
                        ..Default::default()
                    },
                    communications: CommunicationUpdate {
                        marketing_touch_cap: Some(5),
                        // The same value as stored: not a change.
                        conversion_window_hours: Some(72),
                        ..Default::default()
                    },
                    booking: Default::default(),
                },
                ACTOR,
            )
            .expect("updated");
        assert_eq!(updated.version, 1);
        assert_eq!(updated.loyalty.base_cashback, percent(750));
        assert_eq!(updated.company.timezone.as_str(), "Asia/Omsk");
    }

    #[test]
    fn a_change_that_changes_nothing_writes_nothing() {
        let mut repo = MockSettingsRepository::new();
        repo.expect_get()
            .returning(|| Ok(SystemSettings::default()));
        repo.expect_update().never();
        let same = settings(repo)
            .update(
                SettingsUpdate {
                    loyalty: LoyaltyRulesUpdate {
                        base_cashback: Some(LoyaltyRules::default().base_cashback),
                        points_expiry_days: Patch::Clear,
                        ..Default::default()
                    },
                    ..Default::default()
                },
                ACTOR,
            )
            .expect("nothing to do");
        assert_eq!(same, SystemSettings::default());
    }

    #[test]
    fn invalid_rules_are_refused_with_field_paths() {
        let mut repo = MockSettingsRepository::new();
        repo.expect_get()
            .returning(|| Ok(SystemSettings::default()));
        repo.expect_update().never();
        let err = settings(repo)
            .update(
                SettingsUpdate {
                    company: CompanyUpdate {
                        legal_name: Patch::Set(" ".into()),
                        ..Default::default()
                    },
                    loyalty: LoyaltyRulesUpdate {
                        points_expiry_days: Patch::Set(0),
                        points_deferral_days: Some(366),
                        ..Default::default()
                    },
                    communications: CommunicationUpdate {
                        marketing_touch_period_days: Some(0),
                        ..Default::default()
                    },
                    booking: Default::default(),
                },
                ACTOR,
            )
            .expect_err("invalid");
        let SettingsError::Validation(errors) = err else {
            panic!("expected validation, got {err:?}");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "company.legal_name",
                "loyalty.points_expiry_days",
                "loyalty.points_deferral_days",
                "communications.marketing_touch_period_days"
            ]
        );
    }

    #[test]
    fn a_concurrent_change_is_retried_then_given_up() {
        let mut repo = MockSettingsRepository::new();
        let mut seq = mockall::Sequence::new();
        repo.expect_get()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|| Ok(SystemSettings::default()));
        repo.expect_update()
            .withf(|plan| plan.expected_version == 0)
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(None));
        repo.expect_get()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|| {
                Ok(SystemSettings {
                    version: 1,
                    ..Default::default()
                })
            });
        repo.expect_update()
            .withf(|plan| plan.expected_version == 1 && plan.changes.len() == 1)
            .times(1)
            .in_sequence(&mut seq)
            .returning(|plan| {
                Ok(Some(SystemSettings {
                    loyalty: plan.loyalty,
                    version: 2,
                    ..Default::default()
                }))
            });
        let update = SettingsUpdate {
            loyalty: LoyaltyRulesUpdate {
                refund_claws_back_referrals: Some(false),
                ..Default::default()
            },
            ..Default::default()
        };
        let updated = settings(repo)
            .update(update.clone(), ACTOR)
            .expect("second attempt wins");
        assert_eq!(updated.version, 2);
        assert!(!updated.loyalty.refund_claws_back_referrals);

        let mut always_stale = MockSettingsRepository::new();
        always_stale
            .expect_get()
            .times(3)
            .returning(|| Ok(SystemSettings::default()));
        always_stale
            .expect_update()
            .times(3)
            .returning(|_| Ok(None));
        assert_eq!(
            settings(always_stale).update(update, ACTOR),
            Err(SettingsError::ConcurrentChange)
        );
    }

    #[test]
    fn storage_failures_pass_through() {
        let mut repo = MockSettingsRepository::new();
        repo.expect_get().returning(|| Err(RepoError::Busy));
        assert_eq!(
            settings(repo).current(),
            Err(SettingsError::Storage(RepoError::Busy))
        );
    }

    fn stored(id: i64, threshold: LevelThreshold) -> LevelRecord {
        LevelRecord {
            level: Level {
                id: LevelId(id),
                name: "Серебро".into(),
                threshold,
                cashback: percent(500),
                max_points_share: Some(percent(2_000)),
            },
            archived_at: None,
        }
    }

    #[test]
    fn a_level_is_created_with_a_trimmed_name_or_refused() {
        let mut repo = MockLevelRepository::new();
        repo.expect_insert()
            .withf(|r| r.level.name == "Золото" && r.at == at(NOW))
            .times(1)
            .returning(|r| {
                Ok(LevelRecord {
                    level: Level {
                        id: LevelId(4),
                        name: r.level.name.clone(),
                        threshold: r.level.threshold,
                        cashback: r.level.cashback,
                        max_points_share: r.level.max_points_share,
                    },
                    archived_at: None,
                })
            });
        let service = levels(repo);
        let created = service
            .create(NewLevel {
                name: "  Золото ".into(),
                threshold: LevelThreshold::TotalSpent(Money::from_major(10_000)),
                cashback: percent(700),
                max_points_share: None,
            })
            .expect("created");
        assert_eq!(created.level.id, LevelId(4));
        let err = service
            .create(NewLevel {
                name: " ".into(),
                threshold: LevelThreshold::PurchaseCount(-1),
                cashback: percent(700),
                max_points_share: None,
            })
            .expect_err("invalid");
        assert!(matches!(err, SettingsError::Validation(e) if e.len() == 2));
    }

    #[test]
    fn a_level_update_reads_the_threshold_in_the_right_kind() {
        let mut repo = MockLevelRepository::new();
        repo.expect_get()
            .with(eq(LevelId(3)))
            .returning(|id| Ok(Some(stored(id.get(), LevelThreshold::PurchaseCount(5)))));
        repo.expect_update()
            .withf(|level, when| {
                level.threshold == LevelThreshold::PurchaseCount(10)
                    && level.name == "Серебро"
                    && level.max_points_share.is_none()
                    && *when == at(NOW)
            })
            .times(1)
            .returning(|level, _| {
                Ok(Some(LevelRecord {
                    level: level.clone(),
                    archived_at: None,
                }))
            });
        let service = levels(repo);
        let updated = service
            .update(
                LevelId(3),
                LevelUpdate {
                    threshold: Some(Money::from_major(10)),
                    max_points_share: Patch::Clear,
                    ..Default::default()
                },
            )
            .expect("updated");
        assert_eq!(updated.level.threshold, LevelThreshold::PurchaseCount(10));

        let err = service
            .update(
                LevelId(3),
                LevelUpdate {
                    threshold_kind: Some(ThresholdKind::TotalSpent),
                    ..Default::default()
                },
            )
            .expect_err("kind without threshold");
        assert!(matches!(err, SettingsError::Validation(e) if e[0].field == "threshold"));
        let err = service
            .update(
                LevelId(3),
                LevelUpdate {
                    threshold: Some(Money::parse("2.5").expect("valid")),
                    ..Default::default()
                },
            )
            .expect_err("fractional count");
        assert!(matches!(err, SettingsError::Validation(e) if e[0].field == "threshold"));
    }

    #[test]
    fn unknown_levels_are_not_found() {
        let mut repo = MockLevelRepository::new();
        repo.expect_get().returning(|_| Ok(None));
        repo.expect_archive().returning(|_, _| Ok(None));
        let service = levels(repo);
        assert_eq!(
            service.update(LevelId(9), LevelUpdate::default()),
            Err(SettingsError::LevelNotFound)
        );
        assert_eq!(
            service.archive(LevelId(9)),
            Err(SettingsError::LevelNotFound)
        );
    }
}
