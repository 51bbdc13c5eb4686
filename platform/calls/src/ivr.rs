//! The IVR as call control sees it: what the number's IVR is told ([`IvrEvent`]), what it
//! answers ([`IvrAction`]) and the call as it is shown to it ([`CallView`]).
//!
//! These are the call's own types, not a plugin ABI: the conversion to and from a plugin
//! interface version (`kefu:plugin@0.1.0` today) is one adapter outside this crate, so a new
//! interface version is a second adapter, not a change to call control.

use kefu_core::{CallId, TenantId};

/// The language a call is spoken to in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// Mandarin Chinese (zh-CN).
    Mandarin,
    /// English.
    #[default]
    English,
}

/// The call as the IVR sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    /// The call.
    pub call: CallId,
    /// Its tenant.
    pub tenant: TenantId,
    /// The caller's number (E.164) or `anonymous`.
    pub caller: String,
    /// The number dialled (the tenant's DID).
    pub dialled: String,
    /// Call data, ordered, keys unique.
    pub data: Vec<(String, String)>,
    /// IVR nodes passed, oldest first.
    pub ivr_path: Vec<String>,
    /// The call's language.
    pub language: Language,
    /// When the call started, ms since the Unix epoch.
    pub started_at_ms: u64,
}

/// One piece of audio; a play concatenates several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// A prompt the tenant uploaded, by name.
    Tenant(String),
    /// A platform prompt by id (`goodbye`, `invalid-option`…), in the call's language.
    System(String),
    /// Digits read one by one.
    Digits(String),
    /// A whole number read out.
    Number(i64),
    /// A calendar date read out.
    Date {
        /// Year.
        year: u16,
        /// Month 1–12.
        month: u8,
        /// Day 1–31.
        day: u8,
    },
    /// Money read out: `minor_units` of `currency` (ISO 4217).
    Amount {
        /// Amount in the currency's minor unit.
        minor_units: i64,
        /// ISO 4217 code.
        currency: String,
    },
    /// Text to speech, in `language` or the call's.
    Text {
        /// What to say.
        text: String,
        /// The language to speak it in.
        language: Option<Language>,
    },
    /// The platform's queue announcement: position, then expected wait when known.
    QueuePosition {
        /// 1 = next.
        position: u32,
        /// Expected wait, seconds.
        wait_secs: Option<u32>,
    },
    /// The 400 ms beep before a voicemail recording.
    Beep,
}

/// Audio to play to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playback {
    /// Echoed in [`IvrEvent::PromptFinished`].
    pub tag: String,
    /// Played in order.
    pub prompts: Vec<Prompt>,
    /// A key stops the playback.
    pub barge_in: bool,
}

/// Digits to collect, after an optional prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectSpec {
    /// Echoed in [`IvrEvent::DigitsCollected`].
    pub tag: String,
    /// Fewer digits than this before a timeout count as a timeout.
    pub min_digits: u8,
    /// Collection ends at this many digits.
    pub max_digits: u8,
    /// Wait for the first digit and between digits, ms.
    pub timeout_ms: u32,
    /// A key that ends collection early.
    pub terminator: Option<char>,
    /// Played before collecting.
    pub prompt: Vec<Prompt>,
    /// A key stops the prompt and counts as the first digit.
    pub barge_in: bool,
}

/// Why a collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectEnd {
    /// `max_digits` reached.
    MaxDigits,
    /// The terminator was pressed.
    Terminator,
    /// No digit in time.
    Timeout,
}

/// What a collection gathered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedDigits {
    /// The collection's tag.
    pub tag: String,
    /// Digits entered, without the terminator.
    pub digits: String,
    /// Why it ended.
    pub ended_by: CollectEnd,
}

/// A skill an agent needs for a queued call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillNeed {
    /// Skill name as the tenant configured it.
    pub skill: String,
    /// Minimum level 1–10.
    pub min_level: u8,
}

/// Put the call in a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueRequest {
    /// The queue's name.
    pub queue: String,
    /// Higher is served first; 0 keeps the queue's default.
    pub priority: u8,
    /// Skills needed beyond the queue's.
    pub required_skills: Vec<SkillNeed>,
    /// Call data added before queueing.
    pub data: Vec<(String, String)>,
}

