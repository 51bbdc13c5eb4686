//! The engine: one tenant's queues, agents and waiting calls, driven by inputs and time.
//!
//! `Acd` owns every agent's state and every waiting call. It never performs IO and never reads a
//! clock; the driver passes the time with each call. After each input or timeout the engine runs
//! one *decision step* ([`routing`]): every call that could be placed with an available agent
//! is, so between steps no call waits while an agent able to take it is available.

mod agents;
mod calls;
mod queries;
mod routing;
mod timing;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use kefu_core::{AgentId, CallId, QueueId, SkillId, TenantId};

use crate::agent::{Agent, AgentState, ReasonCode};
use crate::availability::{AvailableAgents, Orders};
use crate::call::Call;
use crate::config::{EngineSettings, TenantConfig};
use crate::error::InputError;
use crate::event::{AcdEvent, AcdEventKind};
use crate::io::{Input, Output};
use crate::ix::{AgentIx, QueueIx, SkillIx, slot};
use crate::queue::{Queue, SkillRuleIx, resolve_step};
use crate::stats::SkillStats;
use crate::time::Millis;
use crate::timers::Timers;
use crate::validate::{InvalidConfig, validate};

pub use queries::{CallPhase, CallView, WaitEstimate};

/// One skill's available agents and statistics.
#[derive(Debug, Clone)]
struct SkillSlot {
    available: AvailableAgents,
    stats: SkillStats,
    /// Queued calls needing this skill, by arrival: the first is the skill's oldest wait.
    present: BTreeSet<(Millis, CallId)>,
    /// Queues requiring this skill (to find an agent's queues without scanning all queues).
    queues: Vec<QueueIx>,
}

/// The routing engine of one tenant. See the crate docs for the run loop.
#[derive(Debug, Clone)]
pub struct Acd {
    tenant: TenantId,
    settings: EngineSettings,
    now: Millis,
    skill_ix: BTreeMap<SkillId, SkillIx>,
    skills: Vec<SkillSlot>,
    /// Every available agent, for queues that require no skill.
    everyone: AvailableAgents,
    queue_ix: BTreeMap<QueueId, QueueIx>,
    queues: Vec<Queue>,
    /// Queues that require no skill: every agent can take their calls.
    open_queues: Vec<QueueIx>,
    agent_ix: BTreeMap<AgentId, AgentIx>,
    agents: Vec<Agent>,
    calls: BTreeMap<CallId, Call>,
    /// Answered calls still talking, and who talks.
    connected: BTreeMap<CallId, AgentIx>,
    reasons: BTreeSet<ReasonCode>,
    timers: Timers,
    /// Agents that became available since the last decision step.
    dirty_agents: BTreeSet<AgentIx>,
    /// Calls that (again) look for an agent since the last decision step.
    dirty_calls: BTreeSet<CallId>,
    outputs: VecDeque<Output>,
    next_seq: u64,
    next_request: u64,
}

