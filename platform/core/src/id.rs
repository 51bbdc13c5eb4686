//! Typed, prefixed identifiers (`ten_01J…`, `usr_01J…`).
//!
//! An id is a short type prefix, an underscore and a ULID in Crockford base32. The prefix makes
//! ids readable in logs and impossible to mix up: a `UserId` cannot be parsed from a tenant id.
//! ULIDs sort by creation time, which keeps B-tree indexes append-mostly, and new ones come from
//! one process-wide generator ([`next_ulid`]) so that within a process they strictly increase:
//! a list ordered by id is in creation order even for rows made in the same millisecond.

use std::fmt;
use std::str::FromStr;

mod monotonic;
pub use monotonic::next_ulid;

/// Why a string is not a valid id of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The prefix is missing or names another type of id.
    #[error("expected an id starting with `{expected}_`")]
    WrongPrefix {
        /// The prefix this id type requires.
        expected: &'static str,
    },
    /// The part after the prefix is not a ULID.
    #[error("`{0}` is not a valid ULID")]
    BadUlid(String),
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(ulid::Ulid);

        impl $name {
            /// The prefix in this id's text form.
            pub const PREFIX: &'static str = $prefix;

            /// A new id, greater than every id made before it in this process.
            pub fn new() -> Self {
                Self(next_ulid())
            }

            /// The id with this ULID (e.g. the agent of a user shares the user's ULID).
            pub fn from_ulid(ulid: ulid::Ulid) -> Self {
                Self(ulid)
            }

            /// The id's ULID.
            pub fn ulid(&self) -> ulid::Ulid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, IdError> {
                let rest = s
                    .strip_prefix($prefix)
                    .and_then(|r| r.strip_prefix('_'))
                    .ok_or(IdError::WrongPrefix { expected: $prefix })?;
                // ULID text is exactly 26 characters; checking first keeps error text bounded.
                if rest.len() != 26 {
                    return Err(IdError::BadUlid(truncate(rest)));
                }
                ulid::Ulid::from_string(rest)
                    .map(Self)
                    .map_err(|_| IdError::BadUlid(truncate(rest)))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

typed_id!(
    /// A company using Kefu.
    TenantId, "ten"
);
typed_id!(
    /// A person who signs in: owner, admin, supervisor, agent or developer.
    UserId, "usr"
);
typed_id!(
    /// An invitation to join a tenant.
    InvitationId, "inv"
);
typed_id!(
    /// An agent as the routing engine knows it (one per user who takes calls).
    AgentId, "agt"
);
typed_id!(
    /// A call queue.
    QueueId, "que"
);
typed_id!(
    /// A skill that calls require and agents have.
    SkillId, "skl"
);
typed_id!(
    /// One call, from the first INVITE to the last BYE.
    CallId, "cal"
);
typed_id!(
    /// A business-hours calendar.
    CalendarId, "hrs"
);
typed_id!(
    /// One call into a plugin (an invocation log record).
    PluginInvocationId, "piv"
);
typed_id!(
    /// A SIP trunk, inbound (carrier to Kefu) or outbound (Kefu to carrier).
    TrunkId, "trk"
);
typed_id!(
    /// A phone number (DID) a tenant receives calls on.
    DidId, "did"
);
typed_id!(
    /// A voicemail message a caller left.
    VoicemailId, "vm"
);
typed_id!(
    /// One domain event in a tenant's event log.
    EventId, "evt"
);
typed_id!(
    /// A call recording (one per recorded call segment).
    RecordingId, "rec"
);
typed_id!(
    /// A plugin installed in a tenant.
    InstallationId, "ins"
);

#[cfg(test)]
mod tests;
