//! [`EmailAdapter`]: e-mail over SMTP through `lettre` (async, on tokio, rustls for TLS).
//!
//! A plain-text message from `SMTP_FROM` to the client's address: the subject is the first line
//! of the text (at most 78 characters), the body the text followed by the image link and the
//! buttons as `label: link` lines. The server answers decide: accepted → sent; a 4xx reply or
//! no connection → temporary; a 5xx reply (unknown mailbox, refused sender) or an address that
//! is not an e-mail → permanent.

use super::{lookup_var, ChannelConfigError};
use crm_comms::delivery::{ChannelAdapter, OutboundMessage, SendError, SendReceipt};
use crm_core::Channel;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// The longest an SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest subject taken from the text.
const SUBJECT_LIMIT: usize = 78;

/// How the connection to the SMTP server is secured (`SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (`none`; default port 25): only for a relay on a trusted network or tests.
    None,
    /// `STARTTLS` upgrade, required (`starttls`, the default; default port 587).
    StartTls,
    /// TLS from the first byte (`tls`; default port 465).
    Tls,
}

impl SmtpTls {
    fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The SMTP server and sender: `SMTP_HOST`, `SMTP_PORT`, `SMTP_USERNAME`, `SMTP_PASSWORD`,
/// `SMTP_FROM`, `SMTP_TLS`.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Login, if the server wants one.
    pub username: Option<String>,
    /// Password of the login.
    pub password: Option<String>,
    /// The sender, e.g. `Shop <shop@example.com>`.
    pub from: String,
    /// Connection security.
    pub tls: SmtpTls,
}

impl fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<secret>"))
            .field("from", &self.from)
            .field("tls", &self.tls)
            .finish()
    }
}

impl EmailConfig {
    /// Reads the `SMTP_*` variables; `None` when `SMTP_HOST` is not set.
    pub(crate) fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ChannelConfigError> {
        let var = |name: &str| lookup_var(lookup, name);
        let Some(host) = var("SMTP_HOST") else {
            return Ok(None);
        };
        let tls = match var("SMTP_TLS").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("none") => SmtpTls::None,
            Some("tls") => SmtpTls::Tls,
            Some(other) => {
                return Err(ChannelConfigError::new(
                    "SMTP_TLS",
                    format!("must be none, starttls or tls, got {other:?}"),
                ))
            }
        };
        let port = match var("SMTP_PORT") {
            None => tls.default_port(),
            Some(raw) => raw.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                ChannelConfigError::new("SMTP_PORT", format!("must be a port, got {raw:?}"))
            })?,
        };
        let from = var("SMTP_FROM")
            .ok_or_else(|| ChannelConfigError::new("SMTP_FROM", "is required with SMTP_HOST"))?;
        from.parse::<Mailbox>().map_err(|e| {
            ChannelConfigError::new("SMTP_FROM", format!("is not an address ({e}): {from:?}"))
        })?;
        Ok(Some(Self {
            host,
            port,
            username: var("SMTP_USERNAME"),
            password: var("SMTP_PASSWORD"),
            from,
            tls,
        }))
    }
}

/// Sends e-mail through the configured SMTP server.
#[derive(Clone)]
pub struct EmailAdapter {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for EmailAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailAdapter")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl EmailAdapter {
    /// An adapter with its own SMTP transport (one connection per message).
    pub fn new(config: EmailConfig) -> Result<Self, ChannelConfigError> {
        let from = config.from.parse::<Mailbox>().map_err(|e| {
            ChannelConfigError::new("SMTP_FROM", format!("is not an address ({e})"))
        })?;
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| ChannelConfigError::new("SMTP_HOST", e.to_string()))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| ChannelConfigError::new("SMTP_HOST", e.to_string()))?,
        };
        let mut builder = builder.port(config.port).timeout(Some(SMTP_TIMEOUT));
        if let Some(username) = &config.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Self {
            from,
            transport: builder.build(),
        })
    }

    /// The subject: the first non-blank line of the text, shortened.
    fn subject(text: &str) -> String {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        if line.chars().count() <= SUBJECT_LIMIT {
            line.to_owned()
        } else {
            let mut short: String = line.chars().take(SUBJECT_LIMIT - 1).collect();
            short.push('…');
            short
        }
    }

    /// The plain-text body: the text, the image link, the buttons as links.
    fn body(message: &OutboundMessage) -> String {
        let mut body = message.text.clone();
        if let Some(image) = &message.image_url {
            body.push_str("\n\n");
            body.push_str(image);
        }
        if !message.buttons.is_empty() {
            body.push('\n');
            for button in &message.buttons {
                body.push_str(&format!("\n{}: {}", button.text, button.url));
            }
        }
        body.push('\n');
        body
    }
}

