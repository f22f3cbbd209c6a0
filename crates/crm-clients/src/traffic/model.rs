//! Traffic channels: named sources of clients with a code, a link and UTM tags, and the
//! figures attributed to each.

use crate::model::Patch;
use crm_core::{FieldError, Money, Timestamp, TrafficChannelId};

/// Longest channel name accepted.
pub const MAX_CHANNEL_NAME_CHARS: usize = 100;
/// Longest code accepted (Telegram's limit for `start_param`).
pub const MAX_CODE_CHARS: usize = 64;
/// Longest link accepted.
pub const MAX_LINK_CHARS: usize = 500;
/// Longest UTM value accepted.
pub const MAX_UTM_CHARS: usize = 100;

/// A channel's code: the Mini App `start_param` that attributes a new client to it. Lower-case
/// Latin letters, digits, `_` and `-`, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelCode(String);

impl ChannelCode {
    /// Checks a code. Upper case is refused rather than folded: the code must match the
    /// `start_param` of links already handed out, byte for byte.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim();
        let valid = !code.is_empty()
            && code.len() <= MAX_CODE_CHARS
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(FieldError::new(
                "code",
                "must be 1 to 64 characters of a-z, 0-9, _ and -",
            ))
        }
    }

    /// Rebuilds a stored code.
    pub fn from_trusted(code: String) -> Self {
        Self(code)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the business says about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDefinition {
    /// Name shown to people.
    pub name: String,
    /// Unique code (Mini App `start_param`).
    pub code: ChannelCode,
    /// The link handed out.
    pub link: Option<String>,
    /// UTM source.
    pub utm_source: Option<String>,
    /// UTM medium.
    pub utm_medium: Option<String>,
    /// UTM campaign.
    pub utm_campaign: Option<String>,
}

/// A stored channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficChannel {
    /// Id.
    pub id: TrafficChannelId,
    /// Definition.
    pub definition: ChannelDefinition,
    /// When archived; `None` while in use. An archived code attributes nobody.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// What a channel brought: its clients, their purchases and their spending (net of refunds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelStats {
    /// Clients attributed to the channel.
    pub clients: i64,
    /// Purchases those clients made.
    pub purchases: i64,
    /// What those clients spent.
    pub revenue: Money,
}

/// A channel with its figures, as the admin list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReport {
    /// The channel.
    pub channel: TrafficChannel,
    /// Its figures.
    pub stats: ChannelStats,
}

/// Command: change a channel. Only what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelUpdate {
    /// Name.
    pub name: Option<String>,
    /// Code.
    pub code: Option<ChannelCode>,
    /// Link.
    pub link: Patch<String>,
    /// UTM source.
    pub utm_source: Patch<String>,
    /// UTM medium.
    pub utm_medium: Patch<String>,
    /// UTM campaign.
    pub utm_campaign: Patch<String>,
}

impl ChannelDefinition {
    /// The definition with an update applied.
    pub fn updated(&self, update: ChannelUpdate) -> ChannelDefinition {
        let d = self.clone();
        ChannelDefinition {
            name: update.name.unwrap_or(d.name),
            code: update.code.unwrap_or(d.code),
            link: update.link.apply(d.link),
            utm_source: update.utm_source.apply(d.utm_source),
            utm_medium: update.utm_medium.apply(d.utm_medium),
            utm_campaign: update.utm_campaign.apply(d.utm_campaign),
        }
    }

    /// Checks the bounds of the texts: a name of 1–100 characters, an http(s) link without
    /// spaces, short UTM values.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name_chars = self.name.trim().chars().count();
        if name_chars == 0 || name_chars > MAX_CHANNEL_NAME_CHARS {
            errors.push(FieldError::new("name", "must be 1 to 100 characters"));
        } else if self.name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "name",
                "must not contain control characters",
            ));
        }
        if let Some(link) = &self.link {
            let scheme = link.starts_with("https://") || link.starts_with("http://");
            if !scheme
                || link.chars().count() > MAX_LINK_CHARS
                || link.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                errors.push(FieldError::new(
                    "link",
                    "must be an http(s) address of at most 500 characters without spaces",
                ));
            }
        }
        for (field, value) in [
            ("utm_source", &self.utm_source),
            ("utm_medium", &self.utm_medium),
            ("utm_campaign", &self.utm_campaign),
        ] {
            if value.as_deref().is_some_and(|v| {
                v.trim().is_empty()
                    || v.chars().count() > MAX_UTM_CHARS
                    || v.chars().any(char::is_control)
            }) {
                errors.push(FieldError::new(field, "must be 1 to 100 characters"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What a repository stores for a new channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannelRecord {
    /// The definition.
    pub definition: ChannelDefinition,
    /// When.
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_lower_case_start_params() {
        assert_eq!(
            ChannelCode::parse(" instagram_bio-2 ").map(|c| c.0),
            Ok("instagram_bio-2".into())
        );
        assert!(ChannelCode::parse(&"a".repeat(64)).is_ok());
        for bad in ["", "Insta", "with space", "ж", "a.b", &"a".repeat(65)] {
            assert!(ChannelCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn definitions_are_checked_and_updated_by_field() {
        let definition = ChannelDefinition {
            name: "Instagram".into(),
            code: ChannelCode::parse("insta").expect("valid"),
            link: Some("https://t.me/bot/app?startapp=insta".into()),
            utm_source: Some("instagram".into()),
            utm_medium: None,
            utm_campaign: None,
        };
        assert_eq!(definition.validate(), Ok(()));
        let updated = definition.updated(ChannelUpdate {
            name: Some(" ".into()),
            link: Patch::Set("t.me/bot".into()),
            utm_source: Patch::Clear,
            utm_campaign: Patch::Set("x".repeat(101)),
            ..Default::default()
        });
        assert_eq!(updated.code.as_str(), "insta");
        assert_eq!(updated.utm_source, None);
        let fields: Vec<_> = updated
            .validate()
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "link", "utm_campaign"]);
    }
}
