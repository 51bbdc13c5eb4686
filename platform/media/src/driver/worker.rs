//! One media worker task and its handle.

use super::webrtc::WebRtcPort;
use super::{DriverError, PortLease, PortPool};
use crate::frame::FRAME_DURATION;
use crate::jitter::JitterConfig;
use crate::leg::{
    Component, Datagram, RtpLeg, RtpLegConfig, WallClock, WebRtcIdentity, WebRtcLeg,
    WebRtcLegConfig,
};
use crate::prompt::Source;
use crate::room::{MediaRoom, MemberId, RoomEvent, RoomOutput, TapFrame};
use crate::rtp::MAX_PACKET_BYTES;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::time::MissedTickBehavior;

/// A room on one worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub u64);

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Tick slots per 20 ms: rooms are spread over them to pace outgoing RTP (1–10).
    pub pacing_slots: u8,
    /// Capacity of the output channel; outputs beyond it are dropped and counted.
    pub output_capacity: usize,
    /// Behind by more than this, the ticker skips ahead instead of bursting to catch up.
    pub max_catch_up: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            pacing_slots: 4,
            output_capacity: 4_096,
            max_catch_up: Duration::from_millis(200),
        }
    }
}

/// What a worker reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerOutput {
    /// A room event (DTMF, prompt finished, latched…).
    Event {
        /// Which room.
        room: RoomId,
        /// What happened.
        event: RoomEvent,
    },
    /// A recorder-tap frame.
    Tap {
        /// Which room.
        room: RoomId,
        /// The per-participant channels.
        frame: TapFrame,
    },
}

/// Counters of one worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkerStats {
    /// Rooms open.
    pub rooms: usize,
    /// RTP legs with sockets.
    pub legs: usize,
    /// WebRTC legs on the worker's WebRTC port.
    pub webrtc_legs: usize,
    /// Datagrams on the WebRTC port that matched no leg.
    pub webrtc_unrouted: u64,
    /// 5 ms sub-ticks run.
    pub sub_ticks: u64,
    /// Sub-ticks dropped because the worker was more than `max_catch_up` behind.
    pub skipped_sub_ticks: u64,
    /// Datagrams the kernel refused to send (buffer full).
    pub send_errors: u64,
    /// Events and taps dropped because the output channel was full.
    pub dropped_outputs: u64,
}

type RoomJob = Box<dyn FnOnce(&mut MediaRoom) + Send>;

enum Command {
    CreateRoom(oneshot::Sender<RoomId>),
    CloseRoom(RoomId, oneshot::Sender<Result<(), DriverError>>),
    AddRtpLeg(
        RoomId,
        Box<RtpLegConfig>,
        oneshot::Sender<Result<(MemberId, SocketAddr), DriverError>>,
    ),
    AddSource(
        RoomId,
        Source,
        oneshot::Sender<Result<MemberId, DriverError>>,
    ),
    Remove(RoomId, MemberId, oneshot::Sender<Result<(), DriverError>>),
    OpenWebRtc(
        Box<(std::net::UdpSocket, Option<SocketAddr>)>,
        oneshot::Sender<Result<SocketAddr, DriverError>>,
    ),
    AddWebRtcLeg(
        RoomId,
        String,
        oneshot::Sender<Result<(MemberId, String), DriverError>>,
    ),
    Move(
        RoomId,
        MemberId,
        RoomId,
        oneshot::Sender<Result<MemberId, DriverError>>,
    ),
    WithRoom(RoomId, RoomJob, oneshot::Sender<Result<(), DriverError>>),
    Stats(oneshot::Sender<WorkerStats>),
}

/// Handle on a media worker task. Dropping every handle stops the task and frees its ports.
#[derive(Clone)]
pub struct MediaWorker {
    commands: mpsc::Sender<Command>,
}

impl MediaWorker {
    /// Starts a worker on the current tokio runtime (call it from within one); returns its
    /// handle and its outputs.
    pub fn spawn(
        config: WorkerConfig,
        ports: PortPool,
    ) -> (MediaWorker, mpsc::Receiver<WorkerOutput>) {
        let (commands, command_rx) = mpsc::channel(256);
        let (output_tx, outputs) = mpsc::channel(config.output_capacity.max(1));
        let state = WorkerState {
            config,
            ports,
            rooms: HashMap::new(),
            next_room: 0,
            outputs: output_tx,
            webrtc: None,
            stats: WorkerStats::default(),
            ssrc_seed: RandomState::new(),
            buf: vec![0; MAX_PACKET_BYTES + 1],
        };
        tokio::spawn(state.run(command_rx));
        (MediaWorker { commands }, outputs)
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, DriverError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .await
            .map_err(|_| DriverError::Stopped)?;
        rx.await.map_err(|_| DriverError::Stopped)
    }

