//! The benchmark tenant: 10,000 agents, 1,000 queues, 2,000 skills, 20 skills per agent,
//! 5,000 waiting calls.
//!
//! Agents form 100 teams of 100; team `t` serves queues `10t..10t+9`, and queue `q` requires
//! skills `2q` (level ≥ 3) and `2q+1` (level ≥ 1), so every agent has exactly the 20 skills of
//! its team's 10 queues, with levels spread 1–10. Teams 0–49 are busy: every agent has had a
//! call and is wrapping up, and their 500 queues hold 10 waiting calls each (priorities 1–10).
//! Teams 50–99 are available with empty queues.

use kefu_acd::config::*;
use kefu_acd::{Acd, EnqueueCall, Input, Level, Millis, Priority, RequestedState, TenantConfig};
use kefu_core::{AgentId, CallId, QueueId, SkillId};

pub const AGENTS: u32 = 10_000;
pub const QUEUES: u32 = 1_000;
pub const SKILLS: u32 = 2_000;
pub const TEAM: u32 = 100;
pub const QUEUES_PER_TEAM: u32 = 10;
pub const BUSY_TEAMS: u32 = 50;
pub const WAITING_PER_BUSY_QUEUE: u32 = 10;

pub fn agent(n: u32) -> AgentId {
    format!("agt_{n:026}").parse().expect("bench id")
}
pub fn queue(n: u32) -> QueueId {
    format!("que_{n:026}").parse().expect("bench id")
}
pub fn skill(n: u32) -> SkillId {
    format!("skl_{n:026}").parse().expect("bench id")
}
pub fn call(n: u32) -> CallId {
    format!("cal_{n:026}").parse().expect("bench id")
}

pub fn team_of(agent: u32) -> u32 {
    agent / TEAM
}

/// An agent's level in a skill: spread 1–10, deterministic.
pub fn level_of(agent: u32, skill: u32) -> u8 {
    ((agent.wrapping_mul(7) + skill.wrapping_mul(3)) % 10 + 1) as u8
}

/// The (skill, min level) pairs queue `q` requires.
pub fn requirements(q: u32) -> [(u32, u8); 2] {
    [(2 * q, 3), (2 * q + 1, 1)]
}

pub fn config() -> TenantConfig {
    let queues = (0..QUEUES)
        .map(|q| QueueConfig {
            id: queue(q),
            name: format!("queue {q}"),
            strategy: RoutingStrategy::LongestIdle,
            required_skills: requirements(q)
                .iter()
                .map(|(s, l)| SkillRequirement {
                    skill: skill(*s),
                    min_level: Level::new(*l).expect("level"),
                })
                .collect(),
            default_priority: Priority::NORMAL,
            priority_rules: vec![],
            skill_rules: vec![],
            aging: None,
            max_wait: Some(Millis::from_secs(3600)),
            service_level: ServiceLevelTarget {
                percent: 80,
                within: Millis::from_secs(20),
            },
            ring_timeout: Millis::from_secs(15),
            after_call_work: Millis::from_secs(30),
            expected_handle_time: Millis::from_secs(180),
            overflow: vec![],
            sticky: None,
            backup: None,
            router_plugin: None,
        })
        .collect();
    let agents = (0..AGENTS)
        .map(|a| {
            let first = team_of(a) * QUEUES_PER_TEAM;
            let skills = (first..first + QUEUES_PER_TEAM)
                .flat_map(requirements)
                .map(|(s, _)| AgentSkill {
                    skill: skill(s),
                    level: Level::new(level_of(a, s)).expect("level"),
                })
                .collect();
            AgentProfile {
                id: agent(a),
                skills,
            }
        })
        .collect();
    TenantConfig {
        tenant: format!("ten_{:026}", 1).parse().expect("bench id"),
        skills: (0..SKILLS).map(skill).collect(),
        reason_codes: vec![kefu_acd::ReasonCode::new("lunch")],
        queues,
        agents,
        settings: EngineSettings {
            heartbeat_timeout: Millis::from_secs(24 * 3600),
            ring_all_limit: 10,
        },
    }
}

/// Does agent `a` meet queue `q`'s requirements?
pub fn able(a: u32, q: u32) -> bool {
    team_of(a) == q / QUEUES_PER_TEAM && requirements(q).iter().all(|(s, l)| level_of(a, *s) >= *l)
}

/// The engine with the whole scenario loaded, at time `NOW`. Returns the next free call number.
pub const NOW: Millis = Millis(1_000);

pub fn engine() -> (Acd, u32) {
    let mut acd = Acd::new(config()).expect("valid bench config");
    let mut next_call = 0;
    let set = |acd: &mut Acd, a: u32, state| {
        acd.handle_input(
            NOW,
            Input::SetAgentState {
                agent: agent(a),
                state,
            },
        )
        .expect("state");
    };
    // Busy teams: each agent in turn takes a call and starts wrap-up.
    for a in 0..BUSY_TEAMS * TEAM {
        set(&mut acd, a, RequestedState::Available);
        let first = team_of(a) * QUEUES_PER_TEAM;
        let q = (first..first + QUEUES_PER_TEAM)
            .find(|q| able(a, *q))
            .expect("every agent serves a queue");
        let c = call(next_call);
        next_call += 1;
        enqueue(&mut acd, c, q, 5);
        acd.handle_input(
            NOW,
            Input::Accept {
                call: c,
                agent: agent(a),
            },
        )
        .expect("accept");
        acd.handle_input(NOW, Input::CallEnded { call: c })
            .expect("end");
    }
    // 5,000 calls wait in the busy teams' queues.
    for q in 0..BUSY_TEAMS * QUEUES_PER_TEAM {
        for _ in 0..WAITING_PER_BUSY_QUEUE {
            enqueue(&mut acd, call(next_call), q, (next_call % 10 + 1) as u8);
            next_call += 1;
        }
    }
    // Idle teams: everyone available.
    for a in BUSY_TEAMS * TEAM..AGENTS {
        set(&mut acd, a, RequestedState::Available);
    }
    while acd.poll_output().is_some() {}
    (acd, next_call)
}

pub fn enqueue(acd: &mut Acd, c: CallId, q: u32, priority: u8) {
    let e = EnqueueCall {
        call: c,
        queue: queue(q),
        priority: Priority::new(priority),
        required_skills: vec![],
        attributes: Default::default(),
        last_agent: None,
    };
    acd.handle_input(NOW, Input::Enqueue(e)).expect("enqueue");
}
