//! Tenants, users, sessions, signing keys, invitations, the outbox and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Id,
    Email,
    Name,
    Role,
    PasswordHash,
    Status,
    TokensValidAfter,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TenantId,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    Algorithm,
    PrivateDer,
    PublicDer,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    TenantId,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    TenantId,
    Kind,
    Recipient,
    Subject,
    Body,
    CreatedAt,
    SentAt,
    Attempts,
    LastError,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    TenantId,
    Id,
    At,
    ActorId,
    Action,
    Target,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .col(string_len(Tenants::Id, 32).primary_key())
                .col(string_len_uniq(Tenants::Slug, 64))
                .col(string_len(Tenants::Name, 200))
                .col(timestamp_with_time_zone(Tenants::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(string_len(Users::TenantId, 32))
                .col(string_len(Users::Id, 32))
                .col(string_len(Users::Email, 254))
                .col(string_len(Users::Name, 200))
                .col(string_len(Users::Role, 16))
                .col(string_len_null(Users::PasswordHash, 200))
                .col(string_len(Users::Status, 16))
                .col(timestamp_with_time_zone(Users::TokensValidAfter))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .primary_key(Index::create().col(Users::TenantId).col(Users::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_tenant_email")
                .table(Users::Table)
                .col(Users::TenantId)
                .col(Users::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        // Login looks an e-mail up across tenants before it knows the tenant.
        m.create_index(
            Index::create()
                .name("users_email")
                .table(Users::Table)
                .col(Users::Email)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(string_len(RefreshTokens::TenantId, 32))
                .col(string_len(RefreshTokens::Id, 32))
                .col(string_len(RefreshTokens::UserId, 32))
                .col(string_len(RefreshTokens::FamilyId, 32))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .primary_key(
                    Index::create()
                        .col(RefreshTokens::TenantId)
                        .col(RefreshTokens::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::TenantId)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("refresh_tokens_user")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::TenantId)
                .col(RefreshTokens::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(string_len(SigningKeys::Kid, 32).primary_key())
                .col(string_len(SigningKeys::Algorithm, 16))
                .col(blob(SigningKeys::PrivateDer))
                .col(blob(SigningKeys::PublicDer))
                .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(string_len(Invitations::TenantId, 32))
                .col(string_len(Invitations::Id, 32))
                .col(string_len(Invitations::UserId, 32))
                .col(string_len_uniq(Invitations::TokenHash, 64))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                .primary_key(
                    Index::create()
                        .col(Invitations::TenantId)
                        .col(Invitations::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(string_len(Outbox::Id, 32).primary_key())
                .col(string_len(Outbox::TenantId, 32))
                .col(string_len(Outbox::Kind, 16))
                .col(string_len(Outbox::Recipient, 254))
                .col(string_len(Outbox::Subject, 200))
                .col(text(Outbox::Body))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .col(timestamp_with_time_zone_null(Outbox::SentAt))
                .col(integer(Outbox::Attempts).default(0))
                .col(text_null(Outbox::LastError))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(string_len(AuditLog::TenantId, 32))
                .col(string_len(AuditLog::Id, 32))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string_len_null(AuditLog::ActorId, 32))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::Target, 64))
                .col(text(AuditLog::Detail))
                .primary_key(Index::create().col(AuditLog::TenantId).col(AuditLog::Id))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
