//! What a finished call leaves behind: its call detail record (CDR) and any voicemail the
//! caller left.
//!
//! `call_records` holds one row per call, written once by the call actor at hang-up and never
//! changed; lists page newest first by `(started_at, id)`. The IVR path, call data and media
//! summary are JSON text, since they are read whole and never queried into.
//! `voicemails` holds the message's metadata; the audio itself is a WAV blob in the object store
//! under the tenant's area, named by `blob_key`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallRecords {
    Table,
    TenantId,
    Id,
    Direction,
    Caller,
    Dialled,
    DidId,
    TrunkId,
    Entry,
    SipCallId,
    StartedAt,
    AnsweredAt,
    EndedAt,
    DurationMs,
    Disposition,
    HangupBy,
    IvrPath,
    Queue,
    QueueWaitMs,
    CallData,
    Media,
    Reason,
}

#[derive(DeriveIden)]
enum Voicemails {
    Table,
    TenantId,
    Id,
    CallId,
    Mailbox,
    Caller,
    Dialled,
    DurationMs,
    SizeBytes,
    BlobKey,
    Heard,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CallRecords::Table)
                .col(string_len(CallRecords::TenantId, 32))
                .col(string_len(CallRecords::Id, 32))
                .col(string_len(CallRecords::Direction, 16))
                // Caller and dialled come from SIP headers: not always E.164, so unbounded
                // text rather than a length a carrier could exceed and lose the record.
                .col(text(CallRecords::Caller))
                .col(text(CallRecords::Dialled))
                .col(string_len_null(CallRecords::DidId, 32))
                .col(string_len_null(CallRecords::TrunkId, 32))
                .col(text_null(CallRecords::Entry))
                .col(text(CallRecords::SipCallId))
                .col(timestamp_with_time_zone(CallRecords::StartedAt))
                .col(timestamp_with_time_zone_null(CallRecords::AnsweredAt))
                .col(timestamp_with_time_zone(CallRecords::EndedAt))
                .col(big_integer(CallRecords::DurationMs))
                .col(string_len(CallRecords::Disposition, 32))
                .col(string_len(CallRecords::HangupBy, 32))
                .col(text(CallRecords::IvrPath))
                .col(text_null(CallRecords::Queue))
                .col(big_integer_null(CallRecords::QueueWaitMs))
                .col(text(CallRecords::CallData))
                .col(text(CallRecords::Media))
                .col(text_null(CallRecords::Reason))
                .primary_key(
                    Index::create()
                        .col(CallRecords::TenantId)
                        .col(CallRecords::Id),
                )
                .to_owned(),
        )
        .await?;
        // The listing: a tenant's calls newest first, paged by (started_at, id).
        m.create_index(
            Index::create()
                .name("ix_call_records_started")
                .table(CallRecords::Table)
                .col(CallRecords::TenantId)
                .col(CallRecords::StartedAt)
                .col(CallRecords::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Voicemails::Table)
                .col(string_len(Voicemails::TenantId, 32))
                .col(string_len(Voicemails::Id, 32))
                .col(string_len(Voicemails::CallId, 32))
                .col(text(Voicemails::Mailbox))
                .col(text(Voicemails::Caller))
                .col(text(Voicemails::Dialled))
                .col(big_integer(Voicemails::DurationMs))
                .col(big_integer(Voicemails::SizeBytes))
                .col(string_len(Voicemails::BlobKey, 512))
                .col(boolean(Voicemails::Heard))
                .col(timestamp_with_time_zone(Voicemails::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Voicemails::TenantId)
                        .col(Voicemails::Id),
                )
                .to_owned(),
        )
        .await?;
        // The listing: a tenant's messages newest first, paged by (created_at, id).
        m.create_index(
            Index::create()
                .name("ix_voicemails_created")
                .table(Voicemails::Table)
                .col(Voicemails::TenantId)
                .col(Voicemails::CreatedAt)
                .col(Voicemails::Id)
                .to_owned(),
        )
        .await
    }
}
