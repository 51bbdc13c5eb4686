//! Digit collection for `collect-digits`, as a pure state machine: keys come in, the caller's
//! deadline is asked for, and the collection ends by `max-digits`, the terminator or a timeout.
//!
//! The prompt of a collection is played first; the inter-digit timer starts when the prompt
//! ends (or at once when there is none) and restarts after every key. A key pressed during the
//! prompt counts when barge-in is on (and stops the prompt); otherwise it is ignored. Never
//! reads the clock: the actor passes `now` in.

use std::time::{Duration, Instant};

use crate::ivr::{CollectEnd, CollectSpec, CollectedDigits};

/// Most digits a collection accepts, whatever the plugin asks.
pub const MAX_DIGITS: u8 = 64;
/// Longest wait for a digit, whatever the plugin asks.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// Shortest wait for a digit (a 0 ms timeout would end every collection at once).
pub const MIN_TIMEOUT: Duration = Duration::from_millis(500);

/// One `collect-digits` in progress.
#[derive(Debug, Clone)]
pub struct DigitCollector {
    tag: String,
    min: usize,
    max: usize,
    timeout: Duration,
    terminator: Option<char>,
    barge_in: bool,
    digits: String,
    /// While the prompt plays there is no deadline.
    prompt_playing: bool,
    deadline: Option<Instant>,
    ended: Option<CollectEnd>,
}

impl DigitCollector {
    /// Starts collecting for `spec` at `now`. `preset` holds keys pressed during a previous
    /// prompt (barge-in carried over); `prompt_playing` whether the spec's prompt is playing.
    pub fn new(spec: &CollectSpec, preset: &str, prompt_playing: bool, now: Instant) -> Self {
        let max = spec.max_digits.clamp(1, MAX_DIGITS);
        let timeout =
            Duration::from_millis(u64::from(spec.timeout_ms)).clamp(MIN_TIMEOUT, MAX_TIMEOUT);
        let mut collector = DigitCollector {
            tag: spec.tag.clone(),
            min: usize::from(spec.min_digits.min(max)),
            max: usize::from(max),
            timeout,
            terminator: spec.terminator,
            barge_in: spec.barge_in,
            digits: String::new(),
            // Keys typed ahead skip the prompt.
            prompt_playing: prompt_playing && preset.is_empty(),
            deadline: None,
            ended: None,
        };
        for key in preset.chars() {
            collector.push(key, now);
        }
        if !collector.prompt_playing && collector.ended.is_none() && collector.deadline.is_none() {
            collector.deadline = Some(now + collector.timeout);
        }
        collector
    }

    /// The tag of the collection.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// A key arrived. Returns whether it counted (and, during a barge-in prompt, whether the
    /// prompt must stop).
    pub fn key(&mut self, key: char, now: Instant) -> bool {
        if self.ended.is_some() {
            return false;
        }
        if self.prompt_playing && !self.barge_in {
            return false;
        }
        self.prompt_playing = false;
        self.push(key, now);
        true
    }

    fn push(&mut self, key: char, now: Instant) {
        if Some(key) == self.terminator {
            self.ended = Some(CollectEnd::Terminator);
            return;
        }
        if !(key.is_ascii_digit() || key == '*' || key == '#') {
            return;
        }
        self.digits.push(key);
        if self.digits.len() >= self.max {
            self.ended = Some(CollectEnd::MaxDigits);
        } else {
            self.deadline = Some(now + self.timeout);
        }
    }

    /// The prompt finished playing: the wait for the first digit starts.
    pub fn prompt_finished(&mut self, now: Instant) {
        if self.prompt_playing {
            self.prompt_playing = false;
            if self.ended.is_none() {
                self.deadline = Some(now + self.timeout);
            }
        }
    }

    /// When the actor must call [`DigitCollector::timeout`], if the collection is waiting.
    pub fn deadline(&self) -> Option<Instant> {
        if self.ended.is_some() || self.prompt_playing {
            None
        } else {
            self.deadline
        }
    }

    /// The deadline passed (at `now`).
    pub fn timeout(&mut self, now: Instant) {
        if let Some(deadline) = self.deadline()
            && now >= deadline
        {
            self.ended = Some(CollectEnd::Timeout);
        }
    }

    /// The result, once the collection ended. Fewer than `min-digits` digits are reported as a
    /// timeout with what was entered.
    pub fn result(&self) -> Option<CollectedDigits> {
        let ended_by = self.ended?;
        let ended_by = if self.digits.len() < self.min {
            CollectEnd::Timeout
        } else {
            ended_by
        };
        Some(CollectedDigits {
            tag: self.tag.clone(),
            digits: self.digits.clone(),
            ended_by,
        })
    }
}

#[cfg(test)]
mod tests;
