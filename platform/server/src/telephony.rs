//! Telephony in the server: starts the SIP edge and the call service, and gives calls what they
//! need from the platform ([`CallServices`]): the edge lookup (trunk + number → tenant and
//! entry), the number's IVR installation, the tenant's routing for its ACD engine, and where
//! voicemails and call records are kept.
//!
//! The tenant scope a call runs with is the one the inbound-route lookup minted when it admitted
//! the trunk (the authentication point for calls); it is kept per tenant for the later steps of
//! that tenant's calls and never minted here.
//!
//! Every step of a call goes to the event log through the state's event sink (bounded, batched,
//! never dropping: a full queue makes the call wait). A call's `call.ended` is its detail
//! record: the log writes the record in the same transaction.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use bytes::Bytes;
use kefu_calls::ivr::IvrError;
use kefu_calls::{
    CallService, CallServiceConfig, CallServices, CallSettings, Entry, InboundRequest, IvrSession,
    NewVoicemail, OutboundTrunk, Refusal, Route, Routing, ServiceError,
};
use kefu_core::{TenantId, TenantScope, VoicemailId};
use kefu_media::driver::{PortPool, PortRange};
use kefu_media::tts::{Tts, TtsConfig};
use kefu_sip::edge::{SipEdge, SipEdgeConfig};
use kefu_sip::limits::{BucketConfig, RateLimitConfig};
use kefu_sip::rsipstack::platform::CancellationToken;
use kefu_store::inbound_route::{InboundCall, InboundRefusal};
use kefu_store::numbers::NumberEntry;

use crate::routing;
use crate::sip_auth::{DigestAnswerOf, NonceCheck, NonceUse, Nonces, parse_authorization};
use crate::state::AppState;

/// The running SIP edge and call service. Dropping it stops both.
pub struct Telephony {
    /// The edge (its bound addresses).
    pub edge: SipEdge,
    /// The call service (its counters).
    pub calls: CallService,
    /// Stops the registrations with carriers.
    registrations_stop: CancellationToken,
    registrations: Option<tokio::task::JoinHandle<()>>,
}

impl Telephony {
    /// Unregisters from every carrier (each bounded to 5 s). For a graceful stop.
    pub async fn stop_registrations(&mut self) {
        self.registrations_stop.cancel();
        if let Some(task) = self.registrations.take() {
            let _ = tokio::time::timeout(Duration::from_secs(6), task).await;
        }
    }
}

/// Starts the SIP edge on `sip_listen` and the call service, or `None` when `sip_listen` is
/// empty (telephony off).
pub async fn start(state: &AppState) -> anyhow::Result<Option<Telephony>> {
    let config = &state.config;
    if config.sip_listen.is_empty() {
        return Ok(None);
    }
    let listen = config
        .sip_listen
        .parse()
        .context("configuration: key `sip_listen`: expected an address like 0.0.0.0:5060")?;
    // `None`: each call's SDP carries the local address that routes to its caller.
    let fixed_media: Option<IpAddr> = config.media_address()?;
    let (first, last) = config.rtp_port_range()?;
    let range = PortRange::new(first, last)
        .map_err(|e| anyhow::anyhow!("configuration: key `rtp_ports`: {e}"))?;
    let bind_ip: IpAddr = match fixed_media {
        Some(ip) if ip.is_loopback() => ip,
        _ => IpAddr::from([0, 0, 0, 0]),
    };
    let ports = PortPool::new(bind_ip, range);
    let mut limits = RateLimitConfig::default();
    let per_sec = f64::from(config.sip_invites_per_source_per_sec);
    limits.invite = BucketConfig {
        per_second: per_sec,
        burst: per_sec * 2.0,
        drop_after: per_sec * 2.0,
    };
    // Before anything is listening: without a key from the random source nothing may start.
    let nonces = Nonces::new(Duration::from_secs(u64::from(config.sip_digest_nonce_secs)))
        .context("starting telephony")?;
    let mut edge = SipEdge::start(SipEdgeConfig {
        listen,
        external: config.sip_advertise()?,
        rate_limits: limits,
        tcp_message_timeout: Duration::from_secs(u64::from(config.sip_tcp_message_timeout_secs)),
        max_tcp_connections_per_source: config.sip_tcp_max_connections_per_source as usize,
        ..SipEdgeConfig::default()
    })
    .await
    .with_context(|| format!("starting the SIP edge on {listen} (key `sip_listen`)"))?;
    let tts = Arc::new(Tts::new(TtsConfig {
        disk_cache: Some(config.data_dir.join("tts-cache")),
        ..TtsConfig::default()
    }));
    let edge_default_ip = edge.advertiser().default_addr().ip();
    let services = Arc::new(Services {
        state: state.clone(),
        scopes: Mutex::default(),
        nonces,
    });
    let calls = CallService::start(
        &mut edge,
        ports,
        tts,
        services,
        CallServiceConfig {
            call: CallSettings {
                media_address: fixed_media.unwrap_or(edge_default_ip),
                ring_before_answer: Duration::from_millis(u64::from(config.ring_before_answer_ms)),
                early_media: config.early_media,
                session_timers: kefu_calls::session_timer::TimerPolicy {
                    min_se: config.session_min_se_secs,
                    default_se: config.session_expires_secs,
                },
                node: config.node_name.clone(),
                ..CallSettings::default()
            },
            media_workers: 0,
            queue_update_every: Duration::from_secs(u64::from(config.queue_update_secs)),
            media_toward_caller: fixed_media.is_none(),
        },
    )
    .context("the SIP edge's requests were already taken")?;
    let registrations_stop = CancellationToken::new();
    let registrations = crate::registrations::start(
        state.clone(),
        edge.endpoint().clone(),
        registrations_stop.clone(),
    );
    Ok(Some(Telephony {
        edge,
        calls,
        registrations_stop,
        registrations: Some(registrations),
    }))
}

