//! OCR of scanned pages: Tesseract through leptess, with Tesseract's Vietnamese data (Debian's
//! `tesseract-ocr-vie`, or a directory from config).
//!
//! An [`OcrEngine`] loads the model once and is reused page after page; it is not `Sync`, so
//! each worker thread owns one. Tesseract runs OpenMP threads of its own that thrash on two
//! cores: the process must start with `OMP_THREAD_LIMIT=1` (set in `.cargo/config.toml` for
//! tests and in the service's environment).

use std::ffi::{CStr, CString};
use std::path::Path;

use image::GrayImage;
use leptess::tesseract::TessApi;

/// OCR could not run.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// The language data is missing or unusable.
    #[error(
        "không nạp được dữ liệu nhận dạng chữ {language} (cannot load OCR data {language}) from {data}: {reason}"
    )]
    Init {
        /// The language.
        language: String,
        /// Where it was looked for.
        data: String,
        /// Why.
        reason: String,
    },
    /// The image could not be handed to Tesseract.
    #[error("ảnh không đọc được để nhận dạng (the image cannot be read for OCR): {0}")]
    Image(String),
    /// A Tesseract parameter was refused.
    #[error("tham số nhận dạng không hợp lệ (OCR parameter refused): {name} = {value}")]
    Parameter {
        /// The parameter.
        name: String,
        /// The value.
        value: String,
    },
    /// Tesseract's output was not text.
    #[error("kết quả nhận dạng không hợp lệ (OCR output is not valid text): {0}")]
    Output(String),
}

/// One recognised word.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    /// The word.
    pub text: String,
    /// Tesseract's confidence, 0–100.
    pub confidence: f32,
    /// Line it belongs to (block, paragraph, line), for putting words back into lines.
    pub line: (u32, u32, u32),
    /// Bounding box: left, top, width, height in pixels.
    pub bounds: (u32, u32, u32, u32),
}

/// What OCR read on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrPage {
    /// The words, in reading order.
    pub words: Vec<OcrWord>,
}

impl OcrPage {
    /// The text, one line per recognised line.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let mut line = None;
        for word in &self.words {
            if line.is_some() && line != Some(word.line) {
                text.push('\n');
            } else if line.is_some() {
                text.push(' ');
            }
            text.push_str(&word.text);
            line = Some(word.line);
        }
        text
    }

    /// Mean confidence over the words (0 with no words).
    pub fn mean_confidence(&self) -> f32 {
        if self.words.is_empty() {
            return 0.0;
        }
        self.words.iter().map(|w| w.confidence).sum::<f32>() / self.words.len() as f32
    }
}

/// A Tesseract engine with one language loaded.
pub struct OcrEngine {
    tesseract: TessApi,
}

impl std::fmt::Debug for OcrEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrEngine").finish_non_exhaustive()
    }
}

impl OcrEngine {
    /// Loads `language` (e.g. `vie`) from `data` (a `tessdata` directory; `None`: Tesseract's
    /// default, `/usr/share/tesseract-ocr/5/tessdata` on Debian).
    pub fn new(data: Option<&Path>, language: &str) -> Result<OcrEngine, OcrError> {
        let data_text = data.map(|path| path.display().to_string());
        let init_error = |reason: String| OcrError::Init {
            language: language.to_owned(),
            data: data_text
                .clone()
                .unwrap_or_else(|| "the default tessdata".to_owned()),
            reason,
        };
        // leptess would panic on a NUL byte in either.
        if language.contains('\0') || data_text.as_deref().is_some_and(|text| text.contains('\0')) {
            return Err(init_error("a NUL byte in the name".to_owned()));
        }
        let tesseract = TessApi::new(data_text.as_deref(), language)
            .map_err(|error| init_error(error.to_string()))?;
        Ok(OcrEngine { tesseract })
    }

