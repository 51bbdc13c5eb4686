//! The signing key ring: Ed25519 keys in the database, generated on first start, rotated by
//! `kefu keys rotate`. The newest key signs; all unretired keys verify. A key is retired once
//! its successor is older than the access-token lifetime, i.e. when no live token can carry it.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kefu_store::Store;
use kefu_store::keys::SigningKey;
use serde::Serialize;

use super::{AUDIENCE, Claims, ISSUER, TokenError};

const ALG: &str = "EdDSA";

struct LoadedKey {
    kid: String,
    created_at: chrono::DateTime<Utc>,
    public: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// Verified tokens remembered, so a token presented again skips the signature check.
const VERIFIED_CACHE_MAX: usize = 100_000;

/// The current keys; index 0 signs.
pub struct KeyRing {
    keys: RwLock<Vec<LoadedKey>>,
    validation: Validation,
    access_ttl: Duration,
    /// Tokens whose signature and claims checked out, by their full text. A browser presents
    /// the same token on every request for its lifetime, so this turns an Ed25519 verification
    /// into a hash look-up. Times (`exp`, `nbf`) are still checked on every use, and the cache
    /// is cleared whenever the key set changes.
    verified: RwLock<HashMap<String, Claims>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").finish_non_exhaustive()
    }
}

/// Public keys as a JSON Web Key Set, for anyone verifying our tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// One public key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Key type (`OKP`).
    pub kty: &'static str,
    /// Curve (`Ed25519`).
    pub crv: &'static str,
    /// Public key, base64url.
    pub x: String,
    /// Key id.
    pub kid: String,
    /// Algorithm (`EdDSA`).
    pub alg: &'static str,
    /// Use (`sig`).
    #[serde(rename = "use")]
    pub use_: &'static str,
}

/// Generate a new Ed25519 key pair.
pub fn generate() -> anyhow::Result<SigningKey> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| anyhow::anyhow!("could not generate an Ed25519 key"))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("generated key does not load"))?;
    Ok(SigningKey {
        kid: format!("k{}", kefu_core::id::next_ulid().to_string().to_lowercase()),
        algorithm: ALG.into(),
        private_der: pkcs8.as_ref().to_vec(),
        public_der: pair.public_key().as_ref().to_vec(),
        created_at: Utc::now(),
        retired_at: None,
    })
}

fn load(k: &SigningKey) -> LoadedKey {
    LoadedKey {
        kid: k.kid.clone(),
        created_at: k.created_at,
        public: k.public_der.clone(),
        encoding: EncodingKey::from_ed_der(&k.private_der),
        decoding: DecodingKey::from_ed_der(&k.public_der),
    }
}

