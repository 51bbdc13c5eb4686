//! A call while the engine holds it: from enqueue until it is answered or leaves the queue.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use kefu_core::CallId;
use serde::{Deserialize, Serialize};

use crate::config::LeaveDestination;
use crate::ix::{AgentIx, QueueIx, SkillIx};
use crate::level::{Level, Priority};
use crate::time::Millis;
use crate::timers::Timer;

/// The order calls are served in: higher priority first; within a priority, calls put back
/// after a missed offer first, then first in, first out. Smaller sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallRank {
    priority: Reverse<Priority>,
    /// 0 for a call put back at the head of its queue, 1 otherwise.
    lane: u8,
    /// Enqueue order, unique per call.
    seq: u64,
}

impl CallRank {
    pub(crate) fn new(priority: Priority, returned: bool, seq: u64) -> CallRank {
        CallRank {
            priority: Reverse(priority),
            lane: u8::from(!returned),
            seq,
        }
    }

    /// The call's current priority.
    pub fn priority(&self) -> Priority {
        self.priority.0
    }

    /// Was the call put back at the head of its queue (after a missed offer)?
    pub fn returned(&self) -> bool {
        self.lane == 0
    }

    /// The call's enqueue order.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }
}

/// How a call's wait in the queue ended. Every enqueued call ends with exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum WaitOutcome {
    /// An agent accepted the offer.
    Answered {
        /// Who answered.
        agent: kefu_core::AgentId,
    },
    /// The caller hung up.
    Abandoned,
    /// An overflow step took the call out of the queue.
    Overflowed {
        /// Where the call goes next.
        destination: LeaveDestination,
    },
    /// The queue's maximum wait passed.
    TimedOut,
}

/// Where a call is in the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallStatus {
    /// In its queues' waiting sets, looking for an agent.
    Waiting,
    /// Waiting for the router plugin's scores; `candidates` are held for it.
    Scoring {
        request: u64,
        candidates: Vec<AgentIx>,
        deadline: Millis,
    },
    /// Ringing at one agent (several under ring-all).
    Ringing { agents: Vec<AgentIx>, until: Millis },
}

/// The engine's record of one waiting call.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) id: CallId,
    pub(crate) home: QueueIx,
    /// Queues whose agents may take this call: home first, then overflow queues added.
    pub(crate) targets: Vec<QueueIx>,
    pub(crate) rank: CallRank,
    /// Requirements of this call beyond its queues' (asked by the IVR or from skill rules).
    pub(crate) extra: Vec<(SkillIx, Level)>,
    /// Levels every minimum is lowered by (overflow steps).
    pub(crate) relax: u8,
    /// An overflow step let the queue's backup agents take this call.
    pub(crate) uses_backup: bool,
    /// The caller's last agent, held for until `sticky_until`.
    pub(crate) last_agent: Option<AgentIx>,
    pub(crate) sticky_until: Option<Millis>,
    pub(crate) enqueued_at: Millis,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) status: CallStatus,
    /// The next overflow step to apply, and when.
    pub(crate) next_step: usize,
    pub(crate) step_at: Option<Millis>,
    pub(crate) aging_at: Option<Millis>,
    pub(crate) max_wait_at: Option<Millis>,
}

impl Call {
    /// Every timer this call has scheduled, so all can be cancelled when its wait ends.
    pub(crate) fn timers(&self) -> Vec<(Millis, Timer)> {
        let id = self.id;
        let mut out = Vec::with_capacity(5);
        if let Some(at) = self.step_at {
            out.push((at, Timer::Overflow(id)));
        }
        if let Some(at) = self.aging_at {
            out.push((at, Timer::Aging(id)));
        }
        if let Some(at) = self.max_wait_at {
            out.push((at, Timer::MaxWait(id)));
        }
        if let Some(at) = self.sticky_until {
            out.push((at, Timer::Sticky(id)));
        }
        match &self.status {
            CallStatus::Waiting => {}
            CallStatus::Scoring { deadline, .. } => out.push((*deadline, Timer::Scoring(id))),
            CallStatus::Ringing { until, .. } => out.push((*until, Timer::Ring(id))),
        }
        out
    }

    /// Is the call still held for its last agent at `now`?
    pub(crate) fn is_sticky(&self, now: Millis) -> bool {
        self.sticky_until.is_some_and(|until| now < until)
    }
}
