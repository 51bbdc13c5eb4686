//! The engine's timers: one ordered set of (deadline, what) pairs.
//!
//! The engine never sleeps. It tells the driver the earliest deadline (`poll_timeout`) and fires
//! everything due when the driver calls back with the time. Timers are cancelled eagerly (every
//! owner remembers its deadlines), so the set holds only live timers and due ones fire in a
//! fixed order: by deadline, then by the order of this enum.

use std::collections::BTreeSet;

use kefu_core::CallId;

use crate::ix::{AgentIx, QueueIx};
use crate::time::Millis;

/// Something that happens at a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// An agent's heartbeat is overdue: log them out.
    Heartbeat(AgentIx),
    /// An agent's wrap-up time is over.
    WrapUp(AgentIx),
    /// An offer rang out (RONA).
    Ring(CallId),
    /// The router plugin's scores did not come in time.
    Scoring(CallId),
    /// A call's maximum wait passed.
    MaxWait(CallId),
    /// A call reached its next overflow step.
    Overflow(CallId),
    /// A call's priority ages one level.
    Aging(CallId),
    /// A call stops being held for its last agent.
    Sticky(CallId),
    /// A queue's oldest call may have waited long enough to call in backup agents.
    Backup(QueueIx),
}

/// Pending timers in deadline order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    due: BTreeSet<(Millis, Timer)>,
}

impl Timers {
    pub(crate) fn schedule(&mut self, at: Millis, timer: Timer) {
        self.due.insert((at, timer));
    }

    pub(crate) fn cancel(&mut self, at: Millis, timer: Timer) {
        self.due.remove(&(at, timer));
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Millis> {
        self.due.first().map(|(at, _)| *at)
    }

    /// The earliest timer due at or before `now`, removed.
    pub(crate) fn pop_due(&mut self, now: Millis) -> Option<(Millis, Timer)> {
        match self.due.first() {
            Some((at, _)) if *at <= now => self.due.pop_first(),
            _ => None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.due.len()
    }
}
