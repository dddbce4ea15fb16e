//! The kiosk's screen as a service: one citizen's session at a time, driven by the buttons the
//! citizen presses. No web here: `bansao-web`'s kiosk pages call [`KioskDesk::press`] and
//! render [`KioskDesk::view`].
//!
//! The desk holds the [`KioskSession`] (started with [`KioskSession::on_screen`]: procedure
//! first, rating last) and the session's images in memory, and does each [`Step`] with the
//! session's devices ([`devices::DeviceKit`]: real, or simulators fed from sample images) and
//! the kiosk's [`Perception`], through the same [`SessionWork`] steps `bansao kiosk issue`
//! takes — the same checks, the same commit. What it adds for a screen:
//! - a device that fails (no page on the scanner, a camera gone) is a [`view::DeviceProblem`]
//!   with what to do, and the session waits on the same step (the citizen may try again,
//!   cancel, or call an official) instead of ending;
//! - a copy issued is never lost when its receipt fails: the receipt screen offers "print
//!   again" ([`Press::Reprint`]) until the citizen moves on;
//! - the rating is stored with the copy ([`Kiosk::record_rating`]);
//! - an idle timeout ([`settings::ScreenSettings::idle_timeout`]) wipes the session and its
//!   images; an ended session is wiped after [`ENDED_SCREEN_FOR`]. The time is handed in.
//! - every press carries the screen's token, new for every session (a page from an earlier
//!   session, or another site, cannot press anything).
//!
//! [`worker`] runs a desk on a thread of its own (Tesseract and the face detectors stay on
//! one thread) behind a [`worker::DeskHandle`] the web layer can share.

pub mod devices;
pub mod settings;
pub mod view;
pub mod worker;

use std::io::Cursor;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bansao_copy::{CopyId, DocumentType, Timestamp};
use bansao_hw::image_input::InputImage;
use bansao_hw::printer::ReceiptPrinter;
use unicode_normalization::UnicodeNormalization;

use crate::kiosk::Kiosk;
use crate::kiosk_session::{Ending, Event, KioskSession, Step};
use crate::kiosk_shell::SessionWork;
use crate::kiosk_shell::perception::Perception;
use crate::ward::LOW_CONFIDENCE_PERMILLE;
use devices::{DeskDevices, DeviceKit};
use view::{DeskView, DeviceProblem, FieldView, Outcome, Screen};

/// How long the last screen of a session (thanks, a refusal) stays before the start comes back.
pub const ENDED_SCREEN_FOR: Duration = Duration::from_secs(20);
/// The widest a page's still is sent to the screen, in pixels.
const PAGE_STILL_WIDTH: u32 = 900;
/// The widest a card's or face's still is sent to the screen, in pixels.
const PHOTO_STILL_WIDTH: u32 = 640;
/// The longest corrected value a field takes, in characters.
pub const MAX_FIELD_CHARS: usize = 300;

/// What the citizen pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    /// Start a session for an original of this kind (`None`: the kiosk reads the kind).
    Start(Option<DocumentType>),
    /// "Read my card": the card (or the VNeID code) is held to the reader.
    ReadCard,
    /// Continue without identifying (the copy goes to an official).
    SkipIdentity,
    /// "Take my photo": one look at the camera.
    LookAtCamera,
    /// "Scan this page".
    ScanPage,
    /// "Done": no more pages.
    DoneScanning,
    /// A field corrected on its edit screen.
    Correct {
        /// The field.
        name: String,
        /// The right value, as typed.
        value: String,
    },
    /// The fields are right.
    ConfirmFields,
    /// The fee is paid.
    PayFee,
    /// Print the receipt again.
    Reprint,
    /// Took the receipt: on to the rating.
    ReceiptTaken,
    /// A rating, 1 to 5.
    Rate(u8),
    /// No rating.
    SkipRating,
    /// Cancel (before the copy is issued).
    Cancel,
    /// Leave: back to the start screen (wipes the session once it is over or issued).
    BackToStart,
    /// Nothing but the token check and a touch (a setting of the screen itself).
    Touch,
}

/// Which still of the session to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Still {
    /// The card as read.
    Card,
    /// The face as checked.
    Face,
    /// The last page scanned.
    Page,
}

