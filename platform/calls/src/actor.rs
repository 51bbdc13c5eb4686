//! One call: a tokio task that owns the inbound leg's dialog, its media room and its IVR flow.
//!
//! Why this file is ~1,600 lines: it is the call as one tokio actor holding its IO handles, and
//! issue 12 section 1 replaces it with a sans-IO `CallMachine` plus a thin driver (see
//! docs/architecture.md, "Not there yet"). Until then new call behaviour goes into the pure
//! pieces (`flow`, `digits`, `session_timer`) where it can, not here.
//!
//! It answers with an SDP answer, runs the number's IVR plugin through [`IvrFlow`], carries
//! the commands out on the room (prompts, digit collection, queue music and announcements,
//! voicemail recording) and the dialog (answer, BYE, re-INVITE answers), and feeds the outcomes
//! back. When the call ends — either side hangs up, CANCEL, a failure — it releases the room
//! and the queue place and writes the call record.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kefu_core::{CallId, TenantId};
use kefu_media::driver::{MediaWorker, RoomId};
use kefu_media::leg::RtpLegConfig;
use kefu_media::prompt::{FinishReason, PromptPlayer};
use kefu_media::prompt::{ToneGenerator, ToneSpec};
use kefu_media::room::RoomEvent;
use kefu_media::{G711, Gain, MemberId, MusicLoop, Prompt, PromptId, RtpLeg, SAMPLE_RATE, Source};
use kefu_plugin_host::ivr::Prompt as PluginPrompt;
use kefu_plugin_host::ivr::{
    Action, CollectEnd, Enqueue, Event, Playback, QueueTimeout, QueueUpdate, TransferFailed,
    TransferFailure, TransferTarget, Voicemail,
};
use kefu_plugin_host::{CallContext, Language};
use kefu_sip::rsipstack::dialog::authenticate::Credential;
use kefu_sip::rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use kefu_sip::rsipstack::dialog::dialog_layer::DialogLayer;
use kefu_sip::rsipstack::dialog::invitation::InviteOption;
use kefu_sip::rsipstack::dialog::invite_dialog::InviteDialog;
use kefu_sip::rsipstack::sip::{Header, Method, StatusCode, StatusCodeKind, Uri};
use kefu_sip::sdp::{self, Codec, LocalMedia, SdpLimits};
use tokio::sync::mpsc;

use crate::audio::Renderer;
use crate::digits::DigitCollector;
use crate::flow::{Command, Ending, Input, IvrFlow};
use crate::queues::{QueueHub, QueueNotice};
use crate::services::{CallServices, Entry, IvrSession, NewVoicemail, Route};
use crate::session_timer::{Due, SessionTimer};
use kefu_core::DomainEvent;
use kefu_core::event::{
    CallEnded, CallEntry, CallReceived, ConnectedTo, Direction, Disposition, HangupBy,
    IvrActionKind, MediaSummary, TransferTarget as EventTarget,
};

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
    /// The language of calls whose plugin does not say otherwise.
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
        CallSettings {
            media_address: [127, 0, 0, 1].into(),
            max_call: Duration::from_secs(4 * 3600),
            max_voicemail: Duration::from_secs(120),
            language: Language::English,
            ring_before_answer: Duration::ZERO,
            early_media: false,
            session_timers: crate::session_timer::TimerPolicy::default(),
            node: "kefu".into(),
        }
    }
}

/// What a call needs from the service.
#[derive(Clone)]
pub(crate) struct CallKit {
    pub services: Arc<dyn CallServices>,
    pub renderer: Renderer,
    pub hub: QueueHub,
    pub settings: CallSettings,
}

/// The inbound leg, as the service hands it over.
pub(crate) struct Inbound {
    pub id: CallId,
    pub route: Route,
    pub caller: String,
    pub sip_call_id: String,
    pub started_at: SystemTime,
    pub offer: sdp::SessionDescription,
    pub dialog: InviteDialog,
    pub states: DialogStateReceiver,
    pub worker: MediaWorker,
    pub room: RoomId,
    pub rooms: mpsc::Receiver<RoomMsg>,
    /// The edge's dialog layer (outbound legs).
    pub dialogs: Arc<DialogLayer>,
    /// Our Contact.
    pub contact: Option<Uri>,
    /// The session timer negotiated from the INVITE.
    pub session_timer: Option<SessionTimer>,
    /// Unregisters the room from the worker's demultiplexer when dropped.
    pub _registration: crate::service::RoomRegistration,
}

/// A `play` in progress.
struct Playing {
    id: PromptId,
    tag: String,
    barge_in: bool,
    /// The key that interrupted it.
    key: Option<char>,
    /// What the play is for.
    purpose: Purpose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A plugin `play`.
    Play,
    /// The prompt of a `collect-digits`.
    CollectPrompt,
    /// A queue announcement (plugin's or the platform's position announcement).
    Announcement,
    /// The voicemail greeting and beep.
    VoicemailGreeting,
    /// The platform's position and wait announcement.
    Position,
}

/// Voicemail recording in progress.
struct Recording {
    mailbox: String,
    samples: Vec<i16>,
    until: Instant,
}

struct Queued {
    queue: String,
    since: Instant,
    music: Option<MemberId>,
    notices: mpsc::Receiver<QueueNotice>,
}

/// How the call loop ended.
enum End {
    Caller,
    Cancelled,
    System(Disposition, Option<String>),
    /// The caller's side is gone without a BYE (session timer): ends like a hang-up, but by
    /// the system, with the reason.
    Lost(String),
}

