//! Domain events: every state change is one, stored and published.
//!
//! The foundation has only the tenant and user lifecycle; calls, agents, queues and recordings
//! add their variants with their own issues. Event names are stable strings (`user.invited`)
//! because they are stored and sent to browsers and plugins.

use serde::{Deserialize, Serialize};

use crate::{Role, TenantId, UserId};

/// Something that happened in a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainEvent {
    /// A company signed up.
    #[serde(rename = "tenant.created")]
    TenantCreated {
        /// The new tenant.
        tenant: TenantId,
    },
    /// A user was invited (or created by an admin).
    #[serde(rename = "user.invited")]
    UserInvited {
        /// The invited user.
        user: UserId,
        /// The role they will hold.
        role: Role,
    },
    /// A user's role changed.
    #[serde(rename = "user.role_changed")]
    UserRoleChanged {
        /// Whose role.
        user: UserId,
        /// The new role.
        role: Role,
    },
    /// A user was disabled or enabled again.
    #[serde(rename = "user.disabled_changed")]
    UserDisabledChanged {
        /// Whose account.
        user: UserId,
        /// Disabled now?
        disabled: bool,
    },
}

impl DomainEvent {
    /// The stable event name (`user.invited`).
    pub fn name(&self) -> &'static str {
        match self {
            DomainEvent::TenantCreated { .. } => "tenant.created",
            DomainEvent::UserInvited { .. } => "user.invited",
            DomainEvent::UserRoleChanged { .. } => "user.role_changed",
            DomainEvent::UserDisabledChanged { .. } => "user.disabled_changed",
        }
    }
}
