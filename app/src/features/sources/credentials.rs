//! Shop credentials at rest: sealed with AES-256-GCM under a key that lives outside the database
//! (generated into the data folder, or given in the settings), so that a copy of the database
//! alone reveals no access token. Sealed bytes are `nonce (12) ‖ ciphertext ‖ tag (16)`.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

/// Ties sealed bytes to their purpose: a sealed credential cannot be passed off as anything else.
const PURPOSE: &[u8] = b"storepulse shop credentials v1";

/// Seals and opens shop credentials. `Debug` never shows the key.
#[derive(Clone)]
pub struct CredentialsKey(Aes256Gcm);

impl std::fmt::Debug for CredentialsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialsKey([redacted])")
    }
}

/// Why sealed credentials could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the stored credentials are damaged")]
    Damaged,
    #[error("the stored credentials were sealed with another key (was the data folder's secrets.toml or STOREPULSE_CREDENTIALS_KEY replaced?); enter the credentials again")]
    WrongKey,
}

impl CredentialsKey {
    /// A key from 32 bytes.
    pub fn new(key: &[u8; 32]) -> Self {
        CredentialsKey(Aes256Gcm::new(key.into()))
    }

    /// Seals `plain` under a fresh random nonce.
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: PURPOSE,
                },
            )
            .expect("AES-GCM encryption of a short message cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    /// Opens what `seal` gave.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < 12 + 16 {
            return Err(OpenError::Damaged);
        }
        let (nonce, body) = sealed.split_at(12);
        self.0
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: PURPOSE,
                },
            )
            .map_err(|_| OpenError::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_credentials_open_only_with_their_key_and_unaltered() {
        let key = CredentialsKey::new(&[7; 32]);
        let sealed = key.seal(b"shpat_secret");
        assert!(!sealed.windows(12).any(|w| w == b"shpat_secret"));
        assert_eq!(key.open(&sealed).unwrap(), b"shpat_secret");
        // A fresh nonce each time: the same token never seals to the same bytes.
        assert_ne!(key.seal(b"shpat_secret"), sealed);
        let other = CredentialsKey::new(&[8; 32]);
        assert!(matches!(other.open(&sealed), Err(OpenError::WrongKey)));
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open(&altered).is_err());
        assert!(matches!(key.open(&sealed[..20]), Err(OpenError::Damaged)));
        assert_eq!(format!("{key:?}"), "CredentialsKey([redacted])");
    }
}
