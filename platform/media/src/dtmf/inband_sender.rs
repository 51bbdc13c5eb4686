//! Sending keys as dual tones in the audio, for legs that did not negotiate telephone-event.

use super::DtmfDigit;
use crate::frame::{FRAME_MS, Frame};
use crate::prompt::{ToneGenerator, ToneSpec};
use std::collections::VecDeque;

/// Keys queued beyond this are refused.
const MAX_QUEUED: usize = 32;
/// Silent frames between two keys (40 ms, the minimum inter-digit pause detectors expect).
const GAP_FRAMES: u16 = 2;

/// Replaces outgoing audio with key tones, one key after another.
#[derive(Debug, Default)]
pub struct InbandKeySender {
    queue: VecDeque<(DtmfDigit, u16)>,
    playing: Option<ToneGenerator>,
    gap: u16,
}

impl InbandKeySender {
    /// An idle sender.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a key lasting `frames` × 20 ms (2–250); false when the queue is full.
    pub fn queue(&mut self, digit: DtmfDigit, frames: u16) -> bool {
        if self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.queue.push_back((digit, frames.clamp(2, 250)));
        true
    }

    /// Overwrites `frame` with this tick's key tone or inter-key silence; false when idle (the
    /// frame is left as it was).
    pub fn overlay(&mut self, frame: &mut Frame) -> bool {
        if self.playing.is_none() {
            if self.gap > 0 {
                self.gap -= 1;
                *frame = Frame::SILENCE;
                return true;
            }
            let Some((digit, frames)) = self.queue.pop_front() else {
                return false;
            };
            let on_ms = u32::from(frames) * FRAME_MS as u32;
            self.playing = Some(ToneGenerator::new(ToneSpec::dtmf(digit, on_ms)));
        }
        let Some(tone) = &mut self.playing else {
            return false;
        };
        tone.next_frame(frame);
        if tone.is_done() {
            self.playing = None;
            self.gap = GAP_FRAMES;
        }
        true
    }
}
