//! Voicemails: the messages callers leave. The call actor stores the WAV in the object store
//! (at [`voicemail_key`]) and then the row here, with the call's scope; supervisors and admins
//! list, play, mark heard and delete them.
//!
//! A row's blob key must lie in its own tenant's area of the object store: this module refuses
//! any other, so a row can never lead a download to another tenant's audio. Deleting a row
//! hands back its blob key; removing the blob is the caller's job (this crate's repositories
//! never do IO beyond the database).

use chrono::{DateTime, SubsecRound, Utc};
use kefu_core::{CallId, Role, TenantId, TenantScope, VoicemailId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;

use crate::entity::voicemail;
use crate::objects::{ObjectError, ObjectKey};
use crate::{Store, StoreError, audit, parse_id, require};

/// Most voicemails one page returns.
pub const MAX_PAGE: u64 = 200;

/// Where a voicemail's WAV belongs in the object store:
/// `tenants/<tenant>/voicemails/<id>.wav`.
pub fn voicemail_key(scope: &TenantScope, id: &VoicemailId) -> Result<ObjectKey, ObjectError> {
    ObjectKey::for_tenant(scope, &format!("voicemails/{id}.wav"))
}

/// A voicemail to store, as the call actor reports it (its audio already in the object store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVoicemail {
    /// Its id.
    pub id: VoicemailId,
    /// The call it was left on.
    pub call: CallId,
    /// The mailbox it was left in (as the IVR named it).
    pub mailbox: String,
    /// Who left it.
    pub caller: String,
    /// The number they dialled.
    pub dialled: String,
    /// Length of the recording, milliseconds.
    pub duration_ms: i64,
    /// Size of the WAV, bytes.
    pub size_bytes: i64,
    /// The WAV's object-store key; must be inside the scope's tenant area (see
    /// [`voicemail_key`]).
    pub blob_key: String,
}

/// A stored voicemail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voicemail {
    /// Its id.
    pub id: VoicemailId,
    /// The tenant.
    pub tenant: TenantId,
    /// The call it was left on.
    pub call: CallId,
    /// The mailbox.
    pub mailbox: String,
    /// Who left it.
    pub caller: String,
    /// The number they dialled.
    pub dialled: String,
    /// Length, milliseconds.
    pub duration_ms: i64,
    /// Size of the WAV, bytes.
    pub size_bytes: i64,
    /// The WAV's object-store key (never shown to API clients).
    #[serde(skip)]
    pub blob_key: String,
    /// Has someone marked it heard?
    pub heard: bool,
    /// When it was stored (millisecond precision).
    pub created_at: DateTime<Utc>,
}

/// Which voicemails to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct VoicemailFilter {
    /// Only this mailbox's.
    pub mailbox: Option<String>,
    /// Only heard (`true`) or unheard (`false`) ones.
    pub heard: Option<bool>,
    /// Only voicemails after this one in the listing (the previous page's last id).
    pub before: Option<VoicemailId>,
    /// Page size (1 to [`MAX_PAGE`]).
    pub limit: u64,
}

impl TryFrom<voicemail::Model> for Voicemail {
    type Error = StoreError;
    fn try_from(m: voicemail::Model) -> Result<Self, StoreError> {
        Ok(Voicemail {
            id: parse_id(&m.id)?,
            tenant: parse_id(&m.tenant_id)?,
            call: parse_id(&m.call_id)?,
            mailbox: m.mailbox,
            caller: m.caller,
            dialled: m.dialled,
            duration_ms: m.duration_ms,
            size_bytes: m.size_bytes,
            blob_key: m.blob_key,
            heard: m.heard,
            created_at: m.created_at,
        })
    }
}

/// The blob key must be a valid key in the scope's own tenant area.
fn check_blob_key(scope: &TenantScope, key: &str) -> Result<(), StoreError> {
    let own_area = format!("tenants/{}/", scope.tenant());
    if ObjectKey::new(key).is_err() || !key.starts_with(&own_area) {
        return Err(StoreError::Invalid {
            field: "blob_key",
            message: format!("a voicemail's audio must be stored under {own_area}"),
        });
    }
    Ok(())
}

fn may_read(role: Role) -> bool {
    role.is_supervisor()
}

