//! Secrets at rest and in transit to the engines.
//!
//! Generated engine passwords (and every other secret the catalog keeps) are sealed with
//! AES-256-GCM under the control plane's current key, named by an id so that the key can be
//! rotated: `[1][id length][id][nonce][ciphertext]`. Keys that only open (older ones, during
//! a rotation) sit beside the current one, and [`SecretBox::reseal`] moves a secret to the
//! current key. A secret sealed before keys had ids (`[nonce][ciphertext]`) opens with
//! whichever known key it was sealed with. API users' passwords are kept only as argon2id
//! hashes.

use std::sync::Arc;

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
/// The first byte of a secret sealed under a named key.
const KEYED: u8 = 1;
/// The id of a key given without one (`DBAAS_SECRET_KEY=BASE64`).
pub const DEFAULT_KEY_ID: &str = "default";
const MAX_KEY_ID_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a key id must be 1 to {MAX_KEY_ID_LEN} letters, digits, '.', '_' or '-', not '{0}'")]
    BadKeyId(String),
    #[error("the key id '{0}' is given twice")]
    DuplicateKeyId(String),
    #[error("a sealed secret could not be opened: wrong key or damaged data")]
    Unseal,
    #[error("a secret is sealed with key '{0}', which this process does not have")]
    UnknownKey(String),
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

struct NamedKey {
    id: String,
    cipher: Aes256Gcm,
}

impl NamedKey {
    /// `ID:BASE64`, or `BASE64` alone when `id_optional` (then named [`DEFAULT_KEY_ID`]).
    /// Base64 has no `:`, so the split is never ambiguous.
    fn parse(text: &str, id_optional: bool) -> Result<Self, SecretError> {
        let text = text.trim();
        let (id, key) = match text.split_once(':') {
            Some((id, key)) => (id, key),
            None if id_optional => (DEFAULT_KEY_ID, text),
            None => return Err(SecretError::BadKeyId(String::new())),
        };
        let id_ok = !id.is_empty()
            && id.len() <= MAX_KEY_ID_LEN
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !id_ok {
            return Err(SecretError::BadKeyId(id.to_owned()));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| SecretError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(Self {
            id: id.to_owned(),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        })
    }

    fn open(&self, nonce_and_ciphertext: &[u8]) -> Option<String> {
        if nonce_and_ciphertext.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = nonce_and_ciphertext.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let plaintext = self.cipher.decrypt(&Nonce::from(nonce), ciphertext).ok()?;
        String::from_utf8(plaintext).ok()
    }
}

/// The key id a sealed secret names and the rest (nonce and ciphertext), if it has the keyed
/// form.
fn keyed_parts(sealed: &[u8]) -> Option<(&str, &[u8])> {
    let (&first, rest) = sealed.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if first != KEYED || usize::from(len) > rest.len() {
        return None;
    }
    let (id, rest) = rest.split_at(usize::from(len));
    Some((std::str::from_utf8(id).ok()?, rest))
}

/// Seals with the control plane's current key; opens with it or an older one.
#[derive(Clone)]
pub struct SecretBox {
    current: Arc<NamedKey>,
    older: Arc<[NamedKey]>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox")
            .field("current", &self.current.id)
            .field("older", &self.older.iter().map(|k| &k.id).collect::<Vec<_>>())
            .finish()
    }
}

impl SecretBox {
    /// From the base64 form kept in configuration, as the key [`DEFAULT_KEY_ID`].
    pub fn from_base64(key: &str) -> Result<Self, SecretError> {
        Self::from_config(key, "")
    }

