//! The IVR action loop of one call, as a pure state machine: it turns the plugin's actions into
//! commands for the call's legs, media and queue, one blocking step at a time, and turns what
//! happened into the plugin's next event.
//!
//! Rules (the contract the WIT documents: "carried out in order, reported as the next event"):
//! - Non-blocking actions (`answer`, `set-call-data`, `visit`) are applied at once and the next
//!   action follows. Blocking ones (`play`, `collect-digits`, `enqueue`, `transfer`) wait for
//!   their outcome. `voicemail` and `hang-up` end the plugin's part of the call.
//! - When a blocking action ends and actions remain, the next one runs; when the list is used
//!   up, the last blocking action's outcome goes to the plugin as its next event. So a
//!   `collect-digits` belongs last in a list (the digits are the plugin's answer).
//! - A key pressed during an interruptible `play` that is followed by `collect-digits` is the
//!   first digit of that collection (callers who know the menu type ahead).
//! - While the call waits in a queue, the plugin's answers to `queue-update` may `play`
//!   announcements (the call stays queued, music resumes after) or leave the queue
//!   (`transfer`, `voicemail`, `hang-up`, another `enqueue`).
//! - A plugin that fails (trap, plugin error, refusal) sends the call to the fallback queue if
//!   the number has one, else the call is hung up. A plugin that leaves the call with nothing to
//!   wait for, or answers more than [`MAX_PLUGIN_TURNS`] times, is treated as failing.
//!
//! Never does IO and never reads the clock: the call actor drives it.

use std::collections::VecDeque;

use kefu_plugin_host::CallContext;
use kefu_plugin_host::ivr::{
    Action, CollectDigits, CollectEnd, CollectedDigits, Enqueue, Event, Playback, PromptFinished,
    QueueTimeout, QueueUpdate, TransferFailed, TransferTarget, Voicemail,
};

/// Most plugin invocations in one call (a plugin answering itself forever is stopped).
pub const MAX_PLUGIN_TURNS: u32 = 500;

/// What the call must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Invoke the IVR plugin with this event and the current call context.
    AskPlugin(Event),
    /// Answer the inbound leg (no-op when answered).
    Answer,
    /// Play these prompts; report [`Input::PromptFinished`].
    Play(Playback),
    /// Collect digits (after its prompt); report [`Input::DigitsCollected`]. `preset` holds a
    /// digit the caller pressed during the previous prompt.
    Collect {
        /// What to collect.
        spec: CollectDigits,
        /// Digits already entered (barge-in from the previous prompt).
        preset: String,
    },
    /// Put the call in a queue; report [`Input::QueueUpdate`] / [`Input::QueueTimeout`].
    Enqueue(Enqueue),
    /// Take the call out of its queue (it is leaving for something else).
    Dequeue,
    /// Connect the caller to this target; report [`Input::TransferFailed`] when it fails.
    Transfer(TransferTarget),
    /// Record a voicemail; the plugin is done with the call.
    Voicemail(Voicemail),
    /// End the call.
    HangUp(Ending),
}

/// Why the flow ended the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The plugin said `hang-up`.
    PluginHungUp,
    /// The plugin failed and there is no fallback queue.
    PluginFailed(String),
}

/// What happened, fed back into the flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The plugin answered with actions.
    Actions(Vec<Action>),
    /// The plugin failed (trap, plugin error, refusal); the text says how.
    PluginFailed(String),
    /// A `play` ended; `key` is the digit that interrupted it, if any.
    PromptFinished {
        /// The play's tag.
        tag: String,
        /// The key pressed to interrupt it.
        key: Option<char>,
    },
    /// A `collect-digits` ended.
    DigitsCollected(CollectedDigits),
    /// The queue reports position and wait.
    QueueUpdate(QueueUpdate),
    /// The call waited in its queue past the queue's limit and left it.
    QueueTimeout(QueueTimeout),
    /// A transfer failed.
    TransferFailed(TransferFailed),
}

/// Where the flow stands.
#[derive(Debug, Clone, PartialEq)]
enum Waiting {
    /// Nothing started yet.
    Idle,
    /// For the plugin's answer.
    Plugin,
    /// For a `play` to finish.
    Prompt { tag: String, barge_in: bool },
    /// For digits.
    Digits { tag: String },
    /// In a queue (with an announcement playing, when `announcing`).
    Queued {
        queue: String,
        announcing: Option<String>,
    },
    /// For a transfer to connect or fail.
    Transfer,
    /// The plugin is done with the call (connected, voicemail or hung up).
    Done,
}

