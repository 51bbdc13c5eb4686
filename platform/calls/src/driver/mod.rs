//! The thin tokio driver of one call: it owns the call's IO handles (the caller's leg, the
//! media room, the IVR session, the queue's notices, outbound legs) and a [`CallMachine`].
//! Everything that happens becomes an [`Input`] stamped with the time; every [`Output`] becomes
//! an action. It decides nothing itself.
//!
//! After every input it drains the machine's outputs and sleeps until the machine's next
//! timeout, so a key or a timeout is acted on when it happens, whatever else the call waits
//! for.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use kefu_core::event::{CallEntry, CallReceived, Direction};
use kefu_core::{CallId, TenantId};
use kefu_media::driver::{MediaWorker, RoomId};
use kefu_media::room::RoomEvent;
use kefu_media::{G711, MemberId};
use kefu_sip::leg::{DialOutcome, InboundLeg, LegEvent, LegEvents, Legs, OutboundLeg};
use kefu_sip::sdp::{self, LocalMedia};
use tokio::sync::mpsc;

use crate::audio::Renderer;
use crate::ivr::Language;
use crate::machine::{
    Answering, CallMachine, CallSetup, Input, LegEnd, LegId, MachineSettings, Member, PlayId,
    QueueInput,
};
use crate::queues::{QueueHub, QueueNotice};
use crate::services::{CallServices, Entry, IvrSession, Route};
use crate::session_timer::SessionTimer;
use kefu_acd::WaitOutcome;

mod actions;
mod sip;

/// What the media worker reports about one room.
#[derive(Debug)]
pub(crate) enum RoomMsg {
    Event(RoomEvent),
    /// The caller's own audio for one 20 ms tick (recorder tap).
    Tap(Vec<i16>),
}

/// Settings of every call.
#[derive(Debug, Clone)]
pub struct CallSettings {
    /// The address put in our SDP (where callers send RTP).
    pub media_address: std::net::IpAddr,
    /// Longest a call may last.
    pub max_call: Duration,
    /// Longest voicemail message.
    pub max_voicemail: Duration,
    /// The language of calls whose IVR does not say otherwise.
    pub language: Language,
    /// Ring this long before the IVR starts, so the carrier plays ringback first.
    pub ring_before_answer: Duration,
    /// Ring with early media: 183 Session Progress with our SDP, and a ringback tone from
    /// Kefu instead of the carrier's (for carriers that play nothing until media flows).
    pub early_media: bool,
    /// Session timers (RFC 4028).
    pub session_timers: crate::session_timer::TimerPolicy,
    /// This node's name, recorded in `call.received` (the next start of the node closes the
    /// calls it left open).
    pub node: String,
}

impl Default for CallSettings {
    fn default() -> Self {
        let machine = MachineSettings::default();
        CallSettings {
            media_address: [127, 0, 0, 1].into(),
            max_call: machine.max_call,
            max_voicemail: machine.max_voicemail,
            language: machine.language,
            ring_before_answer: machine.ring_before_answer,
            early_media: machine.early_media,
            session_timers: machine.session_timers,
            node: "kefu".into(),
        }
    }
}

impl CallSettings {
    fn machine(&self) -> MachineSettings {
        MachineSettings {
            max_call: self.max_call,
            max_voicemail: self.max_voicemail,
            language: self.language,
            ring_before_answer: self.ring_before_answer,
            early_media: self.early_media,
            session_timers: self.session_timers,
            ..MachineSettings::default()
        }
    }
}

/// What a call needs from the service.
#[derive(Clone)]
pub(crate) struct CallKit {
    pub services: Arc<dyn CallServices>,
    pub renderer: Renderer,
    pub hub: QueueHub,
    pub desk: crate::desk::AgentDesk,
    pub settings: CallSettings,
}

/// The inbound call, as the service hands it over (its leg comes beside it).
pub(crate) struct Inbound {
    pub id: CallId,
    pub route: Route,
    pub caller: String,
    pub sip_call_id: String,
    pub started_at: SystemTime,
    pub offer: sdp::SessionDescription,
    /// The caller's leg's events.
    pub events: LegEvents,
    pub worker: MediaWorker,
    /// Which of the service's workers (agents' audio must be on the same one).
    pub worker_index: usize,
    pub room: RoomId,
    pub rooms: mpsc::Receiver<RoomMsg>,
    /// The edge's legs (outbound legs are placed there).
    pub legs: Legs,
    /// The session timer negotiated from the INVITE.
    pub session_timer: Option<SessionTimer>,
    /// Unregisters the room from the worker's demultiplexer when dropped.
    pub _registration: crate::service::RoomRegistration,
}

