//! What every request handler shares: the ward service behind one lock (its SQLite connection is
//! used by one request at a time, on the blocking pool so the runtime never waits on a disk), and
//! the sessions.

use std::sync::{Arc, Mutex};

use bansao_node::ward::Ward;

use crate::error::WebError;
use crate::sessions::{SessionRules, Sessions};

/// The web layer's state.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

struct Inner {
    ward: Mutex<Ward>,
    sessions: Sessions,
    commune_name: String,
    decoy_key: String,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebState")
            .field("commune", &self.inner.commune_name)
            .finish_non_exhaustive()
    }
}

impl WebState {
    /// The pages of `ward`, with sessions under `rules`.
    pub fn new(ward: Ward, rules: SessionRules) -> Result<WebState, WebError> {
        let commune_name = ward.commune().name.clone();
        Ok(WebState {
            inner: Arc::new(Inner {
                ward: Mutex::new(ward),
                sessions: Sessions::new(rules),
                commune_name,
                decoy_key: decoy_key()?,
            }),
        })
    }

    /// A locked key nobody can open, tried when a sign-in names no official.
    pub fn decoy_key(&self) -> &str {
        &self.inner.decoy_key
    }

    /// The sessions.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// The commune's name, for page headers.
    pub fn commune_name(&self) -> &str {
        &self.inner.commune_name
    }

    /// Runs `work` with the ward on the blocking pool.
    pub async fn with_ward<T, F>(&self, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ward) -> Result<T, WebError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut ward = inner
                .ward
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut ward)
        })
        .await
        .map_err(|error| WebError::Internal(format!("the ward's worker failed: {error}")))?
    }
}

/// A random key locked under a random passphrase, made once at start.
fn decoy_key() -> Result<String, WebError> {
    let random = |_| WebError::Internal("the system random source failed".to_owned());
    let key = bansao_trust::SecretKey::from_seed(
        bansao_node::entropy::random_bytes::<32>().map_err(random)?,
    );
    let passphrase = bansao_trust::Passphrase::new(hex::encode(
        bansao_node::entropy::random_bytes::<16>().map_err(random)?,
    ))
    .map_err(|error| WebError::Internal(error.to_string()))?;
    let pem = key
        .to_encrypted_pkcs8_pem(
            &passphrase,
            bansao_node::entropy::random_bytes::<32>().map_err(random)?,
        )
        .map_err(|error| WebError::Internal(error.to_string()))?;
    Ok(pem.to_string())
}
