//! Roles a user holds within one tenant, and what each may do.

use std::fmt;
use std::str::FromStr;

/// A user's role in a tenant. Roles are ordered by privilege for the staff ladder
/// (agent < supervisor < admin < owner); `Developer` is beside the ladder: it publishes plugins
/// but manages nobody. `Platform` is no user's: it is the role of the platform's own
/// principals (telephony on calls, event delivery to integrations; see
/// [`crate::tenant::Principal`]), passes none of the checks below, and is neither parsed nor
/// serialized (a token, a stored user or an API body can never carry it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the tenant; can do everything, including managing admins.
    Owner,
    /// Manages users, numbers, queues and configuration.
    Admin,
    /// Watches and coaches agents, reads reports.
    Supervisor,
    /// Takes and makes calls.
    Agent,
    /// Writes and publishes plugins.
    Developer,
    /// The platform acting for a tenant (its calls, its event deliveries); never a user's role.
    #[serde(skip)]
    Platform,
}

impl Role {
    /// Every role a user can hold, for listings and exhaustive tests (not `Platform`).
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Supervisor,
        Role::Agent,
        Role::Developer,
    ];

    /// The text form used in tokens, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Developer => "developer",
            Role::Platform => "platform",
        }
    }

    /// May this role manage users and tenant configuration?
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// May this role watch agents and read reports?
    pub fn is_supervisor(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Supervisor)
    }

    /// May this role publish plugin versions?
    pub fn may_publish_plugins(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Developer)
    }

    /// May a user with this role grant `other` (invite with it, or change someone to it)?
    /// Only the owner creates owners; admins grant every other role.
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => other != Role::Owner,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the role names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role; expected one of owner, admin, supervisor, agent, developer")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(UnknownRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("root".parse::<Role>(), Err(UnknownRole));
        assert_eq!(
            "platform".parse::<Role>(),
            Err(UnknownRole),
            "no user holds it"
        );
        assert!(serde_json::from_str::<Role>("\"platform\"").is_err());
    }

    #[test]
    fn only_owners_grant_owner() {
        assert!(Role::Owner.may_grant(Role::Owner));
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(Role::Admin.may_grant(Role::Admin));
        assert!(!Role::Supervisor.may_grant(Role::Agent));
        assert!(!Role::Agent.may_grant(Role::Agent));
    }
}
