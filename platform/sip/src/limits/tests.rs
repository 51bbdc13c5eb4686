use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use super::*;

fn ip(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
}

fn config() -> RateLimitConfig {
    RateLimitConfig {
        invite: BucketConfig {
            per_second: 2.0,
            burst: 4.0,
            drop_after: 3.0,
        },
        register: BucketConfig {
            per_second: 1.0,
            burst: 1.0,
            drop_after: 1.0,
        },
        max_sources: 64,
        retry_after_secs: 7,
    }
}

#[test]
fn burst_then_503_then_silent_drop() {
    let t0 = Instant::now();
    let mut limiter = RateLimiter::new(config(), t0);
    let decisions: Vec<_> = (0..9)
        .map(|_| limiter.check(ip(1), RequestClass::Invite, t0))
        .collect();
    use RateDecision::*;
    assert_eq!(
        decisions,
        [
            Allow, Allow, Allow, Allow, Reject, Reject, Reject, Drop, Drop
        ]
    );
    assert_eq!(limiter.retry_after(), Duration::from_secs(7));
}

#[test]
fn tokens_refill_with_simulated_time_and_debt_is_paid_first() {
    let t0 = Instant::now();
    let mut limiter = RateLimiter::new(config(), t0);
    for _ in 0..7 {
        limiter.check(ip(1), RequestClass::Invite, t0);
    }
    // A debt of 3 tokens at 2/s is paid after 1.5 s (0 tokens: still refused, debt 1 again);
    // 1.5 s later the bucket holds 2 tokens.
    assert_eq!(
        limiter.check(
            ip(1),
            RequestClass::Invite,
            t0 + Duration::from_millis(1500)
        ),
        RateDecision::Reject
    );
    assert_eq!(
        limiter.check(
            ip(1),
            RequestClass::Invite,
            t0 + Duration::from_millis(3000)
        ),
        RateDecision::Allow
    );
    // Long quiet: refill is capped at the burst.
    let later = t0 + Duration::from_secs(3600);
    let allowed = (0..10)
        .filter(|_| limiter.check(ip(1), RequestClass::Invite, later) == RateDecision::Allow)
        .count();
    assert_eq!(allowed, 4);
}

#[test]
fn classes_and_sources_are_independent() {
    let t0 = Instant::now();
    let mut limiter = RateLimiter::new(config(), t0);
    for _ in 0..20 {
        limiter.check(ip(1), RequestClass::Invite, t0);
    }
    assert_eq!(
        limiter.check(ip(1), RequestClass::Invite, t0),
        RateDecision::Drop
    );
    assert_eq!(
        limiter.check(ip(1), RequestClass::Register, t0),
        RateDecision::Allow
    );
    assert_eq!(
        limiter.check(ip(2), RequestClass::Invite, t0),
        RateDecision::Allow
    );
}

#[test]
fn spraying_addresses_never_grows_the_table() {
    let t0 = Instant::now();
    let mut limiter = RateLimiter::new(config(), t0);
    let capacity = limiter.capacity();
    assert!((64..64 + WAYS).contains(&capacity));
    for n in 0..100_000 {
        limiter.check(
            ip(n),
            RequestClass::Invite,
            t0 + Duration::from_micros(u64::from(n)),
        );
    }
    assert_eq!(limiter.capacity(), capacity);
    assert!(limiter.tracked() <= capacity);
}

#[test]
fn a_flooder_does_not_starve_another_source() {
    let t0 = Instant::now();
    let mut limiter = RateLimiter::new(config(), t0);
    let mut legit_allowed = 0;
    let mut flood = [0usize; 3];
    for ms in 0..10_000u64 {
        let now = t0 + Duration::from_millis(ms);
        match limiter.check(ip(666), RequestClass::Invite, now) {
            RateDecision::Allow => flood[0] += 1,
            RateDecision::Reject => flood[1] += 1,
            RateDecision::Drop => flood[2] += 1,
        }
        if ms % 1000 == 0 && limiter.check(ip(7), RequestClass::Invite, now) == RateDecision::Allow
        {
            legit_allowed += 1;
        }
    }
    assert_eq!(legit_allowed, 10);
    // The flooder gets its burst plus the sustained rate, a few 503s, and silence after that.
    assert!(flood[0] <= 4 + 20, "{flood:?}");
    assert!(flood[2] > 9_000, "{flood:?}");
}

#[test]
fn method_classes() {
    assert_eq!(
        RequestClass::of_method(b"INVITE"),
        Some(RequestClass::Invite)
    );
    assert_eq!(
        RequestClass::of_method(b"REGISTER"),
        Some(RequestClass::Register)
    );
    assert_eq!(RequestClass::of_method(b"OPTIONS"), None);
    assert_eq!(RequestClass::of_method(b"invite"), None);
}
