//! The menu state machine: (config, call context, event) → actions. Pure apart from the
//! [`PinVerifier`] passed in for PINs checked over HTTP.

use kefu_plugin_sdk::ivr::{
    Action, CallContext, CallData, CollectDigits, CollectEnd, CollectedDigits, Enqueue, Event,
    PluginError, Prompt, Voicemail,
};

use crate::config::{Choice, MenuConfig, PromptConfig};
use crate::pin::{PinVerifier, Verdict};
use crate::wait;

/// Call-data key holding the menu stack, ids joined by `/`, current menu last.
const STACK: &str = "ivr-menu.stack";
/// Call-data key holding failed attempts in the current menu.
const RETRIES: &str = "ivr-menu.retries";
/// Call-data key recording the caller's last choice (`menu:key`), for agents and reports.
const CHOICE: &str = "ivr-menu.choice";
/// Call-data key: `open` or `closed`, decided when the call starts.
const HOURS: &str = "ivr-menu.hours";
/// Call-data key holding the PIN node being asked; empty when none.
const PIN: &str = "ivr-menu.pin";
/// Call-data key holding wrong PIN attempts in the current PIN node.
const PIN_ATTEMPTS: &str = "ivr-menu.pin-attempts";
/// Call-data key set to `true` once a member PIN was verified.
pub const MEMBER: &str = "member";
/// Prefix of menu collect-digits tags; the menu id follows.
const TAG: &str = "menu:";
/// Prefix of PIN collect-digits tags; the PIN node's id follows.
const PIN_TAG: &str = "pin:";

/// Decides the actions for one event.
pub fn decide(
    config: &MenuConfig,
    context: &CallContext,
    event: Event,
    verifier: &dyn PinVerifier,
) -> Result<Vec<Action>, PluginError> {
    match event {
        Event::CallStarted => Ok(start(config, context)),
        Event::DigitsCollected(collected) => {
            if let Some(pin) = collected.tag.strip_prefix(PIN_TAG) {
                return Ok(on_pin(config, context, pin, &collected, verifier));
            }
            if collected.tag == wait::TAG {
                return Ok(config
                    .long_wait
                    .as_ref()
                    .map(|w| w.on_answer(context, &collected))
                    .unwrap_or_default());
            }
            let stack = stack(context, config);
            let current = current(config, &stack);
            let pin_pending = context.data(PIN).is_some_and(|p| !p.is_empty());
            if pin_pending || collected.tag != format!("{TAG}{current}") {
                // An answer to a question this menu no longer asks (e.g. a late event); ignore.
                return Ok(Vec::new());
            }
            let key = match collected.ended_by {
                CollectEnd::Timeout if collected.digits.is_empty() => None,
                _ => collected.digits.chars().next(),
            };
            Ok(on_key(config, context, &stack, key))
        }
        Event::QueueUpdate(update) => Ok(config
            .long_wait
            .as_ref()
            .map(|w| w.on_update(context, &update))
            .unwrap_or_default()),
        Event::TransferFailed(_) | Event::QueueTimeout(_) | Event::EnqueueFailed(_) => {
            Ok(fallback(config, true))
        }
        Event::PromptFinished(_) => Ok(Vec::new()),
    }
}

/// Answer, greet, then the start menu, or the after-hours branch when closed.
fn start(config: &MenuConfig, context: &CallContext) -> Vec<Action> {
    let mut actions = vec![Action::Answer];
    if !config.greeting.is_empty() {
        actions.push(play("greeting", &config.greeting));
    }
    match &config.hours {
        Some(hours) if !hours.is_open(context.started_at_ms) => {
            actions.push(Action::set(HOURS, "closed"));
            actions.push(Action::Visit("after-hours".into()));
            if !hours.after_hours.message.is_empty() {
                actions.push(play("after-hours", &hours.after_hours.message));
            }
            actions.extend(go(config, &[], &hours.after_hours.then));
        }
        Some(_) => {
            actions.push(Action::set(HOURS, "open"));
            actions.extend(enter(config, &config.start, config.start.clone()));
        }
        None => actions.extend(enter(config, &config.start, config.start.clone())),
    }
    actions
}

