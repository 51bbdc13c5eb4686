//! Registration with carriers, the policy half: every outbound trunk with `register` on keeps a
//! REGISTER binding at its proxy (the SIP half, refreshes and retries, is
//! `kefu_sip::registration`).
//!
//! One task reconciles the trunks every [`RECONCILE`] and on start: a new trunk starts
//! registering, a changed one (proxy, transport, credentials, expiry) starts again, a removed
//! or switched-off one unregisters (`Expires: 0`). The state of each binding (registering,
//! registered until, failed and why) is kept in [`RegistrationStatuses`] for the trunk API and
//! admin page. Never logs credentials.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kefu_sip::Stop;
use kefu_sip::registration::{self, Binding, Credentials, Outcome, Registrar};
use kefu_store::Store;
use kefu_store::outbound_trunks::{OutboundRegistration, Transport};
use serde::{Deserialize, Serialize};

/// How often the trunks are read again.
pub const RECONCILE: Duration = Duration::from_secs(5);

/// Where one trunk's registration stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

struct Running {
    binding: Binding,
    stop: Stop,
    task: tokio::task::JoinHandle<()>,
}

/// The binding a trunk asks for: a change of any of it restarts the registration.
fn binding_of(reg: &OutboundRegistration) -> Binding {
    let t = &reg.trunk;
    let transport = match t.transport {
        Transport::Udp => registration::Transport::Udp,
        Transport::Tcp => registration::Transport::Tcp,
    };
    Binding {
        registrar: registration::registrar_uri(&t.proxy_host, t.proxy_port, transport),
        credentials: reg.credentials.as_ref().map(|c| Credentials {
            username: c.username.clone(),
            password: c.password.clone(),
        }),
        expiry_secs: t.register.expiry_secs,
    }
}

fn set(statuses: &RegistrationStatuses, trunk: &str, status: RegistrationStatus) {
    statuses
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(trunk.to_owned(), status);
}

/// Starts the reconciling task. Stopping `stop` unregisters every trunk; the task ends once
/// they are done (each unregistration is bounded).
pub fn start(
    store: Store,
    statuses: RegistrationStatuses,
    registrar: Registrar,
    stop: Stop,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut running: HashMap<String, Running> = HashMap::new();
        loop {
            match store.outbound_registrations().await {
                Ok(trunks) => reconcile(&statuses, &registrar, &mut running, trunks),
                Err(e) => tracing::warn!(error = %e, "reading trunks to register failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RECONCILE) => {}
                _ = stop.stopped() => break,
            }
        }
        for (_, r) in running.drain() {
            r.stop.stop();
            let _ = r.task.await;
        }
    })
}

fn reconcile(
    statuses: &RegistrationStatuses,
    registrar: &Registrar,
    running: &mut HashMap<String, Running>,
    trunks: Vec<OutboundRegistration>,
) {
    let wanted: HashMap<String, OutboundRegistration> = trunks
        .into_iter()
        .map(|reg| (reg.trunk.id.to_string(), reg))
        .collect();
    // Stop what is gone or changed (a changed trunk's new binding waits for the old one to be
    // taken down, so the unregistration cannot remove the new binding).
    let mut replaced: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    let ids: Vec<String> = running.keys().cloned().collect();
    for id in ids {
        let current = wanted.get(&id).is_some_and(|reg| {
            running
                .get(&id)
                .is_some_and(|r| r.binding == binding_of(reg))
        });
        if current {
            continue;
        }
        if let Some(r) = running.remove(&id) {
            r.stop.stop();
            if wanted.contains_key(&id) {
                replaced.insert(id.clone(), r.task);
            } else {
                statuses
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
            }
        }
    }
    for (id, reg) in wanted {
        if running.contains_key(&id) {
            continue;
        }
        let binding = binding_of(&reg);
        let stop = Stop::new();
        let previous = replaced.remove(&id);
        let (statuses, registrar) = (statuses.clone(), registrar.clone());
        let (trunk, task_binding, task_stop) = (id.clone(), binding.clone(), stop.clone());
        let tenant = reg.tenant;
        let task = tokio::spawn(async move {
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            keep_registered(statuses, registrar, tenant, trunk, task_binding, task_stop).await;
        });
        running.insert(
            id,
            Running {
                binding,
                stop,
                task,
            },
        );
    }
}

/// Registers one trunk until `stop`, then unregisters it; its status follows every attempt.
async fn keep_registered(
    statuses: RegistrationStatuses,
    registrar: Registrar,
    tenant: kefu_core::TenantId,
    trunk: String,
    binding: Binding,
    stop: Stop,
) {
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
    let kept = registrar
        .keep_registered(&binding, &stop, |outcome| {
            let now = Utc::now();
            let status = match outcome {
                Outcome::Registered { granted_secs } => {
                    tracing::debug!(%tenant, trunk = %trunk, granted_secs, "registered with the carrier");
                    RegistrationStatus {
                        state: "registered".into(),
                        detail: None,
                        expires_at: Some(now + chrono::Duration::seconds(i64::from(granted_secs))),
                        last_attempt_at: Some(now),
                    }
                }
                Outcome::Rejected { status } => {
                    tracing::warn!(%tenant, trunk = %trunk, %status, "the carrier refused the registration");
                    RegistrationStatus {
                        state: "failed".into(),
                        detail: Some(format!("the carrier answered {status}")),
                        expires_at: None,
                        last_attempt_at: Some(now),
                    }
                }
                Outcome::Failed { error } => {
                    tracing::warn!(%tenant, trunk = %trunk, %error, "registering with the carrier failed");
                    RegistrationStatus {
                        state: "failed".into(),
                        detail: Some(error),
                        expires_at: None,
                        last_attempt_at: Some(now),
                    }
                }
            };
            set(&statuses, &trunk, status);
        })
        .await;
    if let Err(e) = kept {
        set(
            &statuses,
            &trunk,
            RegistrationStatus {
                state: "failed".into(),
                detail: Some(e.to_string()),
                expires_at: None,
                last_attempt_at: Some(Utc::now()),
            },
        );
    }
}
