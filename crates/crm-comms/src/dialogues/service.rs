//! [`Dialogues`]: the dialogue use cases — a client's message from the Mini App, a staff reply
//! through a chosen channel, the registry and one client's conversation, and group sends.

use crate::campaigns::model::{render, Audience, ChannelReach, Purpose, OPT_OUT_FOOTER};
use crate::campaigns::ports::AudienceQuery;
use crate::campaigns::CampaignRepository;
use crate::delivery::{DeliverySource, NewDelivery};
use crate::dialogues::error::DialogueError;
use crate::dialogues::model::{
    text_limit, validate_inbound_text, validate_outbound_text, validate_recipients, Direction,
    GroupRecipients, GroupSend, GroupSendReport, Message, MessageFilter, MessageSource, NewMessage,
    Reply, MAX_NAME_FILTER_CHARS,
};
use crate::dialogues::ports::{DialogueRepository, GroupSendCounts, NewGroupSend, StoredGroupSend};
use crm_core::{
    Actor, CampaignId, ClientId, Clock, EmployeeId, FieldError, MessageId, Page, PageRequest,
    RepoError, Timestamp, Validation,
};

/// The registry's storage error: `NotFound` there means the `before` message does not exist.
fn cursor_error(e: RepoError) -> DialogueError {
    match e {
        RepoError::NotFound => {
            DialogueError::Validation(vec![FieldError::new("before", "no message with that id")])
        }
        other => other.into(),
    }
}

/// Recipients read and queued per batch of a group send (one short transaction each).
pub const GROUP_BATCH: u32 = 500;
/// How long after its creation an unfinished group send counts as interrupted (the server
/// stopped mid-way): a retry under its key then resumes it instead of being refused as in
/// progress.
pub const GROUP_SEND_STALE: std::time::Duration = std::time::Duration::from_secs(120);
/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// The dialogue use cases over message storage `R`, the audience query of the campaigns `A`
/// (segments, consents and contacts of group sends) and a clock.
#[derive(Debug, Clone)]
pub struct Dialogues<R, A, C> {
    repo: R,
    audience: A,
    clock: C,
}

impl<R: DialogueRepository, A: CampaignRepository, C: Clock> Dialogues<R, A, C> {
    /// The use cases over these ports.
    pub fn new(repo: R, audience: A, clock: C) -> Self {
        Self {
            repo,
            audience,
            clock,
        }
    }

    /// Stores a client's message from the Mini App (channel Telegram) and marks their
    /// conversation unanswered.
    pub fn receive(&self, client_id: ClientId, text: &str) -> Result<Message, DialogueError> {
        let mut v = Validation::new();
        validate_inbound_text(text, &mut v);
        v.finish().map_err(DialogueError::Validation)?;
        if !self.repo.client_exists(client_id)? {
            return Err(DialogueError::ClientNotFound);
        }
        let message = NewMessage {
            client_id,
            direction: Direction::Inbound,
            channel: crm_core::Channel::Telegram,
            text: text.trim().to_owned(),
            author: None,
            source: MessageSource::App,
            group_send_id: None,
        };
        Ok(self.repo.insert_inbound(&message, self.clock.now())?)
    }

    /// Sends one message to a client through `reply.channel`: the client must exist, have
    /// consented to the processing of personal data (a reply is transactional: the client
    /// wrote first) and have an address on the channel. The message and its delivery are
    /// stored together; a retry with the same `idempotency_key` sends nothing twice and returns
    /// the first message.
    pub fn reply(
        &self,
        reply: Reply,
        author: EmployeeId,
        idempotency_key: Option<String>,
    ) -> Result<Message, DialogueError> {
        let mut v = Validation::new();
        validate_outbound_text(reply.channel, &reply.text, false, &mut v);
        validate_idempotency_key(idempotency_key.as_deref(), &mut v);
        if reply.source == MessageSource::App || reply.source == MessageSource::GroupSend {
            v.add("source", "a reply is an admin reply or a feedback answer");
        }
        v.finish().map_err(DialogueError::Validation)?;
        let contact = self
            .repo
            .contact(reply.client_id, reply.channel)?
            .ok_or(DialogueError::ClientNotFound)?;
        if !contact.consent_personal_data {
            return Err(DialogueError::NoConsent);
        }
        let address = contact.address.ok_or(DialogueError::NoContact {
            channel: reply.channel,
        })?;
        let now = self.clock.now();
        let text = reply.text.trim().to_owned();
        let message = NewMessage {
            client_id: reply.client_id,
            direction: Direction::Outbound,
            channel: reply.channel,
            text: text.clone(),
            author: Some(author),
            source: reply.source,
            group_send_id: None,
        };
        let delivery = NewDelivery {
            source: DeliverySource::Dialogue,
            campaign_id: None,
            client_id: reply.client_id,
            channel: reply.channel,
            recipient: address,
            text,
            image_url: None,
            buttons: Vec::new(),
            step: 0,
            not_before: now,
            dedupe_key: idempotency_key
                .map(|k| format!("dialogue:reply:{}:{}", reply.client_id.get(), k.trim()))
                .unwrap_or_default(),
        };
        Ok(self.repo.insert_outbound(&message, &delivery, now)?)
    }

