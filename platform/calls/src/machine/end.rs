//! How a call ends: one path whatever ended it. Everything the call holds is released through
//! outputs (the queue place, ringing and bridged legs, the caller's dialog, the recording, the
//! room); a voicemail being recorded is kept first; `call.ended` is the last event.

use std::time::Instant;

use kefu_core::DomainEvent;
use kefu_core::event::{CallEnded, Disposition, HangupBy, MediaSummary};

use super::io::{LegId, Member, Output};
use super::{CallMachine, LegState, Phase};

/// What ended the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum End {
    /// The caller hung up.
    Caller,
    /// The caller cancelled before the answer.
    Cancelled,
    /// The agent hung up.
    Agent,
    /// Kefu ended it (the IVR hung up, a failure, the far end of a transfer hung up).
    System(Disposition, Option<String>),
    /// The caller's side is gone without a BYE (session timer, failed refresh).
    Lost(String),
    /// The call could not be set up.
    SetupFailed {
        /// The status the INVITE is refused with.
        status: u16,
        /// Why.
        reason: String,
    },
}

/// A call being released.
#[derive(Debug)]
pub(super) struct Closing {
    end: End,
    /// The caller was waiting in a queue when the call ended.
    was_queued: bool,
    at: Instant,
    room_closing: bool,
}

impl CallMachine {
    /// Ends the call (once; later calls are ignored).
    pub(super) fn end(&mut self, now: Instant, end: End) {
        if matches!(self.phase, Phase::Closing | Phase::Finished) {
            return;
        }
        let was_queued = self.queued.as_ref().is_some_and(|q| q.waiting);
        if self.queued.is_some() {
            self.outputs.push_back(Output::LeaveQueue);
            self.drop_queue_place(now);
        }
        self.playing = None;
        self.collector = None;
        self.close_agent(now);
        if let Some(t) = self.transfer.take() {
            self.outputs.push_back(Output::HangUp(t.leg));
            self.set_leg(t.leg, LegState::Ended);
            self.room.remove(Member::Leg(t.leg), &mut self.outputs);
            if let Some(tone) = t.ringback {
                self.room.remove(Member::Source(tone), &mut self.outputs);
            }
        }
        if let Some(leg) = self.bridged.take()
            && self.leg_state(leg) == Some(LegState::Up)
        {
            self.outputs.push_back(Output::HangUp(leg));
            self.set_leg(leg, LegState::Ended);
        }
        let caller_up = self.leg_state(LegId::CALLER) == Some(LegState::Up);
        if caller_up {
            match &end {
                End::Caller | End::Cancelled => {}
                End::Agent => self.outputs.push_back(Output::HangUp(LegId::CALLER)),
                End::Lost(_) => self.outputs.push_back(Output::HangUp(LegId::CALLER)),
                End::System(disposition, _) => {
                    if self.answered_at.is_some() {
                        self.outputs.push_back(Output::HangUp(LegId::CALLER));
                    } else {
                        let status = if *disposition == Disposition::Failed {
                            480
                        } else {
                            603
                        };
                        self.outputs
                            .push_back(Output::Reject(LegId::CALLER, status));
                    }
                }
                End::SetupFailed { status, .. } => {
                    self.outputs
                        .push_back(Output::Reject(LegId::CALLER, *status));
                }
            }
        }
        // Every other leg still up goes too (agents, consults, supervisors join later).
        let others: Vec<LegId> = self
            .legs
            .iter()
            .filter(|(id, leg)| **id != LegId::CALLER && leg.state != LegState::Ended)
            .map(|(id, _)| *id)
            .collect();
        for leg in others {
            self.outputs.push_back(Output::HangUp(leg));
            self.set_leg(leg, LegState::Ended);
        }
        self.set_leg(LegId::CALLER, LegState::Ended);
        // A caller who hangs up while recording still leaves the message.
        self.finish_recording();
        self.voicemail = None;
        self.phase = Phase::Closing;
        self.closing = Some(Closing {
            end,
            was_queued,
            at: now,
            room_closing: false,
        });
        self.continue_closing();
    }

    fn continue_closing(&mut self) {
        if self.storing.is_some() {
            return; // the voicemail is kept first: its outcome decides the disposition
        }
        let Some(closing) = &mut self.closing else {
            return;
        };
        if !closing.room_closing {
            closing.room_closing = true;
            self.room.close();
            self.prompts = None;
            self.ringback = None;
            self.outputs.push_back(Output::CloseRoom);
        }
    }

    pub(super) fn voicemail_kept(&mut self, _now: Instant, kept: Option<u64>) {
        let Some(mailbox) = self.storing.take() else {
            return;
        };
        if let Some(duration_ms) = kept {
            self.left_voicemail = true;
            self.emit(DomainEvent::CallVoicemail {
                call: self.setup.call,
                mailbox,
                duration_ms,
            });
        }
        self.continue_closing();
    }

    pub(super) fn room_closed(&mut self, _now: Instant, mut media: MediaSummary) {
        let Some(closing) = self.closing.take_if(|c| c.room_closing) else {
            return;
        };
        media.dtmf_keys = self.dtmf_keys;
        let settled =
            self.left_voicemail
                .then_some(Disposition::Voicemail)
                .or(match self.disposition {
                    Some(d @ (Disposition::Transferred | Disposition::Answered)) => Some(d),
                    _ => None,
                });
        let in_call = || {
            settled.unwrap_or(if closing.was_queued {
                Disposition::AbandonedInQueue
            } else {
                Disposition::EndedInIvr
            })
        };
        let (disposition, hangup_by, reason) = match closing.end {
            End::Caller => (in_call(), HangupBy::Caller, None),
            End::Agent => (in_call(), HangupBy::Agent, None),
            End::Cancelled => (Disposition::Cancelled, HangupBy::Caller, None),
            End::Lost(reason) => (in_call(), HangupBy::System, Some(reason)),
            End::System(Disposition::Voicemail, reason) if !self.left_voicemail => (
                Disposition::EndedInIvr,
                HangupBy::System,
                reason.or_else(|| Some("the voicemail could not be kept".into())),
            ),
            End::System(disposition, reason) => (disposition, HangupBy::System, reason),
            End::SetupFailed { reason, .. } => {
                (Disposition::Failed, HangupBy::System, Some(reason))
            }
        };
        let view = self.flow.view();
        let ended = CallEnded {
            received: self.setup.received.clone(),
            started_at: self.setup.started_at.into(),
            answered_at: self.answered_at.map(|at| self.wall(at).into()),
            ended_at: self.wall(closing.at).into(),
            disposition,
            hangup_by,
            ivr_path: view.ivr_path.clone(),
            queue: self.queue_record.clone(),
            queue_wait_ms: self
                .queue_record
                .as_ref()
                .map(|_| u64::try_from(self.queue_wait.as_millis()).unwrap_or(u64::MAX)),
            call_data: view.data.clone(),
            agents: self.agents.clone(),
            talk_ms: (!self.agents.is_empty())
                .then(|| u64::try_from(self.talk.as_millis()).unwrap_or(u64::MAX)),
            hold_ms: (self.holds > 0)
                .then(|| u64::try_from(self.hold.as_millis()).unwrap_or(u64::MAX)),
            holds: self.holds,
            media,
            reason,
        };
        self.emit(DomainEvent::CallEnded(Box::new(ended)));
        self.outputs.push_back(Output::Finished);
        self.phase = Phase::Finished;
    }
}
