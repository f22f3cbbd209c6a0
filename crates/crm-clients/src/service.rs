//! [`ClientBase`]: the use cases of the client base.

use crate::consent::{ConsentChanges, ConsentSet};
use crate::error::ClientError;
use crate::model::{
    Activity, Client, ClientCard, ClientFilter, ClientProfile, ClientQuery, ClientSearch,
    ClientUpdate, ClientUpdatePlan, ContactHandles, NewClient, NewClientRecord, TelegramProfile,
    DEFAULT_ACTIVITY_DAYS, MAX_HANDLE_CHARS, MAX_NAME_CHARS,
};
use crate::ports::ClientRepository;
use crm_core::{Actor, ClientId, Clock, FieldError, Page, PageRequest, Timestamp};

/// How many consent events a client card shows.
pub const CONSENT_HISTORY_ON_CARD: u32 = 50;
/// The longest chain of recommenders walked when checking for a cycle.
const MAX_CHAIN_WALK: usize = 10_000;
/// How often an update is recomputed when the client changes underneath it.
const UPDATE_ATTEMPTS: usize = 3;
/// Where a change came from, for the consent audit trail.
pub const SOURCE_ADMIN: &str = "admin";
/// A change made by the client in the Mini App.
pub const SOURCE_MINI_APP: &str = "mini_app";

/// The client base: registers, changes, finds and lists clients.
pub struct ClientBase<R, C> {
    repo: R,
    clock: C,
}

