//! Scenario tests: offers and their outcomes (RONA, decline, abandon), agent connection loss,
//! state changes during a call, supervisor actions.

mod common;

use common::*;
use kefu_acd::config::*;
use kefu_acd::{
    AcdEventKind, AgentState, Input, InputError, Output, ReasonCode, RequestedState, RequeueReason,
    StateChangeCause, WaitOutcome,
};

fn sim_with(agents: u32, tweak: impl FnOnce(&mut QueueConfig)) -> Sim {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    tweak(&mut q);
    let agents = (1..=agents).map(|n| agent_profile(n, &[(1, 5)])).collect();
    Sim::new(tenant_config(1, vec![q], agents))
}

fn missed() -> AgentState {
    AgentState::NotReady {
        reason: ReasonCode::missed(),
    }
}

#[test]
fn rona_puts_the_call_back_at_the_head_and_the_agent_not_ready() {
    let mut sim = sim_with(2, |_| {});
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.advance(secs(1));
    sim.enqueue(2, 1); // waits behind call 1
    sim.take();
    sim.advance(secs(10)); // call 1 rings out at 10 s
    assert_eq!(sim.state(1), missed());
    let events = sim.events();
    assert!(events.contains(&AcdEventKind::AgentOfferMissed {
        agent: agent(1),
        call: call(1),
        reason: RequeueReason::RingTimeout,
    }));
    assert!(events.contains(&AcdEventKind::CallRequeued {
        call: call(1),
        queue: queue(1),
        reason: RequeueReason::RingTimeout,
    }));
    assert!(sim.recent.contains(&Output::OfferWithdrawn {
        call: call(1),
        agent: agent(1)
    }));
    assert!(sim.acd.call_rank(call(1)).is_some_and(|r| r.returned()));
    sim.take();
    sim.ready(2);
    assert_eq!(
        sim.offers(),
        [(call(1), agent(2))],
        "back at the head, ahead of call 2"
    );
    assert_eq!(sim.acd.agent_stats(agent(1)).map(|s| s.missed), Some(1));
    assert_eq!(
        sim.acd.queue_stats(queue(1)).map(|s| s.missed_offers),
        Some(1)
    );
}

#[test]
fn a_declined_offer_counts_as_missed() {
    let mut sim = sim_with(1, |_| {});
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.take();
    sim.input(Input::Decline {
        call: call(1),
        agent: agent(1),
    })
    .expect("decline");
    assert_eq!(sim.state(1), missed());
    assert!(sim.event_names().contains(&"queue.call_requeued"));
    assert_eq!(
        sim.input(Input::Accept {
            call: call(1),
            agent: agent(1)
        }),
        Err(InputError::NotOffered {
            call: call(1),
            agent: agent(1)
        })
    );
}

#[test]
fn a_caller_hanging_up_while_ringing_frees_the_agent_once() {
    let mut sim = sim_with(1, |_| {});
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.take();
    sim.input(Input::Abandon { call: call(1) })
        .expect("abandon");
    assert!(sim.recent.contains(&Output::OfferWithdrawn {
        call: call(1),
        agent: agent(1)
    }));
    assert_eq!(sim.state(1), AgentState::Available);
    assert_eq!(sim.outcomes(), [(call(1), WaitOutcome::Abandoned)]);
    assert_eq!(
        sim.input(Input::Abandon { call: call(1) }),
        Err(InputError::UnknownCall(call(1)))
    );
    sim.advance(secs(60));
    assert_eq!(sim.outcomes().len(), 1, "the ring timer died with the call");
    let stats = sim.acd.queue_stats(queue(1)).expect("queue");
    assert_eq!((stats.abandoned, stats.waiting), (1, 0));
}

#[test]
fn heartbeat_loss_logs_the_agent_out_and_requeues_the_offer() {
    let mut q = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 1)]);
    q.ring_timeout = secs(60);
    let mut config = tenant_config(
        1,
        vec![q],
        vec![agent_profile(1, &[(1, 5)]), agent_profile(2, &[(1, 5)])],
    );
    config.settings.heartbeat_timeout = secs(15);
    let mut sim = Sim::new(config);
    sim.ready(1);
    sim.ready(2);
    sim.advance(secs(10));
    sim.input(Input::Heartbeat { agent: agent(1) })
        .expect("beat");
    sim.enqueue(1, 1);
    assert_eq!(sim.offers(), [(call(1), agent(1))]);
    sim.take();
    sim.advance(secs(14)); // agent 1 still alive (last beat at 10 s), agent 2 is not
    assert_eq!(sim.state(2), AgentState::LoggedOut);
    assert_eq!(sim.state(1), AgentState::Reserved { call: call(1) });
    sim.advance(secs(1)); // 25 s: agent 1's beat is overdue
    assert_eq!(sim.state(1), AgentState::LoggedOut);
    assert!(sim.recent.contains(&Output::OfferWithdrawn {
        call: call(1),
        agent: agent(1)
    }));
    assert!(sim.events().iter().any(|e| matches!(
        e,
        AcdEventKind::AgentStateChanged { agent: a, cause: StateChangeCause::ConnectionLost, .. } if *a == agent(1)
    )));
    assert!(
        sim.acd
            .call(call(1))
            .is_some_and(|c| c.phase == kefu_acd::CallPhase::Waiting)
    );
    assert!(!sim.acd.is_routable(agent(1)));
}

