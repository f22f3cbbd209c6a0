//! [`MaxAdapter`]: the MAX messenger Bot API.
//!
//! `POST {base}/messages?user_id={id}` with the header `Authorization: <bot token>` (MAX no
//! longer accepts the token as a query parameter) and the JSON body `{"text", "attachments"}`:
//! the image as an `image` attachment by URL, the buttons as an `inline_keyboard` attachment of
//! `link` buttons (one per row). Answers: 2xx → sent with the message's `body.mid`; 429, 5xx, no
//! answer or `attachment.not.ready` (the image is still being fetched) → temporary; any other
//! error (`{"code", "message"}`: blocked bot, unknown user) → permanent.

use super::network_error;
use crm_comms::delivery::{ChannelAdapter, OutboundMessage, SendError, SendReceipt};
use crm_core::Channel;
use serde_json::{json, Value};
use std::fmt;

/// The MAX Bot API as its documentation names it today.
pub const DEFAULT_MAX_API_BASE: &str = "https://platform-api2.max.ru";
/// MAX's longest message text.
const MAX_TEXT_LIMIT: usize = 4_000;

/// The bot: `MAX_BOT_TOKEN`, `MAX_API_BASE`, `MAX_CA_CERT_FILE`.
#[derive(Clone, PartialEq, Eq)]
pub struct MaxConfig {
    /// API base URL without a trailing slash.
    pub api_base: String,
    /// The bot token from the MAX partner platform.
    pub bot_token: String,
    /// A PEM file of extra root certificates to trust for the API (the Russian Ministry of
    /// Digital Development's CA, which the webpki roots do not carry).
    pub ca_cert_file: Option<String>,
}

impl fmt::Debug for MaxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxConfig")
            .field("api_base", &self.api_base)
            .field("bot_token", &"<secret>")
            .field("ca_cert_file", &self.ca_cert_file)
            .finish()
    }
}

/// Sends through the MAX Bot API.
#[derive(Debug, Clone)]
pub struct MaxAdapter {
    config: MaxConfig,
    http: reqwest::Client,
}

