//! `/skills`: the skills calls require and agents have.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kefu_core::SkillId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::routing::{self, Edit, Skill};
use crate::state::AppState;

/// A new skill, or changes to one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillInput {
    /// Unique name.
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub description: Option<String>,
}

/// The skills.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SkillList {
    /// Skills in creation order.
    pub items: Vec<Skill>,
}

fn skill_id(id: &str) -> Result<SkillId, Problem> {
    id.parse().map_err(|_| Problem::not_found("skill"))
}

/// The checked name and description; a description not sent keeps `current`.
fn checked(
    input: &SkillInput,
    skills: &[Skill],
    except: Option<SkillId>,
) -> Result<(String, String), Problem> {
    let name = validate::text("name", &input.name, 100)?;
    let current = skills
        .iter()
        .find(|s| Some(s.id) == except)
        .map(|s| s.description.clone())
        .unwrap_or_default();
    let description = match &input.description {
        Some(d) if !d.trim().is_empty() => validate::text("description", d, 500)?,
        Some(_) => String::new(),
        None => current,
    };
    if skills
        .iter()
        .any(|s| Some(s.id) != except && s.name.eq_ignore_ascii_case(&name))
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            format!("a skill named {name} already exists"),
        )
        .field("name"));
    }
    Ok((name, description))
}

/// List skills.
#[utoipa::path(get, path = "/api/v1/skills", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = SkillList), (status = 401, body = Problem)))]
async fn list_skills(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<SkillList>> {
    let (_, doc) = routing::load(&state, &scope).await?;
    Ok(axum::Json(SkillList { items: doc.skills }))
}

/// Create a skill (admins).
#[utoipa::path(post, path = "/api/v1/skills", tag = "routing", security(("bearer" = [])),
    request_body = SkillInput,
    responses((status = 201, body = Skill), (status = 409, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_skill(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(input): Json<SkillInput>,
) -> ApiResult<(StatusCode, axum::Json<Skill>)> {
    let id = SkillId::new();
    let skill = routing::update(&state, &scope, |doc| {
        let (name, description) = checked(&input, &doc.skills, None)?;
        let skill = Skill {
            id,
            name,
            description,
        };
        doc.skills.push(skill.clone());
        Ok(Edit {
            result: skill,
            action: "skill.created",
            target: id.to_string(),
            focus: None,
        })
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(skill)))
}

/// Rename or describe a skill (admins).
#[utoipa::path(patch, path = "/api/v1/skills/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Skill id")), request_body = SkillInput,
    responses((status = 200, body = Skill), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn change_skill(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(input): Json<SkillInput>,
) -> ApiResult<axum::Json<Skill>> {
    let id = skill_id(&id)?;
    let skill = routing::update(&state, &scope, |doc| {
        let (name, description) = checked(&input, &doc.skills, Some(id))?;
        let skill = doc
            .skills
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| Problem::not_found("skill"))?;
        skill.name = name;
        skill.description = description;
        Ok(Edit {
            result: skill.clone(),
            action: "skill.updated",
            target: id.to_string(),
            focus: None,
        })
    })
    .await?;
    Ok(axum::Json(skill))
}

/// Delete a skill no queue or agent uses any more (admins); otherwise 409 says where it is used.
#[utoipa::path(delete, path = "/api/v1/skills/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Skill id")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn delete_skill(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = skill_id(&id)?;
    routing::update(&state, &scope, |doc| {
        routing::remove_from(&mut doc.skills, "skill", |s| s.id == id)?;
        Ok(Edit::deleted("skill.deleted", id))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_skills, create_skill))
        .routes(routes!(change_skill, delete_skill))
}
