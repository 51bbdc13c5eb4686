//! Agent state transitions: log in and out, ready and not ready, wrap-up, heartbeats.
//!
//! Every change of an agent's state goes through [`Acd::set_state`], which keeps the
//! available-agent indexes, the per-skill and per-queue counters and the event stream in step
//! with the state. Nothing else writes `Agent::state`.

use std::collections::BTreeSet;

use kefu_core::{AgentId, CallId};

use crate::agent::{Agent, AgentState, ReasonCode, RequestedState};
use crate::availability::AvailableKey;
use crate::config::AgentProfile;
use crate::error::InputError;
use crate::event::{AcdEventKind, RequeueReason, StateChangeCause};
use crate::io::Output;
use crate::ix::{AgentIx, QueueIx};
use crate::level::Level;
use crate::stats::AgentStats;
use crate::time::Millis;
use crate::timers::Timer;

use super::Acd;

impl Acd {
    /// A logged-out agent record for `profile` (skills resolved, queues found via skills).
    pub(super) fn agent_record(&self, profile: &AgentProfile) -> Agent {
        let mut skills: Vec<_> = profile
            .skills
            .iter()
            .filter_map(|s| Some((*self.skill_ix.get(&s.skill)?, s.level)))
            .collect();
        skills.sort();
        // Candidate queues: those whose requirements the agent meets at the most relaxed
        // levels any call waiting there can reach (levels are checked per call, because
        // overflow steps relax them). Other queues can never have a call for this agent, so
        // it never walks their waiting calls.
        let meets = |q: &crate::queue::Queue| {
            q.required.iter().all(|(r, min)| {
                skills
                    .binary_search_by_key(r, |(s, _)| *s)
                    .ok()
                    .and_then(|i| skills.get(i))
                    .is_some_and(|(_, level)| *level >= min.relaxed(q.max_relax))
            })
        };
        let mut queues: BTreeSet<QueueIx> = self.open_queues.iter().copied().collect();
        for (s, _) in &skills {
            let by_skill = self
                .skills
                .get(s.get())
                .map_or(&[][..], |slot| slot.queues.as_slice());
            for qx in by_skill {
                if self.queue(*qx).is_some_and(meets) {
                    queues.insert(*qx);
                }
            }
        }
        Agent {
            id: profile.id,
            skills,
            queues: queues.into_iter().collect(),
            backup_for: Vec::new(),
            state: AgentState::LoggedOut,
            state_since: Millis::ZERO,
            pending: None,
            idle_since: Millis::ZERO,
            busy: Millis::ZERO,
            held: None,
            heartbeat_deadline: None,
            wrap_up_until: None,
            call_queue: None,
            talk_started: Millis::ZERO,
            last_talk: Millis::ZERO,
            stats: AgentStats::default(),
        }
    }

    /// Move an agent to `to`, keeping indexes, counters and events in step.
    pub(super) fn set_state(&mut self, ax: AgentIx, to: AgentState, cause: StateChangeCause) {
        let now = self.now;
        let Some(agent) = self.agent(ax) else { return };
        if agent.state == to {
            return;
        }
        let from = agent.state.clone();
        if let Some(call) = agent.held {
            // Leaving `Available` ends the agent's part in a scoring round.
            self.drop_hold(ax, call);
        }
        let Some(agent) = self.agent(ax) else { return };
        if agent.is_routable() {
            self.index(ax, false);
        }
        let heartbeat = self.settings.heartbeat_timeout;
        let Some(agent) = self.agent_mut(ax) else {
            return;
        };
        agent.state = to.clone();
        agent.state_since = now;
        let mut schedule = None;
        match (&from, &to) {
            (AgentState::LoggedOut, _) => {
                agent.busy = Millis::ZERO;
                agent.idle_since = now;
                let deadline = now + heartbeat;
                agent.heartbeat_deadline = Some(deadline);
                schedule = Some((deadline, Timer::Heartbeat(ax)));
            }
            // A withdrawn offer keeps the agent's place in the longest-idle order.
            (AgentState::Reserved { .. }, AgentState::Available) => {}
            (_, AgentState::Available) => agent.idle_since = now,
            _ => {}
        }
        let cancel = if to == AgentState::LoggedOut {
            agent.pending = None;
            agent
                .heartbeat_deadline
                .take()
                .map(|at| (at, Timer::Heartbeat(ax)))
        } else {
            None
        };
        let id = agent.id;
        if let Some((at, t)) = schedule {
            self.timers.schedule(at, t);
        }
        if let Some((at, t)) = cancel {
            self.timers.cancel(at, t);
        }
        self.count(ax, &from, &to);
        if self.routable(ax) {
            self.index(ax, true);
            self.dirty_agents.insert(ax);
        }
        self.emit(AcdEventKind::AgentStateChanged {
            agent: id,
            from,
            to,
            cause,
        });
    }

