//! Campaign bodies: the campaign definition (audience, channels, content, schedule, purpose),
//! the wizard's steps, step 4's confirmation, launch reports, tracking and statistics.

use crm_comms::campaigns::service::PreviewMessage;
use crm_comms::campaigns::{
    Audience, Campaign, CampaignDraft, CampaignStats, CampaignStatus, ChannelReach, Confirmation,
    Content, FollowUp, LaunchReport, Purpose, Schedule, ScheduleKind, Section, TrackKind,
    TrackedEvent,
};
use crm_comms::delivery::Button;
use crm_core::{
    CampaignId, Channel, ClientId, FieldError, LevelId, Money, Page, Timestamp, TrafficChannelId,
};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// Why a campaign is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum PurposeCode {
    /// Promotions: personal data + marketing + channel consent; opt-out footer; frequency cap.
    Advertising,
    /// Service messages: personal data consent only.
    Transactional,
}

impl From<PurposeCode> for Purpose {
    fn from(p: PurposeCode) -> Self {
        match p {
            PurposeCode::Advertising => Purpose::Advertising,
            PurposeCode::Transactional => Purpose::Transactional,
        }
    }
}

impl From<Purpose> for PurposeCode {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Advertising => PurposeCode::Advertising,
            Purpose::Transactional => PurposeCode::Transactional,
        }
    }
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatusCode {
    /// Being built.
    Draft,
    /// Launched for a later time.
    Scheduled,
    /// Launched.
    Running,
    /// Over.
    Completed,
    /// Stopped.
    Cancelled,
    /// Kept for the record.
    Archived,
}

impl From<CampaignStatusCode> for CampaignStatus {
    fn from(s: CampaignStatusCode) -> Self {
        match s {
            CampaignStatusCode::Draft => Self::Draft,
            CampaignStatusCode::Scheduled => Self::Scheduled,
            CampaignStatusCode::Running => Self::Running,
            CampaignStatusCode::Completed => Self::Completed,
            CampaignStatusCode::Cancelled => Self::Cancelled,
            CampaignStatusCode::Archived => Self::Archived,
        }
    }
}

impl From<CampaignStatus> for CampaignStatusCode {
    fn from(s: CampaignStatus) -> Self {
        match s {
            CampaignStatus::Draft => Self::Draft,
            CampaignStatus::Scheduled => Self::Scheduled,
            CampaignStatus::Running => Self::Running,
            CampaignStatus::Completed => Self::Completed,
            CampaignStatus::Cancelled => Self::Cancelled,
            CampaignStatus::Archived => Self::Archived,
        }
    }
}

/// Segment filters over clients (all that are set must match).
#[derive(Debug, Clone, Default, Serialize, Deserialize, Apiv2Schema)]
#[serde(default, deny_unknown_fields)]
pub struct AudienceBody {
    /// Loyalty levels.
    pub level_ids: Vec<LevelId>,
    /// Tags (any of them).
    pub tags: Vec<String>,
    /// Traffic channels.
    pub traffic_channel_ids: Vec<TrafficChannelId>,
    /// Total spent at least.
    pub spent_min: Option<Money>,
    /// Total spent at most.
    pub spent_max: Option<Money>,
    /// Last purchase before.
    pub last_purchase_before: Option<Timestamp>,
    /// Last purchase after.
    pub last_purchase_after: Option<Timestamp>,
    /// Birthday within the next N days (1–366).
    pub birthday_within_days: Option<u16>,
    /// Only these clients.
    pub client_ids: Vec<ClientId>,
}

impl From<AudienceBody> for Audience {
    fn from(a: AudienceBody) -> Self {
        Audience {
            level_ids: a.level_ids,
            tags: a.tags,
            traffic_channel_ids: a.traffic_channel_ids,
            spent_min: a.spent_min,
            spent_max: a.spent_max,
            last_purchase_before: a.last_purchase_before,
            last_purchase_after: a.last_purchase_after,
            birthday_within_days: a.birthday_within_days,
            client_ids: a.client_ids,
        }
    }
}

impl From<Audience> for AudienceBody {
    fn from(a: Audience) -> Self {
        AudienceBody {
            level_ids: a.level_ids,
            tags: a.tags,
            traffic_channel_ids: a.traffic_channel_ids,
            spent_min: a.spent_min,
            spent_max: a.spent_max,
            last_purchase_before: a.last_purchase_before,
            last_purchase_after: a.last_purchase_after,
            birthday_within_days: a.birthday_within_days,
            client_ids: a.client_ids,
        }
    }
}

