//! One call as a sans-IO state machine: the IVR flow, digit collection, session timers,
//! queueing, transfer and voicemail bookkeeping, the call's legs and its media room's
//! membership and hear-matrix.
//!
//! Like the ACD engine and str0m: feed an [`Input`] with the time it happened
//! ([`CallMachine::handle_input`]), drain [`Output`]s ([`CallMachine::poll_output`]), sleep until
//! [`CallMachine::poll_timeout`] and then call [`CallMachine::handle_timeout`]. The machine never
//! does IO, never reads a clock and never spawns: the driver (`driver/`) turns SIP dialog
//! states, room events, queue notices and IVR answers into inputs and outputs into actions.
//! After every input the driver drains the outputs and asks for the next timeout again, so an
//! input can never wait for some other event to be acted on.
//!
//! A call ends through one path ([`end`]): the queue place, ringing and bridged legs, the
//! recording and the room are released, each through an output, and `call.ended` (the call's
//! detail record) is the last event before [`Output::Finished`].

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use kefu_core::DomainEvent;
use kefu_core::event::Disposition;

use crate::digits::DigitCollector;
use crate::flow::IvrFlow;
use crate::ivr::{CallView, IvrEvent, VoicemailRequest};
use crate::session_timer::{Due, SessionTimer};

mod agent;
mod end;
pub mod io;
mod queue;
mod room;
mod steps;
#[cfg(test)]
mod tests;
mod transfer;
mod voicemail;

pub use io::{
    Answering, CallSetup, Input, LegEnd, LegId, LegRole, MachineSettings, Member, Output, PlayId,
    QueueInput, SourceId, SourceKind, Volume,
};

use end::{Closing, End};
use room::RoomPlan;

/// Where a leg stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    /// Being placed, not answered yet.
    Dialing,
    /// Talking.
    Up,
    /// Gone.
    Ended,
}

#[derive(Debug)]
struct Leg {
    role: LegRole,
    state: LegState,
}

/// What a play is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// An IVR `play`.
    Play,
    /// The prompt of a `collect-digits`.
    CollectPrompt,
    /// An IVR announcement while queued.
    Announcement,
    /// The voicemail greeting and beep.
    VoicemailGreeting,
    /// The platform's position and wait announcement.
    Position,
}

#[derive(Debug)]
struct Playing {
    id: PlayId,
    tag: String,
    barge_in: bool,
    /// The key that interrupted it.
    key: Option<char>,
    purpose: Purpose,
}

#[derive(Debug)]
struct Queued {
    queue: String,
    priority: u8,
    since: Instant,
    /// Set once the queue confirmed the call waits.
    music: Option<SourceId>,
    waiting: bool,
}

/// The agent taking the call.
#[derive(Debug)]
struct AgentLeg {
    leg: LegId,
    agent: kefu_core::AgentId,
    /// The agent's audio is in the room.
    joined: bool,
    /// Set while caller and agent hear each other.
    talking_since: Option<Instant>,
    /// On hold since, with the caller's music.
    held: Option<(Instant, SourceId)>,
}

#[derive(Debug)]
struct Recording {
    mailbox: String,
    until: Instant,
}

#[derive(Debug)]
struct Transfer {
    number: String,
    leg: LegId,
    ringback: Option<SourceId>,
    until: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Created; waiting for [`Input::Start`].
    Setup,
    /// Ringing before the IVR starts.
    Ringing { until: Instant },
    /// The IVR runs the call (or the call is bridged).
    Running,
    /// Releasing everything; see [`Closing`].
    Closing,
    /// Over.
    Finished,
}

