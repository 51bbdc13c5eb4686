//! The `http` capability: outbound requests to the hosts a manifest allows, with time and size
//! caps. The allow-list is checked before anything touches the network; redirects are never
//! followed (a redirect could leave the allow-list). The client is a trait so the store or a
//! proxy can stand in later; [`ReqwestClient`] is the real one.

use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::bindings::ivr::kefu::plugin::http::{self, Request};
pub use crate::bindings::ivr::kefu::plugin::http::{HttpError, Method, Response};
use crate::store::StoreData;

/// A request the allow-list has already approved.
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    /// Method.
    pub method: Method,
    /// Parsed URL.
    pub url: reqwest::Url,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<Vec<u8>>,
    /// Time limit for the whole exchange.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: u64,
}

/// Sends approved requests.
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// Sends `request` and reads the whole response within its limits.
    async fn send(&self, request: OutboundRequest) -> Result<Response, HttpError>;
}

/// The real client, on reqwest (plain HTTP in this build; TLS comes with production wiring).
pub struct ReqwestClient {
    client: reqwest::Client,
}

impl ReqwestClient {
    /// A client that never follows redirects.
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(ReqwestClient { client })
    }
}

#[async_trait]
impl HttpClient for ReqwestClient {
    async fn send(&self, request: OutboundRequest) -> Result<Response, HttpError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
        };
        let mut builder = self
            .client
            .request(method, request.url)
            .timeout(request.timeout);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let exchange = async {
            let mut response = builder.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len() as u64 + chunk.len() as u64 > request.max_response_bytes {
                    return Err(HttpError::TooLarge(request.max_response_bytes));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Response {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(request.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout)?
    }
}

fn transport(error: reqwest::Error) -> HttpError {
    if error.is_timeout() {
        HttpError::Timeout
    } else {
        HttpError::Transport(error.to_string())
    }
}

/// Checks `url` against the allow-list: `http`/`https` only, host (or host:port) listed.
pub(crate) fn approve(url: &str, allowed_hosts: &[String]) -> Result<reqwest::Url, HttpError> {
    let url = reqwest::Url::parse(url).map_err(|e| HttpError::InvalidUrl(format!("{url}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpError::InvalidUrl(format!(
            "scheme `{}` is not http or https",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HttpError::InvalidUrl(
            "credentials in the URL are not allowed".into(),
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| HttpError::InvalidUrl("URL has no host".into()))?
        .to_ascii_lowercase();
    let port = url.port_or_known_default();
    let with_port = port.map(|p| format!("{host}:{p}"));
    let allowed = allowed_hosts.iter().any(|entry| {
        let entry = entry.to_ascii_lowercase();
        entry == host || Some(&entry) == with_port.as_ref()
    });
    if !allowed {
        return Err(HttpError::HostNotAllowed(with_port.unwrap_or(host)));
    }
    Ok(url)
}

impl http::Host for StoreData {
    async fn send(&mut self, request: Request) -> Result<Response, HttpError> {
        let started = Instant::now();
        let grant = self.grant.clone();
        let limits = &grant.installation.limits;
        let method = request.method;
        let summary = format!("{method:?} {}", request.url);
        let result = match approve(&request.url, &grant.allowed_hosts) {
            Err(denied) => Err(denied),
            Ok(url)
                if request
                    .body
                    .as_ref()
                    .is_some_and(|b| b.len() as u64 > limits.http_max_response_bytes) =>
            {
                drop(url);
                Err(HttpError::TooLarge(limits.http_max_response_bytes))
            }
            Ok(url) => {
                let timeout = request
                    .timeout_ms
                    .map(|ms| Duration::from_millis(ms.into()).min(limits.http_timeout))
                    .unwrap_or(limits.http_timeout);
                let outbound = OutboundRequest {
                    method,
                    url,
                    headers: request.headers,
                    body: request.body,
                    timeout,
                    max_response_bytes: limits.http_max_response_bytes,
                };
                grant.http.send(outbound).await
            }
        };
        let outcome = match &result {
            Ok(response) => format!("{} ({} bytes)", response.status, response.body.len()),
            Err(error) => format!("{error:?}"),
        };
        self.record("http", "send", started, format!("{summary} → {outcome}"));
        result
    }
}
