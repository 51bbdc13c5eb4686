//! The tenant scope: the only key to tenant data.
//!
//! Every repository function that touches tenant rows takes a `&TenantScope`, and filters and
//! stamps rows with its tenant id. A scope is minted only where a caller has proven who they are:
//! the authentication layer (a verified access token, a checked password, or the sign-up that
//! creates the tenant). `TenantScope::authenticated` is banned everywhere else by
//! `clippy.toml` (`disallowed-methods`), and CI runs clippy with warnings denied, so "forgot the
//! tenant" cannot compile into a handler.

use crate::{Role, TenantId, UserId};

/// Proof that a request acts for one user of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    tenant: TenantId,
    user: UserId,
    role: Role,
}

impl TenantScope {
    /// Mint a scope for an authenticated user. Only authentication code may call this
    /// (enforced by clippy's `disallowed-methods`; see the module docs).
    pub fn authenticated(tenant: TenantId, user: UserId, role: Role) -> Self {
        Self { tenant, user, role }
    }

    /// The tenant every read and write is confined to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The user acting (recorded in the audit log).
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The acting user's role.
    pub fn role(&self) -> Role {
        self.role
    }
}
