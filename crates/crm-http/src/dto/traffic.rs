//! Traffic channel bodies.

use crate::dto::common::{double_option, FieldErrors};
use crm_clients::traffic::model::{MAX_CHANNEL_NAME_CHARS, MAX_LINK_CHARS, MAX_UTM_CHARS};
use crm_clients::traffic::{ChannelCode, ChannelDefinition, ChannelReport, ChannelUpdate};
use crm_clients::Patch;
use crm_core::{FieldError, Money, Page, Timestamp, TrafficChannelId};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

/// A traffic channel with what it brought.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ChannelResponse {
    /// Id.
    pub id: TrafficChannelId,
    /// Name.
    pub name: String,
    /// Unique code: the Mini App `start_param` that attributes new clients.
    pub code: String,
    /// The link handed out.
    pub link: Option<String>,
    /// UTM source.
    pub utm_source: Option<String>,
    /// UTM medium.
    pub utm_medium: Option<String>,
    /// UTM campaign.
    pub utm_campaign: Option<String>,
    /// Clients attributed to the channel.
    pub clients: i64,
    /// Purchases those clients made.
    pub purchases: i64,
    /// What those clients spent (net of refunds).
    pub revenue: Money,
    /// When archived; `null` while in use.
    pub archived_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl From<ChannelReport> for ChannelResponse {
    fn from(r: ChannelReport) -> Self {
        let c = r.channel;
        let d = c.definition;
        Self {
            id: c.id,
            name: d.name,
            code: d.code.as_str().to_owned(),
            link: d.link,
            utm_source: d.utm_source,
            utm_medium: d.utm_medium,
            utm_campaign: d.utm_campaign,
            clients: r.stats.clients,
            purchases: r.stats.purchases,
            revenue: r.stats.revenue,
            archived_at: c.archived_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A page of traffic channels.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ChannelPage {
    /// Channels of this page.
    pub items: Vec<ChannelResponse>,
    /// Channels in all.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
}

impl From<Page<ChannelReport>> for ChannelPage {
    fn from(page: Page<ChannelReport>) -> Self {
        Self {
            total: page.total,
            limit: page.limit,
            offset: page.offset,
            items: page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// Defines a traffic channel.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannelRequest {
    /// Name, 1–100 characters.
    pub name: String,
    /// Unique code, 1–64 characters of `a-z`, `0-9`, `_`, `-` (the Mini App `start_param`).
    pub code: String,
    /// The link handed out (http or https).
    pub link: Option<String>,
    /// UTM source.
    pub utm_source: Option<String>,
    /// UTM medium.
    pub utm_medium: Option<String>,
    /// UTM campaign.
    pub utm_campaign: Option<String>,
}

/// Changes a traffic channel: absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannelRequest {
    /// Name.
    pub name: Option<String>,
    /// Unique code.
    pub code: Option<String>,
    /// Link.
    #[serde(default, deserialize_with = "double_option")]
    pub link: Option<Option<String>>,
    /// UTM source.
    #[serde(default, deserialize_with = "double_option")]
    pub utm_source: Option<Option<String>>,
    /// UTM medium.
    #[serde(default, deserialize_with = "double_option")]
    pub utm_medium: Option<Option<String>>,
    /// UTM campaign.
    #[serde(default, deserialize_with = "double_option")]
    pub utm_campaign: Option<Option<String>>,
}

/// An optional text where blank means none.
fn text(f: &mut FieldErrors, field: &str, raw: Option<String>, max: usize) -> Option<String> {
    match f.patch_text(field, raw.map(Some), max) {
        Patch::Set(text) => Some(text),
        Patch::Keep | Patch::Clear => None,
    }
}

impl TryFrom<CreateChannelRequest> for ChannelDefinition {
    type Error = Vec<FieldError>;

    fn try_from(r: CreateChannelRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let name = f.required_text("name", &r.name, MAX_CHANNEL_NAME_CHARS);
        let code = f.take("code", ChannelCode::parse(&r.code));
        let definition = ChannelDefinition {
            name: name.unwrap_or_default(),
            code: code.unwrap_or_else(|| ChannelCode::from_trusted(String::new())),
            link: text(&mut f, "link", r.link, MAX_LINK_CHARS),
            utm_source: text(&mut f, "utm_source", r.utm_source, MAX_UTM_CHARS),
            utm_medium: text(&mut f, "utm_medium", r.utm_medium, MAX_UTM_CHARS),
            utm_campaign: text(&mut f, "utm_campaign", r.utm_campaign, MAX_UTM_CHARS),
        };
        f.finish(definition)
    }
}

impl TryFrom<UpdateChannelRequest> for ChannelUpdate {
    type Error = Vec<FieldError>;

    fn try_from(r: UpdateChannelRequest) -> Result<Self, Self::Error> {
        let mut f = FieldErrors::default();
        let update = ChannelUpdate {
            name: r
                .name
                .and_then(|n| f.required_text("name", &n, MAX_CHANNEL_NAME_CHARS)),
            code: r.code.and_then(|c| f.take("code", ChannelCode::parse(&c))),
            link: f.patch_text("link", r.link, MAX_LINK_CHARS),
            utm_source: f.patch_text("utm_source", r.utm_source, MAX_UTM_CHARS),
            utm_medium: f.patch_text("utm_medium", r.utm_medium, MAX_UTM_CHARS),
            utm_campaign: f.patch_text("utm_campaign", r.utm_campaign, MAX_UTM_CHARS),
        };
        f.finish(update)
    }
}

/// The id in `/traffic-channels/{channel_id}`.
#[derive(Debug, Deserialize, Apiv2Schema)]
pub struct ChannelPath {
    /// Traffic channel id.
    pub channel_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_request_checks_name_and_code_and_blanks_are_none() {
        let request: CreateChannelRequest = serde_json::from_value(serde_json::json!({
            "name": " ", "code": "Insta Bio", "utm_source": "  "
        }))
        .expect("shape");
        let errors = ChannelDefinition::try_from(request).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "code"]);

        let request: CreateChannelRequest = serde_json::from_value(serde_json::json!({
            "name": "Instagram", "code": "insta", "utm_source": "  ", "utm_medium": "bio"
        }))
        .expect("shape");
        let definition = ChannelDefinition::try_from(request).expect("valid");
        assert_eq!(definition.utm_source, None);
        assert_eq!(definition.utm_medium.as_deref(), Some("bio"));
    }

    #[test]
    fn an_update_tells_absent_null_and_value_apart() {
        let request: UpdateChannelRequest =
            serde_json::from_value(serde_json::json!({"link": null, "code": "vk_2"}))
                .expect("shape");
        let update = ChannelUpdate::try_from(request).expect("valid");
        assert_eq!(update.link, Patch::Clear);
        assert_eq!(update.utm_source, Patch::Keep);
        assert_eq!(
            update.code.map(|c| c.as_str().to_owned()),
            Some("vk_2".into())
        );
    }
}