/// One call. See the module docs.
#[derive(Debug)]
pub struct CallMachine {
    setup: CallSetup,
    settings: MachineSettings,
    /// The instant the call arrived (`setup.started_at` on the wall clock).
    epoch: Instant,
    phase: Phase,
    legs: BTreeMap<LegId, Leg>,
    next_leg: u32,
    room: RoomPlan,
    prompts: Option<SourceId>,
    ringback: Option<SourceId>,
    flow: IvrFlow,
    /// IVR events asked and not answered yet, oldest first.
    asked: VecDeque<IvrEvent>,
    playing: Option<Playing>,
    next_play: u64,
    collector: Option<DigitCollector>,
    queued: Option<Queued>,
    queue_record: Option<String>,
    queue_wait: Duration,
    voicemail: Option<VoicemailRequest>,
    recording: Option<Recording>,
    /// The mailbox of a voicemail being kept.
    storing: Option<String>,
    left_voicemail: bool,
    transfer: Option<Transfer>,
    bridged: Option<LegId>,
    agent: Option<AgentLeg>,
    /// Agents who talked to the caller, in order.
    agents: Vec<kefu_core::AgentId>,
    /// Caller–agent talk time so far.
    talk: Duration,
    /// Time on hold so far, and how many holds.
    hold: Duration,
    holds: u32,
    disposition: Option<Disposition>,
    answered_at: Option<Instant>,
    timer: Option<SessionTimer>,
    refreshed: Instant,
    refreshing: bool,
    hard_stop: Instant,
    dtmf_keys: u32,
    closing: Option<Closing>,
    outputs: VecDeque<Output>,
}

impl CallMachine {
    /// A call that arrived at `now` (`setup.started_at` on the wall clock). Its first output is
    /// `call.received`; the driver sets up the caller's leg and room, then feeds
    /// [`Input::Start`] (or [`Input::SetupFailed`]).
    pub fn new(setup: CallSetup, settings: MachineSettings, now: Instant) -> Self {
        let started_ms = setup
            .started_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let view = CallView {
            call: setup.call,
            tenant: setup.tenant,
            caller: setup.received.caller.clone(),
            dialled: setup.received.dialled.clone(),
            data: Vec::new(),
            ivr_path: Vec::new(),
            language: settings.language,
            started_at_ms: started_ms,
        };
        let fallback = match &setup.entry {
            Answering::Queue(queue) => Some(queue.clone()),
            Answering::Ivr => setup.fallback_queue.clone(),
        };
        let mut legs = BTreeMap::new();
        legs.insert(
            LegId::CALLER,
            Leg {
                role: LegRole::Caller,
                state: LegState::Up,
            },
        );
        let mut outputs = VecDeque::new();
        outputs.push_back(Output::Emit(DomainEvent::CallReceived(Box::new(
            setup.received.clone(),
        ))));
        CallMachine {
            timer: setup.session_timer,
            hard_stop: now + settings.max_call,
            setup,
            settings,
            epoch: now,
            phase: Phase::Setup,
            legs,
            next_leg: 1,
            room: RoomPlan::with_caller(),
            prompts: None,
            ringback: None,
            flow: IvrFlow::new(view, fallback),
            asked: VecDeque::new(),
            playing: None,
            next_play: 1,
            collector: None,
            queued: None,
            queue_record: None,
            queue_wait: Duration::ZERO,
            voicemail: None,
            recording: None,
            storing: None,
            left_voicemail: false,
            transfer: None,
            bridged: None,
            agent: None,
            agents: Vec::new(),
            talk: Duration::ZERO,
            hold: Duration::ZERO,
            holds: 0,
            disposition: None,
            answered_at: None,
            refreshed: now,
            refreshing: false,
            dtmf_keys: 0,
            closing: None,
            outputs,
        }
    }

    /// The next thing for the driver to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Whether the call is over (after [`Output::Finished`]).
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// A leg's state, if the call has that leg.
    pub fn leg_state(&self, leg: LegId) -> Option<LegState> {
        self.legs.get(&leg).map(|l| l.state)
    }

    /// Who is in the call's room, as the machine has set it.
    pub fn room_members(&self) -> Vec<Member> {
        self.room.members().collect()
    }

    /// How loud `speaker` is in `listener`'s mix.
    pub fn volume(&self, listener: LegId, speaker: Member) -> Volume {
        self.room.volume(listener, speaker)
    }

    /// The call as the IVR sees it now.
    pub fn view(&self) -> &CallView {
        self.flow.view()
    }

