//! A call's life in the engine: enqueue, offer outcomes (accept, decline, ring-out), and the
//! one place a wait ends ([`Acd::end_wait`]), so that each call ends exactly once.

use kefu_core::{AgentId, CallId};

use crate::agent::AgentState;
use crate::call::{Call, CallRank, CallStatus, WaitOutcome};
use crate::error::InputError;
use crate::event::{AcdEventKind, RequeueReason, StateChangeCause};
use crate::io::{EnqueueCall, Output};
use crate::ix::{AgentIx, QueueIx, SkillIx};
use crate::level::{Level, Priority};
use crate::timers::Timer;

use super::Acd;

impl Acd {
    pub(super) fn enqueue(&mut self, e: EnqueueCall) -> Result<(), InputError> {
        if self.calls.contains_key(&e.call) || self.connected.contains_key(&e.call) {
            return Err(InputError::DuplicateCall(e.call));
        }
        let home = *self
            .queue_ix
            .get(&e.queue)
            .ok_or(InputError::UnknownQueue(e.queue))?;
        if let Some(p) = e.priority.filter(|p| !p.is_valid()) {
            return Err(InputError::PriorityOutOfRange(p.get()));
        }
        let mut extra: Vec<(SkillIx, Level)> = Vec::new();
        for r in &e.required_skills {
            let skill = *self
                .skill_ix
                .get(&r.skill)
                .ok_or(InputError::UnknownSkill(r.skill))?;
            if !r.min_level.is_valid() {
                return Err(InputError::LevelOutOfRange(r.min_level.get()));
            }
            extra.push((skill, r.min_level));
        }
        let Some(queue) = self.queue(home) else {
            return Err(InputError::UnknownQueue(e.queue));
        };
        for rule in &queue.skill_rules {
            if e.attributes.get(&rule.attribute) == Some(&rule.equals) {
                extra.push((rule.skill, rule.min_level));
            }
        }
        // One requirement per skill, the strictest, sorted like agents' skills.
        extra.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        extra.dedup_by_key(|(s, _)| *s);
        let priority = queue.priority_for(e.priority, &e.attributes);
        let now = self.now;
        let seq = self.next_seq;
        let mut call = Call {
            id: e.call,
            home,
            targets: vec![home],
            rank: CallRank::new(priority, false, seq),
            extra,
            relax: 0,
            uses_backup: false,
            last_agent: None,
            sticky_until: None,
            enqueued_at: now,
            attributes: e.attributes,
            status: CallStatus::Waiting,
            next_step: 0,
            step_at: queue.steps.first().map(|(after, _)| now + *after),
            aging_at: queue
                .config
                .aging
                .filter(|a| priority < a.up_to)
                .map(|a| now + a.every),
            max_wait_at: queue.config.max_wait.map(|w| now + w),
        };
        // Sticky: hold the call for the caller's last agent if they are logged in and able.
        if let (Some(sticky), Some(last)) = (queue.config.sticky, e.last_agent)
            && let Some(ax) = self.agent_ix.get(&last).copied()
        {
            call.last_agent = Some(ax);
            if self.is_logged_in(ax) && self.skilled_for(&call, ax) {
                call.sticky_until = Some(now + sticky.wait);
            }
        }
        self.next_seq += 1;
        for (at, timer) in call.timers() {
            self.timers.schedule(at, timer);
        }
        let needs = self.skills_needed(&call);
        let id = call.id;
        let queue_id = self.queue_id(home);
        self.calls.insert(id, call);
        self.add_waiting(id);
        for s in needs {
            if let Some(slot) = self.skills.get_mut(s.get()) {
                slot.stats.waiting += 1;
                slot.present.insert((now, id));
            }
        }
        if let Some(q) = self.queue_mut(home) {
            q.present.insert((now, id));
            q.stats.entered += 1;
            q.stats.waiting += 1;
        }
        if let Some(queue) = queue_id {
            self.emit(AcdEventKind::CallEnqueued {
                call: id,
                queue,
                priority,
            });
        }
        self.review_backup(home);
        Ok(())
    }

    /// Skills whose "calls waiting" counter includes this call: its home queue's and its own.
    fn skills_needed(&self, call: &Call) -> Vec<SkillIx> {
        let mut needs: Vec<SkillIx> = call.extra.iter().map(|(s, _)| *s).collect();
        if let Some(q) = self.queue(call.home) {
            needs.extend(q.required.iter().map(|(s, _)| *s));
        }
        needs.sort();
        needs.dedup();
        needs
    }

