//! The media room: participants (legs) and sources (prompts, tones, music) mixed every 20 ms by
//! a hear-matrix.
//!
//! Each tick the room pulls one frame from every member, then gives each participant the
//! saturating sum of the members it hears, scaled by the link's [`Gain`]. Nobody hears
//! themselves (a self-link is refused), so an N-party conference is mix-minus by construction;
//! two-party bridge, hold, listen-only and whisper are just different matrices. The room knows
//! legs only through the [`Leg`] trait and must never learn their transport, open sockets or
//! read a clock.

mod matrix;
mod mix;
mod output;
mod presets;

pub use matrix::Gain;
pub use output::{RoomError, RoomEvent, RoomOutput, TapFrame};

use crate::dtmf::DtmfDigit;
use crate::frame::Frame;
use crate::leg::{Datagram, Leg, LegEvent, LegStats};
use crate::prompt::{Prompt, PromptId, Source};
use matrix::HearMatrix;
use mix::Accumulator;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Members allowed in one room.
pub const MAX_MEMBERS: usize = 64;

/// A participant or source of one room (ids are never reused within a room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberId(pub u32);

enum Kind {
    Participant(Box<dyn Leg>),
    Source {
        source: Source,
        finished_reported: bool,
    },
}

struct Member {
    id: MemberId,
    kind: Kind,
}

/// One room, owned by one media worker.
pub struct MediaRoom {
    members: Vec<Member>,
    frames: Vec<Frame>,
    matrix: HearMatrix,
    next_id: u32,
    ticks: u64,
    recording: bool,
    outputs: VecDeque<RoomOutput>,
}

impl Default for MediaRoom {
    fn default() -> Self {
        Self::new()
    }
}

impl MediaRoom {
    /// An empty room.
    pub fn new() -> Self {
        MediaRoom {
            members: Vec::new(),
            frames: Vec::new(),
            matrix: HearMatrix::default(),
            next_id: 0,
            ticks: 0,
            recording: false,
            outputs: VecDeque::new(),
        }
    }

    /// Adds a participant; it hears nobody and nobody hears it until the matrix says so.
    pub fn add_participant(&mut self, leg: Box<dyn Leg>) -> Result<MemberId, RoomError> {
        self.add(Kind::Participant(leg))
    }

    /// Adds a source.
    pub fn add_source(&mut self, source: Source) -> Result<MemberId, RoomError> {
        self.add(Kind::Source {
            source,
            finished_reported: false,
        })
    }

    fn add(&mut self, kind: Kind) -> Result<MemberId, RoomError> {
        if self.members.len() >= MAX_MEMBERS {
            return Err(RoomError::Full);
        }
        let id = MemberId(self.next_id);
        self.next_id += 1;
        self.members.push(Member { id, kind });
        self.frames.push(Frame::SILENCE);
        Ok(id)
    }

    /// Removes a member and every link it had; returns its leg when it was a participant.
    pub fn remove(&mut self, id: MemberId) -> Result<Option<Box<dyn Leg>>, RoomError> {
        let i = self.index(id)?;
        self.matrix.forget(id);
        self.frames.remove(i);
        Ok(match self.members.remove(i).kind {
            Kind::Participant(leg) => Some(leg),
            Kind::Source { .. } => None,
        })
    }

    /// Sets how loud `listener` hears `speaker` ([`Gain::MUTE`] removes the link).
    pub fn set_hears(
        &mut self,
        listener: MemberId,
        speaker: MemberId,
        gain: Gain,
    ) -> Result<(), RoomError> {
        if listener == speaker {
            return Err(RoomError::SelfLink(listener));
        }
        let l = self.index(listener)?;
        self.index(speaker)?;
        if !matches!(self.members[l].kind, Kind::Participant(_)) {
            return Err(RoomError::SourceCannotListen(listener));
        }
        self.matrix.set(listener, speaker, gain.min(Gain::MAX));
        Ok(())
    }