fn on_key(
    config: &MenuConfig,
    context: &CallContext,
    stack: &[String],
    key: Option<char>,
) -> Vec<Action> {
    let current = current(config, stack);
    let Some(key) = key else {
        return retry(config, context, stack, "no-input");
    };
    if key == config.repeat_key {
        return vec![collect(config, current, Vec::new())];
    }
    if key == config.back_key && stack.len() > 1 {
        let parent = &stack[..stack.len() - 1];
        let parent_id = parent
            .last()
            .cloned()
            .unwrap_or_else(|| config.start.clone());
        return enter(config, &parent_id, parent.join("/"));
    }
    if Some(key) == config.operator_key {
        return operator(config);
    }
    let choice = config
        .menus
        .get(current)
        .and_then(|menu| menu.options.get(&key));
    match choice {
        None => retry(config, context, stack, "invalid-option"),
        Some(choice) => {
            let mut actions = vec![
                Action::Visit(format!("{current}:{key}")),
                Action::set(CHOICE, format!("{current}:{key}")),
            ];
            actions.extend(go(config, stack, choice));
            actions
        }
    }
}

/// Follows `choice` from the menu stack `stack`: a sub-menu is pushed on it, a PIN node keeps
/// it (for where the PIN leads next), anything else ends the menu.
fn go(config: &MenuConfig, stack: &[String], choice: &Choice) -> Vec<Action> {
    match choice {
        Choice::Menu { menu } => {
            let mut path = stack.to_vec();
            path.push(menu.clone());
            enter(config, menu, path.join("/"))
        }
        Choice::Pin { pin } => ask_pin(config, pin, None),
        other => perform(other),
    }
}

/// Enters `menu` with `stack` as the new stack: resets retries and asks the menu's question.
fn enter(config: &MenuConfig, menu: &str, stack: String) -> Vec<Action> {
    vec![
        Action::SetCallData(vec![
            (STACK.into(), stack),
            (RETRIES.into(), "0".into()),
            (PIN.into(), String::new()),
        ]),
        Action::Visit(menu.to_owned()),
        collect(config, menu, Vec::new()),
    ]
}

/// Asks for the PIN of node `id`: entering the node (`retry` none), or again after the
/// `retry` prompts.
fn ask_pin(config: &MenuConfig, id: &str, retry: Option<Vec<Prompt>>) -> Vec<Action> {
    let Some(node) = config.pins.get(id) else {
        return goodbye(); // the config check makes this unreachable
    };
    let mut actions = Vec::new();
    if retry.is_none() {
        actions.push(Action::SetCallData(vec![
            (PIN.into(), id.to_owned()),
            (PIN_ATTEMPTS.into(), "0".into()),
        ]));
        actions.push(Action::Visit(format!("{PIN_TAG}{id}")));
    }
    let mut prompt = retry.unwrap_or_default();
    prompt.extend(node.prompt.iter().map(PromptConfig::to_prompt));
    actions.push(
        CollectDigits::one_digit(format!("{PIN_TAG}{id}"))
            .digits(node.digits, node.digits)
            .timeout_ms(node.timeout_ms)
            .terminator(Some('#'))
            .prompt(prompt)
            .into(),
    );
    actions
}

/// The caller's PIN for node `id`.
fn on_pin(
    config: &MenuConfig,
    context: &CallContext,
    id: &str,
    collected: &CollectedDigits,
    verifier: &dyn PinVerifier,
) -> Vec<Action> {
    let (Some(node), true) = (config.pins.get(id), context.data(PIN) == Some(id)) else {
        return Vec::new(); // not the PIN being asked: a late event
    };
    let stack = stack(context, config);
    let leave = |outcome: &str, next: &Choice| {
        let mut actions = vec![
            Action::SetCallData(vec![
                (PIN.into(), String::new()),
                (PIN_ATTEMPTS.into(), String::new()),
            ]),
            Action::Visit(format!("{PIN_TAG}{id}:{outcome}")),
        ];
        if outcome == "ok" {
            actions.push(Action::set(MEMBER, "true"));
        }
        actions.extend(go(config, &stack, next));
        actions
    };
    let verdict = if collected.digits.is_empty() {
        Verdict::Wrong
    } else {
        node.verify(
            &collected.digits,
            &context.caller,
            &context.call_id,
            verifier,
        )
    };
    match verdict {
        Verdict::Valid => leave("ok", &node.success),
        Verdict::Unavailable(reason) => {
            verifier.warn(&format!("PIN node `{id}` could not verify: {reason}"));
            leave("unavailable", &node.failure)
        }
        Verdict::Wrong => {
            let attempts = context
                .data(PIN_ATTEMPTS)
                .and_then(|a| a.parse::<u32>().ok())
                .unwrap_or(0)
                + 1;
            if attempts >= node.max_attempts {
                return leave("failed", &node.failure);
            }
            let before: Vec<Prompt> = if collected.digits.is_empty() {
                vec![Prompt::system("no-input")]
            } else {
                node.retry_prompt
                    .iter()
                    .map(PromptConfig::to_prompt)
                    .collect()
            };
            let mut actions = vec![Action::set(PIN_ATTEMPTS, attempts.to_string())];
            actions.extend(ask_pin(config, id, Some(before)));
            actions
        }
    }
}

