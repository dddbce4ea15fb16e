//! Reading one scanned page: binarise (`binarise`: black ink on white paper, the threshold
//! following the paper's own level), turn a page that lies a quarter turn round, straighten a crooked page
//! (`deskew`), OCR, try the page upside down when it reads poorly (a citizen can put the
//! original any way round on the glass), and run the Decree 23 checks, signs of alteration
//! (`alteration`) included.

use image::{DynamicImage, GrayImage, Luma};

use crate::binarise::binarise;
use crate::checks::{BLANK_INK_RATIO, PageRefusal, check_page};
use crate::ocr::{OcrEngine, OcrError, OcrPage};

/// Less ink than this share of the page (a quarter of [`BLANK_INK_RATIO`]: not even a short
/// line): blank without asking OCR.
pub const NO_INK_RATIO: f64 = BLANK_INK_RATIO / 4.0;

/// More ink than this share of the page: not a page of text (a photo, a dark or noisy scan).
/// Printed documents, stamps and decorated diploma borders included, stay far below.
pub const MAX_INK_RATIO: f64 = 0.40;

/// Below this mean word confidence the page is also read upside down.
const RETRY_UPSIDE_DOWN_BELOW: f32 = 75.0;

/// What was read on a page and whether the original may be certified.
#[derive(Debug, Clone)]
pub struct PageReading {
    /// The words read.
    pub ocr: OcrPage,
    /// The page lay upside down (it was read turned by 180°).
    pub upside_down: bool,
    /// How far the page was turned, clockwise, to be read: 0, 90, 180 or 270 degrees.
    pub turned_degrees: u16,
    /// The skew that was straightened, in degrees.
    pub skew_degrees: f32,
    /// Share of dark pixels after binarisation.
    pub ink_ratio: f64,
    /// Whether the page may be certified, or why not.
    pub verdict: Result<(), PageRefusal>,
}

fn score(page: &OcrPage) -> f32 {
    page.mean_confidence() * (page.words.len() as f32).sqrt()
}

/// A secrecy stamp inside one of the page's frames, level (`frames`) or stamped at a slant
/// (`tilted_frames`: turned level first), each frame's inside read on its own.
/// `unruled` is `upright` without its rules, where slanted frames are looked for.
fn framed_secrecy_mark(
    engine: &mut OcrEngine,
    upright: &GrayImage,
    unruled: &GrayImage,
    dpi: u32,
) -> Result<Option<&'static str>, OcrError> {
    for tilted in crate::tilted_frames::find_tilted_frames(unruled) {
        let level = crate::tilted_frames::levelled(upright, &tilted);
        if let Some(mark) = secrecy_mark_inside_frames(engine, &level, dpi)? {
            return Ok(Some(mark));
        }
    }
    secrecy_mark_inside_frames(engine, upright, dpi)
}

/// A secrecy stamp inside one of the level frames of `page`.
fn secrecy_mark_inside_frames(
    engine: &mut OcrEngine,
    page: &GrayImage,
    dpi: u32,
) -> Result<Option<&'static str>, OcrError> {
    for frame in crate::frames::find_frames(page) {
        let inset = frame.thickness + 3;
        if frame.width <= 2 * inset + 8 || frame.height <= 2 * inset + 8 {
            continue;
        }
        let inside = image::imageops::crop_imm(
            page,
            frame.left + inset,
            frame.top + inset,
            frame.width - 2 * inset,
            frame.height - 2 * inset,
        )
        .to_image();
        // A margin of paper round the crop, as Tesseract reads best.
        let mut padded =
            GrayImage::from_pixel(inside.width() + 40, inside.height() + 40, Luma([255]));
        image::imageops::replace(&mut padded, &inside, 20, 20);
        let reading = engine.read_grey(&padded, dpi)?;
        if let Some(mark) = crate::checks::framed_secrecy_mark(&reading) {
            return Ok(Some(mark));
        }
        // A stamp pressed over writing: its letters are bolder than the writing under them,
        // so the writing's thin strokes are taken off and the inside read again. Each reading
        // of a stamp so read is rough; two of them a letter from "MẬT" are a "MẬT".
        let mut near = usize::from(crate::checks::nearly_a_secrecy_mark(&reading));
        for radius in BOLD_STROKE_RADII {
            let bold = without_thin_strokes(&padded, radius);
            let reading = engine.read_grey(&bold, dpi)?;
            if let Some(mark) = crate::checks::framed_secrecy_mark(&reading) {
                return Ok(Some(mark));
            }
            near += usize::from(crate::checks::nearly_a_secrecy_mark(&reading));
        }
        if near >= 2 {
            return Ok(Some("MẬT"));
        }
    }
    Ok(None)
}

