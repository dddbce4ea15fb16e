//! The ward's service, what a commune's officials do with the copies its kiosks issued: the
//! review queue (provisional copies, oldest first), one copy's case (everything an official
//! weighs), and their decisions: approve (counter-sign with their own key, with the next
//! certification number) or reject on a ground of Decree 23, Art. 22. The CLI
//! (`bansao ward …`) and the ward's web pages call these functions and nothing below them.
//!
//! A ward directory holds `bansao.toml`, `node.key` + `node.cert` (the ward key, which
//! certifies its kiosks and officials), `trust.cbor`, `bansao.sqlite`, and `officials/`, one
//! `<id>.key` + `<id>.cert` per official.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bansao_copy::document::CopyDocumentError;
use bansao_copy::status::{CopyStatus, StatusReport};
use bansao_copy::{
    CopyDocument, CopyEvent, CopyId, Decision, DocumentType, OfficialId, RejectionGround,
    ReviewNote, Timestamp,
};
use bansao_store::{Anomaly, StoreError};
use bansao_trust::{Certificate, Passphrase, Role, SecretKey};

use crate::config::{Commune, NodeRole, RoleConfig, WardConfig};
use crate::copies::{NotGenuineCopy, status_report};
use crate::decisions::{self, Decided, DecisionError, DecisionRequest};
use crate::entropy::{self, EntropyError};
use crate::files::{self, FileError};
use crate::node_dir::{Node, NodeDir, NodeError};

/// The folder of a ward directory holding its officials' keys.
pub const OFFICIALS_DIR: &str = "officials";

/// Fields read with less confidence than this (thousandths) are flagged for the official.
pub const LOW_CONFIDENCE_PERMILLE: u16 = 900;

/// The ward's work could not be done; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum WardError {
    /// The ward directory could not be opened.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The official's key or certificate file could not be used.
    #[error(transparent)]
    File(#[from] FileError),
    /// No official of this ward has that id.
    #[error(
        "không có cán bộ {0} ở xã này (no official {0} at this ward): their key is not in officials/"
    )]
    UnknownOfficial(OfficialId),
    /// The official's key does not count for this ward now.
    #[error(
        "cán bộ {official} không được ký cho xã này lúc này (official {official} may not sign for this ward now): {reason}"
    )]
    OfficialMayNotSign {
        /// The official.
        official: OfficialId,
        /// Why.
        reason: String,
    },
    /// A stored copy is not genuine.
    #[error(transparent)]
    NotGenuine(#[from] NotGenuineCopy),
    /// A stored copy's document could not be read.
    #[error(transparent)]
    Document(#[from] CopyDocumentError),
    /// The decision was refused.
    #[error(transparent)]
    Decision(Box<DecisionError>),
    /// The copy was issued before documents kept the kiosk's QR seal: only its kiosk can
    /// print its PDF.
    #[error(
        "bản sao {0} được cấp trước khi lưu dấu QR của ki-ốt: hãy in lại tại ki-ốt (copy {0} predates kept QR seals: print it at its kiosk)"
    )]
    NoKioskQr(CopyId),
    /// The copy's PDF could not be made.
    #[error(transparent)]
    Artifact(Box<crate::copies::ArtifactError>),
    /// A day whose report cannot be made (years before 1 or after 9998).
    #[error("không có báo cáo cho ngày {0} (no report for the day {0})")]
    DayOutOfRange(time::Date),
    /// The day's report could not be made into a PDF.
    #[error("the day's report could not be rendered: {0}")]
    Report(String),
    /// A resolution needs the official's words.
    #[error("hãy ghi rõ đã kiểm tra những gì (say what you found)")]
    NoteRequired,
    /// The official's key is locked already.
    #[error("khóa của cán bộ {0} đã có mật khẩu (official {0}'s key is locked already)")]
    AlreadyLocked(OfficialId),
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// The copies index holds a row that is not a copy (run `bansao store reindex`).
    #[error("the copies index names {0:?}, which is not a copy id: run `bansao store reindex`")]
    BadIndexRow(String),
}

/// An official of the ward, with their key unlocked for signing.
#[derive(Debug)]
pub struct Official {
    /// Their id within the ward.
    pub id: OfficialId,
    /// Their certificate.
    pub certificate: Certificate,
    pub(crate) key: SecretKey,
}

impl Official {
    /// Their name, as the certificate gives it.
    pub fn name(&self) -> &str {
        &self.certificate.body.subject
    }
}

