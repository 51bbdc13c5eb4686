//! The tokio driver: puts rooms on UDP sockets and ticks them every 20 ms.
//!
//! One [`MediaWorker`] is one task owning many rooms (one owner per room, DESIGN.md). It never
//! spawns a task per packet or per leg: every 5 ms it drains whatever datagrams the reactor has
//! marked readable on its sockets (no system call for idle sockets) and ticks the quarter of
//! its rooms whose turn it is, so each room still ticks every 20 ms while outgoing RTP is spread
//! over four slots instead of leaving in one burst (docs/decisions/0019). It owns sockets, the
//! clock and channels; the mixing, jitter and DTMF logic stay in the sans-IO core.

mod ports;
mod webrtc;
mod worker;

pub use ports::{PortLease, PortPool, PortRange, RtpSocketPair};
pub use worker::{MediaWorker, RoomId, WorkerConfig, WorkerOutput, WorkerStats};

use crate::room::RoomError;
use thiserror::Error;

/// What the driver could not do.
#[derive(Debug, Error)]
pub enum DriverError {
    /// A port range that cannot hold RTP/RTCP pairs.
    #[error(
        "port range {first}-{last} is invalid: the first port must be even and above 1023, and the range must hold a pair"
    )]
    PortRange {
        /// First port.
        first: u16,
        /// Last port.
        last: u16,
    },
    /// Every pair of the range is in use.
    #[error("no free RTP port pair left in {first}-{last}")]
    PortsExhausted {
        /// First port.
        first: u16,
        /// Last port.
        last: u16,
    },
    /// No such room on this worker.
    #[error("room {0:?} does not exist on this worker")]
    UnknownRoom(RoomId),
    /// The room refused the request.
    #[error(transparent)]
    Room(#[from] RoomError),
    /// The leg configuration was refused.
    #[error(transparent)]
    Leg(#[from] crate::leg::LegError),
    /// The browser's offer was refused.
    #[error(transparent)]
    WebRtc(#[from] crate::leg::WebRtcError),
    /// The worker has no WebRTC port ([`MediaWorker::open_webrtc`]).
    #[error("this media worker has no WebRTC port")]
    NoWebRtcPort,
    /// A socket operation failed.
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    /// The worker has stopped.
    #[error("the media worker has stopped")]
    Stopped,
}
