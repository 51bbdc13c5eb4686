//! The tenant's routing configuration document: skills, reason codes, queues, agents' skills
//! and business-hours calendars, stored as one versioned document (see
//! `kefu_store::config_docs`). Every change is applied to the whole document and checked by the
//! routing engine's own validation (`kefu_acd::validate`) before it is saved, so cross-queue
//! rules such as overflow loops are caught whichever resource the change came through.

use kefu_acd::TenantConfig;
use kefu_acd::config::{AgentProfile, EngineSettings, QueueConfig};
use kefu_core::calendar::BusinessHours;
use std::collections::BTreeSet;

use kefu_core::{AgentId, Role, SkillId, TenantScope, UserId};
use kefu_store::StoreError;
use kefu_store::config_docs::ConfigChange;
use serde::{Deserialize, Serialize};

use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// The document kind in the store.
pub const KIND: &str = "routing";

/// Most skills, queues, reason codes or calendars a tenant may define.
pub const MAX_ITEMS: usize = 5_000;

/// A skill with its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill {
    /// Skill id.
    #[schema(value_type = String)]
    pub id: SkillId,
    /// Unique name ("Mandarin", "Billing").
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub description: String,
}

/// A not-ready reason agents can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReasonCodeDef {
    /// Code (`lunch`), lowercase letters, digits, `-` and `_`.
    pub code: String,
    /// Label shown to agents ("Lunch break").
    pub label: String,
}

/// Everything routing-related a tenant configures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingDoc {
    /// Skills.
    #[serde(default)]
    pub skills: Vec<Skill>,
    /// Not-ready reasons.
    #[serde(default)]
    pub reason_codes: Vec<ReasonCodeDef>,
    /// Queues.
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// Agents' skills.
    #[serde(default)]
    pub agents: Vec<AgentProfile>,
    /// Business-hours calendars.
    #[serde(default)]
    pub calendars: Vec<BusinessHours>,
    /// Engine settings.
    #[serde(default)]
    pub settings: EngineSettings,
}

impl RoutingDoc {
    /// The routing engine's view of this document. `call_takers` are the tenant's agents and
    /// supervisors: each is an agent to routing even before any skills were saved for them.
    pub fn tenant_config(&self, scope: &TenantScope, call_takers: &[AgentId]) -> TenantConfig {
        let mut agents = self.agents.clone();
        let profiled: BTreeSet<AgentId> = agents.iter().map(|a| a.id).collect();
        agents.extend(
            call_takers
                .iter()
                .filter(|a| !profiled.contains(a))
                .map(|&id| AgentProfile {
                    id,
                    skills: Vec::new(),
                }),
        );
        TenantConfig {
            tenant: scope.tenant(),
            skills: self.skills.iter().map(|s| s.id).collect(),
            reason_codes: self
                .reason_codes
                .iter()
                .map(|r| kefu_acd::ReasonCode::new(r.code.clone()))
                .collect(),
            queues: self.queues.clone(),
            agents,
            settings: self.settings.clone(),
        }
    }

