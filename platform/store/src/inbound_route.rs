//! The SIP edge's lookup for an inbound INVITE: which tenant, number, entry and trunk a
//! request from a source address (and maybe digest credentials) to a dialled number reaches —
//! or why it is refused. It runs per INVITE, so it reads an in-memory [`Directory`] of every
//! enabled inbound trunk and every number, rebuilt after a trunk or number changes through this
//! store and at least every [`MAX_AGE`] (changes made on another node).
//!
//! The rule that must never break: a number is reachable only through a trunk of its own
//! tenant, and only through the trunks it is restricted to. Nothing here relays or crosses
//! tenants. A route carries the tenant scope the call runs with; minting it here is an
//! authentication point (decision 0003): the trunk was matched by source address and/or a
//! verified digest response.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use kefu_core::{DidId, E164, QueueId, TenantId, TenantScope, TrunkId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entity::{inbound_trunk, number, tenant};
use crate::inbound_trunks::{parse_sources, stored_digest};
use crate::numbers::{NumberEntry, parse_trunks};
use crate::sip_digest::{DigestAnswer, StoredDigest};
use crate::{Store, StoreError, parse_id};

/// Longest a directory is used before it is rebuilt from the database.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// An inbound request as the SIP edge sees it.
#[derive(Debug, Clone, Copy)]
pub struct InboundCall<'a> {
    /// Where the request came from (the transport source, not a header).
    pub source: IpAddr,
    /// The digest response, when the request carried credentials.
    pub digest: Option<DigestAnswer<'a>>,
    /// The request-URI user part (normalised to E.164 here).
    pub dialled: &'a str,
}

/// Where an accepted inbound call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRoute {
    /// The number's tenant.
    pub tenant: TenantId,
    /// The number's id.
    pub did: DidId,
    /// The number.
    pub number: E164,
    /// Its entry (IVR installation or queue).
    pub entry: NumberEntry,
    /// Where the call goes if its IVR fails (`None`: it is hung up after an apology).
    pub fallback_queue: Option<QueueId>,
    /// The trunk the call came through.
    pub trunk: TrunkId,
    scope: TenantScope,
}

impl InboundRoute {
    /// The scope the call runs with: the number's tenant's telephony principal, for the trunk.
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
}

/// Why an inbound request is refused.
#[derive(Debug, thiserror::Error)]
pub enum InboundRefusal {
    /// No enabled trunk admits this source (and credentials, if any). SIP 403 — or a digest
    /// challenge, if the edge wants to offer credential trunks a chance.
    #[error("no trunk admits this source")]
    UnknownSource,
    /// The credentials name a trunk but the digest response is wrong. SIP 403.
    #[error("wrong digest credentials")]
    BadCredentials,
    /// The number is not one of the admitting trunk's tenant (or not a number at all). SIP 404.
    #[error("unknown number")]
    UnknownNumber,
    /// The number is restricted to other trunks of its tenant. SIP 403.
    #[error("the number does not accept calls through this trunk")]
    NotAllowedForTrunk,
    /// The directory could not be loaded. SIP 503.
    #[error("directory unavailable: {0}")]
    Unavailable(#[from] StoreError),
}

impl InboundRefusal {
    /// The SIP status to answer with.
    pub fn sip_status(&self) -> u16 {
        match self {
            InboundRefusal::UnknownSource
            | InboundRefusal::BadCredentials
            | InboundRefusal::NotAllowedForTrunk => 403,
            InboundRefusal::UnknownNumber => 404,
            InboundRefusal::Unavailable(_) => 503,
        }
    }
}

struct DirTrunk {
    id: TrunkId,
    tenant: TenantId,
    sources: Vec<IpNet>,
    digest: Option<StoredDigest>,
}

impl DirTrunk {
    /// Does this trunk admit the call? Every method it configures must pass.
    fn admits(&self, call: &InboundCall<'_>) -> bool {
        if !self.sources.is_empty() && !self.sources.iter().any(|n| n.contains(&call.source)) {
            return false;
        }
        match (&self.digest, &call.digest) {
            (None, _) => true,
            (Some(d), Some(answer)) => answer.username == d.username && d.verifies(answer),
            (Some(_), None) => false,
        }
    }
}

struct DirNumber {
    tenant: TenantId,
    id: DidId,
    number: E164,
    entry: NumberEntry,
    fallback_queue: Option<QueueId>,
    trunks: Vec<TrunkId>,
}

/// Every enabled inbound trunk and every number, indexed for the lookup.
pub struct Directory {
    trunks: Vec<DirTrunk>,
    by_tenant: HashMap<TenantId, Vec<usize>>,
    by_username: HashMap<String, usize>,
    numbers: HashMap<E164, DirNumber>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("trunks", &self.trunks.len())
            .field("numbers", &self.numbers.len())
            .finish()
    }
}

