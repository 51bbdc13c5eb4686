//! The tenant's routing for its calls: the routing configuration document (kind
//! [`KIND`]) read as the call side needs it, the routing engine's view and the skill names
//! plugins use. The document is written, and checked as a whole, by the server's configuration
//! API (`platform/server/src/routing.rs`); this module only reads it and ignores the parts
//! calls do not use (labels, descriptions, calendars).

use kefu_acd::config::{AgentProfile, EngineSettings, QueueConfig};
use kefu_acd::{ReasonCode, TenantConfig};
use kefu_calls::Routing;
use kefu_core::{SkillId, TenantScope};
use kefu_store::{Store, StoreError};
use serde::Deserialize;

/// The document kind in the store.
pub const KIND: &str = "routing";

/// The routing could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored document is not a routing document.
    #[error("stored routing document: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// The parts of the routing document calls use.
#[derive(Debug, Default, Deserialize)]
pub struct CallRouting {
    #[serde(default)]
    skills: Vec<NamedSkill>,
    #[serde(default)]
    reason_codes: Vec<Code>,
    #[serde(default)]
    queues: Vec<QueueConfig>,
    #[serde(default)]
    agents: Vec<AgentProfile>,
    #[serde(default)]
    settings: EngineSettings,
}

#[derive(Debug, Deserialize)]
struct NamedSkill {
    id: SkillId,
    name: String,
}

#[derive(Debug, Deserialize)]
struct Code {
    code: String,
}

impl CallRouting {
    /// The document's text as stored (`None`: never saved, the empty configuration).
    pub fn parse(stored: Option<&str>) -> Result<CallRouting, serde_json::Error> {
        stored.map_or_else(|| Ok(CallRouting::default()), serde_json::from_str)
    }

    /// The routing engine's view for `scope`'s tenant. Agents without a routing profile are
    /// not in it yet (the softphone issue adds them, when agents can answer; the telephony
    /// principal may not list users).
    pub fn tenant_config(&self, scope: &TenantScope) -> TenantConfig {
        TenantConfig {
            tenant: scope.tenant(),
            skills: self.skills.iter().map(|s| s.id).collect(),
            reason_codes: self
                .reason_codes
                .iter()
                .map(|r| ReasonCode::new(r.code.clone()))
                .collect(),
            queues: self.queues.clone(),
            agents: self.agents.clone(),
            settings: self.settings.clone(),
        }
    }

    /// The routing a tenant's queue hub runs on.
    pub fn routing(&self, scope: &TenantScope) -> Routing {
        Routing {
            config: self.tenant_config(scope),
            skills: self.skills.iter().map(|s| (s.name.clone(), s.id)).collect(),
        }
    }
}

/// The tenant's routing as stored now.
pub async fn load(store: &Store, scope: &TenantScope) -> Result<Routing, RoutingError> {
    let stored = store.config_doc(scope, KIND).await?;
    Ok(CallRouting::parse(stored.doc.as_deref())?.routing(scope))
}
