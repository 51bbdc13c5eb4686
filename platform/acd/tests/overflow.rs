//! Scenario tests: overflow steps, maximum wait, backup agents, sticky routing and the router
//! plugin's scoring round.

mod common;

use common::*;
use kefu_acd::config::*;
use kefu_acd::{AcdEventKind, AgentState, CallPhase, Input, Output, WaitOutcome};

fn step(after: u64, action: OverflowAction) -> OverflowStep {
    OverflowStep {
        after: secs(after),
        action,
    }
}

#[test]
fn relaxing_skills_lets_a_less_skilled_agent_answer() {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 8)]);
    q.overflow = vec![step(30, OverflowAction::RelaxSkills { levels: 3 })];
    let mut sim = Sim::new(tenant_config(1, vec![q], vec![agent_profile(1, &[(1, 5)])]));
    sim.ready(1);
    sim.enqueue(1, 1);
    assert!(sim.offers().is_empty());
    assert!(!sim.acd.can_take(call(1), agent(1)));
    sim.advance(secs(29));
    assert!(sim.offers().is_empty());
    sim.advance(secs(1));
    assert_eq!(sim.offers(), [(call(1), agent(1))]);
    assert!(sim.event_names().contains(&"queue.overflow_step_applied"));
}

#[test]
fn an_overflow_queue_lends_its_agents() {
    let mut sales = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    sales.overflow = vec![step(20, OverflowAction::AddQueue { queue: queue(2) })];
    let support = queue_config(2, RoutingStrategy::LongestIdle, &[(2, 1)]);
    let mut sim = Sim::new(tenant_config(
        2,
        vec![sales, support],
        vec![agent_profile(7, &[(2, 5)])],
    ));
    sim.ready(7);
    sim.enqueue(1, 1);
    sim.advance(secs(19));
    assert!(sim.offers().is_empty());
    sim.advance(secs(1));
    assert_eq!(sim.offers(), [(call(1), agent(7))]);
    assert_eq!(
        sim.acd.call(call(1)).map(|c| c.overflow_queues),
        Some(vec![queue(2)])
    );
    // The call still counts in its home queue.
    assert_eq!(sim.acd.queue_stats(queue(1)).map(|s| s.waiting), Some(1));
    assert_eq!(sim.acd.queue_stats(queue(2)).map(|s| s.waiting), Some(0));
}

#[test]
fn leaving_the_queue_ends_the_wait_once_for_voicemail() {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.overflow = vec![
        step(10, OverflowAction::RelaxSkills { levels: 1 }),
        step(
            60,
            OverflowAction::LeaveQueue {
                destination: LeaveDestination::Voicemail,
            },
        ),
    ];
    q.max_wait = Some(secs(90));
    let mut sim = Sim::new(tenant_config(1, vec![q], vec![agent_profile(1, &[(1, 5)])]));
    sim.enqueue(1, 1);
    sim.advance(secs(200));
    let left = WaitOutcome::Overflowed {
        destination: LeaveDestination::Voicemail,
    };
    assert_eq!(sim.outcomes(), [(call(1), left)]);
    assert!(
        sim.events().iter().any(
            |e| matches!(e, AcdEventKind::CallOverflowed { waited, .. } if *waited == secs(60))
        )
    );
    let stats = sim.acd.queue_stats(queue(1)).expect("queue");
    assert_eq!(
        (stats.overflowed, stats.timed_out, stats.waiting),
        (1, 0, 0)
    );
}

#[test]
fn maximum_wait_times_the_call_out_even_while_it_rings() {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.max_wait = Some(secs(30));
    q.ring_timeout = secs(20);
    let mut sim = Sim::new(tenant_config(1, vec![q], vec![agent_profile(1, &[(1, 5)])]));
    sim.enqueue(1, 1);
    sim.advance(secs(15));
    sim.ready(1);
    assert_eq!(sim.offers(), [(call(1), agent(1))]);
    sim.take();
    sim.advance(secs(15));
    assert_eq!(sim.outcomes(), [(call(1), WaitOutcome::TimedOut)]);
    assert!(sim.recent.contains(&Output::OfferWithdrawn {
        call: call(1),
        agent: agent(1)
    }));
    assert_eq!(sim.state(1), AgentState::Available);
    sim.advance(secs(60));
    assert_eq!(sim.outcomes().len(), 1);
    assert_eq!(
        sim.state(1),
        AgentState::Available,
        "no RONA for a call that is gone"
    );
}

