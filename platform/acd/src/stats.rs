//! Real-time statistics per queue, skill and agent, kept as counters.
//!
//! Every counter is adjusted by the event that changes it (an agent changing state moves one
//! count between buckets for each of its skills and queues; a call ending bumps its queue's
//! totals), so reading statistics never scans calls or agents. The one derived figure, a
//! queue's oldest wait, is the first entry of an ordered set.

use serde::{Deserialize, Serialize};

use crate::agent::AgentStateKind;
use crate::time::Millis;

/// How many agents are in each logged-in state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentsByState {
    /// Waiting for a call.
    pub available: u32,
    /// Ringing.
    pub reserved: u32,
    /// Talking.
    pub on_call: u32,
    /// Wrapping up.
    pub after_call_work: u32,
    /// Not ready, any reason.
    pub not_ready: u32,
}

impl AgentsByState {
    /// Move one agent from `from` to `to` (logged-out agents are not counted).
    pub(crate) fn shift(&mut self, from: AgentStateKind, to: AgentStateKind) {
        if let Some(c) = self.bucket(from) {
            *c = c.saturating_sub(1);
        }
        if let Some(c) = self.bucket(to) {
            *c += 1;
        }
    }

    fn bucket(&mut self, kind: AgentStateKind) -> Option<&mut u32> {
        match kind {
            AgentStateKind::LoggedOut => None,
            AgentStateKind::Available => Some(&mut self.available),
            AgentStateKind::Reserved => Some(&mut self.reserved),
            AgentStateKind::OnCall => Some(&mut self.on_call),
            AgentStateKind::AfterCallWork => Some(&mut self.after_call_work),
            AgentStateKind::NotReady => Some(&mut self.not_ready),
        }
    }

    /// Agents logged in and not "not ready": those who will take calls eventually.
    pub fn staffed(&self) -> u32 {
        self.available + self.reserved + self.on_call + self.after_call_work
    }
}

/// A queue's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Calls in the queue now (waiting or ringing).
    pub waiting: u32,
    /// How long the oldest call in the queue has waited (filled in when read).
    pub oldest_wait: Option<Millis>,
    /// Agents with the queue's skills, by state.
    pub agents: AgentsByState,
    /// Calls that entered the queue.
    pub entered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls answered within the service-level time.
    pub answered_within_target: u64,
    /// Calls whose caller hung up while waiting.
    pub abandoned: u64,
    /// Calls an overflow step took out of the queue.
    pub overflowed: u64,
    /// Calls that reached the maximum wait.
    pub timed_out: u64,
    /// Offers that rang out or were declined.
    pub missed_offers: u64,
    /// Sum of waits of answered calls.
    pub total_answer_wait: Millis,
    /// Calls whose wrap-up ended (handle time known).
    pub handled: u64,
    /// Sum of talk + wrap-up time of handled calls.
    pub total_handle_time: Millis,
    /// Backup agents are helping right now.
    pub backup_active: bool,
}

impl QueueStats {
    /// Share of ended waits answered within the target time (0.0–1.0); `None` before any.
    pub fn service_level(&self) -> Option<f64> {
        let ended = self.answered + self.abandoned + self.overflowed + self.timed_out;
        (ended > 0).then(|| self.answered_within_target as f64 / ended as f64)
    }

    /// Average speed of answer; `None` before the first answer.
    pub fn average_speed_of_answer(&self) -> Option<Millis> {
        (self.answered > 0).then(|| Millis(self.total_answer_wait.0 / self.answered))
    }

    /// Average talk + wrap-up time; `None` before the first handled call.
    pub fn average_handle_time(&self) -> Option<Millis> {
        (self.handled > 0).then(|| Millis(self.total_handle_time.0 / self.handled))
    }
}

/// A skill's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillStats {
    /// Calls in queue that need this skill.
    pub waiting: u32,
    /// How long the oldest of them has waited (filled in when read).
    pub oldest_wait: Option<Millis>,
    /// Calls needing this skill that were answered.
    pub answered: u64,
    /// Calls needing this skill whose caller hung up while waiting.
    pub abandoned: u64,
    /// Agents with this skill, by state.
    pub agents: AgentsByState,
}

/// An agent's figures since the engine started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStats {
    /// Time in the current state (filled in when read).
    pub in_state: Millis,
    /// Offers made to the agent.
    pub offered: u64,
    /// Offers accepted.
    pub answered: u64,
    /// Offers rung out or declined.
    pub missed: u64,
    /// Total talk time.
    pub talk_time: Millis,
    /// Total wrap-up time.
    pub wrap_up_time: Millis,
}
