//! `/outbound-trunks`: how the tenant's calls reach a carrier — proxy `host[:port]`, transport,
//! digest credentials, optional REGISTER, caller id, concurrency cap. Admins only. The password
//! is write-only: never returned (only `has_password`) and never logged or audited.

use std::net::{IpAddr, Ipv6Addr};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kefu_core::{E164, TrunkId};
use kefu_store::outbound_trunks::{OutboundTrunk, OutboundTrunkInput, Registration, Transport};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Registration expiry bounds, in seconds.
pub const REGISTER_EXPIRY: std::ops::RangeInclusive<u32> = 60..=3600;
/// Concurrency cap bounds.
pub const MAX_CALLS: std::ops::RangeInclusive<u32> = 1..=10_000;

/// Create or replace an outbound trunk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboundTrunkRequest {
    /// Unique name.
    pub name: String,
    /// The carrier's proxy: `host[:port]` (port 5060 if omitted; IPv6 in brackets).
    pub proxy: String,
    /// `udp` (default) or `tcp`.
    #[serde(default = "udp")]
    #[schema(value_type = String)]
    pub transport: Transport,
    /// Digest username.
    #[serde(default)]
    pub username: Option<String>,
    /// Digest password (write-only; omit on an edit to keep the current one).
    #[serde(default)]
    pub password: Option<String>,
    /// REGISTER with the carrier.
    #[serde(default)]
    pub register: bool,
    /// Registration expiry in seconds, 60–3600 (default 600).
    #[serde(default = "default_expiry")]
    pub register_expiry: u32,
    /// Caller id for outbound calls (E.164).
    #[serde(default)]
    pub caller_id: Option<String>,
    /// Most simultaneous calls, 1–10000 (default 30).
    #[serde(default = "default_max_calls")]
    pub max_calls: u32,
}

fn udp() -> Transport {
    Transport::Udp
}
fn default_expiry() -> u32 {
    600
}
fn default_max_calls() -> u32 {
    30
}

/// An outbound trunk (never its password).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboundTrunkView {
    /// Trunk id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `host:port`.
    pub proxy: String,
    /// `udp` or `tcp`.
    #[schema(value_type = String)]
    pub transport: Transport,
    /// Digest username.
    pub username: Option<String>,
    /// Is a password stored?
    pub has_password: bool,
    /// Registers?
    pub register: bool,
    /// Registration expiry (s).
    pub register_expiry: u32,
    /// Where the registration stands (`null` while telephony is off or before the first
    /// attempt, and for trunks that do not register).
    pub registration_status: Option<RegistrationStatus>,
    /// Caller id.
    pub caller_id: Option<String>,
    /// Concurrency cap.
    pub max_calls: u32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<OutboundTrunk> for OutboundTrunkView {
    fn from(t: OutboundTrunk) -> Self {
        let host = if t.proxy_host.contains(':') {
            format!("[{}]", t.proxy_host)
        } else {
            t.proxy_host
        };
        OutboundTrunkView {
            id: t.id.to_string(),
            name: t.name,
            proxy: format!("{host}:{}", t.proxy_port),
            transport: t.transport,
            username: t.username,
            has_password: t.has_password,
            register: t.register.enabled,
            register_expiry: t.register.expiry_secs,
            registration_status: None,
            caller_id: t.caller_id.map(|c| c.to_string()),
            max_calls: t.max_calls,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The outbound trunks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboundTrunkList {
    /// Oldest first.
    pub items: Vec<OutboundTrunkView>,
}

/// Split and check `host[:port]`.
pub fn parse_proxy(text: &str) -> Result<(String, u16), Problem> {
    let bad = || {
        Problem::invalid(
            "proxy",
            "proxy must be host[:port], like sip.carrier.example:5060 or [2001:db8::1]:5060",
        )
    };
    let t = text.trim();
    if t.is_empty() || t.len() > 260 {
        return Err(bad());
    }
    let (host, port) = if let Some(rest) = t.strip_prefix('[') {
        let (v6, tail) = rest.split_once(']').ok_or_else(bad)?;
        v6.parse::<Ipv6Addr>().map_err(|_| bad())?;
        (v6.to_owned(), tail.strip_prefix(':'))
    } else {
        match t.split_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (t.to_owned(), None),
        }
    };
    let port = match port {
        None => 5060,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad)?,
    };
    if host.contains(':') || host.parse::<IpAddr>().is_ok() || is_dns_name(&host) {
        Ok((host.to_ascii_lowercase(), port))
    } else {
        Err(bad())
    }
}

fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn parse(
    req: OutboundTrunkRequest,
    current: Option<&OutboundTrunk>,
) -> Result<OutboundTrunkInput, Problem> {
    let name = validate::text("name", &req.name, 100)?;
    let (proxy_host, proxy_port) = parse_proxy(&req.proxy)?;
    let username = req
        .username
        .as_deref()
        .map(|u| validate::text("username", u, 64))
        .transpose()?;
    if let Some(p) = &req.password {
        if username.is_none() {
            return Err(Problem::invalid("username", "a password needs a username"));
        }
        if p.is_empty() || p.chars().count() > 128 || p.chars().any(char::is_control) {
            return Err(Problem::invalid(
                "password",
                "password must be 1 to 128 characters without control characters",
            ));
        }
    } else if username.is_some()
        && current.is_none_or(|c| !c.has_password || c.username != username)
    {
        return Err(Problem::invalid(
            "password",
            "set a password for this username",
        ));
    }
    if !REGISTER_EXPIRY.contains(&req.register_expiry) {
        return Err(Problem::invalid(
            "register_expiry",
            "register_expiry must be 60 to 3600 seconds",
        ));
    }
    if !MAX_CALLS.contains(&req.max_calls) {
        return Err(Problem::invalid(
            "max_calls",
            "max_calls must be 1 to 10000",
        ));
    }
    let caller_id = req
        .caller_id
        .as_deref()
        .map(|c| {
            E164::parse(c.trim())
                .map_err(|e| Problem::invalid("caller_id", format!("caller_id: {e}")))
        })
        .transpose()?;
    Ok(OutboundTrunkInput {
        name,
        proxy_host,
        proxy_port,
        transport: req.transport,
        username,
        password: req.password,
        register: Registration {
            enabled: req.register,
            expiry_secs: req.register_expiry,
        },
        caller_id,
        max_calls: req.max_calls,
    })
}

/// The view with its registration state (trunks that register only).
fn with_status(state: &AppState, mut view: OutboundTrunkView) -> OutboundTrunkView {
    if view.register {
        view.registration_status = state
            .registrations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&view.id)
            .cloned()
            .map(RegistrationStatus::from);
    }
    view
}

