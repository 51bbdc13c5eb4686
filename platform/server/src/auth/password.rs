//! Passwords: argon2id hashing (the policy for new passwords is in `strength`).
//!
//! Parameters are OWASP's minimum for argon2id (19 MiB memory, 2 passes, 1 lane); hashes are
//! PHC strings, so stronger parameters can be introduced later and old hashes still verify.
//! Hashing runs on the blocking pool: it takes tens of milliseconds of CPU by design.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// argon2id memory cost in KiB (OWASP minimum: 19 MiB).
pub const M_COST_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const T_COST: u32 = 2;
/// argon2id lanes.
pub const P_COST: u32 = 1;

fn hasher() -> Argon2<'static> {
    #[allow(clippy::expect_used)] // constant parameters, checked by a test
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a password (argon2id, random salt) on the blocking pool.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt).map_err(|_| anyhow::anyhow!("no randomness"))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(hasher()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string())
    })
    .await?
}

/// Check a password against a stored hash on the blocking pool. With no hash (unknown user,
/// invited user) a dummy hash is checked anyway so timing does not reveal which e-mails exist.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => (dummy_hash().to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        // encode_b64 only fails for salts outside 4..=64 bytes; ours is 16.
        let Ok(salt) = SaltString::encode_b64(b"kefu-dummy-salt!") else {
            return String::new();
        };
        hasher()
            .hash_password(b"not a real password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id_with_owasp_parameters() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(h.clone())).await);
        assert!(!verify_password("not a real password".into(), None).await);
        assert!(!verify_password("x".into(), Some("garbage".into())).await);
    }
}
