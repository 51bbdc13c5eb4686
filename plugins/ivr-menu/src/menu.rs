//! The menu state machine: (config, call context, event) → actions. Pure, no host calls.

use kefu_plugin_sdk::ivr::{
    Action, CallContext, CallData, CollectDigits, CollectEnd, Enqueue, Event, PluginError, Prompt,
};

use crate::config::{Choice, MenuConfig};

/// Call-data key holding the menu stack, ids joined by `/`, current menu last.
const STACK: &str = "ivr-menu.stack";
/// Call-data key holding failed attempts in the current menu.
const RETRIES: &str = "ivr-menu.retries";
/// Call-data key recording the caller's last choice (`menu:key`), for agents and reports.
const CHOICE: &str = "ivr-menu.choice";
/// Prefix of collect-digits tags; the menu id follows.
const TAG: &str = "menu:";

/// Decides the actions for one event.
pub fn decide(
    config: &MenuConfig,
    context: &CallContext,
    event: Event,
) -> Result<Vec<Action>, PluginError> {
    match event {
        Event::CallStarted => {
            let mut actions = vec![Action::Answer];
            if !config.greeting.is_empty() {
                actions.push(Action::play(
                    "greeting",
                    config.greeting.iter().map(|p| p.to_prompt()),
                ));
            }
            actions.extend(enter(config, &config.start, config.start.clone()));
            Ok(actions)
        }
        Event::DigitsCollected(collected) => {
            let stack = stack(context, config);
            let current = stack
                .last()
                .map(String::as_str)
                .unwrap_or(config.start.as_str());
            if collected.tag != format!("{TAG}{current}") {
                // An answer to a question this menu no longer asks (e.g. a late event); ignore.
                return Ok(Vec::new());
            }
            let key = match collected.ended_by {
                CollectEnd::Timeout if collected.digits.is_empty() => None,
                _ => collected.digits.chars().next(),
            };
            Ok(on_key(config, context, &stack, key))
        }
        Event::TransferFailed(_) | Event::QueueTimeout(_) => Ok(fallback(config, true)),
        Event::PromptFinished(_) | Event::QueueUpdate(_) => Ok(Vec::new()),
    }
}

fn on_key(
    config: &MenuConfig,
    context: &CallContext,
    stack: &[String],
    key: Option<char>,
) -> Vec<Action> {
    let current = stack
        .last()
        .map(String::as_str)
        .unwrap_or(config.start.as_str());
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
            match choice {
                Choice::Menu { menu } => {
                    actions.extend(enter(config, menu, format!("{}/{menu}", stack.join("/"))))
                }
                other => actions.extend(perform(other)),
            }
            actions
        }
    }
}

/// Enters `menu` with `stack` as the new stack: resets retries and asks the menu's question.
fn enter(config: &MenuConfig, menu: &str, stack: String) -> Vec<Action> {
    vec![
        Action::SetCallData(vec![(STACK.into(), stack), (RETRIES.into(), "0".into())]),
        Action::Visit(menu.to_owned()),
        collect(config, menu, Vec::new()),
    ]
}

/// A failed attempt: re-prompt after `system_prompt`, or give up past `max_retries`.
fn retry(
    config: &MenuConfig,
    context: &CallContext,
    stack: &[String],
    system_prompt: &str,
) -> Vec<Action> {
    let current = stack
        .last()
        .map(String::as_str)
        .unwrap_or(config.start.as_str());
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
        Some(choice @ (Choice::Queue { .. } | Choice::Transfer { .. })) => {
            let mut actions = vec![Action::Visit("operator".into())];
            actions.extend(perform(choice));
            actions
        }
        _ => goodbye(),
    }
}

fn perform(choice: &Choice) -> Vec<Action> {
    match choice {
        Choice::Queue { queue, priority } => {
            vec![Enqueue::to(queue.as_str()).priority(*priority).into()]
        }
        Choice::Transfer { number } => vec![Action::transfer_to_number(number.as_str())],
        Choice::HangUp {} | Choice::Menu { .. } => goodbye(),
    }
}

fn goodbye() -> Vec<Action> {
    vec![
        Action::play("goodbye", [Prompt::system("goodbye")]),
        Action::HangUp,
    ]
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
