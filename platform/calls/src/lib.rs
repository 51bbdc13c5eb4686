//! Kefu's call control: one actor per call ties the SIP legs, the media room, the number's IVR
//! plugin and the ACD together.
//!
//! The decision-making is pure and tested without IO: [`flow::IvrFlow`] turns the IVR
//! plugin's actions into commands (answer, play, collect digits, enqueue, transfer, voicemail,
//! hang up) one blocking step at a time and turns their outcomes into the plugin's next event.
//! The call actor (a tokio task per call, `actor.rs`) carries the commands out on real legs
//! and media; [`CallService`] takes the SIP edge's requests, refuses what no trunk or number
//! admits and starts the actors; [`QueueHub`] drives each tenant's ACD engine with the clock;
//! [`CallServices`] is what the server provides (routes, plugins, prompts, records);
//! [`session_timer`] negotiates RFC 4028 keep-alives.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod actor;
pub mod audio;
pub mod digits;
pub mod flow;
pub mod queues;
mod service;
pub mod services;
pub mod session_timer;

pub use actor::CallSettings;
pub use flow::{Command, Ending, Input, IvrFlow};
pub use kefu_core::event::{Disposition, HangupBy, MediaSummary};
pub use queues::{QueueHub, QueueNotice, Routing};
pub use service::{CallService, CallServiceConfig, CallStats};
pub use services::{
    CallServices, Entry, InboundRequest, IvrSession, NewVoicemail, OutboundTrunk, Refusal, Route,
};
