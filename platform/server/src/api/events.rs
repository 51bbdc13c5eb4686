//! `/events`: the tenant's event log, as a paged list and as a live WebSocket stream. Both
//! show only what the reader's role may see (supervisors and admins everything, an agent its
//! own `agent.*` events, a developer `plugin.*`), and both number events by the tenant's
//! sequence, so a client can always say "after 1234".
//!
//! The stream (`GET /api/v1/events/stream`, WebSocket):
//! 1. The client's first message, within 10 s, authenticates (the token never goes in the URL,
//!    which proxies log): `{"type":"auth","token":"<access token>","after":1234,
//!    "types":["call."]}` (`after` and `types` optional).
//! 2. The server answers `{"type":"ready","oldest":…,"latest":…}`, then sends every event after
//!    `after` from the log and then live, as `{"type":"event","event":{"seq":…,"type":…}}`, in
//!    sequence order without gaps. If `after` is older than the log keeps (retention), it
//!    sends `{"type":"resync","oldest":…,"latest":…,"reason":…}` instead of the backlog and
//!    continues live from `latest`: the client reloads its state over REST.
//! 3. `{"type":"heartbeat","latest":…}` every 15 s. A client too slow to take its events
//!    (its queue of [`STREAM_QUEUE`] fills) is sent `{"type":"error","reason":"slow consumer…"}`
//!    and closed (1008); so is one whose token expires or is revoked (4401).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use kefu_core::{Event, TenantScope};
use kefu_store::events::{EventFilter, MAX_PAGE, may_see};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::ws::{close, first_text, text};
use crate::auth::Authed;
use crate::event_hub::event_frame;
use crate::json::Query;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Events a stream connection may have waiting before it is cut off as too slow.
pub const STREAM_QUEUE: usize = 2048;
/// Most live events written with one flush.
const MAX_FLUSH: usize = 1024;
/// Largest client message accepted.
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;
/// The stream's initial read buffer.
const READ_BUFFER: usize = 4 * 1024;
/// Most type filters in one query or subscription.
const MAX_TYPES: usize = 32;

/// Filters and paging of the listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Only events after this sequence number (the previous page's `next_after`).
    pub after: Option<u64>,
    /// Comma-separated types: exact (`call.ended`) or families ending in a dot (`call.`).
    #[serde(rename = "type")]
    pub types: Option<String>,
    /// Only events about this subject (a call, agent or recording id, or a queue name).
    pub subject: Option<String>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<u64>,
}

/// One page of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Events, oldest first: `{"seq", "id", "tenant", "at", "subject", "type", "data"}`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    /// Pass as `after` for the next page (absent on the last page).
    pub next_after: Option<u64>,
    /// The oldest sequence number the log still keeps for the tenant.
    pub oldest: Option<u64>,
    /// The newest sequence number.
    pub latest: Option<u64>,
}

fn parse_types(text: Option<&str>) -> Result<Vec<String>, Problem> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let types: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    check_types(&types)?;
    Ok(types)
}

fn check_types(types: &[String]) -> Result<(), Problem> {
    if types.len() > MAX_TYPES {
        return Err(Problem::invalid(
            "type",
            format!("at most {MAX_TYPES} types"),
        ));
    }
    for t in types {
        let ok = (1..=48).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_');
        if !ok {
            return Err(Problem::invalid(
                "type",
                format!(
                    "`{}` is not an event type (like `call.ended`) or family (like `call.`)",
                    t.chars().take(48).collect::<String>()
                ),
            ));
        }
    }
    Ok(())
}

fn check_reader(scope: &TenantScope) -> Result<(), Problem> {
    if scope.role().is_supervisor()
        || matches!(
            scope.role(),
            kefu_core::Role::Agent | kefu_core::Role::Developer
        )
    {
        Ok(())
    } else {
        Err(Problem::forbidden("your role may not read events"))
    }
}

fn resync_problem(after: u64, oldest: u64, latest: u64) -> Problem {
    Problem::new(
        axum::http::StatusCode::GONE,
        "resync",
        "Events no longer kept",
        format!(
            "events after {after} are no longer kept (the log starts at {oldest}, retention); \
             reload the current state and continue after {latest}"
        ),
    )
}

