//! The campaign model: audience filters, channels, content, schedule, purpose and status, with
//! validation of each part (the wizard validates one part per step).

use crate::delivery::{Button, TELEGRAM_TEXT_LIMIT};
use crm_core::{
    CampaignId, Channel, ClientId, FieldError, LevelId, Money, Points, Timestamp, TrafficChannelId,
    Validation,
};
use serde::{Deserialize, Serialize};

/// Longest campaign name accepted.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest message text accepted on any channel (the e-mail bound, the most generous one).
pub const MAX_TEXT_CHARS: usize = EMAIL_TEXT_LIMIT;
/// Longest VK message (the `messages.send` limit).
pub const VK_TEXT_LIMIT: usize = 4_096;
/// Longest Facebook Messenger text message (the Send API limit).
pub const FACEBOOK_TEXT_LIMIT: usize = 2_000;
/// Longest Instagram direct message (the Instagram Messaging API limit).
pub const INSTAGRAM_TEXT_LIMIT: usize = 1_000;
/// Longest MAX bot message (the MAX Bot API limit).
pub const MAX_MESSENGER_TEXT_LIMIT: usize = 4_000;
/// Longest SMS text: 10 concatenated segments of 67 UCS-2 characters (Cyrillic texts are
/// UCS-2; a segment of a long message keeps 67 of its 70 characters for the joining header).
pub const SMS_TEXT_LIMIT: usize = 670;
/// Longest e-mail body: a generous bound for a plain-text letter.
pub const EMAIL_TEXT_LIMIT: usize = 10_000;
/// Longest Mini App push body: fits the 4 KB payload of push services with room for the
/// title and data, even when every character takes two or more UTF-8 bytes.
pub const APP_PUSH_TEXT_LIMIT: usize = 1_000;

/// The longest text, in characters (Unicode scalar values), a message on `channel` may carry:
/// the provider's published limit (see `docs/channels.md`). Campaigns, group sends and
/// replies all check against this one table.
pub fn text_limit(channel: Channel) -> usize {
    match channel {
        Channel::Telegram => TELEGRAM_TEXT_LIMIT,
        Channel::Vk => VK_TEXT_LIMIT,
        Channel::Facebook => FACEBOOK_TEXT_LIMIT,
        Channel::Instagram => INSTAGRAM_TEXT_LIMIT,
        Channel::Max => MAX_MESSENGER_TEXT_LIMIT,
        Channel::Sms => SMS_TEXT_LIMIT,
        Channel::Email => EMAIL_TEXT_LIMIT,
        Channel::AppPush => APP_PUSH_TEXT_LIMIT,
    }
}
/// Longest link accepted.
pub const MAX_URL_CHARS: usize = 2_000;
/// Most buttons under one message.
pub const MAX_BUTTONS: usize = 10;
/// Most follow-up messages in a chain.
pub const MAX_FOLLOW_UPS: usize = 10;
/// Longest delay of a follow-up, in hours (a year).
pub const MAX_DELAY_HOURS: u32 = 8_760;
/// Most clients in an explicit client list.
pub const MAX_CLIENT_LIST: usize = 10_000;
/// Widest birthday window, in days.
pub const MAX_BIRTHDAY_DAYS: u16 = 366;
/// The opt-out every advertising message carries (appended to its text).
pub const OPT_OUT_FOOTER: &str =
    "\n\nОтписаться от рассылок: Mini App → Профиль → Согласия (или ответьте «СТОП»).";

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being built; editable.
    Draft,
    /// Launched for a later time: deliveries are queued with that time.
    Scheduled,
    /// Launched; deliveries are being enqueued or sent.
    Running,
    /// Every delivery was enqueued and the campaign is over.
    Completed,
    /// Stopped by the business.
    Cancelled,
    /// Kept for the record only.
    Archived,
}

impl CampaignStatus {
    /// Every status, in a stable order.
    pub const ALL: [CampaignStatus; 6] = [
        CampaignStatus::Draft,
        CampaignStatus::Scheduled,
        CampaignStatus::Running,
        CampaignStatus::Completed,
        CampaignStatus::Cancelled,
        CampaignStatus::Archived,
    ];

    /// The snake_case code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Running => "running",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Cancelled => "cancelled",
            CampaignStatus::Archived => "archived",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the `/communications` list shows it under "active" (else "archive").
    pub fn is_active(self) -> bool {
        matches!(
            self,
            CampaignStatus::Draft | CampaignStatus::Scheduled | CampaignStatus::Running
        )
    }
}

/// The two sections of `/communications`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Draft, scheduled and running campaigns.
    Active,
    /// Completed, cancelled and archived campaigns.
    Archive,
}

