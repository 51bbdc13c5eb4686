//! Where a tenant's own prompts are kept in the object store (`prompts/<name>.wav` under the
//! tenant's prefix): the call side plays them, the server's `/prompts` API uploads them.

use kefu_core::TenantScope;
use kefu_store::objects::{ObjectError, ObjectKey};

/// A prompt's name or key was refused.
#[derive(Debug, thiserror::Error)]
pub enum PromptKeyError {
    /// The name is not 1 to 64 characters of a-z, 0-9, - and _.
    #[error("a prompt name is 1 to 64 characters of a-z, 0-9, - and _")]
    BadName,
    /// The object store refused the key.
    #[error(transparent)]
    Key(#[from] ObjectError),
}

/// The object key of the scope's prompt `name`.
pub fn prompt_key(scope: &TenantScope, name: &str) -> Result<ObjectKey, PromptKeyError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !valid {
        return Err(PromptKeyError::BadName);
    }
    Ok(ObjectKey::for_tenant(
        scope,
        &format!("prompts/{name}.wav"),
    )?)
}
