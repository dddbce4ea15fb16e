//! What a citizen lives through at the kiosk, as a state machine with no IO:
//! identify → face → scan pages → review fields → fee → issue → receipt; on the kiosk's screen
//! ([`KioskSession::on_screen`]) the procedure is chosen first and the citizen is asked for a
//! rating after the receipt.
//!
//! The shell feeds [`KioskSession::handle`] what happened (a card was read, the face check
//! answered, a page was scanned and checked, the citizen touched a button, the copy was
//! committed, the printer answered) and shows [`KioskSession::screen`]; the session answers
//! each event with the [`Step`] the shell must take next (capture the face, scan a page, issue
//! the copy, print the receipt). Devices and recognition stay in the shell, so every path —
//! retries, refusals, cancellation, a printer out of paper — is tested here without hardware.
//!
//! The promises it keeps:
//! - nothing is issued before identity, face, at least one accepted page, confirmed fields and
//!   an accepted fee; a refused original (a "MẬT" mark, a blank or illegible page) ends the
//!   session with the reason, and nothing is issued;
//! - an uncertain face match is not a yes: the citizen is asked to look at the camera again,
//!   and if the second look is still not a match the copy is issued, but flagged for the
//!   official; a mismatch is refused only after the second look and never on a worn card
//!   portrait, which goes to the official instead; on a worn portrait a match is not a yes
//!   either: the copy is flagged for the official at once;
//! - the receipt is printed only after the copy is committed, and a printer failure after that
//!   leaves the copy issued (the receipt can be printed again, [`Event::ReprintAsked`]), never
//!   undone;
//! - a rating is asked only of an issued copy, once, and only one of 1 to 5 is taken.

use std::collections::BTreeMap;

use bansao_copy::fee::{certification_fee_vnd, format_vnd};
use bansao_copy::{DocumentType, ExtractedField};

/// Face capture attempts before the session gives up.
pub const FACE_ATTEMPTS: u32 = 3;
/// Pages a copy may have (a scanner feeder's worth).
pub const MAX_PAGES: usize = 50;

/// The lowest and highest rating a citizen can give (one tap on 1 of 5 faces).
pub const RATINGS: std::ops::RangeInclusive<u8> = 1..=5;

/// Who the citizen is, from their identity card's QR code or the VNeID app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citizen {
    /// Personal identification number.
    pub number: String,
    /// Full name.
    pub full_name: String,
}

/// What the face check said about the live capture against the card's photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaceOutcome {
    /// The same person, confidently.
    Match,
    /// Perhaps the same person: an official must look.
    Uncertain,
    /// Not the person on the card.
    NoMatch,
    /// The faces differ, but the card's portrait is worn (small or blurred), so the distance
    /// cannot be trusted to refuse: an official must look.
    NoMatchOnWornCard,
    /// The faces look alike, but the card's portrait is worn, so the distance cannot be trusted
    /// to accept either (impostors came under the threshold on worn cards: BENCHMARKS.md, face
    /// check): an official must look. Looking again would not help: the card is the problem.
    MatchOnWornCard,
    /// No face in the capture.
    NoFace,
    /// More than one face in the capture.
    SeveralFaces,
}

