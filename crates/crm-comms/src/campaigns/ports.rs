//! The port the campaigns need from storage: campaigns themselves, the audience query over the
//! client base (consents, contacts and the touch-frequency cap applied in storage, keyset
//! batches), the messages a run did not queue, tracking events and the aggregated statistics.

use crate::campaigns::model::{
    Audience, Campaign, CampaignStats, CampaignStatus, ChannelReach, NewCampaign, Purpose,
    Recipient, Section, TrackedEvent,
};
use crm_core::{CampaignId, Channel, ClientId, Page, PageRequest, RepoError, Timestamp};

/// Who a campaign addresses, as storage needs it to find the recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceQuery {
    /// The campaign (its own deliveries do not count against the cap).
    pub campaign_id: CampaignId,
    /// Segment filters.
    pub audience: Audience,
    /// Purpose: decides the consents needed and whether the cap applies.
    pub purpose: Purpose,
    /// "Now": for birthdays and the cap's period.
    pub now: Timestamp,
}

/// The campaign, client and purpose a delivery belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryOwner {
    /// The campaign, for campaign deliveries.
    pub campaign_id: Option<CampaignId>,
    /// The recipient.
    pub client_id: ClientId,
}

/// Why a campaign message was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// The text with the client's name and balance filled in (and the opt-out footer of an
    /// advertising campaign) is over the channel's limit
    /// ([`crate::campaigns::model::text_limit`]).
    TooLong,
}

impl SkipReason {
    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::TooLong => "too_long",
        }
    }
}

/// A campaign message that was not queued: one client, channel and step of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMessage {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The client it was for.
    pub client_id: ClientId,
    /// The channel.
    pub channel: Channel,
    /// 0 for the first message, then the follow-ups.
    pub step: u16,
    /// Why it was not queued.
    pub reason: SkipReason,
    /// Characters (Unicode scalar values) of the text as it would have been sent.
    pub chars: u64,
    /// The dedupe key its delivery would have carried (one record per message and run).
    pub dedupe_key: String,
}

/// Storage of campaigns and their tracking.
#[cfg_attr(test, mockall::automock)]
pub trait CampaignRepository {
    /// Stores a new campaign (status draft).
    fn insert(&self, record: &NewCampaign) -> Result<Campaign, RepoError>;

    /// One campaign.
    fn get(&self, id: CampaignId) -> Result<Option<Campaign>, RepoError>;

    /// Writes back a campaign's definition, status, wizard step and launch time, only while
    /// its stored status is still `expected`; `Ok(false)` when it changed meanwhile.
    fn save(&self, campaign: &Campaign, expected: CampaignStatus) -> Result<bool, RepoError>;

    /// A page of campaigns, newest first, of one section or all.
    fn list(
        &self,
        section: Option<Section>,
        page: PageRequest,
    ) -> Result<Page<Campaign>, RepoError>;

    /// Which of these clients do not exist.
    fn missing_clients(&self, ids: &[ClientId]) -> Result<Vec<ClientId>, RepoError>;

    /// The audience per channel after consent, contact and cap filtering.
    fn reach(
        &self,
        query: &AudienceQuery,
        channels: &[Channel],
    ) -> Result<Vec<ChannelReach>, RepoError>;

    /// The next batch of recipients on a channel with ids above `after`, in id order.
    fn recipients(
        &self,
        query: &AudienceQuery,
        channel: Channel,
        after: Option<ClientId>,
        limit: u32,
    ) -> Result<Vec<Recipient>, RepoError>;

    /// Records messages a run did not queue; a dedupe key already recorded, or already queued
    /// as a delivery, is left alone. Returns how many were recorded now.
    fn record_skips(&self, skips: &[SkippedMessage], at: Timestamp) -> Result<usize, RepoError>;

    /// The campaign's figures.
    fn stats(&self, id: CampaignId) -> Result<CampaignStats, RepoError>;

    /// Whose a delivery is; `None` when it does not exist.
    fn delivery_owner(&self, delivery_id: i64) -> Result<Option<DeliveryOwner>, RepoError>;

    /// Appends a tracking event.
    fn record_event(&self, event: &TrackedEvent) -> Result<(), RepoError>;

