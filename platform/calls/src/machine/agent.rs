//! An agent takes the call: the queue's offer, the answer that brings the agent's media into the
//! room, the bridge, hold and resume, and the agent's hang-up. Talk time counts only while
//! caller and agent hear each other; hold time is counted apart.

use std::time::Instant;

use kefu_core::event::{ConnectedTo, Disposition};
use kefu_core::{AgentId, DomainEvent};

use super::end::End;
use super::io::{LegEnd, LegId, LegRole, Member, Output, SourceKind, Volume};
use super::{AgentLeg, CallMachine, LegState};

impl CallMachine {
    /// The queue rings an agent with this call; the caller keeps waiting.
    pub(super) fn offered(&mut self, agent: AgentId) {
        let Some(queue) = self.queued.as_ref().map(|q| q.queue.clone()) else {
            return;
        };
        let call = self.setup.call;
        self.emit(DomainEvent::CallOffered { call, agent, queue });
        self.emit(DomainEvent::CallRinging { call, agent });
    }

    /// The agent accepted: the wait is over; their media joins the room as a new leg.
    pub(super) fn agent_accepted(&mut self, now: Instant, agent: AgentId) {
        if self.queued.is_none() || self.agent.is_some() {
            return;
        }
        self.drop_queue_place(now);
        // A position announcement or IVR prompt in progress is cut; its end is ignored.
        self.playing = None;
        self.stop_plays();
        let leg = self.new_leg(LegRole::Agent);
        self.outputs.push_back(Output::ConnectAgent { leg, agent });
        self.agent = Some(AgentLeg {
            leg,
            agent,
            joined: false,
            talking_since: None,
            held: None,
        });
    }

    /// The agent's media is in the room: caller and agent hear each other.
    pub(super) fn agent_joined(&mut self, now: Instant, leg: LegId) -> bool {
        let Some(a) = self.agent.as_mut().filter(|a| a.leg == leg) else {
            return false;
        };
        if a.joined {
            return true;
        }
        a.joined = true;
        a.talking_since = Some(now);
        let agent = a.agent;
        self.set_leg(leg, LegState::Up);
        if let Some(prompts) = self.prompts {
            self.room.hear(
                LegId::CALLER,
                Member::Source(prompts),
                Volume::OFF,
                &mut self.outputs,
            );
        }
        self.bridge(leg, Volume::FULL);
        self.agents.push(agent);
        self.disposition = Some(Disposition::Answered);
        self.emit(DomainEvent::CallConnected {
            call: self.setup.call,
            to: ConnectedTo::Agent { agent },
        });
        true
    }

    /// The agent's leg ended: their hang-up ends the call; a leg that never joined (the
    /// agent's media was gone) ends it as a failure, since the queue has let go of it.
    pub(super) fn agent_leg_ended(&mut self, now: Instant, leg: LegId, how: &LegEnd) -> bool {
        let Some(a) = self.agent.as_ref().filter(|a| a.leg == leg) else {
            return false;
        };
        // Released by the driver on the hang-up (the agent's audio goes home, wrap-up starts).
        self.room.forget(Member::Leg(leg));
        self.outputs.push_back(Output::HangUp(leg));
        if a.joined {
            self.end(now, End::Agent);
        } else {
            let why = match how {
                LegEnd::Lost(why) => why.clone(),
                _ => "the agent's media could not join the call".into(),
            };
            self.agent = None;
            self.end(now, End::System(Disposition::Failed, Some(why)));
        }
        true
    }

    /// Caller and agent hear each other at `volume` (off while held).
    fn bridge(&mut self, leg: LegId, volume: Volume) {
        self.room
            .hear(LegId::CALLER, Member::Leg(leg), volume, &mut self.outputs);
        self.room
            .hear(leg, Member::Leg(LegId::CALLER), volume, &mut self.outputs);
    }

    /// The agent holds the call (the caller hears music, not the agent, and the agent hears
    /// nothing) or resumes it. Ignored when there is nothing to hold or resume.
    pub(super) fn agent_hold(&mut self, now: Instant, hold: bool) {
        let Some(a) = self.agent.as_ref().filter(|a| a.joined) else {
            return;
        };
        let (leg, agent, held) = (a.leg, a.agent, a.held);
        let call = self.setup.call;
        match (hold, held) {
            (true, None) => {
                self.close_talk(now);
                self.bridge(leg, Volume::OFF);
                let music = self.room.add_source(SourceKind::Music, &mut self.outputs);
                self.room.hear(
                    LegId::CALLER,
                    Member::Source(music),
                    Volume::MUSIC,
                    &mut self.outputs,
                );
                if let Some(a) = &mut self.agent {
                    a.held = Some((now, music));
                }
                self.holds += 1;
                self.emit(DomainEvent::CallHeld {
                    call,
                    by: Some(agent),
                });
            }
            (false, Some((since, music))) => {
                self.hold += now.saturating_duration_since(since);
                self.room.remove(Member::Source(music), &mut self.outputs);
                self.bridge(leg, Volume::FULL);
                if let Some(a) = &mut self.agent {
                    a.held = None;
                    a.talking_since = Some(now);
                }
                self.emit(DomainEvent::CallResumed {
                    call,
                    by: Some(agent),
                });
            }
            _ => {}
        }
    }

    /// Closes the agent's stretches at `now`: talk so far, and a hold still going on.
    pub(super) fn close_talk(&mut self, now: Instant) {
        if let Some(a) = &mut self.agent
            && let Some(since) = a.talking_since.take()
        {
            self.talk += now.saturating_duration_since(since);
        }
    }

    /// At the end of the call: talk and any hold in progress are counted.
    pub(super) fn close_agent(&mut self, now: Instant) {
        self.close_talk(now);
        if let Some(a) = &mut self.agent
            && let Some((since, _)) = a.held.take()
        {
            self.hold += now.saturating_duration_since(since);
        }
    }
}
