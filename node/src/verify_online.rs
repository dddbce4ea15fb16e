//! The public verify page's service (every node's `/verify`): the same checks `bansao verify`
//! makes ([`crate::verify`]: QR text, a photo of the QR, the sealed PDF with its city log
//! inclusion) against the node's trust file as it is now, and then what this node knows of the
//! copy now: the status its stored document derives to (counter-signed, rejected, registered
//! since the QR was printed), a revocation, the log inclusion the node holds, and what it
//! recorded about the kiosk's chain.
//!
//! Inputs are bounded: text up to [`MAX_QR_TEXT_BYTES`], files up to [`MAX_UPLOAD_BYTES`]
//! (the web layer refuses larger bodies before reading them), images by their pixel count before
//! decoding, PDF streams by their inflated size (`bansao-artifact`).

use std::path::{Path, PathBuf};

use bansao_copy::status::StatusReport;
use bansao_copy::{CopyId, Verification, verify_qr};
use bansao_store::{Store, StoreError};
use bansao_trust::{Revocation, TrustContext};

use crate::copies::status_report;
use crate::node_dir::{NodeDir, NodeError};
use crate::verify::{
    ChainKnowledge, InputKind, LogCheck, VerifyError, chain_knowledge, check_log_inclusion,
    load_trust, read_qr_from_image, verify_pdf_with_log,
};

/// The longest QR text taken (a bansao code is a few hundred characters).
pub const MAX_QR_TEXT_BYTES: usize = 4096;
/// The largest file taken: a sealed PDF of many 300 dpi pages, or a phone's photo.
pub const MAX_UPLOAD_BYTES: usize = 40 * 1024 * 1024;

/// What was handed in.
#[derive(Debug)]
pub enum Upload {
    /// Pasted QR text.
    QrText(String),
    /// A file: a sealed PDF, or a photo (PNG, JPEG) of the QR.
    File(Vec<u8>),
}

/// What the node knows of the copy now.
#[derive(Debug)]
pub struct KnownNow {
    /// The status the node's stored document derives to under the node's trust now, or why it
    /// is not genuine.
    pub status: Result<StatusReport, String>,
    /// The revocation of the copy on the node's revocation list, if any.
    pub revocation: Option<Revocation>,
    /// The log inclusion the stored document carries, checked.
    pub log: Option<LogCheck>,
}

/// A verification, with what the node knows now.
#[derive(Debug)]
pub struct OnlineVerification {
    /// What was verified.
    pub kind: InputKind,
    /// The verdict on the input itself (as `bansao verify` gives it).
    pub verification: Verification,
    /// The city log inclusion a PDF carries, checked.
    pub log: Option<LogCheck>,
    /// The copy as this node holds it now (`None`: the node holds no such copy).
    pub known_now: Option<KnownNow>,
    /// What the node recorded about the kiosk's chain.
    pub chain: Option<ChainKnowledge>,
    /// The copy's commune, named as the trust list names its ward.
    pub commune: Option<String>,
}

/// Why a verification could not be made at all.
#[derive(Debug, thiserror::Error)]
pub enum OnlineVerifyError {
    /// The input gives no verdict.
    #[error(transparent)]
    Input(#[from] VerifyError),
    /// The node's database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] crate::entropy::EntropyError),
    /// The input is larger than any copy.
    #[error("tệp quá lớn: tối đa {} MB (the file is too large: at most {} MB)", MAX_UPLOAD_BYTES >> 20, MAX_UPLOAD_BYTES >> 20)]
    TooLarge,
}

/// A node's verifier: its trust file and its database.
#[derive(Debug)]
pub struct OnlineVerifier {
    trust_path: PathBuf,
    store: Store,
    name: String,
}

impl OnlineVerifier {
    /// The verifier of the node in `dir` (any role).
    pub fn open(dir: &Path) -> Result<OnlineVerifier, NodeError> {
        let node = NodeDir::read(dir)?;
        let store = node.open_store()?;
        Ok(OnlineVerifier {
            trust_path: node.config.paths.trust.clone(),
            name: node.config.name.clone(),
            store,
        })
    }

    /// The node's database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node's trust as its file holds it now (sync may have replaced it since the start).
    pub fn trust(&self) -> Result<TrustContext, VerifyError> {
        load_trust(&self.trust_path)
    }

    /// Verifies `upload` and looks the copy up.
    pub fn verify(&self, upload: Upload) -> Result<OnlineVerification, OnlineVerifyError> {
        let trust = self.trust()?;
        let checked = verify_upload(upload, &trust)?;
        self.look_up(checked, &trust)
    }

