//! The one schema for SQLite and PostgreSQL.
//!
//! Every tenant table has `tenant_id` first in its primary key and indexes, so rows of one
//! tenant sit together and the schema is ready for sharding by tenant. Migrations only ever add:
//! an applied migration is never edited.
#![deny(missing_docs)]

use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_tenant_config;
mod m20261122_000003_plugins;
mod m20261122_000004_plugin_runtime;
mod m20261122_000005_trunks;
mod m20261122_000006_calls;
mod m20261207_000007_events;
mod m20261208_000008_number_fallback;
mod m20261209_000009_call_record_agents;
mod m20261209_000010_call_record_holds;

pub use sea_orm_migration::MigratorTrait;

/// Applies Kefu's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_tenant_config::Migration),
            Box::new(m20261122_000003_plugins::Migration),
            Box::new(m20261122_000004_plugin_runtime::Migration),
            Box::new(m20261122_000005_trunks::Migration),
            Box::new(m20261122_000006_calls::Migration),
            Box::new(m20261207_000007_events::Migration),
            Box::new(m20261208_000008_number_fallback::Migration),
            Box::new(m20261209_000009_call_record_agents::Migration),
            Box::new(m20261209_000010_call_record_holds::Migration),
        ]
    }
}
