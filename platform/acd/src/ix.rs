//! Dense internal indexes for agents, queues and skills.
//!
//! Ids (`AgentId`, 16-byte ULIDs) cross the API; inside, the engine numbers agents, queues and
//! skills densely so the hot-path structures are vectors and small ordered keys. Numbers are
//! handed out in a deterministic order (configuration order, then arrival), never from hashing.

/// An agent's slot in the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct AgentIx(pub(crate) u32);

/// A queue's slot in the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct QueueIx(pub(crate) u32);

/// A skill's slot in the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SkillIx(pub(crate) u32);

impl AgentIx {
    pub(crate) fn get(self) -> usize {
        self.0 as usize
    }
}

impl QueueIx {
    pub(crate) fn get(self) -> usize {
        self.0 as usize
    }
}

impl SkillIx {
    pub(crate) fn get(self) -> usize {
        self.0 as usize
    }
}

/// The slot for the `n`th element, if it fits (it always does below 4 billion entries).
pub(crate) fn slot(n: usize) -> Option<u32> {
    u32::try_from(n).ok()
}
