//! Audio the room plays by itself: prompts (8 kHz WAV files or synthesised speech), tones and
//! hold music, all as [`Source`]s that produce one frame per tick.
//!
//! Owns decoding prompt files and the playback position; it must never read files or spawn
//! processes itself (the caller hands in bytes or samples).

mod music;
mod player;
mod tone;
pub mod wav;

pub use music::MusicLoop;
pub use player::{FinishReason, PromptFinished, PromptId, PromptPlayer};
pub use tone::{ToneGenerator, ToneSpec};

use crate::frame::{FRAME_SAMPLES, Frame, SAMPLE_RATE};
use crate::g711::G711;
use std::sync::Arc;
use std::time::Duration;
use wav::{WavEncoding, WavError, WavReadOptions, read_wav};

/// Decoded 8 kHz mono audio, cheap to clone and share between rooms.
#[derive(Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Arc<[i16]>,
}

impl Prompt {
    /// Wraps 8 kHz mono samples.
    pub fn from_samples(samples: Vec<i16>) -> Self {
        Prompt {
            samples: samples.into(),
        }
    }

    /// Decodes a WAV file that must be 8 kHz mono 16-bit PCM, A-law or µ-law, at most
    /// `max_bytes` long.
    pub fn from_wav(bytes: &[u8], max_bytes: usize) -> Result<Self, WavError> {
        let audio = read_wav(
            bytes,
            WavReadOptions {
                max_bytes,
                streamed: false,
            },
        )?;
        if audio.channels != 1 {
            return Err(WavError::Channels(audio.channels));
        }
        if audio.sample_rate != SAMPLE_RATE {
            return Err(WavError::SampleRate(audio.sample_rate));
        }
        let samples = match audio.encoding {
            WavEncoding::Pcm16 => audio
                .data
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect(),
            WavEncoding::Alaw | WavEncoding::Ulaw => {
                let law = if audio.encoding == WavEncoding::Alaw {
                    G711::Pcma
                } else {
                    G711::Pcmu
                };
                let mut out = vec![0i16; audio.data.len()];
                law.decode(audio.data, &mut out);
                out
            }
        };
        Ok(Prompt::from_samples(samples))
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Playing time.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE))
    }

    /// Number of 20 ms frames it fills (the last one padded with silence).
    pub fn frames(&self) -> usize {
        self.samples.len().div_ceil(FRAME_SAMPLES)
    }
}

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prompt({} samples)", self.samples.len())
    }
}

/// Something in a room that speaks but never listens.
#[derive(Debug)]
pub enum Source {
    /// A queue of prompts.
    Prompts(PromptPlayer),
    /// A tone with a cadence (ringback, busy, beep, a DTMF key).
    Tone(ToneGenerator),
    /// Looping hold music.
    Music(MusicLoop),
}

impl Source {
    /// Produces this tick's frame; returns false when the source is silent.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        match self {
            Source::Prompts(p) => p.next_frame(out),
            Source::Tone(t) => t.next_frame(out),
            Source::Music(m) => m.next_frame(out),
        }
    }
}

#[cfg(test)]
mod tests;