/// Something an official should look at before deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// The copy breaks its kiosk's chain (duplicate, gap, fork, clock).
    ChainAnomaly {
        /// The anomaly's kind (`duplicate-sequence`, `gap`, …).
        kind: &'static str,
        /// The evidence.
        detail: String,
    },
    /// A field was read with low confidence.
    LowConfidence {
        /// The field.
        field: String,
        /// Its confidence, thousandths.
        permille: u16,
    },
    /// The citizen corrected what was read.
    Corrected {
        /// The field.
        field: String,
        /// What was read.
        from: String,
        /// What the citizen confirmed.
        to: String,
    },
    /// The kiosk left a note (an uncertain face check, …).
    Note(String),
}

impl Flag {
    /// A short code for scripts and filters.
    pub fn code(&self) -> &'static str {
        match self {
            Flag::ChainAnomaly { .. } => "chain",
            Flag::LowConfidence { .. } => "low-confidence",
            Flag::Corrected { .. } => "corrected",
            Flag::Note(_) => "note",
        }
    }

    /// The flag in words, Vietnamese first.
    pub fn describe(&self) -> String {
        match self {
            Flag::ChainAnomaly { kind, detail } => {
                format!("bất thường chuỗi ki-ốt (chain anomaly) {kind}: {detail}")
            }
            Flag::LowConfidence { field, permille } => format!(
                "{}: đọc chưa chắc ({:.1} %) (low confidence)",
                field_label(field),
                f64::from(*permille) / 10.0
            ),
            Flag::Corrected { field, from, to } => format!(
                "{}: công dân sửa \"{from}\" → \"{to}\" (corrected by the citizen)",
                field_label(field)
            ),
            Flag::Note(text) => format!("ghi chú của ki-ốt (kiosk note): {text}"),
        }
    }
}

/// A field's label as the form prints it, or its key when it has none.
pub fn field_label(key: &str) -> String {
    bansao_models::fields::label_vi(key).unwrap_or_else(|| key.to_owned())
}

/// A field's English label, when it has one.
pub fn field_label_en(key: &str) -> Option<String> {
    bansao_models::fields::label_en(key)
}

/// Where a field stands on the forms (names first, then dates, places …; a person's fields
/// after the paper's own person's; unknown keys last): the order an official reads them in.
pub fn field_rank(key: &str) -> usize {
    let keys: Vec<&str> = bansao_models::fields::field_keys().collect();
    let base = ["_me", "_cha", "_chong", "_vo", "_nguoi_khai"]
        .iter()
        .enumerate()
        .find_map(|(person, suffix)| key.strip_suffix(suffix).map(|base| (person + 1, base)));
    let (person, base) = base.unwrap_or((0, key));
    keys.iter()
        .position(|known| *known == base)
        .map_or(usize::MAX, |rank| person * keys.len() + rank)
}

/// One copy in the review queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    /// The copy.
    pub copy_id: CopyId,
    /// The kiosk that issued it and its place in the kiosk's chain.
    pub kiosk_id: String,
    /// Its sequence number at the kiosk.
    pub kiosk_sequence: u64,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// The kind of original.
    pub document_type: DocumentType,
    /// Pages scanned.
    pub pages: usize,
    /// What to look at.
    pub flags: Vec<Flag>,
}

/// Which copies the queue shows.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    /// Only this kiosk's copies.
    pub kiosk_id: Option<String>,
    /// Only originals of this kind.
    pub document_type: Option<DocumentType>,
    /// Only flagged copies, or only clean ones.
    pub flags: FlagFilter,
    /// At most this many.
    pub limit: usize,
}

/// The queue by flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlagFilter {
    /// Every copy.
    #[default]
    Any,
    /// Copies with something to look at.
    Flagged,
    /// Copies with nothing to look at.
    Clean,
}

impl FlagFilter {
    /// Its word in commands and page addresses.
    pub fn code(self) -> &'static str {
        match self {
            FlagFilter::Any => "any",
            FlagFilter::Flagged => "flagged",
            FlagFilter::Clean => "clean",
        }
    }
}

impl std::str::FromStr for FlagFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<FlagFilter, String> {
        [FlagFilter::Any, FlagFilter::Flagged, FlagFilter::Clean]
            .into_iter()
            .find(|filter| filter.code() == text)
            .ok_or_else(|| format!("{text:?} is not one of: any, flagged, clean"))
    }
}

impl Default for QueueFilter {
    fn default() -> QueueFilter {
        QueueFilter {
            kiosk_id: None,
            document_type: None,
            flags: FlagFilter::Any,
            limit: 200,
        }
    }
}

