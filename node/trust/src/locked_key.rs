//! A private key at rest under its holder's passphrase: encrypted PKCS#8 (RFC 5958) with PBES2,
//! scrypt deriving an AES-256-CBC key (RFC 8018), the `ENCRYPTED PRIVATE KEY` PEM that OpenSSL
//! reads (`openssl pkey -in official.key`). Officials' keys are kept this way on the ward's disk;
//! node keys stay plain PKCS#8, as a node must start unattended.
//!
//! The salt and IV are handed in (inner crates never reach for a random source themselves).

use ed25519_dalek::pkcs8::DecodePrivateKey;
use pkcs8::pkcs5::{pbes2, scrypt};
use pkcs8::{EncryptedPrivateKeyInfoRef, LineEnding, SecretDocument};
use zeroize::Zeroizing;

use crate::key::{KeyFileError, SecretKey};

/// The PEM label of an encrypted key.
pub const ENCRYPTED_PEM_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// scrypt's cost: N = 2^14, r = 8, p = 5, one of OWASP's minimum settings for scrypt, paid once
/// a sign-in (~0.1 s). Its 16 MiB stay under OpenSSL's 32 MiB scrypt limit (N = 2^15 with r = 8
/// does not), so `openssl pkey` still opens the file.
pub const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 5;

/// The fewest characters a passphrase may have.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// What a key is locked with. Wiped from memory when dropped; its `Debug` shows nothing.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

/// A passphrase that may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseError {
    /// Too short to resist guessing.
    #[error(
        "mật khẩu phải có ít nhất {MIN_PASSPHRASE_CHARS} ký tự (the passphrase needs at least {MIN_PASSPHRASE_CHARS} characters)"
    )]
    TooShort,
}

impl Passphrase {
    /// A passphrase as typed (a line ending read from a file is the caller's to drop).
    pub fn new(text: String) -> Result<Passphrase, PassphraseError> {
        let text = Zeroizing::new(text);
        if text.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(PassphraseError::TooShort);
        }
        Ok(Passphrase(text))
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(withheld)")
    }
}

/// Whether `pem` holds an encrypted key (rather than a plain one).
pub fn is_encrypted_pem(pem: &str) -> bool {
    pem.trim_start()
        .starts_with(&format!("-----BEGIN {ENCRYPTED_PEM_LABEL}-----"))
}

impl SecretKey {
    /// The key encrypted under `passphrase`; `salt_and_iv` are 32 fresh random bytes.
    pub fn to_encrypted_pkcs8_pem(
        &self,
        passphrase: &Passphrase,
        salt_and_iv: [u8; 32],
    ) -> Result<Zeroizing<String>, KeyFileError> {
        let (salt, iv) = salt_and_iv.split_at(16);
        let mut aes_iv = [0u8; 16];
        aes_iv.copy_from_slice(iv);
        let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
            .map_err(|_| KeyFileError::Encode)?;
        let pbes2 = pbes2::Parameters::generate_scrypt_aes256cbc(params, salt, aes_iv)
            .map_err(|_| KeyFileError::Encode)?;
        let plain = self.pkcs8_v1_der()?;
        let info = pkcs8::PrivateKeyInfoRef::try_from(plain.as_bytes())
            .map_err(|_| KeyFileError::Encode)?;
        let encrypted: SecretDocument = info
            .encrypt_with_params(pbes2, passphrase.as_bytes())
            .map_err(|_| KeyFileError::Encode)?;
        encrypted
            .to_pem(ENCRYPTED_PEM_LABEL, LineEnding::LF)
            .map_err(|_| KeyFileError::Encode)
    }

    /// Reads an encrypted key. A key that decrypts to nothing usable under `passphrase` is
    /// [`KeyFileError::WrongPassphrase`]; a file that is not an encrypted key at all is
    /// [`KeyFileError::NotAnEd25519PrivateKey`].
    pub fn from_encrypted_pkcs8_pem(
        pem: &str,
        passphrase: &Passphrase,
    ) -> Result<SecretKey, KeyFileError> {
        let (label, document) =
            SecretDocument::from_pem(pem).map_err(|_| KeyFileError::NotAnEd25519PrivateKey)?;
        if label != ENCRYPTED_PEM_LABEL {
            return Err(KeyFileError::NotAnEd25519PrivateKey);
        }
        EncryptedPrivateKeyInfoRef::try_from(document.as_bytes())
            .map_err(|_| KeyFileError::NotAnEd25519PrivateKey)?;
        ed25519_dalek::SigningKey::from_pkcs8_encrypted_der(
            document.as_bytes(),
            passphrase.as_bytes(),
        )
        .map(SecretKey::from_signing_key)
        .map_err(|_| KeyFileError::WrongPassphrase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(text.to_owned()).unwrap()
    }

    #[test]
    fn a_locked_key_opens_with_its_passphrase_only() {
        let key = SecretKey::from_seed([3; 32]);
        let pem = key
            .to_encrypted_pkcs8_pem(&passphrase("mật khẩu của Bình"), [9; 32])
            .unwrap();
        assert!(is_encrypted_pem(&pem));
        assert!(!pem.contains("BEGIN PRIVATE KEY"));
        let opened =
            SecretKey::from_encrypted_pkcs8_pem(&pem, &passphrase("mật khẩu của Bình")).unwrap();
        assert_eq!(opened.key_id(), key.key_id());
        assert!(matches!(
            SecretKey::from_encrypted_pkcs8_pem(&pem, &passphrase("mat khau cua Binh")),
            Err(KeyFileError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_plain_key_is_not_taken_for_a_locked_one() {
        let plain = SecretKey::from_seed([4; 32]).to_pkcs8_pem().unwrap();
        assert!(!is_encrypted_pem(&plain));
        assert!(matches!(
            SecretKey::from_encrypted_pkcs8_pem(&plain, &passphrase("whatever-passphrase")),
            Err(KeyFileError::NotAnEd25519PrivateKey)
        ));
    }

    #[test]
    fn a_short_passphrase_is_refused() {
        assert_eq!(
            Passphrase::new("1234567".to_owned()).unwrap_err(),
            PassphraseError::TooShort
        );
        assert!(Passphrase::new("12345678".to_owned()).is_ok());
        assert_eq!(
            format!("{:?}", passphrase("secret-words")),
            "Passphrase(withheld)"
        );
    }
}