impl<R: ClientRepository, C: Clock> ClientBase<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// Registers a client by hand (admin panel).
    pub fn register(&self, command: NewClient, actor: Actor) -> Result<Client, ClientError> {
        let now = self.clock.now();
        self.check_profile(&command.profile, None, now)?;
        let mut consents = ConsentSet::default();
        let consent_events = consents.apply(&command.consents, now);
        let record = NewClientRecord {
            profile: command.profile,
            consents,
            consent_events,
            actor,
            source: SOURCE_ADMIN.to_owned(),
            at: now,
        };
        Ok(self.repo.insert(&record)?)
    }

    /// Changes a client card; only the named fields change. Consent changes are audited.
    pub fn update(
        &self,
        id: ClientId,
        update: ClientUpdate,
        actor: Actor,
        source: &str,
    ) -> Result<Client, ClientError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.repo.get(id)?.ok_or(ClientError::NotFound)?;
            let now = self.clock.now();
            let profile = current.profile.updated(update.clone());
            self.check_profile(&profile, Some(id), now)?;
            let mut consents = current.consents;
            let consent_events = consents.apply(&update.consents, now);
            let plan = ClientUpdatePlan {
                id,
                expected_version: current.version,
                profile,
                consents,
                consent_events,
                actor,
                source: source.to_owned(),
                at: now,
            };
            if let Some(updated) = self.repo.update(&plan)? {
                return Ok(updated);
            }
        }
        Err(ClientError::ConcurrentChange)
    }

    /// A client card with the latest consent changes.
    pub fn card(&self, id: ClientId) -> Result<ClientCard, ClientError> {
        let client = self.repo.get(id)?.ok_or(ClientError::NotFound)?;
        let consent_history = self.repo.consent_history(id, CONSENT_HISTORY_ON_CARD)?;
        Ok(ClientCard {
            client,
            consent_history,
        })
    }

    /// A page of the client base.
    pub fn list(
        &self,
        filter: ClientFilter,
        page: PageRequest,
    ) -> Result<Page<Client>, ClientError> {
        let query = self.resolve(filter)?;
        Ok(self.repo.list(&query, page)?)
    }

    /// Finds the client behind a verified Mini App user, creating them on first sight. The
    /// `start_param` attributes a new client to a recommender (`ref_<id>`) or a traffic
    /// channel (its code). Returns the client and whether it was created now.
    pub fn sign_in_from_telegram(
        &self,
        user: TelegramProfile,
    ) -> Result<(Client, bool), ClientError> {
        let telegram_id = user.telegram_id.get();
        if let Some(existing) = self.repo.find_by_telegram_id(telegram_id)? {
            return Ok((existing, false));
        }
        let now = self.clock.now();
        let (referrer_id, traffic_channel_id) = self.attribution(user.start_param.as_deref())?;
        let full_name = [Some(user.first_name.as_str()), user.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let profile = ClientProfile {
            full_name: truncate_chars(&full_name, MAX_NAME_CHARS),
            phone: None,
            telegram_id: Some(user.telegram_id),
            telegram_username: user
                .username
                .map(|u| truncate_chars(&u, MAX_HANDLE_CHARS))
                .filter(|u| !u.is_empty()),
            email: None,
            birthday: None,
            gender: None,
            handles: ContactHandles::default(),
            tags: Vec::new(),
            referrer_id,
            traffic_channel_id,
            notes: None,
        };
        let record = NewClientRecord {
            profile,
            consents: ConsentSet::default(),
            consent_events: Vec::new(),
            actor: Actor::System,
            source: SOURCE_MINI_APP.to_owned(),
            at: now,
        };
        Ok(self.repo.insert_or_get_by_telegram_id(&record)?)
    }

    /// Lets a client give or withdraw their own consents from the Mini App.
    pub fn change_own_consents(
        &self,
        id: ClientId,
        consents: ConsentChanges,
    ) -> Result<Client, ClientError> {
        self.update(
            id,
            ClientUpdate {
                consents,
                ..Default::default()
            },
            Actor::Client(id),
            SOURCE_MINI_APP,
        )
    }

    fn attribution(
        &self,
        start_param: Option<&str>,
    ) -> Result<(Option<ClientId>, Option<crm_core::TrafficChannelId>), ClientError> {
        let Some(param) = start_param.map(str::trim).filter(|p| !p.is_empty()) else {
            return Ok((None, None));
        };
        if let Some(id) = param
            .strip_prefix("ref_")
            .and_then(|id| id.parse::<i64>().ok())
        {
            let referrer = ClientId(id);
            return Ok((self.repo.exists(referrer)?.then_some(referrer), None));
        }
        Ok((None, self.repo.traffic_channel_by_code(param)?))
    }

    /// Rules that need the clock or storage: the birthday is in the past, the referrer and
    /// the traffic channel exist, nobody recommends themself, the name fits.
    fn check_profile(
        &self,
        profile: &ClientProfile,
        own_id: Option<ClientId>,
        now: Timestamp,
    ) -> Result<(), ClientError> {
        let mut errors = Vec::new();
        if profile.full_name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "full_name",
                "must be at most 200 characters",
            ));
        }
        if let Some(birthday) = profile.birthday {
            let today = now.as_offset_date_time().date();
            if birthday > today || birthday.year() < 1900 {
                errors.push(FieldError::new(
                    "birthday",
                    "must be a past date after 1900",
                ));
            }
        }
        if let Some(referrer) = profile.referrer_id {
            if Some(referrer) == own_id {
                errors.push(FieldError::new(
                    "referrer_id",
                    "a client cannot recommend themself",
                ));
            } else if !self.repo.exists(referrer)? {
                errors.push(FieldError::new("referrer_id", "no client with this id"));
            } else if let Some(own) = own_id {
                if self.recommended_by(referrer, own)? {
                    errors.push(FieldError::new(
                        "referrer_id",
                        "this client is among the recommenders' own recommendations: it would form a cycle",
                    ));
                }
            }
        }
        if let Some(channel) = profile.traffic_channel_id {
            if !self.repo.traffic_channel_exists(channel)? {
                errors.push(FieldError::new(
                    "traffic_channel_id",
                    "no traffic channel with this id",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ClientError::Validation(errors))
        }
    }

    /// Whether `client` is in the chain of recommenders above `start` (or is `start`).
    fn recommended_by(&self, start: ClientId, client: ClientId) -> Result<bool, ClientError> {
        let mut current = Some(start);
        // Chains are acyclic by this very rule; the bound only guards against bad data.
        for _ in 0..MAX_CHAIN_WALK {
            match current {
                None => return Ok(false),
                Some(id) if id == client => return Ok(true),
                Some(id) => current = self.repo.get(id)?.and_then(|c| c.profile.referrer_id),
            }
        }
        Ok(true)
    }

    fn resolve(&self, filter: ClientFilter) -> Result<ClientQuery, ClientError> {
        let mut query = ClientQuery {
            search: filter.search.as_deref().and_then(ClientSearch::parse),
            level_id: filter.level_id,
            tag: filter.tag,
            traffic_channel_id: filter.traffic_channel_id,
            consent: filter.consent,
            sort: filter.sort,
            ..Default::default()
        };
        let days = filter.activity_days.unwrap_or(DEFAULT_ACTIVITY_DAYS);
        if !(1..=3650).contains(&days) {
            return Err(ClientError::invalid(
                "activity_days",
                "must be between 1 and 3650",
            ));
        }
        let window_start = self.clock.now().plus_seconds(-i64::from(days) * 86_400);
        match filter.activity {
            Some(Activity::Active) => query.purchased_since = Some(window_start),
            Some(Activity::Dormant) => query.last_purchase_before = Some(window_start),
            Some(Activity::NeverPurchased) => query.never_purchased = true,
            None => {}
        }
        Ok(query)
    }
}

