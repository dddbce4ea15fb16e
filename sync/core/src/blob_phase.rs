//! The scan phase of a session: what the session does with the scan messages, and how it asks for
//! more, says `Done` and finishes. The transfers themselves (layouts, chunks, checks) are
//! [`BlobFetcher`] and [`BlobServer`](crate::blobs::BlobServer) in `blobs`.

use crate::blobs::BlobFetcher;
use crate::phase::{Phase, ScanExchange};
use crate::replica::{Replica, StorageEffect};
use crate::session::{Session, SessionError};
use crate::validate::Refusal;
use crate::wire::{ErrorCode, Message};

impl Session {
    /// Ends the document phase (or a reconciliation the peer closed without documents) and
    /// starts the scan phase, with the scans this side lacks if the link lets it fetch.
    pub(crate) fn start_blobs(&mut self, replica: &mut dyn Replica) -> Result<(), SessionError> {
        let Some(policy) = self.policy() else {
            return Err(self.violation("documents-done"));
        };
        let mut fetcher = None;
        if policy.fetch_blobs {
            match replica.missing_blobs(&policy.commune, self.config.blobs_per_session) {
                Ok(wanted) => {
                    fetcher = Some(BlobFetcher::new(wanted, self.config.active_blobs));
                }
                Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
            }
        }
        let scans = ScanExchange {
            fetcher,
            sent_done: false,
            peer_done: false,
        };
        self.phase.begin_blobs(scans, &mut self.stats);
        Ok(())
    }

    /// Asks for more scans, says `Done` once this side wants nothing more, and finishes the
    /// session when both sides have said it and everything is sent.
    pub(crate) fn advance_blobs(&mut self, replica: &mut dyn Replica) -> Result<(), SessionError> {
        let Phase::Blobs { scans, .. } = &mut self.phase else {
            return Ok(());
        };
        if let Some(fetcher) = scans.fetcher.as_mut() {
            match fetcher.next_requests(replica) {
                Ok(requests) => {
                    self.control.extend(requests);
                    self.effects.extend(fetcher.take_already_complete());
                }
                Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
            }
        }
        let idle = scans.fetcher.as_ref().is_none_or(BlobFetcher::is_idle);
        if idle && !scans.sent_done {
            scans.sent_done = true;
            self.control.push_back(Message::Done);
        }
        let all_sent =
            self.control.is_empty() && self.serve.is_empty() && self.server.pending() == 0;
        if scans.sent_done && scans.peer_done && all_sent {
            self.phase.finish(&mut self.stats);
            tracing::debug!(peer = %self.peer_key, "sync session finished");
        }
        Ok(())
    }

    /// The peer asks for a scan's layout or chunks: the layout is answered now, chunks lazily.
    pub(crate) fn on_blob_want(
        &mut self,
        hash: [u8; 32],
        manifest: bool,
        chunks: &[u32],
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        match self.server.on_want(replica, hash, manifest, chunks) {
            Ok(Some(reply)) => {
                self.control.push_back(reply);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(error) => Err(self.refuse(ErrorCode::Storage, error.to_string())),
        }
    }

    /// A layout this side asked for arrived.
    pub(crate) fn on_blob_manifest(
        &mut self,
        hash: [u8; 32],
        size: u64,
        chunk_size: u32,
        chunk_hashes: &[u8],
    ) -> Result<(), SessionError> {
        let result = match self.fetcher_mut() {
            Some(fetcher) => fetcher.on_manifest(hash, size, chunk_size, chunk_hashes),
            None => return Err(self.violation("blob-manifest")),
        };
        self.take_blob_effects(result)
    }

    /// A chunk this side asked for arrived.
    pub(crate) fn on_blob_chunk(
        &mut self,
        hash: [u8; 32],
        index: u32,
        bytes: Vec<u8>,
    ) -> Result<(), SessionError> {
        let result = match self.fetcher_mut() {
            Some(fetcher) => fetcher.on_chunk(hash, index, bytes),
            None => return Err(self.violation("blob-chunk")),
        };
        self.take_blob_effects(result)
    }

    /// The peer does not hold a scan this side asked for.
    pub(crate) fn on_blob_missing(&mut self, hash: [u8; 32]) {
        if let Some(fetcher) = self.fetcher_mut() {
            fetcher.on_missing(hash);
        }
    }

    /// The peer wants nothing more.
    pub(crate) fn on_peer_done(&mut self) {
        if let Some(scans) = self.phase.scans_mut() {
            scans.peer_done = true;
        }
    }

    /// The scans this side fetches, in the scan phase if the link lets it fetch any.
    fn fetcher_mut(&mut self) -> Option<&mut BlobFetcher> {
        self.phase
            .scans_mut()
            .and_then(|scans| scans.fetcher.as_mut())
    }

    fn take_blob_effects(
        &mut self,
        result: Result<Vec<StorageEffect>, Refusal>,
    ) -> Result<(), SessionError> {
        match result {
            Ok(effects) => {
                self.effects.extend(effects);
                Ok(())
            }
            Err(refusal) => Err(self.refuse_with(refusal)),
        }
    }
}
