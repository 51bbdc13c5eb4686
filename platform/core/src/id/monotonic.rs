//! The process-wide source of ULIDs that strictly increase.
//!
//! Owns the last ULID handed out in this process. It must never hand out an id that is not
//! greater than the previous one, and never panic: lists are ordered by id (plugin invocations,
//! audit log, outbox, call records), and `Ulid::new()` alone is random within one millisecond,
//! so two rows made in the same millisecond would list in either order.
//!
//! Within a millisecond each id is the previous one plus one (the ULID spec's monotonic mode).
//! Where the spec gives up when the 80 random bits overflow, we let the carry run into the
//! timestamp: the id then claims a millisecond it was not made in, which costs nothing (ids are
//! not clocks) and keeps order. Ordering holds within one process only; ids from separate
//! processes interleave by millisecond as plain ULIDs do.

use std::sync::Mutex;

/// The last ULID handed out, as its 128-bit value (0 before the first).
static LAST: Mutex<u128> = Mutex::new(0);

/// A new ULID, greater than every ULID this function returned before in this process.
pub fn next_ulid() -> ulid::Ulid {
    #[allow(clippy::disallowed_methods)] // the one place that may: it makes the order hold
    let fresh = ulid::Ulid::new().0;
    // Nothing panics while the lock is held, so a poisoned lock still holds a valid value.
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let next = successor(*last, fresh);
    *last = next;
    ulid::Ulid(next)
}

/// The id to hand out after `last`, given a `fresh` random ULID for the current time.
///
/// A clock that moved back, or a second id in the same millisecond, gets `last + 1`. Only at
/// `u128::MAX` (the year 10889) is there no greater id; the fresh one is returned rather than
/// panicking.
pub(super) fn successor(last: u128, fresh: u128) -> u128 {
    if fresh > last {
        fresh
    } else {
        last.checked_add(1).unwrap_or(fresh)
    }
}
