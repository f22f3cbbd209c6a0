//! [`Reminders`]: the use cases of reminders — read the rules, change them (validated, all or
//! nothing), and the reminder run that enqueues every due reminder once.

use crate::delivery::{DeliverySource, NewDelivery};
use crate::reminders::error::ReminderError;
use crate::reminders::model::{
    dedupe_key, is_due, render, validate_template, DueReminder, OffsetCounts, ReminderOutcome,
    ReminderRule, ReminderSend, RuleChange, RunReport, SkipReason, SkippedReminder,
};
use crate::reminders::ports::ReminderRepository;
use crm_core::{Clock, Timestamp, Validation};

/// Due reminders read and recorded per batch (one short transaction each).
pub const BATCH_SIZE: u32 = 200;

/// Batches per offset in one run: a run stays bounded; what is left goes on the next run.
pub const MAX_BATCHES: u32 = 25;

/// The reminder use cases over storage and a clock.
pub struct Reminders<R, C> {
    repo: R,
    clock: C,
}

impl<R: ReminderRepository, C: Clock> Reminders<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// The four rules, shortest offset first.
    pub fn rules(&self) -> Result<Vec<ReminderRule>, ReminderError> {
        Ok(self.repo.rules()?)
    }

    /// Changes the listed rules (only the given parts) in one transaction and returns all four;
    /// an invalid change (empty or too long template, unknown placeholder, a rule listed twice)
    /// writes nothing.
    pub fn update_rules(
        &self,
        changes: &[RuleChange],
        by: &str,
    ) -> Result<Vec<ReminderRule>, ReminderError> {
        let mut v = Validation::new();
        if changes.is_empty() {
            v.add("rules", "must list at least one rule");
        }
        let mut rules = self.repo.rules()?;
        let now = self.clock.now();
        let mut changed = Vec::new();
        for (i, change) in changes.iter().enumerate() {
            if changes[..i].iter().any(|c| c.offset == change.offset) {
                v.add(format!("rules[{i}].offset"), "this rule is listed twice");
                continue;
            }
            let Some(rule) = rules.iter_mut().find(|r| r.offset == change.offset) else {
                v.add(format!("rules[{i}].offset"), "no such reminder rule");
                continue;
            };
            if let Some(enabled) = change.enabled {
                rule.enabled = enabled;
            }
            if let Some(channel) = change.channel {
                rule.channel = channel;
            }
            let field = match &change.template {
                Some(template) => {
                    rule.template = template.trim().to_owned();
                    format!("rules[{i}].template")
                }
                None => format!("rules[{i}].channel"),
            };
            validate_template(&rule.template, rule.channel, &field, &mut v);
            rule.updated_by = Some(by.to_owned());
            rule.updated_at = Some(now);
            changed.push(rule.clone());
        }
        v.finish().map_err(ReminderError::Validation)?;
        self.repo.save_rules(&changed)?;
        Ok(rules)
    }

    /// What to do with one due reminder: enqueue the rendered text to the client's address, or
    /// skip it for lack of consent or contact.
    fn plan(rule: &ReminderRule, due: &DueReminder, now: Timestamp) -> ReminderSend {
        let outcome = match (&due.contact, due.consent) {
            (_, false) => ReminderOutcome::Skipped(SkipReason::NoConsent),
            (None, true) => ReminderOutcome::Skipped(SkipReason::NoContact),
            (Some(address), true) => ReminderOutcome::Queued(NewDelivery {
                source: DeliverySource::Reminder,
                campaign_id: None,
                client_id: due.client_id,
                channel: rule.channel,
                recipient: address.clone(),
                text: render(&rule.template, due, rule.channel),
                image_url: None,
                buttons: Vec::new(),
                step: 0,
                not_before: now,
                dedupe_key: dedupe_key(due.appointment_id, rule.offset),
            }),
        };
        ReminderSend {
            appointment_id: due.appointment_id,
            offset: rule.offset,
            outcome,
        }
    }

    /// The reminder run: for each enabled rule, the due appointments in batches, each reminder
    /// enqueued (or recorded as skipped) exactly once; reports what this run recorded.
    pub fn run(&self) -> Result<RunReport, ReminderError> {
        let now = self.clock.now();
        let rules = self.repo.rules()?;
        let mut report = RunReport {
            queued: 0,
            skipped: Vec::new(),
            by_offset: Vec::new(),
        };
        for rule in &rules {
            let mut counts = OffsetCounts {
                offset: rule.offset,
                queued: 0,
                skipped: 0,
            };
            if rule.enabled {
                for _ in 0..MAX_BATCHES {
                    let due = self.repo.due(rule.offset, rule.channel, now, BATCH_SIZE)?;
                    let full = due.len() >= BATCH_SIZE as usize;
                    let sends: Vec<ReminderSend> = due
                        .iter()
                        .filter(|d| is_due(rule.offset, d.starts_at, d.created_at, now))
                        .map(|d| Self::plan(rule, d, now))
                        .collect();
                    if sends.is_empty() {
                        break;
                    }
                    let recorded = self.repo.record(&sends, now)?;
                    for (send, fresh) in sends.into_iter().zip(recorded) {
                        if !fresh {
                            continue;
                        }
                        match send.outcome {
                            ReminderOutcome::Queued(_) => counts.queued += 1,
                            ReminderOutcome::Skipped(reason) => {
                                counts.skipped += 1;
                                report.skipped.push(SkippedReminder {
                                    appointment_id: send.appointment_id,
                                    offset: send.offset,
                                    reason,
                                });
                            }
                        }
                    }
                    if !full {
                        break;
                    }
                }
            }
            report.queued += counts.queued;
            report.by_offset.push(counts);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reminders::model::{LocalTime, ReminderOffset};
    use crate::reminders::ports::MockReminderRepository;
    use crm_core::{AppointmentId, Channel, ClientId, FixedClock, RepoError};

    const NOW: i64 = 1_790_000_000;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s).expect("time")
    }

    fn rule(offset: ReminderOffset, enabled: bool) -> ReminderRule {
        ReminderRule {
            offset,
            enabled,
            channel: Channel::Telegram,
            template: "{client_name}: {service} у {master}, {time}, {address}".into(),
            updated_by: None,
            updated_at: None,
        }
    }

    fn all_rules() -> Vec<ReminderRule> {
        vec![
            rule(ReminderOffset::Hour, true),
            rule(ReminderOffset::FourHours, false),
            rule(ReminderOffset::Day, true),
            rule(ReminderOffset::Week, false),
        ]
    }

    fn due(id: i64, consent: bool, contact: Option<&str>, starts_in: i64) -> DueReminder {
        DueReminder {
            appointment_id: AppointmentId(id),
            client_id: ClientId(id + 100),
            client_name: "Анна".into(),
            consent,
            contact: contact.map(Into::into),
            service: "Стрижка".into(),
            master: "Ольга".into(),
            starts_at: at(NOW + starts_in),
            local_start: LocalTime {
                year: 2026,
                month: 9,
                day: 21,
                hour: 14,
                minute: 30,
            },
            address: Some("Тверская, 1".into()),
            created_at: at(NOW - 86_400 * 30),
        }
    }

    fn service(repo: MockReminderRepository) -> Reminders<MockReminderRepository, FixedClock> {
        Reminders::new(repo, FixedClock::new(at(NOW)))
    }

    #[test]
    fn the_run_enqueues_due_reminders_and_records_skips_once() {
        let mut repo = MockReminderRepository::new();
        repo.expect_rules().returning(|| Ok(all_rules()));
        repo.expect_due()
            .withf(|o, c, now, limit| {
                *o == ReminderOffset::Hour
                    && *c == Channel::Telegram
                    && *now == at(NOW)
                    && *limit == BATCH_SIZE
            })
            .times(1)
            .returning(|_, _, _, _| {
                Ok(vec![
                    due(1, true, Some("555"), 1_800),
                    due(2, false, Some("556"), 1_800),
                    due(3, true, None, 1_800),
                    // Not due (outside the window): ignored even if storage returned it.
                    due(4, true, Some("557"), 7_200),
                ])
            });
        repo.expect_due()
            .withf(|o, _, _, _| *o == ReminderOffset::Day)
            .times(1)
            .returning(|_, _, _, _| Ok(vec![due(5, true, Some("558"), 80_000)]));
        repo.expect_record()
            .withf(|sends, _| sends.len() == 3)
            .times(1)
            .returning(|sends, at_| {
                assert_eq!(at_, at(NOW));
                match &sends[0].outcome {
                    ReminderOutcome::Queued(d) => {
                        assert_eq!(d.recipient, "555");
                        assert_eq!(d.dedupe_key, "reminder:1:1h");
                        assert_eq!(d.source, DeliverySource::Reminder);
                        assert_eq!(
                            d.text,
                            "Анна: Стрижка у Ольга, 21.09.2026 14:30, Тверская, 1"
                        );
                    }
                    other => panic!("{other:?}"),
                }
                assert_eq!(
                    sends[1].outcome,
                    ReminderOutcome::Skipped(SkipReason::NoConsent)
                );
                assert_eq!(
                    sends[2].outcome,
                    ReminderOutcome::Skipped(SkipReason::NoContact)
                );
                Ok(vec![true, true, true])
            });
        // The 1d reminder was recorded by a racing run first: not counted here.
        repo.expect_record()
            .withf(|sends, _| sends.len() == 1)
            .times(1)
            .returning(|_, _| Ok(vec![false]));
        let report = service(repo).run().expect("run");
        assert_eq!(report.queued, 1);
        assert_eq!(report.skipped.len(), 2);
        assert_eq!(report.skipped[0].reason, SkipReason::NoConsent);
        assert_eq!(report.by_offset.len(), 4);
        assert_eq!(report.by_offset[0].queued, 1);
        assert_eq!(report.by_offset[0].skipped, 2);
        assert_eq!(report.by_offset[2].queued, 0);
    }

    #[test]
    fn the_run_reads_full_batches_until_a_short_one() {
        let mut repo = MockReminderRepository::new();
        repo.expect_rules().returning(|| {
            Ok(vec![
                rule(ReminderOffset::Hour, true),
                rule(ReminderOffset::Day, false),
            ])
        });
        let mut calls = 0;
        repo.expect_due().times(2).returning(move |_, _, _, _| {
            calls += 1;
            let n = if calls == 1 { BATCH_SIZE as i64 } else { 3 };
            Ok((0..n)
                .map(|i| due(calls * 1_000 + i, true, Some("1"), 60))
                .collect())
        });
        repo.expect_record()
            .times(2)
            .returning(|sends, _| Ok(vec![true; sends.len()]));
        let report = service(repo).run().expect("run");
        assert_eq!(report.queued, BATCH_SIZE as usize + 3);
    }

    #[test]
    fn changing_rules_validates_everything_before_writing() {
        let mut repo = MockReminderRepository::new();
        repo.expect_rules().returning(|| Ok(all_rules()));
        repo.expect_save_rules().never();
        let err = service(repo)
            .update_rules(
                &[
                    RuleChange {
                        offset: ReminderOffset::Hour,
                        enabled: Some(false),
                        channel: None,
                        template: Some("Привет, {name}".into()),
                    },
                    RuleChange {
                        offset: ReminderOffset::Day,
                        enabled: None,
                        channel: Some(Channel::Sms),
                        template: Some("я".repeat(700)),
                    },
                    RuleChange {
                        offset: ReminderOffset::Hour,
                        enabled: Some(true),
                        channel: None,
                        template: None,
                    },
                ],
                "staff:1",
            )
            .expect_err("invalid");
        let ReminderError::Validation(errors) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["rules[0].template", "rules[1].template", "rules[2].offset"]
        );
    }

    #[test]
    fn an_empty_change_list_is_refused_and_a_channel_change_rechecks_the_template() {
        let mut repo = MockReminderRepository::new();
        repo.expect_rules().returning(|| {
            let mut rules = all_rules();
            rules[3].template = "я".repeat(1_000);
            Ok(rules)
        });
        repo.expect_save_rules().never();
        let reminders = service(repo);
        assert!(matches!(
            reminders.update_rules(&[], "staff:1"),
            Err(ReminderError::Validation(_))
        ));
        let Err(ReminderError::Validation(errors)) = reminders.update_rules(
            &[RuleChange {
                offset: ReminderOffset::Week,
                enabled: None,
                channel: Some(Channel::Sms),
                template: None,
            }],
            "staff:1",
        ) else {
            panic!("expected a validation error")
        };
        assert_eq!(errors[0].field, "rules[0].channel");
    }

    #[test]
    fn a_valid_change_saves_only_the_listed_rules_and_returns_all_four() {
        let mut repo = MockReminderRepository::new();
        repo.expect_rules().returning(|| Ok(all_rules()));
        repo.expect_save_rules()
            .withf(|rules| {
                rules.len() == 1
                    && rules[0].offset == ReminderOffset::FourHours
                    && rules[0].enabled
                    && rules[0].channel == Channel::Email
                    && rules[0].template == "{client_name}, ждём вас {time}"
                    && rules[0].updated_by.as_deref() == Some("staff:1")
                    && rules[0].updated_at == Some(at(NOW))
            })
            .times(1)
            .returning(|_| Ok(()));
        let rules = service(repo)
            .update_rules(
                &[RuleChange {
                    offset: ReminderOffset::FourHours,
                    enabled: Some(true),
                    channel: Some(Channel::Email),
                    template: Some(" {client_name}, ждём вас {time} ".into()),
                }],
                "staff:1",
            )
            .expect("saved");
        assert_eq!(rules.len(), 4);
        assert!(rules[1].enabled);
        assert!(!rules[3].enabled);
    }

    #[test]
    fn storage_failures_surface() {
        let mut repo = MockReminderRepository::new();
        repo.expect_rules().returning(|| Err(RepoError::Busy));
        assert_eq!(
            service(repo).run(),
            Err(ReminderError::Storage(RepoError::Busy))
        );
    }
}
