//! [`TelegramAdapter`]: the Telegram Bot API.
//!
//! A message without an image is `POST {base}/bot{token}/sendMessage` with `chat_id`, `text`
//! and the buttons as an inline keyboard of URL buttons (one per row). With an image it is
//! `sendPhoto` (`photo` = the link, `caption` = the text) while the text fits a caption (1024
//! characters); a longer text goes as `sendMessage` with the image as its link preview shown
//! above the text. Answers: `ok: true` → sent with the `message_id`; 429 → temporary with
//! `parameters.retry_after`; 5xx or no answer → temporary; any other `ok: false` (403 blocked by
//! the user, 400 chat not found) → permanent with the description.

use super::network_error;
use crm_comms::delivery::{
    ChannelAdapter, OutboundMessage, SendError, SendReceipt, TELEGRAM_TEXT_LIMIT,
};
use crm_core::Channel;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt;

/// The public Bot API.
pub const DEFAULT_TELEGRAM_API_BASE: &str = "https://api.telegram.org";
/// Longest caption of a photo.
const CAPTION_LIMIT: usize = 1_024;

/// The bot: `TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_BASE`.
#[derive(Clone, PartialEq, Eq)]
pub struct TelegramConfig {
    /// Bot API base URL without a trailing slash.
    pub api_base: String,
    /// The bot token from @BotFather.
    pub bot_token: String,
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("api_base", &self.api_base)
            .field("bot_token", &"<secret>")
            .finish()
    }
}

/// Sends through the Bot API.
#[derive(Debug, Clone)]
pub struct TelegramAdapter {
    config: TelegramConfig,
    http: reqwest::Client,
}

/// The Bot API's answer envelope.
#[derive(Debug, Deserialize)]
struct BotAnswer {
    ok: bool,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<BotParameters>,
}

#[derive(Debug, Deserialize)]
struct BotParameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

impl TelegramAdapter {
    /// An adapter over a shared HTTP client.
    pub fn new(config: TelegramConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    /// The method and JSON body of a message.
    fn request(message: &OutboundMessage) -> (&'static str, Value) {
        // A numeric chat id goes as a number, a `@channel` username as text.
        let chat_id = match message.recipient.trim().parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => json!(message.recipient.trim()),
        };
        let mut body = serde_json::Map::new();
        body.insert("chat_id".into(), chat_id);
        let method = match &message.image_url {
            Some(image) if message.text.chars().count() <= CAPTION_LIMIT => {
                body.insert("photo".into(), json!(image));
                body.insert("caption".into(), json!(message.text));
                "sendPhoto"
            }
            Some(image) => {
                body.insert("text".into(), json!(message.text));
                body.insert(
                    "link_preview_options".into(),
                    json!({ "url": image, "show_above_text": true }),
                );
                "sendMessage"
            }
            None => {
                body.insert("text".into(), json!(message.text));
                "sendMessage"
            }
        };
        if !message.buttons.is_empty() {
            let rows: Vec<Value> = message
                .buttons
                .iter()
                .map(|b| json!([{ "text": b.text, "url": b.url }]))
                .collect();
            body.insert("reply_markup".into(), json!({ "inline_keyboard": rows }));
        }
        (method, Value::Object(body))
    }
}