/// A link button.
#[derive(Debug, Clone, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ButtonBody {
    /// Label.
    pub text: String,
    /// http(s) link; a click token is added when sent.
    pub url: String,
}

/// A follow-up message.
#[derive(Debug, Clone, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// Hours after the previous message (1–8760).
    pub delay_hours: u32,
    /// Text; placeholders `{name}`, `{balance}`.
    pub text: String,
}

/// What a campaign sends.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ContentBody {
    /// Text; placeholders `{name}` and `{balance}`. Telegram: at most 4096 characters,
    /// including the opt-out footer of advertising messages.
    pub text: String,
    /// http(s) image link.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Link buttons (http/https).
    #[serde(default)]
    pub buttons: Vec<ButtonBody>,
    /// Follow-up messages.
    #[serde(default)]
    pub follow_ups: Vec<FollowUpBody>,
}

impl From<ContentBody> for Content {
    fn from(c: ContentBody) -> Self {
        Content {
            text: c.text,
            image_url: c.image_url,
            buttons: c
                .buttons
                .into_iter()
                .map(|b| Button {
                    text: b.text,
                    url: b.url,
                })
                .collect(),
            follow_ups: c
                .follow_ups
                .into_iter()
                .map(|f| FollowUp {
                    delay_hours: f.delay_hours,
                    text: f.text,
                })
                .collect(),
        }
    }
}

impl From<Content> for ContentBody {
    fn from(c: Content) -> Self {
        ContentBody {
            text: c.text,
            image_url: c.image_url,
            buttons: c
                .buttons
                .into_iter()
                .map(|b| ButtonBody {
                    text: b.text,
                    url: b.url,
                })
                .collect(),
            follow_ups: c
                .follow_ups
                .into_iter()
                .map(|f| FollowUpBody {
                    delay_hours: f.delay_hours,
                    text: f.text,
                })
                .collect(),
        }
    }
}

/// How a campaign is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKindCode {
    /// At launch.
    Now,
    /// Once at `start_at`.
    At,
    /// Daily from `start_at`.
    Daily,
    /// Weekly from `start_at`.
    Weekly,
}

/// When a campaign is sent.
#[derive(Debug, Clone, Serialize, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// now, at, daily or weekly.
    pub kind: ScheduleKindCode,
    /// The (first) send time; required except for `now`; must be in the future.
    #[serde(default)]
    pub start_at: Option<Timestamp>,
}

impl Default for ScheduleBody {
    fn default() -> Self {
        Self {
            kind: ScheduleKindCode::Now,
            start_at: None,
        }
    }
}

impl From<ScheduleBody> for Schedule {
    fn from(s: ScheduleBody) -> Self {
        Schedule {
            kind: match s.kind {
                ScheduleKindCode::Now => ScheduleKind::Now,
                ScheduleKindCode::At => ScheduleKind::At,
                ScheduleKindCode::Daily => ScheduleKind::Daily,
                ScheduleKindCode::Weekly => ScheduleKind::Weekly,
            },
            start_at: s.start_at,
        }
    }
}

impl From<Schedule> for ScheduleBody {
    fn from(s: Schedule) -> Self {
        ScheduleBody {
            kind: match s.kind {
                ScheduleKind::Now => ScheduleKindCode::Now,
                ScheduleKind::At => ScheduleKindCode::At,
                ScheduleKind::Daily => ScheduleKindCode::Daily,
                ScheduleKind::Weekly => ScheduleKindCode::Weekly,
            },
            start_at: s.start_at,
        }
    }
}

/// A complete campaign (create or replace a draft).
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRequest {
    /// Name (1–200 characters).
    pub name: String,
    /// advertising (default) or transactional.
    #[serde(default)]
    pub purpose: Option<PurposeCode>,
    /// Channels (at least one).
    pub channels: Vec<Channel>,
    /// Who receives it (no filter: every client who qualifies).
    #[serde(default)]
    pub audience: AudienceBody,
    /// What is sent.
    pub content: ContentBody,
    /// When (default: now).
    #[serde(default)]
    pub schedule: ScheduleBody,
}

impl From<CampaignRequest> for CampaignDraft {
    fn from(r: CampaignRequest) -> Self {
        CampaignDraft {
            name: r.name,
            purpose: r.purpose.map_or(Purpose::Advertising, Purpose::from),
            channels: r.channels,
            audience: r.audience.into(),
            content: r.content.into(),
            schedule: r.schedule.into(),
        }
    }
}

