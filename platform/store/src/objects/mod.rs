//! The object store: where blobs (recordings, plugin components, prompts) live.
//!
//! One trait, two backends chosen by configuration: the local filesystem (embedded default)
//! and S3 or any S3-compatible server. Keys are validated the same way for both, and tenant
//! blobs live under `tenants/<tenant id>/`, built only from a [`TenantScope`].

mod fs;
mod s3;

use bytes::Bytes;
use kefu_core::TenantScope;

pub use fs::FsObjects;
pub use s3::{S3Config, S3Objects};

/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 512;

/// What went wrong in the object store.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The key is not acceptable (empty, too long, `..`, odd characters).
    #[error("invalid object key: {0}")]
    BadKey(String),
    /// Filesystem failure.
    #[error("object store I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The S3 service failed or refused.
    #[error("S3: {0}")]
    S3(String),
}

/// A validated object key (`tenants/ten_…/recordings/cal_….wav`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Validate a key: 1–512 bytes of `A–Z a–z 0–9 . _ - /`, no empty, `.` or `..` segment, no
    /// leading slash. The same rules on every backend keep keys portable.
    pub fn new(key: impl Into<String>) -> Result<ObjectKey, ObjectError> {
        let key = key.into();
        let ok_chars = key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
        let ok_segments = key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
        if key.is_empty() || key.len() > MAX_KEY_LEN || !ok_chars || !ok_segments {
            let shown: String = key.chars().take(80).collect();
            return Err(ObjectError::BadKey(shown));
        }
        Ok(ObjectKey(key))
    }

    /// A key inside the scope's tenant area: `tenants/<tenant>/<rest>`.
    pub fn for_tenant(scope: &TenantScope, rest: &str) -> Result<ObjectKey, ObjectError> {
        ObjectKey::new(format!("tenants/{}/{rest}", scope.tenant()))
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A blob store.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// Store `data` under `key`, replacing any previous object. Readers never see a partial
    /// object.
    async fn put(
        &self,
        key: &ObjectKey,
        data: Bytes,
        content_type: &str,
    ) -> Result<(), ObjectError>;
    /// The object, or `None` if there is none.
    async fn get(&self, key: &ObjectKey) -> Result<Option<Bytes>, ObjectError>;
    /// Remove the object (no error if absent).
    async fn delete(&self, key: &ObjectKey) -> Result<(), ObjectError>;
    /// Keys under a prefix, sorted (at most `limit`).
    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, ObjectError>;
    /// Is the store reachable and writable? (for `/readyz`)
    async fn check(&self) -> Result<(), ObjectError>;
}

#[cfg(test)]
mod tests;
