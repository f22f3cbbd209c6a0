//! [`WebhookAdapter`]: a signed outbound webhook for the channels without a public protocol
//! implemented here (`sms`, `instagram`, `facebook`, `max`, `app_push`).
//!
//! `POST {WEBHOOK_<CHANNEL>_URL}` with the JSON body `{delivery_id, channel, recipient, text,
//! image_url, buttons}` and the header `X-CRM-Signature: sha256=<hex HMAC-SHA256 of the exact
//! body bytes with WEBHOOK_<CHANNEL>_SECRET>`. Answers: 2xx → sent (a JSON `message_id` or `id`
//! in the answer is kept as the provider's id); 429 (with `Retry-After` seconds) and 5xx or no
//! answer → temporary; any other status → permanent. See `docs/channels.md`.

use super::network_error;
use crm_comms::delivery::{Button, ChannelAdapter, OutboundMessage, SendError, SendReceipt};
use crm_core::Channel;
use ring::hmac;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-CRM-Signature";

/// One webhook: `WEBHOOK_<CHANNEL>_URL`, `WEBHOOK_<CHANNEL>_SECRET`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Where to `POST`.
    pub url: String,
    /// The HMAC key.
    pub secret: String,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"<secret>")
            .finish()
    }
}

/// The JSON body of a webhook call.
#[derive(Debug, Serialize)]
struct WebhookBody<'a> {
    delivery_id: i64,
    channel: &'a str,
    recipient: &'a str,
    text: &'a str,
    image_url: Option<&'a str>,
    buttons: &'a [Button],
}

/// The value of [`SIGNATURE_HEADER`] for a body: `sha256=` and the lower-case hex
/// HMAC-SHA256 of the body bytes keyed with the secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    format!("sha256={}", hex::encode(hmac::sign(&key, body).as_ref()))
}

/// Sends through a signed webhook.
#[derive(Debug, Clone)]
pub struct WebhookAdapter {
    channel: Channel,
    config: WebhookConfig,
    http: reqwest::Client,
}

impl WebhookAdapter {
    /// An adapter of `channel` over a shared HTTP client.
    pub fn new(channel: Channel, config: WebhookConfig, http: reqwest::Client) -> Self {
        Self {
            channel,
            config,
            http,
        }
    }
}

#[async_trait::async_trait]
impl ChannelAdapter for WebhookAdapter {
    fn channel(&self) -> Channel {
        self.channel
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        if self.config.url.is_empty() || self.config.secret.is_empty() {
            return Err(SendError::NotConfigured);
        }
        let body = serde_json::to_vec(&WebhookBody {
            delivery_id: message.delivery_id,
            channel: self.channel.code(),
            recipient: &message.recipient,
            text: &message.text,
            image_url: message.image_url.as_deref(),
            buttons: &message.buttons,
        })
        .map_err(|e| SendError::Permanent {
            reason: format!("cannot encode the body: {e}"),
        })?;
        let response = self
            .http
            .post(&self.config.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&self.config.secret, &body))
            .body(body)
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = response.text().await.unwrap_or_default();
        match status {
            200..=299 => {
                let answer: Option<Value> = serde_json::from_str(&text).ok();
                let id = answer.as_ref().and_then(|a| {
                    a.get("message_id")
                        .or_else(|| a.get("id"))
                        .map(|id| match id {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                });
                Ok(SendReceipt {
                    provider_message_id: id,
                })
            }
            429 | 500..=599 => Err(SendError::Temporary {
                retry_after_seconds: retry_after,
                reason: format!("webhook answered HTTP {status}"),
            }),
            _ => Err(SendError::Permanent {
                reason: format!("webhook answered HTTP {status}"),
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
    use serde_json::json;

    fn adapter(channel: Channel, url: String) -> WebhookAdapter {
        WebhookAdapter::new(
            channel,
            WebhookConfig {
                url,
                secret: "whsec".into(),
            },
            http_client().unwrap(),
        )
    }

    fn message(channel: Channel) -> OutboundMessage {
        OutboundMessage {
            delivery_id: 31,
            channel,
            recipient: "+79990001122".into(),
            text: "Your code: 1234".into(),
            image_url: None,
            buttons: vec![Button {
                text: "Site".into(),
                url: "https://example.com".into(),
            }],
        }
    }

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[tokio::test]
    async fn posts_the_signed_json_body() {
        let server = FakeHttp::start(vec![(200, r#"{"message_id":"sms-1"}"#.into())]);
        let receipt = adapter(Channel::Sms, format!("{}/hooks/sms?x=1", server.base))
            .send(&message(Channel::Sms))
            .await
            .unwrap();
        assert_eq!(receipt.provider_message_id.as_deref(), Some("sms-1"));
        let request = &server.finish()[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/hooks/sms?x=1");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.header("x-crm-signature").unwrap(),
            signature("whsec", &request.body)
        );
        assert_eq!(
            request.json(),
            json!({
                "delivery_id": 31,
                "channel": "sms",
                "recipient": "+79990001122",
                "text": "Your code: 1234",
                "image_url": null,
                "buttons": [{"text": "Site", "url": "https://example.com"}]
            })
        );
    }

    #[tokio::test]
    async fn maps_statuses() {
        let server = FakeHttp::start(vec![
            (204, String::new()),
            (429, String::new()),
            (503, String::new()),
            (404, String::new()),
            (400, r#"{"error":"bad number"}"#.into()),
        ]);
        let adapter = adapter(Channel::AppPush, format!("{}/push", server.base));
        let m = message(Channel::AppPush);
        assert_eq!(adapter.send(&m).await, Ok(SendReceipt::default()));
        assert!(matches!(
            adapter.send(&m).await,
            Err(SendError::Temporary { .. })
        ));
        assert!(matches!(
            adapter.send(&m).await,
            Err(SendError::Temporary { .. })
        ));
        assert_eq!(
            adapter.send(&m).await,
            Err(SendError::Permanent {
                reason: "webhook answered HTTP 404".into()
            })
        );
        assert!(matches!(
            adapter.send(&m).await,
            Err(SendError::Permanent { .. })
        ));
        let requests = server.finish();
        assert_eq!(requests.len(), 5);
        assert_eq!(requests[0].json()["channel"], json!("app_push"));
        let offline = super::WebhookAdapter::new(
            Channel::Max,
            WebhookConfig {
                url: closed_port_base(),
                secret: "s".into(),
            },
            http_client().unwrap(),
        );
        assert!(matches!(
            offline.send(&message(Channel::Max)).await,
            Err(SendError::Temporary { .. })
        ));
    }
}