/// One call's IVR flow.
#[derive(Debug)]
pub struct IvrFlow {
    context: CallContext,
    fallback_queue: Option<String>,
    pending: VecDeque<Action>,
    waiting: Waiting,
    /// The event to report when the pending actions run out.
    last_outcome: Option<Event>,
    /// A barge-in key waiting for the next `collect-digits`.
    carried_key: Option<char>,
    commands: VecDeque<Command>,
    turns: u32,
}

impl IvrFlow {
    /// A flow for a call with this context; `fallback_queue` takes the call when the plugin
    /// fails.
    pub fn new(context: CallContext, fallback_queue: Option<String>) -> Self {
        IvrFlow {
            context,
            fallback_queue,
            pending: VecDeque::new(),
            waiting: Waiting::Idle,
            last_outcome: None,
            carried_key: None,
            commands: VecDeque::new(),
            turns: 0,
        }
    }

    /// The call context as the actions left it (data, IVR path).
    pub fn context(&self) -> &CallContext {
        &self.context
    }

    /// Whether the plugin is done with the call.
    pub fn is_done(&self) -> bool {
        self.waiting == Waiting::Done
    }

    /// Starts the flow: the plugin hears `call-started`.
    pub fn start(&mut self) {
        if self.waiting == Waiting::Idle {
            self.ask(Event::CallStarted);
        }
    }

