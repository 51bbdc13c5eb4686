//! Signing in: `login` keeps the session's refresh token in
//! `$XDG_CONFIG_HOME/kefu-plugin/credentials.json` (else `~/.config/…`), readable by the user
//! only (0600, directory 0700), and every later command trades it for a fresh access token
//! through `POST /api/v1/sessions/refresh` (refresh tokens are single-use, so the new one is
//! saved each time). `KEFU_SERVER` + `KEFU_TOKEN` bypass the file.
//!
//! This module never prints or logs a token or a password.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{Api, parse_server};

/// What `login` keeps.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Server base URL.
    pub server: String,
    /// Who logged in.
    pub email: String,
    /// Their company's slug.
    pub tenant: String,
    /// Single-use refresh token.
    pub refresh_token: String,
    /// The latest access token, reused until shortly before it expires.
    #[serde(default)]
    pub access_token: Option<String>,
    /// When it expires, seconds since the Unix epoch.
    #[serde(default)]
    pub access_expires_at: Option<u64>,
}

/// A session as the server returns it (the fields the CLI uses).
#[derive(Debug, Deserialize)]
struct Session {
    access_token: String,
    expires_in: u64,
    refresh_token: String,
    tenant: SessionTenant,
}

#[derive(Debug, Deserialize)]
struct SessionTenant {
    slug: String,
}

/// Refresh this long before the access token expires, seconds.
const EXPIRY_MARGIN_SECS: u64 = 30;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Where the credentials file lives.
pub fn credentials_path() -> anyhow::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("HOME").context("neither XDG_CONFIG_HOME nor HOME is set")?,
        )
        .join(".config"),
    };
    Ok(base.join("kefu-plugin").join("credentials.json"))
}

fn save(credentials: &Credentials) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let path = credentials_path()?;
    let dir = path.parent().context("credentials path has no directory")?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let temporary = dir.join(format!(".credentials.{}.tmp", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("writing {}", temporary.display()))?;
    // `mode` applies only when the file is created; make sure of it either way.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", temporary.display()))?;
    file.write_all(&serde_json::to_vec_pretty(credentials)?)
        .with_context(|| format!("writing {}", temporary.display()))?;
    file.sync_all().ok();
    std::fs::rename(&temporary, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn load() -> anyhow::Result<Credentials> {
    let path = credentials_path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "not logged in: run `kefu-plugin login --server URL --email E`, or set KEFU_SERVER and KEFU_TOKEN"
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is damaged: log in again with `kefu-plugin login`",
            path.display()
        )
    })
}

/// The password: `KEFU_PASSWORD`, else a prompt on the terminal (not echoed), else a line
/// of standard input.
fn password() -> anyhow::Result<String> {
    if let Some(password) = std::env::var_os("KEFU_PASSWORD") {
        return password
            .into_string()
            .map_err(|_| anyhow::anyhow!("KEFU_PASSWORD is not UTF-8"));
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("Password: ");
        std::io::stderr().flush().ok();
        // Echo off through stty: no unsafe terminal calls in this crate.
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.context("reading the password")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password given (set KEFU_PASSWORD or type it at the prompt)");
    }
    Ok(password)
}

/// `kefu-plugin login`: signs in and keeps the session.
pub async fn login(server: &str, email: &str, tenant: Option<&str>) -> anyhow::Result<String> {
    let base = parse_server(server)?;
    let password = password()?;
    let api = Api::new(base.clone(), None)?;
    let mut body = json!({ "email": email, "password": password });
    if let Some(tenant) = tenant {
        body["tenant"] = json!(tenant);
    }
    let session: Session = api.post("api/v1/sessions", &body).await?;
    let credentials = Credentials {
        server: base.to_string(),
        email: email.to_owned(),
        tenant: session.tenant.slug.clone(),
        refresh_token: session.refresh_token,
        access_token: Some(session.access_token),
        access_expires_at: Some(now() + session.expires_in),
    };
    let path = save(&credentials)?;
    Ok(format!(
        "logged in to {} as {email} ({}); session kept in {}",
        credentials.server,
        credentials.tenant,
        path.display()
    ))
}

/// An API client for the signed-in server: `KEFU_SERVER` + `KEFU_TOKEN` when set, else the
/// saved session (refreshed when its access token is about to expire).
pub async fn api() -> anyhow::Result<Api> {
    let server = std::env::var("KEFU_SERVER").ok().filter(|s| !s.is_empty());
    if let Ok(token) = std::env::var("KEFU_TOKEN")
        && !token.is_empty()
    {
        let server = server.context("KEFU_TOKEN is set but KEFU_SERVER is not")?;
        return Api::new(parse_server(&server)?, Some(token));
    }
    let mut credentials = load()?;
    let base = parse_server(&credentials.server)?;
    if let Some(server) = server
        && parse_server(&server)? != base
    {
        bail!(
            "KEFU_SERVER is {server} but you are logged in to {}: log in to {server} or unset KEFU_SERVER",
            credentials.server
        );
    }
    if let (Some(token), Some(expires)) = (&credentials.access_token, credentials.access_expires_at)
        && expires > now() + EXPIRY_MARGIN_SECS
    {
        return Api::new(base, Some(token.clone()));
    }
    let anonymous = Api::new(base.clone(), None)?;
    let session: Session = anonymous
        .post(
            "api/v1/sessions/refresh",
            &json!({ "refresh_token": credentials.refresh_token }),
        )
        .await
        .context("refreshing the session (log in again with `kefu-plugin login` if it expired)")?;
    credentials.refresh_token = session.refresh_token;
    credentials.access_token = Some(session.access_token.clone());
    credentials.access_expires_at = Some(now() + session.expires_in);
    save(&credentials)?;
    Api::new(base, Some(session.access_token))
}
