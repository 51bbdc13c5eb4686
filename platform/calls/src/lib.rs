//! Kefu's call control: each call is a sans-IO [`CallMachine`] driven by a thin tokio driver,
//! tying the SIP legs, the media room, the number's IVR and the ACD together.
//!
//! The decision-making is pure and tested with simulated time: [`CallMachine`] owns the IVR
//! flow ([`flow::IvrFlow`] turns the IVR's actions into commands one blocking step at a time),
//! digit collection, session timers, queueing, transfer and voicemail bookkeeping, the call's
//! legs and its room's hear-matrix; its inputs and outputs are the call's own types
//! ([`ivr`]), not a plugin ABI. The driver (`driver/`) carries the outputs out on real legs
//! and media; [`CallService`] takes the SIP edge's requests, refuses what no trunk or number
//! admits and starts the calls; [`QueueHub`] drives each tenant's ACD engine with the clock;
//! [`CallServices`] is what the platform provides (routes, the IVR, prompts, records);
//! [`session_timer`] negotiates RFC 4028 keep-alives.
//!
//! ```
//! use std::time::{Instant, SystemTime};
//! use kefu_calls::machine::{Answering, CallMachine, CallSetup, Input, MachineSettings, Output};
//! # use kefu_core::event::{CallReceived, Direction};
//! # let (call, tenant) = (kefu_core::CallId::new(), kefu_core::TenantId::new());
//! # let received = CallReceived { call, direction: Direction::Inbound, caller: "+8613800138000".into(),
//! #     dialled: "+862150000000".into(), did: None, trunk: None, entry: None,
//! #     sip_call_id: "c1".into(), node: "kefu".into() };
//! let setup = CallSetup { call, tenant, received, started_at: SystemTime::now(),
//!     entry: Answering::Queue("support".into()), fallback_queue: None, session_timer: None };
//! let now = Instant::now();
//! let mut machine = CallMachine::new(setup, MachineSettings::default(), now);
//! machine.handle_input(now, Input::Start);
//! while let Some(output) = machine.poll_output() {
//!     // Carry it out: answer the dialog, add the prompt player, play "please hold"…
//!     # let _ = output;
//! }
//! // Sleep until `machine.poll_timeout()` (or the next input), then `handle_timeout(now)`.
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod agent_events;
pub mod audio;
pub mod desk;
pub mod digits;
mod driver;
pub mod flow;
pub mod ivr;
pub mod machine;
pub mod queues;
mod service;
pub mod services;
pub mod session_timer;

pub use desk::{AgentCommand, AgentDesk, AgentNotice, AgentSession, DeskError};
pub use driver::CallSettings;
pub use flow::{Command, Ending, Input, IvrFlow};
pub use ivr::{CallView, IvrAction, IvrError, IvrEvent, Language};
pub use kefu_core::event::{Disposition, HangupBy, MediaSummary};
pub use machine::CallMachine;
pub use queues::{QueueHub, QueueNotice, Routing};
pub use service::{CallService, CallServiceConfig, CallStats};
pub use services::{
    CallServices, Entry, InboundRequest, IvrSession, NewVoicemail, OutboundTrunk, Refusal, Route,
    ServiceError,
};
