//! The edge's typed configuration and socket binding.
//!
//! Owns defaults and the UDP+TCP bind on one address; never reads files or the environment (the
//! server's configuration layer does that and fills this struct).

use std::net::SocketAddr;
use std::time::Duration;

use rsipstack::sip::Method;
use tokio::net::{TcpListener, UdpSocket};

use crate::limits::RateLimitConfig;
use crate::validate::ValidationConfig;

/// Everything the edge needs to run.
#[derive(Debug, Clone)]
pub struct SipEdgeConfig {
    /// UDP and TCP listen address (default `0.0.0.0:5060`; port 0 picks a free port).
    pub listen: SocketAddr,
    /// Address advertised in Via and Contact (port 0: the bound port). `None`: the listen
    /// address, or on a wildcard, per peer the local address that routes to it (see
    /// [`super::Advertiser`]). Set it when the edge sits behind NAT.
    pub external: Option<SocketAddr>,
    /// User-Agent / Server value.
    pub user_agent: String,
    /// Caps and policy of the validation.
    pub validation: ValidationConfig,
    /// Per-source INVITE/REGISTER limits.
    pub rate_limits: RateLimitConfig,
    /// Concurrent inbound TCP connections; more are closed on accept.
    pub max_tcp_connections: usize,
    /// Concurrent inbound TCP connections from one source IP (so one host cannot take every
    /// slot); more are closed on accept.
    pub max_tcp_connections_per_source: usize,
    /// A TCP connection that sends nothing for this long is closed.
    pub tcp_idle_timeout: Duration,
    /// A message on TCP must be complete this long after its first byte; a peer that sends
    /// part of one and stalls (or trickles it) is disconnected. Trickling bytes does not
    /// extend it, unlike the idle timeout.
    pub tcp_message_timeout: Duration,
    /// Incoming requests waiting for the consumer; beyond it new requests get 503.
    pub incoming_queue: usize,
}

impl Default for SipEdgeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 5060)),
            external: None,
            user_agent: "kefu".to_owned(),
            validation: ValidationConfig::default(),
            rate_limits: RateLimitConfig::default(),
            max_tcp_connections: 4096,
            max_tcp_connections_per_source: 64,
            tcp_idle_timeout: Duration::from_secs(300),
            tcp_message_timeout: Duration::from_secs(10),
            incoming_queue: 1024,
        }
    }
}

impl SipEdgeConfig {
    /// The allowed methods as rsip methods (for the stack's Allow header).
    pub(crate) fn allow_methods(&self) -> Vec<Method> {
        self.validation
            .policy
            .allow
            .iter()
            .filter_map(|m| Method::try_from(*m).ok())
            .collect()
    }
}

/// Binds UDP on `listen`, then TCP on the same address and port (retrying with a fresh port a
/// few times when `listen` asked for port 0 and TCP's half was taken).
pub(crate) async fn bind(listen: SocketAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last_error = None;
    for _ in 0..8 {
        let udp = UdpSocket::bind(listen).await?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if listen.port() == 0 => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("could not bind TCP beside UDP")))
}