    /// The current key (`ID:BASE64`, or `BASE64` for [`DEFAULT_KEY_ID`]) and the keys that
    /// only open (`ID:BASE64`, separated by commas or white space; a key without an id among
    /// them is [`DEFAULT_KEY_ID`] too, for the rotation away from a key that had none).
    pub fn from_config(current: &str, older: &str) -> Result<Self, SecretError> {
        let current = NamedKey::parse(current, true)?;
        let mut ids = vec![current.id.clone()];
        let mut keys = Vec::new();
        for text in older
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let key = NamedKey::parse(text, true)?;
            if ids.contains(&key.id) {
                return Err(SecretError::DuplicateKeyId(key.id));
            }
            ids.push(key.id.clone());
            keys.push(key);
        }
        Ok(Self {
            current: Arc::new(current),
            older: keys.into(),
        })
    }

    /// A new random key, base64-encoded, for development set-ups.
    pub fn generate_key() -> String {
        let key: [u8; 32] = rand::rng().random();
        base64::engine::general_purpose::STANDARD.encode(key)
    }

    /// The id of the key new secrets are sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::rng().random();
        let nonce = Nonce::from(nonce_bytes);
        let ciphertext = self
            .current
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption of a short secret cannot fail");
        let id = self.current.id.as_bytes();
        let mut out = Vec::with_capacity(2 + id.len() + NONCE_LEN + ciphertext.len());
        out.push(KEYED);
        out.push(u8::try_from(id.len()).expect("key ids are at most 32 bytes"));
        out.extend_from_slice(id);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        out
    }

    fn keys(&self) -> impl Iterator<Item = &NamedKey> {
        std::iter::once(self.current.as_ref()).chain(self.older.iter())
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SecretError> {
        let mut named = None;
        if let Some((id, rest)) = keyed_parts(sealed) {
            named = Some(id);
            if let Some(plaintext) = self.keys().find(|k| k.id == id).and_then(|k| k.open(rest)) {
                return Ok(plaintext);
            }
        }
        // Sealed before keys had ids (its first bytes are a random nonce, which may look
        // keyed by chance): GCM's tag tells the key that sealed it.
        if let Some(plaintext) = self.keys().find_map(|k| k.open(sealed)) {
            return Ok(plaintext);
        }
        match named {
            Some(id) if !self.keys().any(|k| k.id == id) => Err(SecretError::UnknownKey(id.to_owned())),
            _ => Err(SecretError::Unseal),
        }
    }

    /// Whether `sealed` is sealed with the current key.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        keyed_parts(sealed).is_some_and(|(id, rest)| id == self.current.id && self.current.open(rest).is_some())
    }

    /// `sealed` sealed again with the current key, or `None` when it already is.
    pub fn reseal(&self, sealed: &[u8]) -> Result<Option<Vec<u8>>, SecretError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        Ok(Some(self.seal(&self.open(sealed)?)))
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

    /// The form sealed before keys had ids: nonce and ciphertext.
    fn seal_unnamed(key: &str, plaintext: &str) -> Vec<u8> {
        let key = NamedKey::parse(key, true).unwrap();
        let nonce: [u8; NONCE_LEN] = rand::rng().random();
        let mut out = nonce.to_vec();
        out.extend(key.cipher.encrypt(&Nonce::from(nonce), plaintext.as_bytes()).unwrap());
        out
    }

    #[test]
    fn a_rotated_key_opens_what_the_older_ones_sealed_and_reseals_it() {
        let (a, b) = (SecretBox::generate_key(), SecretBox::generate_key());
        let before = SecretBox::from_base64(&a).unwrap();
        assert_eq!(before.current_key_id(), DEFAULT_KEY_ID);
        let old_sealed = before.seal("hunter2");
        let unnamed = seal_unnamed(&a, "older still");
        assert_eq!(before.open(&unnamed).unwrap(), "older still");

        let during = SecretBox::from_config(&format!("k2:{b}"), &a).unwrap();
        assert_eq!(during.open(&old_sealed).unwrap(), "hunter2");
        assert_eq!(during.open(&unnamed).unwrap(), "older still");
        let new_sealed = during.seal("fresh");
        assert!(during.is_current(&new_sealed));
        assert!(!during.is_current(&old_sealed) && !during.is_current(&unnamed));
        assert_eq!(during.reseal(&new_sealed).unwrap(), None);
        let resealed = during.reseal(&old_sealed).unwrap().unwrap();
        let resealed_unnamed = during.reseal(&unnamed).unwrap().unwrap();
        // The old key may go once everything is resealed.
        let after = SecretBox::from_config(&format!("k2:{b}"), "").unwrap();
        assert_eq!(after.open(&resealed).unwrap(), "hunter2");
        assert_eq!(after.open(&resealed_unnamed).unwrap(), "older still");
        assert_eq!(after.open(&new_sealed).unwrap(), "fresh");
        assert!(matches!(after.open(&old_sealed), Err(SecretError::UnknownKey(id)) if id == DEFAULT_KEY_ID));
        assert!(matches!(after.open(&unnamed), Err(SecretError::Unseal)));
    }

    #[test]
    fn key_ids_are_checked() {
        let key = SecretBox::generate_key();
        assert!(SecretBox::from_config(&format!("2026-12_a.b:{key}"), "").is_ok());
        for bad in ["", "a b", "é", &"x".repeat(33)] {
            assert!(
                matches!(
                    SecretBox::from_config(&format!("{bad}:{key}"), ""),
                    Err(SecretError::BadKeyId(_))
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            SecretBox::from_config(&format!("a:{key}"), &format!("b:{key}, a:{key}")),
            Err(SecretError::DuplicateKeyId(id)) if id == "a"
        ));
        assert!(SecretBox::from_config(&key, &format!("b:{key}\nc:{key}")).is_ok());
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