    /// Feeds what happened at `now`.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        if self.phase == Phase::Finished {
            return;
        }
        match input {
            Input::Start => self.start(now),
            Input::SetupFailed { status, reason } => {
                self.end(now, End::SetupFailed { status, reason });
            }
            Input::LegRinging(_) => {}
            Input::LegAnswered(leg) => self.leg_answered(now, leg),
            Input::LegEnded(leg, how) => self.leg_ended(now, leg, how),
            Input::LegRefreshed(leg) => {
                if leg == LegId::CALLER {
                    self.refreshed = now;
                    self.refreshing = false;
                }
            }
            Input::RefreshFailed(leg, why) => {
                if leg == LegId::CALLER {
                    self.refreshing = false;
                    self.end(now, End::Lost(format!("the session refresh failed: {why}")));
                }
            }
            Input::Dtmf(leg, key) => self.key(now, leg, key),
            Input::PlayFinished(play) => self.play_finished(now, play),
            Input::Ivr(answer) => self.ivr_answered(now, answer),
            Input::Queue(notice) => self.queue_input(now, notice),
            Input::AgentHold(hold) => self.agent_hold(now, hold),
            Input::VoicemailStored { duration_ms } => self.voicemail_kept(now, Some(duration_ms)),
            Input::VoicemailFailed(why) => {
                // The driver logged why; the record says the voicemail was not kept.
                let _ = why;
                self.voicemail_kept(now, None);
            }
            Input::RoomClosed(media) => self.room_closed(now, media),
            Input::MediaFailed(why) => {
                self.end(now, End::System(Disposition::Failed, Some(why)));
            }
        }
        self.check_collector(now);
        self.run_flow(now);
    }

    /// When [`CallMachine::handle_timeout`] is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Setup | Phase::Closing | Phase::Finished => None,
            Phase::Ringing { until } => Some(until.min(self.hard_stop)),
            Phase::Running => [
                self.collector.as_ref().and_then(DigitCollector::deadline),
                self.recording.as_ref().map(|r| r.until),
                self.transfer.as_ref().map(|t| t.until),
                self.timer_due().map(Due::at),
                Some(self.hard_stop),
            ]
            .into_iter()
            .flatten()
            .min(),
        }
    }

    /// Time passed: fires whatever is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Ringing { until } if now >= self.hard_stop || now >= until => {
                if now >= self.hard_stop {
                    return self.max_length(now);
                }
                self.ringing_over(now);
            }
            Phase::Running => {
                if now >= self.hard_stop {
                    return self.max_length(now);
                }
                match self.timer_due() {
                    Some(Due::Expire(at)) if now >= at => {
                        return self.end(
                            now,
                            End::Lost(
                                "the session timer expired: the caller sent no refresh".into(),
                            ),
                        );
                    }
                    Some(Due::Refresh(at)) if now >= at => {
                        self.refreshing = true;
                        self.outputs.push_back(Output::Refresh(LegId::CALLER));
                    }
                    _ => {}
                }
                if let Some(c) = &mut self.collector {
                    c.timeout(now);
                }
                if self.transfer.as_ref().is_some_and(|t| now >= t.until) {
                    self.transfer_timed_out(now);
                }
                if self.recording.as_ref().is_some_and(|r| now >= r.until) {
                    self.finish_recording();
                    self.end(now, End::System(Disposition::Voicemail, None));
                }
                self.check_collector(now);
                self.run_flow(now);
            }
            _ => {}
        }
    }

    fn max_length(&mut self, now: Instant) {
        self.end(
            now,
            End::System(
                Disposition::EndedInIvr,
                Some("the call reached its maximum length".into()),
            ),
        );
    }

    /// The session timer's next step, once the caller is answered (nothing while our own
    /// refresh is in flight: its outcome decides).
    fn timer_due(&self) -> Option<Due> {
        let timer = self.timer.as_ref()?;
        self.answered_at?;
        match timer.due(self.refreshed) {
            Due::Refresh(_) if self.refreshing => None,
            due => Some(due),
        }
    }

    /// The wall-clock time of `at`.
    fn wall(&self, at: Instant) -> SystemTime {
        self.setup.started_at + at.saturating_duration_since(self.epoch)
    }

    fn emit(&mut self, event: DomainEvent) {
        self.outputs.push_back(Output::Emit(event));
    }

    fn new_leg(&mut self, role: LegRole) -> LegId {
        let id = LegId(self.next_leg);
        self.next_leg += 1;
        self.legs.insert(
            id,
            Leg {
                role,
                state: LegState::Dialing,
            },
        );
        self.room.add_leg(id);
        id
    }

    fn set_leg(&mut self, leg: LegId, state: LegState) {
        if let Some(l) = self.legs.get_mut(&leg) {
            l.state = state;
        }
    }

    /// What a leg is to the call.
    pub fn leg_role(&self, leg: LegId) -> Option<LegRole> {
        self.legs.get(&leg).map(|l| l.role)
    }
}