/// What tasks of the call report back (outbound legs, our session refreshes).
pub(crate) enum Report {
    /// An outbound INVITE ended: answered (with the leg, its events and its answer) or not.
    Dialled(LegId, DialOutcome),
    /// An outbound leg's dialog ended.
    LegGone(LegId),
    /// Our refresh of the caller's session: answered, or why not.
    Refreshed(Result<(), kefu_sip::leg::LegError>),
}

/// An outbound leg.
struct Outbound {
    /// Placing it (aborted when the machine gives up).
    task: Option<tokio::task::JoinHandle<()>>,
    /// Once answered.
    leg: Option<OutboundLeg>,
    /// Our side of its media.
    local: LocalMedia,
}

/// One call's driver. See the module docs.
pub(crate) struct CallDriver {
    kit: CallKit,
    machine: CallMachine,
    tenant: TenantId,
    call: CallId,
    route: Route,
    caller: String,
    /// The caller's leg; its dialog is released when the driver is dropped.
    leg: InboundLeg,
    worker: MediaWorker,
    worker_index: usize,
    room: RoomId,
    legs: Legs,
    /// Agents' legs in this call.
    agent_legs: HashMap<LegId, kefu_core::AgentId>,
    timer: Option<SessionTimer>,
    /// The machine's room members and the media room's.
    members: HashMap<Member, MemberId>,
    /// Our SDP answer to the caller (repeated in re-INVITE answers) and our media identity.
    answer_sdp: String,
    local: LocalMedia,
    codec: G711,
    session: Option<Box<dyn IvrSession>>,
    notices: Option<mpsc::Receiver<QueueNotice>>,
    recording: Option<Vec<i16>>,
    outbound: HashMap<LegId, Outbound>,
    reports: mpsc::Sender<Report>,
    refreshing: Option<tokio::task::JoinHandle<()>>,
}

/// Runs one inbound call to its end.
pub(crate) async fn run(kit: CallKit, mut inbound: Inbound, leg: InboundLeg) {
    let received = received_of(&inbound, &kit.settings.node);
    let setup = CallSetup {
        call: inbound.id,
        tenant: inbound.route.tenant(),
        received,
        started_at: inbound.started_at,
        entry: match &inbound.route.entry {
            Entry::Ivr { .. } => Answering::Ivr,
            Entry::Queue { queue } => Answering::Queue(queue.clone()),
        },
        fallback_queue: inbound.route.fallback_queue.clone(),
        session_timer: inbound.session_timer,
    };
    let machine = CallMachine::new(setup, kit.settings.machine(), Instant::now());
    let (reports, mut reported) = mpsc::channel(16);
    let mut driver = CallDriver {
        machine,
        tenant: inbound.route.tenant(),
        call: inbound.id,
        route: inbound.route.clone(),
        caller: inbound.caller.clone(),
        leg,
        worker: inbound.worker.clone(),
        worker_index: inbound.worker_index,
        agent_legs: HashMap::new(),
        room: inbound.room,
        legs: inbound.legs.clone(),
        timer: inbound.session_timer,
        members: HashMap::new(),
        answer_sdp: String::new(),
        local: LocalMedia {
            address: kit.settings.media_address,
            port: 0,
            session_id: sip::session_id(),
            session_version: 1,
        },
        codec: G711::Pcmu,
        session: None,
        notices: None,
        recording: None,
        outbound: HashMap::new(),
        reports,
        refreshing: None,
        kit,
    };
    driver.pump().await;
    let started = match driver.setup(&inbound).await {
        Ok(()) => Input::Start,
        Err((status, reason)) => {
            tracing::warn!(call = %driver.call, %reason, "call setup failed");
            Input::SetupFailed { status, reason }
        }
    };
    driver.feed(started).await;
    driver.run_loop(&mut inbound, &mut reported).await;
    driver.stop_tasks();
}

