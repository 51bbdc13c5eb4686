//! Kefu's WebAssembly plugin host: runs tenant- and developer-written components of the
//! `kefu:plugin@0.1.0` worlds (`plugins-sdk/wit`) inside hard limits, and logs every call.
//!
//! # Model
//!
//! - [`PluginHost::load`] takes a [`Manifest`] and component bytes. The component is compiled
//!   once per content hash (SHA-256) and cached; its imports are checked against the manifest's
//!   capabilities (an undeclared `kefu:plugin/*` import refuses the load) and it is pre-linked
//!   with only the declared host imports plus a WASI that denies everything (no files,
//!   environment, arguments, sockets or stdio). The result is an `Arc<`[`Plugin`]`>`; a live call
//!   keeps the one it started with.
//! - Every invocation ([`PluginHost::ivr_on_event`], [`PluginHost::router_score`],
//!   [`PluginHost::crm_lookup`], [`PluginHost::crm_on_call_ended`],
//!   [`PluginHost::integration_on_event`]) gets a fresh instance from the pooling
//!   allocator and a fresh store, limited per [`Installation`]: guest CPU time (epoch deadline,
//!   time in host calls not counted), memory, tables, instances, a wall-clock cap, and the size
//!   of the output. The WebAssembly stack cap is host-wide ([`HostConfig`]).
//! - An input naming another tenant than the installation's (`call-context.tenant-id`,
//!   `call-summary.tenant-id`, `domain-event.tenant-id`), or a call to a function of another
//!   world than the plugin's, is refused before instantiation and logged as
//!   [`Outcome::Rejected`].
//! - Every invocation produces an [`Invocation`] record (plugin, version, content hash, tenant,
//!   input, outcome or trap, duration, host calls, log lines), handed to an [`InvocationSink`]
//!   and returned to the caller. Each host call keeps what the host answered (secrets only as
//!   "present"; see [`recorded`]). [`PluginHost::replay_with`] re-runs a record's input on the
//!   same compiled version and compares, with host calls answered live or from the record
//!   ([`HostAnswers`]); [`ScriptedHttp`] and [`PluginHost::with_services`] give tests and
//!   replays an HTTP upstream and a kv store of their own.
//!
//! What this crate must never do: link an import a manifest does not declare, give a guest the
//! host's files, environment or network beyond the HTTP allow-list, or let one invocation see
//! another's state (instances are never reused; pool slots are reset by wasmtime).
//!
//! All four worlds run: `ivr`, `router`, `crm` and `integration`. The router's `score` also
//! takes the caller's deadline (the ACD's), which caps its wall-clock time; the wall-clock cap
//! is enforced at epoch ticks as well as at awaits, and an answer returned after it is a
//! [`Trap::WallClockLimit`].
//!
//! ```no_run
//! # async fn example(wasm: Vec<u8>, context: kefu_plugin_host::CallContext) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use kefu_plugin_host::*;
//!
//! let log = Arc::new(MemoryLog::new(1_000));
//! let host = PluginHost::new(HostConfig::default(), log.clone())?;
//! let manifest: Manifest = serde_json::from_str(
//!     r#"{"name": "ivr-menu", "version": "1.0.0", "world": "ivr",
//!         "capabilities": {"config": true, "log": true, "http": {"allowed_hosts": ["pins.example.com"]}}}"#,
//! )?;
//! let plugin = host.load(manifest, &wasm)?;
//! let installation = Arc::new(Installation::new(kefu_core::TenantId::new()));
//! let call = host.ivr_on_event(&plugin, &installation, &context, &ivr::Event::CallStarted).await;
//! if let Some(Ok(actions)) = call.output {
//!     // carry out `actions`; feed what happens back as the next event
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bindings;
pub mod config_schema;
mod error;
mod host;
pub mod http;
mod imports;
mod invocation;
mod kv;
mod limits;
mod manifest;
pub mod recorded;
mod replay;
mod scripted;
mod store;
mod ticker;

pub use error::{LoadError, ManifestError, ReplayError, ScriptError};
pub use host::{
    CrmEndedCall, CrmLookupCall, Installation, IntegrationCall, IvrCall, Plugin, PluginCall,
    PluginHost, RouterCall,
};
pub use http::HttpPolicy;
pub use invocation::{
    HostCall, Invocation, InvocationSink, JsonText, LogLine, MemoryLog, Outcome, Rejection, Trap,
};
pub use kv::KvStore;
pub use limits::{HostConfig, InvocationLimits};
pub use manifest::{Capabilities, HttpCapability, Manifest, World};
pub use replay::{HostAnswers, Replay, secret_placeholder};
pub use scripted::{ScriptedExchange, ScriptedHttp};

/// The `ivr` world's types (events, actions, prompts), as the host sees them.
pub mod ivr {
    pub use crate::bindings::ivr::kefu::plugin::ivr_types::*;
}
/// The `router` world's types (the waiting call, candidates, scores), as the host sees them.
pub mod router {
    pub use crate::bindings::router::kefu::plugin::router_types::*;
}

/// The `integration` world's types (the domain event), as the host sees them.
pub mod integration {
    pub use crate::bindings::integration::kefu::plugin::integration_types::*;
}

/// The `crm` world's types (customer cards, call summaries, post-call actions), as the host
/// sees them.
pub mod crm {
    pub use crate::bindings::crm::kefu::plugin::crm_types::*;
}

pub use bindings::ivr::kefu::plugin::types::{
    CallContext, ErrorKind, Language, PluginError, SkillRequirement,
};
pub use ivr::{Action, Event};
