//! What a room hands back to its driver, and its errors.

use super::{MAX_MEMBERS, MemberId};
use crate::dtmf::DtmfDigit;
use crate::frame::Frame;
use crate::leg::{DtmfVia, LegConnection, LegError, Transmit};
use crate::prompt::{FinishReason, PromptId};
use std::net::SocketAddr;
use thiserror::Error;

/// What the room reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEvent {
    /// A participant pressed a key.
    Dtmf {
        /// Who.
        participant: MemberId,
        /// Which key.
        digit: DtmfDigit,
        /// How it arrived.
        via: DtmfVia,
    },
    /// A participant's leg latched to a remote address.
    Latched {
        /// Who.
        participant: MemberId,
        /// The address.
        remote: SocketAddr,
    },
    /// A participant's far end changed SSRC.
    SsrcChanged {
        /// Who.
        participant: MemberId,
        /// The new SSRC.
        ssrc: u32,
    },
    /// A participant's connection changed state (WebRTC legs).
    Connection {
        /// Who.
        participant: MemberId,
        /// The new state.
        state: LegConnection,
    },
    /// A prompt stopped.
    PromptFinished {
        /// The prompt player.
        source: MemberId,
        /// The prompt.
        prompt: PromptId,
        /// Why.
        reason: FinishReason,
    },
    /// A one-shot tone ended.
    ToneFinished {
        /// The tone source.
        source: MemberId,
    },
}

/// Every participant's own incoming audio for one tick, as separate channels (recorder tap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapFrame {
    /// Tick counter since the room was created.
    pub tick: u64,
    /// One channel per participant, in member order.
    pub channels: Vec<(MemberId, Frame)>,
}

/// What the driver must do or forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomOutput {
    /// Send a datagram from a participant's socket.
    Transmit {
        /// Whose socket.
        participant: MemberId,
        /// What and where.
        transmit: Transmit,
    },
    /// Something happened.
    Event(RoomEvent),
    /// Recorder tap for this tick (only while recording is on).
    Tap(TapFrame),
}

/// A room request that cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoomError {
    /// No such member.
    #[error("member {0:?} is not in this room")]
    UnknownMember(MemberId),
    /// The member is a source, not a participant.
    #[error("member {0:?} is not a participant")]
    NotParticipant(MemberId),
    /// The member is not a prompt player.
    #[error("member {0:?} is not a prompt player")]
    NotPromptPlayer(MemberId),
    /// Sources never listen.
    #[error("member {0:?} is a source and cannot listen")]
    SourceCannotListen(MemberId),
    /// Nobody hears themselves.
    #[error("member {0:?} cannot hear itself")]
    SelfLink(MemberId),
    /// [`MAX_MEMBERS`] reached.
    #[error("the room already has {MAX_MEMBERS} members")]
    Full,
    /// The prompt queue is full.
    #[error("the prompt queue of {0:?} is full")]
    PromptQueueFull(MemberId),
    /// The leg refused.
    #[error(transparent)]
    Leg(#[from] LegError),
}
