//! The city's log rounds in the sync shell: after a session that brought documents, and every
//! checkpoint interval while `bansao run` runs, the city runs [`crate::city::City::keep_log`]
//! (automatic registration, events logged, checkpoint, proofs) on a blocking thread, one round
//! at a time. A failed round is logged and the next one carries on: each step it commits is
//! durable on its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::city::City;
use crate::city_log::{CityLogError, LogRound};
use crate::entropy;

/// Runs the city's log rounds for one city directory.
#[derive(Debug, Clone)]
pub struct CityLogRounds {
    dir: PathBuf,
    interval: Duration,
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

impl CityLogRounds {
    /// The rounds of the city in `dir`, ticking every `interval`.
    pub fn new(dir: PathBuf, interval: Duration) -> CityLogRounds {
        CityLogRounds {
            dir,
            interval,
            one_at_a_time: Arc::default(),
        }
    }

    /// How often `bansao run` ticks.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// One round now; its result (also logged).
    pub async fn run_round(&self) -> Option<LogRound> {
        let _only_round = self.one_at_a_time.lock().await;
        let dir = self.dir.clone();
        let done = tokio::task::spawn_blocking(move || -> Result<LogRound, CityLogError> {
            City::open(&dir)?.keep_log(entropy::now())
        })
        .await;
        match done {
            Ok(Ok(round)) => {
                for (copy, reason) in &round.not_registered {
                    tracing::warn!(%copy, "not registered: {reason}");
                }
                if !round.unreadable.is_empty() {
                    tracing::warn!(copies = ?round.unreadable, "copies whose document does not load were not logged");
                }
                if round.logged > 0 || round.checkpoint.is_some() || !round.registered.is_empty() {
                    tracing::info!(
                        registered = round.registered.len(),
                        logged = round.logged,
                        tree_size = round.tree_size,
                        checkpoint = ?round.checkpoint,
                        proofs = round.proofs_attached,
                        "city log round"
                    );
                }
                Some(round)
            }
            Ok(Err(error)) => {
                tracing::warn!("the city's log round failed: {error}");
                None
            }
            Err(error) => {
                tracing::warn!("the city's log round stopped: {error}");
                None
            }
        }
    }
}
