//! Randomness and the clock, read here at the edge and handed inward (inner crates never reach
//! for either).

use automerge::ActorId;
use bansao_copy::Timestamp;

/// The operating system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the system random source failed: {0}")]
pub struct EntropyError(String);

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], EntropyError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| EntropyError(error.to_string()))?;
    Ok(bytes)
}

/// A fresh Automerge actor id (16 random bytes), one per process and document.
pub fn new_actor() -> Result<ActorId, EntropyError> {
    Ok(ActorId::from(random_bytes::<16>()?.to_vec()))
}

/// The current time, to the second.
pub fn now() -> Timestamp {
    Timestamp::from_datetime(time::OffsetDateTime::now_utc())
}
