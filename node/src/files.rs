//! Files a node keeps: private keys (PKCS#8 PEM, mode 0600, never logged; an official's encrypted
//! under their passphrase), certificates, the
//! trust bundle; every write goes to a temporary file that is synced and renamed into place, so a
//! crash leaves the old file or the new one, never half of one.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use bansao_trust::key::KeyFileError;
use bansao_trust::locked_key::is_encrypted_pem;
use bansao_trust::{Certificate, Passphrase, SecretKey};

/// A file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A key file holds no usable key.
    #[error("the key file {path} does not hold an Ed25519 private key (PKCS#8 PEM)")]
    NotAKey {
        /// The file.
        path: PathBuf,
    },
    /// The passphrase does not open the key.
    #[error("sai mật khẩu cho {path} (wrong passphrase)")]
    WrongPassphrase {
        /// The key file.
        path: PathBuf,
    },
    /// A key that must be locked under a passphrase is kept in plain text.
    #[error(
        "the key file {path} is not protected by a passphrase; lock it first: bansao keys lock-official"
    )]
    NotLocked {
        /// The file.
        path: PathBuf,
    },
    /// A private key file that others can read.
    #[error(
        "the key file {path} can be read by other users (mode {mode:o}); run: chmod 600 {path}"
    )]
    KeyTooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A certificate file holds no certificate.
    #[error("the certificate file {path} is not a bansao certificate: {reason}")]
    NotACertificate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Refusing to overwrite an existing key.
    #[error("{path} exists already; refusing to overwrite a key")]
    KeyExists {
        /// The file.
        path: PathBuf,
    },
}

/// Writes `bytes` to `path` atomically with the given mode.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FileError> {
    let error = |source| FileError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(error)?;
    }
    let temporary = path.with_extension(format!(
        "{}.partial",
        path.extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&temporary)?;
        // The mode given to open() is filtered by the umask; set it exactly.
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if let Err(source) = written {
        // A full disk must not leave half a file behind.
        let _ = fs::remove_file(&temporary);
        return Err(error(source));
    }
    if let Some(parent) = path.parent() {
        // Make the rename itself durable.
        if let Ok(directory) = fs::File::open(parent) {
            let _ = directory.sync_all();
        }
    }
    Ok(())
}

/// Removes the `*.partial` files a crash left in `dir` (a write that never finished); returns
/// how many there were. A missing directory has none.
pub fn remove_partial_files(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".partial"))
        .filter(|entry| fs::remove_file(entry.path()).is_ok())
        .count()
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, FileError> {
    fs::read(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Writes a new private key file (mode 0600). Refuses to overwrite an existing key.
pub fn write_new_secret_key(path: &Path, key: &SecretKey) -> Result<(), FileError> {
    if path.exists() {
        return Err(FileError::KeyExists {
            path: path.to_owned(),
        });
    }
    replace_secret_key(path, key)
}

/// Writes a private key file (mode 0600), replacing any old one.
pub fn replace_secret_key(path: &Path, key: &SecretKey) -> Result<(), FileError> {
    let pem = key.to_pkcs8_pem().map_err(|_| FileError::NotAKey {
        path: path.to_owned(),
    })?;
    write_atomic(path, pem.as_bytes(), 0o600)
}

/// Reads a private key file, refusing one that other users can read.
pub fn read_secret_key(path: &Path) -> Result<SecretKey, FileError> {
    let text = read_key_text(path)?;
    SecretKey::from_pkcs8_pem(&text).map_err(|_| FileError::NotAKey {
        path: path.to_owned(),
    })
}

/// Writes a new key file locked under `passphrase` (mode 0600); `salt_and_iv` are 32 fresh random
/// bytes. Refuses to overwrite an existing key.
pub fn write_new_locked_key(
    path: &Path,
    key: &SecretKey,
    passphrase: &Passphrase,
    salt_and_iv: [u8; 32],
) -> Result<(), FileError> {
    if path.exists() {
        return Err(FileError::KeyExists {
            path: path.to_owned(),
        });
    }
    replace_locked_key(path, key, passphrase, salt_and_iv)
}

/// Writes a key file locked under `passphrase` (mode 0600), replacing any old one.
pub fn replace_locked_key(
    path: &Path,
    key: &SecretKey,
    passphrase: &Passphrase,
    salt_and_iv: [u8; 32],
) -> Result<(), FileError> {
    let pem = key
        .to_encrypted_pkcs8_pem(passphrase, salt_and_iv)
        .map_err(|_| FileError::NotAKey {
            path: path.to_owned(),
        })?;
    write_atomic(path, pem.as_bytes(), 0o600)
}

/// Reads a key file locked under `passphrase`; a plain key is refused ([`FileError::NotLocked`]).
pub fn read_locked_key(path: &Path, passphrase: &Passphrase) -> Result<SecretKey, FileError> {
    let text = read_key_text(path)?;
    if !is_encrypted_pem(&text) {
        return Err(if SecretKey::from_pkcs8_pem(&text).is_ok() {
            FileError::NotLocked {
                path: path.to_owned(),
            }
        } else {
            FileError::NotAKey {
                path: path.to_owned(),
            }
        });
    }
    SecretKey::from_encrypted_pkcs8_pem(&text, passphrase).map_err(|error| match error {
        KeyFileError::WrongPassphrase => FileError::WrongPassphrase {
            path: path.to_owned(),
        },
        _ => FileError::NotAKey {
            path: path.to_owned(),
        },
    })
}

/// Whether the key file at `path` is locked under a passphrase.
pub fn is_locked_key(path: &Path) -> Result<bool, FileError> {
    Ok(is_encrypted_pem(&read_key_text(path)?))
}

/// A key file's text, refused when other users can read it.
fn read_key_text(path: &Path) -> Result<String, FileError> {
    let metadata = fs::metadata(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(FileError::KeyTooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    String::from_utf8(read(path)?).map_err(|_| FileError::NotAKey {
        path: path.to_owned(),
    })
}

/// Writes a certificate file.
pub fn write_certificate(path: &Path, certificate: &Certificate) -> Result<(), FileError> {
    write_atomic(path, &certificate.to_cbor(), 0o644)
}

/// Reads a certificate file.
pub fn read_certificate(path: &Path) -> Result<Certificate, FileError> {
    Certificate::from_cbor(&read(path)?).map_err(|error| FileError::NotACertificate {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_fails_leaves_no_partial_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        // The rename cannot replace a folder that holds something.
        let path = dir.path().join("copy.pdf");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"x").unwrap();
        assert!(write_atomic(&path, b"%PDF-", 0o644).is_err());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["copy.pdf"], "no copy.pdf.partial is left");
    }

    #[test]
    fn keys_are_written_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        let key = SecretKey::from_seed([4; 32]);
        write_new_secret_key(&path, &key).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(read_secret_key(&path).unwrap().key_id(), key.key_id());
        assert!(matches!(
            write_new_secret_key(&path, &key),
            Err(FileError::KeyExists { .. })
        ));
    }

    #[test]
    fn unreadable_and_open_key_files_get_their_own_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        assert!(matches!(
            read_secret_key(&path),
            Err(FileError::Read { .. })
        ));
        write_atomic(&path, b"-----BEGIN PRIVATE KEY-----\ngarbage\n", 0o600).unwrap();
        assert!(matches!(
            read_secret_key(&path),
            Err(FileError::NotAKey { .. })
        ));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read_secret_key(&path),
            Err(FileError::KeyTooOpen { mode: 0o644, .. })
        ));
    }
}
