//! Sealing installation secrets at rest: AES-256-GCM with a server key, the tenant id as
//! associated data (a sealed blob copied into another tenant's row does not open).
//!
//! The key comes from the `secrets_key` setting (base64 of 32 bytes; every node of a cluster
//! needs the same), or else from `<data_dir>/secrets.key`, created on first start with mode
//! 0600. Plaintext secrets exist only in memory, in the plugin host's installation, and never
//! in logs, audit entries or API answers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kefu_core::TenantId;

/// Format tag of sealed blobs.
const V1: &str = "v1:";

/// Why a key could not be had, or secrets not sealed or opened. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The configured key (`secrets_key`) is not base64.
    #[error("key `secrets_key` is not base64")]
    KeyNotBase64,
    /// The key is not 32 bytes.
    #[error("key `secrets_key` must be 32 bytes (base64), got {0}")]
    KeyLength(usize),
    /// The key file is not base64.
    #[error("{} is not base64", .0.display())]
    KeyFileNotBase64(PathBuf),
    /// The key file could not be read or created.
    #[error("{}: {source}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The system random source failed.
    #[error("the system random source failed")]
    NoRandomness,
    /// Sealing failed.
    #[error("sealing secrets failed")]
    Seal,
    /// The sealed text is not one this box makes.
    #[error("sealed secrets are malformed: {0}")]
    Malformed(&'static str),
    /// The sealed text does not open with this key for this tenant.
    #[error("sealed secrets do not open with this key (wrong key or tenant)")]
    WrongKey,
}

/// Seals and opens installation secrets.
pub struct SecretBox {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// The box for `configured` (base64 key) or the data directory's key file.
    pub fn load(configured: &str, data_dir: &Path) -> Result<SecretBox, SecretsError> {
        let key = if configured.trim().is_empty() {
            key_file(&data_dir.join("secrets.key"))?
        } else {
            STANDARD
                .decode(configured.trim())
                .map_err(|_| SecretsError::KeyNotBase64)?
        };
        Self::from_key(&key)
    }

    /// A box for a raw 32-byte key.
    pub fn from_key(key: &[u8]) -> Result<SecretBox, SecretsError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, key).map_err(|_| SecretsError::KeyLength(key.len()))?;
        Ok(SecretBox {
            key: LessSafeKey::new(unbound),
        })
    }

    /// Seals `secrets` for `tenant` (empty text for none).
    pub fn seal(
        &self,
        tenant: TenantId,
        secrets: &BTreeMap<String, String>,
    ) -> Result<String, SecretsError> {
        if secrets.is_empty() {
            return Ok(String::new());
        }
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| SecretsError::NoRandomness)?;
        let mut data = serde_json::to_vec(secrets).map_err(|_| SecretsError::Seal)?;
        let aad = tenant.to_string();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut data,
            )
            .map_err(|_| SecretsError::Seal)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&data);
        Ok(format!("{V1}{}", STANDARD.encode(blob)))
    }

    /// Opens what [`seal`](Self::seal) made for `tenant`.
    pub fn open(
        &self,
        tenant: TenantId,
        sealed: &str,
    ) -> Result<BTreeMap<String, String>, SecretsError> {
        if sealed.is_empty() {
            return Ok(BTreeMap::new());
        }
        let encoded = sealed
            .strip_prefix(V1)
            .ok_or(SecretsError::Malformed("unknown format"))?;
        let mut blob = STANDARD
            .decode(encoded)
            .map_err(|_| SecretsError::Malformed("not base64"))?;
        if blob.len() < NONCE_LEN {
            return Err(SecretsError::Malformed("truncated"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&blob[..NONCE_LEN]);
        let aad = tenant.to_string();
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut blob[NONCE_LEN..],
            )
            .map_err(|_| SecretsError::WrongKey)?;
        serde_json::from_slice(plain).map_err(|_| SecretsError::Malformed("not a map of text"))
    }
}

fn key_file(path: &Path) -> Result<Vec<u8>, SecretsError> {
    let file_error = |source| SecretsError::KeyFile {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => STANDARD
            .decode(text.trim())
            .map_err(|_| SecretsError::KeyFileNotBase64(path.to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            aws_lc_rs::rand::fill(&mut key).map_err(|_| SecretsError::NoRandomness)?;
            write_private(path, STANDARD.encode(key).as_bytes()).map_err(file_error)?;
            Ok(key.to_vec())
        }
        Err(e) => Err(file_error(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_for_their_tenant_and_key() {
        let sealer = SecretBox::from_key(&[7u8; 32]).expect("key");
        let (a, b) = (TenantId::new(), TenantId::new());
        let secrets = BTreeMap::from([("api_key".to_owned(), "s3cr3t".to_owned())]);
        let sealed = sealer.seal(a, &secrets).expect("seal");
        assert!(!sealed.contains("s3cr3t"));
        assert_eq!(sealer.open(a, &sealed).expect("opens"), secrets);
        assert!(sealer.open(b, &sealed).is_err(), "another tenant's row");
        let other = SecretBox::from_key(&[8u8; 32]).expect("key");
        assert!(other.open(a, &sealed).is_err(), "another key");
        assert!(sealer.open(a, "v1:AAAA").is_err(), "truncated");
        assert!(sealer.open(a, "plain").is_err(), "unknown format");
        assert_eq!(sealer.seal(a, &BTreeMap::new()).expect("seal"), "");
        assert!(sealer.open(a, "").expect("empty").is_empty());
    }

    #[test]
    fn the_key_file_is_created_once_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("kefu-secrets-{}", kefu_core::id::next_ulid()));
        std::fs::create_dir_all(&dir).expect("dir");
        let first = SecretBox::load("", &dir).expect("creates");
        let tenant = TenantId::new();
        let sealed = first
            .seal(tenant, &BTreeMap::from([("k".into(), "v".into())]))
            .expect("seal");
        let again = SecretBox::load("", &dir).expect("reads");
        assert_eq!(again.open(tenant, &sealed).expect("same key")["k"], "v");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secrets.key"))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(SecretBox::load("not base64!", &dir).is_err());
        assert!(SecretBox::load(&STANDARD.encode([1u8; 16]), &dir).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
