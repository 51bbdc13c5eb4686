//! Scenario tests: wait estimates for announcements and real-time statistics.

mod common;

use common::*;
use kefu_acd::config::*;
use kefu_acd::{AgentsByState, Millis, WaitEstimate};

fn sim(agents: u32) -> Sim {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.expected_handle_time = secs(120);
    q.after_call_work = secs(20);
    let agents = (1..=agents)
        .map(|n| agent_profile(n, &[(1, 5), (2, 3)]))
        .collect();
    Sim::new(tenant_config(2, vec![q], agents))
}

#[test]
fn position_and_estimated_wait_follow_service_order_and_staffing() {
    let mut sim = sim(2);
    sim.ready(1);
    sim.ready(2);
    sim.enqueue(1, 1);
    sim.enqueue(2, 1);
    sim.accept(1, 1);
    sim.accept(2, 2);
    for c in 3..=5 {
        sim.enqueue(c, 1);
    }
    sim.enqueue_with(6, 1, |e| e.priority = Some(prio(9)));
    let at = |sim: &Sim, c| sim.acd.wait_estimate(call(c)).expect("queued");
    // Call 6 jumps the queue; two agents share the work; 120 s expected handle time.
    assert_eq!(
        at(&sim, 6),
        WaitEstimate {
            position: 1,
            estimated_wait: Some(secs(60))
        }
    );
    assert_eq!(
        at(&sim, 3),
        WaitEstimate {
            position: 2,
            estimated_wait: Some(secs(120))
        }
    );
    assert_eq!(
        at(&sim, 5),
        WaitEstimate {
            position: 4,
            estimated_wait: Some(secs(240))
        }
    );
    // With history, the queue's own average handle time replaces the configured guess.
    sim.advance(secs(40));
    sim.hang_up(1);
    sim.advance(secs(20)); // wrap-up ends: handle time 60 s; agent 1 takes call 6
    assert_eq!(
        at(&sim, 3),
        WaitEstimate {
            position: 1,
            estimated_wait: Some(secs(30))
        }
    );
    assert_eq!(at(&sim, 6).position, 1, "ringing: next to be served");
    // Nobody staffed: nothing sensible to announce.
    for a in [1, 2] {
        sim.input(kefu_acd::Input::ForceAgentState {
            agent: agent(a),
            state: kefu_acd::RequestedState::LoggedOut,
        })
        .expect("log out");
    }
    assert_eq!(at(&sim, 3).estimated_wait, None);
}

#[test]
fn queue_statistics_count_each_event_once() {
    let mut sim = sim(1);
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.advance(secs(5));
    sim.accept(1, 1); // answered in 5 s
    sim.enqueue(2, 1);
    sim.advance(secs(30));
    sim.enqueue(3, 1);
    sim.input(kefu_acd::Input::Abandon { call: call(2) })
        .expect("abandon");
    let s = sim.acd.queue_stats(queue(1)).expect("queue");
    assert_eq!(
        (s.entered, s.answered, s.abandoned, s.waiting),
        (3, 1, 1, 1)
    );
    assert_eq!(s.oldest_wait, Some(Millis::ZERO));
    assert_eq!(s.average_speed_of_answer(), Some(secs(5)));
    assert_eq!(s.service_level(), Some(0.5));
    assert_eq!(
        s.agents,
        AgentsByState {
            on_call: 1,
            ..Default::default()
        }
    );
    sim.advance(secs(7));
    assert_eq!(
        sim.acd.queue_stats(queue(1)).and_then(|s| s.oldest_wait),
        Some(secs(7))
    );
}

#[test]
fn skill_and_agent_statistics_follow_state_changes() {
    let mut sim = sim(3);
    sim.ready(1);
    sim.ready(2);
    sim.not_ready(3, "training").expect("known reason");
    sim.enqueue(1, 1);
    let s1 = sim.acd.skill_stats(skill(1)).expect("skill");
    assert_eq!(
        s1.agents,
        AgentsByState {
            available: 1,
            reserved: 1,
            not_ready: 1,
            ..Default::default()
        }
    );
    assert_eq!(s1.waiting, 1);
    assert_eq!(sim.acd.skill_stats(skill(2)).map(|s| s.waiting), Some(0));
    sim.advance(secs(3));
    assert_eq!(
        sim.acd.skill_stats(skill(1)).and_then(|s| s.oldest_wait),
        Some(secs(3))
    );
    sim.accept(1, 1);
    sim.advance(secs(30));
    sim.hang_up(1);
    let s1 = sim.acd.skill_stats(skill(1)).expect("skill");
    assert_eq!((s1.waiting, s1.oldest_wait, s1.answered), (0, None, 1));
    assert_eq!(s1.agents.after_call_work, 1);
    sim.advance(secs(4));
    let a = sim.acd.agent_stats(agent(1)).expect("agent");
    assert_eq!(
        (a.offered, a.answered, a.talk_time, a.in_state),
        (1, 1, secs(30), secs(4))
    );
}
