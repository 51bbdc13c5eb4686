//! `/plugin-versions` and `/plugin-installations`: developers publish WebAssembly plugin
//! versions; tenant admins install, upgrade, roll back and uninstall them.
//!
//! An upload is checked by loading it into the real plugin host: it must be a component that
//! implements the manifest's world and imports nothing beyond the manifest's capabilities.
//! Versions are immutable and content-hashed; the component goes to the object store.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use kefu_core::TenantId;
use kefu_plugin_host::{LoadError, Manifest};
use kefu_store::objects::ObjectKey;
use kefu_store::plugins::{PluginInstallation, PluginVersion};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::{Json, from_value};
use crate::problem::{ApiResult, FieldError, Problem};
use crate::state::AppState;

/// Largest component accepted, in bytes.
pub const MAX_COMPONENT_BYTES: usize = 10 * 1024 * 1024;
/// Largest installation configuration, in bytes of JSON.
const MAX_CONFIG_BYTES: usize = 64 * 1024;
/// Largest secret value, bytes.
const MAX_SECRET_BYTES: usize = 4 * 1024;

/// Publish a plugin version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// `{name, version (semver), world (ivr|crm|router|integration), capabilities, config_schema}`.
    #[schema(value_type = Object)]
    pub manifest: Value,
    /// The component (`wasm32-wasip2`), base64.
    pub component: String,
    /// List it for every tenant (default: only your company sees it).
    #[serde(default)]
    pub public: bool,
}

/// A published version as tenants see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PluginVersionView {
    /// Publishing tenant.
    pub publisher: String,
    /// Plugin name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Extension point.
    pub world: String,
    /// Listed for every tenant?
    pub public: bool,
    /// SHA-256 of the component.
    pub sha256: String,
    /// Component size in bytes.
    pub size: i64,
    /// The manifest.
    #[schema(value_type = Object)]
    pub manifest: Value,
    /// When published.
    pub created_at: DateTime<Utc>,
}

impl From<PluginVersion> for PluginVersionView {
    fn from(v: PluginVersion) -> Self {
        PluginVersionView {
            publisher: v.publisher.to_string(),
            name: v.name,
            version: v.version,
            world: v.world,
            public: v.public,
            sha256: v.content_hash,
            size: v.size,
            manifest: v.manifest,
            created_at: v.created_at,
        }
    }
}

/// Versions you can see.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PluginVersionList {
    /// Yours and every public one.
    pub items: Vec<PluginVersionView>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestField {
    manifest: Manifest,
}

fn load_problem(e: &LoadError) -> Problem {
    let field = match e {
        LoadError::Manifest(_) => "manifest",
        LoadError::UndeclaredImport { .. } => "manifest.capabilities",
        LoadError::WorldMismatch { .. } => "manifest.world",
        _ => "component",
    };
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-plugin",
        "Invalid plugin",
        e.to_string(),
    )
    .field(field)
}

/// Publish a version (developers, admins, owner). The component is checked by loading it.
#[utoipa::path(post, path = "/api/v1/plugin-versions", tag = "plugins",
    request_body = PublishRequest, security(("bearer" = [])),
    responses((status = 201, body = PluginVersionView),
        (status = 400, body = Problem, description = "Not a component, wrong world, or imports beyond its capabilities"),
        (status = 409, body = Problem, description = "That version exists (versions are immutable)"),
        (status = 413, body = Problem), (status = 403, body = Problem)))]
