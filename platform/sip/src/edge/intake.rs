//! What happens to one received message, whatever the transport: the rate limit, the
//! validation, and the resulting action (send a response, deliver to the stack, nothing).
//!
//! Owns the counters and the limiter's lock; never touches sockets (the transport loops do).

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rsipstack::sip::SipMessage;
use rsipstack::transport::TransportEvent;
use tokio::sync::mpsc::UnboundedSender;

use super::SipEdgeConfig;
use crate::limits::{RateDecision, RateLimiter, RequestClass};
use crate::validate::{TransportKind, ValidationConfig, Verdict, validate};

/// Counters of what the edge did with received messages.
#[derive(Debug, Default)]
pub struct EdgeStats {
    /// Messages handed to the stack.
    pub accepted: AtomicU64,
    /// Requests refused with a 4xx/5xx by the validation.
    pub rejected: AtomicU64,
    /// Messages dropped by the validation (garbage, invalid responses, refused ACKs).
    pub dropped: AtomicU64,
    /// Requests answered 503 by the rate limit.
    pub rate_limited: AtomicU64,
    /// Requests dropped silently by the rate limit.
    pub rate_dropped: AtomicU64,
    /// Requests answered 503 because the consumer's queue was full.
    pub overloaded: AtomicU64,
}

impl EdgeStats {
    /// Reads one counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn overloaded(&self) {
        Self::bump(&self.overloaded);
    }
}

/// The transport loop's next step for one message.
pub(crate) enum Action {
    /// Send these bytes back to the source.
    Send(Vec<u8>),
    /// Hand this message to the stack.
    Deliver(SipMessage),
    /// Nothing.
    Nothing,
}

pub(crate) struct Intake {
    validation: ValidationConfig,
    limiter: Mutex<RateLimiter>,
    stats: std::sync::Arc<EdgeStats>,
    inject: UnboundedSender<TransportEvent>,
}

/// The method of a request, read from the start of the bytes without parsing them.
fn peek_method(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(bytes.len());
    let rest = &bytes[start..];
    let end = rest.iter().take(32).position(|&b| b == b' ').unwrap_or(0);
    &rest[..end]
}

impl Intake {
    pub(crate) fn new(
        config: &SipEdgeConfig,
        stats: std::sync::Arc<EdgeStats>,
        inject: UnboundedSender<TransportEvent>,
    ) -> Self {
        Self {
            validation: config.validation,
            limiter: Mutex::new(RateLimiter::new(config.rate_limits, Instant::now())),
            stats,
            inject,
        }
    }

    pub(crate) fn validation(&self) -> &ValidationConfig {
        &self.validation
    }

    /// Judges one message from `source`. `rules` is the framing the bytes obey (a stream's
    /// last, EOF-terminated message is judged by datagram rules).
    pub(crate) fn judge(&self, bytes: &[u8], source: SocketAddr, rules: TransportKind) -> Action {
        let mut decision = RateDecision::Allow;
        let mut retry_after = 0;
        if let Some(class) = RequestClass::of_method(peek_method(bytes))
            && let Ok(mut limiter) = self.limiter.lock()
        {
            decision = limiter.check(source.ip(), class, Instant::now());
            retry_after = limiter.retry_after().as_secs();
        }
        if decision == RateDecision::Drop {
            EdgeStats::bump(&self.stats.rate_dropped);
            return Action::Nothing;
        }
        match validate(bytes, rules, &self.validation) {
            Verdict::Accept(accepted) if decision == RateDecision::Reject => {
                EdgeStats::bump(&self.stats.rate_limited);
                Action::Send(
                    accepted
                        .reply
                        .build(503, &[("Retry-After", retry_after.to_string())]),
                )
            }
            Verdict::Accept(accepted) => {
                EdgeStats::bump(&self.stats.accepted);
                Action::Deliver(accepted.message)
            }
            Verdict::Reject(rejection) => {
                EdgeStats::bump(&self.stats.rejected);
                tracing::debug!(%source, status = rejection.status(), cause = %rejection.cause, "SIP request refused");
                Action::Send(rejection.response)
            }
            Verdict::Drop(reason) => {
                EdgeStats::bump(&self.stats.dropped);
                tracing::debug!(%source, %reason, "SIP message dropped");
                Action::Nothing
            }
            Verdict::Keepalive => Action::Send(b"\r\n".to_vec()),
        }
    }

    /// Hands an accepted message to the stack.
    pub(crate) fn inject(&self, event: TransportEvent) {
        if self.inject.send(event).is_err() {
            tracing::warn!("SIP stack is gone; message discarded");
        }
    }
}
