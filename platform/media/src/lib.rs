//! Kefu's media engine: RTP/RTCP legs, G.711, jitter buffers, hear-matrix rooms, prompts,
//! tones, DTMF, a recorder tap, text-to-speech and a tokio UDP driver.
//!
//! # Model
//!
//! The core is sans-IO, like str0m: a [`MediaRoom`] owns its participants' [`Leg`]s and its
//! [`Source`]s, is fed datagrams and time, and is polled for outputs. It never opens a socket,
//! reads a clock or spawns a task, so every behaviour is tested with simulated time. The
//! [`driver`] puts rooms on real UDP sockets: one tokio task drives many rooms on a 20 ms
//! ticker. The engine knows nothing of SIP: a leg is configured with a remote address and
//! payload types as plain values.
//!
//! # Run-loop contract
//!
//! 1. For every datagram that arrives on a participant's socket, call
//!    [`MediaRoom::handle_receive`] with the arrival time.
//! 2. Every 20 ms exactly, call [`MediaRoom::tick`] with the tick's time. Each leg gives one
//!    frame of received audio, each participant is sent the mix of what it hears.
//! 3. After either, drain [`MediaRoom::poll_output`]: send each [`RoomOutput::Transmit`]
//!    from that participant's socket, forward [`RoomOutput::Event`]s (DTMF, prompt finished,
//!    latching) to call control and [`RoomOutput::Tap`] frames to the recorder.
//!
//! ```
//! use kefu_media::{G711, MediaRoom, RtpLeg, RtpLegConfig, RoomOutput, Source, MusicLoop};
//! use std::time::{Duration, Instant};
//!
//! let t0 = Instant::now();
//! let phone = "192.0.2.10:4000".parse().ok();
//! let mut room = MediaRoom::new();
//! let caller = room.add_participant(Box::new(RtpLeg::new(RtpLegConfig::new(G711::Pcma, phone, 0x1234), t0)?))?;
//! let music = room.add_source(Source::Music(MusicLoop::generated()))?;
//! room.set_hears(caller, music, kefu_media::Gain::UNITY)?;
//! for n in 0..50u32 {
//!     room.tick(t0 + Duration::from_millis(20 * u64::from(n)));
//!     while let Some(output) = room.poll_output() {
//!         if let RoomOutput::Transmit { transmit, .. } = output {
//!             assert_eq!(Some(transmit.destination), phone); // 50 packets of hold music
//!         }
//!     }
//! }
//! # Ok::<(), kefu_media::RoomError>(())
//! ```
//!
//! # What it never does
//!
//! No SIP, no SDP, no storage. The core never blocks, sleeps or reads the clock; only
//! [`driver`] touches sockets and [`tts`] runs a process (off the async workers, with a
//! timeout). DTMF digits are never logged.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod announcements;
pub mod driver;
pub mod dtmf;
pub mod frame;
pub mod g711;
pub mod jitter;
pub mod leg;
pub mod prompt;
pub mod room;
pub mod rtp;
pub mod tts;

pub use dtmf::DtmfDigit;
pub use frame::{FRAME_DURATION, FRAME_SAMPLES, Frame, SAMPLE_RATE};
pub use g711::G711;
pub use jitter::JitterConfig;
pub use leg::{Leg, LegEvent, LegStats, RtpLeg, RtpLegConfig};
pub use prompt::{MusicLoop, Prompt, PromptId, PromptPlayer, Source, ToneGenerator, ToneSpec};
#[cfg(test)]
mod test_support;

pub use room::{Gain, MediaRoom, MemberId, RoomError, RoomEvent, RoomOutput, TapFrame};
