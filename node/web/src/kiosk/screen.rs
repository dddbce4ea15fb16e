//! The kiosk screen's page: one template (`kiosk_screen.html`) whose middle is the screen of
//! the moment (`kiosk_<screen>.html`), framed by the text-size control, the step indicator,
//! "Gọi cán bộ / Call an official" and "Hủy / Cancel".

use askama::Template;
use bansao_copy::DocumentType;
use bansao_node::kiosk_desk::view::{DeskView, FieldView, Outcome, STEPS, Screen};

use crate::keyboard::{KeyboardState, KeyboardView};

/// A procedure button of the start screen.
#[derive(Debug, Clone)]
pub struct ProcedureButton {
    /// The document kind's code (the form's value).
    pub code: &'static str,
    /// Its name, Vietnamese.
    pub vi: &'static str,
    /// Its name, English.
    pub en: &'static str,
}

/// One mark of the step indicator.
#[derive(Debug, Clone)]
pub struct StepMark {
    /// 1 to 8.
    pub number: usize,
    /// Vietnamese.
    pub vi: &'static str,
    /// English.
    pub en: &'static str,
    /// `done`, `now` or `later`.
    pub class: &'static str,
}

/// One face of the rating.
#[derive(Debug, Clone)]
pub struct RatingButton {
    /// 1 to 5.
    pub value: u8,
    /// Where the face's mouth curves to (below its corners: a smile; above: a frown).
    pub mouth_y: u32,
    /// Vietnamese.
    pub vi: &'static str,
    /// English.
    pub en: &'static str,
}

/// The five faces of the rating, worst first.
pub const RATINGS: [(u8, &str, &str); 5] = [
    (1, "Rất không hài lòng", "Very unhappy"),
    (2, "Không hài lòng", "Unhappy"),
    (3, "Bình thường", "All right"),
    (4, "Hài lòng", "Happy"),
    (5, "Rất hài lòng", "Very happy"),
];

/// The page.
#[derive(Debug, Template)]
#[template(path = "kiosk_screen.html")]
pub struct ScreenPage {
    /// The kiosk's commune.
    pub place: String,
    /// What the desk shows.
    pub view: DeskView,
    /// Which screen's template fills the middle.
    pub screen: &'static str,
    /// 1, 2 or 3.
    pub text_size: u8,
    /// The step indicator (empty on the start screen).
    pub steps: Vec<StepMark>,
    /// Seconds before the page goes back to `/` on its own (0: never).
    pub refresh_seconds: u64,
    /// "Gọi cán bộ" was just pressed.
    pub called: bool,
    /// The start screen's buttons.
    pub procedures: Vec<ProcedureButton>,
    /// The fee, written out.
    pub fee: String,
    /// The document read: Vietnamese and English names.
    pub document_label: Option<(&'static str, &'static str)>,
    /// The field being corrected (the edit screen).
    pub edit: Option<FieldView>,
    /// The on-screen keyboard of the edit screen, its text the field's value to start with.
    pub keyboard: Option<KeyboardView>,
    /// The rating's faces.
    pub ratings: Vec<RatingButton>,
    /// Whether "Hủy / Cancel" is offered (before the copy is issued).
    pub cancellable: bool,
    /// The text sizes offered.
    pub text_sizes: [u8; 3],
    /// How the session ended: `issued`, `refused`, `cancelled`, `failed` (empty before).
    pub outcome_kind: &'static str,
    /// The copy issued, or the reason it was not.
    pub outcome_text: String,
}

fn screen_name(screen: Screen) -> &'static str {
    match screen {
        Screen::Start => "start",
        Screen::Identify => "identify",
        Screen::Face => "face",
        Screen::Scan => "scan",
        Screen::Fields => "fields",
        Screen::Fee => "fee",
        Screen::Receipt => "receipt",
        Screen::Rating => "rating",
        Screen::Over => "over",
    }
}

impl ScreenPage {
    /// The page for `view`; `edit` names a field to correct (shown only on the fields screen);
    /// `stale` shows the "this screen is out of date" screen instead.
    pub fn new(
        place: &str,
        view: DeskView,
        text_size: u8,
        called: bool,
        edit: Option<(&str, Option<&KeyboardState>)>,
        stale: bool,
    ) -> ScreenPage {
        let mut screen = screen_name(view.screen);
        let (edit, keyboard) = match (view.screen, edit) {
            (Screen::Fields, Some((name, typed))) => {
                match view.fields.iter().find(|f| f.name == name) {
                    Some(field) => {
                        let typed = typed.cloned().unwrap_or_else(|| KeyboardState {
                            text: field.value.clone(),
                            ..KeyboardState::default()
                        });
                        let keyboard = KeyboardView::new(
                            &format!("/fields/{}", field.name),
                            &format!(
                                "{} — giá trị đúng, có dấu (the right value, with tone marks)",
                                field.label
                            ),
                            &typed,
                            vec![("csrf".to_owned(), view.csrf.clone())],
                        );
                        (Some(field.clone()), Some(keyboard))
                    }
                    None => (None, None),
                }
            }
            _ => (None, None),
        };
        if edit.is_some() {
            screen = "edit";
        }
        if stale {
            screen = "stale";
        }
        let now = view.screen.step_number();
        // A session that ended with nothing issued did not go through the later steps.
        let issued_or_going =
            view.screen != Screen::Over || matches!(view.outcome, Some(Outcome::Issued { .. }));
        let steps = match now {
            None if view.screen == Screen::Start => Vec::new(),
            _ if !issued_or_going => Vec::new(),
            now => STEPS
                .iter()
                .enumerate()
                .map(|(index, &(_, vi, en))| {
                    let number = index + 1;
                    StepMark {
                        number,
                        vi,
                        en,
                        class: match now {
                            Some(now) if number < now => "done",
                            Some(now) if number == now => "now",
                            _ => "later",
                        },
                    }
                })
                .collect(),
        };
        let refresh_seconds = if view.screen == Screen::Start {
            0
        } else {
            view.idle_seconds_left + 1
        };
        let procedures = DocumentType::ALL
            .iter()
            .map(|kind| ProcedureButton {
                code: kind.code(),
                vi: kind.label_vi(),
                en: kind.label_en(),
            })
            .collect();
        let fee = view
            .fee_vnd
            .map(bansao_copy::fee::format_vnd)
            .unwrap_or_default();
        let document_label = view
            .document_type
            .map(|kind| (kind.label_vi(), kind.label_en()));
        let cancellable = matches!(
            view.screen,
            Screen::Identify | Screen::Face | Screen::Scan | Screen::Fields | Screen::Fee
        );
        let (outcome_kind, outcome_text) = match &view.outcome {
            Some(Outcome::Issued { copy_id }) => ("issued", copy_id.clone()),
            Some(Outcome::Refused(reason)) => ("refused", reason.clone()),
            Some(Outcome::Cancelled) => ("cancelled", String::new()),
            Some(Outcome::Failed(reason)) => ("failed", reason.clone()),
            None => ("", String::new()),
        };
        ScreenPage {
            text_sizes: [1, 2, 3],
            outcome_kind,
            outcome_text,
            place: place.to_owned(),
            screen,
            text_size: text_size.clamp(1, 3),
            steps,
            refresh_seconds,
            called,
            procedures,
            fee,
            document_label,
            edit,
            keyboard,
            ratings: RATINGS
                .iter()
                .map(|&(value, vi, en)| RatingButton {
                    value,
                    mouth_y: 46 + 10 * u32::from(value - 1),
                    vi,
                    en,
                })
                .collect(),
            cancellable,
            view,
        }
    }
}
