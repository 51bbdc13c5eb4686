//! What calls need from the platform ([`CallServices`]): admission (trunk + number → tenant and
//! entry), the number's IVR installation, the tenant's routing for its ACD engine, its prompts,
//! its outbound trunk, and where voicemails and call events go.
//!
//! A call's steps (its IVR, outbound trunk, voicemail, events) run as the scope admission
//! minted for that call — the tenant's telephony principal for the trunk that admitted it —
//! which the call carries in its [`Route`], so each is audited as the call's own trunk and none
//! waits on a lookup. Steps of the tenant rather than of one call (its routing for the ACD,
//! its prompts) use the tenant's telephony scope without a trunk ([`CallScopes`]). Errors are this module's
//! [`ServiceError`] until the `CallServices` boundary, where it becomes the call's own
//! `kefu_calls::ServiceError` (and `IvrError` for loading the IVR).
//!
//! Every step of a call goes to the event log through the event sink (bounded, batched, never
//! dropping: a full queue makes the call wait). A call's `call.ended` is its detail record: the
//! log writes the record in the same transaction.

use async_trait::async_trait;
use bytes::Bytes;
use kefu_calls::ivr::IvrError;
use kefu_calls::{
    CallServices, Entry, InboundRequest, IvrSession, NewVoicemail, OutboundTrunk, Refusal, Route,
    Routing, ServiceError as CallServiceError,
};
use kefu_core::{TenantId, TenantScope, VoicemailId};
use kefu_store::StoreError;
use kefu_store::numbers::NumberEntry;
use kefu_store::objects::ObjectError;

use crate::TelephonyParts;
use crate::admission::Admission;
use crate::plugin_runtime::RuntimeError;
use crate::routing::RoutingError;
use crate::scopes::CallScopes;

/// Why a call's request to the platform failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The tenant's telephony scope could not be had (the store failed, the tenant is gone).
    #[error("the tenant's telephony scope: {0}")]
    Scope(StoreError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The object store failed.
    #[error(transparent)]
    Objects(#[from] ObjectError),
    /// The IVR installation could not be made ready.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The routing could not be read.
    #[error(transparent)]
    Routing(#[from] RoutingError),
    /// The tenant has no outbound trunk.
    #[error("the tenant has no outbound trunk")]
    NoOutboundTrunk,
}

impl From<ServiceError> for CallServiceError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NoOutboundTrunk => CallServiceError::NotConfigured(e.to_string()),
            ServiceError::Routing(_) | ServiceError::Runtime(_) => {
                CallServiceError::Unusable(e.to_string())
            }
            ServiceError::Scope(_) | ServiceError::Store(_) | ServiceError::Objects(_) => {
                CallServiceError::Storage(e.to_string())
            }
        }
    }
}

/// The platform's side of calls.
pub struct Services {
    parts: TelephonyParts,
    scopes: CallScopes,
    admission: Admission,
}

impl Services {
    /// Services over `parts`, admitting with `admission`.
    pub fn new(parts: TelephonyParts, admission: Admission) -> Services {
        Services {
            scopes: CallScopes::new(parts.store.clone()),
            parts,
            admission,
        }
    }

    /// The scopes kept for the tenants' calls.
    pub fn scopes(&self) -> &CallScopes {
        &self.scopes
    }

    async fn scope(&self, tenant: TenantId) -> Result<kefu_core::TenantScope, ServiceError> {
        self.scopes.of(tenant).await.map_err(ServiceError::Scope)
    }

