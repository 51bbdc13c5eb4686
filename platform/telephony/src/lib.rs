//! Kefu's call side: everything calls need from the platform, without HTTP.
//!
//! - [`start`] starts the SIP edge (`kefu-sip`), the call service (`kefu-calls`) over
//!   [`Services`], and the carrier registrations ([`registrations`]).
//! - [`services::Services`] implements `kefu_calls::CallServices`: admission of inbound calls
//!   ([`admission`]: the trunk/number look-up and digest policy), the number's IVR plugin
//!   through the [`plugin_runtime`], the tenant's routing ([`routing`]), prompts
//!   ([`prompts`]), voicemail, and call events to the event sink.
//! - Calls act for the tenant as its **telephony principal** (`kefu_core::Principal::Telephony`,
//!   role `Telephony`: no user, no admin rights), minted only by the store at trunk admission;
//!   [`scopes`] keeps it per tenant and asks the store again when it is not at hand.
//! - [`plugin_runtime`] runs installed plugins (loading, secrets ([`secrets`]), limits
//!   ([`plugin_limits`]), the invocation log); [`integrations`] feeds stored events from the bus
//!   to integration plugins.
//!
//! The server builds [`TelephonyParts`] (what telephony uses of the platform) and
//! [`TelephonyConfig`] (the settings it needs) and keeps the returned [`Telephony`] while it
//! runs. This crate must never depend on the HTTP server or answer in HTTP terms: its errors
//! are its own (one enum per layer), and the server turns them into problems where an HTTP
//! handler uses the plugin runtime.
//!
//! ```no_run
//! # async fn run(parts: kefu_telephony::TelephonyParts, config: kefu_telephony::TelephonyConfig)
//! # -> Result<(), kefu_telephony::StartError> {
//! let mut telephony = kefu_telephony::start(parts, config).await?;
//! println!("SIP on {}", telephony.edge.udp_addr());
//! // … until shutdown:
//! telephony.stop_registrations().await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admission;
pub mod integrations;
mod ivr_v0_1;
pub mod plugin_limits;
pub mod plugin_runtime;
pub mod prompts;
pub mod registrations;
pub mod routing;
pub mod scopes;
pub mod secrets;
pub mod services;
pub mod speech;
mod start;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kefu_events::EventSink;
use kefu_store::Store;
use kefu_store::objects::ObjectStore;

pub use plugin_runtime::{PluginRuntime, RuntimeError};
pub use registrations::{RegistrationStatus, RegistrationStatuses};
pub use services::{ServiceError, Services};
pub use speech::{Speech, SpeechStatus};
pub use start::{StartError, Telephony, start};

/// What telephony uses of the platform.
#[derive(Clone)]
pub struct TelephonyParts {
    /// The database.
    pub store: Store,
    /// The blob store (prompts, voicemail audio, plugin components).
    pub objects: Arc<dyn ObjectStore>,
    /// Where call events go: numbered and stored in the event log, then published.
    pub events: EventSink,
    /// Runs installed plugins.
    pub runtime: PluginRuntime,
    /// Where each registering outbound trunk's registration stands (read by the trunk API).
    pub registrations: RegistrationStatuses,
    /// Whether speech synthesis works (read by `/readyz`).
    pub speech: SpeechStatus,
}

/// The settings telephony runs with (the server reads them from its configuration).
#[derive(Debug, Clone, PartialEq)]
pub struct TelephonyConfig {
    /// SIP listen address (UDP and TCP).
    pub listen: SocketAddr,
    /// The address advertised in Via/Contact, when configured (port 0: the listen port).
    pub advertise: Option<SocketAddr>,
    /// The address put in SDP; `None`: per caller, the local address that routes to it.
    pub media_address: Option<IpAddr>,
    /// RTP ports, first (even) to last.
    pub rtp_ports: (u16, u16),
    /// Where agents' browsers send audio (WebRTC); `None`: no browser audio.
    pub webrtc_listen: Option<SocketAddr>,
    /// INVITEs accepted per source and second (bursts of twice that).
    pub invites_per_source_per_sec: u32,
    /// How long a digest nonce is accepted.
    pub digest_nonce_lifetime: Duration,
    /// Longest a TCP message may take to arrive whole.
    pub tcp_message_timeout: Duration,
    /// Most TCP connections one source may hold.
    pub max_tcp_connections_per_source: usize,
    /// Where synthesized prompts are cached on disk.
    pub tts_cache_dir: Option<PathBuf>,
    /// The espeak-ng program (a name looked up in `PATH`, or a path).
    pub tts_program: PathBuf,
    /// How long a call rings before it is answered.
    pub ring_before_answer: Duration,
    /// Whether prompts play as early media before the answer.
    pub early_media: bool,
    /// Session timers: the smallest interval accepted, seconds.
    pub session_min_se_secs: u32,
    /// Session timers: the interval asked for, seconds.
    pub session_expires_secs: u32,
    /// This node's name (calls it leaves open are closed by it at start-up).
    pub node: String,
    /// How often queued callers hear where they stand.
    pub queue_update_every: Duration,
}
