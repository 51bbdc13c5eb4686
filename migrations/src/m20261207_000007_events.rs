//! The event spine's tables: every tenant's append-only event log, the per-tenant sequence
//! counter that numbers it, and the calls a node has started but not yet ended.
//!
//! `events` rows are never updated; retention deletes the oldest by time. `(tenant_id, seq)` is
//! the key: a tenant's events are numbered 1, 2, 3… by `event_counters`, which a writer bumps
//! with an upsert in the same transaction as its inserts (so two writers, even on two nodes,
//! never hand out the same number). `open_calls` holds a row from a call's `call.received`
//! until its `call.ended`; what is left there after a crash is what the next start closes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    TenantId,
    Seq,
    Id,
    Kind,
    Subject,
    At,
    Data,
}

#[derive(DeriveIden)]
enum EventCounters {
    Table,
    TenantId,
    LastSeq,
}

#[derive(DeriveIden)]
enum OpenCalls {
    Table,
    TenantId,
    CallId,
    Node,
    StartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(string_len(Events::TenantId, 32))
                .col(big_integer(Events::Seq))
                .col(string_len(Events::Id, 32))
                .col(string_len(Events::Kind, 48))
                .col(string_len(Events::Subject, 128))
                .col(timestamp_with_time_zone(Events::At))
                .col(text(Events::Data))
                .primary_key(Index::create().col(Events::TenantId).col(Events::Seq))
                .to_owned(),
        )
        .await?;
        // One call's (agent's, queue's) story, and the type filter of the listing.
        m.create_index(
            Index::create()
                .name("ix_events_subject")
                .table(Events::Table)
                .col(Events::TenantId)
                .col(Events::Subject)
                .col(Events::Seq)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_events_kind")
                .table(Events::Table)
                .col(Events::TenantId)
                .col(Events::Kind)
                .col(Events::Seq)
                .to_owned(),
        )
        .await?;
        // Retention deletes by time across tenants.
        m.create_index(
            Index::create()
                .name("ix_events_at")
                .table(Events::Table)
                .col(Events::At)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EventCounters::Table)
                .col(string_len(EventCounters::TenantId, 32).primary_key())
                .col(big_integer(EventCounters::LastSeq))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OpenCalls::Table)
                .col(string_len(OpenCalls::TenantId, 32))
                .col(string_len(OpenCalls::CallId, 32))
                .col(string_len(OpenCalls::Node, 64))
                .col(timestamp_with_time_zone(OpenCalls::StartedAt))
                .primary_key(
                    Index::create()
                        .col(OpenCalls::TenantId)
                        .col(OpenCalls::CallId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_open_calls_node")
                .table(OpenCalls::Table)
                .col(OpenCalls::Node)
                .to_owned(),
        )
        .await
    }
}
