//! Token signing keys. Not tenant data: one key ring for the whole deployment. The newest
//! unretired key signs; every unretired key verifies, so tokens signed before a rotation keep
//! working until they expire.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::signing_key;
use crate::{Store, StoreError};

/// A stored signing key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// Key id, carried in each token's header.
    pub kid: String,
    /// JOSE algorithm name (`EdDSA`).
    pub algorithm: String,
    /// PKCS#8 private key.
    pub private_der: Vec<u8>,
    /// Raw public key.
    pub public_der: Vec<u8>,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
    /// When it stopped verifying tokens, if it has.
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print private key material.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Unretired keys, newest first (the first one signs).
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        Ok(signing_key::Entity::find()
            .filter(signing_key::Column::RetiredAt.is_null())
            .order_by_desc(signing_key::Column::CreatedAt)
            .order_by_desc(signing_key::Column::Kid)
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| SigningKey {
                kid: m.kid,
                algorithm: m.algorithm,
                private_der: m.private_der,
                public_der: m.public_der,
                created_at: m.created_at,
                retired_at: m.retired_at,
            })
            .collect())
    }

    /// Store a new key; it becomes the signing key.
    pub async fn add_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        signing_key::ActiveModel {
            kid: Set(key.kid.clone()),
            algorithm: Set(key.algorithm.clone()),
            private_der: Set(key.private_der.clone()),
            public_der: Set(key.public_der.clone()),
            created_at: Set(key.created_at),
            retired_at: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// Retire every key but `keep` (the signing key). Call once tokens signed by older keys
    /// have expired.
    pub async fn retire_signing_keys_except(&self, keep: &str) -> Result<u64, StoreError> {
        let res = signing_key::Entity::update_many()
            .col_expr(signing_key::Column::RetiredAt, Expr::value(Utc::now()))
            .filter(signing_key::Column::Kid.ne(keep))
            .filter(signing_key::Column::RetiredAt.is_null())
            .exec(self.db())
            .await?;
        Ok(res.rows_affected)
    }
}