impl Acd {
    /// An engine for `config`, with every agent logged out and no calls, at time zero.
    pub fn new(config: TenantConfig) -> Result<Acd, InvalidConfig> {
        validate(&config)?;
        let skill_ix: BTreeMap<SkillId, SkillIx> = config
            .skills
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((*s, SkillIx(slot(i)?))))
            .collect();
        let queue_ix: BTreeMap<QueueId, QueueIx> = config
            .queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Some((q.id, QueueIx(slot(i)?))))
            .collect();
        let agent_ix: BTreeMap<AgentId, AgentIx> = config
            .agents
            .iter()
            .enumerate()
            .filter_map(|(i, a)| Some((a.id, AgentIx(slot(i)?))))
            .collect();

        let mut skills: Vec<SkillSlot> = config
            .skills
            .iter()
            .map(|_| SkillSlot {
                available: AvailableAgents::default(),
                stats: SkillStats::default(),
                present: BTreeSet::new(),
                queues: Vec::new(),
            })
            .collect();
        let mut skill_orders = vec![Orders::default(); skills.len()];
        let mut everyone_orders = Orders::default();
        let mut queues = Vec::with_capacity(config.queues.len());
        let mut open_queues = Vec::new();
        for (qi, qc) in config.queues.iter().enumerate() {
            let qx = QueueIx(slot(qi).unwrap_or(u32::MAX));
            let mut required: Vec<(SkillIx, _)> = qc
                .required_skills
                .iter()
                .filter_map(|r| Some((*skill_ix.get(&r.skill)?, r.min_level)))
                .collect();
            let primary = required.first().map(|(s, _)| *s);
            required.sort();
            for (s, _) in &required {
                let orders = Orders::for_strategy(qc.strategy, Some(*s) == primary);
                if let Some(o) = skill_orders.get_mut(s.get()) {
                    *o = o.union(orders);
                }
                if let Some(slot) = skills.get_mut(s.get()) {
                    slot.queues.push(qx);
                }
            }
            if required.is_empty() {
                everyone_orders = everyone_orders.union(Orders::for_strategy(qc.strategy, true));
                open_queues.push(qx);
            }
            let mut queue = Queue::new(qc.clone(), required, primary);
            queue.skill_rules = qc
                .skill_rules
                .iter()
                .filter_map(|r| {
                    Some(SkillRuleIx {
                        attribute: r.attribute.clone(),
                        equals: r.equals.clone(),
                        skill: *skill_ix.get(&r.requirement.skill)?,
                        min_level: r.requirement.min_level,
                    })
                })
                .collect();
            queue.steps = qc
                .overflow
                .iter()
                .filter_map(|s| {
                    Some((
                        s.after,
                        resolve_step(&s.action, |q| queue_ix.get(q).copied())?,
                    ))
                })
                .collect();
            if let Some(backup) = &qc.backup {
                queue.backup_agents = backup
                    .agents
                    .iter()
                    .filter_map(|a| agent_ix.get(a).copied())
                    .collect();
            }
            queues.push(queue);
        }
        // A call overflowed into another queue keeps its home queue's relaxation.
        let mut reach: Vec<(usize, u8)> = Vec::new();
        for (home, queue) in queues.iter().enumerate() {
            let own = queue.own_relax();
            reach.push((home, own));
            for (_, step) in &queue.steps {
                if let crate::queue::Step::AddQueue(t) = step {
                    reach.push((t.get(), own));
                }
            }
        }
        for (q, relax) in reach {
            if let Some(queue) = queues.get_mut(q) {
                queue.max_relax = queue.max_relax.max(relax);
            }
        }
        for (slot, orders) in skills.iter_mut().zip(skill_orders) {
            slot.available = AvailableAgents::new(orders);
        }

        let mut engine = Acd {
            tenant: config.tenant,
            settings: config.settings.clone(),
            now: Millis::ZERO,
            skill_ix,
            skills,
            everyone: AvailableAgents::new(everyone_orders),
            queue_ix,
            queues,
            open_queues,
            agent_ix,
            agents: Vec::with_capacity(config.agents.len()),
            calls: BTreeMap::new(),
            connected: BTreeMap::new(),
            reasons: config.reason_codes.iter().cloned().collect(),
            timers: Timers::default(),
            dirty_agents: BTreeSet::new(),
            dirty_calls: BTreeSet::new(),
            outputs: VecDeque::new(),
            next_seq: 0,
            next_request: 0,
        };
        for profile in &config.agents {
            let agent = engine.agent_record(profile);
            engine.agents.push(agent);
        }
        for (qi, queue) in engine.queues.iter().enumerate() {
            for ax in &queue.backup_agents {
                if let (Some(agent), Some(q)) = (engine.agents.get_mut(ax.get()), slot(qi)) {
                    agent.backup_for.push(QueueIx(q));
                }
            }
        }
        Ok(engine)
    }

    /// Apply one input at time `now` (timers due by then fire first), then run a decision step.
    /// A refused input changes nothing.
    pub fn handle_input(&mut self, now: Millis, input: Input) -> Result<(), InputError> {
        self.advance(now);
        let result = match input {
            Input::SetAgentState { agent, state } => self.request_state(agent, state, false),
            Input::ForceAgentState { agent, state } => self.request_state(agent, state, true),
            Input::Heartbeat { agent } => self.heartbeat(agent),
            Input::AgentUnreachable { agent } => self.unreachable(agent),
            Input::Enqueue(call) => self.enqueue(call),
            Input::Accept { call, agent } => self.accept(call, agent),
            Input::Decline { call, agent } => self.decline(call, agent),
            Input::CallEnded { call } => self.call_ended(call),
            Input::WrapUpDone { agent } => self.wrap_up_done(agent),
            Input::Abandon { call } => self.abandon(call),
            Input::Scores {
                call,
                request,
                scores,
            } => self.scores(call, request, &scores),
        };
        self.route();
        result
    }

    /// Fire every timer due at or before `now`, each followed by a decision step.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.advance(now);
    }

    /// When the driver must call [`Acd::handle_timeout`] next, if anything is scheduled.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.next()
    }

    /// The next output, oldest first. Drain after every input and timeout.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The engine's current time: the latest time it was given.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// The tenant this engine routes for.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Time never runs backwards inside the engine: an earlier `now` counts as the current time.
    fn advance(&mut self, now: Millis) {
        let now = now.max(self.now);
        while let Some((at, timer)) = self.timers.pop_due(now) {
            self.now = at.max(self.now);
            self.fire(timer);
            self.route();
        }
        self.now = now;
    }

    fn emit(&mut self, kind: AcdEventKind) {
        let event = AcdEvent {
            tenant: self.tenant,
            at: self.now,
            kind,
        };
        self.outputs.push_back(Output::Event(event));
    }

    fn agent_of(&self, agent: AgentId) -> Result<AgentIx, InputError> {
        self.agent_ix
            .get(&agent)
            .copied()
            .ok_or(InputError::UnknownAgent(agent))
    }

    fn agent(&self, ax: AgentIx) -> Option<&Agent> {
        self.agents.get(ax.get())
    }

    fn agent_mut(&mut self, ax: AgentIx) -> Option<&mut Agent> {
        self.agents.get_mut(ax.get())
    }

    fn queue(&self, qx: QueueIx) -> Option<&Queue> {
        self.queues.get(qx.get())
    }

    fn queue_mut(&mut self, qx: QueueIx) -> Option<&mut Queue> {
        self.queues.get_mut(qx.get())
    }

    fn agent_id(&self, ax: AgentIx) -> Option<AgentId> {
        self.agent(ax).map(|a| a.id)
    }

    fn queue_id(&self, qx: QueueIx) -> Option<QueueId> {
        self.queue(qx).map(|q| q.config.id)
    }

    fn routable(&self, ax: AgentIx) -> bool {
        self.agent(ax).is_some_and(Agent::is_routable)
    }

    fn is_logged_in(&self, ax: AgentIx) -> bool {
        self.agent(ax)
            .is_some_and(|a| a.state != AgentState::LoggedOut)
    }
}

#[cfg(test)]
mod tests;
