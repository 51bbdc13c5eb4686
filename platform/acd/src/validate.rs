//! Configuration validation: a pure function from a [`TenantConfig`] to the list of what is
//! wrong with it, each naming the field (`queues[2].overflow[1].queue`).
//!
//! The HTTP API maps each [`ConfigError`] to a problem+json entry; the engine refuses to start
//! from a configuration that fails here, so everything it reads later is known to be sound.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use kefu_core::{AgentId, QueueId, SkillId};

use crate::agent::ReasonCode;
use crate::config::{AgentProfile, OverflowAction, QueueConfig, SkillRequirement, TenantConfig};
use crate::level::{Level, Priority};
use crate::time::Millis;

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {problem}")]
pub struct ConfigError {
    /// The path of the field that is wrong, e.g. `queues[0].overflow[1].queue`.
    pub field: String,
    /// What is wrong with it.
    pub problem: ConfigProblem,
}

/// What is wrong with a configuration field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// The skill is not among the tenant's skills.
    #[error("unknown skill {0}")]
    UnknownSkill(SkillId),
    /// The queue is not among the tenant's queues.
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    /// The agent is not among the tenant's agents.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// A skill level outside 1–10.
    #[error("level {0} is outside 1–10")]
    LevelOutOfRange(u8),
    /// A priority outside 1–10.
    #[error("priority {0} is outside 1–10")]
    PriorityOutOfRange(u8),
    /// A number outside its allowed range.
    #[error("{value} is outside {min}–{max}")]
    OutOfRange {
        /// The value given.
        value: u64,
        /// The least allowed.
        min: u64,
        /// The most allowed.
        max: u64,
    },
    /// A duration that must not be zero.
    #[error("must be greater than zero")]
    MustBePositive,
    /// The same thing listed twice.
    #[error("{0} is listed more than once")]
    Duplicate(String),
    /// A queue overflowing into itself, directly or through others.
    #[error("overflow loop: {}", path(.0))]
    OverflowLoop(Vec<QueueId>),
    /// Overflow steps must be listed in time order.
    #[error("comes before the previous step")]
    StepOutOfOrder,
    /// Nothing can follow a step that takes the call out of the queue.
    #[error("follows a step that leaves the queue")]
    StepAfterLeave,
    /// Release must happen below the activation threshold.
    #[error("must not exceed `activate_after`")]
    ReleaseAboveActivation,
    /// Tenants may not redefine the engine's own reason codes.
    #[error("`{0}` is a built-in reason code")]
    ReservedReasonCode(ReasonCode),
}

fn path(queues: &[QueueId]) -> String {
    queues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Everything wrong with a configuration (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// The problems, in field order.
    pub errors: Vec<ConfigError>,
}

impl fmt::Display for InvalidConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        write!(f, "invalid routing configuration: {}", all.join("; "))
    }
}

impl std::error::Error for InvalidConfig {}

/// Check a whole tenant configuration.
pub fn validate(config: &TenantConfig) -> Result<(), InvalidConfig> {
    let mut out = Errors::default();
    let skills = known(&config.skills, "skills", &mut out);
    let agent_ids: Vec<AgentId> = config.agents.iter().map(|a| a.id).collect();
    let agents = known(&agent_ids, "agents", &mut out);
    known(
        &config.queues.iter().map(|q| q.id).collect::<Vec<_>>(),
        "queues",
        &mut out,
    );
    known(&config.reason_codes, "reason_codes", &mut out);
    for (i, code) in config.reason_codes.iter().enumerate() {
        if code.is_builtin() {
            out.push(
                format!("reason_codes[{i}]"),
                ConfigProblem::ReservedReasonCode(code.clone()),
            );
        }
    }
    if config.settings.heartbeat_timeout == Millis::ZERO {
        out.push(
            "settings.heartbeat_timeout".into(),
            ConfigProblem::MustBePositive,
        );
    }
    if config.settings.ring_all_limit == 0 {
        out.push(
            "settings.ring_all_limit".into(),
            ConfigProblem::MustBePositive,
        );
    }
    for (i, agent) in config.agents.iter().enumerate() {
        check_agent(agent, &skills, &format!("agents[{i}]."), &mut out);
    }
    let graph = overflow_graph(config.queues.iter());
    for (i, queue) in config.queues.iter().enumerate() {
        let ctx = Context {
            skills: &skills,
            agents: &agents,
            graph: &graph,
            config,
        };
        check_queue(queue, &ctx, &format!("queues[{i}]."), &mut out);
    }
    out.finish()
}

