//! The kiosk shell: drives one citizen's [`KioskSession`] with real devices or their
//! simulators and the kiosk's perception, and reports what happened.
//!
//! The session (a state machine) decides; this module does: reads the card, captures
//! [`FACE_FRAMES`] frames of the face and checks the best against the card, scans and checks pages, recognises the document, applies the citizen's corrections,
//! takes the fee, signs and commits the copy (with the identity and face check recorded in it,
//! and the two faces compared when an official must settle the face check),
//! writes the sealed PDF, and prints the receipt — timing each step. It backs
//! `bansao kiosk issue` and `bansao bench issue`.

pub mod perception;
pub mod receipt;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bansao_copy::{CopyEvent, ExtractedField, ReviewNote, Timestamp};
use bansao_hw::camera::Camera;
use bansao_hw::image_input::InputImage;
use bansao_hw::printer::ReceiptPrinter;
use bansao_hw::qr_reader::cccd::CitizenId;
use bansao_hw::qr_reader::decode_frame;
use bansao_hw::scanner::{ScanError, Scanner};
use bansao_models::ocr::OcrPage;
use serde::Serialize;

use crate::kiosk::{IssueRequest, IssuedCopy, Kiosk};
use crate::kiosk_session::{
    Citizen, Ending, Event, FaceOutcome, IssueOrder, KioskSession, PageOutcome, Step,
};
use perception::{FaceCheck, FaceImages, Perception};

use crate::face_record::{FACE_IMAGES_EVENT, face_images_detail};

/// Frames taken in one look at the camera; the best is compared (sharpness, size, pose).
pub const FACE_FRAMES: usize = 3;

/// The kind of the copy event that records the procedure the citizen chose on the screen.
pub const PROCEDURE_EVENT: &str = "procedure";

/// A guard against a session that never ends (each device answer moves it on; 50 pages with
/// retries stay far below this).
const MAX_EVENTS: usize = 1_000;

/// The devices and inputs of one session.
pub struct SessionDevices {
    /// The document scanner.
    pub scanner: Box<dyn Scanner>,
    /// The camera in front of the citizen.
    pub camera: Box<dyn Camera>,
    /// A photo of the front of the citizen's identity card (its QR code and portrait); `None`
    /// when the kiosk certifies without identifying.
    pub id_card: Option<InputImage>,
    /// The receipt printer, or why there is none.
    pub printer: Result<Box<dyn ReceiptPrinter>, String>,
    /// Corrections the citizen makes on the review screen: field name → right value.
    pub corrections: Vec<(String, String)>,
    /// Where the sealed PDF of an issued copy is written (`<copy id>.pdf`); `None`: not written.
    pub artifacts_dir: Option<PathBuf>,
}

impl std::fmt::Debug for SessionDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionDevices")
            .field("scanner", &self.scanner.name())
            .field("camera", &self.camera.name())
            .finish_non_exhaustive()
    }
}

/// One field as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldReport {
    /// Its name (`ho_ten`, ...).
    pub name: String,
    /// Its label, Vietnamese.
    pub label: String,
    /// The value issued.
    pub value: String,
    /// OCR confidence, in thousandths.
    pub confidence_permille: u16,
    /// What OCR read, when the citizen corrected it.
    pub corrected_from: Option<String>,
}

/// The face check as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceReport {
    /// `match`, `uncertain`, `no_match`, `no_face`, `several_faces` or `not_checked`.
    pub outcome: &'static str,
    /// Descriptor distance (below 0.50 the same person, above 0.70 another).
    pub distance: Option<f64>,
    /// Attempts made.
    pub attempts: u32,
    /// Why the machine could not decide, when that is the reason.
    pub detail: Option<String>,
}