async fn publish(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(req): Json<PublishRequest>,
) -> ApiResult<(StatusCode, axum::Json<PluginVersionView>)> {
    if !scope.role().may_publish_plugins() {
        return Err(Problem::forbidden("your role may not publish plugins"));
    }
    let ManifestField { manifest } = from_value(serde_json::json!({ "manifest": req.manifest }))?;
    if req.component.len() > MAX_COMPONENT_BYTES / 3 * 4 + 4 {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "component-too-large",
            "Component too large",
            format!("components may be at most {MAX_COMPONENT_BYTES} bytes"),
        )
        .field("component"));
    }
    let wasm = STANDARD.decode(req.component.trim()).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-plugin",
            "Invalid plugin",
            format!("component is not base64: {e}"),
        )
        .field("component")
    })?;
    let plugins = state.clone();
    let checked = manifest.clone();
    let bytes = Arc::new(wasm);
    let wasm_for_load = bytes.clone();
    // Compiling takes a few hundred milliseconds of CPU: keep it off the async workers.
    tokio::task::spawn_blocking(move || plugins.runtime.host().load(checked, &wasm_for_load))
        .await
        .map_err(Problem::internal)?
        .map_err(|e| load_problem(&e))?;
    let hash = crate::auth::hash_bytes(&bytes);
    let key = ObjectKey::for_tenant(&scope, &format!("plugins/{}/{hash}.wasm", manifest.name))
        .map_err(Problem::internal)?;
    state
        .objects
        .put(
            &key,
            Bytes::from(bytes.as_ref().clone()),
            "application/wasm",
        )
        .await
        .map_err(Problem::internal)?;
    let version = PluginVersion {
        publisher: scope.tenant(),
        name: manifest.name.clone(),
        version: manifest.version.to_string(),
        world: manifest.world.wit_name().to_owned(),
        manifest: serde_json::to_value(&manifest).map_err(Problem::internal)?,
        content_hash: hash,
        size: bytes.len() as i64,
        public: req.public,
        blob_key: key.as_str().to_owned(),
        created_at: Utc::now(),
    };
    state.store.publish_plugin_version(&scope, &version).await?;
    Ok((StatusCode::CREATED, axum::Json(version.into())))
}

/// Versions you can see: your company's and every public one.
#[utoipa::path(get, path = "/api/v1/plugin-versions", tag = "plugins", security(("bearer" = [])),
    responses((status = 200, body = PluginVersionList)))]
async fn list_versions(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<PluginVersionList>> {
    let items = state
        .store
        .plugin_versions(&scope)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(axum::Json(PluginVersionList { items }))
}

/// The component of a version you can see (`application/wasm`), e.g. for `kefu-plugin replay`.
#[utoipa::path(get, path = "/api/v1/plugin-versions/{publisher}/{name}/{version}/component",
    tag = "plugins", security(("bearer" = [])),
    params(("publisher" = String, Path, description = "Publishing tenant id"),
        ("name" = String, Path, description = "Plugin name"),
        ("version" = String, Path, description = "Version")),
    responses((status = 200, content_type = "application/wasm", body = Vec<u8>),
        (status = 404, body = Problem)))]
async fn component(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path((publisher, name, version)): Path<(String, String, String)>,
) -> ApiResult<axum::response::Response> {
    let version = state
        .store
        .plugin_version(&scope, publisher_id(&publisher)?, &name, &version)
        .await?;
    let key = ObjectKey::new(version.blob_key.clone()).map_err(Problem::internal)?;
    let bytes = state
        .objects
        .get(&key)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("a published component is missing"))?;
    let headers = [
        (
            axum::http::header::CONTENT_TYPE,
            "application/wasm".to_owned(),
        ),
        (
            axum::http::header::HeaderName::from_static("x-content-sha256"),
            version.content_hash.clone(),
        ),
    ];
    Ok(axum::response::IntoResponse::into_response((
        headers, bytes,
    )))
}

/// Install a version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallRequest {
    /// Publishing tenant id.
    pub publisher: String,
    /// Plugin name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Configuration for this installation (a JSON object, checked against the manifest's
    /// `config_schema`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Option<Value>,
    /// Secrets by name (only names the manifest declares); write-only.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

/// Change an installation: upgrade or roll back (`version`), or reconfigure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInstallationRequest {
    /// Another version of the same plugin.
    #[serde(default)]
    pub version: Option<String>,
    /// New configuration (replaces the old one).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Option<Value>,
    /// Secrets to set (a value) or remove (`null`); others are kept. Write-only.
    #[serde(default)]
    pub secrets: BTreeMap<String, Option<String>>,
}

