//! [`TrafficChannels`]: the use cases of the traffic channels.

use crate::traffic::error::TrafficError;
use crate::traffic::model::{ChannelDefinition, ChannelReport, ChannelUpdate, NewChannelRecord};
use crate::traffic::ports::TrafficChannelRepository;
use crm_core::{Clock, Page, PageRequest, TrafficChannelId};

/// Traffic channels: list with figures, define, change, archive.
pub struct TrafficChannels<R, C> {
    repo: R,
    clock: C,
}

fn trimmed(definition: ChannelDefinition) -> ChannelDefinition {
    let trim = |v: Option<String>| v.map(|s| s.trim().to_owned());
    ChannelDefinition {
        name: definition.name.trim().to_owned(),
        code: definition.code,
        link: trim(definition.link),
        utm_source: trim(definition.utm_source),
        utm_medium: trim(definition.utm_medium),
        utm_campaign: trim(definition.utm_campaign),
    }
}

impl<R: TrafficChannelRepository, C: Clock> TrafficChannels<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// A page of channels with what each brought; archived ones only when asked.
    pub fn list(
        &self,
        include_archived: bool,
        page: PageRequest,
    ) -> Result<Page<ChannelReport>, TrafficError> {
        Ok(self.repo.list(include_archived, page)?)
    }

    /// Defines a channel. The code must be unique (also among archived channels).
    pub fn create(&self, definition: ChannelDefinition) -> Result<ChannelReport, TrafficError> {
        let definition = trimmed(definition);
        definition.validate().map_err(TrafficError::Validation)?;
        Ok(self.repo.insert(&NewChannelRecord {
            definition,
            at: self.clock.now(),
        })?)
    }

    /// Changes the named fields of a channel.
    pub fn update(
        &self,
        id: TrafficChannelId,
        update: ChannelUpdate,
    ) -> Result<ChannelReport, TrafficError> {
        let current = self.repo.get(id)?.ok_or(TrafficError::NotFound)?;
        let definition = trimmed(current.channel.definition.updated(update));
        definition.validate().map_err(TrafficError::Validation)?;
        self.repo
            .update(id, &definition, self.clock.now())?
            .ok_or(TrafficError::NotFound)
    }

    /// Archives a channel: it leaves the list and its code attributes nobody new; clients it
    /// brought keep it.
    pub fn archive(&self, id: TrafficChannelId) -> Result<ChannelReport, TrafficError> {
        self.repo
            .archive(id, self.clock.now())?
            .ok_or(TrafficError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Patch;
    use crate::traffic::model::{ChannelCode, ChannelStats, TrafficChannel};
    use crate::traffic::ports::MockTrafficChannelRepository;
    use crm_core::{FixedClock, RepoError, Timestamp};
    use mockall::predicate::eq;

    const NOW: i64 = 1_790_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    fn service(
        repo: MockTrafficChannelRepository,
    ) -> TrafficChannels<MockTrafficChannelRepository, FixedClock> {
        TrafficChannels::new(repo, FixedClock::new(at(NOW)))
    }

    fn definition(code: &str) -> ChannelDefinition {
        ChannelDefinition {
            name: " Instagram ".into(),
            code: ChannelCode::parse(code).expect("valid"),
            link: Some(" https://t.me/bot/app?startapp=insta ".into()),
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
        }
    }

    fn report(id: i64, definition: ChannelDefinition) -> ChannelReport {
        ChannelReport {
            channel: TrafficChannel {
                id: TrafficChannelId(id),
                definition,
                archived_at: None,
                created_at: at(1),
                updated_at: at(1),
            },
            stats: ChannelStats::default(),
        }
    }

    #[test]
    fn a_channel_is_stored_trimmed_and_a_taken_code_is_a_duplicate() {
        let mut repo = MockTrafficChannelRepository::new();
        repo.expect_insert()
            .withf(|r| {
                r.definition.name == "Instagram"
                    && r.definition.link.as_deref() == Some("https://t.me/bot/app?startapp=insta")
                    && r.at == at(NOW)
            })
            .times(1)
            .returning(|r| Ok(report(1, r.definition.clone())));
        repo.expect_insert()
            .withf(|r| r.definition.code.as_str() == "taken")
            .returning(|_| {
                Err(RepoError::Conflict {
                    field: Some("code".into()),
                    message: "code is already in use".into(),
                })
            });
        let channels = service(repo);
        let created = channels.create(definition("insta")).expect("created");
        assert_eq!(created.channel.id, TrafficChannelId(1));
        assert_eq!(
            channels.create(definition("taken")),
            Err(TrafficError::Duplicate {
                field: "code".into()
            })
        );
    }

    #[test]
    fn an_update_changes_only_named_fields_and_is_validated() {
        let mut repo = MockTrafficChannelRepository::new();
        repo.expect_get()
            .with(eq(TrafficChannelId(5)))
            .returning(|id| Ok(Some(report(id.get(), definition("insta")))));
        repo.expect_update()
            .withf(|id, d, when| {
                *id == TrafficChannelId(5)
                    && d.name == "Instagram"
                    && d.code.as_str() == "insta"
                    && d.utm_source.as_deref() == Some("ig")
                    && d.link.is_none()
                    && *when == at(NOW)
            })
            .times(1)
            .returning(|id, d, _| Ok(Some(report(id.get(), d.clone()))));
        let channels = service(repo);
        let updated = channels
            .update(
                TrafficChannelId(5),
                ChannelUpdate {
                    utm_source: Patch::Set("ig".into()),
                    link: Patch::Clear,
                    ..Default::default()
                },
            )
            .expect("updated");
        assert_eq!(updated.channel.definition.utm_source.as_deref(), Some("ig"));
        let err = channels
            .update(
                TrafficChannelId(5),
                ChannelUpdate {
                    link: Patch::Set("ftp://x".into()),
                    ..Default::default()
                },
            )
            .expect_err("bad link");
        assert!(matches!(err, TrafficError::Validation(e) if e[0].field == "link"));
    }

    #[test]
    fn unknown_channels_are_not_found() {
        let mut repo = MockTrafficChannelRepository::new();
        repo.expect_get().returning(|_| Ok(None));
        repo.expect_archive().returning(|_, _| Ok(None));
        let channels = service(repo);
        assert_eq!(
            channels.update(TrafficChannelId(1), ChannelUpdate::default()),
            Err(TrafficError::NotFound)
        );
        assert_eq!(
            channels.archive(TrafficChannelId(1)),
            Err(TrafficError::NotFound)
        );
    }
}
