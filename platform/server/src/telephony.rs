//! Telephony in the server: starts the SIP edge and the call service, and gives calls what they
//! need from the platform ([`CallServices`]): the edge lookup (trunk + number → tenant and
//! entry), the number's IVR installation, the tenant's routing for its ACD engine, and where
//! voicemails and call records are kept.
//!
//! The tenant scope a call runs with is the one the inbound-route lookup minted when it admitted
//! the trunk (the authentication point for calls); it is kept per tenant for the later steps of
//! that tenant's calls and never minted here.
//!
//! Call records go through a bounded queue to a writer that stores them in batches (one commit
//! per batch, not per call, keeps call setup off the database under load). A full queue makes
//! the ending call wait for room rather than lose its record; a failed batch is retried and
//! then written record by record, so one bad record costs only itself.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use kefu_calls::{
    CallEvent, CallRecord, CallService, CallServiceConfig, CallServices, CallSettings, Entry,
    InboundRequest, IvrSession, NewVoicemail, OutboundTrunk, Refusal, Route, Routing,
};
use kefu_core::{TenantId, TenantScope, VoicemailId};
use kefu_media::driver::{PortPool, PortRange};
use kefu_media::tts::{Tts, TtsConfig};
use kefu_plugin_host::ivr::{Action, Event};
use kefu_plugin_host::{CallContext, Installation, Outcome, Plugin, PluginHost};
use kefu_sip::edge::{SipEdge, SipEdgeConfig};
use kefu_sip::limits::{BucketConfig, RateLimitConfig};
use kefu_store::inbound_route::{InboundCall, InboundRefusal};
use kefu_store::Store;
use kefu_store::call_records::NewCallRecord;
use kefu_store::numbers::NumberEntry;
use kefu_sip::rsipstack::platform::CancellationToken;
use tokio::sync::mpsc;

use crate::call_events::CallEvents;
use crate::routing;
use crate::sip_auth::{NonceCheck, Nonces, digest_answer, parse_authorization};
use crate::state::AppState;

/// The running SIP edge and call service. Dropping it stops both.
pub struct Telephony {
    /// The edge (its bound addresses).
    pub edge: SipEdge,
    /// The call service (its counters).
    pub calls: CallService,
    /// Call records queued or being written.
    records_pending: Arc<AtomicUsize>,
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

