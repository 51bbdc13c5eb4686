//! Unit tests of engine internals; behaviour is tested through the public API in `tests/`.

use super::*;
use crate::config::{AgentProfile, AgentSkill, QueueConfig, ServiceLevelTarget, SkillRequirement};
use crate::level::{Level, Priority};

fn sid(n: u32) -> SkillId {
    format!("skl_{n:026}").parse().expect("test id")
}

fn queue(n: u32, skills: &[u32]) -> QueueConfig {
    QueueConfig {
        id: format!("que_{n:026}").parse().expect("test id"),
        name: String::new(),
        strategy: crate::config::RoutingStrategy::MostSkilled,
        required_skills: skills
            .iter()
            .map(|s| SkillRequirement {
                skill: sid(*s),
                min_level: Level::MIN,
            })
            .collect(),
        default_priority: Priority::NORMAL,
        priority_rules: vec![],
        skill_rules: vec![],
        aging: None,
        max_wait: None,
        service_level: ServiceLevelTarget {
            percent: 80,
            within: Millis::from_secs(20),
        },
        ring_timeout: Millis::from_secs(15),
        after_call_work: Millis::ZERO,
        expected_handle_time: Millis::from_secs(60),
        overflow: vec![],
        sticky: None,
        backup: None,
        router_plugin: None,
    }
}

#[test]
fn an_agent_looks_for_calls_only_in_queues_whose_skills_it_has() {
    let config = TenantConfig {
        tenant: format!("ten_{:026}", 1).parse().expect("test id"),
        skills: vec![sid(1), sid(2), sid(3)],
        reason_codes: vec![],
        queues: vec![
            queue(1, &[1]),
            queue(2, &[1, 2]),
            queue(3, &[3]),
            queue(4, &[]),
        ],
        agents: vec![AgentProfile {
            id: format!("agt_{:026}", 1).parse().expect("test id"),
            skills: [2, 1]
                .iter()
                .map(|s| AgentSkill {
                    skill: sid(*s),
                    level: Level::MAX,
                })
                .collect(),
        }],
        settings: EngineSettings::default(),
    };
    let acd = Acd::new(config).expect("valid");
    let queues: Vec<u32> = acd.agents[0].queues.iter().map(|q| q.0).collect();
    assert_eq!(queues, [0, 1, 3]);
    // Skills are sorted by index for binary search, whatever the configured order.
    assert_eq!(
        acd.agents[0]
            .skills
            .iter()
            .map(|(s, _)| s.0)
            .collect::<Vec<_>>(),
        [0, 1]
    );
    // Most-skilled keeps a level order only for each queue's primary skill.
    assert!(
        acd.skills[0]
            .available
            .keeps(crate::config::RoutingStrategy::MostSkilled)
    );
    assert!(
        !acd.skills[1]
            .available
            .keeps(crate::config::RoutingStrategy::MostSkilled)
    );
}
