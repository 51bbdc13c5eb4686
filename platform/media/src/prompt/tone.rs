//! Tone generators: call-progress tones with cadences and DTMF keys as dual tones.

use crate::dtmf::DtmfDigit;
use crate::frame::{Frame, SAMPLE_RATE};

/// A tone: up to two frequencies, an on/off cadence, repeating or once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneSpec {
    /// Frequencies in Hz (0 means unused).
    pub frequencies: [f32; 2],
    /// Peak amplitude of each component.
    pub amplitude: i16,
    /// Milliseconds on.
    pub on_ms: u32,
    /// Milliseconds off (0: continuous).
    pub off_ms: u32,
    /// Repeat the cadence forever, or play one on-period.
    pub repeat: bool,
}

impl ToneSpec {
    /// Ringback as heard in China (GB 450 Hz, 1 s on, 4 s off).
    pub const RINGBACK_CN: ToneSpec = ToneSpec {
        frequencies: [450.0, 0.0],
        amplitude: 6_000,
        on_ms: 1_000,
        off_ms: 4_000,
        repeat: true,
    };
    /// Ringback as heard in North America (440 + 480 Hz, 2 s on, 4 s off).
    pub const RINGBACK_US: ToneSpec = ToneSpec {
        frequencies: [440.0, 480.0],
        amplitude: 4_000,
        on_ms: 2_000,
        off_ms: 4_000,
        repeat: true,
    };
    /// Busy as heard in China (450 Hz, 350 ms on, 350 ms off).
    pub const BUSY_CN: ToneSpec = ToneSpec {
        frequencies: [450.0, 0.0],
        amplitude: 6_000,
        on_ms: 350,
        off_ms: 350,
        repeat: true,
    };
    /// Busy as heard in North America (480 + 620 Hz, 500 ms on, 500 ms off).
    pub const BUSY_US: ToneSpec = ToneSpec {
        frequencies: [480.0, 620.0],
        amplitude: 4_000,
        on_ms: 500,
        off_ms: 500,
        repeat: true,
    };
    /// A 1 kHz beep of 200 ms, once (e.g. before voicemail recording).
    pub const BEEP: ToneSpec = ToneSpec {
        frequencies: [1_000.0, 0.0],
        amplitude: 8_000,
        on_ms: 200,
        off_ms: 0,
        repeat: false,
    };

    /// A DTMF key as a dual tone of `on_ms`, once.
    pub fn dtmf(digit: DtmfDigit, on_ms: u32) -> ToneSpec {
        let (row, column) = digit.frequencies();
        ToneSpec {
            frequencies: [row, column],
            amplitude: 7_000,
            on_ms,
            off_ms: 0,
            repeat: false,
        }
    }
}

/// Plays a [`ToneSpec`].
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    spec: ToneSpec,
    /// Phase increments per sample, radians.
    steps: [f32; 2],
    phases: [f32; 2],
    /// Sample position within the cadence.
    position: u64,
    done: bool,
}

impl ToneGenerator {
    /// Starts a tone.
    pub fn new(spec: ToneSpec) -> Self {
        let step = |f: f32| 2.0 * std::f32::consts::PI * f / SAMPLE_RATE as f32;
        ToneGenerator {
            spec,
            steps: spec.frequencies.map(step),
            phases: [0.0; 2],
            position: 0,
            done: false,
        }
    }

    /// Whether a one-shot tone has finished.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Produces this tick's frame; false once a one-shot tone has ended.
    pub fn next_frame(&mut self, out: &mut Frame) -> bool {
        if self.done {
            *out = Frame::SILENCE;
            return false;
        }
        let on = u64::from(self.spec.on_ms) * u64::from(SAMPLE_RATE) / 1_000;
        let off = u64::from(self.spec.off_ms) * u64::from(SAMPLE_RATE) / 1_000;
        let period = (on + off).max(1);
        let amplitude = f32::from(self.spec.amplitude);
        for sample in out.0.iter_mut() {
            let within = if self.spec.repeat {
                self.position % period
            } else {
                self.position
            };
            *sample = if within < on {
                let mut v = 0.0;
                for i in 0..2 {
                    if self.spec.frequencies[i] > 0.0 {
                        v += self.phases[i].sin() * amplitude;
                        self.phases[i] = (self.phases[i] + self.steps[i]) % std::f32::consts::TAU;
                    }
                }
                v.clamp(-32_768.0, 32_767.0) as i16
            } else {
                0
            };
            self.position += 1;
        }
        if !self.spec.repeat && self.position >= on {
            self.done = true;
        }
        true
    }
}