    /// Adds what the node knows now to a verification made by [`verify_upload`] under `trust`.
    pub fn look_up(
        &self,
        checked: CheckedUpload,
        trust: &TrustContext,
    ) -> Result<OnlineVerification, OnlineVerifyError> {
        let CheckedUpload {
            kind,
            verification,
            log,
        } = checked;
        let commune = verification
            .content
            .as_ref()
            .map(|content| content.commune.clone())
            .or_else(|| {
                verification
                    .claims
                    .as_ref()
                    .map(|claims| claims.commune.clone())
            })
            .map(|code| crate::copies::commune_label(&code, trust));
        let (known_now, chain) = match copy_named(&verification) {
            Some(copy_id) => (
                self.known_now(copy_id, trust)?,
                Some(chain_knowledge(&self.store, &verification)?),
            ),
            None => (None, None),
        };
        Ok(OnlineVerification {
            kind,
            verification,
            log,
            known_now,
            chain,
            commune,
        })
    }

    /// What the node holds of copy `copy_id` now (`None`: no such copy, and no revocation).
    pub fn known_now(
        &self,
        copy_id: CopyId,
        trust: &TrustContext,
    ) -> Result<Option<KnownNow>, OnlineVerifyError> {
        let revocation = trust.copy_revocation(&copy_id.to_string()).cloned();
        let actor = crate::entropy::new_actor()?;
        let document = match self.store.load_copy(copy_id, actor) {
            Ok(document) => document,
            Err(StoreError::NotFound(_)) => {
                return Ok(revocation.map(|revocation| KnownNow {
                    status: Err(
                        "nút này không giữ bản sao (this node does not hold the copy)".to_owned(),
                    ),
                    revocation: Some(revocation),
                    log: None,
                }));
            }
            Err(error) => return Err(error.into()),
        };
        let status = status_report(&document, trust).map_err(|error| error.to_string());
        let log = match (document.log_inclusion(), document.signatures()) {
            (Some(Ok(inclusion)), Ok((signatures, _))) => Some(check_log_inclusion(
                &inclusion,
                document.content(),
                document.content_hash(),
                &signatures,
                trust,
            )),
            (Some(Err(error)), _) => Some(LogCheck::Refused(error.to_string())),
            _ => None,
        };
        Ok(Some(KnownNow {
            status,
            revocation,
            log,
        }))
    }
}

/// An upload's verdict, before the node's store is asked.
#[derive(Debug)]
pub struct CheckedUpload {
    /// What was verified.
    pub kind: InputKind,
    /// The verdict.
    pub verification: Verification,
    /// A PDF's log inclusion, checked.
    pub log: Option<LogCheck>,
}

/// Verifies `upload` under `trust` (no store, no lock: several run at once).
pub fn verify_upload(
    upload: Upload,
    trust: &TrustContext,
) -> Result<CheckedUpload, OnlineVerifyError> {
    let (kind, verification, log) = match upload {
        Upload::QrText(text) => {
            if text.len() > MAX_QR_TEXT_BYTES {
                return Err(
                    VerifyError::Qr(bansao_copy::qr::QrDecodeError::TooLong(text.len())).into(),
                );
            }
            let verification = verify_qr(text.trim(), trust).map_err(VerifyError::from)?;
            (InputKind::QrText, verification, None)
        }
        Upload::File(bytes) => {
            if bytes.len() > MAX_UPLOAD_BYTES {
                return Err(OnlineVerifyError::TooLarge);
            }
            if bytes.starts_with(b"%PDF-") {
                let (verification, log) = verify_pdf_with_log(&bytes, trust)?;
                (InputKind::Pdf, verification, log)
            } else if crate::scan_media_type(&bytes).is_some() {
                let text = read_qr_from_image(&bytes)?;
                let verification = verify_qr(&text, trust).map_err(VerifyError::from)?;
                (InputKind::QrImage, verification, None)
            } else {
                return Err(VerifyError::UnknownInput.into());
            }
        }
    };
    Ok(CheckedUpload {
        kind,
        verification,
        log,
    })
}

/// The copy a verification names, from the record's content or the QR's claims.
pub fn copy_named(verification: &Verification) -> Option<CopyId> {
    verification
        .content
        .as_ref()
        .map(|content| content.copy_id)
        .or_else(|| verification.claims.as_ref().map(|claims| claims.copy_id))
}
