//! Registration with carriers: every outbound trunk with `register` on keeps a REGISTER binding
//! at its proxy (digest credentials answered from the trunk), refreshed at 75 % of the expiry
//! the registrar grants, retried with a backoff (1 s doubling to 60 s) when it fails.
//!
//! One task reconciles the trunks every [`RECONCILE`] and on start: a new trunk starts
//! registering, a changed one (proxy, transport, credentials, expiry) starts again, a removed
//! or switched-off one unregisters (`Expires: 0`). The state of each binding (registering,
//! registered until, failed and why) is kept for the trunk API and admin page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kefu_sip::rsipstack::dialog::authenticate::Credential;
use kefu_sip::rsipstack::dialog::registration::{RefreshOutcome, Registration};
use kefu_sip::rsipstack::platform::CancellationToken;
use kefu_sip::rsipstack::sip::Uri;
use kefu_sip::rsipstack::transaction::endpoint::EndpointInnerRef;
use kefu_store::outbound_trunks::{OutboundRegistration, Transport};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::state::AppState;

/// How often the trunks are read again.
pub const RECONCILE: Duration = Duration::from_secs(5);

/// Where one trunk's registration stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegistrationStatus {
    /// `registering`, `registered` or `failed`.
    pub state: String,
    /// Why the last attempt failed (the carrier's status, or the network error).
    pub detail: Option<String>,
    /// When the binding runs out, if registered.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the last attempt finished.
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// Registration states by trunk id.
pub type RegistrationStatuses = Arc<Mutex<HashMap<String, RegistrationStatus>>>;

/// What a binding was started from: a change restarts it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    server: String,
    username: Option<String>,
    password: Option<String>,
    expiry: u32,
}

struct Running {
    key: Key,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

/// The request-URI a trunk registers at: `sip:host:port` (with `;transport=tcp` for TCP).
fn server_uri(reg: &OutboundRegistration) -> String {
    let t = &reg.trunk;
    let host = if t.proxy_host.contains(':') && !t.proxy_host.starts_with('[') {
        format!("[{}]", t.proxy_host)
    } else {
        t.proxy_host.clone()
    };
    match t.transport {
        Transport::Udp => format!("sip:{host}:{}", t.proxy_port),
        Transport::Tcp => format!("sip:{host}:{};transport=tcp", t.proxy_port),
    }
}

fn set(statuses: &RegistrationStatuses, trunk: &str, status: RegistrationStatus) {
    statuses
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(trunk.to_owned(), status);
}

/// Starts the reconciling task. Cancelling `stop` unregisters every trunk; the task ends once
/// they are done (each unregistration is bounded to 5 s).
pub fn start(
    state: AppState,
    endpoint: EndpointInnerRef,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut running: HashMap<String, Running> = HashMap::new();
        loop {
            match state.store.outbound_registrations().await {
                Ok(trunks) => reconcile(&state, &endpoint, &mut running, trunks),
                Err(e) => tracing::warn!(error = %e, "reading trunks to register failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RECONCILE) => {}
                _ = stop.cancelled() => break,
            }
        }
        for (_, r) in running.drain() {
            r.stop.cancel();
            let _ = r.task.await;
        }
    })
}

fn reconcile(
    state: &AppState,
    endpoint: &EndpointInnerRef,
    running: &mut HashMap<String, Running>,
    trunks: Vec<OutboundRegistration>,
) {
    let mut wanted: HashMap<String, (Key, OutboundRegistration)> = HashMap::new();
    for reg in trunks {
        let key = Key {
            server: server_uri(&reg),
            username: reg.credentials.as_ref().map(|c| c.username.clone()),
            password: reg.credentials.as_ref().map(|c| c.password.clone()),
            expiry: reg.trunk.register.expiry_secs,
        };
        wanted.insert(reg.trunk.id.to_string(), (key, reg));
    }
    // Stop what is gone or changed (a changed trunk's new binding waits for the old one to be
    // taken down, so the unregistration cannot remove the new binding).
    let mut replaced: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    let ids: Vec<String> = running.keys().cloned().collect();
    for id in ids {
        let current = wanted
            .get(&id)
            .is_some_and(|(key, _)| running.get(&id).is_some_and(|r| r.key == *key));
        if current {
            continue;
        }
        if let Some(r) = running.remove(&id) {
            r.stop.cancel();
            if wanted.contains_key(&id) {
                replaced.insert(id.clone(), r.task);
            } else {
                state
                    .registrations
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
            }
        }
    }
    for (id, (key, reg)) in wanted {
        if running.contains_key(&id) {
            continue;
        }
        let stop = CancellationToken::new();
        let previous = replaced.remove(&id);
        let statuses = state.registrations.clone();
        let endpoint = endpoint.clone();
        let (trunk, task_key, task_stop) = (id.clone(), key.clone(), stop.clone());
        let task = tokio::spawn(async move {
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            keep_registered(statuses, endpoint, trunk, task_key, reg, task_stop).await;
        });
        running.insert(id, Running { key, stop, task });
    }
}

