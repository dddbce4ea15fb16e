//! What the city's handlers share: the city behind one lock (its SQLite connection and key
//! files are used by one request at a time, on the blocking pool) and the staff's sessions.

use std::sync::{Arc, Mutex};

use bansao_copy::OfficialId;
use bansao_node::city::City;
use bansao_node::city_staff::{Staff, StaffError};
use bansao_node::entropy;
use bansao_node::files::FileError;
use bansao_trust::Passphrase;

use crate::auth::{CurrentStaff, SessionState};
use crate::city::CITY_NAV;
use crate::error::WebError;
use crate::pages::Chrome;
use crate::pages::sign_in::{SignInRealm, SignInWords, Unlocked, decoy_key};
use crate::sessions::{SessionRules, Sessions};

/// The city pages' state.
#[derive(Clone)]
pub struct CityState {
    inner: Arc<Inner>,
}

struct Inner {
    city: Mutex<City>,
    sessions: Sessions<Staff>,
    name: String,
    decoy_key: String,
}

impl std::fmt::Debug for CityState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CityState")
            .field("city", &self.inner.name)
            .finish_non_exhaustive()
    }
}

impl CityState {
    /// The pages of `city`, with sessions under `rules`.
    pub fn new(city: City, rules: SessionRules) -> Result<CityState, WebError> {
        let name = city.name().to_owned();
        Ok(CityState {
            inner: Arc::new(Inner {
                city: Mutex::new(city),
                sessions: Sessions::new(rules),
                name,
                decoy_key: decoy_key()?,
            }),
        })
    }

    /// The city's name, for page headers.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The frame of a page for the signed-in staff member.
    pub fn chrome(&self, current: &CurrentStaff) -> Chrome {
        let staff = &current.signed_in.person;
        Chrome {
            person: Some(format!("{} ({})", staff.name(), staff.id)),
            csrf: current.signed_in.csrf.clone(),
            ..self.anonymous_chrome()
        }
    }

    /// Runs `work` with the city on the blocking pool.
    pub async fn with_city<T, F>(&self, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut City) -> Result<T, WebError> + Send + 'static,
    {
        crate::state::locked_on_blocking_pool(self.inner.clone(), |inner| &inner.city, "city", work)
            .await
    }
}

impl SessionState for CityState {
    type Person = Staff;

    fn sessions(&self) -> &Sessions<Staff> {
        &self.inner.sessions
    }
}

impl SignInRealm for CityState {
    const HOME: &'static str = "/keys";
    const WORDS: SignInWords = SignInWords {
        heading_vi: "Đăng nhập cán bộ Sở Tư pháp",
        heading_en: "City staff sign-in",
        id_vi: "Mã cán bộ",
        id_en: "Staff id",
    };

    fn anonymous_chrome(&self) -> Chrome {
        Chrome::public(self.inner.name.clone(), "/keys", CITY_NAV)
    }

    fn decoy_key(&self) -> &str {
        &self.inner.decoy_key
    }

    async fn unlock(
        &self,
        id: OfficialId,
        passphrase: Passphrase,
    ) -> Result<Unlocked<Staff>, WebError> {
        self.with_city(move |city| {
            let now = entropy::now();
            Ok(match city.staff(&id, &passphrase, now) {
                Ok(staff) => {
                    city.record_sign_in(&staff, now)?;
                    Unlocked::Person(staff)
                }
                Err(error @ StaffError::StaffMayNotAct { .. }) => {
                    Unlocked::MayNotSign(error.to_string())
                }
                Err(error) => Unlocked::Refused {
                    tried_key: matches!(error, StaffError::File(FileError::WrongPassphrase { .. })),
                    reason: error.to_string(),
                },
            })
        })
        .await
    }
}