    /// Waits (at most `within`) until every call record handed to the writer is stored;
    /// returns how many are still pending. For a graceful stop.
    pub async fn drain_records(&self, within: Duration) -> usize {
        let until = tokio::time::Instant::now() + within;
        loop {
            let pending = self.records_pending.load(Ordering::SeqCst);
            if pending == 0 || tokio::time::Instant::now() >= until {
                return pending;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
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
    let media_address: IpAddr = config.media_address()?;
    let (first, last) = config.rtp_port_range()?;
    let range = PortRange::new(first, last)
        .map_err(|e| anyhow::anyhow!("configuration: key `rtp_ports`: {e}"))?;
    let bind_ip: IpAddr = if media_address.is_loopback() {
        media_address
    } else {
        IpAddr::from([0, 0, 0, 0])
    };
    let ports = PortPool::new(bind_ip, range);
    let mut limits = RateLimitConfig::default();
    let per_sec = f64::from(config.sip_invites_per_source_per_sec);
    limits.invite = BucketConfig {
        per_second: per_sec,
        burst: per_sec * 2.0,
        drop_after: per_sec * 2.0,
    };
    let mut edge = SipEdge::start(SipEdgeConfig {
        listen,
        rate_limits: limits,
        ..SipEdgeConfig::default()
    })
    .await
    .with_context(|| format!("starting the SIP edge on {listen} (key `sip_listen`)"))?;
    let tts = Arc::new(Tts::new(TtsConfig {
        disk_cache: Some(config.data_dir.join("tts-cache")),
        ..TtsConfig::default()
    }));
    let records_pending = Arc::new(AtomicUsize::new(0));
    let services = Arc::new(Services {
        state: state.clone(),
        scopes: Mutex::default(),
        records: spawn_record_writer(state.store.clone(), records_pending.clone()),
        records_pending: records_pending.clone(),
        events: CallEvents::start(state.clone()),
        nonces: Nonces::new(),
    });
    let calls = CallService::start(
        &mut edge,
        ports,
        tts,
        services,
        CallServiceConfig {
            call: CallSettings {
                media_address,
                ring_before_answer: Duration::from_millis(u64::from(config.ring_before_answer_ms)),
                early_media: config.early_media,
                session_timers: kefu_calls::session_timer::TimerPolicy {
                    min_se: config.session_min_se_secs,
                    default_se: config.session_expires_secs,
                },
                ..CallSettings::default()
            },
            media_workers: 0,
            queue_update_every: Duration::from_secs(u64::from(config.queue_update_secs)),
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
        records_pending,
        registrations_stop,
        registrations: Some(registrations),
    }))
}

struct Services {
    state: AppState,
    /// The scope of each tenant's calls, as the inbound-route lookup minted it.
    scopes: Mutex<HashMap<TenantId, TenantScope>>,
    /// Call events to the tenants' integration plugins.
    events: CallEvents,
    /// Digest challenges for credential trunks.
    nonces: Nonces,
    /// Call records on their way to the writer.
    records: mpsc::Sender<(TenantScope, NewCallRecord)>,
    /// Records sent and not yet written.
    records_pending: Arc<AtomicUsize>,
}

/// Call records waiting for the writer; an ending call waits for room beyond this.
const RECORD_QUEUE: usize = 10_000;
/// Most call records in one insert.
const RECORD_BATCH: usize = 100;
/// Attempts at writing a batch before it is written record by record.
const RECORD_ATTEMPTS: u32 = 3;

/// The writer task storing call records in batches; it ends when the sender is gone, after
/// writing everything queued.
fn spawn_record_writer(
    store: Store,
    pending: Arc<AtomicUsize>,
) -> mpsc::Sender<(TenantScope, NewCallRecord)> {
    let (tx, mut rx) = mpsc::channel(RECORD_QUEUE);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(RECORD_BATCH);
        while rx.recv_many(&mut batch, RECORD_BATCH).await > 0 {
            write_records(&store, &batch).await;
            pending.fetch_sub(batch.len(), Ordering::SeqCst);
            batch.clear();
        }
    });
    tx
}

async fn write_records(store: &Store, batch: &[(TenantScope, NewCallRecord)]) {
    let mut wait = Duration::from_millis(50);
    for attempt in 1..=RECORD_ATTEMPTS {
        match store.record_calls(batch).await {
            Ok(_) => return,
            // Invalid data will not get better by waiting: find the bad record now.
            Err(kefu_store::StoreError::Invalid { .. }) => break,
            Err(e) => {
                tracing::warn!(attempt, records = batch.len(), error = %e, "writing call records failed");
                if attempt < RECORD_ATTEMPTS {
                    tokio::time::sleep(wait).await;
                    wait *= 4;
                }
            }
        }
    }
    for (scope, record) in batch {
        if let Err(e) = store.record_call(scope, record).await {
            metrics::counter!("kefu_call_records_failed_total").increment(1);
            tracing::error!(call = %record.id, error = %e, "writing the call record failed");
        }
    }
}

impl Services {
    fn scope(&self, tenant: TenantId) -> Result<TenantScope, String> {
        self.scopes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tenant)
            .cloned()
            .ok_or_else(|| format!("no admitted call of tenant {tenant}"))
    }
}

struct PluginSession {
    host: PluginHost,
    plugin: Arc<Plugin>,
    installation: Arc<Installation>,
}

#[async_trait]
impl IvrSession for PluginSession {
    async fn on_event(
        &mut self,
        context: &CallContext,
        event: &Event,
    ) -> Result<Vec<Action>, String> {
        let call = self
            .host
            .ivr_on_event(&self.plugin, &self.installation, context, event)
            .await;
        match call.output {
            Some(Ok(actions)) => Ok(actions),
            Some(Err(e)) => Err(format!("plugin error: {}", e.message)),
            None => Err(match &call.invocation.outcome {
                Outcome::Trapped(trap) => format!("plugin trapped: {trap:?}"),
                Outcome::Rejected(rejection) => format!("plugin call refused: {rejection:?}"),
                Outcome::Returned(_) => "the plugin's answer was refused".into(),
            }),
        }
    }
}

