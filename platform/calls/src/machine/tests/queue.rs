//! Queueing: music and announcements, position updates, the queue letting go, an enqueue
//! refused, the built-in queue entry.

use super::*;
use crate::ivr::{EnqueueFailure, EnqueueRequest, VoicemailRequest};

fn queued() -> (Call, SourceId) {
    let mut c = Call::ivr();
    let out = c.ivr_says(vec![
        IvrAction::Answer,
        IvrAction::Enqueue(EnqueueRequest::to("support")),
    ]);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Enqueue(r) if r.queue == "support"))
    );
    let out = c.feed(Input::Queue(QueueInput::Waiting));
    let music = out.iter().find_map(|o| match o {
        Output::AddSource(id, SourceKind::Music) => Some(*id),
        _ => None,
    });
    let music = music.expect("hold music");
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(music)),
        Volume::MUSIC
    );
    assert!(out.iter().any(
        |o| matches!(o, Output::Emit(DomainEvent::CallQueued { queue, .. }) if queue == "support")
    ));
    (c, music)
}

#[test]
fn the_queue_letting_go_returns_the_call_to_the_ivr() {
    let (mut c, music) = queued();
    c.after(Duration::from_secs(95));
    let out = c.feed(Input::Queue(QueueInput::Released("TimedOut".into())));
    assert!(
        out.contains(&Output::Remove(Member::Source(music))),
        "{out:?}"
    );
    assert_eq!(
        asked(&out),
        [IvrEvent::QueueTimeout {
            queue: "support".into(),
            waited_secs: 95
        }]
    );
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Emit(DomainEvent::CallDequeued {
            waited_ms: 95_000,
            ..
        })
    )));
    c.ivr_says(vec![IvrAction::HangUp]);
    let e = c.close();
    assert_eq!(e.queue.as_deref(), Some("support"));
    assert_eq!(e.queue_wait_ms, Some(95_000));
}

#[test]
fn a_refused_enqueue_reaches_the_ivr_as_a_failure_with_its_reason() {
    // Defect (b): it used to arrive as `queue-timeout { waited-secs: 0 }`.
    let mut c = Call::ivr();
    c.ivr_says(vec![
        IvrAction::Answer,
        IvrAction::Enqueue(EnqueueRequest::to("nowhere")),
    ]);
    let out = c.feed(Input::Queue(QueueInput::Refused(
        EnqueueFailure::UnknownQueue,
    )));
    assert_eq!(
        asked(&out),
        [IvrEvent::EnqueueFailed {
            queue: "nowhere".into(),
            reason: EnqueueFailure::UnknownQueue
        }]
    );
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::AddSource(_, SourceKind::Music)))
    );
    c.ivr_says(vec![IvrAction::HangUp]);
    let e = c.close();
    assert_eq!(e.queue, None, "the call never waited");
}

#[test]
fn position_updates_go_to_the_ivr_and_an_empty_answer_gets_the_platform_announcement() {
    let (mut c, music) = queued();
    let out = c.feed(Input::Queue(QueueInput::Position {
        position: 3,
        estimated_wait_secs: Some(120),
    }));
    assert_eq!(
        asked(&out),
        [IvrEvent::QueueUpdate {
            queue: "support".into(),
            position: 3,
            estimated_wait_secs: Some(120)
        }]
    );
    let out = c.ivr_says(Vec::new());
    let announced = plays(&out);
    assert_eq!(announced.len(), 1, "{out:?}");
    assert_eq!(
        announced[0].1.prompts,
        [Prompt::QueuePosition {
            position: 3,
            wait_secs: Some(120)
        }]
    );
    // Music is off while it plays, back after.
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(music)),
        Volume::OFF
    );
    // Updates during the announcement are not passed on.
    let out = c.feed(Input::Queue(QueueInput::Position {
        position: 2,
        estimated_wait_secs: None,
    }));
    assert!(asked(&out).is_empty());
    c.feed(Input::PlayFinished(announced[0].0));
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(music)),
        Volume::MUSIC
    );

    // The IVR's own announcement: the call stays queued.
    c.feed(Input::Queue(QueueInput::Position {
        position: 1,
        estimated_wait_secs: None,
    }));
    let out = c.ivr_says(vec![play("thanks-for-waiting", false)]);
    assert!(!out.contains(&Output::LeaveQueue));
    assert_eq!(plays(&out)[0].1.tag, "thanks-for-waiting");
}

