//! An agent takes a queued call: the offer, the accept that brings the agent's audio in, the
//! bridge, who hangs up, and the record.

use super::*;
use crate::ivr::EnqueueRequest;
use kefu_core::AgentId;

fn waiting() -> (Call, SourceId) {
    let mut c = Call::ivr();
    c.ivr_says(vec![
        IvrAction::Answer,
        IvrAction::Enqueue(EnqueueRequest::to("support")),
    ]);
    let out = c.feed(Input::Queue(QueueInput::Waiting));
    let music = out
        .iter()
        .find_map(|o| match o {
            Output::AddSource(id, SourceKind::Music) => Some(*id),
            _ => None,
        })
        .expect("hold music");
    (c, music)
}

/// Offer, accept, the agent's audio in: returns the agent's leg.
fn answered(c: &mut Call, agent: AgentId, music: SourceId) -> LegId {
    let out = c.feed(Input::Queue(QueueInput::Offered { agent }));
    assert!(out.iter().any(|o| matches!(o,
        Output::Emit(DomainEvent::CallOffered { agent: a, queue, .. }) if *a == agent && queue == "support")));
    // Still waiting, still hearing music while it rings.
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(music)),
        Volume::MUSIC
    );
    c.after(Duration::from_secs(4));
    let out = c.feed(Input::Queue(QueueInput::Answered { agent }));
    let leg = out
        .iter()
        .find_map(|o| match o {
            Output::ConnectAgent { leg, agent: a } if *a == agent => Some(*leg),
            _ => None,
        })
        .expect("the agent is brought in");
    assert!(
        out.contains(&Output::Remove(Member::Source(music))),
        "{out:?}"
    );
    assert_eq!(c.m.leg_role(leg), Some(LegRole::Agent));
    // Nobody hears the agent until the audio is in.
    assert_eq!(c.m.volume(LegId::CALLER, Member::Leg(leg)), Volume::OFF);
    let out = c.feed(Input::LegAnswered(leg));
    assert_eq!(c.m.volume(LegId::CALLER, Member::Leg(leg)), Volume::FULL);
    assert_eq!(c.m.volume(leg, Member::Leg(LegId::CALLER)), Volume::FULL);
    assert!(out.iter().any(|o| matches!(o,
        Output::Emit(DomainEvent::CallConnected { to: ConnectedTo::Agent { agent: a }, .. }) if *a == agent)));
    leg
}

#[test]
fn an_agent_answers_talks_and_hangs_up_and_the_record_says_so() {
    let (mut c, music) = waiting();
    let agent = AgentId::new();
    let leg = answered(&mut c, agent, music);
    c.after(Duration::from_secs(42));
    let out = c.feed(Input::LegEnded(leg, LegEnd::Bye));
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    // The agent's leg is released (moved home by the driver), never removed from the room.
    assert!(out.contains(&Output::HangUp(leg)), "{out:?}");
    assert!(!out.contains(&Output::Remove(Member::Leg(leg))), "{out:?}");
    assert!(out.contains(&Output::CloseRoom));
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::Answered, HangupBy::Agent));
    assert_eq!(e.agents, [agent]);
    assert_eq!(e.talk_ms, Some(42_000));
    assert_eq!(e.queue.as_deref(), Some("support"));
    assert_eq!(e.queue_wait_ms, Some(4_000));
}

#[test]
fn the_caller_hanging_up_releases_the_agent_leg() {
    let (mut c, music) = waiting();
    let agent = AgentId::new();
    let leg = answered(&mut c, agent, music);
    c.after(Duration::from_secs(10));
    let out = c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
    // The agent's leg is let go before the room closes (its audio outlives the call).
    assert!(!out.contains(&Output::Remove(Member::Leg(leg))), "{out:?}");
    let hang = out.iter().position(|o| *o == Output::HangUp(leg));
    let close = out.iter().position(|o| *o == Output::CloseRoom);
    assert!(
        matches!((hang, close), (Some(h), Some(c)) if h < c),
        "{out:?}"
    );
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::Answered, HangupBy::Caller));
    assert_eq!(e.talk_ms, Some(10_000));
}

