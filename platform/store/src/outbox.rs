//! The outbox: messages (invitation e-mails) written in the same transaction as the change
//! that causes them, then delivered by a worker, so nothing is sent for a rolled-back change and
//! nothing is lost when delivery fails (it is retried).

use chrono::{DateTime, Utc};
use kefu_core::TenantId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::outbox;
use crate::{Store, StoreError, parse_id};

/// A message waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its id.
    pub id: String,
    /// The tenant it concerns.
    pub tenant: TenantId,
    /// Channel (`email`).
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: i32,
}

/// After this many failed attempts a message is left for an operator.
pub const MAX_ATTEMPTS: i32 = 10;

pub(crate) async fn enqueue(
    db: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    kind: &str,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<(), StoreError> {
    outbox::ActiveModel {
        id: Set(kefu_core::id::next_ulid().to_string()),
        tenant_id: Set(tenant.to_string()),
        kind: Set(kind.to_owned()),
        recipient: Set(recipient.to_owned()),
        subject: Set(subject.to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(Utc::now()),
        sent_at: Set(None),
        attempts: Set(0),
        last_error: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

impl Store {
    /// Undelivered messages, oldest first.
    pub async fn outbox_pending(&self, limit: u64) -> Result<Vec<OutboxMessage>, StoreError> {
        outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .filter(outbox::Column::Attempts.lt(MAX_ATTEMPTS))
            .order_by_asc(outbox::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| {
                Ok(OutboxMessage {
                    tenant: parse_id(&m.tenant_id)?,
                    id: m.id,
                    kind: m.kind,
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body,
                    created_at: m.created_at,
                    attempts: m.attempts,
                })
            })
            .collect()
    }

    /// Record the result of a delivery attempt.
    pub async fn outbox_attempted(&self, id: &str, error: Option<&str>) -> Result<(), StoreError> {
        let mut q = outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.eq(id));
        q = match error {
            None => q.col_expr(outbox::Column::SentAt, Expr::value(Utc::now())),
            Some(e) => q.col_expr(outbox::Column::LastError, Expr::value(e.to_owned())),
        };
        q.exec(self.db()).await?;
        Ok(())
    }
}
