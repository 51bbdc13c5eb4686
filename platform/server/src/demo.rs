//! The demo tenant: on first start, a company `demo` with an admin, a supervisor and two
//! agents, so a newcomer can log in at once; a `Support` queue, an inbound trunk admitting
//! calls from this machine (127.0.0.1 and ::1) and the number [`NUMBER`] ringing that queue. Passwords are random per installation, printed
//! once and kept in `<data_dir>/demo-credentials.json` (owner-readable only).

use std::path::Path;

use anyhow::Context;
use kefu_acd::config::{AgentProfile, QueueConfig};
use kefu_core::{E164, QueueId, Role, TenantScope};
use kefu_store::inbound_trunks::{DigestChange, InboundTrunkInput};
use kefu_store::numbers::{NumberEntry, NumberInput};
use kefu_store::users::NewUser;
use serde::{Deserialize, Serialize};

use crate::auth::{Auth, hash_password, new_secret};
use crate::state::AppState;

/// The demo tenant's slug.
pub const SLUG: &str = "demo";

/// The demo tenant's phone number (a fictional North American 555 number).
pub const NUMBER: &str = "+15555550100";

/// One demo login.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoLogin {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Role.
    pub role: Role,
}

/// The demo logins, as written to `demo-credentials.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCredentials {
    /// Tenant slug (`demo`).
    pub tenant: String,
    /// Logins.
    pub users: Vec<DemoLogin>,
    /// The number that rings the demo queue from a local SIP client.
    #[serde(default)]
    pub number: String,
}

const USERS: [(&str, &str, Role); 4] = [
    ("admin@demo.kefu.test", "Ada Admin", Role::Admin),
    (
        "supervisor@demo.kefu.test",
        "Sam Supervisor",
        Role::Supervisor,
    ),
    ("agent1@demo.kefu.test", "Alex Agent", Role::Agent),
    ("agent2@demo.kefu.test", "Bo Agent", Role::Agent),
];

fn password() -> String {
    // 16 URL-safe characters from 256 random bits: easy to copy, far beyond guessing.
    new_secret("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect()
}

/// Create the demo tenant if it does not exist yet. Returns the logins when it was created.
pub async fn ensure(state: &AppState) -> anyhow::Result<Option<DemoCredentials>> {
    if state.store.tenant_by_slug(SLUG).await?.is_some() {
        return Ok(None);
    }
    let mut logins = Vec::new();
    let (admin_email, admin_name, admin_role) = USERS[0];
    let admin_password = password();
    let (tenant, admin) = state
        .store
        .create_tenant_with_owner(
            "Demo Contact Center",
            SLUG,
            NewUser {
                email: admin_email,
                name: admin_name,
                role: admin_role,
                password_hash: Some(hash_password(admin_password.clone()).await?),
            },
        )
        .await?;
    anyhow::ensure!(tenant.slug == SLUG, "the demo slug was taken concurrently");
    logins.push(DemoLogin {
        email: admin_email.into(),
        password: admin_password,
        role: admin_role,
    });
    let scope = Auth::scope_for(&state.store.credential(tenant.id, admin.id).await?);
    let mut call_takers = Vec::new();
    for (email, name, role) in &USERS[1..] {
        let pw = password();
        let user = state
            .store
            .create_user(
                &scope,
                NewUser {
                    email,
                    name,
                    role: *role,
                    password_hash: Some(hash_password(pw.clone()).await?),
                },
            )
            .await?;
        call_takers.push(crate::routing::agent_of(user.id));
        logins.push(DemoLogin {
            email: (*email).into(),
            password: pw,
            role: *role,
        });
    }
    telephony(state, &scope, &call_takers).await?;
    let creds = DemoCredentials {
        tenant: SLUG.into(),
        users: logins,
        number: NUMBER.into(),
    };
    write_credentials(&state.config.data_dir, &creds).await?;
    Ok(Some(creds))
}

/// The `Support` queue (which every call taker can answer: it needs no skills), routing
/// profiles for the agents and the supervisor, two not-ready reasons (lunch, training), a local
/// inbound trunk and the demo number pointing at the queue.
async fn telephony(
    state: &AppState,
    scope: &TenantScope,
    call_takers: &[kefu_core::AgentId],
) -> anyhow::Result<()> {
    let queue: QueueConfig = serde_json::from_value(serde_json::json!({
        "id": QueueId::new(), "name": "Support",
        "service_level": {"percent": 80, "within": 20000},
        "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000,
    }))?;
    let queue_id = queue.id;
    crate::routing::update(state, scope, |doc| {
        doc.queues.push(queue.clone());
        doc.agents.extend(call_takers.iter().map(|id| AgentProfile {
            id: *id,
            skills: Vec::new(),
        }));
        doc.reason_codes
            .extend(
                [("lunch", "Lunch break"), ("training", "Training")].map(|(code, label)| {
                    crate::routing::ReasonCodeDef {
                        code: code.into(),
                        label: label.into(),
                    }
                }),
            );
        Ok(crate::routing::Edit {
            result: (),
            action: "queue.created",
            target: queue.id.to_string(),
            focus: None,
        })
    })
    .await
    .map_err(|p| anyhow::anyhow!("creating the demo queue: {}", p.detail))?;
    let trunk = state
        .store
        .create_inbound_trunk(
            scope,
            &InboundTrunkInput {
                name: "This machine".into(),
                enabled: true,
                sources: vec!["127.0.0.1/32".parse()?, "::1/128".parse()?],
                digest: DigestChange::None,
            },
        )
        .await?;
    state
        .store
        .create_number(
            scope,
            &NumberInput {
                number: E164::parse(NUMBER)?,
                label: "Demo support line".into(),
                entry: NumberEntry::Queue { queue: queue_id },
                fallback_queue: None,
                trunks: vec![trunk.id],
            },
        )
        .await?;
    Ok(())
}

async fn write_credentials(dir: &Path, creds: &DemoCredentials) -> anyhow::Result<()> {
    let path = dir.join("demo-credentials.json");
    tokio::fs::write(&path, serde_json::to_vec_pretty(creds)?)
        .await
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).await?;
    }
    Ok(())
}