impl KeyRing {
    /// Load the keys, generating the first one if there is none.
    pub async fn load_or_create(store: &Store, access_ttl: Duration) -> anyhow::Result<KeyRing> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        // Tokens are issued and checked by our own clocks; a little leeway covers node skew.
        validation.leeway = 5;
        let ring = KeyRing {
            keys: RwLock::new(Vec::new()),
            validation,
            access_ttl,
            verified: RwLock::new(HashMap::new()),
        };
        if store.signing_keys().await?.is_empty() {
            store.add_signing_key(&generate()?).await?;
        }
        ring.reload(store).await?;
        Ok(ring)
    }

    /// Re-read the keys (after a rotation, possibly by another process) and retire keys no
    /// live token can carry any more.
    pub async fn reload(&self, store: &Store) -> anyhow::Result<()> {
        let stored = store.signing_keys().await?;
        let Some(newest) = stored.first() else {
            anyhow::bail!("no signing key in the database");
        };
        let ttl = chrono::Duration::from_std(self.access_ttl)?;
        if stored.len() > 1 && newest.created_at + ttl < Utc::now() {
            store.retire_signing_keys_except(&newest.kid).await?;
        }
        let loaded = store.signing_keys().await?.iter().map(load).collect();
        *self
            .keys
            .write()
            .map_err(|_| anyhow::anyhow!("key ring lock poisoned"))? = loaded;
        Ok(())
    }

    /// Generate a new signing key; tokens signed by the old ones stay valid until they expire.
    pub async fn rotate(&self, store: &Store) -> anyhow::Result<String> {
        let key = generate()?;
        store.add_signing_key(&key).await?;
        self.reload(store).await?;
        Ok(key.kid)
    }

    /// The signing key's id.
    pub fn current_kid(&self) -> Option<String> {
        self.keys.read().ok()?.first().map(|k| k.kid.clone())
    }

    /// Sign claims with the newest key.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let keys = self
            .keys
            .read()
            .map_err(|_| anyhow::anyhow!("key ring lock poisoned"))?;
        let key = keys
            .first()
            .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
    }

    /// Check a token's header, signature and claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > 4096 {
            return Err(TokenError::Malformed("token too long".into()));
        }
        let cached = self
            .verified
            .read()
            .ok()
            .and_then(|v| v.get(token).cloned());
        if let Some(claims) = cached {
            let now = Utc::now().timestamp();
            let leeway = self.validation.leeway as i64;
            if claims.exp + leeway < now {
                return Err(TokenError::Rejected("token expired".into()));
            }
            if claims.nbf - leeway > now {
                return Err(TokenError::Rejected("token not yet valid".into()));
            }
            return Ok(claims);
        }
        let claims = self.verify_signature(token)?;
        if let Ok(mut verified) = self.verified.write() {
            if verified.len() >= VERIFIED_CACHE_MAX {
                // Crude but bounded: start over rather than track recency.
                verified.clear();
            }
            verified.insert(token.to_owned(), claims.clone());
        }
        Ok(claims)
    }

    fn verify_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| TokenError::Malformed(e.to_string()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Malformed(format!("algorithm {:?}", header.alg)));
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let keys = self
            .keys
            .read()
            .map_err(|_| TokenError::Rejected("key ring unavailable".into()))?;
        let key = keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or(TokenError::UnknownKey)?;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
            .map_err(|e| TokenError::Rejected(e.to_string()))?;
        Ok(data.claims)
    }

    /// The public keys.
    pub fn jwks(&self) -> Jwks {
        let keys = self.keys.read().map(|k| {
            k.iter()
                .map(|k| Jwk {
                    kty: "OKP",
                    crv: "Ed25519",
                    x: URL_SAFE_NO_PAD.encode(&k.public),
                    kid: k.kid.clone(),
                    alg: ALG,
                    use_: "sig",
                })
                .collect()
        });
        Jwks {
            keys: keys.unwrap_or_default(),
        }
    }

    /// When the signing key was made (for `kefu keys list`).
    pub fn summary(&self) -> Vec<(String, chrono::DateTime<Utc>)> {
        self.keys
            .read()
            .map(|k| k.iter().map(|k| (k.kid.clone(), k.created_at)).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_ring() -> KeyRing {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = 5;
        KeyRing {
            keys: RwLock::new(Vec::new()),
            validation,
            access_ttl: Duration::from_secs(900),
            verified: RwLock::new(HashMap::new()),
        }
    }

    fn claims(exp_in: i64) -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: kefu_core::UserId::new(),
            tid: kefu_core::TenantId::new(),
            role: kefu_core::Role::Agent,
            iat: now - 900,
            iat_ms: (now - 900) * 1000,
            nbf: now - 900,
            exp: now + exp_in,
            jti: "j".into(),
        }
    }

    #[test]
    fn cached_tokens_still_expire() {
        let ring = empty_ring();
        ring.verified
            .write()
            .unwrap()
            .insert("live".into(), claims(60));
        ring.verified
            .write()
            .unwrap()
            .insert("stale".into(), claims(-60));
        assert!(
            ring.verify("live").is_ok(),
            "served from the cache (no key could verify it)"
        );
        assert!(matches!(ring.verify("stale"), Err(TokenError::Rejected(_))));
        assert!(matches!(
            ring.verify("never-seen"),
            Err(TokenError::Malformed(_))
        ));
    }
}