/// What happened in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionReport {
    /// `issued`, `issued_without_receipt`, `refused`, `cancelled` or `failed`.
    pub outcome: &'static str,
    /// Why, when not plainly issued (Vietnamese first).
    pub reason: Option<String>,
    /// The copy, when issued.
    pub copy_id: Option<String>,
    /// The kind of document (code), once recognised.
    pub document_type: Option<String>,
    /// Its name, Vietnamese.
    pub document_type_label: Option<String>,
    /// The fields issued: label → value.
    pub fields: BTreeMap<String, String>,
    /// The fields with confidences and corrections.
    pub field_details: Vec<FieldReport>,
    /// Pages accepted.
    pub pages: usize,
    /// The fee, in đồng, once computed.
    pub fee_vnd: Option<u64>,
    /// The citizen, when identified.
    pub citizen: Option<CitizenReport>,
    /// The face check.
    pub face: FaceReport,
    /// An official must compare the face before counter-signing.
    pub needs_official_review: bool,
    /// The sealed PDF written.
    pub artifact: Option<PathBuf>,
    /// Why the PDF could not be written (the copy stays issued).
    pub artifact_error: Option<String>,
    /// The printer the receipt went to.
    pub receipt_printer: Option<String>,
    /// What the screen said, step by step.
    pub screens: Vec<String>,
    /// Time per step, in order.
    pub timings: Vec<StepTiming>,
}

/// Time a step took (summed over its repeats: pages, face attempts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTiming {
    /// `identify`, `face`, `scan_and_check`, `recognise`, `sign_and_store`, `pdf`, `receipt`.
    pub step: String,
    /// Milliseconds.
    pub ms: f64,
}

/// The citizen as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitizenReport {
    /// Personal identification number.
    pub number: String,
    /// Full name.
    pub full_name: String,
}

impl SessionReport {
    fn new() -> SessionReport {
        SessionReport {
            outcome: "failed",
            reason: None,
            copy_id: None,
            document_type: None,
            document_type_label: None,
            fields: BTreeMap::new(),
            field_details: Vec::new(),
            pages: 0,
            fee_vnd: None,
            citizen: None,
            face: FaceReport {
                outcome: "not_checked",
                distance: None,
                attempts: 0,
                detail: None,
            },
            needs_official_review: false,
            artifact: None,
            artifact_error: None,
            receipt_printer: None,
            screens: Vec::new(),
            timings: Vec::new(),
        }
    }

    /// Whether a copy was issued.
    pub fn issued(&self) -> bool {
        self.copy_id.is_some()
    }

    fn time(&mut self, step: &str, started: Instant) {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match self.timings.iter_mut().find(|timing| timing.step == step) {
            Some(timing) => timing.ms += ms,
            None => self.timings.push(StepTiming {
                step: step.to_owned(),
                ms,
            }),
        }
    }
}

fn face_outcome_code(outcome: FaceOutcome) -> &'static str {
    match outcome {
        FaceOutcome::Match => "match",
        FaceOutcome::Uncertain => "uncertain",
        FaceOutcome::NoMatch => "no_match",
        FaceOutcome::NoMatchOnWornCard => "no_match_worn_card",
        FaceOutcome::MatchOnWornCard => "match_worn_card",
        FaceOutcome::NoFace => "no_face",
        FaceOutcome::SeveralFaces => "several_faces",
    }
}

/// The identity on the card's QR code.
fn identify(card: &InputImage) -> Event {
    let luma = card.image.to_luma8();
    let (width, height) = luma.dimensions();
    let Some(text) = decode_frame(luma.into_raw(), width, height) else {
        return Event::IdentityRefused(
            "không đọc được mã QR trên thẻ căn cước (cannot read the QR code on the identity card)"
                .to_owned(),
        );
    };
    match CitizenId::parse(&text) {
        Ok(id) => Event::Identified(Citizen {
            number: id.number,
            full_name: id.full_name,
        }),
        Err(error) => Event::IdentityRefused(error.to_string()),
    }
}