    /// The next command, if any.
    pub fn poll(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// Feeds what happened.
    pub fn handle(&mut self, input: Input) {
        match (input, self.waiting.clone()) {
            (Input::Actions(actions), Waiting::Plugin) => {
                self.pending = actions.into();
                self.run();
            }
            (Input::Actions(actions), Waiting::Queued { queue, .. }) => {
                // Answers to `queue-update` while the call stays queued.
                self.waiting = Waiting::Queued {
                    queue,
                    announcing: None,
                };
                self.pending = actions.into();
                self.run();
            }
            (Input::PluginFailed(why), Waiting::Plugin | Waiting::Queued { .. }) => self.fail(why),
            (
                Input::PromptFinished { tag, key },
                Waiting::Prompt {
                    tag: playing,
                    barge_in,
                },
            ) if tag == playing => {
                self.carried_key = key.filter(|_| barge_in);
                self.last_outcome = Some(Event::PromptFinished(PromptFinished {
                    tag,
                    interrupted: key.is_some() && barge_in,
                }));
                self.run();
            }
            (Input::PromptFinished { tag, .. }, Waiting::Queued { queue, announcing })
                if announcing.as_deref() == Some(tag.as_str()) =>
            {
                // An announcement in the queue ended; keep waiting (music resumes).
                self.waiting = Waiting::Queued {
                    queue,
                    announcing: None,
                };
                self.run();
            }
            (Input::DigitsCollected(digits), Waiting::Digits { tag }) if digits.tag == tag => {
                self.last_outcome = Some(Event::DigitsCollected(digits));
                self.run();
            }
            (
                Input::QueueUpdate(update),
                Waiting::Queued {
                    queue,
                    announcing: None,
                },
            ) if update.queue == queue => {
                self.ask_while_queued(Event::QueueUpdate(update));
            }
            (Input::QueueTimeout(timeout), Waiting::Queued { queue, .. })
                if timeout.queue == queue =>
            {
                // The queue let go of the call: control returns to the plugin.
                self.pending.clear();
                self.ask(Event::QueueTimeout(timeout));
            }
            (Input::TransferFailed(failed), Waiting::Transfer) => {
                self.pending.clear();
                self.ask(Event::TransferFailed(failed));
            }
            // Anything else is stale (a prompt that was stopped, an update for a queue the
            // call left) and is ignored.
            _ => {}
        }
    }

    fn ask(&mut self, event: Event) {
        if self.turns >= MAX_PLUGIN_TURNS {
            return self.fail(format!(
                "the plugin was asked {MAX_PLUGIN_TURNS} times in one call"
            ));
        }
        self.turns += 1;
        self.last_outcome = None;
        self.waiting = Waiting::Plugin;
        self.commands.push_back(Command::AskPlugin(event));
    }

    fn ask_while_queued(&mut self, event: Event) {
        if self.turns >= MAX_PLUGIN_TURNS {
            return; // the call keeps waiting; the plugin is no longer consulted
        }
        self.turns += 1;
        self.commands.push_back(Command::AskPlugin(event));
    }

    /// Carries out pending actions up to the next blocking one.
    fn run(&mut self) {
        while let Some(action) = self.pending.pop_front() {
            match action {
                Action::Answer => self.commands.push_back(Command::Answer),
                Action::SetCallData(pairs) => self.set_data(pairs),
                Action::Visit(node) => self.context.ivr_path.push(node),
                Action::Play(playback) => {
                    if let Waiting::Queued { queue, .. } = &self.waiting {
                        self.waiting = Waiting::Queued {
                            queue: queue.clone(),
                            announcing: Some(playback.tag.clone()),
                        };
                    } else {
                        self.waiting = Waiting::Prompt {
                            tag: playback.tag.clone(),
                            barge_in: playback.barge_in,
                        };
                    }
                    self.commands.push_back(Command::Play(playback));
                    return;
                }
                Action::CollectDigits(spec) => {
                    self.leave_queue();
                    let preset = self
                        .carried_key
                        .take()
                        .map(String::from)
                        .unwrap_or_default();
                    self.waiting = Waiting::Digits {
                        tag: spec.tag.clone(),
                    };
                    self.commands.push_back(Command::Collect { spec, preset });
                    return;
                }
                Action::Enqueue(enqueue) => {
                    self.leave_queue();
                    self.waiting = Waiting::Queued {
                        queue: enqueue.queue.clone(),
                        announcing: None,
                    };
                    self.commands.push_back(Command::Enqueue(enqueue));
                    return;
                }
                Action::Transfer(target) => {
                    self.leave_queue();
                    self.waiting = Waiting::Transfer;
                    self.commands.push_back(Command::Transfer(target));
                    return;
                }
                Action::Voicemail(voicemail) => {
                    self.leave_queue();
                    self.finish();
                    self.commands.push_back(Command::Voicemail(voicemail));
                    return;
                }
                Action::HangUp => {
                    self.leave_queue();
                    self.finish();
                    self.commands
                        .push_back(Command::HangUp(Ending::PluginHungUp));
                    return;
                }
            }
        }
        self.carried_key = None;
        match &self.waiting {
            // Queued with no announcement playing: the call waits for queue events.
            Waiting::Queued {
                announcing: None, ..
            } => {}
            _ => match self.last_outcome.take() {
                Some(event) => self.ask(event),
                None => self.fail("the plugin's actions left the call with nothing to do".into()),
            },
        }
    }

    fn leave_queue(&mut self) {
        if matches!(self.waiting, Waiting::Queued { .. }) {
            self.commands.push_back(Command::Dequeue);
        }
    }

    fn finish(&mut self) {
        self.pending.clear();
        self.waiting = Waiting::Done;
    }

    fn fail(&mut self, why: String) {
        self.pending.clear();
        self.leave_queue();
        match self.fallback_queue.take() {
            Some(queue) => {
                tracing::warn!(call_id = %self.context.call_id, %why, %queue, "IVR plugin failed; using the fallback queue");
                self.commands.push_back(Command::Answer);
                self.waiting = Waiting::Queued {
                    queue: queue.clone(),
                    announcing: None,
                };
                // The plugin is not consulted again in this call.
                self.turns = MAX_PLUGIN_TURNS;
                self.commands.push_back(Command::Enqueue(Enqueue {
                    queue,
                    priority: 0,
                    required_skills: Vec::new(),
                    data: Vec::new(),
                }));
            }
            None => {
                tracing::warn!(call_id = %self.context.call_id, %why, "IVR plugin failed; hanging up");
                self.finish();
                self.commands
                    .push_back(Command::HangUp(Ending::PluginFailed(why)));
            }
        }
    }

    fn set_data(&mut self, pairs: Vec<(String, String)>) {
        for (key, value) in pairs {
            let existing = self.context.data.iter().position(|(k, _)| *k == key);
            match (existing, value.is_empty()) {
                (Some(i), true) => {
                    self.context.data.remove(i);
                }
                (Some(i), false) => self.context.data[i].1 = value,
                (None, true) => {}
                (None, false) => self.context.data.push((key, value)),
            }
        }
    }
}

/// Whether a collection ended by a timeout with nothing entered.
pub fn timed_out(digits: &CollectedDigits) -> bool {
    digits.ended_by == CollectEnd::Timeout && digits.digits.is_empty()
}

#[cfg(test)]
mod tests;