#[async_trait::async_trait]
impl ChannelAdapter for TelegramAdapter {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        if message.text.chars().count() > TELEGRAM_TEXT_LIMIT {
            return Err(SendError::Permanent {
                reason: format!("text_too_long: over {TELEGRAM_TEXT_LIMIT} characters"),
            });
        }
        if self.config.bot_token.is_empty() {
            return Err(SendError::NotConfigured);
        }
        let (method, body) = Self::request(message);
        let url = format!(
            "{}/bot{}/{method}",
            self.config.api_base, self.config.bot_token
        );
        let response = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(network_error)?;
        let answer: Option<BotAnswer> = serde_json::from_str(&text).ok();
        match answer {
            Some(answer) if answer.ok && (200..300).contains(&status) => Ok(SendReceipt {
                provider_message_id: answer
                    .result
                    .as_ref()
                    .and_then(|r| r.get("message_id"))
                    .map(|id| id.to_string()),
            }),
            answer => {
                let description = answer
                    .as_ref()
                    .and_then(|a| a.description.clone())
                    .unwrap_or_else(|| format!("HTTP {status}"));
                let retry_after = answer
                    .as_ref()
                    .and_then(|a| a.parameters.as_ref())
                    .and_then(|p| p.retry_after);
                if status == 429 || status >= 500 || retry_after.is_some() {
                    Err(SendError::Temporary {
                        retry_after_seconds: retry_after,
                        reason: description,
                    })
                } else {
                    Err(SendError::Permanent {
                        reason: description,
                    })
                }
            }
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

    fn adapter(base: &str) -> TelegramAdapter {
        TelegramAdapter::new(
            TelegramConfig {
                api_base: base.to_owned(),
                bot_token: "123:SECRET".into(),
            },
            http_client().unwrap(),
        )
    }

    fn message(text: &str, image: Option<&str>) -> OutboundMessage {
        OutboundMessage {
            delivery_id: 17,
            channel: Channel::Telegram,
            recipient: "424242".into(),
            text: text.into(),
            image_url: image.map(Into::into),
            buttons: vec![Button {
                text: "Open the shop".into(),
                url: "https://shop.example.com/?a=1".into(),
            }],
        }
    }

    #[tokio::test]
    async fn send_message_with_buttons() {
        let server = FakeHttp::start(vec![(
            200,
            r#"{"ok":true,"result":{"message_id":555,"chat":{"id":424242}}}"#.into(),
        )]);
        let receipt = adapter(&server.base)
            .send(&message("Привет, Ann!", None))
            .await
            .unwrap();
        assert_eq!(receipt.provider_message_id.as_deref(), Some("555"));
        let requests = server.finish();
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/bot123:SECRET/sendMessage");
        assert!(request
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            request.json(),
            json!({
                "chat_id": 424242,
                "text": "Привет, Ann!",
                "reply_markup": {"inline_keyboard": [[
                    {"text": "Open the shop", "url": "https://shop.example.com/?a=1"}
                ]]}
            })
        );
    }

    #[tokio::test]
    async fn send_photo_when_an_image_is_set() {
        let server = FakeHttp::start(vec![(
            200,
            r#"{"ok":true,"result":{"message_id":7}}"#.into(),
        )]);
        adapter(&server.base)
            .send(&message("Sale!", Some("https://cdn.example.com/p.jpg")))
            .await
            .unwrap();
        let request = &server.finish()[0];
        assert_eq!(request.path, "/bot123:SECRET/sendPhoto");
        let body = request.json();
        assert_eq!(body["chat_id"], json!(424242));
        assert_eq!(body["photo"], json!("https://cdn.example.com/p.jpg"));
        assert_eq!(body["caption"], json!("Sale!"));
        assert!(body.get("text").is_none());
        assert_eq!(
            body["reply_markup"]["inline_keyboard"][0][0]["url"],
            json!("https://shop.example.com/?a=1")
        );
    }

    #[tokio::test]
    async fn a_long_text_with_an_image_goes_as_a_message_with_a_preview() {
        let server = FakeHttp::start(vec![(200, r#"{"ok":true,"result":{}}"#.into())]);
        let text = "x".repeat(2_000);
        let receipt = adapter(&server.base)
            .send(&message(&text, Some("https://cdn.example.com/p.jpg")))
            .await
            .unwrap();
        assert_eq!(receipt.provider_message_id, None);
        let request = &server.finish()[0];
        assert_eq!(request.path, "/bot123:SECRET/sendMessage");
        assert_eq!(
            request.json()["link_preview_options"],
            json!({"url": "https://cdn.example.com/p.jpg", "show_above_text": true})
        );
    }

    #[tokio::test]
    async fn maps_errors() {
        let server = FakeHttp::start(vec![
            (
                429,
                r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 13","parameters":{"retry_after":13}}"#.into(),
            ),
            (
                403,
                r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#.into(),
            ),
            (500, "oops".into()),
            (
                400,
                r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#.into(),
            ),
        ]);
        let adapter = adapter(&server.base);
        let m = message("hi", None);
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Temporary {
                retry_after_seconds: Some(13),
                reason: "Too Many Requests: retry after 13".into()
            })
        );
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Permanent {
                reason: "Forbidden: bot was blocked by the user".into()
            })
        );
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Temporary {
                retry_after_seconds: None,
                reason: "HTTP 500".into()
            })
        );
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Permanent {
                reason: "Bad Request: chat not found".into()
            })
        );
        assert_eq!(server.finish().len(), 4);
    }

    #[tokio::test]
    async fn network_errors_are_temporary_and_hide_the_token() {
        let err = adapter(&closed_port_base())
            .send(&message("hi", None))
            .await
            .unwrap_err();
        match err {
            SendError::Temporary {
                retry_after_seconds: None,
                reason,
            } => assert!(!reason.contains("SECRET"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn refuses_text_over_the_limit_without_calling() {
        // Nothing listens there: a call would be a network error, not a permanent one.
        let adapter = adapter(&closed_port_base());
        let err = adapter
            .send(&message(&"я".repeat(TELEGRAM_TEXT_LIMIT + 1), None))
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Permanent { .. }));
    }
}
