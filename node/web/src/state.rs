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
    pub fn new(ward: Ward, rules: SessionRules) -> WebState {
        let commune_name = ward.commune().name.clone();
        WebState {
            inner: Arc::new(Inner {
                ward: Mutex::new(ward),
                sessions: Sessions::new(rules),
                commune_name,
            }),
        }
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
