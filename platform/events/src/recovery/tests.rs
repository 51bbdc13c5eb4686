use chrono::{DateTime, Duration, TimeZone, Utc};
use kefu_core::event::{CallEntry, CallReceived, Direction, Disposition, HangupBy, IvrActionKind};
use kefu_core::{CallId, DomainEvent, Event, EventId, TenantId};

use super::interrupted_ending;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

fn story(call: CallId, steps: Vec<(i64, DomainEvent)>) -> Vec<Event> {
    let tenant = TenantId::new();
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (secs, event))| Event {
            seq: i as u64 + 1,
            id: EventId::new(),
            tenant,
            at: t0() + Duration::seconds(secs),
            subject: call.to_string(),
            event,
        })
        .collect()
}

fn received(call: CallId) -> DomainEvent {
    DomainEvent::CallReceived(Box::new(CallReceived {
        call,
        direction: Direction::Inbound,
        caller: "+8613800138000".into(),
        dialled: "+15555550100".into(),
        did: None,
        trunk: None,
        entry: Some(CallEntry::Queue {
            queue: "Support".into(),
        }),
        sip_call_id: "x@y".into(),
        node: "n1".into(),
    }))
}

#[test]
fn a_call_stopped_while_queued_waited_until_its_last_event() {
    let call = CallId::new();
    let ended = interrupted_ending(&story(
        call,
        vec![
            (0, received(call)),
            (1, DomainEvent::CallAnswered { call }),
            (
                2,
                DomainEvent::CallIvrAction {
                    call,
                    action: IvrActionKind::Visit,
                    name: "main".into(),
                },
            ),
            (
                5,
                DomainEvent::CallQueued {
                    call,
                    queue: "Support".into(),
                    priority: 0,
                },
            ),
            (
                65,
                DomainEvent::CallIvrAction {
                    call,
                    action: IvrActionKind::Play,
                    name: "update".into(),
                },
            ),
        ],
    ))
    .unwrap();
    assert_eq!(ended.received.call, call);
    assert_eq!(ended.disposition, Disposition::Interrupted);
    assert_eq!(ended.hangup_by, HangupBy::System);
    assert_eq!(ended.started_at, t0());
    assert_eq!(ended.answered_at, Some(t0() + Duration::seconds(1)));
    assert_eq!(ended.ended_at, t0() + Duration::seconds(65));
    assert_eq!(ended.ivr_path, vec!["main".to_string()]);
    assert_eq!(ended.queue.as_deref(), Some("Support"));
    assert_eq!(ended.queue_wait_ms, Some(60_000));
    assert!(ended.reason.unwrap().contains("stopped"));
}

#[test]
fn a_call_that_left_its_queue_counts_only_the_wait_it_logged() {
    let call = CallId::new();
    let ended = interrupted_ending(&story(
        call,
        vec![
            (0, received(call)),
            (
                5,
                DomainEvent::CallQueued {
                    call,
                    queue: "Support".into(),
                    priority: 0,
                },
            ),
            (
                20,
                DomainEvent::CallDequeued {
                    call,
                    queue: "Support".into(),
                    waited_ms: 15_000,
                    reason: "timeout".into(),
                },
            ),
            (40, DomainEvent::CallAnswered { call }),
        ],
    ))
    .unwrap();
    assert_eq!(ended.queue_wait_ms, Some(15_000));
    assert_eq!(ended.answered_at, Some(t0() + Duration::seconds(40)));
    assert_eq!(ended.ended_at, t0() + Duration::seconds(40));
}

#[test]
fn a_story_without_its_start_gives_nothing() {
    let call = CallId::new();
    assert!(interrupted_ending(&[]).is_none());
    assert!(
        interrupted_ending(&story(call, vec![(1, DomainEvent::CallAnswered { call })])).is_none()
    );
}
