//! Transfers to external numbers and the ends of legs: dialling, ringback, bridging on answer,
//! failures back to the IVR.

use std::time::Instant;

use kefu_core::DomainEvent;
use kefu_core::event::{ConnectedTo, Disposition, TransferTarget as EventTarget};

use super::end::End;
use super::io::{LegEnd, LegId, LegRole, Member, Output, Volume};
use super::steps::is_e164;
use super::{CallMachine, LegState, Transfer};
use crate::flow::Input as FlowInput;
use crate::ivr::{TransferFailure, TransferTarget};

impl CallMachine {
    pub(super) fn start_transfer(&mut self, now: Instant, target: TransferTarget) {
        let number = match &target {
            TransferTarget::Number(number) if is_e164(number) => number.clone(),
            // Agents answer through the agent desktop.
            _ => {
                self.flow.handle(FlowInput::TransferFailed {
                    target,
                    reason: TransferFailure::Unreachable,
                });
                return;
            }
        };
        let leg = self.new_leg(LegRole::External);
        let ringback = Some(self.ringback_tone());
        self.outputs.push_back(Output::Dial {
            leg,
            number: number.clone(),
        });
        self.transfer = Some(Transfer {
            number,
            leg,
            ringback,
            until: now + self.settings.transfer_ring,
        });
    }

    pub(super) fn leg_answered(&mut self, now: Instant, leg: LegId) {
        if self.agent_joined(now, leg) {
            return;
        }
        let Some(t) = self.transfer.take_if(|t| t.leg == leg) else {
            // Not (or no longer) wanted: hang it up.
            if self.leg_state(leg) == Some(LegState::Dialing) {
                self.outputs.push_back(Output::HangUp(leg));
                self.set_leg(leg, LegState::Ended);
                self.room.remove(Member::Leg(leg), &mut self.outputs);
            }
            return;
        };
        let _ = now;
        self.set_leg(leg, LegState::Up);
        if let Some(tone) = t.ringback {
            self.room.remove(Member::Source(tone), &mut self.outputs);
        }
        if let Some(prompts) = self.prompts {
            self.room.hear(
                LegId::CALLER,
                Member::Source(prompts),
                Volume::OFF,
                &mut self.outputs,
            );
        }
        self.room.hear(
            LegId::CALLER,
            Member::Leg(leg),
            Volume::FULL,
            &mut self.outputs,
        );
        self.room.hear(
            leg,
            Member::Leg(LegId::CALLER),
            Volume::FULL,
            &mut self.outputs,
        );
        self.bridged = Some(leg);
        self.disposition = Some(Disposition::Transferred);
        let call = self.setup.call;
        self.emit(DomainEvent::CallTransferred {
            call,
            target: EventTarget::Number {
                number: t.number.clone(),
            },
            by: None,
        });
        self.emit(DomainEvent::CallConnected {
            call,
            to: ConnectedTo::Number { number: t.number },
        });
    }

    pub(super) fn transfer_failed(&mut self, reason: TransferFailure) {
        let Some(t) = self.transfer.take() else {
            return;
        };
        if let Some(tone) = t.ringback {
            self.room.remove(Member::Source(tone), &mut self.outputs);
        }
        self.set_leg(t.leg, LegState::Ended);
        self.room.remove(Member::Leg(t.leg), &mut self.outputs);
        self.flow.handle(FlowInput::TransferFailed {
            target: TransferTarget::Number(t.number),
            reason,
        });
    }

    pub(super) fn transfer_timed_out(&mut self, _now: Instant) {
        if let Some(t) = &self.transfer {
            self.outputs.push_back(Output::HangUp(t.leg));
        }
        self.transfer_failed(TransferFailure::NoAnswer);
    }

    pub(super) fn leg_ended(&mut self, now: Instant, leg: LegId, how: LegEnd) {
        if self.leg_state(leg).is_none_or(|s| s == LegState::Ended) {
            return;
        }
        self.set_leg(leg, LegState::Ended);
        if leg == LegId::CALLER {
            let end = match how {
                LegEnd::Cancelled => End::Cancelled,
                LegEnd::Lost(why) => End::Lost(why),
                LegEnd::Bye | LegEnd::Failed(_) => End::Caller,
            };
            return self.end(now, end);
        }
        if self.agent_leg_ended(now, leg, &how) {
            return;
        }
        if self.transfer.as_ref().is_some_and(|t| t.leg == leg) {
            let reason = match how {
                LegEnd::Failed(Some(status)) => TransferFailure::of_status(status),
                _ => TransferFailure::Unreachable,
            };
            return self.transfer_failed(reason);
        }
        self.room.remove(Member::Leg(leg), &mut self.outputs);
        if self.bridged == Some(leg) {
            // The far end hung up: the transferred call is over.
            self.bridged = None;
            self.end(now, End::System(Disposition::Transferred, None));
        }
    }
}
