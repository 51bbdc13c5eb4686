//! Whatever order inputs come in, a call ends with every leg ended, its room closed, its queue
//! place given back, and exactly one `call.ended` as the last event before `Finished`.

use proptest::prelude::*;

use super::ending::{STAGES, reach};
use super::*;
use crate::ivr::{EnqueueFailure, EnqueueRequest, IvrError, TransferTarget, VoicemailRequest};

#[derive(Debug, Clone)]
enum Step {
    Wait(u64),
    Key(char),
    PlayEnds,
    Ivr(u8),
    IvrFails,
    Queue(u8),
    LegUp,
    LegFails(u16),
    LegBye,
    CallerBye,
    Cancel,
    Refreshed,
    RefreshFails,
    MediaFails,
    Stored,
    StoreFails,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u64..40_000).prop_map(Step::Wait),
        prop::sample::select(vec!['1', '2', '#', '*']).prop_map(Step::Key),
        Just(Step::PlayEnds),
        (0u8..8).prop_map(Step::Ivr),
        Just(Step::IvrFails),
        (0u8..4).prop_map(Step::Queue),
        Just(Step::LegUp),
        prop::sample::select(vec![486u16, 404, 603]).prop_map(Step::LegFails),
        Just(Step::LegBye),
        Just(Step::CallerBye),
        Just(Step::Cancel),
        Just(Step::Refreshed),
        Just(Step::RefreshFails),
        Just(Step::MediaFails),
        Just(Step::Stored),
        Just(Step::StoreFails),
    ]
}

fn actions(which: u8) -> Vec<IvrAction> {
    match which {
        0 => vec![IvrAction::Answer, play("p", true)],
        1 => vec![collect("menu", true, true)],
        2 => vec![IvrAction::Enqueue(EnqueueRequest::to("q"))],
        3 => vec![IvrAction::Transfer(TransferTarget::Number(
            "+8613900000000".into(),
        ))],
        4 => vec![IvrAction::Voicemail(VoicemailRequest {
            mailbox: "m".into(),
            greeting: Vec::new(),
        })],
        5 => vec![IvrAction::HangUp],
        6 => Vec::new(),
        _ => vec![IvrAction::Visit("n".into()), play("q", false)],
    }
}

fn apply(c: &mut Call, step: &Step) {
    let last_play = plays(&c.log).last().map(|(id, _)| *id);
    let last_leg = c.log.iter().rev().find_map(|o| match o {
        Output::Dial { leg, .. } => Some(*leg),
        _ => None,
    });
    match step {
        Step::Wait(ms) => {
            c.after(Duration::from_millis(*ms));
        }
        Step::Key(k) => {
            c.feed(Input::Dtmf(LegId::CALLER, *k));
        }
        Step::PlayEnds => {
            if let Some(id) = last_play {
                c.feed(Input::PlayFinished(id));
            }
        }
        Step::Ivr(which) => {
            c.feed(Input::Ivr(Ok(actions(*which))));
        }
        Step::IvrFails => {
            c.feed(Input::Ivr(Err(IvrError::Trapped("x".into()))));
        }
        Step::Queue(which) => {
            c.feed(Input::Queue(match which {
                0 => QueueInput::Waiting,
                1 => QueueInput::Refused(EnqueueFailure::UnknownQueue),
                2 => QueueInput::Position {
                    position: 2,
                    estimated_wait_secs: Some(60),
                },
                _ => QueueInput::Released("TimedOut".into()),
            }));
        }
        Step::LegUp => {
            if let Some(leg) = last_leg {
                c.feed(Input::LegAnswered(leg));
            }
        }
        Step::LegFails(status) => {
            if let Some(leg) = last_leg {
                c.feed(Input::LegEnded(leg, LegEnd::Failed(Some(*status))));
            }
        }
        Step::LegBye => {
            if let Some(leg) = last_leg {
                c.feed(Input::LegEnded(leg, LegEnd::Bye));
            }
        }
        Step::CallerBye => {
            c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
        }
        Step::Cancel => {
            c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Cancelled));
        }
        Step::Refreshed => {
            c.feed(Input::LegRefreshed(LegId::CALLER));
        }
        Step::RefreshFails => {
            c.feed(Input::RefreshFailed(LegId::CALLER, "503".into()));
        }
        Step::MediaFails => {
            c.feed(Input::MediaFailed("gone".into()));
        }
        Step::Stored => {
            c.feed(Input::VoicemailStored { duration_ms: 100 });
        }
        Step::StoreFails => {
            c.feed(Input::VoicemailFailed("down".into()));
        }
    }
}

