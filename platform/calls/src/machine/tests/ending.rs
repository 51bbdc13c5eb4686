//! CANCEL racing the answer, BYE from either side at every stage, the call's maximum length
//! and the session timer.

use super::*;
use crate::session_timer::{Refresher, SessionTimer};

#[test]
fn cancel_while_ringing_ends_the_call_unanswered() {
    let settings = MachineSettings {
        ring_before_answer: Duration::from_secs(3),
        ..MachineSettings::default()
    };
    let mut c = Call::with(settings, Answering::Ivr, None);
    c.after(Duration::from_secs(1));
    let out = c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Cancelled));
    assert!(
        !out.iter().any(|o| matches!(
            o,
            Output::Answer(_) | Output::Reject(..) | Output::HangUp(_)
        )),
        "{out:?}"
    );
    // The ringing's end no longer starts anything.
    assert_eq!(c.m.poll_timeout(), None);
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::Cancelled, HangupBy::Caller));
    assert_eq!(e.answered_at, None);
    assert!(!c.log.iter().any(|o| matches!(o, Output::AskIvr(..))));
}

#[test]
fn cancel_racing_the_answer_after_the_ivr_answered() {
    let mut c = Call::ivr();
    let out = c.ivr_says(vec![IvrAction::Answer, play("hello", false)]);
    assert!(out.contains(&Output::Answer(LegId::CALLER)));
    // The CANCEL crossed our 200 OK: the caller's side is gone, nothing is sent to it.
    let out = c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Cancelled));
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::HangUp(_) | Output::Reject(..))),
        "{out:?}"
    );
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::Cancelled, HangupBy::Caller));
}

#[test]
fn an_ivr_answer_arriving_after_the_caller_left_is_ignored() {
    let mut c = Call::ivr();
    c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
    let out = c.ivr_says(vec![IvrAction::Answer, play("late", false)]);
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Answer(_) | Output::Play { .. })),
        "{out:?}"
    );
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::EndedInIvr, HangupBy::Caller));
}

#[test]
fn the_ivr_hanging_up_an_answered_call_sends_bye() {
    let mut c = Call::ivr();
    c.ivr_says(vec![IvrAction::Answer, play("bye", false)]);
    let (bye, _) = plays(&c.log)[0].clone();
    c.after(Duration::from_secs(2));
    c.feed(Input::PlayFinished(bye));
    let out = c.ivr_says(vec![IvrAction::HangUp]);
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::EndedInIvr, HangupBy::System));
    let talk = e.ended_at - e.answered_at.expect("answered");
    assert_eq!(talk.num_milliseconds(), 2_000);
}

#[test]
fn the_call_ends_at_its_maximum_length() {
    let settings = MachineSettings {
        max_call: Duration::from_secs(60),
        ..MachineSettings::default()
    };
    let mut c = Call::with(settings, Answering::Ivr, None);
    c.ivr_says(vec![
        IvrAction::Answer,
        IvrAction::Enqueue(crate::ivr::EnqueueRequest::to("q")),
    ]);
    c.feed(Input::Queue(QueueInput::Waiting));
    let out = c.after(Duration::from_secs(60));
    assert!(out.contains(&Output::LeaveQueue), "{out:?}");
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    assert_eq!(c.secs(), 60.0);
    let e = c.close();
    assert!(
        e.reason
            .as_deref()
            .is_some_and(|r| r.contains("maximum length"))
    );
}

fn timer(refresher: Refresher) -> SessionTimer {
    SessionTimer {
        interval: 90,
        refresher,
        require: true,
        refresh_with_update: true,
    }
}

#[test]
fn the_session_expires_when_the_caller_stops_refreshing() {
    let mut c = Call::with(
        MachineSettings::default(),
        Answering::Ivr,
        Some(timer(Refresher::Uac)),
    );
    c.ivr_says(vec![
        IvrAction::Answer,
        IvrAction::Enqueue(crate::ivr::EnqueueRequest::to("q")),
    ]);
    c.feed(Input::Queue(QueueInput::Waiting));
    // Expiry is the interval less a third (at most 32 s) after the last refresh: 60 s here.
    // A refresh from the caller at 50 s keeps the call past 60 s.
    c.after(Duration::from_secs(50));
    c.feed(Input::LegRefreshed(LegId::CALLER));
    assert!(c.after(Duration::from_secs(59)).is_empty());
    // No refresh after that: it expires exactly 60 s after the last one.
    let out = c.after(Duration::from_secs(1));
    assert_eq!(c.secs(), 110.0);
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    let e = c.close();
    assert_eq!(
        disposition(&e),
        (Disposition::AbandonedInQueue, HangupBy::System)
    );
    assert!(
        e.reason
            .as_deref()
            .is_some_and(|r| r.contains("session timer expired")),
        "{e:?}"
    );
}

