//! The call service: takes the SIP edge's requests, refuses what no trunk or number admits,
//! starts a call actor per accepted INVITE, and hands in-dialog requests to their dialogs.
//!
//! Media runs on a few [`MediaWorker`]s (one per core by default); each worker's outputs are
//! demultiplexed to the call that owns the room.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use kefu_core::CallId;
use kefu_media::driver::{MediaWorker, PortPool, RoomId, WorkerConfig, WorkerOutput};
use kefu_media::tts::Tts;
use kefu_sip::edge::{Advertiser, IncomingRequest, SipEdge};
use kefu_sip::rsipstack::dialog::dialog::Dialog;
use kefu_sip::rsipstack::dialog::dialog_layer::DialogLayer;
use kefu_sip::rsipstack::sip::prelude::HeadersExt;
use kefu_sip::rsipstack::sip::{Header, Method, StatusCode, Uri};
use kefu_sip::sdp::{self, SdpLimits};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::audio::Renderer;
use crate::driver::{self, CallKit, CallSettings, Inbound, RoomMsg};
use crate::queues::QueueHub;
use crate::services::{CallServices, InboundRequest};
use crate::session_timer::{self, TimerRefusal, TimerRequest};

/// Longest credentials header accepted.
const MAX_AUTHORIZATION: usize = 2_048;

/// Room messages waiting for a busy call; beyond this they are dropped (taps first).
const ROOM_QUEUE: usize = 256;

type Rooms = Arc<Mutex<HashMap<RoomId, mpsc::Sender<RoomMsg>>>>;

/// A room's entry in its worker's demultiplexer; removed when dropped.
pub(crate) struct RoomRegistration {
    rooms: Rooms,
    room: RoomId,
}

impl Drop for RoomRegistration {
    fn drop(&mut self) {
        self.rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.room);
    }
}

struct Worker {
    handle: MediaWorker,
    rooms: Rooms,
}

/// Counters of the call service.
#[derive(Debug, Default)]
pub struct CallStats {
    /// INVITEs that started a call.
    pub started: AtomicU64,
    /// INVITEs refused (403, 404, 488, 503…).
    pub refused: AtomicU64,
    /// Calls in progress.
    pub active: AtomicU64,
    /// Room messages dropped because a call was not reading.
    pub dropped_room_messages: AtomicU64,
}

/// Settings of the call service.
#[derive(Debug, Clone)]
pub struct CallServiceConfig {
    /// Per call.
    pub call: CallSettings,
    /// Media workers (0: one per core).
    pub media_workers: usize,
    /// How often a queued call hears its position.
    pub queue_update_every: Duration,
    /// Put in each call's SDP the local address that routes to its caller (as its Contact
    /// does) instead of `call.media_address`, which is then only the fallback. For an edge on
    /// a wildcard address with no media address configured: the caller must be able to reach
    /// the address it is given.
    pub media_toward_caller: bool,
}

impl Default for CallServiceConfig {
    fn default() -> Self {
        CallServiceConfig {
            call: CallSettings::default(),
            media_workers: 0,
            queue_update_every: Duration::from_secs(30),
            media_toward_caller: false,
        }
    }
}

/// The running call service.
pub struct CallService {
    stats: Arc<CallStats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CallService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CallService {
    /// Starts serving the edge's requests. `ports` is split across the media workers.
    pub fn start(
        edge: &mut SipEdge,
        ports: PortPool,
        tts: Arc<Tts>,
        services: Arc<dyn CallServices>,
        config: CallServiceConfig,
    ) -> Option<CallService> {
        let requests = edge.take_requests()?;
        let count = if config.media_workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            config.media_workers
        };
        let stats = Arc::new(CallStats::default());
        let mut workers = Vec::with_capacity(count);
        for _ in 0..count {
            let (handle, outputs) = MediaWorker::spawn(WorkerConfig::default(), ports.clone());
            let rooms: Rooms = Arc::default();
            tokio::spawn(demultiplex(outputs, rooms.clone(), stats.clone()));
            workers.push(Worker { handle, rooms });
        }
        let kit = CallKit {
            services: services.clone(),
            renderer: Renderer::new(tts, services.clone()),
            hub: QueueHub::new(services.clone(), config.queue_update_every),
            settings: config.call.clone(),
        };
        let serving = Serving {
            kit,
            dialogs: edge.dialogs().clone(),
            advertiser: edge.advertiser(),
            media_toward_caller: config.media_toward_caller,
            workers: Arc::new(workers),
            next_worker: Arc::new(AtomicUsize::new(0)),
            stats: stats.clone(),
        };
        let task = tokio::spawn(serving.run(requests));
        Some(CallService { stats, task })
    }

    /// The service's counters.
    pub fn stats(&self) -> &Arc<CallStats> {
        &self.stats
    }
}