/// Why a campaign is sent: advertising needs marketing consent, transactional does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Promotions: personal data + marketing + the channel's consent, opt-out footer, cap.
    Advertising,
    /// Service messages: personal data consent only.
    Transactional,
}

impl Purpose {
    /// The snake_case code stored.
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Advertising => "advertising",
            Purpose::Transactional => "transactional",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        [Purpose::Advertising, Purpose::Transactional]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// Segment filters over clients; every filter set must match (AND); an empty list or `None`
/// does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Audience {
    /// Clients at one of these loyalty levels.
    pub level_ids: Vec<LevelId>,
    /// Clients with at least one of these tags.
    pub tags: Vec<String>,
    /// Clients brought by one of these traffic channels.
    pub traffic_channel_ids: Vec<TrafficChannelId>,
    /// Total spent at least this.
    pub spent_min: Option<Money>,
    /// Total spent at most this.
    pub spent_max: Option<Money>,
    /// Last purchase before this instant.
    pub last_purchase_before: Option<Timestamp>,
    /// Last purchase after this instant.
    pub last_purchase_after: Option<Timestamp>,
    /// Birthday within the next N days (today included).
    pub birthday_within_days: Option<u16>,
    /// Only these clients.
    pub client_ids: Vec<ClientId>,
}

impl Audience {
    /// Checks the filters (not that listed clients exist: that needs storage).
    pub fn validate(&self, v: &mut Validation) {
        if self
            .tags
            .iter()
            .any(|t| t.trim().is_empty() || t.chars().count() > 50)
        {
            v.add("audience.tags", "tags must be 1 to 50 characters");
        }
        if let (Some(min), Some(max)) = (self.spent_min, self.spent_max) {
            if min > max {
                v.add("audience.spent_min", "must not exceed spent_max");
            }
        }
        if self.spent_min.is_some_and(|m| m.minor() < 0) {
            v.add("audience.spent_min", "must not be negative");
        }
        if self.spent_max.is_some_and(|m| m.minor() < 0) {
            v.add("audience.spent_max", "must not be negative");
        }
        if let (Some(before), Some(after)) = (self.last_purchase_before, self.last_purchase_after) {
            if after >= before {
                v.add(
                    "audience.last_purchase_after",
                    "must be earlier than last_purchase_before",
                );
            }
        }
        if self
            .birthday_within_days
            .is_some_and(|d| d == 0 || d > MAX_BIRTHDAY_DAYS)
        {
            v.add("audience.birthday_within_days", "must be 1 to 366");
        }
        if self.client_ids.len() > MAX_CLIENT_LIST {
            v.add("audience.client_ids", "at most 10000 clients");
        }
    }
}

/// A message of the chain sent some hours after the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// Hours after the previous message.
    pub delay_hours: u32,
    /// Text, with the same placeholders.
    pub text: String,
}

/// What a campaign sends. Placeholders in texts: `{name}` (the client's name) and `{balance}`
/// (their points balance).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    /// The first message's text.
    pub text: String,
    /// An http(s) image link.
    pub image_url: Option<String>,
    /// Link buttons (http/https only).
    pub buttons: Vec<Button>,
    /// Follow-up messages, each after a delay.
    pub follow_ups: Vec<FollowUp>,
}

/// Whether a link is an absolute http(s) URL with a host.
pub fn is_http_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty()
                && !url.chars().any(char::is_whitespace)
                && url.chars().count() <= MAX_URL_CHARS
        }
        None => false,
    }
}

