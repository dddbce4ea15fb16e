//! The session's steps for the city log's checkpoint (see `checkpoints` for what they mean).
//!
//! The checkpoint is one reconciliation item (key [`CHECKPOINT_KEY`], digest of the held note),
//! so an unchanged checkpoint costs nothing. When the two sides' items differ, the initiator
//! sends `CheckpointWant { held_size }`; the responder answers `Checkpoints { held_size: its
//! own, steps from the size asked }` and `WantServed`; an initiator that holds a newer (or another of the same size)
//! checkpoint than the responder then offers its own steps from the responder's size. The
//! responder never answers an offer, so the exchange ends. Offers become a
//! [`StorageEffect::OfferedCheckpoints`]: the shell judges and stores them.

use bansao_copy::Timestamp;
use serde_bytes::ByteArray;

use crate::checkpoints::{CHECKPOINT_KEY, CheckpointStep, MAX_STEPS_PER_OFFER};
use crate::replica::{Replica, StorageEffect};
use crate::session::{Session, SessionError, Side};
use crate::wire::{ErrorCode, MAX_CHECKPOINT_NOTE_BYTES, Message, WireCheckpointStep};

impl Session {
    /// The initiator asks for the responder's checkpoint (the items differ).
    pub(crate) fn want_checkpoint(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let held_size = self.held_checkpoint_size(replica)?;
        tracing::debug!(held_size, "checkpoints differ: asking the peer's");
        self.control
            .push_back(Message::CheckpointWant { held_size });
        Ok(())
    }

    /// The responder answers a `CheckpointWant`.
    pub(crate) fn on_checkpoint_want(
        &mut self,
        peer_size: u64,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let held_size = self.held_checkpoint_size(replica)?;
        let steps = self.steps_for(peer_size, replica)?;
        self.control
            .push_back(Message::Checkpoints { held_size, steps });
        self.control.push_back(Message::WantServed);
        Ok(())
    }

    /// Either side takes an offer; the initiator offers back when it holds a newer checkpoint.
    pub(crate) fn on_checkpoints(
        &mut self,
        peer_size: u64,
        steps: Vec<WireCheckpointStep>,
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        if steps.len() > MAX_STEPS_PER_OFFER
            || steps
                .iter()
                .any(|step| step.note.len() > MAX_CHECKPOINT_NOTE_BYTES || step.proof.len() > 64)
        {
            return Err(self.refuse(
                ErrorCode::MalformedFrame,
                "a checkpoint offer beyond the protocol's limits".to_owned(),
            ));
        }
        if !steps.is_empty() {
            self.stats.checkpoints_offered += steps.len() as u64;
            self.effects.push_back(StorageEffect::OfferedCheckpoints {
                steps: steps
                    .into_iter()
                    .map(|step| CheckpointStep {
                        note: step.note,
                        proof: step.proof.into_iter().map(ByteArray::into_array).collect(),
                    })
                    .collect(),
                at: now,
                peer: self.peer_key,
            });
        }
        let held_size = self.held_checkpoint_size(replica)?;
        if self.side == Side::Initiator && held_size >= peer_size && held_size > 0 {
            let steps = self.steps_for(peer_size, replica)?;
            if !steps.is_empty() {
                self.control
                    .push_back(Message::Checkpoints { held_size, steps });
            }
        }
        Ok(())
    }

    fn held_checkpoint_size(&mut self, replica: &mut dyn Replica) -> Result<u64, SessionError> {
        match replica.held_checkpoint() {
            Ok(held) => Ok(held.map_or(0, |held| held.size)),
            Err(error) => Err(self.refuse(ErrorCode::Storage, error.to_string())),
        }
    }

    fn steps_for(
        &mut self,
        from_size: u64,
        replica: &mut dyn Replica,
    ) -> Result<Vec<WireCheckpointStep>, SessionError> {
        match replica.checkpoint_steps(from_size) {
            Ok(steps) => Ok(steps
                .into_iter()
                .take(MAX_STEPS_PER_OFFER)
                .map(|step| WireCheckpointStep {
                    note: step.note,
                    proof: step.proof.into_iter().map(ByteArray::new).collect(),
                })
                .collect()),
            Err(error) => Err(self.refuse(ErrorCode::Storage, error.to_string())),
        }
    }
}

/// Whether a reconciliation item's key is the checkpoint's.
pub(crate) fn is_checkpoint_key(key: &[u8; 16]) -> bool {
    *key == CHECKPOINT_KEY
}
