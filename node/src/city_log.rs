//! The city's transparency log: every signature the city learns on a copy (the kiosk's issue,
//! approvals and rejections, registrations, revocations by decision) and every entry of the
//! revocation lists, logged once each as the canonical CBOR of a [`LoggedEvent`], in the city's
//! SQLite file (`bansao-store`'s `log.rs`) over `bansao-tlog`'s tiles.
//!
//! [`City::keep_log`] is one round of the city's work, run by the sync shell after a ward's
//! session and every checkpoint interval by `bansao run`, with the time handed in:
//! 1. under `[city] registration = "automatic"`, register every counter-signed copy with the
//!    registrar key ([`City::register_many`]: `City::register`'s rule, 500 copies a
//!    transaction);
//! 2. log the events of every copy written since its last round (the store's queue, filled by
//!    triggers in the transaction that wrote the copy), and the revocation lists' entries;
//! 3. sign a checkpoint with the log key (`log.key`, certified by the root as role `log`) when
//!    the log grew and the last checkpoint is at least `checkpoint_interval` old;
//! 4. write into each registered copy the inclusion proof of its registration and the
//!    checkpoint it leads to ([`LogInclusion`]), so the copy carries it down to ward and kiosk
//!    and into its PDF.
//!
//! The log's origin (and the checkpoint key's name) is `bansao/city-log/<root key id>`, so a
//! verifier derives it from the trust list it holds ([`log_origin`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bansao_copy::{CopyDocument, CopyId, CopyStatus, LogInclusion, LoggedEvent, Timestamp};
use bansao_store::{LogEvent, StoreError, StoredCheckpoint};
use bansao_tlog::{
    Checkpoint, CheckpointError, NoteKeyName, NoteSigner, NoteVerifier, ProveError, TreeHead,
    prove_inclusion,
};
use bansao_trust::{Certificate, Role, SecretKey, TrustContext};

use crate::city::{City, CityError, LOG_KEY_FILE};
use crate::config::RegistrationPolicy;
use crate::files::{self, FileError};

/// How many copies one transaction of the log takes from the queue (or is given its proof in).
const COPIES_PER_DRAIN: usize = 500;

/// A round of the log could not be done; what was committed before stays (each step is its own
/// transaction, and the next round carries on).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CityLogError {
    /// The city could not be used.
    #[error(transparent)]
    City(Box<CityError>),
    /// The city database could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The log key could not be read.
    #[error("the transparency log key cannot be used: {0}")]
    LogKey(#[from] FileError),
    /// The city has no log key (a city made before cities had one).
    #[error("{0} is missing: certify the city's log key first (bansao keys log-key)")]
    NoLogKey(PathBuf),
    /// The log key does not count in the published trust list.
    #[error("the log key {key_id} does not count in the trust list: {reason}")]
    LogKeyNotTrusted {
        /// The key.
        key_id: bansao_trust::KeyId,
        /// Why.
        reason: String,
    },
    /// A checkpoint could not be made or read.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// A proof could not be built from the stored tiles.
    #[error("inclusion proof: {0}")]
    Prove(#[from] ProveError),
    /// No checkpoint has been signed yet.
    #[error("the log has no signed checkpoint yet")]
    NoCheckpoint,
    /// A registered copy no longer verifies (its proof is not written into it).
    #[error(transparent)]
    NotGenuine(#[from] Box<crate::copies::NotGenuineCopy>),
    /// The log has no leaf about this copy in its latest checkpoint.
    #[error("the log has no entry about copy {0} in its latest checkpoint")]
    NotLogged(CopyId),
}

impl From<CityError> for CityLogError {
    fn from(error: CityError) -> CityLogError {
        CityLogError::City(Box::new(error))
    }
}

/// What one round of [`City::keep_log`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRound {
    /// Copies registered under the automatic policy.
    pub registered: Vec<CopyId>,
    /// Copies the automatic policy could not register, with why (kept for the next round).
    pub not_registered: Vec<(CopyId, String)>,
    /// Events appended to the log.
    pub logged: usize,
    /// Copies taken off the queue whose document does not load (their events are unknown).
    pub unreadable: Vec<String>,
    /// The size of the checkpoint signed in this round, if one was.
    pub checkpoint: Option<u64>,
    /// Registered copies that received their inclusion proof.
    pub proofs_attached: usize,
    /// The log's size after the round.
    pub tree_size: u64,
    /// How long each step took, when the round was given a clock
    /// ([`City::keep_log_timed`]); zero otherwise.
    pub times: RoundTimes,
}

/// How long each step of a round took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundTimes {
    /// Registering counter-signed copies (automatic policy).
    pub register: Duration,
    /// Logging the queued copies' events and the revocations (entries, tiles, root).
    pub log: Duration,
    /// Signing and storing a checkpoint.
    pub checkpoint: Duration,
    /// Writing inclusion proofs into registered copies.
    pub proofs: Duration,
}