/// Authentication point (decision 0003): the SIP edge's trunk was just admitted by its source
/// address and/or a verified digest response, and the number belongs to the trunk's tenant.
/// The call runs as the tenant's telephony principal, for this trunk (no user, no role rights).
fn trunk_scope(tenant: TenantId, trunk: TrunkId) -> TenantScope {
    #[allow(clippy::disallowed_methods)] // authentication: the trunk was just admitted
    TenantScope::telephony(tenant, Some(trunk))
}

impl Directory {
    /// Whether any enabled trunk authenticates by digest (then an unknown source is challenged
    /// instead of refused).
    pub fn accepts_credentials(&self) -> bool {
        !self.by_username.is_empty()
    }

    /// Route one inbound call.
    pub fn route(&self, call: &InboundCall<'_>) -> Result<InboundRoute, InboundRefusal> {
        let number = E164::from_dialled(call.dialled)
            .ok()
            .and_then(|n| self.numbers.get(&n));
        if let Some(n) = number {
            let mut admitted = self
                .by_tenant
                .get(&n.tenant)
                .into_iter()
                .flatten()
                .map(|&i| &self.trunks[i])
                .filter(|t| t.admits(call))
                .peekable();
            if admitted.peek().is_some() {
                // Prefer a trunk that authenticated by credentials over one matched by address.
                let mut allowed: Vec<&DirTrunk> = admitted
                    .filter(|t| n.trunks.is_empty() || n.trunks.contains(&t.id))
                    .collect();
                allowed.sort_by_key(|t| t.digest.is_none());
                let trunk = allowed.first().ok_or(InboundRefusal::NotAllowedForTrunk)?;
                return Ok(InboundRoute {
                    tenant: n.tenant,
                    did: n.id,
                    number: n.number.clone(),
                    entry: n.entry.clone(),
                    fallback_queue: n.fallback_queue,
                    trunk: trunk.id,
                    scope: trunk_scope(n.tenant, trunk.id),
                });
            }
        }
        Err(self.refusal(call))
    }

    /// Why no route: wrong credentials, a known source dialling a number not of its tenant,
    /// or an unknown source. Only refusals pay for this scan.
    fn refusal(&self, call: &InboundCall<'_>) -> InboundRefusal {
        if let Some(answer) = &call.digest
            && let Some(&i) = self.by_username.get(answer.username)
            && let Some(d) = &self.trunks[i].digest
            && !d.verifies(answer)
        {
            return InboundRefusal::BadCredentials;
        }
        if self.trunks.iter().any(|t| t.admits(call)) {
            InboundRefusal::UnknownNumber
        } else {
            InboundRefusal::UnknownSource
        }
    }

