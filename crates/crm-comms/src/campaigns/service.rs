//! [`Campaigns`]: the use cases of campaigns — create and edit, the five-step wizard, the
//! confirmation, launch (enqueueing deliveries in keyset batches; a message too long once
//! personalised is recorded as skipped, not queued), status changes (cancel,
//! archive, automatic completion), the scheduler pass of recurring campaigns, consent
//! withdrawals, tracking and statistics.

use crate::campaigns::error::CampaignError;
use crate::campaigns::model::{
    click_token, is_http_url, parse_click_token, render, text_limit, tracked_url, Audience,
    Campaign, CampaignDraft, CampaignStats, CampaignStatus, ChannelReach, Content, NewCampaign,
    Purpose, Recipient, Schedule, ScheduleKind, Section, TrackKind, TrackedEvent, WizardStep,
    OPT_OUT_FOOTER,
};
use crate::campaigns::ports::{AudienceQuery, CampaignRepository, SkipReason, SkippedMessage};
use crate::delivery::{Button, DeliveryQueue, DeliverySource, NewDelivery};
use crm_core::{
    CampaignId, Channel, ClientId, Clock, FieldError, Page, PageRequest, Points, Timestamp,
    Validation,
};

/// Recipients read and deliveries enqueued per batch (one short transaction each).
pub const BATCH_SIZE: u32 = 1_000;

/// How long after a recurring campaign's occurrence is due the scheduler still enqueues it
/// (an hour): a server that was down longer skips that occurrence rather than send it late.
pub const OCCURRENCE_CATCH_UP_SECONDS: i64 = 3_600;

/// One message of the chain as step 4 shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewMessage {
    /// 0 for the first message, then the follow-ups.
    pub step: u16,
    /// Hours after the first message.
    pub after_hours: u32,
    /// The text as a sample client would get it.
    pub text: String,
}

/// Step 4: who will receive what, per channel, after consent filtering.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    /// The campaign.
    pub campaign: Campaign,
    /// Per channel.
    pub channels: Vec<ChannelReach>,
    /// Deliveries the launch will enqueue (recipients per channel × messages in the chain).
    pub messages: u64,
    /// The messages, rendered for a sample client.
    pub preview: Vec<PreviewMessage>,
}

/// What a launch did.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchReport {
    /// The campaign after launch.
    pub campaign: Campaign,
    /// Deliveries created by this call (0 when a repeated launch found them all queued).
    pub enqueued: usize,
    /// Messages this call did not queue because the text, with the client's name and balance
    /// filled in and the opt-out footer of an advertising campaign, was over the channel's
    /// limit (reason `too_long`; 0 when a repeated launch had recorded them already).
    pub skipped_too_long: usize,
    /// Recipients per channel.
    pub channels: Vec<ChannelReach>,
}

/// A tracking report, from staff or from the Mini App.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRequest {
    /// The campaign (or from `token`).
    pub campaign_id: Option<CampaignId>,
    /// The delivery, when known.
    pub delivery_id: Option<i64>,
    /// The client (or from the delivery / `token` / the client's own token).
    pub client_id: Option<ClientId>,
    /// A click token (`crm_click` of a tracked link).
    pub token: Option<String>,
    /// What happened.
    pub kind: TrackKind,
    /// The followed link.
    pub url: Option<String>,
    /// Who reports it.
    pub source: String,
}

/// What one run of a campaign did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RunCounts {
    /// Deliveries created.
    enqueued: usize,
    /// Messages recorded as skipped `too_long`.
    skipped_too_long: usize,
}

/// The campaign use cases over storage, the delivery queue and a clock.
pub struct Campaigns<R, Q, C> {
    repo: R,
    queue: Q,
    clock: C,
}

fn launched(campaign: &Campaign) -> CampaignError {
    CampaignError::NotEditable(format!(
        "campaign {} is {} and can no longer be changed",
        campaign.id,
        campaign.status.code()
    ))
}

fn out_of_order(step: WizardStep, done: u8) -> CampaignError {
    let needed = step as u8 - 1;
    CampaignError::StepOutOfOrder(format!(
        "step {} needs steps 1 to {needed} first; steps done: {done}",
        step as u8
    ))
}

impl<R: CampaignRepository, Q: DeliveryQueue, C: Clock> Campaigns<R, Q, C> {
    /// The use cases over a repository, the delivery queue and a clock.
    pub fn new(repo: R, queue: Q, clock: C) -> Self {
        Self { repo, queue, clock }
    }

    fn find(&self, id: CampaignId) -> Result<Campaign, CampaignError> {
        self.repo.get(id)?.ok_or(CampaignError::NotFound)
    }

    fn editable(&self, id: CampaignId) -> Result<Campaign, CampaignError> {
        let campaign = self.find(id)?;
        if campaign.status != CampaignStatus::Draft {
            return Err(launched(&campaign));
        }
        Ok(campaign)
    }

    fn check_clients(&self, audience: &Audience) -> Result<(), CampaignError> {
        if audience.client_ids.is_empty() {
            return Ok(());
        }
        let missing = self.repo.missing_clients(&audience.client_ids)?;
        if missing.is_empty() {
            Ok(())
        } else {
            let ids: Vec<String> = missing.iter().map(ToString::to_string).collect();
            Err(CampaignError::Validation(vec![FieldError::new(
                "audience.client_ids",
                format!("unknown clients: {}", ids.join(", ")),
            )]))
        }
    }

    fn store(&self, mut campaign: Campaign) -> Result<Campaign, CampaignError> {
        campaign.updated_at = self.clock.now();
        if self.repo.save(&campaign, CampaignStatus::Draft)? {
            Ok(campaign)
        } else {
            Err(CampaignError::NotEditable(format!(
                "campaign {} was launched meanwhile",
                campaign.id
            )))
        }
    }

