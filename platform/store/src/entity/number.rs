use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "numbers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub label: String,
    pub entry_kind: String,
    pub entry_target: String,
    /// JSON array of inbound trunk ids; empty: any of the tenant's trunks.
    pub trunks: String,
    /// Queue id an IVR number's calls go to when the IVR fails; NULL: hang up.
    pub fallback_queue: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
