//! Routing configuration for one tenant: skills, reason codes, queues and agents.
//!
//! These are plain serde types so the HTTP API and the store can carry them as they are. They
//! hold no behaviour; [`crate::validate`] checks them (and names the field that is wrong) before
//! an engine is built from them. Durations are [`Millis`].

use kefu_core::{AgentId, QueueId, SkillId, TenantId};
use serde::{Deserialize, Serialize};

use crate::agent::ReasonCode;
use crate::level::{Level, Priority};
use crate::time::Millis;

/// Everything the routing engine of one tenant needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantConfig {
    /// Whose configuration this is; stamped on every event.
    pub tenant: TenantId,
    /// The skills the tenant has defined. Queues and agents may only name these.
    pub skills: Vec<SkillId>,
    /// Not-ready reasons agents may give ("lunch", "training", …).
    #[serde(default)]
    pub reason_codes: Vec<ReasonCode>,
    /// The tenant's queues.
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// The tenant's agents and their skills.
    #[serde(default)]
    pub agents: Vec<AgentProfile>,
    /// Engine-wide settings.
    #[serde(default)]
    pub settings: EngineSettings,
}

/// Settings that hold for the whole tenant rather than one queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineSettings {
    /// An agent whose browser sent no heartbeat for this long is logged out.
    pub heartbeat_timeout: Millis,
    /// Ring-all offers a call to at most this many agents at once.
    pub ring_all_limit: u16,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            heartbeat_timeout: Millis::from_secs(30),
            ring_all_limit: 10,
        }
    }
}

/// How a queue chooses among the agents able to take a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingStrategy {
    /// The agent who has been available the longest.
    #[default]
    LongestIdle,
    /// The highest level in the queue's first required skill; longest idle breaks ties.
    MostSkilled,
    /// The least talk and wrap-up time since logging in; longest idle breaks ties.
    LeastOccupied,
    /// The next agent after the one this queue chose last, in a fixed agent order.
    RoundRobin,
    /// Every able agent rings at once (up to `ring_all_limit`); the first to accept wins.
    RingAll,
}

/// One queue: who may answer its calls, in what order, and what happens when nobody does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// The queue.
    pub id: QueueId,
    /// A name for people.
    pub name: String,
    /// How an agent is chosen.
    #[serde(default)]
    pub strategy: RoutingStrategy,
    /// Skills (with minimum levels) an agent needs for every call of this queue.
    #[serde(default)]
    pub required_skills: Vec<SkillRequirement>,
    /// Priority of calls no rule matches (the IVR may ask for a higher one).
    #[serde(default)]
    pub default_priority: Priority,
    /// Calls whose IVR data match a rule get at least its priority.
    #[serde(default)]
    pub priority_rules: Vec<PriorityRule>,
    /// Calls whose IVR data match a rule also need its skill (e.g. language = fr → French ≥ 5).
    #[serde(default)]
    pub skill_rules: Vec<SkillRule>,
    /// Raise a waiting call's priority as it waits.
    #[serde(default)]
    pub aging: Option<Aging>,
    /// A call still waiting after this long leaves the queue as timed out.
    #[serde(default)]
    pub max_wait: Option<Millis>,
    /// The answer-time goal reported in statistics.
    pub service_level: ServiceLevelTarget,
    /// How long an offered call rings an agent before it counts as missed (RONA).
    pub ring_timeout: Millis,
    /// Wrap-up time after each call of this queue.
    pub after_call_work: Millis,
    /// Expected talk + wrap-up time before the queue has history (for wait estimates).
    pub expected_handle_time: Millis,
    /// What to do, in order, as a call keeps waiting.
    #[serde(default)]
    pub overflow: Vec<OverflowStep>,
    /// Offer calls to the caller's last agent first.
    #[serde(default)]
    pub sticky: Option<StickyRouting>,
    /// Named agents who help when the queue's wait grows too long.
    #[serde(default)]
    pub backup: Option<BackupAgents>,
    /// Let the tenant's router plugin re-score candidate agents.
    #[serde(default)]
    pub router_plugin: Option<RouterPlugin>,
}

/// A skill an agent must have, at least at `min_level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRequirement {
    /// The skill.
    pub skill: SkillId,
    /// The lowest acceptable level.
    pub min_level: Level,
}

/// Calls whose IVR data has `attribute == equals` get at least `priority`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityRule {
    /// The IVR data key, e.g. `vip`.
    pub attribute: String,
    /// The value that matches, e.g. `true`.
    pub equals: String,
    /// The priority such calls get at least.
    pub priority: Priority,
}

/// Calls whose IVR data has `attribute == equals` also need `skill` at `min_level`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRule {
    /// The IVR data key, e.g. `language`.
    pub attribute: String,
    /// The value that matches, e.g. `fr`.
    pub equals: String,
    /// The extra requirement.
    pub requirement: SkillRequirement,
}

/// Raise a waiting call's priority by one level every `every`, up to `up_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aging {
    /// Waiting time per level.
    pub every: Millis,
    /// Aging never raises a call above this.
    pub up_to: Priority,
}

/// "`percent`% of calls answered within `within`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevelTarget {
    /// The share of calls, 0–100.
    pub percent: u8,
    /// The answer time.
    pub within: Millis,
}

/// After a call has waited `after`, do `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverflowStep {
    /// Waiting time (since the call entered the queue) at which the step applies.
    pub after: Millis,
    /// What the step does.
    #[serde(flatten)]
    pub action: OverflowAction,
}

/// What an overflow step does to a waiting call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OverflowAction {
    /// Lower every minimum skill level of the call by `levels` (never below 1).
    RelaxSkills {
        /// Levels to lower by, 1–9.
        levels: u8,
    },
    /// Agents able to take calls of `queue` may now take this call too.
    AddQueue {
        /// The overflow queue.
        queue: QueueId,
    },
    /// The queue's backup agents may now take this call, whatever the queue's wait.
    UseBackupAgents,
    /// The call leaves the queue for `destination`; its wait ends as overflowed.
    LeaveQueue {
        /// Where the call actor takes the call next.
        destination: LeaveDestination,
    },
}

/// Where a call goes when an overflow step takes it out of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveDestination {
    /// Record a message.
    Voicemail,
    /// Offer a call back.
    Callback,
    /// Back to the IVR, which decides.
    Ivr,
}

/// Wait up to `wait` for the caller's last agent before offering the call to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StickyRouting {
    /// How long the call is held for the last agent.
    pub wait: Millis,
}

/// Agents outside the queue's skills who help when its oldest call has waited too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupAgents {
    /// Who helps.
    pub agents: Vec<AgentId>,
    /// Backup starts when the oldest waiting call has waited this long.
    pub activate_after: Millis,
    /// Backup stops when the oldest waiting call has waited less than this (or none waits).
    pub release_below: Millis,
}

/// Ask the tenant's router plugin to re-score candidates before each offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterPlugin {
    /// How many candidates (in strategy order) are sent for scoring, 2–64.
    pub max_candidates: u8,
    /// How long the engine waits for scores before deciding without them.
    pub deadline: Millis,
}

/// An agent as routing knows them: their skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentProfile {
    /// The agent.
    pub id: AgentId,
    /// Skills and levels.
    #[serde(default)]
    pub skills: Vec<AgentSkill>,
}

/// One skill of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSkill {
    /// The skill.
    pub skill: SkillId,
    /// How good the agent is at it.
    pub level: Level,
}
