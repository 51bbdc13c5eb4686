//! The commands that talk to a Kefu server: `publish`, `versions`, `install`, `logs`.
//! Output is plain text for people (tables); failures carry the server's problem text.

use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::Api;
use crate::project::Built;

/// A published version (the fields the CLI shows).
#[derive(Debug, Clone, Deserialize)]
pub struct VersionView {
    /// Publishing tenant.
    pub publisher: String,
    /// Plugin name.
    pub name: String,
    /// Version.
    pub version: String,
    /// World.
    pub world: String,
    /// Listed for every tenant.
    pub public: bool,
    /// SHA-256 of the component.
    pub sha256: String,
    /// Component size, bytes.
    pub size: i64,
    /// The manifest.
    pub manifest: Value,
    /// When published.
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
struct VersionList {
    items: Vec<VersionView>,
}

/// An installation (the fields the CLI uses).
#[derive(Debug, Clone, Deserialize)]
pub struct InstallationView {
    /// Installation id.
    pub id: String,
    /// Publishing tenant.
    pub publisher: String,
    /// Plugin name.
    pub name: String,
    /// Version in use.
    pub version: String,
    /// Configuration.
    #[serde(default)]
    pub config: Value,
}

#[derive(Debug, Deserialize)]
struct InstallationList {
    items: Vec<InstallationView>,
}

/// Every version the signed-in user can see.
pub async fn versions(api: &Api) -> anyhow::Result<Vec<VersionView>> {
    Ok(api
        .get::<VersionList>("api/v1/plugin-versions")
        .await?
        .items)
}

/// The signed-in tenant's installations.
pub async fn installations(api: &Api) -> anyhow::Result<Vec<InstallationView>> {
    Ok(api
        .get::<InstallationList>("api/v1/plugin-installations")
        .await?
        .items)
}

/// `kefu-plugin publish`.
pub async fn publish(api: &Api, built: &Built, public: bool) -> anyhow::Result<String> {
    let body = json!({
        "manifest": built.manifest,
        "component": STANDARD.encode(&built.wasm),
        "public": public,
    });
    let published: VersionView = api.post("api/v1/plugin-versions", &body).await?;
    Ok(format!(
        "published {}@{} ({} world, {} bytes, sha256 {}) as publisher {}{}",
        published.name,
        published.version,
        published.world,
        published.size,
        published.sha256,
        published.publisher,
        if published.public { ", public" } else { "" }
    ))
}

/// Left-aligned columns, two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_owned()
    };
    let mut lines = vec![line(header.iter().map(|h| h.to_string()).collect())];
    lines.extend(rows.iter().map(|r| line(r.clone())));
    lines.join("\n")
}

/// `kefu-plugin versions [name]`.
pub async fn list_versions(api: &Api, name: Option<&str>) -> anyhow::Result<String> {
    let items: Vec<VersionView> = versions(api)
        .await?
        .into_iter()
        .filter(|v| name.is_none_or(|n| v.name == n))
        .collect();
    if items.is_empty() {
        return Ok(match name {
            Some(name) => format!("no versions of `{name}` are visible to you"),
            None => "no plugin versions are visible to you".into(),
        });
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                v.version.clone(),
                v.world.clone(),
                if v.public { "public" } else { "private" }.into(),
                v.size.to_string(),
                v.publisher.clone(),
                v.created_at.clone(),
            ]
        })
        .collect();
    Ok(table(
        &[
            "NAME",
            "VERSION",
            "WORLD",
            "VISIBILITY",
            "BYTES",
            "PUBLISHER",
            "PUBLISHED",
        ],
        &rows,
    ))
}

/// `name@version` split in two.
pub fn parse_spec(spec: &str) -> anyhow::Result<(&str, &str)> {
    match spec.rsplit_once('@') {
        Some((name, version)) if !name.is_empty() && !version.is_empty() => Ok((name, version)),
        _ => Err(crate::usage(format!(
            "`{spec}` is not <name>@<version> (e.g. ivr-menu@1.0.0)"
        ))),
    }
}

/// The publisher of `name@version`: `given`, else the only one you can see.
pub async fn publisher_of(
    api: &Api,
    name: &str,
    version: &str,
    given: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(publisher) = given {
        return Ok(publisher.to_owned());
    }
    let publishers: Vec<String> = versions(api)
        .await?
        .into_iter()
        .filter(|v| v.name == name && v.version == version)
        .map(|v| v.publisher)
        .collect();
    match publishers.as_slice() {
        [] => bail!(
            "no version {name}@{version} is visible to you (see `kefu-plugin versions {name}`)"
        ),
        [one] => Ok(one.clone()),
        many => bail!(
            "{name}@{version} is published by several tenants ({}): pick one with --publisher",
            many.join(", ")
        ),
    }
}

