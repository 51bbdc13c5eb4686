//! What happens when time passes: timers firing, overflow steps, aging, the end of a sticky
//! hold, and backup agents coming and going with the queue's oldest wait.

use kefu_core::CallId;

use crate::call::WaitOutcome;
use crate::event::AcdEventKind;
use crate::ix::QueueIx;
use crate::queue::Step;
use crate::timers::Timer;

use super::Acd;

impl Acd {
    pub(super) fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Heartbeat(ax) => self.heartbeat_lost(ax),
            Timer::WrapUp(ax) => self.finish_wrap_up(ax),
            Timer::Ring(call) => self.ring_out(call),
            Timer::Scoring(call) => self.decide(call, &[]),
            Timer::MaxWait(call) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.max_wait_at = None;
                }
                self.end_wait(call, WaitOutcome::TimedOut);
            }
            Timer::Overflow(call) => self.overflow_step(call),
            Timer::Aging(call) => self.age(call),
            Timer::Sticky(call) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.sticky_until = None;
                    self.dirty_calls.insert(call);
                }
            }
            Timer::Backup(qx) => {
                if let Some(q) = self.queue_mut(qx) {
                    q.backup_timer = None;
                }
                self.review_backup(qx);
            }
        }
    }

    /// Apply the call's next overflow step and schedule the one after.
    fn overflow_step(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.step_at = None;
        let (home, index, enqueued_at) = (c.home, c.next_step, c.enqueued_at);
        c.next_step += 1;
        let Some(queue) = self.queues.get(home.get()) else {
            return;
        };
        let Some((_, step)) = queue.steps.get(index).copied() else {
            return;
        };
        let next = queue
            .steps
            .get(index + 1)
            .map(|(after, _)| enqueued_at + *after);
        let queue_id = queue.config.id;
        match step {
            Step::Leave(destination) => {
                self.end_wait(call, WaitOutcome::Overflowed { destination });
                return;
            }
            Step::Relax(levels) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.relax = c.relax.saturating_add(levels).min(9);
                }
            }
            Step::AddQueue(target) => self.add_target(call, target),
            Step::UseBackup => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.uses_backup = true;
                }
            }
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.step_at = next;
        }
        if let Some(at) = next {
            self.timers.schedule(at, Timer::Overflow(call));
        }
        self.dirty_calls.insert(call);
        self.emit(AcdEventKind::OverflowStepApplied {
            call,
            queue: queue_id,
            step: index,
        });
    }

    /// One aging period passed: one level up, until the queue's cap.
    fn age(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.aging_at = None;
        let Some(aging) = self.queues.get(c.home.get()).and_then(|q| q.config.aging) else {
            return;
        };
        let raised = c.rank.priority().raised(aging.up_to);
        if raised < aging.up_to {
            let at = self.now + aging.every;
            c.aging_at = Some(at);
            self.timers.schedule(at, Timer::Aging(call));
        }
        self.raise_priority(call, raised);
    }

    /// Start or stop a queue's backup agents by its oldest wait, and keep a timer for the
    /// moment the oldest call will cross the threshold.
    pub(super) fn review_backup(&mut self, qx: QueueIx) {
        let now = self.now;
        let Some(q) = self.queue_mut(qx) else { return };
        let Some(backup) = q.config.backup.clone() else {
            return;
        };
        let oldest = q.present.first().map(|(at, _)| *at);
        let waited = oldest.map(|at| now.since(at));
        let mut event = None;
        if q.backup_active && waited.is_none_or(|w| w < backup.release_below) {
            q.backup_active = false;
            event = Some(AcdEventKind::BackupReleased { queue: q.config.id });
        } else if !q.backup_active && waited.is_some_and(|w| w >= backup.activate_after) {
            q.backup_active = true;
            event = Some(AcdEventKind::BackupActivated { queue: q.config.id });
        }
        q.stats.backup_active = q.backup_active;
        let wanted = match (q.backup_active, oldest) {
            (false, Some(at)) => Some(at + backup.activate_after),
            _ => None,
        };
        if q.backup_timer != wanted {
            let old = std::mem::replace(&mut q.backup_timer, wanted);
            if let Some(at) = old {
                self.timers.cancel(at, Timer::Backup(qx));
            }
            if let Some(at) = wanted {
                self.timers.schedule(at, Timer::Backup(qx));
            }
        }
        let activated = matches!(event, Some(AcdEventKind::BackupActivated { .. }));
        if let Some(kind) = event {
            self.emit(kind);
        }
        if activated {
            let agents = self
                .queue(qx)
                .map(|q| q.backup_agents.clone())
                .unwrap_or_default();
            for ax in agents {
                if self.routable(ax) {
                    self.dirty_agents.insert(ax);
                }
            }
        }
    }
}
