//! A token-bucket rate limiter keyed by string (source address, account). Sans-IO: the caller
//! passes the time, so tests drive it without sleeping. Memory is bounded: when the table is
//! full, buckets that have refilled completely (and so carry no information) are dropped; if
//! that is not enough, new keys are refused rather than letting a flood of distinct keys grow
//! the table without limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Allows `per_minute` events per key per minute, with bursts up to `per_minute`.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` events per key, tracking at most `max_keys` keys.
    pub fn new(per_minute: u32, max_keys: usize) -> RateLimiter {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            max_keys,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill(&self, b: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_minute / 60.0).min(self.per_minute);
        b.at = now;
    }

    /// Take one token for `key` at `now`. `Err(seconds)` says how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Err(60); // fail closed
        };
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            buckets.retain(|_, b| {
                let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
                b.tokens + elapsed * self.per_minute / 60.0 < self.per_minute
            });
            if buckets.len() >= self.max_keys {
                return Err(60);
            }
        }
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.per_minute,
            at: now,
        });
        self.refill(b, now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) * 60.0 / self.per_minute;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_up_to_the_limit_then_refills_over_time() {
        let rl = RateLimiter::new(6, 100);
        let t0 = Instant::now();
        for _ in 0..6 {
            assert_eq!(rl.check("a", t0), Ok(()));
        }
        assert_eq!(rl.check("a", t0), Err(10), "6/min = one every 10 s");
        assert_eq!(rl.check("b", t0), Ok(()), "other keys are unaffected");
        assert_eq!(rl.check("a", t0 + Duration::from_secs(10)), Ok(()));
        assert!(rl.check("a", t0 + Duration::from_secs(11)).is_err());
        for _ in 0..6 {
            assert_eq!(rl.check("a", t0 + Duration::from_secs(200)), Ok(()));
        }
    }

    #[test]
    fn the_table_stays_bounded() {
        let rl = RateLimiter::new(1, 3);
        let t0 = Instant::now();
        for k in ["a", "b", "c"] {
            assert_eq!(rl.check(k, t0), Ok(()));
        }
        assert!(
            rl.check("d", t0).is_err(),
            "full of live buckets: refuse new keys"
        );
        // After a minute the old buckets are full again and can be dropped.
        assert_eq!(rl.check("d", t0 + Duration::from_secs(61)), Ok(()));
        assert!(rl.buckets.lock().unwrap().len() <= 3);
    }
}
