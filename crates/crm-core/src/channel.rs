//! [`Channel`]: the ways the business can reach a client.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A messaging channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(paperclip::actix::Apiv2Schema))]
pub enum Channel {
    /// Telegram Bot API messages.
    Telegram,
    /// E-mail over SMTP.
    Email,
    /// SMS through the configured gateway.
    Sms,
    /// VK community messages.
    Vk,
    /// Instagram direct messages.
    Instagram,
    /// Facebook Messenger.
    Facebook,
    /// MAX messenger.
    Max,
    /// Push notifications of the Mini App.
    AppPush,
}

impl Channel {
    /// Every channel, in a stable order.
    pub const ALL: [Channel; 8] = [
        Channel::Telegram,
        Channel::Email,
        Channel::Sms,
        Channel::Vk,
        Channel::Instagram,
        Channel::Facebook,
        Channel::Max,
        Channel::AppPush,
    ];

    /// The snake_case code used in JSON and storage.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Telegram => "telegram",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Vk => "vk",
            Channel::Instagram => "instagram",
            Channel::Facebook => "facebook",
            Channel::Max => "max",
            Channel::AppPush => "app_push",
        }
    }

    /// Reads a code back; `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