    /// How loud `listener` hears `speaker`.
    pub fn hears(&self, listener: MemberId, speaker: MemberId) -> Gain {
        self.matrix.get(listener, speaker)
    }

    /// Queues a prompt on a prompt-player source.
    pub fn play(
        &mut self,
        source: MemberId,
        id: PromptId,
        prompt: Prompt,
        barge_in: bool,
    ) -> Result<(), RoomError> {
        match &mut self.member_mut(source)?.kind {
            Kind::Source {
                source: Source::Prompts(player),
                ..
            } => {
                if player.enqueue(id, prompt, barge_in) {
                    Ok(())
                } else {
                    Err(RoomError::PromptQueueFull(source))
                }
            }
            _ => Err(RoomError::NotPromptPlayer(source)),
        }
    }

    /// Stops a prompt player's current prompt and its queued barge-in prompts (or everything
    /// with `force`); the finishes are reported as events.
    pub fn interrupt_prompts(&mut self, source: MemberId, force: bool) -> Result<bool, RoomError> {
        let stopped = match &mut self.member_mut(source)?.kind {
            Kind::Source {
                source: Source::Prompts(player),
                ..
            } => player.interrupt(force),
            _ => return Err(RoomError::NotPromptPlayer(source)),
        };
        self.collect_source_events();
        Ok(stopped)
    }

    /// Queues a DTMF key on a participant's leg.
    pub fn send_dtmf(
        &mut self,
        participant: MemberId,
        digit: DtmfDigit,
        duration: Duration,
    ) -> Result<(), RoomError> {
        Ok(self.leg_mut(participant)?.send_dtmf(digit, duration)?)
    }

    /// Turns the recorder tap on or off.
    pub fn set_recording(&mut self, on: bool) {
        self.recording = on;
    }

    /// A participant's leg counters.
    pub fn leg_stats(&self, participant: MemberId) -> Result<LegStats, RoomError> {
        match &self.members[self.index(participant)?].kind {
            Kind::Participant(leg) => Ok(leg.stats()),
            Kind::Source { .. } => Err(RoomError::NotParticipant(participant)),
        }
    }

    /// The members that are participants, in order.
    pub fn participants(&self) -> impl Iterator<Item = MemberId> + '_ {
        self.members
            .iter()
            .filter(|m| matches!(m.kind, Kind::Participant(_)))
            .map(|m| m.id)
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the room has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Feeds a datagram that arrived on a participant's socket.
    pub fn handle_receive(
        &mut self,
        now: Instant,
        participant: MemberId,
        datagram: Datagram<'_>,
    ) -> Result<(), RoomError> {
        let leg = self.leg_mut(participant)?;
        leg.handle_receive(now, datagram);
        // Answers to the datagram (STUN, DTLS) leave now, not at the next tick.
        let mut answers = Vec::new();
        while let Some(transmit) = leg.poll_transmit() {
            answers.push(RoomOutput::Transmit {
                participant,
                transmit,
            });
        }
        self.outputs.extend(answers);
        self.collect_leg_events();
        Ok(())
    }

    /// Runs one 20 ms tick: pull, tap, mix, push. Call exactly every 20 ms.
    pub fn tick(&mut self, now: Instant) {
        self.ticks += 1;
        for (member, frame) in self.members.iter_mut().zip(self.frames.iter_mut()) {
            match &mut member.kind {
                Kind::Participant(leg) => {
                    leg.pull_frame(now, frame);
                }
                Kind::Source { source, .. } => {
                    source.next_frame(frame);
                }
            }
        }
        self.collect_leg_events();
        self.collect_source_events();
        if self.recording {
            let channels = self
                .members
                .iter()
                .zip(&self.frames)
                .filter(|(m, _)| matches!(m.kind, Kind::Participant(_)))
                .map(|(m, f)| (m.id, *f))
                .collect();
            self.outputs.push_back(RoomOutput::Tap(TapFrame {
                tick: self.ticks,
                channels,
            }));
        }
        let mut mixed = Frame::SILENCE;
        for i in 0..self.members.len() {
            let id = self.members[i].id;
            if !matches!(self.members[i].kind, Kind::Participant(_)) {
                continue;
            }
            let mut acc = Accumulator::ZERO;
            for link in self.matrix.speakers_of(id) {
                if let Ok(j) = self.members.binary_search_by_key(&link.speaker, |m| m.id) {
                    acc.add(&self.frames[j], link.gain);
                }
            }
            acc.saturate_into(&mut mixed);
            if let Kind::Participant(leg) = &mut self.members[i].kind {
                leg.push_frame(now, &mixed);
                while let Some(transmit) = leg.poll_transmit() {
                    self.outputs.push_back(RoomOutput::Transmit {
                        participant: id,
                        transmit,
                    });
                }
            }
        }
    }