/// What the checks of a scanned page said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageOutcome {
    /// A page that may be copied.
    Accepted,
    /// A page that cannot be used but may be scanned again (skewed, too dark, truncated file).
    Retry(String),
    /// The original may not be certified (Decree 23/2015 Art. 22): a "MẬT" or "không được sao
    /// chụp" mark, a blank or illegible page, signs of alteration. The reason, in Vietnamese.
    Refused(String),
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The citizen chose the procedure: certify a copy of an original of this kind (`None`: the
    /// citizen leaves it to the kiosk to read).
    ProcedureChosen(Option<DocumentType>),
    /// The identity was read.
    Identified(Citizen),
    /// The kiosk certifies without identifying the citizen (Decree 23 does not require it; a
    /// kiosk set up so, or an official's choice): no face check, and the copy is flagged for
    /// the official.
    IdentitySkipped,
    /// The identity could not be accepted (an unreadable or inconsistent card code), with the
    /// reason in Vietnamese: nothing is issued.
    IdentityRefused(String),
    /// The face check answered.
    FaceChecked(FaceOutcome),
    /// A page was scanned and checked.
    PageScanned(PageOutcome),
    /// The citizen has no more pages.
    NoMorePages,
    /// Recognition read the pages: the kind of document and its fields.
    Recognised {
        /// The kind of document.
        document_type: DocumentType,
        /// Fields as read, with confidences.
        fields: BTreeMap<String, ExtractedField>,
    },
    /// The citizen corrected a field.
    FieldCorrected {
        /// Its name.
        name: String,
        /// The right value.
        value: String,
    },
    /// The citizen confirmed the fields.
    FieldsConfirmed,
    /// The fee was paid.
    FeePaid,
    /// The copy is committed (signed and durable).
    Issued {
        /// Its id.
        copy_id: String,
    },
    /// Committing the copy failed: nothing was issued.
    IssueFailed(String),
    /// The receipt was printed.
    ReceiptPrinted,
    /// The receipt could not be printed (the printer's state, in Vietnamese).
    ReceiptFailed(String),
    /// The citizen (or an official) pressed "print the receipt again".
    ReprintAsked,
    /// The citizen took the receipt and moves on to the rating.
    ReceiptTaken,
    /// The citizen rated the service (1 to 5).
    Rated(u8),
    /// The rating was stored with the copy (or could not be: the session ends either way).
    RatingRecorded,
    /// The citizen did not rate.
    RatingSkipped,
    /// The citizen pressed "cancel" or walked away.
    Cancelled,
    /// A device the session needs failed before anything was issued (the reason, in
    /// Vietnamese): the session ends and nothing is issued.
    DeviceFailed(String),
}

/// What the shell must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Wait for the citizen to choose the procedure.
    ChooseProcedure,
    /// Wait for the identity card or VNeID code.
    ReadIdentity,
    /// Capture the face and check it against the card.
    CaptureFace,
    /// Scan a page (page numbers count from 1).
    ScanPage(usize),
    /// Recognise the accepted pages.
    Recognise,
    /// Wait for the citizen to review the fields.
    AwaitReview,
    /// Wait for the fee (in đồng).
    AwaitFee(u64),
    /// Sign and commit the copy.
    Issue(IssueOrder),
    /// Print the receipt of the committed copy.
    PrintReceipt {
        /// The copy.
        copy_id: String,
    },
    /// Show the receipt's outcome (printed, or why not, with "print again") until the citizen
    /// moves on.
    ShowReceipt {
        /// The copy.
        copy_id: String,
        /// Why the receipt is not printed, when it is not.
        problem: Option<String>,
    },
    /// Wait for the citizen's rating of the copy.
    AwaitRating {
        /// The copy.
        copy_id: String,
    },
    /// Store the rating with the copy.
    RecordRating {
        /// The copy.
        copy_id: String,
        /// 1 to 5.
        rating: u8,
    },
    /// The session is over.
    Finish(Ending),
}

/// The copy the shell must issue.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueOrder {
    /// The citizen.
    pub citizen: Citizen,
    /// The kind of document.
    pub document_type: DocumentType,
    /// The confirmed fields (corrections recorded in each field).
    pub fields: BTreeMap<String, ExtractedField>,
    /// Accepted pages.
    pub pages: usize,
    /// The fee paid.
    pub fee_vnd: u64,
    /// The face check was uncertain: an official must look before counter-signing.
    pub face_needs_review: bool,
    /// The kind of original the citizen said they brought, when they chose one.
    pub procedure: Option<DocumentType>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Issued and the receipt printed.
    Issued {
        /// The copy.
        copy_id: String,
    },
    /// Issued, but the receipt was not printed (it can be printed again).
    IssuedWithoutReceipt {
        /// The copy.
        copy_id: String,
        /// Why.
        reason: String,
    },
    /// Nothing issued: the original or the citizen was refused, with the reason.
    Refused(String),
    /// Nothing issued: the citizen cancelled.
    Cancelled,
    /// Nothing issued: the kiosk failed (the reason for the official).
    Failed(String),
}

