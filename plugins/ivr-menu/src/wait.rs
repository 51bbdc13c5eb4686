//! Voicemail when the queue wait is too long (config `menu.long_wait`): on a queue update
//! whose estimated wait exceeds the threshold, offer "press 1 to leave a voicemail" once, or
//! go straight to voicemail. Pure.

use kefu_plugin_sdk::ivr::{
    Action, CallContext, CallData, CollectDigits, CollectedDigits, QueueUpdate, Voicemail,
};
use serde::Deserialize;

use crate::config::PromptConfig;

/// Call-data key: `offered:<queue>`, `voicemail` or `declined`; set, the wait is not
/// offered again.
pub const STATE: &str = "ivr-menu.long-wait";
/// Tag of the offer's collect-digits.
pub const TAG: &str = "long-wait";

/// The setting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongWait {
    /// Estimated waits above this many seconds trigger it.
    pub threshold_secs: u32,
    /// Offer voicemail with a key press; absent: straight to voicemail.
    #[serde(default)]
    pub offer: Option<Offer>,
    /// The mailbox; the queue's name when absent.
    #[serde(default)]
    pub mailbox: Option<String>,
    /// Played before the beep; the mailbox's own greeting when empty.
    #[serde(default)]
    pub greeting: Vec<PromptConfig>,
}

/// The offer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// "The wait is long; press 1 to leave a voicemail, or stay on the line."
    pub prompt: Vec<PromptConfig>,
    /// The key that accepts (default `1`).
    #[serde(default = "default_key")]
    pub key: char,
    /// Time to wait for the key, in milliseconds (default 5,000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
}

fn default_key() -> char {
    '1'
}
fn default_timeout_ms() -> u32 {
    5_000
}

impl LongWait {
    /// Checks the setting; the error names the field.
    pub fn check(&self) -> Result<(), String> {
        if self.threshold_secs == 0 {
            return Err("config `menu.long_wait.threshold_secs` must be at least 1".into());
        }
        if let Some(offer) = &self.offer {
            if !(offer.key.is_ascii_digit() || offer.key == '*' || offer.key == '#') {
                return Err("config `menu.long_wait.offer.key` is not a DTMF key".into());
            }
            if !(1_000..=30_000).contains(&offer.timeout_ms) {
                return Err(
                    "config `menu.long_wait.offer.timeout_ms` must be 1000 to 30000".into(),
                );
            }
        }
        if self.mailbox.as_ref().is_some_and(|m| m.trim().is_empty()) {
            return Err("config `menu.long_wait.mailbox` must not be empty".into());
        }
        Ok(())
    }

    /// A queue update: the offer (or voicemail) when the estimate passes the threshold and
    /// nothing was done about it yet; otherwise nothing.
    pub fn on_update(&self, context: &CallContext, update: &QueueUpdate) -> Vec<Action> {
        let too_long = update
            .estimated_wait_secs
            .is_some_and(|secs| secs > self.threshold_secs);
        if !too_long || context.data(STATE).is_some() {
            return Vec::new();
        }
        match &self.offer {
            None => self.voicemail(&update.queue),
            Some(offer) => vec![
                Action::set(STATE, format!("offered:{}", update.queue)),
                Action::Visit("long-wait".into()),
                CollectDigits::one_digit(TAG)
                    .timeout_ms(offer.timeout_ms)
                    .terminator(None)
                    .prompt(offer.prompt.iter().map(PromptConfig::to_prompt))
                    .into(),
            ],
        }
    }

    /// The answer to the offer: voicemail on the accepting key; anything else keeps the
    /// caller in the queue.
    pub fn on_answer(&self, context: &CallContext, answer: &CollectedDigits) -> Vec<Action> {
        let Some(queue) = context.data(STATE).and_then(|s| s.strip_prefix("offered:")) else {
            return Vec::new(); // not offered, or already answered: a late event
        };
        let accepted = self
            .offer
            .as_ref()
            .is_some_and(|offer| answer.digits.starts_with(offer.key));
        if accepted {
            self.voicemail(queue)
        } else {
            vec![Action::set(STATE, "declined")]
        }
    }

    fn voicemail(&self, queue: &str) -> Vec<Action> {
        vec![
            Action::set(STATE, "voicemail"),
            Action::Visit("long-wait:voicemail".into()),
            Action::Voicemail(Voicemail {
                mailbox: self.mailbox.clone().unwrap_or_else(|| queue.to_owned()),
                greeting: self.greeting.iter().map(PromptConfig::to_prompt).collect(),
            }),
        ]
    }
}