/// The half-widths, in pixels, of the strokes taken off a frame's inside, thinnest first: a
/// 13 pt heading's strokes are 4 to 6 pixels wide at 300 dpi, a stamp's letters twice that.
const BOLD_STROKE_RADII: [u32; 3] = [2, 3, 4];

/// `image` (black ink on white) without the strokes narrower than `2 × radius + 1` pixels: a
/// morphological opening of the ink (erosion, then dilation, by a square of that side).
pub fn without_thin_strokes(image: &GrayImage, radius: u32) -> GrayImage {
    // On white paper, eroding the ink is taking the lightest pixel around; dilating it back,
    // the darkest.
    let eroded = square_filter(image, radius, u8::max);
    square_filter(&eroded, radius, u8::min)
}

/// Each pixel replaced by `pick` of the pixels within `radius` of it (a square, rows then
/// columns).
fn square_filter(image: &GrayImage, radius: u32, pick: fn(u8, u8) -> u8) -> GrayImage {
    let (width, height) = image.dimensions();
    let pass = |source: &GrayImage, along_rows: bool| {
        GrayImage::from_fn(width, height, |x, y| {
            let (at, length) = if along_rows { (x, width) } else { (y, height) };
            let from = at.saturating_sub(radius);
            let to = (at + radius).min(length - 1);
            let mut value = source.get_pixel(x, y)[0];
            for step in from..=to {
                let pixel = if along_rows {
                    source.get_pixel(step, y)[0]
                } else {
                    source.get_pixel(x, step)[0]
                };
                value = pick(value, pixel);
            }
            Luma([value])
        })
    };
    let rows = pass(image, true);
    pass(&rows, false)
}

/// Reads one page scanned at `dpi`.
pub fn read_page(
    engine: &mut OcrEngine,
    image: &DynamicImage,
    dpi: u32,
) -> Result<PageReading, OcrError> {
    let gray = image.to_luma8();
    // Correction fluid is seen on the grey page, before binarisation turns it into paper.
    let altered = !crate::alteration::correction_patches(&gray, 128).is_empty();
    let (binary, ink_ratio) = binarise(&gray);
    // A blank page, or a photo rather than a document: no OCR (noise costs Tesseract minutes).
    if !(NO_INK_RATIO..=MAX_INK_RATIO).contains(&ink_ratio) {
        return Ok(PageReading {
            ocr: OcrPage { words: Vec::new() },
            upside_down: false,
            turned_degrees: 0,
            skew_degrees: 0.0,
            ink_ratio,
            verdict: Err(if ink_ratio < NO_INK_RATIO {
                PageRefusal::Blank
            } else {
                PageRefusal::Illegible
            }),
        });
    }
    let sideways = crate::deskew::lies_sideways(&binary);
    let binary = if sideways {
        image::imageops::rotate90(&binary)
    } else {
        binary
    };
    let (mut upright, skew_degrees) = crate::deskew::deskew(&binary);
    // Tesseract reads the page without its ruled lines; the frames are looked for with them.
    let (mut unruled, _) = crate::rules::without_rules(&upright, dpi);
    let mut ocr = engine.read_grey(&unruled, dpi)?;
    let mut upside_down = false;
    if ink_ratio > 0.0 && ocr.mean_confidence() < RETRY_UPSIDE_DOWN_BELOW {
        let turned_page = image::imageops::rotate180(&unruled);
        let turned = engine.read_grey(&turned_page, dpi)?;
        if score(&turned) > score(&ocr) {
            ocr = turned;
            upside_down = true;
            // The frames are looked for on the page as it was read.
            upright = image::imageops::rotate180(&upright);
            unruled = turned_page;
        }
    }
    let turned_degrees = match (sideways, upside_down) {
        (false, false) => 0,
        (false, true) => 180,
        (true, false) => 90,
        (true, true) => 270,
    };
    let mut verdict = check_page(&ocr, ink_ratio);
    if verdict.is_ok()
        && let Some(mark) = framed_secrecy_mark(engine, &upright, &unruled, dpi)?
    {
        verdict = Err(PageRefusal::Secret(mark.to_owned()));
    }
    if verdict.is_ok() && altered {
        verdict = Err(PageRefusal::Altered);
    }
    Ok(PageReading {
        ocr,
        upside_down,
        turned_degrees,
        skew_degrees,
        ink_ratio,
        verdict,
    })
}
