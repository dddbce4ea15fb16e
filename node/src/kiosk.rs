//! The kiosk's issuance: from scans and confirmed fields to a provisionally signed copy that is
//! durably stored before anything is handed out (artifact, QR, receipt).

use std::collections::BTreeMap;
use std::path::Path;

use automerge::ActorId;
use bansao_copy::content::MAX_PAGES;
use bansao_copy::document::CopyDocumentError;
use bansao_copy::fee::certification_fee_vnd;
use bansao_copy::status::CopyStatus;
use bansao_copy::{
    CopyContent, CopyDocument, CopyEvent, CopyId, DocumentType, ExtractedField, PageRef,
    ReviewNote, Timestamp,
};
use bansao_store::{Store, StoreError};
use bansao_trust::{SecretKey, SignerError, TrustContext};

use crate::config::{KioskConfig, NodeRole, RoleConfig};
use crate::copies::ArtifactError;
use crate::entropy::{self, EntropyError};
use crate::kiosk_clock::ClockError;
use crate::node_dir::{Node, NodeDir, NodeError};

/// A copy could not be issued; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// No page was scanned.
    #[error("no scanned page: put the original on the scanner (chưa quét trang nào)")]
    NoScans,
    /// More pages than a copy may have.
    #[error("too many pages ({count}); at most {MAX_PAGES}")]
    TooManyPages {
        /// Pages given.
        count: usize,
    },
    /// A scan is not an image the copy can carry.
    #[error("page {page} is not a PNG or JPEG image")]
    NotAnImage {
        /// The page, from 1.
        page: usize,
    },
    /// The kiosk's key does not count now (expired, revoked, not in the trust list).
    #[error("this kiosk's key may not sign now: {0}")]
    KeyMayNotSign(SignerError),
    /// The kiosk's clock cannot date a copy.
    #[error(transparent)]
    Clock(#[from] ClockError),
    /// The database refused or failed (damaged, full, read-only, the chain moved).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The copy document could not be made.
    #[error(transparent)]
    Document(#[from] CopyDocumentError),
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// The trust list's date is not one a copy can carry.
    #[error(transparent)]
    Timestamp(#[from] bansao_copy::timestamp::TimestampError),
    /// Every copy id after the kiosk's last one is taken (never in practice: 2^80 per ms).
    #[error("copy id space exhausted")]
    CopyIdsExhausted,
}

/// A stored copy could not be handed out again.
#[derive(Debug, thiserror::Error)]
pub enum ReprintError {
    /// The copy is not in this kiosk's database or does not load.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Its signatures cannot be read.
    #[error(transparent)]
    Document(#[from] CopyDocumentError),
    /// It was issued under another key.
    #[error(
        "copy {0} was not issued with this kiosk's current key: its receipt cannot be printed again (its PDF still verifies)"
    )]
    OtherKey(CopyId),
}

/// The kind of the copy event holding the citizen's rating of the service ("1".."5").
pub const RATING_EVENT: &str = "rating";

/// A rating could not be stored with its copy.
#[derive(Debug, thiserror::Error)]
pub enum RatingError {
    /// Not one of 1 to 5.
    #[error("a rating is 1 to 5, not {0}")]
    OutOfRange(u8),
    /// The copy is not this kiosk's, or already carries a rating.
    #[error("copy {0} cannot be rated here: not issued by this kiosk, or rated already")]
    NotRateable(CopyId),
    /// The database refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The document could not take the event.
    #[error(transparent)]
    Document(#[from] CopyDocumentError),
}

/// What the citizen brings to the kiosk, after review.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The kind of original.
    pub document_type: DocumentType,
    /// The confirmed fields.
    pub fields: BTreeMap<String, ExtractedField>,
    /// The scanned pages (PNG or JPEG files), in order.
    pub scans: Vec<Vec<u8>>,
    /// What the kiosk records with the copy (identity read, face check), committed with it.
    pub events: Vec<CopyEvent>,
    /// Notes for the official (an uncertain face check), committed with the copy.
    pub notes: Vec<ReviewNote>,
}

/// An opened kiosk directory.
#[derive(Debug)]
pub struct Kiosk {
    /// The opened node.
    pub node: Node,
    /// Its kiosk settings: id, commune, devices.
    pub settings: KioskConfig,
}

/// A copy that is issued and durably stored.
#[derive(Debug)]
pub struct IssuedCopy {
    /// The copy's document.
    pub document: CopyDocument,
    /// The QR text printed on the copy and the receipt.
    pub qr_text: String,
}

impl Kiosk {
    /// Opens a kiosk directory: configuration, key, certificate, trust and database.
    pub fn open(dir: &Path) -> Result<Kiosk, NodeError> {
        Kiosk::from_node(NodeDir::open_as(dir, NodeRole::Kiosk)?)
    }

    /// The kiosk of an opened node (refused when the node is not a kiosk).
    pub fn from_node(node: Node) -> Result<Kiosk, NodeError> {
        match &node.config().role {
            RoleConfig::Kiosk(settings) => Ok(Kiosk {
                settings: settings.clone(),
                node,
            }),
            _ => Err(node.wrong_role(NodeRole::Kiosk)),
        }
    }

    /// The kiosk's key.
    pub fn key(&self) -> &SecretKey {
        &self.node.key
    }

    /// Its database.
    pub fn store(&self) -> &Store {
        &self.node.store
    }

    /// The trust it verifies with.
    pub fn trust(&self) -> &TrustContext {
        &self.node.trust
    }

    fn actor(&self) -> ActorId {
        self.node.actor.clone()
    }

    /// Issues a copy: checks the request, signs, and commits the copy, its scans and the chain
    /// in one durable transaction. Nothing is written if any check fails.
    pub fn issue(
        &mut self,
        request: IssueRequest,
        now: Timestamp,
    ) -> Result<IssuedCopy, IssueError> {
        let kiosk_id = self.settings.id.to_string();
        let commune = self.settings.commune.code.to_string();
        if request.scans.is_empty() {
            return Err(IssueError::NoScans);
        }
        if request.scans.len() > MAX_PAGES {
            return Err(IssueError::TooManyPages {
                count: request.scans.len(),
            });
        }
        let mut pages = Vec::with_capacity(request.scans.len());
        for (index, scan) in request.scans.iter().enumerate() {
            let media_type =
                crate::scan_media_type(scan).ok_or(IssueError::NotAnImage { page: index + 1 })?;
            pages.push(PageRef::of(scan, media_type));
        }
        self.node
            .trust
            .check_signer(self.node.certificate.key_id(), now.unix())
            .map_err(IssueError::KeyMayNotSign)?;
        let store = &self.node.store;
        store.refuse_if_damaged()?;
        let head = store.chain_head(&kiosk_id)?;
        let trust_signed = Timestamp::from_unix(self.node.trust.trust_list().issued_at)?;
        crate::kiosk_clock::check_clock(
            now,
            head.last_issued_at,
            store.last_sync_success()?,
            trust_signed,
        )?;
        let random = u128::from_le_bytes(entropy::random_bytes::<16>()?) & ((1u128 << 80) - 1);
        let millis = u64::try_from(now.unix()).unwrap_or(0) * 1000;
        let mut copy_id = CopyId::from_parts(millis, random);
        // Keep a kiosk's ids in issue order, as ULID's monotonic generation does, even when two
        // copies share a millisecond or the clock steps back.
        if let Some(last) = head.last_copy_id
            && copy_id <= last
        {
            copy_id = CopyId(
                last.0
                    .increment()
                    .map_err(|_| IssueError::CopyIdsExhausted)?,
            );
        }
        let content = CopyContent {
            copy_id,
            commune,
            kiosk_id,
            kiosk_sequence: head.last_sequence + 1,
            previous_content_hash: head.last_content_hash,
            document_type: request.document_type,
            issued_at: now,
            fields: request.fields,
            fee_vnd: certification_fee_vnd(pages.len() as u64),
            pages,
        };
        let mut document = CopyDocument::issue(content, &self.node.key, self.actor())?;
        for event in &request.events {
            document.record_event(event)?;
        }
        for note in &request.notes {
            document.add_note(note)?;
        }
        let scans: Vec<&[u8]> = request.scans.iter().map(Vec::as_slice).collect();
        self.node
            .store
            .insert_issued_copy(&mut document, &scans, CopyStatus::Provisional, now)?;
        let qr_text = crate::copies::qr_text(&document, &self.node.key);
        Ok(IssuedCopy { document, qr_text })
    }

    /// A copy this kiosk issued, with its QR text, for printing again. The QR is the kiosk's
    /// signature and is made again with its key, so a copy issued under an earlier key (before a
    /// rotation) cannot be given a new receipt: its own PDF still verifies.
    pub fn issued_copy(&self, copy_id: CopyId) -> Result<IssuedCopy, ReprintError> {
        let document = self.node.store.load_copy(copy_id, self.actor())?;
        let (records, _) = document.signatures()?;
        let issued_by = records
            .iter()
            .find(|record| record.decision == bansao_copy::Decision::Issue)
            .map(|record| record.signer);
        if issued_by != Some(self.node.key.key_id()) {
            return Err(ReprintError::OtherKey(copy_id));
        }
        let qr_text = crate::copies::qr_text(&document, &self.node.key);
        Ok(IssuedCopy { document, qr_text })
    }

    /// Stores the citizen's rating (1 to 5) with a copy this kiosk issued, as a copy event
    /// appended after issuance (so it syncs with the copy); a copy takes one rating.
    pub fn record_rating(
        &mut self,
        copy_id: CopyId,
        rating: u8,
        now: Timestamp,
    ) -> Result<(), RatingError> {
        if !crate::kiosk_session::RATINGS.contains(&rating) {
            return Err(RatingError::OutOfRange(rating));
        }
        let mut document = self.node.store.load_copy(copy_id, self.actor())?;
        let kiosk_id = self.settings.id.to_string();
        let rated = document
            .events()?
            .iter()
            .any(|event| event.kind == RATING_EVENT);
        if rated || document.content().kiosk_id != kiosk_id {
            return Err(RatingError::NotRateable(copy_id));
        }
        document.record_event(&CopyEvent {
            kind: RATING_EVENT.to_owned(),
            at: now,
            by: kiosk_id,
            detail: rating.to_string(),
        })?;
        let status = match crate::copies::index_status(&document, &self.node.trust) {
            bansao_store::IndexStatus::Copy(status) => status,
            _ => CopyStatus::Provisional,
        };
        self.node.store.save_copy(&mut document, status, now)?;
        Ok(())
    }

    /// Renders the sealed PDF of a copy, sealed by this kiosk.
    pub fn render_artifact(
        &self,
        document: &CopyDocument,
        qr_text: &str,
        now: Timestamp,
    ) -> Result<Vec<u8>, ArtifactError> {
        let node = &self.node;
        crate::copies::render_artifact(document, qr_text, &node.store, &node.trust, &node.key, now)
    }
}
