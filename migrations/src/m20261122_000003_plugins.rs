//! Published plugin versions (immutable, content-hashed, blob in the object store) and the
//! installations tenants make of them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PluginVersions {
    Table,
    TenantId,
    Name,
    Version,
    World,
    Manifest,
    ContentHash,
    Size,
    Public,
    BlobKey,
    PublishedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PluginInstallations {
    Table,
    TenantId,
    Id,
    PublisherId,
    Name,
    Version,
    PreviousVersion,
    Config,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PluginVersions::Table)
                .col(string_len(PluginVersions::TenantId, 32))
                .col(string_len(PluginVersions::Name, 64))
                .col(string_len(PluginVersions::Version, 64))
                .col(string_len(PluginVersions::World, 16))
                .col(text(PluginVersions::Manifest))
                .col(string_len(PluginVersions::ContentHash, 64))
                .col(big_integer(PluginVersions::Size))
                .col(boolean(PluginVersions::Public))
                .col(string_len(PluginVersions::BlobKey, 512))
                .col(string_len(PluginVersions::PublishedBy, 32))
                .col(timestamp_with_time_zone(PluginVersions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(PluginVersions::TenantId)
                        .col(PluginVersions::Name)
                        .col(PluginVersions::Version),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PluginInstallations::Table)
                .col(string_len(PluginInstallations::TenantId, 32))
                .col(string_len(PluginInstallations::Id, 32))
                .col(string_len(PluginInstallations::PublisherId, 32))
                .col(string_len(PluginInstallations::Name, 64))
                .col(string_len(PluginInstallations::Version, 64))
                .col(string_len_null(PluginInstallations::PreviousVersion, 64))
                .col(text(PluginInstallations::Config))
                .col(timestamp_with_time_zone(PluginInstallations::CreatedAt))
                .col(timestamp_with_time_zone(PluginInstallations::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(PluginInstallations::TenantId)
                        .col(PluginInstallations::Id),
                )
                .to_owned(),
        )
        .await
    }
}