#[async_trait::async_trait]
impl ChannelAdapter for EmailAdapter {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, SendError> {
        let to = message
            .recipient
            .trim()
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent {
                reason: format!("invalid e-mail address: {e}"),
            })?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(Self::subject(&message.text))
            .header(ContentType::TEXT_PLAIN)
            .body(Self::body(message))
            .map_err(|e| SendError::Permanent {
                reason: format!("cannot build the message: {e}"),
            })?;
        match self.transport.send(email).await {
            Ok(response) => Ok(SendReceipt {
                provider_message_id: response
                    .message()
                    .next()
                    .map(str::to_owned)
                    .filter(|m| !m.is_empty()),
            }),
            Err(e) if e.is_permanent() => Err(SendError::Permanent {
                reason: format!("smtp: {e}"),
            }),
            Err(e) => Err(SendError::Temporary {
                retry_after_seconds: None,
                reason: format!("smtp: {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::channels::fake_server::SmtpSink;
    use crm_comms::delivery::Button;

    fn adapter(port: u16) -> EmailAdapter {
        EmailAdapter::new(EmailConfig {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            from: "Coffee Shop <shop@example.com>".into(),
            tls: SmtpTls::None,
        })
        .unwrap()
    }

    fn message(to: &str) -> OutboundMessage {
        OutboundMessage {
            delivery_id: 3,
            channel: Channel::Email,
            recipient: to.into(),
            text: "Hello Ann\nYour balance is 120 points.".into(),
            image_url: Some("https://cdn.example.com/promo.png".into()),
            buttons: vec![Button {
                text: "Menu".into(),
                url: "https://shop.example.com/menu".into(),
            }],
        }
    }

    #[tokio::test]
    async fn delivers_a_plain_text_message_to_the_sink() {
        let sink = SmtpSink::start("250 OK\r\n");
        let receipt = adapter(sink.port)
            .send(&message("ann@example.com"))
            .await
            .unwrap();
        assert_eq!(receipt.provider_message_id.as_deref(), Some("OK queued"));
        let session = sink.finish();
        assert!(
            session.commands[0].starts_with("EHLO "),
            "{:?}",
            session.commands
        );
        assert!(session
            .commands
            .contains(&"MAIL FROM:<shop@example.com>".to_owned()));
        assert!(session
            .commands
            .contains(&"RCPT TO:<ann@example.com>".to_owned()));
        let data = session.data.replace("\r\n", "\n");
        assert!(
            data.contains("From: \"Coffee Shop\" <shop@example.com>\n"),
            "{data}"
        );
        assert!(data.contains("To: ann@example.com\n"), "{data}");
        assert!(data.contains("Subject: Hello Ann\n"), "{data}");
        assert!(
            data.contains("Content-Type: text/plain; charset=utf-8\n"),
            "{data}"
        );
        assert!(
            data.contains(
                "Hello Ann\nYour balance is 120 points.\n\nhttps://cdn.example.com/promo.png\n\nMenu: https://shop.example.com/menu\n"
            ),
            "{data}"
        );
    }

    #[tokio::test]
    async fn a_refused_mailbox_is_permanent_a_busy_one_temporary() {
        let sink = SmtpSink::start("550 5.1.1 no such user\r\n");
        let err = adapter(sink.port)
            .send(&message("nobody@example.com"))
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Permanent { .. }), "{err:?}");
        sink.finish();
        let sink = SmtpSink::start("451 4.3.0 try again later\r\n");
        let err = adapter(sink.port)
            .send(&message("ann@example.com"))
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Temporary { .. }), "{err:?}");
        sink.finish();
    }

    #[tokio::test]
    async fn no_server_is_temporary_and_a_bad_address_permanent() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = adapter(port)
            .send(&message("ann@example.com"))
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Temporary { .. }), "{err:?}");
        let err = adapter(port)
            .send(&message("not an address"))
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Permanent { .. }), "{err:?}");
    }

    #[test]
    fn the_subject_is_the_first_line_shortened() {
        assert_eq!(EmailAdapter::subject("\n  Hi  \nmore"), "Hi");
        let long = EmailAdapter::subject(&"a".repeat(100));
        assert_eq!(long.chars().count(), SUBJECT_LIMIT);
        assert!(long.ends_with('…'));
    }
}
