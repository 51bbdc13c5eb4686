//! `/agent/channel`: the agent desktop's WebSocket — commands up, notices down.
//!
//! 1. The client's first message, within 10 s, authenticates: `{"type":"auth","token":"…"}`
//!    (agents and supervisors; the token never goes in the URL). The server answers
//!    `{"type":"ready","agent":"agt_…"}` and then the agent's current state. One session per
//!    agent: a second tab or device takes over, and the first is sent
//!    `{"type":"replaced",…}` and closed (4409).
//! 2. Commands, each with an optional client `id` echoed in the reply
//!    (`{"type":"ack","id":…}` or `{"type":"error","id":…,"reason":…}`): `ready`,
//!    `not_ready` (`reason`: a reason code), `log_out`, `accept`, `decline`, `hang_up`, `hold`,
//!    `resume` (`call`),
//!    `wrap_up_done`, `heartbeat`, and `media_offer` (`sdp`: the browser's WebRTC offer),
//!    answered by `{"type":"media_answer","id":…,"sdp":…}`.
//! 3. Notices, numbered by `seq` from 1 per connection: `state` (`state`), `offered` (`call`,
//!    `queue`, `caller`, `data`, `ring_ms`), `offer_withdrawn` (`call`). A reconnecting client
//!    gets the current state first, so it never needs what it missed.
//! 4. The client sends `heartbeat` every few seconds; an agent whose heartbeats stop is logged
//!    out by the ACD after the tenant's heartbeat timeout (its grace period), so no call is
//!    offered to a closed tab. The connection closes (4401) when the token expires.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use kefu_calls::{AgentCommand, AgentDesk, AgentNotice};
use kefu_core::{AgentId, CallId, TenantId};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::ws::{close, first_text, text};
use crate::problem::Problem;
use crate::routing::agent_of;
use crate::state::AppState;

/// Largest client message (an SDP offer is 2–6 KiB).
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// Longest not-ready reason code accepted (codes are short words like `lunch`).
const MAX_REASON: usize = 64;
/// How often the token is checked again.
const TOKEN_CHECK: Duration = Duration::from_secs(30);

/// The agent desktop's channel (WebSocket). See the module docs for the protocol.
#[utoipa::path(get, path = "/api/v1/agent/channel", tag = "agents",
    responses((status = 101, description = "Switching to the WebSocket protocol; the first message authenticates"),
        (status = 422, body = Problem, description = "Not a WebSocket upgrade: the `upgrade` field says what is missing")))]
async fn channel(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, Problem> {
    let ws = ws.map_err(|e| Problem::invalid("upgrade", e.body_text()))?;
    Ok(ws
        .max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| run(state, socket)))
}

/// A message from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Auth { token: String },
    Ready { id: Option<u64> },
    NotReady { id: Option<u64>, reason: String },
    LogOut { id: Option<u64> },
    Accept { id: Option<u64>, call: CallId },
    Decline { id: Option<u64>, call: CallId },
    HangUp { id: Option<u64>, call: CallId },
    Hold { id: Option<u64>, call: CallId },
    Resume { id: Option<u64>, call: CallId },
    WrapUpDone { id: Option<u64> },
    Heartbeat { id: Option<u64> },
    MediaOffer { id: Option<u64>, sdp: String },
}

async fn hello(socket: &mut WebSocket) -> Result<String, String> {
    match serde_json::from_str(&first_text(socket).await?) {
        Ok(ClientMessage::Auth { token }) => Ok(token),
        Ok(_) => Err("the first message's type must be \"auth\"".into()),
        Err(e) => Err(format!("the authentication message is not valid: {e}")),
    }
}

/// One authenticated agent's connection.
struct Session {
    state: AppState,
    desk: AgentDesk,
    tenant: TenantId,
    agent: AgentId,
    token: String,
    seq: u64,
}