    /// Insert or remove an agent in the available sets of each of its skills and of everyone.
    /// The caller guarantees the agent is (or was, for removal) routable with unchanged keys.
    pub(super) fn index(&mut self, ax: AgentIx, insert: bool) {
        let Some(agent) = self.agents.get(ax.get()) else {
            return;
        };
        let mut key = AvailableKey {
            agent: ax,
            idle_since: agent.idle_since,
            busy: agent.busy,
            level: Level::MIN,
        };
        let apply = |set: &mut crate::availability::AvailableAgents, key| {
            if insert {
                set.insert(key)
            } else {
                set.remove(key)
            }
        };
        apply(&mut self.everyone, key);
        for (s, level) in &agent.skills {
            if let Some(slot) = self.skills.get_mut(s.get()) {
                key.level = *level;
                apply(&mut slot.available, key);
            }
        }
    }

    /// Move the agent between state buckets of its skills and queues.
    fn count(&mut self, ax: AgentIx, from: &AgentState, to: &AgentState) {
        let (from, to) = (from.kind(), to.kind());
        let Some(agent) = self.agents.get(ax.get()) else {
            return;
        };
        for (s, _) in &agent.skills {
            if let Some(slot) = self.skills.get_mut(s.get()) {
                slot.stats.agents.shift(from, to);
            }
        }
        for q in &agent.queues {
            if let Some(queue) = self.queues.get_mut(q.get()) {
                queue.stats.agents.shift(from, to);
            }
        }
    }

    /// An agent's (or, `forced`, a supervisor's) request for a state.
    pub(super) fn request_state(
        &mut self,
        agent: AgentId,
        requested: RequestedState,
        forced: bool,
    ) -> Result<(), InputError> {
        let ax = self.agent_of(agent)?;
        if let RequestedState::NotReady { reason } = &requested
            && !self.reasons.contains(reason)
        {
            return Err(InputError::UnknownReason(reason.clone()));
        }
        let cause = if forced {
            StateChangeCause::Supervisor
        } else {
            StateChangeCause::Agent
        };
        let state = self
            .agent(ax)
            .map(|a| a.state.clone())
            .unwrap_or(AgentState::LoggedOut);
        match (&state, &requested) {
            (AgentState::LoggedOut | AgentState::Available | AgentState::NotReady { .. }, _) => {
                self.apply_requested(ax, requested, cause);
            }
            (_, RequestedState::LoggedOut) if forced => self.log_out(ax, cause),
            (AgentState::Reserved { call }, _) if forced => {
                let call = *call;
                self.withdraw_one(call, ax, RequeueReason::AgentLost);
                self.apply_requested(ax, requested, cause);
            }
            (AgentState::AfterCallWork { .. }, RequestedState::Available) => {
                self.set_pending(ax, None);
                self.finish_wrap_up(ax);
            }
            (AgentState::AfterCallWork { .. }, _) if forced => {
                self.set_pending(ax, Some(requested));
                self.finish_wrap_up(ax);
            }
            (_, RequestedState::Available) => self.set_pending(ax, None),
            // Reserved, talking or wrapping up: the change waits for the end of wrap-up.
            _ => {
                self.set_pending(ax, Some(requested.clone()));
                self.emit(AcdEventKind::AgentStateChangeDeferred { agent, requested });
            }
        }
        Ok(())
    }

    fn set_pending(&mut self, ax: AgentIx, pending: Option<RequestedState>) {
        if let Some(agent) = self.agent_mut(ax) {
            agent.pending = pending;
        }
    }

    /// Apply a requested state to an agent who is not in a call.
    pub(super) fn apply_requested(
        &mut self,
        ax: AgentIx,
        requested: RequestedState,
        cause: StateChangeCause,
    ) {
        match requested {
            RequestedState::Available => self.set_state(ax, AgentState::Available, cause),
            RequestedState::NotReady { reason } => {
                self.set_state(ax, AgentState::NotReady { reason }, cause);
            }
            RequestedState::LoggedOut => self.log_out(ax, cause),
        }
    }

    /// Log an agent out from any state. What rings at them goes back to its queue; a call in
    /// progress goes on (the call actor owns it) but the agent gets no wrap-up.
    pub(super) fn log_out(&mut self, ax: AgentIx, cause: StateChangeCause) {
        let Some(agent) = self.agent(ax) else { return };
        match agent.state.clone() {
            AgentState::LoggedOut => return,
            AgentState::Reserved { call } => self.withdraw_one(call, ax, RequeueReason::AgentLost),
            AgentState::AfterCallWork { .. } => self.stop_wrap_up(ax),
            _ => {}
        }
        self.set_state(ax, AgentState::LoggedOut, cause);
    }

    pub(super) fn heartbeat(&mut self, agent: AgentId) -> Result<(), InputError> {
        let ax = self.agent_of(agent)?;
        let deadline = self.now + self.settings.heartbeat_timeout;
        let Some(a) = self.agent_mut(ax) else {
            return Ok(());
        };
        // A heartbeat does not log anyone in (only a state request does): logged-out agents
        // have no deadline to move.
        if let Some(old) = a.heartbeat_deadline {
            a.heartbeat_deadline = Some(deadline);
            self.timers.cancel(old, Timer::Heartbeat(ax));
            self.timers.schedule(deadline, Timer::Heartbeat(ax));
        }
        Ok(())
    }