/// A clock handed in (this library reads none outside `entropy.rs`), and the time of the last
/// lap.
struct Laps<'a> {
    clock: Option<&'a dyn Fn() -> Instant>,
    last: Option<Instant>,
}

impl Laps<'_> {
    /// The time since the last lap (zero without a clock).
    fn lap(&mut self) -> Duration {
        let Some(clock) = self.clock else {
            return Duration::ZERO;
        };
        let now = clock();
        let since = self.last.map_or(Duration::ZERO, |last| now - last);
        self.last = Some(now);
        since
    }
}

/// The log's origin line, from the city root of the trust list.
pub fn log_origin(trust: &TrustContext) -> String {
    format!(
        "bansao/city-log/{}",
        trust.trust_list().root.key_id().to_hex()
    )
}

/// Every log key the trust list names, as note verifiers, with its certificate.
pub fn log_verifiers(trust: &TrustContext) -> Vec<(NoteVerifier, &Certificate)> {
    let Ok(name) = NoteKeyName::new(&log_origin(trust)) else {
        return Vec::new();
    };
    trust
        .trust_list()
        .certificates
        .values()
        .filter(|certificate| certificate.body.role == Role::Log)
        .map(|certificate| {
            (
                NoteVerifier::ed25519(name.clone(), certificate.body.public_key),
                certificate,
            )
        })
        .collect()
}

/// The events a copy's document holds: every signature that counts under `trust`. A copy that
/// is not genuine gives none (nothing of it is vouched for).
pub fn events_of_copy(
    document: &CopyDocument,
    trust: &TrustContext,
    now: Timestamp,
) -> Vec<LogEvent> {
    let Ok(report) = crate::copies::status_report(document, trust) else {
        return Vec::new();
    };
    let content = document.content();
    // In the order they were made; within a second, in the order a copy's life has them.
    let mut signatures: Vec<_> = std::iter::once(&report.issued_by)
        .chain(&report.decisions)
        .collect();
    signatures.sort_by_key(|signature| (signature.record.signed_at, signature.record.decision));
    signatures
        .into_iter()
        .map(|signature| {
            let event = LoggedEvent::Signature {
                copy_id: content.copy_id,
                commune: content.commune.clone(),
                content_hash: document.content_hash(),
                record: signature.record.clone(),
                logged_at: now,
            };
            LogEvent {
                event_key: event.event_key(),
                copy_id: event.copy_id(),
                entry: event.to_cbor(),
                wants_proof: signature.record.decision == bansao_copy::Decision::Register,
            }
        })
        .collect()
}

/// The revocations the lists hold, as events.
fn revocation_events(trust: &TrustContext, now: Timestamp) -> Vec<LogEvent> {
    let lists = trust.revocations();
    let copies = lists
        .copies
        .iter()
        .map(|(copy_id, revocation)| LoggedEvent::CopyRevoked {
            copy_id: copy_id.clone(),
            revoked_at: revocation.revoked_at,
            reason: revocation.reason.clone(),
            logged_at: now,
        });
    let keys = lists
        .keys
        .iter()
        .chain(&trust.trust_list().revoked)
        .map(|(key_id, revocation)| LoggedEvent::KeyRevoked {
            key_id: *key_id,
            revoked_at: revocation.revoked_at,
            reason: revocation.reason.clone(),
            logged_at: now,
        });
    copies
        .chain(keys)
        .map(|event| LogEvent {
            event_key: event.event_key(),
            copy_id: event.copy_id(),
            entry: event.to_cbor(),
            wants_proof: false,
        })
        .collect()
}

impl City {
    /// One round of the city's log work (see the module's documentation), at `now`.
    pub fn keep_log(&mut self, now: Timestamp) -> Result<LogRound, CityLogError> {
        self.keep_log_with(now, None)
    }