#[test]
fn audio_that_cannot_join_ends_the_call_as_failed_not_silent() {
    let (mut c, music) = waiting();
    let agent = AgentId::new();
    c.feed(Input::Queue(QueueInput::Offered { agent }));
    let out = c.feed(Input::Queue(QueueInput::Answered { agent }));
    let leg = out
        .iter()
        .find_map(|o| match o {
            Output::ConnectAgent { leg, .. } => Some(*leg),
            _ => None,
        })
        .expect("connect");
    let _ = music;
    let out = c.feed(Input::LegEnded(leg, LegEnd::Lost("no audio".into())));
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    let e = c.close();
    assert_eq!(e.disposition, Disposition::Failed);
    assert_eq!(e.reason.as_deref(), Some("no audio"));
    assert!(e.agents.is_empty());
    assert_eq!(e.talk_ms, None);
}

#[test]
fn an_offer_outside_a_queue_or_a_second_answer_changes_nothing() {
    let mut c = Call::ivr();
    let agent = AgentId::new();
    let out = c.feed(Input::Queue(QueueInput::Offered { agent }));
    assert!(out.is_empty(), "{out:?}");
    let out = c.feed(Input::Queue(QueueInput::Answered { agent }));
    assert!(
        !out.iter().any(|o| matches!(o, Output::ConnectAgent { .. })),
        "{out:?}"
    );
    let (mut c, music) = waiting();
    answered(&mut c, agent, music);
    let out = c.feed(Input::Queue(QueueInput::Answered {
        agent: AgentId::new(),
    }));
    assert!(
        !out.iter().any(|o| matches!(o, Output::ConnectAgent { .. })),
        "{out:?}"
    );
}

#[test]
fn the_agents_keys_go_to_the_caller_and_nobody_elses_do() {
    let (mut c, music) = waiting();
    let agent = AgentId::new();
    let leg = answered(&mut c, agent, music);
    let out = c.feed(Input::Dtmf(leg, '5'));
    assert_eq!(
        out,
        [Output::SendDtmf {
            leg: LegId::CALLER,
            key: '5'
        }]
    );
    // A leg that is not the talking agent's sends nothing anywhere.
    let out = c.feed(Input::Dtmf(LegId(99), '6'));
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn hold_plays_music_to_the_caller_silences_both_and_is_counted_apart_from_talk() {
    let (mut c, music) = waiting();
    let agent = AgentId::new();
    let leg = answered(&mut c, agent, music);
    c.after(Duration::from_secs(10));
    let out = c.feed(Input::AgentHold(true));
    let hold_music = out
        .iter()
        .find_map(|o| match o {
            Output::AddSource(id, SourceKind::Music) => Some(*id),
            _ => None,
        })
        .expect("music for the held caller");
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(hold_music)),
        Volume::MUSIC
    );
    assert_eq!(c.m.volume(LegId::CALLER, Member::Leg(leg)), Volume::OFF);
    assert_eq!(c.m.volume(leg, Member::Leg(LegId::CALLER)), Volume::OFF);
    assert!(out.iter().any(|o| matches!(o,
        Output::Emit(DomainEvent::CallHeld { by: Some(a), .. }) if *a == agent)));
    // Holding twice changes nothing; the agent's keys do not reach a held caller.
    assert!(c.feed(Input::AgentHold(true)).is_empty());
    assert!(c.feed(Input::Dtmf(leg, '1')).is_empty());
    c.after(Duration::from_secs(20));
    let out = c.feed(Input::AgentHold(false));
    assert!(
        out.contains(&Output::Remove(Member::Source(hold_music))),
        "{out:?}"
    );
    assert_eq!(c.m.volume(LegId::CALLER, Member::Leg(leg)), Volume::FULL);
    assert_eq!(c.m.volume(leg, Member::Leg(LegId::CALLER)), Volume::FULL);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Emit(DomainEvent::CallResumed { .. })))
    );
    // A second hold, still going when the caller hangs up, counts to the end.
    c.after(Duration::from_secs(5));
    c.feed(Input::AgentHold(true));
    c.after(Duration::from_secs(3));
    c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
    let e = c.close();
    assert_eq!(e.talk_ms, Some(15_000));
    assert_eq!(e.hold_ms, Some(23_000));
    assert_eq!(e.holds, 2);
}

#[test]
fn nothing_to_hold_without_an_agent_on_the_line() {
    let (mut c, _) = waiting();
    assert!(c.feed(Input::AgentHold(true)).is_empty());
    let e = {
        c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
        c.close()
    };
    assert_eq!((e.hold_ms, e.holds), (None, 0));
}