/// An installation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InstallationView {
    /// Installation id.
    pub id: String,
    /// Publishing tenant.
    pub publisher: String,
    /// Plugin name.
    pub name: String,
    /// Version in use.
    pub version: String,
    /// The version before the last change (roll back to it).
    pub previous_version: Option<String>,
    /// Configuration.
    #[schema(value_type = Object)]
    pub config: Value,
    /// Names of the secrets set (values are never returned).
    pub secret_keys: Vec<String>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl InstallationView {
    fn of(state: &AppState, i: PluginInstallation) -> Result<Self, Problem> {
        let secrets = state
            .runtime
            .secrets()
            .open(i.tenant, &i.sealed_secrets)
            .map_err(Problem::internal)?;
        Ok(InstallationView {
            id: i.id,
            publisher: i.publisher.to_string(),
            name: i.name,
            version: i.version,
            previous_version: i.previous_version,
            config: i.config,
            secret_keys: secrets.into_keys().collect(),
            updated_at: i.updated_at,
        })
    }
}

/// Your installations.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InstallationList {
    /// Installations, oldest first.
    pub items: Vec<InstallationView>,
}

fn checked_config(config: Option<Value>) -> Result<Value, Problem> {
    let config = config.unwrap_or_else(|| Value::Object(Default::default()));
    if !config.is_object() {
        return Err(Problem::invalid("config", "config must be a JSON object"));
    }
    if config.to_string().len() > MAX_CONFIG_BYTES {
        return Err(Problem::invalid(
            "config",
            format!("config must be at most {MAX_CONFIG_BYTES} bytes"),
        ));
    }
    Ok(config)
}

/// The manifest of a stored version.
fn manifest_of(version: &PluginVersion) -> Result<Manifest, Problem> {
    serde_json::from_value(version.manifest.clone())
        .map_err(|e| Problem::internal(format!("stored manifest: {e}")))
}

/// 422 naming every place where `config` breaks the version's `config_schema`.
fn check_against_schema(manifest: &Manifest, config: &Value) -> Result<(), Problem> {
    let violations = kefu_plugin_host::config_schema::validate(&manifest.config_schema, config);
    if violations.is_empty() {
        return Ok(());
    }
    let errors = violations
        .into_iter()
        .map(|v| {
            let path = v.path.trim_start_matches('/').replace('/', ".");
            let field = if path.is_empty() {
                "config".to_owned()
            } else {
                format!("config.{path}")
            };
            FieldError::new(field, v.message)
        })
        .collect();
    Err(Problem::invalid_fields(errors))
}

/// Checks secret names against the manifest and sizes; `None` values remove.
fn check_secrets<'a>(
    manifest: &Manifest,
    secrets: impl Iterator<Item = (&'a String, Option<&'a String>)>,
) -> Result<(), Problem> {
    let mut errors = Vec::new();
    for (name, value) in secrets {
        if !manifest.secrets.contains(name) {
            errors.push(FieldError::new(
                format!("secrets.{name}"),
                format!(
                    "{} declares no secret `{name}` (it declares: {})",
                    manifest.name,
                    if manifest.secrets.is_empty() {
                        "none".to_owned()
                    } else {
                        manifest.secrets.join(", ")
                    }
                ),
            ));
        } else if value.is_some_and(|v| v.len() > MAX_SECRET_BYTES) {
            errors.push(FieldError::new(
                format!("secrets.{name}"),
                format!("a secret may be at most {MAX_SECRET_BYTES} bytes"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid_fields(errors))
    }
}

fn publisher_id(text: &str) -> Result<TenantId, Problem> {
    text.parse()
        .map_err(|_| Problem::not_found("plugin version"))
}

/// Install a version you can see (admins).
#[utoipa::path(post, path = "/api/v1/plugin-installations", tag = "plugins",
    request_body = InstallRequest, security(("bearer" = [])),
    responses((status = 201, body = InstallationView), (status = 404, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn install(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(req): Json<InstallRequest>,
) -> ApiResult<(StatusCode, axum::Json<InstallationView>)> {
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("your role may not install plugins"));
    }
    let config = checked_config(req.config)?;
    let version = state
        .store
        .plugin_version(
            &scope,
            publisher_id(&req.publisher)?,
            &req.name,
            &req.version,
        )
        .await?;
    let manifest = manifest_of(&version)?;
    check_against_schema(&manifest, &config)?;
    check_secrets(&manifest, req.secrets.iter().map(|(k, v)| (k, Some(v))))?;
    let sealed = state
        .runtime
        .secrets()
        .seal(scope.tenant(), &req.secrets)
        .map_err(Problem::internal)?;
    let installed = state
        .store
        .install_plugin(&scope, &version, &config, &sealed)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(InstallationView::of(&state, installed)?),
    ))
}

/// Your installations.
#[utoipa::path(get, path = "/api/v1/plugin-installations", tag = "plugins", security(("bearer" = [])),
    responses((status = 200, body = InstallationList)))]
