//! The live ACD driver: a tenant's engine built from its routing, positions announced, the
//! queue's maximum wait ending the wait, and refusals for unknown queues and skills.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kefu_acd::config::{QueueConfig, RoutingStrategy, ServiceLevelTarget};
use kefu_acd::{Millis, TenantConfig, WaitOutcome};
use kefu_calls::ServiceError;
use kefu_calls::ivr::{EnqueueFailure, EnqueueRequest as Enqueue, IvrError, SkillNeed};
use kefu_calls::{
    CallServices, InboundRequest, IvrSession, NewVoicemail, QueueHub, QueueNotice, Refusal, Route,
    Routing,
};
use kefu_core::{CallId, QueueId, TenantId, TenantScope};
use tokio::sync::mpsc;

struct OneQueue {
    queue: QueueId,
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
                    max_wait: Some(Millis(1_500)),
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
                }],
                agents: vec![],
                settings: Default::default(),
            },
            skills: vec![],
        })
    }
    async fn store_voicemail(&self, _: &TenantScope, _: NewVoicemail) -> Result<(), ServiceError> {
        Ok(())
    }
    async fn emit(&self, _: &TenantScope, _: kefu_core::DomainEvent) {}
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
    let hub = QueueHub::new(
        Arc::new(OneQueue {
            queue: QueueId::new(),
        }),
        Duration::from_secs(1),
    );
    let tenant = TenantId::new();
    let (first_tx, mut first) = mpsc::channel(16);
    let (second_tx, mut second) = mpsc::channel(16);
    hub.enqueue(tenant, CallId::new(), enqueue("Support"), first_tx)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    hub.enqueue(tenant, CallId::new(), enqueue("Support"), second_tx)
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
    let hub = QueueHub::new(
        Arc::new(OneQueue {
            queue: QueueId::new(),
        }),
        Duration::from_secs(1),
    );
    let tenant = TenantId::new();
    let (tx, mut rx) = mpsc::channel(16);
    let call = CallId::new();
    hub.enqueue(tenant, call, enqueue("Support"), tx)
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
        .enqueue(tenant, CallId::new(), enqueue("Sales"), tx)
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
        .enqueue(tenant, CallId::new(), with_skill, tx)
        .await
        .unwrap_err();
    assert_eq!(err, EnqueueFailure::UnknownSkill("Mandarin".into()));
}
