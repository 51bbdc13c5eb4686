//! In-band DTMF detection on decoded 20 ms frames with the Goertzel algorithm.
//!
//! A frame holds a key when (1) it is loud enough, (2) the strongest row and column tones
//! together carry at least 70 % of the frame's energy — speech and music spread theirs over
//! many frequencies — (3) each is at least 6× stronger than the runner-up of its group and
//! (4) the twist between the two stays within ±8 dB. A key is reported once it holds for
//! [`DETECTOR_MIN_FRAMES`] consecutive frames (40 ms), and the same key again only after two
//! frames without it.

use super::{COLUMN_HZ, DtmfDigit, ROW_HZ};
use crate::frame::{FRAME_SAMPLES, Frame, SAMPLE_RATE};

/// Consecutive frames a key must hold before it is reported.
pub const DETECTOR_MIN_FRAMES: u8 = 2;
/// Mean power below which a frame is never a key (RMS ≈ 300, about −40 dBFS).
const MIN_POWER: f32 = 300.0 * 300.0;
const MIN_TONE_SHARE: f32 = 0.70;
const MIN_GROUP_RATIO: f32 = 6.0;
const MAX_TWIST: f32 = 6.3; // 8 dB

/// Detects keys in a stream of frames.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    row_coeffs: [f32; 4],
    column_coeffs: [f32; 4],
    candidate: Option<DtmfDigit>,
    run: u8,
    reported: Option<DtmfDigit>,
    quiet: u8,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl DtmfDetector {
    /// A detector with no history.
    pub fn new() -> Self {
        let coeff = |f: f32| 2.0 * (2.0 * std::f32::consts::PI * f / SAMPLE_RATE as f32).cos();
        DtmfDetector {
            row_coeffs: ROW_HZ.map(coeff),
            column_coeffs: COLUMN_HZ.map(coeff),
            candidate: None,
            run: 0,
            reported: None,
            quiet: 0,
        }
    }

    /// Examines one frame; returns a key when one has just been confirmed.
    pub fn detect(&mut self, frame: &Frame) -> Option<DtmfDigit> {
        let key = classify(frame, &self.row_coeffs, &self.column_coeffs);
        if key.is_none() {
            self.quiet = self.quiet.saturating_add(1);
            if self.quiet >= 2 {
                self.reported = None;
            }
        } else {
            self.quiet = 0;
        }
        if key == self.candidate {
            self.run = self.run.saturating_add(1);
        } else {
            self.candidate = key;
            self.run = 1;
        }
        let confirmed = self.candidate.filter(|_| self.run >= DETECTOR_MIN_FRAMES)?;
        if self.reported == Some(confirmed) {
            return None;
        }
        self.reported = Some(confirmed);
        Some(confirmed)
    }

    /// Forgets history.
    pub fn reset(&mut self) {
        *self = Self::new();
    }
}

fn classify(frame: &Frame, rows: &[f32; 4], columns: &[f32; 4]) -> Option<DtmfDigit> {
    let samples = frame.samples();
    let energy: f32 = samples.iter().map(|&s| f32::from(s) * f32::from(s)).sum();
    if energy / (FRAME_SAMPLES as f32) < MIN_POWER {
        return None;
    }
    // Normalised so that a pure sine at the probed frequency scores ≈ 1.
    let scale = 2.0 / (FRAME_SAMPLES as f32 * energy);
    let row_share = rows.map(|c| goertzel(samples, c) * scale);
    let column_share = columns.map(|c| goertzel(samples, c) * scale);
    let (r, row) = strongest(&row_share)?;
    let (c, column) = strongest(&column_share)?;
    let tones = row + column;
    let twist = if row > column {
        row / column
    } else {
        column / row
    };
    let distinct = |shares: &[f32; 4], best: usize, peak: f32| {
        shares
            .iter()
            .enumerate()
            .all(|(i, &s)| i == best || s * MIN_GROUP_RATIO <= peak)
    };
    (tones >= MIN_TONE_SHARE
        && twist <= MAX_TWIST
        && distinct(&row_share, r, row)
        && distinct(&column_share, c, column))
    .then(|| DtmfDigit::from_grid(r, c))
    .flatten()
}

fn strongest(shares: &[f32; 4]) -> Option<(usize, f32)> {
    shares
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|&(_, v)| v > 0.0)
}

/// Squared magnitude of the DTFT of `samples` at the frequency whose coefficient is given.
fn goertzel(samples: &[i16], coeff: f32) -> f32 {
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in samples {
        let s0 = f32::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}
