//! [`VkAdapter`]: VK community messages through the VK API `messages.send`.
//!
//! `POST {base}/method/messages.send` as a form: `user_id` (the client's VK id), `random_id`
//! (from the delivery id, so VK drops a repeated send), `message` (the text, then the image
//! link), `keyboard` (the buttons as an inline keyboard of `open_link` buttons),
//! `access_token` (the community token) and `v`. Answers: `{"response": id}` → sent;
//! `error_code` 6 (too many requests per second), 9 (flood control) or 10 (internal error) →
//! temporary; any other error (901: the user has not allowed messages) → permanent; HTTP 5xx or
//! no answer → temporary.

use super::network_error;
use crm_comms::delivery::{ChannelAdapter, OutboundMessage, SendError, SendReceipt};
use crm_core::Channel;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt;

/// The public VK API.
pub const DEFAULT_VK_API_BASE: &str = "https://api.vk.com";
/// The API version asked for.
pub const DEFAULT_VK_API_VERSION: &str = "5.199";
/// VK's longest message.
const VK_TEXT_LIMIT: usize = 4_096;

/// The community: `VK_GROUP_TOKEN`, `VK_API_BASE`, `VK_API_VERSION`.
#[derive(Clone, PartialEq, Eq)]
pub struct VkConfig {
    /// API base URL without a trailing slash.
    pub api_base: String,
    /// The community access token (with the `messages` right).
    pub access_token: String,
    /// The `v` parameter.
    pub api_version: String,
}

