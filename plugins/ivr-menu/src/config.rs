//! The menu configuration an installation sets (config key `menu`, JSON), and its checks.
//! Business hours, PIN nodes and the long-wait setting have their own modules; this one ties
//! them together and checks that every choice leads somewhere that exists.

use std::collections::BTreeMap;

use kefu_plugin_sdk::ivr::Prompt;
use serde::Deserialize;

use crate::hours::Hours;
use crate::pin::PinCheck;
use crate::wait::LongWait;

/// Most menus (and, separately, PIN nodes) accepted.
const MAX_NODES: usize = 200;

/// A whole menu tree.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuConfig {
    /// Played once when the call starts, before the first menu.
    #[serde(default)]
    pub greeting: Vec<PromptConfig>,
    /// The menu the caller starts in.
    pub start: String,
    /// Menus by id.
    pub menus: BTreeMap<String, Menu>,
    /// Replays the current menu.
    #[serde(default = "default_repeat_key")]
    pub repeat_key: char,
    /// Goes back to the parent menu.
    #[serde(default = "default_back_key")]
    pub back_key: char,
    /// Goes to the operator from any menu.
    #[serde(default)]
    pub operator_key: Option<char>,
    /// Where the operator key, and too many failed attempts, lead; hang up when absent.
    #[serde(default)]
    pub operator: Option<Choice>,
    /// Invalid or missing inputs allowed per menu before giving up.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// Time to wait for a key, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// Business hours; calls outside them take the after-hours branch. Always open when absent.
    #[serde(default)]
    pub hours: Option<Hours>,
    /// Member PIN nodes by id, entered through a `pin` choice.
    #[serde(default)]
    pub pins: BTreeMap<String, PinCheck>,
    /// Voicemail when the estimated queue wait is too long.
    #[serde(default)]
    pub long_wait: Option<LongWait>,
}

/// One menu.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    /// What the caller hears ("for sales press 1 …").
    pub prompt: Vec<PromptConfig>,
    /// Keys and where they lead.
    pub options: BTreeMap<char, Choice>,
}

/// Where a key leads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Choice {
    /// Queue the call.
    Queue {
        /// Queue name.
        queue: String,
        /// Priority (0 = the queue's default).
        #[serde(default)]
        priority: u8,
    },
    /// Transfer to a number (E.164).
    Transfer {
        /// The number.
        number: String,
    },
    /// Enter a sub-menu.
    Menu {
        /// The sub-menu's id.
        menu: String,
    },
    /// Check a member PIN (a node of `pins`).
    Pin {
        /// The PIN node's id.
        pin: String,
    },
    /// Send the caller to voicemail.
    Voicemail {
        /// The mailbox (a queue, an agent or a tenant-defined box).
        mailbox: String,
        /// Played before the beep; the mailbox's own greeting when empty.
        #[serde(default)]
        greeting: Vec<PromptConfig>,
    },
    /// Say goodbye and hang up.
    HangUp {},
}

/// A prompt in configuration: `{"tenant": "welcome"}`, `{"system": "goodbye"}`, `{"say": "…"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PromptConfig {
    /// A tenant prompt by name.
    Tenant(String),
    /// A platform prompt by id.
    System(String),
    /// Text to speak.
    Say(String),
}

impl PromptConfig {
    /// The WIT prompt.
    pub fn to_prompt(&self) -> Prompt {
        match self {
            PromptConfig::Tenant(name) => Prompt::tenant(name.as_str()),
            PromptConfig::System(id) => Prompt::system(id.as_str()),
            PromptConfig::Say(text) => Prompt::say(text.as_str()),
        }
    }
}

fn default_repeat_key() -> char {
    '*'
}
fn default_back_key() -> char {
    '#'
}
fn default_max_retries() -> u32 {
    3
}
fn default_timeout_ms() -> u32 {
    5_000
}

impl MenuConfig {
    /// Parses and checks the configuration; the error says what is wrong.
    pub fn parse(json: &str) -> Result<Self, String> {
        let config: MenuConfig =
            serde_json::from_str(json).map_err(|e| format!("config `menu` is not valid: {e}"))?;
        if !config.menus.contains_key(&config.start) {
            return Err(format!(
                "config `menu`: start menu `{}` is not defined",
                config.start
            ));
        }
        if config.menus.len() > MAX_NODES || config.pins.len() > MAX_NODES {
            return Err(format!(
                "config `menu`: at most {MAX_NODES} menus and {MAX_NODES} PIN nodes"
            ));
        }
        for (id, menu) in &config.menus {
            if id.is_empty() || id.contains(['/', ':']) {
                return Err(format!(
                    "config `menu`: menu id `{id}` must be non-empty without `/` or `:`"
                ));
            }
            for (key, choice) in &menu.options {
                if !is_dtmf(*key) {
                    return Err(format!(
                        "config `menu`: menu `{id}` option `{key}` is not a DTMF key"
                    ));
                }
                config.check_choice(&format!("menu `{id}` option `{key}`"), choice)?;
            }
        }
        if let Some(operator) = &config.operator {
            config.check_choice("`operator`", operator)?;
        }
        if let Some(hours) = &config.hours {
            hours.check()?;
            config.check_choice("`hours.after_hours.then`", &hours.after_hours.then)?;
        }
        for (id, pin) in &config.pins {
            pin.check(id)?;
            config.check_choice(&format!("`pins.{id}.success`"), &pin.success)?;
            config.check_choice(&format!("`pins.{id}.failure`"), &pin.failure)?;
        }
        if let Some(long_wait) = &config.long_wait {
            long_wait.check()?;
        }
        Ok(config)
    }

    /// A choice must lead to a menu or PIN node that exists.
    fn check_choice(&self, place: &str, choice: &Choice) -> Result<(), String> {
        match choice {
            Choice::Menu { menu } if !self.menus.contains_key(menu) => Err(format!(
                "config `menu`: {place} leads to undefined menu `{menu}`"
            )),
            Choice::Pin { pin } if !self.pins.contains_key(pin) => Err(format!(
                "config `menu`: {place} leads to undefined PIN node `{pin}`"
            )),
            Choice::Voicemail { mailbox, .. } if mailbox.trim().is_empty() => {
                Err(format!("config `menu`: {place} needs a voicemail mailbox"))
            }
            _ => Ok(()),
        }
    }
}

fn is_dtmf(key: char) -> bool {
    key.is_ascii_digit() || key == '*' || key == '#'
}