    /// Put a call into the waiting sets of all its target queues and mark it for routing.
    pub(super) fn add_waiting(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.status = CallStatus::Waiting;
        let rank = c.rank;
        for t in c.targets.clone() {
            if let Some(q) = self.queues.get_mut(t.get()) {
                q.waiting.insert((rank, call));
            }
        }
        self.dirty_calls.insert(call);
    }

    /// Take a call out of the waiting sets (it rings, is scored, or its wait ends).
    pub(super) fn remove_waiting(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.status != CallStatus::Waiting {
            return;
        }
        let rank = c.rank;
        for t in &c.targets {
            if let Some(q) = self.queues.get_mut(t.get()) {
                q.waiting.remove(&(rank, call));
            }
        }
    }

    pub(super) fn accept(&mut self, call: CallId, agent: AgentId) -> Result<(), InputError> {
        let ax = self.agent_of(agent)?;
        let ringing = self.ringing_at(call, ax)?;
        let home = self.calls.get(&call).map(|c| c.home);
        for other in ringing.into_iter().filter(|a| *a != ax) {
            if let Some(id) = self.agent_id(other) {
                self.outputs
                    .push_back(Output::OfferWithdrawn { call, agent: id });
            }
            self.after_offer(other, AgentState::Available, StateChangeCause::Routing);
        }
        if let Some(a) = self.agent_mut(ax) {
            a.stats.answered += 1;
        }
        self.end_wait(call, WaitOutcome::Answered { agent });
        let now = self.now;
        if let Some(a) = self.agent_mut(ax) {
            a.talk_started = now;
            a.call_queue = home;
        }
        self.connected.insert(call, ax);
        self.set_state(ax, AgentState::OnCall { call }, StateChangeCause::Routing);
        Ok(())
    }

    pub(super) fn decline(&mut self, call: CallId, agent: AgentId) -> Result<(), InputError> {
        let ax = self.agent_of(agent)?;
        self.ringing_at(call, ax)?;
        self.drop_ringing(call, ax, RequeueReason::Declined);
        self.missed(ax, call, RequeueReason::Declined);
        Ok(())
    }

    pub(super) fn abandon(&mut self, call: CallId) -> Result<(), InputError> {
        if !self.calls.contains_key(&call) {
            return Err(InputError::UnknownCall(call));
        }
        self.end_wait(call, WaitOutcome::Abandoned);
        Ok(())
    }

    /// The agents a call rings at, checking that `ax` is one of them.
    fn ringing_at(&self, call: CallId, ax: AgentIx) -> Result<Vec<AgentIx>, InputError> {
        let c = self.calls.get(&call).ok_or(InputError::UnknownCall(call))?;
        match &c.status {
            CallStatus::Ringing { agents, .. } if agents.contains(&ax) => Ok(agents.clone()),
            _ => Err(InputError::NotOffered {
                call,
                agent: self.agent_id(ax).unwrap_or_default(),
            }),
        }
    }

