//! The `router` and `crm` worlds through the real host: the first-party `vip-router` plugin and
//! the `crm-card` test guest, with the same limits, log, replay and tenant check as `ivr`.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use kefu_plugin_host::crm::{CallOutcome, CallSummary, CrmAction};
use kefu_plugin_host::router::{Call, Candidate, Score, SkillLevel};
use kefu_plugin_host::*;

const VIP: &str = "+8613800138000";
const SENIOR: &str = "agt_senior";

fn world_manifest(name: &str, world: &str, capabilities: serde_json::Value) -> Manifest {
    serde_json::from_value(serde_json::json!({
        "name": name, "version": "1.0.0", "world": world, "capabilities": capabilities,
    }))
    .unwrap()
}

fn vip_router(host: &PluginHost) -> Arc<Plugin> {
    let manifest = world_manifest("vip-router", "router", serde_json::json!({"config": true}));
    host.load(manifest, &guest("vip_router")).unwrap()
}

fn vip_installation() -> Arc<Installation> {
    let mut installation = Installation::new(kefu_core::TenantId::new());
    installation.config.insert(
        "vip".into(),
        serde_json::json!({"callers": [VIP], "senior_agents": [SENIOR, "agt_lead"]}),
    );
    Arc::new(installation)
}

fn call(caller: &str) -> Call {
    Call {
        call_id: "call_01".into(),
        queue: "que_sales".into(),
        priority: 5,
        waited_ms: 12_000,
        required_skills: vec![SkillRequirement {
            skill: "sales".into(),
            min_level: 3,
        }],
        caller: caller.into(),
        data: Vec::new(),
    }
}

fn candidate(agent: &str, last: bool) -> Candidate {
    Candidate {
        agent_id: agent.into(),
        skills: vec![SkillLevel {
            skill: "sales".into(),
            level: 5,
        }],
        idle_ms: 30_000,
        calls_today: 4,
        last_agent_for_caller: last,
    }
}

fn candidates() -> Vec<Candidate> {
    vec![
        candidate("agt_junior", false),
        candidate(SENIOR, false),
        candidate("agt_lead", true),
    ]
}

const DEADLINE: Duration = Duration::from_millis(200);

#[tokio::test]
async fn vip_router_scores_senior_agents_up_for_vip_callers_only() {
    let (host, _) = host();
    let plugin = vip_router(&host);
    let installation = vip_installation();
    let scored = host
        .router_score(&plugin, &installation, &call(VIP), &candidates(), DEADLINE)
        .await;
    let score = |agent: &str, score: i32| Score {
        agent_id: agent.into(),
        score,
    };
    assert_eq!(
        scored.output,
        Some(Ok(vec![
            score("agt_junior", 0),
            score(SENIOR, 100),
            score("agt_lead", 101),
        ])),
        "{:?}",
        scored.invocation.outcome
    );
    assert_eq!(scored.invocation.world, World::Router);
    assert_eq!(scored.invocation.function, "score");
    // Anyone else: no scores, the queue's order stands.
    let other = host
        .router_score(
            &plugin,
            &installation,
            &call("+8613900000000"),
            &candidates(),
            DEADLINE,
        )
        .await;
    assert_eq!(other.output, Some(Ok(vec![])));
}

