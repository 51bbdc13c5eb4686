//! `/inbound-trunks`: who may send the tenant calls — allowed source networks (IPv4/IPv6 CIDRs)
//! and/or digest credentials. Admins only. The digest password is write-only: it is turned into
//! the HA1 values SIP digest verification needs and never stored, returned or logged.

use std::collections::BTreeSet;
use std::net::IpAddr;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use kefu_core::TrunkId;
use kefu_store::inbound_trunks::{DigestChange, InboundTrunk, InboundTrunkInput, MAX_SOURCES};
use kefu_store::sip_digest::StoredDigest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Create or replace an inbound trunk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundTrunkRequest {
    /// Unique name ("Carrier A").
    pub name: String,
    /// Disabled trunks admit nothing (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Allowed source addresses or CIDRs (`203.0.113.7`, `198.51.100.0/24`, `2001:db8::/48`).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Digest username the carrier authenticates with (unique across Kefu).
    #[serde(default)]
    pub digest_username: Option<String>,
    /// Digest password (write-only; omit on an edit to keep the current one).
    #[serde(default)]
    pub digest_password: Option<String>,
}

fn yes() -> bool {
    true
}

/// An inbound trunk (never its password).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InboundTrunkView {
    /// Trunk id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Admits calls?
    pub enabled: bool,
    /// Allowed source networks.
    pub sources: Vec<String>,
    /// Digest username, if credentials are set.
    pub digest_username: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<InboundTrunk> for InboundTrunkView {
    fn from(t: InboundTrunk) -> Self {
        InboundTrunkView {
            id: t.id.to_string(),
            name: t.name,
            enabled: t.enabled,
            sources: t.sources.iter().map(ToString::to_string).collect(),
            digest_username: t.digest_username,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The inbound trunks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InboundTrunkList {
    /// Oldest first.
    pub items: Vec<InboundTrunkView>,
}

/// Shortest prefixes accepted: broader networks are "anyone", not a carrier.
const MIN_PREFIX_V4: u8 = 8;
const MIN_PREFIX_V6: u8 = 16;
const MAX_USERNAME: usize = 64;
const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD: usize = 128;

/// Parse the sources: addresses become host networks, host bits are cleared, duplicates go.
pub fn parse_sources(sources: &[String]) -> Result<Vec<IpNet>, Problem> {
    if sources.len() > MAX_SOURCES {
        return Err(Problem::invalid(
            "sources",
            format!("at most {MAX_SOURCES} source networks"),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut nets = Vec::with_capacity(sources.len());
    for (i, text) in sources.iter().enumerate() {
        let field = format!("sources[{i}]");
        let t = text.trim();
        let net = match t.parse::<IpAddr>() {
            Ok(addr) => IpNet::from(addr),
            Err(_) => t.parse::<IpNet>().map_err(|_| {
                Problem::invalid(
                    &field,
                    format!(
                        "{field}: {} is not an IP address or CIDR like 203.0.113.0/24",
                        shorten(t)
                    ),
                )
            })?,
        }
        .trunc();
        let min = if net.addr().is_ipv4() {
            MIN_PREFIX_V4
        } else {
            MIN_PREFIX_V6
        };
        if net.prefix_len() < min {
            return Err(Problem::invalid(
                &field,
                format!(
                    "{field}: /{} is too broad; use /{min} or narrower (or digest credentials)",
                    net.prefix_len()
                ),
            ));
        }
        if seen.insert(net) {
            nets.push(net);
        }
    }
    Ok(nets)
}

fn shorten(s: &str) -> String {
    s.chars().take(50).collect()
}

fn username(value: &str) -> Result<String, Problem> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= MAX_USERNAME
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c));
    if !ok {
        return Err(Problem::invalid(
            "digest_username",
            format!(
                "digest_username must be 1 to {MAX_USERNAME} letters, digits, '.', '_', '-' or '+'"
            ),
        ));
    }
    Ok(v.to_owned())
}

fn password(value: &str) -> Result<&str, Problem> {
    let n = value.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) || value.chars().any(char::is_control) {
        return Err(Problem::invalid(
            "digest_password",
            format!(
                "digest_password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters without control characters"
            ),
        ));
    }
    Ok(value)
}

/// Check a request; `current` is the trunk being edited (its username lets an edit keep the
/// password without resending it).
fn parse(
    req: &InboundTrunkRequest,
    current: Option<&InboundTrunk>,
) -> Result<InboundTrunkInput, Problem> {
    let name = validate::text("name", &req.name, 100)?;
    let sources = parse_sources(&req.sources)?;
    let digest = match (&req.digest_username, &req.digest_password) {
        (None, None) => DigestChange::None,
        (None, Some(_)) => {
            return Err(Problem::invalid(
                "digest_username",
                "a digest password needs a digest username",
            ));
        }
        (Some(u), Some(p)) => DigestChange::Set(StoredDigest::new(&username(u)?, password(p)?)),
        (Some(u), None) => {
            let u = username(u)?;
            match current.and_then(|c| c.digest_username.as_deref()) {
                // The HA1 values are bound to the username: keeping them needs the same one.
                Some(kept) if kept == u => DigestChange::Keep,
                _ => {
                    return Err(Problem::invalid(
                        "digest_password",
                        "set a digest password for this username",
                    ));
                }
            }
        }
    };
    Ok(InboundTrunkInput {
        name,
        enabled: req.enabled,
        sources,
        digest,
    })
}

fn trunk_id(id: &str) -> Result<TrunkId, Problem> {
    id.parse().map_err(|_| Problem::not_found("inbound trunk"))
}

/// List inbound trunks (admins).
#[utoipa::path(get, path = "/api/v1/inbound-trunks", tag = "trunks", security(("bearer" = [])),
    responses((status = 200, body = InboundTrunkList), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<InboundTrunkList>> {
    let items = state
        .store
        .inbound_trunks(&scope)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(axum::Json(InboundTrunkList { items }))
}

/// Create an inbound trunk (admins). Needs sources and/or digest credentials.
#[utoipa::path(post, path = "/api/v1/inbound-trunks", tag = "trunks", security(("bearer" = [])),
    request_body = InboundTrunkRequest,
    responses((status = 201, body = InboundTrunkView), (status = 422, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(req): Json<InboundTrunkRequest>,
) -> ApiResult<(StatusCode, axum::Json<InboundTrunkView>)> {
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("your role may not change trunks"));
    }
    let input = parse(&req, None)?;
    let trunk = state.store.create_inbound_trunk(&scope, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(trunk.into())))
}

/// One inbound trunk (admins).
#[utoipa::path(get, path = "/api/v1/inbound-trunks/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 200, body = InboundTrunkView), (status = 404, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<InboundTrunkView>> {
    let trunk = state.store.inbound_trunk(&scope, trunk_id(&id)?).await?;
    Ok(axum::Json(trunk.into()))
}