/// Largest `--config` file, bytes (the server's limit).
const MAX_CONFIG_BYTES: u64 = 64 << 10;

/// `kefu-plugin install`.
pub async fn install(
    api: &Api,
    spec: &str,
    config: Option<&Path>,
    publisher: Option<&str>,
) -> anyhow::Result<String> {
    let (name, version) = parse_spec(spec)?;
    let config: Value = match config {
        None => json!({}),
        Some(path) => {
            let size = std::fs::metadata(path)
                .with_context(|| format!("reading {}", path.display()))?
                .len();
            if size > MAX_CONFIG_BYTES {
                bail!("{} is larger than {MAX_CONFIG_BYTES} bytes", path.display());
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let config: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            if !config.is_object() {
                bail!("{} must hold a JSON object of settings", path.display());
            }
            config
        }
    };
    let publisher = publisher_of(api, name, version, publisher).await?;
    let body = json!({
        "publisher": publisher, "name": name, "version": version, "config": config,
    });
    let installed: InstallationView = api.post("api/v1/plugin-installations", &body).await?;
    Ok(format!(
        "installed {}@{} (publisher {}) as installation {}",
        installed.name, installed.version, installed.publisher, installed.id
    ))
}

/// Filters of `kefu-plugin logs`.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// One installation only.
    pub installation: Option<String>,
    /// One outcome only (`returned`, `trapped`, `rejected`).
    pub outcome: Option<String>,
    /// At most this many.
    pub limit: u32,
}

/// `text` as a query value: everything but unreserved characters percent-encoded.
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn invocations_path(filter: &LogFilter) -> String {
    let mut query = vec![format!("limit={}", filter.limit)];
    if let Some(i) = &filter.installation {
        query.push(format!("installation_id={}", query_value(i)));
    }
    if let Some(o) = &filter.outcome {
        query.push(format!("outcome={}", query_value(o)));
    }
    format!("api/v1/plugin-invocations?{}", query.join("&"))
}

fn cell(item: &Value, key: &str) -> String {
    match item.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn log_rows(items: &[Value]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| {
            let duration = i
                .get("duration_us")
                .and_then(Value::as_u64)
                .map(|us| format!("{:.1} ms", us as f64 / 1000.0))
                .unwrap_or_default();
            let detail: String = cell(i, "detail").chars().take(80).collect();
            vec![
                cell(i, "created_at"),
                cell(i, "id"),
                format!("{}@{}", cell(i, "plugin"), cell(i, "version")),
                cell(i, "function"),
                cell(i, "outcome"),
                duration,
                detail,
            ]
        })
        .collect()
}

const LOG_HEADER: [&str; 7] = [
    "CREATED", "ID", "PLUGIN", "FUNCTION", "OUTCOME", "DURATION", "DETAIL",
];

/// One page of invocations, oldest first.
async fn page(api: &Api, filter: &LogFilter) -> anyhow::Result<Vec<Value>> {
    let page: Value = api.get(&invocations_path(filter)).await?;
    let mut items = page
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .context("the server's invocation list has no `items`")?;
    // The server lists newest first; people read logs oldest first.
    items.reverse();
    Ok(items)
}

/// `kefu-plugin logs`: prints the latest invocations; with `follow`, keeps printing new ones
/// every `interval` until interrupted.
pub async fn logs(
    api: &Api,
    filter: &LogFilter,
    follow: bool,
    interval: Duration,
) -> anyhow::Result<()> {
    let items = page(api, filter).await?;
    if items.is_empty() && !follow {
        println!("no invocations match");
        return Ok(());
    }
    println!("{}", table(&LOG_HEADER, &log_rows(&items)));
    if !follow {
        return Ok(());
    }
    // Ids already shown; bounded so a long follow does not grow without end.
    let mut seen: VecDeque<String> = items.iter().map(|i| cell(i, "id")).collect();
    loop {
        tokio::time::sleep(interval).await;
        let shown: HashSet<&String> = seen.iter().collect();
        let fresh: Vec<Value> = page(api, filter)
            .await?
            .into_iter()
            .filter(|i| !shown.contains(&cell(i, "id")))
            .collect();
        for row in log_rows(&fresh) {
            println!("{}", row.join("  ").trim_end());
        }
        seen.extend(fresh.iter().map(|i| cell(i, "id")));
        while seen.len() > 10_000 {
            seen.pop_front();
        }
    }
}