/// The frames of one look at the camera: [`FACE_FRAMES`] of them, or as many as the camera
/// gave before failing (at least one, or the camera's error).
fn capture_frames(
    camera: &mut dyn bansao_hw::camera::Camera,
) -> Result<Vec<image::DynamicImage>, bansao_hw::camera::CameraError> {
    let mut frames = Vec::with_capacity(FACE_FRAMES);
    for _ in 0..FACE_FRAMES {
        match camera.capture() {
            Ok(frame) => frames.push(frame.image),
            Err(error) if frames.is_empty() => return Err(error),
            Err(_) => break,
        }
    }
    Ok(frames)
}

/// What is recorded with the copy: who asked for it, how the face check went, and — when an
/// official must settle the face — the two faces compared ([`crate::face_record`]).
fn issue_records(
    order: &IssueOrder,
    face: &FaceReport,
    face_images: Option<&FaceImages>,
    kiosk_id: &str,
    now: Timestamp,
) -> (Vec<CopyEvent>, Vec<ReviewNote>) {
    let mut events = Vec::new();
    if let Some(procedure) = order.procedure {
        events.push(CopyEvent {
            kind: PROCEDURE_EVENT.to_owned(),
            at: now,
            by: kiosk_id.to_owned(),
            detail: format!(
                "chứng thực bản sao từ bản chính: {} ({})",
                procedure.label_vi(),
                procedure.code()
            ),
        });
    }
    if !order.citizen.number.is_empty() {
        events.push(CopyEvent {
            kind: "identity".to_owned(),
            at: now,
            by: kiosk_id.to_owned(),
            detail: format!(
                "CCCD {} — {}",
                order.citizen.number, order.citizen.full_name
            ),
        });
    }
    let distance = face
        .distance
        .map_or_else(String::new, |d| format!(", distance {d:.3}"));
    events.push(CopyEvent {
        kind: "face-check".to_owned(),
        at: now,
        by: kiosk_id.to_owned(),
        detail: format!(
            "{}{distance}{}",
            face.outcome,
            face.detail
                .as_ref()
                .map_or_else(String::new, |detail| format!(": {detail}"))
        ),
    });
    let kept_faces = face_images
        .filter(|_| order.face_needs_review && !order.citizen.number.is_empty())
        .and_then(|images| face_images_detail(&images.card, &images.live));
    if let Some(detail) = kept_faces {
        events.push(CopyEvent {
            kind: FACE_IMAGES_EVENT.to_owned(),
            at: now,
            by: kiosk_id.to_owned(),
            detail,
        });
    }
    let mut notes = Vec::new();
    if order.face_needs_review {
        notes.push(ReviewNote {
            author: kiosk_id.to_owned(),
            at: now,
            text: if order.citizen.number.is_empty() {
                "Người yêu cầu chưa được xác minh danh tính; xin cán bộ kiểm tra (the requester was not identified; please check)".to_owned()
            } else {
                "Máy chưa chắc khuôn mặt khớp ảnh trên thẻ; xin cán bộ đối chiếu trước khi ký (the face check was uncertain; please compare before counter-signing)".to_owned()
            },
        });
    }
    (events, notes)
}

/// What a session has gathered between its steps — the report, the accepted scans and their
/// readings, the faces compared, the issued copy — and the device steps themselves, so
/// [`run_session`] and the kiosk's screen ([`crate::kiosk_desk`]) do each step the same way.
#[derive(Default)]
pub struct SessionWork {
    /// What happened so far.
    pub report: SessionReport,
    accepted_scans: Vec<Vec<u8>>,
    accepted_pages: Vec<OcrPage>,
    face_images: Option<FaceImages>,
    last_retry: Option<String>,
    /// The first frame of the last look at the camera, for the screen.
    pub last_face_frame: Option<image::DynamicImage>,
    /// The last page scanned, accepted or not, for the screen.
    pub last_scan: Option<Vec<u8>>,
    /// The last scan found no page on the scanner.
    pub scanner_empty: bool,
    issued: Option<IssuedCopy>,
}