/// Replace an inbound trunk (admins); omit `digest_password` to keep the current one.
#[utoipa::path(put, path = "/api/v1/inbound-trunks/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Trunk id")), request_body = InboundTrunkRequest,
    responses((status = 200, body = InboundTrunkView), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
async fn replace(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<InboundTrunkRequest>,
) -> ApiResult<axum::Json<InboundTrunkView>> {
    let id = trunk_id(&id)?;
    let current = state.store.inbound_trunk(&scope, id).await?;
    let input = parse(&req, Some(&current))?;
    let trunk = state.store.update_inbound_trunk(&scope, id, &input).await?;
    Ok(axum::Json(trunk.into()))
}

/// Delete an inbound trunk (admins); 409 naming the numbers restricted to it.
#[utoipa::path(delete, path = "/api/v1/inbound-trunks/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Trunk id")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn delete(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_inbound_trunk(&scope, trunk_id(&id)?)
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
    fn sources_parse_and_normalise() {
        let nets = parse_sources(&[
            "203.0.113.7".into(),
            "198.51.100.9/24".into(),
            " 2001:db8::/48 ".into(),
            "::1".into(),
            "203.0.113.7/32".into(),
        ])
        .unwrap();
        let texts: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "203.0.113.7/32",
                "198.51.100.0/24",
                "2001:db8::/48",
                "::1/128"
            ]
        );
        for (bad, field) in [
            (vec!["10.0.0.1".to_owned(), "nope".to_owned()], "sources[1]"),
            (vec!["0.0.0.0/0".to_owned()], "sources[0]"),
            (vec!["10.0.0.0/7".to_owned()], "sources[0]"),
            (vec!["::/0".to_owned()], "sources[0]"),
            (vec!["10.0.0.0/33".to_owned()], "sources[0]"),
            (vec!["10.0.0.1".to_owned(); MAX_SOURCES + 1], "sources"),
        ] {
            let p = parse_sources(&bad).unwrap_err();
            assert_eq!(p.field.as_deref(), Some(field), "{bad:?}");
        }
    }
}