struct Call {
    kit: CallKit,
    id: CallId,
    tenant: TenantId,
    route: Route,
    caller: String,
    started_at: SystemTime,
    answered_at: Option<SystemTime>,
    dialog: InviteDialog,
    worker: MediaWorker,
    room: RoomId,
    leg: MemberId,
    player: MemberId,
    answer_sdp: String,
    local: LocalMedia,
    flow: IvrFlow,
    session: Option<Box<dyn IvrSession>>,
    playing: Option<Playing>,
    next_prompt: u64,
    collector: Option<DigitCollector>,
    queued: Option<Queued>,
    queue_record: Option<String>,
    queue_wait: Duration,
    recording: Option<Recording>,
    /// The voicemail to start once its greeting ends.
    voicemail: Option<Voicemail>,
    left_voicemail: bool,
    dtmf_keys: u32,
    disposition: Option<Disposition>,
    codec: G711,
    dialogs: Arc<DialogLayer>,
    contact: Option<Uri>,
    /// An outbound leg ringing.
    transfer: Option<Transferring>,
    /// The outbound leg the caller is bridged to.
    bridged: Option<Bridged>,
    /// The session timer, when the dialog was last refreshed, and our refresh in flight.
    timer: Option<SessionTimer>,
    refreshed: Instant,
    refreshing: Option<tokio::task::JoinHandle<Result<(), String>>>,
    /// The call as it arrived (set once set-up succeeded).
    received: Option<CallReceived>,
}

/// A transfer to an external number in progress.
struct Transferring {
    target: TransferTarget,
    leg: MemberId,
    ringback: Option<MemberId>,
    outcome: tokio::sync::oneshot::Receiver<TransferOutcome>,
    task: tokio::task::JoinHandle<()>,
}

type TransferOutcome = Result<
    (
        InviteDialog,
        Option<kefu_sip::rsipstack::sip::Response>,
        DialogStateReceiver,
    ),
    String,
>;

/// The caller talks to an external number.
struct Bridged {
    dialog: InviteDialog,
    states: DialogStateReceiver,
}

