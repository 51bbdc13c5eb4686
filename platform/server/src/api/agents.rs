//! `/agents`: the people who take calls, and their skills with levels (1–10).

use axum::extract::{Path, State};
use kefu_acd::config::{AgentProfile, AgentSkill};
use kefu_core::{AgentId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::{Json, from_value};
use crate::problem::{ApiResult, Problem};
use crate::routing::{self, Edit, agent_of};
use crate::state::AppState;

/// Most skills one agent may hold.
const MAX_SKILLS: usize = 100;

/// An agent: a user who takes calls, with their routing skills.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgentView {
    /// The user.
    #[schema(value_type = String)]
    pub user_id: UserId,
    /// The agent id routing uses (same ULID as the user).
    #[schema(value_type = String)]
    pub agent_id: AgentId,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role (agents and supervisors take calls).
    #[schema(value_type = String)]
    pub role: Role,
    /// Skills and levels.
    #[schema(value_type = Vec<Object>)]
    pub skills: Vec<AgentSkill>,
}

/// The agents.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgentList {
    /// Agents and supervisors, oldest first.
    pub items: Vec<AgentView>,
}

/// An agent's skills, replacing the previous list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillsInput {
    /// `[{ "skill": "skl_…", "level": 1–10 }]`.
    #[schema(value_type = Vec<Object>)]
    pub skills: serde_json::Value,
}

/// Agents (and supervisors) with their skills. Supervisors and admins.
#[utoipa::path(get, path = "/api/v1/agents", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = AgentList), (status = 403, body = Problem)))]
async fn list_agents(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<AgentList>> {
    let users = state.store.list_users(&scope).await?;
    let (_, doc) = routing::load(&state, &scope).await?;
    let items = users
        .iter()
        .filter(|u| matches!(u.role, Role::Agent | Role::Supervisor))
        .map(|u| {
            let agent_id = agent_of(u.id);
            AgentView {
                user_id: u.id,
                agent_id,
                name: u.name.clone(),
                email: u.email.clone(),
                role: u.role,
                skills: doc
                    .agents
                    .iter()
                    .find(|a| a.id == agent_id)
                    .map(|a| a.skills.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(axum::Json(AgentList { items }))
}

/// Set an agent's skills (admins). Unknown skills and levels outside 1–10 → 422 naming the
/// entry (`skills[2].level`).
#[utoipa::path(put, path = "/api/v1/agents/{id}/skills", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id of the agent")), request_body = SkillsInput,
    responses((status = 200, body = AgentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_skills(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(input): Json<SkillsInput>,
) -> ApiResult<axum::Json<AgentView>> {
    let user_id: UserId = id.parse().map_err(|_| Problem::not_found("agent"))?;
    let user = state.store.user(&scope, user_id).await?;
    if !matches!(user.role, Role::Agent | Role::Supervisor) {
        return Err(Problem::invalid(
            "id",
            "only agents and supervisors take calls",
        ));
    }
    let skills: Vec<AgentSkill> = from_value(serde_json::json!({ "skills": input.skills }))
        .map(|w: SkillsWrapper| w.skills)?;
    if skills.len() > MAX_SKILLS {
        return Err(Problem::invalid(
            "skills",
            format!("at most {MAX_SKILLS} skills per agent"),
        ));
    }
    let agent_id = agent_of(user_id);
    let saved = routing::update(&state, &scope, |doc| {
        let at = match doc.agents.iter().position(|a| a.id == agent_id) {
            Some(at) => {
                doc.agents[at].skills = skills.clone();
                at
            }
            None => {
                doc.agents.push(AgentProfile {
                    id: agent_id,
                    skills: skills.clone(),
                });
                doc.agents.len() - 1
            }
        };
        Ok(Edit {
            result: skills.clone(),
            action: "agent.skills_changed",
            target: user_id.to_string(),
            focus: Some(format!("agents[{at}]")),
        })
    })
    .await?;
    Ok(axum::Json(AgentView {
        user_id,
        agent_id,
        name: user.name,
        email: user.email,
        role: user.role,
        skills: saved,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillsWrapper {
    skills: Vec<AgentSkill>,
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agents))
        .routes(routes!(set_skills))
}
