//! Tenants: created by sign-up (with their owner) and read by their own users.

use chrono::{DateTime, Utc};
use kefu_core::{Principal, TenantId, TenantScope, UserId};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::{tenant, user};
use crate::users::{NewUser, User, UserStatus};
use crate::{Store, StoreError, audit, parse_id};

/// A company using Kefu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Unique, URL-safe short name (`acme-corp`), chosen at sign-up.
    pub slug: String,
    /// The company's display name.
    pub name: String,
    /// When it signed up.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<tenant::Model> for Tenant {
    type Error = StoreError;
    fn try_from(m: tenant::Model) -> Result<Self, StoreError> {
        Ok(Tenant {
            id: parse_id(&m.id)?,
            slug: m.slug,
            name: m.name,
            created_at: m.created_at,
        })
    }
}

/// Longest slug we generate (the column holds 64).
const SLUG_MAX: usize = 40;

/// A URL-safe slug from a company name: lowercase ASCII letters and digits joined by single
/// hyphens. Names with no such characters (e.g. all CJK) get `company`; sign-up then appends a
/// suffix to keep it unique.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= SLUG_MAX {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "company".into()
    } else {
        slug
    }
}

impl Store {
    /// Create a tenant and its owner in one transaction (sign-up, and the demo tenant).
    ///
    /// `slug` is the preferred slug; if it is taken a numeric suffix is added. The caller has
    /// validated the inputs and hashed the password.
    pub async fn create_tenant_with_owner(
        &self,
        company: &str,
        slug: &str,
        owner: NewUser<'_>,
    ) -> Result<(Tenant, User), StoreError> {
        let txn = self.write_txn().await?;
        let slug = free_slug(&txn, slug).await?;
        let now = Utc::now();
        let tenant_id = TenantId::new();
        let t = tenant::ActiveModel {
            id: Set(tenant_id.to_string()),
            slug: Set(slug),
            name: Set(company.to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let owner_id = UserId::new();
        let u = user::ActiveModel {
            tenant_id: Set(tenant_id.to_string()),
            id: Set(owner_id.to_string()),
            email: Set(owner.email.to_owned()),
            name: Set(owner.name.to_owned()),
            role: Set(owner.role.as_str().to_owned()),
            password_hash: Set(owner.password_hash),
            status: Set(UserStatus::Active.as_str().to_owned()),
            tokens_valid_after: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            tenant_id,
            Some(Principal::User(owner_id)),
            "tenant.created",
            &tenant_id.to_string(),
            serde_json::json!({ "name": company, "slug": t.slug, "owner": owner.email }),
        )
        .await?;
        txn.commit().await?;
        Ok((t.try_into()?, u.try_into()?))
    }

    /// The scope's own tenant.
    pub async fn tenant(&self, scope: &TenantScope) -> Result<Tenant, StoreError> {
        tenant::Entity::find_by_id(scope.tenant().to_string())
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Find a tenant by slug (login names a tenant this way).
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        tenant::Entity::find()
            .filter(tenant::Column::Slug.eq(slug))
            .one(self.db())
            .await?
            .map(Tenant::try_from)
            .transpose()
    }
}

async fn free_slug(txn: &sea_orm::DatabaseTransaction, wanted: &str) -> Result<String, StoreError> {
    let base = slugify(wanted);
    for n in 1..=1000u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken = tenant::Entity::find()
            .filter(tenant::Column::Slug.eq(&candidate))
            .one(txn)
            .await?
            .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
    // A thousand companies with one name: fall back to a unique id-based slug.
    Ok(format!(
        "{base}-{}",
        TenantId::new().ulid().to_string().to_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_url_safe_and_bounded() {
        assert_eq!(slugify("Acme Corp."), "acme-corp");
        assert_eq!(slugify("  --Hello__World--  "), "hello-world");
        assert_eq!(slugify("客服中心"), "company");
        assert_eq!(slugify(&"a".repeat(500)).len(), 40);
    }
}