    /// Creates an empty room.
    pub async fn create_room(&self) -> Result<RoomId, DriverError> {
        self.ask(Command::CreateRoom).await
    }

    /// Closes a room, dropping its legs and releasing their ports.
    pub async fn close_room(&self, room: RoomId) -> Result<(), DriverError> {
        self.ask(|tx| Command::CloseRoom(room, tx)).await?
    }

    /// Binds an RTP/RTCP pair and adds an RTP leg on it; returns the participant and the local
    /// RTP address to put in the SDP. The worker chooses the SSRC and the wall-clock anchor.
    pub async fn add_rtp_leg(
        &self,
        room: RoomId,
        config: RtpLegConfig,
    ) -> Result<(MemberId, SocketAddr), DriverError> {
        self.ask(|tx| Command::AddRtpLeg(room, Box::new(config), tx))
            .await?
    }

    /// Adds a source (prompt player, tone, music).
    pub async fn add_source(&self, room: RoomId, source: Source) -> Result<MemberId, DriverError> {
        self.ask(|tx| Command::AddSource(room, source, tx)).await?
    }

    /// Removes a member (and releases a participant's ports).
    pub async fn remove(&self, room: RoomId, member: MemberId) -> Result<(), DriverError> {
        self.ask(|tx| Command::Remove(room, member, tx)).await?
    }

    /// Gives the worker its WebRTC port: every browser leg of this worker sends and receives
    /// on `socket`. `advertised` is the address browsers are told (the socket's own when
    /// `None`; give it when the socket is bound to a wildcard address). Returns the candidate.
    pub async fn open_webrtc(
        &self,
        socket: std::net::UdpSocket,
        advertised: Option<SocketAddr>,
    ) -> Result<SocketAddr, DriverError> {
        self.ask(|tx| Command::OpenWebRtc(Box::new((socket, advertised)), tx))
            .await?
    }

    /// Answers a browser's SDP offer with a WebRTC leg in `room`; returns the participant and
    /// the SDP answer. The leg connects (ICE, DTLS) in the background and reports
    /// [`RoomEvent::Connection`].
    pub async fn add_webrtc_leg(
        &self,
        room: RoomId,
        offer: String,
    ) -> Result<(MemberId, String), DriverError> {
        self.ask(|tx| Command::AddWebRtcLeg(room, offer, tx))
            .await?
    }

    /// Moves a participant (its leg, sockets and connection) from one room of this worker to
    /// another, e.g. an agent's browser from its idle room into a call: nothing is
    /// renegotiated. Returns its id in the new room (it hears nobody there yet).
    pub async fn move_participant(
        &self,
        from: RoomId,
        member: MemberId,
        to: RoomId,
    ) -> Result<MemberId, DriverError> {
        self.ask(|tx| Command::Move(from, member, to, tx)).await?
    }

    /// The worker's counters.
    pub async fn stats(&self) -> Result<WorkerStats, DriverError> {
        self.ask(Command::Stats).await
    }

    /// Runs `f` on the room inside the worker (matrix changes, prompts, stats…).
    pub async fn with_room<R: Send + 'static>(
        &self,
        room: RoomId,
        f: impl FnOnce(&mut MediaRoom) -> R + Send + 'static,
    ) -> Result<R, DriverError> {
        let (result_tx, result_rx) = oneshot::channel();
        let job: RoomJob = Box::new(move |r| {
            let _ = result_tx.send(f(r));
        });
        self.ask(|tx| Command::WithRoom(room, job, tx)).await??;
        result_rx.await.map_err(|_| DriverError::Stopped)
    }
}

struct Wired {
    member: MemberId,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    /// Keeps the ports reserved.
    _lease: PortLease,
}

struct DrivenRoom {
    room: MediaRoom,
    slot: u8,
    sockets: Vec<Wired>,
    /// Participants that send through the worker's WebRTC port.
    webrtc: Vec<MemberId>,
}

