//! The hear-matrix: who hears whom, at what gain.

use super::MemberId;

/// A linear gain in 1/256 steps (256 = unity), at most 4×.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gain(u16);

impl Gain {
    /// Not heard.
    pub const MUTE: Gain = Gain(0);
    /// Heard as is.
    pub const UNITY: Gain = Gain(256);
    /// Largest gain accepted.
    pub const MAX: Gain = Gain(1_024);

    /// A gain in percent of unity (100 = unity), clamped to 0–400 %.
    pub fn percent(percent: u16) -> Gain {
        Gain(((u32::from(percent) * 256 / 100).min(1_024)) as u16)
    }

    /// The raw 1/256 steps.
    pub fn steps(self) -> u16 {
        self.0
    }
}

/// One directed link: `listener` hears `speaker` at `gain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Link {
    pub listener: MemberId,
    pub speaker: MemberId,
    pub gain: Gain,
}

/// The set of links, kept sorted by (listener, speaker) so mixing is deterministic.
#[derive(Debug, Clone, Default)]
pub(super) struct HearMatrix {
    links: Vec<Link>,
}

impl HearMatrix {
    pub fn set(&mut self, listener: MemberId, speaker: MemberId, gain: Gain) {
        let key = (listener, speaker);
        match self
            .links
            .binary_search_by_key(&key, |l| (l.listener, l.speaker))
        {
            Ok(i) if gain == Gain::MUTE => {
                self.links.remove(i);
            }
            Ok(i) => self.links[i].gain = gain,
            Err(_) if gain == Gain::MUTE => {}
            Err(i) => self.links.insert(
                i,
                Link {
                    listener,
                    speaker,
                    gain,
                },
            ),
        }
    }

    pub fn get(&self, listener: MemberId, speaker: MemberId) -> Gain {
        self.links
            .binary_search_by_key(&(listener, speaker), |l| (l.listener, l.speaker))
            .map_or(Gain::MUTE, |i| self.links[i].gain)
    }

    /// Removes every link in which `member` listens or speaks.
    pub fn forget(&mut self, member: MemberId) {
        self.links
            .retain(|l| l.listener != member && l.speaker != member);
    }

    pub fn clear_listener(&mut self, listener: MemberId) {
        self.links.retain(|l| l.listener != listener);
    }

    pub fn clear_speaker(&mut self, speaker: MemberId) {
        self.links.retain(|l| l.speaker != speaker);
    }

    pub fn speakers_of(&self, listener: MemberId) -> impl Iterator<Item = &Link> {
        let start = self.links.partition_point(|l| l.listener < listener);
        self.links[start..]
            .iter()
            .take_while(move |l| l.listener == listener)
    }
}