    /// [`City::keep_log`], timing each step with `clock` ([`LogRound::times`]; benchmarks).
    pub fn keep_log_timed(
        &mut self,
        now: Timestamp,
        clock: &dyn Fn() -> Instant,
    ) -> Result<LogRound, CityLogError> {
        self.keep_log_with(now, Some(clock))
    }

    fn keep_log_with(
        &mut self,
        now: Timestamp,
        clock: Option<&dyn Fn() -> Instant>,
    ) -> Result<LogRound, CityLogError> {
        let mut laps = Laps { clock, last: None };
        laps.lap();
        let mut round = LogRound::default();
        self.store.start_log(now)?;
        let policy = self
            .config
            .city()
            .map_or(RegistrationPolicy::Held, |city| city.registration);
        if policy == RegistrationPolicy::Automatic {
            self.register_countersigned(now, &mut round)?;
        }
        round.times.register = laps.lap();
        let trust = self.trust()?;
        loop {
            let (appended, unreadable) =
                self.store
                    .drain_log(COPIES_PER_DRAIN, self.actor.clone(), now, |document| {
                        Ok::<_, StoreError>(events_of_copy(document, &trust, now))
                    })?;
            round.logged += appended.added.len();
            round.unreadable.extend(unreadable);
            if self.store.pending_log_copies()? == 0 {
                break;
            }
        }
        let appended = self
            .store
            .append_log_events(&revocation_events(&trust, now), now)?;
        round.logged += appended.added.len();
        round.tree_size = appended.head.size;
        round.times.log = laps.lap();
        round.checkpoint = self.checkpoint_if_due(&trust, appended.head, now)?;
        round.times.checkpoint = laps.lap();
        round.proofs_attached = self.attach_proofs(&trust, now)?;
        round.times.proofs = laps.lap();
        Ok(round)
    }

