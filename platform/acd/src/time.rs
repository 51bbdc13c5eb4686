//! Engine time: a monotonic millisecond count passed in by the driver.
//!
//! The engine never reads a clock. The driver owns one (`std::time::Instant` in production,
//! a plain counter in tests) and hands the engine "milliseconds since the engine started". That
//! keeps every decision reproducible: replaying the same inputs at the same times gives the same
//! state and outputs.

use std::fmt;
use std::ops::{Add, Sub};

use serde::{Deserialize, Serialize};

/// Milliseconds on the engine's monotonic clock: a point in time (since the engine started) or a
/// length of time (in configuration, e.g. a ring timeout).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// The engine's start, or no time at all.
    pub const ZERO: Millis = Millis(0);

    /// A length of whole seconds.
    pub const fn from_secs(secs: u64) -> Millis {
        Millis(secs.saturating_mul(1000))
    }

    /// The time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: Millis) -> Millis {
        Millis(self.0.saturating_sub(earlier.0))
    }

    /// The count in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }
}

impl Add for Millis {
    type Output = Millis;

    fn add(self, rhs: Millis) -> Millis {
        Millis(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Millis {
    type Output = Millis;

    /// Saturating: durations never go negative.
    fn sub(self, rhs: Millis) -> Millis {
        self.since(rhs)
    }
}

impl fmt::Debug for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}
