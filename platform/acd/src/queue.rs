//! The engine's record of one queue: its resolved configuration, its waiting calls in service
//! order, and its statistics.

use std::collections::BTreeSet;

use kefu_core::CallId;

use crate::call::CallRank;
use crate::config::{OverflowAction, QueueConfig};
use crate::ix::{AgentIx, QueueIx, SkillIx};
use crate::level::{Level, Priority};
use crate::stats::QueueStats;
use crate::time::Millis;

/// An overflow step with its queue resolved to an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Relax(u8),
    AddQueue(QueueIx),
    UseBackup,
    Leave(crate::config::LeaveDestination),
}

/// A skill rule with its skill resolved.
#[derive(Debug, Clone)]
pub(crate) struct SkillRuleIx {
    pub(crate) attribute: String,
    pub(crate) equals: String,
    pub(crate) skill: SkillIx,
    pub(crate) min_level: Level,
}

#[derive(Debug, Clone)]
pub(crate) struct Queue {
    pub(crate) config: QueueConfig,
    /// Required skills, sorted by skill index.
    pub(crate) required: Vec<(SkillIx, Level)>,
    /// The first configured required skill: what most-skilled ranks agents by.
    pub(crate) primary: Option<SkillIx>,
    /// The most relaxation any call waiting here can have: its own calls' overflow steps, or
    /// those of queues that overflow into it.
    pub(crate) max_relax: u8,
    pub(crate) skill_rules: Vec<SkillRuleIx>,
    pub(crate) steps: Vec<(Millis, Step)>,
    pub(crate) backup_agents: Vec<AgentIx>,
    pub(crate) backup_active: bool,
    pub(crate) backup_timer: Option<Millis>,
    /// Calls waiting for an agent of this queue (home calls and calls overflowed in), in
    /// service order. Ringing and scoring calls are out of this set.
    pub(crate) waiting: BTreeSet<(CallRank, CallId)>,
    /// Calls whose home is this queue, by arrival: the first is the oldest wait.
    pub(crate) present: BTreeSet<(Millis, CallId)>,
    /// The agent this queue's round-robin chose last.
    pub(crate) cursor: Option<AgentIx>,
    pub(crate) stats: QueueStats,
}

impl Queue {
    pub(crate) fn new(
        config: QueueConfig,
        required: Vec<(SkillIx, Level)>,
        primary: Option<SkillIx>,
    ) -> Queue {
        Queue {
            config,
            required,
            primary,
            max_relax: 0,
            skill_rules: Vec::new(),
            steps: Vec::new(),
            backup_agents: Vec::new(),
            backup_active: false,
            backup_timer: None,
            waiting: BTreeSet::new(),
            present: BTreeSet::new(),
            cursor: None,
            stats: QueueStats::default(),
        }
    }

    /// Levels this queue's own overflow steps lower its calls' minimums by, in total.
    pub(crate) fn own_relax(&self) -> u8 {
        let total = self
            .steps
            .iter()
            .map(|(_, s)| if let Step::Relax(n) = s { *n } else { 0 });
        total.fold(0u8, u8::saturating_add).min(9)
    }

    /// The priority a call gets: the highest of the IVR's ask, the default and matching rules.
    pub(crate) fn priority_for(
        &self,
        asked: Option<Priority>,
        attributes: &std::collections::BTreeMap<String, String>,
    ) -> Priority {
        let ruled = self
            .config
            .priority_rules
            .iter()
            .filter(|r| attributes.get(&r.attribute) == Some(&r.equals))
            .map(|r| r.priority);
        ruled
            .chain(asked)
            .fold(self.config.default_priority, Priority::max)
    }
}

pub(crate) fn resolve_step(
    action: &OverflowAction,
    queue_ix: impl Fn(&kefu_core::QueueId) -> Option<QueueIx>,
) -> Option<Step> {
    Some(match action {
        OverflowAction::RelaxSkills { levels } => Step::Relax(*levels),
        OverflowAction::AddQueue { queue } => Step::AddQueue(queue_ix(queue)?),
        OverflowAction::UseBackupAgents => Step::UseBackup,
        OverflowAction::LeaveQueue { destination } => Step::Leave(*destination),
    })
}
