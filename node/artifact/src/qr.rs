//! QR codes for the copy: the module matrix (error-correction level Q) that the
//! PDF draws as vector squares, and a greyscale PNG of the same matrix for the
//! node's stand-alone QR image.
//!
//! Both the PDF and the PNG come from [`qr_matrix`], so they always show the
//! same code. The payload ("BS1:..." in the Base45 alphabet) falls entirely in
//! the QR alphanumeric mode, which is why a ~560-character payload still fits
//! a version ≤ 19 symbol at level Q.

use std::io::Cursor;

use qrcode::{Color, EcLevel, QrCode, Version};

use crate::error::QrError;

/// Width of the light border around the symbol, in modules, that the QR
/// specification requires for reliable scanning.
pub const QUIET_ZONE_MODULES: usize = 4;

/// Largest image side [`qr_png`] will produce, in pixels.
const MAX_PNG_SIDE_PIXELS: u64 = 8192;

/// The modules of one QR symbol (without quiet zone), level Q.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Number of modules per side (21 for version 1, 4 more per version).
    pub width: usize,
    /// QR version, 1 to 40.
    pub version: i16,
    /// Row-major, `width * width` entries, `true` for a dark module.
    dark_modules: Vec<bool>,
}

impl QrMatrix {
    /// Whether the module at column `x`, row `y` is dark; `false` outside the symbol.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        if x >= self.width || y >= self.width {
            return false;
        }
        self.dark_modules
            .get(y * self.width + x)
            .copied()
            .unwrap_or(false)
    }

    /// Horizontal runs of dark modules, as `(row, first_column, length)`.
    ///
    /// The PDF draws one rectangle per run rather than per module: fewer path
    /// operators and no hairline seams between horizontally adjacent modules.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// Encodes `text` as a QR code at error-correction level Q, choosing the
/// smallest version that holds it.
pub fn qr_matrix(text: &str) -> Result<QrMatrix, QrError> {
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q).map_err(|error| {
            match error {
                qrcode::types::QrError::DataTooLong => QrError::TooLong,
                other => QrError::Encode(other.to_string()),
            }
        })?;
    let version = match code.version() {
        Version::Normal(version) => version,
        // `with_error_correction_level` only ever picks normal versions.
        Version::Micro(_) => return Err(QrError::Encode("unexpected Micro QR version".into())),
    };
    let width = code.width();
    let dark_modules = code
        .to_colors()
        .into_iter()
        .map(|color| color == Color::Dark)
        .collect();
    Ok(QrMatrix {
        width,
        version,
        dark_modules,
    })
}

/// Renders `text` as an 8-bit greyscale PNG with a 4-module quiet zone, each
/// module `pixels_per_module` pixels square (black on white).
pub fn qr_png(text: &str, pixels_per_module: u32) -> Result<Vec<u8>, QrError> {
    let matrix = qr_matrix(text)?;
    let modules_per_side = matrix.width + 2 * QUIET_ZONE_MODULES;
    let side = u64::try_from(modules_per_side)
        .ok()
        .and_then(|modules| modules.checked_mul(u64::from(pixels_per_module)))
        .filter(|&side| side > 0 && side <= MAX_PNG_SIDE_PIXELS)
        .ok_or(QrError::InvalidScale(pixels_per_module))?;
    let side = u32::try_from(side).map_err(|_| QrError::InvalidScale(pixels_per_module))?;
    let scale = pixels_per_module as usize;

    let image = image::GrayImage::from_fn(side, side, |px, py| {
        let module_x = (px as usize / scale).checked_sub(QUIET_ZONE_MODULES);
        let module_y = (py as usize / scale).checked_sub(QUIET_ZONE_MODULES);
        let dark = match (module_x, module_y) {
            (Some(x), Some(y)) => matrix.is_dark(x, y),
            _ => false,
        };
        image::Luma([if dark { 0 } else { 255 }])
    });

    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|error| QrError::Png(error.to_string()))?;
    Ok(png.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 560 characters from the Base45 alphabet, like a real "BS1:" payload.
    fn base45_payload(len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let mut text = String::from("BS1:");
        let mut state: u32 = 12345;
        while text.len() < len {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            text.push(ALPHABET[(state >> 16) as usize % ALPHABET.len()] as char);
        }
        text
    }

    #[test]
    fn a_560_character_base45_payload_fits_version_19_at_level_q() {
        let matrix = qr_matrix(&base45_payload(560)).unwrap();
        assert!(matrix.version <= 19, "version {}", matrix.version);
        assert_eq!(matrix.width, 17 + 4 * matrix.version as usize);
    }

    #[test]
    fn short_text_gives_a_small_symbol_with_finder_patterns() {
        let matrix = qr_matrix("BS1:HELLO").unwrap();
        assert_eq!(matrix.version, 1);
        assert_eq!(matrix.width, 21);
        // The three finder patterns have dark corners; the module just inside
        // each finder's separator is light.
        for (x, y) in [(0, 0), (20, 0), (0, 20), (6, 6), (14, 0)] {
            assert!(matrix.is_dark(x, y), "({x}, {y}) should be dark");
        }
        assert!(!matrix.is_dark(7, 7));
        assert!(!matrix.is_dark(21, 0), "outside the symbol is light");
    }

    #[test]
    fn dark_runs_cover_exactly_the_dark_modules() {
        let matrix = qr_matrix(&base45_payload(100)).unwrap();
        let mut from_runs = vec![false; matrix.width * matrix.width];
        for (y, x, len) in matrix.dark_runs() {
            for dx in 0..len {
                from_runs[y * matrix.width + x + dx] = true;
            }
        }
        assert_eq!(from_runs, matrix.dark_modules);
    }

    #[test]
    fn too_long_text_is_an_error() {
        let text = "A".repeat(5000);
        assert!(matches!(qr_matrix(&text), Err(QrError::TooLong)));
    }

    #[test]
    fn png_has_quiet_zone_and_module_grid() {
        let text = base45_payload(560);
        let matrix = qr_matrix(&text).unwrap();
        let png = qr_png(&text, 3).unwrap();
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
        assert_eq!(image.color(), image::ColorType::L8);
        let image = image.to_luma8();
        let side = (matrix.width + 8) as u32 * 3;
        assert_eq!(image.dimensions(), (side, side));
        // The 4-module (12-pixel) border is white all round.
        for (x, y, pixel) in image.enumerate_pixels() {
            let in_quiet_zone = x < 12 || y < 12 || x >= side - 12 || y >= side - 12;
            if in_quiet_zone {
                assert_eq!(pixel.0[0], 255, "quiet zone pixel ({x}, {y}) is dark");
            }
        }
        // Every pixel inside matches its module.
        for y in 0..matrix.width {
            for x in 0..matrix.width {
                let pixel = image.get_pixel((x as u32 + 4) * 3 + 1, (y as u32 + 4) * 3 + 1);
                assert_eq!(pixel.0[0] == 0, matrix.is_dark(x, y), "module ({x}, {y})");
            }
        }
    }

    #[test]
    fn png_rejects_zero_and_huge_scales() {
        assert!(matches!(qr_png("BS1:X", 0), Err(QrError::InvalidScale(0))));
        assert!(matches!(
            qr_png("BS1:X", u32::MAX),
            Err(QrError::InvalidScale(_))
        ));
    }
}
