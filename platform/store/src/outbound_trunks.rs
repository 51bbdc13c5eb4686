//! Outbound trunks: how a tenant's calls reach a carrier — proxy, transport, digest
//! credentials, optional registration, caller id and a concurrency cap. The SIP edge reads them
//! when it places calls; admins manage them here.
//!
//! The password must be sent to the carrier, so it is stored as given (the carrier's realm is
//! unknown in advance, so a hash would not do). It is write-only: no read here returns it except
//! [`Store::outbound_credentials`], which the SIP side calls, and it is never logged or audited.

use chrono::{DateTime, Utc};
use kefu_core::{E164, Role, TenantScope, TrunkId};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::outbound_trunk;
use crate::inbound_trunks::MAX_TRUNKS;
use crate::{Store, StoreError, audit, parse_id, require};

/// Transport to the carrier's proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SIP over UDP.
    Udp,
    /// SIP over TCP.
    Tcp,
}

impl Transport {
    fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }

    fn parse(s: &str) -> Result<Transport, StoreError> {
        match s {
            "udp" => Ok(Transport::Udp),
            "tcp" => Ok(Transport::Tcp),
            other => Err(StoreError::Corrupt(format!("transport {other}"))),
        }
    }
}

/// Registration with the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// Register at all?
    pub enabled: bool,
    /// Requested expiry in seconds (60–3600, checked by the caller).
    pub expiry_secs: u32,
}

/// An outbound trunk as admins see it (the password only as "set or not").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTrunk {
    /// Its id.
    pub id: TrunkId,
    /// Unique name in the tenant.
    pub name: String,
    /// The carrier's proxy host (DNS name or IP address).
    pub proxy_host: String,
    /// Its port.
    pub proxy_port: u16,
    /// Transport.
    pub transport: Transport,
    /// Digest username, if the carrier challenges.
    pub username: Option<String>,
    /// Is a password stored?
    pub has_password: bool,
    /// Registration.
    pub register: Registration,
    /// Caller id presented on outbound calls.
    pub caller_id: Option<E164>,
    /// Most simultaneous calls through this trunk.
    pub max_calls: u32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A trunk to create or the new state of one (validated by the caller).
#[derive(Debug, Clone)]
pub struct OutboundTrunkInput {
    /// Name.
    pub name: String,
    /// Proxy host.
    pub proxy_host: String,
    /// Proxy port.
    pub proxy_port: u16,
    /// Transport.
    pub transport: Transport,
    /// Digest username.
    pub username: Option<String>,
    /// New password; `None` keeps the stored one (or none). Ignored without a username.
    pub password: Option<String>,
    /// Registration.
    pub register: Registration,
    /// Caller id.
    pub caller_id: Option<E164>,
    /// Concurrency cap.
    pub max_calls: u32,
}

/// What the SIP side needs to answer a carrier's challenge.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundCredentials {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// An outbound trunk that registers, as the registration task needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRegistration {
    /// The trunk's tenant.
    pub tenant: kefu_core::TenantId,
    /// The trunk.
    pub trunk: OutboundTrunk,
    /// Its digest credentials, if any.
    pub credentials: Option<OutboundCredentials>,
}

