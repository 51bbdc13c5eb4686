//! `ivr-menu`: a configurable DTMF menu plugin for Kefu's `ivr` world.
//!
//! The installation's config key `menu` (JSON, see [`config::MenuConfig`]) describes a tree of
//! menus. The call starts with the greeting and the start menu; each key leads to a queue, a
//! transfer, a sub-menu or a hang-up. The repeat key replays the menu, the back key returns to
//! the parent menu, the operator key goes to the operator. Invalid keys and timeouts re-prompt
//! up to `max_retries` times, then go to the operator (or hang up when none is configured).
//!
//! The plugin is stateless: the menu stack and the retry count live in call data under
//! `ivr-menu.*`, so every event is decided from the event and the call context alone.

pub mod config;
mod menu;

use kefu_plugin_sdk::ivr::{self, Action, CallContext, Event, PluginError};

struct IvrMenu;

impl ivr::Guest for IvrMenu {
    fn on_event(context: CallContext, event: Event) -> Result<Vec<Action>, PluginError> {
        let json = ivr::config::get("menu")
            .ok_or_else(|| PluginError::invalid_config("config `menu` is not set"))?;
        let config = config::MenuConfig::parse(&json).map_err(PluginError::invalid_config)?;
        menu::decide(&config, &context, event)
    }
}

ivr::export_ivr!(IvrMenu);
