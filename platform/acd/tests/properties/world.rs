//! The simulated driver of the property test and the invariants it checks after every
//! engine call.

use std::collections::{BTreeMap, BTreeSet};

use kefu_acd::{
    Acd, AgentState, CallPhase, CallRank, EnqueueCall, Input, Millis, Output, ReasonCode,
    RequestedState, WaitOutcome,
};
use kefu_core::{AgentId, CallId};

use super::common::*;
use super::{AGENTS, HEARTBEAT, Op, config};

/// One engine call, recorded for replay.
#[derive(Debug, Clone)]
pub enum Call {
    Input(Millis, Input),
    Timeout(Millis),
}

/// The driver and the checker. `talking` mirrors what the call actors would know.
pub struct World {
    pub acd: Acd,
    pub now: Millis,
    pub next_call: u32,
    pub recorded: Vec<Call>,
    pub outputs: Vec<Output>,
    pub enqueued: BTreeSet<CallId>,
    pub ended: BTreeMap<CallId, WaitOutcome>,
    pub talking: BTreeMap<CallId, AgentId>,
    pub scoring: Vec<(CallId, u64, Vec<AgentId>)>,
    pub alive_until: BTreeMap<AgentId, Millis>,
}

/// What the checks need from before an engine call.
struct Before {
    waiting: BTreeMap<CallId, CallRank>,
    scoring: BTreeSet<CallId>,
    eligible: BTreeSet<(CallId, AgentId)>,
}

impl World {
    pub fn new() -> World {
        World {
            acd: Acd::new(config()).expect("valid"),
            now: Millis::ZERO,
            next_call: 1,
            recorded: vec![],
            outputs: vec![],
            enqueued: BTreeSet::new(),
            ended: BTreeMap::new(),
            talking: BTreeMap::new(),
            scoring: vec![],
            alive_until: BTreeMap::new(),
        }
    }

    fn before(&self) -> Before {
        let mut b = Before {
            waiting: BTreeMap::new(),
            scoring: BTreeSet::new(),
            eligible: BTreeSet::new(),
        };
        for c in self.acd.calls() {
            match self.acd.call(c).map(|v| v.phase) {
                Some(CallPhase::Waiting) => {
                    b.waiting.insert(c, self.acd.call_rank(c).expect("queued"));
                }
                Some(CallPhase::Scoring) => {
                    b.scoring.insert(c);
                }
                _ => {}
            }
            for a in (1..=AGENTS).map(agent) {
                if self.acd.can_take(c, a) {
                    b.eligible.insert((c, a));
                }
            }
        }
        b
    }

    fn input(&mut self, input: Input) -> bool {
        let before = self.before();
        let was_logged_out: BTreeSet<AgentId> = self.logged_out();
        self.recorded.push(Call::Input(self.now, input.clone()));
        let ok = self.acd.handle_input(self.now, input.clone()).is_ok();
        if ok {
            match &input {
                Input::Heartbeat { agent } if !was_logged_out.contains(agent) => {
                    self.alive_until.insert(*agent, self.now + HEARTBEAT);
                }
                Input::Accept { call, agent } => {
                    self.talking.insert(*call, *agent);
                }
                Input::CallEnded { call } => {
                    self.talking.remove(call);
                }
                _ => {}
            }
        }
        self.after(&before, &was_logged_out);
        ok
    }

    fn advance(&mut self, by: u64) {
        let target = self.now + Millis(by);
        loop {
            let at = self
                .acd
                .poll_timeout()
                .filter(|at| *at <= target)
                .unwrap_or(target);
            let before = self.before();
            let was_logged_out = self.logged_out();
            self.now = at;
            self.recorded.push(Call::Timeout(at));
            self.acd.handle_timeout(at);
            self.after(&before, &was_logged_out);
            if at == target {
                break;
            }
        }
    }

    fn logged_out(&self) -> BTreeSet<AgentId> {
        self.acd
            .agents()
            .filter(|(_, s)| **s == AgentState::LoggedOut)
            .map(|(a, _)| a)
            .collect()
    }

    /// Collect the outputs of one engine call and check every invariant.
    fn after(&mut self, before: &Before, was_logged_out: &BTreeSet<AgentId>) {
        let mut fresh = vec![];
        while let Some(o) = self.acd.poll_output() {
            fresh.push(o);
        }
        for o in &fresh {
            match o {
                Output::WaitEnded { call, outcome } => {
                    assert!(
                        self.ended.insert(*call, *outcome).is_none(),
                        "call {call} ended twice"
                    );
                    assert!(
                        self.enqueued.contains(call),
                        "call {call} ended without being queued"
                    );
                }
                Output::ScoreRequest(r) => {
                    self.scoring.push((r.call, r.request, r.candidates.clone()))
                }
                _ => {}
            }
        }
        for (agent, state) in self.acd.agents() {
            if was_logged_out.contains(&agent) && *state != AgentState::LoggedOut {
                self.alive_until.insert(agent, self.now + HEARTBEAT);
            }
            if *state == AgentState::LoggedOut {
                // Logging out ends the engine's part in any call the agent still talks on.
                self.talking.retain(|_, a| *a != agent);
            }
        }
        self.check_one_engagement_per_agent();
        self.check_no_call_waits_for_a_free_agent();
        self.check_priority(before, &fresh);
        self.check_heartbeats();
        self.check_counters();
        self.outputs.extend(fresh);
    }

