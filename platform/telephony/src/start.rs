//! Starting telephony: the SIP edge, the call service over [`Services`], and the carrier
//! registrations; [`Telephony`] holds them while they run.

use std::sync::Arc;
use std::time::Duration;

use kefu_calls::{CallService, CallServiceConfig, CallSettings};
use kefu_media::driver::{PortPool, PortRange};
use kefu_media::tts::{Tts, TtsConfig};
use kefu_sip::Stop;
use kefu_sip::edge::{EdgeError, SipEdge, SipEdgeConfig};
use kefu_sip::limits::{BucketConfig, RateLimitConfig};

use crate::admission::Admission;
use crate::services::Services;
use crate::{TelephonyConfig, TelephonyParts};

/// Telephony could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The system random source failed while drawing the digest nonce key.
    #[error(transparent)]
    NonceKey(#[from] kefu_sip::digest::NonceKeyError),
    /// The RTP port range is not usable.
    #[error("the RTP port range {first}-{last}: {reason}")]
    Ports {
        /// First port.
        first: u16,
        /// Last port.
        last: u16,
        /// Why.
        reason: String,
    },
    /// The SIP edge did not start (its listen address).
    #[error("starting the SIP edge on {listen}: {source}")]
    Edge {
        /// Where it was to listen.
        listen: std::net::SocketAddr,
        /// Why it did not.
        source: EdgeError,
    },
    /// The edge's requests were taken by another consumer.
    #[error("the SIP edge's requests were already taken")]
    RequestsTaken,
}

/// The running SIP edge, call service and registrations. Dropping it stops them.
pub struct Telephony {
    /// The edge (its bound addresses).
    pub edge: SipEdge,
    /// The call service (its counters).
    pub calls: CallService,
    /// The platform's side of the calls (their kept scopes).
    pub services: Arc<Services>,
    registrations_stop: Stop,
    registrations: Option<tokio::task::JoinHandle<()>>,
}

impl Telephony {
    /// Unregisters from every carrier (each bounded to 5 s). For a graceful stop.
    pub async fn stop_registrations(&mut self) {
        self.registrations_stop.stop();
        if let Some(task) = self.registrations.take() {
            let _ = tokio::time::timeout(Duration::from_secs(6), task).await;
        }
    }
}

impl Drop for Telephony {
    fn drop(&mut self) {
        // Without a graceful stop the registrations end with the edge (no unregistration).
        self.registrations_stop.stop();
    }
}

/// Starts the SIP edge on `config.listen`, the call service and the carrier registrations.
pub async fn start(
    parts: TelephonyParts,
    config: TelephonyConfig,
) -> Result<Telephony, StartError> {
    // `None`: each call's SDP carries the local address that routes to its caller.
    let fixed_media = config.media_address;
    let (first, last) = config.rtp_ports;
    let range = PortRange::new(first, last).map_err(|e| StartError::Ports {
        first,
        last,
        reason: e.to_string(),
    })?;
    let bind_ip = match fixed_media {
        Some(ip) if ip.is_loopback() => ip,
        _ => std::net::IpAddr::from([0, 0, 0, 0]),
    };
    let ports = PortPool::new(bind_ip, range);
    let mut limits = RateLimitConfig::default();
    let per_sec = f64::from(config.invites_per_source_per_sec);
    limits.invite = BucketConfig {
        per_second: per_sec,
        burst: per_sec * 2.0,
        drop_after: per_sec * 2.0,
    };
    // Before anything is listening: without a key from the random source nothing may start.
    let admission = Admission::new(parts.store.clone(), config.digest_nonce_lifetime)?;
    let listen = config.listen;
    let mut edge = SipEdge::start(SipEdgeConfig {
        listen,
        external: config.advertise,
        rate_limits: limits,
        tcp_message_timeout: config.tcp_message_timeout,
        max_tcp_connections_per_source: config.max_tcp_connections_per_source,
        ..SipEdgeConfig::default()
    })
    .await
    .map_err(|source| StartError::Edge { listen, source })?;
    let tts = Arc::new(Tts::new(TtsConfig {
        program: config.tts_program.clone(),
        disk_cache: config.tts_cache_dir.clone(),
        ..TtsConfig::default()
    }));
    crate::speech::spawn_check(tts.clone(), parts.speech.clone());
    let edge_default_ip = edge.advertiser().default_addr().ip();
    let (store, statuses) = (parts.store.clone(), parts.registrations.clone());
    let services = Arc::new(Services::new(parts, admission));
    let calls = CallService::start(
        &mut edge,
        ports,
        tts,
        services.clone(),
        CallServiceConfig {
            call: CallSettings {
                media_address: fixed_media.unwrap_or(edge_default_ip),
                ring_before_answer: config.ring_before_answer,
                early_media: config.early_media,
                session_timers: kefu_calls::session_timer::TimerPolicy {
                    min_se: config.session_min_se_secs,
                    default_se: config.session_expires_secs,
                },
                node: config.node.clone(),
                ..CallSettings::default()
            },
            // One worker: a call's room and its agent's browser leg must share a worker
            // (decision 0071) until rooms can move between workers.
            media_workers: 1,
            queue_update_every: config.queue_update_every,
            media_toward_caller: fixed_media.is_none(),
            webrtc: config.webrtc_listen,
        },
    )
    .ok_or(StartError::RequestsTaken)?;
    let registrations_stop = Stop::new();
    let registrations = crate::registrations::start(
        store,
        statuses,
        edge.registrar(),
        registrations_stop.clone(),
    );
    Ok(Telephony {
        edge,
        calls,
        services,
        registrations_stop,
        registrations: Some(registrations),
    })
}
