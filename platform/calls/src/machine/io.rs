//! What the driver feeds a [`CallMachine`](super::CallMachine) and what it gets back.
//!
//! Legs and media sources are named by the machine ([`LegId`], [`SourceId`]); the driver maps
//! them to SIP dialogs and media-room members. Leg 0 is always the caller.

use std::time::{Duration, SystemTime};

use kefu_core::event::{CallReceived, MediaSummary};
use kefu_core::{AgentId, CallId, DomainEvent, TenantId};

use crate::ivr::{
    EnqueueFailure, EnqueueRequest, IvrAction, IvrError, IvrEvent, Language, Playback,
};
use crate::session_timer::{SessionTimer, TimerPolicy};

/// One leg of a call (a SIP dialog with its media), numbered by the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegId(pub u32);

impl LegId {
    /// The caller's leg.
    pub const CALLER: LegId = LegId(0);
}

/// A media source in the call's room (prompt player, music, ringback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub u32);

/// A member of the call's media room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Member {
    /// A participant.
    Leg(LegId),
    /// A source.
    Source(SourceId),
}

/// What a leg is to the call. Agents, consult targets and supervisors join with the agent
/// desktop; the hear-matrix is set per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegRole {
    /// The inbound caller.
    Caller,
    /// An external number the caller was transferred to.
    External,
    /// The agent handling the call.
    Agent,
    /// A consult target of the agent.
    Consult,
    /// A supervisor listening, whispering or barging.
    Supervisor,
}

/// What a source plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Prompts on request ([`Output::Play`]).
    Prompts,
    /// Hold music, looped.
    Music,
    /// A ringback tone in the call's language.
    Ringback(Language),
}

/// One play on a prompt source, numbered by the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlayId(pub u64);

/// How loud a speaker is in a listener's mix, percent (0 = not heard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Volume(pub u8);

impl Volume {
    /// Not heard.
    pub const OFF: Volume = Volume(0);
    /// As spoken.
    pub const FULL: Volume = Volume(100);
    /// Hold music, under speech level.
    pub const MUSIC: Volume = Volume(60);
}

/// How a call arrived and what answers it.
#[derive(Debug, Clone)]
pub struct CallSetup {
    /// The call.
    pub call: CallId,
    /// Its tenant.
    pub tenant: TenantId,
    /// The call as it arrived (repeated in `call.ended`).
    pub received: CallReceived,
    /// Wall-clock time of arrival (the machine derives later wall times from it).
    pub started_at: SystemTime,
    /// The number's IVR, or the queue answering the number.
    pub entry: Answering,
    /// Where the call goes when the IVR fails (after an apology); hung up when `None`.
    pub fallback_queue: Option<String>,
    /// The session timer negotiated from the INVITE.
    pub session_timer: Option<SessionTimer>,
}

/// What answers the number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answering {
    /// The number's IVR (asked through [`Output::AskIvr`]).
    Ivr,
    /// A queue: "please hold", wait; when the queue lets go, voicemail in its mailbox.
    Queue(String),
}

/// Settings of every call.
#[derive(Debug, Clone)]
pub struct MachineSettings {
    /// Longest a call may last.
    pub max_call: Duration,
    /// Longest voicemail message.
    pub max_voicemail: Duration,
    /// The language of calls whose IVR does not say otherwise.
    pub language: Language,
    /// Ring this long before the IVR starts.
    pub ring_before_answer: Duration,
    /// Ring with early media (183 and our own ringback tone).
    pub early_media: bool,
    /// How long an external number may ring.
    pub transfer_ring: Duration,
    /// Session timers (RFC 4028).
    pub session_timers: TimerPolicy,
}

impl Default for MachineSettings {
    fn default() -> Self {
        MachineSettings {
            max_call: Duration::from_secs(4 * 3600),
            max_voicemail: Duration::from_secs(120),
            language: Language::English,
            ring_before_answer: Duration::ZERO,
            early_media: false,
            transfer_ring: Duration::from_secs(30),
            session_timers: TimerPolicy::default(),
        }
    }
}

/// How a leg ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegEnd {
    /// The far end sent BYE.
    Bye,
    /// The caller cancelled before the answer.
    Cancelled,
    /// A final failure status (outbound legs) — `None` when no response came.
    Failed(Option<u16>),
    /// The dialog is gone without a BYE (transport failure, expired session).
    Lost(String),
}

/// What the queue says about the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueInput {
    /// The call waits in the queue.
    Waiting,
    /// The queue refused the call.
    Refused(EnqueueFailure),
    /// Where the call stands.
    Position {
        /// 1 = next.
        position: u32,
        /// Estimated wait, seconds.
        estimated_wait_secs: Option<u32>,
    },
    /// The queue rings this agent with the call (the caller keeps waiting).
    Offered {
        /// Who rings.
        agent: AgentId,
    },
    /// The agent accepted: the wait is over, the agent joins ([`Output::ConnectAgent`]).
    Answered {
        /// Who accepted.
        agent: AgentId,
    },
    /// The wait is over without an agent (timed out, overflowed, the engine stopped).
    Released(String),
}

