use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plugin_invocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub installation_id: Option<String>,
    pub plugin: String,
    pub version: String,
    pub world: String,
    pub function: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub duration_us: i64,
    pub created_at: DateTimeUtc,
    pub record: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