impl MaxAdapter {
    /// An adapter over an HTTP client (one that trusts `ca_cert_file`, when set).
    pub fn new(config: MaxConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    fn body(message: &OutboundMessage) -> Value {
        let mut attachments = Vec::new();
        if let Some(image) = &message.image_url {
            attachments.push(json!({ "type": "image", "payload": { "url": image } }));
        }
        if !message.buttons.is_empty() {
            let rows: Vec<Value> = message
                .buttons
                .iter()
                .map(|b| json!([{ "type": "link", "text": b.text, "url": b.url }]))
                .collect();
            attachments.push(json!({ "type": "inline_keyboard", "payload": { "buttons": rows } }));
        }
        let mut body = json!({ "text": message.text });
        if !attachments.is_empty() {
            body["attachments"] = Value::Array(attachments);
        }
        body
    }
}

#[async_trait::async_trait]
impl ChannelAdapter for MaxAdapter {
    fn channel(&self) -> Channel {
        Channel::Max
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        if self.config.bot_token.is_empty() {
            return Err(SendError::NotConfigured);
        }
        if message.text.chars().count() > MAX_TEXT_LIMIT {
            return Err(SendError::Permanent {
                reason: format!("text_too_long: over {MAX_TEXT_LIMIT} characters"),
            });
        }
        let user_id = message.recipient.trim();
        let response = self
            .http
            .post(format!("{}/messages", self.config.api_base))
            .query(&[("user_id", user_id)])
            .header(reqwest::header::AUTHORIZATION, &self.config.bot_token)
            .json(&Self::body(message))
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = response.text().await.map_err(network_error)?;
        let answer: Option<Value> = serde_json::from_str(&text).ok();
        if (200..300).contains(&status) {
            let mid = answer
                .as_ref()
                .and_then(|a| a.pointer("/message/body/mid"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            return Ok(SendReceipt {
                provider_message_id: mid,
            });
        }
        let field = |name: &str| {
            answer
                .as_ref()
                .and_then(|a| a.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let code = field("code");
        let reason = match (&code, field("message")) {
            (Some(code), Some(message)) => format!("max {code}: {message}"),
            (Some(code), None) => format!("max {code}"),
            (None, Some(message)) => format!("max: {message}"),
            (None, None) => format!("HTTP {status}"),
        };
        if status == 429 || status >= 500 || code.as_deref() == Some("attachment.not.ready") {
            Err(SendError::Temporary {
                retry_after_seconds: retry_after,
                reason,
            })
        } else {
            Err(SendError::Permanent { reason })
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

    fn adapter(base: &str) -> MaxAdapter {
        MaxAdapter::new(
            MaxConfig {
                api_base: base.to_owned(),
                bot_token: "max-token".into(),
                ca_cert_file: None,
            },
            http_client().unwrap(),
        )
    }

    fn message() -> OutboundMessage {
        OutboundMessage {
            delivery_id: 8,
            channel: Channel::Max,
            recipient: "5550001".into(),
            text: "Новинки недели".into(),
            image_url: Some("https://cdn.example.com/new.jpg".into()),
            buttons: vec![Button {
                text: "Открыть".into(),
                url: "https://shop.example.com".into(),
            }],
        }
    }

    #[tokio::test]
    async fn posts_messages_with_the_token_in_the_header() {
        let server = FakeHttp::start(vec![(
            200,
            r#"{"message":{"recipient":{"user_id":5550001},"body":{"mid":"mid.abc","text":"x"}}}"#
                .into(),
        )]);
        let receipt = adapter(&server.base).send(&message()).await.unwrap();
        assert_eq!(receipt.provider_message_id.as_deref(), Some("mid.abc"));
        let request = &server.finish()[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/messages?user_id=5550001");
        assert_eq!(request.header("authorization"), Some("max-token"));
        assert_eq!(
            request.json(),
            json!({
                "text": "Новинки недели",
                "attachments": [
                    {"type": "image", "payload": {"url": "https://cdn.example.com/new.jpg"}},
                    {"type": "inline_keyboard", "payload": {"buttons": [[
                        {"type": "link", "text": "Открыть", "url": "https://shop.example.com"}
                    ]]}}
                ]
            })
        );
    }

    #[tokio::test]
    async fn maps_errors() {
        let server = FakeHttp::start(vec![
            (429, r#"{"code":"too.many.requests","message":"Slow down"}"#.into()),
            (
                403,
                r#"{"code":"chat.denied","message":"Bot is blocked by the user"}"#.into(),
            ),
            (
                400,
                r#"{"code":"attachment.not.ready","message":"Key: errors.process.attachment.file.not.processed"}"#.into(),
            ),
            (503, String::new()),
        ]);
        let adapter = adapter(&server.base);
        let mut m = message();
        m.image_url = None;
        m.buttons = vec![];
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Temporary {
                retry_after_seconds: None,
                reason: "max too.many.requests: Slow down".into()
            })
        );
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Permanent {
                reason: "max chat.denied: Bot is blocked by the user".into()
            })
        );
        assert!(matches!(
            adapter.send(&m).await,
            Err(SendError::Temporary { .. })
        ));
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Temporary {
                retry_after_seconds: None,
                reason: "HTTP 503".into()
            })
        );
        let requests = server.finish();
        assert_eq!(requests[0].json(), json!({"text": "Новинки недели"}));
        let err = super::MaxAdapter::new(
            MaxConfig {
                api_base: closed_port_base(),
                bot_token: "t".into(),
                ca_cert_file: None,
            },
            http_client().unwrap(),
        )
        .send(&m)
        .await
        .unwrap_err();
        assert!(matches!(err, SendError::Temporary { .. }), "{err:?}");
        let long = OutboundMessage {
            text: "a".repeat(MAX_TEXT_LIMIT + 1),
            ..m
        };
        assert!(matches!(
            adapter.send(&long).await,
            Err(SendError::Permanent { .. })
        ));
    }
}
