//! The tenant scope: the only key to tenant data.
//!
//! Every repository function that touches tenant rows takes a `&TenantScope`, and filters and
//! stamps rows with its tenant id. A scope is minted only where a caller has proven who they are:
//! the authentication layer (a verified access token, a checked password, or the sign-up that
//! creates the tenant), and trunk admission for calls. `TenantScope::authenticated` and
//! `TenantScope::telephony` are banned everywhere else by `clippy.toml` (`disallowed-methods`),
//! and CI runs clippy with warnings denied, so "forgot the tenant" cannot compile into a handler.
//!
//! A scope says who acts ([`Principal`]): a signed-in user with their role, the platform's
//! telephony acting for the tenant on its calls, or the platform delivering the tenant's stored
//! events to its integration plugins. The platform's principals hold [`Role::Platform`], which
//! passes none of the role checks (no admin, supervisor or publisher rights): they only read
//! what they run on and write what they produce.

use std::fmt;
use std::str::FromStr;

use crate::{Role, TenantId, TrunkId, UserId};

/// Who acts within a tenant (recorded as the actor in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A signed-in user.
    User(UserId),
    /// The platform's telephony acting for the tenant on its calls: for the trunk that
    /// admitted the call when that is known, for the tenant's calls in general otherwise.
    Telephony {
        /// The inbound trunk that admitted the call, when known.
        trunk: Option<TrunkId>,
    },
    /// The platform delivering the tenant's stored events to the tenant's `integration`
    /// plugins (webhooks and the like).
    Integrations,
}

/// The text of [`Principal::Telephony`] without a trunk.
const TELEPHONY: &str = "telephony";
/// The text of [`Principal::Integrations`].
const INTEGRATIONS: &str = "integrations";

impl Principal {
    /// `user`, `telephony` or `integrations`.
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::User(_) => "user",
            Principal::Telephony { .. } => TELEPHONY,
            Principal::Integrations => INTEGRATIONS,
        }
    }
}

/// The stored form: the user's id (`usr_…`), the trunk's id (`trk_…`), `telephony` or
/// `integrations`.
impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::User(user) => fmt::Display::fmt(user, f),
            Principal::Telephony { trunk: Some(trunk) } => fmt::Display::fmt(trunk, f),
            Principal::Telephony { trunk: None } => f.write_str(TELEPHONY),
            Principal::Integrations => f.write_str(INTEGRATIONS),
        }
    }
}

/// The text was not a user id, a trunk id, `telephony` or `integrations`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a principal: expected a user id (usr_…), a trunk id (trk_…), `telephony` or `integrations`"
)]
pub struct UnknownPrincipal;

impl FromStr for Principal {
    type Err = UnknownPrincipal;

    fn from_str(s: &str) -> Result<Self, UnknownPrincipal> {
        if s == TELEPHONY {
            return Ok(Principal::Telephony { trunk: None });
        }
        if s == INTEGRATIONS {
            return Ok(Principal::Integrations);
        }
        if let Ok(user) = s.parse::<UserId>() {
            return Ok(Principal::User(user));
        }
        s.parse::<TrunkId>()
            .map(|trunk| Principal::Telephony { trunk: Some(trunk) })
            .map_err(|_| UnknownPrincipal)
    }
}

/// Proof that a request acts for one principal of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    tenant: TenantId,
    principal: Principal,
    role: Role,
}

impl TenantScope {
    /// Mint a scope for an authenticated user. Only authentication code may call this
    /// (enforced by clippy's `disallowed-methods`; see the module docs).
    pub fn authenticated(tenant: TenantId, user: UserId, role: Role) -> Self {
        Self {
            tenant,
            principal: Principal::User(user),
            role,
        }
    }

    /// Mint the scope the tenant's calls run with: the telephony principal, for the trunk that
    /// admitted the call when known. Only trunk admission (and the store's look-up of a
    /// tenant's telephony scope) may call this (enforced like [`TenantScope::authenticated`]).
    pub fn telephony(tenant: TenantId, trunk: Option<TrunkId>) -> Self {
        Self {
            tenant,
            principal: Principal::Telephony { trunk },
            role: Role::Platform,
        }
    }

    /// Mint the scope the platform delivers a tenant's stored events to its integration
    /// plugins with. Only the delivery task may call this (enforced like
    /// [`TenantScope::authenticated`]): the tenant comes from the event log.
    pub fn integrations(tenant: TenantId) -> Self {
        Self {
            tenant,
            principal: Principal::Integrations,
            role: Role::Platform,
        }
    }

    /// The tenant every read and write is confined to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Who acts (recorded in the audit log).
    pub fn principal(&self) -> Principal {
        self.principal
    }

    /// The acting user, when a user acts (not one of the platform's principals).
    pub fn user(&self) -> Option<UserId> {
        match self.principal {
            Principal::User(user) => Some(user),
            Principal::Telephony { .. } | Principal::Integrations => None,
        }
    }

    /// The acting principal's role ([`Role::Platform`] for the platform's principals).
    pub fn role(&self) -> Role {
        self.role
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_round_trip_through_their_text() {
        let user = Principal::User(UserId::new());
        let trunk = Principal::Telephony {
            trunk: Some(TrunkId::new()),
        };
        let tenant_wide = Principal::Telephony { trunk: None };
        for p in [user, trunk, tenant_wide, Principal::Integrations] {
            assert_eq!(p.to_string().parse::<Principal>(), Ok(p));
        }
        assert_eq!(tenant_wide.to_string(), "telephony");
        assert_eq!(trunk.kind(), "telephony");
        assert_eq!(user.kind(), "user");
        assert!(
            "ten_01J0000000000000000000000"
                .parse::<Principal>()
                .is_err()
        );
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the constructors under test
    fn the_platforms_scopes_have_no_user_and_no_rights() {
        let tenant = TenantId::new();
        for scope in [
            TenantScope::telephony(tenant, Some(TrunkId::new())),
            TenantScope::integrations(tenant),
        ] {
            assert_eq!(scope.user(), None);
            let role = scope.role();
            assert!(!role.is_admin() && !role.is_supervisor() && !role.may_publish_plugins());
            assert!(Role::ALL.iter().all(|&r| !role.may_grant(r)));
        }
        assert_eq!(
            TenantScope::integrations(tenant).principal().to_string(),
            "integrations"
        );
    }
}
