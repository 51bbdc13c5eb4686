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
use kefu_acd::{Acd, EnqueueCall, Input, Level, Millis, Output, Priority, WaitOutcome};
use kefu_core::{CallId, QueueId, SkillId, TenantId};
use tokio::sync::{mpsc, oneshot};

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
    /// Where the call stands.
    Position {
        /// 1 = next.
        position: u32,
        /// The engine's estimate, when agents are staffed.
        estimated_wait_secs: Option<u32>,
    },
    /// The wait is over.
    Ended(WaitOutcome),
}

/// Rebuild an idle tenant engine at most this often.
const REBUILD_AFTER: Duration = Duration::from_secs(5);

enum Command {
    Enqueue {
        call: CallId,
        request: Enqueue,
        notices: mpsc::Sender<QueueNotice>,
        reply: oneshot::Sender<Result<(), EnqueueFailure>>,
    },
    Leave(CallId),
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
        let engine = TenantEngine {
            tenant,
            services: self.services.clone(),
            update_every: self.update_every,
            engine: None,
            calls: HashMap::new(),
        };
        tokio::spawn(engine.run(rx));
        tenants.insert(tenant, tx.clone());
        tx
    }

    /// Puts `call` in the queue `request` names; notices go to `notices`. Fails when the
    /// tenant has no such queue or its routing cannot be loaded.
    pub async fn enqueue(
        &self,
        tenant: TenantId,
        call: CallId,
        request: Enqueue,
        notices: mpsc::Sender<QueueNotice>,
    ) -> Result<(), EnqueueFailure> {
        let stopped = || EnqueueFailure::Routing("the queue engine stopped".into());
        let (reply, answer) = oneshot::channel();
        self.tenant(tenant)
            .send(Command::Enqueue {
                call,
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
}

struct Built {
    acd: Acd,
    routing: Routing,
    started: Instant,
    built: Instant,
}

struct TenantEngine {
    tenant: TenantId,
    services: Arc<dyn CallServices>,
    update_every: Duration,
    engine: Option<Built>,
    calls: HashMap<CallId, mpsc::Sender<QueueNotice>>,
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
        let stale = match &self.engine {
            None => true,
            Some(b) => self.calls.is_empty() && b.built.elapsed() >= REBUILD_AFTER,
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
                request,
                notices,
                reply,
            } => {
                let result = match self.ensure_engine().await {
                    Ok(()) => self.enqueue(call, request, notices),
                    Err(e) => Err(EnqueueFailure::Routing(e.to_string())),
                };
                let _ = reply.send(result);
            }
            Command::Leave(call) => {
                if self.calls.remove(&call).is_some() {
                    let now = self.now();
                    if let Some(b) = &mut self.engine {
                        let _ = b.acd.handle_input(now, Input::Abandon { call });
                    }
                }
            }
        }
    }

    fn enqueue(
        &mut self,
        call: CallId,
        request: Enqueue,
        notices: mpsc::Sender<QueueNotice>,
    ) -> Result<(), EnqueueFailure> {
        let now = self.now();
        let Some(b) = &mut self.engine else {
            return Err(EnqueueFailure::Routing(
                "the queue engine is not loaded".into(),
            ));
        };
        let queue: QueueId = b
            .routing
            .config
            .queues
            .iter()
            .find(|q| q.name == request.queue || q.id.to_string() == request.queue)
            .map(|q| q.id)
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
        self.calls.insert(call, notices);
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
        if let Some(tx) = self.calls.get(&call) {
            let _ = tx.try_send(QueueNotice::Position {
                position: estimate.position,
                estimated_wait_secs: estimate
                    .estimated_wait
                    .map(|w| u32::try_from(w.as_millis() / 1_000).unwrap_or(u32::MAX)),
            });
        }
    }

    fn drain(&mut self) {
        let Some(b) = &mut self.engine else { return };
        while let Some(output) = b.acd.poll_output() {
            match output {
                Output::WaitEnded { call, outcome } => {
                    if let Some(tx) = self.calls.remove(&call) {
                        let _ = tx.try_send(QueueNotice::Ended(outcome));
                    }
                }
                Output::Event(event) => {
                    tracing::debug!(tenant = %self.tenant, event = event.kind.name(), "acd event");
                }
                // Agents answer with the softphone issue; until then offers ring out.
                Output::Offer { .. } | Output::OfferWithdrawn { .. } | Output::ScoreRequest(_) => {}
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
