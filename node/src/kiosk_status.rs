//! The kiosk's copy status screen as a service: a citizen shows their receipt's QR to the
//! kiosk's camera, or types the copy id, and learns what the copy is now — provisional,
//! counter-signed with its number, registered, rejected with the reason — from what this
//! kiosk's store holds (sync brings the officials' decisions down from the ward); once it is
//! counter-signed, the kiosk prints a slip with the copy's QR and its certification number on
//! its receipt printer.
//!
//! The QR is checked as the verify page checks it ([`crate::verify_online`]); a typed id is
//! only a question, so the answer is what the store holds and nothing more. Printing changes
//! nothing in the copy: a printer that fails loses nothing, the citizen can print again.

use std::path::Path;

use bansao_copy::status::{StatusReport, ValidSignature};
use bansao_copy::{CopyId, CopyStatus, Decision, DocumentType, RejectionGround, Timestamp};
pub use bansao_hw::camera::{Camera, CameraError, SimulatedCamera};
use bansao_hw::printer::raster::TextRenderer;
use bansao_hw::printer::{Paper, PrinterError, QrMode, ReceiptPrinter, render_slip};
use bansao_store::StoreError;
use bansao_trust::TrustContext;

use crate::config::{KioskSettings, RoleConfig};
use crate::node_dir::{NodeDir, NodeError};
use crate::verify::VerifyError;
use crate::verify_online::{
    KnownNow, OnlineVerification, OnlineVerifier, OnlineVerifyError, Upload, verify_upload,
};

/// The size the slip's lines are drawn at, in dots (as the receipt's).
const TEXT_SIZE: f32 = 24.0;

/// Frames the camera is asked for before the screen says no code was seen.
pub const CAMERA_FRAMES: usize = 3;

/// What the citizen showed or typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The receipt's QR, read by the camera.
    Qr,
    /// The copy id, typed.
    Id,
}

/// A copy as this kiosk holds it now.
#[derive(Debug)]
pub struct HeldCopy {
    /// The kind of original.
    pub document_type: DocumentType,
    /// When the kiosk issued it.
    pub issued_at: Timestamp,
    /// The kiosk that issued it.
    pub kiosk_id: String,
    /// Its pages.
    pub pages: usize,
    /// What it derives to under this kiosk's trust now, or why it is not genuine.
    pub status: Result<StatusReport, String>,
    /// The city's revocation of it, when its list names it.
    pub revoked: Option<String>,
}

/// The answer the status screen shows.
#[derive(Debug)]
pub struct StatusAnswer {
    /// The copy asked about.
    pub copy_id: CopyId,
    /// How it was asked.
    pub asked: Asked,
    /// The QR's own verdict, when a QR was shown.
    pub qr: Option<OnlineVerification>,
    /// The copy as this kiosk holds it (`None`: it does not hold it).
    pub held: Option<HeldCopy>,
}

impl StatusAnswer {
    /// The copy's status now, when this kiosk holds a genuine copy.
    pub fn status(&self) -> Option<CopyStatus> {
        self.held
            .as_ref()
            .and_then(|held| held.status.as_ref().ok())
            .map(|report| report.status)
    }

    /// Whether the final slip can be printed (counter-signed or registered, not revoked).
    pub fn can_print(&self) -> bool {
        matches!(
            self.status(),
            Some(CopyStatus::Countersigned | CopyStatus::Registered)
        ) && self
            .held
            .as_ref()
            .is_some_and(|held| held.revoked.is_none())
    }
}

/// A rejection as the citizen reads it: the ground of Decree 23 in words, and the official's
/// note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The official's name.
    pub official: String,
    /// When (Vietnam's time).
    pub at: String,
    /// Why, in the words of the decree (or the signed text as it is).
    pub reason: String,
    /// The official's note, if any.
    pub note: Option<String>,
}

/// The rejections of a status report, in signing order.
pub fn rejections(report: &StatusReport) -> Vec<Rejection> {
    decisions_of(report, Decision::Reject)
        .map(|signature| {
            let text = signature.record.reason.clone().unwrap_or_default();
            let (reason, note) = match RejectionGround::of_reason(&text) {
                Some(ground) => {
                    let note = text
                        .split_once(" — ")
                        .map(|(_, note)| note.trim().to_owned())
                        .filter(|note| !note.is_empty());
                    (ground.label_vi().to_owned(), note)
                }
                None => (text, None),
            };
            Rejection {
                official: signature.signer_name.clone(),
                at: signature.record.signed_at.vietnam_local(),
                reason,
                note,
            }
        })
        .collect()
}

