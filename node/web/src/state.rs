//! What every request handler shares: the ward service behind one lock (its SQLite connection is
//! used by one request at a time, on the blocking pool so the runtime never waits on a disk), and
//! the sessions.

use std::sync::{Arc, Mutex};

use bansao_copy::OfficialId;
use bansao_node::entropy;
use bansao_node::files::FileError;
use bansao_node::ward::{Official, Ward, WardError};
use bansao_trust::Passphrase;

use crate::auth::SessionState;
use crate::error::WebError;
use crate::pages::Chrome;
use crate::pages::sign_in::{SignInRealm, SignInWords, Unlocked, decoy_key};
use crate::sessions::{SessionRules, Sessions};

/// The web layer's state.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

struct Inner {
    ward: Mutex<Ward>,
    sessions: Sessions<Official>,
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
        locked_on_blocking_pool(self.inner.clone(), |inner| &inner.ward, "ward", work).await
    }
}

/// Runs `work` on the blocking pool with the service `lock` picks out of `owner` locked: a
/// node's SQLite connection serves one request at a time and the runtime never waits on a disk.
/// `what` names the service in the error a failed worker gives.
pub(crate) async fn locked_on_blocking_pool<O, S, T, F>(
    owner: Arc<O>,
    lock: fn(&O) -> &Mutex<S>,
    what: &'static str,
    work: F,
) -> Result<T, WebError>
where
    O: Send + Sync + 'static,
    S: 'static,
    T: Send + 'static,
    F: FnOnce(&mut S) -> Result<T, WebError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let mut service = lock(&owner)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut service)
    })
    .await
    .map_err(|error| WebError::Internal(format!("the {what}'s worker failed: {error}")))?
}

impl SessionState for WebState {
    type Person = Official;

    fn sessions(&self) -> &Sessions<Official> {
        &self.inner.sessions
    }
}

impl SignInRealm for WebState {
    const HOME: &'static str = "/queue";
    const WORDS: SignInWords = SignInWords {
        heading_vi: "Đăng nhập cán bộ",
        heading_en: "Official sign-in",
        id_vi: "Mã cán bộ",
        id_en: "Official id",
    };

    fn anonymous_chrome(&self) -> Chrome {
        Chrome::anonymous(self)
    }

    fn decoy_key(&self) -> &str {
        &self.inner.decoy_key
    }

    async fn unlock(
        &self,
        id: OfficialId,
        passphrase: Passphrase,
    ) -> Result<Unlocked<Official>, WebError> {
        self.with_ward(move |ward| {
            Ok(match ward.official(&id, &passphrase, entropy::now()) {
                Ok(official) => Unlocked::Person(official),
                Err(error @ WardError::OfficialMayNotSign { .. }) => {
                    Unlocked::MayNotSign(error.to_string())
                }
                Err(error) => Unlocked::Refused {
                    tried_key: matches!(error, WardError::File(FileError::WrongPassphrase { .. })),
                    reason: error.to_string(),
                },
            })
        })
        .await
    }
}
