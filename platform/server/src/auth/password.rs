//! Passwords: policy (length, common passwords) and argon2id hashing.
//!
//! Parameters are OWASP's minimum for argon2id (19 MiB memory, 2 passes, 1 lane); hashes are
//! PHC strings, so stronger parameters can be introduced later and old hashes still verify.
//! Hashing runs on the blocking pool: it takes tens of milliseconds of CPU by design.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest password accepted.
pub const MIN_LEN: usize = 12;
/// Longest password accepted (bounds hashing work on hostile input).
pub const MAX_LEN: usize = 256;

/// argon2id memory cost in KiB (OWASP minimum: 19 MiB).
pub const M_COST_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const T_COST: u32 = 2;
/// argon2id lanes.
pub const P_COST: u32 = 1;

const COMMON: &str = include_str!("common_passwords.txt");

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_LEN`].
    #[error("use at least {MIN_LEN} characters")]
    TooShort,
    /// Longer than [`MAX_LEN`].
    #[error("use at most {MAX_LEN} characters")]
    TooLong,
    /// On the list of commonly used passwords, or trivially guessable.
    #[error("this password is too common; choose one that is harder to guess")]
    Common,
}

/// Check a new password against the policy. `context` holds words the password must not be
/// built from (the user's e-mail, the company name).
pub fn check_password_policy(password: &str, context: &[&str]) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    let distinct = {
        let mut c: Vec<char> = lower.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    let common = COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower);
    let from_context = context.iter().any(|w| {
        let w = w.to_lowercase();
        let w = w.split('@').next().unwrap_or("");
        w.chars().count() >= 4 && lower.trim_end_matches(|c: char| !c.is_alphabetic()) == w
    });
    if common || distinct < 4 || from_context {
        return Err(PasswordError::Common);
    }
    Ok(())
}

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

    #[test]
    fn policy_rejects_short_common_and_trivial_passwords() {
        assert_eq!(
            check_password_policy("short", &[]),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            check_password_policy("password1234", &[]),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password_policy("PASSWORD1234", &[]),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password_policy("aaaaaaaaaaaaaaaa", &[]),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password_policy("alice.wong123", &["alice.wong@acme.test"]),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password_policy(&"x1".repeat(200), &[]),
            Err(PasswordError::TooLong)
        );
        assert_eq!(check_password_policy("correct horse battery", &[]), Ok(()));
    }

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