/// The queue: the copies shown and how many wait in all.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The copies shown, oldest first.
    pub entries: Vec<QueueEntry>,
    /// Provisional copies waiting, in all.
    pub waiting: u64,
    /// Copies waiting, per kiosk (all of them, whatever the filter).
    pub by_kiosk: BTreeMap<String, u64>,
}

/// What a batch approval did with one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Counter-signed, with its number.
    Approved {
        /// The copy.
        copy_id: CopyId,
        /// Its certification number.
        certification_number: String,
    },
    /// Left for a closer look.
    Skipped {
        /// The copy.
        copy_id: CopyId,
        /// Why, in words for the official.
        why: String,
    },
}

/// One copy as an official reviews it.
#[derive(Debug)]
pub struct Case {
    /// The copy's document (content, fields, pages).
    pub document: CopyDocument,
    /// Its status and the decisions on it.
    pub report: StatusReport,
    /// What the kiosk recorded (identity read, face check, printing).
    pub events: Vec<CopyEvent>,
    /// Notes for the official.
    pub notes: Vec<ReviewNote>,
    /// Chain anomalies involving it.
    pub anomalies: Vec<Anomaly>,
    /// What to look at.
    pub flags: Vec<Flag>,
}

/// An opened ward directory.
#[derive(Debug)]
pub struct Ward {
    /// The opened node.
    pub node: Node,
    /// Its ward settings.
    pub settings: WardConfig,
}

/// The key and certificate files of official `id` in the ward directory `dir`.
pub fn official_files(dir: &Path, id: &OfficialId) -> (PathBuf, PathBuf) {
    let base = dir.join(OFFICIALS_DIR);
    (
        base.join(format!("{id}.key")),
        base.join(format!("{id}.cert")),
    )
}

impl Ward {
    /// Opens a ward directory.
    pub fn open(dir: &Path) -> Result<Ward, NodeError> {
        let node = NodeDir::open_as(dir, NodeRole::Ward)?;
        match &node.config().role {
            RoleConfig::Ward(settings) => Ok(Ward {
                settings: settings.clone(),
                node,
            }),
            _ => Err(node.wrong_role(NodeRole::Ward)),
        }
    }

    /// The ward's directory.
    pub fn dir(&self) -> &Path {
        &self.node.dir.path
    }

    /// The commune it serves.
    pub fn commune(&self) -> &Commune {
        &self.settings.commune
    }

    /// The ward key (it certifies the ward's kiosks and officials).
    pub fn key(&self) -> &SecretKey {
        &self.node.key
    }

    /// The key and certificate files of one of its officials.
    pub fn official_files(&self, id: &OfficialId) -> (PathBuf, PathBuf) {
        official_files(self.dir(), id)
    }

    /// Unlocks official `id`'s key with their passphrase for signing: it must be certified as an
    /// official of this commune, valid now and not revoked. A key kept in plain text is refused
    /// until it is locked ([`Ward::lock_official`]).
    pub fn official(
        &self,
        id: &OfficialId,
        passphrase: &Passphrase,
        now: Timestamp,
    ) -> Result<Official, WardError> {
        let (key_path, certificate_path) = self.official_files(id);
        if !key_path.exists() {
            return Err(WardError::UnknownOfficial(id.clone()));
        }
        let key = files::read_locked_key(&key_path, passphrase)?;
        let certificate = files::read_certificate(&certificate_path)?;
        let may_not_sign = |reason: String| WardError::OfficialMayNotSign {
            official: id.clone(),
            reason,
        };
        if certificate.key_id() != key.key_id() {
            return Err(may_not_sign(format!(
                "{} does not certify the key in {}",
                certificate_path.display(),
                key_path.display()
            )));
        }
        let counted = self
            .node
            .trust
            .check_signer_with_role(key.key_id(), now.unix(), &[Role::Official])
            .map_err(|error| may_not_sign(error.to_string()))?;
        let commune = self.commune().code.as_str();
        if counted.body.commune.as_deref() != Some(commune) {
            return Err(may_not_sign(format!(
                "certified for commune {}, not {commune}",
                counted.body.commune.as_deref().unwrap_or("none")
            )));
        }
        Ok(Official {
            id: id.clone(),
            certificate,
            key,
        })
    }

    /// Locks official `id`'s plain-text key (made before keys were locked) under `passphrase`;
    /// the file is replaced atomically, so a crash leaves the plain key or the locked one.
    pub fn lock_official(&self, id: &OfficialId, passphrase: &Passphrase) -> Result<(), WardError> {
        let (key_path, _) = self.official_files(id);
        if !key_path.exists() {
            return Err(WardError::UnknownOfficial(id.clone()));
        }
        if files::is_locked_key(&key_path)? {
            return Err(WardError::AlreadyLocked(id.clone()));
        }
        let key = files::read_secret_key(&key_path)?;
        files::replace_locked_key(&key_path, &key, passphrase, entropy::random_bytes::<32>()?)?;
        Ok(())
    }