/// The valid signatures of `decision` in `report`.
pub fn decisions_of(
    report: &StatusReport,
    decision: Decision,
) -> impl Iterator<Item = &ValidSignature> {
    report
        .decisions
        .iter()
        .filter(move |signature| signature.record.decision == decision)
}

/// Why a question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// What was typed is not a copy id.
    #[error(
        "“{0}” không phải mã bản sao: mã gồm 26 chữ và số không dấu, in trên biên nhận. This is not a copy id: 26 letters and digits, printed on the receipt."
    )]
    NotACopyId(String),
    /// The camera gave no frame.
    #[error(
        "Máy ảnh không chụp được ({0}): hãy gõ mã bản sao, hoặc gọi cán bộ. The camera gave no picture: type the copy id, or call an official."
    )]
    Camera(String),
    /// Frames came, but no code could be read in them.
    #[error(
        "Chưa đọc được mã QR: hãy giữ biên nhận thẳng trước máy ảnh, cách khoảng 20 cm, đủ sáng, rồi bấm lại. No QR code was seen: hold the receipt flat in front of the camera, about 20 cm away, in good light, and press again."
    )]
    NoCodeSeen,
    /// The code read is not a copy's QR, or the QR gives no verdict.
    #[error(transparent)]
    Verify(#[from] OnlineVerifyError),
    /// The kiosk's own database could not be read.
    #[error(
        "Ki-ốt không đọc được dữ liệu của mình: hãy gọi cán bộ. The kiosk cannot read its database: call an official. ({0})"
    )]
    Store(#[from] StoreError),
}

/// Why the slip was not printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The copy cannot be printed yet (or any more): its status.
    #[error(
        "Bản sao chưa được chứng thực nên chưa in được. The copy is not counter-signed, so it cannot be printed yet."
    )]
    NotCountersigned,
    /// The kiosk does not hold the copy.
    #[error(
        "Ki-ốt này không giữ bản sao này: hãy hỏi tại UBND xã. This kiosk does not hold the copy: ask at the commune hall."
    )]
    NotHeld,
    /// The copy's document carries no QR seal to print.
    #[error(
        "Bản sao không có mã QR để in: hãy hỏi tại UBND xã. The copy has no QR to print: ask at the commune hall."
    )]
    NoQr,
    /// No printer is configured, or it cannot be reached.
    #[error(
        "Ki-ốt chưa có máy in ({0}): hãy gọi cán bộ. Bản sao của bạn vẫn an toàn. The kiosk has no printer: call an official. Your copy is safe."
    )]
    NoPrinter(String),
    /// The printer refused or failed the job.
    #[error("{}", printer_advice(.0))]
    Printer(PrinterError),
    /// The question itself failed.
    #[error(transparent)]
    Status(#[from] StatusError),
}

/// What a citizen is told to do when the printer failed.
fn printer_advice(error: &PrinterError) -> String {
    let what = match error {
        PrinterError::NotReady(state) => state.label(),
        other => other.to_string(),
    };
    format!(
        "Chưa in được: {what}. Hãy gọi cán bộ để kiểm tra máy in, rồi bấm “In bản sao” lại; bản sao của bạn vẫn an toàn. Not printed: call an official to check the printer, then press Print again; your copy is safe."
    )
}

/// The slip of a counter-signed copy, before it is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalSlip {
    /// The text blocks above the QR: (text, centred).
    pub before_qr: Vec<(String, bool)>,
    /// The QR's text (the kiosk's, from the document's seal).
    pub qr_text: String,
    /// The text blocks below the QR.
    pub after_qr: Vec<(String, bool)>,
    /// The certification number.
    pub certification_number: String,
}

/// What was printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    /// The certification number on the slip.
    pub certification_number: String,
    /// The printer.
    pub printer: String,
}

/// The kiosk's status desk: its store and trust (through the verify service) and its printer
/// setting.
#[derive(Debug)]
pub struct StatusDesk {
    verifier: OnlineVerifier,
    settings: KioskSettings,
    kiosk: String,
    commune: String,
}