impl Content {
    /// Checks the content for the channels it goes through and its purpose (an advertising
    /// text carries the opt-out footer, which counts against the limit).
    pub fn validate(&self, channels: &[Channel], purpose: Purpose, v: &mut Validation) {
        // The tightest limit of the chosen channels applies (the same text goes everywhere).
        let (tightest, limit) = channels
            .iter()
            .map(|&c| (Some(c), text_limit(c)))
            .min_by_key(|&(_, limit)| limit)
            .unwrap_or((None, MAX_TEXT_CHARS));
        let channel_name = tightest.map_or_else(|| "channel".to_owned(), |c| c.to_string());
        let footer = if purpose == Purpose::Advertising {
            OPT_OUT_FOOTER.chars().count()
        } else {
            0
        };
        let check_text = |field: &str, text: &str, v: &mut Validation| {
            let chars = text.trim().chars().count();
            if chars == 0 {
                v.add(field, "must not be empty");
            } else if chars + footer > limit {
                v.add(
                    field,
                    format!(
                        "is {chars} characters; at most {} fit the {channel_name} limit of {limit}",
                        limit.saturating_sub(footer)
                    ),
                );
            }
        };
        check_text("content.text", &self.text, v);
        if let Some(url) = &self.image_url {
            if !is_http_url(url) {
                v.add("content.image_url", "must be an http or https link");
            }
        }
        if self.buttons.len() > MAX_BUTTONS {
            v.add("content.buttons", "at most 10 buttons");
        }
        for (i, b) in self.buttons.iter().enumerate() {
            if b.text.trim().is_empty() || b.text.chars().count() > 64 {
                v.add(
                    format!("content.buttons[{i}].text"),
                    "must be 1 to 64 characters",
                );
            }
            if !is_http_url(&b.url) {
                v.add(
                    format!("content.buttons[{i}].url"),
                    "must be an http or https link",
                );
            }
        }
        if self.follow_ups.len() > MAX_FOLLOW_UPS {
            v.add("content.follow_ups", "at most 10 follow-ups");
        }
        for (i, f) in self.follow_ups.iter().enumerate() {
            if f.delay_hours == 0 || f.delay_hours > MAX_DELAY_HOURS {
                v.add(
                    format!("content.follow_ups[{i}].delay_hours"),
                    "must be 1 to 8760",
                );
            }
            check_text(&format!("content.follow_ups[{i}].text"), &f.text, v);
        }
    }
}

/// How a campaign is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// As soon as it is launched.
    Now,
    /// Once, at `start_at`.
    At,
    /// Every day from `start_at`.
    Daily,
    /// Every week from `start_at`.
    Weekly,
}

/// When a campaign is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Now, once, daily or weekly.
    pub kind: ScheduleKind,
    /// The (first) send time; required except for `now`.
    #[serde(default)]
    pub start_at: Option<Timestamp>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            kind: ScheduleKind::Now,
            start_at: None,
        }
    }
}

impl Schedule {
    /// Checks the schedule at `now`: a time is needed except for `now`, and it must not be past.
    pub fn validate(&self, now: Timestamp, v: &mut Validation) {
        match (self.kind, self.start_at) {
            (ScheduleKind::Now, _) => {}
            (_, None) => v.add("schedule.start_at", "is required for this schedule"),
            (_, Some(at)) if at <= now => v.add("schedule.start_at", "must be in the future"),
            _ => {}
        }
    }

    /// When the first messages go out for a launch at `now`.
    pub fn first_send(&self, now: Timestamp) -> Timestamp {
        match self.kind {
            ScheduleKind::Now => now,
            _ => self.start_at.unwrap_or(now).max(now),
        }
    }

    /// The period of a recurring schedule in seconds (a day or a week); `None` for one-offs.
    pub fn period_seconds(&self) -> Option<i64> {
        match self.kind {
            ScheduleKind::Daily => Some(86_400),
            ScheduleKind::Weekly => Some(7 * 86_400),
            ScheduleKind::Now | ScheduleKind::At => None,
        }
    }

    /// The latest occurrence of a recurring schedule that is due at `now` (`start_at` plus a
    /// whole number of periods, not after `now`); `None` for one-offs and before the start.
    pub fn due_occurrence(&self, now: Timestamp) -> Option<Timestamp> {
        let period = self.period_seconds()?;
        let start = self.start_at?;
        let elapsed = now.unix_seconds() - start.unix_seconds();
        if elapsed < 0 {
            return None;
        }
        Some(start.plus_seconds(elapsed / period * period))
    }
}

/// What the business defines about a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDraft {
    /// Name shown to staff.
    pub name: String,
    /// Advertising or transactional.
    pub purpose: Purpose,
    /// Channels it goes through (each recipient gets it on every channel they qualify for).
    pub channels: Vec<Channel>,
    /// Who receives it.
    pub audience: Audience,
    /// What is sent.
    pub content: Content,
    /// When.
    pub schedule: Schedule,
}

impl CampaignDraft {
    /// Checks the name.
    pub fn validate_name(&self, v: &mut Validation) {
        let chars = self.name.trim().chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            v.add("name", "must be 1 to 200 characters");
        }
    }

    /// Checks the channels: at least one, no repeats.
    pub fn validate_channels(&self, v: &mut Validation) {
        if self.channels.is_empty() {
            v.add("channels", "choose at least one channel");
        }
        let mut seen = self.channels.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.channels.len() {
            v.add("channels", "must not repeat a channel");
        }
    }

    /// Checks every part at `now`.
    pub fn validate(&self, now: Timestamp) -> Result<(), Vec<FieldError>> {
        let mut v = Validation::new();
        self.validate_name(&mut v);
        self.validate_channels(&mut v);
        self.audience.validate(&mut v);
        self.content.validate(&self.channels, self.purpose, &mut v);
        self.schedule.validate(now, &mut v);
        v.finish()
    }
}