impl std::fmt::Debug for SessionWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWork")
            .field("report", &self.report)
            .field("accepted_scans", &self.accepted_scans.len())
            .finish_non_exhaustive()
    }
}

impl Default for SessionReport {
    fn default() -> SessionReport {
        SessionReport::new()
    }
}

impl SessionWork {
    /// The accepted scans so far (the bytes as scanned).
    pub fn accepted_scans(&self) -> &[Vec<u8>] {
        &self.accepted_scans
    }

    /// The copy issued, once it is.
    pub fn issued(&self) -> Option<&IssuedCopy> {
        self.issued.as_ref()
    }

    /// Reads the identity from a photo of the card (`None`: the kiosk does not identify).
    pub fn identify(&mut self, card: Option<&InputImage>) -> Event {
        let started = Instant::now();
        let event = match card {
            Some(card) => identify(card),
            None => Event::IdentitySkipped,
        };
        if let Event::Identified(citizen) = &event {
            self.report.citizen = Some(CitizenReport {
                number: citizen.number.clone(),
                full_name: citizen.full_name.clone(),
            });
        }
        self.report.time("identify", started);
        event
    }

    /// One look at the camera: [`FACE_FRAMES`] frames, the best compared with the card.
    pub fn check_face(
        &mut self,
        perception: &mut Perception,
        camera: &mut dyn Camera,
        card: Option<&InputImage>,
    ) -> Event {
        let started = Instant::now();
        self.report.face.attempts += 1;
        let event = match (capture_frames(camera), card) {
            (Ok(frames), Some(card)) => {
                let FaceCheck {
                    outcome,
                    distance,
                    detail,
                    images,
                } = perception.check_face(&frames, &card.image);
                self.report.face.outcome = face_outcome_code(outcome);
                self.report.face.distance = distance;
                self.report.face.detail = detail;
                if images.is_some() {
                    self.face_images = images;
                }
                self.last_face_frame = frames.into_iter().next();
                Event::FaceChecked(outcome)
            }
            (Err(error), _) => Event::DeviceFailed(error.to_string()),
            (Ok(_), None) => Event::DeviceFailed(
                "không có ảnh thẻ căn cước để so khớp (no identity card photo)".to_owned(),
            ),
        };
        self.report.time("face", started);
        event
    }

    /// Scans one page and checks it.
    pub fn scan_page(&mut self, perception: &mut Perception, scanner: &mut dyn Scanner) -> Event {
        let started = Instant::now();
        let scanned = scanner.scan();
        self.scanner_empty = matches!(scanned, Err(ScanError::NoPage));
        let event = match scanned {
            Ok(page) => {
                self.last_scan = Some(page.bytes.clone());
                match perception.read_page(&page.image) {
                    Ok(reading) => {
                        let outcome = Perception::page_outcome(&reading);
                        if outcome == PageOutcome::Accepted {
                            self.accepted_scans.push(page.bytes);
                            self.accepted_pages.push(reading.ocr);
                        }
                        Event::PageScanned(outcome)
                    }
                    Err(error) => Event::DeviceFailed(format!(
                        "không đọc được trang (the page could not be read): {error:#}"
                    )),
                }
            }
            Err(ScanError::NoPage) if !self.accepted_scans.is_empty() => Event::NoMorePages,
            Err(ScanError::NoPage) => Event::DeviceFailed(
                self.last_retry
                    .take()
                    .unwrap_or_else(|| "chưa quét được trang nào (no page was scanned)".to_owned()),
            ),
            Err(ScanError::Image(error)) => {
                let reason = error.to_string();
                self.last_retry = Some(reason.clone());
                Event::PageScanned(PageOutcome::Retry(reason))
            }
            Err(error) => Event::DeviceFailed(error.to_string()),
        };
        self.report.time("scan_and_check", started);
        event
    }