    fn build(
        trunks: Vec<inbound_trunk::Model>,
        numbers: Vec<number::Model>,
    ) -> Result<Directory, StoreError> {
        let mut dir = Directory {
            trunks: Vec::with_capacity(trunks.len()),
            by_tenant: HashMap::new(),
            by_username: HashMap::new(),
            numbers: HashMap::with_capacity(numbers.len()),
        };
        for m in trunks {
            let t = DirTrunk {
                id: parse_id(&m.id)?,
                tenant: parse_id(&m.tenant_id)?,
                sources: parse_sources(&m.sources)?,
                digest: stored_digest(&m),
            };
            let at = dir.trunks.len();
            dir.by_tenant.entry(t.tenant).or_default().push(at);
            if let Some(d) = &t.digest {
                dir.by_username.insert(d.username.clone(), at);
            }
            dir.trunks.push(t);
        }
        for m in numbers {
            let number = E164::parse(&m.number)
                .map_err(|_| StoreError::Corrupt(format!("number {}", m.number)))?;
            dir.numbers.insert(
                number.clone(),
                DirNumber {
                    tenant: parse_id(&m.tenant_id)?,
                    id: parse_id(&m.id)?,
                    entry: NumberEntry::from_row(&m.entry_kind, &m.entry_target)?,
                    fallback_queue: m.fallback_queue.as_deref().map(parse_id).transpose()?,
                    trunks: parse_trunks(&m.trunks)?,
                    number,
                },
            );
        }
        Ok(dir)
    }
}

/// The store's current directory, and a generation bumped on every change so a directory
/// built from data read before a change is never installed after it.
#[derive(Default)]
pub(crate) struct DirectoryCache {
    current: RwLock<Option<(Arc<Directory>, Instant)>>,
    generation: AtomicU64,
}

impl std::fmt::Debug for DirectoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryCache")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl DirectoryCache {
    /// Forget the directory: a trunk or number changed.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut current) = self.current.write() {
            *current = None;
        }
    }

    fn fresh(&self) -> Option<Arc<Directory>> {
        let current = self.current.read().ok()?;
        let (dir, built) = current.as_ref()?;
        (built.elapsed() < MAX_AGE).then(|| dir.clone())
    }

    fn install(&self, dir: Arc<Directory>, generation: u64, built: Instant) {
        if let Ok(mut current) = self.current.write()
            && self.generation.load(Ordering::SeqCst) == generation
        {
            *current = Some((dir, built));
        }
    }
}

impl Store {
    /// Route an inbound call (the SIP edge calls this per INVITE). Not scoped: the lookup is
    /// what authenticates the trunk and picks the tenant.
    pub async fn inbound_route(
        &self,
        call: &InboundCall<'_>,
    ) -> Result<InboundRoute, InboundRefusal> {
        self.inbound_directory().await?.route(call)
    }

    /// The tenant's telephony principal without a trunk, for what the call side does for a
    /// tenant rather than for one admitted call (its routing for the ACD, its prompts, closing
    /// the calls a crash left open); a call's own steps run as its [`InboundRoute::scope`]. The
    /// tenant must exist. Only the call side asks, and only for tenants whose calls it runs:
    /// their tenant came from [`Store::inbound_route`] (or from the event log, after a crash).
    pub async fn telephony_scope(&self, tenant: TenantId) -> Result<TenantScope, StoreError> {
        tenant::Entity::find_by_id(tenant.to_string())
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        // An authentication point for calls (decision 0003): the tenant is one whose admitted
        // calls are running; the scope grants no role rights.
        #[allow(clippy::disallowed_methods)]
        Ok(TenantScope::telephony(tenant, None))
    }

    /// The current directory, rebuilt from the database if a change or [`MAX_AGE`] made it stale.
    pub async fn inbound_directory(&self) -> Result<Arc<Directory>, StoreError> {
        if let Some(dir) = self.inbound.fresh() {
            return Ok(dir);
        }
        let generation = self.inbound.generation.load(Ordering::SeqCst);
        let built = Instant::now();
        let trunks = inbound_trunk::Entity::find()
            .filter(inbound_trunk::Column::Enabled.eq(true))
            .all(self.db())
            .await?;
        let numbers = number::Entity::find().all(self.db()).await?;
        let dir = Arc::new(Directory::build(trunks, numbers)?);
        self.inbound.install(dir.clone(), generation, built);
        Ok(dir)
    }
}
