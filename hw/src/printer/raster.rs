//! Text and QR codes as printer dots. Thermal printers print Vietnamese diacritics unreliably
//! from their code pages, so every Vietnamese line is drawn here, with a real font, into a
//! 1-bit image as wide as the paper, and sent as an ESC/POS raster (`GS v 0`).

use std::path::Path;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};

use crate::printer::PrinterError;

/// Rows sent per `GS v 0` command (many printers cap one raster's height).
const BAND_ROWS: u32 = 240;

/// A 1-bit image, rows packed 8 dots a byte, most significant bit first, 1 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    bytes: Vec<u8>,
}

impl Bitmap {
    /// A white image `width` dots wide (rounded up to whole bytes) and `height` dots high.
    pub fn new(width: u32, height: u32) -> Bitmap {
        let width = width.div_ceil(8) * 8;
        Bitmap {
            width,
            height,
            bytes: vec![0; (width / 8 * height) as usize],
        }
    }

    /// Width in dots.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in dots.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Blackens the dot at (`x`, `y`); outside the image, nothing.
    pub fn set(&mut self, x: i64, y: i64) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let index = (y as u32 * (self.width / 8) + x as u32 / 8) as usize;
        if let Some(byte) = self.bytes.get_mut(index) {
            *byte |= 0x80 >> (x % 8);
        }
    }

    /// Whether the dot at (`x`, `y`) is black.
    pub fn get(&self, x: u32, y: u32) -> bool {
        let index = (y * (self.width / 8) + x / 8) as usize;
        self.bytes
            .get(index)
            .is_some_and(|byte| byte & (0x80 >> (x % 8)) != 0)
    }

    /// How many dots are black.
    pub fn black_dots(&self) -> u32 {
        self.bytes.iter().map(|byte| byte.count_ones()).sum()
    }

    /// The image as ESC/POS `GS v 0` raster commands, in bands of at most 240 rows.
    pub fn to_escpos(&self) -> Vec<u8> {
        let row_bytes = self.width / 8;
        let mut out = Vec::with_capacity(self.bytes.len() + 16);
        let mut top = 0;
        while top < self.height {
            let rows = BAND_ROWS.min(self.height - top);
            out.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00]);
            out.extend_from_slice(&(row_bytes as u16).to_le_bytes());
            out.extend_from_slice(&(rows as u16).to_le_bytes());
            let start = (top * row_bytes) as usize;
            let end = ((top + rows) * row_bytes) as usize;
            out.extend_from_slice(self.bytes.get(start..end).unwrap_or_default());
            top += rows;
        }
        out
    }
}

/// Draws lines of text with one TrueType font at one size.
#[derive(Debug)]
pub struct TextRenderer {
    font: FontVec,
    pixels: f32,
}

impl TextRenderer {
    /// Loads a TrueType or OpenType font (e.g. Debian's DejaVu Sans) to draw at `pixels` dots
    /// per em (24 dots is about 3 mm at 203 dpi).
    pub fn from_file(path: &Path, pixels: f32) -> Result<TextRenderer, PrinterError> {
        let bytes = std::fs::read(path).map_err(|source| PrinterError::Font {
            path: path.display().to_string(),
            reason: source.to_string(),
        })?;
        TextRenderer::from_bytes(bytes, &path.display().to_string(), pixels)
    }

    /// A font already in memory (`name` identifies it in errors).
    pub fn from_bytes(
        bytes: Vec<u8>,
        name: &str,
        pixels: f32,
    ) -> Result<TextRenderer, PrinterError> {
        let font = FontVec::try_from_vec(bytes).map_err(|error| PrinterError::Font {
            path: name.to_owned(),
            reason: error.to_string(),
        })?;
        Ok(TextRenderer { font, pixels })
    }

    fn width_of(&self, text: &str) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(self.pixels));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                width += scaled.kern(previous, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// Splits `text` into lines that fit `width` dots, at spaces (a word longer than a line is
    /// cut where it must be).
    pub fn wrap(&self, text: &str, width: u32) -> Vec<String> {
        let limit = width as f32;
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width_of(&candidate) <= limit {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.width_of(&piece) > limit && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Draws `text` wrapped to `width` dots, each line centred when `centred`.
    pub fn render(&self, text: &str, width: u32, centred: bool) -> Bitmap {
        let scaled = self.font.as_scaled(PxScale::from(self.pixels));
        let line_height = (scaled.height() + scaled.line_gap()).ceil().max(1.0);
        let lines = self.wrap(text, width);
        let height = (line_height * lines.len() as f32).ceil() as u32;
        let mut bitmap = Bitmap::new(width, height);
        for (index, line) in lines.iter().enumerate() {
            let left = if centred {
                ((width as f32 - self.width_of(line)) / 2.0).max(0.0)
            } else {
                0.0
            };
            let baseline = line_height * index as f32 + scaled.ascent();
            let mut x = left;
            let mut previous = None;
            for c in line.chars() {
                let id = scaled.glyph_id(c);
                if let Some(previous) = previous {
                    x += scaled.kern(previous, id);
                }
                let glyph = id.with_scale_and_position(self.pixels, point(x, baseline));
                x += scaled.h_advance(id);
                previous = Some(id);
                if let Some(outline) = self.font.outline_glyph(glyph) {
                    let bounds = outline.px_bounds();
                    outline.draw(|gx, gy, coverage| {
                        if coverage >= 0.5 {
                            bitmap.set(
                                bounds.min.x as i64 + i64::from(gx),
                                bounds.min.y as i64 + i64::from(gy),
                            );
                        }
                    });
                }
            }
        }
        bitmap
    }
}

/// Lines of text drawn black on white one under another, wrapped to a page `width` pixels wide
/// with `margin` pixels on every side and `gap` pixels between lines: what sample documents
/// for the tests and the benchmark are made of (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub fn text_page(
    renderer: &TextRenderer,
    lines: &[&str],
    width: u32,
    margin: u32,
    gap: u32,
) -> image::GrayImage {
    let inner = width.saturating_sub(2 * margin).max(1);
    let rendered: Vec<Bitmap> = lines
        .iter()
        .map(|line| renderer.render(line, inner, false))
        .collect();
    let height = rendered.iter().map(|b| b.height() + gap).sum::<u32>() + 2 * margin;
    let mut page = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    let mut top = margin;
    for bitmap in &rendered {
        for y in 0..bitmap.height() {
            for x in 0..bitmap.width() {
                if bitmap.get(x, y) {
                    page.put_pixel(margin + x, top + y, image::Luma([0]));
                }
            }
        }
        top += bitmap.height() + gap;
    }
    page
}

/// A QR code drawn as dots, each module `module` dots square, centred in `width` dots, with the
/// four-module quiet zone.
pub fn qr_bitmap(text: &str, width: u32, module: u32) -> Result<Bitmap, PrinterError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| PrinterError::Qr(error.to_string()))?;
    let modules = code.width() as u32;
    let side = (modules + 8) * module;
    if side > width {
        return Err(PrinterError::Qr(format!(
            "a {modules}-module code at {module} dots a module does not fit {width} dots"
        )));
    }
    let mut bitmap = Bitmap::new(width, side);
    let left = (width - side) / 2 + 4 * module;
    let colors = code.to_colors();
    for (index, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (index as u32 % modules, index as u32 / modules);
        for dy in 0..module {
            for dx in 0..module {
                bitmap.set(
                    i64::from(left + mx * module + dx),
                    i64::from(4 * module + my * module + dy),
                );
            }
        }
    }
    Ok(bitmap)
}