    fn trimmed(mut draft: CampaignDraft) -> CampaignDraft {
        draft.name = draft.name.trim().to_owned();
        draft.audience.tags = draft
            .audience
            .tags
            .iter()
            .map(|t| t.trim().to_owned())
            .collect();
        draft
    }

    /// Creates a complete campaign in one request (every part validated); it starts as a draft
    /// with the wizard's first three steps done.
    pub fn create(&self, draft: CampaignDraft, actor: &str) -> Result<Campaign, CampaignError> {
        let draft = Self::trimmed(draft);
        draft
            .validate(self.clock.now())
            .map_err(CampaignError::Validation)?;
        self.check_clients(&draft.audience)?;
        Ok(self.repo.insert(&NewCampaign {
            draft,
            wizard_step: 3,
            created_by: actor.to_owned(),
            at: self.clock.now(),
        })?)
    }

    /// Replaces a draft's definition (every part validated).
    pub fn update(&self, id: CampaignId, draft: CampaignDraft) -> Result<Campaign, CampaignError> {
        let mut campaign = self.editable(id)?;
        let draft = Self::trimmed(draft);
        draft
            .validate(self.clock.now())
            .map_err(CampaignError::Validation)?;
        self.check_clients(&draft.audience)?;
        campaign.draft = draft;
        campaign.wizard_step = 3;
        self.store(campaign)
    }

    /// Starts the wizard: a named draft with no audience, content or schedule yet.
    pub fn start_wizard(
        &self,
        name: String,
        purpose: Purpose,
        actor: &str,
    ) -> Result<Campaign, CampaignError> {
        let draft = CampaignDraft {
            name: name.trim().to_owned(),
            purpose,
            channels: Vec::new(),
            audience: Audience::default(),
            content: Content::default(),
            schedule: Schedule::default(),
        };
        let mut v = Validation::new();
        draft.validate_name(&mut v);
        v.finish().map_err(CampaignError::Validation)?;
        Ok(self.repo.insert(&NewCampaign {
            draft,
            wizard_step: 0,
            created_by: actor.to_owned(),
            at: self.clock.now(),
        })?)
    }

    /// Step 1: audience, channels and purpose.
    pub fn set_audience(
        &self,
        id: CampaignId,
        purpose: Purpose,
        channels: Vec<Channel>,
        audience: Audience,
    ) -> Result<Campaign, CampaignError> {
        let mut campaign = self.editable(id)?;
        let mut draft = campaign.draft.clone();
        draft.purpose = purpose;
        draft.channels = channels;
        draft.audience = audience;
        let draft = Self::trimmed(draft);
        let mut v = Validation::new();
        draft.validate_channels(&mut v);
        draft.audience.validate(&mut v);
        if campaign.wizard_step >= WizardStep::Content as u8 {
            draft
                .content
                .validate(&draft.channels, draft.purpose, &mut v);
        }
        v.finish().map_err(CampaignError::Validation)?;
        self.check_clients(&draft.audience)?;
        campaign.draft = draft;
        campaign.wizard_step = campaign.wizard_step.max(WizardStep::Audience as u8);
        self.store(campaign)
    }

    /// Step 2: content (needs step 1).
    pub fn set_content(&self, id: CampaignId, content: Content) -> Result<Campaign, CampaignError> {
        let mut campaign = self.editable(id)?;
        if campaign.wizard_step < WizardStep::Audience as u8 {
            return Err(out_of_order(WizardStep::Content, campaign.wizard_step));
        }
        let mut v = Validation::new();
        content.validate(&campaign.draft.channels, campaign.draft.purpose, &mut v);
        v.finish().map_err(CampaignError::Validation)?;
        campaign.draft.content = content;
        campaign.wizard_step = campaign.wizard_step.max(WizardStep::Content as u8);
        self.store(campaign)
    }

    /// Step 3: schedule (needs step 2).
    pub fn set_schedule(
        &self,
        id: CampaignId,
        schedule: Schedule,
    ) -> Result<Campaign, CampaignError> {
        let mut campaign = self.editable(id)?;
        if campaign.wizard_step < WizardStep::Content as u8 {
            return Err(out_of_order(WizardStep::Schedule, campaign.wizard_step));
        }
        let mut v = Validation::new();
        schedule.validate(self.clock.now(), &mut v);
        v.finish().map_err(CampaignError::Validation)?;
        campaign.draft.schedule = schedule;
        campaign.wizard_step = campaign.wizard_step.max(WizardStep::Schedule as u8);
        self.store(campaign)
    }

    fn query(&self, campaign: &Campaign) -> AudienceQuery {
        AudienceQuery {
            campaign_id: campaign.id,
            audience: campaign.draft.audience.clone(),
            purpose: campaign.draft.purpose,
            now: self.clock.now(),
        }
    }

    fn chain(campaign: &Campaign) -> Vec<(u16, u32, &str)> {
        let mut out = vec![(0u16, 0u32, campaign.draft.content.text.as_str())];
        let mut after = 0u32;
        for (i, f) in campaign.draft.content.follow_ups.iter().enumerate() {
            after = after.saturating_add(f.delay_hours);
            out.push((
                u16::try_from(i + 1).unwrap_or(u16::MAX),
                after,
                f.text.as_str(),
            ));
        }
        out
    }

    fn text_for(campaign: &Campaign, text: &str, name: &str, balance: Points) -> String {
        let mut text = render(text, name, balance);
        if campaign.draft.purpose == Purpose::Advertising {
            text.push_str(OPT_OUT_FOOTER);
        }
        text
    }

