//! The Kefu server's HTTP API as the CLI uses it: JSON requests with a bearer token, bounded
//! responses, and RFC 7807 problems turned into readable errors (title, detail, field).
//!
//! This module never prints tokens or passwords, not even in errors.

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Largest response body read, bytes (a component is at most 10 MiB).
const MAX_RESPONSE_BYTES: usize = 16 << 20;

/// A server and the token to call it with.
pub struct Api {
    base: reqwest::Url,
    token: Option<String>,
    client: reqwest::Client,
}

/// A server's base URL, checked: `http` or `https`, no credentials, no query.
pub fn parse_server(text: &str) -> anyhow::Result<reqwest::Url> {
    let mut url = reqwest::Url::parse(text.trim())
        .with_context(|| format!("server `{text}` is not a URL (e.g. https://kefu.example.com)"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("server `{text}` must be an http:// or https:// URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("server `{text}` must not carry credentials");
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

impl Api {
    /// A client for `base`, with `token` (none for logging in).
    pub fn new(base: reqwest::Url, token: Option<String>) -> anyhow::Result<Api> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("kefu-plugin/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("setting up the HTTP client")?;
        Ok(Api {
            base,
            token,
            client,
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &reqwest::Url {
        &self.base
    }

    fn url(&self, path: &str) -> anyhow::Result<reqwest::Url> {
        self.base
            .join(path.trim_start_matches('/'))
            .with_context(|| format!("building the URL for {path}"))
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        let mut request = self.client.request(method, self.url(path)?);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        Ok(request)
    }

    /// `GET path` as JSON.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let response = self
            .send(self.request(reqwest::Method::GET, path)?, path)
            .await?;
        decode(path, &response)
    }

    /// `POST path` with a JSON body, answered with JSON.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<T> {
        let request = self.request(reqwest::Method::POST, path)?.json(body);
        let response = self.send(request, path).await?;
        decode(path, &response)
    }

    /// `GET path` as bytes of `content_type`.
    pub async fn get_bytes(&self, path: &str, content_type: &str) -> anyhow::Result<Vec<u8>> {
        let request = self
            .request(reqwest::Method::GET, path)?
            .header(reqwest::header::ACCEPT, content_type);
        let response = self.send(request, path).await?;
        if !response.content_type.starts_with(content_type) {
            bail!(
                "GET {path}: expected {content_type}, the server sent `{}`",
                response.content_type
            );
        }
        Ok(response.body)
    }

    /// Sends, reads a bounded body, and turns a non-2xx answer into an error.
    async fn send(&self, request: reqwest::RequestBuilder, path: &str) -> anyhow::Result<Body> {
        let mut response = request
            .send()
            .await
            .with_context(|| format!("cannot reach {} ({path})", self.base))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .with_context(|| format!("reading the answer to {path}"))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                bail!("the answer to {path} is larger than {MAX_RESPONSE_BYTES} bytes");
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            bail!("{}", problem_text(status, path, &body));
        }
        Ok(Body { content_type, body })
    }
}

struct Body {
    content_type: String,
    body: Vec<u8>,
}

fn decode<T: DeserializeOwned>(path: &str, response: &Body) -> anyhow::Result<T> {
    serde_json::from_slice(&response.body)
        .with_context(|| format!("the server's answer to {path} is not what this CLI expects"))
}

/// A readable error for a refused request: the problem's title, detail and field.
pub fn problem_text(status: reqwest::StatusCode, path: &str, body: &[u8]) -> String {
    let problem: Option<Value> = serde_json::from_slice(body).ok();
    let text = |key: &str| {
        problem
            .as_ref()
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut message = format!("the server refused {path}: {status}");
    match (text("title"), text("detail")) {
        (Some(title), Some(detail)) => message = format!("{message} — {title}: {detail}"),
        (Some(title), None) => message = format!("{message} — {title}"),
        (None, Some(detail)) => message = format!("{message} — {detail}"),
        (None, None) => {
            let raw = String::from_utf8_lossy(body);
            let raw = raw.trim();
            if !raw.is_empty() {
                let cut: String = raw.chars().take(300).collect();
                message = format!("{message} — {cut}");
            }
        }
    }
    if let Some(field) = text("field") {
        message = format!("{message} (field `{field}`)");
    }
    if let Some(errors) = problem
        .as_ref()
        .and_then(|p| p.get("errors"))
        .and_then(Value::as_array)
    {
        for e in errors {
            let field = e.get("field").and_then(Value::as_str).unwrap_or("?");
            let detail = e.get("message").and_then(Value::as_str).unwrap_or("");
            message.push_str(&format!("\n  {field}: {detail}"));
        }
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        message.push_str("\n(log in again with `kefu-plugin login`)");
    }
    message
}