fn backup_sim() -> Sim {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.backup = Some(BackupAgents {
        agents: vec![agent(9)],
        activate_after: secs(60),
        release_below: secs(30),
    });
    let agents = vec![agent_profile(1, &[(1, 5)]), agent_profile(9, &[(2, 5)])];
    Sim::new(tenant_config(2, vec![q], agents))
}

#[test]
fn backup_agents_join_when_the_wait_passes_the_threshold_and_leave_when_it_falls() {
    let mut sim = backup_sim();
    sim.ready(9);
    sim.enqueue(1, 1);
    sim.advance(secs(40));
    sim.enqueue(2, 1);
    sim.advance(secs(19));
    assert!(sim.offers().is_empty());
    sim.take();
    sim.advance(secs(1)); // call 1 has waited 60 s
    assert_eq!(sim.event_names()[0], "queue.backup_activated");
    assert_eq!(sim.offers(), [(call(1), agent(9))]);
    assert_eq!(
        sim.acd.queue_stats(queue(1)).map(|s| s.backup_active),
        Some(true)
    );
    sim.take();
    sim.accept(1, 9);
    // Call 2 has waited 20 s < 30 s: backup is released.
    assert!(sim.event_names().contains(&"queue.backup_released"));
    sim.hang_up(1);
    assert!(
        sim.offers().is_empty(),
        "released backup agent takes no more calls"
    );
    assert_eq!(
        sim.acd.call(call(2)).map(|c| c.phase),
        Some(CallPhase::Waiting)
    );
    sim.take();
    sim.advance(secs(39));
    assert!(sim.offers().is_empty());
    sim.advance(secs(1)); // call 2 (enqueued at 40 s) reaches 60 s of wait
    assert_eq!(sim.offers(), [(call(2), agent(9))]);
}

#[test]
fn an_overflow_step_can_call_in_backup_agents_for_one_call() {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.backup = Some(BackupAgents {
        agents: vec![agent(9)],
        activate_after: secs(600),
        release_below: secs(1),
    });
    q.overflow = vec![step(5, OverflowAction::UseBackupAgents)];
    let mut sim = Sim::new(tenant_config(2, vec![q], vec![agent_profile(9, &[(2, 5)])]));
    sim.ready(9);
    sim.enqueue(1, 1);
    sim.advance(secs(5));
    assert_eq!(sim.offers(), [(call(1), agent(9))]);
    assert_eq!(
        sim.acd.queue_stats(queue(1)).map(|s| s.backup_active),
        Some(false)
    );
}

fn sticky_sim() -> Sim {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.sticky = Some(StickyRouting { wait: secs(30) });
    let agents = (1..=3).map(|n| agent_profile(n, &[(1, 5)])).collect();
    Sim::new(tenant_config(1, vec![q], agents))
}

#[test]
fn sticky_routing_prefers_the_last_agent_over_the_longest_idle() {
    let mut sim = sticky_sim();
    for a in [1, 2, 3] {
        sim.ready(a);
        sim.advance(secs(1));
    }
    sim.take();
    sim.enqueue_with(1, 1, |e| e.last_agent = Some(agent(3)));
    assert_eq!(sim.offers(), [(call(1), agent(3))]);
}

#[test]
fn sticky_routing_waits_for_a_busy_last_agent_within_the_window() {
    let mut sim = sticky_sim();
    sim.ready(1);
    sim.ready(2);
    sim.enqueue(1, 1);
    sim.accept(1, 1);
    sim.take();
    sim.enqueue_with(2, 1, |e| e.last_agent = Some(agent(1)));
    assert!(
        sim.offers().is_empty(),
        "held for agent 1 although agent 2 is free"
    );
    assert!(!sim.acd.can_take(call(2), agent(2)));
    sim.advance(secs(10));
    sim.hang_up(1);
    assert_eq!(sim.offers(), [(call(2), agent(1))]);
}

