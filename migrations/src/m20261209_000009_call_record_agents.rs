//! Who answered a call and for how long: the agents who talked to the caller (a JSON array of
//! agent ids, in order; `[]` for calls no agent took) and the talk time in milliseconds (NULL
//! when no agent talked).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallRecords {
    Table,
    Agents,
    TalkMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(CallRecords::Table)
                .add_column(text(CallRecords::Agents).default("[]"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(CallRecords::Table)
                .add_column(big_integer_null(CallRecords::TalkMs))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [CallRecords::TalkMs, CallRecords::Agents] {
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
