//! The kiosk's issuance: from scans and confirmed fields to a provisionally signed copy that is
//! durably stored before anything is handed out (artifact, QR, receipt).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use automerge::ActorId;
use bansao_copy::content::MAX_PAGES;
use bansao_copy::fee::certification_fee_vnd;
use bansao_copy::status::CopyStatus;
use bansao_copy::{
    CopyContent, CopyDocument, CopyEvent, CopyId, DocumentType, ExtractedField, PageRef,
    ReviewNote, Timestamp,
};
use bansao_store::Store;
use bansao_trust::{Certificate, SecretKey, TrustContext};

use crate::config::{CONFIG_FILE_NAME, NodeConfig, NodeRole};
use crate::{entropy, files, trust_floor};

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
    /// Its configuration.
    pub config: NodeConfig,
    key: SecretKey,
    certificate: Certificate,
    /// Its database.
    pub store: Store,
    /// The trust it verifies with.
    pub trust: TrustContext,
    actor: ActorId,
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
    pub fn open(dir: &Path) -> anyhow::Result<Kiosk> {
        let config = NodeConfig::load(&dir.join(CONFIG_FILE_NAME))?;
        if config.role != NodeRole::Kiosk {
            bail!(
                "{} is a {} directory, not a kiosk",
                dir.display(),
                config.role.as_str()
            );
        }
        let key = files::read_secret_key(&config.paths.key)?;
        let certificate = files::read_certificate(&config.paths.certificate)?;
        if certificate.key_id() != key.key_id() {
            bail!(
                "{} does not certify the kiosk's key",
                config.paths.certificate.display()
            );
        }
        let trust = TrustContext::from_bundle(&files::read(&config.paths.trust)?)?;
        let mut store = Store::open(&config.paths.database)?;
        trust_floor::check_and_record(&mut store, &config.paths.trust, &trust, entropy::now())?;
        Ok(Kiosk {
            config,
            key,
            certificate,
            store,
            trust,
            actor: entropy::new_actor()?,
        })
    }

    /// The kiosk's key.
    pub fn key(&self) -> &SecretKey {
        &self.key
    }

    /// Issues a copy: checks the request, signs, and commits the copy, its scans and the chain
    /// in one durable transaction. Nothing is written if any check fails.
    pub fn issue(&mut self, request: IssueRequest, now: Timestamp) -> anyhow::Result<IssuedCopy> {
        let kiosk_id = self
            .config
            .kiosk_id
            .clone()
            .context("a kiosk configuration names its id")?;
        let commune = self
            .config
            .commune
            .clone()
            .context("a kiosk configuration names its commune")?;
        if request.scans.is_empty() {
            bail!("no scanned page: put the original on the scanner (chưa quét trang nào)");
        }
        if request.scans.len() > MAX_PAGES {
            bail!(
                "too many pages ({}); at most {MAX_PAGES}",
                request.scans.len()
            );
        }
        let mut pages = Vec::with_capacity(request.scans.len());
        for (index, scan) in request.scans.iter().enumerate() {
            let media_type = crate::scan_media_type(scan)
                .with_context(|| format!("page {} is not a PNG or JPEG image", index + 1))?;
            pages.push(PageRef::of(scan, media_type));
        }
        self.trust
            .check_signer(self.certificate.key_id(), now.unix())
            .context("this kiosk's key may not sign now")?;
        self.store.refuse_if_damaged()?;
        let head = self.store.chain_head(&kiosk_id)?;
        crate::kiosk_clock::check_clock(
            now,
            head.last_issued_at,
            self.store.last_sync_success()?,
            Timestamp::from_unix(self.trust.trust_list().issued_at)?,
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
                    .map_err(|_| anyhow::anyhow!("copy id space exhausted"))?,
            );
        }
        let content = CopyContent {
            copy_id,
            commune: commune.code,
            kiosk_id,
            kiosk_sequence: head.last_sequence + 1,
            previous_content_hash: head.last_content_hash,
            document_type: request.document_type,
            issued_at: now,
            fields: request.fields,
            fee_vnd: certification_fee_vnd(pages.len() as u64),
            pages,
        };
        let mut document = CopyDocument::issue(content, &self.key, self.actor.clone())?;
        for event in &request.events {
            document.record_event(event)?;
        }
        for note in &request.notes {
            document.add_note(note)?;
        }
        let scans: Vec<&[u8]> = request.scans.iter().map(Vec::as_slice).collect();
        self.store
            .insert_issued_copy(&mut document, &scans, CopyStatus::Provisional, now)?;
        let qr_text = crate::copies::qr_text(&document, &self.key);
        Ok(IssuedCopy { document, qr_text })
    }

    /// A copy this kiosk issued, with its QR text, for printing again. The QR is the kiosk's
    /// signature and is made again with its key, so a copy issued under an earlier key (before a
    /// rotation) cannot be given a new receipt: its own PDF still verifies.
    pub fn issued_copy(&self, copy_id: CopyId) -> anyhow::Result<IssuedCopy> {
        let document = self.store.load_copy(copy_id, self.actor.clone())?;
        let (records, _) = document.signatures()?;
        let issued_by = records
            .iter()
            .find(|record| record.decision == bansao_copy::Decision::Issue)
            .map(|record| record.signer);
        if issued_by != Some(self.key.key_id()) {
            bail!(
                "copy {copy_id} was not issued with this kiosk's current key: its receipt cannot be printed again (its PDF still verifies)"
            );
        }
        let qr_text = crate::copies::qr_text(&document, &self.key);
        Ok(IssuedCopy { document, qr_text })
    }

    /// Renders the sealed PDF of a copy, sealed by this kiosk.
    pub fn render_artifact(
        &self,
        document: &CopyDocument,
        qr_text: &str,
        now: Timestamp,
    ) -> anyhow::Result<Vec<u8>> {
        crate::copies::render_artifact(document, qr_text, &self.store, &self.trust, &self.key, now)
    }
}