    async fn ivr(
        &self,
        scope: &TenantScope,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, ServiceError> {
        let running = self.parts.runtime.installation(scope, installation).await?;
        Ok(Box::new(crate::ivr_v0_1::PluginSession {
            host: self.parts.runtime.host().clone(),
            plugin: running.plugin.clone(),
            installation: running.installation.clone(),
        }))
    }

    async fn outbound(&self, scope: &TenantScope) -> Result<OutboundTrunk, ServiceError> {
        let (trunk, credentials) = self
            .parts
            .store
            .outbound_route(scope)
            .await?
            .ok_or(ServiceError::NoOutboundTrunk)?;
        let host = if trunk.proxy_host.contains(':') && !trunk.proxy_host.starts_with('[') {
            format!("[{}]", trunk.proxy_host)
        } else {
            trunk.proxy_host.clone()
        };
        Ok(OutboundTrunk {
            id: trunk.id.to_string(),
            proxy: format!("{host}:{}", trunk.proxy_port),
            credentials: credentials.map(|c| (c.username, c.password)),
            caller_id: trunk.caller_id.map(|n| n.to_string()),
        })
    }

    async fn voicemail(
        &self,
        scope: &TenantScope,
        voicemail: NewVoicemail,
    ) -> Result<(), ServiceError> {
        let id = VoicemailId::new();
        let key = kefu_store::voicemails::voicemail_key(scope, &id)?;
        let size = voicemail.wav.len() as i64;
        self.parts
            .objects
            .put(&key, Bytes::from(voicemail.wav), "audio/wav")
            .await?;
        self.parts
            .store
            .create_voicemail(
                scope,
                &kefu_store::voicemails::NewVoicemail {
                    id,
                    call: voicemail.call,
                    mailbox: voicemail.mailbox,
                    caller: voicemail.caller,
                    dialled: voicemail.dialled,
                    duration_ms: voicemail.duration_ms as i64,
                    size_bytes: size,
                    blob_key: key.as_str().to_string(),
                },
            )
            .await?;
        Ok(())
    }
}

#[async_trait]
impl CallServices for Services {
    async fn route(&self, request: &InboundRequest) -> Result<Route, Refusal> {
        let route = self.admission.admit(request).await?;
        let entry = match &route.entry {
            NumberEntry::Ivr { installation } => Entry::Ivr {
                installation: installation.clone(),
            },
            NumberEntry::Queue { queue } => Entry::Queue {
                queue: queue.to_string(),
            },
        };
        Ok(Route {
            scope: route.scope().clone(),
            did: route.did.to_string(),
            number: route.number.to_string(),
            trunk: route.trunk.to_string(),
            entry,
            fallback_queue: route.fallback_queue.map(|q| q.to_string()),
        })
    }

    async fn ivr_session(
        &self,
        scope: &TenantScope,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, IvrError> {
        self.ivr(scope, installation)
            .await
            .map_err(|e| IvrError::Unavailable(e.to_string()))
    }

    async fn outbound_trunk(&self, scope: &TenantScope) -> Result<OutboundTrunk, CallServiceError> {
        Ok(self.outbound(scope).await?)
    }

    async fn tenant_prompt(&self, tenant: TenantId, name: &str) -> Option<Vec<u8>> {
        let scope = self.scope(tenant).await.ok()?;
        let key = crate::prompts::prompt_key(&scope, name).ok()?;
        match self.parts.objects.get(&key).await {
            Ok(found) => found.map(|bytes| bytes.to_vec()),
            Err(e) => {
                tracing::warn!(%tenant, prompt = name, error = %e, "reading a tenant prompt failed");
                None
            }
        }
    }

    async fn routing(&self, tenant: TenantId) -> Result<Routing, CallServiceError> {
        let scope = self.scope(tenant).await?;
        Ok(crate::routing::load(&self.parts.store, &scope)
            .await
            .map_err(ServiceError::from)?)
    }

    async fn store_voicemail(
        &self,
        scope: &TenantScope,
        voicemail: NewVoicemail,
    ) -> Result<(), CallServiceError> {
        Ok(self.voicemail(scope, voicemail).await?)
    }

    async fn emit(&self, scope: &TenantScope, event: kefu_core::DomainEvent) {
        // The call's own scope: nothing to look up, so nothing to lose the event over.
        self.parts.events.emit(scope, event).await
    }

    async fn emit_for_tenant(&self, tenant: TenantId, event: kefu_core::DomainEvent) {
        match self.scope(tenant).await {
            Ok(scope) => self.parts.events.emit(&scope, event).await,
            Err(e) => {
                tracing::error!(%tenant, error = %e, event = event.name(), "an agent event was not logged: the tenant's scope could not be loaded");
            }
        }
    }
}