    /// Step 4: the audience per channel after consent, contact and cap filtering, and what
    /// will be sent (needs step 3; not on a launched campaign).
    pub fn confirmation(&self, id: CampaignId) -> Result<Confirmation, CampaignError> {
        let campaign = self.editable(id)?;
        if campaign.wizard_step < WizardStep::Schedule as u8 {
            return Err(out_of_order(WizardStep::Confirm, campaign.wizard_step));
        }
        let channels = self
            .repo
            .reach(&self.query(&campaign), &campaign.draft.channels)?;
        let chain = Self::chain(&campaign);
        let per_recipient = chain.len() as u64;
        let messages = channels.iter().map(|r| r.recipients * per_recipient).sum();
        let preview = chain
            .iter()
            .map(|(step, after, text)| PreviewMessage {
                step: *step,
                after_hours: *after,
                text: Self::text_for(&campaign, text, "Анна", Points::from_major(150)),
            })
            .collect();
        Ok(Confirmation {
            campaign,
            channels,
            messages,
            preview,
        })
    }

    /// Step 4 confirm: launches (or schedules) a draft whose steps are all done.
    pub fn confirm(&self, id: CampaignId) -> Result<LaunchReport, CampaignError> {
        let campaign = self.editable(id)?;
        self.launch_campaign(campaign)
    }

    /// Launches a campaign: a draft is validated, checked for a non-empty audience and marked
    /// running (or scheduled); then its deliveries are enqueued in batches. A repeated launch
    /// of a running or scheduled campaign resumes the enqueueing and creates only what is
    /// missing (dedupe keys), so nobody is messaged twice.
    pub fn launch(&self, id: CampaignId) -> Result<LaunchReport, CampaignError> {
        let campaign = self.find(id)?;
        self.launch_campaign(campaign)
    }

    fn launch_campaign(&self, mut campaign: Campaign) -> Result<LaunchReport, CampaignError> {
        let now = self.clock.now();
        match campaign.status {
            CampaignStatus::Draft => {
                if campaign.wizard_step < WizardStep::Schedule as u8 {
                    return Err(out_of_order(WizardStep::Confirm, campaign.wizard_step));
                }
                campaign
                    .draft
                    .validate(now)
                    .map_err(CampaignError::Validation)?;
            }
            CampaignStatus::Running | CampaignStatus::Scheduled => {}
            _ => return Err(launched(&campaign)),
        }
        let query = self.query(&campaign);
        let channels = self.repo.reach(&query, &campaign.draft.channels)?;
        if campaign.status == CampaignStatus::Draft {
            if channels.iter().all(|r| r.recipients == 0) {
                return Err(CampaignError::EmptyAudience);
            }
            campaign.status = match campaign.draft.schedule.kind {
                ScheduleKind::Now => CampaignStatus::Running,
                _ => CampaignStatus::Scheduled,
            };
            campaign.wizard_step = WizardStep::Confirm as u8;
            campaign.launched_at = Some(now);
            campaign = self.store(campaign)?;
        }
        let launched_at = campaign.launched_at.unwrap_or(now);
        let start = campaign.draft.schedule.first_send(launched_at);
        let run = self.enqueue_run(&campaign, &query, start)?;
        Ok(LaunchReport {
            campaign,
            enqueued: run.enqueued,
            skipped_too_long: run.skipped_too_long,
            channels,
        })
    }

    /// Enqueues one run of a campaign (every message of the chain for every recipient on every
    /// channel, the first at `start`) in keyset batches; existing dedupe keys are skipped. A
    /// message whose text, exactly as it would be sent, is over the channel's limit is not
    /// queued but recorded as skipped (`too_long`) under the same dedupe key.
    fn enqueue_run(
        &self,
        campaign: &Campaign,
        query: &AudienceQuery,
        start: Timestamp,
    ) -> Result<RunCounts, CampaignError> {
        let mut counts = RunCounts::default();
        for &channel in &campaign.draft.channels {
            let mut after = None;
            loop {
                let batch = self.repo.recipients(query, channel, after, BATCH_SIZE)?;
                let Some(last) = batch.last() else { break };
                after = Some(last.client_id);
                let mut deliveries = Vec::new();
                let mut skipped = Vec::new();
                for r in &batch {
                    self.deliveries_for(campaign, channel, r, start, &mut deliveries, &mut skipped);
                }
                if !skipped.is_empty() {
                    counts.skipped_too_long +=
                        self.repo.record_skips(&skipped, self.clock.now())?;
                }
                if !deliveries.is_empty() {
                    counts.enqueued += self.queue.enqueue(&deliveries, self.clock.now())?;
                }
                if batch.len() < BATCH_SIZE as usize {
                    break;
                }
            }
        }
        Ok(counts)
    }

    /// The scheduler pass of recurring (daily/weekly) campaigns, run by the server's background
    /// loop: for every launched recurring campaign (scheduled or running) whose latest
    /// occurrence is due and at most [`OCCURRENCE_CATCH_UP_SECONDS`] old, that occurrence is
    /// enqueued (a scheduled one becomes running). The dedupe keys carry the occurrence's date,
    /// so passes repeated within the catch-up window, restarts and crashes mid-enqueue only add
    /// what is missing: each occurrence reaches each recipient once. Returns how many
    /// deliveries were created (messages too long once personalised are recorded as skipped
    /// and show in the campaign's statistics).
    pub fn schedule_recurring(&self) -> Result<usize, CampaignError> {
        let now = self.clock.now();
        let mut enqueued = 0;
        for mut campaign in self.repo.recurring()? {
            let Some(occurrence) = campaign.draft.schedule.due_occurrence(now) else {
                continue;
            };
            if now.unix_seconds() - occurrence.unix_seconds() > OCCURRENCE_CATCH_UP_SECONDS {
                continue;
            }
            if campaign.status == CampaignStatus::Scheduled {
                campaign.status = CampaignStatus::Running;
                campaign.updated_at = now;
                if !self.repo.save(&campaign, CampaignStatus::Scheduled)? {
                    continue;
                }
            }
            let query = self.query(&campaign);
            enqueued += self.enqueue_run(&campaign, &query, occurrence)?.enqueued;
        }
        Ok(enqueued)
    }