    /// Recognises the accepted pages.
    pub fn recognise(&mut self) -> Event {
        let started = Instant::now();
        let (document_type, fields) = Perception::recognise(&self.accepted_pages);
        self.report.time("recognise", started);
        Event::Recognised {
            document_type,
            fields,
        }
    }

    /// Signs and commits the copy `order` describes, with what is recorded with it, then writes
    /// its sealed PDF into `artifacts_dir` (a PDF that cannot be written leaves the copy issued).
    pub fn issue(
        &mut self,
        kiosk: &mut Kiosk,
        order: &IssueOrder,
        artifacts_dir: Option<&Path>,
        now: &dyn Fn() -> Timestamp,
    ) -> Event {
        let started = Instant::now();
        report_order(&mut self.report, order);
        let issued_at = now();
        let kiosk_id = kiosk.settings.id.to_string();
        let (events, notes) = issue_records(
            order,
            &self.report.face,
            self.face_images.as_ref(),
            &kiosk_id,
            issued_at,
        );
        self.report.needs_official_review = order.face_needs_review;
        let request = IssueRequest {
            document_type: order.document_type,
            fields: order.fields.clone(),
            scans: std::mem::take(&mut self.accepted_scans),
            events,
            notes,
        };
        let event = match kiosk.issue(request, issued_at) {
            Ok(copy) => {
                let copy_id = copy.document.content().copy_id.to_string();
                self.report.copy_id = Some(copy_id.clone());
                self.issued = Some(copy);
                Event::Issued { copy_id }
            }
            Err(error) => Event::IssueFailed(format!("{error:#}")),
        };
        self.report.time("sign_and_store", started);
        if let (Some(copy), Some(dir)) = (&self.issued, artifacts_dir) {
            let started = Instant::now();
            write_artifact(kiosk, copy, dir, now(), &mut self.report);
            self.report.time("pdf", started);
        }
        event
    }

    /// Prints the issued copy's receipt (a reprint when one was already tried).
    pub fn print_receipt(
        &mut self,
        kiosk: &Kiosk,
        printer: &mut Result<Box<dyn ReceiptPrinter>, String>,
    ) -> Event {
        let started = Instant::now();
        let event = match &self.issued {
            Some(copy) => print(kiosk, copy, printer, &mut self.report),
            None => Event::ReceiptFailed("no copy".to_owned()),
        };
        self.report.time("receipt", started);
        event
    }

    /// Ends the report with how the session ended.
    pub fn finish(&mut self, ending: &Ending) {
        finish(&mut self.report, ending);
    }
}

/// Runs one whole session without interaction: every question is answered as a citizen on the
/// happy path would (the fields are confirmed after `corrections`, the fee is paid), and every
/// device answer comes from `devices`.
pub fn run_session(
    kiosk: &mut Kiosk,
    perception: &mut Perception,
    mut devices: SessionDevices,
    now: &dyn Fn() -> Timestamp,
) -> SessionReport {
    let mut work = SessionWork::default();
    let mut session = KioskSession::new();
    let mut step = session.step();
    let mut handled = 0usize;
    loop {
        work.report.screens.push(session.screen());
        let event = match &step {
            Step::ChooseProcedure => Event::ProcedureChosen(None),
            Step::ReadIdentity => work.identify(devices.id_card.as_ref()),
            Step::CaptureFace => work.check_face(
                perception,
                devices.camera.as_mut(),
                devices.id_card.as_ref(),
            ),
            Step::ScanPage(_) => work.scan_page(perception, devices.scanner.as_mut()),
            Step::Recognise => work.recognise(),
            Step::AwaitReview => {
                for (name, value) in std::mem::take(&mut devices.corrections) {
                    session.handle(Event::FieldCorrected { name, value });
                }
                Event::FieldsConfirmed
            }
            Step::AwaitFee(fee) => {
                work.report.fee_vnd = Some(*fee);
                Event::FeePaid
            }
            Step::Issue(order) => work.issue(kiosk, order, devices.artifacts_dir.as_deref(), now),
            Step::PrintReceipt { .. } => work.print_receipt(kiosk, &mut devices.printer),
            Step::ShowReceipt { .. } => Event::ReceiptTaken,
            Step::AwaitRating { .. } => Event::RatingSkipped,
            Step::RecordRating { .. } => Event::RatingRecorded,
            Step::Finish(ending) => {
                work.finish(ending);
                return work.report;
            }
        };
        step = session.handle(event);
        handled += 1;
        if handled > MAX_EVENTS && !matches!(step, Step::Finish(_)) {
            // Every device answer moves the session on; this is a guard, not a path.
            let report = &mut work.report;
            report.outcome = if report.issued() {
                "issued_without_receipt"
            } else {
                "failed"
            };
            report.reason = Some(format!("the session did not end after {MAX_EVENTS} steps"));
            return work.report;
        }
    }
}

