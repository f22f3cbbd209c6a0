//! Consents: the five permissions a client gives or withdraws, and their audit trail.
//!
//! A campaign or group message may reach a client through a channel only when the client has
//! given consent to personal data processing, to marketing, and — for SMS, e-mail and app push —
//! to that channel. Messenger channels (Telegram, VK, Instagram, Facebook, MAX) have no consent of
//! their own: the first two suffice there.

use crm_core::{Actor, Channel, Timestamp};
use serde::{Deserialize, Serialize};

/// One of the five consents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// Processing of personal data (the legal basis for everything else).
    PersonalData,
    /// Marketing messages.
    Marketing,
    /// SMS messages.
    Sms,
    /// Push notifications of the Mini App.
    AppPush,
    /// E-mail messages.
    Email,
}

impl ConsentKind {
    /// All five, in a stable order.
    pub const ALL: [ConsentKind; 5] = [
        ConsentKind::PersonalData,
        ConsentKind::Marketing,
        ConsentKind::Sms,
        ConsentKind::AppPush,
        ConsentKind::Email,
    ];

    /// The snake_case code (`personal_data`, ...).
    pub fn code(self) -> &'static str {
        match self {
            ConsentKind::PersonalData => "personal_data",
            ConsentKind::Marketing => "marketing",
            ConsentKind::Sms => "sms",
            ConsentKind::AppPush => "app_push",
            ConsentKind::Email => "email",
        }
    }

    /// Reads a code back.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The channel-specific consent a channel needs, if it has one.
    pub fn for_channel(channel: Channel) -> Option<Self> {
        match channel {
            Channel::Sms => Some(ConsentKind::Sms),
            Channel::Email => Some(ConsentKind::Email),
            Channel::AppPush => Some(ConsentKind::AppPush),
            Channel::Telegram
            | Channel::Vk
            | Channel::Instagram
            | Channel::Facebook
            | Channel::Max => None,
        }
    }
}

/// Whether a consent is given, and when it was last given or withdrawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentState {
    /// Given (true) or not given / withdrawn (false).
    pub given: bool,
    /// When it was last changed; `None` if never.
    pub changed_at: Option<Timestamp>,
}

/// The five consents of one client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentSet {
    /// Personal data processing.
    pub personal_data: ConsentState,
    /// Marketing messages.
    pub marketing: ConsentState,
    /// SMS.
    pub sms: ConsentState,
    /// App push.
    pub app_push: ConsentState,
    /// E-mail.
    pub email: ConsentState,
}

/// What a request asks to change: `Some(true)` give, `Some(false)` withdraw, `None` leave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentChanges {
    /// Personal data processing.
    pub personal_data: Option<bool>,
    /// Marketing messages.
    pub marketing: Option<bool>,
    /// SMS.
    pub sms: Option<bool>,
    /// App push.
    pub app_push: Option<bool>,
    /// E-mail.
    pub email: Option<bool>,
}

impl ConsentChanges {
    /// The requested value for one consent.
    pub fn get(&self, kind: ConsentKind) -> Option<bool> {
        match kind {
            ConsentKind::PersonalData => self.personal_data,
            ConsentKind::Marketing => self.marketing,
            ConsentKind::Sms => self.sms,
            ConsentKind::AppPush => self.app_push,
            ConsentKind::Email => self.email,
        }
    }
}

/// A consent that actually changed, to be appended to the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentChange {
    /// Which consent.
    pub kind: ConsentKind,
    /// Given (true) or withdrawn (false).
    pub given: bool,
    /// When.
    pub at: Timestamp,
}

/// A stored entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentEvent {
    /// Which consent.
    pub kind: ConsentKind,
    /// Given (true) or withdrawn (false).
    pub given: bool,
    /// Who changed it.
    pub actor: Actor,
    /// Through what (`admin`, `mini_app`, ...).
    pub source: String,
    /// When.
    pub at: Timestamp,
}

impl ConsentSet {
    /// The state of one consent.
    pub fn get(&self, kind: ConsentKind) -> ConsentState {
        match kind {
            ConsentKind::PersonalData => self.personal_data,
            ConsentKind::Marketing => self.marketing,
            ConsentKind::Sms => self.sms,
            ConsentKind::AppPush => self.app_push,
            ConsentKind::Email => self.email,
        }
    }

    fn slot(&mut self, kind: ConsentKind) -> &mut ConsentState {
        match kind {
            ConsentKind::PersonalData => &mut self.personal_data,
            ConsentKind::Marketing => &mut self.marketing,
            ConsentKind::Sms => &mut self.sms,
            ConsentKind::AppPush => &mut self.app_push,
            ConsentKind::Email => &mut self.email,
        }
    }

    /// Applies the requested changes at `at`; returns only the consents whose value really
    /// changed (repeating the current value is not a new event and keeps its time).
    pub fn apply(&mut self, changes: &ConsentChanges, at: Timestamp) -> Vec<ConsentChange> {
        let mut changed = Vec::new();
        for kind in ConsentKind::ALL {
            let Some(given) = changes.get(kind) else {
                continue;
            };
            let slot = self.slot(kind);
            if slot.given != given || slot.changed_at.is_none() {
                *slot = ConsentState {
                    given,
                    changed_at: Some(at),
                };
                changed.push(ConsentChange { kind, given, at });
            }
        }
        changed
    }

    /// Whether marketing may reach this client through `channel`.
    pub fn allows_marketing_via(&self, channel: Channel) -> bool {
        self.personal_data.given
            && self.marketing.given
            && ConsentKind::for_channel(channel).is_none_or(|kind| self.get(kind).given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    #[test]
    fn records_only_real_changes_with_their_time() {
        let mut set = ConsentSet::default();
        let changes = ConsentChanges {
            personal_data: Some(true),
            marketing: Some(true),
            sms: Some(false),
            ..Default::default()
        };
        let first = set.apply(&changes, at(100));
        assert_eq!(
            first.len(),
            3,
            "an explicit first answer is recorded even if false"
        );
        assert_eq!(
            set.personal_data,
            ConsentState {
                given: true,
                changed_at: Some(at(100))
            }
        );
        assert_eq!(set.email, ConsentState::default());

        let again = set.apply(&changes, at(200));
        assert!(
            again.is_empty(),
            "repeating the same answers is not a change"
        );
        assert_eq!(set.marketing.changed_at, Some(at(100)));

        let withdraw = set.apply(
            &ConsentChanges {
                marketing: Some(false),
                ..Default::default()
            },
            at(300),
        );
        assert_eq!(
            withdraw,
            vec![ConsentChange {
                kind: ConsentKind::Marketing,
                given: false,
                at: at(300)
            }]
        );
        assert_eq!(
            set.marketing,
            ConsentState {
                given: false,
                changed_at: Some(at(300))
            }
        );
    }

    #[test]
    fn marketing_needs_personal_data_marketing_and_the_channel_consent() {
        let mut set = ConsentSet::default();
        set.apply(
            &ConsentChanges {
                personal_data: Some(true),
                marketing: Some(true),
                email: Some(true),
                ..Default::default()
            },
            at(1),
        );
        assert!(set.allows_marketing_via(Channel::Email));
        assert!(set.allows_marketing_via(Channel::Telegram));
        assert!(!set.allows_marketing_via(Channel::Sms));
        assert!(!set.allows_marketing_via(Channel::AppPush));
        set.apply(
            &ConsentChanges {
                personal_data: Some(false),
                ..Default::default()
            },
            at(2),
        );
        assert!(!set.allows_marketing_via(Channel::Email));
        assert!(!set.allows_marketing_via(Channel::Telegram));
    }
}