#[tokio::test]
async fn vip_router_without_config_is_a_plugin_error() {
    let (host, _) = host();
    let plugin = vip_router(&host);
    let scored = host
        .router_score(
            &plugin,
            &installation(),
            &call(VIP),
            &candidates(),
            DEADLINE,
        )
        .await;
    match scored.output {
        Some(Err(error)) => assert_eq!(error.kind, ErrorKind::InvalidConfig),
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

#[tokio::test]
async fn router_calls_are_logged_and_replayed() {
    let (host, log) = host();
    let plugin = vip_router(&host);
    let installation = vip_installation();
    let scored = host
        .router_score(&plugin, &installation, &call(VIP), &candidates(), DEADLINE)
        .await;
    assert_eq!(log.entries(), vec![scored.invocation.clone()]);
    let replay = host
        .replay(&installation, &scored.invocation)
        .await
        .unwrap();
    assert!(replay.identical);
    assert_eq!(replay.invocation.input, scored.invocation.input);
}

fn crm_card(host: &PluginHost) -> Arc<Plugin> {
    let manifest = world_manifest("crm-card", "crm", serde_json::json!({"config": true}));
    host.load(manifest, &guest("crm_card")).unwrap()
}

fn crm_installation() -> Arc<Installation> {
    let mut installation = Installation::new(kefu_core::TenantId::new());
    installation
        .config
        .insert("customers".into(), serde_json::json!({VIP: "Li Wei"}));
    Arc::new(installation)
}

fn summary(tenant: &str, outcome: CallOutcome) -> CallSummary {
    CallSummary {
        call_id: "call_01".into(),
        tenant_id: tenant.into(),
        caller: VIP.into(),
        dialled: "+862150000000".into(),
        queue: Some("que_sales".into()),
        agent_id: None,
        started_at_ms: 1_795_000_000_000,
        wait_secs: 95,
        talk_secs: 0,
        outcome,
        wrap_up_code: None,
        data: vec![("customer-id".into(), "cus_42".into())],
        required_skills: Vec::new(),
    }
}

#[tokio::test]
async fn crm_lookup_returns_the_card_of_a_known_caller() {
    let (host, _) = host();
    let plugin = crm_card(&host);
    let installation = crm_installation();
    let context = context(&installation.tenant.to_string(), &[]);
    let found = host.crm_lookup(&plugin, &installation, VIP, &context).await;
    let card = found.output.unwrap().unwrap().expect("a card");
    assert_eq!(card.display_name, "Li Wei");
    assert_eq!(card.tags, vec!["known".to_owned()]);
    let unknown = host
        .crm_lookup(&plugin, &installation, "+8613900000000", &context)
        .await;
    assert_eq!(unknown.output, Some(Ok(None)));
    assert_eq!(unknown.invocation.function, "lookup");
}

#[tokio::test]
async fn crm_on_call_ended_returns_post_call_actions_and_replays() {
    let (host, _) = host();
    let plugin = crm_card(&host);
    let installation = crm_installation();
    let tenant = installation.tenant.to_string();
    let ended = host
        .crm_on_call_ended(
            &plugin,
            &installation,
            &summary(&tenant, CallOutcome::Abandoned),
        )
        .await;
    let actions = ended.output.unwrap().unwrap();
    assert_eq!(actions[0], CrmAction::LinkCustomer("cus_42".into()));
    assert!(matches!(&actions[1], CrmAction::AddNote(note) if note.contains("Abandoned")));
    assert!(matches!(&actions[2], CrmAction::ScheduleCallback(cb) if cb.queue == "que_sales"));
    let replay = host.replay(&installation, &ended.invocation).await.unwrap();
    assert!(replay.identical);
}

#[tokio::test]
async fn crm_inputs_for_another_tenant_are_refused() {
    let (host, _) = host();
    let plugin = crm_card(&host);
    let installation = crm_installation();
    let stranger = kefu_core::TenantId::new().to_string();
    let mismatch = Outcome::Rejected(Rejection::TenantMismatch {
        input: stranger.clone(),
        installation: installation.tenant.to_string(),
    });
    let lookup = host
        .crm_lookup(&plugin, &installation, VIP, &context(&stranger, &[]))
        .await;
    assert!(lookup.output.is_none());
    assert_eq!(lookup.invocation.outcome, mismatch);
    let ended = host
        .crm_on_call_ended(
            &plugin,
            &installation,
            &summary(&stranger, CallOutcome::Answered),
        )
        .await;
    assert!(ended.output.is_none());
    assert_eq!(ended.invocation.outcome, mismatch);
}

#[tokio::test]
async fn crm_and_router_run_within_the_installations_limits() {
    let (host, _) = host();
    let crm = crm_card(&host);
    let mut limited = Installation::new(kefu_core::TenantId::new());
    limited.limits.cpu = Duration::from_millis(20);
    let limited = Arc::new(limited);
    let context = context(&limited.tenant.to_string(), &[]);
    let spun = host.crm_lookup(&crm, &limited, "loop", &context).await;
    assert_eq!(spun.invocation.outcome, Outcome::Trapped(Trap::CpuLimit));

    // A router's output is capped like any other.
    let router = vip_router(&host);
    let mut small = (*vip_installation()).clone();
    small.limits.max_output_bytes = 16;
    let small = Arc::new(small);
    let scored = host
        .router_score(&router, &small, &call(VIP), &candidates(), DEADLINE)
        .await;
    assert!(scored.output.is_none());
    assert!(matches!(
        scored.invocation.outcome,
        Outcome::Rejected(Rejection::OutputTooLarge { limit: 16, .. })
    ));
}

#[tokio::test]
async fn the_wall_clock_cap_stops_a_guest_that_only_computes() {
    // The CPU limit is far away; the wall-clock cap is enforced at epoch ticks too, not only
    // when the guest waits on the host.
    let (host, _) = host();
    let crm = crm_card(&host);
    let mut limited = Installation::new(kefu_core::TenantId::new());
    limited.limits.cpu = Duration::from_secs(5);
    limited.limits.wall = Duration::from_millis(20);
    let limited = Arc::new(limited);
    let context = context(&limited.tenant.to_string(), &[]);
    let spun = host.crm_lookup(&crm, &limited, "loop", &context).await;
    assert_eq!(
        spun.invocation.outcome,
        Outcome::Trapped(Trap::WallClockLimit)
    );
    let took = Duration::from_micros(spun.invocation.duration_us);
    assert!(took < Duration::from_millis(500), "stopped late: {took:?}");
}

#[tokio::test]
async fn the_router_deadline_caps_the_wall_clock() {
    // A deadline already spent: the ACD has decided without scores, so an answer is too late.
    let (host, _) = host();
    let plugin = vip_router(&host);
    let scored = host
        .router_score(
            &plugin,
            &vip_installation(),
            &call(VIP),
            &candidates(),
            Duration::ZERO,
        )
        .await;
    assert_eq!(
        scored.invocation.outcome,
        Outcome::Trapped(Trap::WallClockLimit)
    );
}

#[tokio::test]
async fn calling_another_worlds_function_is_refused() {
    let (host, _) = host();
    let router = vip_router(&host);
    let installation = vip_installation();
    let context = context(&installation.tenant.to_string(), &[]);
    let wrong = host
        .ivr_on_event(&router, &installation, &context, &ivr::Event::CallStarted)
        .await;
    assert_eq!(
        wrong.invocation.outcome,
        Outcome::Rejected(Rejection::WrongWorld {
            plugin: World::Router,
            called: World::Ivr,
        })
    );
    // A component loaded under the wrong world's manifest does not load.
    let as_crm = world_manifest("vip-router", "crm", serde_json::json!({"config": true}));
    assert!(matches!(
        host.load(as_crm, &guest("vip_router")),
        Err(LoadError::WorldMismatch { .. })
    ));
}