struct WorkerState {
    config: WorkerConfig,
    ports: PortPool,
    rooms: HashMap<RoomId, DrivenRoom>,
    next_room: u64,
    outputs: mpsc::Sender<WorkerOutput>,
    webrtc: Option<WebRtcPort>,
    stats: WorkerStats,
    ssrc_seed: RandomState,
    buf: Vec<u8>,
}

impl WorkerState {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let slots = self.config.pacing_slots.clamp(1, 10);
        let period = FRAME_DURATION / u32::from(slots);
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                scheduled = ticker.tick() => {
                    let scheduled = scheduled.into_std();
                    let behind = Instant::now().saturating_duration_since(scheduled);
                    if behind > self.config.max_catch_up {
                        // Replaying this much would flood the far ends; drop the backlog.
                        let skipped = (behind.as_micros() / period.as_micros().max(1)) as u64;
                        self.stats.skipped_sub_ticks += skipped;
                        tracing::warn!(behind_ms = behind.as_millis() as u64, skipped, "media worker fell behind; skipping ahead");
                        ticker.reset();
                    }
                    let slot = (self.stats.sub_ticks % u64::from(slots)) as u8;
                    self.stats.sub_ticks += 1;
                    self.drive(slot, scheduled);
                }
            }
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::CreateRoom(reply) => {
                let id = RoomId(self.next_room);
                self.next_room += 1;
                let slot = (id.0 % u64::from(self.config.pacing_slots.clamp(1, 10))) as u8;
                self.rooms.insert(
                    id,
                    DrivenRoom {
                        room: MediaRoom::new(),
                        slot,
                        sockets: Vec::new(),
                        webrtc: Vec::new(),
                    },
                );
                let _ = reply.send(id);
            }
            Command::CloseRoom(id, reply) => {
                let removed = self.rooms.remove(&id);
                if let (Some(port), Some(_)) = (&mut self.webrtc, &removed) {
                    port.forget(|(room, _)| *room == id);
                }
                let _ = reply.send(removed.map(|_| ()).ok_or(DriverError::UnknownRoom(id)));
            }
            Command::OpenWebRtc(parts, reply) => {
                let (socket, advertised) = *parts;
                let _ = reply.send(self.open_webrtc(socket, advertised));
            }
            Command::AddWebRtcLeg(id, offer, reply) => {
                let _ = reply.send(self.add_webrtc_leg(id, &offer));
            }
            Command::Move(from, member, to, reply) => {
                let _ = reply.send(self.move_participant(from, member, to));
            }
            Command::AddRtpLeg(id, config, reply) => {
                let _ = reply.send(self.add_rtp_leg(id, *config));
            }
            Command::AddSource(id, source, reply) => {
                let result = self.room(id).and_then(|r| Ok(r.room.add_source(source)?));
                let _ = reply.send(result);
            }
            Command::Remove(id, member, reply) => {
                let result = self.room(id).and_then(|r| {
                    r.room.remove(member)?;
                    r.sockets.retain(|w| w.member != member);
                    r.webrtc.retain(|m| *m != member);
                    Ok(())
                });
                if let (Ok(()), Some(port)) = (&result, &mut self.webrtc) {
                    port.forget(|place| *place == (id, member));
                }
                let _ = reply.send(result);
            }
            Command::Stats(reply) => {
                self.stats.rooms = self.rooms.len();
                self.stats.legs = self.rooms.values().map(|r| r.sockets.len()).sum();
                self.stats.webrtc_legs = self.webrtc.as_ref().map_or(0, WebRtcPort::legs);
                let _ = reply.send(self.stats);
            }
            Command::WithRoom(id, job, reply) => {
                let result = self.room(id).map(|r| job(&mut r.room));
                let _ = reply.send(result);
                self.forward_outputs(id);
            }
        }
    }

    fn room(&mut self, id: RoomId) -> Result<&mut DrivenRoom, DriverError> {
        self.rooms.get_mut(&id).ok_or(DriverError::UnknownRoom(id))
    }

    fn add_rtp_leg(
        &mut self,
        id: RoomId,
        mut config: RtpLegConfig,
    ) -> Result<(MemberId, SocketAddr), DriverError> {
        if !self.rooms.contains_key(&id) {
            return Err(DriverError::UnknownRoom(id));
        }
        let (rtp, rtcp, lease) = self.ports.allocate()?.into_parts();
        let local = rtp.local_addr()?;
        let (rtp, rtcp) = (UdpSocket::from_std(rtp)?, UdpSocket::from_std(rtcp)?);
        let now = Instant::now();
        config.local_ssrc = self.ssrc_seed.hash_one((now, self.next_room, local.port())) as u32;
        config.wall_clock = Some(WallClock {
            instant: now,
            unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        });
        let room = self.room(id)?;
        let member = room
            .room
            .add_participant(Box::new(RtpLeg::new(config, now)?))?;
        room.sockets.push(Wired {
            member,
            rtp,
            rtcp,
            _lease: lease,
        });
        Ok((member, local))
    }

    fn open_webrtc(
        &mut self,
        socket: std::net::UdpSocket,
        advertised: Option<SocketAddr>,
    ) -> Result<SocketAddr, DriverError> {
        socket.set_nonblocking(true)?;
        let candidate = advertised.unwrap_or(socket.local_addr()?);
        if candidate.ip().is_unspecified() {
            return Err(DriverError::Leg(crate::leg::LegError::InvalidConfig(
                "a WebRTC port bound to a wildcard address needs an advertised address",
            )));
        }
        let identity = WebRtcIdentity::generate()?;
        self.webrtc = Some(WebRtcPort::new(
            UdpSocket::from_std(socket)?,
            candidate,
            identity,
        ));
        Ok(candidate)
    }

    fn add_webrtc_leg(
        &mut self,
        id: RoomId,
        offer: &str,
    ) -> Result<(MemberId, String), DriverError> {
        if !self.rooms.contains_key(&id) {
            return Err(DriverError::UnknownRoom(id));
        }
        let port = self.webrtc.as_mut().ok_or(DriverError::NoWebRtcPort)?;
        let (ice_ufrag, ice_pwd) = port.credentials();
        let config = WebRtcLegConfig {
            local: port.candidate,
            ice_ufrag: ice_ufrag.clone(),
            ice_pwd,
            identity: port.identity.clone(),
            jitter: JitterConfig::default(),
        };
        let (leg, answer) = WebRtcLeg::accept_offer(config, offer, Instant::now())?;
        let driven = self
            .rooms
            .get_mut(&id)
            .ok_or(DriverError::UnknownRoom(id))?;
        let member = driven.room.add_participant(Box::new(leg))?;
        driven.webrtc.push(member);
        port.register(ice_ufrag, (id, member));
        self.forward_outputs(id);
        Ok((member, answer))
    }

    fn move_participant(
        &mut self,
        from: RoomId,
        member: MemberId,
        to: RoomId,
    ) -> Result<MemberId, DriverError> {
        if !self.rooms.contains_key(&to) {
            return Err(DriverError::UnknownRoom(to));
        }
        let source = self.room(from)?;
        let leg = source.room.remove(member)?.ok_or(DriverError::Room(
            crate::room::RoomError::NotParticipant(member),
        ))?;
        let wired = source
            .sockets
            .iter()
            .position(|w| w.member == member)
            .map(|i| source.sockets.swap_remove(i));
        let was_webrtc = source.webrtc.contains(&member);
        source.webrtc.retain(|m| *m != member);
        let target = self.room(to)?;
        let new_member = match target.room.add_participant(leg) {
            Ok(m) => m,
            Err(e) => {
                // The target is full: the leg is lost with its room's capacity; say so.
                if let Some(port) = &mut self.webrtc {
                    port.forget(|place| *place == (from, member));
                }
                return Err(e.into());
            }
        };
        if let Some(mut w) = wired {
            w.member = new_member;
            target.sockets.push(w);
        }
        if was_webrtc {
            target.webrtc.push(new_member);
            if let Some(port) = &mut self.webrtc {
                port.moved((from, member), (to, new_member));
            }
        }
        Ok(new_member)
    }

    /// Drains every socket, then ticks the rooms of this slot.
    fn drive(&mut self, slot: u8, scheduled: Instant) {
        if let Some(port) = &mut self.webrtc {
            receive_webrtc(port, &mut self.rooms, &mut self.buf, &mut self.stats);
        }
        for (&id, driven) in &mut self.rooms {
            let own_slot = driven.slot == slot;
            receive_all(driven, &mut self.buf, own_slot);
            if own_slot {
                driven.room.tick(scheduled);
            }
            forward(
                id,
                driven,
                &self.outputs,
                self.webrtc.as_mut(),
                &mut self.stats,
            );
        }
    }

    fn forward_outputs(&mut self, id: RoomId) {
        if let Some(driven) = self.rooms.get_mut(&id) {
            forward(
                id,
                driven,
                &self.outputs,
                self.webrtc.as_mut(),
                &mut self.stats,
            );
        }
    }
}

