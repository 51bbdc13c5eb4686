//! The live ACD driver: a tenant's engine built from its routing, positions announced, the
//! queue's maximum wait ending the wait, and refusals for unknown queues and skills.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kefu_acd::AgentState;
use kefu_acd::config::{AgentProfile, QueueConfig, RoutingStrategy, ServiceLevelTarget};
use kefu_acd::{Millis, TenantConfig, WaitOutcome};
use kefu_calls::ServiceError;
use kefu_calls::ivr::{EnqueueFailure, EnqueueRequest as Enqueue, IvrError, SkillNeed};
use kefu_calls::{
    AgentCommand, AgentNotice, CallServices, DeskError, InboundRequest, IvrSession, NewVoicemail,
    QueueHub, QueueNotice, Refusal, Route, Routing,
};
use kefu_core::{AgentId, CallId, QueueId, TenantId, TenantScope};
use tokio::sync::mpsc;

struct OneQueue {
    queue: QueueId,
    agents: Vec<AgentId>,
    max_wait: Millis,
    /// What the hub logged for the tenant.
    agent_events: Arc<std::sync::Mutex<Vec<kefu_core::DomainEvent>>>,
}

impl OneQueue {
    fn new() -> OneQueue {
        OneQueue {
            queue: QueueId::new(),
            agents: vec![],
            max_wait: Millis(1_500),
            agent_events: Arc::default(),
        }
    }
}

fn caller() -> String {
    "+8613800138000".into()
}

#[async_trait]
impl CallServices for OneQueue {
    async fn route(&self, _: &InboundRequest) -> Result<Route, Refusal> {
        Err(Refusal {
            status: 404,
            reason: "test".into(),
            challenge: None,
        })
    }
    async fn ivr_session(&self, _: &TenantScope, _: &str) -> Result<Box<dyn IvrSession>, IvrError> {
        Err(IvrError::Unavailable("no plugins here".into()))
    }
    async fn outbound_trunk(
        &self,
        _: &TenantScope,
    ) -> Result<kefu_calls::OutboundTrunk, ServiceError> {
        Err(ServiceError::NotConfigured("no trunks here".into()))
    }
    async fn tenant_prompt(&self, _: TenantId, _: &str) -> Option<Vec<u8>> {
        None
    }
    async fn routing(&self, tenant: TenantId) -> Result<Routing, ServiceError> {
        Ok(Routing {
            config: TenantConfig {
                tenant,
                skills: vec![],
                reason_codes: vec![],
                queues: vec![QueueConfig {
                    id: self.queue,
                    name: "Support".into(),
                    strategy: RoutingStrategy::LongestIdle,
                    required_skills: vec![],
                    default_priority: Default::default(),
                    priority_rules: vec![],
                    skill_rules: vec![],
                    aging: None,
                    max_wait: Some(self.max_wait),
                    service_level: ServiceLevelTarget {
                        percent: 80,
                        within: Millis::from_secs(20),
                    },
                    ring_timeout: Millis::from_secs(2),
                    after_call_work: Millis::from_secs(30),
                    expected_handle_time: Millis::from_secs(180),
                    overflow: vec![],
                    sticky: None,
                    backup: None,
                    router_plugin: None,
                }],
                agents: self
                    .agents
                    .iter()
                    .map(|id| AgentProfile {
                        id: *id,
                        skills: vec![],
                    })
                    .collect(),
                settings: Default::default(),
            },
            skills: vec![],
        })
    }
    async fn store_voicemail(&self, _: &TenantScope, _: NewVoicemail) -> Result<(), ServiceError> {
        Ok(())
    }
    async fn emit(&self, _: &TenantScope, _: kefu_core::DomainEvent) {}
    async fn emit_for_tenant(&self, _: TenantId, event: kefu_core::DomainEvent) {
        self.agent_events.lock().unwrap().push(event);
    }
}

