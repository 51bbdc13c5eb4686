//! Skill levels and call priorities: small bounded numbers with a checked constructor.
//!
//! Both are 1–10. Serde accepts any `u8` so an API can deserialize a bad value and
//! [`crate::validate`] can then name the field that was wrong; the engine itself only ever holds
//! values that passed [`Level::new`] / [`Priority::new`] or validation.

use serde::{Deserialize, Serialize};

/// How good an agent is at a skill, or the least a queue accepts: 1 (novice) to 10 (expert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Level(u8);

impl Level {
    /// The lowest level.
    pub const MIN: Level = Level(1);
    /// The highest level.
    pub const MAX: Level = Level(10);

    /// A level, if `value` is within 1–10.
    pub const fn new(value: u8) -> Option<Level> {
        if value >= 1 && value <= 10 {
            Some(Level(value))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Is this a valid level (1–10)? Only values from serde can fail this.
    pub const fn is_valid(self) -> bool {
        self.0 >= 1 && self.0 <= 10
    }

    /// This minimum lowered by `by` levels, never below 1 (an overflow step relaxing skills).
    pub fn relaxed(self, by: u8) -> Level {
        Level(self.0.saturating_sub(by).max(1))
    }
}

/// How urgent a waiting call is: 1 (lowest) to 10 (highest). Within one priority calls are
/// served first in, first out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Priority(u8);

impl Priority {
    /// The lowest priority.
    pub const LOWEST: Priority = Priority(1);
    /// The highest priority.
    pub const HIGHEST: Priority = Priority(10);
    /// The priority of a call nothing says otherwise about.
    pub const NORMAL: Priority = Priority(5);

    /// A priority, if `value` is within 1–10.
    pub const fn new(value: u8) -> Option<Priority> {
        if value >= 1 && value <= 10 {
            Some(Priority(value))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Is this a valid priority (1–10)? Only values from serde can fail this.
    pub const fn is_valid(self) -> bool {
        self.0 >= 1 && self.0 <= 10
    }

    /// One level more urgent, capped at `cap` (aging).
    pub fn raised(self, cap: Priority) -> Priority {
        if self >= cap {
            self
        } else {
            Priority(self.0 + 1)
        }
    }
}

impl Default for Priority {
    fn default() -> Self {
        Priority::NORMAL
    }
}
