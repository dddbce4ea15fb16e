//! Checking a frame's documents ahead of the session, so a shell can overlap that work with
//! storing the previous frame.
//!
//! Taking in a batch of new copies is two costs: loading and verifying every document (pure,
//! split over threads) and writing them (one SQLite transaction, one thread). Done one after the
//! other, a core sits idle during each. A [`DocumentChecker`] is the pure half detached from the
//! session: same trust, commune and actor, so its verdicts are the ones the session would reach.
//! The shell runs it on the next frame while the previous frame's effects are being made
//! durable, then hands the result to [`Session::handle_prechecked`]; the session still takes no
//! input before those effects are durable, and it reads the store (for copies it already holds)
//! only then.

use std::sync::Arc;

use automerge::ActorId;
use bansao_copy::Timestamp;
use bansao_trust::TrustContext;

use crate::documents::keyed_documents;
use crate::replica::Replica;
use crate::session::{Session, SessionError};
use crate::validate::{self, Checked};
use crate::wire::{self, ErrorCode, Message};

/// The session's document checks, detached from it.
#[derive(Debug, Clone)]
pub struct DocumentChecker {
    commune: String,
    trust: Arc<TrustContext>,
    actor: ActorId,
    threads: usize,
}

/// A frame decoded and, when it carries whole documents, checked.
#[derive(Debug)]
pub struct PrecheckedFrame {
    body_length: usize,
    decoded: Result<Message, String>,
    checked: Option<(String, Vec<Checked>)>,
}

impl PrecheckedFrame {
    /// How many documents were checked ahead (0 for a frame that carries none).
    pub fn documents_checked(&self) -> usize {
        self.checked
            .as_ref()
            .map_or(0, |(_, checked)| checked.len())
    }
}

impl DocumentChecker {
    /// Decodes `body` and checks the documents it carries (other messages are only decoded).
    pub fn precheck(&self, body: &[u8]) -> PrecheckedFrame {
        self.precheck_alongside(body, || ()).0
    }

    /// [`DocumentChecker::precheck`], with `alongside` run first on one of the checking
    /// threads, which then joins the checking (see [`validate::check_new_documents_alongside`]).
    /// Returns what `alongside` returned (`None` if it panicked).
    pub fn precheck_alongside<R: Send>(
        &self,
        body: &[u8],
        alongside: impl FnOnce() -> R + Send,
    ) -> (PrecheckedFrame, Option<R>) {
        let decoded = wire::decode_body(body).map_err(|error| error.to_string());
        let (checked, done) = match &decoded {
            Ok(Message::Documents { documents }) => {
                let (checked, done) = validate::check_new_documents_alongside(
                    &keyed_documents(documents),
                    &self.commune,
                    &self.trust,
                    &self.actor,
                    self.threads,
                    alongside,
                );
                (Some((self.commune.clone(), checked)), done)
            }
            _ => (None, Some(alongside())),
        };
        let frame = PrecheckedFrame {
            body_length: body.len(),
            decoded,
            checked,
        };
        (frame, done)
    }
}

impl Session {
    /// The checks this session runs on whole documents, once the link's commune is known.
    pub fn document_checker(&self) -> Option<DocumentChecker> {
        if self.is_finished() || self.is_failed() {
            return None;
        }
        let policy = self.policy()?;
        Some(DocumentChecker {
            commune: policy.commune.clone(),
            trust: Arc::clone(&self.trust),
            actor: self.actor.clone(),
            threads: self.config.verify_threads,
        })
    }

    /// Feeds one frame checked by [`DocumentChecker::precheck`]; the same as
    /// [`Session::handle_frame`] on its body.
    pub fn handle_prechecked(
        &mut self,
        frame: PrecheckedFrame,
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        self.count_received_frame(frame.body_length)?;
        let message = match frame.decoded {
            Ok(message) => message,
            Err(error) => return Err(self.refuse(ErrorCode::MalformedFrame, error)),
        };
        // Verdicts reached for another commune (the checker outlived a policy) are not used.
        let same_commune = |commune: &str| {
            self.policy()
                .is_some_and(|policy| policy.commune == commune)
        };
        self.prechecked = match frame.checked {
            Some((commune, checked)) if same_commune(&commune) => Some(checked),
            _ => None,
        };
        let result = self.handle_message(message, frame.body_length, now, replica);
        self.prechecked = None;
        result
    }
}
