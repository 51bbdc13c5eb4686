//! The agent desk: what an agent's browser (through the server's agent channel) does with
//! calls — go on-line, change state, accept or decline offers, hang up, finish wrap-up — and
//! the persistent media leg it negotiates once.
//!
//! Control goes to the tenant's ACD task ([`QueueHub`]), which owns the agents' states and
//! sends each on-line agent [`AgentNotice`]s. Media is kept here: each on-line agent has one
//! WebRTC leg, parked in a room of its own (its *home*) between calls and moved into a call's
//! room when the agent answers (`join_call`), then back (`leave_call`) — never renegotiated.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kefu_acd::AgentState;
use kefu_core::{AgentId, CallId, TenantId};
use kefu_media::MemberId;
use kefu_media::driver::RoomId;
use serde::Serialize;
use thiserror::Error;
use tokio::sync::mpsc;

use crate::queues::QueueHub;
use crate::service::Worker;

/// What an agent asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentCommand {
    /// Ready for calls (logs in).
    Ready,
    /// Logged in, no calls, for this reason code.
    NotReady {
        /// One of the tenant's reason codes.
        reason: String,
    },
    /// Stop working.
    LogOut,
    /// Answer the call ringing at the agent.
    Accept {
        /// The call.
        call: CallId,
    },
    /// Decline it (the next agent gets it; the agent goes not-ready, "missed").
    Decline {
        /// The call.
        call: CallId,
    },
    /// Hang up the call the agent is talking on.
    HangUp {
        /// The call.
        call: CallId,
    },
    /// Hold it: the caller hears music, neither hears the other.
    Hold {
        /// The call.
        call: CallId,
    },
    /// Take it off hold.
    Resume {
        /// The call.
        call: CallId,
    },
    /// Wrap-up is done: ready for the next call.
    WrapUpDone,
    /// The browser is alive.
    Heartbeat,
}

/// What an agent's browser is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentNotice {
    /// The agent's state changed.
    State {
        /// The new state.
        state: AgentState,
    },
    /// A call rings at the agent.
    Offered {
        /// The call.
        call: CallId,
        /// The queue it waited in.
        queue: String,
        /// The caller's number.
        caller: String,
        /// What the IVR collected (`set-data`), in order.
        data: Vec<(String, String)>,
        /// Milliseconds until the offer rings out.
        ring_ms: u64,
    },
    /// The offer is gone (answered elsewhere, rang out, the caller hung up).
    OfferWithdrawn {
        /// The call.
        call: CallId,
    },
    /// Another tab or device took over this agent's session.
    Replaced,
}

/// Why the desk refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeskError {
    /// The agent has no routing profile.
    #[error("this user is not set up as an agent yet: an administrator must give them skills")]
    NotAnAgent,
    /// The ACD refused the command (no such call ringing, an unknown reason code…).
    #[error("{0}")]
    Refused(String),
    /// The agent has not sent their media offer.
    #[error("the agent's audio is not connected")]
    NoMedia,
    /// The browser's offer was refused.
    #[error("{0}")]
    Media(String),
    /// The routing could not be loaded or the engine stopped.
    #[error("the call service is unavailable: {0}")]
    Unavailable(String),
}

/// Names one session opened by [`AgentDesk::connect`].
#[derive(Debug)]
pub struct AgentSession(mpsc::Sender<AgentNotice>);

/// One on-line agent's media leg.
#[derive(Debug, Clone, Copy)]
struct Line {
    worker: usize,
    home: RoomId,
    member: MemberId,
    /// The call whose room holds the leg now, and the leg's id there.
    call: Option<(CallId, RoomId, MemberId)>,
}

/// The agents' side of the call service. Cheap to clone.
#[derive(Clone)]
pub struct AgentDesk {
    hub: QueueHub,
    workers: Arc<Vec<Worker>>,
    lines: Arc<Mutex<HashMap<(TenantId, AgentId), Line>>>,
    /// The browser audio socket, until the first agent's audio opens it on the worker.
    webrtc: Arc<tokio::sync::Mutex<WebRtcPort>>,
}

enum WebRtcPort {
    Unopened(Option<std::net::UdpSocket>),
    Open,
}

impl AgentDesk {
    pub(crate) fn new(
        hub: QueueHub,
        workers: Arc<Vec<Worker>>,
        webrtc: Option<std::net::UdpSocket>,
    ) -> Self {
        AgentDesk {
            hub,
            workers,
            lines: Arc::default(),
            webrtc: Arc::new(tokio::sync::Mutex::new(WebRtcPort::Unopened(webrtc))),
        }
    }

    /// Gives the first worker its WebRTC port, once.
    async fn open_port(&self, worker: &Worker) -> Result<(), DeskError> {
        let mut port = self.webrtc.lock().await;
        if let WebRtcPort::Unopened(socket) = &mut *port {
            let socket = socket.take().ok_or_else(|| {
                DeskError::Unavailable("browser audio is not configured on this server".into())
            })?;
            worker
                .handle
                .open_webrtc(socket, None)
                .await
                .map_err(|e| DeskError::Unavailable(format!("browser audio: {e}")))?;
            *port = WebRtcPort::Open;
        }
        Ok(())
    }

