//! What the kiosk's screen shows at one moment: which screen, its words, the fields, the fee,
//! the copy, a device's problem — plain data the web layer renders, with no session inside.

use bansao_copy::DocumentType;

/// The screens of a session, in the order the citizen meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Choose the procedure (no session yet).
    Start,
    /// Show the identity card or VNeID code, or continue unidentified.
    Identify,
    /// Look at the camera.
    Face,
    /// Put each page on the scanner.
    Scan,
    /// Check the fields read.
    Fields,
    /// The fee.
    Fee,
    /// The receipt (printed, or why not, with "print again").
    Receipt,
    /// One tap to rate.
    Rating,
    /// The session is over (thanks, a refusal's reason, cancelled, a failure).
    Over,
}

impl Screen {
    /// Its place in the step indicator (1 to 8; the start and the end are not steps).
    pub fn step_number(self) -> Option<usize> {
        STEPS
            .iter()
            .position(|(screen, _, _)| *screen == self)
            .map(|index| index + 1)
    }
}

/// The step indicator: each step's screen and its words, Vietnamese and English.
pub const STEPS: [(Screen, &str, &str); 8] = [
    (Screen::Identify, "Danh tính", "Identity"),
    (Screen::Face, "Khuôn mặt", "Face"),
    (Screen::Scan, "Quét giấy tờ", "Scan"),
    (Screen::Fields, "Kiểm tra", "Check"),
    (Screen::Fee, "Lệ phí", "Fee"),
    (Screen::Receipt, "Biên nhận", "Receipt"),
    (Screen::Rating, "Đánh giá", "Rating"),
    (Screen::Over, "Xong", "Done"),
];

/// How a session ended, for the last screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A copy was issued.
    Issued {
        /// The copy.
        copy_id: String,
    },
    /// Nothing issued: the original or the citizen was refused, with the reason.
    Refused(String),
    /// Nothing issued: the citizen cancelled.
    Cancelled,
    /// Nothing issued: the kiosk failed.
    Failed(String),
}

/// One field read, as the review screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldView {
    /// Its name (`ho_ten`).
    pub name: String,
    /// Its label, Vietnamese.
    pub label: String,
    /// The value as it stands.
    pub value: String,
    /// OCR was not sure: the citizen should look twice.
    pub low_confidence: bool,
    /// What OCR read, when the citizen corrected it.
    pub corrected_from: Option<String>,
}

/// A device that failed, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProblem {
    /// What happened (the device's words, Vietnamese first).
    pub what: String,
    /// What to do now.
    pub next: String,
}

/// Everything the screen shows now.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskView {
    /// The screen.
    pub screen: Screen,
    /// The token every form must carry (a new one for every session).
    pub csrf: String,
    /// The session's words (a notice, then the headline), Vietnamese first.
    pub message: String,
    /// A notice for this moment (look again, scan again), when there is one.
    pub notice: Option<String>,
    /// A device that failed, when one did.
    pub problem: Option<DeviceProblem>,
    /// The procedure the citizen chose.
    pub procedure: Option<DocumentType>,
    /// The citizen, when identified: number and name.
    pub citizen: Option<(String, String)>,
    /// The copy will go to an official (unidentified, face uncertain).
    pub flagged_for_official: bool,
    /// Pages accepted.
    pub pages: usize,
    /// The kind of document read.
    pub document_type: Option<DocumentType>,
    /// The fields (review screen on).
    pub fields: Vec<FieldView>,
    /// The fee, once known.
    pub fee_vnd: Option<u64>,
    /// The copy, once issued.
    pub copy_id: Option<String>,
    /// Why the receipt is not printed, when it is not.
    pub receipt_problem: Option<String>,
    /// The receipt was printed (at least once).
    pub receipt_printed: bool,
    /// How the session ended (the last screen).
    pub outcome: Option<Outcome>,
    /// Seconds until an untouched screen goes back to the start.
    pub idle_seconds_left: u64,
    /// Stills the node holds for this session: the card, the face, the last page.
    pub has_card_still: bool,
    /// See [`DeskView::has_card_still`].
    pub has_face_still: bool,
    /// See [`DeskView::has_card_still`].
    pub has_page_still: bool,
}
