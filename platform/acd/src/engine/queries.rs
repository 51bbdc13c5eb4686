//! Read-only views: agent and call state, statistics, and wait estimates for announcements.
//! Nothing here changes the engine or scans all calls or agents.

use kefu_core::{AgentId, CallId, QueueId, SkillId};
use serde::{Deserialize, Serialize};

use crate::agent::AgentState;
use crate::call::{CallRank, CallStatus};
use crate::level::Priority;
use crate::stats::{AgentStats, QueueStats, SkillStats};
use crate::time::Millis;

use super::Acd;

/// Where a queued call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    /// Looking for an agent.
    Waiting,
    /// The router plugin is scoring candidates.
    Scoring,
    /// Ringing at one or more agents.
    Ringing,
}

/// A queued call as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    /// Its home queue.
    pub queue: QueueId,
    /// Its current priority.
    pub priority: Priority,
    /// When it entered the queue.
    pub enqueued_at: Millis,
    /// Where it is.
    pub phase: CallPhase,
    /// Agents it rings at (or that are held for its scoring).
    pub agents: Vec<AgentId>,
    /// Overflow queues added to it.
    pub overflow_queues: Vec<QueueId>,
}

/// What to announce to a waiting caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitEstimate {
    /// 1 for the next call to be served; counts every call ahead in the home queue's service
    /// order (including calls overflowed in from other queues).
    pub position: u32,
    /// Expected time until an agent answers: position × average handle time ÷ staffed agents.
    /// `None` when no agent of the queue is logged in and ready (nothing sensible to say).
    pub estimated_wait: Option<Millis>,
}

impl Acd {
    /// An agent's state.
    pub fn agent_state(&self, agent: AgentId) -> Option<&AgentState> {
        let ax = self.agent_ix.get(&agent)?;
        self.agent(*ax).map(|a| &a.state)
    }

    /// Can routing offer this agent a call right now (available and not held for scoring)?
    pub fn is_routable(&self, agent: AgentId) -> bool {
        self.agent_ix
            .get(&agent)
            .is_some_and(|ax| self.routable(*ax))
    }

    /// A state change the agent asked for during a call, waiting for wrap-up to end.
    pub fn pending_state(&self, agent: AgentId) -> Option<&crate::agent::RequestedState> {
        let ax = self.agent_ix.get(&agent)?;
        self.agent(*ax).and_then(|a| a.pending.as_ref())
    }

    /// Every agent and its state, in configuration order.
    pub fn agents(&self) -> impl Iterator<Item = (AgentId, &AgentState)> + '_ {
        self.agents.iter().map(|a| (a.id, &a.state))
    }

    /// A call still in a queue.
    pub fn call(&self, call: CallId) -> Option<CallView> {
        let c = self.calls.get(&call)?;
        let (phase, agents) = match &c.status {
            CallStatus::Waiting => (CallPhase::Waiting, Vec::new()),
            CallStatus::Scoring { candidates, .. } => (CallPhase::Scoring, candidates.clone()),
            CallStatus::Ringing { agents, .. } => (CallPhase::Ringing, agents.clone()),
        };
        Some(CallView {
            queue: self.queue_id(c.home)?,
            priority: c.rank.priority(),
            enqueued_at: c.enqueued_at,
            phase,
            agents: agents
                .into_iter()
                .filter_map(|ax| self.agent_id(ax))
                .collect(),
            overflow_queues: c
                .targets
                .iter()
                .skip(1)
                .filter_map(|q| self.queue_id(*q))
                .collect(),
        })
    }

    /// Every call in a queue, in id order.
    pub fn calls(&self) -> impl Iterator<Item = CallId> + '_ {
        self.calls.keys().copied()
    }

    /// The order the call is served in (priority, returned-to-head, FIFO); smaller first.
    pub fn call_rank(&self, call: CallId) -> Option<CallRank> {
        self.calls.get(&call).map(|c| c.rank)
    }

    /// Would `agent` be eligible for `call` under the call's current skills, overflow, backup
    /// and sticky rules, whatever the agent's state?
    pub fn can_take(&self, call: CallId, agent: AgentId) -> bool {
        match (self.calls.get(&call), self.agent_ix.get(&agent)) {
            (Some(c), Some(ax)) => self.eligible(c, *ax),
            _ => false,
        }
    }

    /// A queue's figures, with its oldest wait as of now.
    pub fn queue_stats(&self, queue: QueueId) -> Option<QueueStats> {
        let q = self.queue(*self.queue_ix.get(&queue)?)?;
        let mut stats = q.stats;
        stats.oldest_wait = q.present.first().map(|(at, _)| self.now.since(*at));
        Some(stats)
    }

    /// A skill's figures, with its oldest wait as of now.
    pub fn skill_stats(&self, skill: SkillId) -> Option<SkillStats> {
        let s = self.skill_ix.get(&skill)?;
        let slot = self.skills.get(s.get())?;
        let mut stats = slot.stats;
        stats.oldest_wait = slot.present.first().map(|(at, _)| self.now.since(*at));
        Some(stats)
    }

    /// An agent's figures, with the time in the current state as of now.
    pub fn agent_stats(&self, agent: AgentId) -> Option<AgentStats> {
        let ax = self.agent_ix.get(&agent)?;
        let a = self.agent(*ax)?;
        let mut stats = a.stats;
        stats.in_state = self.now.since(a.state_since);
        Some(stats)
    }

    /// Position and estimated wait for a queued call. Costs a walk over the calls ahead of it
    /// in its home queue (announcements are rare; routing never calls this).
    pub fn wait_estimate(&self, call: CallId) -> Option<WaitEstimate> {
        let c = self.calls.get(&call)?;
        let q = self.queue(c.home)?;
        let ahead = match c.status {
            CallStatus::Waiting => q.waiting.range(..(c.rank, call)).count(),
            CallStatus::Scoring { .. } | CallStatus::Ringing { .. } => 0,
        };
        let position = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
        let handle = q
            .stats
            .average_handle_time()
            .unwrap_or(q.config.expected_handle_time);
        let staffed = u64::from(q.stats.agents.staffed());
        let estimated_wait = match c.status {
            CallStatus::Waiting => (staffed > 0)
                .then(|| Millis(u64::from(position).saturating_mul(handle.0) / staffed)),
            _ => Some(Millis::ZERO),
        };
        Some(WaitEstimate {
            position,
            estimated_wait,
        })
    }

    /// How many timers are pending (for tests and capacity figures).
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }
}