    /// The messages of the chain for one recipient on one channel: those that fit the channel's
    /// limit go to `deliveries`, the others to `skipped`.
    fn deliveries_for(
        &self,
        campaign: &Campaign,
        channel: Channel,
        recipient: &Recipient,
        start: Timestamp,
        deliveries: &mut Vec<NewDelivery>,
        skipped: &mut Vec<SkippedMessage>,
    ) {
        let token = click_token(campaign.id, recipient.client_id);
        let run = match campaign.draft.schedule.kind {
            ScheduleKind::Daily | ScheduleKind::Weekly => {
                format!(":run:{}", start.as_offset_date_time().date())
            }
            _ => String::new(),
        };
        let buttons: Vec<Button> = campaign
            .draft
            .content
            .buttons
            .iter()
            .map(|b| Button {
                text: b.text.clone(),
                url: tracked_url(&b.url, &token),
            })
            .collect();
        let limit = text_limit(channel);
        for (step, after_hours, text) in Self::chain(campaign) {
            let text = Self::text_for(campaign, text, &recipient.name, recipient.balance);
            let dedupe_key = format!(
                "campaign:{}:client:{}:{}:step:{step}{run}",
                campaign.id,
                recipient.client_id,
                channel.code()
            );
            let chars = text.chars().count();
            if chars > limit {
                skipped.push(SkippedMessage {
                    campaign_id: campaign.id,
                    client_id: recipient.client_id,
                    channel,
                    step,
                    reason: SkipReason::TooLong,
                    chars: chars as u64,
                    dedupe_key,
                });
                continue;
            }
            deliveries.push(NewDelivery {
                source: DeliverySource::Campaign,
                campaign_id: Some(campaign.id),
                client_id: recipient.client_id,
                channel,
                recipient: recipient.address.clone(),
                text,
                image_url: if step == 0 {
                    campaign.draft.content.image_url.clone()
                } else {
                    None
                },
                buttons: buttons.clone(),
                step,
                not_before: start.plus_seconds(i64::from(after_hours) * 3_600),
                dedupe_key,
            });
        }
    }

    /// One campaign.
    pub fn get(&self, id: CampaignId) -> Result<Campaign, CampaignError> {
        self.repo.complete_finished(self.clock.now())?;
        self.find(id)
    }

    /// Changes a campaign's status by hand: `cancelled` from draft, scheduled or running (its
    /// queued deliveries fail with reason `campaign_cancelled`), `archived` from completed,
    /// cancelled or draft. Any other change is refused with
    /// [`CampaignError::InvalidTransition`]; a running campaign whose deliveries are all done
    /// is completed first, so it can be archived at once.
    pub fn change_status(
        &self,
        id: CampaignId,
        target: CampaignStatus,
    ) -> Result<Campaign, CampaignError> {
        let now = self.clock.now();
        self.repo.complete_finished(now)?;
        let mut campaign = self.find(id)?;
        let from = campaign.status;
        let allowed = match target {
            CampaignStatus::Cancelled => matches!(
                from,
                CampaignStatus::Draft | CampaignStatus::Scheduled | CampaignStatus::Running
            ),
            CampaignStatus::Archived => matches!(
                from,
                CampaignStatus::Completed | CampaignStatus::Cancelled | CampaignStatus::Draft
            ),
            _ => false,
        };
        if !allowed {
            let hint = match target {
                CampaignStatus::Cancelled => {
                    "only a draft, scheduled or running campaign can be cancelled"
                }
                CampaignStatus::Archived => {
                    "only a completed, cancelled or draft campaign can be archived"
                }
                _ => "only cancelled or archived can be set by hand",
            };
            return Err(CampaignError::InvalidTransition(format!(
                "campaign {} is {} and cannot become {}: {hint}",
                campaign.id,
                from.code(),
                target.code()
            )));
        }
        let changed = if target == CampaignStatus::Cancelled {
            self.repo.cancel(id, from, now)?.is_some()
        } else {
            campaign.status = target;
            campaign.updated_at = now;
            self.repo.save(&campaign, from)?
        };
        if !changed {
            return Err(CampaignError::InvalidTransition(format!(
                "campaign {} changed status meanwhile; read it again",
                campaign.id
            )));
        }
        self.find(id)
    }

    /// A page of campaigns of one section (or all), newest first. Running campaigns whose
    /// deliveries are all done are marked completed first.
    pub fn list(
        &self,
        section: Option<Section>,
        page: PageRequest,
    ) -> Result<Page<Campaign>, CampaignError> {
        self.repo.complete_finished(self.clock.now())?;
        Ok(self.repo.list(section, page)?)
    }

    /// The campaign and its figures.
    pub fn stats(&self, id: CampaignId) -> Result<(Campaign, CampaignStats), CampaignError> {
        self.repo.complete_finished(self.clock.now())?;
        let campaign = self.find(id)?;
        let stats = self.repo.stats(id)?;
        Ok((campaign, stats))
    }