    /// The registry: messages matching `filter`, newest first. The name fragment is trimmed
    /// and lower-cased (Unicode-aware, Cyrillic included).
    pub fn list(
        &self,
        mut filter: MessageFilter,
        page: PageRequest,
    ) -> Result<Page<Message>, DialogueError> {
        let mut v = Validation::new();
        if let Some(name) = filter.name.take() {
            let name = crm_core::search_key(name.trim());
            let chars = name.chars().count();
            if chars > MAX_NAME_FILTER_CHARS {
                v.add("name", "at most 100 characters");
            }
            filter.name = (!name.is_empty()).then_some(name);
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from >= to {
                v.add("from", "must be earlier than to");
            }
        }
        v.finish().map_err(DialogueError::Validation)?;
        self.repo.list(&filter, page).map_err(cursor_error)
    }

    /// One client's whole conversation, newest first; `before` pages on from a message (the
    /// rows strictly older than it).
    pub fn conversation(
        &self,
        client_id: ClientId,
        before: Option<MessageId>,
        page: PageRequest,
    ) -> Result<Page<Message>, DialogueError> {
        if !self.repo.client_exists(client_id)? {
            return Err(DialogueError::ClientNotFound);
        }
        let filter = MessageFilter {
            client_id: Some(client_id),
            before,
            ..MessageFilter::default()
        };
        self.repo.list(&filter, page).map_err(cursor_error)
    }

