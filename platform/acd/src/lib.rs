//! Kefu's routing engine (ACD): queues, skills and agent states for one tenant, as a pure,
//! deterministic state machine.
//!
//! # Model
//!
//! [`Acd`] owns every agent's state and every call waiting in a queue. It performs no IO, spawns
//! nothing and never reads a clock: the driver (the `calls` crate) passes time in as [`Millis`]
//! since the engine started, feeds [`Input`]s, and carries out the [`Output`]s. The same inputs
//! at the same times always give the same state and outputs — decisions use ordered structures
//! and fixed tie-breaks, never hash order or randomness — so a day of traffic can be replayed.
//!
//! After each input or timeout the engine runs a *decision step*: every waiting call that some
//! available agent may take is offered, highest priority first (FIFO within a priority), to the
//! agent its queue's [`RoutingStrategy`] prefers. Available agents are indexed per skill in
//! ordered sets (by idle-since, level, occupancy, slot), waiting calls per queue by
//! (priority, order), so a decision touches a handful of entries, never every agent or call.
//!
//! # Run loop
//!
//! Like str0m: feed an input, drain outputs, sleep until [`Acd::poll_timeout`], repeat.
//!
//! ```
//! use kefu_acd::{Acd, Input, Millis, Output, RequestedState, TenantConfig};
//! # use kefu_acd::config::*;
//! # use kefu_core::{AgentId, CallId, QueueId, SkillId, TenantId};
//! # let (skill, queue, agent) = (SkillId::new(), QueueId::new(), AgentId::new());
//! # let config = TenantConfig {
//! #     tenant: TenantId::new(), skills: vec![skill], reason_codes: vec![],
//! #     queues: vec![QueueConfig {
//! #         id: queue, name: "support".into(), strategy: RoutingStrategy::LongestIdle,
//! #         required_skills: vec![], default_priority: Default::default(),
//! #         priority_rules: vec![], skill_rules: vec![], aging: None, max_wait: None,
//! #         service_level: ServiceLevelTarget { percent: 80, within: Millis::from_secs(20) },
//! #         ring_timeout: Millis::from_secs(15), after_call_work: Millis::from_secs(30),
//! #         expected_handle_time: Millis::from_secs(180), overflow: vec![], sticky: None,
//! #         backup: None, router_plugin: None,
//! #     }],
//! #     agents: vec![AgentProfile { id: agent, skills: vec![] }],
//! #     settings: Default::default(),
//! # };
//! let mut acd = Acd::new(config)?;
//! let now = Millis(0);
//! acd.handle_input(now, Input::SetAgentState { agent, state: RequestedState::Available })?;
//! let call = CallId::new();
//! acd.handle_input(now, Input::Enqueue(kefu_acd::EnqueueCall {
//!     call, queue, priority: None, required_skills: vec![],
//!     attributes: Default::default(), last_agent: None,
//! }))?;
//! while let Some(output) = acd.poll_output() {
//!     match output {
//!         Output::Offer { call, agent, .. } => { /* ring the agent's softphone */ }
//!         Output::Event(event) => { /* publish event.name() on the bus */ }
//!         _ => {}
//!     }
//! }
//! // Sleep until the next deadline (or the next input), then:
//! if let Some(at) = acd.poll_timeout() {
//!     acd.handle_timeout(at);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the engine never does
//!
//! It never talks to the network, the database or a plugin. A router plugin is asked through
//! [`Output::ScoreRequest`] and answers with [`Input::Scores`]; past the deadline the engine
//! decides without it. Configuration arrives as [`TenantConfig`] and is checked by
//! [`validate()`] first.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod agent;
mod availability;
mod call;
pub mod config;
mod engine;
mod error;
mod event;
mod io;
mod ix;
mod level;
mod queue;
mod stats;
mod time;
mod timers;
mod validate;

pub use agent::{AgentState, AgentStateKind, ReasonCode, RequestedState};
pub use call::{CallRank, WaitOutcome};
pub use config::{RoutingStrategy, TenantConfig};
pub use engine::{Acd, CallPhase, CallView, WaitEstimate};
pub use error::InputError;
pub use event::{AcdEvent, AcdEventKind, RequeueReason, StateChangeCause};
pub use io::{EnqueueCall, Input, Output, ScoreRequest};
pub use level::{Level, Priority};
pub use stats::{AgentStats, AgentsByState, QueueStats, SkillStats};
pub use time::Millis;
pub use validate::{ConfigError, ConfigProblem, InvalidConfig, validate, validate_queue};