/// Registers one trunk until `stop`, then unregisters it.
async fn keep_registered(
    statuses: RegistrationStatuses,
    endpoint: EndpointInnerRef,
    trunk: String,
    key: Key,
    reg: OutboundRegistration,
    stop: CancellationToken,
) {
    let server = match Uri::try_from(key.server.as_str()) {
        Ok(uri) => uri,
        Err(e) => {
            set(
                &statuses,
                &trunk,
                RegistrationStatus {
                    state: "failed".into(),
                    detail: Some(format!("the proxy is not a SIP address: {e}")),
                    expires_at: None,
                    last_attempt_at: Some(Utc::now()),
                },
            );
            return;
        }
    };
    set(
        &statuses,
        &trunk,
        RegistrationStatus {
            state: "registering".into(),
            detail: None,
            expires_at: None,
            last_attempt_at: None,
        },
    );
    let credential = reg.credentials.map(|c| Credential {
        username: c.username,
        password: c.password,
        realm: None,
        auth_username: None,
    });
    let mut registration = Registration::new(endpoint, credential);
    let tenant = reg.tenant;
    registration
        .keep_alive(server.clone(), key.expiry, stop.clone(), |outcome| {
            let now = Utc::now();
            let status = match outcome {
                RefreshOutcome::Registered(response) => {
                    let granted = expires_of(response).unwrap_or(key.expiry);
                    tracing::debug!(%tenant, trunk = %trunk, granted, "registered with the carrier");
                    RegistrationStatus {
                        state: "registered".into(),
                        detail: None,
                        expires_at: Some(now + chrono::Duration::seconds(i64::from(granted))),
                        last_attempt_at: Some(now),
                    }
                }
                RefreshOutcome::Rejected(response) => {
                    tracing::warn!(%tenant, trunk = %trunk, status = %response.status_code, "the carrier refused the registration");
                    RegistrationStatus {
                        state: "failed".into(),
                        detail: Some(format!("the carrier answered {}", response.status_code)),
                        expires_at: None,
                        last_attempt_at: Some(now),
                    }
                }
                RefreshOutcome::Failed(e) => {
                    tracing::warn!(%tenant, trunk = %trunk, error = %e, "registering with the carrier failed");
                    RegistrationStatus {
                        state: "failed".into(),
                        detail: Some(e.to_string()),
                        expires_at: None,
                        last_attempt_at: Some(now),
                    }
                }
            };
            set(&statuses, &trunk, status);
        })
        .await;
    // Stopped: take the binding down (best effort, bounded).
    let unregister = registration.register(server, Some(0));
    if tokio::time::timeout(Duration::from_secs(5), unregister)
        .await
        .is_err()
    {
        tracing::debug!(trunk = %trunk, "unregistering timed out");
    }
}

/// The expiry a 200 grants: its `Expires` header, or the Contact's `expires` parameter.
fn expires_of(response: &kefu_sip::rsipstack::sip::Response) -> Option<u32> {
    response.headers.iter().find_map(|h| {
        let name = h.name();
        let value = h.value();
        if name.eq_ignore_ascii_case("Expires") {
            value.trim().parse().ok()
        } else if name.eq_ignore_ascii_case("Contact") || name.eq_ignore_ascii_case("m") {
            value.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("expires")
                    .then(|| v.trim().parse().ok())
                    .flatten()
            })
        } else {
            None
        }
    })
}