impl StatusDesk {
    /// The status desk of the kiosk in `dir` (refused for another role).
    pub fn open(dir: &Path) -> Result<StatusDesk, NodeError> {
        let node = NodeDir::read(dir)?;
        let RoleConfig::Kiosk(kiosk) = &node.config.role else {
            return Err(NodeError::WrongRole {
                dir: dir.to_owned(),
                found: node.config.role().as_str(),
                wanted: crate::config::NodeRole::Kiosk.as_str(),
            });
        };
        Ok(StatusDesk {
            settings: kiosk.devices.clone(),
            kiosk: node.config.name.clone(),
            commune: kiosk.commune.name.clone(),
            verifier: OnlineVerifier::open(dir)?,
        })
    }

    /// The kiosk's name.
    pub fn name(&self) -> &str {
        &self.kiosk
    }

    /// The kiosk's device settings.
    pub fn settings(&self) -> &KioskSettings {
        &self.settings
    }

    fn trust(&self) -> Result<TrustContext, StatusError> {
        self.verifier
            .trust()
            .map_err(|error| StatusError::Verify(OnlineVerifyError::Input(error)))
    }

    /// The status of the copy whose id was typed (spaces and dashes are ignored, any case).
    pub fn look_up_id(&self, typed: &str) -> Result<StatusAnswer, StatusError> {
        let cleaned: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let copy_id = match CopyId::parse(&cleaned) {
            Ok(copy_id) if cleaned.len() == 26 => copy_id,
            _ => return Err(StatusError::NotACopyId(typed.trim().to_owned())),
        };
        let trust = self.trust()?;
        Ok(StatusAnswer {
            copy_id,
            asked: Asked::Id,
            qr: None,
            held: self.held(copy_id, &trust)?,
        })
    }

    /// The status of the copy whose QR text the camera read: the QR's verdict, and what the
    /// kiosk holds.
    pub fn look_up_qr(&self, text: &str) -> Result<StatusAnswer, StatusError> {
        let trust = self.trust()?;
        let checked = verify_upload(Upload::QrText(text.to_owned()), &trust)?;
        let verified = self.verifier.look_up(checked, &trust)?;
        let copy_id =
            crate::verify_online::copy_named(&verified.verification).ok_or(StatusError::Verify(
                OnlineVerifyError::Input(VerifyError::Qr(bansao_copy::qr::QrDecodeError::Empty)),
            ))?;
        Ok(StatusAnswer {
            copy_id,
            asked: Asked::Qr,
            held: self.held(copy_id, &trust)?,
            qr: Some(verified),
        })
    }

    /// Reads the QR the citizen holds up: up to [`CAMERA_FRAMES`] frames, the first code read.
    pub fn read_camera(&self, camera: &mut dyn Camera) -> Result<String, StatusError> {
        let mut last_error = None;
        for _ in 0..CAMERA_FRAMES {
            match camera.capture() {
                Ok(frame) => match crate::verify::read_qr_from_image(&frame.bytes) {
                    Ok(text) => return Ok(text),
                    Err(_) => last_error = None,
                },
                Err(error) => last_error = Some(error.to_string()),
            }
        }
        Err(match last_error {
            Some(error) => StatusError::Camera(error),
            None => StatusError::NoCodeSeen,
        })
    }

