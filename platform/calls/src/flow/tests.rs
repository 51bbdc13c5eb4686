use kefu_plugin_host::Language;
use kefu_plugin_host::ivr::{Prompt, TransferFailure};

use super::*;

fn context() -> CallContext {
    CallContext {
        call_id: "cal_1".into(),
        tenant_id: "ten_1".into(),
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
    Action::CollectDigits(CollectDigits {
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
    Action::Enqueue(Enqueue {
        queue: queue.into(),
        priority: 0,
        required_skills: Vec::new(),
        data: Vec::new(),
    })
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
    assert_eq!(
        flow.context().data,
        vec![("vip".to_owned(), "yes".to_owned())]
    );
    assert_eq!(flow.context().ivr_path, ["main"]);

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
        [Command::AskPlugin(Event::PromptFinished(PromptFinished {
            tag: "info".into(),
            interrupted: true
        }))]
    );
}

#[test]
fn queued_calls_hear_announcements_and_leave_on_timeout() {
    let mut flow = started(None);
    flow.handle(Input::Actions(vec![Action::Answer, enqueue("sales")]));
    assert!(
        matches!(&drain(&mut flow)[..], [Command::Answer, Command::Enqueue(e)] if e.queue == "sales")
    );

    let update = QueueUpdate {
        queue: "sales".into(),
        position: 3,
        estimated_wait_secs: Some(120),
    };
    flow.handle(Input::QueueUpdate(update.clone()));
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::QueueUpdate(update.clone()))]
    );
    // The plugin announces the position; the call stays queued (no Dequeue).
    flow.handle(Input::Actions(vec![play("position", false)]));
    assert!(matches!(&drain(&mut flow)[..], [Command::Play(p)] if p.tag == "position"));
    // Updates while the announcement plays are skipped.
    flow.handle(Input::QueueUpdate(update.clone()));
    assert_eq!(drain(&mut flow), []);
    flow.handle(Input::PromptFinished {
        tag: "position".into(),
        key: None,
    });
    assert_eq!(drain(&mut flow), [], "back to waiting, nothing asked");
    // An empty answer to an update keeps the call waiting.
    flow.handle(Input::QueueUpdate(update.clone()));
    drain(&mut flow);
    flow.handle(Input::Actions(Vec::new()));
    assert_eq!(drain(&mut flow), []);

    let timeout = QueueTimeout {
        queue: "sales".into(),
        waited_secs: 600,
    };
    flow.handle(Input::QueueTimeout(timeout.clone()));
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::QueueTimeout(timeout))]
    );
    flow.handle(Input::Actions(vec![Action::Voicemail(Voicemail {
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
    let update = QueueUpdate {
        queue: "sales".into(),
        position: 9,
        estimated_wait_secs: Some(900),
    };
    flow.handle(Input::QueueUpdate(update));
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
    let failed = TransferFailed {
        target: TransferTarget::Number("+15550100".into()),
        reason: TransferFailure::Busy,
    };
    flow.handle(Input::TransferFailed(failed.clone()));
    assert_eq!(
        drain(&mut flow),
        [Command::AskPlugin(Event::TransferFailed(failed))]
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
    assert!(
        matches!(&drain(&mut flow)[..], [Command::Answer, Command::Enqueue(e)] if e.queue == "operators")
    );
    // The plugin is not consulted again.
    let update = QueueUpdate {
        queue: "operators".into(),
        position: 1,
        estimated_wait_secs: None,
    };
    flow.handle(Input::QueueUpdate(update));
    assert_eq!(drain(&mut flow), []);

    let mut flow = started(None);
    flow.handle(Input::PluginFailed("trap".into()));
    assert_eq!(
        drain(&mut flow),
        [Command::HangUp(Ending::PluginFailed("trap".into()))]
    );
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
        matches!(&commands[..], [Command::Answer, Command::HangUp(Ending::PluginFailed(why))] if why.contains("nothing to do")),
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
        matches!(&commands[..], [Command::HangUp(Ending::PluginFailed(why))] if why.contains("500 times")),
        "{commands:?}"
    );
}
