//! RFC 4028 headers of an INVITE (`Session-Expires`, `Min-SE`): negotiation never panics, a
//! timer it grants respects our minimum and maximum, and the `Session-Expires` we send back
//! negotiates to the same timer.
#![no_main]

use kefu_calls::session_timer::{MAX_INTERVAL, TimerPolicy, TimerRequest, negotiate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // `<Session-Expires>\n<Min-SE>`; flag bits say which are present and what is supported.
    let (se, min_se) = text.split_once('\n').unwrap_or((text, ""));
    let request = TimerRequest {
        session_expires: (flags & 1 != 0).then_some(se),
        min_se: (flags & 2 != 0).then_some(min_se),
        supports_timer: flags & 4 != 0,
        allows_update: flags & 8 != 0,
    };
    let policy = TimerPolicy::default();
    let Ok(Some(timer)) = negotiate(&request, &policy) else {
        return;
    };
    assert!(timer.interval >= policy.min_se.min(MAX_INTERVAL));
    assert!(timer.interval <= MAX_INTERVAL.max(policy.min_se));
    let value = timer.header_value();
    let again = TimerRequest {
        session_expires: Some(&value),
        min_se: None,
        supports_timer: true,
        allows_update: request.allows_update,
    };
    let back = negotiate(&again, &policy).expect("our own header is acceptable").expect("a timer");
    assert_eq!((back.interval, back.refresher), (timer.interval, timer.refresher), "{value}");
});
