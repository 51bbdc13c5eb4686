//! Available agents, kept ordered the ways routing strategies need them.
//!
//! One [`AvailableAgents`] exists per skill (plus one for everyone). An agent is in the sets of
//! each of its skills exactly while it is available and not held by a scoring round, so the
//! longest-idle agent with a skill is the first entry of a `BTreeSet`: no scan of all agents.
//! Keys embed everything they are ordered by, so an agent must be removed with the same key it
//! was inserted with — the engine removes before it changes `idle_since` or `busy`.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use crate::config::RoutingStrategy;
use crate::ix::AgentIx;
use crate::level::Level;
use crate::time::Millis;

/// The orders a skill's available agents are kept in. Only longest-idle is always kept; the
/// others exist only where a queue's strategy reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Orders {
    pub(crate) by_level: bool,
    pub(crate) by_busy: bool,
    pub(crate) by_slot: bool,
}

impl Orders {
    /// What `strategy` needs in addition to longest-idle.
    pub(crate) fn for_strategy(strategy: RoutingStrategy, primary: bool) -> Orders {
        match strategy {
            RoutingStrategy::MostSkilled => Orders {
                by_level: primary,
                ..Orders::default()
            },
            RoutingStrategy::LeastOccupied => Orders {
                by_busy: true,
                ..Orders::default()
            },
            RoutingStrategy::RoundRobin => Orders {
                by_slot: true,
                ..Orders::default()
            },
            RoutingStrategy::LongestIdle | RoutingStrategy::RingAll => Orders::default(),
        }
    }

    pub(crate) fn union(self, other: Orders) -> Orders {
        Orders {
            by_level: self.by_level || other.by_level,
            by_busy: self.by_busy || other.by_busy,
            by_slot: self.by_slot || other.by_slot,
        }
    }
}

/// What an agent is ordered by; taken from the agent when it is inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AvailableKey {
    pub(crate) agent: AgentIx,
    pub(crate) idle_since: Millis,
    pub(crate) busy: Millis,
    /// The agent's level in this set's skill (`Level::MIN` for the everyone set).
    pub(crate) level: Level,
}

/// The available agents with one skill.
#[derive(Debug, Clone, Default)]
pub(crate) struct AvailableAgents {
    orders: Orders,
    by_idle: BTreeSet<(Millis, AgentIx)>,
    by_level: BTreeSet<(Reverse<Level>, Millis, AgentIx)>,
    by_busy: BTreeSet<(Millis, Millis, AgentIx)>,
    by_slot: BTreeSet<AgentIx>,
}

impl AvailableAgents {
    pub(crate) fn new(orders: Orders) -> AvailableAgents {
        AvailableAgents {
            orders,
            ..AvailableAgents::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_idle.len()
    }

    pub(crate) fn insert(&mut self, k: AvailableKey) {
        self.by_idle.insert((k.idle_since, k.agent));
        if self.orders.by_level {
            self.by_level
                .insert((Reverse(k.level), k.idle_since, k.agent));
        }
        if self.orders.by_busy {
            self.by_busy.insert((k.busy, k.idle_since, k.agent));
        }
        if self.orders.by_slot {
            self.by_slot.insert(k.agent);
        }
    }

    pub(crate) fn remove(&mut self, k: AvailableKey) {
        self.by_idle.remove(&(k.idle_since, k.agent));
        if self.orders.by_level {
            self.by_level
                .remove(&(Reverse(k.level), k.idle_since, k.agent));
        }
        if self.orders.by_busy {
            self.by_busy.remove(&(k.busy, k.idle_since, k.agent));
        }
        if self.orders.by_slot {
            self.by_slot.remove(&k.agent);
        }
    }

    /// Agents in the order `strategy` prefers them. `after` is the round-robin cursor: the
    /// order starts after it and wraps around. Falls back to longest-idle when this set does
    /// not keep the strategy's order (the engine never asks for that on purpose).
    pub(crate) fn in_order(
        &self,
        strategy: RoutingStrategy,
        after: Option<AgentIx>,
    ) -> Box<dyn Iterator<Item = AgentIx> + '_> {
        match strategy {
            RoutingStrategy::MostSkilled if self.orders.by_level => {
                Box::new(self.by_level.iter().map(|(_, _, a)| *a))
            }
            RoutingStrategy::LeastOccupied if self.orders.by_busy => {
                Box::new(self.by_busy.iter().map(|(_, _, a)| *a))
            }
            RoutingStrategy::RoundRobin if self.orders.by_slot => match after {
                Some(cursor) => Box::new(
                    self.by_slot
                        .range((
                            std::ops::Bound::Excluded(cursor),
                            std::ops::Bound::Unbounded,
                        ))
                        .chain(self.by_slot.range(..=cursor))
                        .copied(),
                ),
                None => Box::new(self.by_slot.iter().copied()),
            },
            _ => Box::new(self.by_idle.iter().map(|(_, a)| *a)),
        }
    }

    /// Does this set keep the order `strategy` reads?
    pub(crate) fn keeps(&self, strategy: RoutingStrategy) -> bool {
        match strategy {
            RoutingStrategy::MostSkilled => self.orders.by_level,
            RoutingStrategy::LeastOccupied => self.orders.by_busy,
            RoutingStrategy::RoundRobin => self.orders.by_slot,
            RoutingStrategy::LongestIdle | RoutingStrategy::RingAll => true,
        }
    }
}

#[cfg(test)]
mod tests;