/// The wizard's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WizardStep {
    /// Step 1: audience, channels and purpose.
    Audience = 1,
    /// Step 2: content.
    Content = 2,
    /// Step 3: schedule.
    Schedule = 3,
    /// Step 4: confirmation and launch.
    Confirm = 4,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Id.
    pub id: CampaignId,
    /// Its definition.
    pub draft: CampaignDraft,
    /// Where it stands.
    pub status: CampaignStatus,
    /// Wizard steps completed (0 to 3; 4 once confirmed). A campaign created in one request has
    /// every part and starts at 3.
    pub wizard_step: u8,
    /// When it was launched.
    pub launched_at: Option<Timestamp>,
    /// Who created it (actor text).
    pub created_by: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A campaign to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    /// Definition.
    pub draft: CampaignDraft,
    /// Wizard steps already complete.
    pub wizard_step: u8,
    /// Creator.
    pub created_by: String,
    /// When.
    pub at: Timestamp,
}

/// What the audience looks like through one channel after filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelReach {
    /// The channel.
    pub channel: Channel,
    /// Clients matching the segment filters.
    pub matching: u64,
    /// Of those, left out for lack of consent.
    pub without_consent: u64,
    /// Of the consenting, left out for lack of a contact on the channel.
    pub without_contact: u64,
    /// Of the reachable, left out by the touch-frequency cap.
    pub capped: u64,
    /// Who will receive it on this channel.
    pub recipients: u64,
}

/// One recipient on one channel, with what the placeholders need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Client.
    pub client_id: ClientId,
    /// Full name.
    pub name: String,
    /// Points balance.
    pub balance: Points,
    /// Address on the channel.
    pub address: String,
}

/// The figures of a campaign, aggregated in storage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignStats {
    /// Unique clients with at least one delivery.
    pub recipients: u64,
    /// Deliveries enqueued.
    pub messages: u64,
    /// Deliveries waiting or being sent.
    pub queued: u64,
    /// Deliveries accepted by the provider (delivered included).
    pub sent: u64,
    /// Deliveries confirmed delivered.
    pub delivered: u64,
    /// Deliveries failed.
    pub failed: u64,
    /// Messages not queued because the text, personalised and with the opt-out footer, was
    /// over the channel's limit (reason `too_long`); never in `messages`.
    pub skipped_too_long: u64,
    /// Unique clients a message was sent to.
    pub sent_clients: u64,
    /// Unique clients who opened.
    pub opened: u64,
    /// Unique clients who clicked.
    pub clicked: u64,
    /// Unique clients who converted (a conversion event or a purchase within the window).
    pub converted: u64,
    /// Revenue of purchases within the window after a delivery (net of refunds).
    pub revenue: Money,
}

impl CampaignStats {
    /// `part / recipients`, 0 when nobody received the campaign.
    pub fn rate(&self, part: u64) -> f64 {
        if self.recipients == 0 {
            0.0
        } else {
            let rate = part as f64 / self.recipients as f64;
            (rate * 10_000.0).round() / 10_000.0
        }
    }
}

/// A tracked event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// The message was opened.
    Open,
    /// A link was followed.
    Click,
    /// The client did what the campaign asked.
    Conversion,
}

impl TrackKind {
    /// The snake_case code stored.
    pub fn code(self) -> &'static str {
        match self {
            TrackKind::Open => "open",
            TrackKind::Click => "click",
            TrackKind::Conversion => "conversion",
        }
    }
}

/// A validated event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedEvent {
    /// Campaign.
    pub campaign_id: CampaignId,
    /// Delivery, when known.
    pub delivery_id: Option<i64>,
    /// Client.
    pub client_id: ClientId,
    /// What happened.
    pub kind: TrackKind,
    /// The followed link (clicks).
    pub url: Option<String>,
    /// Who reported it (`staff:<id>`, `client:<id>`).
    pub source: String,
    /// When.
    pub at: Timestamp,
}

/// The click-tracking token of a client's links in a campaign: `<campaign>-<client>`, added to
/// every button link as the `crm_click` query parameter.
pub fn click_token(campaign: CampaignId, client: ClientId) -> String {
    format!("{}-{}", campaign.get(), client.get())
}

/// Reads a click token back.
pub fn parse_click_token(token: &str) -> Option<(CampaignId, ClientId)> {
    let (c, k) = token.trim().split_once('-')?;
    Some((CampaignId(c.parse().ok()?), ClientId(k.parse().ok()?)))
}