/// The copy an ending issued, if it issued one.
fn issued_copy(ending: &Ending) -> Option<&str> {
    match ending {
        Ending::Issued { copy_id } | Ending::IssuedWithoutReceipt { copy_id, .. } => Some(copy_id),
        Ending::Refused(_) | Ending::Cancelled | Ending::Failed(_) => None,
    }
}

/// "1 page", "2 pages".
fn pages_en(pages: usize) -> String {
    if pages == 1 {
        "1 page".to_owned()
    } else {
        format!("{pages} pages")
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Choose,
    Identify,
    Face { attempts: u32, looked_again: bool },
    Scan,
    Recognising,
    Review,
    Fee { fee_vnd: u64 },
    Issuing,
    Printing { copy_id: String },
    Receipt { ending: Ending },
    Rating { ending: Ending },
    RecordingRating { ending: Ending, rating: u8 },
    Over(Ending),
}

/// One citizen's session.
#[derive(Debug, Clone)]
pub struct KioskSession {
    state: State,
    citizen: Option<Citizen>,
    face_needs_review: bool,
    pages: usize,
    document_type: DocumentType,
    fields: BTreeMap<String, ExtractedField>,
    notice: Option<String>,
    on_screen: bool,
    procedure: Option<DocumentType>,
    recognised: bool,
}

impl Default for KioskSession {
    fn default() -> KioskSession {
        KioskSession::new()
    }
}

impl KioskSession {
    /// A new session, waiting for the citizen's identity.
    pub fn new() -> KioskSession {
        KioskSession {
            state: State::Identify,
            citizen: None,
            face_needs_review: false,
            pages: 0,
            document_type: DocumentType::Other,
            fields: BTreeMap::new(),
            notice: None,
            on_screen: false,
            procedure: None,
            recognised: false,
        }
    }

    /// A session on the kiosk's screen: the citizen chooses the procedure first, and after the
    /// receipt sees it (and can print it again) and is asked for a rating.
    pub fn on_screen() -> KioskSession {
        KioskSession {
            state: State::Choose,
            on_screen: true,
            ..KioskSession::new()
        }
    }

    /// The next step, without any event (what to do on entering the current state).
    pub fn step(&self) -> Step {
        match &self.state {
            State::Choose => Step::ChooseProcedure,
            State::Identify => Step::ReadIdentity,
            State::Face { .. } => Step::CaptureFace,
            State::Scan => Step::ScanPage(self.pages + 1),
            State::Recognising => Step::Recognise,
            State::Review => Step::AwaitReview,
            State::Fee { fee_vnd } => Step::AwaitFee(*fee_vnd),
            State::Issuing => Step::Issue(self.order()),
            State::Printing { copy_id } => Step::PrintReceipt {
                copy_id: copy_id.clone(),
            },
            State::Receipt { ending } => match ending {
                Ending::IssuedWithoutReceipt { copy_id, reason } => Step::ShowReceipt {
                    copy_id: copy_id.clone(),
                    problem: Some(reason.clone()),
                },
                other => Step::ShowReceipt {
                    copy_id: issued_copy(other).unwrap_or_default().to_owned(),
                    problem: None,
                },
            },
            State::Rating { ending } => Step::AwaitRating {
                copy_id: issued_copy(ending).unwrap_or_default().to_owned(),
            },
            State::RecordingRating { ending, rating } => Step::RecordRating {
                copy_id: issued_copy(ending).unwrap_or_default().to_owned(),
                rating: *rating,
            },
            State::Over(ending) => Step::Finish(ending.clone()),
        }
    }

    fn order(&self) -> IssueOrder {
        IssueOrder {
            citizen: self.citizen.clone().unwrap_or(Citizen {
                number: String::new(),
                full_name: String::new(),
            }),
            document_type: self.document_type,
            fields: self.fields.clone(),
            pages: self.pages,
            fee_vnd: certification_fee_vnd(self.pages as u64),
            face_needs_review: self.face_needs_review,
            procedure: self.procedure,
        }
    }

    /// The kind of original the citizen chose, if they chose one.
    pub fn procedure(&self) -> Option<DocumentType> {
        self.procedure
    }

    /// The kind of document, once the pages are read.
    pub fn document_type(&self) -> Option<DocumentType> {
        self.recognised.then_some(self.document_type)
    }

    /// What the screen says for this moment only (look again, scan again), if anything.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Whether the copy will go to an official (not identified, face uncertain).
    pub fn face_needs_review(&self) -> bool {
        self.face_needs_review
    }

    /// The fields as they stand (for the review screen).
    pub fn fields(&self) -> &BTreeMap<String, ExtractedField> {
        &self.fields
    }

    /// Pages accepted so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Whether the session is over.
    pub fn is_over(&self) -> bool {
        matches!(self.state, State::Over(_))
    }

    fn end(&mut self, ending: Ending) -> Step {
        self.state = State::Over(ending);
        self.step()
    }

    /// After the printer answered: on the screen, the receipt is shown; otherwise it is over.
    fn receipt_answered(&mut self, ending: Ending) -> Step {
        if self.on_screen {
            self.state = State::Receipt { ending };
            self.step()
        } else {
            self.end(ending)
        }
    }

    /// Takes in what happened; returns what to do next. An event that makes no sense now
    /// (a double press, a late device answer) changes nothing.
    pub fn handle(&mut self, event: Event) -> Step {
        self.notice = None;
        let before_issue = matches!(
            self.state,
            State::Choose
                | State::Identify
                | State::Face { .. }
                | State::Scan
                | State::Recognising
                | State::Review
                | State::Fee { .. }
        );
        match (&self.state, event) {
            (_, Event::Cancelled) if before_issue => self.end(Ending::Cancelled),
            (_, Event::DeviceFailed(reason)) if before_issue => self.end(Ending::Failed(reason)),
            (State::Choose, Event::ProcedureChosen(procedure)) => {
                self.procedure = procedure;
                self.state = State::Identify;
                self.step()
            }
            (State::Identify, Event::IdentityRefused(reason)) => self.end(Ending::Refused(reason)),
            (State::Identify, Event::IdentitySkipped) => {
                self.face_needs_review = true;
                self.state = State::Scan;
                self.step()
            }
            (State::Identify, Event::Identified(citizen)) => {
                self.citizen = Some(citizen);
                self.state = State::Face {
                    attempts: 0,
                    looked_again: false,
                };
                self.step()
            }
            (
                State::Face {
                    attempts,
                    looked_again,
                },
                Event::FaceChecked(outcome),
            ) => {
                let (attempts, looked_again) = (attempts + 1, *looked_again);
                match outcome {
                    FaceOutcome::Match => {
                        self.face_needs_review = false;
                        self.state = State::Scan;
                    }
                    FaceOutcome::MatchOnWornCard => {
                        self.face_needs_review = true;
                        self.state = State::Scan;
                    }
                    FaceOutcome::Uncertain
                    | FaceOutcome::NoMatch
                    | FaceOutcome::NoMatchOnWornCard
                        if !looked_again =>
                    {
                        self.notice = Some(
                            "Xin nhìn thẳng vào máy ảnh thêm một lần nữa (please look at the camera once more)".to_owned(),
                        );
                        self.state = State::Face {
                            attempts,
                            looked_again: true,
                        };
                    }
                    FaceOutcome::Uncertain | FaceOutcome::NoMatchOnWornCard => {
                        self.face_needs_review = true;
                        self.state = State::Scan;
                    }
                    FaceOutcome::NoMatch => {
                        return self.end(Ending::Refused(
                            "Khuôn mặt không khớp với ảnh trên thẻ; xin gặp cán bộ (the face does not match the card; please see an official)".to_owned(),
                        ));
                    }
                    FaceOutcome::NoFace | FaceOutcome::SeveralFaces
                        if attempts >= FACE_ATTEMPTS =>
                    {
                        return self.end(Ending::Refused(
                            "Không chụp được khuôn mặt; xin gặp cán bộ (the face could not be captured; please see an official)".to_owned(),
                        ));
                    }
                    FaceOutcome::NoFace => {
                        self.notice = Some(
                            "Xin nhìn thẳng vào máy ảnh (please look at the camera)".to_owned(),
                        );
                        self.state = State::Face {
                            attempts,
                            looked_again,
                        };
                    }
                    FaceOutcome::SeveralFaces => {
                        self.notice = Some("Chỉ một người đứng trước máy ảnh (only one person in front of the camera)".to_owned());
                        self.state = State::Face {
                            attempts,
                            looked_again,
                        };
                    }
                }
                self.step()
            }
            (State::Scan, Event::PageScanned(outcome)) => match outcome {
                PageOutcome::Accepted if self.pages < MAX_PAGES => {
                    self.pages += 1;
                    self.step()
                }
                PageOutcome::Accepted => {
                    self.notice = Some(format!(
                        "Tối đa {MAX_PAGES} trang (at most {MAX_PAGES} pages)"
                    ));
                    self.state = State::Recognising;
                    self.step()
                }
                PageOutcome::Retry(reason) => {
                    self.notice = Some(format!(
                        "Xin quét lại trang này (please scan this page again): {reason}"
                    ));
                    self.step()
                }
                PageOutcome::Refused(reason) => self.end(Ending::Refused(reason)),
            },
            (State::Scan, Event::NoMorePages) if self.pages > 0 => {
                self.state = State::Recognising;
                self.step()
            }
            (
                State::Recognising,
                Event::Recognised {
                    document_type,
                    fields,
                },
            ) => {
                // What the citizen said they brought stands when the reader could not tell.
                self.document_type = match (document_type, self.procedure) {
                    (DocumentType::Other, Some(chosen)) => chosen,
                    (read, _) => read,
                };
                self.recognised = true;
                self.fields = fields;
                self.state = State::Review;
                self.step()
            }
            (State::Review, Event::FieldCorrected { name, value })
                if !self.fields.contains_key(&name)
                    && bansao_models::fields::label_vi(&name).is_none() =>
            {
                // Only a field read on the page, or one the reader knows, goes into the signed
                // copy: a made-up name is not a correction.
                tracing::warn!(field = %name, "a correction of a field that does not exist was refused");
                let _ = value;
                self.step()
            }
            (State::Review, Event::FieldCorrected { name, value }) => {
                let field = self.fields.entry(name).or_insert_with(|| ExtractedField {
                    value: String::new(),
                    confidence_permille: 0,
                    corrected_from: None,
                    source: None,
                });
                if field.value != value {
                    if field.corrected_from.is_none() {
                        field.corrected_from = Some(field.value.clone());
                    }
                    field.value = value;
                }
                self.step()
            }
            (State::Review, Event::FieldsConfirmed) => {
                self.state = State::Fee {
                    fee_vnd: certification_fee_vnd(self.pages as u64),
                };
                self.step()
            }
            (State::Fee { .. }, Event::FeePaid) => {
                self.state = State::Issuing;
                self.step()
            }
            (State::Issuing, Event::Issued { copy_id }) => {
                self.state = State::Printing { copy_id };
                self.step()
            }
            (State::Issuing, Event::IssueFailed(reason)) => self.end(Ending::Failed(reason)),
            (State::Printing { copy_id }, Event::ReceiptPrinted) => {
                let copy_id = copy_id.clone();
                self.receipt_answered(Ending::Issued { copy_id })
            }
            (State::Printing { copy_id }, Event::ReceiptFailed(reason)) => {
                let copy_id = copy_id.clone();
                self.receipt_answered(Ending::IssuedWithoutReceipt { copy_id, reason })
            }
            (State::Receipt { ending }, Event::ReprintAsked) => {
                self.state = State::Printing {
                    copy_id: issued_copy(ending).unwrap_or_default().to_owned(),
                };
                self.step()
            }
            (State::Receipt { ending }, Event::ReceiptTaken) => {
                self.state = State::Rating {
                    ending: ending.clone(),
                };
                self.step()
            }
            (State::Rating { ending }, Event::Rated(rating)) if RATINGS.contains(&rating) => {
                self.state = State::RecordingRating {
                    ending: ending.clone(),
                    rating,
                };
                self.step()
            }
            (State::Rating { ending }, Event::RatingSkipped)
            | (State::RecordingRating { ending, .. }, Event::RatingRecorded) => {
                let ending = ending.clone();
                self.end(ending)
            }
            _ => self.step(),
        }
    }

    /// What the screen says now: Vietnamese first, English in brackets.
    pub fn screen(&self) -> String {
        let headline = match &self.state {
            State::Choose => "Xin chọn thủ tục: chứng thực bản sao từ bản chính (please choose the procedure: certify a copy of an original)".to_owned(),
            State::Identify => "Xin đưa thẻ căn cước hoặc mã VNeID vào đầu đọc (please show your identity card or VNeID code)".to_owned(),
            State::Face { .. } => "Xin nhìn vào máy ảnh (please look at the camera)".to_owned(),
            State::Scan if self.pages == 0 => "Xin đặt trang đầu của bản chính lên máy quét (please put the first page of the original on the scanner)".to_owned(),
            State::Scan => format!("Đã quét {} trang. Quét trang tiếp theo hoặc chọn \"Xong\" (scanned {}: scan the next or press \"Done\")", self.pages, pages_en(self.pages)),
            State::Recognising => "Đang đọc giấy tờ… (reading the document…)".to_owned(),
            State::Review => "Xin kiểm tra thông tin đã đọc, sửa nếu sai (please check what was read and correct it)".to_owned(),
            State::Fee { fee_vnd } => format!("Lệ phí {} đồng cho {} trang (fee for {})", format_vnd(*fee_vnd), self.pages, pages_en(self.pages)),
            State::Issuing => "Đang ký và lưu bản sao… (signing and saving the copy…)".to_owned(),
            State::Printing { .. } => "Đang in biên nhận… (printing the receipt…)".to_owned(),
            State::Receipt { ending: Ending::IssuedWithoutReceipt { copy_id, reason } } => format!("Bản sao {copy_id} đã được cấp nhưng chưa in được biên nhận: {reason}. Xin bấm \"In lại\" hoặc gọi cán bộ (the copy is issued; press \"Print again\" or call an official)"),
            State::Receipt { ending } => format!("Đã cấp bản sao {}. Xin nhận biên nhận (the copy is issued: please take your receipt)", issued_copy(ending).unwrap_or_default()),
            State::Rating { .. } | State::RecordingRating { .. } => "Bạn hài lòng với dịch vụ không? Chạm một lần để đánh giá (how was it? one tap to rate)".to_owned(),
            State::Over(Ending::Issued { copy_id }) => format!("Xong. Mã bản sao {copy_id}. Xin nhận biên nhận (done: please take your receipt)"),
            State::Over(Ending::IssuedWithoutReceipt { copy_id, reason }) => format!("Bản sao {copy_id} đã được cấp nhưng chưa in được biên nhận: {reason}. Xin gặp cán bộ để in lại (the copy is issued; see an official to print the receipt)"),
            State::Over(Ending::Refused(reason)) => format!("Không chứng thực được (cannot certify): {reason}"),
            State::Over(Ending::Cancelled) => "Đã hủy; không có bản sao nào được cấp (cancelled; nothing was issued)".to_owned(),
            State::Over(Ending::Failed(reason)) => format!("Máy gặp lỗi, không có bản sao nào được cấp; xin gặp cán bộ (the kiosk failed; nothing was issued): {reason}"),
        };
        match &self.notice {
            Some(notice) => format!("{notice}\n{headline}"),
            None => headline,
        }
    }
}
