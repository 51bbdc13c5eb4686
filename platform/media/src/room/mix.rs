//! Saturating mixing of 20 ms frames.

use super::matrix::Gain;
use crate::frame::{FRAME_SAMPLES, Frame};

/// A 32-bit accumulator for one listener's mix.
#[derive(Clone, Copy)]
pub(super) struct Accumulator([i32; FRAME_SAMPLES]);

impl Accumulator {
    pub const ZERO: Accumulator = Accumulator([0; FRAME_SAMPLES]);

    /// Adds `frame` scaled by `gain`. Each term is at most 4 × 32,768, so even 64 speakers
    /// stay far inside i32.
    pub fn add(&mut self, frame: &Frame, gain: Gain) {
        if gain == Gain::UNITY {
            for (a, &s) in self.0.iter_mut().zip(frame.samples()) {
                *a += i32::from(s);
            }
        } else {
            let g = i32::from(gain.steps());
            for (a, &s) in self.0.iter_mut().zip(frame.samples()) {
                *a += (i32::from(s) * g) >> 8;
            }
        }
    }

    /// Clamps the sum into 16-bit samples.
    pub fn saturate_into(&self, out: &mut Frame) {
        for (o, &a) in out.0.iter_mut().zip(&self.0) {
            *o = a.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
    }
}
