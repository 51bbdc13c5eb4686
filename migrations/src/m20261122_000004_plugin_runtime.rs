//! What running plugins needs: the persisted invocation log, and installation secrets.
//!
//! `plugin_invocations` keeps one row per call into a plugin (bounded per tenant by the server's
//! retention), with the summary columns the log lists filter on and the full record (input,
//! outcome, host calls and their answers, log lines) as JSON for replay.
//! `plugin_installations.secrets` holds the installation's secrets sealed by the server
//! (AES-256-GCM); the column never holds plaintext.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PluginInvocations {
    Table,
    TenantId,
    Id,
    InstallationId,
    Plugin,
    Version,
    World,
    Function,
    Outcome,
    Detail,
    DurationUs,
    CreatedAt,
    Record,
}

#[derive(DeriveIden)]
enum PluginInstallations {
    Table,
    Secrets,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PluginInvocations::Table)
                .col(string_len(PluginInvocations::TenantId, 32))
                .col(string_len(PluginInvocations::Id, 32))
                .col(string_len_null(PluginInvocations::InstallationId, 32))
                .col(string_len(PluginInvocations::Plugin, 64))
                .col(string_len(PluginInvocations::Version, 64))
                .col(string_len(PluginInvocations::World, 16))
                .col(string_len(PluginInvocations::Function, 32))
                .col(string_len(PluginInvocations::Outcome, 16))
                .col(string_len_null(PluginInvocations::Detail, 64))
                .col(big_integer(PluginInvocations::DurationUs))
                .col(timestamp_with_time_zone(PluginInvocations::CreatedAt))
                .col(text(PluginInvocations::Record))
                .primary_key(
                    Index::create()
                        .col(PluginInvocations::TenantId)
                        .col(PluginInvocations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("plugin_invocations_by_installation")
                .table(PluginInvocations::Table)
                .col(PluginInvocations::TenantId)
                .col(PluginInvocations::InstallationId)
                .col(PluginInvocations::Id)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PluginInstallations::Table)
                .add_column(text(PluginInstallations::Secrets).default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PluginInstallations::Table)
                .drop_column(PluginInstallations::Secrets)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(PluginInvocations::Table).to_owned())
            .await
    }
}