struct Services {
    state: AppState,
    /// The scope of each tenant's calls, as the inbound-route lookup minted it.
    scopes: Mutex<HashMap<TenantId, TenantScope>>,
    /// Digest challenges for credential trunks.
    nonces: Nonces,
}

impl Services {
    fn scope(&self, tenant: TenantId) -> Result<TenantScope, ServiceError> {
        self.scopes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tenant)
            .cloned()
            .ok_or_else(|| {
                ServiceError::NotConfigured(format!("no admitted call of tenant {tenant}"))
            })
    }
}

#[async_trait]
impl CallServices for Services {
    async fn route(&self, request: &InboundRequest) -> Result<Route, Refusal> {
        let refuse = |e: InboundRefusal| Refusal {
            status: e.sip_status(),
            reason: e.to_string(),
            challenge: None,
        };
        let challenge = |stale: bool, reason: &str| Refusal {
            status: 401,
            reason: reason.to_string(),
            challenge: Some(self.nonces.challenge(stale)),
        };
        let params = request
            .authorization
            .as_deref()
            .and_then(parse_authorization);
        // Credentials presented are held to the rules whichever trunk then admits the call:
        // computed for this Request-URI, on a nonce of ours, counted.
        let mut stale = false;
        let mut count = None;
        if let Some(p) = &params {
            if !p.is_for(&request.request_uri) {
                return Err(Refusal {
                    status: 403,
                    reason: "credentials computed for another Request-URI".into(),
                    challenge: None,
                });
            }
            count = Some(
                p.nonce_count()
                    .ok_or_else(|| refuse(InboundRefusal::BadCredentials))?,
            );
            match self.nonces.check(&p.nonce) {
                NonceCheck::Fresh => {}
                // Only a correct answer on a stale nonce earns `stale=true` (RFC 7616 §3.3):
                // the credentials are checked first.
                NonceCheck::Stale => stale = true,
                // Not ours (forged, or from before a restart): a new challenge.
                NonceCheck::Invalid => return Err(challenge(false, "unknown nonce")),
            }
        }
        let call = InboundCall {
            source: request.source,
            digest: params.as_ref().map(|p| p.answer("INVITE")),
            dialled: &request.dialled,
        };
        let route = match self.state.store.inbound_route(&call).await {
            Ok(route) => route,
            Err(InboundRefusal::UnknownSource) if params.is_none() => {
                let digest_trunks = self
                    .state
                    .store
                    .inbound_directory()
                    .await
                    .map(|d| d.accepts_credentials())
                    .unwrap_or(false);
                return Err(if digest_trunks {
                    challenge(false, "credentials required")
                } else {
                    refuse(InboundRefusal::UnknownSource)
                });
            }
            Err(e) => return Err(refuse(e)),
        };
        if let (Some(p), Some(count)) = (&params, count) {
            if stale {
                return Err(challenge(true, "stale nonce"));
            }
            match self.nonces.record_use(&p.nonce, count) {
                NonceUse::Accepted => {}
                NonceUse::Replayed => {
                    return Err(challenge(
                        false,
                        "replayed credentials (nonce count not above the last)",
                    ));
                }
                NonceUse::Stale => return Err(challenge(true, "stale nonce")),
                NonceUse::Full => {
                    tracing::warn!(
                        "the table of used digest nonces is full: refusing authenticated calls"
                    );
                    return Err(Refusal {
                        status: 503,
                        reason: "too many digest nonces in use".into(),
                        challenge: None,
                    });
                }
            }
        }
        self.scopes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(route.tenant, route.scope().clone());
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
        let scope = self
            .scope(tenant)
            .map_err(|e| IvrError::Unavailable(e.to_string()))?;
        let running = self
            .state
            .runtime
            .installation(&scope, installation)
            .await
            .map_err(|p| IvrError::Unavailable(p.detail))?;
        Ok(Box::new(crate::ivr_v0_1::PluginSession {
            host: self.state.runtime.host().clone(),
            plugin: running.plugin.clone(),
            installation: running.installation.clone(),
        }))
    }