    pub(super) fn unreachable(&mut self, agent: AgentId) -> Result<(), InputError> {
        let ax = self.agent_of(agent)?;
        self.log_out(ax, StateChangeCause::ConnectionLost);
        Ok(())
    }

    pub(super) fn heartbeat_lost(&mut self, ax: AgentIx) {
        if let Some(a) = self.agent_mut(ax) {
            a.heartbeat_deadline = None;
        }
        self.log_out(ax, StateChangeCause::ConnectionLost);
    }

    /// An answered call hung up: its agent wraps up (or is free at once without wrap-up time).
    pub(super) fn call_ended(&mut self, call: CallId) -> Result<(), InputError> {
        let ax = self
            .connected
            .remove(&call)
            .ok_or(InputError::NotConnected(call))?;
        let now = self.now;
        let Some(agent) = self.agent_mut(ax) else {
            return Ok(());
        };
        if agent.state != (AgentState::OnCall { call }) {
            // Logged out mid-call: nothing to wrap up.
            return Ok(());
        }
        let talk = now.since(agent.talk_started);
        agent.last_talk = talk;
        agent.busy = agent.busy + talk;
        agent.stats.talk_time = agent.stats.talk_time + talk;
        let wrap = agent
            .call_queue
            .and_then(|q| self.queue(q))
            .map_or(Millis::ZERO, |q| q.config.after_call_work);
        self.set_state(
            ax,
            AgentState::AfterCallWork { call },
            StateChangeCause::Routing,
        );
        let until = now + wrap;
        if let Some(agent) = self.agent_mut(ax) {
            agent.wrap_up_until = Some(until);
        }
        self.timers.schedule(until, Timer::WrapUp(ax));
        if wrap == Millis::ZERO {
            // No wrap-up configured: free at once rather than at the driver's next timeout.
            self.finish_wrap_up(ax);
        }
        Ok(())
    }

    pub(super) fn wrap_up_done(&mut self, agent: AgentId) -> Result<(), InputError> {
        let ax = self.agent_of(agent)?;
        if matches!(
            self.agent(ax).map(|a| &a.state),
            Some(AgentState::AfterCallWork { .. })
        ) {
            self.finish_wrap_up(ax);
        }
        Ok(())
    }

    /// Wrap-up is over: count the handle time, then apply what the agent asked for during the
    /// call, or make them available.
    pub(super) fn finish_wrap_up(&mut self, ax: AgentIx) {
        self.stop_wrap_up(ax);
        let pending = self.agent_mut(ax).and_then(|a| a.pending.take());
        match pending {
            Some(requested) => self.apply_requested(ax, requested, StateChangeCause::Agent),
            None => self.set_state(ax, AgentState::Available, StateChangeCause::Routing),
        }
    }

    /// End wrap-up bookkeeping (timer, busy time, the queue's handle-time figures).
    fn stop_wrap_up(&mut self, ax: AgentIx) {
        let now = self.now;
        let Some(agent) = self.agent_mut(ax) else {
            return;
        };
        let Some(until) = agent.wrap_up_until.take() else {
            return;
        };
        let started = agent.state_since;
        let wrap = now.since(started);
        agent.busy = agent.busy + wrap;
        agent.stats.wrap_up_time = agent.stats.wrap_up_time + wrap;
        let handle = agent.last_talk + wrap;
        let queue = agent.call_queue;
        self.timers.cancel(until, Timer::WrapUp(ax));
        if let Some(q) = queue.and_then(|q| self.queue_mut(q)) {
            q.stats.handled += 1;
            q.stats.total_handle_time = q.stats.total_handle_time + handle;
        }
    }

    /// An offer to this agent ended without a call (missed or withdrawn): apply a pending
    /// request now, else `otherwise`.
    pub(super) fn after_offer(
        &mut self,
        ax: AgentIx,
        otherwise: AgentState,
        cause: StateChangeCause,
    ) {
        let pending = self.agent_mut(ax).and_then(|a| a.pending.take());
        match pending {
            Some(requested) => self.apply_requested(ax, requested, StateChangeCause::Agent),
            None => self.set_state(ax, otherwise, cause),
        }
    }

    /// The agent missed an offer (rang out or declined): not ready "missed", with an event.
    pub(super) fn missed(&mut self, ax: AgentIx, call: CallId, reason: RequeueReason) {
        let Some(agent) = self.agent_mut(ax) else {
            return;
        };
        agent.stats.missed += 1;
        let id = agent.id;
        if reason == RequeueReason::RingTimeout {
            self.outputs
                .push_back(Output::OfferWithdrawn { call, agent: id });
        }
        self.emit(AcdEventKind::AgentOfferMissed {
            agent: id,
            call,
            reason,
        });
        let missed = AgentState::NotReady {
            reason: ReasonCode::missed(),
        };
        self.after_offer(ax, missed, StateChangeCause::Missed);
    }

    /// Queues whose calls this agent may take as a backup, right now or per call.
    pub(super) fn backup_queues(&self, ax: AgentIx) -> &[QueueIx] {
        self.agent(ax).map_or(&[], |a| a.backup_for.as_slice())
    }
}
