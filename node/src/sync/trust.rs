//! The trust list a running node syncs under.
//!
//! One [`TrustHandle`] is shared by the handshake check and every session. It changes when a
//! session adopts a newer bundle from a peer (written to `trust.cbor` atomically first, so the
//! file and the running node never disagree) and when an operator publishes a newer bundle to
//! the file while the node runs (picked up before each session). A bundle from another root, or
//! an older one, is never adopted.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use bansao_trust::TrustContext;

use crate::files;
use crate::sync::SyncShellError;

#[derive(Debug)]
struct Loaded {
    bytes: Vec<u8>,
    context: Arc<TrustContext>,
}

/// The node's current trust bundle and its verified context.
#[derive(Debug, Clone)]
pub struct TrustHandle {
    path: PathBuf,
    current: Arc<RwLock<Arc<Loaded>>>,
}

fn parse(path: &Path, bytes: Vec<u8>) -> Result<Loaded, SyncShellError> {
    let context = TrustContext::from_bundle(&bytes).map_err(|source| SyncShellError::Trust {
        path: path.to_owned(),
        source,
    })?;
    Ok(Loaded {
        bytes,
        context: Arc::new(context),
    })
}

impl TrustHandle {
    /// The handle of a trust file already read and verified (an opened node's).
    pub fn of_verified(path: &Path, bytes: Vec<u8>, context: TrustContext) -> TrustHandle {
        TrustHandle {
            path: path.to_owned(),
            current: Arc::new(RwLock::new(Arc::new(Loaded {
                bytes,
                context: Arc::new(context),
            }))),
        }
    }

    fn loaded(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, loaded: Loaded) {
        let loaded = Arc::new(loaded);
        match self.current.write() {
            Ok(mut guard) => *guard = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
    }

    /// The verified trust context now.
    pub fn context(&self) -> Arc<TrustContext> {
        self.loaded().context.clone()
    }

    /// The bundle bytes now.
    pub fn bundle(&self) -> Vec<u8> {
        self.loaded().bytes.clone()
    }

    /// Takes up the trust file if an operator replaced it with a newer bundle of the same root
    /// (e.g. `bansao keys publish`); returns whether it changed. A file that is unreadable,
    /// older or of another root is left alone and the running list is kept.
    pub fn refresh_from_file(&self) -> bool {
        let Ok(bytes) = files::read(&self.path) else {
            return false;
        };
        let current = self.loaded();
        if bytes == current.bytes {
            return false;
        }
        match bansao_sync::session::newer_bundle(Some(&current.bytes), &bytes) {
            Ok(true) => match parse(&self.path, bytes) {
                Ok(loaded) => {
                    tracing::info!(path = %self.path.display(), "took up the newer trust file");
                    self.replace(loaded);
                    true
                }
                Err(_) => false,
            },
            Ok(false) => false,
            Err(reason) => {
                tracing::warn!(path = %self.path.display(), "the trust file was replaced by one this node does not take: {reason}");
                false
            }
        }
    }

    /// Adopts a bundle a session verified as newer: writes the file atomically, then switches.
    pub fn adopt(&self, bytes: Vec<u8>) -> Result<(), SyncShellError> {
        let current = self.loaded();
        if !matches!(
            bansao_sync::session::newer_bundle(Some(&current.bytes), &bytes),
            Ok(true)
        ) {
            return Ok(());
        }
        let loaded = parse(&self.path, bytes)?;
        files::write_atomic(&self.path, &loaded.bytes, 0o644)?;
        tracing::info!(path = %self.path.display(), "adopted a newer trust list from a peer");
        self.replace(loaded);
        Ok(())
    }
}