/// What the copy about to be issued holds.
fn report_order(report: &mut SessionReport, order: &IssueOrder) {
    report.pages = order.pages;
    report.document_type = Some(order.document_type.code().to_owned());
    report.document_type_label = Some(order.document_type.label_vi().to_owned());
    report.fields.clear();
    report.field_details.clear();
    for (name, field) in &order.fields {
        let label = bansao_models::fields::label_vi(name).unwrap_or_else(|| name.clone());
        report.fields.insert(label.clone(), field.value.clone());
        report.field_details.push(field_report(name, &label, field));
    }
}

fn field_report(name: &str, label: &str, field: &ExtractedField) -> FieldReport {
    FieldReport {
        name: name.to_owned(),
        label: label.to_owned(),
        value: field.value.clone(),
        confidence_permille: field.confidence_permille,
        corrected_from: field.corrected_from.clone(),
    }
}

fn write_artifact(
    kiosk: &Kiosk,
    copy: &IssuedCopy,
    dir: &std::path::Path,
    now: Timestamp,
    report: &mut SessionReport,
) {
    let path = dir.join(format!("{}.pdf", copy.document.content().copy_id));
    let written = kiosk
        .render_artifact(&copy.document, &copy.qr_text, now)
        .map_err(|error| error.to_string())
        .and_then(|pdf| {
            std::fs::create_dir_all(dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
            crate::files::write_atomic(&path, &pdf, 0o644).map_err(|error| error.to_string())
        });
    match written {
        Ok(()) => report.artifact = Some(path),
        Err(error) => report.artifact_error = Some(error),
    }
}

fn print(
    kiosk: &Kiosk,
    copy: &IssuedCopy,
    printer: &mut Result<Box<dyn ReceiptPrinter>, String>,
    report: &mut SessionReport,
) -> Event {
    let printer = match printer {
        Ok(printer) => printer,
        Err(reason) => return Event::ReceiptFailed(reason.clone()),
    };
    report.receipt_printer = Some(printer.name());
    let stream = match receipt::render_receipt(
        &receipt::receipt_for(kiosk, copy),
        kiosk.settings.devices.paper_80mm,
    ) {
        Ok(stream) => stream,
        Err(error) => return Event::ReceiptFailed(error.to_string()),
    };
    match printer.print(&stream) {
        Ok(()) => Event::ReceiptPrinted,
        Err(error) => Event::ReceiptFailed(error.to_string()),
    }
}

fn finish(report: &mut SessionReport, ending: &Ending) {
    let (outcome, reason) = match ending {
        Ending::Issued { .. } => ("issued", None),
        Ending::IssuedWithoutReceipt { reason, .. } => ("issued_without_receipt", Some(reason)),
        Ending::Refused(reason) => ("refused", Some(reason)),
        Ending::Cancelled => ("cancelled", None),
        Ending::Failed(reason) => ("failed", Some(reason)),
    };
    report.outcome = outcome;
    report.reason = reason.cloned();
}
