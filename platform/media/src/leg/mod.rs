//! Legs: the one interface through which a room exchanges audio with the outside, whatever the
//! transport — plain RTP ([`RtpLeg`]) for trunks and phones, WebRTC ([`WebRtcLeg`], str0m) for
//! browsers.
//!
//! A leg takes datagrams in ([`Leg::handle_receive`]), gives the room one frame of received
//! audio per tick ([`Leg::pull_frame`]), takes one frame to send per tick
//! ([`Leg::push_frame`]), and hands datagrams out ([`Leg::poll_transmit`]) and events
//! ([`Leg::poll_event`]). It never owns a socket or reads a clock; a str0m leg fits the same
//! shape (str0m is itself fed datagrams and polled for transmits), and since `push_frame`
//! comes every tick with the time, a str0m leg can feed its timeouts (ICE, DTLS) from there.
//! Transport-specific changes (a new RTP remote after a re-INVITE) go through
//! [`Leg::as_any_mut`] and a downcast by whoever created the leg; the room never does that.

mod rtp_leg;
mod rtp_rtcp;
mod stats;
pub(crate) mod webrtc;

pub use rtp_leg::{InbandDtmf, LatchPolicy, RtpLeg, RtpLegConfig, WallClock};
pub use stats::LegStats;
#[cfg(any(test, feature = "test-peer"))]
pub use webrtc::BrowserPeer;
pub use webrtc::{
    MAX_OFFER_BYTES, WebRtcError, WebRtcIdentity, WebRtcLeg, WebRtcLegConfig, stun_username,
};

use crate::dtmf::DtmfDigit;
use crate::frame::Frame;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Which flow of a leg a datagram belongs to (RTCP may share the RTP port, RFC 5761).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// Media.
    Rtp,
    /// Control.
    Rtcp,
}

/// A datagram that arrived for a leg.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    /// The local socket it arrived on.
    pub component: Component,
    /// Who sent it.
    pub source: SocketAddr,
    /// Its bytes.
    pub payload: &'a [u8],
}

/// A datagram a leg wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Send from this local socket.
    pub component: Component,
    /// To this address.
    pub destination: SocketAddr,
    /// These bytes.
    pub payload: Vec<u8>,
}

/// How a DTMF key reached the leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtmfVia {
    /// An RFC 4733 telephone-event.
    TelephoneEvent,
    /// Detected in the audio.
    InBand,
}

/// Where a connection-oriented leg (WebRTC) stands; plain RTP legs never report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegConnection {
    /// Negotiated; ICE and DTLS have not finished.
    Connecting,
    /// ICE and DTLS are up: media flows.
    Connected,
    /// The far end stopped answering ICE consent; it may come back (network change).
    Disconnected,
    /// Closed in order.
    Closed,
    /// Ended by a fault inside the leg; it will never carry media again.
    Failed,
}

/// Something a leg reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegEvent {
    /// The far end pressed a key.
    Dtmf {
        /// The key.
        digit: DtmfDigit,
        /// How it arrived.
        via: DtmfVia,
    },
    /// Media from this address is now the only media accepted.
    Latched {
        /// The latched remote address.
        remote: SocketAddr,
    },
    /// The far end's stream changed SSRC; receive state was reset.
    SsrcChanged {
        /// The new SSRC.
        ssrc: u32,
    },
    /// The connection changed state (WebRTC legs).
    Connection(LegConnection),
}

/// Why a leg refused a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LegError {
    /// Too many keys are already queued.
    #[error("the DTMF send queue is full")]
    DtmfQueueFull,
    /// The leg configuration is unusable.
    #[error("invalid leg configuration: {0}")]
    InvalidConfig(&'static str),
}

/// A participant's connection to the outside, as the room sees it.
pub trait Leg: Send {
    /// Feeds a datagram that arrived at one of the leg's sockets at `now`.
    fn handle_receive(&mut self, now: Instant, datagram: Datagram<'_>);

    /// Writes this tick's received audio into `out`; false when it is silence or concealment.
    fn pull_frame(&mut self, now: Instant, out: &mut Frame) -> bool;

    /// Takes this tick's audio to send (exactly one call per tick, even when it is silence).
    fn push_frame(&mut self, now: Instant, frame: &Frame);

    /// Queues a DTMF key to send, lasting `duration` (as RFC 4733 events when negotiated,
    /// else however the transport carries keys — in-band tones for plain RTP).
    fn send_dtmf(&mut self, digit: DtmfDigit, duration: Duration) -> Result<(), LegError>;

    /// Next datagram to send.
    fn poll_transmit(&mut self) -> Option<Transmit>;

    /// Next event.
    fn poll_event(&mut self) -> Option<LegEvent>;

    /// Counters so far.
    fn stats(&self) -> LegStats;

    /// The concrete leg, for the code that created it (e.g. to call
    /// [`RtpLeg::set_remote`] on a re-INVITE).
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}