#[test]
fn leaving_the_queue_for_voicemail_dequeues_first() {
    let (mut c, music) = queued();
    c.feed(Input::Queue(QueueInput::Position {
        position: 5,
        estimated_wait_secs: None,
    }));
    let out = c.ivr_says(vec![IvrAction::Voicemail(VoicemailRequest {
        mailbox: "support".into(),
        greeting: Vec::new(),
    })]);
    let leave = out
        .iter()
        .position(|o| *o == Output::LeaveQueue)
        .expect("leave");
    let greeting = out
        .iter()
        .position(|o| matches!(o, Output::Play { .. }))
        .expect("greeting");
    assert!(leave < greeting, "{out:?}");
    assert!(out.contains(&Output::Remove(Member::Source(music))));
}

#[test]
fn voicemail_ends_with_the_hash_key_or_the_time_limit() {
    for by_hash in [true, false] {
        let settings = MachineSettings {
            max_voicemail: Duration::from_secs(30),
            ..MachineSettings::default()
        };
        let mut c = Call::with(settings, Answering::Ivr, None);
        c.ivr_says(vec![IvrAction::Voicemail(VoicemailRequest {
            mailbox: "sales".into(),
            greeting: Vec::new(),
        })]);
        let (greeting, playback) = plays(&c.log)[0].clone();
        assert_eq!(playback.prompts.last(), Some(&Prompt::Beep));
        // Keys during the greeting do not cut it (and '#' does not end a recording not begun).
        c.feed(Input::Dtmf(LegId::CALLER, '#'));
        let out = c.feed(Input::PlayFinished(greeting));
        assert!(out.contains(&Output::Record {
            leg: LegId::CALLER,
            on: true
        }));
        let out = if by_hash {
            c.after(Duration::from_secs(10));
            c.feed(Input::Dtmf(LegId::CALLER, '#'))
        } else {
            c.after(Duration::from_secs(30))
        };
        assert!(out.contains(&Output::Record {
            leg: LegId::CALLER,
            on: false
        }));
        assert!(
            out.iter()
                .any(|o| matches!(o, Output::StoreVoicemail { mailbox } if mailbox == "sales"))
        );
        assert!(out.contains(&Output::HangUp(LegId::CALLER)));
        let out = c.feed(Input::VoicemailStored {
            duration_ms: if by_hash { 10_000 } else { 30_000 },
        });
        assert!(
            out.iter()
                .any(|o| matches!(o, Output::Emit(DomainEvent::CallVoicemail { .. })))
        );
        let e = c.close();
        assert_eq!(disposition(&e), (Disposition::Voicemail, HangupBy::System));
    }
}

#[test]
fn a_voicemail_that_cannot_be_kept_is_not_recorded_as_one() {
    let mut c = Call::ivr();
    c.ivr_says(vec![IvrAction::Voicemail(VoicemailRequest {
        mailbox: "sales".into(),
        greeting: Vec::new(),
    })]);
    let (greeting, _) = plays(&c.log)[0].clone();
    c.feed(Input::PlayFinished(greeting));
    c.feed(Input::Dtmf(LegId::CALLER, '#'));
    c.feed(Input::VoicemailFailed("object store down".into()));
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::EndedInIvr, HangupBy::System));
    assert!(e.reason.is_some());
}

#[test]
fn a_number_answered_by_a_queue_says_please_hold_and_offers_voicemail_when_it_lets_go() {
    let mut c = Call::with(
        MachineSettings::default(),
        Answering::Queue("support".into()),
        None,
    );
    assert!(asked(&c.log).is_empty(), "no IVR to ask");
    assert!(c.log.contains(&Output::Answer(LegId::CALLER)));
    let (hold, playback) = plays(&c.log)[0].clone();
    assert_eq!(playback.prompts, [Prompt::System("please-hold".into())]);
    let out = c.feed(Input::PlayFinished(hold));
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Enqueue(r) if r.queue == "support"))
    );
    c.feed(Input::Queue(QueueInput::Waiting));
    let out = c.feed(Input::Queue(QueueInput::Released("TimedOut".into())));
    let (busy, _) = plays(&out)[0].clone();
    let out = c.feed(Input::PlayFinished(busy));
    assert!(
        plays(&out).iter().any(|(_, p)| p.tag == "kefu:voicemail"),
        "{out:?}"
    );
}
