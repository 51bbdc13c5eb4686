//! Property tests: random sequences of agent, caller, plugin and clock events against a tenant
//! that uses every strategy and rule, with the routing invariants checked after every single
//! engine call (each input and each timeout).
//!
//! Checked: an agent never holds two offers or calls; no call waits while an eligible routable
//! agent exists; a call never gets an agent that a better-ranked waiting call could have taken;
//! no agent looks available past its heartbeat deadline; every call ends exactly once and all
//! end; replaying the recorded engine calls gives the same outputs and state.

#[path = "../common/mod.rs"]
mod common;
mod world;

use std::collections::BTreeMap;

use common::*;
use kefu_acd::config::*;
use kefu_acd::{Acd, Millis, Output, TenantConfig};
use proptest::prelude::*;
use world::{Call, World};

const AGENTS: u32 = 6;
const HEARTBEAT: Millis = Millis(20_000);

fn config() -> TenantConfig {
    let step = |after, action| OverflowStep {
        after: secs(after),
        action,
    };
    let mut q1 = queue_config(1, RoutingStrategy::LongestIdle, &[(1, 5)]);
    q1.overflow = vec![
        step(6, OverflowAction::RelaxSkills { levels: 3 }),
        step(12, OverflowAction::AddQueue { queue: queue(3) }),
        step(
            50,
            OverflowAction::LeaveQueue {
                destination: LeaveDestination::Voicemail,
            },
        ),
    ];
    q1.max_wait = Some(secs(60));
    q1.sticky = Some(StickyRouting { wait: secs(4) });
    q1.skill_rules = vec![SkillRule {
        attribute: "language".into(),
        equals: "fr".into(),
        requirement: SkillRequirement {
            skill: skill(3),
            min_level: level(5),
        },
    }];
    q1.priority_rules = vec![PriorityRule {
        attribute: "vip".into(),
        equals: "yes".into(),
        priority: prio(9),
    }];
    q1.after_call_work = secs(2);
    q1.ring_timeout = secs(5);
    let mut q2 = queue_config(2, RoutingStrategy::MostSkilled, &[(2, 5)]);
    q2.aging = Some(Aging {
        every: secs(3),
        up_to: prio(8),
    });
    q2.backup = Some(BackupAgents {
        agents: vec![agent(6)],
        activate_after: secs(7),
        release_below: secs(3),
    });
    q2.max_wait = Some(secs(45));
    q2.ring_timeout = secs(4);
    let mut q3 = queue_config(3, RoutingStrategy::RoundRobin, &[(3, 4)]);
    q3.router_plugin = Some(RouterPlugin {
        max_candidates: 3,
        deadline: Millis(2_000),
    });
    q3.max_wait = Some(secs(30));
    q3.ring_timeout = secs(6);
    q3.after_call_work = secs(1);
    let mut q4 = queue_config(4, RoutingStrategy::RingAll, &[(1, 1)]);
    q4.max_wait = Some(secs(35));
    q4.ring_timeout = secs(3);
    let mut q5 = queue_config(5, RoutingStrategy::LeastOccupied, &[]);
    q5.max_wait = Some(secs(20));
    let agents = vec![
        agent_profile(1, &[(1, 8), (2, 3)]),
        agent_profile(2, &[(1, 5), (3, 5)]),
        agent_profile(3, &[(1, 2), (3, 6)]),
        agent_profile(4, &[(2, 7), (3, 4)]),
        agent_profile(5, &[(3, 9), (2, 5)]),
        agent_profile(6, &[(1, 1)]),
    ];
    let mut c = tenant_config(3, vec![q1, q2, q3, q4, q5], agents);
    c.settings.heartbeat_timeout = HEARTBEAT;
    c.settings.ring_all_limit = 3;
    c
}

#[derive(Debug, Clone)]
enum Op {
    Ready(u32),
    NotReady(u32),
    LogOut(u32),
    Force(u32, u8),
    Heartbeat(u32),
    Unreachable(u32),
    Enqueue {
        queue: u32,
        priority: u8,
        french: bool,
        vip: bool,
        last: Option<u32>,
    },
    Accept(u32),
    Decline(u32),
    Abandon(usize),
    HangUp(usize),
    WrapUpDone(u32),
    Scores(usize, Vec<i64>),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let a = || 1..=AGENTS;
    prop_oneof![
        6 => a().prop_map(Op::Ready),
        1 => a().prop_map(Op::NotReady),
        1 => a().prop_map(Op::LogOut),
        1 => (a(), 0u8..3).prop_map(|(a, k)| Op::Force(a, k)),
        2 => a().prop_map(Op::Heartbeat),
        1 => a().prop_map(Op::Unreachable),
        5 => (1u32..=5, 1u8..=10, any::<bool>(), any::<bool>(), proptest::option::of(a()))
            .prop_map(|(queue, priority, french, vip, last)| Op::Enqueue { queue, priority, french, vip, last }),
        6 => a().prop_map(Op::Accept),
        1 => a().prop_map(Op::Decline),
        1 => any::<usize>().prop_map(Op::Abandon),
        3 => any::<usize>().prop_map(Op::HangUp),
        1 => a().prop_map(Op::WrapUpDone),
        3 => (any::<usize>(), proptest::collection::vec(-5i64..5, 0..4)).prop_map(|(i, s)| Op::Scores(i, s)),
        5 => (0u64..8_000).prop_map(Op::Advance),
    ]
}

fn replay(recorded: &[Call]) -> (Acd, Vec<Output>) {
    let mut acd = Acd::new(config()).expect("valid");
    let mut outputs = vec![];
    for call in recorded {
        match call {
            Call::Input(at, input) => {
                let _ = acd.handle_input(*at, input.clone());
            }
            Call::Timeout(at) => acd.handle_timeout(*at),
        }
        while let Some(o) = acd.poll_output() {
            outputs.push(o);
        }
    }
    (acd, outputs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn routing_invariants_hold_for_any_event_sequence(ops in proptest::collection::vec(op(), 1..120)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
        }
        world.wind_down();
        if std::env::var_os("ACD_PROP_STATS").is_some() {
            let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
            for o in &world.outputs {
                let k = match o {
                    Output::Event(e) => e.name().to_owned(),
                    Output::WaitEnded { outcome, .. } => format!("{outcome:?}").split_whitespace().next().unwrap_or("").to_owned(),
                    other => format!("{other:?}").split_whitespace().next().unwrap_or("").to_owned(),
                };
                *kinds.entry(k).or_default() += 1;
            }
            eprintln!("{kinds:?}");
        }
        let (replayed, outputs) = replay(&world.recorded);
        prop_assert_eq!(&outputs, &world.outputs);
        prop_assert_eq!(format!("{replayed:?}"), format!("{:?}", world.acd));
    }
}