    /// Stop ringing one agent (logged out, forced away, declined). If nobody else rings, the
    /// call goes back to the head of its queue.
    pub(super) fn drop_ringing(&mut self, call: CallId, ax: AgentIx, reason: RequeueReason) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let CallStatus::Ringing { agents, .. } = &mut c.status else {
            return;
        };
        agents.retain(|a| *a != ax);
        if agents.is_empty() {
            self.requeue(call, reason);
        }
    }

    /// Withdraw an offer from an agent who is leaving `Reserved` for another reason.
    pub(super) fn withdraw_one(&mut self, call: CallId, ax: AgentIx, reason: RequeueReason) {
        if let Some(id) = self.agent_id(ax) {
            self.outputs
                .push_back(Output::OfferWithdrawn { call, agent: id });
        }
        self.drop_ringing(call, ax, reason);
    }

    /// Ring timeout (RONA): every agent it rang missed it; the call goes back to the head.
    pub(super) fn ring_out(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let CallStatus::Ringing { agents, .. } = &mut c.status else {
            return;
        };
        let agents = std::mem::take(agents);
        self.requeue(call, RequeueReason::RingTimeout);
        for ax in agents {
            self.missed(ax, call, RequeueReason::RingTimeout);
        }
    }

    /// Back to the head of its queue (ahead of every call of its priority not yet offered).
    fn requeue(&mut self, call: CallId, reason: RequeueReason) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if let CallStatus::Ringing { until, .. } = c.status {
            self.timers.cancel(until, Timer::Ring(call));
        }
        c.status = CallStatus::Waiting;
        c.rank = CallRank::new(c.rank.priority(), true, c.rank.seq());
        let home = c.home;
        // `add_waiting` expects a call not yet in the sets; status was not Waiting until now.
        self.add_waiting(call);
        if let Some(q) = self.queue_mut(home) {
            q.stats.missed_offers += 1;
        }
        if let Some(queue) = self.queue_id(home) {
            self.emit(AcdEventKind::CallRequeued {
                call,
                queue,
                reason,
            });
        }
    }

    /// End a call's wait. The only way a call leaves `calls`, so each ends exactly once.
    pub(super) fn end_wait(&mut self, call: CallId, outcome: WaitOutcome) {
        self.remove_waiting(call);
        let Some(c) = self.calls.remove(&call) else {
            return;
        };
        self.dirty_calls.remove(&call);
        for (at, timer) in c.timers() {
            self.timers.cancel(at, timer);
        }
        match &c.status {
            CallStatus::Waiting => {}
            CallStatus::Scoring { candidates, .. } => {
                for ax in candidates.clone() {
                    self.release_hold(ax);
                }
            }
            CallStatus::Ringing { agents, .. }
                if !matches!(outcome, WaitOutcome::Answered { .. }) =>
            {
                for ax in agents.clone() {
                    if let Some(id) = self.agent_id(ax) {
                        self.outputs
                            .push_back(Output::OfferWithdrawn { call, agent: id });
                    }
                    self.after_offer(ax, AgentState::Available, StateChangeCause::Routing);
                }
            }
            CallStatus::Ringing { .. } => {}
        }
        for s in self.skills_needed(&c) {
            if let Some(slot) = self.skills.get_mut(s.get()) {
                slot.stats.waiting = slot.stats.waiting.saturating_sub(1);
                slot.present.remove(&(c.enqueued_at, call));
                match outcome {
                    WaitOutcome::Answered { .. } => slot.stats.answered += 1,
                    WaitOutcome::Abandoned => slot.stats.abandoned += 1,
                    WaitOutcome::Overflowed { .. } | WaitOutcome::TimedOut => {}
                }
            }
        }
        let now = self.now;
        let waited = now.since(c.enqueued_at);
        let Some(q) = self.queue_mut(c.home) else {
            return;
        };
        q.present.remove(&(c.enqueued_at, call));
        q.stats.waiting = q.stats.waiting.saturating_sub(1);
        let queue = q.config.id;
        let kind = match outcome {
            WaitOutcome::Answered { agent } => {
                q.stats.answered += 1;
                q.stats.total_answer_wait = q.stats.total_answer_wait + waited;
                if waited <= q.config.service_level.within {
                    q.stats.answered_within_target += 1;
                }
                AcdEventKind::CallAnswered {
                    call,
                    queue,
                    agent,
                    waited,
                }
            }
            WaitOutcome::Abandoned => {
                q.stats.abandoned += 1;
                AcdEventKind::CallAbandoned {
                    call,
                    queue,
                    waited,
                }
            }
            WaitOutcome::Overflowed { destination } => {
                q.stats.overflowed += 1;
                AcdEventKind::CallOverflowed {
                    call,
                    queue,
                    destination,
                    waited,
                }
            }
            WaitOutcome::TimedOut => {
                q.stats.timed_out += 1;
                AcdEventKind::CallTimedOut {
                    call,
                    queue,
                    waited,
                }
            }
        };
        self.outputs.push_back(Output::WaitEnded { call, outcome });
        self.emit(kind);
        self.review_backup(c.home);
    }

    /// Raise a waiting call's priority by one (aging), keeping its place in the FIFO order.
    pub(super) fn raise_priority(&mut self, call: CallId, to: Priority) {
        self.remove_waiting(call);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.rank = CallRank::new(to, c.rank.returned(), c.rank.seq());
        let (home, waiting) = (c.home, c.status == CallStatus::Waiting);
        if waiting {
            self.add_waiting(call);
        }
        if let Some(queue) = self.queue_id(home) {
            self.emit(AcdEventKind::CallPriorityChanged {
                call,
                queue,
                priority: to,
            });
        }
    }

    /// Add an overflow queue to a call's targets.
    pub(super) fn add_target(&mut self, call: CallId, target: QueueIx) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.targets.contains(&target) {
            return;
        }
        c.targets.push(target);
        if c.status == CallStatus::Waiting {
            let rank = c.rank;
            if let Some(q) = self.queue_mut(target) {
                q.waiting.insert((rank, call));
            }
        }
    }
}
