//! A number's fallback queue: where a call answered by an IVR goes when the IVR fails (the
//! plugin traps, times out or is unavailable) after the caller has heard an apology. Empty
//! (NULL): such a call is hung up after the apology.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Numbers {
    Table,
    FallbackQueue,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Numbers::Table)
                .add_column(string_len_null(Numbers::FallbackQueue, 32))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Numbers::Table)
                .drop_column(Numbers::FallbackQueue)
                .to_owned(),
        )
        .await
    }
}