    /// Fails the client's queued advertising deliveries (reason `opted_out`); returns how many.
    fn withdraw_advertising(&self, client_id: ClientId, at: Timestamp) -> Result<usize, RepoError>;

    /// Fails the client's queued advertising deliveries on these channels only (reason
    /// `opted_out`), after a channel consent was withdrawn; returns how many.
    fn withdraw_advertising_on(
        &self,
        client_id: ClientId,
        channels: &[Channel],
        at: Timestamp,
    ) -> Result<usize, RepoError>;

    /// Cancels a campaign while its stored status is still `expected`, failing its queued
    /// deliveries (reason `campaign_cancelled`) in the same transaction; `Ok(None)` when the
    /// status changed meanwhile, otherwise how many deliveries were failed.
    fn cancel(
        &self,
        id: CampaignId,
        expected: CampaignStatus,
        at: Timestamp,
    ) -> Result<Option<usize>, RepoError>;

    /// The launched recurring campaigns: status scheduled or running, schedule daily or weekly.
    fn recurring(&self) -> Result<Vec<Campaign>, RepoError>;

    /// Marks `completed` every running one-off campaign (schedule `now` or `at`) that has
    /// deliveries and none of them queued or sending any more; returns how many changed.
    fn complete_finished(&self, at: Timestamp) -> Result<usize, RepoError>;
}

impl<T: CampaignRepository + ?Sized> CampaignRepository for std::sync::Arc<T> {
    fn insert(&self, record: &NewCampaign) -> Result<Campaign, RepoError> {
        (**self).insert(record)
    }
    fn get(&self, id: CampaignId) -> Result<Option<Campaign>, RepoError> {
        (**self).get(id)
    }
    fn save(&self, campaign: &Campaign, expected: CampaignStatus) -> Result<bool, RepoError> {
        (**self).save(campaign, expected)
    }
    fn list(
        &self,
        section: Option<Section>,
        page: PageRequest,
    ) -> Result<Page<Campaign>, RepoError> {
        (**self).list(section, page)
    }
    fn missing_clients(&self, ids: &[ClientId]) -> Result<Vec<ClientId>, RepoError> {
        (**self).missing_clients(ids)
    }
    fn reach(
        &self,
        query: &AudienceQuery,
        channels: &[Channel],
    ) -> Result<Vec<ChannelReach>, RepoError> {
        (**self).reach(query, channels)
    }
    fn recipients(
        &self,
        query: &AudienceQuery,
        channel: Channel,
        after: Option<ClientId>,
        limit: u32,
    ) -> Result<Vec<Recipient>, RepoError> {
        (**self).recipients(query, channel, after, limit)
    }
    fn record_skips(&self, skips: &[SkippedMessage], at: Timestamp) -> Result<usize, RepoError> {
        (**self).record_skips(skips, at)
    }
    fn stats(&self, id: CampaignId) -> Result<CampaignStats, RepoError> {
        (**self).stats(id)
    }
    fn delivery_owner(&self, delivery_id: i64) -> Result<Option<DeliveryOwner>, RepoError> {
        (**self).delivery_owner(delivery_id)
    }
    fn record_event(&self, event: &TrackedEvent) -> Result<(), RepoError> {
        (**self).record_event(event)
    }
    fn withdraw_advertising(&self, client_id: ClientId, at: Timestamp) -> Result<usize, RepoError> {
        (**self).withdraw_advertising(client_id, at)
    }
    fn withdraw_advertising_on(
        &self,
        client_id: ClientId,
        channels: &[Channel],
        at: Timestamp,
    ) -> Result<usize, RepoError> {
        (**self).withdraw_advertising_on(client_id, channels, at)
    }
    fn cancel(
        &self,
        id: CampaignId,
        expected: CampaignStatus,
        at: Timestamp,
    ) -> Result<Option<usize>, RepoError> {
        (**self).cancel(id, expected, at)
    }
    fn recurring(&self) -> Result<Vec<Campaign>, RepoError> {
        (**self).recurring()
    }
    fn complete_finished(&self, at: Timestamp) -> Result<usize, RepoError> {
        (**self).complete_finished(at)
    }
}
