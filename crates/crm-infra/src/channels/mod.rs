//! Channel adapters: the [`ChannelAdapter`] port of [`crm_comms::delivery`] over the real
//! providers, each built from a config struct (base URL and credentials) that
//! [`ChannelsConfig::from_env`] reads, so tests point them at a fake server on loopback.
//!
//! - [`TelegramAdapter`]: the Bot API `sendMessage` / `sendPhoto`;
//! - [`EmailAdapter`]: SMTP through `lettre`;
//! - [`VkAdapter`]: VK API `messages.send`;
//! - [`MaxAdapter`]: the MAX messenger Bot API `POST /messages` (or its webhook, below);
//! - [`WebhookAdapter`]: a signed JSON `POST` for `sms`, `instagram`, `facebook`, `app_push`
//!   (and `max` without `MAX_BOT_TOKEN`), which the business points at its provider or
//!   integration platform;
//! - [`NotConfiguredAdapter`]: every channel without configuration, answering
//!   [`SendError::NotConfigured`].
//!
//! `docs/channels.md` describes every variable, the webhook format and its signature.

mod email;
#[cfg(any(test, feature = "test-support"))]
pub mod fake_server;
mod max;
mod telegram;
mod vk;
mod webhook;

pub use email::{EmailAdapter, EmailConfig, SmtpTls};
pub use max::{MaxAdapter, MaxConfig, DEFAULT_MAX_API_BASE};
pub use telegram::{TelegramAdapter, TelegramConfig, DEFAULT_TELEGRAM_API_BASE};
pub use vk::{VkAdapter, VkConfig, DEFAULT_VK_API_BASE, DEFAULT_VK_API_VERSION};
pub use webhook::{signature, WebhookAdapter, WebhookConfig, SIGNATURE_HEADER};

use crm_comms::delivery::{
    ChannelAdapter, OutboundMessage, SendError, SendReceipt, WorkerSettings,
};
use crm_core::Channel;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The longest a provider call may take before it counts as a temporary failure.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest a connection to a provider may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The channels that go through the signed webhook.
pub const WEBHOOK_CHANNELS: [Channel; 5] = [
    Channel::Sms,
    Channel::Instagram,
    Channel::Facebook,
    Channel::Max,
    Channel::AppPush,
];

/// A channel variable that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ChannelConfigError {
    /// The variable.
    pub name: String,
    /// What is wrong with it.
    pub message: String,
}

impl ChannelConfigError {
    pub(crate) fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            message: message.into(),
        }
    }
}

/// The configuration of every channel and of the delivery worker's pace.
#[derive(Debug, Clone, Default)]
pub struct ChannelsConfig {
    /// The Telegram bot, when `TELEGRAM_BOT_TOKEN` is set.
    pub telegram: Option<TelegramConfig>,
    /// The SMTP server, when `SMTP_HOST` is set.
    pub email: Option<EmailConfig>,
    /// The VK community, when `VK_GROUP_TOKEN` is set.
    pub vk: Option<VkConfig>,
    /// The MAX bot, when `MAX_BOT_TOKEN` is set (it wins over `WEBHOOK_MAX_URL`).
    pub max: Option<MaxConfig>,
    /// The webhooks, per channel, when `WEBHOOK_<CHANNEL>_URL` is set.
    pub webhooks: BTreeMap<Channel, WebhookConfig>,
    /// Rate limits and retries of the worker (`DELIVERY_*`).
    pub worker: WorkerSettings,
}

