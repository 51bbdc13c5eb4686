//! Queueing: the call's place in a queue, its music, what the queue says, leaving it.

use std::time::{Duration, Instant};

use kefu_core::DomainEvent;

use super::io::{Member, Output, QueueInput, SourceKind};
use super::{CallMachine, Purpose, Queued};
use crate::flow::Input as FlowInput;
use crate::ivr::EnqueueRequest;

impl CallMachine {
    pub(super) fn enqueue(&mut self, now: Instant, request: EnqueueRequest) {
        self.queued = Some(Queued {
            queue: request.queue.clone(),
            priority: request.priority,
            since: now,
            music: None,
            waiting: false,
        });
        self.outputs.push_back(Output::Enqueue(request));
    }

    pub(super) fn queue_input(&mut self, now: Instant, notice: QueueInput) {
        let Some(queued) = &mut self.queued else {
            return; // the call left the queue already
        };
        match notice {
            QueueInput::Waiting if !queued.waiting => {
                queued.waiting = true;
                let (queue, priority) = (queued.queue.clone(), queued.priority);
                self.queue_record = Some(queue.clone());
                let music = self.room.add_source(SourceKind::Music, &mut self.outputs);
                if let Some(q) = &mut self.queued {
                    q.music = Some(music);
                }
                let announcing = self.playing.as_ref().is_some_and(|p| {
                    matches!(p.purpose, Purpose::Announcement | Purpose::Position)
                });
                self.set_music(!announcing);
                self.emit(DomainEvent::CallQueued {
                    call: self.setup.call,
                    queue,
                    priority: i32::from(priority),
                });
            }
            QueueInput::Waiting => {}
            QueueInput::Refused(reason) => {
                let queue = queued.queue.clone();
                self.queued = None;
                self.emit(DomainEvent::CallDequeued {
                    call: self.setup.call,
                    queue: queue.clone(),
                    waited_ms: 0,
                    reason: format!("enqueue_failed: {reason}"),
                });
                self.flow.handle(FlowInput::EnqueueFailed { queue, reason });
            }
            QueueInput::Position {
                position,
                estimated_wait_secs,
            } => {
                if queued.waiting && self.playing.is_none() {
                    let queue = queued.queue.clone();
                    self.flow.handle(FlowInput::QueueUpdate {
                        queue,
                        position,
                        estimated_wait_secs,
                    });
                }
            }
            QueueInput::Offered { agent } => self.offered(agent),
            QueueInput::Answered { agent } => self.agent_accepted(now, agent),
            QueueInput::Released(reason) => {
                let queue = queued.queue.clone();
                let waited = self.drop_queue_place(now);
                self.emit(DomainEvent::CallDequeued {
                    call: self.setup.call,
                    queue: queue.clone(),
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                    reason,
                });
                self.flow.handle(FlowInput::QueueTimeout {
                    queue,
                    waited_secs: u32::try_from(waited.as_secs()).unwrap_or(u32::MAX),
                });
            }
        }
    }

    /// Forgets the queue place (music goes, the wait is counted); returns the wait.
    pub(super) fn drop_queue_place(&mut self, now: Instant) -> Duration {
        let Some(q) = self.queued.take() else {
            return Duration::ZERO;
        };
        let waited = now.saturating_duration_since(q.since);
        if q.waiting {
            self.queue_wait += waited;
        }
        if let Some(music) = q.music {
            self.room.remove(Member::Source(music), &mut self.outputs);
        }
        waited
    }

    /// The call leaves its queue for something else.
    pub(super) fn leave_queue(&mut self, now: Instant, reason: &str) {
        let Some(queue) = self.queued.as_ref().map(|q| q.queue.clone()) else {
            return;
        };
        self.outputs.push_back(Output::LeaveQueue);
        let waited = self.drop_queue_place(now);
        self.emit(DomainEvent::CallDequeued {
            call: self.setup.call,
            queue,
            waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
            reason: reason.to_owned(),
        });
    }
}