    /// Sends one message to a list of clients or a segment through the delivery queue, in
    /// batches. Each client is queued or skipped: without the consent the purpose needs
    /// (advertising: personal data, marketing and the channel's own consent; transactional:
    /// personal data), without an address on the channel, (advertising) over the
    /// touch-frequency cap, or because the text with their name and balance filled in (and
    /// the opt-out footer) is over the channel's limit. Unknown listed clients are refused
    /// (nothing is sent); no recipients at all is refused. With an `idempotency_key`, a retry
    /// of the same request answers the first outcome and queues nothing again; another
    /// request under the key is refused. A retry of a send still unfinished
    /// [`GROUP_SEND_STALE`] after it was created (the server stopped mid-way) resumes it: the
    /// batches run again under the same group send, the dedupe key of each delivery making the
    /// clients queued already a no-op, and the send is finished; a retry sooner is refused as
    /// in progress. `queued` is always the number of the send's messages in storage.
    pub fn send_group(
        &self,
        send: GroupSend,
        author: EmployeeId,
        idempotency_key: Option<String>,
    ) -> Result<GroupSendReport, DialogueError> {
        let advertising = send.purpose == Purpose::Advertising;
        let mut v = Validation::new();
        validate_outbound_text(send.channel, &send.text, advertising, &mut v);
        validate_recipients(&send.recipients, &mut v);
        validate_idempotency_key(idempotency_key.as_deref(), &mut v);
        v.finish().map_err(DialogueError::Validation)?;
        let idempotency_key = idempotency_key.map(|k| k.trim().to_owned());
        let fingerprint = send.fingerprint();
        let now = self.clock.now();
        // The interrupted send this retry resumes. Two retries resuming it at once are
        // harmless: every client's delivery has the unique dedupe key
        // `dialogue:group:<id>:client:<id>`, so each client is queued once whichever run gets
        // there first, and both runs finish with the count of the messages stored.
        let mut resumed = None;
        if let Some(key) = &idempotency_key {
            if let Some(stored) = self.repo.find_group_send(key)? {
                match retry(stored, &fingerprint, now)? {
                    Retry::Replay(report) => return Ok(report),
                    Retry::Resume(id) => resumed = Some(id),
                }
            }
        }
        let audience = match send.recipients {
            GroupRecipients::Clients(mut ids) => {
                ids.sort();
                ids.dedup();
                if ids.is_empty() {
                    return Err(DialogueError::NoRecipients);
                }
                Audience {
                    client_ids: ids,
                    ..Audience::default()
                }
            }
            GroupRecipients::Segment(audience) => {
                if audience == Audience::default() {
                    return Err(DialogueError::NoRecipients);
                }
                audience
            }
        };
        if !audience.client_ids.is_empty() {
            let missing = self.audience.missing_clients(&audience.client_ids)?;
            if !missing.is_empty() {
                return Err(DialogueError::UnknownClients(missing));
            }
        }
        let query = AudienceQuery {
            campaign_id: CampaignId(0),
            audience,
            purpose: send.purpose,
            now,
        };
        let reach = self
            .audience
            .reach(&query, &[send.channel])?
            .into_iter()
            .find(|r| r.channel == send.channel)
            .unwrap_or(ChannelReach {
                channel: send.channel,
                matching: 0,
                without_consent: 0,
                without_contact: 0,
                capped: 0,
                recipients: 0,
            });
        if reach.matching == 0 {
            return Err(DialogueError::NoRecipients);
        }
        let text = send.text.trim().to_owned();
        let group_send_id = match resumed {
            Some(id) => id,
            None => {
                let created = self.repo.create_group_send(
                    &NewGroupSend {
                        channel: send.channel,
                        purpose: send.purpose.code().to_owned(),
                        text: text.clone(),
                        created_by: Actor::Employee(author).to_string(),
                        idempotency_key: idempotency_key.clone(),
                        fingerprint: fingerprint.clone(),
                    },
                    now,
                )?;
                match created {
                    Some(id) => id,
                    None => {
                        // A concurrent request under the same key got there first.
                        let key = idempotency_key.as_deref().unwrap_or_default();
                        let stored = self
                            .repo
                            .find_group_send(key)?
                            .ok_or(DialogueError::GroupSendInProgress)?;
                        match retry(stored, &fingerprint, now)? {
                            Retry::Replay(report) => return Ok(report),
                            Retry::Resume(id) => id,
                        }
                    }
                }
            }
        };
        let limit = text_limit(send.channel);
        let mut too_long = 0_u64;
        let mut after = None;
        loop {
            let batch = self
                .audience
                .recipients(&query, send.channel, after, GROUP_BATCH)?;
            let Some(last) = batch.last() else { break };
            after = Some(last.client_id);
            let full = batch.len() == GROUP_BATCH as usize;
            let pairs: Vec<(NewMessage, NewDelivery)> = batch
                .into_iter()
                .filter_map(|r| {
                    let mut body = render(&text, &r.name, r.balance);
                    if advertising {
                        body.push_str(OPT_OUT_FOOTER);
                    }
                    if body.chars().count() > limit {
                        too_long += 1;
                        return None;
                    }
                    let message = NewMessage {
                        client_id: r.client_id,
                        direction: Direction::Outbound,
                        channel: send.channel,
                        text: body.clone(),
                        author: Some(author),
                        source: MessageSource::GroupSend,
                        group_send_id: Some(group_send_id),
                    };
                    let delivery = NewDelivery {
                        source: DeliverySource::Dialogue,
                        campaign_id: None,
                        client_id: r.client_id,
                        channel: send.channel,
                        recipient: r.address,
                        text: body,
                        image_url: None,
                        buttons: Vec::new(),
                        step: 0,
                        not_before: now,
                        dedupe_key: format!(
                            "dialogue:group:{group_send_id}:client:{}",
                            r.client_id.get()
                        ),
                    };
                    Some((message, delivery))
                })
                .collect();
            self.repo.queue_group_batch(group_send_id, &pairs, now)?;
            if !full {
                break;
            }
        }
        // Counted in storage, not summed over the batches: a resumed send's first run queued
        // some of its clients already.
        let queued = self.repo.count_group_messages(group_send_id)?;
        let counts = GroupSendCounts {
            requested: reach.matching,
            queued,
            skipped_no_consent: reach.without_consent,
            skipped_no_contact: reach.without_contact,
            skipped_capped: reach.capped,
            skipped_too_long: too_long,
        };
        self.repo.finish_group_send(group_send_id, &counts, now)?;
        Ok(GroupSendReport {
            group_send_id,
            requested: counts.requested,
            queued,
            skipped_no_consent: counts.skipped_no_consent,
            skipped_no_contact: counts.skipped_no_contact,
            skipped_capped: counts.skipped_capped,
            skipped_too_long: too_long,
        })
    }
}