/// Check one queue as it would sit in `config` (replacing the queue with the same id, if any).
/// Field paths are relative to the queue (`overflow[1].queue`), as an API editing one queue
/// reports them.
pub fn validate_queue(queue: &QueueConfig, config: &TenantConfig) -> Result<(), InvalidConfig> {
    let mut out = Errors::default();
    let skills: BTreeSet<SkillId> = config.skills.iter().copied().collect();
    let agents: BTreeSet<AgentId> = config.agents.iter().map(|a| a.id).collect();
    let others = config.queues.iter().filter(|q| q.id != queue.id);
    let graph = overflow_graph(others.chain(std::iter::once(queue)));
    let ctx = Context {
        skills: &skills,
        agents: &agents,
        graph: &graph,
        config,
    };
    check_queue(queue, &ctx, "", &mut out);
    out.finish()
}

#[derive(Default)]
struct Errors(Vec<ConfigError>);

impl Errors {
    fn push(&mut self, field: String, problem: ConfigProblem) {
        self.0.push(ConfigError { field, problem });
    }

    fn finish(self) -> Result<(), InvalidConfig> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(InvalidConfig { errors: self.0 })
        }
    }
}

struct Context<'a> {
    skills: &'a BTreeSet<SkillId>,
    agents: &'a BTreeSet<AgentId>,
    graph: &'a BTreeMap<QueueId, Vec<QueueId>>,
    config: &'a TenantConfig,
}

/// The set of `items`, reporting duplicates as `list[i]`.
fn known<T: Ord + Clone + fmt::Display>(items: &[T], list: &str, out: &mut Errors) -> BTreeSet<T> {
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item.clone()) {
            out.push(
                format!("{list}[{i}]"),
                ConfigProblem::Duplicate(item.to_string()),
            );
        }
    }
    seen
}

fn check_agent(agent: &AgentProfile, skills: &BTreeSet<SkillId>, at: &str, out: &mut Errors) {
    let mut seen = BTreeSet::new();
    for (j, s) in agent.skills.iter().enumerate() {
        let field = format!("{at}skills[{j}]");
        if !skills.contains(&s.skill) {
            out.push(
                format!("{field}.skill"),
                ConfigProblem::UnknownSkill(s.skill),
            );
        } else if !seen.insert(s.skill) {
            out.push(
                format!("{field}.skill"),
                ConfigProblem::Duplicate(s.skill.to_string()),
            );
        }
        level(s.level, format!("{field}.level"), out);
    }
}

fn check_queue(queue: &QueueConfig, ctx: &Context<'_>, at: &str, out: &mut Errors) {
    let mut seen = BTreeSet::new();
    for (j, r) in queue.required_skills.iter().enumerate() {
        requirement(r, ctx.skills, &format!("{at}required_skills[{j}]"), out);
        if !seen.insert(r.skill) {
            let field = format!("{at}required_skills[{j}].skill");
            out.push(field, ConfigProblem::Duplicate(r.skill.to_string()));
        }
    }
    for (j, rule) in queue.skill_rules.iter().enumerate() {
        requirement(
            &rule.requirement,
            ctx.skills,
            &format!("{at}skill_rules[{j}].requirement"),
            out,
        );
    }
    priority(queue.default_priority, format!("{at}default_priority"), out);
    for (j, rule) in queue.priority_rules.iter().enumerate() {
        priority(
            rule.priority,
            format!("{at}priority_rules[{j}].priority"),
            out,
        );
    }
    if let Some(aging) = &queue.aging {
        positive(aging.every, format!("{at}aging.every"), out);
        priority(aging.up_to, format!("{at}aging.up_to"), out);
    }
    if let Some(max_wait) = queue.max_wait {
        positive(max_wait, format!("{at}max_wait"), out);
    }
    range(
        queue.service_level.percent.into(),
        0,
        100,
        format!("{at}service_level.percent"),
        out,
    );
    positive(queue.ring_timeout, format!("{at}ring_timeout"), out);
    if let Some(sticky) = &queue.sticky {
        positive(sticky.wait, format!("{at}sticky.wait"), out);
    }
    if let Some(backup) = &queue.backup {
        for (j, agent) in backup.agents.iter().enumerate() {
            if !ctx.agents.contains(agent) {
                out.push(
                    format!("{at}backup.agents[{j}]"),
                    ConfigProblem::UnknownAgent(*agent),
                );
            }
        }
        if backup.release_below > backup.activate_after {
            out.push(
                format!("{at}backup.release_below"),
                ConfigProblem::ReleaseAboveActivation,
            );
        }
    }
    if let Some(plugin) = &queue.router_plugin {
        range(
            plugin.max_candidates.into(),
            2,
            64,
            format!("{at}router_plugin.max_candidates"),
            out,
        );
        positive(plugin.deadline, format!("{at}router_plugin.deadline"), out);
    }
    check_overflow(queue, ctx, at, out);
}

