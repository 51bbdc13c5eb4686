//! SIP trunks (inbound: who may send us calls; outbound: how we reach a carrier) and the phone
//! numbers (DIDs) tenants receive calls on. A number is globally unique: one number, one tenant.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboundTrunks {
    Table,
    TenantId,
    Id,
    Name,
    Enabled,
    Sources,
    DigestUsername,
    DigestRealm,
    DigestHa1Md5,
    DigestHa1Sha256,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboundTrunks {
    Table,
    TenantId,
    Id,
    Name,
    ProxyHost,
    ProxyPort,
    Transport,
    Username,
    Password,
    Register,
    RegisterExpiry,
    CallerId,
    MaxCalls,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Numbers {
    Table,
    TenantId,
    Id,
    Number,
    Label,
    EntryKind,
    EntryTarget,
    Trunks,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(InboundTrunks::Table)
                .col(string_len(InboundTrunks::TenantId, 32))
                .col(string_len(InboundTrunks::Id, 32))
                .col(string_len(InboundTrunks::Name, 100))
                .col(boolean(InboundTrunks::Enabled))
                .col(text(InboundTrunks::Sources))
                .col(string_len_null(InboundTrunks::DigestUsername, 64))
                .col(string_len_null(InboundTrunks::DigestRealm, 64))
                .col(string_len_null(InboundTrunks::DigestHa1Md5, 32))
                .col(string_len_null(InboundTrunks::DigestHa1Sha256, 64))
                .col(timestamp_with_time_zone(InboundTrunks::CreatedAt))
                .col(timestamp_with_time_zone(InboundTrunks::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(InboundTrunks::TenantId)
                        .col(InboundTrunks::Id),
                )
                .to_owned(),
        )
        .await?;
        // A digest username names one trunk across all tenants: the edge finds the trunk by it.
        m.create_index(
            Index::create()
                .name("ux_inbound_trunks_digest_username")
                .table(InboundTrunks::Table)
                .col(InboundTrunks::DigestUsername)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutboundTrunks::Table)
                .col(string_len(OutboundTrunks::TenantId, 32))
                .col(string_len(OutboundTrunks::Id, 32))
                .col(string_len(OutboundTrunks::Name, 100))
                .col(string_len(OutboundTrunks::ProxyHost, 253))
                .col(integer(OutboundTrunks::ProxyPort))
                .col(string_len(OutboundTrunks::Transport, 8))
                .col(string_len_null(OutboundTrunks::Username, 64))
                .col(string_len_null(OutboundTrunks::Password, 128))
                .col(boolean(OutboundTrunks::Register))
                .col(integer(OutboundTrunks::RegisterExpiry))
                .col(string_len_null(OutboundTrunks::CallerId, 16))
                .col(integer(OutboundTrunks::MaxCalls))
                .col(timestamp_with_time_zone(OutboundTrunks::CreatedAt))
                .col(timestamp_with_time_zone(OutboundTrunks::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(OutboundTrunks::TenantId)
                        .col(OutboundTrunks::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Numbers::Table)
                .col(string_len(Numbers::TenantId, 32))
                .col(string_len(Numbers::Id, 32))
                .col(string_len(Numbers::Number, 16))
                .col(string_len(Numbers::Label, 100))
                .col(string_len(Numbers::EntryKind, 16))
                .col(string_len(Numbers::EntryTarget, 32))
                .col(text(Numbers::Trunks))
                .col(timestamp_with_time_zone(Numbers::CreatedAt))
                .col(timestamp_with_time_zone(Numbers::UpdatedAt))
                .primary_key(Index::create().col(Numbers::TenantId).col(Numbers::Id))
                .to_owned(),
        )
        .await?;
        // One number, one tenant: the dialled number alone picks the tenant.
        m.create_index(
            Index::create()
                .name("ux_numbers_number")
                .table(Numbers::Table)
                .col(Numbers::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        // "Which numbers point at this installation / queue?" on uninstall and queue deletion.
        m.create_index(
            Index::create()
                .name("ix_numbers_entry")
                .table(Numbers::Table)
                .col(Numbers::TenantId)
                .col(Numbers::EntryTarget)
                .to_owned(),
        )
        .await
    }
}