/// Reads the WebRTC port and hands each datagram to its leg (bounded per sub-tick).
fn receive_webrtc(
    port: &mut WebRtcPort,
    rooms: &mut HashMap<RoomId, DrivenRoom>,
    buf: &mut [u8],
    stats: &mut WorkerStats,
) {
    for _ in 0..1_024 {
        let Ok((n, source)) = port.socket.try_recv_from(buf) else {
            break;
        };
        let payload = &buf[..n.min(MAX_PACKET_BYTES)];
        let Some((room, member)) = port.route(source, payload) else {
            stats.webrtc_unrouted += 1;
            continue;
        };
        let Some(driven) = rooms.get_mut(&room) else {
            stats.webrtc_unrouted += 1;
            continue;
        };
        let datagram = Datagram {
            component: Component::Rtp,
            source,
            payload,
        };
        // STUN answers and DTLS flights leave in this sub-tick's forward, not at the tick.
        let _ = driven.room.handle_receive(Instant::now(), member, datagram);
    }
}

/// Sends one datagram from the participant's socket (its own RTP pair, or the WebRTC port).
fn send(
    driven: &DrivenRoom,
    port: Option<&WebRtcPort>,
    participant: MemberId,
    transmit: &crate::leg::Transmit,
    stats: &mut WorkerStats,
) {
    let socket = if let Some(w) = driven.sockets.iter().find(|w| w.member == participant) {
        if transmit.component == Component::Rtcp {
            &w.rtcp
        } else {
            &w.rtp
        }
    } else if let Some(port) = port.filter(|_| driven.webrtc.contains(&participant)) {
        &port.socket
    } else {
        return;
    };
    if socket
        .try_send_to(&transmit.payload, transmit.destination)
        .is_err()
    {
        stats.send_errors += 1;
    }
}