/// Runs one inbound call to its end. Every error path ends the call cleanly.
pub(crate) async fn run(kit: CallKit, mut inbound: Inbound) {
    let tenant = inbound.route.tenant;
    let received = received_of(&inbound, &kit.settings.node);
    kit.services
        .emit(
            tenant,
            DomainEvent::CallReceived(Box::new(received.clone())),
        )
        .await;
    let (call, early_end) = match setup(&kit, &mut inbound).await {
        Ok(call) => (Some(call), None),
        Err((status, why)) => {
            tracing::warn!(call = %inbound.id, %why, "call setup failed");
            let _ = inbound.dialog.reject(Some(status), None);
            (None, Some(why))
        }
    };
    let Some(mut call) = call else {
        let _ = inbound.worker.close_room(inbound.room).await;
        let ended = CallEnded {
            received,
            started_at: inbound.started_at.into(),
            answered_at: None,
            ended_at: SystemTime::now().into(),
            disposition: Disposition::Failed,
            hangup_by: HangupBy::System,
            ivr_path: Vec::new(),
            queue: None,
            queue_wait_ms: None,
            call_data: Vec::new(),
            media: MediaSummary::default(),
            reason: early_end,
        };
        kit.services
            .emit(tenant, DomainEvent::CallEnded(Box::new(ended)))
            .await;
        return;
    };
    call.received = Some(received);
    let end = call.run_loop(&mut inbound).await;
    call.finish(end).await;
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

async fn setup(kit: &CallKit, inbound: &mut Inbound) -> Result<Call, (StatusCode, String)> {
    // Codec choice first (port 0 placeholder), then the leg, then the real answer.
    let mut local = LocalMedia {
        address: kit.settings.media_address,
        port: 0,
        session_id: session_id(),
        session_version: 1,
    };
    let probe = sdp::answer(&inbound.offer, &local)
        .map_err(|e| (StatusCode::NotAcceptableHere, format!("SDP offer: {e}")))?;
    let codec = match probe.codec {
        Codec::Pcmu => G711::Pcmu,
        Codec::Pcma => G711::Pcma,
    };
    let mut leg = RtpLegConfig::new(codec, probe.remote, 0);
    leg.audio_payload_type = probe.payload_type;
    leg.telephone_event = probe.telephone_event;
    leg.cname = format!("kefu-{}", inbound.id);
    let media_error = |e: kefu_media::driver::DriverError| {
        (StatusCode::ServiceUnavailable, format!("media: {e}"))
    };
    let (member, addr) = inbound
        .worker
        .add_rtp_leg(inbound.room, leg)
        .await
        .map_err(media_error)?;
    local.port = addr.port();
    let answer = sdp::answer(&inbound.offer, &local)
        .map_err(|e| (StatusCode::NotAcceptableHere, format!("SDP offer: {e}")))?;
    let player = inbound
        .worker
        .add_source(inbound.room, Source::Prompts(PromptPlayer::new()))
        .await
        .map_err(media_error)?;
    inbound
        .worker
        .with_room(inbound.room, move |room| {
            room.set_hears(member, player, Gain::UNITY)
        })
        .await
        .map_err(media_error)?
        .map_err(|e| (StatusCode::ServiceUnavailable, format!("media: {e}")))?;

    let tenant = inbound.route.tenant;
    let (session, fallback) = match &inbound.route.entry {
        Entry::Ivr { installation } => match kit.services.ivr_session(tenant, installation).await {
            Ok(session) => (Some(session), None),
            Err(why) => {
                tracing::warn!(call = %inbound.id, %why, "the number's IVR plugin cannot run");
                return Err((StatusCode::ServiceUnavailable, format!("IVR plugin: {why}")));
            }
        },
        Entry::Queue { queue } => (None, Some(queue.clone())),
    };
    let started_ms = inbound
        .started_at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let context = CallContext {
        call_id: inbound.id.to_string(),
        tenant_id: tenant.to_string(),
        caller: inbound.caller.clone(),
        dialled: inbound.route.number.clone(),
        data: Vec::new(),
        ivr_path: Vec::new(),
        language: kit.settings.language,
        started_at_ms: started_ms,
    };
    Ok(Call {
        kit: kit.clone(),
        id: inbound.id,
        tenant,
        route: inbound.route.clone(),
        caller: inbound.caller.clone(),
        started_at: inbound.started_at,
        answered_at: None,
        dialog: inbound.dialog.clone(),
        worker: inbound.worker.clone(),
        room: inbound.room,
        leg: member,
        player,
        answer_sdp: answer.sdp,
        local,
        flow: IvrFlow::new(context, fallback),
        session,
        playing: None,
        next_prompt: 1,
        collector: None,
        queued: None,
        queue_record: None,
        queue_wait: Duration::ZERO,
        recording: None,
        voicemail: None,
        left_voicemail: false,
        dtmf_keys: 0,
        disposition: None,
        codec,
        dialogs: inbound.dialogs.clone(),
        contact: inbound.contact.clone(),
        transfer: None,
        bridged: None,
        timer: inbound.session_timer,
        refreshed: Instant::now(),
        refreshing: None,
        received: None,
    })
}

fn session_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(1)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Our session refresh's outcome; pending forever when none is in flight.
async fn refresh_outcome(
    refreshing: &mut Option<tokio::task::JoinHandle<Result<(), String>>>,
) -> Result<(), String> {
    match refreshing {
        Some(task) => task
            .await
            .unwrap_or_else(|e| Err(format!("the refresh stopped: {e}"))),
        None => std::future::pending().await,
    }
}

async fn transfer_outcome(transfer: &mut Option<Transferring>) -> TransferOutcome {
    match transfer {
        Some(t) => (&mut t.outcome)
            .await
            .unwrap_or_else(|_| Err("the transfer task stopped".into())),
        None => std::future::pending().await,
    }
}

async fn bridged_state(bridged: &mut Option<Bridged>) -> Option<DialogState> {
    match bridged {
        Some(b) => b.states.recv().await,
        None => std::future::pending().await,
    }
}

/// How long an external number may ring.
const TRANSFER_RING: Duration = Duration::from_secs(30);

/// Whether `number` is E.164 (`+` and 8 to 15 digits).
fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// An offer with only `codec` (and telephone-event), so the answer cannot pick another law.
fn single_codec_offer(local: &LocalMedia, codec: G711) -> String {
    let (pt, name) = match codec {
        G711::Pcmu => (0, "PCMU"),
        G711::Pcma => (8, "PCMA"),
    };
    let fam = if local.address.is_ipv4() {
        "IP4"
    } else {
        "IP6"
    };
    format!(
        "v=0\r\no=kefu {sid} {ver} IN {fam} {addr}\r\ns=kefu\r\nc=IN {fam} {addr}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP {pt} 101\r\na=rtpmap:{pt} {name}/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
        sid = local.session_id,
        ver = local.session_version,
        addr = local.address,
        port = local.port,
    )
}

fn failure_of(status: u16) -> TransferFailure {
    match status {
        486 | 600 => TransferFailure::Busy,
        408 | 480 | 487 => TransferFailure::NoAnswer,
        403 | 603 => TransferFailure::Rejected,
        _ => TransferFailure::Unreachable,
    }
}

async fn next_notice(queued: &mut Option<Queued>) -> Option<QueueNotice> {
    match queued {
        Some(q) => q.notices.recv().await,
        None => std::future::pending().await,
    }
}

impl Call {
    async fn run_loop(&mut self, inbound: &mut Inbound) -> End {
        let hard_stop = Instant::now() + self.kit.settings.max_call;
        let ring = self.kit.settings.ring_before_answer;
        if !ring.is_zero() {
            let tone = if self.kit.settings.early_media {
                self.early_media().await
            } else {
                if let Err(e) = self.dialog.ringing(None, None) {
                    tracing::debug!(call = %self.id, error = %e, "180 Ringing failed");
                }
                None
            };
            let until = tokio::time::Instant::now() + ring;
            let cut_short = loop {
                tokio::select! {
                    state = inbound.states.recv() => match state {
                        Some(DialogState::Terminated(_, TerminatedReason::UacCancel)) => break Some(End::Cancelled),
                        Some(DialogState::Terminated(..)) | None => break Some(End::Caller),
                        Some(_) => {}
                    },
                    _ = tokio::time::sleep_until(until) => break None,
                }
            };
            if let Some(tone) = tone {
                let _ = self.worker.remove(self.room, tone).await;
            }
            if let Some(end) = cut_short {
                return end;
            }
        }
        self.flow.start();
        loop {
            // Carry out every command the flow has ready.
            while let Some(command) = self.flow.poll() {
                if let Some(end) = self.command(command).await {
                    return end;
                }
            }
            if let Some(end) = self.check_collector() {
                return end;
            }
            let timer_due = self.timer_due();
            let deadline = [
                self.collector.as_ref().and_then(|c| c.deadline()),
                self.recording.as_ref().map(|r| r.until),
                timer_due.map(Due::at),
                Some(hard_stop),
            ]
            .into_iter()
            .flatten()
            .min();
            tokio::select! {
                state = inbound.states.recv() => match state {
                    Some(DialogState::Terminated(_, reason)) => {
                        return match reason {
                            TerminatedReason::UacCancel => End::Cancelled,
                            _ => End::Caller,
                        };
                    }
                    Some(DialogState::Updated(_, request, handle)) => {
                        self.reinvite(&request, handle).await;
                    }
                    Some(DialogState::Options(_, _, handle)) => {
                        // An in-dialog OPTIONS is a carrier's keep-alive ping.
                        let _ = handle.reply(StatusCode::OK).await;
                    }
                    Some(_) => {}
                    None => return End::Caller,
                },
                msg = inbound.rooms.recv() => match msg {
                    Some(RoomMsg::Event(event)) => {
                        if let Some(end) = self.room_event(event).await {
                            return end;
                        }
                    }
                    Some(RoomMsg::Tap(samples)) => {
                        if let Some(r) = &mut self.recording {
                            r.samples.extend_from_slice(&samples);
                        }
                    }
                    None => return End::System(Disposition::Failed, Some("the media worker stopped".into())),
                },
                notice = next_notice(&mut self.queued) => {
                    self.queue_notice(notice).await;
                }
                refreshed = refresh_outcome(&mut self.refreshing) => {
                    self.refreshing = None;
                    match refreshed {
                        Ok(()) => self.refreshed = Instant::now(),
                        Err(why) => return End::Lost(format!("the session refresh failed: {why}")),
                    }
                }
                outcome = transfer_outcome(&mut self.transfer) => {
                    self.transfer_answered(outcome).await;
                }
                state = bridged_state(&mut self.bridged) => {
                    if matches!(state, Some(DialogState::Terminated(..)) | None) {
                        self.bridged = None;
                        return End::System(Disposition::Transferred, None);
                    }
                }
                _ = sleep_until(deadline) => {
                    let now = Instant::now();
                    if now >= hard_stop {
                        return End::System(Disposition::EndedInIvr, Some("the call reached its maximum length".into()));
                    }
                    match timer_due {
                        Some(Due::Expire(at)) if now >= at => {
                            return End::Lost("the session timer expired: the caller sent no refresh".into());
                        }
                        Some(Due::Refresh(at)) if now >= at => self.start_refresh(),
                        _ => {}
                    }
                    if let Some(c) = &mut self.collector {
                        c.timeout(now);
                    }
                    if self.recording.as_ref().is_some_and(|r| now >= r.until) {
                        return self.finish_voicemail().await;
                    }
                }
            }
        }
    }

    /// Carries out one flow command; returns how the call ends when it does.
    async fn command(&mut self, command: Command) -> Option<End> {
        match command {
            Command::AskPlugin(event) => {
                let was_update = matches!(event, Event::QueueUpdate(_));
                let position = match &event {
                    Event::QueueUpdate(u) => Some((u.position, u.estimated_wait_secs)),
                    _ => None,
                };
                let input = self.ask(&event).await;
                // A plugin with nothing to say to a queue update: the platform announces the
                // position and the wait itself.
                if let (true, Input::Actions(actions), Some((position, wait))) =
                    (was_update, &input, position)
                    && actions.is_empty()
                {
                    self.announce_position(position, wait).await;
                }
                self.flow.handle(input);
                None
            }
            Command::Answer => {
                self.answer().await;
                None
            }
            Command::Play(playback) => {
                self.answer().await;
                let purpose = if self.queued.is_some() {
                    Purpose::Announcement
                } else {
                    Purpose::Play
                };
                self.play(&playback.tag, &playback.prompts, playback.barge_in, purpose)
                    .await;
                None
            }
            Command::Collect { spec, preset } => {
                self.answer().await;
                let now = Instant::now();
                let has_prompt = !spec.prompt.is_empty() && preset.is_empty();
                self.collector = Some(DigitCollector::new(&spec, &preset, has_prompt, now));
                if has_prompt {
                    self.play(
                        &spec.tag,
                        &spec.prompt,
                        spec.barge_in,
                        Purpose::CollectPrompt,
                    )
                    .await;
                }
                None
            }
            Command::Enqueue(enqueue) => {
                self.answer().await;
                self.enqueue(enqueue).await;
                None
            }
            Command::Dequeue => {
                self.dequeue().await;
                None
            }
            Command::Transfer(target) => {
                self.answer().await;
                if let Err(reason) = self.start_transfer(&target).await {
                    tracing::info!(call = %self.id, ?target, ?reason, "transfer failed");
                    self.flow
                        .handle(Input::TransferFailed(TransferFailed { target, reason }));
                }
                None
            }
            Command::Voicemail(voicemail) => {
                self.answer().await;
                self.start_voicemail(voicemail).await;
                None
            }
            Command::HangUp(ending) => Some(match ending {
                Ending::PluginHungUp => {
                    End::System(self.disposition.unwrap_or(Disposition::EndedInIvr), None)
                }
                Ending::PluginFailed(why) => End::System(Disposition::Failed, Some(why)),
            }),
        }
    }

    async fn ask(&mut self, event: &Event) -> Input {
        let context = self.flow.context().clone();
        match &mut self.session {
            Some(session) => match session.on_event(&context, event).await {
                Ok(actions) => {
                    for action in &actions {
                        if let Action::Visit(node) = action {
                            self.emit(DomainEvent::CallIvrAction {
                                call: self.id,
                                action: IvrActionKind::Visit,
                                name: node.clone(),
                            })
                            .await;
                        }
                    }
                    Input::Actions(actions)
                }
                Err(why) => Input::PluginFailed(why),
            },
            None => Input::Actions(builtin_queue_entry(event, &self.route)),
        }
    }

    /// Hands `event` to the log. Borrows nothing across the wait (the call is not `Sync`).
    fn emit(&self, event: DomainEvent) -> impl std::future::Future<Output = ()> + Send + 'static {
        tracing::debug!(event = event.name(), "call event");
        let services = self.kit.services.clone();
        let tenant = self.tenant;
        async move { services.emit(tenant, event).await }
    }

    async fn answer(&mut self) {
        if self.answered_at.is_some() {
            return;
        }
        let mut headers = vec![Header::ContentType("application/sdp".into())];
        headers.extend(self.timer_headers());
        match self
            .dialog
            .accept(Some(headers), Some(self.answer_sdp.clone().into_bytes()))
        {
            Ok(()) => {
                self.answered_at = Some(SystemTime::now());
                self.refreshed = Instant::now();
                self.emit(DomainEvent::CallAnswered { call: self.id }).await;
            }
            Err(e) => tracing::warn!(call = %self.id, error = %e, "answering failed"),
        }
    }

    /// Early media: 183 Session Progress with our SDP, and a ringback tone on the leg until
    /// the call is answered. Returns the tone to remove then.
    async fn early_media(&mut self) -> Option<MemberId> {
        let tone = self.ringback().await;
        let content_type = Header::ContentType("application/sdp".into());
        if let Err(e) = self.dialog.ringing(
            Some(vec![content_type]),
            Some(self.answer_sdp.clone().into_bytes()),
        ) {
            tracing::debug!(call = %self.id, error = %e, "183 Session Progress failed");
        }
        tone
    }

    /// A ringback tone (Chinese or North American by the call's language) the caller hears
    /// until it is removed.
    async fn ringback(&mut self) -> Option<MemberId> {
        let spec = if self.kit.settings.language == Language::Mandarin {
            ToneSpec::RINGBACK_CN
        } else {
            ToneSpec::RINGBACK_US
        };
        let tone = self
            .worker
            .add_source(self.room, Source::Tone(ToneGenerator::new(spec)))
            .await
            .ok()?;
        let caller = self.leg;
        let _ = self
            .worker
            .with_room(self.room, move |room| {
                room.set_hears(caller, tone, Gain::UNITY)
            })
            .await;
        Some(tone)
    }

    async fn play(
        &mut self,
        tag: &str,
        prompts: &[PluginPrompt],
        barge_in: bool,
        purpose: Purpose,
    ) {
        let language = self.flow.context().language;
        let rendered = self
            .kit
            .renderer
            .render(self.tenant, prompts, language)
            .await;
        for why in &rendered.skipped {
            tracing::info!(call = %self.id, %why, "part of a prompt was skipped");
        }
        self.play_prompt(tag, rendered.prompt, barge_in, purpose)
            .await;
    }

    async fn play_prompt(&mut self, tag: &str, prompt: Prompt, barge_in: bool, purpose: Purpose) {
        let id = PromptId(self.next_prompt);
        self.next_prompt += 1;
        let player = self.player;
        let empty = prompt.samples().is_empty();
        if matches!(purpose, Purpose::Announcement | Purpose::Position) {
            self.set_music(false).await;
        }
        self.playing = Some(Playing {
            id,
            tag: tag.to_string(),
            barge_in,
            key: None,
            purpose,
        });
        let queued = if empty {
            Ok(Ok(()))
        } else {
            self.worker
                .with_room(self.room, move |room| {
                    room.play(player, id, prompt, barge_in)
                })
                .await
        };
        if empty || !matches!(queued, Ok(Ok(()))) {
            // Nothing to play (or it could not be queued): it finished at once.
            Box::pin(self.prompt_finished(id, FinishReason::Completed)).await;
        }
    }

    async fn set_music(&mut self, on: bool) {
        let Some(music) = self.queued.as_ref().and_then(|q| q.music) else {
            return;
        };
        let leg = self.leg;
        let gain = if on { Gain::percent(60) } else { Gain::MUTE };
        let _ = self
            .worker
            .with_room(self.room, move |room| room.set_hears(leg, music, gain))
            .await;
    }

    async fn room_event(&mut self, event: RoomEvent) -> Option<End> {
        match event {
            RoomEvent::Dtmf { digit, .. } => {
                self.dtmf_keys += 1;
                let key = digit.as_char();
                self.key(key).await
            }
            RoomEvent::PromptFinished { prompt, reason, .. } => {
                self.prompt_finished(prompt, reason).await;
                None
            }
            _ => None,
        }
    }

    async fn key(&mut self, key: char) -> Option<End> {
        let now = Instant::now();
        if self.recording.is_some() {
            if key == '#' {
                return Some(self.finish_voicemail().await);
            }
            return None;
        }
        if let Some(collector) = &mut self.collector {
            let counted = collector.key(key, now);
            if counted
                && let Some(playing) = &self.playing
                && playing.purpose == Purpose::CollectPrompt
            {
                self.interrupt().await;
            }
            return None;
        }
        if let Some(playing) = &mut self.playing
            && playing.barge_in
            && playing.purpose == Purpose::Play
            && playing.key.is_none()
        {
            playing.key = Some(key);
            self.interrupt().await;
        }
        None
    }

    async fn interrupt(&mut self) {
        let player = self.player;
        let _ = self
            .worker
            .with_room(self.room, move |room| room.interrupt_prompts(player, false))
            .await;
    }

    async fn prompt_finished(&mut self, id: PromptId, _reason: FinishReason) {
        let Some(playing) = self.playing.take_if(|p| p.id == id) else {
            return; // an older prompt
        };
        match playing.purpose {
            Purpose::Play | Purpose::Announcement => {
                if playing.purpose == Purpose::Announcement {
                    self.set_music(true).await;
                }
                self.flow.handle(Input::PromptFinished {
                    tag: playing.tag,
                    key: playing.key,
                });
            }
            Purpose::CollectPrompt => {
                if let Some(c) = &mut self.collector {
                    c.prompt_finished(Instant::now());
                }
            }
            Purpose::VoicemailGreeting => self.begin_recording().await,
            Purpose::Position => self.set_music(true).await,
        }
    }

    fn check_collector(&mut self) -> Option<End> {
        let result = self.collector.as_ref().and_then(|c| c.result())?;
        self.collector = None;
        if result.ended_by == CollectEnd::Timeout && result.digits.is_empty() {
            tracing::debug!(call = %self.id, tag = %result.tag, "no digits before the timeout");
        }
        self.flow.handle(Input::DigitsCollected(result));
        None
    }

    async fn enqueue(&mut self, enqueue: Enqueue) {
        let (tx, notices) = mpsc::channel(16);
        let queue = enqueue.queue.clone();
        let priority = i32::from(enqueue.priority);
        match self
            .kit
            .hub
            .enqueue(self.tenant, self.id, enqueue, tx)
            .await
        {
            Ok(()) => {
                let music = self
                    .worker
                    .add_source(self.room, Source::Music(MusicLoop::generated()))
                    .await
                    .ok();
                self.queued = Some(Queued {
                    queue: queue.clone(),
                    since: Instant::now(),
                    music,
                    notices,
                });
                self.queue_record = Some(queue.clone());
                // Music unless an announcement is already playing.
                let announcing = self.playing.as_ref().is_some_and(|p| {
                    matches!(p.purpose, Purpose::Announcement | Purpose::Position)
                });
                self.set_music(!announcing).await;
                self.emit(DomainEvent::CallQueued {
                    call: self.id,
                    queue,
                    priority,
                })
                .await;
            }
            Err(why) => {
                tracing::warn!(call = %self.id, %why, "enqueue failed");
                self.emit(DomainEvent::CallDequeued {
                    call: self.id,
                    queue: queue.clone(),
                    waited_ms: 0,
                    reason: format!("enqueue failed: {why}"),
                })
                .await;
                // The plugin gets control back, as after a queue timeout with no wait.
                self.flow.handle(Input::QueueTimeout(QueueTimeout {
                    queue,
                    waited_secs: 0,
                }));
            }
        }
    }

    async fn dequeue(&mut self) {
        if let Some(q) = self.queued.take() {
            let waited = q.since.elapsed();
            self.queue_wait += waited;
            self.kit.hub.leave(self.tenant, self.id).await;
            if let Some(music) = q.music {
                let _ = self.worker.remove(self.room, music).await;
            }
            self.emit(DomainEvent::CallDequeued {
                call: self.id,
                queue: q.queue,
                waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                reason: "the IVR took the call back".into(),
            })
            .await;
        }
    }

    async fn queue_notice(&mut self, notice: Option<QueueNotice>) {
        let Some(q) = &self.queued else { return };
        let queue = q.queue.clone();
        match notice {
            Some(QueueNotice::Position {
                position,
                estimated_wait_secs,
            }) => {
                if self.playing.is_none() {
                    self.flow.handle(Input::QueueUpdate(QueueUpdate {
                        queue,
                        position,
                        estimated_wait_secs,
                    }));
                }
            }
            Some(QueueNotice::Ended(outcome)) => {
                let waited = q.since.elapsed();
                if let Some(q) = self.queued.take() {
                    self.queue_wait += waited;
                    if let Some(music) = q.music {
                        let _ = self.worker.remove(self.room, music).await;
                    }
                }
                tracing::info!(call = %self.id, ?outcome, "the queue let go of the call");
                self.emit(DomainEvent::CallDequeued {
                    call: self.id,
                    queue: queue.clone(),
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                    reason: format!("{outcome:?}"),
                })
                .await;
                self.flow.handle(Input::QueueTimeout(QueueTimeout {
                    queue,
                    waited_secs: u32::try_from(waited.as_secs()).unwrap_or(u32::MAX),
                }));
            }
            None => {
                // The engine went away: treat as a timeout so the plugin decides.
                self.queued = None;
                self.flow.handle(Input::QueueTimeout(QueueTimeout {
                    queue,
                    waited_secs: 0,
                }));
            }
        }
    }

    async fn announce_position(&mut self, position: u32, wait: Option<u32>) {
        use kefu_media::announcements::Announcement;
        let language = self.flow.context().language;
        let mut samples: Vec<i16> = Vec::new();
        let mut parts = vec![Announcement::QueuePosition(position.max(1))];
        if let Some(secs) = wait {
            parts.push(Announcement::ExpectedWait {
                minutes: secs.div_ceil(60).max(1),
            });
        }
        for part in parts {
            match self.kit.renderer.announcement(&part, language).await {
                Ok(p) => samples.extend_from_slice(p.samples()),
                Err(why) => tracing::info!(call = %self.id, %why, "announcement skipped"),
            }
        }
        if !samples.is_empty() {
            self.play_prompt(
                "kefu:queue-position",
                Prompt::from_samples(samples),
                false,
                Purpose::Position,
            )
            .await;
        }
    }

    /// Places the outbound leg through the tenant's trunk; the caller hears ringback.
    async fn start_transfer(&mut self, target: &TransferTarget) -> Result<(), TransferFailure> {
        let TransferTarget::Number(number) = target else {
            // Agents answer with the softphone issue.
            return Err(TransferFailure::Unreachable);
        };
        if !is_e164(number) {
            return Err(TransferFailure::Unreachable);
        }
        let trunk = self
            .kit
            .services
            .outbound_trunk(self.tenant)
            .await
            .map_err(|why| {
                tracing::info!(call = %self.id, %why, "no outbound trunk for a transfer");
                TransferFailure::Unreachable
            })?;
        let mut config = RtpLegConfig::new(self.codec, None, 0);
        config.cname = format!("kefu-{}-out", self.id);
        let (leg, addr) = self
            .worker
            .add_rtp_leg(self.room, config)
            .await
            .map_err(|_| TransferFailure::Unreachable)?;
        let local = LocalMedia {
            address: self.kit.settings.media_address,
            port: addr.port(),
            session_id: session_id(),
            session_version: 1,
        };
        let ringback = self.ringback().await;
        let parse = |text: String| Uri::try_from(text.as_str()).ok();
        let caller_id = trunk
            .caller_id
            .clone()
            .unwrap_or_else(|| self.route.number.clone());
        let (Some(callee), Some(caller)) = (
            parse(format!("sip:{number}@{}", trunk.proxy)),
            parse(format!("sip:{caller_id}@{}", self.local.address)),
        ) else {
            return Err(TransferFailure::Unreachable);
        };
        let contact = self.contact.clone().unwrap_or_else(|| caller.clone());
        let option = InviteOption {
            caller,
            callee,
            contact,
            content_type: Some("application/sdp".to_owned()),
            offer: Some(single_codec_offer(&local, self.codec).into_bytes()),
            credential: trunk
                .credentials
                .clone()
                .map(|(username, password)| Credential {
                    username,
                    password,
                    ..Credential::default()
                }),
            ..InviteOption::default()
        };
        let dialogs = self.dialogs.clone();
        let (tx, outcome) = tokio::sync::oneshot::channel();
        let task =
            tokio::spawn(async move {
                let (state_tx, states) = dialogs.new_dialog_state_channel();
                let result =
                    match tokio::time::timeout(TRANSFER_RING, dialogs.do_invite(option, state_tx))
                        .await
                    {
                        Ok(Ok((dialog, response))) => Ok((dialog, response, states)),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(_) => Err("no answer in time".to_string()),
                    };
                let _ = tx.send(result);
            });
        self.transfer = Some(Transferring {
            target: target.clone(),
            leg,
            ringback,
            outcome,
            task,
        });
        Ok(())
    }

    async fn transfer_answered(&mut self, outcome: TransferOutcome) {
        let Some(t) = self.transfer.take() else {
            return;
        };
        if let Some(tone) = t.ringback {
            let _ = self.worker.remove(self.room, tone).await;
        }
        let answered = match outcome {
            Ok((dialog, Some(response), states))
                if response.status_code.kind()
                    == kefu_sip::rsipstack::sip::StatusCodeKind::Successful =>
            {
                let remote = sdp::parse(&response.body, &SdpLimits::default())
                    .ok()
                    .and_then(|answer| sdp::answer(&answer, &self.local).ok())
                    .and_then(|a| a.remote);
                Ok((dialog, states, remote))
            }
            Ok((_, Some(response), _)) => Err(failure_of(u16::from(response.status_code))),
            Ok((_, None, _)) => Err(TransferFailure::Unreachable),
            Err(why) => {
                tracing::info!(call = %self.id, %why, "outbound leg failed");
                Err(if why.contains("in time") {
                    TransferFailure::NoAnswer
                } else {
                    TransferFailure::Unreachable
                })
            }
        };
        match answered {
            Ok((dialog, states, remote)) => {
                let (caller, out, player) = (self.leg, t.leg, self.player);
                let bridged = self
                    .worker
                    .with_room(self.room, move |room| {
                        if let Ok(leg) = room.leg_mut(out)
                            && let Some(rtp) = leg.as_any_mut().downcast_mut::<RtpLeg>()
                        {
                            rtp.set_remote(remote);
                        }
                        let _ = room.set_hears(caller, player, Gain::MUTE);
                        room.bridge(caller, out)
                    })
                    .await;
                if !matches!(bridged, Ok(Ok(()))) {
                    tracing::warn!(call = %self.id, "bridging the outbound leg failed");
                }
                self.disposition = Some(Disposition::Transferred);
                self.bridged = Some(Bridged { dialog, states });
                if let TransferTarget::Number(number) = &t.target {
                    self.emit(DomainEvent::CallTransferred {
                        call: self.id,
                        target: EventTarget::Number {
                            number: number.clone(),
                        },
                        by: None,
                    })
                    .await;
                    self.emit(DomainEvent::CallConnected {
                        call: self.id,
                        to: ConnectedTo::Number {
                            number: number.clone(),
                        },
                    })
                    .await;
                }
            }
            Err(reason) => {
                let _ = self.worker.remove(self.room, t.leg).await;
                self.flow.handle(Input::TransferFailed(TransferFailed {
                    target: t.target,
                    reason,
                }));
            }
        }
    }

    async fn start_voicemail(&mut self, voicemail: Voicemail) {
        self.dequeue().await;
        let greeting = if voicemail.greeting.is_empty() {
            vec![PluginPrompt::System("voicemail".into())]
        } else {
            voicemail.greeting.clone()
        };
        self.voicemail = Some(voicemail);
        let language = self.flow.context().language;
        let rendered = self
            .kit
            .renderer
            .render(self.tenant, &greeting, language)
            .await;
        let mut samples = rendered.prompt.samples().to_vec();
        samples.extend(beep());
        self.play_prompt(
            "kefu:voicemail",
            Prompt::from_samples(samples),
            false,
            Purpose::VoicemailGreeting,
        )
        .await;
    }

    async fn begin_recording(&mut self) {
        let Some(voicemail) = self.voicemail.take() else {
            return;
        };
        let _ = self
            .worker
            .with_room(self.room, |room| room.set_recording(true))
            .await;
        self.recording = Some(Recording {
            mailbox: voicemail.mailbox,
            samples: Vec::new(),
            until: Instant::now() + self.kit.settings.max_voicemail,
        });
    }

    /// Stores what was recorded; the call then ends.
    async fn finish_voicemail(&mut self) -> End {
        self.store_recording().await;
        End::System(Disposition::Voicemail, None)
    }

    async fn store_recording(&mut self) {
        let Some(recording) = self.recording.take() else {
            return;
        };
        let _ = self
            .worker
            .with_room(self.room, |room| room.set_recording(false))
            .await;
        let duration_ms = recording.samples.len() as u64 * 1_000 / u64::from(SAMPLE_RATE);
        let mut wav = Vec::with_capacity(44 + recording.samples.len() * 2);
        kefu_media::prompt::wav::write_wav(&recording.samples, SAMPLE_RATE, &mut wav);
        let mailbox = recording.mailbox.clone();
        let stored = self
            .kit
            .services
            .store_voicemail(NewVoicemail {
                tenant: self.tenant,
                call: self.id,
                mailbox: recording.mailbox,
                caller: self.caller.clone(),
                dialled: self.route.number.clone(),
                wav,
                duration_ms,
            })
            .await;
        match stored {
            Ok(()) => {
                self.left_voicemail = true;
                self.emit(DomainEvent::CallVoicemail {
                    call: self.id,
                    mailbox,
                    duration_ms,
                })
                .await;
            }
            Err(why) => tracing::error!(call = %self.id, %why, "storing a voicemail failed"),
        }
    }

    /// A re-INVITE or UPDATE from the caller: hold/resume, a new offer, or a session refresh
    /// (every answered one refreshes the session timer).
    async fn reinvite(
        &mut self,
        request: &kefu_sip::rsipstack::sip::Request,
        handle: kefu_sip::rsipstack::dialog::dialog::TransactionHandle,
    ) {
        let mut headers = self.timer_headers();
        let refresh_only = request.body.is_empty();
        let body = if refresh_only {
            // An UPDATE without a body only refreshes; a re-INVITE without one asks for our
            // offer, which is the session as it stands.
            (request.method != Method::Update).then(|| self.answer_sdp.clone())
        } else {
            let answered = sdp::parse(&request.body, &SdpLimits::default()).and_then(|offer| {
                self.local.session_version += 1;
                sdp::answer(&offer, &self.local)
            });
            match answered {
                Ok(answer) => {
                    tracing::info!(call = %self.id, method = %request.method, direction = answer.direction.as_str(), "new offer answered");
                    self.answer_sdp = answer.sdp.clone();
                    Some(answer.sdp)
                }
                Err(e) => {
                    tracing::info!(call = %self.id, error = %e, "new offer refused");
                    let _ = handle.reply(StatusCode::NotAcceptableHere).await;
                    return;
                }
            }
        };
        if body.is_some() {
            headers.push(Header::ContentType("application/sdp".into()));
        }
        let sent = handle
            .respond(StatusCode::OK, Some(headers), body.map(String::into_bytes))
            .await;
        if sent.is_ok() {
            self.refreshed = Instant::now();
        }
    }

    /// Headers our 2xx responses carry for the session timer.
    fn timer_headers(&self) -> Vec<Header> {
        let Some(timer) = &self.timer else {
            return Vec::new();
        };
        let mut headers = vec![
            Header::Other("Session-Expires".into(), timer.header_value()),
            Header::Other("Supported".into(), "timer".into()),
        ];
        if timer.require {
            headers.push(Header::Other("Require".into(), "timer".into()));
        }
        headers
    }

    /// What the session timer needs next, once the call is answered (nothing while our own
    /// refresh is in flight: its outcome decides).
    fn timer_due(&self) -> Option<Due> {
        let timer = self.timer.as_ref()?;
        self.answered_at?;
        let due = timer.due(self.refreshed);
        match due {
            Due::Refresh(_) if self.refreshing.is_some() => None,
            due => Some(due),
        }
    }

    /// Sends our refresh (UPDATE when the caller allows it, otherwise a re-INVITE with the
    /// session as it stands); its outcome comes back through `refreshing`.
    fn start_refresh(&mut self) {
        let Some(timer) = self.timer else {
            return;
        };
        let dialog = self.dialog.clone();
        let mut headers = vec![
            Header::Other("Session-Expires".into(), timer.header_value()),
            Header::Other("Supported".into(), "timer".into()),
        ];
        let sdp = self.answer_sdp.clone();
        let id = self.id;
        self.refreshing = Some(tokio::spawn(async move {
            let response = if timer.refresh_with_update {
                dialog.update(Some(headers), None).await
            } else {
                headers.push(Header::ContentType("application/sdp".into()));
                dialog.reinvite(Some(headers), Some(sdp.into_bytes())).await
            };
            match response {
                Ok(Some(r)) if r.status_code.kind() == StatusCodeKind::Successful => {
                    tracing::debug!(call = %id, "session refreshed");
                    Ok(())
                }
                Ok(Some(r)) => Err(format!("the caller answered {}", r.status_code)),
                Ok(None) => Err("the dialog is not established".into()),
                Err(e) => Err(e.to_string()),
            }
        }));
    }

    async fn finish(mut self, end: End) {
        // A caller who hangs up while recording still leaves the message.
        if self.recording.is_some() {
            self.store_recording().await;
        }
        if let Some(t) = self.transfer.take() {
            t.task.abort();
        }
        if let Some(b) = self.bridged.take()
            && let Err(e) = b.dialog.bye().await
        {
            tracing::debug!(call = %self.id, error = %e, "BYE to the far end failed");
        }
        let was_queued = self.queued.is_some();
        if let Some(q) = self.queued.take() {
            self.queue_wait += q.since.elapsed();
            self.kit.hub.leave(self.tenant, self.id).await;
        }
        let (disposition, hangup_by, reason) = match end {
            End::Caller if self.left_voicemail => (Disposition::Voicemail, HangupBy::Caller, None),
            End::Caller if self.disposition == Some(Disposition::Transferred) => {
                (Disposition::Transferred, HangupBy::Caller, None)
            }
            End::Caller if was_queued => (Disposition::AbandonedInQueue, HangupBy::Caller, None),
            End::Caller => (Disposition::EndedInIvr, HangupBy::Caller, None),
            End::Cancelled => (Disposition::Cancelled, HangupBy::Caller, None),
            End::Lost(reason) => {
                if let Err(e) = self.dialog.bye().await {
                    tracing::debug!(call = %self.id, error = %e, "BYE failed");
                }
                let disposition = if self.left_voicemail {
                    Disposition::Voicemail
                } else if self.disposition == Some(Disposition::Transferred) {
                    Disposition::Transferred
                } else if was_queued {
                    Disposition::AbandonedInQueue
                } else {
                    Disposition::EndedInIvr
                };
                (disposition, HangupBy::System, Some(reason))
            }
            End::System(d, reason) => {
                if self.answered_at.is_some() {
                    if let Err(e) = self.dialog.bye().await {
                        tracing::debug!(call = %self.id, error = %e, "BYE failed");
                    }
                } else {
                    let status = if d == Disposition::Failed {
                        StatusCode::TemporarilyUnavailable
                    } else {
                        StatusCode::Decline
                    };
                    let _ = self.dialog.reject(Some(status), None);
                }
                (d, HangupBy::System, reason)
            }
        };
        let leg = self.leg;
        let stats = self
            .worker
            .with_room(self.room, move |room| room.leg_stats(leg).ok())
            .await
            .ok()
            .flatten();
        let _ = self.worker.close_room(self.room).await;
        let media = stats
            .map(|s| MediaSummary {
                packets_received: s.packets_in,
                packets_sent: s.packets_out,
                packets_lost: s.lost,
                jitter_ms: u32::try_from(s.jitter.as_millis()).unwrap_or(u32::MAX),
                dtmf_keys: self.dtmf_keys,
            })
            .unwrap_or(MediaSummary {
                dtmf_keys: self.dtmf_keys,
                ..MediaSummary::default()
            });
        let context = self.flow.context().clone();
        let Some(received) = self.received.take() else {
            tracing::error!(call = %self.id, "a call ended without its arrival recorded");
            return;
        };
        let ended = CallEnded {
            received,
            started_at: self.started_at.into(),
            answered_at: self.answered_at.map(Into::into),
            ended_at: SystemTime::now().into(),
            disposition,
            hangup_by,
            ivr_path: context.ivr_path,
            queue: self.queue_record.clone(),
            queue_wait_ms: self
                .queue_record
                .as_ref()
                .map(|_| u64::try_from(self.queue_wait.as_millis()).unwrap_or(u64::MAX)),
            call_data: context.data,
            media,
            reason,
        };
        self.emit(DomainEvent::CallEnded(Box::new(ended))).await;
    }
}

