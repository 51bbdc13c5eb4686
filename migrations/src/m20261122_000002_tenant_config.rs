//! Per-tenant configuration documents (routing: skills, queues, agents' skills, reason codes,
//! business-hours calendars), versioned for optimistic concurrency.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantConfigs {
    Table,
    TenantId,
    Kind,
    Version,
    Doc,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TenantConfigs::Table)
                .col(string_len(TenantConfigs::TenantId, 32))
                .col(string_len(TenantConfigs::Kind, 32))
                .col(big_integer(TenantConfigs::Version))
                .col(text(TenantConfigs::Doc))
                .col(timestamp_with_time_zone(TenantConfigs::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(TenantConfigs::TenantId)
                        .col(TenantConfigs::Kind),
                )
                .to_owned(),
        )
        .await
    }
}
