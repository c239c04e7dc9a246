//! Admin tokens: generation, hashing and constant-time verification.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::RwLock;

use crate::store::{Store, StoreError};

/// Prefix that makes a PiCloud token recognisable (in logs, secret scanners).
const PREFIX: &str = "pic_";

/// A new token: 256 random bits, hex-encoded, prefixed.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}{hex}")
}

/// The stored form of a token: its SHA-256, hex-encoded. Tokens are random
/// and long, so a fast hash is enough (no password stretching needed).
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes of the valid tokens, kept in memory so a request costs no query.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    hashes: RwLock<Vec<(String, [u8; 32])>>,
}

impl TokenCache {
    pub(crate) async fn reload(&self, store: &Store) -> Result<(), StoreError> {
        let mut hashes = Vec::new();
        for (id, hex) in store.token_hashes().await? {
            let mut raw = [0u8; 32];
            for (i, byte) in raw.iter_mut().enumerate() {
                *byte =
                    u8::from_str_radix(hex.get(i * 2..i * 2 + 2).unwrap_or("00"), 16).unwrap_or(0);
            }
            hashes.push((id, raw));
        }
        *self.hashes.write().await = hashes;
        Ok(())
    }

    /// The id of the token `presented` is, comparing against every stored
    /// hash in constant time.
    pub(crate) async fn verify(&self, presented: &str) -> Option<String> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let hashes = self.hashes.read().await;
        let mut found = None;
        for (id, hash) in hashes.iter() {
            if bool::from(hash.ct_eq(&digest)) {
                found = Some(id.clone());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hash_stably() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }
}