/// `PUT /campaigns/{id}`: either a draft's complete definition (the fields of `POST
/// /campaigns`) or a status change alone (`{"status": "cancelled"}` or `"archived"`).
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CampaignUpdateRequest {
    /// The new status: `cancelled` (from draft, scheduled, running) or `archived` (from
    /// completed, cancelled, draft); no definition field may come with it.
    #[serde(default)]
    pub status: Option<CampaignStatusCode>,
    /// Name (1–200 characters); required for a definition.
    #[serde(default)]
    pub name: Option<String>,
    /// advertising (default) or transactional.
    #[serde(default)]
    pub purpose: Option<PurposeCode>,
    /// Channels (at least one); required for a definition.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    /// Who receives it (no filter: every client who qualifies).
    #[serde(default)]
    pub audience: Option<AudienceBody>,
    /// What is sent; required for a definition.
    #[serde(default)]
    pub content: Option<ContentBody>,
    /// When (default: now).
    #[serde(default)]
    pub schedule: Option<ScheduleBody>,
}

/// What a `PUT /campaigns/{id}` asks for.
#[derive(Debug)]
pub enum CampaignUpdate {
    /// Replace the draft's definition.
    Definition(Box<CampaignDraft>),
    /// Change the status.
    Status(CampaignStatus),
}

impl CampaignUpdateRequest {
    /// Splits the body into a status change or a definition; the field errors name what is
    /// missing or may not be combined.
    pub fn into_update(self) -> Result<CampaignUpdate, Vec<FieldError>> {
        let has_definition = self.name.is_some()
            || self.purpose.is_some()
            || self.channels.is_some()
            || self.audience.is_some()
            || self.content.is_some()
            || self.schedule.is_some();
        if let Some(status) = self.status {
            if has_definition {
                return Err(vec![FieldError::new(
                    "status",
                    "a status change cannot be combined with definition fields",
                )]);
            }
            return Ok(CampaignUpdate::Status(status.into()));
        }
        let mut errors = Vec::new();
        if self.name.is_none() {
            errors.push(FieldError::new("name", "is required (or send a status)"));
        }
        if self.channels.is_none() {
            errors.push(FieldError::new("channels", "is required"));
        }
        if self.content.is_none() {
            errors.push(FieldError::new("content", "is required"));
        }
        match (self.name, self.channels, self.content) {
            (Some(name), Some(channels), Some(content)) => {
                Ok(CampaignUpdate::Definition(Box::new(
                    CampaignRequest {
                        name,
                        purpose: self.purpose,
                        channels,
                        audience: self.audience.unwrap_or_default(),
                        content,
                        schedule: self.schedule.unwrap_or_default(),
                    }
                    .into(),
                )))
            }
            _ => Err(errors),
        }
    }
}

/// Starts the wizard.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowStartRequest {
    /// Name.
    pub name: String,
    /// advertising (default) or transactional.
    #[serde(default)]
    pub purpose: Option<PurposeCode>,
}

/// Step 1: audience, channels and purpose.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AudienceStepRequest {
    /// Purpose; unchanged when absent.
    #[serde(default)]
    pub purpose: Option<PurposeCode>,
    /// Channels (at least one).
    pub channels: Vec<Channel>,
    /// Segment filters.
    #[serde(default)]
    pub audience: AudienceBody,
}

/// The `{campaign_id}` of a path.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct CampaignPath {
    /// Campaign id.
    pub campaign_id: i64,
}

/// Paging and the section of `/communications`.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CommunicationsQuery {
    /// `active` (draft, scheduled, running; default) or `archive` (completed, cancelled,
    /// archived).
    pub section: Option<SectionCode>,
    /// Page size.
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// Paging of `/campaigns` (every status).
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CampaignListQuery {
    /// Only this section; all campaigns when absent.
    pub section: Option<SectionCode>,
    /// Page size.
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// A section of `/communications`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum SectionCode {
    /// Draft, scheduled, running.
    Active,
    /// Completed, cancelled, archived.
    Archive,
}

impl From<SectionCode> for Section {
    fn from(s: SectionCode) -> Self {
        match s {
            SectionCode::Active => Section::Active,
            SectionCode::Archive => Section::Archive,
        }
    }
}