/// Sends a room's datagrams and passes its events and taps on.
fn forward(
    id: RoomId,
    driven: &mut DrivenRoom,
    outputs: &mpsc::Sender<WorkerOutput>,
    mut port: Option<&mut WebRtcPort>,
    stats: &mut WorkerStats,
) {
    while let Some(output) = driven.room.poll_output() {
        let message = match output {
            RoomOutput::Transmit {
                participant,
                transmit,
            } => {
                send(driven, port.as_deref(), participant, &transmit, stats);
                continue;
            }
            RoomOutput::Event(event) => {
                if let (
                    RoomEvent::Latched {
                        participant,
                        remote,
                    },
                    Some(port),
                ) = (&event, port.as_deref_mut())
                    && driven.webrtc.contains(participant)
                {
                    port.latched((id, *participant), *remote);
                }
                WorkerOutput::Event { room: id, event }
            }
            RoomOutput::Tap(frame) => WorkerOutput::Tap { room: id, frame },
        };
        if outputs.try_send(message).is_err() {
            stats.dropped_outputs += 1;
            if stats.dropped_outputs.is_power_of_two() {
                tracing::warn!(
                    dropped = stats.dropped_outputs,
                    "media worker output channel full"
                );
            }
        }
    }
}

/// Reads what the reactor has marked readable; idle sockets cost no system call. RTP is read
/// every sub-tick (arrival times feed the jitter estimate); RTCP only on the room's own tick.
fn receive_all(driven: &mut DrivenRoom, buf: &mut [u8], with_rtcp: bool) {
    for w in &driven.sockets {
        let sockets = [(&w.rtp, Component::Rtp), (&w.rtcp, Component::Rtcp)];
        for &(socket, component) in &sockets[..if with_rtcp { 2 } else { 1 }] {
            // Bounded per tick so one flooded socket cannot starve the others.
            for _ in 0..64 {
                let Ok((n, source)) = socket.try_recv_from(buf) else {
                    break;
                };
                if n > MAX_PACKET_BYTES {
                    continue;
                }
                let datagram = Datagram {
                    component,
                    source,
                    payload: &buf[..n],
                };
                let _ = driven
                    .room
                    .handle_receive(Instant::now(), w.member, datagram);
            }
        }
    }
}
