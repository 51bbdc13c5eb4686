//! `kefu-plugin replay`: fetch a recorded invocation and the exact component that ran
//! (checked by its SHA-256), and re-run it in the embedded host, with host calls answered
//! from the record (default) or live; or ask the server to replay it.

use std::sync::Arc;

use anyhow::{Context, bail};
use kefu_core::TenantId;
use kefu_plugin_host::{HostAnswers, Installation, Invocation, Manifest, MemoryLog};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::api::Api;
use crate::project::local_host;
use crate::remote::{installations, publisher_of, query_value, versions};
use crate::verdict::{describe_outcome, invocation_differences};

/// A recorded invocation as the server returns it.
#[derive(Debug, Deserialize)]
struct Recorded {
    id: String,
    installation_id: String,
    invocation: Invocation,
}

/// What a replay found.
pub struct ReplayReport {
    /// The text to print.
    pub text: String,
    /// Whether the replay matched the record.
    pub identical: bool,
}

/// Checks an id before it goes into a URL path.
pub fn check_id(id: &str) -> anyhow::Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(crate::usage(format!("`{id}` is not an invocation id")))
    }
}

/// Replays invocation `id` locally.
pub async fn local(api: &Api, id: &str, answers: HostAnswers) -> anyhow::Result<ReplayReport> {
    check_id(id)?;
    let recorded: Recorded = api
        .get(&format!("api/v1/plugin-invocations/{id}"))
        .await
        .with_context(|| format!("fetching invocation {id}"))?;
    let invocation = &recorded.invocation;
    let (name, version) = (&invocation.plugin, invocation.version.to_string());
    let installation = installations(api)
        .await?
        .into_iter()
        .find(|i| i.id == recorded.installation_id);
    let publisher = publisher_of(
        api,
        name,
        &version,
        installation.as_ref().map(|i| i.publisher.as_str()),
    )
    .await?;
    let listed = versions(api)
        .await?
        .into_iter()
        .find(|v| v.publisher == publisher && &v.name == name && v.version == version)
        .with_context(|| {
            format!("{name}@{version} (publisher {publisher}) is no longer visible to you")
        })?;
    let manifest: Manifest = serde_json::from_value(listed.manifest.clone())
        .context("the published manifest does not parse")?;
    let wasm = api
        .get_bytes(
            &format!(
                "api/v1/plugin-versions/{}/{}/{}/component",
                query_value(&publisher),
                query_value(name),
                query_value(&version)
            ),
            "application/wasm",
        )
        .await?;
    let hash = hex::encode(Sha256::digest(&wasm));
    if hash != invocation.content_hash {
        bail!(
            "the server's component for {name}@{version} has SHA-256 {hash}, but the invocation ran {}",
            invocation.content_hash
        );
    }
    let host = local_host(Arc::new(MemoryLog::new(16)))?;
    host.load(manifest, &wasm)
        .context("loading the recorded component")?;
    let tenant: TenantId = invocation.tenant.parse().with_context(|| {
        format!(
            "the record's tenant `{}` is not a tenant id",
            invocation.tenant
        )
    })?;
    let mut local = Installation::new(tenant);
    if let Some(Value::Object(config)) = installation.map(|i| i.config) {
        local.config = config.into_iter().collect();
    }
    let replay = host
        .replay_with(&Arc::new(local), invocation, answers)
        .await
        .context("replaying")?;
    let how = match answers {
        HostAnswers::Recorded => "against the recorded host answers",
        HostAnswers::Live => "with live host calls",
    };
    let mut text = format!(
        "replayed {} ({name}@{version} {} {}) locally {how}: ",
        recorded.id,
        invocation.world.wit_name(),
        invocation.function
    );
    let differences = invocation_differences(invocation, &replay.invocation);
    // Live host calls may differ in detail; then the outcome is what is compared.
    let identical = replay.identical;
    if identical && differences.is_empty() {
        text.push_str(&format!(
            "identical\n  outcome: {}",
            describe_outcome(&replay.invocation.outcome)
        ));
    } else if identical {
        text.push_str("same outcome; host calls differ (live)");
        for d in &differences {
            text.push_str(&format!("\n  {d}"));
        }
    } else {
        text.push_str("DIFFERENT");
        for d in &differences {
            text.push_str(&format!("\n  {d}"));
        }
        for r in &replay.unanswered {
            text.push_str(&format!("\n  the record has no answer for {r}"));
        }
    }
    Ok(ReplayReport { text, identical })
}

/// Asks the server to replay invocation `id`.
pub async fn server_side(api: &Api, id: &str) -> anyhow::Result<ReplayReport> {
    check_id(id)?;
    let answer: Value = api
        .post(
            &format!("api/v1/plugin-invocations/{id}/replay"),
            &serde_json::json!({}),
        )
        .await?;
    let identical = answer.get("identical").and_then(Value::as_bool);
    let pretty = serde_json::to_string_pretty(&answer).unwrap_or_default();
    Ok(match identical {
        Some(true) => ReplayReport {
            text: format!("replayed {id} on the server: identical\n{pretty}"),
            identical: true,
        },
        _ => ReplayReport {
            text: format!("replayed {id} on the server: DIFFERENT\n{pretty}"),
            identical: false,
        },
    })
}
