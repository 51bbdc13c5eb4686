//! The unit of audio everything in the engine exchanges: 20 ms of 8 kHz mono linear PCM.
//!
//! Owns the frame type and its constants; it must never know about codecs or transports.

/// Samples per second of every frame in the engine.
pub const SAMPLE_RATE: u32 = 8_000;
/// Samples in one 20 ms frame at [`SAMPLE_RATE`].
pub const FRAME_SAMPLES: usize = 160;
/// Length of one frame (and of one room tick) in milliseconds.
pub const FRAME_MS: u64 = 20;
/// Length of one frame (and of one room tick).
pub const FRAME_DURATION: std::time::Duration = std::time::Duration::from_millis(FRAME_MS);

/// 20 ms of 8 kHz mono signed 16-bit audio.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame(pub [i16; FRAME_SAMPLES]);

impl Frame {
    /// A frame of digital silence.
    pub const SILENCE: Frame = Frame([0; FRAME_SAMPLES]);

    /// The samples of the frame.
    pub fn samples(&self) -> &[i16; FRAME_SAMPLES] {
        &self.0
    }

    /// The samples of the frame, writable.
    pub fn samples_mut(&mut self) -> &mut [i16; FRAME_SAMPLES] {
        &mut self.0
    }

    /// Mean power of the frame (mean of squared samples), for level checks and detectors.
    pub fn power(&self) -> f64 {
        let sum: f64 = self.0.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
        sum / FRAME_SAMPLES as f64
    }

    /// Whether every sample is zero.
    pub fn is_silent(&self) -> bool {
        self.0.iter().all(|&s| s == 0)
    }
}

impl Default for Frame {
    fn default() -> Self {
        Frame::SILENCE
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Frame(power {:.0}, first {:?})",
            self.power(),
            &self.0[..4]
        )
    }
}
