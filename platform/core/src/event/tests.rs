use chrono::{TimeZone, Utc};

use super::*;
use crate::{CallId, DidId, EventId, InstallationId, TenantId, TrunkId};

fn received(call: CallId) -> CallReceived {
    CallReceived {
        call,
        direction: Direction::Inbound,
        caller: "+8613800000000".into(),
        dialled: "+15555550100".into(),
        did: Some(DidId::new()),
        trunk: Some(TrunkId::new()),
        entry: Some(CallEntry::Ivr {
            installation: InstallationId::new(),
        }),
        sip_call_id: "abc@10.0.0.1".into(),
        node: "node-1".into(),
    }
}

fn ended(call: CallId) -> CallEnded {
    let at = Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
    CallEnded {
        received: received(call),
        started_at: at,
        answered_at: Some(at),
        ended_at: at + chrono::Duration::seconds(42),
        disposition: Disposition::AbandonedInQueue,
        hangup_by: HangupBy::Caller,
        ivr_path: vec!["main".into(), "sales".into()],
        queue: Some("Support".into()),
        queue_wait_ms: Some(30_000),
        call_data: vec![("account".into(), "42".into())],
        agents: Vec::new(),
        talk_ms: None,
        hold_ms: None,
        holds: 0,
        media: MediaSummary {
            packets_received: 10,
            ..MediaSummary::default()
        },
        reason: None,
    }
}

/// One of every kind, so the name/subject/serde tests cover them all.
fn every_kind() -> Vec<DomainEvent> {
    let call = CallId::new();
    let agent = AgentId::new();
    let recording = RecordingId::new();
    vec![
        DomainEvent::TenantCreated {
            tenant: TenantId::new(),
        },
        DomainEvent::UserInvited {
            user: UserId::new(),
            role: Role::Agent,
        },
        DomainEvent::UserRoleChanged {
            user: UserId::new(),
            role: Role::Admin,
        },
        DomainEvent::UserDisabledChanged {
            user: UserId::new(),
            disabled: true,
        },
        DomainEvent::CallReceived(Box::new(received(call))),
        DomainEvent::CallAnswered { call },
        DomainEvent::CallIvrAction {
            call,
            action: IvrActionKind::Visit,
            name: "main".into(),
        },
        DomainEvent::CallQueued {
            call,
            queue: "Support".into(),
            priority: 0,
        },
        DomainEvent::CallDequeued {
            call,
            queue: "Support".into(),
            waited_ms: 5,
            reason: "timeout".into(),
        },
        DomainEvent::CallOffered {
            call,
            agent,
            queue: "Support".into(),
        },
        DomainEvent::CallRinging { call, agent },
        DomainEvent::CallConnected {
            call,
            to: ConnectedTo::Agent { agent },
        },
        DomainEvent::CallHeld {
            call,
            by: Some(agent),
        },
        DomainEvent::CallResumed { call, by: None },
        DomainEvent::CallTransferred {
            call,
            target: TransferTarget::Number {
                number: "+15555550199".into(),
            },
            by: None,
        },
        DomainEvent::CallVoicemail {
            call,
            mailbox: "Support".into(),
            duration_ms: 1200,
        },
        DomainEvent::CallRecorded { call, recording },
        DomainEvent::CallEnded(Box::new(ended(call))),
        DomainEvent::AgentLoggedIn { agent },
        DomainEvent::AgentLoggedOut {
            agent,
            reason: Some("connection lost".into()),
        },
        DomainEvent::AgentStateChanged(AgentStateChanged {
            agent,
            from: AgentPresence::Ready,
            to: AgentPresence::NotReady,
            reason: Some("lunch".into()),
            in_previous_ms: None,
        }),
        DomainEvent::AgentOffered {
            agent,
            call,
            queue: "Support".into(),
        },
        DomainEvent::AgentMissed {
            agent,
            call,
            reason: MissReason::NoAnswer,
        },
        DomainEvent::AgentWrapUpStarted { agent, call },
        DomainEvent::AgentWrapUpEnded {
            agent,
            call,
            code: None,
        },
        DomainEvent::QueueDepthChanged {
            queue: "Support".into(),
            waiting: 3,
            longest_wait_ms: 9_000,
        },
        DomainEvent::QueueOverflowed {
            queue: "Support".into(),
            call,
            to: "Overflow".into(),
        },
        DomainEvent::PluginFailed {
            installation: InstallationId::new(),
            invocation: crate::PluginInvocationId::new(),
            export: "on-event".into(),
            kind: PluginFailureKind::Trapped,
            detail: "cpu".into(),
        },
        DomainEvent::RecordingStarted { recording, call },
        DomainEvent::RecordingPaused {
            recording,
            by: Some(agent),
        },
        DomainEvent::RecordingResumed {
            recording,
            by: Some(agent),
        },
        DomainEvent::RecordingStored(RecordingStored {
            recording,
            call,
            duration_ms: 1,
            bytes: 2,
        }),
        DomainEvent::RecordingFailed {
            recording,
            call,
            reason: "disk".into(),
        },
    ]
}

#[test]
fn every_kind_round_trips_through_its_stored_parts() {
    for event in every_kind() {
        let data = event.data_json();
        let back = DomainEvent::from_parts(event.name(), &data)
            .unwrap_or_else(|e| panic!("{}: {e}: {data}", event.name()));
        assert_eq!(back, event, "{}", event.name());
    }
}

#[test]
fn the_json_type_is_the_stable_name() {
    for event in every_kind() {
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], event.name());
        assert!(json.get("data").is_some(), "{}", event.name());
    }
}

#[test]
fn names_are_unique_and_namespaced() {
    let names: Vec<_> = every_kind().iter().map(DomainEvent::name).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    for name in names {
        let family = name.split('.').next().unwrap();
        assert!(
            [
                "tenant",
                "user",
                "call",
                "agent",
                "queue",
                "plugin",
                "recording"
            ]
            .contains(&family),
            "{name}"
        );
    }
}

#[test]
fn call_events_name_their_call_as_subject_and_in_data() {
    let call = CallId::new();
    for event in every_kind() {
        if event.name().starts_with("call.") {
            let json = serde_json::to_value(&event).unwrap();
            let in_data = json["data"]["call"].as_str().unwrap().to_string();
            assert_eq!(event.subject(), in_data, "{}", event.name());
        }
    }
    let e = DomainEvent::CallEnded(Box::new(ended(call)));
    assert_eq!(e.subject(), call.to_string());
}

#[test]
fn agent_events_name_their_agent() {
    for event in every_kind() {
        if event.name().starts_with("agent.") {
            assert!(event.agent().is_some(), "{}", event.name());
            assert_eq!(event.subject(), event.agent().unwrap().to_string());
        }
    }
}

#[test]
fn the_envelope_flattens_type_and_data() {
    let call = CallId::new();
    let event = Event {
        seq: 7,
        id: EventId::new(),
        tenant: TenantId::new(),
        at: Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap(),
        subject: call.to_string(),
        event: DomainEvent::CallAnswered { call },
    };
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["seq"], 7);
    assert_eq!(json["type"], "call.answered");
    assert_eq!(json["data"]["call"], call.to_string());
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back, event);
}

#[test]
fn an_unknown_type_or_bad_data_is_an_error_not_a_panic() {
    assert!(DomainEvent::from_parts("call.exploded", "{}").is_err());
    assert!(DomainEvent::from_parts("call.answered", "{\"call\": 5}").is_err());
    assert!(DomainEvent::from_parts("call.answered", "not json").is_err());
}