/// A 1 kHz beep of 400 ms before the voicemail recording.
fn beep() -> Vec<i16> {
    let n = SAMPLE_RATE as usize * 2 / 5;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(SAMPLE_RATE);
            ((t * 1_000.0 * std::f64::consts::TAU).sin() * 8_000.0) as i16
        })
        .collect()
}

/// A number answered by a queue: "please hold", queue; when the queue lets go, voicemail in
/// the queue's mailbox.
fn builtin_queue_entry(event: &Event, route: &Route) -> Vec<Action> {
    let Entry::Queue { queue } = &route.entry else {
        return vec![Action::HangUp];
    };
    match event {
        Event::CallStarted => vec![
            Action::Answer,
            Action::Play(Playback {
                tag: "please-hold".into(),
                prompts: vec![PluginPrompt::System("please-hold".into())],
                barge_in: false,
            }),
            Action::Enqueue(Enqueue {
                queue: queue.clone(),
                priority: 0,
                required_skills: Vec::new(),
                data: Vec::new(),
            }),
        ],
        Event::QueueTimeout(_) => vec![
            Action::Play(Playback {
                tag: "busy".into(),
                prompts: vec![PluginPrompt::System("all-agents-busy".into())],
                barge_in: false,
            }),
            Action::Voicemail(Voicemail {
                mailbox: queue.clone(),
                greeting: Vec::new(),
            }),
        ],
        Event::TransferFailed(_) => vec![Action::HangUp],
        _ => Vec::new(),
    }
}
