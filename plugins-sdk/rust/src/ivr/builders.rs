//! Builders for the actions and prompts an IVR plugin returns most often, and call-data
//! look-ups on [`CallContext`].

use super::{
    Action, CallContext, CollectDigits, Enqueue, ErrorKind, Playback, PluginError, Prompt,
    SkillRequirement, SpokenText, TransferTarget,
};

impl Prompt {
    /// A prompt the tenant uploaded.
    pub fn tenant(name: impl Into<String>) -> Self {
        Prompt::Tenant(name.into())
    }
    /// A platform prompt (`invalid-option`, `goodbye`, …).
    pub fn system(id: impl Into<String>) -> Self {
        Prompt::System(id.into())
    }
    /// Text-to-speech in the call's language.
    pub fn say(text: impl Into<String>) -> Self {
        Prompt::Text(SpokenText {
            text: text.into(),
            language: None,
        })
    }
}

impl Action {
    /// Play prompts without barge-in.
    pub fn play(tag: impl Into<String>, prompts: impl IntoIterator<Item = Prompt>) -> Self {
        Action::Play(Playback {
            tag: tag.into(),
            prompts: prompts.into_iter().collect(),
            barge_in: false,
        })
    }
    /// Set one call-data key (an empty value removes it).
    pub fn set(key: impl Into<String>, value: impl Into<String>) -> Self {
        Action::SetCallData(vec![(key.into(), value.into())])
    }
    /// Queue the call with the queue's default priority and no extra skills.
    pub fn enqueue(queue: impl Into<String>) -> Self {
        Action::Enqueue(Enqueue {
            queue: queue.into(),
            priority: 0,
            required_skills: Vec::new(),
            data: Vec::new(),
        })
    }
    /// Transfer to an external number (E.164).
    pub fn transfer_to_number(number: impl Into<String>) -> Self {
        Action::Transfer(TransferTarget::Number(number.into()))
    }
    /// Transfer to an agent by id.
    pub fn transfer_to_agent(agent_id: impl Into<String>) -> Self {
        Action::Transfer(TransferTarget::Agent(agent_id.into()))
    }
}

impl CollectDigits {
    /// Collect exactly one digit with a 5 s timeout, `#` as terminator and barge-in on.
    pub fn one_digit(tag: impl Into<String>) -> Self {
        CollectDigits {
            tag: tag.into(),
            min_digits: 1,
            max_digits: 1,
            timeout_ms: 5_000,
            terminator: Some('#'),
            prompt: Vec::new(),
            barge_in: true,
        }
    }
    /// Between `min` and `max` digits.
    pub fn digits(mut self, min: u8, max: u8) -> Self {
        self.min_digits = min;
        self.max_digits = max;
        self
    }
    /// Time to wait for each digit.
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }
    /// Terminator key, or none.
    pub fn terminator(mut self, key: Option<char>) -> Self {
        self.terminator = key;
        self
    }
    /// Prompts played before collecting.
    pub fn prompt(mut self, prompts: impl IntoIterator<Item = Prompt>) -> Self {
        self.prompt = prompts.into_iter().collect();
        self
    }
    /// Barge-in on or off.
    pub fn barge_in(mut self, on: bool) -> Self {
        self.barge_in = on;
        self
    }
}

impl From<CollectDigits> for Action {
    fn from(collect: CollectDigits) -> Self {
        Action::CollectDigits(collect)
    }
}

impl Enqueue {
    /// Queue `queue` with the queue's default priority.
    pub fn to(queue: impl Into<String>) -> Self {
        Enqueue {
            queue: queue.into(),
            priority: 0,
            required_skills: Vec::new(),
            data: Vec::new(),
        }
    }
    /// Priority (higher first; 0 = the queue's default).
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }
    /// Require `skill` at `min_level` or above.
    pub fn skill(mut self, skill: impl Into<String>, min_level: u8) -> Self {
        self.required_skills.push(SkillRequirement {
            skill: skill.into(),
            min_level,
        });
        self
    }
    /// Add call data before queueing.
    pub fn data(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.data.push((key.into(), value.into()));
        self
    }
}

impl From<Enqueue> for Action {
    fn from(enqueue: Enqueue) -> Self {
        Action::Enqueue(enqueue)
    }
}

impl PluginError {
    /// The installation's configuration is wrong.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        PluginError {
            kind: ErrorKind::InvalidConfig,
            message: message.into(),
        }
    }
    /// The input was not what the plugin handles.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        PluginError {
            kind: ErrorKind::InvalidInput,
            message: message.into(),
        }
    }
    /// A dependency failed.
    pub fn upstream(message: impl Into<String>) -> Self {
        PluginError {
            kind: ErrorKind::Upstream,
            message: message.into(),
        }
    }
}

/// Call-data look-ups.
pub trait CallData {
    /// The value of call-data `key`, if set.
    fn data(&self, key: &str) -> Option<&str>;
}

impl CallData for CallContext {
    fn data(&self, key: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}