/// Ends the call the way the driver would: the caller hangs up, a pending voicemail is
/// answered, the room closes.
fn finish(c: &mut Call) {
    if !c.m.is_finished() {
        c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
        if c.log
            .iter()
            .any(|o| matches!(o, Output::StoreVoicemail { .. }))
            && !c.log.contains(&Output::CloseRoom)
        {
            c.feed(Input::VoicemailStored { duration_ms: 100 });
        }
        if !c.m.is_finished() {
            c.feed(Input::RoomClosed(MediaSummary::default()));
        }
    }
}

fn check(c: &Call) -> Result<(), TestCaseError> {
    prop_assert!(c.m.is_finished());
    prop_assert_eq!(c.log.last(), Some(&Output::Finished));
    prop_assert_eq!(c.log.iter().filter(|o| **o == Output::Finished).count(), 1);
    prop_assert_eq!(c.log.iter().filter(|o| **o == Output::CloseRoom).count(), 1);
    let ended = c
        .log
        .iter()
        .filter(|o| matches!(o, Output::Emit(DomainEvent::CallEnded(_))))
        .count();
    prop_assert_eq!(ended, 1);
    prop_assert!(matches!(
        c.log.iter().rev().nth(1),
        Some(Output::Emit(DomainEvent::CallEnded(_)))
    ));
    prop_assert!(c.m.room_members().is_empty());
    // Every leg ever placed is ended, and was hung up or reported gone.
    for output in &c.log {
        if let Output::Dial { leg, .. } = output {
            prop_assert_eq!(c.m.leg_state(*leg), Some(LegState::Ended));
        }
    }
    prop_assert_eq!(c.m.leg_state(LegId::CALLER), Some(LegState::Ended));
    // A queue place taken is given back (left, or released by the queue) before the end.
    let enqueued = c
        .log
        .iter()
        .filter(|o| matches!(o, Output::Enqueue(_)))
        .count();
    let left = c.log.iter().filter(|o| **o == Output::LeaveQueue).count();
    prop_assert!(left <= enqueued);
    // A recording started is stopped.
    let on = c
        .log
        .iter()
        .filter(|o| matches!(o, Output::Record { on: true, .. }))
        .count();
    let off = c
        .log
        .iter()
        .filter(|o| matches!(o, Output::Record { on: false, .. }))
        .count();
    prop_assert_eq!(on, off);
    // Nothing happens after the room closed but the record.
    let closed = c
        .log
        .iter()
        .position(|o| *o == Output::CloseRoom)
        .unwrap_or(0);
    for output in &c.log[closed + 1..] {
        prop_assert!(
            matches!(output, Output::Emit(_) | Output::Finished),
            "{:?} after the room closed",
            output
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_input_order_leaves_a_leg_or_a_member_behind(
        stage in 0usize..STAGES.len(),
        steps in prop::collection::vec(step(), 0..24),
    ) {
        let mut c = reach(STAGES[stage]);
        for step in &steps {
            apply(&mut c, step);
        }
        finish(&mut c);
        check(&c)?;
        // Inputs after the end change nothing.
        for step in &steps {
            apply(&mut c, step);
        }
        prop_assert!(c.m.poll_output().is_none());
    }
}
