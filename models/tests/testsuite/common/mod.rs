//! Helpers shared by the perception tests: pages drawn with a real font, made to look scanned.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use bansao_hw::printer::raster::{TextRenderer, text_page};

/// The face photos deploy/setup.sh fetches.
pub fn photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(bansao_models::evaluation::PHOTOS_DIR)
}

/// A white A5-ish page at 300 dpi with `lines` in black, as PNG bytes.
pub fn page(lines: &[&str]) -> Vec<u8> {
    let font = TextRenderer::from_file(
        Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        48.0,
    )
    .unwrap();
    let image = text_page(&font, lines, 1600, 100, 20);
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

/// 1 − (edit distance ÷ length of the truth), over characters.
pub fn character_accuracy(truth: &str, read: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (truth.chars().collect(), read.chars().collect());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    1.0 - previous[b.len()] as f64 / a.len() as f64
}

/// `png` decoded, turned 180°, on grey paper with faint noise, as a scanner might give it.
pub fn scanned(png: &[u8], upside_down: bool) -> image::DynamicImage {
    let mut gray = image::load_from_memory(png).unwrap().to_luma8();
    let mut noise = 0x9E37_79B9_7F4A_7C15u64;
    for pixel in gray.pixels_mut() {
        noise ^= noise << 13;
        noise ^= noise >> 7;
        noise ^= noise << 17;
        let value = if pixel.0[0] < 128 { 60 } else { 200 };
        pixel.0[0] = (value + (noise % 31) as i32 - 15) as u8;
    }
    if upside_down {
        gray = image::imageops::rotate180(&gray);
    }
    image::DynamicImage::ImageLuma8(gray)
}