/// The call as it arrived, for `call.received` (and, repeated, in `call.ended`).
fn received_of(inbound: &Inbound, node: &str) -> CallReceived {
    let route = &inbound.route;
    CallReceived {
        call: inbound.id,
        direction: Direction::Inbound,
        caller: inbound.caller.clone(),
        dialled: route.number.clone(),
        did: route.did.parse().ok(),
        trunk: route.trunk.parse().ok(),
        entry: match &route.entry {
            Entry::Ivr { installation } => installation
                .parse()
                .ok()
                .map(|installation| CallEntry::Ivr { installation }),
            Entry::Queue { queue } => Some(CallEntry::Queue {
                queue: queue.clone(),
            }),
        },
        sip_call_id: inbound.sip_call_id.clone(),
        node: node.to_owned(),
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn next_notice(notices: &mut Option<mpsc::Receiver<QueueNotice>>) -> Option<QueueNotice> {
    match notices {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl CallDriver {
    /// Feeds one input, then carries out everything it caused.
    async fn feed(&mut self, input: Input) {
        self.machine.handle_input(Instant::now(), input);
        self.pump().await;
    }

    /// Carries out the machine's outputs; an action's immediate outcome is fed back at once
    /// (later outputs of the same batch are carried out after it, in order).
    async fn pump(&mut self) {
        while let Some(output) = self.machine.poll_output() {
            if let Some(input) = self.execute(output).await {
                self.machine.handle_input(Instant::now(), input);
            }
        }
    }

    async fn run_loop(&mut self, inbound: &mut Inbound, reported: &mut mpsc::Receiver<Report>) {
        while !self.machine.is_finished() {
            let deadline = self.machine.poll_timeout();
            let input = tokio::select! {
                event = inbound.events.next() => match event {
                    LegEvent::Cancelled => Some(Input::LegEnded(LegId::CALLER, LegEnd::Cancelled)),
                    // However the dialog ended, the caller is gone.
                    LegEvent::Ended(_) => Some(Input::LegEnded(LegId::CALLER, LegEnd::Bye)),
                    LegEvent::Offer(offer) => {
                        self.reinvite(offer).await.then_some(Input::LegRefreshed(LegId::CALLER))
                    }
                },
                msg = inbound.rooms.recv() => match msg {
                    Some(RoomMsg::Event(event)) => self.room_event(event),
                    Some(RoomMsg::Tap(samples)) => {
                        if let Some(kept) = &mut self.recording {
                            kept.extend_from_slice(&samples);
                        }
                        None
                    }
                    None => Some(Input::MediaFailed("the media worker stopped".into())),
                },
                notice = next_notice(&mut self.notices) => match notice {
                    Some(QueueNotice::AgentHangUp) => {
                        self.agent_legs.keys().next().map(|leg| Input::LegEnded(*leg, LegEnd::Bye))
                    }
                    other => Some(self.queue_notice(other)),
                },
                report = reported.recv() => match report {
                    Some(report) => self.report(report).await,
                    None => None,
                },
                _ = sleep_until(deadline) => {
                    self.machine.handle_timeout(Instant::now());
                    None
                }
            };
            if let Some(input) = input {
                self.machine.handle_input(Instant::now(), input);
            }
            self.pump().await;
        }
    }

    /// What the queue says, as the machine's input.
    fn queue_notice(&mut self, notice: Option<QueueNotice>) -> Input {
        match notice {
            Some(QueueNotice::Position {
                position,
                estimated_wait_secs,
            }) => Input::Queue(QueueInput::Position {
                position,
                estimated_wait_secs,
            }),
            Some(QueueNotice::Offered { agent }) => Input::Queue(QueueInput::Offered { agent }),
            // The channel stays open: the agent's hang-up comes on it.
            Some(QueueNotice::Ended(WaitOutcome::Answered { agent })) => {
                Input::Queue(QueueInput::Answered { agent })
            }
            Some(QueueNotice::Ended(outcome)) => {
                self.notices = None;
                tracing::info!(call = %self.call, ?outcome, "the queue let go of the call");
                Input::Queue(QueueInput::Released(format!("{outcome:?}")))
            }
            Some(QueueNotice::AgentHold(hold)) => Input::AgentHold(hold),
            Some(QueueNotice::AgentHangUp) => Input::Queue(QueueInput::Waiting),
            None => {
                self.notices = None;
                Input::Queue(QueueInput::Released("the queue engine stopped".into()))
            }
        }
    }

    fn room_event(&mut self, event: RoomEvent) -> Option<Input> {
        match event {
            RoomEvent::Dtmf {
                participant, digit, ..
            } => {
                let leg = self.leg_of(participant)?;
                Some(Input::Dtmf(leg, digit.as_char()))
            }
            RoomEvent::PromptFinished { prompt, .. } => Some(Input::PlayFinished(PlayId(prompt.0))),
            _ => None,
        }
    }

    fn leg_of(&self, member: MemberId) -> Option<LegId> {
        self.members.iter().find_map(|(m, id)| match m {
            Member::Leg(leg) if *id == member => Some(*leg),
            _ => None,
        })
    }

    async fn report(&mut self, report: Report) -> Option<Input> {
        match report {
            Report::Dialled(leg, outcome) => self.dialled(leg, outcome).await,
            Report::LegGone(leg) => Some(Input::LegEnded(leg, LegEnd::Bye)),
            Report::Refreshed(result) => {
                self.refreshing = None;
                Some(match result {
                    Ok(()) => Input::LegRefreshed(LegId::CALLER),
                    Err(why) => Input::RefreshFailed(LegId::CALLER, why.to_string()),
                })
            }
        }
    }

    fn stop_tasks(&mut self) {
        for (_, leg) in self.outbound.drain() {
            if let Some(task) = leg.task {
                task.abort();
            }
        }
        if let Some(task) = self.refreshing.take() {
            task.abort();
        }
    }
}
