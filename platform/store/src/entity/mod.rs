//! sea-orm entities, one file per table. Private to the crate: callers use the repositories,
//! which always filter by tenant.

pub(crate) mod audit_log;
pub(crate) mod call_record;
pub(crate) mod event;
pub(crate) mod event_counter;
pub(crate) mod inbound_trunk;
pub(crate) mod invitation;
pub(crate) mod number;
pub(crate) mod open_call;
pub(crate) mod outbound_trunk;
pub(crate) mod outbox;
pub(crate) mod plugin_installation;
pub(crate) mod plugin_invocation;
pub(crate) mod plugin_version;
pub(crate) mod refresh_token;
pub(crate) mod signing_key;
pub(crate) mod tenant;
pub(crate) mod tenant_config;
pub(crate) mod user;
pub(crate) mod voicemail;