    /// The review queue: provisional copies of the commune, oldest first, that pass `filter`.
    pub fn queue(&self, filter: &QueueFilter) -> Result<Queue, WardError> {
        let store = &self.node.store;
        let rows = store.oldest_copies(CopyStatus::Provisional, None, usize::MAX)?;
        let mut by_kiosk = BTreeMap::new();
        for row in &rows {
            *by_kiosk.entry(row.kiosk_id.clone()).or_insert(0) += 1;
        }
        let mut entries = Vec::new();
        for row in &rows {
            if entries.len() >= filter.limit {
                break;
            }
            if filter
                .kiosk_id
                .as_ref()
                .is_some_and(|kiosk| *kiosk != row.kiosk_id)
            {
                continue;
            }
            let copy_id = parse_copy_id(&row.copy_id)?;
            let document = store.load_copy(copy_id, self.node.actor.clone())?;
            let content = document.content();
            if filter
                .document_type
                .is_some_and(|kind| kind != content.document_type)
            {
                continue;
            }
            let anomalies = store.anomalies_of_copy(&row.copy_id)?;
            let flags = flags(&document, &anomalies)?;
            let shown = match filter.flags {
                FlagFilter::Any => true,
                FlagFilter::Flagged => !flags.is_empty(),
                FlagFilter::Clean => flags.is_empty(),
            };
            if shown {
                entries.push(QueueEntry {
                    copy_id,
                    kiosk_id: content.kiosk_id.clone(),
                    kiosk_sequence: content.kiosk_sequence,
                    issued_at: content.issued_at,
                    document_type: content.document_type,
                    pages: content.pages.len(),
                    flags,
                });
            }
        }
        Ok(Queue {
            entries,
            waiting: u64::try_from(rows.len()).unwrap_or(u64::MAX),
            by_kiosk,
        })
    }

    /// The copy's sealed PDF/A as it stands now — its decisions, certification number, signers
    /// and dates printed —, sealed with the ward's key, with the QR its kiosk signed at issue.
    pub fn copy_pdf(&self, copy_id: CopyId, now: Timestamp) -> Result<Vec<u8>, WardError> {
        let node = &self.node;
        let document = node.store.load_copy(copy_id, node.actor.clone())?;
        let qr_text = document
            .kiosk_qr_text()
            .ok_or(WardError::NoKioskQr(copy_id))?;
        crate::copies::render_artifact(
            &document,
            &qr_text,
            &node.store,
            &node.trust,
            &node.key,
            now,
        )
        .map_err(|error| WardError::Artifact(Box::new(error)))
    }

    /// Page `page` (from 0) of a copy's scans: its bytes and media type, if the ward holds it
    /// (a scan may still be on its way from the kiosk).
    pub fn scan(
        &self,
        copy_id: CopyId,
        page: usize,
    ) -> Result<Option<(Vec<u8>, String)>, WardError> {
        let store = &self.node.store;
        let document = store.load_copy(copy_id, self.node.actor.clone())?;
        let Some(page) = document.content().pages.get(page) else {
            return Ok(None);
        };
        Ok(store
            .blob(&page.sha256)?
            .map(|bytes| (bytes, page.media_type.clone())))
    }

    /// One copy with everything an official weighs.
    pub fn case(&self, copy_id: CopyId) -> Result<Case, WardError> {
        let store = &self.node.store;
        let document = store.load_copy(copy_id, self.node.actor.clone())?;
        let report = status_report(&document, &self.node.trust)?;
        let anomalies = store.anomalies_of_copy(&copy_id.to_string())?;
        Ok(Case {
            events: document.events()?,
            notes: document.notes()?,
            flags: flags(&document, &anomalies)?,
            anomalies,
            report,
            document,
        })
    }

    /// Approves a provisional copy: `official` counter-signs it with the ward's next
    /// certification number for the year.
    pub fn approve(
        &mut self,
        copy_id: CopyId,
        official: &Official,
        now: Timestamp,
    ) -> Result<Decided, WardError> {
        self.decide(copy_id, Decision::Approve, None, official, now)
    }

