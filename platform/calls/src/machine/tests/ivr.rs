//! Answer, IVR, prompts, digit collection and its timeouts; keys before, during and after
//! prompts.

use super::*;
use crate::ivr::{CollectEnd, CollectedDigits};

/// A started IVR call whose IVR answered and asked for a menu choice with a prompt; returns
/// the call and the prompt's play.
fn at_menu(barge_in: bool) -> (Call, PlayId) {
    let mut c = Call::ivr();
    assert_eq!(asked(&c.log), [IvrEvent::CallStarted]);
    let out = c.ivr_says(vec![IvrAction::Answer, collect("menu", true, barge_in)]);
    assert!(out.contains(&Output::Answer(LegId::CALLER)), "{out:?}");
    let started = plays(&out);
    assert_eq!(started.len(), 1, "{out:?}");
    assert_eq!(started[0].1.tag, "menu");
    (c, started[0].0)
}

fn digits(digits: &str, ended_by: CollectEnd) -> IvrEvent {
    IvrEvent::DigitsCollected(CollectedDigits {
        tag: "menu".into(),
        digits: digits.into(),
        ended_by,
    })
}

#[test]
fn the_call_is_answered_once_and_the_room_is_set_for_prompts() {
    let mut c = Call::ivr();
    // The prompt player is in the room and the caller hears it.
    let prompts = c.log.iter().find_map(|o| match o {
        Output::AddSource(id, SourceKind::Prompts) => Some(*id),
        _ => None,
    });
    let prompts = prompts.expect("a prompt player");
    assert_eq!(
        c.m.volume(LegId::CALLER, Member::Source(prompts)),
        Volume::FULL
    );
    let out = c.ivr_says(vec![
        IvrAction::Answer,
        IvrAction::Answer,
        play("hello", false),
    ]);
    let answers = out
        .iter()
        .filter(|o| **o == Output::Answer(LegId::CALLER))
        .count();
    assert_eq!(answers, 1, "{out:?}");
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Emit(DomainEvent::CallAnswered { .. })))
    );
}

#[test]
fn a_key_after_the_prompt_reaches_the_ivr_at_once() {
    // Defect (a): a key pressed after the menu prompt ended waited for something else to
    // wake the call.
    let (mut c, menu) = at_menu(true);
    c.after(Duration::from_secs(3));
    assert!(c.feed(Input::PlayFinished(menu)).is_empty());
    c.after(Duration::from_secs(2));
    let out = c.feed(Input::Dtmf(LegId::CALLER, '2'));
    assert_eq!(asked(&out), [digits("2", CollectEnd::MaxDigits)], "{out:?}");
}

#[test]
fn the_collect_timeout_fires_on_time_after_the_prompt() {
    let (mut c, menu) = at_menu(true);
    c.after(Duration::from_secs(3));
    c.feed(Input::PlayFinished(menu));
    let prompt_end = c.now;
    // The 5 s wait starts when the prompt ends, not when the collection was asked for.
    assert_eq!(
        c.m.poll_timeout(),
        Some(prompt_end + Duration::from_secs(5))
    );
    assert!(asked(&c.after(Duration::from_millis(4_999))).is_empty());
    let out = c.after(Duration::from_millis(1));
    assert_eq!(asked(&out), [digits("", CollectEnd::Timeout)]);
    assert_eq!(c.now, prompt_end + Duration::from_secs(5));
}

#[test]
fn a_key_during_an_interruptible_prompt_stops_it_and_counts() {
    let (mut c, menu) = at_menu(true);
    c.after(Duration::from_secs(1));
    let out = c.feed(Input::Dtmf(LegId::CALLER, '7'));
    assert!(
        out.iter().any(|o| matches!(o, Output::StopPlays(_))),
        "{out:?}"
    );
    assert_eq!(asked(&out), [digits("7", CollectEnd::MaxDigits)]);
    // The stopped prompt's end is stale and moves nothing.
    assert!(asked(&c.feed(Input::PlayFinished(menu))).is_empty());
}

#[test]
fn a_key_during_a_prompt_without_barge_in_is_ignored() {
    let (mut c, menu) = at_menu(false);
    let out = c.feed(Input::Dtmf(LegId::CALLER, '7'));
    assert!(out.is_empty(), "{out:?}");
    c.feed(Input::PlayFinished(menu));
    let out = c.feed(Input::Dtmf(LegId::CALLER, '3'));
    assert_eq!(asked(&out), [digits("3", CollectEnd::MaxDigits)]);
}

#[test]
fn a_key_before_the_collection_during_the_previous_play_is_its_first_digit() {
    let mut c = Call::ivr();
    let out = c.ivr_says(vec![play("greeting", true), collect("menu", true, true)]);
    let (greeting, _) = plays(&out)[0].clone();
    let out = c.feed(Input::Dtmf(LegId::CALLER, '4'));
    assert!(out.iter().any(|o| matches!(o, Output::StopPlays(_))));
    // The greeting ends (cut short): the collection starts with the key, its prompt skipped.
    let out = c.feed(Input::PlayFinished(greeting));
    assert!(
        plays(&out).is_empty(),
        "typed ahead: no menu prompt {out:?}"
    );
    assert_eq!(asked(&out), [digits("4", CollectEnd::MaxDigits)]);
}