impl Store {
    /// Store a voicemail in the scope's tenant (the call actor, with the call's scope), unheard;
    /// audited as the scope's principal (the telephony principal on a trunk's call).
    pub async fn create_voicemail(
        &self,
        scope: &TenantScope,
        vm: &NewVoicemail,
    ) -> Result<Voicemail, StoreError> {
        check_blob_key(scope, &vm.blob_key)?;
        let txn = self.write_txn().await?;
        let row = voicemail::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            id: Set(vm.id.to_string()),
            call_id: Set(vm.call.to_string()),
            mailbox: Set(vm.mailbox.clone()),
            caller: Set(vm.caller.clone()),
            dialled: Set(vm.dialled.clone()),
            duration_ms: Set(vm.duration_ms.max(0)),
            size_bytes: Set(vm.size_bytes.max(0)),
            blob_key: Set(vm.blob_key.clone()),
            heard: Set(false),
            // Kept to the millisecond so the page cursor compares equal on both databases.
            created_at: Set(Utc::now().trunc_subsecs(3)),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "voicemail.received",
            &row.id,
            serde_json::json!({ "mailbox": row.mailbox, "call": row.call_id }),
        )
        .await?;
        txn.commit().await?;
        row.try_into()
    }

    /// The tenant's voicemails, newest first (supervisors and admins).
    pub async fn voicemails(
        &self,
        scope: &TenantScope,
        filter: &VoicemailFilter,
    ) -> Result<Vec<Voicemail>, StoreError> {
        require(scope, may_read, "read voicemail")?;
        let tenant = scope.tenant().to_string();
        let mut query = voicemail::Entity::find().filter(voicemail::Column::TenantId.eq(&tenant));
        if let Some(before) = filter.before {
            let anchor = voicemail::Entity::find_by_id((tenant.clone(), before.to_string()))
                .one(self.db())
                .await?
                .ok_or_else(|| StoreError::Invalid {
                    field: "before",
                    message: format!("no voicemail {before} to page from"),
                })?;
            query = query.filter(
                Condition::any()
                    .add(voicemail::Column::CreatedAt.lt(anchor.created_at))
                    .add(
                        Condition::all()
                            .add(voicemail::Column::CreatedAt.eq(anchor.created_at))
                            .add(voicemail::Column::Id.lt(anchor.id)),
                    ),
            );
        }
        if let Some(mailbox) = &filter.mailbox {
            query = query.filter(voicemail::Column::Mailbox.eq(mailbox));
        }
        if let Some(heard) = filter.heard {
            query = query.filter(voicemail::Column::Heard.eq(heard));
        }
        query
            .order_by_desc(voicemail::Column::CreatedAt)
            .order_by_desc(voicemail::Column::Id)
            .limit(filter.limit.clamp(1, MAX_PAGE))
            .all(self.db())
            .await?
            .into_iter()
            .map(Voicemail::try_from)
            .collect()
    }

    /// One voicemail of the tenant (supervisors and admins); another tenant's is `NotFound`.
    pub async fn voicemail(
        &self,
        scope: &TenantScope,
        id: &VoicemailId,
    ) -> Result<Voicemail, StoreError> {
        require(scope, may_read, "read voicemail")?;
        voicemail::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// The object-store key of a voicemail's WAV (supervisors and admins), checked to lie in
    /// the scope's tenant area.
    pub async fn voicemail_blob_key(
        &self,
        scope: &TenantScope,
        id: &VoicemailId,
    ) -> Result<String, StoreError> {
        let vm = self.voicemail(scope, id).await?;
        check_blob_key(scope, &vm.blob_key)
            .map_err(|_| StoreError::Corrupt(format!("voicemail {id} has a foreign blob key")))?;
        Ok(vm.blob_key)
    }

    /// Mark a voicemail heard or unheard (supervisors and admins).
    pub async fn set_voicemail_heard(
        &self,
        scope: &TenantScope,
        id: &VoicemailId,
        heard: bool,
    ) -> Result<Voicemail, StoreError> {
        require(scope, may_read, "change voicemail")?;
        let txn = self.write_txn().await?;
        let current = voicemail::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut am: voicemail::ActiveModel = current.into();
        am.heard = Set(heard);
        let row = am.update(&txn).await?;
        txn.commit().await?;
        row.try_into()
    }

    /// Delete a voicemail's row (supervisors and admins, audited) and return its blob key, which
    /// the caller must delete from the object store.
    pub async fn delete_voicemail(
        &self,
        scope: &TenantScope,
        id: &VoicemailId,
    ) -> Result<String, StoreError> {
        require(scope, may_read, "delete voicemail")?;
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        let current = voicemail::Entity::find_by_id((tenant.clone(), id.to_string()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        voicemail::Entity::delete_by_id((tenant, id.to_string()))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "voicemail.deleted",
            &current.id,
            serde_json::json!({ "mailbox": current.mailbox, "call": current.call_id }),
        )
        .await?;
        txn.commit().await?;
        check_blob_key(scope, &current.blob_key)
            .map_err(|_| StoreError::Corrupt(format!("voicemail {id} had a foreign blob key")))?;
        Ok(current.blob_key)
    }
}
