//! Outbox delivery: messages committed with their cause are delivered here, retried on failure.
//!
//! With `smtp_url` configured, e-mails go out over SMTP. Without it (the embedded default) a
//! message is "delivered" to the log, so an admin running the demo can copy the invitation link
//! from the server output. A failed delivery stays in the outbox with its error and is retried
//! on the next pass, up to `kefu_store::outbox::MAX_ATTEMPTS` times: nothing is lost.

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use kefu_store::Store;
use tokio::sync::Notify;

use crate::config::Config;

/// An SMTP connection pool and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds credentials.
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer the configuration asks for, or `None` to deliver to the log.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Mailer>> {
        if config.smtp_url.is_empty() {
            return Ok(None);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .context("configuration: key `smtp_url`")?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = config
            .smtp_from
            .parse()
            .context("configuration: key `smtp_from`")?;
        Ok(Some(Mailer { transport, from }))
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().context("recipient address")?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// The delivery side of the outbox: the mailer (if any) and the worker's wake-up. Knows the
/// store and the mailer only, never the rest of the application state.
#[derive(Debug, Default)]
pub struct Outbox {
    mailer: Option<Mailer>,
    wake: Notify,
}

impl Outbox {
    /// Delivering with `mailer`, or to the log without one.
    pub fn new(mailer: Option<Mailer>) -> Outbox {
        Outbox {
            mailer,
            wake: Notify::new(),
        }
    }

    /// Ask the worker to look at the outbox now rather than at its next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Deliver pending messages until the process stops.
    pub async fn run(&self, store: Store) {
        loop {
            if let Err(e) = self.deliver_pending(&store).await {
                tracing::warn!(error = %e, "outbox pass failed; will retry");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(10)) => {}
            }
        }
    }

    /// One pass over the pending messages; returns how many were delivered.
    pub async fn deliver_pending(&self, store: &Store) -> Result<usize, kefu_store::StoreError> {
        let pending = store.outbox_pending(50).await?;
        let mut delivered = 0;
        for msg in pending {
            let result = match &self.mailer {
                Some(mailer) => mailer.send(&msg.recipient, &msg.subject, &msg.body).await,
                None => {
                    // The log is the delivery channel here; the body carries the invitation link.
                    tracing::info!(
                        target: "kefu::outbox",
                        tenant_id = %msg.tenant,
                        to = %msg.recipient,
                        subject = %msg.subject,
                        "e-mail (no SMTP configured, delivered to the log):\n{}",
                        msg.body
                    );
                    Ok(())
                }
            };
            match result {
                Ok(()) => {
                    store.outbox_attempted(&msg.id, None).await?;
                    delivered += 1;
                }
                Err(e) => {
                    let error = format!("{e:#}");
                    tracing::warn!(tenant_id = %msg.tenant, to = %msg.recipient, %error,
                        attempt = msg.attempts + 1, "e-mail delivery failed; will retry");
                    store.outbox_attempted(&msg.id, Some(&error)).await?;
                }
            }
        }
        Ok(delivered)
    }
}