async fn list_installations(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<InstallationList>> {
    let items = state
        .store
        .plugin_installations(&scope)
        .await?
        .into_iter()
        .map(|i| InstallationView::of(&state, i))
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(InstallationList { items }))
}

/// Upgrade, roll back or reconfigure an installation (admins).
#[utoipa::path(patch, path = "/api/v1/plugin-installations/{id}", tag = "plugins",
    params(("id" = String, Path, description = "Installation id")),
    request_body = ChangeInstallationRequest, security(("bearer" = [])),
    responses((status = 200, body = InstallationView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn change_installation(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<ChangeInstallationRequest>,
) -> ApiResult<axum::Json<InstallationView>> {
    let current = state.store.plugin_installation(&scope, &id).await?;
    let version = match &req.version {
        Some(v) => Some(
            state
                .store
                .plugin_version(&scope, current.publisher, &current.name, v)
                .await
                .map_err(|_| {
                    Problem::invalid(
                        "version",
                        format!("{}@{v} is not a version you can install", current.name),
                    )
                })?,
        ),
        None => None,
    };
    let config = req.config.map(|c| checked_config(Some(c))).transpose()?;
    // The configuration in effect after the change must fit the version in effect after it.
    let target = match &version {
        Some(v) => v.clone(),
        None => {
            state
                .store
                .plugin_version(&scope, current.publisher, &current.name, &current.version)
                .await?
        }
    };
    let manifest = manifest_of(&target)?;
    check_against_schema(&manifest, config.as_ref().unwrap_or(&current.config))?;
    let sealed = if req.secrets.is_empty() {
        None
    } else {
        check_secrets(&manifest, req.secrets.iter().map(|(k, v)| (k, v.as_ref())))?;
        let sealer = state.runtime.secrets();
        let mut secrets = sealer
            .open(scope.tenant(), &current.sealed_secrets)
            .map_err(Problem::internal)?;
        for (name, value) in req.secrets {
            match value {
                Some(v) => secrets.insert(name, v),
                None => secrets.remove(&name),
            };
        }
        Some(
            sealer
                .seal(scope.tenant(), &secrets)
                .map_err(Problem::internal)?,
        )
    };
    let changed = state
        .store
        .change_plugin_installation(
            &scope,
            &id,
            version.as_ref(),
            config.as_ref(),
            sealed.as_deref(),
        )
        .await?;
    Ok(axum::Json(InstallationView::of(&state, changed)?))
}

/// Uninstall (admins). Calls already running keep the version they started with.
#[utoipa::path(delete, path = "/api/v1/plugin-installations/{id}", tag = "plugins",
    params(("id" = String, Path, description = "Installation id")), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn uninstall(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.uninstall_plugin(&scope, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish, list_versions))
        // A base64 component of up to MAX_COMPONENT_BYTES, plus its manifest.
        .layer(DefaultBodyLimit::max(
            MAX_COMPONENT_BYTES / 3 * 4 + 64 * 1024,
        ))
        .routes(routes!(component))
        .routes(routes!(install, list_installations))
        .routes(routes!(change_installation, uninstall))
}