/// A variable, trimmed, or `None` when unset or blank.
pub(crate) fn lookup_var(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A base URL: http(s), without a trailing slash.
pub(crate) fn base_url(name: &str, raw: &str) -> Result<String, ChannelConfigError> {
    let url = raw.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 9 {
        return Err(ChannelConfigError::new(
            name,
            format!("must be an http(s) URL, got {raw:?}"),
        ));
    }
    Ok(url.to_owned())
}

fn positive(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, ChannelConfigError> {
    match lookup_var(lookup, name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<u64>() {
            Ok(v) if (1..=max).contains(&v) => Ok(v),
            _ => Err(ChannelConfigError::new(
                name,
                format!("must be a number from 1 to {max}, got {raw:?}"),
            )),
        },
    }
}

/// The upper-case name of a channel in variable names (`APP_PUSH`).
pub(crate) fn env_name(channel: Channel) -> String {
    channel.code().to_ascii_uppercase()
}

impl ChannelsConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ChannelConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ChannelConfigError> {
        let telegram = lookup_var(lookup, "TELEGRAM_BOT_TOKEN")
            .map(|token| {
                Ok::<_, ChannelConfigError>(TelegramConfig {
                    api_base: base_url(
                        "TELEGRAM_API_BASE",
                        &lookup_var(lookup, "TELEGRAM_API_BASE")
                            .unwrap_or_else(|| DEFAULT_TELEGRAM_API_BASE.to_owned()),
                    )?,
                    bot_token: token,
                })
            })
            .transpose()?;
        let email = EmailConfig::from_lookup(lookup)?;
        let vk = lookup_var(lookup, "VK_GROUP_TOKEN")
            .map(|token| {
                Ok::<_, ChannelConfigError>(VkConfig {
                    api_base: base_url(
                        "VK_API_BASE",
                        &lookup_var(lookup, "VK_API_BASE")
                            .unwrap_or_else(|| DEFAULT_VK_API_BASE.to_owned()),
                    )?,
                    access_token: token,
                    api_version: lookup_var(lookup, "VK_API_VERSION")
                        .unwrap_or_else(|| DEFAULT_VK_API_VERSION.to_owned()),
                })
            })
            .transpose()?;
        let max = lookup_var(lookup, "MAX_BOT_TOKEN")
            .map(|token| {
                Ok::<_, ChannelConfigError>(MaxConfig {
                    api_base: base_url(
                        "MAX_API_BASE",
                        &lookup_var(lookup, "MAX_API_BASE")
                            .unwrap_or_else(|| DEFAULT_MAX_API_BASE.to_owned()),
                    )?,
                    bot_token: token,
                    ca_cert_file: lookup_var(lookup, "MAX_CA_CERT_FILE"),
                })
            })
            .transpose()?;
        let mut webhooks = BTreeMap::new();
        for channel in WEBHOOK_CHANNELS {
            let url_name = format!("WEBHOOK_{}_URL", env_name(channel));
            let secret_name = format!("WEBHOOK_{}_SECRET", env_name(channel));
            if let Some(url) = lookup_var(lookup, &url_name) {
                let secret = lookup_var(lookup, &secret_name).ok_or_else(|| {
                    ChannelConfigError::new(&secret_name, format!("is required with {url_name}"))
                })?;
                webhooks.insert(
                    channel,
                    WebhookConfig {
                        url: base_url(&url_name, &url)?,
                        secret,
                    },
                );
            }
        }
        let defaults = WorkerSettings::default();
        let default_rate_limit = positive(
            lookup,
            "DELIVERY_RATE_LIMIT",
            u64::from(defaults.default_rate_limit),
            1_000,
        )?;
        let mut rate_limits = defaults.rate_limits.clone();
        for channel in Channel::ALL {
            let name = format!("DELIVERY_RATE_LIMIT_{}", env_name(channel));
            if lookup_var(lookup, &name).is_some() {
                let limit = positive(lookup, &name, 1, 1_000)?;
                rate_limits.insert(channel, u32::try_from(limit).unwrap_or(1_000));
            }
        }
        let worker = WorkerSettings {
            default_rate_limit: u32::try_from(default_rate_limit).unwrap_or(1_000),
            rate_limits,
            base_backoff_seconds: positive(
                lookup,
                "DELIVERY_RETRY_BASE_SECONDS",
                defaults.base_backoff_seconds,
                86_400,
            )?,
            max_backoff_seconds: positive(
                lookup,
                "DELIVERY_RETRY_MAX_SECONDS",
                defaults.max_backoff_seconds,
                7 * 86_400,
            )?,
            stale_after_seconds: defaults.stale_after_seconds,
        };
        Ok(Self {
            telegram,
            email,
            vk,
            max,
            webhooks,
            worker,
        })
    }

    /// The channels that have a configuration.
    pub fn configured(&self) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| match c {
                Channel::Telegram => self.telegram.is_some(),
                Channel::Email => self.email.is_some(),
                Channel::Vk => self.vk.is_some(),
                Channel::Max => self.max.is_some() || self.webhooks.contains_key(c),
                other => self.webhooks.contains_key(other),
            })
            .collect()
    }

    /// One adapter per channel: the configured ones, and a [`NotConfiguredAdapter`] for the rest.
    pub fn adapters(&self) -> Result<Vec<Arc<dyn ChannelAdapter>>, ChannelConfigError> {
        let http = http_client()?;
        let mut adapters: Vec<Arc<dyn ChannelAdapter>> = Vec::new();
        for channel in Channel::ALL {
            let adapter: Arc<dyn ChannelAdapter> = match channel {
                Channel::Telegram => match &self.telegram {
                    Some(config) => Arc::new(TelegramAdapter::new(config.clone(), http.clone())),
                    None => Arc::new(NotConfiguredAdapter(channel)),
                },
                Channel::Email => match &self.email {
                    Some(config) => Arc::new(EmailAdapter::new(config.clone())?),
                    None => Arc::new(NotConfiguredAdapter(channel)),
                },
                Channel::Vk => match &self.vk {
                    Some(config) => Arc::new(VkAdapter::new(config.clone(), http.clone())),
                    None => Arc::new(NotConfiguredAdapter(channel)),
                },
                Channel::Max if self.max.is_some() => match &self.max {
                    Some(config) => Arc::new(MaxAdapter::new(
                        config.clone(),
                        match &config.ca_cert_file {
                            Some(file) => http_client_trusting("MAX_CA_CERT_FILE", file)?,
                            None => http.clone(),
                        },
                    )),
                    None => Arc::new(NotConfiguredAdapter(channel)),
                },
                other => match self.webhooks.get(&other) {
                    Some(config) => {
                        Arc::new(WebhookAdapter::new(other, config.clone(), http.clone()))
                    }
                    None => Arc::new(NotConfiguredAdapter(other)),
                },
            };
            adapters.push(adapter);
        }
        Ok(adapters)
    }
}