    fn check_one_engagement_per_agent(&self) {
        let mut engaged: BTreeMap<AgentId, Vec<CallId>> = BTreeMap::new();
        for c in self.acd.calls() {
            let view = self.acd.call(c).expect("queued");
            if view.phase == CallPhase::Ringing {
                for a in view.agents {
                    engaged.entry(a).or_default().push(c);
                }
            }
        }
        for (c, a) in &self.talking {
            engaged.entry(*a).or_default().push(*c);
        }
        for (a, calls) in &engaged {
            assert!(calls.len() <= 1, "agent {a} holds {calls:?}");
            let state = self.acd.agent_state(*a).expect("agent");
            let expected = matches!(state, AgentState::Reserved { call } | AgentState::OnCall { call } if *call == calls[0]);
            assert!(expected, "agent {a} is {state:?} but engaged in {calls:?}");
        }
    }

    fn check_no_call_waits_for_a_free_agent(&self) {
        for c in self.acd.calls() {
            if self.acd.call(c).map(|v| v.phase) != Some(CallPhase::Waiting) {
                continue;
            }
            for a in (1..=AGENTS).map(agent) {
                let free = self.acd.is_routable(a);
                assert!(
                    !(free && self.acd.can_take(c, a)),
                    "call {c} waits while {a} could take it"
                );
            }
        }
    }

    /// Each fresh decision (an offer not coming out of a scoring round, or a scoring round's
    /// candidates) must not pass over a better-ranked call that waited before and after and
    /// could take that agent before and after.
    fn check_priority(&self, before: &Before, fresh: &[Output]) {
        let mut decisions: Vec<(CallId, AgentId)> = vec![];
        for o in fresh {
            match o {
                Output::Offer { call, agent, .. } if !before.scoring.contains(call) => {
                    decisions.push((*call, *agent));
                }
                Output::ScoreRequest(r) => {
                    decisions.extend(r.candidates.iter().map(|a| (r.call, *a)))
                }
                _ => {}
            }
        }
        for (call, a) in &decisions {
            let able = before.eligible.contains(&(*call, *a)) || self.acd.can_take(*call, *a);
            assert!(able, "{call} was offered to {a}, who cannot take it");
        }
        for (low, a) in decisions {
            let Some(low_rank) = before
                .waiting
                .get(&low)
                .copied()
                .or_else(|| self.acd.call_rank(low))
            else {
                continue;
            };
            for (high, rank) in &before.waiting {
                let still = self
                    .acd
                    .call(*high)
                    .is_some_and(|v| v.phase == CallPhase::Waiting);
                let able = before.eligible.contains(&(*high, a)) && self.acd.can_take(*high, a);
                assert!(
                    !(still && able && *high != low && *rank < low_rank),
                    "{low} got {a} although better-ranked {high} could take them"
                );
            }
        }
    }

    /// The incrementally kept counters agree with a recount from the engine's views.
    fn check_counters(&self) {
        let profiles = config().agents;
        for s in 1..=3 {
            let mut expected = kefu_acd::AgentsByState::default();
            for p in profiles
                .iter()
                .filter(|p| p.skills.iter().any(|k| k.skill == skill(s)))
            {
                match self.acd.agent_state(p.id).map(AgentState::kind) {
                    Some(kefu_acd::AgentStateKind::Available) => expected.available += 1,
                    Some(kefu_acd::AgentStateKind::Reserved) => expected.reserved += 1,
                    Some(kefu_acd::AgentStateKind::OnCall) => expected.on_call += 1,
                    Some(kefu_acd::AgentStateKind::AfterCallWork) => expected.after_call_work += 1,
                    Some(kefu_acd::AgentStateKind::NotReady) => expected.not_ready += 1,
                    _ => {}
                }
            }
            let counted = self.acd.skill_stats(skill(s)).map(|st| st.agents);
            assert_eq!(counted, Some(expected), "skill {s} agents by state");
        }
        for q in 1..=5 {
            let waiting = self
                .acd
                .calls()
                .filter(|c| self.acd.call(*c).is_some_and(|v| v.queue == queue(q)))
                .count();
            let stats = self.acd.queue_stats(queue(q)).expect("queue");
            assert_eq!(stats.waiting as usize, waiting, "queue {q} waiting");
            let ended = stats.answered + stats.abandoned + stats.overflowed + stats.timed_out;
            assert_eq!(
                stats.entered,
                ended + stats.waiting as u64,
                "queue {q} calls in = out + waiting"
            );
        }
    }

    fn check_heartbeats(&self) {
        for (a, state) in self.acd.agents() {
            if *state != AgentState::LoggedOut {
                let until = self.alive_until.get(&a).copied().unwrap_or(Millis::ZERO);
                assert!(
                    self.now < until,
                    "{a} is {state:?} at {} with heartbeat due at {until}",
                    self.now
                );
            }
        }
    }