    /// Approves each of `copies` that is clean: provisional, nothing flagged, and every field
    /// read with at least `min_confidence_permille`. Each is signed and stored on its own (a
    /// failure stops nothing else and takes no number); the others are skipped, with why.
    pub fn approve_clean(
        &mut self,
        copies: &[CopyId],
        official: &Official,
        min_confidence_permille: u16,
        now: Timestamp,
    ) -> Result<Vec<BatchOutcome>, WardError> {
        let mut outcomes = Vec::with_capacity(copies.len());
        for &copy_id in copies {
            let case = match self.case(copy_id) {
                Ok(case) => case,
                Err(
                    error @ (WardError::Store(StoreError::NotFound(_)) | WardError::NotGenuine(_)),
                ) => {
                    outcomes.push(BatchOutcome::Skipped {
                        copy_id,
                        why: error.to_string(),
                    });
                    continue;
                }
                Err(error) => return Err(error),
            };
            let lowest = case
                .document
                .content()
                .fields
                .values()
                .map(|field| field.confidence_permille)
                .min();
            let why = if case.report.status != CopyStatus::Provisional {
                Some(format!(
                    "{} ({})",
                    case.report.status.label_vi(),
                    case.report.status
                ))
            } else if let Some(flag) = case.flags.first() {
                Some(flag.describe())
            } else if lowest.is_some_and(|lowest| lowest < min_confidence_permille) {
                Some(format!(
                    "độ tin cậy thấp nhất {:.1} % (lowest confidence)",
                    f64::from(lowest.unwrap_or(0)) / 10.0
                ))
            } else {
                None
            };
            if let Some(why) = why {
                outcomes.push(BatchOutcome::Skipped { copy_id, why });
                continue;
            }
            match self.approve(copy_id, official, now) {
                Ok(decided) => outcomes.push(BatchOutcome::Approved {
                    copy_id,
                    certification_number: decided.certification_number.unwrap_or_default(),
                }),
                Err(WardError::Decision(error)) => outcomes.push(BatchOutcome::Skipped {
                    copy_id,
                    why: error.to_string(),
                }),
                Err(error) => return Err(error),
            }
        }
        Ok(outcomes)
    }

    /// Rejects a provisional copy on `ground`, with the official's note.
    pub fn reject(
        &mut self,
        copy_id: CopyId,
        ground: RejectionGround,
        note: Option<&str>,
        official: &Official,
        now: Timestamp,
    ) -> Result<Decided, WardError> {
        let reason = ground.reason_text(note);
        self.decide(copy_id, Decision::Reject, Some(reason), official, now)
    }

    fn decide(
        &mut self,
        copy_id: CopyId,
        decision: Decision,
        reason: Option<String>,
        official: &Official,
        now: Timestamp,
    ) -> Result<Decided, WardError> {
        let request = DecisionRequest {
            copy_id,
            decision,
            reason,
        };
        self.sign(decisions::decide, request, official, now)
    }

    /// Signs `request` with `official`'s key under `rule` ([`decisions::decide`] or
    /// [`decisions::resolve_conflict`]).
    pub(crate) fn sign(
        &mut self,
        rule: decisions::Rule,
        request: DecisionRequest,
        official: &Official,
        now: Timestamp,
    ) -> Result<Decided, WardError> {
        let node = &mut self.node;
        Ok(rule(
            &mut node.store,
            &node.trust,
            &official.key,
            node.actor.clone(),
            request,
            now,
        )?)
    }
}

pub(crate) fn parse_copy_id(text: &str) -> Result<CopyId, WardError> {
    CopyId::parse(text).map_err(|_| WardError::BadIndexRow(text.to_owned()))
}

/// What an official should look at in a copy.
fn flags(document: &CopyDocument, anomalies: &[Anomaly]) -> Result<Vec<Flag>, WardError> {
    let mut flags: Vec<Flag> = anomalies
        .iter()
        .map(|anomaly| Flag::ChainAnomaly {
            kind: anomaly.kind.as_str(),
            detail: anomaly.detail.clone(),
        })
        .collect();
    for (name, field) in &document.content().fields {
        if field.confidence_permille < LOW_CONFIDENCE_PERMILLE {
            flags.push(Flag::LowConfidence {
                field: name.clone(),
                permille: field.confidence_permille,
            });
        }
        if let Some(from) = &field.corrected_from {
            flags.push(Flag::Corrected {
                field: name.clone(),
                from: from.clone(),
                to: field.value.clone(),
            });
        }
    }
    flags.extend(
        document
            .notes()?
            .into_iter()
            .map(|note| Flag::Note(note.text)),
    );
    Ok(flags)
}

impl From<DecisionError> for WardError {
    fn from(error: DecisionError) -> WardError {
        WardError::Decision(Box::new(error))
    }
}
