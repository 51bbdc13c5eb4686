//! Hold music: a prompt played in a loop, or a generated gentle melody when none is uploaded.

use super::Prompt;
use crate::frame::{FRAME_SAMPLES, Frame, SAMPLE_RATE};

/// Loops a piece of audio forever.
#[derive(Debug, Clone)]
pub struct MusicLoop {
    audio: Prompt,
    position: usize,
}

impl MusicLoop {
    /// Loops the given audio (an empty prompt plays silence).
    pub fn new(audio: Prompt) -> Self {
        MusicLoop { audio, position: 0 }
    }

    /// A generated 8-second loop: a slow arpeggio of soft sine notes with their octave, each
    /// note faded in and out so the loop never clicks. Generated once per process and shared
    /// by every caller on hold (128 KB of audio, not 128 KB per call).
    pub fn generated() -> Self {
        static SHARED: std::sync::OnceLock<Prompt> = std::sync::OnceLock::new();
        MusicLoop::new(SHARED.get_or_init(|| Self::generate().audio).clone())
    }

    fn generate() -> Self {
        // C major / A minor / F major / G major arpeggios, half a second per note.
        const NOTES: [f32; 16] = [
            261.63, 329.63, 392.00, 329.63, 220.00, 261.63, 329.63, 261.63, 174.61, 220.00, 261.63,
            220.00, 196.00, 246.94, 293.66, 246.94,
        ];
        let note_len = SAMPLE_RATE as usize / 2;
        let mut samples = Vec::with_capacity(NOTES.len() * note_len);
        for f in NOTES {
            for i in 0..note_len {
                let t = i as f32 / SAMPLE_RATE as f32;
                let progress = i as f32 / note_len as f32;
                let envelope = (progress * std::f32::consts::PI).sin();
                let w = 2.0 * std::f32::consts::PI * f * t;
                let v = (w.sin() + 0.3 * (2.0 * w).sin()) * 4_000.0 * envelope;
                samples.push(v as i16);
            }
        }
        MusicLoop::new(Prompt::from_samples(samples))
    }

    /// The audio looped.
    pub fn audio(&self) -> &Prompt {
        &self.audio
    }

    /// Produces this tick's frame.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        let samples = self.audio.samples();
        if samples.is_empty() {
            *out = Frame::SILENCE;
            return false;
        }
        for slot in out.0.iter_mut().take(FRAME_SAMPLES) {
            if self.position >= samples.len() {
                self.position = 0;
            }
            *slot = samples[self.position];
            self.position += 1;
        }
        true
    }
}