    fn register_countersigned(
        &mut self,
        now: Timestamp,
        round: &mut LogRound,
    ) -> Result<(), CityLogError> {
        let waiting = self
            .store
            .oldest_copies(CopyStatus::Countersigned, None, usize::MAX)?;
        let copy_ids: Vec<CopyId> = waiting
            .iter()
            .filter_map(|row| CopyId::parse(&row.copy_id).ok())
            .collect();
        for batch in copy_ids.chunks(COPIES_PER_DRAIN) {
            let outcomes = self.register_many(batch, now)?;
            for (copy_id, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Ok(_) => round.registered.push(*copy_id),
                    Err(error) => round.not_registered.push((*copy_id, error.to_string())),
                }
            }
        }
        Ok(())
    }

    /// The log key, checked to count now as a log key in the published trust list.
    fn log_signer(&self, trust: &TrustContext, now: Timestamp) -> Result<NoteSigner, CityLogError> {
        let path = self.dir.join(LOG_KEY_FILE);
        if !path.exists() {
            return Err(CityLogError::NoLogKey(path));
        }
        let key: SecretKey = files::read_secret_key(&path)?;
        trust
            .check_signer_with_role(key.key_id(), now.unix(), &[Role::Log])
            .map_err(|error| CityLogError::LogKeyNotTrusted {
                key_id: key.key_id(),
                reason: error.to_string(),
            })?;
        let name = NoteKeyName::new(&log_origin(trust))
            .map_err(|error| CheckpointError::BadOrigin(error.0))?;
        let public_key = key.public_key();
        Ok(NoteSigner::ed25519_by(name, public_key, move |text| {
            key.sign_raw(text)
        }))
    }

    /// Signs a checkpoint of `head` when none exists, or when the log grew and the last one is
    /// at least the checkpoint interval old. Returns the size signed.
    fn checkpoint_if_due(
        &mut self,
        trust: &TrustContext,
        head: TreeHead,
        now: Timestamp,
    ) -> Result<Option<u64>, CityLogError> {
        let interval = self
            .config
            .city()
            .map_or(crate::city_config::DEFAULT_CHECKPOINT_INTERVAL, |city| {
                city.checkpoint_interval
            });
        let due = match self.store.latest_log_checkpoint()? {
            None => true,
            Some(latest) => {
                let signed_at = Timestamp::parse(&latest.signed_at).map(|t| t.unix()).ok();
                head.size > latest.tree_size
                    && signed_at.is_none_or(|signed_at| {
                        now.unix().saturating_sub(signed_at)
                            >= i64::try_from(interval.as_secs()).unwrap_or(i64::MAX)
                    })
            }
        };
        if !due {
            return Ok(None);
        }
        let signer = self.log_signer(trust, now)?;
        let signed = Checkpoint::new(&log_origin(trust), head)?.sign(&signer)?;
        self.store
            .put_log_checkpoint(head.size, signed.note(), now)?;
        Ok(Some(head.size))
    }

    /// Writes into each registered copy covered by the latest checkpoint its inclusion.
    fn attach_proofs(
        &mut self,
        trust: &TrustContext,
        now: Timestamp,
    ) -> Result<usize, CityLogError> {
        let Some(checkpoint) = self.store.latest_log_checkpoint()? else {
            return Ok(0);
        };
        let wanted = self
            .store
            .log_proofs_wanted(checkpoint.tree_size, usize::MAX)?;
        let mut attached = 0;
        let wanted: Vec<(u64, CopyId)> = wanted
            .into_iter()
            .filter_map(|(leaf_index, copy_id)| {
                CopyId::parse(&copy_id).ok().map(|copy| (leaf_index, copy))
            })
            .collect();
        for batch in wanted.chunks(COPIES_PER_DRAIN) {
            // The batch's paths share their upper tiles: each is read once.
            let tiles = bansao_tlog::CachedTiles::new(self.store.log_tiles());
            let inclusions = batch
                .iter()
                .map(|(leaf_index, _)| {
                    self.inclusion_in(&tiles, &checkpoint, *leaf_index)
                        .map(|inclusion| (*leaf_index, inclusion))
                })
                .collect::<Result<std::collections::HashMap<_, _>, _>>()?;
            self.store.attach_log_proofs(
                batch,
                self.actor.clone(),
                now,
                |leaf_index, document: &mut CopyDocument| -> Result<CopyStatus, CityLogError> {
                    let copy_id = document.content().copy_id.to_string();
                    let inclusion =
                        inclusions
                            .get(&leaf_index)
                            .ok_or_else(|| StoreError::LogDamaged {
                                reason: format!("leaf {leaf_index} has no proof"),
                            })?;
                    document.set_log_inclusion(inclusion).map_err(|error| {
                        StoreError::Document {
                            copy_id,
                            error: Box::new(error),
                        }
                    })?;
                    Ok(crate::copies::status_report(document, trust)
                        .map_err(Box::new)?
                        .status)
                },
            )?;
            attached += batch.len();
        }
        Ok(attached)
    }

    fn inclusion(
        &self,
        checkpoint: &StoredCheckpoint,
        leaf_index: u64,
    ) -> Result<LogInclusion, CityLogError> {
        self.inclusion_in(&self.store.log_tiles(), checkpoint, leaf_index)
    }

    /// [`City::inclusion`] with the tiles read from `tiles`.
    fn inclusion_in(
        &self,
        tiles: &impl bansao_tlog::TileStore,
        checkpoint: &StoredCheckpoint,
        leaf_index: u64,
    ) -> Result<LogInclusion, CityLogError> {
        let proof = prove_inclusion(tiles, checkpoint.tree_size, leaf_index)?;
        let entry = self
            .store
            .log_entries(leaf_index, 1)?
            .into_iter()
            .next()
            .ok_or(StoreError::LogDamaged {
                reason: format!("leaf {leaf_index} has no entry"),
            })?;
        Ok(LogInclusion {
            entry: entry.entry,
            leaf_index,
            tree_size: checkpoint.tree_size,
            path: proof.path.iter().map(|hash| hash.0).collect(),
            checkpoint: checkpoint.note.clone(),
        })
    }

    /// The latest signed checkpoint.
    pub fn latest_checkpoint(&self) -> Result<StoredCheckpoint, CityLogError> {
        self.store
            .latest_log_checkpoint()?
            .ok_or(CityLogError::NoCheckpoint)
    }

    /// The inclusion in the latest checkpoint of every leaf about `copy_id`.
    pub fn prove_copy(&self, copy_id: CopyId) -> Result<Vec<LogInclusion>, CityLogError> {
        let checkpoint = self.latest_checkpoint()?;
        let proofs = self
            .store
            .log_entries_of_copy(&copy_id.to_string())?
            .into_iter()
            .filter(|entry| entry.leaf_index < checkpoint.tree_size)
            .map(|entry| self.inclusion(&checkpoint, entry.leaf_index))
            .collect::<Result<Vec<_>, _>>()?;
        if proofs.is_empty() {
            return Err(CityLogError::NotLogged(copy_id));
        }
        Ok(proofs)
    }
}
