use kefu_core::{CallId, TenantId};

use super::*;
use crate::ivr::{Language, Prompt};

fn context() -> CallView {
    CallView {
        call: CallId::new(),
        tenant: TenantId::new(),
        caller: "+8613800138000".into(),
        dialled: "+862150000000".into(),
        data: vec![("lang".into(), "zh".into())],
        ivr_path: Vec::new(),
        language: Language::Mandarin,
        started_at_ms: 0,
    }
}

fn play(tag: &str, barge_in: bool) -> Action {
    Action::Play(Playback {
        tag: tag.into(),
        prompts: vec![Prompt::System("welcome".into())],
        barge_in,
    })
}

fn collect(tag: &str) -> Action {
    Action::CollectDigits(CollectSpec {
        tag: tag.into(),
        min_digits: 1,
        max_digits: 1,
        timeout_ms: 5000,
        terminator: None,
        prompt: Vec::new(),
        barge_in: true,
    })
}

fn enqueue(queue: &str) -> Action {
    Action::Enqueue(EnqueueRequest::to(queue))
}

fn update_input(update: &(String, u32, Option<u32>)) -> Input {
    Input::QueueUpdate {
        queue: update.0.clone(),
        position: update.1,
        estimated_wait_secs: update.2,
    }
}

fn drain(flow: &mut IvrFlow) -> Vec<Command> {
    std::iter::from_fn(|| flow.poll()).collect()
}

fn started(fallback: Option<&str>) -> IvrFlow {
    let mut flow = IvrFlow::new(context(), fallback.map(str::to_owned));
    flow.start();
    assert_eq!(drain(&mut flow), [Command::AskPlugin(Event::CallStarted)]);
    flow
}

#[test]
fn actions_run_in_order_and_the_last_outcome_goes_back_to_the_plugin() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![
        Action::Answer,
        Action::SetCallData(vec![
            ("lang".into(), "".into()),
            ("vip".into(), "yes".into()),
        ]),
        Action::Visit("main".into()),
        play("greeting", false),
        collect("menu"),
    ]));
    let commands = drain(&mut flow);
    assert!(matches!(&commands[..], [Command::Answer, Command::Play(p)] if p.tag == "greeting"));
    assert_eq!(flow.view().data, vec![("vip".to_owned(), "yes".to_owned())]);
    assert_eq!(flow.view().ivr_path, ["main"]);

    // The greeting's end is consumed: collection follows without asking the plugin.
    flow.handle(Input::PromptFinished {
        tag: "greeting".into(),
        key: None,
    });
    let commands = drain(&mut flow);
    assert!(
        matches!(&commands[..], [Command::Collect { spec, preset }] if spec.tag == "menu" && preset.is_empty()),
        "{commands:?}"
    );
    let digits = CollectedDigits {
        tag: "menu".into(),
        digits: "2".into(),
        ended_by: CollectEnd::MaxDigits,
    };
    flow.handle(Input::DigitsCollected(digits.clone()));
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::DigitsCollected(digits))]
    );
}

#[test]
fn a_key_pressed_during_an_interruptible_prompt_starts_the_collection() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![
        play("menu-prompt", true),
        collect("menu"),
    ]));
    drain(&mut flow);
    flow.handle(Input::PromptFinished {
        tag: "menu-prompt".into(),
        key: Some('3'),
    });
    let commands = drain(&mut flow);
    assert!(
        matches!(&commands[..], [Command::Collect { preset, .. }] if preset == "3"),
        "{commands:?}"
    );

    // Without barge-in the key is not carried.
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![play("legal", false), collect("menu")]));
    drain(&mut flow);
    flow.handle(Input::PromptFinished {
        tag: "legal".into(),
        key: Some('3'),
    });
    let commands = drain(&mut flow);
    assert!(matches!(&commands[..], [Command::Collect { preset, .. }] if preset.is_empty()));
}

