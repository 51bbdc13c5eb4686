//! The live ACD: one task per tenant owns that tenant's [`Acd`] engine and drives it with the
//! clock (the engine itself never reads one). Calls enqueue through the [`QueueHub`] and get
//! [`QueueNotice`]s back: their position and estimated wait every `update_every`, and once the
//! end of their wait (answered, timed out, overflowed).
//!
//! The engine is built from the tenant's routing document when the first call of the tenant
//! arrives, and rebuilt when its calls are gone and the document may have changed, so queue
//! edits apply to new calls without a restart.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_acd::config::SkillRequirement;
use kefu_acd::{
    Acd, AcdEventKind, EnqueueCall, Input, InputError, Level, Millis, Output, Priority, ReasonCode,
    RequestedState, WaitOutcome,
};
use kefu_core::{AgentId, CallId, QueueId, SkillId, TenantId};
use tokio::sync::{mpsc, oneshot};

use crate::agent_events::AgentEvents;
use crate::desk::{AgentCommand, AgentNotice, DeskError};
use crate::ivr::{EnqueueFailure, EnqueueRequest as Enqueue};
use crate::services::CallServices;

/// The tenant's routing as its engine needs it.
#[derive(Debug, Clone)]
pub struct Routing {
    /// Queues, skills and agents.
    pub config: kefu_acd::TenantConfig,
    /// Skill names (as plugins name them) and their ids.
    pub skills: Vec<(String, SkillId)>,
}

/// What a queued call hears about its wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueNotice {
    /// The queue rings this agent with the call.
    Offered {
        /// Who.
        agent: AgentId,
    },
    /// Where the call stands.
    Position {
        /// 1 = next.
        position: u32,
        /// The engine's estimate, when agents are staffed.
        estimated_wait_secs: Option<u32>,
    },
    /// The wait is over.
    Ended(WaitOutcome),
    /// The agent talking on the call hung up (after [`WaitOutcome::Answered`]).
    AgentHangUp,
    /// The agent talking on the call holds it (`true`) or resumes it.
    AgentHold(bool),
}

/// Rebuild an idle tenant engine at most this often.
const REBUILD_AFTER: Duration = Duration::from_secs(5);

enum Command {
    Enqueue {
        call: CallId,
        caller: String,
        request: Enqueue,
        notices: mpsc::Sender<QueueNotice>,
        reply: oneshot::Sender<Result<(), EnqueueFailure>>,
    },
    Leave(CallId),
    /// An agent's session opens (replacing an earlier one).
    AgentOnline {
        agent: AgentId,
        notices: mpsc::Sender<AgentNotice>,
        reply: oneshot::Sender<Result<(), DeskError>>,
    },
    Agent {
        agent: AgentId,
        command: AgentCommand,
        reply: oneshot::Sender<Result<(), DeskError>>,
    },
    /// An answered call is over: its agent wraps up.
    CallEnded(CallId),
    /// An agent's session closed.
    AgentOffline {
        agent: AgentId,
        notices: mpsc::Sender<AgentNotice>,
        reply: oneshot::Sender<bool>,
    },
}

/// The tenants' ACD engines.
#[derive(Clone)]
pub struct QueueHub {
    services: Arc<dyn CallServices>,
    update_every: Duration,
    tenants: Arc<Mutex<HashMap<TenantId, mpsc::Sender<Command>>>>,
}

impl QueueHub {
    /// A hub that sends every queued call its position every `update_every`.
    pub fn new(services: Arc<dyn CallServices>, update_every: Duration) -> Self {
        QueueHub {
            services,
            update_every: update_every.max(Duration::from_secs(1)),
            tenants: Arc::default(),
        }
    }

