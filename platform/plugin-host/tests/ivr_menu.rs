//! The first-party `ivr-menu` plugin walked through a call, with the host applying the
//! call-data actions between events the way the call actor does.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use common::*;
use kefu_plugin_host::ivr::{
    CollectDigits, Enqueue, Event, Prompt, TransferFailed, TransferFailure, TransferTarget,
};
use kefu_plugin_host::*;

fn menu_config(operator: bool) -> serde_json::Value {
    let mut menu = serde_json::json!({
        "greeting": [{"tenant": "welcome"}],
        "start": "main",
        "menus": {
            "main": {
                "prompt": [{"tenant": "main-menu"}],
                "options": {
                    "1": {"queue": {"queue": "sales", "priority": 5}},
                    "2": {"transfer": {"number": "+862150001111"}},
                    "3": {"menu": {"menu": "support"}},
                }
            },
            "support": {
                "prompt": [{"say": "For billing press 1"}],
                "options": {"1": {"queue": {"queue": "billing"}}}
            }
        },
        "operator_key": "0",
        "max_retries": 2,
    });
    if operator {
        menu["operator"] = serde_json::json!({"queue": {"queue": "operator"}});
    }
    menu
}

/// A call through `ivr-menu` with the test menu (and an operator queue when `operator`).
fn menu_call(operator: bool) -> IvrWalk {
    IvrWalk::ivr_menu(menu_config(operator), "pins.example.com", &[])
}

fn collect_of(actions: &[Action]) -> &CollectDigits {
    actions
        .iter()
        .find_map(|a| match a {
            Action::CollectDigits(c) => Some(c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no collect-digits in {actions:?}"))
}

fn enqueue_of(actions: &[Action]) -> &Enqueue {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Enqueue(e) => Some(e),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no enqueue in {actions:?}"))
}

#[tokio::test]
async fn call_start_answers_greets_and_asks_the_main_menu() {
    let mut call = menu_call(true);
    let actions = call.send(Event::CallStarted).await;
    assert_eq!(actions[0], Action::Answer);
    assert!(
        matches!(&actions[1], Action::Play(p) if p.prompts == vec![Prompt::Tenant("welcome".into())]),
        "{actions:?}"
    );
    let collect = collect_of(&actions);
    assert_eq!(collect.tag, "menu:main");
    assert_eq!((collect.min_digits, collect.max_digits), (1, 1));
    assert_eq!(collect.prompt, vec![Prompt::Tenant("main-menu".into())]);
    assert_eq!(call.context.ivr_path, vec!["main"]);
}

#[tokio::test]
async fn key_1_queues_the_call_to_sales() {
    let mut call = menu_call(true);
    call.send(Event::CallStarted).await;
    let actions = call.press("menu:main", "1").await;
    let enqueue = enqueue_of(&actions);
    assert_eq!((enqueue.queue.as_str(), enqueue.priority), ("sales", 5));
    assert_eq!(call.context.ivr_path, vec!["main", "main:1"]);
    assert!(
        call.context
            .data
            .contains(&("ivr-menu.choice".into(), "main:1".into()))
    );
}

#[tokio::test]
async fn key_2_transfers_and_a_failed_transfer_goes_to_the_operator() {
    let mut call = menu_call(true);
    call.send(Event::CallStarted).await;
    let actions = call.press("menu:main", "2").await;
    assert!(
        actions.contains(&Action::Transfer(TransferTarget::Number(
            "+862150001111".into()
        ))),
        "{actions:?}"
    );
    let target = TransferTarget::Number("+862150001111".into());
    let after = call
        .send(Event::TransferFailed(TransferFailed {
            target,
            reason: TransferFailure::Busy,
        }))
        .await;
    assert_eq!(enqueue_of(&after).queue, "operator");
}

#[tokio::test]
async fn invalid_key_re_prompts_then_repeat_and_sub_menu_and_back_work() {
    let mut call = menu_call(true);
    call.send(Event::CallStarted).await;
    let actions = call.press("menu:main", "9").await;
    let collect = collect_of(&actions);
    assert_eq!(collect.tag, "menu:main");
    assert_eq!(
        collect.prompt,
        vec![
            Prompt::System("invalid-option".into()),
            Prompt::Tenant("main-menu".into())
        ]
    );

    let repeated = call.press("menu:main", "*").await;
    assert_eq!(
        collect_of(&repeated).prompt,
        vec![Prompt::Tenant("main-menu".into())]
    );

    let support = call.press("menu:main", "3").await;
    assert_eq!(collect_of(&support).tag, "menu:support");
    let billing = call.press("menu:support", "1").await;
    assert_eq!(enqueue_of(&billing).queue, "billing");

    let mut call = menu_call(true);
    call.send(Event::CallStarted).await;
    call.press("menu:main", "3").await;
    let back = call.press("menu:support", "#").await;
    assert_eq!(collect_of(&back).tag, "menu:main");
    assert_eq!(
        call.context.ivr_path,
        vec!["main", "main:3", "support", "main"]
    );
}

#[tokio::test]
async fn timeouts_past_max_retries_go_to_the_operator() {
    let mut call = menu_call(true);
    call.send(Event::CallStarted).await;
    for attempt in 1..=2 {
        let actions = call.silence("menu:main").await;
        assert_eq!(
            collect_of(&actions).prompt[0],
            Prompt::System("no-input".into()),
            "attempt {attempt}"
        );
    }
    let actions = call.silence("menu:main").await;
    assert_eq!(enqueue_of(&actions).queue, "operator");
}

#[tokio::test]
async fn without_an_operator_too_many_timeouts_hang_up() {
    let mut call = menu_call(false);
    call.send(Event::CallStarted).await;
    call.silence("menu:main").await;
    call.silence("menu:main").await;
    let actions = call.silence("menu:main").await;
    assert_eq!(actions.last(), Some(&Action::HangUp), "{actions:?}");
}

#[tokio::test]
async fn missing_configuration_is_a_plugin_error_not_a_trap() {
    let (host, _) = host();
    let plugin = host
        .load(
            manifest("ivr-menu", ivr_menu_capabilities("pins.example.com")),
            &guest("ivr_menu"),
        )
        .unwrap();
    let installation = installation();
    let call = host
        .ivr_on_event(
            &plugin,
            &installation,
            &context(&installation.tenant.to_string(), &[]),
            &Event::CallStarted,
        )
        .await;
    match call.output {
        Some(Err(error)) => {
            assert_eq!(error.kind, ErrorKind::InvalidConfig);
            assert!(
                error.message.contains("`menu` is not set"),
                "{}",
                error.message
            );
        }
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}
