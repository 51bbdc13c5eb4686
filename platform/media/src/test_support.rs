//! Signal generators shared by the unit tests.

use crate::frame::{FRAME_SAMPLES, Frame, SAMPLE_RATE};

/// A deterministic pseudo-random source (xorshift) for noise.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed | 1)
    }

    /// Uniform in [-amplitude, amplitude].
    pub fn next(&mut self, amplitude: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amplitude
    }
}

/// `frames` frames of the sum of sines (Hz, amplitude) plus uniform noise, starting at sample
/// `offset`.
pub fn signal(tones: &[(f32, f32)], noise: f32, frames: usize, seed: u64) -> Vec<Frame> {
    let mut rng = Noise::new(seed);
    let mut out = Vec::with_capacity(frames);
    for f in 0..frames {
        let mut frame = Frame::SILENCE;
        for (i, s) in frame.0.iter_mut().enumerate() {
            let t = (f * FRAME_SAMPLES + i) as f32 / SAMPLE_RATE as f32;
            let mut v: f32 = tones
                .iter()
                .map(|&(hz, a)| a * (2.0 * std::f32::consts::PI * hz * t).sin())
                .sum();
            v += rng.next(noise);
            *s = v.clamp(-32_768.0, 32_767.0) as i16;
        }
        out.push(frame);
    }
    out
}

/// A crude voiced-speech imitation: a glottal pulse train at a gliding pitch through vowel-like
/// formant weights, syllables separated by short pauses.
pub fn speech_like(frames: usize, seed: u64) -> Vec<Frame> {
    let mut rng = Noise::new(seed);
    let vowels: [[f32; 3]; 4] = [
        [730.0, 1_090.0, 2_440.0],
        [270.0, 2_290.0, 3_010.0],
        [300.0, 870.0, 2_240.0],
        [530.0, 1_840.0, 2_480.0],
    ];
    let mut out = Vec::with_capacity(frames);
    for f in 0..frames {
        let mut frame = Frame::SILENCE;
        let syllable = f / 12;
        let formants = vowels[syllable % vowels.len()];
        let voiced = f % 12 < 10;
        for (i, s) in frame.0.iter_mut().enumerate() {
            if !voiced {
                continue;
            }
            let n = f * FRAME_SAMPLES + i;
            let t = n as f32 / SAMPLE_RATE as f32;
            let pitch = 110.0 + 30.0 * (t * 3.0).sin() + 10.0 * syllable as f32 % 40.0;
            let mut v = 0.0;
            let mut h = 1.0;
            while h * pitch < 3_600.0 {
                let hz = h * pitch;
                let weight: f32 = formants
                    .iter()
                    .map(|&fm| 1.0 / (1.0 + ((hz - fm) / 120.0).powi(2)))
                    .sum();
                v += weight * (2.0 * std::f32::consts::PI * hz * t).sin() / h.sqrt();
                h += 1.0;
            }
            *s = (v * 2_500.0 + rng.next(200.0)).clamp(-32_768.0, 32_767.0) as i16;
        }
        out.push(frame);
    }
    out
}

/// Power of `hz` in `samples` (Goertzel), normalised by length: compare tones, not absolutes.
pub fn tone_power(samples: &[i16], hz: f32) -> f32 {
    let coeff = 2.0 * (2.0 * std::f32::consts::PI * hz / SAMPLE_RATE as f32).cos();
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in samples {
        let s0 = f32::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len().max(1) as f32).powi(2)
}