#[test]
fn a_play_at_the_end_reports_prompt_finished() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![play("info", true)]));
    drain(&mut flow);
    // A stale event for another prompt is ignored.
    flow.handle(Input::PromptFinished {
        tag: "other".into(),
        key: None,
    });
    assert_eq!(drain(&mut flow), []);
    flow.handle(Input::PromptFinished {
        tag: "info".into(),
        key: Some('#'),
    });
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::PromptFinished {
            tag: "info".into(),
            interrupted: true
        })]
    );
}

#[test]
fn queued_calls_hear_announcements_and_leave_on_timeout() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![Action::Answer, enqueue("sales")]));
    assert!(
        matches!(&drain(&mut flow)[..], [Command::Answer, Command::Enqueue(e)] if e.queue == "sales")
    );

    let update = (String::from("sales"), 3, Some(120));
    flow.handle(update_input(&update));
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::QueueUpdate {
            queue: update.0.clone(),
            position: update.1,
            estimated_wait_secs: update.2
        })]
    );
    // The plugin announces the position; the call stays queued (no Dequeue).
    flow.handle(Input::Actions(vec![play("position", false)]));
    assert!(matches!(&drain(&mut flow)[..], [Command::Play(p)] if p.tag == "position"));
    // Updates while the announcement plays are skipped.
    flow.handle(update_input(&update));
    assert_eq!(drain(&mut flow), []);
    flow.handle(Input::PromptFinished {
        tag: "position".into(),
        key: None,
    });
    assert_eq!(drain(&mut flow), [], "back to waiting, nothing asked");
    // An empty answer to an update keeps the call waiting.
    flow.handle(update_input(&update));
    drain(&mut flow);
    flow.handle(Input::Actions(Vec::new()));
    assert_eq!(drain(&mut flow), []);

    flow.handle(Input::QueueTimeout {
        queue: "sales".into(),
        waited_secs: 600,
    });
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::QueueTimeout {
            queue: "sales".into(),
            waited_secs: 600
        })]
    );
    flow.handle(Input::Actions(vec![Action::Voicemail(VoicemailRequest {
        mailbox: "sales".into(),
        greeting: Vec::new(),
    })]));
    assert!(matches!(&drain(&mut flow)[..], [Command::Voicemail(v)] if v.mailbox == "sales"));
    assert!(flow.is_done());
}

#[test]
fn leaving_a_queue_for_something_else_dequeues_first() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![enqueue("sales")]));
    drain(&mut flow);
    let update = (String::from("sales"), 9, Some(900));
    flow.handle(update_input(&update));
    drain(&mut flow);
    flow.handle(Input::Actions(vec![Action::Transfer(
        TransferTarget::Number("+15550100".into()),
    )]));
    assert_eq!(
        drain(&mut flow),
        [
            Command::Dequeue,
            Command::Transfer(TransferTarget::Number("+15550100".into()))
        ]
    );
    flow.handle(Input::TransferFailed {
        target: TransferTarget::Number("+15550100".into()),
        reason: TransferFailure::Busy,
    });
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::TransferFailed {
            target: TransferTarget::Number("+15550100".into()),
            reason: TransferFailure::Busy,
        })]
    );
    flow.handle(Input::Actions(vec![Action::HangUp, play("never", false)]));
    assert_eq!(drain(&mut flow), [Command::HangUp(Ending::PluginHungUp)]);
    assert!(flow.is_done());
    // Nothing moves a finished flow.
    flow.handle(Input::Actions(vec![Action::Answer]));
    assert_eq!(drain(&mut flow), []);
}

