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
use kefu_sip::leg::{HeaderField, Incoming, IncomingInvite, Legs, TimerHeaders, status};
use kefu_sip::sdp::{self, SdpLimits};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::audio::Renderer;
use crate::desk::AgentDesk;
use crate::driver::{self, CallKit, CallSettings, Inbound, RoomMsg};
use crate::queues::QueueHub;
use crate::services::{CallServices, InboundRequest};
use crate::session_timer::{self, TimerRefusal, TimerRequest};

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

pub(crate) struct Worker {
    pub(crate) handle: MediaWorker,
    pub(crate) rooms: Rooms,
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
    /// Where agents' browsers send their audio (WebRTC): bound, and put in answers as the one
    /// host candidate, so it must be an address browsers reach. `None`: no browser audio.
    pub webrtc: Option<std::net::SocketAddr>,
}

impl Default for CallServiceConfig {
    fn default() -> Self {
        CallServiceConfig {
            call: CallSettings::default(),
            media_workers: 0,
            queue_update_every: Duration::from_secs(30),
            media_toward_caller: false,
            webrtc: None,
        }
    }
}

/// The running call service.
pub struct CallService {
    stats: Arc<CallStats>,
    desk: AgentDesk,
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
        let workers = Arc::new(workers);
        let hub = QueueHub::new(services.clone(), config.queue_update_every);
        let webrtc = config.webrtc.and_then(|address| {
            std::net::UdpSocket::bind(address)
                .inspect_err(|e| {
                    tracing::error!(%address, error = %e, "cannot bind the browser audio (WebRTC) socket; agents cannot talk from the browser");
                })
                .ok()
        });
        let desk = AgentDesk::new(hub.clone(), workers.clone(), webrtc);
        let kit = CallKit {
            services: services.clone(),
            renderer: Renderer::new(tts, services.clone()),
            hub,
            desk: desk.clone(),
            settings: config.call.clone(),
        };
        let serving = Serving {
            kit,
            legs: Legs::new(edge),
            advertiser: edge.advertiser(),
            media_toward_caller: config.media_toward_caller,
            workers,
            next_worker: Arc::new(AtomicUsize::new(0)),
            stats: stats.clone(),
        };
        let task = tokio::spawn(serving.run(requests));
        Some(CallService { stats, desk, task })
    }

    /// The agents' side: sessions, commands, browser audio.
    pub fn desk(&self) -> &AgentDesk {
        &self.desk
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
    legs: Legs,
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
            match Incoming::of(request) {
                Incoming::Invite(invite) => {
                    let serving = self.clone();
                    tokio::spawn(async move { serving.invite(*invite).await });
                }
                // BYE, re-INVITE, INFO… for a dialog we hold; the rest is refused there.
                Incoming::InDialog(request) => self.legs.dispatch(*request).await,
            }
        }
    }

    async fn invite(self, invite: IncomingInvite) {
        let source = invite.source();
        let intake = invite.intake();
        let caller = intake.caller.clone();
        let sip_call_id = intake.call_id.clone();
        let timer_request = timer_request(&intake.timers);
        let inbound = InboundRequest {
            source: source.ip(),
            dialled: intake.dialled.clone(),
            request_uri: intake.request_uri.clone(),
            caller: caller.clone(),
            authorization: intake.authorization.clone(),
        };
        let route = match self.kit.services.route(&inbound).await {
            Ok(route) => route,
            Err(refusal) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%source, dialled = %inbound.dialled, status = refusal.status, reason = %refusal.reason, "INVITE refused");
                let _ = match refusal.challenge {
                    Some(challenge) => {
                        let header = HeaderField::www_authenticate(challenge);
                        invite.refuse(status::UNAUTHORIZED, vec![header]).await
                    }
                    None => invite.refuse(refusal.status, Vec::new()).await,
                };
                return;
            }
        };
        let session_timer =
            match session_timer::negotiate(&timer_request, &self.kit.settings.session_timers) {
                Ok(timer) => timer,
                Err(refusal) => {
                    self.stats.refused.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(%source, ?refusal, "INVITE's session timer refused");
                    let _ = match refusal {
                        TimerRefusal::TooSmall { min_se } => {
                            let header = HeaderField::min_se(min_se);
                            invite
                                .refuse(status::SESSION_INTERVAL_TOO_SMALL, vec![header])
                                .await
                        }
                        TimerRefusal::Malformed(why) => {
                            let header = HeaderField::warning(&why);
                            invite.refuse(status::BAD_REQUEST, vec![header]).await
                        }
                    };
                    return;
                }
            };
        let offer = match sdp::parse(&intake.sdp, &SdpLimits::default()) {
            Ok(offer) => offer,
            Err(e) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%source, error = %e, "INVITE without a usable SDP offer");
                let _ = invite.refuse(status::NOT_ACCEPTABLE_HERE, Vec::new()).await;
                return;
            }
        };
        // The media room first: without one the INVITE is refused before any dialog exists.
        let index = self.next_worker.fetch_add(1, Ordering::Relaxed) % self.workers.len().max(1);
        let Some(worker) = self.workers.get(index) else {
            let _ = invite.refuse(status::SERVICE_UNAVAILABLE, Vec::new()).await;
            return;
        };
        let room = match worker.handle.create_room().await {
            Ok(room) => room,
            Err(e) => {
                tracing::warn!(error = %e, "cannot create a media room");
                let _ = invite.refuse(status::SERVICE_UNAVAILABLE, Vec::new()).await;
                return;
            }
        };
        // The address this caller reached us at, not the wildcard we listen on.
        let local = self.advertiser.toward(source.ip());
        // The INVITE transaction (ACK, CANCEL, retransmissions) runs beside the call.
        let (leg, events) = match self.legs.accept(invite, local).await {
            Ok(accepted) => accepted,
            Err(_) => {
                let _ = worker.handle.close_room(room).await;
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
        self.stats.started.fetch_add(1, Ordering::Relaxed);
        self.stats.active.fetch_add(1, Ordering::Relaxed);
        let id = CallId::new();
        // Every log line of the call (its actor and what the actor awaits) names the tenant
        // and the call, so one call can be followed in a busy log.
        let span = tracing::info_span!("call", tenant_id = %route.tenant(), call_id = %id);
        let inbound = Inbound {
            id,
            route,
            caller,
            sip_call_id,
            started_at: SystemTime::now(),
            offer,
            events,
            worker: worker.handle.clone(),
            worker_index: index,
            room,
            rooms: room_rx,
            legs: self.legs.clone(),
            session_timer,
            _registration: registration,
        };
        let mut kit = self.kit.clone();
        if self.media_toward_caller {
            kit.settings.media_address = local.ip();
        }
        // The leg (and with it the dialog) lives as long as the call's driver.
        driver::run(kit, inbound, leg).instrument(span).await;
        self.stats.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The session-timer request, as `session_timer` negotiates it, from the headers read.
fn timer_request(headers: &TimerHeaders) -> TimerRequest<'_> {
    TimerRequest {
        session_expires: headers.session_expires.as_deref(),
        min_se: headers.min_se.as_deref(),
        supports_timer: headers.supports_timer,
        allows_update: headers.allows_update,
    }
}