    async fn outbound_trunk(&self, tenant: TenantId) -> Result<OutboundTrunk, ServiceError> {
        let scope = self.scope(tenant)?;
        let (trunk, credentials) = self
            .state
            .store
            .outbound_route(&scope)
            .await
            .map_err(|e| ServiceError::Storage(e.to_string()))?
            .ok_or_else(|| {
                ServiceError::NotConfigured("the tenant has no outbound trunk".into())
            })?;
        let credentials = credentials.map(|c| (c.username, c.password));
        let host = if trunk.proxy_host.contains(':') && !trunk.proxy_host.starts_with('[') {
            format!("[{}]", trunk.proxy_host)
        } else {
            trunk.proxy_host.clone()
        };
        Ok(OutboundTrunk {
            id: trunk.id.to_string(),
            proxy: format!("{host}:{}", trunk.proxy_port),
            credentials,
            caller_id: trunk.caller_id.map(|n| n.to_string()),
        })
    }

    async fn tenant_prompt(&self, tenant: TenantId, name: &str) -> Option<Vec<u8>> {
        let scope = self.scope(tenant).ok()?;
        let key = crate::api::prompts::prompt_key(&scope, name).ok()?;
        match self.state.objects.get(&key).await {
            Ok(found) => found.map(|bytes| bytes.to_vec()),
            Err(e) => {
                tracing::warn!(%tenant, prompt = name, error = %e, "reading a tenant prompt failed");
                None
            }
        }
    }

    async fn routing(&self, tenant: TenantId) -> Result<Routing, ServiceError> {
        let scope = self.scope(tenant)?;
        let (_, doc) = routing::load(&self.state, &scope)
            .await
            .map_err(|p| ServiceError::Unusable(p.detail))?;
        // Agents with a routing profile. Agents without one are added by the softphone issue,
        // when agents can answer (the trunk's scope may not list users).
        let call_takers: Vec<kefu_core::AgentId> = Vec::new();
        Ok(Routing {
            config: doc.tenant_config(&scope, &call_takers),
            skills: doc.skills.iter().map(|s| (s.name.clone(), s.id)).collect(),
        })
    }

    async fn store_voicemail(&self, voicemail: NewVoicemail) -> Result<(), ServiceError> {
        let storage = |e: &dyn std::fmt::Display| ServiceError::Storage(e.to_string());
        let scope = self.scope(voicemail.tenant)?;
        let id = VoicemailId::new();
        let key = kefu_store::voicemails::voicemail_key(&scope, &id).map_err(|e| storage(&e))?;
        let size = voicemail.wav.len() as i64;
        self.state
            .objects
            .put(&key, Bytes::from(voicemail.wav), "audio/wav")
            .await
            .map_err(|e| storage(&e))?;
        self.state
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
            .await
            .map_err(|e| storage(&e))?;
        Ok(())
    }

    async fn emit(&self, tenant: TenantId, event: kefu_core::DomainEvent) {
        match self.scope(tenant) {
            Ok(scope) => self.state.events.emit(&scope, event).await,
            Err(why) => {
                // Every call's tenant was admitted (and its scope kept) before the call began.
                metrics::counter!("kefu_events_dropped_total").increment(1);
                tracing::error!(tenant_id = %tenant, event = event.name(), %why, "a call event without its tenant's scope");
            }
        }
    }
}

impl Drop for Telephony {
    fn drop(&mut self) {
        // Without a graceful stop the registrations end with the edge (no unregistration).
        self.registrations_stop.cancel();
    }
}