    /// Check the whole document. `focus` is the path prefix of the object the caller edited
    /// (`queues[3]`); errors inside it are reported relative to the request body.
    pub fn validate(
        &self,
        scope: &TenantScope,
        call_takers: &[AgentId],
        focus: Option<&str>,
    ) -> Result<(), Problem> {
        let too_many = [
            ("skills", self.skills.len()),
            ("queues", self.queues.len()),
            ("reason_codes", self.reason_codes.len()),
            ("calendars", self.calendars.len()),
            ("agents", self.agents.len()),
        ];
        if let Some((what, _)) = too_many.iter().find(|(_, n)| *n > MAX_ITEMS) {
            return Err(Problem::invalid(
                what,
                format!("at most {MAX_ITEMS} {what}"),
            ));
        }
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(invalid) = kefu_acd::validate(&self.tenant_config(scope, call_takers)) {
            errors.extend(invalid.errors.iter().map(|e| FieldError {
                field: e.field.clone(),
                message: e.problem.to_string(),
            }));
        }
        for (i, c) in self.calendars.iter().enumerate() {
            if let Err(e) = c.validate() {
                errors.push(FieldError {
                    field: format!("calendars[{i}].{}", e.field),
                    message: e.message,
                });
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        let focused: Vec<FieldError> = match focus {
            Some(prefix) => errors
                .iter()
                .filter_map(|e| {
                    let rest = e.field.strip_prefix(prefix)?;
                    Some(FieldError {
                        field: rest.trim_start_matches('.').to_owned(),
                        message: e.message.clone(),
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        // Errors outside the edited object mean the change broke something else (a skill still
        // used by a queue): that is a conflict with the rest of the configuration.
        if focused.is_empty() {
            let detail = errors
                .iter()
                .map(|e| format!("{}: {}", self.describe(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; ");
            let mut p = Problem::new(
                axum::http::StatusCode::CONFLICT,
                "config-conflict",
                "The change conflicts with the rest of the configuration",
                detail,
            )
            .field(errors[0].field.clone());
            p.errors = errors;
            return Err(p);
        }
        let mut p = Problem::invalid(
            &focused[0].field,
            format!("{}: {}", focused[0].field, focused[0].message),
        );
        p.errors = focused;
        Err(p)
    }
}

/// The routing agent of a user (same ULID, `agt_` prefix).
pub fn agent_of(user: UserId) -> AgentId {
    AgentId::from_ulid(user.ulid())
}

impl RoutingDoc {
    /// A field path for people: `queues[2].overflow[0].queue` becomes
    /// `queue "Sales": overflow[0].queue`, `agents[3].skills[1]` becomes `agent agt_…: skills[1]`.
    fn describe(&self, path: &str) -> String {
        let parse = |prefix: &str| -> Option<(usize, String)> {
            let rest = path.strip_prefix(prefix)?;
            let (index, tail) = rest.split_once(']')?;
            Some((index.parse().ok()?, tail.trim_start_matches('.').to_owned()))
        };
        if let Some((i, tail)) = parse("queues[")
            && let Some(q) = self.queues.get(i)
        {
            return format!("queue \"{}\": {tail}", q.name);
        }
        if let Some((i, tail)) = parse("agents[")
            && let Some(a) = self.agents.get(i)
        {
            return format!("agent {}: {tail}", a.id);
        }
        path.to_owned()
    }
}

/// Read the document and its version.
pub async fn load(state: &AppState, scope: &TenantScope) -> Result<(i64, RoutingDoc), Problem> {
    let stored = state.store.config_doc(scope, KIND).await?;
    let doc = match stored.doc {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Problem::internal(format!("stored routing document: {e}")))?,
        None => RoutingDoc::default(),
    };
    Ok((stored.version, doc))
}

/// What an edit did, for the audit log.
#[derive(Debug)]
pub struct Edit<R> {
    /// The result handed back to the handler.
    pub result: R,
    /// Audit action (`queue.updated`).
    pub action: &'static str,
    /// Object changed.
    pub target: String,
    /// Path of the edited object in the document, for error messages (`queues[2]`).
    pub focus: Option<String>,
}

impl Edit<()> {
    /// The edit that deleted `target`.
    pub fn deleted(action: &'static str, target: impl ToString) -> Edit<()> {
        Edit {
            result: (),
            action,
            target: target.to_string(),
            focus: None,
        }
    }
}

/// Remove the items `matches` selects; 404 naming `what` if there was none.
pub fn remove_from<T>(
    items: &mut Vec<T>,
    what: &str,
    matches: impl Fn(&T) -> bool,
) -> Result<(), Problem> {
    let before = items.len();
    items.retain(|item| !matches(item));
    if items.len() == before {
        return Err(Problem::not_found(what));
    }
    Ok(())
}

/// Apply `edit` to the current document, validate the result and save it. If someone else
/// saved in between, the edit is applied again to their version (a few times), so concurrent
/// edits of different objects both land.
pub async fn update<R>(
    state: &AppState,
    scope: &TenantScope,
    edit: impl Fn(&mut RoutingDoc) -> Result<Edit<R>, Problem>,
) -> Result<R, Problem> {
    let call_takers: Vec<AgentId> = state
        .store
        .list_users(scope)
        .await?
        .iter()
        .filter(|u| matches!(u.role, Role::Agent | Role::Supervisor))
        .map(|u| agent_of(u.id))
        .collect();
    for _ in 0..5 {
        let (version, mut doc) = load(state, scope).await?;
        let done = edit(&mut doc)?;
        doc.validate(scope, &call_takers, done.focus.as_deref())?;
        let text = serde_json::to_string(&doc).map_err(Problem::internal)?;
        let change = ConfigChange {
            action: done.action,
            target: &done.target,
            detail: serde_json::json!({}),
        };
        match state
            .store
            .save_config_doc(scope, KIND, version, text, change)
            .await
        {
            Ok(_) => return Ok(done.result),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Problem::new(
        axum::http::StatusCode::CONFLICT,
        "busy",
        "Configuration busy",
        "the configuration is being changed by others; retry",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::{SkillId, TenantId};

    /// Calls read this document through `kefu_telephony::routing`; both readings must give the
    /// routing engine the same configuration.
    #[test]
    fn calls_read_the_document_as_the_api_writes_it() {
        let (skill, agent) = (SkillId::new(), AgentId::new());
        let text = serde_json::json!({
            "skills": [{"id": skill.to_string(), "name": "Mandarin", "description": "zh"}],
            "reason_codes": [{"code": "lunch", "label": "Lunch"}],
            "agents": [{"id": agent.to_string(), "skills": []}],
        })
        .to_string();
        let doc: RoutingDoc = serde_json::from_str(&text).unwrap();
        #[allow(clippy::disallowed_methods)] // a scope to read with, in a test
        let scope = TenantScope::authenticated(TenantId::new(), UserId::new(), Role::Admin);
        let calls = kefu_telephony::routing::CallRouting::parse(Some(&text)).unwrap();
        assert_eq!(calls.tenant_config(&scope), doc.tenant_config(&scope, &[]));
        let routing = calls.routing(&scope);
        assert_eq!(routing.skills, vec![("Mandarin".to_string(), skill)]);
        assert_eq!(
            kefu_telephony::routing::CallRouting::parse(None)
                .unwrap()
                .tenant_config(&scope),
            RoutingDoc::default().tenant_config(&scope, &[])
        );
    }
}
