//! The menu configuration an installation sets (config key `menu`, JSON), and its checks.

use std::collections::BTreeMap;

use kefu_plugin_sdk::ivr::Prompt;
use serde::Deserialize;

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
        for (id, menu) in &config.menus {
            for (key, choice) in &menu.options {
                if !is_dtmf(*key) {
                    return Err(format!(
                        "config `menu`: menu `{id}` option `{key}` is not a DTMF key"
                    ));
                }
                if let Choice::Menu { menu: target } = choice
                    && !config.menus.contains_key(target)
                {
                    return Err(format!(
                        "config `menu`: menu `{id}` option `{key}` leads to undefined menu `{target}`"
                    ));
                }
            }
        }
        Ok(config)
    }
}

fn is_dtmf(key: char) -> bool {
    key.is_ascii_digit() || key == '*' || key == '#'
}
