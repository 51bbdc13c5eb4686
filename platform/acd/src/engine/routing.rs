//! The decision step: place every call that can be placed, best call first.
//!
//! Only two things can make a placement possible: an agent becoming routable (it joins
//! `dirty_agents`) or a call starting to look, or looking wider (it joins `dirty_calls`). The
//! step repeatedly takes, among the calls eligible for a dirty agent and the dirty calls that
//! have an eligible agent, the one served first (priority, then FIFO), and gives it the agent
//! its queue's strategy prefers. Because the chosen call ranks above every other call that has
//! any routable agent, no agent ever goes to a call while a better call could have taken it.
//! The step ends when no dirty agent has a call and no dirty call has an agent, which leaves no
//! waiting call with an eligible routable agent.
//!
//! Lookups use the indexes, never a scan of all agents or calls: a call walks the available
//! set of its scarcest required skill in strategy order; an agent walks the waiting sets of the
//! queues whose skills it has, each from the head, stopping at the first call it can take.

use std::cmp::Reverse;

use kefu_core::{AgentId, CallId};

use crate::agent::AgentState;
use crate::availability::AvailableAgents;
use crate::call::{Call, CallRank, CallStatus};
use crate::config::{RouterPlugin, RoutingStrategy};
use crate::error::InputError;
use crate::event::{AcdEventKind, StateChangeCause};
use crate::io::{Output, ScoreRequest};
use crate::ix::{AgentIx, QueueIx};
use crate::timers::Timer;

use super::Acd;

/// The agents chosen for a call, and through which of its queues.
#[derive(Debug)]
pub(super) struct Pick {
    agents: Vec<AgentIx>,
    via: QueueIx,
    strategy: RoutingStrategy,
}

impl Acd {
    /// Run the decision step (see the module docs).
    pub(super) fn route(&mut self) {
        loop {
            let mut best: Option<(CallRank, CallId, Option<Pick>)> = None;
            let dirty: Vec<AgentIx> = self.dirty_agents.iter().copied().collect();
            for ax in dirty {
                match self.best_call_for(ax) {
                    Some((rank, call)) => {
                        if best.as_ref().is_none_or(|(r, ..)| rank < *r) {
                            best = Some((rank, call, None));
                        }
                    }
                    None => {
                        self.dirty_agents.remove(&ax);
                    }
                }
            }
            let dirty: Vec<CallId> = self.dirty_calls.iter().copied().collect();
            for id in dirty {
                let rank = match self.calls.get(&id) {
                    Some(c) if c.status == CallStatus::Waiting => c.rank,
                    _ => {
                        self.dirty_calls.remove(&id);
                        continue;
                    }
                };
                if best.as_ref().is_some_and(|(r, ..)| *r <= rank) {
                    continue; // Stays dirty; looked at again once better calls are placed.
                }
                match self.pick(id) {
                    Some(pick) => best = Some((rank, id, Some(pick))),
                    None => {
                        self.dirty_calls.remove(&id);
                    }
                }
            }
            let Some((_, call, pick)) = best else { break };
            self.dirty_calls.remove(&call);
            match pick.or_else(|| self.pick(call)) {
                Some(pick) => self.place(call, pick),
                None => {
                    // An agent found this call eligible but the call found no agent: the two
                    // lookups disagree. Stop rather than loop; tests catch this in debug.
                    debug_assert!(false, "routing lookups disagree about call {call}");
                    self.dirty_agents.clear();
                    self.dirty_calls.clear();
                    break;
                }
            }
        }
    }

    /// The best waiting call this agent may take, if any.
    fn best_call_for(&self, ax: AgentIx) -> Option<(CallRank, CallId)> {
        let agent = self.agent(ax).filter(|a| a.is_routable())?;
        let mut best: Option<(CallRank, CallId)> = None;
        for qx in agent.queues.iter().chain(self.backup_queues(ax)) {
            let Some(queue) = self.queue(*qx) else {
                continue;
            };
            for (rank, id) in &queue.waiting {
                if best.is_some_and(|(b, _)| b <= *rank) {
                    break;
                }
                if self.calls.get(id).is_some_and(|c| self.eligible(c, ax)) {
                    best = Some((*rank, *id));
                    break;
                }
            }
        }
        best
    }

    /// May `ax` take call `c` at all (skills, overflow, backup, sticky), availability aside?
    pub(super) fn eligible(&self, c: &Call, ax: AgentIx) -> bool {
        if c.is_sticky(self.now) {
            return c.last_agent == Some(ax) && self.skilled_for(c, ax);
        }
        self.skilled_for(c, ax)
    }

