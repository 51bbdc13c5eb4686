//! Kefu's call control: one actor per call ties the SIP legs, the media room, the number's IVR
//! plugin and the ACD together.
//!
//! The decision-making is pure and tested without IO: [`flow::IvrFlow`] turns the IVR
//! plugin's actions into commands (answer, play, collect digits, enqueue, transfer, voicemail,
//! hang up) one blocking step at a time and turns their outcomes into the plugin's next event.
//! The call actor (a tokio task per call) carries the commands out on real legs and media.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod flow;

pub use flow::{Command, Ending, Input, IvrFlow};
