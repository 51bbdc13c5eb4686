//! How long and how often a caller was put on hold by the agent (NULL and 0 when never).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallRecords {
    Table,
    HoldMs,
    Holds,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(CallRecords::Table)
                .add_column(big_integer_null(CallRecords::HoldMs))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(CallRecords::Table)
                .add_column(integer(CallRecords::Holds).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [CallRecords::Holds, CallRecords::HoldMs] {
            m.alter_table(
                Table::alter()
                    .table(CallRecords::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
