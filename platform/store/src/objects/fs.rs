//! Filesystem backend: objects are files under a root directory, written to a temporary file
//! and renamed into place so a reader never sees half an object.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{ObjectError, ObjectKey, ObjectStore};

/// Objects as files under `root`.
#[derive(Debug, Clone)]
pub struct FsObjects {
    root: PathBuf,
}

impl FsObjects {
    /// A store rooted at `root` (created if missing).
    pub async fn open(root: impl Into<PathBuf>) -> Result<FsObjects, ObjectError> {
        let root = root.into();
        tokio::fs::create_dir_all(&root).await?;
        Ok(FsObjects { root })
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        // ObjectKey forbids `..`, empty segments and leading slashes, so this stays under root.
        self.root.join(key.as_str())
    }
}

#[async_trait::async_trait]
impl ObjectStore for FsObjects {
    async fn put(&self, key: &ObjectKey, data: Bytes, _ct: &str) -> Result<(), ObjectError> {
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension(format!("tmp-{}", kefu_core::id::next_ulid()));
        tokio::fs::write(&tmp, &data).await?;
        if let Err(e) = tokio::fs::rename(&tmp, &path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e.into());
        }
        Ok(())
    }

    async fn get(&self, key: &ObjectKey) -> Result<Option<Bytes>, ObjectError> {
        match tokio::fs::read(self.path(key)).await {
            Ok(data) => Ok(Some(data.into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), ObjectError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, ObjectError> {
        let mut keys = Vec::new();
        walk(&self.root, &self.root, &mut keys).await?;
        keys.retain(|k| k.starts_with(prefix));
        keys.sort();
        keys.truncate(limit);
        Ok(keys)
    }

    async fn check(&self) -> Result<(), ObjectError> {
        let probe = ObjectKey::new(".readyz/probe")?;
        self.put(&probe, Bytes::from_static(b"ok"), "text/plain")
            .await?;
        self.delete(&probe).await
    }
}

async fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), ObjectError> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    while let Some(entry) = entries.next_entry().await? {
        let path = entry.path();
        if entry.file_type().await?.is_dir() {
            Box::pin(walk(root, &path, out)).await?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.contains(".tmp-") {
                out.push(rel);
            }
        }
    }
    Ok(())
}