impl EnqueueRequest {
    /// A plain request for `queue`.
    pub fn to(queue: impl Into<String>) -> Self {
        EnqueueRequest {
            queue: queue.into(),
            priority: 0,
            required_skills: Vec::new(),
            data: Vec::new(),
        }
    }
}

/// Why an enqueue was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnqueueFailure {
    /// The tenant has no queue of that name.
    UnknownQueue,
    /// A required skill is not configured.
    UnknownSkill(String),
    /// The tenant's routing could not be loaded or refused the call.
    Routing(String),
}

impl std::fmt::Display for EnqueueFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnqueueFailure::UnknownQueue => f.write_str("no such queue"),
            EnqueueFailure::UnknownSkill(skill) => write!(f, "no such skill: {skill}"),
            EnqueueFailure::Routing(why) => write!(f, "routing: {why}"),
        }
    }
}

/// Where a transfer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTarget {
    /// An external number (E.164) on the tenant's trunk.
    Number(String),
    /// An agent by id.
    Agent(String),
}

/// Why a transfer did not connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferFailure {
    /// Busy.
    Busy,
    /// Nobody answered in time.
    NoAnswer,
    /// Declined.
    Rejected,
    /// Invalid, logged out, trunk down.
    Unreachable,
}

impl TransferFailure {
    /// The failure a SIP final status means.
    pub fn of_status(status: u16) -> Self {
        match status {
            486 | 600 => TransferFailure::Busy,
            408 | 480 | 487 => TransferFailure::NoAnswer,
            403 | 603 => TransferFailure::Rejected,
            _ => TransferFailure::Unreachable,
        }
    }
}

/// Send the caller to voicemail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoicemailRequest {
    /// The mailbox.
    pub mailbox: String,
    /// Played before the beep; the platform's greeting when empty.
    pub greeting: Vec<Prompt>,
}

/// What happened on the call, as the IVR is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IvrEvent {
    /// The call arrived.
    CallStarted,
    /// A collection ended.
    DigitsCollected(CollectedDigits),
    /// A play ended (`interrupted`: a key cut it short).
    PromptFinished {
        /// The play's tag.
        tag: String,
        /// Barge-in cut it short.
        interrupted: bool,
    },
    /// The call's place in its queue.
    QueueUpdate {
        /// The queue.
        queue: String,
        /// 1 = next.
        position: u32,
        /// Estimated wait, seconds.
        estimated_wait_secs: Option<u32>,
    },
    /// The call left its queue without reaching an agent.
    QueueTimeout {
        /// The queue.
        queue: String,
        /// Seconds waited.
        waited_secs: u32,
    },
    /// The queue refused the call: it never waited.
    EnqueueFailed {
        /// The queue asked for.
        queue: String,
        /// Why.
        reason: EnqueueFailure,
    },
    /// A transfer did not connect.
    TransferFailed {
        /// Where it went.
        target: TransferTarget,
        /// Why.
        reason: TransferFailure,
    },
}

/// What the IVR asks for; carried out in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IvrAction {
    /// Answer (no-op when answered).
    Answer,
    /// Play audio.
    Play(Playback),
    /// Collect digits.
    CollectDigits(CollectSpec),
    /// Set call data; an empty value removes the key.
    SetCallData(Vec<(String, String)>),
    /// The caller reached an IVR node.
    Visit(String),
    /// Queue the call.
    Enqueue(EnqueueRequest),
    /// Transfer the call.
    Transfer(TransferTarget),
    /// Voicemail; the IVR is done with the call.
    Voicemail(VoicemailRequest),
    /// End the call.
    HangUp,
}

/// Why the IVR could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IvrError {
    /// The plugin trapped (panic, fuel, memory, deadline).
    #[error("the plugin trapped: {0}")]
    Trapped(String),
    /// The plugin returned its own error.
    #[error("the plugin reported an error: {0}")]
    Plugin(String),
    /// The host refused the invocation or its answer.
    #[error("the plugin call was refused: {0}")]
    Refused(String),
    /// The IVR could not be loaded for this call.
    #[error("the IVR is not available: {0}")]
    Unavailable(String),
}