/// A failed attempt: re-prompt after `system_prompt`, or give up past `max_retries`.
fn retry(
    config: &MenuConfig,
    context: &CallContext,
    stack: &[String],
    system_prompt: &str,
) -> Vec<Action> {
    let current = current(config, stack);
    let retries = context
        .data(RETRIES)
        .and_then(|r| r.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    if retries > config.max_retries {
        return fallback(config, false);
    }
    vec![
        Action::set(RETRIES, retries.to_string()),
        collect(config, current, vec![Prompt::system(system_prompt)]),
    ]
}

/// After too many failures or a failed transfer: the operator, else goodbye.
fn fallback(config: &MenuConfig, after_failed_transfer: bool) -> Vec<Action> {
    match &config.operator {
        Some(Choice::Transfer { .. }) if after_failed_transfer => goodbye(),
        _ => operator(config),
    }
}

fn operator(config: &MenuConfig) -> Vec<Action> {
    match &config.operator {
        Some(
            choice @ (Choice::Queue { .. } | Choice::Transfer { .. } | Choice::Voicemail { .. }),
        ) => {
            let mut actions = vec![Action::Visit("operator".into())];
            actions.extend(perform(choice));
            actions
        }
        _ => goodbye(),
    }
}

/// The actions of a choice that ends the menu.
fn perform(choice: &Choice) -> Vec<Action> {
    match choice {
        Choice::Queue { queue, priority } => {
            vec![Enqueue::to(queue.as_str()).priority(*priority).into()]
        }
        Choice::Transfer { number } => vec![Action::transfer_to_number(number.as_str())],
        Choice::Voicemail { mailbox, greeting } => vec![Action::Voicemail(Voicemail {
            mailbox: mailbox.clone(),
            greeting: greeting.iter().map(PromptConfig::to_prompt).collect(),
        })],
        Choice::HangUp {} | Choice::Menu { .. } | Choice::Pin { .. } => goodbye(),
    }
}

fn goodbye() -> Vec<Action> {
    vec![
        Action::play("goodbye", [Prompt::system("goodbye")]),
        Action::HangUp,
    ]
}

fn play(tag: &str, prompts: &[PromptConfig]) -> Action {
    Action::play(tag, prompts.iter().map(PromptConfig::to_prompt))
}

fn collect(config: &MenuConfig, menu: &str, before: Vec<Prompt>) -> Action {
    let mut prompt = before;
    if let Some(m) = config.menus.get(menu) {
        prompt.extend(m.prompt.iter().map(|p| p.to_prompt()));
    }
    CollectDigits::one_digit(format!("{TAG}{menu}"))
        .timeout_ms(config.timeout_ms)
        .terminator(None)
        .prompt(prompt)
        .into()
}

fn current<'a>(config: &'a MenuConfig, stack: &'a [String]) -> &'a str {
    stack
        .last()
        .map(String::as_str)
        .unwrap_or(config.start.as_str())
}

/// The menu stack from call data; the start menu when absent or naming unknown menus.
fn stack(context: &CallContext, config: &MenuConfig) -> Vec<String> {
    let stack: Vec<String> = context
        .data(STACK)
        .map(|s| s.split('/').map(str::to_owned).collect())
        .unwrap_or_default();
    if stack.is_empty() || stack.iter().any(|m| !config.menus.contains_key(m)) {
        vec![config.start.clone()]
    } else {
        stack
    }
}