/// A press refused.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The form's token is not this screen's (an old page, another site).
    #[error("the form is from an earlier screen (biểu mẫu đã cũ)")]
    StaleForm,
    /// The desk's worker is gone.
    #[error("the kiosk's screen service stopped")]
    Stopped,
    /// No token could be made.
    #[error(transparent)]
    Entropy(#[from] crate::entropy::EntropyError),
}

struct Attendance {
    session: KioskSession,
    work: SessionWork,
    devices: Option<DeskDevices>,
    card: Option<InputImage>,
    card_still: Option<Vec<u8>>,
    face_still: Option<Vec<u8>>,
    page_still: Option<Vec<u8>>,
    problem: Option<DeviceProblem>,
    last_touch: Instant,
    receipt_printed: bool,
}

/// One kiosk's screen service.
pub struct KioskDesk {
    kiosk: Kiosk,
    perception: Perception,
    kit: Box<dyn DeviceKit + Send>,
    idle_timeout: Duration,
    artifacts_dir: Option<PathBuf>,
    csrf: String,
    current: Option<Attendance>,
}

impl std::fmt::Debug for KioskDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskDesk")
            .field("idle_timeout", &self.idle_timeout)
            .field("in_session", &self.current.is_some())
            .finish_non_exhaustive()
    }
}