/// The HTTP client the adapters share: rustls, bounded timeouts.
pub(crate) fn http_client() -> Result<reqwest::Client, ChannelConfigError> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|e| ChannelConfigError::new("http client", e.to_string()))
}

/// An HTTP client that also trusts the root certificates of a PEM file.
fn http_client_trusting(name: &str, file: &str) -> Result<reqwest::Client, ChannelConfigError> {
    let pem = std::fs::read(file)
        .map_err(|e| ChannelConfigError::new(name, format!("cannot read {file}: {e}")))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        ChannelConfigError::new(name, format!("no PEM certificates in {file}: {e}"))
    })?;
    let mut builder = reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT);
    for certificate in certificates {
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build()
        .map_err(|e| ChannelConfigError::new(name, e.to_string()))
}

/// A network failure (no connection, timeout, broken body): worth retrying. The URL is left
/// out of the reason: it may hold a token.
pub(crate) fn network_error(error: reqwest::Error) -> SendError {
    SendError::Temporary {
        retry_after_seconds: None,
        reason: format!("network: {}", error.without_url()),
    }
}

/// The adapter of a channel with no configuration: every send is
/// [`SendError::NotConfigured`].
#[derive(Debug, Clone, Copy)]
pub struct NotConfiguredAdapter(pub Channel);

#[async_trait::async_trait]
impl ChannelAdapter for NotConfiguredAdapter {
    fn channel(&self) -> Channel {
        self.0
    }

    async fn send(&self, _message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        Err(SendError::NotConfigured)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<ChannelsConfig, ChannelConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ChannelsConfig::from_lookup(&move |name| vars.get(name).cloned())
    }