/// The tenant's event log, oldest first, as the reader's role may see it.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    security(("bearer" = [])),
    responses((status = 200, body = EventPage), (status = 403, body = Problem),
        (status = 410, body = Problem, description = "`after` is older than the log keeps: resync"),
        (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Query(q): Query<EventQuery>,
) -> ApiResult<axum::Json<EventPage>> {
    check_reader(&scope)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::invalid("limit", "limit must be 1 to 1000"));
    }
    if q.subject
        .as_ref()
        .is_some_and(|s| s.is_empty() || s.len() > 128)
    {
        return Err(Problem::invalid(
            "subject",
            "subject must be 1 to 128 characters",
        ));
    }
    let types = parse_types(q.types.as_deref())?;
    let bounds = state.store.event_bounds(&scope).await?;
    if let (Some(after), Some((oldest, latest))) = (q.after, bounds)
        && after + 1 < oldest
    {
        return Err(resync_problem(after, oldest, latest));
    }
    let rows = state
        .store
        .events(
            &scope,
            &EventFilter {
                after: q.after,
                types,
                subject: q.subject,
                limit,
            },
        )
        .await?;
    let next_after = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|e| e.seq))
        .flatten();
    Ok(axum::Json(EventPage {
        items: rows
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
            .collect(),
        next_after,
        oldest: bounds.map(|b| b.0),
        latest: bounds.map(|b| b.1),
    }))
}

/// The live stream (WebSocket). See the module docs for the protocol.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events",
    responses((status = 101, description = "Switching to the WebSocket protocol; the first message authenticates"),
        (status = 422, body = Problem, description = "Not a WebSocket upgrade: the `upgrade` field says what is missing")))]
async fn stream(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, Problem> {
    let ws = ws.map_err(|e| Problem::invalid("upgrade", e.body_text()))?;
    // Clients send one small message and pongs: tungstenite's 128 KiB default read buffer was
    // most of the 135 KiB each subscriber cost (docs/benchmarks.md); longer messages (up to
    // MAX_CLIENT_MESSAGE) still grow it.
    Ok(ws
        .max_message_size(MAX_CLIENT_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| run_stream(state, socket)))
}

/// The client's opening message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hello {
    #[serde(rename = "type")]
    kind: String,
    token: String,
    after: Option<u64>,
    #[serde(default)]
    types: Vec<String>,
}

async fn hello(socket: &mut WebSocket) -> Result<Hello, String> {
    let body = first_text(socket).await?;
    let hello: Hello = serde_json::from_str(&body)
        .map_err(|e| format!("the authentication message is not valid: {e}"))?;
    if hello.kind != "auth" {
        return Err("the first message's type must be \"auth\"".into());
    }
    check_types(&hello.types).map_err(|p| p.detail.clone())?;
    Ok(hello)
}

async fn run_stream(state: AppState, mut socket: WebSocket) {
    let hello = match hello(&mut socket).await {
        Ok(h) => h,
        Err(why) => return close(&mut socket, 1008, &why).await,
    };
    let (scope, _) = match state.auth.verify(&hello.token) {
        Ok(v) => v,
        Err(_) => {
            return close(
                &mut socket,
                4401,
                "the access token is invalid, expired or revoked",
            )
            .await;
        }
    };
    if check_reader(&scope).is_err() {
        return close(&mut socket, 4403, "your role may not read events").await;
    }
    let hub = state.event_hub.clone();
    // Register before reading the backlog: nothing published in between is missed (the
    // overlap is skipped by number).
    let mut live = hub.register(scope.tenant(), STREAM_QUEUE);
    let bounds = match state.store.event_bounds(&scope).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "reading the event log's bounds failed");
            return close(&mut socket, 1011, "the event log cannot be read; try again").await;
        }
    };
    let (oldest, latest) = bounds.unwrap_or((0, 0));
    let mut sent = hello.after.unwrap_or(latest);
    if hello
        .after
        .is_some_and(|after| bounds.is_some() && after + 1 < oldest)
    {
        let reason = format!(
            "events after {} are no longer kept (the log starts at {oldest}); reload the current state",
            sent
        );
        if socket
            .send(text(
                json!({"type": "resync", "oldest": oldest, "latest": latest, "reason": reason}),
            ))
            .await
            .is_err()
        {
            return;
        }
        sent = latest;
    } else if socket
        .send(text(
            json!({"type": "ready", "oldest": oldest, "latest": latest}),
        ))
        .await
        .is_err()
    {
        return;
    }
    let mut stream = Stream {
        state,
        scope,
        token: hello.token,
        types: hello.types,
        sent,
    };
    let (mut sink, mut incoming) = socket.split();
    if let Err(why) = stream.backfill(&mut sink, u64::MAX).await {
        tracing::debug!(%why, "event stream ended during backfill");
        return;
    }
    let mut heartbeat = tokio::time::interval(Duration::from_secs(15));
    heartbeat.tick().await;
    let end = loop {
        tokio::select! {
            item = live.recv() => {
                let Some(first) = item else {
                    break Some((1008, format!("slow consumer: more than {STREAM_QUEUE} events were waiting; reconnect with after={}", stream.sent)));
                };
                // The hub's batch, and any that waited behind it, go out in one flush. The
                // usual case, one batch, is sent as the hub shared it, without a copy.
                let sent = match live.try_recv() {
                    None => stream.send_live(&mut sink, &first).await,
                    Some(second) => {
                        let mut batch: Vec<_> = first.iter().chain(second.iter()).cloned().collect();
                        while batch.len() < MAX_FLUSH {
                            let Some(more) = live.try_recv() else { break };
                            batch.extend(more.iter().cloned());
                        }
                        stream.send_live(&mut sink, &batch).await
                    }
                };
                if let Err(why) = sent {
                    tracing::debug!(%why, "event stream closed");
                    return;
                }
            }
            _ = heartbeat.tick() => {
                if let Some(why) = stream.token_problem() {
                    break Some((4401, why));
                }
                let beat = text(json!({"type": "heartbeat", "latest": stream.sent}));
                if sink.send(beat).await.is_err() {
                    return;
                }
            }
            msg = incoming.next() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                // Pings are answered by the library; nothing else is expected after auth.
                Some(Ok(_)) => {}
            },
        }
    };
    if let Some((code, reason)) = end {
        let _ = sink
            .send(text(json!({"type": "error", "reason": reason})))
            .await;
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.chars().take(120).collect::<String>().into(),
            })))
            .await;
    }
}