    /// Records an open, click or conversion, after checking that the campaign, the delivery
    /// and the client exist and belong together.
    pub fn track(&self, request: TrackRequest) -> Result<TrackedEvent, CampaignError> {
        let mut campaign_id = request.campaign_id;
        let mut client_id = request.client_id;
        if let Some(token) = &request.token {
            let (c, k) = parse_click_token(token).ok_or_else(|| {
                CampaignError::Validation(vec![FieldError::new(
                    "token",
                    "is not a click token of a campaign link",
                )])
            })?;
            if campaign_id.is_some_and(|id| id != c) || client_id.is_some_and(|id| id != k) {
                return Err(CampaignError::Validation(vec![FieldError::new(
                    "token",
                    "belongs to another campaign or client",
                )]));
            }
            campaign_id = Some(c);
            client_id = Some(k);
        }
        if let Some(url) = &request.url {
            if !is_http_url(url) {
                return Err(CampaignError::Validation(vec![FieldError::new(
                    "url",
                    "must be an http or https link",
                )]));
            }
        }
        let owner = match request.delivery_id {
            Some(delivery) => Some(
                self.repo
                    .delivery_owner(delivery)?
                    .ok_or(CampaignError::DeliveryNotFound)?,
            ),
            None => None,
        };
        let campaign_id = match (campaign_id, owner.and_then(|o| o.campaign_id)) {
            (Some(id), _) => id,
            (None, Some(id)) => id,
            (None, None) => {
                return Err(CampaignError::Validation(vec![FieldError::new(
                    "campaign_id",
                    "is required (or a delivery_id or token of a campaign)",
                )]))
            }
        };
        self.find(campaign_id)?;
        if let Some(owner) = owner {
            if owner.campaign_id != Some(campaign_id)
                || client_id.is_some_and(|c| c != owner.client_id)
            {
                return Err(CampaignError::DeliveryNotFound);
            }
            client_id = Some(owner.client_id);
        }
        let client_id = client_id.ok_or_else(|| {
            CampaignError::Validation(vec![FieldError::new(
                "client_id",
                "is required (or a delivery_id or token)",
            )])
        })?;
        if !self.repo.missing_clients(&[client_id])?.is_empty() {
            return Err(CampaignError::Validation(vec![FieldError::new(
                "client_id",
                "unknown client",
            )]));
        }
        let event = TrackedEvent {
            campaign_id,
            delivery_id: request.delivery_id,
            client_id,
            kind: request.kind,
            url: request.url,
            source: request.source,
            at: self.clock.now(),
        };
        self.repo.record_event(&event)?;
        Ok(event)
    }

    /// Takes an opt-out into effect at once: the client's queued advertising deliveries fail
    /// with reason `opted_out` (the consent itself is withdrawn through the client base).
    pub fn opt_out(&self, client_id: ClientId) -> Result<usize, CampaignError> {
        Ok(self
            .repo
            .withdraw_advertising(client_id, self.clock.now())?)
    }

    /// Takes a withdrawn channel consent (SMS, e-mail, app push) into effect at once: the
    /// client's queued advertising deliveries on those channels fail with reason `opted_out`.
    /// Nothing is touched when no channel is given.
    pub fn withdraw_channels(
        &self,
        client_id: ClientId,
        channels: &[Channel],
    ) -> Result<usize, CampaignError> {
        if channels.is_empty() {
            return Ok(0);
        }
        Ok(self
            .repo
            .withdraw_advertising_on(client_id, channels, self.clock.now())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::model::{FollowUp, Recipient};
    use crate::campaigns::ports::{DeliveryOwner, MockCampaignRepository};
    use crate::delivery::MockDeliveryQueue;
    use crm_core::{FixedClock, Money};
    use std::sync::{Arc, Mutex};

    const NOW: i64 = 1_790_000_000;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s).expect("time")
    }

    fn draft() -> CampaignDraft {
        CampaignDraft {
            name: " Promo ".into(),
            purpose: Purpose::Advertising,
            channels: vec![Channel::Telegram],
            audience: Audience {
                spent_min: Some(Money::from_major(10)),
                ..Audience::default()
            },
            content: Content {
                text: "Hi {name}, you have {balance}".into(),
                image_url: None,
                buttons: vec![Button {
                    text: "Shop".into(),
                    url: "https://shop.example/x".into(),
                }],
                follow_ups: vec![FollowUp {
                    delay_hours: 24,
                    text: "Reminder".into(),
                }],
            },
            schedule: Schedule::default(),
        }
    }

    fn campaign(status: CampaignStatus, step: u8) -> Campaign {
        Campaign {
            id: CampaignId(7),
            draft: draft(),
            status,
            wizard_step: step,
            launched_at: None,
            created_by: "staff:1".into(),
            created_at: at(1),
            updated_at: at(1),
        }
    }

    fn reach(n: u64) -> ChannelReach {
        ChannelReach {
            channel: Channel::Telegram,
            matching: n + 2,
            without_consent: 1,
            without_contact: 1,
            capped: 0,
            recipients: n,
        }
    }

    fn service(
        repo: MockCampaignRepository,
        queue: MockDeliveryQueue,
    ) -> Campaigns<MockCampaignRepository, MockDeliveryQueue, FixedClock> {
        Campaigns::new(repo, queue, FixedClock::new(at(NOW)))
    }