    /// Sets one of Tesseract's parameters (`tessedit_pageseg_mode`, `thresholding_method`, …).
    pub fn set_parameter(&mut self, name: &str, value: &str) -> Result<(), OcrError> {
        let invalid = || OcrError::Parameter {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        let name_c = CString::new(name).map_err(|_| invalid())?;
        let value_c = CString::new(value).map_err(|_| invalid())?;
        self.tesseract
            .raw
            .set_variable(&name_c, &value_c)
            .map_err(|_| invalid())
    }

    /// Reads a page from an image file's bytes (PNG or JPEG) scanned at `dpi`.
    pub fn read(&mut self, image: &[u8], dpi: u32) -> Result<OcrPage, OcrError> {
        let pix = leptess::leptonica::pix_read_mem(image)
            .map_err(|error| OcrError::Image(error.to_string()))?;
        self.tesseract.set_image(&pix);
        self.recognise(dpi)
    }

    /// Reads a grey (or black and white) page scanned at `dpi`, handed to Tesseract as it is in
    /// memory (no encoding on the way).
    pub fn read_grey(&mut self, image: &GrayImage, dpi: u32) -> Result<OcrPage, OcrError> {
        let too_large = || OcrError::Image("ảnh quá lớn (image too large)".to_owned());
        let width = i32::try_from(image.width()).map_err(|_| too_large())?;
        let height = i32::try_from(image.height()).map_err(|_| too_large())?;
        self.tesseract
            .raw
            .set_image(image.as_raw(), width, height, 1, width)
            .map_err(|error| OcrError::Image(format!("{error:?}")))?;
        self.recognise(dpi)
    }

    fn recognise(&mut self, dpi: u32) -> Result<OcrPage, OcrError> {
        self.tesseract
            .raw
            .set_source_resolution(i32::try_from(dpi).unwrap_or(300));
        let tsv = self
            .tesseract
            .raw
            .get_tsv_text(0)
            .map_err(|_| OcrError::Output("Tesseract gave no text".to_owned()))?;
        let tsv: &CStr = tsv.as_ref();
        let tsv = tsv
            .to_str()
            .map_err(|error| OcrError::Output(error.to_string()))?;
        Ok(OcrPage {
            words: parse_tsv(tsv),
        })
    }
}

/// Words from Tesseract's TSV output (level 5 rows: `level page block paragraph line word left
/// top width height confidence text`).
///
/// Tesseract sometimes writes the Icelandic eth (Ð, U+00D0) for the Vietnamese Đ (U+0110) that
/// looks the same, and doubles it ("ĐÐH"): Vietnamese has no eth and never two Đ in a row.
fn vietnamese_letters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            'Ð' => 'Đ',
            'ð' => 'đ',
            other => other,
        };
        if !(c == 'Đ' && out.ends_with('Đ')) {
            out.push(c);
        }
    }
    out
}

fn parse_tsv(tsv: &str) -> Vec<OcrWord> {
    let mut words = Vec::new();
    for row in tsv.lines() {
        let columns: Vec<&str> = row.splitn(12, '\t').collect();
        let [
            level,
            _,
            block,
            paragraph,
            line,
            _,
            left,
            top,
            width,
            height,
            confidence,
            text,
        ] = columns[..]
        else {
            continue;
        };
        let number = |text: &str| text.trim().parse::<u32>().unwrap_or(0);
        if level != "5" || text.trim().is_empty() {
            continue;
        }
        words.push(OcrWord {
            text: vietnamese_letters(text.trim()),
            confidence: confidence.trim().parse().unwrap_or(0.0),
            line: (number(block), number(paragraph), number(line)),
            bounds: (number(left), number(top), number(width), number(height)),
        });
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_rows_become_words_in_lines() {
        let tsv = "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t96.5\tCỘNG\n\
                   5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t91\tHÒA\n\
                   4\t1\t1\t1\t2\t0\t0\t0\t0\t0\t-1\t\n\
                   5\t1\t1\t1\t2\t1\t10\t70\t30\t40\t88\tViệt\n";
        let page = OcrPage {
            words: parse_tsv(tsv),
        };
        assert_eq!(page.text(), "CỘNG HÒA\nViệt");
        assert_eq!(page.words[0].bounds, (10, 20, 30, 40));
        assert!((page.mean_confidence() - 91.833).abs() < 0.01);
    }

    #[test]
    fn the_eth_tesseract_sometimes_reads_is_the_vietnamese_d() {
        assert_eq!(vietnamese_letters("5001/ĐÐH"), "5001/ĐH");
        assert_eq!(vietnamese_letters("ÐH"), "ĐH");
        assert_eq!(vietnamese_letters("ðường"), "đường");
        assert_eq!(vietnamese_letters("Đức"), "Đức");
    }
}