    fn line(&self, tenant: TenantId, agent: AgentId) -> Option<Line> {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(tenant, agent))
            .copied()
    }

    fn set_line(&self, tenant: TenantId, agent: AgentId, line: Option<Line>) {
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        match line {
            Some(line) => lines.insert((tenant, agent), line),
            None => lines.remove(&(tenant, agent)),
        };
    }

    /// Opens the agent's session: their notices come on the returned channel. A second session
    /// takes over: the first is told [`AgentNotice::Replaced`] and its channel closes.
    pub async fn connect(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<(mpsc::Receiver<AgentNotice>, AgentSession), DeskError> {
        let (tx, rx) = mpsc::channel(64);
        self.hub.agent_online(tenant, agent, tx.clone()).await?;
        Ok((rx, AgentSession(tx)))
    }

    /// The session `connect` opened is over (the browser went away): its parked audio goes.
    /// A session that was already taken over changes nothing — the audio may be the new tab's.
    pub async fn disconnect(&self, tenant: TenantId, agent: AgentId, session: AgentSession) {
        if self.hub.agent_offline(tenant, agent, session.0).await {
            self.detach_media(tenant, agent).await;
        }
    }

    /// Whether the agent's browser audio is attached (parked or in a call).
    pub fn has_media(&self, tenant: TenantId, agent: AgentId) -> bool {
        self.line(tenant, agent).is_some()
    }

    /// Carries out an agent's command.
    pub async fn command(
        &self,
        tenant: TenantId,
        agent: AgentId,
        command: AgentCommand,
    ) -> Result<(), DeskError> {
        self.hub.agent_command(tenant, agent, command).await
    }

    /// Answers the browser's SDP offer with the agent's WebRTC leg, parked in a room of its own
    /// until a call needs it. A new offer (a reloaded page) replaces the parked leg.
    pub async fn attach_media(
        &self,
        tenant: TenantId,
        agent: AgentId,
        offer: String,
    ) -> Result<String, DeskError> {
        if let Some(old) = self.line(tenant, agent) {
            if old.call.is_some() {
                return Err(DeskError::Media(
                    "the agent is on a call; hang up before reconnecting the audio".into(),
                ));
            }
            if let Some(w) = self.workers.get(old.worker) {
                let _ = w.handle.close_room(old.home).await;
            }
            self.set_line(tenant, agent, None);
        }
        // Browser legs live on the first worker; calls that reach agents must share it
        // (docs/decisions/0071).
        let worker = 0;
        let w = self
            .workers
            .get(worker)
            .ok_or_else(|| DeskError::Unavailable("no media worker".into()))?;
        self.open_port(w).await?;
        let home = w
            .handle
            .create_room()
            .await
            .map_err(|e| DeskError::Unavailable(e.to_string()))?;
        match w.handle.add_webrtc_leg(home, offer).await {
            Ok((member, answer)) => {
                self.set_line(
                    tenant,
                    agent,
                    Some(Line {
                        worker,
                        home,
                        member,
                        call: None,
                    }),
                );
                Ok(answer)
            }
            Err(e) => {
                let _ = w.handle.close_room(home).await;
                Err(DeskError::Media(e.to_string()))
            }
        }
    }

    /// The agent's session is over: their parked leg goes.
    async fn detach_media(&self, tenant: TenantId, agent: AgentId) {
        let Some(line) = self.line(tenant, agent) else {
            return;
        };
        if line.call.is_some() {
            return; // the call keeps its audio until it ends
        }
        self.set_line(tenant, agent, None);
        if let Some(w) = self.workers.get(line.worker) {
            let _ = w.handle.close_room(line.home).await;
        }
    }

    /// Moves the agent's leg into `call`'s room on worker `worker`; returns its member id
    /// there.
    pub(crate) async fn join_call(
        &self,
        tenant: TenantId,
        agent: AgentId,
        call: CallId,
        worker: usize,
        room: RoomId,
    ) -> Result<MemberId, DeskError> {
        let line = self.line(tenant, agent).ok_or(DeskError::NoMedia)?;
        if line.call.is_some() {
            return Err(DeskError::Refused("the agent is on another call".into()));
        }
        if line.worker != worker {
            return Err(DeskError::Unavailable(
                "the call and the agent's audio are on different media workers".into(),
            ));
        }
        let w = self
            .workers
            .get(worker)
            .ok_or_else(|| DeskError::Unavailable("no media worker".into()))?;
        let member = w
            .handle
            .move_participant(line.home, line.member, room)
            .await
            .map_err(|e| DeskError::Media(e.to_string()))?;
        self.set_line(
            tenant,
            agent,
            Some(Line {
                call: Some((call, room, member)),
                ..line
            }),
        );
        Ok(member)
    }

    /// Moves the agent's leg out of `call`'s room, back home (before the room closes).
    pub(crate) async fn leave_call(&self, tenant: TenantId, agent: AgentId, call: CallId) {
        let Some(line) = self.line(tenant, agent) else {
            return;
        };
        let Some((in_call, room, member)) = line.call else {
            return;
        };
        if in_call != call {
            return;
        }
        let Some(w) = self.workers.get(line.worker) else {
            return;
        };
        let home_member = match w.handle.move_participant(room, member, line.home).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(%agent, %call, error = %e, "the agent's audio could not leave the call");
                self.set_line(tenant, agent, None);
                return;
            }
        };
        self.set_line(
            tenant,
            agent,
            Some(Line {
                member: home_member,
                call: None,
                ..line
            }),
        );
    }
}