    fn held(&self, copy_id: CopyId, trust: &TrustContext) -> Result<Option<HeldCopy>, StatusError> {
        let actor = crate::entropy::new_actor()
            .map_err(|error| StatusError::Verify(OnlineVerifyError::Entropy(error)))?;
        let document = match self.verifier.store().load_copy(copy_id, actor) {
            Ok(document) => document,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let known: Option<KnownNow> = self.verifier.known_now(copy_id, trust)?;
        let content = document.content();
        Ok(Some(HeldCopy {
            document_type: content.document_type,
            issued_at: content.issued_at,
            kiosk_id: content.kiosk_id.clone(),
            pages: content.pages.len(),
            status: known.as_ref().map_or_else(
                || crate::copies::status_report(&document, trust).map_err(|e| e.to_string()),
                |known| known.status.clone(),
            ),
            revoked: known
                .and_then(|known| known.revocation)
                .map(|revocation| revocation.reason),
        }))
    }

    /// The slip of a counter-signed copy.
    pub fn final_slip(&self, copy_id: CopyId, now: Timestamp) -> Result<FinalSlip, PrintError> {
        let trust = self.trust()?;
        let actor = crate::entropy::new_actor()
            .map_err(|error| StatusError::Verify(OnlineVerifyError::Entropy(error)))?;
        let document = match self.verifier.store().load_copy(copy_id, actor) {
            Ok(document) => document,
            Err(StoreError::NotFound(_)) => return Err(PrintError::NotHeld),
            Err(error) => return Err(StatusError::Store(error).into()),
        };
        let report = crate::copies::status_report(&document, &trust)
            .map_err(|_| PrintError::NotCountersigned)?;
        let printable = matches!(
            report.status,
            CopyStatus::Countersigned | CopyStatus::Registered
        ) && trust.copy_revocation(&copy_id.to_string()).is_none();
        if !printable {
            return Err(PrintError::NotCountersigned);
        }
        let number = report
            .certification_number
            .clone()
            .unwrap_or_else(|| "—".to_owned());
        let qr_text = document.kiosk_qr_text().ok_or(PrintError::NoQr)?;
        let content = document.content();
        let mut before = vec![
            ("BẢN SAO ĐÃ CHỨNG THỰC".to_owned(), true),
            ("(Certified copy: counter-signed)".to_owned(), true),
            (format!("{} — {}", self.kiosk, self.commune), true),
            (format!("Số chứng thực (number): {number}"), false),
            (format!("Mã bản sao (copy id): {copy_id}"), false),
            (
                format!(
                    "Loại giấy tờ (document): {}",
                    content.document_type.label_vi()
                ),
                false,
            ),
            (format!("Số trang (pages): {}", content.pages.len()), false),
        ];
        for signature in decisions_of(&report, Decision::Approve) {
            before.push((
                format!(
                    "Cán bộ ký (signed by): {}, {}",
                    signature.signer_name,
                    signature.record.signed_at.vietnam_local()
                ),
                false,
            ));
        }
        if report.status == CopyStatus::Registered {
            before.push((
                "Đã đăng ký tại thành phố (registered by the city)".to_owned(),
                false,
            ));
        }
        before.push((format!("In lúc (printed): {}", now.vietnam_local()), false));
        let after = vec![(
            "Quét mã QR để kiểm tra bản sao tại ki-ốt hoặc trang kiểm tra (scan to check the copy)"
                .to_owned(),
            true,
        )];
        Ok(FinalSlip {
            before_qr: before,
            qr_text,
            after_qr: after,
            certification_number: number,
        })
    }

    /// Prints the slip of a counter-signed copy on the kiosk's configured printer.
    pub fn print_final(&self, copy_id: CopyId, now: Timestamp) -> Result<Printed, PrintError> {
        let mut printer = crate::kiosk_shell::receipt::configured_printer(&self.settings)
            .map_err(PrintError::NoPrinter)?;
        self.print_final_on(copy_id, now, printer.as_mut())
    }

    /// Prints the slip of a counter-signed copy on `printer`.
    pub fn print_final_on(
        &self,
        copy_id: CopyId,
        now: Timestamp,
        printer: &mut dyn ReceiptPrinter,
    ) -> Result<Printed, PrintError> {
        let slip = self.final_slip(copy_id, now)?;
        let font = TextRenderer::from_bytes(
            bansao_artifact::DEJAVU_SANS.to_vec(),
            "DejaVuSans.ttf",
            TEXT_SIZE,
        )
        .map_err(PrintError::Printer)?;
        let paper = if self.settings.paper_80mm {
            Paper::Mm80
        } else {
            Paper::Mm58
        };
        let stream = render_slip(
            &slip.before_qr,
            &slip.qr_text,
            &slip.after_qr,
            paper,
            &font,
            QrMode::Native,
        )
        .map_err(PrintError::Printer)?;
        let state = printer.state();
        if !state.can_print() {
            return Err(PrintError::Printer(PrinterError::NotReady(state)));
        }
        printer.print(&stream).map_err(PrintError::Printer)?;
        Ok(Printed {
            certification_number: slip.certification_number,
            printer: printer.name(),
        })
    }
}