    /// Next output for the driver.
    pub fn poll_output(&mut self) -> Option<RoomOutput> {
        self.outputs.pop_front()
    }

    fn index(&self, id: MemberId) -> Result<usize, RoomError> {
        self.members
            .binary_search_by_key(&id, |m| m.id)
            .map_err(|_| RoomError::UnknownMember(id))
    }

    fn member_mut(&mut self, id: MemberId) -> Result<&mut Member, RoomError> {
        let i = self.index(id)?;
        Ok(&mut self.members[i])
    }

    /// A participant's leg, for transport-specific changes by the code that created it.
    pub fn leg_mut(&mut self, id: MemberId) -> Result<&mut Box<dyn Leg>, RoomError> {
        match &mut self.member_mut(id)?.kind {
            Kind::Participant(leg) => Ok(leg),
            Kind::Source { .. } => Err(RoomError::NotParticipant(id)),
        }
    }

    fn collect_leg_events(&mut self) {
        let mut barge_in = Vec::new();
        for member in &mut self.members {
            let Kind::Participant(leg) = &mut member.kind else {
                continue;
            };
            let participant = member.id;
            while let Some(event) = leg.poll_event() {
                let event = match event {
                    LegEvent::Dtmf { digit, via } => {
                        barge_in.push(participant);
                        RoomEvent::Dtmf {
                            participant,
                            digit,
                            via,
                        }
                    }
                    LegEvent::Latched { remote } => RoomEvent::Latched {
                        participant,
                        remote,
                    },
                    LegEvent::SsrcChanged { ssrc } => RoomEvent::SsrcChanged { participant, ssrc },
                    LegEvent::Connection(state) => RoomEvent::Connection { participant, state },
                };
                self.outputs.push_back(RoomOutput::Event(event));
            }
        }
        for participant in barge_in {
            // A key stops the barge-in prompts the presser is hearing.
            let heard: Vec<MemberId> = self
                .matrix
                .speakers_of(participant)
                .map(|l| l.speaker)
                .collect();
            for source in heard {
                if let Ok(Member {
                    kind:
                        Kind::Source {
                            source: Source::Prompts(player),
                            ..
                        },
                    ..
                }) = self.member_mut(source)
                {
                    player.interrupt(false);
                }
            }
        }
        self.collect_source_events();
    }

    fn collect_source_events(&mut self) {
        for member in &mut self.members {
            let Kind::Source {
                source: kind,
                finished_reported,
            } = &mut member.kind
            else {
                continue;
            };
            match kind {
                Source::Prompts(player) => {
                    while let Some(done) = player.poll_finished() {
                        self.outputs
                            .push_back(RoomOutput::Event(RoomEvent::PromptFinished {
                                source: member.id,
                                prompt: done.prompt,
                                reason: done.reason,
                            }));
                    }
                }
                Source::Tone(tone) if tone.is_done() && !*finished_reported => {
                    *finished_reported = true;
                    self.outputs
                        .push_back(RoomOutput::Event(RoomEvent::ToneFinished {
                            source: member.id,
                        }));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests;
