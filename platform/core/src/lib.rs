//! Kefu's shared domain vocabulary: typed, prefixed ids, roles, the tenant scope and domain
//! events. This crate owns no IO and never will: every other crate depends on it, so it stays
//! small, pure and quick to build.
//!
//! The one rule that shapes everything else is tenancy: every piece of tenant data is reached
//! through a [`TenantScope`], and only authentication creates one (see [`tenant`]).
#![deny(missing_docs)]

pub mod calendar;
pub mod event;
pub use event::{DomainEvent, Event};
pub mod id;
pub mod phone;
pub mod role;
pub mod tenant;

pub use id::{
    AgentId, CalendarId, CallId, DidId, EventId, IdError, InstallationId, InvitationId,
    PluginInvocationId, QueueId, RecordingId, SkillId, TenantId, TrunkId, UserId, VoicemailId,
};
pub use phone::E164;
pub use role::Role;
pub use tenant::{Principal, TenantScope};
