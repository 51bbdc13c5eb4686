//! A queue of prompts played back to back, with barge-in.

use super::Prompt;
use crate::frame::{FRAME_SAMPLES, Frame};
use std::collections::VecDeque;

/// Prompts queued beyond this are refused.
const MAX_QUEUED: usize = 64;

/// The caller's handle on a queued prompt, reported back when it finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PromptId(pub u64);

/// Why a prompt stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    /// Played to the end.
    Completed,
    /// Stopped by barge-in (a DTMF key from a listener) or [`PromptPlayer::interrupt`].
    Interrupted,
    /// Removed by [`PromptPlayer::stop_all`] before or while playing.
    Stopped,
}

/// A prompt that stopped playing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptFinished {
    /// Which prompt.
    pub prompt: PromptId,
    /// Why.
    pub reason: FinishReason,
}

#[derive(Debug)]
struct Queued {
    id: PromptId,
    prompt: Prompt,
    barge_in: bool,
}

/// Plays queued prompts one after another.
#[derive(Debug, Default)]
pub struct PromptPlayer {
    queue: VecDeque<Queued>,
    position: usize,
    finished: VecDeque<PromptFinished>,
}

impl PromptPlayer {
    /// An idle player.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a prompt; with `barge_in` a DTMF key from a listener stops it. False when full.
    pub fn enqueue(&mut self, id: PromptId, prompt: Prompt, barge_in: bool) -> bool {
        if self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.queue.push_back(Queued {
            id,
            prompt,
            barge_in,
        });
        true
    }

    /// Whether a prompt is playing or queued.
    pub fn is_playing(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Barge-in: stops the current prompt and every queued barge-in prompt after it (a caller
    /// who pressed a key wants the menu to stop, not its next sentence). Does nothing when the
    /// current prompt does not allow barge-in, unless `force`.
    pub fn interrupt(&mut self, force: bool) -> bool {
        if !self.queue.front().is_some_and(|q| q.barge_in || force) {
            return false;
        }
        while let Some(q) = self.queue.front() {
            if !(q.barge_in || force) {
                break;
            }
            self.finish(FinishReason::Interrupted);
        }
        true
    }

    /// Stops everything.
    pub fn stop_all(&mut self) {
        while !self.queue.is_empty() {
            self.finish(FinishReason::Stopped);
        }
    }

    /// Produces this tick's frame; false when nothing is playing.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        let mut filled = 0;
        while filled < FRAME_SAMPLES {
            let Some(current) = self.queue.front() else {
                break;
            };
            let samples = current.prompt.samples();
            let take = (samples.len() - self.position).min(FRAME_SAMPLES - filled);
            out.0[filled..filled + take]
                .copy_from_slice(&samples[self.position..self.position + take]);
            filled += take;
            self.position += take;
            if self.position >= samples.len() {
                self.finish(FinishReason::Completed);
                // The next prompt starts on the next frame so each begins frame-aligned.
                break;
            }
        }
        out.0[filled..].fill(0);
        filled > 0
    }

    /// Takes the next finish notice.
    pub fn poll_finished(&mut self) -> Option<PromptFinished> {
        self.finished.pop_front()
    }

    fn finish(&mut self, reason: FinishReason) {
        if let Some(q) = self.queue.pop_front() {
            self.finished.push_back(PromptFinished {
                prompt: q.id,
                reason,
            });
        }
        self.position = 0;
    }
}