    /// Does the agent meet the call's own requirements and those of one of its queues (or
    /// stand in as a backup agent)? Minimums are lowered by the call's relaxation.
    pub(super) fn skilled_for(&self, c: &Call, ax: AgentIx) -> bool {
        let Some(agent) = self.agent(ax) else {
            return false;
        };
        if !agent.meets(&c.extra, c.relax) {
            return false;
        }
        let by_queue = c.targets.iter().any(|t| {
            self.queue(*t)
                .is_some_and(|q| agent.meets(&q.required, c.relax))
        });
        by_queue || (self.backup_applies(c) && agent.backup_for.contains(&c.home))
    }

    fn backup_applies(&self, c: &Call) -> bool {
        c.uses_backup || self.queue(c.home).is_some_and(|q| q.backup_active)
    }

    /// Choose agents for a waiting call: the last agent while it is held for them; else the
    /// home queue's agents, then each overflow queue's, each in that queue's strategy order;
    /// else the longest-idle backup agent.
    fn pick(&self, id: CallId) -> Option<Pick> {
        let c = self.calls.get(&id)?;
        if c.is_sticky(self.now) {
            let last = c.last_agent?;
            let able = self.routable(last) && self.skilled_for(c, last);
            return able.then(|| Pick {
                agents: vec![last],
                via: c.home,
                strategy: RoutingStrategy::LongestIdle,
            });
        }
        for t in &c.targets {
            let Some(queue) = self.queue(*t) else {
                continue;
            };
            let strategy = queue.config.strategy;
            let want = match (strategy, queue.config.router_plugin) {
                (RoutingStrategy::RingAll, _) => usize::from(self.settings.ring_all_limit),
                (_, Some(plugin)) if *t == c.home => usize::from(plugin.max_candidates),
                _ => 1,
            };
            let agents = self.candidates(c, *t, strategy, want);
            if !agents.is_empty() {
                return Some(Pick {
                    agents,
                    via: *t,
                    strategy,
                });
            }
        }
        if self.backup_applies(c) {
            let home = self.queue(c.home)?;
            let best = home
                .backup_agents
                .iter()
                .filter(|ax| self.routable(**ax) && self.skilled_for(c, **ax))
                .min_by_key(|ax| (self.agent(**ax).map(|a| a.idle_since), **ax))?;
            return Some(Pick {
                agents: vec![*best],
                via: c.home,
                strategy: RoutingStrategy::LongestIdle,
            });
        }
        None
    }

    /// Up to `want` routable agents able to take `c` through queue `t`, in strategy order.
    fn candidates(
        &self,
        c: &Call,
        t: QueueIx,
        strategy: RoutingStrategy,
        want: usize,
    ) -> Vec<AgentIx> {
        let Some(queue) = self.queue(t) else {
            return Vec::new();
        };
        // Every able agent is in the set of each required skill: walk the smallest set that
        // keeps the strategy's order.
        let mut driving: Option<&AvailableAgents> = None;
        if strategy == RoutingStrategy::MostSkilled {
            // Levels are ranked in the primary skill only; its set alone keeps that order.
            driving = queue
                .primary
                .and_then(|s| self.skills.get(s.get()))
                .map(|slot| &slot.available);
        }
        for (s, _) in queue.required.iter().chain(&c.extra) {
            if strategy == RoutingStrategy::MostSkilled {
                break;
            }
            let Some(slot) = self.skills.get(s.get()) else {
                continue;
            };
            let set = &slot.available;
            if set.keeps(strategy) && driving.is_none_or(|d| set.len() < d.len()) {
                driving = Some(set);
            }
        }
        let set = driving.unwrap_or(&self.everyone);
        set.in_order(strategy, queue.cursor)
            .filter(|ax| {
                self.agent(*ax).is_some_and(|a| {
                    a.meets(&queue.required, c.relax) && a.meets(&c.extra, c.relax)
                })
            })
            .take(want.max(1))
            .collect()
    }

    /// Act on a pick: ring the agent(s), or ask the router plugin first.
    fn place(&mut self, call: CallId, pick: Pick) {
        if pick.strategy == RoutingStrategy::RoundRobin
            && let Some(first) = pick.agents.first().copied()
            && let Some(q) = self.queue_mut(pick.via)
        {
            q.cursor = Some(first);
        }
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let plugin = self.queue(c.home).and_then(|q| q.config.router_plugin);
        match (pick.strategy, plugin) {
            (RoutingStrategy::RingAll, _) => self.offer(call, pick.agents),
            (_, Some(plugin)) if pick.via == c.home && pick.agents.len() > 1 => {
                self.start_scoring(call, pick.agents, plugin);
            }
            _ => self.offer(call, pick.agents.into_iter().take(1).collect()),
        }
    }

