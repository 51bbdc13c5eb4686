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

use crate::ivr::{
    CallView, CollectEnd, CollectSpec, CollectedDigits, EnqueueFailure, EnqueueRequest,
    IvrAction as Action, IvrEvent as Event, Playback, Prompt, TransferFailure, TransferTarget,
    VoicemailRequest,
};

/// The tag of the apology played when the IVR fails.
pub const APOLOGY_TAG: &str = "kefu:apology";

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
        spec: CollectSpec,
        /// Digits already entered (barge-in from the previous prompt).
        preset: String,
    },
    /// Put the call in a queue; report [`Input::QueueUpdate`] / [`Input::QueueTimeout`].
    Enqueue(EnqueueRequest),
    /// Take the call out of its queue (it is leaving for something else).
    Dequeue,
    /// Connect the caller to this target; report [`Input::TransferFailed`] when it fails.
    Transfer(TransferTarget),
    /// Record a voicemail; the plugin is done with the call.
    Voicemail(VoicemailRequest),
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
    QueueUpdate {
        /// The queue.
        queue: String,
        /// 1 = next.
        position: u32,
        /// Estimated wait, seconds.
        estimated_wait_secs: Option<u32>,
    },
    /// The call left its queue without an agent (timed out, overflowed).
    QueueTimeout {
        /// The queue.
        queue: String,
        /// Seconds waited.
        waited_secs: u32,
    },
    /// The queue refused the call.
    EnqueueFailed {
        /// The queue asked for.
        queue: String,
        /// Why.
        reason: EnqueueFailure,
    },
    /// A transfer failed.
    TransferFailed {
        /// Where it went.
        target: TransferTarget,
        /// Why.
        reason: TransferFailure,
    },
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
    view: CallView,
    fallback_queue: Option<String>,
    pending: VecDeque<Action>,
    waiting: Waiting,
    /// The event to report when the pending actions run out.
    last_outcome: Option<Event>,
    /// A barge-in key waiting for the next `collect-digits`.
    carried_key: Option<char>,
    commands: VecDeque<Command>,
    turns: u32,
    /// Why the IVR failed, once it did.
    failure: Option<String>,
}

impl IvrFlow {
    /// A flow for a call with this context; `fallback_queue` takes the call when the plugin
    /// fails.
    pub fn new(view: CallView, fallback_queue: Option<String>) -> Self {
        IvrFlow {
            view,
            fallback_queue,
            pending: VecDeque::new(),
            waiting: Waiting::Idle,
            last_outcome: None,
            carried_key: None,
            commands: VecDeque::new(),
            turns: 0,
            failure: None,
        }
    }

    /// The call as the actions left it (data, IVR path).
    pub fn view(&self) -> &CallView {
        &self.view
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
                self.last_outcome = Some(Event::PromptFinished {
                    tag,
                    interrupted: key.is_some() && barge_in,
                });
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
                Input::QueueUpdate {
                    queue: updated,
                    position,
                    estimated_wait_secs,
                },
                Waiting::Queued {
                    queue,
                    announcing: None,
                },
            ) if updated == queue => {
                self.ask_while_queued(Event::QueueUpdate {
                    queue,
                    position,
                    estimated_wait_secs,
                });
            }
            (
                Input::QueueTimeout {
                    queue: left,
                    waited_secs,
                },
                Waiting::Queued { queue, .. },
            ) if left == queue => {
                // The queue let go of the call: control returns to the plugin.
                self.pending.clear();
                self.waiting = Waiting::Idle;
                self.ask(Event::QueueTimeout { queue, waited_secs });
            }
            (
                Input::EnqueueFailed {
                    queue: asked,
                    reason,
                },
                Waiting::Queued { queue, .. },
            ) if asked == queue => {
                // The call never waited: the plugin hears why, and decides again.
                self.pending.clear();
                self.waiting = Waiting::Idle;
                self.ask(Event::EnqueueFailed { queue, reason });
            }
            (Input::TransferFailed { target, reason }, Waiting::Transfer) => {
                self.pending.clear();
                self.ask(Event::TransferFailed { target, reason });
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
                Action::Visit(node) => self.view.ivr_path.push(node),
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
                    let ending = match self.failure.take() {
                        Some(why) => Ending::PluginFailed(why),
                        None => Ending::PluginHungUp,
                    };
                    self.commands.push_back(Command::HangUp(ending));
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

    /// The IVR failed: the caller hears an apology, then goes to the number's fallback queue
    /// or is hung up. The IVR is not consulted again in this call.
    fn fail(&mut self, why: String) {
        self.pending.clear();
        self.leave_queue();
        self.turns = MAX_PLUGIN_TURNS;
        let first = self.failure.is_none();
        self.failure = Some(why.clone());
        let then = match self.fallback_queue.take() {
            Some(queue) => {
                tracing::warn!(call_id = %self.view.call, %why, %queue, "IVR failed; using the fallback queue");
                Action::Enqueue(EnqueueRequest::to(queue))
            }
            None => {
                tracing::warn!(call_id = %self.view.call, %why, "IVR failed; hanging up");
                Action::HangUp
            }
        };
        if first {
            self.pending.push_back(Action::Play(Playback {
                tag: APOLOGY_TAG.into(),
                prompts: vec![Prompt::System("technical-difficulty".into())],
                barge_in: false,
            }));
        }
        self.pending.push_back(then);
        // Whatever the call waited for, it now waits for these.
        self.waiting = Waiting::Idle;
        self.run();
    }

    fn set_data(&mut self, pairs: Vec<(String, String)>) {
        for (key, value) in pairs {
            let existing = self.view.data.iter().position(|(k, _)| *k == key);
            match (existing, value.is_empty()) {
                (Some(i), true) => {
                    self.view.data.remove(i);
                }
                (Some(i), false) => self.view.data[i].1 = value,
                (None, true) => {}
                (None, false) => self.view.data.push((key, value)),
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