fn enqueue(queue: &str) -> Enqueue {
    Enqueue {
        queue: queue.into(),
        priority: 0,
        required_skills: vec![],
        data: vec![],
    }
}

#[tokio::test]
async fn queued_calls_hear_their_position_and_time_out_at_the_queues_limit() {
    let hub = QueueHub::new(Arc::new(OneQueue::new()), Duration::from_secs(1));
    let tenant = TenantId::new();
    let (first_tx, mut first) = mpsc::channel(16);
    let (second_tx, mut second) = mpsc::channel(16);
    hub.enqueue(
        tenant,
        CallId::new(),
        caller(),
        enqueue("Support"),
        first_tx,
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    hub.enqueue(
        tenant,
        CallId::new(),
        caller(),
        enqueue("Support"),
        second_tx,
    )
    .await
    .unwrap();
    // Positions straight away: 1 and 2 (no agent staffed: no estimate).
    assert_eq!(
        first.recv().await,
        Some(QueueNotice::Position {
            position: 1,
            estimated_wait_secs: None
        })
    );
    assert_eq!(
        second.recv().await,
        Some(QueueNotice::Position {
            position: 2,
            estimated_wait_secs: None
        })
    );
    // No agent ever answers: the queue's 1.5 s maximum wait ends both waits, once each.
    let ended = |rx: &mut mpsc::Receiver<QueueNotice>| {
        let mut rx = std::mem::replace(rx, mpsc::channel(1).1);
        async move {
            loop {
                match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                    Ok(Some(QueueNotice::Ended(outcome))) => return outcome,
                    Ok(Some(QueueNotice::Position { .. })) => continue,
                    other => panic!("no end of wait: {other:?}"),
                }
            }
        }
    };
    assert_eq!(ended(&mut first).await, WaitOutcome::TimedOut);
    assert_eq!(ended(&mut second).await, WaitOutcome::TimedOut);
}

#[tokio::test]
async fn a_caller_who_leaves_is_not_timed_out_and_unknown_queues_and_skills_are_refused() {
    let hub = QueueHub::new(Arc::new(OneQueue::new()), Duration::from_secs(1));
    let tenant = TenantId::new();
    let (tx, mut rx) = mpsc::channel(16);
    let call = CallId::new();
    hub.enqueue(tenant, call, caller(), enqueue("Support"), tx)
        .await
        .unwrap();
    assert!(matches!(
        rx.recv().await,
        Some(QueueNotice::Position { position: 1, .. })
    ));
    hub.leave(tenant, call).await;
    // The hub drops the call's channel and never reports an end for it. A position update
    // sent before the hub saw the leave (every second; a busy machine can take that long
    // between the two) may still be in the channel: those are fine, an end is not.
    // More than a few would mean the leave was never seen.
    for late in 0.. {
        match tokio::time::timeout(Duration::from_secs(3), rx.recv()).await {
            Ok(Some(QueueNotice::Position { .. })) if late < 3 => continue,
            Ok(None) => break,
            other => panic!("the call that left got {other:?} (after {late} late updates)"),
        }
    }

    let (tx, _rx) = mpsc::channel(16);
    let err = hub
        .enqueue(tenant, CallId::new(), caller(), enqueue("Sales"), tx)
        .await
        .unwrap_err();
    assert_eq!(err, EnqueueFailure::UnknownQueue);
    let (tx, _rx) = mpsc::channel(16);
    let mut with_skill = enqueue("Support");
    with_skill.required_skills = vec![SkillNeed {
        skill: "Mandarin".into(),
        min_level: 3,
    }];
    let err = hub
        .enqueue(tenant, CallId::new(), caller(), with_skill, tx)
        .await
        .unwrap_err();
    assert_eq!(err, EnqueueFailure::UnknownSkill("Mandarin".into()));
}