#[test]
fn a_closed_connection_logs_out_at_once_and_the_call_goes_to_the_next_agent() {
    let mut sim = sim_with(2, |_| {});
    sim.ready(1);
    sim.advance(secs(1));
    sim.ready(2);
    sim.enqueue(1, 1);
    sim.take();
    sim.input(Input::AgentUnreachable { agent: agent(1) })
        .expect("lost");
    assert_eq!(sim.state(1), AgentState::LoggedOut);
    assert_eq!(sim.offers(), [(call(1), agent(2))]);
}

#[test]
fn not_ready_asked_during_a_call_applies_after_wrap_up() {
    let mut sim = sim_with(1, |q| q.after_call_work = secs(30));
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.accept(1, 1);
    sim.take();
    sim.not_ready(1, "lunch").expect("known reason");
    assert_eq!(sim.state(1), AgentState::OnCall { call: call(1) });
    assert_eq!(sim.event_names(), ["agent.state_change_deferred"]);
    sim.advance(secs(60));
    sim.hang_up(1);
    assert_eq!(sim.state(1), AgentState::AfterCallWork { call: call(1) });
    sim.enqueue(2, 1);
    sim.advance(secs(29));
    assert_eq!(sim.state(1), AgentState::AfterCallWork { call: call(1) });
    sim.take();
    sim.advance(secs(1));
    assert_eq!(
        sim.state(1),
        AgentState::NotReady {
            reason: ReasonCode::new("lunch")
        }
    );
    assert!(
        sim.offers().is_empty(),
        "call 2 must not ring an agent going to lunch"
    );
    let stats = sim.acd.queue_stats(queue(1)).expect("queue");
    assert_eq!(stats.average_handle_time(), Some(secs(90)));
}

#[test]
fn available_during_wrap_up_ends_it_early_and_unknown_reasons_are_refused() {
    let mut sim = sim_with(1, |q| q.after_call_work = secs(30));
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.accept(1, 1);
    sim.hang_up(1);
    assert_eq!(
        sim.not_ready(1, "coffee"),
        Err(InputError::UnknownReason(ReasonCode::new("coffee")))
    );
    sim.enqueue(2, 1);
    sim.take();
    sim.advance(secs(5));
    sim.ready(1);
    assert_eq!(sim.offers(), [(call(2), agent(1))]);
}

#[test]
fn supervisors_force_states_and_log_agents_out() {
    let mut sim = sim_with(2, |_| {});
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.take();
    // Forcing a ringing agent away withdraws the offer now.
    let state = RequestedState::NotReady {
        reason: ReasonCode::new("training"),
    };
    sim.input(Input::ForceAgentState {
        agent: agent(1),
        state,
    })
    .expect("force");
    assert_eq!(
        sim.state(1),
        AgentState::NotReady {
            reason: ReasonCode::new("training")
        }
    );
    assert!(sim.recent.contains(&Output::OfferWithdrawn {
        call: call(1),
        agent: agent(1)
    }));
    // A talking agent can be logged out; the conversation is the call actor's to end.
    sim.ready(2);
    sim.accept(1, 2);
    sim.input(Input::ForceAgentState {
        agent: agent(2),
        state: RequestedState::LoggedOut,
    })
    .expect("force");
    assert_eq!(sim.state(2), AgentState::LoggedOut);
    sim.hang_up(1);
    assert_eq!(
        sim.state(2),
        AgentState::LoggedOut,
        "no wrap-up for a logged-out agent"
    );
}

#[test]
fn inputs_naming_unknown_things_are_refused_without_effect() {
    let mut sim = sim_with(1, |_| {});
    assert_eq!(
        sim.input(Input::Heartbeat { agent: agent(9) }),
        Err(InputError::UnknownAgent(agent(9)))
    );
    let e = kefu_acd::EnqueueCall {
        call: call(1),
        queue: queue(9),
        priority: None,
        required_skills: vec![],
        attributes: Default::default(),
        last_agent: None,
    };
    assert_eq!(
        sim.input(Input::Enqueue(e)),
        Err(InputError::UnknownQueue(queue(9)))
    );
    sim.enqueue(1, 1);
    let again = kefu_acd::EnqueueCall {
        call: call(1),
        queue: queue(1),
        priority: None,
        required_skills: vec![],
        attributes: Default::default(),
        last_agent: None,
    };
    assert_eq!(
        sim.input(Input::Enqueue(again)),
        Err(InputError::DuplicateCall(call(1)))
    );
    assert_eq!(
        sim.input(Input::CallEnded { call: call(1) }),
        Err(InputError::NotConnected(call(1)))
    );
    assert_eq!(sim.acd.queue_stats(queue(1)).map(|s| s.entered), Some(1));
}

#[test]
fn every_state_change_is_an_event_with_stable_names() {
    let mut sim = sim_with(1, |q| q.after_call_work = secs(5));
    sim.ready(1);
    sim.enqueue(1, 1);
    sim.accept(1, 1);
    sim.hang_up(1);
    sim.advance(secs(5));
    let names: Vec<&str> = sim
        .log
        .iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.name()),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            "agent.state_changed", // logged out → available
            "queue.call_enqueued",
            "agent.state_changed", // → reserved
            "queue.call_offered",
            "queue.call_answered",
            "agent.state_changed", // → on call
            "agent.state_changed", // → after-call work
            "agent.state_changed", // → available
        ]
    );
    let json =
        serde_json::to_value(sim.log.iter().find(|o| matches!(o, Output::Event(_)))).expect("json");
    assert_eq!(json["output"], "event");
    assert_eq!(json["type"], "agent.state_changed");
    assert_eq!(json["to"]["state"], "available");
}
