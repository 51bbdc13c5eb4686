//! Per-source rate limits for INVITE and REGISTER (sans-IO).
//!
//! Owns one token bucket per (source IP, request class) in a fixed-size, set-associative table:
//! memory is allocated once and never grows, however many source addresses an attacker sprays.
//! Each bucket refills at `per_second` up to `burst`; a request takes a token. A source that
//! runs dry is answered 503 with Retry-After while its debt stays within `drop_after`, and is
//! silently dropped beyond that (answering a flood costs as much as the flood). Time is passed
//! in; this module never reads a clock, spawns or does IO.
//!
//! When a set is full, a newcomer replaces the way whose bucket would be fullest by now (an idle
//! or recovered source, which loses nothing by being forgotten); a flooder spraying addresses
//! can therefore evict other entries, which only ever resets them to a full bucket. Sprayed
//! addresses are each limited to `burst` requests; a global cap belongs in front of the edge.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The request classes limited separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestClass {
    /// INVITE (new calls).
    Invite,
    /// REGISTER.
    Register,
}

impl RequestClass {
    /// The class of a method name, if it is limited.
    pub fn of_method(method: &[u8]) -> Option<Self> {
        match method {
            b"INVITE" => Some(Self::Invite),
            b"REGISTER" => Some(Self::Register),
            _ => None,
        }
    }
}

/// One class's bucket settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketConfig {
    /// Sustained requests per second per source.
    pub per_second: f64,
    /// Requests a quiet source may send at once.
    pub burst: f64,
    /// Requests beyond the bucket answered with 503 before the source is dropped silently.
    pub drop_after: f64,
}

/// The limiter's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// INVITE bucket.
    pub invite: BucketConfig,
    /// REGISTER bucket.
    pub register: BucketConfig,
    /// Sources remembered (rounded up to a multiple of the set size); fixes memory.
    pub max_sources: usize,
    /// Retry-After seconds put in 503 responses.
    pub retry_after_secs: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            invite: BucketConfig {
                per_second: 20.0,
                burst: 40.0,
                drop_after: 40.0,
            },
            register: BucketConfig {
                per_second: 5.0,
                burst: 20.0,
                drop_after: 20.0,
            },
            max_sources: 65_536,
            retry_after_secs: 5,
        }
    }
}

/// The limiter's answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the limit.
    Allow,
    /// Over the limit: answer 503 with Retry-After.
    Reject,
    /// Far over the limit: send nothing.
    Drop,
}

const WAYS: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: Option<(IpAddr, RequestClass)>,
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by source address, in bounded memory.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    slots: Vec<Slot>,
    sets: usize,
    hasher: RandomState,
}

impl RateLimiter {
    /// A limiter whose table is allocated now, at its final size.
    pub fn new(config: RateLimitConfig, now: Instant) -> Self {
        let sets = config.max_sources.div_ceil(WAYS).max(1);
        let empty = Slot {
            key: None,
            tokens: 0.0,
            at: now,
        };
        Self {
            config,
            slots: vec![empty; sets * WAYS],
            sets,
            hasher: RandomState::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Number of sources currently tracked (never more than the table's capacity).
    pub fn tracked(&self) -> usize {
        self.slots.iter().filter(|s| s.key.is_some()).count()
    }

    /// The table's fixed capacity.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Counts one request of `class` from `source` at `now`.
    pub fn check(&mut self, source: IpAddr, class: RequestClass, now: Instant) -> RateDecision {
        let bucket = match class {
            RequestClass::Invite => self.config.invite,
            RequestClass::Register => self.config.register,
        };
        let key = (source, class);
        let set = usize::try_from(self.hasher.hash_one(key) % self.sets as u64).unwrap_or(0);
        let ways = &mut self.slots[set * WAYS..(set + 1) * WAYS];
        let refilled = |slot: &Slot| {
            let elapsed = now.saturating_duration_since(slot.at).as_secs_f64();
            (slot.tokens + elapsed * bucket.per_second).min(bucket.burst)
        };
        let index = match ways.iter().position(|s| s.key == Some(key)) {
            Some(i) => i,
            None => {
                // Replace an empty way, else the one whose bucket is fullest by now.
                let victim = ways
                    .iter()
                    .position(|s| s.key.is_none())
                    .unwrap_or_else(|| {
                        let mut best = 0;
                        for (i, slot) in ways.iter().enumerate() {
                            if refilled(slot) > refilled(&ways[best]) {
                                best = i;
                            }
                        }
                        best
                    });
                ways[victim] = Slot {
                    key: Some(key),
                    tokens: bucket.burst,
                    at: now,
                };
                victim
            }
        };
        let slot = &mut ways[index];
        slot.tokens = refilled(slot);
        slot.at = now;
        if slot.tokens >= 1.0 {
            slot.tokens -= 1.0;
            RateDecision::Allow
        } else if slot.tokens > -bucket.drop_after {
            slot.tokens -= 1.0;
            RateDecision::Reject
        } else {
            RateDecision::Drop
        }
    }

    /// How long until `source` may send `class` again (for Retry-After), at least one second.
    pub fn retry_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.config.retry_after_secs.max(1)))
    }
}

#[cfg(test)]
mod tests;
