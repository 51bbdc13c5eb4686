use kefu_core::TenantId;

use super::*;
use crate::config::*;

fn sid(n: u32) -> SkillId {
    format!("skl_{n:026}").parse().expect("test id")
}
fn qid(n: u32) -> QueueId {
    format!("que_{n:026}").parse().expect("test id")
}
fn aid(n: u32) -> AgentId {
    format!("agt_{n:026}").parse().expect("test id")
}
fn lvl(n: u8) -> Level {
    serde_json::from_value(serde_json::json!(n)).expect("any u8 deserializes")
}

fn queue(n: u32) -> QueueConfig {
    QueueConfig {
        id: qid(n),
        name: format!("q{n}"),
        strategy: RoutingStrategy::LongestIdle,
        required_skills: vec![SkillRequirement {
            skill: sid(1),
            min_level: lvl(3),
        }],
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
        after_call_work: Millis::from_secs(10),
        expected_handle_time: Millis::from_secs(120),
        overflow: vec![],
        sticky: None,
        backup: None,
        router_plugin: None,
    }
}

fn config() -> TenantConfig {
    TenantConfig {
        tenant: format!("ten_{:026}", 1).parse().expect("test id"),
        skills: vec![sid(1), sid(2)],
        reason_codes: vec![ReasonCode::new("lunch")],
        queues: vec![queue(1), queue(2)],
        agents: vec![AgentProfile {
            id: aid(1),
            skills: vec![AgentSkill {
                skill: sid(1),
                level: lvl(5),
            }],
        }],
        settings: EngineSettings::default(),
    }
}

fn add_queue(target: u32) -> OverflowStep {
    OverflowStep {
        after: Millis::from_secs(30),
        action: OverflowAction::AddQueue { queue: qid(target) },
    }
}

fn fields(result: Result<(), InvalidConfig>) -> Vec<String> {
    result
        .err()
        .map(|e| e.errors.into_iter().map(|e| e.field).collect())
        .unwrap_or_default()
}

#[test]
fn a_sound_configuration_passes() {
    assert_eq!(validate(&config()), Ok(()));
    let _ = TenantId::PREFIX;
}

#[test]
fn unknown_skills_are_named_by_field() {
    let mut c = config();
    c.queues[1].required_skills.push(SkillRequirement {
        skill: sid(9),
        min_level: lvl(1),
    });
    c.agents[0].skills.push(AgentSkill {
        skill: sid(8),
        level: lvl(1),
    });
    let err = validate(&c).expect_err("unknown skills");
    assert_eq!(err.errors[0].field, "agents[0].skills[1].skill");
    assert_eq!(err.errors[0].problem, ConfigProblem::UnknownSkill(sid(8)));
    assert_eq!(err.errors[1].field, "queues[1].required_skills[1].skill");
}

#[test]
fn levels_and_priorities_must_be_one_to_ten() {
    let mut c = config();
    c.queues[0].required_skills[0].min_level = lvl(0);
    c.agents[0].skills[0].level = lvl(11);
    c.queues[1].default_priority = serde_json::from_value(serde_json::json!(42)).expect("u8");
    assert_eq!(
        fields(validate(&c)),
        [
            "agents[0].skills[0].level",
            "queues[0].required_skills[0].min_level",
            "queues[1].default_priority"
        ]
    );
    let err = validate(&c).expect_err("bad levels");
    assert_eq!(err.errors[0].problem, ConfigProblem::LevelOutOfRange(11));
    assert!(
        err.to_string().contains("level 11 is outside 1–10"),
        "{err}"
    );
}

