//! Reading one scanned page: binarise (Otsu's threshold, so grey paper and faint scans become
//! black on white), turn a page that lies a quarter turn round, straighten a crooked page
//! (`deskew`), OCR, try the page upside down when it reads poorly (a citizen can put the
//! original any way round on the glass), and run the Decree 23 checks, signs of alteration
//! (`alteration`) included.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Luma};

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

/// Otsu's threshold: the grey level that best separates ink from paper.
pub fn otsu_threshold(image: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for pixel in image.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, count)| level as f64 * *count as f64)
        .sum();
    let (mut background_weight, mut background_sum) = (0u64, 0.0f64);
    let (mut best, mut best_variance) = (127u8, -1.0f64);
    for (level, count) in histogram.iter().enumerate() {
        background_weight += count;
        if background_weight == 0 {
            continue;
        }
        let foreground_weight = total - background_weight;
        if foreground_weight == 0 {
            break;
        }
        background_sum += level as f64 * *count as f64;
        let background_mean = background_sum / background_weight as f64;
        let foreground_mean = (sum - background_sum) / foreground_weight as f64;
        let variance = background_weight as f64
            * foreground_weight as f64
            * (background_mean - foreground_mean).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = level as u8;
        }
    }
    best
}

/// The page in black and white, and its share of black pixels. A page with almost no contrast
/// stays white (blank paper) or turns all black (a dark frame) rather than turning its grain
/// into ink.
pub fn binarise(image: &DynamicImage) -> (GrayImage, f64) {
    binarise_grey(image.to_luma8())
}

/// [`binarise`] of a grey page, in place.
fn binarise_grey(mut gray: GrayImage) -> (GrayImage, f64) {
    // Contrast between the darkest 0.02 % and the lightest percent of the page (even two short
    // lines of text are more), so paper grain and JPEG noise on a blank
    // page are not taken for ink.
    let mut histogram = [0u64; 256];
    for pixel in gray.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total = u64::from(gray.width()) * u64::from(gray.height());
    let level_at = |share: f64| {
        let wanted = (total as f64 * share) as u64;
        let mut seen = 0;
        for (level, count) in histogram.iter().enumerate() {
            seen += count;
            if seen > wanted {
                return level as u8;
            }
        }
        255
    };
    let contrast = level_at(0.99).saturating_sub(level_at(0.0002)) >= 48;
    // On a sparse page (two lines of text) Otsu splits the paper's own grain; the threshold
    // never goes above halfway between the ink and the paper.
    let halfway = ((u16::from(level_at(0.0002)) + u16::from(level_at(0.5))) / 2) as u8;
    let threshold = otsu_threshold(&gray).min(halfway);
    // Without contrast the page is all paper (blank) or, when dark, all ink (a black frame,
    // a covered lens): never blank paper.
    let uniform_dark = level_at(0.5) < 128;
    let mut dark = 0u64;
    for pixel in gray.pixels_mut() {
        let black = if contrast {
            pixel.0[0] <= threshold
        } else {
            uniform_dark
        };
        dark += u64::from(black);
        *pixel = Luma([if black { 0 } else { 255 }]);
    }
    (gray, dark as f64 / total.max(1) as f64)
}

fn png(image: &GrayImage) -> Result<Vec<u8>, OcrError> {
    let mut bytes = Vec::new();
    DynamicImage::ImageLuma8(image.clone())
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .map_err(|error| OcrError::Image(error.to_string()))?;
    Ok(bytes)
}

fn score(page: &OcrPage) -> f32 {
    page.mean_confidence() * (page.words.len() as f32).sqrt()
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
    let (binary, ink_ratio) = binarise_grey(gray);
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
    let (binary, skew_degrees) = crate::deskew::deskew(&binary);
    let mut ocr = engine.read(&png(&binary)?, dpi)?;
    let mut upside_down = false;
    if ink_ratio > 0.0 && ocr.mean_confidence() < RETRY_UPSIDE_DOWN_BELOW {
        let turned = engine.read(&png(&image::imageops::rotate180(&binary))?, dpi)?;
        if score(&turned) > score(&ocr) {
            ocr = turned;
            upside_down = true;
        }
    }
    let turned_degrees = match (sideways, upside_down) {
        (false, false) => 0,
        (false, true) => 180,
        (true, false) => 90,
        (true, true) => 270,
    };
    let mut verdict = check_page(&ocr, ink_ratio);
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
