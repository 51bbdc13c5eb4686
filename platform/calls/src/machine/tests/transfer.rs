//! Transfers to external numbers: answered, busy, no answer, cancelled, unreachable.

use super::*;
use crate::ivr::{TransferFailure, TransferTarget};

const NUMBER: &str = "+8613900000000";

fn transferring() -> (Call, LegId, SourceId) {
    let mut c = Call::ivr();
    let out = c.ivr_says(vec![IvrAction::Transfer(TransferTarget::Number(
        NUMBER.into(),
    ))]);
    let leg = out.iter().find_map(|o| match o {
        Output::Dial { leg, number } if number == NUMBER => Some(*leg),
        _ => None,
    });
    let leg = leg.expect("dialled");
    assert_eq!(c.m.leg_role(leg), Some(LegRole::External));
    assert_eq!(c.m.leg_state(leg), Some(LegState::Dialing));
    let tone = out.iter().find_map(|o| match o {
        Output::AddSource(id, SourceKind::Ringback(_)) => Some(*id),
        _ => None,
    });
    let tone = tone.expect("ringback for the caller");
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(tone)),
        Volume::FULL
    );
    assert!(out.contains(&Output::Answer(LegId::CALLER)));
    (c, leg, tone)
}

fn failed(reason: TransferFailure) -> IvrEvent {
    IvrEvent::TransferFailed {
        target: TransferTarget::Number(NUMBER.into()),
        reason,
    }
}

#[test]
fn an_answered_transfer_bridges_the_caller_and_the_far_end() {
    let (mut c, leg, tone) = transferring();
    c.after(Duration::from_secs(4));
    let out = c.feed(Input::LegAnswered(leg));
    assert!(out.contains(&Output::Remove(Member::Source(tone))));
    assert_eq!(c.m.volume(LegId::CALLER, Member::Leg(leg)), Volume::FULL);
    assert_eq!(c.m.volume(leg, Member::Leg(LegId::CALLER)), Volume::FULL);
    for member in c.m.room_members() {
        if let Member::Source(source) = member {
            assert_eq!(
                c.m.volume(LegId::CALLER, Member::Source(source)),
                Volume::OFF,
                "the caller hears only the far end"
            );
        }
    }
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Emit(DomainEvent::CallTransferred { .. })))
    );
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Emit(DomainEvent::CallConnected { .. })))
    );
    // The far end hangs up: the call is over, the caller gets a BYE.
    c.after(Duration::from_secs(60));
    let out = c.feed(Input::LegEnded(leg, LegEnd::Bye));
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    let e = c.close();
    assert_eq!(
        disposition(&e),
        (Disposition::Transferred, HangupBy::System)
    );
}

#[test]
fn busy_and_rejected_transfers_go_back_to_the_ivr() {
    for (status, reason) in [
        (486, TransferFailure::Busy),
        (603, TransferFailure::Rejected),
        (480, TransferFailure::NoAnswer),
        (404, TransferFailure::Unreachable),
    ] {
        let (mut c, leg, tone) = transferring();
        let out = c.feed(Input::LegEnded(leg, LegEnd::Failed(Some(status))));
        assert_eq!(asked(&out), [failed(reason)], "{status}");
        assert!(out.contains(&Output::Remove(Member::Leg(leg))));
        assert!(out.contains(&Output::Remove(Member::Source(tone))));
        assert_eq!(c.m.leg_state(leg), Some(LegState::Ended));
    }
}

#[test]
fn nobody_answering_in_time_is_no_answer() {
    let (mut c, leg, _) = transferring();
    assert!(asked(&c.after(Duration::from_secs(29))).is_empty());
    let out = c.after(Duration::from_secs(1));
    assert!(out.contains(&Output::HangUp(leg)), "{out:?}");
    assert_eq!(asked(&out), [failed(TransferFailure::NoAnswer)]);
    // The far end answering too late is hung up, not bridged.
    let out = c.feed(Input::LegAnswered(leg));
    assert!(
        !out.iter().any(|o| matches!(o, Output::Hear { .. })),
        "{out:?}"
    );
}

#[test]
fn the_caller_hanging_up_cancels_the_ringing_leg() {
    let (mut c, leg, _) = transferring();
    let out = c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
    assert!(out.contains(&Output::HangUp(leg)), "{out:?}");
    assert_eq!(c.m.leg_state(leg), Some(LegState::Ended));
    // Its answer arriving afterwards changes nothing.
    assert!(c.feed(Input::LegAnswered(leg)).is_empty());
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::EndedInIvr, HangupBy::Caller));
}

#[test]
fn agents_and_malformed_numbers_are_unreachable_without_dialling() {
    for target in [
        TransferTarget::Agent("agt_1".into()),
        TransferTarget::Number("12345".into()),
        TransferTarget::Number("+86abc".into()),
    ] {
        let mut c = Call::ivr();
        let out = c.ivr_says(vec![IvrAction::Transfer(target.clone())]);
        assert!(
            !out.iter().any(|o| matches!(o, Output::Dial { .. })),
            "{out:?}"
        );
        assert_eq!(
            asked(&out),
            [IvrEvent::TransferFailed {
                target,
                reason: TransferFailure::Unreachable
            }]
        );
    }
}