fn truncate_chars(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{ConsentKind, ConsentState};
    use crate::model::{LoyaltyFigures, Patch, TelegramId};
    use crate::ports::MockClientRepository;
    use crm_core::{FixedClock, Phone, RepoError, TrafficChannelId};
    use mockall::predicate::eq;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    const NOW: i64 = 1_790_000_000;

    fn profile(name: &str) -> ClientProfile {
        ClientProfile {
            full_name: name.into(),
            phone: None,
            telegram_id: None,
            telegram_username: None,
            email: None,
            birthday: None,
            gender: None,
            handles: ContactHandles::default(),
            tags: vec![],
            referrer_id: None,
            traffic_channel_id: None,
            notes: None,
        }
    }

    fn stored(record: &NewClientRecord, id: i64) -> Client {
        Client {
            id: ClientId(id),
            profile: record.profile.clone(),
            loyalty: LoyaltyFigures::default(),
            consents: record.consents,
            version: 0,
            created_at: record.at,
            updated_at: record.at,
        }
    }

    fn base(repo: MockClientRepository) -> ClientBase<MockClientRepository, FixedClock> {
        ClientBase::new(repo, FixedClock::new(at(NOW)))
    }

    #[test]
    fn registering_records_consents_with_the_time_and_actor() {
        let mut repo = MockClientRepository::new();
        repo.expect_insert()
            .withf(|r| {
                r.consents.personal_data
                    == ConsentState {
                        given: true,
                        changed_at: Some(at(NOW)),
                    }
                    && r.consent_events.len() == 2
                    && r.actor == Actor::Employee(crm_core::EmployeeId(4))
                    && r.source == "admin"
            })
            .times(1)
            .returning(|r| Ok(stored(r, 10)));
        let client = base(repo)
            .register(
                NewClient {
                    profile: profile("Анна"),
                    consents: ConsentChanges {
                        personal_data: Some(true),
                        marketing: Some(true),
                        ..Default::default()
                    },
                },
                Actor::Employee(crm_core::EmployeeId(4)),
            )
            .expect("registered");
        assert_eq!(client.id, ClientId(10));
        assert!(client.consents.marketing.given);
    }

    #[test]
    fn a_duplicate_phone_is_reported_by_field() {
        let mut repo = MockClientRepository::new();
        repo.expect_insert().returning(|_| {
            Err(RepoError::Conflict {
                field: Some("phone".into()),
                message: "taken".into(),
            })
        });
        let mut p = profile("Анна");
        p.phone = Some(Phone::parse("+79161234567").expect("valid"));
        let err = base(repo)
            .register(
                NewClient {
                    profile: p,
                    consents: ConsentChanges::default(),
                },
                Actor::System,
            )
            .expect_err("duplicate");
        assert_eq!(
            err,
            ClientError::Duplicate {
                field: "phone".into()
            }
        );
    }

    #[test]
    fn unknown_referrer_future_birthday_and_channel_are_refused_together() {
        let mut repo = MockClientRepository::new();
        repo.expect_exists()
            .with(eq(ClientId(99)))
            .returning(|_| Ok(false));
        repo.expect_traffic_channel_exists()
            .returning(|_| Ok(false));
        repo.expect_insert().never();
        let mut p = profile("Анна");
        p.referrer_id = Some(ClientId(99));
        p.traffic_channel_id = Some(TrafficChannelId(5));
        p.birthday = Some(time::macros::date!(2099 - 01 - 01));
        let err = base(repo)
            .register(
                NewClient {
                    profile: p,
                    consents: ConsentChanges::default(),
                },
                Actor::System,
            )
            .expect_err("invalid");
        let ClientError::Validation(fields) = err else {
            panic!("expected validation")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["birthday", "referrer_id", "traffic_channel_id"]);
    }

    #[test]
    fn an_update_retries_when_the_client_changed_meanwhile() {
        let mut repo = MockClientRepository::new();
        let original = stored(
            &NewClientRecord {
                profile: profile("Анна"),
                consents: ConsentSet::default(),
                consent_events: vec![],
                actor: Actor::System,
                source: "admin".into(),
                at: at(1),
            },
            7,
        );
        let mut seq = mockall::Sequence::new();
        let first = original.clone();
        repo.expect_get()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_| Ok(Some(first.clone())));
        repo.expect_update()
            .withf(|plan| plan.expected_version == 0)
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(None));
        let mut bumped = original.clone();
        bumped.version = 1;
        let second = bumped.clone();
        repo.expect_get()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_| Ok(Some(second.clone())));
        repo.expect_update()
            .withf(|plan| {
                plan.expected_version == 1
                    && plan.profile.full_name == "Анна Петрова"
                    && plan.consent_events.len() == 1
                    && plan.consent_events[0].kind == ConsentKind::Email
            })
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |plan| {
                let mut c = bumped.clone();
                c.profile = plan.profile.clone();
                c.consents = plan.consents;
                c.version = 2;
                Ok(Some(c))
            });
        let updated = base(repo)
            .update(
                ClientId(7),
                ClientUpdate {
                    full_name: Some("Анна Петрова".into()),
                    consents: ConsentChanges {
                        email: Some(true),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                Actor::System,
                SOURCE_ADMIN,
            )
            .expect("updated");
        assert_eq!(updated.version, 2);
        assert!(updated.consents.email.given);
    }

    #[test]
    fn a_client_cannot_recommend_themself() {
        let mut repo = MockClientRepository::new();
        let original = stored(
            &NewClientRecord {
                profile: profile("Анна"),
                consents: ConsentSet::default(),
                consent_events: vec![],
                actor: Actor::System,
                source: "admin".into(),
                at: at(1),
            },
            7,
        );
        repo.expect_get()
            .returning(move |_| Ok(Some(original.clone())));
        repo.expect_update().never();
        let err = base(repo)
            .update(
                ClientId(7),
                ClientUpdate {
                    referrer_id: Patch::Set(ClientId(7)),
                    ..Default::default()
                },
                Actor::System,
                SOURCE_ADMIN,
            )
            .expect_err("self referral");
        assert!(matches!(err, ClientError::Validation(f) if f[0].field == "referrer_id"));
    }

    #[test]
    fn a_referrer_below_the_client_would_form_a_cycle() {
        // 7 recommended 8, 8 recommended 9; making 9 the recommender of 7 closes a loop.
        let mut repo = MockClientRepository::new();
        let record = |id: i64, referrer: Option<i64>| {
            let mut c = stored(
                &NewClientRecord {
                    profile: profile("x"),
                    consents: ConsentSet::default(),
                    consent_events: vec![],
                    actor: Actor::System,
                    source: "admin".into(),
                    at: at(1),
                },
                id,
            );
            c.profile.referrer_id = referrer.map(ClientId);
            c
        };
        repo.expect_get().returning(move |id| {
            Ok(Some(match id.0 {
                7 => record(7, None),
                8 => record(8, Some(7)),
                _ => record(9, Some(8)),
            }))
        });
        repo.expect_exists().returning(|_| Ok(true));
        repo.expect_update().never();
        let err = base(repo)
            .update(
                ClientId(7),
                ClientUpdate {
                    referrer_id: Patch::Set(ClientId(9)),
                    ..Default::default()
                },
                Actor::System,
                SOURCE_ADMIN,
            )
            .expect_err("cycle");
        assert!(matches!(err, ClientError::Validation(f) if f[0].message.contains("cycle")));
    }

    #[test]
    fn updating_an_unknown_client_is_not_found() {
        let mut repo = MockClientRepository::new();
        repo.expect_get().returning(|_| Ok(None));
        let err = base(repo)
            .update(
                ClientId(1),
                ClientUpdate::default(),
                Actor::System,
                SOURCE_ADMIN,
            )
            .expect_err("missing");
        assert_eq!(err, ClientError::NotFound);
    }

    #[test]
    fn first_sign_in_creates_the_client_with_attribution() {
        let mut repo = MockClientRepository::new();
        repo.expect_find_by_telegram_id()
            .with(eq(279_058_397))
            .returning(|_| Ok(None));
        repo.expect_exists()
            .with(eq(ClientId(3)))
            .returning(|_| Ok(true));
        repo.expect_insert_or_get_by_telegram_id()
            .withf(|r| {
                r.profile.full_name == "Vladislav Kibenko"
                    && r.profile.referrer_id == Some(ClientId(3))
                    && r.profile.telegram_username.as_deref() == Some("vdkfrost")
                    && r.source == "mini_app"
            })
            .returning(|r| Ok((stored(r, 11), true)));
        let (client, created) = base(repo)
            .sign_in_from_telegram(TelegramProfile {
                telegram_id: TelegramId::new(279_058_397).expect("valid"),
                first_name: "Vladislav".into(),
                last_name: Some("Kibenko".into()),
                username: Some("vdkfrost".into()),
                start_param: Some("ref_3".into()),
            })
            .expect("signed in");
        assert!(created);
        assert_eq!(client.id, ClientId(11));
    }

    #[test]
    fn a_known_user_is_found_not_created_and_a_channel_code_attributes() {
        let mut repo = MockClientRepository::new();
        repo.expect_find_by_telegram_id().returning(|_| Ok(None));
        repo.expect_traffic_channel_by_code()
            .with(eq("instagram_bio"))
            .returning(|_| Ok(Some(TrafficChannelId(2))));
        repo.expect_insert_or_get_by_telegram_id()
            .withf(|r| {
                r.profile.traffic_channel_id == Some(TrafficChannelId(2))
                    && r.profile.referrer_id.is_none()
            })
            .returning(|r| Ok((stored(r, 12), false)));
        let (_, created) = base(repo)
            .sign_in_from_telegram(TelegramProfile {
                telegram_id: TelegramId::new(5).expect("valid"),
                first_name: "A".into(),
                last_name: None,
                username: None,
                start_param: Some("instagram_bio".into()),
            })
            .expect("signed in");
        assert!(
            !created,
            "a concurrent first sign-in returns the stored client"
        );
    }

    #[test]
    fn activity_becomes_time_bounds() {
        let mut repo = MockClientRepository::new();
        repo.expect_list()
            .withf(|q, _| q.purchased_since == Some(at(NOW - 30 * 86_400)) && !q.never_purchased)
            .returning(|_, page| {
                Ok(Page {
                    items: vec![],
                    total: 0,
                    limit: page.limit(),
                    offset: 0,
                })
            });
        let page = base(repo)
            .list(
                ClientFilter {
                    activity: Some(Activity::Active),
                    activity_days: Some(30),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .expect("listed");
        assert_eq!(page.total, 0);

        let repo = MockClientRepository::new();
        let err = base(repo)
            .list(
                ClientFilter {
                    activity_days: Some(0),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .expect_err("bad window");
        assert!(matches!(err, ClientError::Validation(_)));
    }
}