/// A link with the click token appended.
pub fn tracked_url(url: &str, token: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{base}{sep}crm_click={token}#{f}"),
        None => format!("{base}{sep}crm_click={token}"),
    }
}

/// Fills `{name}` and `{balance}` in a text, each placeholder of the text once: `{balance}` goes
/// first (a balance is digits and never holds a placeholder), then `{name}`, whose value is
/// never read again — a client named `{balance}` is greeted by that name, not by a number.
pub fn render(text: &str, name: &str, balance: Points) -> String {
    text.replace("{balance}", &balance.to_string())
        .replace("{name}", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s).expect("time")
    }

    #[test]
    fn recurring_occurrences_follow_the_start_by_whole_periods() {
        let daily = Schedule {
            kind: ScheduleKind::Daily,
            start_at: Some(at(1_000)),
        };
        assert_eq!(daily.due_occurrence(at(999)), None);
        assert_eq!(daily.due_occurrence(at(1_000)), Some(at(1_000)));
        assert_eq!(daily.due_occurrence(at(1_000 + 86_399)), Some(at(1_000)));
        assert_eq!(
            daily.due_occurrence(at(1_000 + 2 * 86_400 + 5)),
            Some(at(1_000 + 2 * 86_400))
        );
        let weekly = Schedule {
            kind: ScheduleKind::Weekly,
            ..daily
        };
        assert_eq!(
            weekly.due_occurrence(at(1_000 + 8 * 86_400)),
            Some(at(1_000 + 7 * 86_400))
        );
        let once = Schedule {
            kind: ScheduleKind::At,
            ..daily
        };
        assert_eq!(once.due_occurrence(at(5_000)), None);
    }

    #[test]
    fn links_must_be_http() {
        assert!(is_http_url("https://shop.example/promo?x=1"));
        assert!(is_http_url("http://a.b"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("ftp://x.y"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https://a b"));
    }

    #[test]
    fn telegram_limits_the_text_with_the_footer() {
        let content = Content {
            text: "x".repeat(4_090),
            ..Content::default()
        };
        let mut v = Validation::new();
        content.validate(&[Channel::Telegram], Purpose::Advertising, &mut v);
        assert!(v.finish().is_err());
        let mut v = Validation::new();
        content.validate(&[Channel::Email], Purpose::Advertising, &mut v);
        assert!(v.finish().is_ok());
        let mut v = Validation::new();
        Content {
            text: "x".repeat(4_096),
            ..Content::default()
        }
        .validate(&[Channel::Telegram], Purpose::Transactional, &mut v);
        assert!(v.finish().is_ok());
    }

    #[test]
    fn several_channels_are_held_to_the_tightest_limit() {
        let content = Content {
            text: "я".repeat(671),
            ..Content::default()
        };
        let mut v = Validation::new();
        content.validate(
            &[Channel::Email, Channel::Sms],
            Purpose::Transactional,
            &mut v,
        );
        let errors = v.finish().err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("sms limit of 670"), "{errors:?}");
        let mut v = Validation::new();
        content.validate(
            &[Channel::Email, Channel::Vk],
            Purpose::Transactional,
            &mut v,
        );
        assert!(v.finish().is_ok());
        assert_eq!(text_limit(Channel::Instagram), INSTAGRAM_TEXT_LIMIT);
    }

    #[test]
    fn schedules_in_the_past_are_refused() {
        let mut v = Validation::new();
        Schedule {
            kind: ScheduleKind::At,
            start_at: Some(at(10)),
        }
        .validate(at(20), &mut v);
        assert_eq!(
            v.finish().map_err(|e| e[0].field.clone()),
            Err("schedule.start_at".into())
        );
        let mut v = Validation::new();
        Schedule {
            kind: ScheduleKind::Weekly,
            start_at: None,
        }
        .validate(at(20), &mut v);
        assert!(v.finish().is_err());
    }

    #[test]
    fn tokens_and_placeholders() {
        let token = click_token(CampaignId(7), ClientId(42));
        assert_eq!(
            parse_click_token(&token),
            Some((CampaignId(7), ClientId(42)))
        );
        assert_eq!(
            tracked_url("https://a.b/x?y=1#top", &token),
            "https://a.b/x?y=1&crm_click=7-42#top"
        );
        assert_eq!(
            render("Hi {name}, {balance} pts", "Ann", Points::from_minor(1_050)),
            "Hi Ann, 10.5 pts"
        );
        assert_eq!(
            render(
                "Hi {name}, {balance} pts",
                "{balance}",
                Points::from_minor(1_050)
            ),
            "Hi {balance}, 10.5 pts"
        );
    }
}