/// Something that happened outside the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The caller's leg and the room are ready: the call starts.
    Start,
    /// Setting the call up failed (SDP, media, IVR loading): refuse it with `status`.
    SetupFailed {
        /// The SIP status to answer the INVITE with.
        status: u16,
        /// Why, for the record.
        reason: String,
    },
    /// An outbound leg rings.
    LegRinging(LegId),
    /// An outbound leg answered; its media flows.
    LegAnswered(LegId),
    /// A leg ended.
    LegEnded(LegId, LegEnd),
    /// A leg refreshed its session (an answered re-INVITE or UPDATE, ours or theirs).
    LegRefreshed(LegId),
    /// Our session refresh on a leg was refused or went unanswered (RFC 4028 §10: the session
    /// is over; the leg still gets a BYE).
    RefreshFailed(LegId, String),
    /// A key on a leg.
    Dtmf(LegId, char),
    /// A play ended (finished, or stopped by a key or by the machine).
    PlayFinished(PlayId),
    /// The IVR's answer to [`Output::AskIvr`].
    Ivr(Result<Vec<IvrAction>, IvrError>),
    /// From the queue.
    Queue(QueueInput),
    /// The talking agent holds the call (`true`) or resumes it (`false`).
    AgentHold(bool),
    /// The voicemail asked for by [`Output::StoreVoicemail`] is kept.
    VoicemailStored {
        /// Length of the message.
        duration_ms: u64,
    },
    /// Keeping the voicemail failed.
    VoicemailFailed(String),
    /// The room is closed ([`Output::CloseRoom`]); what the caller's leg carried.
    RoomClosed(MediaSummary),
    /// The media worker failed the call.
    MediaFailed(String),
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Ring the caller (180, or 183 with our SDP when `early_media`).
    Ring {
        /// Always the caller.
        leg: LegId,
        /// 183 Session Progress with SDP.
        early_media: bool,
    },
    /// Answer the caller (200 OK with our SDP and session-timer headers).
    Answer(LegId),
    /// Refuse the caller's INVITE with this status.
    Reject(LegId, u16),
    /// End an answered leg (BYE) or abandon a ringing outbound one (CANCEL).
    HangUp(LegId),
    /// Send a session refresh on a leg; report [`Input::LegRefreshed`] or a lost leg.
    Refresh(LegId),
    /// Place an outbound leg to an external number through the tenant's trunk; it joins the
    /// room (hearing nothing until told). Report ringing, answer or failure.
    Dial {
        /// The new leg.
        leg: LegId,
        /// E.164.
        number: String,
    },
    /// Bring the agent's media (browser, phone) into the room as `leg`, hearing nothing until
    /// told; report [`Input::LegAnswered`] once it is in, [`Input::LegEnded`] if it cannot be.
    /// A later [`Output::HangUp`] of the leg sends the agent to wrap-up.
    ConnectAgent {
        /// The agent's leg in this call.
        leg: LegId,
        /// The agent.
        agent: AgentId,
    },
    /// Send a key on a leg (RFC 4733, else in-band).
    SendDtmf {
        /// To whom.
        leg: LegId,
        /// The key.
        key: char,
    },
    /// Add a source to the room.
    AddSource(SourceId, SourceKind),
    /// Take a member out of the room.
    Remove(Member),
    /// Set how loud `speaker` is in `listener`'s mix.
    Hear {
        /// Who hears.
        listener: LegId,
        /// Whom.
        speaker: Member,
        /// How loud.
        volume: Volume,
    },
    /// Play prompts on a prompt source; report [`Input::PlayFinished`] (at once when nothing
    /// could be rendered).
    Play {
        /// The prompt source.
        source: SourceId,
        /// This play.
        play: PlayId,
        /// What to play (tag and barge-in are the machine's business).
        playback: Playback,
        /// The language to render in.
        language: Language,
    },
    /// Stop the plays of a prompt source (each reports [`Input::PlayFinished`]).
    StopPlays(SourceId),
    /// Start or stop keeping the audio a leg sends (voicemail).
    Record {
        /// Whose audio.
        leg: LegId,
        /// Start or stop.
        on: bool,
    },
    /// Ask the IVR; answer with [`Input::Ivr`].
    AskIvr(IvrEvent, Box<crate::ivr::CallView>),
    /// Put the call in a queue; answer with [`Input::Queue`].
    Enqueue(EnqueueRequest),
    /// Take the call out of its queue.
    LeaveQueue,
    /// Keep what was recorded as a voicemail in `mailbox`; answer with
    /// [`Input::VoicemailStored`] or [`Input::VoicemailFailed`].
    StoreVoicemail {
        /// The mailbox.
        mailbox: String,
    },
    /// Close the room (every member leaves); answer with [`Input::RoomClosed`].
    CloseRoom,
    /// Hand an event to the log.
    Emit(DomainEvent),
    /// The call is over; nothing more will come out.
    Finished,
}