    #[test]
    fn create_validates_and_checks_listed_clients() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_missing_clients()
            .returning(|_| Ok(vec![ClientId(99)]));
        let s = service(repo, MockDeliveryQueue::new());
        let mut bad = draft();
        bad.content.buttons[0].url = "javascript:alert(1)".into();
        bad.schedule = Schedule {
            kind: ScheduleKind::At,
            start_at: Some(at(NOW - 10)),
        };
        let Err(CampaignError::Validation(errors)) = s.create(bad, "staff:1") else {
            panic!("expected validation");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"content.buttons[0].url"));
        assert!(fields.contains(&"schedule.start_at"));
        let mut listed = draft();
        listed.audience.client_ids = vec![ClientId(99)];
        assert!(matches!(
            s.create(listed, "staff:1"),
            Err(CampaignError::Validation(e)) if e[0].field == "audience.client_ids"
        ));
    }

    #[test]
    fn wizard_steps_out_of_order_and_on_launched_campaigns_are_refused() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_get().returning(|id| {
            Ok(Some(campaign(
                if id.get() == 1 {
                    CampaignStatus::Draft
                } else {
                    CampaignStatus::Running
                },
                0,
            )))
        });
        let s = service(repo, MockDeliveryQueue::new());
        assert!(matches!(
            s.set_content(CampaignId(1), draft().content),
            Err(CampaignError::StepOutOfOrder(_))
        ));
        assert!(matches!(
            s.set_schedule(CampaignId(1), Schedule::default()),
            Err(CampaignError::StepOutOfOrder(_))
        ));
        assert!(matches!(
            s.confirmation(CampaignId(1)),
            Err(CampaignError::StepOutOfOrder(_))
        ));
        assert!(matches!(
            s.set_content(CampaignId(2), draft().content),
            Err(CampaignError::NotEditable(_))
        ));
        assert!(matches!(
            s.confirm(CampaignId(2)),
            Err(CampaignError::NotEditable(_))
        ));
    }

    #[test]
    fn launch_enqueues_every_step_with_dedupe_keys_and_the_opt_out() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_get()
            .returning(|_| Ok(Some(campaign(CampaignStatus::Draft, 3))));
        repo.expect_reach().returning(|_, _| Ok(vec![reach(1)]));
        repo.expect_save()
            .withf(|c, expected| {
                c.status == CampaignStatus::Running
                    && c.launched_at == Some(at(NOW))
                    && *expected == CampaignStatus::Draft
            })
            .times(1)
            .returning(|_, _| Ok(true));
        repo.expect_recipients()
            .withf(|_, ch, after, limit| {
                *ch == Channel::Telegram && after.is_none() && *limit == BATCH_SIZE
            })
            .returning(|_, _, _, _| {
                Ok(vec![Recipient {
                    client_id: ClientId(42),
                    name: "Ann".into(),
                    balance: Points::from_major(5),
                    address: "555".into(),
                }])
            });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut queue = MockDeliveryQueue::new();
        queue.expect_enqueue().returning(move |d, _| {
            sink.lock().expect("lock").extend(d.to_vec());
            Ok(d.len())
        });
        let report = service(repo, queue)
            .launch(CampaignId(7))
            .expect("launched");
        assert_eq!(report.enqueued, 2);
        let seen = seen.lock().expect("lock");
        assert_eq!(seen[0].dedupe_key, "campaign:7:client:42:telegram:step:0");
        assert_eq!(seen[1].dedupe_key, "campaign:7:client:42:telegram:step:1");
        assert!(seen[0].text.starts_with("Hi Ann, you have 5\n"));
        assert!(seen[0].text.ends_with(OPT_OUT_FOOTER));
        assert_eq!(
            seen[0].buttons[0].url,
            "https://shop.example/x?crm_click=7-42"
        );
        assert_eq!(seen[1].not_before, at(NOW + 24 * 3_600));
    }

    #[test]
    fn the_wizard_advances_step_by_step() {
        let mut repo = MockCampaignRepository::new();
        let stored = Arc::new(Mutex::new(campaign(CampaignStatus::Draft, 0)));
        let read = stored.clone();
        repo.expect_get()
            .returning(move |_| Ok(Some(read.lock().expect("lock").clone())));
        let write = stored.clone();
        repo.expect_save().returning(move |c, expected| {
            assert_eq!(expected, CampaignStatus::Draft);
            *write.lock().expect("lock") = c.clone();
            Ok(true)
        });
        let s = service(repo, MockDeliveryQueue::new());
        let id = CampaignId(7);
        let step1 = s
            .set_audience(
                id,
                Purpose::Transactional,
                vec![Channel::Email],
                Audience::default(),
            )
            .expect("step 1");
        assert_eq!(
            (step1.wizard_step, step1.draft.purpose),
            (1, Purpose::Transactional)
        );
        assert!(matches!(
            s.set_audience(id, Purpose::Advertising, vec![], Audience::default()),
            Err(CampaignError::Validation(e)) if e[0].field == "channels"
        ));
        assert_eq!(
            s.set_content(id, draft().content)
                .expect("step 2")
                .wizard_step,
            2
        );
        let later = Schedule {
            kind: ScheduleKind::Weekly,
            start_at: Some(at(NOW + 3_600)),
        };
        let step3 = s.set_schedule(id, later).expect("step 3");
        assert_eq!((step3.wizard_step, step3.draft.schedule), (3, later));
    }

    #[test]
    fn a_repeated_launch_resumes_without_changing_the_campaign() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_get().returning(|_| {
            let mut c = campaign(CampaignStatus::Running, 4);
            c.launched_at = Some(at(NOW - 60));
            Ok(Some(c))
        });
        repo.expect_reach().returning(|_, _| Ok(vec![reach(1)]));
        repo.expect_save().never();
        repo.expect_recipients().returning(|_, _, _, _| {
            Ok(vec![Recipient {
                client_id: ClientId(42),
                name: "Ann".into(),
                balance: Points::ZERO,
                address: "555".into(),
            }])
        });
        let mut queue = MockDeliveryQueue::new();
        queue
            .expect_enqueue()
            .withf(|d, _| d[0].not_before == at(NOW - 60))
            .returning(|_, _| Ok(0));
        let report = service(repo, queue).launch(CampaignId(7)).expect("resumed");
        assert_eq!(report.enqueued, 0);
    }

    #[test]
    fn an_empty_audience_is_refused_before_anything_is_stored() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_get()
            .returning(|_| Ok(Some(campaign(CampaignStatus::Draft, 3))));
        repo.expect_reach().returning(|_, _| Ok(vec![reach(0)]));
        repo.expect_save().never();
        let s = service(repo, MockDeliveryQueue::new());
        assert_eq!(s.launch(CampaignId(7)), Err(CampaignError::EmptyAudience));
    }

    #[test]
    fn tracking_checks_the_delivery_belongs_to_the_campaign() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_get()
            .returning(|id| Ok((id.get() == 7).then(|| campaign(CampaignStatus::Running, 4))));
        repo.expect_delivery_owner().returning(|id| {
            Ok((id == 5).then_some(DeliveryOwner {
                campaign_id: Some(CampaignId(7)),
                client_id: ClientId(42),
            }))
        });
        repo.expect_missing_clients().returning(|_| Ok(vec![]));
        repo.expect_record_event().times(1).returning(|_| Ok(()));
        let s = service(repo, MockDeliveryQueue::new());
        let request = |delivery, campaign| TrackRequest {
            campaign_id: campaign,
            delivery_id: delivery,
            client_id: None,
            token: None,
            kind: TrackKind::Open,
            url: None,
            source: "staff:1".into(),
        };
        assert_eq!(
            s.track(request(Some(6), Some(CampaignId(7)))),
            Err(CampaignError::DeliveryNotFound)
        );
        assert_eq!(
            s.track(request(None, Some(CampaignId(8)))),
            Err(CampaignError::NotFound)
        );
        let event = s.track(request(Some(5), None)).expect("tracked");
        assert_eq!(event.client_id, ClientId(42));
    }

    #[test]
    fn cancelling_fails_queued_deliveries_and_archiving_saves_the_status() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_complete_finished().returning(|_| Ok(0));
        let status = Arc::new(Mutex::new(CampaignStatus::Running));
        let current = status.clone();
        repo.expect_get()
            .returning(move |_| Ok(Some(campaign(*current.lock().expect("lock"), 4))));
        let cancelled = status.clone();
        repo.expect_cancel()
            .withf(|id, expected, when| {
                *id == CampaignId(7) && *expected == CampaignStatus::Running && *when == at(NOW)
            })
            .times(1)
            .returning(move |_, _, _| {
                *cancelled.lock().expect("lock") = CampaignStatus::Cancelled;
                Ok(Some(3))
            });
        let archived = status.clone();
        repo.expect_save()
            .withf(|c, expected| {
                c.status == CampaignStatus::Archived && *expected == CampaignStatus::Cancelled
            })
            .times(1)
            .returning(move |_, _| {
                *archived.lock().expect("lock") = CampaignStatus::Archived;
                Ok(true)
            });
        let service = service(repo, MockDeliveryQueue::new());
        let c = service
            .change_status(CampaignId(7), CampaignStatus::Cancelled)
            .expect("cancelled");
        assert_eq!(c.status, CampaignStatus::Cancelled);
        let c = service
            .change_status(CampaignId(7), CampaignStatus::Archived)
            .expect("archived");
        assert_eq!(c.status, CampaignStatus::Archived);
    }

    #[test]
    fn forbidden_status_transitions_are_refused_without_storing() {
        for (from, to) in [
            (CampaignStatus::Running, CampaignStatus::Archived),
            (CampaignStatus::Scheduled, CampaignStatus::Archived),
            (CampaignStatus::Completed, CampaignStatus::Cancelled),
            (CampaignStatus::Archived, CampaignStatus::Cancelled),
            (CampaignStatus::Cancelled, CampaignStatus::Cancelled),
            (CampaignStatus::Draft, CampaignStatus::Running),
            (CampaignStatus::Running, CampaignStatus::Completed),
        ] {
            let mut repo = MockCampaignRepository::new();
            repo.expect_complete_finished().returning(|_| Ok(0));
            repo.expect_get()
                .returning(move |_| Ok(Some(campaign(from, 4))));
            repo.expect_cancel().never();
            repo.expect_save().never();
            let err = service(repo, MockDeliveryQueue::new())
                .change_status(CampaignId(7), to)
                .expect_err("refused");
            assert!(
                matches!(&err, CampaignError::InvalidTransition(m) if m.contains(from.code())),
                "{from:?} -> {to:?}: {err:?}"
            );
        }
    }

    #[test]
    fn a_cancel_racing_another_change_is_a_conflict() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_complete_finished().returning(|_| Ok(0));
        repo.expect_get()
            .returning(|_| Ok(Some(campaign(CampaignStatus::Scheduled, 4))));
        repo.expect_cancel().returning(|_, _, _| Ok(None));
        let err = service(repo, MockDeliveryQueue::new())
            .change_status(CampaignId(7), CampaignStatus::Cancelled)
            .expect_err("conflict");
        assert!(matches!(err, CampaignError::InvalidTransition(_)));
    }

    #[test]
    fn reading_stats_and_lists_completes_finished_campaigns_first() {
        let mut repo = MockCampaignRepository::new();
        let mut seq = mockall::Sequence::new();
        repo.expect_complete_finished()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(1));
        repo.expect_list()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, page| {
                Ok(Page {
                    items: vec![],
                    total: 0,
                    limit: page.limit(),
                    offset: page.offset(),
                })
            });
        let page = PageRequest::new(Some(10), Some(0)).expect("page");
        service(repo, MockDeliveryQueue::new())
            .list(None, page)
            .expect("list");
    }

    #[test]
    fn withdrawing_channel_consents_fails_only_those_channels() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_withdraw_advertising_on()
            .withf(|client, channels, when| {
                *client == ClientId(42)
                    && channels == [Channel::Sms, Channel::Email]
                    && *when == at(NOW)
            })
            .times(1)
            .returning(|_, _, _| Ok(2));
        repo.expect_withdraw_advertising().never();
        let s = service(repo, MockDeliveryQueue::new());
        assert_eq!(
            s.withdraw_channels(ClientId(42), &[Channel::Sms, Channel::Email])
                .expect("withdrawn"),
            2
        );
        assert_eq!(s.withdraw_channels(ClientId(42), &[]).expect("nothing"), 0);
    }

    #[test]
    fn the_scheduler_enqueues_due_occurrences_with_dated_keys() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_recurring().returning(|| {
            let mut due = campaign(CampaignStatus::Scheduled, 4);
            due.draft.schedule = Schedule {
                kind: ScheduleKind::Daily,
                start_at: Some(at(NOW - 2 * 86_400 - 60)),
            };
            let mut stale = campaign(CampaignStatus::Running, 4);
            stale.id = CampaignId(8);
            stale.draft.schedule = Schedule {
                kind: ScheduleKind::Weekly,
                start_at: Some(at(NOW - 2 * 86_400)),
            };
            Ok(vec![due, stale])
        });
        repo.expect_save()
            .withf(|c, expected| {
                c.id == CampaignId(7)
                    && c.status == CampaignStatus::Running
                    && *expected == CampaignStatus::Scheduled
            })
            .times(1)
            .returning(|_, _| Ok(true));
        repo.expect_recipients()
            .withf(|q, _, after, _| q.campaign_id == CampaignId(7) && after.is_none())
            .times(1)
            .returning(|_, _, _, _| {
                Ok(vec![Recipient {
                    client_id: ClientId(42),
                    name: "Ann".into(),
                    balance: Points::from_major(5),
                    address: "555".into(),
                }])
            });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut queue = MockDeliveryQueue::new();
        queue.expect_enqueue().returning(move |d, _| {
            sink.lock().expect("lock").extend(d.to_vec());
            Ok(d.len())
        });
        let enqueued = service(repo, queue)
            .schedule_recurring()
            .expect("scheduled");
        assert_eq!(enqueued, 2);
        let seen = seen.lock().expect("lock");
        assert_eq!(
            seen[0].dedupe_key,
            "campaign:7:client:42:telegram:step:0:run:2026-09-21"
        );
        assert_eq!(seen[0].not_before, at(NOW - 60));
        assert_eq!(seen[1].not_before, at(NOW - 60 + 24 * 3_600));
    }

    fn recipient(id: i64, name: &str) -> Recipient {
        Recipient {
            client_id: ClientId(id),
            name: name.into(),
            balance: Points::from_major(5),
            address: format!("{id}"),
        }
    }

    #[test]
    fn a_message_too_long_once_personalised_is_recorded_as_skipped_not_queued() {
        let mut repo = MockCampaignRepository::new();
        repo.expect_get().returning(|_| {
            let mut c = campaign(CampaignStatus::Draft, 3);
            c.draft.purpose = Purpose::Transactional;
            c.draft.content.text = format!("{}{{name}}", "x".repeat(4_080));
            c.draft.content.follow_ups[0].text = "Bye {name}".into();
            Ok(Some(c))
        });
        repo.expect_reach().returning(|_, _| Ok(vec![reach(3)]));
        repo.expect_save().returning(|_, _| Ok(true));
        repo.expect_recipients().returning(|_, _, _, _| {
            Ok(vec![
                recipient(41, "Ann"),
                // 4 080 + 16 = 4 096: exactly the Telegram limit, still sent.
                recipient(42, &"б".repeat(16)),
                // 4 080 + 17 = 4 097 characters (Unicode scalar values, not bytes).
                recipient(43, &"б".repeat(17)),
            ])
        });
        let skips = Arc::new(Mutex::new(Vec::new()));
        let skip_sink = skips.clone();
        repo.expect_record_skips()
            .withf(|_, when| *when == at(NOW))
            .times(1)
            .returning(move |s, _| {
                skip_sink.lock().expect("lock").extend(s.to_vec());
                Ok(s.len())
            });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut queue = MockDeliveryQueue::new();
        queue.expect_enqueue().returning(move |d, _| {
            sink.lock().expect("lock").extend(d.to_vec());
            Ok(d.len())
        });
        let report = service(repo, queue)
            .launch(CampaignId(7))
            .expect("launched");
        assert_eq!((report.enqueued, report.skipped_too_long), (5, 1));
        let seen = seen.lock().expect("lock");
        let keys: Vec<&str> = seen.iter().map(|d| d.dedupe_key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "campaign:7:client:41:telegram:step:0",
                "campaign:7:client:41:telegram:step:1",
                "campaign:7:client:42:telegram:step:0",
                "campaign:7:client:42:telegram:step:1",
                "campaign:7:client:43:telegram:step:1",
            ]
        );
        assert_eq!(seen[2].text.chars().count(), 4_096);
        assert_eq!(
            *skips.lock().expect("lock"),
            [SkippedMessage {
                campaign_id: CampaignId(7),
                client_id: ClientId(43),
                channel: Channel::Telegram,
                step: 0,
                reason: SkipReason::TooLong,
                chars: 4_097,
                dedupe_key: "campaign:7:client:43:telegram:step:0".into(),
            }]
        );
        assert_eq!(SkipReason::TooLong.code(), "too_long");
    }

    #[test]
    fn the_opt_out_footer_counts_and_recurring_runs_record_skips_under_dated_keys() {
        let footer = OPT_OUT_FOOTER.chars().count();
        let mut repo = MockCampaignRepository::new();
        repo.expect_recurring().returning(move || {
            let mut due = campaign(CampaignStatus::Running, 4);
            due.draft.channels = vec![Channel::Sms];
            due.draft.content.follow_ups.clear();
            // The template with its footer is exactly the SMS limit: valid as written.
            due.draft.content.text = format!("{}{{name}}", "я".repeat(670 - footer - 6));
            due.draft.schedule = Schedule {
                kind: ScheduleKind::Daily,
                start_at: Some(at(NOW - 60)),
            };
            Ok(vec![due])
        });
        repo.expect_recipients()
            .times(1)
            .returning(|_, _, _, _| Ok(vec![recipient(41, "Андрей"), recipient(42, "Алексей")]));
        repo.expect_record_skips()
            .withf(|s, _| {
                s.len() == 1
                    && s[0].client_id == ClientId(42)
                    && s[0].channel == Channel::Sms
                    && s[0].chars == 671
                    && s[0].dedupe_key == "campaign:7:client:42:sms:step:0:run:2026-09-21"
            })
            .times(1)
            .returning(|_, _| Ok(0));
        let mut queue = MockDeliveryQueue::new();
        queue
            .expect_enqueue()
            .withf(|d, _| {
                d.len() == 1
                    && d[0].client_id == ClientId(41)
                    && d[0].text.chars().count() == 670
                    && d[0].text.ends_with(OPT_OUT_FOOTER)
            })
            .times(1)
            .returning(|d, _| Ok(d.len()));
        let enqueued = service(repo, queue)
            .schedule_recurring()
            .expect("scheduled");
        assert_eq!(enqueued, 1);
    }
}