    /// Ring `agents` with the call.
    fn offer(&mut self, call: CallId, agents: Vec<AgentIx>) {
        self.remove_waiting(call);
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let home = c.home;
        let ring = self
            .queues
            .get(home.get())
            .map(|q| q.config.ring_timeout)
            .unwrap_or_default();
        let until = now + ring;
        c.status = CallStatus::Ringing {
            agents: agents.clone(),
            until,
        };
        self.timers.schedule(until, Timer::Ring(call));
        let queue = self.queue_id(home).unwrap_or_default();
        for ax in agents {
            let Some(a) = self.agent_mut(ax) else {
                continue;
            };
            a.stats.offered += 1;
            let agent = a.id;
            self.outputs.push_back(Output::Offer {
                call,
                agent,
                ring_until: until,
            });
            self.set_state(ax, AgentState::Reserved { call }, StateChangeCause::Routing);
            self.emit(AcdEventKind::CallOffered { call, queue, agent });
        }
    }

    /// Hold the candidates for this call and ask the router plugin to score them.
    fn start_scoring(&mut self, call: CallId, candidates: Vec<AgentIx>, plugin: RouterPlugin) {
        self.remove_waiting(call);
        for ax in &candidates {
            self.index(*ax, false);
            if let Some(a) = self.agent_mut(*ax) {
                a.held = Some(call);
            }
        }
        let request = self.next_request;
        self.next_request += 1;
        let deadline = self.now + plugin.deadline;
        let ids = candidates
            .iter()
            .filter_map(|ax| self.agent_id(*ax))
            .collect();
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.status = CallStatus::Scoring {
            request,
            candidates,
            deadline,
        };
        let (home, attributes) = (c.home, c.attributes.clone());
        self.timers.schedule(deadline, Timer::Scoring(call));
        let queue = self.queue_id(home).unwrap_or_default();
        let req = ScoreRequest {
            call,
            queue,
            request,
            candidates: ids,
            attributes,
            deadline,
        };
        self.outputs.push_back(Output::ScoreRequest(req));
    }

    /// Scores arrived. Answers for calls no longer being scored are stale and ignored.
    pub(super) fn scores(
        &mut self,
        call: CallId,
        request: u64,
        scores: &[(AgentId, i64)],
    ) -> Result<(), InputError> {
        match self.calls.get(&call).map(|c| &c.status) {
            Some(CallStatus::Scoring { request: r, .. }) if *r == request => {
                self.decide(call, scores);
            }
            _ => {}
        }
        Ok(())
    }

    /// End a scoring round: offer the call to the best-scored candidate still held (unscored
    /// candidates rank last; ties go to the strategy's order), release the others.
    pub(super) fn decide(&mut self, call: CallId, scores: &[(AgentId, i64)]) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let CallStatus::Scoring {
            candidates,
            deadline,
            ..
        } = &mut c.status
        else {
            return;
        };
        let candidates = std::mem::take(candidates);
        let deadline = *deadline;
        self.timers.cancel(deadline, Timer::Scoring(call));
        let score_of = |ax: &AgentIx| {
            let id = self.agent_id(*ax);
            scores
                .iter()
                .filter(|(a, _)| Some(*a) == id)
                .map(|(_, s)| *s)
                .max()
                .unwrap_or(i64::MIN)
        };
        let winner = candidates
            .iter()
            .enumerate()
            .max_by_key(|(i, ax)| (score_of(ax), Reverse(*i)))
            .map(|(_, ax)| *ax);
        for ax in &candidates {
            self.release_hold(*ax);
        }
        match winner {
            Some(ax) => self.offer(call, vec![ax]),
            None => self.add_waiting(call),
        }
    }

    /// The agent is free of its scoring round: routable again.
    pub(super) fn release_hold(&mut self, ax: AgentIx) {
        let Some(a) = self.agent_mut(ax) else { return };
        a.held = None;
        if a.is_routable() {
            self.index(ax, true);
            self.dirty_agents.insert(ax);
        }
    }

    /// A held agent leaves `Available`: drop it from the round; with nobody left, the call
    /// waits again.
    pub(super) fn drop_hold(&mut self, ax: AgentIx, call: CallId) {
        if let Some(a) = self.agent_mut(ax) {
            a.held = None;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let CallStatus::Scoring {
            candidates,
            deadline,
            ..
        } = &mut c.status
        else {
            return;
        };
        candidates.retain(|a| *a != ax);
        if candidates.is_empty() {
            let deadline = *deadline;
            self.timers.cancel(deadline, Timer::Scoring(call));
            self.add_waiting(call);
        }
    }
}