impl std::fmt::Debug for OutboundCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl TryFrom<outbound_trunk::Model> for OutboundTrunk {
    type Error = StoreError;
    fn try_from(m: outbound_trunk::Model) -> Result<Self, StoreError> {
        let num = |v: i32, what: &str| {
            u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("trunk {what} {v}")))
        };
        Ok(OutboundTrunk {
            id: parse_id(&m.id)?,
            proxy_port: u16::try_from(m.proxy_port)
                .map_err(|_| StoreError::Corrupt(format!("trunk port {}", m.proxy_port)))?,
            transport: Transport::parse(&m.transport)?,
            has_password: m.password.is_some(),
            register: Registration {
                enabled: m.register,
                expiry_secs: num(m.register_expiry, "expiry")?,
            },
            caller_id: m
                .caller_id
                .as_deref()
                .map(E164::parse)
                .transpose()
                .map_err(|_| StoreError::Corrupt("trunk caller id".into()))?,
            max_calls: num(m.max_calls, "max_calls")?,
            name: m.name,
            proxy_host: m.proxy_host,
            username: m.username,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

fn apply(am: &mut outbound_trunk::ActiveModel, input: &OutboundTrunkInput) {
    am.name = Set(input.name.clone());
    am.proxy_host = Set(input.proxy_host.clone());
    am.proxy_port = Set(i32::from(input.proxy_port));
    am.transport = Set(input.transport.as_str().to_owned());
    am.register = Set(input.register.enabled);
    am.register_expiry = Set(i32::try_from(input.register.expiry_secs).unwrap_or(i32::MAX));
    am.caller_id = Set(input.caller_id.as_ref().map(|c| c.as_str().to_owned()));
    am.max_calls = Set(i32::try_from(input.max_calls).unwrap_or(i32::MAX));
    am.username = Set(input.username.clone());
    match (&input.username, &input.password) {
        (None, _) => am.password = Set(None),
        (Some(_), Some(p)) => am.password = Set(Some(p.clone())),
        (Some(_), None) => {}
    }
}

fn audit_detail(input: &OutboundTrunkInput) -> serde_json::Value {
    serde_json::json!({
        "name": input.name,
        "proxy": format!("{}:{}", input.proxy_host, input.proxy_port),
        "transport": input.transport.as_str(),
        "register": input.register.enabled,
        "password_changed": input.password.is_some(),
    })
}

impl Store {
    /// The tenant's outbound trunks, oldest first (admins).
    pub async fn outbound_trunks(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<OutboundTrunk>, StoreError> {
        require(scope, Role::is_admin, "read trunks")?;
        outbound_trunk::Entity::find()
            .filter(outbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
            .order_by_asc(outbound_trunk::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(OutboundTrunk::try_from)
            .collect()
    }

    /// One outbound trunk of the tenant (admins).
    pub async fn outbound_trunk(
        &self,
        scope: &TenantScope,
        id: TrunkId,
    ) -> Result<OutboundTrunk, StoreError> {
        require(scope, Role::is_admin, "read trunks")?;
        find(self, scope, id).await?.try_into()
    }

    /// The trunk a call of the tenant leaves through (the oldest), with its credentials, for
    /// the SIP side placing a call. Any member's scope (calls run on behalf of agents and
    /// trunks); `None` when the tenant has no outbound trunk.
    pub async fn outbound_route(
        &self,
        scope: &TenantScope,
    ) -> Result<Option<(OutboundTrunk, Option<OutboundCredentials>)>, StoreError> {
        let first = outbound_trunk::Entity::find()
            .filter(outbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
            .order_by_asc(outbound_trunk::Column::Id)
            .one(self.db())
            .await?;
        let Some(m) = first else { return Ok(None) };
        let credentials = match (&m.username, &m.password) {
            (Some(username), Some(password)) => Some(OutboundCredentials {
                username: username.clone(),
                password: password.clone(),
            }),
            _ => None,
        };
        Ok(Some((m.try_into()?, credentials)))
    }

    /// The credentials to answer the carrier's challenge with, for the SIP side placing a call
    /// or registering. Any member's scope (calls run on behalf of agents and trunks).
    pub async fn outbound_credentials(
        &self,
        scope: &TenantScope,
        id: TrunkId,
    ) -> Result<Option<OutboundCredentials>, StoreError> {
        let m = find(self, scope, id).await?;
        Ok(match (m.username, m.password) {
            (Some(username), Some(password)) => Some(OutboundCredentials { username, password }),
            _ => None,
        })
    }

    /// Every outbound trunk, of every tenant, that registers with its carrier, with its
    /// credentials: for the SIP side's registration task, which serves no request and runs for
    /// the whole platform (like the inbound route lookup, it is not scoped to one tenant).
    pub async fn outbound_registrations(&self) -> Result<Vec<OutboundRegistration>, StoreError> {
        let rows = outbound_trunk::Entity::find()
            .filter(outbound_trunk::Column::Register.eq(true))
            .order_by_asc(outbound_trunk::Column::Id)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|m| {
                let tenant = parse_id(&m.tenant_id)?;
                let credentials = match (&m.username, &m.password) {
                    (Some(username), Some(password)) => Some(OutboundCredentials {
                        username: username.clone(),
                        password: password.clone(),
                    }),
                    _ => None,
                };
                Ok(OutboundRegistration {
                    tenant,
                    trunk: m.try_into()?,
                    credentials,
                })
            })
            .collect()
    }

    /// Create an outbound trunk (admins).
    pub async fn create_outbound_trunk(
        &self,
        scope: &TenantScope,
        input: &OutboundTrunkInput,
    ) -> Result<OutboundTrunk, StoreError> {
        require(scope, Role::is_admin, "change trunks")?;
        let txn = self.write_txn().await?;
        let existing = outbound_trunk::Entity::find()
            .filter(outbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
            .all(&txn)
            .await?;
        if existing.len() as u64 >= MAX_TRUNKS {
            return Err(StoreError::Invalid {
                field: "name",
                message: format!("a company may have at most {MAX_TRUNKS} outbound trunks"),
            });
        }
        unique_name(existing.iter(), "", &input.name)?;
        let now = Utc::now();
        let id = TrunkId::new();
        let mut am = outbound_trunk::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            id: Set(id.to_string()),
            password: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        apply(&mut am, input);
        let row = am.insert(&txn).await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "trunk.outbound_created",
            &row.id,
            audit_detail(input),
        )
        .await?;
        txn.commit().await?;
        row.try_into()
    }

    /// Replace an outbound trunk's settings (admins); a missing password keeps the stored one.
    pub async fn update_outbound_trunk(
        &self,
        scope: &TenantScope,
        id: TrunkId,
        input: &OutboundTrunkInput,
    ) -> Result<OutboundTrunk, StoreError> {
        require(scope, Role::is_admin, "change trunks")?;
        let txn = self.write_txn().await?;
        let current =
            outbound_trunk::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
        let others = outbound_trunk::Entity::find()
            .filter(outbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
            .all(&txn)
            .await?;
        unique_name(others.iter(), &current.id, &input.name)?;
        let mut am: outbound_trunk::ActiveModel = current.into();
        apply(&mut am, input);
        am.updated_at = Set(Utc::now());
        let row = am.update(&txn).await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "trunk.outbound_updated",
            &row.id,
            audit_detail(input),
        )
        .await?;
        txn.commit().await?;
        row.try_into()
    }

    /// Delete an outbound trunk (admins).
    pub async fn delete_outbound_trunk(
        &self,
        scope: &TenantScope,
        id: TrunkId,
    ) -> Result<(), StoreError> {
        require(scope, Role::is_admin, "change trunks")?;
        let txn = self.write_txn().await?;
        let res =
            outbound_trunk::Entity::delete_by_id((scope.tenant().to_string(), id.to_string()))
                .exec(&txn)
                .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "trunk.outbound_deleted",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

async fn find(
    store: &Store,
    scope: &TenantScope,
    id: TrunkId,
) -> Result<outbound_trunk::Model, StoreError> {
    outbound_trunk::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
        .one(store.db())
        .await?
        .ok_or(StoreError::NotFound)
}

fn unique_name<'a>(
    mut existing: impl Iterator<Item = &'a outbound_trunk::Model>,
    except: &str,
    name: &str,
) -> Result<(), StoreError> {
    if existing.any(|t| t.id != except && t.name.eq_ignore_ascii_case(name)) {
        return Err(StoreError::Conflict {
            field: "name",
            message: format!("an outbound trunk named {name} already exists"),
        });
    }
    Ok(())
}
