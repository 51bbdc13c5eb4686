//! The `http` capability: outbound requests to the hosts a manifest allows, with time and size
//! caps. The allow-list is checked before anything touches the network; redirects are never
//! followed (a redirect could leave the allow-list). The client is a trait so the store or a
//! proxy can stand in later; [`ReqwestClient`] is the real one.
//!
//! An allow-listed *name* is not enough: a tenant could list `crm.example.com` and point its DNS
//! at `127.0.0.1` or the cloud metadata address. Unless [`HttpPolicy::allow_private_networks`]
//! is set (development and tests), [`ReqwestClient`] resolves names itself and refuses every
//! address that is not globally routable — loopback, private, link-local (metadata), CGNAT,
//! unique-local, multicast — and refuses such IP literals in URLs too. HTTPS uses rustls with
//! the web PKI roots (plus any extra roots the operator configures).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
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

/// Where plugins' requests may go beyond the manifest's allow-list, and whom HTTPS trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpPolicy {
    /// Let requests reach loopback, private and link-local addresses. Off in production: with it
    /// on, a plugin could reach the platform's own services through an allow-listed name.
    #[serde(default)]
    pub allow_private_networks: bool,
    /// Extra trusted root certificates (PEM), beside the web PKI roots.
    #[serde(default)]
    pub extra_roots_pem: Vec<Vec<u8>>,
}

/// The real client, on reqwest with rustls (HTTP and HTTPS).
pub struct ReqwestClient {
    client: reqwest::Client,
    allow_private_networks: bool,
}

impl ReqwestClient {
    /// A client that never follows redirects and refuses non-public addresses.
    pub fn new() -> Result<Self, reqwest::Error> {
        Self::with_policy(&HttpPolicy::default())
    }

    /// A client that never follows redirects, under `policy`.
    pub fn with_policy(policy: &HttpPolicy) -> Result<Self, reqwest::Error> {
        // The process's one TLS provider (aws-lc-rs); a no-op when the binary installed it.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .use_rustls_tls()
            .https_only(false);
        for pem in &policy.extra_roots_pem {
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem)?);
        }
        if !policy.allow_private_networks {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        Ok(ReqwestClient {
            client: builder.build()?,
            allow_private_networks: policy.allow_private_networks,
        })
    }
}

/// Resolves names with the system resolver and keeps only globally routable addresses.
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = if found.is_empty() {
                    format!("{host} has no address").into()
                } else {
                    format!("{host} resolves only to internal addresses").into()
                };
                return Err(error);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Is `ip` globally routable (not loopback, private, link-local, CGNAT, unique-local,
/// multicast, documentation, unspecified or broadcast)?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
                || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link local fe80::/10
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || (first == 0x0064 && v6.segments()[1] == 0xff9b)) // NAT64 to anything
        }
    }
}

#[async_trait]
impl HttpClient for ReqwestClient {
    async fn send(&self, request: OutboundRequest) -> Result<Response, HttpError> {
        // Names go through the resolver; IP literals never do, so check them here.
        if !self.allow_private_networks
            && let Some(ip) = literal_ip(&request.url)
            && !is_public(ip)
        {
            return Err(HttpError::Transport(format!(
                "{ip} is an internal address; plugins may only reach public hosts"
            )));
        }
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

fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn transport(error: reqwest::Error) -> HttpError {
    if error.is_timeout() {
        return HttpError::Timeout;
    }
    // reqwest's top-level text is "error sending request"; the cause says what went wrong
    // (refused address, TLS failure, connection refused).
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    HttpError::Transport(text)
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
        let answer = crate::recorded::http(method, &request.url, &result);
        let detail = format!("{summary} → {outcome}");
        self.record_answer("http", "send", started, detail, Some(answer));
        result
    }
}