fn new_token() -> Result<String, DeskError> {
    Ok(hex::encode(crate::entropy::random_bytes::<32>()?))
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
fn tokens_match(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A JPEG of `image` no wider than `width`.
fn still_of(image: &image::DynamicImage, width: u32) -> Option<Vec<u8>> {
    let image = if image.width() > width {
        image.resize(width, u32::MAX, image::imageops::FilterType::Triangle)
    } else {
        image.clone()
    };
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image.to_rgb8())
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .ok()?;
    Some(bytes)
}

fn problem(what: impl Into<String>, next: &str) -> Option<DeviceProblem> {
    Some(DeviceProblem {
        what: what.into(),
        next: next.to_owned(),
    })
}

impl KioskDesk {
    /// A desk over an opened kiosk and its perception, taking each session's devices from
    /// `kit`; issued copies' sealed PDFs go to `artifacts_dir`.
    pub fn new(
        kiosk: Kiosk,
        perception: Perception,
        kit: Box<dyn DeviceKit + Send>,
        artifacts_dir: Option<PathBuf>,
    ) -> Result<KioskDesk, DeskError> {
        let idle_timeout = kiosk.settings.devices.screen.idle_timeout;
        Ok(KioskDesk {
            kiosk,
            perception,
            kit,
            idle_timeout,
            artifacts_dir,
            csrf: new_token()?,
            current: None,
        })
    }

    /// Overrides the configured idle timeout.
    pub fn with_idle_timeout(mut self, idle_timeout: Duration) -> KioskDesk {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Whether a session is held (with its images).
    pub fn in_session(&self) -> bool {
        self.current.is_some()
    }

    /// Wipes the session (and its images) if nobody touched it for the idle timeout, or it
    /// ended [`ENDED_SCREEN_FOR`] ago; says whether it did.
    pub fn expire(&mut self, now: Instant) -> Result<bool, DeskError> {
        let Some(attendance) = &self.current else {
            return Ok(false);
        };
        let limit = if attendance.session.is_over() {
            ENDED_SCREEN_FOR.min(self.idle_timeout)
        } else {
            self.idle_timeout
        };
        if now.saturating_duration_since(attendance.last_touch) >= limit {
            tracing::info!("the kiosk's screen went back to the start after being left alone");
            self.wipe()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn wipe(&mut self) -> Result<(), DeskError> {
        self.current = None;
        self.csrf = new_token()?;
        Ok(())
    }

    /// Takes a press carrying the form's token `csrf`, at `now` (the idle clock) and `wall`
    /// (the copy's date, should it be issued).
    pub fn press(
        &mut self,
        csrf: &str,
        press: Press,
        now: Instant,
        wall: Timestamp,
    ) -> Result<(), DeskError> {
        self.expire(now)?;
        if !tokens_match(csrf, &self.csrf) {
            return Err(DeskError::StaleForm);
        }
        if let Some(attendance) = &mut self.current {
            attendance.last_touch = now;
            attendance.problem = None;
        }
        match press {
            Press::Touch => Ok(()),
            Press::Start(procedure) => self.start(procedure, now),
            Press::BackToStart => {
                let leave = self.current.as_ref().is_none_or(|attendance| {
                    attendance.session.is_over() || attendance.work.issued().is_some()
                });
                if leave {
                    self.wipe()
                } else {
                    self.feed(Event::Cancelled, wall);
                    Ok(())
                }
            }
            press => {
                self.perform(press, wall);
                Ok(())
            }
        }
    }

    fn start(&mut self, procedure: Option<DocumentType>, now: Instant) -> Result<(), DeskError> {
        if self.current.is_some() {
            return Ok(());
        }
        self.csrf = new_token()?;
        let mut session = KioskSession::on_screen();
        session.handle(Event::ProcedureChosen(procedure));
        let (devices, problem) = match self.kit.session_devices() {
            Ok(devices) => (Some(devices), None),
            Err(reason) => (
                None,
                problem(
                    reason,
                    "Máy chưa sẵn sàng: xin gọi cán bộ (the kiosk is not ready: please call an official)",
                ),
            ),
        };
        self.current = Some(Attendance {
            session,
            work: SessionWork::default(),
            devices,
            card: None,
            card_still: None,
            face_still: None,
            page_still: None,
            problem,
            last_touch: now,
            receipt_printed: false,
        });
        Ok(())
    }

    fn perform(&mut self, press: Press, wall: Timestamp) {
        let Some(attendance) = &mut self.current else {
            return;
        };
        let step = attendance.session.step();
        if press == Press::Cancel {
            self.feed(Event::Cancelled, wall);
            return;
        }
        let Some(devices) = attendance.devices.as_mut() else {
            attendance.problem = problem(
                "Không có thiết bị (no devices)",
                "Xin gọi cán bộ (please call an official)",
            );
            return;
        };
        let event = match (&step, press) {
            (Step::ReadIdentity, Press::ReadCard) => match devices.card_reader.capture() {
                Ok(card) => {
                    attendance.card_still = still_of(&card.image, PHOTO_STILL_WIDTH);
                    let event = attendance.work.identify(Some(&card));
                    if let Event::IdentityRefused(reason) = &event {
                        // A card held badly is held again, not a refusal of the citizen.
                        attendance.problem = problem(
                            reason.clone(),
                            "Giữ thẻ (mặt có mã QR) sát đầu đọc rồi bấm lại, hoặc tiếp tục không xác minh (hold the card's QR side to the reader and press again, or continue without)",
                        );
                        return;
                    }
                    attendance.card = Some(card);
                    event
                }
                Err(error) => {
                    attendance.problem = problem(
                        error.to_string(),
                        "Giữ thẻ trước đầu đọc rồi bấm lại; nếu vẫn lỗi, xin gọi cán bộ (hold the card to the reader and press again; if it still fails, call an official)",
                    );
                    return;
                }
            },
            (Step::ReadIdentity, Press::SkipIdentity) => Event::IdentitySkipped,
            (Step::CaptureFace, Press::LookAtCamera) => {
                let event = attendance.work.check_face(
                    &mut self.perception,
                    devices.camera.as_mut(),
                    attendance.card.as_ref(),
                );
                if let Some(frame) = &attendance.work.last_face_frame {
                    attendance.face_still = still_of(frame, PHOTO_STILL_WIDTH);
                }
                if let Event::DeviceFailed(reason) = event {
                    attendance.problem = problem(
                        reason,
                        "Bấm chụp lại; nếu vẫn lỗi, xin gọi cán bộ (press again; if it still fails, call an official)",
                    );
                    return;
                }
                event
            }
            (Step::ScanPage(_), Press::ScanPage) => {
                let event = attendance
                    .work
                    .scan_page(&mut self.perception, devices.scanner.as_mut());
                if let Some(bytes) = &attendance.work.last_scan
                    && let Ok(image) = image::load_from_memory(bytes)
                {
                    attendance.page_still = still_of(&image, PAGE_STILL_WIDTH);
                }
                match event {
                    Event::NoMorePages | Event::DeviceFailed(_)
                        if attendance.work.scanner_empty =>
                    {
                        attendance.problem = problem(
                            "Chưa có trang nào trên máy quét (no page on the scanner)",
                            "Đặt trang lên mặt kính, úp mặt chữ xuống, rồi bấm \"Quét trang\"; nếu đã hết trang, bấm \"Xong\" (put the page face down on the glass and press \"Scan\"; if there are no more pages, press \"Done\")",
                        );
                        return;
                    }
                    Event::DeviceFailed(reason) => {
                        attendance.problem = problem(
                            reason,
                            "Kiểm tra trang trên máy quét rồi bấm lại; nếu vẫn lỗi, xin gọi cán bộ (check the page on the scanner and press again; if it still fails, call an official)",
                        );
                        return;
                    }
                    event => event,
                }
            }
            (Step::ScanPage(_), Press::DoneScanning) => Event::NoMorePages,
            (Step::AwaitReview, Press::Correct { name, value }) => {
                let value: String = value.trim().nfc().collect();
                if value.chars().count() > MAX_FIELD_CHARS {
                    attendance.problem = problem(
                        format!(
                            "Nội dung quá dài, tối đa {MAX_FIELD_CHARS} ký tự (at most {MAX_FIELD_CHARS} characters)"
                        ),
                        "Xin sửa ngắn lại (please shorten it)",
                    );
                    return;
                }
                Event::FieldCorrected { name, value }
            }
            (Step::AwaitReview, Press::ConfirmFields) => Event::FieldsConfirmed,
            (Step::AwaitFee(fee), Press::PayFee) => {
                attendance.work.report.fee_vnd = Some(*fee);
                Event::FeePaid
            }
            (Step::ShowReceipt { .. }, Press::Reprint) => Event::ReprintAsked,
            (Step::ShowReceipt { .. }, Press::ReceiptTaken) => Event::ReceiptTaken,
            (Step::AwaitRating { .. }, Press::Rate(rating)) => Event::Rated(rating),
            (Step::AwaitRating { .. }, Press::SkipRating) => Event::RatingSkipped,
            // A double press, a page from an earlier step: nothing changes.
            _ => return,
        };
        self.feed(event, wall);
    }

    /// Hands `event` to the session, then does the steps that need no citizen (recognise,
    /// issue, print, store the rating) until the session waits for the citizen again.
    fn feed(&mut self, event: Event, wall: Timestamp) {
        let Some(attendance) = &mut self.current else {
            return;
        };
        let mut step = attendance.session.handle(event);
        loop {
            let event = match &step {
                Step::Recognise => attendance.work.recognise(),
                Step::Issue(order) => attendance.work.issue(
                    &mut self.kiosk,
                    order,
                    self.artifacts_dir.as_deref(),
                    &|| wall,
                ),
                Step::PrintReceipt { .. } => {
                    let mut no_printer: Result<Box<dyn ReceiptPrinter>, String> =
                        Err("không có máy in (no printer)".to_owned());
                    let printer = match attendance.devices.as_mut() {
                        Some(devices) => &mut devices.printer,
                        None => &mut no_printer,
                    };
                    let event = attendance.work.print_receipt(&self.kiosk, printer);
                    if event == Event::ReceiptPrinted {
                        attendance.receipt_printed = true;
                    }
                    event
                }
                Step::RecordRating { copy_id, rating } => {
                    let stored = CopyId::parse(copy_id)
                        .map_err(|error| error.to_string())
                        .and_then(|copy_id| {
                            self.kiosk
                                .record_rating(copy_id, *rating, wall)
                                .map_err(|error| error.to_string())
                        });
                    if let Err(error) = stored {
                        tracing::warn!(%error, "the citizen's rating could not be stored");
                    }
                    Event::RatingRecorded
                }
                Step::Finish(ending) => {
                    attendance.work.finish(ending);
                    return;
                }
                _ => return,
            };
            step = attendance.session.handle(event);
        }
    }

    /// A still of the current session (JPEG), if it holds one.
    pub fn still(&self, which: Still) -> Option<Vec<u8>> {
        let attendance = self.current.as_ref()?;
        match which {
            Still::Card => attendance.card_still.clone(),
            Still::Face => attendance.face_still.clone(),
            Still::Page => attendance.page_still.clone(),
        }
    }

    /// A fresh frame of the camera in front of the citizen (JPEG), while the session waits for
    /// the face: the screen's preview.
    pub fn camera_preview(&mut self) -> Option<Vec<u8>> {
        let attendance = self.current.as_mut()?;
        if attendance.session.step() != Step::CaptureFace {
            return None;
        }
        let frame = attendance.devices.as_mut()?.camera.capture().ok()?;
        still_of(&frame.image, PHOTO_STILL_WIDTH)
    }

    /// What the screen shows now (after wiping a session left alone).
    pub fn view(&mut self, now: Instant) -> Result<DeskView, DeskError> {
        self.expire(now)?;
        let mut view = DeskView {
            screen: Screen::Start,
            csrf: self.csrf.clone(),
            message: String::new(),
            notice: None,
            problem: None,
            procedure: None,
            citizen: None,
            flagged_for_official: false,
            pages: 0,
            document_type: None,
            fields: Vec::new(),
            fee_vnd: None,
            copy_id: None,
            receipt_problem: None,
            receipt_printed: false,
            outcome: None,
            idle_seconds_left: self.idle_timeout.as_secs(),
            has_card_still: false,
            has_face_still: false,
            has_page_still: false,
        };
        let Some(attendance) = &self.current else {
            return Ok(view);
        };
        let session = &attendance.session;
        let step = session.step();
        view.screen = match &step {
            Step::ChooseProcedure => Screen::Start,
            Step::ReadIdentity => Screen::Identify,
            Step::CaptureFace => Screen::Face,
            Step::ScanPage(_) | Step::Recognise => Screen::Scan,
            Step::AwaitReview => Screen::Fields,
            Step::AwaitFee(_) | Step::Issue(_) | Step::PrintReceipt { .. } => Screen::Fee,
            Step::ShowReceipt { .. } => Screen::Receipt,
            Step::AwaitRating { .. } | Step::RecordRating { .. } => Screen::Rating,
            Step::Finish(_) => Screen::Over,
        };
        let limit = if session.is_over() {
            ENDED_SCREEN_FOR.min(self.idle_timeout)
        } else {
            self.idle_timeout
        };
        view.idle_seconds_left = limit
            .saturating_sub(now.saturating_duration_since(attendance.last_touch))
            .as_secs();
        view.message = session.screen();
        view.notice = session.notice().map(str::to_owned);
        view.problem = attendance.problem.clone();
        view.procedure = session.procedure();
        let report = &attendance.work.report;
        view.citizen = report
            .citizen
            .as_ref()
            .map(|citizen| (citizen.number.clone(), citizen.full_name.clone()));
        view.flagged_for_official = session.face_needs_review();
        view.pages = session.pages();
        view.document_type = session.document_type();
        view.fields = session
            .fields()
            .iter()
            .map(|(name, field)| FieldView {
                name: name.clone(),
                label: bansao_models::fields::label_vi(name).unwrap_or_else(|| name.clone()),
                value: field.value.clone(),
                low_confidence: field.confidence_permille < LOW_CONFIDENCE_PERMILLE
                    && field.corrected_from.is_none(),
                corrected_from: field.corrected_from.clone(),
            })
            .collect();
        view.fee_vnd = match &step {
            Step::AwaitFee(fee) => Some(*fee),
            _ => report.fee_vnd,
        };
        view.copy_id = report.copy_id.clone();
        view.receipt_printed = attendance.receipt_printed;
        view.receipt_problem = match &step {
            Step::ShowReceipt { problem, .. } => problem.clone(),
            _ => None,
        };
        view.outcome = match &step {
            Step::Finish(ending) => Some(match ending {
                Ending::Issued { copy_id } | Ending::IssuedWithoutReceipt { copy_id, .. } => {
                    Outcome::Issued {
                        copy_id: copy_id.clone(),
                    }
                }
                Ending::Refused(reason) => Outcome::Refused(reason.clone()),
                Ending::Cancelled => Outcome::Cancelled,
                Ending::Failed(reason) => Outcome::Failed(reason.clone()),
            }),
            _ => None,
        };
        view.has_card_still = attendance.card_still.is_some();
        view.has_face_still = attendance.face_still.is_some();
        view.has_page_still = attendance.page_still.is_some();
        Ok(view)
    }
}