async fn demultiplex(
    mut outputs: mpsc::Receiver<WorkerOutput>,
    rooms: Rooms,
    stats: Arc<CallStats>,
) {
    while let Some(output) = outputs.recv().await {
        let (room, msg) = match output {
            WorkerOutput::Event { room, event } => (room, RoomMsg::Event(event)),
            WorkerOutput::Tap { room, frame } => {
                // The caller is the room's first participant.
                let Some((_, caller)) = frame.channels.first() else {
                    continue;
                };
                (room, RoomMsg::Tap(caller.samples().to_vec()))
            }
        };
        let tx = rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&room)
            .cloned();
        if let Some(tx) = tx
            && tx.try_send(msg).is_err()
        {
            stats.dropped_room_messages.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[derive(Clone)]
struct Serving {
    kit: CallKit,
    dialogs: Arc<DialogLayer>,
    /// Our address as each caller sees it (Contact, and SDP when `media_toward_caller`).
    advertiser: Advertiser,
    media_toward_caller: bool,
    workers: Arc<Vec<Worker>>,
    next_worker: Arc<AtomicUsize>,
    stats: Arc<CallStats>,
}

impl Serving {
    async fn run(self, mut requests: mpsc::Receiver<IncomingRequest>) {
        while let Some(request) = requests.recv().await {
            match request.method() {
                Method::Invite => {
                    let serving = self.clone();
                    tokio::spawn(async move { serving.invite(request).await });
                }
                _ => self.in_dialog(request).await,
            }
        }
    }

    /// BYE, re-INVITE, INFO… for a dialog we hold; anything else gets 481 (or 405 for a
    /// REGISTER: Kefu is no registrar for trunks).
    async fn in_dialog(&self, request: IncomingRequest) {
        let method = *request.method();
        let mut tx = request.into_transaction();
        match self.dialogs.match_dialog(&tx) {
            Some(Dialog::Invite(mut dialog)) => {
                tokio::spawn(async move {
                    let _ = dialog.handle(&mut tx).await;
                });
            }
            _ => {
                let status = if method == Method::Register {
                    StatusCode::MethodNotAllowed
                } else {
                    StatusCode::CallTransactionDoesNotExist
                };
                let _ = tx.reply(status).await;
            }
        }
    }

    async fn invite(self, request: IncomingRequest) {
        let source = request.source();
        let req = request.request();
        // An INVITE inside an existing dialog is a re-INVITE.
        let has_to_tag = req
            .to_header()
            .ok()
            .and_then(|to| to.tag().ok().flatten())
            .is_some();
        if has_to_tag {
            return self.in_dialog(request).await;
        }
        let dialled = req.uri.user().map(str::to_string).unwrap_or_default();
        let caller = req
            .from_header()
            .ok()
            .and_then(|from| from.uri().ok())
            .and_then(|uri| uri.user().map(str::to_string))
            .unwrap_or_else(|| "anonymous".into());
        let sip_call_id = req
            .call_id_header()
            .map(|h| h.value().to_string())
            .unwrap_or_default();
        let authorization = req
            .headers
            .iter()
            .find(|h| {
                h.name().eq_ignore_ascii_case("Authorization")
                    || h.name().eq_ignore_ascii_case("Proxy-Authorization")
            })
            .map(|h| h.value().to_string())
            .filter(|v| v.len() <= MAX_AUTHORIZATION);
        let timer_headers = TimerHeaders::of(req);
        let inbound = InboundRequest {
            source: source.ip(),
            dialled,
            request_uri: req.uri.to_string(),
            caller: caller.clone(),
            authorization,
        };
        let mut tx = request.into_transaction();
        let route = match self.kit.services.route(&inbound).await {
            Ok(route) => route,
            Err(refusal) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%source, dialled = %inbound.dialled, status = refusal.status, reason = %refusal.reason, "INVITE refused");
                match refusal.challenge {
                    Some(challenge) => {
                        let header = Header::Other("WWW-Authenticate".into(), challenge);
                        let _ = tx
                            .reply_with(StatusCode::Unauthorized, vec![header], None)
                            .await;
                    }
                    None => {
                        let _ = tx.reply(StatusCode::from(refusal.status)).await;
                    }
                }
                return;
            }
        };
        let session_timer = match session_timer::negotiate(
            &timer_headers.request(),
            &self.kit.settings.session_timers,
        ) {
            Ok(timer) => timer,
            Err(refusal) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%source, ?refusal, "INVITE's session timer refused");
                let _ = match refusal {
                    TimerRefusal::TooSmall { min_se } => {
                        let header = Header::Other("Min-SE".into(), min_se.to_string());
                        tx.reply_with(StatusCode::SessionIntervalTooSmall, vec![header], None)
                            .await
                    }
                    TimerRefusal::Malformed(why) => {
                        let header = Header::Other("Warning".into(), format!("399 kefu \"{why}\""));
                        tx.reply_with(StatusCode::BadRequest, vec![header], None)
                            .await
                    }
                };
                return;
            }
        };
        let offer = match sdp::parse(&tx.original.body, &SdpLimits::default()) {
            Ok(offer) => offer,
            Err(e) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%source, error = %e, "INVITE without a usable SDP offer");
                let _ = tx.reply(StatusCode::NotAcceptableHere).await;
                return;
            }
        };
        // The address this caller reached us at, not the wildcard we listen on.
        let local = self.advertiser.toward(source.ip());
        let contact = Uri::try_from(format!("sip:kefu@{local}").as_str()).ok();
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let created =
            self.dialogs
                .get_or_create_server_invite(&tx, state_tx, None, contact.clone());
        let dialog = match created {
            Ok(dialog) => dialog,
            Err(e) => {
                tracing::warn!(error = %e, "cannot create a dialog");
                let _ = tx.reply(StatusCode::ServerInternalError).await;
                return;
            }
        };
        let index = self.next_worker.fetch_add(1, Ordering::Relaxed) % self.workers.len().max(1);
        let Some(worker) = self.workers.get(index) else {
            let _ = tx.reply(StatusCode::ServiceUnavailable).await;
            return;
        };
        let room = match worker.handle.create_room().await {
            Ok(room) => room,
            Err(e) => {
                tracing::warn!(error = %e, "cannot create a media room");
                let _ = tx.reply(StatusCode::ServiceUnavailable).await;
                return;
            }
        };
        let (room_tx, room_rx) = mpsc::channel(ROOM_QUEUE);
        worker
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(room, room_tx);
        let registration = RoomRegistration {
            rooms: worker.rooms.clone(),
            room,
        };
        // The INVITE transaction (ACK, CANCEL, retransmissions) runs beside the call.
        let mut handler = dialog.clone();
        tokio::spawn(async move {
            let _ = handler.handle(&mut tx).await;
        });
        self.stats.started.fetch_add(1, Ordering::Relaxed);
        self.stats.active.fetch_add(1, Ordering::Relaxed);
        let dialog_id = dialog.id();
        let id = CallId::new();
        // Every log line of the call (its actor and what the actor awaits) names the tenant
        // and the call, so one call can be followed in a busy log.
        let span = tracing::info_span!("call", tenant_id = %route.tenant, call_id = %id);
        let inbound = Inbound {
            id,
            route,
            caller,
            sip_call_id,
            started_at: SystemTime::now(),
            offer,
            dialog,
            states,
            worker: worker.handle.clone(),
            room,
            rooms: room_rx,
            dialogs: self.dialogs.clone(),
            contact,
            session_timer,
            _registration: registration,
        };
        let mut kit = self.kit.clone();
        if self.media_toward_caller {
            kit.settings.media_address = local.ip();
        }
        driver::run(kit, inbound).instrument(span).await;
        self.dialogs.remove_dialog(&dialog_id);
        self.stats.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Longest header value looked at for session timers.