#[test]
fn we_refresh_when_we_are_the_refresher_and_a_failed_refresh_ends_the_call() {
    let mut c = Call::with(
        MachineSettings::default(),
        Answering::Ivr,
        Some(timer(Refresher::Uas)),
    );
    c.ivr_says(vec![IvrAction::Answer, play("long", false)]);
    let out = c.after(Duration::from_secs(45));
    assert_eq!(
        out.iter()
            .filter(|o| **o == Output::Refresh(LegId::CALLER))
            .count(),
        1,
        "{out:?}"
    );
    // Answered: the next one comes half an interval later.
    c.feed(Input::LegRefreshed(LegId::CALLER));
    let out = c.after(Duration::from_secs(45));
    assert!(out.contains(&Output::Refresh(LegId::CALLER)), "{out:?}");
    // This one fails: the caller's side is lost.
    let out = c.feed(Input::LegEnded(
        LegId::CALLER,
        LegEnd::Lost("the session refresh failed: 481".into()),
    ));
    assert!(
        !out.contains(&Output::HangUp(LegId::CALLER)),
        "the dialog is gone: {out:?}"
    );
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::EndedInIvr, HangupBy::System));
}

/// The stages a call can be in, reached from a fresh IVR call.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stage {
    AskingIvr,
    Playing,
    Collecting,
    Queued,
    Transferring,
    Bridged,
    VoicemailGreeting,
    Recording,
}

pub(super) const STAGES: [Stage; 8] = [
    Stage::AskingIvr,
    Stage::Playing,
    Stage::Collecting,
    Stage::Queued,
    Stage::Transferring,
    Stage::Bridged,
    Stage::VoicemailGreeting,
    Stage::Recording,
];

pub(super) fn reach(stage: Stage) -> Call {
    let mut c = Call::ivr();
    match stage {
        Stage::AskingIvr => {}
        Stage::Playing => {
            c.ivr_says(vec![IvrAction::Answer, play("p", true)]);
        }
        Stage::Collecting => {
            c.ivr_says(vec![collect("menu", false, true)]);
        }
        Stage::Queued => {
            c.ivr_says(vec![IvrAction::Enqueue(crate::ivr::EnqueueRequest::to(
                "q",
            ))]);
            c.feed(Input::Queue(QueueInput::Waiting));
        }
        Stage::Transferring | Stage::Bridged => {
            c.ivr_says(vec![IvrAction::Transfer(
                crate::ivr::TransferTarget::Number("+8613900000000".into()),
            )]);
            if let Stage::Bridged = stage {
                c.feed(Input::LegAnswered(LegId(1)));
            }
        }
        Stage::VoicemailGreeting | Stage::Recording => {
            c.ivr_says(vec![IvrAction::Voicemail(crate::ivr::VoicemailRequest {
                mailbox: "sales".into(),
                greeting: Vec::new(),
            })]);
            if let Stage::Recording = stage {
                let (greeting, _) = plays(&c.log).last().cloned().expect("greeting");
                c.feed(Input::PlayFinished(greeting));
            }
        }
    }
    c.after(Duration::from_millis(500));
    c
}

#[test]
fn bye_from_the_caller_at_every_stage() {
    for stage in STAGES {
        let mut c = reach(stage);
        let out = c.feed(Input::LegEnded(LegId::CALLER, LegEnd::Bye));
        assert!(
            !out.contains(&Output::HangUp(LegId::CALLER)),
            "{stage:?}: {out:?}"
        );
        if let Stage::Transferring | Stage::Bridged = stage {
            assert!(
                out.contains(&Output::HangUp(LegId(1))),
                "{stage:?}: {out:?}"
            );
        }
        if let Stage::Queued = stage {
            assert!(out.contains(&Output::LeaveQueue), "{stage:?}: {out:?}");
        }
        if let Stage::Recording = stage {
            // The message is kept before the call closes.
            assert!(
                out.iter()
                    .any(|o| matches!(o, Output::StoreVoicemail { .. })),
                "{out:?}"
            );
            assert!(!out.contains(&Output::CloseRoom), "{out:?}");
            let out = c.feed(Input::VoicemailStored { duration_ms: 500 });
            assert!(out.contains(&Output::CloseRoom), "{out:?}");
        }
        let e = c.close();
        let expected = match stage {
            Stage::Queued => Disposition::AbandonedInQueue,
            Stage::Bridged => Disposition::Transferred,
            Stage::Recording => Disposition::Voicemail,
            _ => Disposition::EndedInIvr,
        };
        assert_eq!(disposition(&e), (expected, HangupBy::Caller), "{stage:?}");
    }
}

#[test]
fn the_system_ending_the_call_at_every_stage() {
    for stage in STAGES {
        let mut c = reach(stage);
        let answered = c.log.contains(&Output::Answer(LegId::CALLER));
        let out = c.feed(Input::MediaFailed("worker gone".into()));
        if answered {
            assert!(
                out.contains(&Output::HangUp(LegId::CALLER)),
                "{stage:?}: {out:?}"
            );
        } else {
            assert!(
                out.contains(&Output::Reject(LegId::CALLER, 480)),
                "{stage:?}: {out:?}"
            );
        }
        if let Stage::Recording = stage {
            c.feed(Input::VoicemailFailed("store down".into()));
        }
        let e = c.close();
        assert_eq!(
            disposition(&e),
            (Disposition::Failed, HangupBy::System),
            "{stage:?}"
        );
    }
}
