//! A naive router over the same scenario: no indexes, every decision scans every agent (for
//! a new call) or every waiting call (for a newly free agent). It only decides — no events,
//! no statistics — so the comparison flatters it.

use super::scenario::*;

pub struct NaiveAgent {
    pub available: bool,
    pub idle_since: u64,
    pub skills: Vec<(u32, u8)>,
}

pub struct NaiveCall {
    pub queue: u32,
    pub priority: u8,
    pub seq: u64,
}

pub struct NaiveRouter {
    pub agents: Vec<NaiveAgent>,
    pub calls: Vec<NaiveCall>,
}

impl NaiveRouter {
    pub fn new() -> NaiveRouter {
        let agents = (0..AGENTS)
            .map(|a| {
                let first = team_of(a) * QUEUES_PER_TEAM;
                NaiveAgent {
                    available: team_of(a) >= BUSY_TEAMS,
                    idle_since: u64::from(a),
                    skills: (first..first + QUEUES_PER_TEAM)
                        .flat_map(requirements)
                        .map(|(s, _)| (s, level_of(a, s)))
                        .collect(),
                }
            })
            .collect();
        let mut calls = Vec::new();
        for q in 0..BUSY_TEAMS * QUEUES_PER_TEAM {
            for i in 0..WAITING_PER_BUSY_QUEUE {
                let seq = u64::from(q * WAITING_PER_BUSY_QUEUE + i);
                calls.push(NaiveCall {
                    queue: q,
                    priority: (seq % 10 + 1) as u8,
                    seq,
                });
            }
        }
        NaiveRouter { agents, calls }
    }

    fn meets(agent: &NaiveAgent, q: u32) -> bool {
        requirements(q).iter().all(|(s, l)| {
            agent
                .skills
                .iter()
                .any(|(has, level)| has == s && level >= l)
        })
    }

    /// The longest-idle available agent able to take a call of queue `q`.
    pub fn agent_for(&self, q: u32) -> Option<usize> {
        self.agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.available && Self::meets(a, q))
            .min_by_key(|(_, a)| a.idle_since)
            .map(|(i, _)| i)
    }

    /// The best waiting call (highest priority, then oldest) agent `a` can take.
    pub fn call_for(&self, a: usize) -> Option<usize> {
        let agent = &self.agents[a];
        self.calls
            .iter()
            .enumerate()
            .filter(|(_, c)| Self::meets(agent, c.queue))
            .min_by_key(|(_, c)| (std::cmp::Reverse(c.priority), c.seq))
            .map(|(i, _)| i)
    }
}