fn to_utc(t: std::time::SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
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
        if let Some(p) = &params {
            match self.nonces.check(&p.nonce) {
                NonceCheck::Fresh => {}
                NonceCheck::Stale => return Err(challenge(true, "stale nonce")),
                NonceCheck::Invalid => return Err(refuse(InboundRefusal::BadCredentials)),
            }
        }
        let call = InboundCall {
            source: request.source,
            digest: params.as_ref().map(|p| digest_answer(p, "INVITE")),
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
        })
    }

    async fn ivr_session(
        &self,
        tenant: TenantId,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, String> {
        let scope = self.scope(tenant)?;
        let running = self
            .state
            .runtime
            .installation(&scope, installation)
            .await
            .map_err(|p| p.detail)?;
        Ok(Box::new(PluginSession {
            host: self.state.runtime.host().clone(),
            plugin: running.plugin.clone(),
            installation: running.installation.clone(),
        }))
    }

    async fn outbound_trunk(&self, tenant: TenantId) -> Result<OutboundTrunk, String> {
        let scope = self.scope(tenant)?;
        let (trunk, credentials) = self
            .state
            .store
            .outbound_route(&scope)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the tenant has no outbound trunk".to_string())?;
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

    async fn routing(&self, tenant: TenantId) -> Result<Routing, String> {
        let scope = self.scope(tenant)?;
        let (_, doc) = routing::load(&self.state, &scope)
            .await
            .map_err(|p| p.detail)?;
        // Agents with a routing profile. Agents without one are added by the softphone issue,
        // when agents can answer (the trunk's scope may not list users).
        let call_takers: Vec<kefu_core::AgentId> = Vec::new();
        Ok(Routing {
            config: doc.tenant_config(&scope, &call_takers),
            skills: doc.skills.iter().map(|s| (s.name.clone(), s.id)).collect(),
        })
    }

    async fn store_voicemail(&self, voicemail: NewVoicemail) -> Result<(), String> {
        let scope = self.scope(voicemail.tenant)?;
        let id = VoicemailId::new();
        let key = kefu_store::voicemails::voicemail_key(&scope, &id).map_err(|e| e.to_string())?;
        let size = voicemail.wav.len() as i64;
        self.state
            .objects
            .put(&key, Bytes::from(voicemail.wav), "audio/wav")
            .await
            .map_err(|e| e.to_string())?;
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
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn record_call(&self, record: CallRecord) {
        let Ok(scope) = self.scope(record.tenant) else {
            return;
        };
        let new = NewCallRecord {
            id: record.id,
            direction: "inbound".into(),
            caller: record.caller,
            dialled: record.route.number.clone(),
            did: record.route.did.parse().ok(),
            trunk: record.route.trunk.parse().ok(),
            entry: serde_json::to_value(&record.route.entry).ok(),
            sip_call_id: record.sip_call_id,
            started_at: to_utc(record.started_at),
            answered_at: record.answered_at.map(to_utc),
            ended_at: to_utc(record.ended_at),
            disposition: record.disposition.as_str().into(),
            hangup_by: record.hangup_by.as_str().into(),
            ivr_path: record.ivr_path,
            queue: record.queue,
            queue_wait_ms: record.queue_wait_ms.map(|ms| ms as i64),
            call_data: record.call_data,
            media: serde_json::to_value(record.media).unwrap_or_default(),
            reason: record.reason,
        };
        self.records_pending.fetch_add(1, Ordering::SeqCst);
        if self.records.send((scope, new)).await.is_err() {
            self.records_pending.fetch_sub(1, Ordering::SeqCst);
            tracing::error!(call = %record.id, "the call record writer has stopped");
        }
    }

    fn publish(&self, event: CallEvent) {
        if let Ok(scope) = self.scope(event.tenant) {
            self.events.publish(scope, event);
        }
    }
}

impl Drop for Telephony {
    fn drop(&mut self) {
        // Without a graceful stop the registrations end with the edge (no unregistration).
        self.registrations_stop.cancel();
    }
}