#[test]
fn sticky_routing_gives_up_when_the_window_closes() {
    let mut sim = sticky_sim();
    sim.ready(1);
    sim.ready(2);
    sim.enqueue(1, 1);
    sim.accept(1, 1);
    sim.take();
    sim.enqueue_with(2, 1, |e| e.last_agent = Some(agent(1)));
    sim.advance(secs(29));
    assert!(sim.offers().is_empty());
    sim.advance(secs(1));
    assert_eq!(sim.offers(), [(call(2), agent(2))]);
}

#[test]
fn sticky_routing_ignores_a_logged_out_last_agent() {
    let mut sim = sticky_sim();
    sim.ready(2);
    sim.take();
    sim.enqueue_with(1, 1, |e| e.last_agent = Some(agent(1)));
    assert_eq!(sim.offers(), [(call(1), agent(2))]);
}

fn plugin_sim() -> Sim {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.router_plugin = Some(RouterPlugin {
        max_candidates: 3,
        deadline: kefu_acd::Millis(50),
    });
    let agents = (1..=4).map(|n| agent_profile(n, &[(1, 5)])).collect();
    let mut sim = Sim::new(tenant_config(1, vec![q], agents));
    for a in 1..=4 {
        sim.ready(a);
        sim.advance(secs(1));
    }
    sim.take();
    sim
}

fn score_request(sim: &Sim) -> kefu_acd::ScoreRequest {
    sim.recent
        .iter()
        .find_map(|o| match o {
            Output::ScoreRequest(r) => Some(r.clone()),
            _ => None,
        })
        .expect("a score request")
}

#[test]
fn the_router_plugin_rescores_candidates() {
    let mut sim = plugin_sim();
    sim.enqueue(1, 1);
    let req = score_request(&sim);
    assert_eq!(
        req.candidates,
        [agent(1), agent(2), agent(3)],
        "strategy order, capped"
    );
    assert!(sim.offers().is_empty());
    // Held candidates are not offered to other calls meanwhile; agent 4 is (alone: no round).
    sim.take();
    sim.enqueue(2, 1);
    assert_eq!(sim.offers(), [(call(2), agent(4))]);
    sim.take();
    let scores = vec![(agent(1), 10), (agent(3), 99), (agent(2), 50)];
    sim.input(Input::Scores {
        call: call(1),
        request: req.request,
        scores,
    })
    .expect("scores");
    assert_eq!(sim.offers(), [(call(1), agent(3))]);
    // A late or repeated answer changes nothing.
    sim.take();
    sim.input(Input::Scores {
        call: call(1),
        request: req.request,
        scores: vec![],
    })
    .expect("stale");
    assert!(sim.recent.is_empty());
}

#[test]
fn without_scores_by_the_deadline_the_engine_decides_alone() {
    let mut sim = plugin_sim();
    sim.enqueue(1, 1);
    sim.take();
    sim.advance(kefu_acd::Millis(49));
    assert!(sim.offers().is_empty());
    sim.advance(kefu_acd::Millis(1));
    assert_eq!(
        sim.offers(),
        [(call(1), agent(1))],
        "longest idle, the strategy's choice"
    );
}

#[test]
fn a_held_candidate_going_away_drops_out_of_the_round() {
    let mut sim = plugin_sim();
    sim.enqueue(1, 1);
    let req = score_request(&sim);
    sim.input(Input::AgentUnreachable { agent: agent(1) })
        .expect("lost");
    sim.take();
    let scores = vec![(agent(1), 100), (agent(2), 1)];
    sim.input(Input::Scores {
        call: call(1),
        request: req.request,
        scores,
    })
    .expect("scores");
    assert_eq!(sim.offers(), [(call(1), agent(2))]);
}
