use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub direction: String,
    pub caller: String,
    pub dialled: String,
    pub did_id: Option<String>,
    pub trunk_id: Option<String>,
    /// JSON: where the number sent the call (IVR installation or queue), as the actor saw it.
    pub entry: Option<String>,
    pub sip_call_id: String,
    pub started_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub ended_at: DateTimeUtc,
    pub duration_ms: i64,
    pub disposition: String,
    pub hangup_by: String,
    /// JSON array of strings.
    pub ivr_path: String,
    pub queue: Option<String>,
    pub queue_wait_ms: Option<i64>,
    /// JSON object of string values, in the order the call set them.
    pub call_data: String,
    /// JSON object.
    pub media: String,
    /// JSON array of agent ids, in the order they talked to the caller.
    pub agents: String,
    pub talk_ms: Option<i64>,
    pub hold_ms: Option<i64>,
    pub holds: i32,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