/// Where one trunk's registration stands (kept by `kefu_telephony::registrations`).
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

impl From<kefu_telephony::RegistrationStatus> for RegistrationStatus {
    fn from(s: kefu_telephony::RegistrationStatus) -> Self {
        RegistrationStatus {
            state: s.state,
            detail: s.detail,
            expires_at: s.expires_at,
            last_attempt_at: s.last_attempt_at,
        }
    }
}

fn trunk_id(id: &str) -> Result<TrunkId, Problem> {
    id.parse().map_err(|_| Problem::not_found("outbound trunk"))
}

/// List outbound trunks (admins).
#[utoipa::path(get, path = "/api/v1/outbound-trunks", tag = "trunks", security(("bearer" = [])),
    responses((status = 200, body = OutboundTrunkList), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<OutboundTrunkList>> {
    let items = state
        .store
        .outbound_trunks(&scope)
        .await?
        .into_iter()
        .map(|t| with_status(&state, t.into()))
        .collect();
    Ok(axum::Json(OutboundTrunkList { items }))
}

/// Create an outbound trunk (admins).
#[utoipa::path(post, path = "/api/v1/outbound-trunks", tag = "trunks", security(("bearer" = [])),
    request_body = OutboundTrunkRequest,
    responses((status = 201, body = OutboundTrunkView), (status = 422, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(req): Json<OutboundTrunkRequest>,
) -> ApiResult<(StatusCode, axum::Json<OutboundTrunkView>)> {
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("your role may not change trunks"));
    }
    let input = parse(req, None)?;
    let trunk = state.store.create_outbound_trunk(&scope, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(trunk.into())))
}

/// One outbound trunk (admins).
#[utoipa::path(get, path = "/api/v1/outbound-trunks/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 200, body = OutboundTrunkView), (status = 404, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<OutboundTrunkView>> {
    let trunk = state.store.outbound_trunk(&scope, trunk_id(&id)?).await?;
    Ok(axum::Json(with_status(&state, trunk.into())))
}

/// Replace an outbound trunk (admins); omit `password` to keep the current one.
#[utoipa::path(put, path = "/api/v1/outbound-trunks/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Trunk id")), request_body = OutboundTrunkRequest,
    responses((status = 200, body = OutboundTrunkView), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
async fn replace(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<OutboundTrunkRequest>,
) -> ApiResult<axum::Json<OutboundTrunkView>> {
    let id = trunk_id(&id)?;
    let current = state.store.outbound_trunk(&scope, id).await?;
    let input = parse(req, Some(&current))?;
    Ok(axum::Json(
        state
            .store
            .update_outbound_trunk(&scope, id, &input)
            .await?
            .into(),
    ))
}

/// Delete an outbound trunk (admins).
#[utoipa::path(delete, path = "/api/v1/outbound-trunks/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_outbound_trunk(&scope, trunk_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, replace, delete))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies() {
        assert_eq!(
            parse_proxy("sip.Carrier.example").unwrap(),
            ("sip.carrier.example".into(), 5060)
        );
        assert_eq!(
            parse_proxy("203.0.113.5:5080").unwrap(),
            ("203.0.113.5".into(), 5080)
        );
        assert_eq!(
            parse_proxy("[2001:db8::1]:5062").unwrap(),
            ("2001:db8::1".into(), 5062)
        );
        assert_eq!(
            parse_proxy("[2001:db8::1]").unwrap(),
            ("2001:db8::1".into(), 5060)
        );
        for bad in [
            "",
            "host:0",
            "host:70000",
            "host:",
            "-bad.example",
            "a..b",
            "sip:x@y",
            "[::1",
            "2001:db8::1",
            "a b",
        ] {
            assert_eq!(
                parse_proxy(bad).unwrap_err().field.as_deref(),
                Some("proxy"),
                "{bad}"
            );
        }
    }
}