    pub fn apply(&mut self, op: &Op) {
        let ringing_at = |acd: &Acd, a: u32| match acd.agent_state(agent(a)) {
            Some(AgentState::Reserved { call }) => Some(*call),
            _ => None,
        };
        match op.clone() {
            Op::Ready(a) => {
                self.input(Input::SetAgentState {
                    agent: agent(a),
                    state: RequestedState::Available,
                });
            }
            Op::NotReady(a) => {
                let state = RequestedState::NotReady {
                    reason: ReasonCode::new("lunch"),
                };
                self.input(Input::SetAgentState {
                    agent: agent(a),
                    state,
                });
            }
            Op::LogOut(a) => {
                self.input(Input::SetAgentState {
                    agent: agent(a),
                    state: RequestedState::LoggedOut,
                });
            }
            Op::Force(a, kind) => {
                let state = match kind {
                    0 => RequestedState::Available,
                    1 => RequestedState::NotReady {
                        reason: ReasonCode::new("training"),
                    },
                    _ => RequestedState::LoggedOut,
                };
                self.input(Input::ForceAgentState {
                    agent: agent(a),
                    state,
                });
            }
            Op::Heartbeat(a) => {
                self.input(Input::Heartbeat { agent: agent(a) });
            }
            Op::Unreachable(a) => {
                self.input(Input::AgentUnreachable { agent: agent(a) });
                assert_eq!(self.acd.agent_state(agent(a)), Some(&AgentState::LoggedOut));
            }
            Op::Enqueue {
                queue: q,
                priority,
                french,
                vip,
                last,
            } => {
                let id = call(self.next_call);
                self.next_call += 1;
                let mut attributes = BTreeMap::new();
                if french {
                    attributes.insert("language".to_owned(), "fr".to_owned());
                }
                if vip {
                    attributes.insert("vip".to_owned(), "yes".to_owned());
                }
                let e = EnqueueCall {
                    call: id,
                    queue: queue(q),
                    priority: Some(prio(priority)),
                    required_skills: vec![],
                    attributes,
                    last_agent: last.map(agent),
                };
                assert!(self.input(Input::Enqueue(e)), "enqueue refused");
                self.enqueued.insert(id);
            }
            Op::Accept(a) => {
                if let Some(c) = ringing_at(&self.acd, a) {
                    assert!(
                        self.input(Input::Accept {
                            call: c,
                            agent: agent(a)
                        }),
                        "accept refused"
                    );
                } else if let Some(c) = self.acd.calls().collect::<Vec<_>>().first().copied() {
                    assert!(
                        !self.input(Input::Accept {
                            call: c,
                            agent: agent(a)
                        }),
                        "accept without offer"
                    );
                }
            }
            Op::Decline(a) => {
                if let Some(c) = ringing_at(&self.acd, a) {
                    assert!(
                        self.input(Input::Decline {
                            call: c,
                            agent: agent(a)
                        }),
                        "decline refused"
                    );
                }
            }
            Op::Abandon(i) => {
                let calls: Vec<CallId> = self.acd.calls().collect();
                if !calls.is_empty() {
                    assert!(
                        self.input(Input::Abandon {
                            call: calls[i % calls.len()]
                        }),
                        "abandon refused"
                    );
                }
            }
            Op::HangUp(i) => {
                let talking: Vec<CallId> = self.talking.keys().copied().collect();
                if !talking.is_empty() {
                    assert!(
                        self.input(Input::CallEnded {
                            call: talking[i % talking.len()]
                        }),
                        "hang-up refused"
                    );
                }
            }
            Op::WrapUpDone(a) => {
                self.input(Input::WrapUpDone { agent: agent(a) });
            }
            Op::Scores(i, scores) => {
                if !self.scoring.is_empty() {
                    let (c, request, candidates) = self.scoring[i % self.scoring.len()].clone();
                    let scores = candidates.into_iter().zip(scores).collect();
                    self.input(Input::Scores {
                        call: c,
                        request,
                        scores,
                    });
                }
            }
            Op::Advance(ms) => self.advance(ms),
        }
    }

    /// Everyone leaves, time runs out: every queued call must have ended exactly once.
    pub fn wind_down(&mut self) {
        for a in 1..=AGENTS {
            self.input(Input::ForceAgentState {
                agent: agent(a),
                state: RequestedState::LoggedOut,
            });
        }
        self.advance(600_000);
        assert_eq!(self.acd.calls().count(), 0, "calls left in queue");
        assert_eq!(
            self.ended.keys().collect::<Vec<_>>(),
            self.enqueued.iter().collect::<Vec<_>>()
        );
        for (c, outcome) in &self.ended {
            if let WaitOutcome::Answered { agent } = outcome {
                let answered = self.recorded.iter().any(|r| {
                    matches!(r, Call::Input(_, Input::Accept { call, agent: a }) if call == c && a == agent)
                });
                assert!(answered, "{c} answered by {agent} without an accept");
            }
        }
    }
}
