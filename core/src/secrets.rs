//! Secrets at rest and in transit to the engines.
//!
//! Generated engine passwords are sealed with AES-256-GCM under the control plane's key
//! (nonce ‖ ciphertext); API users' passwords are kept only as argon2id hashes.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::Engine as _;
use rand::distr::{Alphanumeric, SampleString};
use rand::RngExt as _;

/// Length of every generated password: 32 alphanumerics, about 190 bits.
pub const GENERATED_PASSWORD_LEN: usize = 32;
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a sealed secret could not be opened: wrong key or damaged data")]
    Unseal,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// A fresh random password for an engine role.
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), GENERATED_PASSWORD_LEN)
}

/// A random token (128 bits, hex) naming one holder of something, such as a task's claim.
pub fn generate_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Seals and opens secrets with the control plane's key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// From the base64 form kept in configuration.
    pub fn from_base64(key: &str) -> Result<Self, SecretError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| SecretError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        })
    }

    /// A new random key, base64-encoded, for development set-ups.
    pub fn generate_key() -> String {
        let key: [u8; 32] = rand::rng().random();
        base64::engine::general_purpose::STANDARD.encode(key)
    }

    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::rng().random();
        let nonce = Nonce::from(nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption of a short secret cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Unseal);
        }
        let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce_bytes: [u8; NONCE_LEN] = nonce_bytes.try_into().map_err(|_| SecretError::Unseal)?;
        let plaintext = self
            .cipher
            .decrypt(&Nonce::from(nonce_bytes), ciphertext)
            .map_err(|_| SecretError::Unseal)?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Unseal)
    }
}

/// An argon2id hash (PHC string) of an API user's password.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| SecretError::Hash(e.to_string()))
}

/// Whether `password` matches a hash made by [`hash_password`]. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let key = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let other = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let sealed = key.seal("hunter2");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(key.open(&sealed).unwrap(), "hunter2");
        assert!(other.open(&sealed).is_err());
        assert!(key.open(&sealed[..5]).is_err());
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let key = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        assert_ne!(key.seal("same"), key.seal("same"));
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(SecretBox::from_base64("not base64!").is_err());
        assert!(SecretBox::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn password_hashes_verify() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &hash));
        assert!(!verify_password("s3cret ", &hash));
        assert!(!verify_password("s3cret", "garbage"));
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate_password();
        assert_eq!(a.len(), GENERATED_PASSWORD_LEN);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, generate_password());
    }
}
