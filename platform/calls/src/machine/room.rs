//! The call's media room as the machine keeps it: who is in it and who hears whom. Every change
//! becomes an [`Output`] for the driver, so the real room never holds a member or a link the
//! machine does not know of.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::io::{LegId, Member, Output, SourceId, SourceKind, Volume};

/// Members and hear-matrix.
#[derive(Debug, Default)]
pub(crate) struct RoomPlan {
    members: BTreeSet<Member>,
    hears: BTreeMap<(LegId, Member), Volume>,
    next_source: u32,
}

impl RoomPlan {
    /// The caller's leg is in the room from the start.
    pub(crate) fn with_caller() -> Self {
        let mut plan = RoomPlan::default();
        plan.members.insert(Member::Leg(LegId::CALLER));
        plan
    }

    pub(crate) fn add_leg(&mut self, leg: LegId) {
        self.members.insert(Member::Leg(leg));
    }

    pub(crate) fn add_source(&mut self, kind: SourceKind, out: &mut VecDeque<Output>) -> SourceId {
        let id = SourceId(self.next_source);
        self.next_source += 1;
        self.members.insert(Member::Source(id));
        out.push_back(Output::AddSource(id, kind));
        id
    }

    /// Sets a link; nothing is sent when it already has that volume.
    pub(crate) fn hear(
        &mut self,
        listener: LegId,
        speaker: Member,
        volume: Volume,
        out: &mut VecDeque<Output>,
    ) {
        if !self.members.contains(&Member::Leg(listener)) || !self.members.contains(&speaker) {
            return;
        }
        let current = self
            .hears
            .get(&(listener, speaker))
            .copied()
            .unwrap_or(Volume::OFF);
        if current == volume {
            return;
        }
        if volume == Volume::OFF {
            self.hears.remove(&(listener, speaker));
        } else {
            self.hears.insert((listener, speaker), volume);
        }
        out.push_back(Output::Hear {
            listener,
            speaker,
            volume,
        });
    }

    /// Takes a member out with its links (the real room drops them with it).
    pub(crate) fn remove(&mut self, member: Member, out: &mut VecDeque<Output>) {
        if self.members.remove(&member) {
            self.hears.retain(|(listener, speaker), _| {
                Member::Leg(*listener) != member && *speaker != member
            });
            out.push_back(Output::Remove(member));
        }
    }

    /// Forgets a member the driver takes out itself (an agent's leg, released by its
    /// [`Output::HangUp`]: its audio outlives the call, so it is moved, not removed).
    pub(crate) fn forget(&mut self, member: Member) {
        if self.members.remove(&member) {
            self.hears.retain(|(listener, speaker), _| {
                Member::Leg(*listener) != member && *speaker != member
            });
        }
    }

    /// The whole room goes (the driver closes it).
    pub(crate) fn close(&mut self) {
        self.members.clear();
        self.hears.clear();
    }

    /// Who is in the room.
    pub(crate) fn members(&self) -> impl Iterator<Item = Member> + '_ {
        self.members.iter().copied()
    }

    /// How loud `speaker` is for `listener`.
    pub(crate) fn volume(&self, listener: LegId, speaker: Member) -> Volume {
        self.hears
            .get(&(listener, speaker))
            .copied()
            .unwrap_or(Volume::OFF)
    }
}