/// A campaign.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CampaignResponse {
    /// Id.
    pub id: CampaignId,
    /// Name.
    pub name: String,
    /// Status.
    pub status: CampaignStatusCode,
    /// `active` or `archive`.
    pub section: SectionCode,
    /// Purpose.
    pub purpose: PurposeCode,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Audience filters.
    pub audience: AudienceBody,
    /// Content.
    pub content: ContentBody,
    /// Schedule.
    pub schedule: ScheduleBody,
    /// Wizard steps completed (0–3; 4 once confirmed).
    pub wizard_step: u8,
    /// When launched.
    pub launched_at: Option<Timestamp>,
    /// Who created it.
    pub created_by: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl From<Campaign> for CampaignResponse {
    fn from(c: Campaign) -> Self {
        Self {
            id: c.id,
            name: c.draft.name,
            status: c.status.into(),
            section: if c.status.is_active() {
                SectionCode::Active
            } else {
                SectionCode::Archive
            },
            purpose: c.draft.purpose.into(),
            channels: c.draft.channels,
            audience: c.draft.audience.into(),
            content: c.draft.content.into(),
            schedule: c.draft.schedule.into(),
            wizard_step: c.wizard_step,
            launched_at: c.launched_at,
            created_by: c.created_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A page of campaigns.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct CampaignPage {
    /// The section listed, when one was.
    pub section: Option<SectionCode>,
    /// Campaigns, newest first.
    pub items: Vec<CampaignResponse>,
    /// Campaigns in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl CampaignPage {
    /// A page of one section (or all).
    pub fn new(section: Option<SectionCode>, page: Page<Campaign>) -> Self {
        Self {
            section,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// The audience through one channel.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ChannelReachResponse {
    /// Channel.
    pub channel: Channel,
    /// Clients matching the filters.
    pub matching: u64,
    /// Left out: no consent.
    pub without_consent: u64,
    /// Left out: no contact on this channel.
    pub without_contact: u64,
    /// Left out: the touch-frequency cap.
    pub capped: u64,
    /// Who will receive it.
    pub recipients: u64,
}

impl From<ChannelReach> for ChannelReachResponse {
    fn from(r: ChannelReach) -> Self {
        Self {
            channel: r.channel,
            matching: r.matching,
            without_consent: r.without_consent,
            without_contact: r.without_contact,
            capped: r.capped,
            recipients: r.recipients,
        }
    }
}

/// A message of the chain as a sample client gets it.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct PreviewResponse {
    /// 0 = first message.
    pub step: u16,
    /// Hours after the first message.
    pub after_hours: u32,
    /// Rendered text.
    pub text: String,
}

impl From<PreviewMessage> for PreviewResponse {
    fn from(p: PreviewMessage) -> Self {
        Self {
            step: p.step,
            after_hours: p.after_hours,
            text: p.text,
        }
    }
}

/// Step 4: what will be sent to whom.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ConfirmationResponse {
    /// The campaign.
    pub campaign: CampaignResponse,
    /// Per channel, after consent, contact and cap filtering.
    pub channels: Vec<ChannelReachResponse>,
    /// Recipients summed over channels.
    pub recipients: u64,
    /// Messages the launch will enqueue.
    pub messages: u64,
    /// The chain, rendered for a sample client.
    pub preview: Vec<PreviewResponse>,
}

impl From<Confirmation> for ConfirmationResponse {
    fn from(c: Confirmation) -> Self {
        Self {
            recipients: c.channels.iter().map(|r| r.recipients).sum(),
            campaign: c.campaign.into(),
            channels: c.channels.into_iter().map(Into::into).collect(),
            messages: c.messages,
            preview: c.preview.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a launch did.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct LaunchResponse {
    /// The campaign.
    pub campaign: CampaignResponse,
    /// Deliveries created by this call (0 on a repeated launch).
    pub enqueued: u64,
    /// Messages this call did not queue (reason `too_long`): the text with the client's name
    /// and balance filled in, plus the opt-out footer of an advertising campaign, was over the
    /// channel's limit. Counted per message (client × channel × step); 0 on a repeated launch.
    pub skipped_too_long: u64,
    /// Recipients per channel.
    pub channels: Vec<ChannelReachResponse>,
}

impl From<LaunchReport> for LaunchResponse {
    fn from(r: LaunchReport) -> Self {
        Self {
            campaign: r.campaign.into(),
            enqueued: r.enqueued as u64,
            skipped_too_long: r.skipped_too_long as u64,
            channels: r.channels.into_iter().map(Into::into).collect(),
        }
    }
}

/// A campaign's figures; rates are shares of unique recipients (0–1).
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct StatsResponse {
    /// Campaign.
    pub campaign_id: CampaignId,
    /// Status.
    pub status: CampaignStatusCode,
    /// Unique clients with a delivery.
    pub recipients: u64,
    /// Deliveries.
    pub messages: u64,
    /// Deliveries waiting or being sent.
    pub queued: u64,
    /// Deliveries sent (delivered included).
    pub sent: u64,
    /// Deliveries delivered.
    pub delivered: u64,
    /// Deliveries failed.
    pub failed: u64,
    /// Messages not queued because the personalised text (with the opt-out footer of an
    /// advertising campaign) was over the channel's limit (reason `too_long`); not in
    /// `messages`.
    pub skipped_too_long: u64,
    /// Unique clients who opened.
    pub opened: u64,
    /// Unique clients who clicked.
    pub clicked: u64,
    /// Unique clients who converted.
    pub converted: u64,
    /// Unique clients sent to / recipients.
    pub delivery_rate: f64,
    /// opened / recipients.
    pub open_rate: f64,
    /// clicked / recipients.
    pub click_rate: f64,
    /// converted / recipients.
    pub conversion_rate: f64,
    /// Revenue of purchases within the conversion window after a delivery.
    pub revenue: Money,
}

impl StatsResponse {
    /// The figures of a campaign.
    pub fn new(campaign: &Campaign, s: CampaignStats) -> Self {
        Self {
            campaign_id: campaign.id,
            status: campaign.status.into(),
            recipients: s.recipients,
            messages: s.messages,
            queued: s.queued,
            sent: s.sent,
            delivered: s.delivered,
            failed: s.failed,
            skipped_too_long: s.skipped_too_long,
            opened: s.opened,
            clicked: s.clicked,
            converted: s.converted,
            delivery_rate: s.rate(s.sent_clients),
            open_rate: s.rate(s.opened),
            click_rate: s.rate(s.clicked),
            conversion_rate: s.rate(s.converted),
            revenue: s.revenue,
        }
    }
}

/// A tracked event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
#[serde(rename_all = "snake_case")]
pub enum TrackKindCode {
    /// Opened.
    Open,
    /// Clicked a link.
    Click,
    /// Converted.
    Conversion,
}

impl From<TrackKindCode> for TrackKind {
    fn from(k: TrackKindCode) -> Self {
        match k {
            TrackKindCode::Open => TrackKind::Open,
            TrackKindCode::Click => TrackKind::Click,
            TrackKindCode::Conversion => TrackKind::Conversion,
        }
    }
}

impl From<TrackKind> for TrackKindCode {
    fn from(k: TrackKind) -> Self {
        match k {
            TrackKind::Open => TrackKindCode::Open,
            TrackKind::Click => TrackKindCode::Click,
            TrackKind::Conversion => TrackKindCode::Conversion,
        }
    }
}

/// Staff report an event of a campaign's message.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct TrackRequestBody {
    /// open, click or conversion.
    pub event: TrackKindCode,
    /// Campaign (or from the delivery or token).
    #[serde(default)]
    pub campaign_id: Option<CampaignId>,
    /// Delivery.
    #[serde(default)]
    pub delivery_id: Option<i64>,
    /// Client (or from the delivery or token).
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// The `crm_click` token of a tracked link.
    #[serde(default)]
    pub token: Option<String>,
    /// The followed link.
    #[serde(default)]
    pub url: Option<String>,
}

/// The Mini App reports an event of the signed-in client.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct AppTrackRequest {
    /// open, click or conversion.
    pub event: TrackKindCode,
    /// Campaign (or from the delivery or token).
    #[serde(default)]
    pub campaign_id: Option<CampaignId>,
    /// Delivery (must be the client's).
    #[serde(default)]
    pub delivery_id: Option<i64>,
    /// The `crm_click` token of a tracked link (must be the client's).
    #[serde(default)]
    pub token: Option<String>,
    /// The followed link.
    #[serde(default)]
    pub url: Option<String>,
}

/// A recorded event.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct TrackResponse {
    /// Campaign.
    pub campaign_id: CampaignId,
    /// Delivery.
    pub delivery_id: Option<i64>,
    /// Client.
    pub client_id: ClientId,
    /// What happened.
    pub event: TrackKindCode,
    /// When.
    pub at: Timestamp,
}

impl From<TrackedEvent> for TrackResponse {
    fn from(e: TrackedEvent) -> Self {
        Self {
            campaign_id: e.campaign_id,
            delivery_id: e.delivery_id,
            client_id: e.client_id,
            event: e.kind.into(),
            at: e.at,
        }
    }
}

/// The result of an opt-out.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OptOutResponse {
    /// The client.
    pub client_id: ClientId,
    /// Marketing consent now (always false).
    pub consent_marketing: bool,
    /// Queued advertising messages cancelled.
    pub cancelled_deliveries: u64,
}