    #[test]
    fn nothing_set_means_nothing_configured() {
        let config = config(&[]).unwrap();
        assert!(config.configured().is_empty());
        assert_eq!(config.worker, WorkerSettings::default());
        let adapters = config.adapters().unwrap();
        let channels: Vec<_> = adapters.iter().map(|a| a.channel()).collect();
        assert_eq!(channels, Channel::ALL.to_vec());
    }

    #[test]
    fn reads_every_channel_and_the_worker_pace() {
        let config = config(&[
            ("TELEGRAM_BOT_TOKEN", "123:abc"),
            ("TELEGRAM_API_BASE", "http://127.0.0.1:9/"),
            ("SMTP_HOST", "127.0.0.1"),
            ("SMTP_FROM", "Shop <shop@example.com>"),
            ("SMTP_TLS", "none"),
            ("VK_GROUP_TOKEN", "vk1"),
            ("WEBHOOK_APP_PUSH_URL", "https://hooks.example.com/push"),
            ("MAX_BOT_TOKEN", "m1"),
            ("WEBHOOK_MAX_URL", "https://hooks.example.com/max"),
            ("WEBHOOK_MAX_SECRET", "s"),
            ("WEBHOOK_APP_PUSH_SECRET", "s3cret"),
            ("DELIVERY_RATE_LIMIT", "5"),
            ("DELIVERY_RATE_LIMIT_EMAIL", "2"),
        ])
        .unwrap();
        let telegram = config.telegram.clone().unwrap();
        assert_eq!(telegram.api_base, "http://127.0.0.1:9");
        assert_eq!(config.vk.clone().unwrap().api_base, DEFAULT_VK_API_BASE);
        let email = config.email.clone().unwrap();
        assert_eq!((email.port, email.tls), (25, SmtpTls::None));
        assert_eq!(
            config.configured(),
            vec![
                Channel::Telegram,
                Channel::Email,
                Channel::Vk,
                Channel::Max,
                Channel::AppPush
            ]
        );
        assert_eq!(config.worker.rate_limit(Channel::Email), 2);
        assert_eq!(config.worker.rate_limit(Channel::Sms), 5);
        assert_eq!(config.worker.rate_limit(Channel::Telegram), 25);
        assert_eq!(config.max.clone().unwrap().api_base, DEFAULT_MAX_API_BASE);
        assert_eq!(config.adapters().unwrap().len(), 8);
        let err = ChannelsConfig {
            max: Some(MaxConfig {
                ca_cert_file: Some("/nonexistent/ca.pem".into()),
                ..config.max.clone().unwrap()
            }),
            ..config
        }
        .adapters()
        .err()
        .unwrap();
        assert_eq!(err.name, "MAX_CA_CERT_FILE");
    }

    #[test]
    fn refuses_unusable_values() {
        let err = config(&[("WEBHOOK_SMS_URL", "https://x.example.com")]).unwrap_err();
        assert_eq!(err.name, "WEBHOOK_SMS_SECRET");
        let err =
            config(&[("WEBHOOK_SMS_URL", "ftp://x"), ("WEBHOOK_SMS_SECRET", "s")]).unwrap_err();
        assert_eq!(err.name, "WEBHOOK_SMS_URL");
        let err = config(&[("SMTP_HOST", "h"), ("SMTP_TLS", "ssl3")]).unwrap_err();
        assert_eq!(err.name, "SMTP_TLS");
        let err = config(&[("SMTP_HOST", "h")]).unwrap_err();
        assert_eq!(err.name, "SMTP_FROM");
        let err = config(&[("DELIVERY_RATE_LIMIT_VK", "0")]).unwrap_err();
        assert_eq!(err.name, "DELIVERY_RATE_LIMIT_VK");
    }

    #[tokio::test]
    async fn unconfigured_channels_answer_not_configured() {
        let adapter = NotConfiguredAdapter(Channel::Sms);
        let message = OutboundMessage {
            delivery_id: 1,
            channel: Channel::Sms,
            recipient: "+79990000000".into(),
            text: "hi".into(),
            image_url: None,
            buttons: vec![],
        };
        assert_eq!(adapter.send(&message).await, Err(SendError::NotConfigured));
    }
}