    fn tenant(&self, tenant: TenantId) -> mpsc::Sender<Command> {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = tenants.get(&tenant)
            && !tx.is_closed()
        {
            return tx.clone();
        }
        let (tx, rx) = mpsc::channel(1_024);
        // Agents' events are logged in order by a task of their own: the engine never waits
        // on the log.
        let (log, mut logged) = mpsc::unbounded_channel();
        let services = self.services.clone();
        tokio::spawn(async move {
            while let Some(event) = logged.recv().await {
                services.emit_for_tenant(tenant, event).await;
            }
        });
        let engine = TenantEngine {
            log,
            agent_events: AgentEvents::default(),
            tenant,
            services: self.services.clone(),
            update_every: self.update_every,
            engine: None,
            calls: HashMap::new(),
            agents: HashMap::new(),
            talking: HashMap::new(),
        };
        tokio::spawn(engine.run(rx));
        tenants.insert(tenant, tx.clone());
        tx
    }

    /// Puts `call` (from `caller`) in the queue `request` names; notices go to `notices`.
    /// Fails when the tenant has no such queue or its routing cannot be loaded.
    pub async fn enqueue(
        &self,
        tenant: TenantId,
        call: CallId,
        caller: String,
        request: Enqueue,
        notices: mpsc::Sender<QueueNotice>,
    ) -> Result<(), EnqueueFailure> {
        let stopped = || EnqueueFailure::Routing("the queue engine stopped".into());
        let (reply, answer) = oneshot::channel();
        self.tenant(tenant)
            .send(Command::Enqueue {
                call,
                caller,
                request,
                notices,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Takes `call` out of its queue (the caller hung up or the IVR moved on).
    pub async fn leave(&self, tenant: TenantId, call: CallId) {
        let _ = self.tenant(tenant).send(Command::Leave(call)).await;
    }

    /// An answered call ended: its agent goes to wrap-up.
    pub async fn call_ended(&self, tenant: TenantId, call: CallId) {
        let _ = self.tenant(tenant).send(Command::CallEnded(call)).await;
    }

    /// Opens an agent's session (see [`crate::AgentDesk::connect`]).
    pub async fn agent_online(
        &self,
        tenant: TenantId,
        agent: AgentId,
        notices: mpsc::Sender<AgentNotice>,
    ) -> Result<(), DeskError> {
        let (reply, answer) = oneshot::channel();
        self.ask_agent(
            tenant,
            answer,
            Command::AgentOnline {
                agent,
                notices,
                reply,
            },
        )
        .await
    }

    /// The agent's session (the channel given to [`QueueHub::agent_online`]) closed; true
    /// when it was still the agent's current one (not taken over by another).
    pub async fn agent_offline(
        &self,
        tenant: TenantId,
        agent: AgentId,
        notices: mpsc::Sender<AgentNotice>,
    ) -> bool {
        let (reply, answer) = oneshot::channel();
        let sent = self
            .tenant(tenant)
            .send(Command::AgentOffline {
                agent,
                notices,
                reply,
            })
            .await;
        sent.is_ok() && answer.await.unwrap_or(false)
    }

    /// Carries out an agent's command (see [`crate::AgentDesk::command`]).
    pub async fn agent_command(
        &self,
        tenant: TenantId,
        agent: AgentId,
        command: AgentCommand,
    ) -> Result<(), DeskError> {
        let (reply, answer) = oneshot::channel();
        self.ask_agent(
            tenant,
            answer,
            Command::Agent {
                agent,
                command,
                reply,
            },
        )
        .await
    }

    async fn ask_agent(
        &self,
        tenant: TenantId,
        answer: oneshot::Receiver<Result<(), DeskError>>,
        command: Command,
    ) -> Result<(), DeskError> {
        let stopped = || DeskError::Unavailable("the queue engine stopped".into());
        self.tenant(tenant)
            .send(command)
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

struct Built {
    acd: Acd,
    routing: Routing,
    started: Instant,
    built: Instant,
}

struct TenantEngine {
    tenant: TenantId,
    /// `agent.*` events, to the tenant's log in order.
    log: mpsc::UnboundedSender<kefu_core::DomainEvent>,
    agent_events: AgentEvents,
    services: Arc<dyn CallServices>,
    update_every: Duration,
    engine: Option<Built>,
    calls: HashMap<CallId, Waiting>,
    /// On-line agents' sessions.
    agents: HashMap<AgentId, mpsc::Sender<AgentNotice>>,
    /// Answered calls: their notices and their agent.
    talking: HashMap<CallId, (mpsc::Sender<QueueNotice>, AgentId)>,
}

/// A queued call as the tenant task keeps it.
struct Waiting {
    notices: mpsc::Sender<QueueNotice>,
    caller: String,
    queue: String,
    data: Vec<(String, String)>,
}

impl TenantEngine {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut updates = tokio::time::interval(self.update_every);
        updates.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => return,
                },
                _ = sleep_until(deadline) => self.timeout(),
                _ = updates.tick() => self.announce(),
            }
            self.drain();
        }
    }

    fn now(&self) -> Millis {
        match &self.engine {
            Some(b) => Millis(b.started.elapsed().as_millis() as u64),
            None => Millis::ZERO,
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let b = self.engine.as_ref()?;
        let at = b.acd.poll_timeout()?;
        Some(b.started + Duration::from_millis(at.as_millis()))
    }

    fn timeout(&mut self) {
        let now = self.now();
        if let Some(b) = &mut self.engine {
            b.acd.handle_timeout(now);
        }
    }

    async fn ensure_engine(&mut self) -> Result<(), crate::services::ServiceError> {
        self.build_engine(false).await
    }

    /// Builds the engine when there is none, or rebuilds an idle one (no calls, no on-line
    /// agents: their states live in the engine) that is older than [`REBUILD_AFTER`] or when
    /// `now` asks for it.
    async fn build_engine(&mut self, now: bool) -> Result<(), crate::services::ServiceError> {
        let stale = match &self.engine {
            None => true,
            Some(b) => {
                self.calls.is_empty()
                    && self.agents.is_empty()
                    && (now || b.built.elapsed() >= REBUILD_AFTER)
            }
        };
        if !stale {
            return Ok(());
        }
        let routing = self.services.routing(self.tenant).await?;
        let acd = Acd::new(routing.config.clone()).map_err(|e| {
            crate::services::ServiceError::Unusable(format!("the tenant's routing is invalid: {e}"))
        })?;
        let now = Instant::now();
        self.engine = Some(Built {
            acd,
            routing,
            started: now,
            built: now,
        });
        Ok(())
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Enqueue {
                call,
                caller,
                request,
                notices,
                reply,
            } => {
                let result = match self.ensure_engine().await {
                    Ok(()) => self.enqueue(call, caller, request, notices),
                    Err(e) => Err(EnqueueFailure::Routing(e.to_string())),
                };
                let _ = reply.send(result);
            }
            Command::Leave(call) => {
                if self.calls.remove(&call).is_some() {
                    let _ = self.input(Input::Abandon { call });
                }
            }
            Command::CallEnded(call) => {
                self.talking.remove(&call);
                let _ = self.input(Input::CallEnded { call });
            }
            Command::AgentOffline {
                agent,
                notices,
                reply,
            } => {
                // Only the session that closed: a newer one may have taken over. The engine
                // logs the agent out when heartbeats stop (its grace period).
                let current = self
                    .agents
                    .get(&agent)
                    .is_some_and(|tx| tx.same_channel(&notices));
                if current {
                    self.agents.remove(&agent);
                }
                let _ = reply.send(current);
            }
            Command::AgentOnline {
                agent,
                notices,
                reply,
            } => {
                let mut result = match self.ensure_engine().await {
                    Ok(()) => self.agent_online(agent, notices.clone()),
                    Err(e) => Err(DeskError::Unavailable(e.to_string())),
                };
                // Given a routing profile a moment ago: an idle engine is rebuilt at once.
                if result == Err(DeskError::NotAnAgent) && self.build_engine(true).await.is_ok() {
                    result = self.agent_online(agent, notices);
                }
                let _ = reply.send(result);
            }
            Command::Agent {
                agent,
                command,
                reply,
            } => {
                let _ = reply.send(self.agent_command(agent, command));
            }
        }
    }

    fn input(&mut self, input: Input) -> Result<(), InputError> {
        let now = self.now();
        match &mut self.engine {
            Some(b) => b.acd.handle_input(now, input),
            None => Ok(()),
        }
    }

    fn agent_online(
        &mut self,
        agent: AgentId,
        notices: mpsc::Sender<AgentNotice>,
    ) -> Result<(), DeskError> {
        let known = self
            .engine
            .as_ref()
            .is_some_and(|b| b.routing.config.agents.iter().any(|a| a.id == agent));
        if !known {
            return Err(DeskError::NotAnAgent);
        }
        if let Some(old) = self.agents.insert(agent, notices.clone()) {
            let _ = old.try_send(AgentNotice::Replaced);
        }
        // The new session starts from where the agent stands.
        if let Some(state) = self.engine.as_ref().and_then(|b| b.acd.agent_state(agent)) {
            let _ = notices.try_send(AgentNotice::State {
                state: state.clone(),
            });
        }
        let _ = self.input(Input::Heartbeat { agent });
        Ok(())
    }

    fn agent_command(&mut self, agent: AgentId, command: AgentCommand) -> Result<(), DeskError> {
        if !self.agents.contains_key(&agent) {
            return Err(DeskError::Refused("the agent is not on-line".into()));
        }
        let input = match command {
            AgentCommand::Ready => Input::SetAgentState {
                agent,
                state: RequestedState::Available,
            },
            AgentCommand::NotReady { reason } => Input::SetAgentState {
                agent,
                state: RequestedState::NotReady {
                    reason: ReasonCode::new(reason),
                },
            },
            AgentCommand::LogOut => Input::SetAgentState {
                agent,
                state: RequestedState::LoggedOut,
            },
            AgentCommand::Accept { call } => Input::Accept { call, agent },
            AgentCommand::Decline { call } => Input::Decline { call, agent },
            AgentCommand::WrapUpDone => Input::WrapUpDone { agent },
            AgentCommand::Heartbeat => Input::Heartbeat { agent },
            // The call's own task hangs up, holds and resumes.
            AgentCommand::HangUp { call } => {
                return self.to_call(agent, call, QueueNotice::AgentHangUp);
            }
            AgentCommand::Hold { call } => {
                return self.to_call(agent, call, QueueNotice::AgentHold(true));
            }
            AgentCommand::Resume { call } => {
                return self.to_call(agent, call, QueueNotice::AgentHold(false));
            }
        };
        self.input(input)
            .map_err(|e| DeskError::Refused(e.to_string()))
    }

    /// Passes the talking agent's action to their call.
    fn to_call(&self, agent: AgentId, call: CallId, notice: QueueNotice) -> Result<(), DeskError> {
        match self.talking.get(&call) {
            Some((tx, talking)) if *talking == agent => tx
                .try_send(notice)
                .map_err(|_| DeskError::Refused("the call is busy; try again".into())),
            _ => Err(DeskError::Refused("the agent is not on that call".into())),
        }
    }

    fn enqueue(
        &mut self,
        call: CallId,
        caller: String,
        request: Enqueue,
        notices: mpsc::Sender<QueueNotice>,
    ) -> Result<(), EnqueueFailure> {
        let now = self.now();
        let Some(b) = &mut self.engine else {
            return Err(EnqueueFailure::Routing(
                "the queue engine is not loaded".into(),
            ));
        };
        let (queue, queue_name): (QueueId, String) = b
            .routing
            .config
            .queues
            .iter()
            .find(|q| q.name == request.queue || q.id.to_string() == request.queue)
            .map(|q| (q.id, q.name.clone()))
            .ok_or(EnqueueFailure::UnknownQueue)?;
        let mut required_skills = Vec::new();
        for need in &request.required_skills {
            let skill = b
                .routing
                .skills
                .iter()
                .find(|(name, id)| *name == need.skill || id.to_string() == need.skill)
                .map(|(_, id)| *id)
                .ok_or_else(|| EnqueueFailure::UnknownSkill(need.skill.clone()))?;
            let min_level = Level::new(need.min_level).ok_or_else(|| {
                EnqueueFailure::Routing(format!("skill level {} is outside 1-10", need.min_level))
            })?;
            required_skills.push(SkillRequirement { skill, min_level });
        }
        let attributes: BTreeMap<String, String> = request.data.iter().cloned().collect();
        b.acd
            .handle_input(
                now,
                Input::Enqueue(EnqueueCall {
                    call,
                    queue,
                    priority: Priority::new(request.priority),
                    required_skills,
                    attributes,
                    last_agent: None,
                }),
            )
            .map_err(|e| EnqueueFailure::Routing(e.to_string()))?;
        self.calls.insert(
            call,
            Waiting {
                notices,
                caller,
                queue: queue_name,
                data: request.data.clone(),
            },
        );
        // The first position straight away.
        self.announce_one(call);
        Ok(())
    }

    fn announce(&mut self) {
        let calls: Vec<CallId> = self.calls.keys().copied().collect();
        for call in calls {
            self.announce_one(call);
        }
    }

    fn announce_one(&mut self, call: CallId) {
        let Some(b) = &self.engine else { return };
        let Some(estimate) = b.acd.wait_estimate(call) else {
            return;
        };
        if let Some(w) = self.calls.get(&call) {
            let _ = w.notices.try_send(QueueNotice::Position {
                position: estimate.position,
                estimated_wait_secs: estimate
                    .estimated_wait
                    .map(|w| u32::try_from(w.as_millis() / 1_000).unwrap_or(u32::MAX)),
            });
        }
    }

    fn drain(&mut self) {
        let now = self.now();
        let Some(b) = &mut self.engine else { return };
        while let Some(output) = b.acd.poll_output() {
            match output {
                Output::WaitEnded { call, outcome } => {
                    if let Some(w) = self.calls.remove(&call) {
                        if let WaitOutcome::Answered { agent } = &outcome {
                            self.talking.insert(call, (w.notices.clone(), *agent));
                        }
                        let _ = w.notices.try_send(QueueNotice::Ended(outcome));
                    }
                }
                Output::Offer {
                    call,
                    agent,
                    ring_until,
                } => {
                    if let Some(w) = self.calls.get(&call) {
                        let _ = w.notices.try_send(QueueNotice::Offered { agent });
                        if let Some(tx) = self.agents.get(&agent) {
                            let _ = tx.try_send(AgentNotice::Offered {
                                call,
                                queue: w.queue.clone(),
                                caller: w.caller.clone(),
                                data: w.data.clone(),
                                ring_ms: ring_until.as_millis().saturating_sub(now.as_millis()),
                            });
                        }
                    }
                }
                Output::OfferWithdrawn { call, agent } => {
                    if let Some(tx) = self.agents.get(&agent) {
                        let _ = tx.try_send(AgentNotice::OfferWithdrawn { call });
                    }
                }
                Output::Event(event) => {
                    tracing::debug!(tenant = %self.tenant, event = event.kind.name(), "acd event");
                    let queues = &b.routing.config.queues;
                    let name = |id| queues.iter().find(|q| q.id == id).map(|q| q.name.clone());
                    for logged in self.agent_events.of(&event, name) {
                        let _ = self.log.send(logged);
                    }
                    if let AcdEventKind::AgentStateChanged { agent, to, .. } = event.kind
                        && let Some(tx) = self.agents.get(&agent)
                    {
                        let _ = tx.try_send(AgentNotice::State { state: to });
                    }
                }
                // No router plugins yet: the engine decides without scores at the deadline.
                Output::ScoreRequest(_) => {}
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