#[test]
fn several_digits_with_a_terminator_and_inter_digit_timeouts() {
    let mut c = Call::ivr();
    c.ivr_says(vec![IvrAction::CollectDigits(CollectSpec {
        tag: "account".into(),
        min_digits: 4,
        max_digits: 8,
        timeout_ms: 3_000,
        terminator: Some('#'),
        prompt: Vec::new(),
        barge_in: true,
    })]);
    for key in ['1', '2', '3'] {
        c.after(Duration::from_millis(2_500));
        assert!(asked(&c.feed(Input::Dtmf(LegId::CALLER, key))).is_empty());
    }
    c.after(Duration::from_millis(2_999));
    let out = c.feed(Input::Dtmf(LegId::CALLER, '4'));
    assert!(asked(&out).is_empty());
    let out = c.feed(Input::Dtmf(LegId::CALLER, '#'));
    assert_eq!(
        asked(&out),
        [IvrEvent::DigitsCollected(CollectedDigits {
            tag: "account".into(),
            digits: "1234".into(),
            ended_by: CollectEnd::Terminator,
        })]
    );

    // Too few digits before the inter-digit timeout: reported as a timeout with what came.
    c.ivr_says(vec![IvrAction::CollectDigits(CollectSpec {
        tag: "pin".into(),
        min_digits: 4,
        max_digits: 4,
        timeout_ms: 3_000,
        terminator: None,
        prompt: Vec::new(),
        barge_in: true,
    })]);
    c.feed(Input::Dtmf(LegId::CALLER, '9'));
    let out = c.after(Duration::from_secs(3));
    assert_eq!(
        asked(&out),
        [IvrEvent::DigitsCollected(CollectedDigits {
            tag: "pin".into(),
            digits: "9".into(),
            ended_by: CollectEnd::Timeout,
        })]
    );
}

#[test]
fn a_play_reports_its_end_and_barge_in() {
    let mut c = Call::ivr();
    let out = c.ivr_says(vec![play("info", true)]);
    let (info, _) = plays(&out)[0].clone();
    c.feed(Input::Dtmf(LegId::CALLER, '#'));
    let out = c.feed(Input::PlayFinished(info));
    assert_eq!(
        asked(&out),
        [IvrEvent::PromptFinished {
            tag: "info".into(),
            interrupted: true
        }]
    );
}

#[test]
fn visits_and_call_data_reach_the_log_and_the_record() {
    let mut c = Call::ivr();
    let out = c.ivr_says(vec![
        IvrAction::Visit("main".into()),
        IvrAction::SetCallData(vec![("vip".into(), "yes".into())]),
        IvrAction::HangUp,
    ]);
    assert!(out.iter().any(
        |o| matches!(o, Output::Emit(DomainEvent::CallIvrAction { name, .. }) if name == "main")
    ));
    // Not answered: the INVITE is declined.
    assert!(out.contains(&Output::Reject(LegId::CALLER, 603)), "{out:?}");
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::EndedInIvr, HangupBy::System));
    assert_eq!(e.ivr_path, ["main"]);
    assert_eq!(e.call_data, [("vip".to_owned(), "yes".to_owned())]);
}

#[test]
fn a_failing_ivr_gets_an_apology_then_the_fallback_or_a_hang_up() {
    // Trapped (or timed out: the host reports a deadline as a trap).
    let mut c = Call::ivr();
    let out = c.feed(Input::Ivr(Err(crate::ivr::IvrError::Trapped(
        "deadline".into(),
    ))));
    let started = plays(&out);
    assert_eq!(started.len(), 1, "{out:?}");
    assert_eq!(started[0].1.tag, crate::flow::APOLOGY_TAG);
    assert!(out.contains(&Output::Answer(LegId::CALLER)), "{out:?}");
    let out = c.feed(Input::PlayFinished(started[0].0));
    assert!(out.contains(&Output::HangUp(LegId::CALLER)), "{out:?}");
    let e = c.close();
    assert_eq!(disposition(&e), (Disposition::Failed, HangupBy::System));
    assert!(
        e.reason.as_deref().is_some_and(|r| r.contains("deadline")),
        "{e:?}"
    );

    // A number with a fallback queue: after the apology the call waits there.
    let mut with_fallback = setup(Answering::Ivr, None);
    with_fallback.fallback_queue = Some("operators".into());
    let mut c = Call::from_setup(MachineSettings::default(), with_fallback);
    let out = c.feed(Input::Ivr(Err(crate::ivr::IvrError::Trapped("oom".into()))));
    let out = c.feed(Input::PlayFinished(plays(&out)[0].0));
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Enqueue(r) if r.queue == "operators")),
        "{out:?}"
    );
}

#[test]
fn ringing_before_the_ivr_with_early_media() {
    let settings = MachineSettings {
        ring_before_answer: Duration::from_secs(2),
        early_media: true,
        ..MachineSettings::default()
    };
    let mut c = Call::with(settings, Answering::Ivr, None);
    assert!(c.log.contains(&Output::Ring {
        leg: LegId::CALLER,
        early_media: true
    }));
    assert!(asked(&c.log).is_empty(), "the IVR waits for the ringing");
    let tone = c.log.iter().find_map(|o| match o {
        Output::AddSource(id, SourceKind::Ringback(_)) => Some(*id),
        _ => None,
    });
    let tone = tone.expect("a ringback tone");
    let out = c.after(Duration::from_secs(2));
    assert!(
        out.contains(&Output::Remove(Member::Source(tone))),
        "{out:?}"
    );
    assert_eq!(asked(&out), [IvrEvent::CallStarted]);
}