fn check_overflow(queue: &QueueConfig, ctx: &Context<'_>, at: &str, out: &mut Errors) {
    let mut previous = Millis::ZERO;
    let mut left = false;
    for (k, step) in queue.overflow.iter().enumerate() {
        let field = format!("{at}overflow[{k}]");
        if step.after < previous {
            out.push(format!("{field}.after"), ConfigProblem::StepOutOfOrder);
        }
        previous = step.after;
        if left {
            out.push(field.clone(), ConfigProblem::StepAfterLeave);
        }
        match &step.action {
            OverflowAction::RelaxSkills { levels } => {
                range((*levels).into(), 1, 9, format!("{field}.levels"), out);
            }
            OverflowAction::AddQueue { queue: target } => {
                let field = format!("{field}.queue");
                if !ctx.config.queues.iter().any(|q| q.id == *target) && *target != queue.id {
                    out.push(field, ConfigProblem::UnknownQueue(*target));
                } else if let Some(mut cycle) = route_back(ctx.graph, *target, queue.id) {
                    cycle.insert(0, queue.id);
                    out.push(field, ConfigProblem::OverflowLoop(cycle));
                }
            }
            OverflowAction::UseBackupAgents => {}
            OverflowAction::LeaveQueue { .. } => left = true,
        }
    }
}

/// Which queues each queue overflows into.
fn overflow_graph<'a>(
    queues: impl Iterator<Item = &'a QueueConfig>,
) -> BTreeMap<QueueId, Vec<QueueId>> {
    let mut graph: BTreeMap<QueueId, Vec<QueueId>> = BTreeMap::new();
    for q in queues {
        let targets = q.overflow.iter().filter_map(|s| match &s.action {
            OverflowAction::AddQueue { queue } => Some(*queue),
            _ => None,
        });
        graph.entry(q.id).or_default().extend(targets);
    }
    graph
}

/// A path of overflow edges from `from` to `to` (both included), if there is one.
fn route_back(
    graph: &BTreeMap<QueueId, Vec<QueueId>>,
    from: QueueId,
    to: QueueId,
) -> Option<Vec<QueueId>> {
    let mut came_from: BTreeMap<QueueId, QueueId> = BTreeMap::new();
    let mut todo = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(q) = todo.pop_front() {
        if q == to {
            let mut path = vec![q];
            let mut cur = q;
            while let Some(prev) = came_from.get(&cur) {
                path.push(*prev);
                cur = *prev;
            }
            path.reverse();
            return Some(path);
        }
        for next in graph.get(&q).into_iter().flatten() {
            if seen.insert(*next) {
                came_from.insert(*next, q);
                todo.push_back(*next);
            }
        }
    }
    None
}

fn requirement(r: &SkillRequirement, skills: &BTreeSet<SkillId>, at: &str, out: &mut Errors) {
    if !skills.contains(&r.skill) {
        out.push(format!("{at}.skill"), ConfigProblem::UnknownSkill(r.skill));
    }
    level(r.min_level, format!("{at}.min_level"), out);
}

fn level(l: Level, field: String, out: &mut Errors) {
    if !l.is_valid() {
        out.push(field, ConfigProblem::LevelOutOfRange(l.get()));
    }
}

fn priority(p: Priority, field: String, out: &mut Errors) {
    if !p.is_valid() {
        out.push(field, ConfigProblem::PriorityOutOfRange(p.get()));
    }
}

fn positive(d: Millis, field: String, out: &mut Errors) {
    if d == Millis::ZERO {
        out.push(field, ConfigProblem::MustBePositive);
    }
}

fn range(value: u64, min: u64, max: u64, field: String, out: &mut Errors) {
    if value < min || value > max {
        out.push(field, ConfigProblem::OutOfRange { value, min, max });
    }
}

#[cfg(test)]
mod tests;
