//! Test harness: deterministic ids, a configuration builder, and a simulated driver that
//! runs the engine on virtual time (no clocks, no sleeps), like str0m's `tests/common.rs`.
#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::collections::BTreeMap;

use kefu_acd::config::*;
use kefu_acd::{
    Acd, AcdEventKind, AgentState, EnqueueCall, Input, InputError, Level, Millis, Output, Priority,
    ReasonCode, RequestedState, TenantConfig, WaitOutcome,
};
use kefu_core::{AgentId, CallId, QueueId, SkillId, TenantId};

/// Ids with readable, deterministic numbers (`agt_000…0042`).
pub fn agent(n: u32) -> AgentId {
    format!("agt_{n:026}").parse().expect("test id")
}
pub fn queue(n: u32) -> QueueId {
    format!("que_{n:026}").parse().expect("test id")
}
pub fn skill(n: u32) -> SkillId {
    format!("skl_{n:026}").parse().expect("test id")
}
pub fn call(n: u32) -> CallId {
    format!("cal_{n:026}").parse().expect("test id")
}
pub fn tenant() -> TenantId {
    format!("ten_{:026}", 1).parse().expect("test id")
}
pub fn level(n: u8) -> Level {
    Level::new(n).expect("test level")
}
pub fn prio(n: u8) -> Priority {
    Priority::new(n).expect("test priority")
}
pub fn secs(n: u64) -> Millis {
    Millis::from_secs(n)
}

/// A queue requiring `skills` (skill number, min level), with test-friendly defaults:
/// ring 10 s, no wrap-up, no max wait.
pub fn queue_config(n: u32, strategy: RoutingStrategy, skills: &[(u32, u8)]) -> QueueConfig {
    QueueConfig {
        id: queue(n),
        name: format!("queue {n}"),
        strategy,
        required_skills: skills
            .iter()
            .map(|(s, l)| SkillRequirement {
                skill: skill(*s),
                min_level: level(*l),
            })
            .collect(),
        default_priority: Priority::NORMAL,
        priority_rules: vec![],
        skill_rules: vec![],
        aging: None,
        max_wait: None,
        service_level: ServiceLevelTarget {
            percent: 80,
            within: secs(20),
        },
        ring_timeout: secs(10),
        after_call_work: Millis::ZERO,
        expected_handle_time: secs(120),
        overflow: vec![],
        sticky: None,
        backup: None,
        router_plugin: None,
    }
}

/// An agent with `skills` (skill number, level).
pub fn agent_profile(n: u32, skills: &[(u32, u8)]) -> AgentProfile {
    AgentProfile {
        id: agent(n),
        skills: skills
            .iter()
            .map(|(s, l)| AgentSkill {
                skill: skill(*s),
                level: level(*l),
            })
            .collect(),
    }
}

/// A tenant with skills 1..=`skills`, the reason codes `lunch` and `training`.
pub fn tenant_config(
    skills: u32,
    queues: Vec<QueueConfig>,
    agents: Vec<AgentProfile>,
) -> TenantConfig {
    TenantConfig {
        tenant: tenant(),
        skills: (1..=skills).map(skill).collect(),
        reason_codes: vec![ReasonCode::new("lunch"), ReasonCode::new("training")],
        queues,
        agents,
        settings: EngineSettings {
            heartbeat_timeout: secs(3600),
            ring_all_limit: 10,
        },
    }
}

/// A simulated driver: virtual time, every output kept.
pub struct Sim {
    pub acd: Acd,
    pub now: Millis,
    /// Outputs since the last [`Sim::take`].
    pub recent: Vec<Output>,
    /// Every output ever.
    pub log: Vec<Output>,
}

impl Sim {
    pub fn new(config: TenantConfig) -> Sim {
        Sim {
            acd: Acd::new(config).expect("valid config"),
            now: Millis::ZERO,
            recent: vec![],
            log: vec![],
        }
    }

    fn drain(&mut self) {
        while let Some(o) = self.acd.poll_output() {
            self.recent.push(o.clone());
            self.log.push(o);
        }
    }

    pub fn input(&mut self, input: Input) -> Result<(), InputError> {
        let r = self.acd.handle_input(self.now, input);
        self.drain();
        r
    }

    /// Run virtual time forward by `by`, firing timers exactly when due.
    pub fn advance(&mut self, by: Millis) {
        let target = self.now + by;
        while let Some(at) = self.acd.poll_timeout().filter(|at| *at <= target) {
            self.now = at.max(self.now);
            self.acd.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
        self.acd.handle_timeout(target);
        self.drain();
    }

    pub fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.recent)
    }

    pub fn ready(&mut self, n: u32) {
        self.input(Input::SetAgentState {
            agent: agent(n),
            state: RequestedState::Available,
        })
        .expect("agent goes ready");
    }

    pub fn not_ready(&mut self, n: u32, reason: &str) -> Result<(), InputError> {
        let state = RequestedState::NotReady {
            reason: ReasonCode::new(reason),
        };
        self.input(Input::SetAgentState {
            agent: agent(n),
            state,
        })
    }

    pub fn enqueue(&mut self, c: u32, q: u32) {
        self.enqueue_with(c, q, |_| {});
    }

    pub fn enqueue_with(&mut self, c: u32, q: u32, tweak: impl FnOnce(&mut EnqueueCall)) {
        let mut e = EnqueueCall {
            call: call(c),
            queue: queue(q),
            priority: None,
            required_skills: vec![],
            attributes: BTreeMap::new(),
            last_agent: None,
        };
        tweak(&mut e);
        self.input(Input::Enqueue(e)).expect("enqueue");
    }

    pub fn accept(&mut self, c: u32, a: u32) {
        self.input(Input::Accept {
            call: call(c),
            agent: agent(a),
        })
        .expect("accept");
    }

    pub fn hang_up(&mut self, c: u32) {
        self.input(Input::CallEnded { call: call(c) })
            .expect("call ends");
    }

    /// Offers (call, agent) among the recent outputs.
    pub fn offers(&self) -> Vec<(CallId, AgentId)> {
        self.recent
            .iter()
            .filter_map(|o| match o {
                Output::Offer { call, agent, .. } => Some((*call, *agent)),
                _ => None,
            })
            .collect()
    }

    /// The recent event names, in order.
    pub fn event_names(&self) -> Vec<&'static str> {
        self.recent
            .iter()
            .filter_map(|o| match o {
                Output::Event(e) => Some(e.name()),
                _ => None,
            })
            .collect()
    }

    /// Recent events of a kind.
    pub fn events(&self) -> Vec<AcdEventKind> {
        self.recent
            .iter()
            .filter_map(|o| match o {
                Output::Event(e) => Some(e.kind.clone()),
                _ => None,
            })
            .collect()
    }

    /// How each call's wait ended, from the whole log.
    pub fn outcomes(&self) -> Vec<(CallId, WaitOutcome)> {
        self.log
            .iter()
            .filter_map(|o| match o {
                Output::WaitEnded { call, outcome } => Some((*call, *outcome)),
                _ => None,
            })
            .collect()
    }

    pub fn state(&self, n: u32) -> AgentState {
        self.acd
            .agent_state(agent(n))
            .cloned()
            .expect("known agent")
    }
}