type Sink = futures::stream::SplitSink<WebSocket, Message>;

/// One connection's position and filters.
struct Stream {
    state: AppState,
    scope: TenantScope,
    /// The access token, checked again at every heartbeat (expiry, logout).
    token: String,
    types: Vec<String>,
    /// The last sequence number accounted for (sent, or filtered out).
    sent: u64,
}

impl Stream {
    fn wants(&self, event: &Event) -> bool {
        may_see(&self.scope, event)
            && (self.types.is_empty()
                || self.types.iter().any(|t| {
                    let name = event.event.name();
                    if t.ends_with('.') {
                        name.starts_with(t.as_str())
                    } else {
                        name == t
                    }
                }))
    }

    fn token_problem(&self) -> Option<String> {
        match self.state.auth.verify(&self.token) {
            Ok(_) => None,
            Err(_) => {
                Some("the access token expired or was revoked; reconnect with a fresh one".into())
            }
        }
    }

    /// Sends logged events after `sent`, up to `until`, from the database.
    async fn backfill(&mut self, sink: &mut Sink, until: u64) -> Result<(), String> {
        loop {
            let page = self
                .state
                .store
                .events(
                    &self.scope,
                    &EventFilter {
                        after: Some(self.sent),
                        types: self.types.clone(),
                        subject: None,
                        limit: MAX_PAGE,
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            let full = page.len() as u64 == MAX_PAGE;
            for event in page.iter().filter(|e| e.seq <= until) {
                sink.feed(Message::Text(event_frame(event).into()))
                    .await
                    .map_err(|e| e.to_string())?;
                self.sent = event.seq;
            }
            sink.flush().await.map_err(|e| e.to_string())?;
            if !full || page.last().is_some_and(|e| e.seq >= until) {
                // Everything up to `until` is accounted for, sent or filtered out.
                if until != u64::MAX {
                    self.sent = self.sent.max(until);
                }
                return Ok(());
            }
        }
    }

    async fn send_live(
        &mut self,
        sink: &mut Sink,
        batch: &[Arc<crate::event_hub::Prepared>],
    ) -> Result<(), String> {
        for prepared in batch {
            let seq = prepared.event.seq;
            if seq <= self.sent {
                continue; // already sent from the log
            }
            if seq > self.sent + 1 {
                // A gap (the hub fell behind, or this event raced the backlog): fill it from
                // the log, in order, before this one.
                sink.flush().await.map_err(|e| e.to_string())?;
                self.backfill(sink, seq - 1).await?;
            }
            if self.wants(&prepared.event) {
                sink.feed(Message::Text(prepared.frame.clone()))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            self.sent = seq;
        }
        sink.flush().await.map_err(|e| e.to_string())
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stream))
}