#[test]
fn a_failing_plugin_sends_the_call_to_the_fallback_queue_or_hangs_up() {
    let mut flow = started(Some("operators"));
    flow.handle(Input::PluginFailed("cpu_limit".into()));
    // An apology first, then the fallback queue.
    assert!(matches!(&drain(&mut flow)[..], [Command::Play(p)] if p.tag == APOLOGY_TAG),);
    flow.handle(Input::PromptFinished {
        tag: APOLOGY_TAG.into(),
        key: None,
    });
    assert!(matches!(&drain(&mut flow)[..], [Command::Enqueue(e)] if e.queue == "operators"));
    // The plugin is not consulted again.
    let update = (String::from("operators"), 1, None);
    flow.handle(update_input(&update));
    assert_eq!(drain(&mut flow), []);

    let mut flow = started(None);
    flow.handle(Input::PluginFailed("trap".into()));
    assert!(matches!(&drain(&mut flow)[..], [Command::Play(p)] if p.tag == APOLOGY_TAG));
    flow.handle(Input::PromptFinished {
        tag: APOLOGY_TAG.into(),
        key: None,
    });
    assert_eq!(
        drain(&mut flow),
        [Command::HangUp(Ending::PluginFailed("trap".into()))]
    );

    // The fallback queue refusing the call too: no second apology, the call ends.
    let mut flow = started(Some("operators"));
    flow.handle(Input::PluginFailed("trap".into()));
    drain(&mut flow);
    flow.handle(Input::PromptFinished {
        tag: APOLOGY_TAG.into(),
        key: None,
    });
    drain(&mut flow);
    flow.handle(Input::EnqueueFailed {
        queue: "operators".into(),
        reason: EnqueueFailure::UnknownQueue,
    });
    assert!(matches!(
        &drain(&mut flow)[..],
        [Command::HangUp(Ending::PluginFailed(_))]
    ),);
}

#[test]
fn a_plugin_that_leaves_the_call_idle_or_loops_is_failing() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![
        Action::Answer,
        Action::SetCallData(Vec::new()),
    ]));
    let commands = drain(&mut flow);
    assert!(
        matches!(&commands[..], [Command::Answer, Command::Play(p)] if p.tag == APOLOGY_TAG),
        "{commands:?}"
    );
    flow.handle(Input::PromptFinished {
        tag: APOLOGY_TAG.into(),
        key: None,
    });
    let commands = drain(&mut flow);
    assert!(
        matches!(&commands[..], [Command::HangUp(Ending::PluginFailed(why))] if why.contains("nothing to do")),
        "{commands:?}"
    );

    let mut flow = started(None);
    for _ in 1..MAX_PLUGIN_TURNS {
        flow.handle(Input::Actions(vec![play("again", false)]));
        drain(&mut flow);
        flow.handle(Input::PromptFinished {
            tag: "again".into(),
            key: None,
        });
        let commands = drain(&mut flow);
        assert!(
            matches!(&commands[..], [Command::AskPlugin(_)]),
            "{commands:?}"
        );
    }
    flow.handle(Input::Actions(vec![play("again", false)]));
    drain(&mut flow);
    flow.handle(Input::PromptFinished {
        tag: "again".into(),
        key: None,
    });
    let commands = drain(&mut flow);
    assert!(
        matches!(&commands[..], [Command::Play(p)] if p.tag == APOLOGY_TAG),
        "{commands:?}"
    );
    flow.handle(Input::PromptFinished {
        tag: APOLOGY_TAG.into(),
        key: None,
    });
    let commands = drain(&mut flow);
    assert!(
        matches!(&commands[..], [Command::HangUp(Ending::PluginFailed(why))] if why.contains("500 times")),
        "{commands:?}"
    );
}

#[test]
fn a_refused_enqueue_tells_the_plugin_why_not_a_timeout() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![enqueue("nowhere")]));
    drain(&mut flow);
    flow.handle(Input::EnqueueFailed {
        queue: "nowhere".into(),
        reason: EnqueueFailure::UnknownQueue,
    });
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::EnqueueFailed {
            queue: "nowhere".into(),
            reason: EnqueueFailure::UnknownQueue,
        })]
    );
}