const MAX_TIMER_HEADER: usize = 256;

/// The INVITE headers session timers are negotiated from, copied out of the request.
#[derive(Debug, Default)]
struct TimerHeaders {
    session_expires: Option<String>,
    min_se: Option<String>,
    supports_timer: bool,
    allows_update: bool,
}

impl TimerHeaders {
    fn of(req: &kefu_sip::rsipstack::sip::Request) -> Self {
        let mut out = TimerHeaders::default();
        let has_token = |value: &str, token: &str| {
            value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        for h in req.headers.iter() {
            let name = h.name();
            let value = h.value();
            let value = value.to_string();
            let value = if value.len() > MAX_TIMER_HEADER {
                // Not a timer value anyone sends: keep a bounded piece, which fails parsing.
                value.chars().take(MAX_TIMER_HEADER).collect()
            } else {
                value
            };
            if name.eq_ignore_ascii_case("Session-Expires") || name.eq_ignore_ascii_case("x") {
                out.session_expires = Some(value);
            } else if name.eq_ignore_ascii_case("Min-SE") {
                out.min_se = Some(value);
            } else if name.eq_ignore_ascii_case("Supported") || name.eq_ignore_ascii_case("k") {
                out.supports_timer |= has_token(&value, "timer");
            } else if name.eq_ignore_ascii_case("Allow") {
                out.allows_update |= has_token(&value, "UPDATE");
            }
        }
        out
    }

    fn request(&self) -> TimerRequest<'_> {
        TimerRequest {
            session_expires: self.session_expires.as_deref(),
            min_se: self.min_se.as_deref(),
            supports_timer: self.supports_timer,
            allows_update: self.allows_update,
        }
    }
}