impl fmt::Debug for VkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VkConfig")
            .field("api_base", &self.api_base)
            .field("access_token", &"<secret>")
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// Sends through `messages.send`.
#[derive(Debug, Clone)]
pub struct VkAdapter {
    config: VkConfig,
    http: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct VkAnswer {
    #[serde(default)]
    response: Option<Value>,
    #[serde(default)]
    error: Option<VkError>,
}

#[derive(Debug, Deserialize)]
struct VkError {
    error_code: i64,
    #[serde(default)]
    error_msg: String,
}

impl VkAdapter {
    /// An adapter over a shared HTTP client.
    pub fn new(config: VkConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    /// The text with the image link below it.
    fn text(message: &OutboundMessage) -> String {
        match &message.image_url {
            Some(image) => format!("{}\n\n{image}", message.text),
            None => message.text.clone(),
        }
    }

    fn keyboard(message: &OutboundMessage) -> Option<String> {
        if message.buttons.is_empty() {
            return None;
        }
        let rows: Vec<Value> = message
            .buttons
            .iter()
            .map(|b| json!([{ "action": { "type": "open_link", "link": b.url, "label": b.text } }]))
            .collect();
        Some(json!({ "inline": true, "buttons": rows }).to_string())
    }
}

#[async_trait::async_trait]
impl ChannelAdapter for VkAdapter {
    fn channel(&self) -> Channel {
        Channel::Vk
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        if self.config.access_token.is_empty() {
            return Err(SendError::NotConfigured);
        }
        let text = Self::text(message);
        if text.chars().count() > VK_TEXT_LIMIT {
            return Err(SendError::Permanent {
                reason: format!("text_too_long: over {VK_TEXT_LIMIT} characters"),
            });
        }
        let random_id = (message.delivery_id & i64::from(i32::MAX)).to_string();
        let mut form = vec![
            ("user_id", message.recipient.trim().to_owned()),
            ("random_id", random_id),
            ("message", text),
        ];
        if let Some(keyboard) = Self::keyboard(message) {
            form.push(("keyboard", keyboard));
        }
        form.push(("access_token", self.config.access_token.clone()));
        form.push(("v", self.config.api_version.clone()));
        let response = self
            .http
            .post(format!("{}/method/messages.send", self.config.api_base))
            .form(&form)
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(network_error)?;
        if status >= 500 || status == 429 {
            return Err(SendError::Temporary {
                retry_after_seconds: None,
                reason: format!("HTTP {status}"),
            });
        }
        match serde_json::from_str::<VkAnswer>(&body) {
            Ok(VkAnswer {
                error: Some(error), ..
            }) => {
                let reason = format!("vk error {}: {}", error.error_code, error.error_msg);
                if matches!(error.error_code, 6 | 9 | 10) {
                    Err(SendError::Temporary {
                        retry_after_seconds: None,
                        reason,
                    })
                } else {
                    Err(SendError::Permanent { reason })
                }
            }
            Ok(VkAnswer {
                response: Some(id), ..
            }) if (200..300).contains(&status) => Ok(SendReceipt {
                provider_message_id: Some(id.to_string()),
            }),
            _ => Err(SendError::Permanent {
                reason: format!("unexpected answer: HTTP {status}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::channels::fake_server::{closed_port_base, FakeHttp};
    use crate::channels::http_client;
    use crm_comms::delivery::Button;

    fn adapter(base: &str) -> VkAdapter {
        VkAdapter::new(
            VkConfig {
                api_base: base.to_owned(),
                access_token: "vk-token".into(),
                api_version: DEFAULT_VK_API_VERSION.into(),
            },
            http_client().unwrap(),
        )
    }

    fn message() -> OutboundMessage {
        OutboundMessage {
            delivery_id: 4_294_967_301,
            channel: Channel::Vk,
            recipient: "12345".into(),
            text: "Скидка 10% & подарок".into(),
            image_url: Some("https://cdn.example.com/a.png".into()),
            buttons: vec![Button {
                text: "Open".into(),
                url: "https://shop.example.com".into(),
            }],
        }
    }

    #[tokio::test]
    async fn sends_messages_send_as_a_form() {
        let server = FakeHttp::start(vec![(200, r#"{"response":987}"#.into())]);
        let receipt = adapter(&server.base).send(&message()).await.unwrap();
        assert_eq!(receipt.provider_message_id.as_deref(), Some("987"));
        let request = &server.finish()[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/method/messages.send");
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let form = request.form();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("user_id").as_deref(), Some("12345"));
        assert_eq!(get("random_id").as_deref(), Some("5"));
        assert_eq!(
            get("message").as_deref(),
            Some("Скидка 10% & подарок\n\nhttps://cdn.example.com/a.png")
        );
        assert_eq!(get("access_token").as_deref(), Some("vk-token"));
        assert_eq!(get("v").as_deref(), Some("5.199"));
        let keyboard: Value = serde_json::from_str(&get("keyboard").unwrap()).unwrap();
        assert_eq!(
            keyboard,
            json!({"inline": true, "buttons": [[{"action": {
                "type": "open_link", "link": "https://shop.example.com", "label": "Open"
            }}]]})
        );
    }

    #[tokio::test]
    async fn maps_errors() {
        let server = FakeHttp::start(vec![
            (
                200,
                r#"{"error":{"error_code":9,"error_msg":"Flood control"}}"#.into(),
            ),
            (
                200,
                r#"{"error":{"error_code":6,"error_msg":"Too many requests per second"}}"#.into(),
            ),
            (
                200,
                r#"{"error":{"error_code":901,"error_msg":"Can't send messages for users without permission"}}"#.into(),
            ),
            (502, "bad gateway".into()),
        ]);
        let adapter = adapter(&server.base);
        let m = message();
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Temporary {
                retry_after_seconds: None,
                reason: "vk error 9: Flood control".into()
            })
        );
        assert!(matches!(
            adapter.send(&m).await,
            Err(SendError::Temporary { .. })
        ));
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Permanent {
                reason: "vk error 901: Can't send messages for users without permission".into()
            })
        );
        assert!(matches!(
            adapter.send(&m).await,
            Err(SendError::Temporary { .. })
        ));
        assert_eq!(server.finish().len(), 4);
        let err = super::VkAdapter::new(
            VkConfig {
                api_base: closed_port_base(),
                access_token: "vk-token".into(),
                api_version: "5.199".into(),
            },
            http_client().unwrap(),
        )
        .send(&m)
        .await
        .unwrap_err();
        assert!(matches!(err, SendError::Temporary { .. }), "{err:?}");
    }
}