/// Checks an `Idempotency-Key`: 1 to 200 characters.
fn validate_idempotency_key(key: Option<&str>, v: &mut Validation) {
    if let Some(key) = key {
        if key.trim().is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
            v.add("Idempotency-Key", "must be 1 to 200 characters");
        }
    }
}

/// What a group send retried under a key already used does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Answers the first outcome.
    Replay(GroupSendReport),
    /// Resumes the interrupted send with this id.
    Resume(i64),
}

/// The answer to a group send retried under a key already used: the first outcome for the
/// same request, a refusal for another one, a refusal while the first is still being queued,
/// or its resumption once it has been unfinished for longer than [`GROUP_SEND_STALE`].
fn retry(
    stored: StoredGroupSend,
    fingerprint: &str,
    now: Timestamp,
) -> Result<Retry, DialogueError> {
    if stored.fingerprint != fingerprint {
        return Err(DialogueError::IdempotencyKeyReused);
    }
    if let Some(report) = stored.report {
        return Ok(Retry::Replay(report));
    }
    let age_millis = now
        .unix_millis()
        .saturating_sub(stored.created_at.unix_millis());
    if u128::try_from(age_millis).is_ok_and(|age| age > GROUP_SEND_STALE.as_millis()) {
        Ok(Retry::Resume(stored.id))
    } else {
        Err(DialogueError::GroupSendInProgress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::model::{ChannelReach, Recipient};
    use crate::campaigns::ports::MockCampaignRepository;
    use crate::dialogues::model::{ClientContact, MessageStatus};
    use crate::dialogues::ports::MockDialogueRepository;
    use crm_core::{Channel, FixedClock, MessageId, Points, RepoError, Timestamp};

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_795_521_600).unwrap_or_else(|| unreachable!())
    }

    fn service(
        repo: MockDialogueRepository,
        audience: MockCampaignRepository,
    ) -> Dialogues<MockDialogueRepository, MockCampaignRepository, FixedClock> {
        Dialogues::new(repo, audience, FixedClock::new(now()))
    }

    fn stored(m: &NewMessage, status: MessageStatus) -> Message {
        Message {
            id: MessageId(1),
            client_id: m.client_id,
            client_name: "Ann".into(),
            direction: m.direction,
            channel: m.channel,
            text: m.text.clone(),
            author: m.author,
            source: m.source,
            status,
            reason: None,
            delivery_id: Some(9),
            group_send_id: m.group_send_id,
            created_at: now(),
            updated_at: now(),
        }
    }

    fn reply(channel: Channel, text: &str) -> Reply {
        Reply {
            client_id: ClientId(5),
            channel,
            text: text.into(),
            source: MessageSource::AdminReply,
        }
    }

    fn contact(consent: bool, address: Option<&str>) -> Option<ClientContact> {
        Some(ClientContact {
            name: "Ann".into(),
            consent_personal_data: consent,
            address: address.map(str::to_owned),
        })
    }

    #[test]
    fn a_reply_needs_personal_data_consent_and_a_contact_on_the_channel() {
        let mut repo = MockDialogueRepository::new();
        repo.expect_contact().returning(|_, channel| match channel {
            Channel::Email => Ok(contact(true, None)),
            Channel::Sms => Ok(contact(false, Some("+79160000000"))),
            _ => Ok(contact(true, Some("4242"))),
        });
        repo.expect_insert_outbound().times(1).returning(|m, d, _| {
            assert_eq!(d.recipient, "4242");
            assert_eq!(d.source, DeliverySource::Dialogue);
            assert_eq!(d.dedupe_key, "dialogue:reply:5:abc");
            assert_eq!(m.author, Some(EmployeeId(3)));
            Ok(stored(m, MessageStatus::Queued))
        });
        let s = service(repo, MockCampaignRepository::new());
        assert_eq!(
            s.reply(reply(Channel::Email, "hi"), EmployeeId(3), None),
            Err(DialogueError::NoContact {
                channel: Channel::Email
            })
        );
        assert_eq!(
            s.reply(reply(Channel::Sms, "hi"), EmployeeId(3), None),
            Err(DialogueError::NoConsent)
        );
        let sent = s
            .reply(
                reply(Channel::Telegram, " hi "),
                EmployeeId(3),
                Some("abc".into()),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent.text, "hi");
        assert_eq!(sent.status, MessageStatus::Queued);
    }

    #[test]
    fn reply_texts_follow_the_channel_limits_and_unknown_clients_are_refused() {
        let mut repo = MockDialogueRepository::new();
        repo.expect_contact().returning(|_, _| Ok(None));
        let s = service(repo, MockCampaignRepository::new());
        for (channel, text) in [
            (Channel::Telegram, String::new()),
            (Channel::Telegram, "  ".into()),
            (Channel::Telegram, "x".repeat(4_097)),
            (Channel::Email, "x".repeat(10_001)),
            (Channel::Sms, "я".repeat(671)),
            (Channel::Instagram, "x".repeat(1_001)),
            (Channel::Facebook, "x".repeat(2_001)),
            (Channel::Max, "x".repeat(4_001)),
            (Channel::Vk, "x".repeat(4_097)),
            (Channel::AppPush, "x".repeat(1_001)),
        ] {
            assert!(matches!(
                s.reply(reply(channel, &text), EmployeeId(1), None),
                Err(DialogueError::Validation(_))
            ));
        }
        assert_eq!(
            s.reply(
                reply(Channel::Email, &"x".repeat(5_000)),
                EmployeeId(1),
                None
            ),
            Err(DialogueError::ClientNotFound)
        );
    }

    #[test]
    fn an_inbound_message_is_checked_and_stored() {
        let mut repo = MockDialogueRepository::new();
        repo.expect_client_exists()
            .returning(|c| Ok(c == ClientId(5)));
        repo.expect_insert_inbound().times(1).returning(|m, _| {
            assert_eq!(m.direction, Direction::Inbound);
            assert_eq!(m.source, MessageSource::App);
            Ok(stored(m, MessageStatus::Received))
        });
        let s = service(repo, MockCampaignRepository::new());
        assert!(matches!(
            s.receive(ClientId(5), " "),
            Err(DialogueError::Validation(_))
        ));
        assert!(matches!(
            s.receive(ClientId(5), &"я".repeat(4_097)),
            Err(DialogueError::Validation(_))
        ));
        assert_eq!(
            s.receive(ClientId(6), "hi"),
            Err(DialogueError::ClientNotFound)
        );
        assert!(s.receive(ClientId(5), &"я".repeat(4_096)).is_ok());
    }

    #[test]
    fn only_replies_answer_a_conversation() {
        assert!(MessageSource::AdminReply.answers());
        assert!(MessageSource::FeedbackAnswer.answers());
        assert!(!MessageSource::GroupSend.answers());
        assert!(!MessageSource::App.answers());
    }

    #[test]
    fn the_registry_lower_cases_the_name() {
        let mut repo = MockDialogueRepository::new();
        repo.expect_list()
            .withf(|f, _| f.name.as_deref() == Some("смирнова"))
            .returning(|_, p| {
                Ok(Page {
                    items: vec![],
                    total: 0,
                    limit: p.limit(),
                    offset: p.offset(),
                })
            });
        let s = service(repo, MockCampaignRepository::new());
        let page = PageRequest::new(None, None).unwrap_or_else(|| unreachable!());
        let filter = MessageFilter {
            name: Some("  СМИРНОВА ".into()),
            ..MessageFilter::default()
        };
        assert!(s.list(filter, page).is_ok());
    }

    fn reach(matching: u64, without_consent: u64, without_contact: u64) -> ChannelReach {
        ChannelReach {
            channel: Channel::Telegram,
            matching,
            without_consent,
            without_contact,
            capped: 0,
            recipients: matching - without_consent - without_contact,
        }
    }

    fn group(recipients: GroupRecipients, purpose: Purpose) -> GroupSend {
        GroupSend {
            channel: Channel::Telegram,
            text: "Sale for {name}".into(),
            purpose,
            recipients,
        }
    }

    #[test]
    fn a_group_send_queues_the_reachable_and_counts_the_skipped() {
        let mut audience = MockCampaignRepository::new();
        audience.expect_missing_clients().returning(|_| Ok(vec![]));
        audience
            .expect_reach()
            .withf(|q, _| q.purpose == Purpose::Advertising && q.audience.client_ids.len() == 3)
            .returning(|_, _| Ok(vec![reach(3, 1, 1)]));
        audience
            .expect_recipients()
            .times(1)
            .returning(|_, _, _, _| {
                Ok(vec![Recipient {
                    client_id: ClientId(2),
                    name: "Bob".into(),
                    balance: Points::from_minor(0),
                    address: "42".into(),
                }])
            });
        let mut repo = MockDialogueRepository::new();
        repo.expect_create_group_send()
            .withf(|g, _| g.idempotency_key.is_none() && g.fingerprint.contains("clients:1,2,3"))
            .returning(|_, _| Ok(Some(11)));
        repo.expect_queue_group_batch()
            .times(1)
            .returning(|id, batch, _| {
                assert_eq!(id, 11);
                assert_eq!(batch.len(), 1);
                let (m, d) = &batch[0];
                assert!(m.text.starts_with("Sale for Bob"));
                assert!(m.text.ends_with(OPT_OUT_FOOTER));
                assert_eq!(d.dedupe_key, "dialogue:group:11:client:2");
                Ok(1)
            });
        repo.expect_count_group_messages()
            .withf(|id| *id == 11)
            .returning(|_| Ok(1));
        repo.expect_finish_group_send()
            .withf(|id, c, _| *id == 11 && c.queued == 1 && c.skipped_no_consent == 1)
            .returning(|_, _, _| Ok(()));
        let s = service(repo, audience);
        let report = s
            .send_group(
                group(
                    GroupRecipients::Clients(vec![
                        ClientId(3),
                        ClientId(2),
                        ClientId(1),
                        ClientId(2),
                    ]),
                    Purpose::Advertising,
                ),
                EmployeeId(1),
                None,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (
                report.requested,
                report.queued,
                report.skipped_no_consent,
                report.skipped_no_contact
            ),
            (3, 1, 1, 1)
        );
    }

    #[test]
    fn a_group_send_without_recipients_or_with_unknown_clients_writes_nothing() {
        let mut audience = MockCampaignRepository::new();
        audience
            .expect_missing_clients()
            .returning(|ids| Ok(ids.iter().copied().filter(|i| i.get() > 100).collect()));
        audience
            .expect_reach()
            .returning(|_, _| Ok(vec![reach(0, 0, 0)]));
        let s = service(MockDialogueRepository::new(), audience);
        assert_eq!(
            s.send_group(
                group(GroupRecipients::Clients(vec![]), Purpose::Transactional),
                EmployeeId(1),
                None
            ),
            Err(DialogueError::NoRecipients)
        );
        assert_eq!(
            s.send_group(
                group(
                    GroupRecipients::Segment(Audience::default()),
                    Purpose::Transactional
                ),
                EmployeeId(1),
                None
            ),
            Err(DialogueError::NoRecipients)
        );
        assert_eq!(
            s.send_group(
                group(
                    GroupRecipients::Clients(vec![ClientId(1), ClientId(101)]),
                    Purpose::Transactional
                ),
                EmployeeId(1),
                None
            ),
            Err(DialogueError::UnknownClients(vec![ClientId(101)]))
        );
        let vip = Audience {
            tags: vec!["vip".into()],
            ..Audience::default()
        };
        assert_eq!(
            s.send_group(
                group(GroupRecipients::Segment(vip), Purpose::Advertising),
                EmployeeId(1),
                None
            ),
            Err(DialogueError::NoRecipients)
        );
        let mut long = group(
            GroupRecipients::Clients(vec![ClientId(1)]),
            Purpose::Advertising,
        );
        long.text = "x".repeat(4_050);
        assert!(matches!(
            s.send_group(long, EmployeeId(1), None),
            Err(DialogueError::Validation(_))
        ));
    }

    #[test]
    fn every_channel_has_its_documented_limit() {
        let limits: Vec<(Channel, usize)> = Channel::ALL
            .into_iter()
            .map(|c| (c, text_limit(c)))
            .collect();
        assert_eq!(
            limits,
            vec![
                (Channel::Telegram, 4_096),
                (Channel::Email, 10_000),
                (Channel::Sms, 670),
                (Channel::Vk, 4_096),
                (Channel::Instagram, 1_000),
                (Channel::Facebook, 2_000),
                (Channel::Max, 4_000),
                (Channel::AppPush, 1_000),
            ]
        );
        let mut v = Validation::new();
        validate_outbound_text(Channel::Sms, &"я".repeat(671), false, &mut v);
        let errors = v.finish().err().unwrap_or_default();
        assert_eq!(errors[0].field, "text");
        assert!(errors[0].message.contains("sms limit of 670"), "{errors:?}");
        let mut v = Validation::new();
        validate_outbound_text(
            Channel::Sms,
            &format!(" {} ", "я".repeat(670)),
            false,
            &mut v,
        );
        assert!(v.finish().is_ok());
    }

    fn one_recipient(name: &str) -> Recipient {
        Recipient {
            client_id: ClientId(2),
            name: name.into(),
            balance: Points::from_minor(0),
            address: "42".into(),
        }
    }

    #[test]
    fn a_client_whose_personalised_text_is_too_long_is_skipped_not_queued() {
        let mut audience = MockCampaignRepository::new();
        audience.expect_missing_clients().returning(|_| Ok(vec![]));
        audience
            .expect_reach()
            .returning(|_, _| Ok(vec![reach(2, 0, 0)]));
        audience
            .expect_recipients()
            .times(1)
            .returning(|_, _, _, _| {
                let mut long = one_recipient("Константин Константинопольский");
                long.client_id = ClientId(3);
                Ok(vec![one_recipient("Bo"), long])
            });
        let mut repo = MockDialogueRepository::new();
        repo.expect_create_group_send()
            .returning(|_, _| Ok(Some(11)));
        repo.expect_queue_group_batch()
            .times(1)
            .returning(|_, batch, _| {
                assert_eq!(batch.len(), 1);
                assert_eq!(batch[0].0.client_id, ClientId(2));
                assert_eq!(batch[0].0.text.chars().count(), 4_092);
                Ok(1)
            });
        repo.expect_count_group_messages().returning(|_| Ok(1));
        repo.expect_finish_group_send()
            .withf(|_, c, _| c.queued == 1 && c.skipped_too_long == 1)
            .returning(|_, _, _| Ok(()));
        let s = service(repo, audience);
        let mut send = group(
            GroupRecipients::Clients(vec![ClientId(2), ClientId(3)]),
            Purpose::Transactional,
        );
        send.text = format!("{}{{name}}", "x".repeat(4_090));
        let report = s
            .send_group(send, EmployeeId(1), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.queued, report.skipped_too_long), (1, 1));
    }

    #[test]
    fn a_group_send_retried_under_its_key_answers_the_first_outcome() {
        let first = GroupSendReport {
            group_send_id: 11,
            requested: 1,
            queued: 1,
            ..GroupSendReport::default()
        };
        let send = group(
            GroupRecipients::Clients(vec![ClientId(2)]),
            Purpose::Transactional,
        );
        let fingerprint = send.fingerprint();
        let mut repo = MockDialogueRepository::new();
        repo.expect_find_group_send().returning(move |key| {
            Ok(match key {
                "done" => Some(StoredGroupSend {
                    id: 11,
                    created_at: now(),
                    fingerprint: fingerprint.clone(),
                    report: Some(first),
                }),
                "running" => Some(StoredGroupSend {
                    id: 12,
                    created_at: now(),
                    fingerprint: fingerprint.clone(),
                    report: None,
                }),
                _ => None,
            })
        });
        let s = service(repo, MockCampaignRepository::new());
        assert_eq!(
            s.send_group(send.clone(), EmployeeId(1), Some(" done ".into())),
            Ok(first)
        );
        let mut other = send.clone();
        other.text = "Another text".into();
        assert_eq!(
            s.send_group(other, EmployeeId(1), Some("done".into())),
            Err(DialogueError::IdempotencyKeyReused)
        );
        assert_eq!(
            s.send_group(send.clone(), EmployeeId(1), Some("running".into())),
            Err(DialogueError::GroupSendInProgress)
        );
        assert!(matches!(
            s.send_group(send, EmployeeId(1), Some("k".repeat(201))),
            Err(DialogueError::Validation(_))
        ));
    }

    #[test]
    fn an_interrupted_group_send_resumes_after_two_minutes_and_replays_once_finished() {
        let send = group(
            GroupRecipients::Clients(vec![ClientId(2), ClientId(3)]),
            Purpose::Transactional,
        );
        let fingerprint = send.fingerprint();
        let stored = move |created_at: Timestamp, report: Option<GroupSendReport>| {
            let fingerprint = fingerprint.clone();
            move |_: &str| {
                Ok(Some(StoredGroupSend {
                    id: 7,
                    created_at,
                    fingerprint: fingerprint.clone(),
                    report,
                }))
            }
        };
        let reached = || {
            let mut audience = MockCampaignRepository::new();
            audience.expect_missing_clients().returning(|_| Ok(vec![]));
            audience
                .expect_reach()
                .returning(|_, _| Ok(vec![reach(2, 0, 0)]));
            audience.expect_recipients().returning(|_, _, _, _| {
                let mut other = one_recipient("Cy");
                other.client_id = ClientId(3);
                Ok(vec![one_recipient("Bo"), other])
            });
            audience
        };

        // Created two minutes ago exactly: still in progress; nothing is queued.
        let mut repo = MockDialogueRepository::new();
        repo.expect_find_group_send()
            .returning(stored(now().plus_seconds(-120), None));
        let s = service(repo, MockCampaignRepository::new());
        assert_eq!(
            s.send_group(send.clone(), EmployeeId(1), Some("k".into())),
            Err(DialogueError::GroupSendInProgress)
        );

        // Older: resumed under the same id, with no new group send; one of the two clients was
        // queued by the interrupted run, so storage counts both.
        let mut repo = MockDialogueRepository::new();
        repo.expect_find_group_send()
            .returning(stored(now().plus_seconds(-121), None));
        repo.expect_create_group_send().never();
        repo.expect_queue_group_batch()
            .times(1)
            .returning(|id, batch, _| {
                assert_eq!(id, 7);
                let keys: Vec<&str> = batch.iter().map(|(_, d)| d.dedupe_key.as_str()).collect();
                assert_eq!(
                    keys,
                    ["dialogue:group:7:client:2", "dialogue:group:7:client:3"]
                );
                assert!(batch.iter().all(|(m, _)| m.group_send_id == Some(7)));
                Ok(1)
            });
        repo.expect_count_group_messages()
            .withf(|id| *id == 7)
            .returning(|_| Ok(2));
        repo.expect_finish_group_send()
            .times(1)
            .withf(|id, c, _| *id == 7 && c.requested == 2 && c.queued == 2)
            .returning(|_, _, _| Ok(()));
        let s = service(repo, reached());
        let report = s
            .send_group(send.clone(), EmployeeId(1), Some("k".into()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (report.group_send_id, report.requested, report.queued),
            (7, 2, 2)
        );

        // Another request under the stale key is still refused; a finished one replays.
        let mut repo = MockDialogueRepository::new();
        repo.expect_find_group_send()
            .returning(stored(now().plus_seconds(-3_600), None));
        let s = service(repo, MockCampaignRepository::new());
        let mut other = send.clone();
        other.text = "Another text".into();
        assert_eq!(
            s.send_group(other, EmployeeId(1), Some("k".into())),
            Err(DialogueError::IdempotencyKeyReused)
        );
        let mut repo = MockDialogueRepository::new();
        repo.expect_find_group_send()
            .returning(stored(now().plus_seconds(-3_600), Some(report)));
        let s = service(repo, MockCampaignRepository::new());
        assert_eq!(
            s.send_group(send, EmployeeId(1), Some("k".into())),
            Ok(report)
        );
    }

    #[test]
    fn storage_failures_surface() {
        let mut repo = MockDialogueRepository::new();
        repo.expect_client_exists()
            .returning(|_| Err(RepoError::Busy));
        let s = service(repo, MockCampaignRepository::new());
        assert_eq!(
            s.receive(ClientId(1), "hi"),
            Err(DialogueError::Repo(RepoError::Busy))
        );
    }
}