async fn run(state: AppState, mut socket: WebSocket) {
    let token = match hello(&mut socket).await {
        Ok(t) => t,
        Err(why) => return close(&mut socket, 1008, &why).await,
    };
    let Ok((scope, _)) = state.auth.verify(&token) else {
        return close(
            &mut socket,
            4401,
            "the access token is invalid, expired or revoked",
        )
        .await;
    };
    let role = scope.role();
    let user = scope.user();
    let (Some(user), true) = (user, role == kefu_core::Role::Agent || role.is_supervisor()) else {
        return close(&mut socket, 4403, "only agents and supervisors take calls").await;
    };
    let Some(desk) = state.desk.get().cloned() else {
        return close(
            &mut socket,
            1011,
            "telephony is off on this server (key `sip_listen`)",
        )
        .await;
    };
    let (tenant, agent) = (scope.tenant(), agent_of(user));
    let (mut notices, handle) = match desk.connect(tenant, agent).await {
        Ok(opened) => opened,
        Err(e) => return close(&mut socket, 4403, &e.to_string()).await,
    };
    let mut session = Session {
        state,
        desk,
        tenant,
        agent,
        token,
        seq: 0,
    };
    if socket
        .send(text(json!({"type": "ready", "agent": agent})))
        .await
        .is_ok()
    {
        session.serve(&mut socket, &mut notices).await;
    }
    session.desk.disconnect(tenant, agent, handle).await;
}

impl Session {
    async fn serve(
        &mut self,
        socket: &mut WebSocket,
        notices: &mut tokio::sync::mpsc::Receiver<AgentNotice>,
    ) {
        let mut token_check = tokio::time::interval(TOKEN_CHECK);
        token_check.reset();
        loop {
            tokio::select! {
                notice = notices.recv() => {
                    let Some(notice) = notice else {
                        return close(socket, 1011, "the call service stopped").await;
                    };
                    let replaced = notice == AgentNotice::Replaced;
                    self.seq += 1;
                    let mut frame = serde_json::to_value(&notice).unwrap_or(Value::Null);
                    frame["seq"] = json!(self.seq);
                    if socket.send(text(frame)).await.is_err() {
                        return;
                    }
                    if replaced {
                        return close(socket, 4409, "another tab or device took over this agent's session").await;
                    }
                }
                message = socket.recv() => match message {
                    Some(Ok(Message::Text(body))) => {
                        let reply = self.command(body.as_str()).await;
                        if socket.send(text(reply)).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                },
                _ = token_check.tick() => {
                    if self.state.auth.verify(&self.token).is_err() {
                        return close(socket, 4401, "the access token expired or was revoked; reconnect with a fresh one").await;
                    }
                }
            }
        }
    }

    /// Carries out one client message; returns the reply frame.
    async fn command(&mut self, body: &str) -> Value {
        let up: ClientMessage = match serde_json::from_str(body) {
            Ok(up) => up,
            Err(e) => return json!({"type": "error", "reason": format!("not a command: {e}")}),
        };
        let (id, command) = match up {
            ClientMessage::Auth { .. } => {
                return json!({"type": "error", "reason": "already authenticated"});
            }
            ClientMessage::MediaOffer { id, sdp } => {
                return match self.desk.attach_media(self.tenant, self.agent, sdp).await {
                    Ok(answer) => json!({"type": "media_answer", "id": id, "sdp": answer}),
                    Err(e) => json!({"type": "error", "id": id, "reason": e.to_string()}),
                };
            }
            ClientMessage::Ready { id } => (id, AgentCommand::Ready),
            ClientMessage::NotReady { id, reason } if reason.len() > MAX_REASON => {
                return json!({"type": "error", "id": id,
                    "reason": format!("a reason code has at most {MAX_REASON} characters")});
            }
            ClientMessage::NotReady { id, reason } => (id, AgentCommand::NotReady { reason }),
            ClientMessage::LogOut { id } => (id, AgentCommand::LogOut),
            ClientMessage::Accept { id, call } => (id, AgentCommand::Accept { call }),
            ClientMessage::Decline { id, call } => (id, AgentCommand::Decline { call }),
            ClientMessage::HangUp { id, call } => (id, AgentCommand::HangUp { call }),
            ClientMessage::Hold { id, call } => (id, AgentCommand::Hold { call }),
            ClientMessage::Resume { id, call } => (id, AgentCommand::Resume { call }),
            ClientMessage::WrapUpDone { id } => (id, AgentCommand::WrapUpDone),
            ClientMessage::Heartbeat { id } => (id, AgentCommand::Heartbeat),
        };
        match self.desk.command(self.tenant, self.agent, command).await {
            Ok(()) => json!({"type": "ack", "id": id}),
            Err(e) => json!({"type": "error", "id": id, "reason": e.to_string()}),
        }
    }
}

/// The channel's route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(channel))
}
