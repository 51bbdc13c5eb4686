//! Session timers (RFC 4028): the keep-alive of a call's dialog, so a call whose far end
//! vanished (a carrier restart, a lost BYE) does not hold a media room and a queue place until
//! the call's maximum length.
//!
//! Pure: [`negotiate`] takes the INVITE's `Session-Expires`, `Min-SE`, `Supported` and `Allow`
//! (read by `kefu_sip::leg::TimerHeaders`; the policy stays here) and decides the interval and
//! who refreshes; [`SessionTimer::due`] says when the next thing
//! must happen. The call actor puts the headers on its 2xx responses, treats every answered
//! re-INVITE or UPDATE as a refresh, sends refreshes itself when it is the refresher (UPDATE
//! when the caller allows it, otherwise re-INVITE), and ends the call (BYE) when the session
//! expires or a refresh of ours fails.
//!
//! - `Session-Expires` below our minimum → 422 with our `Min-SE`.
//! - A malformed `Session-Expires` or `Min-SE` → 400 naming the header.
//! - No `Session-Expires`, caller supports `timer` → we ask for our default interval, the
//!   caller refreshes.
//! - No `Session-Expires`, no `timer` support → no session timer (the call's maximum length
//!   still bounds it).
//! - A caller without `timer` support cannot refresh on our behalf: we refresh (`uas`).

use std::time::{Duration, Instant};

/// Session-timer settings of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerPolicy {
    /// Shortest interval accepted (`Min-SE`), seconds. RFC 4028 says at least 90.
    pub min_se: u32,
    /// Interval asked for when the caller supports timers but named none, seconds.
    pub default_se: u32,
}

impl Default for TimerPolicy {
    fn default() -> Self {
        TimerPolicy {
            min_se: 90,
            default_se: 1800,
        }
    }
}

/// Who sends the refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresher {
    /// The caller (the carrier's side).
    Uac,
    /// Kefu.
    Uas,
}

impl Refresher {
    fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

/// The INVITE headers that decide a session timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimerRequest<'a> {
    /// `Session-Expires` (or its compact form `x`).
    pub session_expires: Option<&'a str>,
    /// `Min-SE`.
    pub min_se: Option<&'a str>,
    /// Whether `Supported` (or `k`) names `timer`.
    pub supports_timer: bool,
    /// Whether the caller's `Allow` names UPDATE.
    pub allows_update: bool,
}

/// A negotiated session timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    /// Seconds a refresh keeps the session alive.
    pub interval: u32,
    /// Who refreshes.
    pub refresher: Refresher,
    /// Whether our 2xx carries `Require: timer` (the caller supports the extension).
    pub require: bool,
    /// Whether our refreshes are UPDATEs (else re-INVITEs).
    pub refresh_with_update: bool,
}

/// Why an INVITE's timer request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerRefusal {
    /// 422: the interval is below our minimum (sent back as `Min-SE`).
    TooSmall {
        /// Our minimum, seconds.
        min_se: u32,
    },
    /// 400: a header is malformed.
    Malformed(String),
}

/// What the actor must do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Send a refresh (we are the refresher).
    Refresh(Instant),
    /// End the call: no refresh came (the caller is the refresher).
    Expire(Instant),
}

impl Due {
    /// When.
    pub fn at(self) -> Instant {
        match self {
            Due::Refresh(at) | Due::Expire(at) => at,
        }
    }
}

/// Longest value accepted in a delta-seconds field (RFC 3261 §25: up to 2³²−1; more digits
/// than this is garbage).
const MAX_DELTA_DIGITS: usize = 10;
/// Longest interval we keep: a day (a UAS may shorten the caller's interval, RFC 4028 §9).
pub const MAX_INTERVAL: u32 = 86_400;

fn delta_seconds(text: &str, header: &str) -> Result<u32, TimerRefusal> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_DELTA_DIGITS || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(TimerRefusal::Malformed(format!(
            "{header}: expected delta-seconds, got {:?}",
            text.chars().take(32).collect::<String>()
        )));
    }
    let value: u64 = text
        .parse()
        .map_err(|_| TimerRefusal::Malformed(format!("{header}: not a number")))?;
    let value = u32::try_from(value).unwrap_or(u32::MAX);
    if value == 0 {
        return Err(TimerRefusal::Malformed(format!(
            "{header}: zero is not an interval"
        )));
    }
    Ok(value)
}

/// `delta-seconds *(;param)`, with the `refresher` parameter if given.
fn parse_session_expires(value: &str) -> Result<(u32, Option<Refresher>), TimerRefusal> {
    let mut parts = value.split(';');
    let delta = delta_seconds(parts.next().unwrap_or(""), "Session-Expires")?;
    let mut refresher = None;
    for param in parts {
        let (name, val) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("refresher") {
            refresher = match val.trim().to_ascii_lowercase().as_str() {
                "uac" => Some(Refresher::Uac),
                "uas" => Some(Refresher::Uas),
                other => {
                    return Err(TimerRefusal::Malformed(format!(
                        "Session-Expires: refresher must be uac or uas, got {:?}",
                        other.chars().take(16).collect::<String>()
                    )));
                }
            };
        }
    }
    Ok((delta, refresher))
}

