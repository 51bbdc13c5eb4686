//! What calls need from the platform ([`CallServices`]): admission (trunk + number → tenant and
//! entry), the number's IVR installation, the tenant's routing for its ACD engine, its prompts,
//! its outbound trunk, and where voicemails and call events go.
//!
//! Every step runs with the tenant's telephony scope ([`CallScopes`]): the one admission minted
//! for the trunk, or the tenant's from the store when it is not at hand, so no step is refused
//! and no event dropped for want of a cached scope. Errors are this module's
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
use kefu_core::{TenantId, VoicemailId};
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

/// Attempts at the tenant's telephony scope before a call event is given up (the store failing
/// throughout: about 30 s).
const EMIT_SCOPE_ATTEMPTS: u32 = 10;

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
        tenant: TenantId,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, ServiceError> {
        let scope = self.scope(tenant).await?;
        let running = self
            .parts
            .runtime
            .installation(&scope, installation)
            .await?;
        Ok(Box::new(crate::ivr_v0_1::PluginSession {
            host: self.parts.runtime.host().clone(),
            plugin: running.plugin.clone(),
            installation: running.installation.clone(),
        }))
    }

    async fn outbound(&self, tenant: TenantId) -> Result<OutboundTrunk, ServiceError> {
        let scope = self.scope(tenant).await?;
        let (trunk, credentials) = self
            .parts
            .store
            .outbound_route(&scope)
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

    async fn voicemail(&self, voicemail: NewVoicemail) -> Result<(), ServiceError> {
        let scope = self.scope(voicemail.tenant).await?;
        let id = VoicemailId::new();
        let key = kefu_store::voicemails::voicemail_key(&scope, &id)?;
        let size = voicemail.wav.len() as i64;
        self.parts
            .objects
            .put(&key, Bytes::from(voicemail.wav), "audio/wav")
            .await?;
        self.parts
            .store
            .create_voicemail(
                &scope,
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
        self.scopes.admitted(route.scope());
        let entry = match &route.entry {
            NumberEntry::Ivr { installation } => Entry::Ivr {
                installation: installation.clone(),
            },
            NumberEntry::Queue { queue } => Entry::Queue {
                queue: queue.to_string(),
            },
        };
        Ok(Route {
            tenant: route.tenant,
            did: route.did.to_string(),
            number: route.number.to_string(),
            trunk: route.trunk.to_string(),
            entry,
            // Numbers have no fallback queue of their own yet: a failing IVR hangs up after
            // its apology.
            fallback_queue: None,
        })
    }

    async fn ivr_session(
        &self,
        tenant: TenantId,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, IvrError> {
        self.ivr(tenant, installation)
            .await
            .map_err(|e| IvrError::Unavailable(e.to_string()))
    }

    async fn outbound_trunk(&self, tenant: TenantId) -> Result<OutboundTrunk, CallServiceError> {
        Ok(self.outbound(tenant).await?)
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

    async fn store_voicemail(&self, voicemail: NewVoicemail) -> Result<(), CallServiceError> {
        Ok(self.voicemail(voicemail).await?)
    }

    async fn emit(&self, tenant: TenantId, event: kefu_core::DomainEvent) {
        // The scope comes from the cache or, failing that, the store. A store that fails is
        // waited for (about half a minute, as the event writer waits for it); only a tenant
        // that no longer exists, or a store down that long, loses the event, counted.
        let mut delay = std::time::Duration::from_millis(50);
        let mut attempts = 0;
        let why = loop {
            match self.scopes.of(tenant).await {
                Ok(scope) => return self.parts.events.emit(&scope, event).await,
                Err(StoreError::NotFound) => break "the tenant no longer exists".to_string(),
                Err(e) if attempts >= EMIT_SCOPE_ATTEMPTS => break e.to_string(),
                Err(e) => {
                    tracing::warn!(tenant_id = %tenant, event = event.name(), error = %e, "the tenant's telephony scope is not at hand; retrying");
                    attempts += 1;
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(5));
                }
            }
        };
        metrics::counter!("kefu_events_dropped_total").increment(1);
        tracing::error!(tenant_id = %tenant, event = event.name(), %why, "a call event could not be stored");
    }
}