#[test]
fn overflow_loops_between_queues_are_refused() {
    let mut c = config();
    c.queues[0].overflow = vec![
        OverflowStep {
            after: Millis::from_secs(10),
            action: OverflowAction::RelaxSkills { levels: 1 },
        },
        add_queue(2),
    ];
    c.queues[1].overflow = vec![add_queue(1)];
    let err = validate(&c).expect_err("loop");
    assert_eq!(err.errors[0].field, "queues[0].overflow[1].queue");
    assert_eq!(
        err.errors[0].problem,
        ConfigProblem::OverflowLoop(vec![qid(1), qid(2), qid(1)])
    );
    assert_eq!(err.errors[1].field, "queues[1].overflow[0].queue");
    // Editing one queue reports fields relative to it.
    assert_eq!(
        fields(validate_queue(&c.queues[0], &c)),
        ["overflow[1].queue"]
    );
}

#[test]
fn a_queue_cannot_overflow_into_itself_or_nowhere() {
    let mut c = config();
    c.queues[0].overflow = vec![add_queue(1), add_queue(7)];
    let err = validate(&c).expect_err("self loop and unknown queue");
    assert_eq!(
        err.errors[0].problem,
        ConfigProblem::OverflowLoop(vec![qid(1), qid(1)])
    );
    assert_eq!(err.errors[1].field, "queues[0].overflow[1].queue");
    assert_eq!(err.errors[1].problem, ConfigProblem::UnknownQueue(qid(7)));
}

#[test]
fn a_chain_without_a_loop_is_fine() {
    let mut c = config();
    c.queues.push(queue(3));
    c.queues[0].overflow = vec![add_queue(2), add_queue(3)];
    c.queues[1].overflow = vec![add_queue(3)];
    assert_eq!(validate(&c), Ok(()));
}

#[test]
fn steps_run_in_time_order_and_nothing_follows_leaving() {
    let mut c = config();
    c.queues[0].overflow = vec![
        OverflowStep {
            after: Millis::from_secs(60),
            action: OverflowAction::UseBackupAgents,
        },
        OverflowStep {
            after: Millis::from_secs(30),
            action: OverflowAction::LeaveQueue {
                destination: LeaveDestination::Voicemail,
            },
        },
        OverflowStep {
            after: Millis::from_secs(90),
            action: OverflowAction::RelaxSkills { levels: 0 },
        },
    ];
    assert_eq!(
        fields(validate(&c)),
        [
            "queues[0].overflow[1].after",
            "queues[0].overflow[2]",
            "queues[0].overflow[2].levels"
        ]
    );
}

#[test]
fn other_fields_name_themselves() {
    let mut c = config();
    c.reason_codes.push(ReasonCode::new("lunch"));
    c.reason_codes.push(ReasonCode::missed());
    c.queues.push(queue(1));
    c.queues[0].ring_timeout = Millis::ZERO;
    c.queues[0].service_level.percent = 120;
    c.queues[1].backup = Some(BackupAgents {
        agents: vec![aid(5)],
        activate_after: Millis::from_secs(10),
        release_below: Millis::from_secs(20),
    });
    c.queues[1].router_plugin = Some(RouterPlugin {
        max_candidates: 1,
        deadline: Millis(50),
    });
    assert_eq!(
        fields(validate(&c)),
        [
            "queues[2]",
            "reason_codes[1]",
            "reason_codes[2]",
            "queues[0].service_level.percent",
            "queues[0].ring_timeout",
            "queues[1].backup.agents[0]",
            "queues[1].backup.release_below",
            "queues[1].router_plugin.max_candidates",
        ]
    );
}

#[test]
fn configuration_round_trips_through_json() {
    let mut c = config();
    c.queues[0].overflow = vec![
        add_queue(2),
        OverflowStep {
            after: Millis::from_secs(90),
            action: OverflowAction::LeaveQueue {
                destination: LeaveDestination::Callback,
            },
        },
    ];
    let json = serde_json::to_value(&c).expect("serialize");
    assert_eq!(json["queues"][0]["overflow"][1]["action"], "leave_queue");
    assert_eq!(json["queues"][0]["overflow"][1]["destination"], "callback");
    let back: TenantConfig = serde_json::from_value(json).expect("deserialize");
    assert_eq!(back, c);
}