/// The next notice that is not a position update, within 5 s.
async fn next_call_notice(rx: &mut mpsc::Receiver<QueueNotice>) -> QueueNotice {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(QueueNotice::Position { .. })) => continue,
            Ok(Some(notice)) => return notice,
            other => panic!("no notice: {other:?}"),
        }
    }
}

async fn next_agent_notice(rx: &mut mpsc::Receiver<AgentNotice>) -> AgentNotice {
    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        Ok(Some(notice)) => notice,
        other => panic!("no agent notice: {other:?}"),
    }
}

#[tokio::test]
async fn agents_get_offers_miss_them_accept_hang_up_and_wrap_up() {
    let (a1, a2) = (AgentId::new(), AgentId::new());
    let logged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let hub = QueueHub::new(
        Arc::new(OneQueue {
            agents: vec![a1, a2],
            max_wait: Millis::from_secs(60),
            agent_events: logged.clone(),
            ..OneQueue::new()
        }),
        Duration::from_secs(30),
    );
    let tenant = TenantId::new();
    // Someone who is not an agent cannot go on-line.
    let (tx, _) = mpsc::channel(8);
    assert_eq!(
        hub.agent_online(tenant, AgentId::new(), tx).await,
        Err(DeskError::NotAnAgent)
    );
    let (tx1, mut n1) = mpsc::channel(16);
    hub.agent_online(tenant, a1, tx1).await.unwrap();
    assert_eq!(
        next_agent_notice(&mut n1).await,
        AgentNotice::State {
            state: AgentState::LoggedOut
        }
    );
    hub.agent_command(tenant, a1, AgentCommand::Ready)
        .await
        .unwrap();
    assert_eq!(
        next_agent_notice(&mut n1).await,
        AgentNotice::State {
            state: AgentState::Available
        }
    );

    // A call comes: it rings agent 1, who has the caller's number and the IVR's data.
    let (tx, mut call_rx) = mpsc::channel(16);
    let call = CallId::new();
    let mut request = enqueue("Support");
    request.data = vec![("account".into(), "42".into())];
    hub.enqueue(tenant, call, caller(), request, tx)
        .await
        .unwrap();
    assert_eq!(
        next_call_notice(&mut call_rx).await,
        QueueNotice::Offered { agent: a1 }
    );
    let ringing = [
        next_agent_notice(&mut n1).await,
        next_agent_notice(&mut n1).await,
    ];
    let reserved = AgentNotice::State {
        state: AgentState::Reserved { call },
    };
    assert!(ringing.contains(&reserved), "{ringing:?}");
    match ringing
        .iter()
        .find(|n| matches!(n, AgentNotice::Offered { .. }))
    {
        Some(AgentNotice::Offered {
            call: c,
            queue,
            caller: from,
            data,
            ring_ms,
        }) => {
            assert_eq!(
                (*c, queue.as_str(), from.clone()),
                (call, "Support", caller())
            );
            assert_eq!(data, &[("account".to_string(), "42".to_string())]);
            assert!(*ring_ms <= 2_000, "{ring_ms}");
        }
        other => panic!("no offer: {other:?} in {ringing:?}"),
    }

    // Agent 2 comes on-line; agent 1 lets the call ring out: RONA.
    let (tx2, mut n2) = mpsc::channel(16);
    hub.agent_online(tenant, a2, tx2).await.unwrap();
    next_agent_notice(&mut n2).await;
    hub.agent_command(tenant, a2, AgentCommand::Ready)
        .await
        .unwrap();
    assert_eq!(
        next_agent_notice(&mut n2).await,
        AgentNotice::State {
            state: AgentState::Available
        }
    );
    assert_eq!(
        next_call_notice(&mut call_rx).await,
        QueueNotice::Offered { agent: a2 }
    );
    let ringing = [
        next_agent_notice(&mut n2).await,
        next_agent_notice(&mut n2).await,
    ];
    assert!(
        ringing
            .iter()
            .any(|n| matches!(n, AgentNotice::Offered { call: c, .. } if *c == call)),
        "{ringing:?}"
    );
    let mut missed = Vec::new();
    while missed.len() < 2 {
        missed.push(next_agent_notice(&mut n1).await);
    }
    assert!(
        missed.contains(&AgentNotice::OfferWithdrawn { call }),
        "{missed:?}"
    );
    assert!(
        missed.iter().any(|n| matches!(n, AgentNotice::State { state: AgentState::NotReady { reason } } if reason.as_str() == "missed")),
        "{missed:?}"
    );
    // Agent 1 cannot take it now; agent 2 accepts.
    assert!(
        hub.agent_command(tenant, a1, AgentCommand::Accept { call })
            .await
            .is_err()
    );
    hub.agent_command(tenant, a2, AgentCommand::Accept { call })
        .await
        .unwrap();
    assert_eq!(
        next_call_notice(&mut call_rx).await,
        QueueNotice::Ended(WaitOutcome::Answered { agent: a2 })
    );
    // Only the talking agent may hang up; the call hears of it.
    assert!(
        hub.agent_command(tenant, a1, AgentCommand::HangUp { call })
            .await
            .is_err()
    );
    hub.agent_command(tenant, a2, AgentCommand::HangUp { call })
        .await
        .unwrap();
    assert_eq!(
        next_call_notice(&mut call_rx).await,
        QueueNotice::AgentHangUp
    );
    hub.call_ended(tenant, call).await;
    let mut states = Vec::new();
    loop {
        match next_agent_notice(&mut n2).await {
            AgentNotice::State {
                state: s @ AgentState::AfterCallWork { .. },
            } => {
                states.push(s);
                break;
            }
            other => states.push(other_state(other)),
        }
    }
    assert!(
        states
            .iter()
            .any(|s| matches!(s, AgentState::OnCall { call: c } if *c == call)),
        "{states:?}"
    );
    hub.agent_command(tenant, a2, AgentCommand::WrapUpDone)
        .await
        .unwrap();
    assert_eq!(
        next_agent_notice(&mut n2).await,
        AgentNotice::State {
            state: AgentState::Available
        }
    );

    // Every step is in the tenant's log as an `agent.*` event.
    use kefu_core::DomainEvent as E;
    use kefu_core::event::MissReason;
    // Logged by a task of its own: give it a moment.
    let mut log = Vec::new();
    for _ in 0..50 {
        log = logged.lock().unwrap().clone();
        if log.iter().any(|e| matches!(e, E::AgentWrapUpEnded { .. })) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for wanted in [
        E::AgentLoggedIn { agent: a1 },
        E::AgentOffered {
            agent: a1,
            call,
            queue: "Support".into(),
        },
        E::AgentMissed {
            agent: a1,
            call,
            reason: MissReason::NoAnswer,
        },
        E::AgentWrapUpStarted { agent: a2, call },
        E::AgentWrapUpEnded {
            agent: a2,
            call,
            code: None,
        },
    ] {
        assert!(log.contains(&wanted), "{wanted:?} missing from {log:?}");
    }
    assert!(
        log.iter().any(|e| matches!(e, E::AgentStateChanged(s)
        if s.agent == a1 && s.reason.as_deref() == Some("missed"))),
        "{log:?}"
    );

    // A second tab takes over agent 2's session; the first is told.
    let (tx3, mut n3) = mpsc::channel(16);
    hub.agent_online(tenant, a2, tx3).await.unwrap();
    assert_eq!(next_agent_notice(&mut n2).await, AgentNotice::Replaced);
    assert_eq!(
        next_agent_notice(&mut n3).await,
        AgentNotice::State {
            state: AgentState::Available
        }
    );
}

fn other_state(notice: AgentNotice) -> AgentState {
    match notice {
        AgentNotice::State { state } => state,
        other => panic!("unexpected {other:?}"),
    }
}