/// The session timer for an INVITE, `None` when the call runs without one.
pub fn negotiate(
    request: &TimerRequest<'_>,
    policy: &TimerPolicy,
) -> Result<Option<SessionTimer>, TimerRefusal> {
    let their_min = request
        .min_se
        .map(|v| delta_seconds(v.split(';').next().unwrap_or(""), "Min-SE"))
        .transpose()?;
    let Some(value) = request.session_expires else {
        if !request.supports_timer {
            return Ok(None);
        }
        let interval = policy
            .default_se
            .max(their_min.unwrap_or(0))
            .min(MAX_INTERVAL);
        return Ok(Some(SessionTimer {
            interval,
            refresher: Refresher::Uac,
            require: true,
            refresh_with_update: request.allows_update,
        }));
    };
    let (asked, refresher) = parse_session_expires(value)?;
    if asked < policy.min_se {
        return Err(TimerRefusal::TooSmall {
            min_se: policy.min_se,
        });
    }
    // A caller without the extension cannot be asked to refresh.
    let refresher = match (request.supports_timer, refresher) {
        (false, _) => Refresher::Uas,
        (true, Some(chosen)) => chosen,
        (true, None) => Refresher::Uac,
    };
    Ok(Some(SessionTimer {
        interval: asked.min(MAX_INTERVAL.max(policy.min_se)),
        refresher,
        require: request.supports_timer,
        refresh_with_update: request.allows_update,
    }))
}

impl SessionTimer {
    /// The `Session-Expires` value for our responses and refreshes.
    pub fn header_value(&self) -> String {
        format!("{};refresher={}", self.interval, self.refresher.as_str())
    }

    /// What is due after the session was last refreshed at `refreshed`: our refresh at half
    /// the interval, or the caller's deadline (RFC 4028 §10: the interval less a third of it,
    /// at most 32 s, for the refresh to arrive).
    pub fn due(&self, refreshed: Instant) -> Due {
        let interval = Duration::from_secs(u64::from(self.interval));
        match self.refresher {
            Refresher::Uas => Due::Refresh(refreshed + interval / 2),
            Refresher::Uac => {
                let slack = (interval / 3).min(Duration::from_secs(32));
                Due::Expire(refreshed + interval - slack)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(se: Option<&'a str>, supports: bool) -> TimerRequest<'a> {
        TimerRequest {
            session_expires: se,
            min_se: None,
            supports_timer: supports,
            allows_update: true,
        }
    }

    #[test]
    fn the_callers_interval_and_refresher_are_taken() {
        let policy = TimerPolicy::default();
        let t = negotiate(&req(Some("1800;refresher=uac"), true), &policy)
            .unwrap()
            .unwrap();
        assert_eq!(
            (t.interval, t.refresher, t.require),
            (1800, Refresher::Uac, true)
        );
        assert_eq!(t.header_value(), "1800;refresher=uac");
        let t = negotiate(&req(Some(" 600 ; Refresher = UAS ;x=1"), true), &policy)
            .unwrap()
            .unwrap();
        assert_eq!((t.interval, t.refresher), (600, Refresher::Uas));
        // Unnamed refresher: the caller, since it supports timers.
        let t = negotiate(&req(Some("900"), true), &policy)
            .unwrap()
            .unwrap();
        assert_eq!(t.refresher, Refresher::Uac);
    }

    #[test]
    fn a_caller_without_timer_support_is_refreshed_by_us() {
        let policy = TimerPolicy::default();
        // A proxy on the way asked for a timer the caller cannot refresh.
        let t = negotiate(&req(Some("1800;refresher=uac"), false), &policy)
            .unwrap()
            .unwrap();
        assert_eq!((t.refresher, t.require), (Refresher::Uas, false));
        // Nobody asked: no timer.
        assert_eq!(negotiate(&req(None, false), &policy), Ok(None));
        // The caller supports timers but named no interval: ours, refreshed by the caller.
        let t = negotiate(&req(None, true), &policy).unwrap().unwrap();
        assert_eq!(
            (t.interval, t.refresher, t.require),
            (1800, Refresher::Uac, true)
        );
    }

    #[test]
    fn too_small_and_malformed_requests_are_refused_with_the_reason() {
        let policy = TimerPolicy {
            min_se: 90,
            default_se: 1800,
        };
        assert_eq!(
            negotiate(&req(Some("60"), true), &policy),
            Err(TimerRefusal::TooSmall { min_se: 90 })
        );
        for bad in ["", "abc", "-5", "0", "99999999999", "1800;refresher=proxy"] {
            let refusal = negotiate(&req(Some(bad), true), &policy).unwrap_err();
            assert!(
                matches!(&refusal, TimerRefusal::Malformed(m) if m.starts_with("Session-Expires")),
                "{bad:?}: {refusal:?}"
            );
        }
        let mut with_min = req(None, true);
        with_min.min_se = Some("ninety");
        assert!(matches!(
            negotiate(&with_min, &policy),
            Err(TimerRefusal::Malformed(m)) if m.starts_with("Min-SE")
        ));
        // The caller's own minimum raises the interval we ask for.
        with_min.min_se = Some("3600;x=y");
        assert_eq!(
            negotiate(&with_min, &policy).unwrap().unwrap().interval,
            3600
        );
        // Huge but well-formed values are shortened to a day.
        for huge in ["4294967296", "999999"] {
            let t = negotiate(&req(Some(huge), true), &policy).unwrap().unwrap();
            assert_eq!(t.interval, MAX_INTERVAL, "{huge}");
        }
    }

    #[test]
    fn refreshes_at_half_and_expiry_before_the_end() {
        let now = Instant::now();
        let ours = SessionTimer {
            interval: 1800,
            refresher: Refresher::Uas,
            require: false,
            refresh_with_update: true,
        };
        assert_eq!(ours.due(now), Due::Refresh(now + Duration::from_secs(900)));
        let theirs = SessionTimer {
            refresher: Refresher::Uac,
            ..ours
        };
        // 32 s of slack at most…
        assert_eq!(
            theirs.due(now),
            Due::Expire(now + Duration::from_secs(1800 - 32))
        );
        // …and a third of short intervals.
        let short = SessionTimer {
            interval: 6,
            ..theirs
        };
        assert_eq!(short.due(now), Due::Expire(now + Duration::from_secs(4)));
    }
}
