//! Turning a grey scan into black ink on white paper for OCR and the page checks.
//!
//! A scanner's page is not two levels: the paper is grey, lighter in one corner than another,
//! grainy and JPEG-blocky, and thin strokes blurred to a mid grey. One global threshold between
//! the ink and the paper (Otsu's) cuts those strokes away: at 300 dpi a blurred 11 pt letter
//! loses its hairlines and Tesseract reads "Lương" as "Lưcmg". So the threshold here follows
//! the paper: the page is first smoothed a little (3 × 3 mean: grain and single-pixel speckle
//! fade into the paper), the paper's own level is measured tile by tile (a bright percentile of
//! each tile, the brightest of its neighbours so a tile full of a bold title still finds its
//! paper), a pixel is ink where it is darker than [`INK_SHARE`] of the way from that paper to
//! the page's ink, and specks too small to be writing are made paper again.
//!
//! The two numbers were chosen on the tuning part of the drawn originals only
//! (`node/testkit/examples/ocr_variants.rs`; fields read exactly, of 162): a global threshold
//! 63; the paper-following one at 0.40 of the way 104, with specks removed: 0.22 108, 0.26
//! 124, 0.28 122, 0.30 124 (the best on heavy damage), 0.40 96; specks of ≤ 4 pixels removed
//! instead of ≤ 8: 113, of ≤ 16: 114. Tesseract's own thresholding of the grey page was over
//! five times slower (grain becomes thousands of blobs) and was not finished.

use image::{GrayImage, Luma};

/// Side of the tiles the paper level is measured in, in pixels (a few text lines at 300 dpi).
const TILE: u32 = 48;
/// Share of a tile's pixels darker than its paper level: a tile of text is far less than half
/// ink, so its 75th percentile is paper.
const PAPER_PERCENTILE: f64 = 0.75;
/// A pixel is ink when it is darker than this share of the way from the paper to the ink.
const INK_SHARE: f64 = 0.30;
/// Below this contrast between the page's ink and its paper (grey levels) there is no writing:
/// the page is all paper, or all dark.
const MIN_CONTRAST: u8 = 48;

/// The grey level below which lie `share` of the pixels counted in `histogram`.
fn level_at(histogram: &[u64; 256], share: f64) -> u8 {
    let total: u64 = histogram.iter().sum();
    let wanted = (total as f64 * share) as u64;
    let mut seen = 0;
    for (level, count) in histogram.iter().enumerate() {
        seen += count;
        if seen > wanted {
            return level as u8;
        }
    }
    255
}

fn histogram(image: &GrayImage) -> [u64; 256] {
    let mut histogram = [0u64; 256];
    for pixel in image.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    histogram
}

/// The 3 × 3 mean of `image` (edges repeat).
fn smooth(image: &GrayImage) -> GrayImage {
    let (width, height) = image.dimensions();
    if width < 3 || height < 3 {
        return image.clone();
    }
    let raw = image.as_raw();
    let (w, h) = (width as usize, height as usize);
    // Rows first, then columns; sums fit in u16 (3 × 255, then 9 × 255).
    let mut rows = vec![0u16; w * h];
    for y in 0..h {
        let line = &raw[y * w..(y + 1) * w];
        for x in 0..w {
            let left = line[x.saturating_sub(1)];
            let right = line[(x + 1).min(w - 1)];
            rows[y * w + x] = u16::from(left) + u16::from(line[x]) + u16::from(right);
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let (above, below) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            let sum = rows[above * w + x] + rows[y * w + x] + rows[below * w + x];
            out[y * w + x] = ((sum + 4) / 9) as u8;
        }
    }
    GrayImage::from_raw(width, height, out).unwrap_or_else(|| image.clone())
}

/// The paper's level in each tile, the brightest of each tile's 3 × 3 neighbourhood.
fn paper_levels(smoothed: &GrayImage) -> (Vec<u8>, usize, usize) {
    let (width, height) = smoothed.dimensions();
    let columns = width.div_ceil(TILE) as usize;
    let rows = height.div_ceil(TILE) as usize;
    let mut levels = vec![255u8; columns * rows];
    for row in 0..rows {
        for column in 0..columns {
            let mut histogram = [0u64; 256];
            let (left, top) = (column as u32 * TILE, row as u32 * TILE);
            for y in top..(top + TILE).min(height) {
                for x in left..(left + TILE).min(width) {
                    histogram[usize::from(smoothed.get_pixel(x, y).0[0])] += 1;
                }
            }
            levels[row * columns + column] = level_at(&histogram, PAPER_PERCENTILE);
        }
    }
    let mut brightest = levels.clone();
    for row in 0..rows {
        for column in 0..columns {
            let mut level = 0u8;
            for r in row.saturating_sub(1)..=(row + 1).min(rows - 1) {
                for c in column.saturating_sub(1)..=(column + 1).min(columns - 1) {
                    level = level.max(levels[r * columns + c]);
                }
            }
            brightest[row * columns + column] = level;
        }
    }
    (brightest, columns, rows)
}

/// The page in black and white, and its share of black pixels. A page with almost no contrast
/// stays white (blank paper) or turns all black (a dark frame, a covered lens) rather than
/// turning its grain into ink.
pub fn binarise(grey: &GrayImage) -> (GrayImage, f64) {
    binarise_with(grey, &Binarisation::default())
}

/// How [`binarise_with`] draws the line between ink and paper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Binarisation {
    /// A pixel is ink when darker than this share of the way from its paper to the ink.
    pub ink_share: f64,
    /// Ink specks of at most this many pixels become paper.
    pub speck_pixels: usize,
}

impl Default for Binarisation {
    fn default() -> Self {
        Binarisation {
            ink_share: INK_SHARE,
            speck_pixels: SPECK_PIXELS,
        }
    }
}

/// [`binarise`] with other settings (for measuring them).
pub fn binarise_with(grey: &GrayImage, settings: &Binarisation) -> (GrayImage, f64) {
    let (width, height) = grey.dimensions();
    let total = u64::from(width) * u64::from(height);
    let smoothed = smooth(grey);
    let histogram = histogram(&smoothed);
    // The page's ink: its darkest 0.02 % (even two short lines of text are more); its paper:
    // the median.
    let ink = level_at(&histogram, 0.0002);
    let paper = level_at(&histogram, 0.5);
    if paper.saturating_sub(ink) < MIN_CONTRAST
        && level_at(&histogram, 0.99).saturating_sub(ink) < MIN_CONTRAST
    {
        let dark = paper < 128;
        let level = if dark { 0 } else { 255 };
        return (
            GrayImage::from_pixel(width, height, Luma([level])),
            if dark { 1.0 } else { 0.0 },
        );
    }
    let (levels, columns, rows) = paper_levels(&smoothed);
    // The threshold of each tile, interpolated between tile centres row by row.
    let threshold_of = |level: u8| -> f64 {
        let level = f64::from(level.max(ink));
        level - settings.ink_share * (level - f64::from(ink))
    };
    let thresholds: Vec<f64> = levels.iter().map(|level| threshold_of(*level)).collect();
    let mut out = vec![255u8; (total) as usize];
    let mut dark = 0u64;
    let half = f64::from(TILE) / 2.0;
    let raw = smoothed.as_raw();
    let mut line = vec![0f64; width as usize];
    // Where each column falls between tile columns: the same on every row.
    let between_columns: Vec<(usize, usize, f64)> = (0..width as usize)
        .map(|x| {
            let fx = ((x as f64 - half) / f64::from(TILE)).clamp(0.0, (columns - 1) as f64);
            let (column_a, column_b) = (fx.floor() as usize, (fx.ceil() as usize).min(columns - 1));
            (column_a, column_b, fx - column_a as f64)
        })
        .collect();
    for y in 0..height {
        // Vertical position between tile rows.
        let fy = ((f64::from(y) - half) / f64::from(TILE)).clamp(0.0, (rows - 1) as f64);
        let (row_a, row_b) = (fy.floor() as usize, (fy.ceil() as usize).min(rows - 1));
        let ty = fy - row_a as f64;
        for (value, &(column_a, column_b, tx)) in line.iter_mut().zip(&between_columns) {
            let at = |row: usize, column: usize| thresholds[row * columns + column];
            let upper = at(row_a, column_a) * (1.0 - tx) + at(row_a, column_b) * tx;
            let lower = at(row_b, column_a) * (1.0 - tx) + at(row_b, column_b) * tx;
            *value = upper * (1.0 - ty) + lower * ty;
        }
        let start = y as usize * width as usize;
        for (x, threshold) in line.iter().enumerate() {
            if f64::from(raw[start + x]) <= *threshold {
                out[start + x] = 0;
                dark += 1;
            }
        }
    }
    dark -= despeckle(
        &mut out,
        width as usize,
        height as usize,
        settings.speck_pixels,
    );
    dark -= remove_isolated_specks(&mut out, width as usize, height as usize);
    let binary = GrayImage::from_raw(width, height, out)
        .unwrap_or_else(|| GrayImage::from_pixel(width, height, Luma([255])));
    (binary, dark as f64 / total.max(1) as f64)
}

/// Ink specks of at most this many pixels (8-connected) are taken for grain, dust and JPEG
/// noise and made paper: the smallest mark of writing at 300 dpi, the dot under "ạ", has ~20.
const SPECK_PIXELS: usize = 8;

/// Removes the specks of at most `speck` pixels from `pixels` (0 = ink, row-major `width` ×
/// `height`); returns how many ink pixels were removed.
fn despeckle(pixels: &mut [u8], width: usize, height: usize, speck: usize) -> u64 {
    let mut seen = vec![false; pixels.len()];
    let mut component = Vec::with_capacity(SPECK_PIXELS + 1);
    let mut stack = Vec::new();
    let mut removed = 0u64;
    for start in 0..pixels.len() {
        if pixels[start] != 0 || seen[start] {
            continue;
        }
        // Flood the component, but stop collecting once it is larger than a speck.
        component.clear();
        stack.clear();
        stack.push(start);
        seen[start] = true;
        let mut size = 0usize;
        while let Some(at) = stack.pop() {
            size += 1;
            if component.len() <= speck {
                component.push(at);
            }
            let (x, y) = (at % width, at / width);
            for dy in [-1isize, 0, 1] {
                for dx in [-1isize, 0, 1] {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    if nx < 0 || ny < 0 || nx >= width as isize || ny >= height as isize {
                        continue;
                    }
                    let next = ny as usize * width + nx as usize;
                    if pixels[next] == 0 && !seen[next] {
                        seen[next] = true;
                        stack.push(next);
                    }
                }
            }
        }
        if size <= speck {
            for at in &component {
                pixels[*at] = 255;
            }
            removed += size as u64;
        }
    }
    removed
}

/// Larger specks — a scanner's dust, a heavy grain's clumps — are told from writing by
/// standing alone: a speck of at most this many pixels ...
const ISOLATED_SPECK_PIXELS: usize = 80;
/// ... with no other ink within this many pixels (a letter's dot, tone mark or the full stop
/// after a word is within a few pixels of its letters; 20 px is 1.7 mm at 300 dpi).
const ISOLATION: usize = 20;

/// Removes the small specks that stand alone ([`ISOLATED_SPECK_PIXELS`], [`ISOLATION`]) from
/// `pixels` (0 = ink); returns how many ink pixels were removed.
fn remove_isolated_specks(pixels: &mut [u8], width: usize, height: usize) -> u64 {
    // Every component labelled (1-based), with its size and box.
    let mut labels = vec![0u32; pixels.len()];
    let mut components: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    let mut stack = Vec::new();
    for start in 0..pixels.len() {
        if pixels[start] != 0 || labels[start] != 0 {
            continue;
        }
        let label = u32::try_from(components.len() + 1).unwrap_or(u32::MAX);
        let (mut left, mut top, mut right, mut bottom) = (usize::MAX, usize::MAX, 0, 0);
        let mut size = 0;
        labels[start] = label;
        stack.push(start);
        while let Some(at) = stack.pop() {
            size += 1;
            let (x, y) = (at % width, at / width);
            (left, top, right, bottom) = (left.min(x), top.min(y), right.max(x), bottom.max(y));
            for ny in y.saturating_sub(1)..(y + 2).min(height) {
                for nx in x.saturating_sub(1)..(x + 2).min(width) {
                    let next = ny * width + nx;
                    if pixels[next] == 0 && labels[next] == 0 {
                        labels[next] = label;
                        stack.push(next);
                    }
                }
            }
        }
        components.push((size, left, top, right, bottom));
    }
    let mut removed = 0u64;
    for (index, &(size, left, top, right, bottom)) in components.iter().enumerate() {
        if size > ISOLATED_SPECK_PIXELS {
            continue;
        }
        let own = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let (x0, y0) = (
            left.saturating_sub(ISOLATION),
            top.saturating_sub(ISOLATION),
        );
        let (x1, y1) = (
            (right + ISOLATION + 1).min(width),
            (bottom + ISOLATION + 1).min(height),
        );
        let alone = (y0..y1).all(|y| {
            labels[y * width + x0..y * width + x1]
                .iter()
                .all(|&label| label == 0 || label == own)
        });
        if alone {
            for y in top..=bottom {
                for x in left..=right {
                    if labels[y * width + x] == own {
                        pixels[y * width + x] = 255;
                    }
                }
            }
            removed += size as u64;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of `paper` with a vertical stroke of `ink`, `stroke` pixels wide, blurred.
    fn stroke_page(paper: u8, ink: u8, stroke: u32, sigma: f32) -> GrayImage {
        let page = GrayImage::from_fn(400, 300, |x, y| {
            let on = (100..100 + stroke).contains(&x) && (50..250).contains(&y)
                || (200..300).contains(&x) && (140..140 + stroke).contains(&y);
            Luma([if on { ink } else { paper }])
        });
        image::imageops::blur(&page, sigma)
    }

    fn black(binary: &GrayImage, x: u32, y: u32) -> bool {
        binary.get_pixel(x, y).0[0] == 0
    }

    #[test]
    fn a_thin_blurred_stroke_stays_ink() {
        let page = stroke_page(228, 60, 3, 1.0);
        let (binary, ratio) = binarise(&page);
        assert!(black(&binary, 101, 150), "the stroke's middle is ink");
        assert!(!black(&binary, 50, 150), "the paper is paper");
        assert!(ratio > 0.0 && ratio < 0.05, "{ratio}");
    }

    #[test]
    fn uneven_light_and_grain_do_not_turn_into_ink() {
        let mut page = stroke_page(230, 60, 4, 0.8);
        let mut seed = 12345u32;
        for (x, y, pixel) in page.enumerate_pixels_mut() {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let grain = (seed >> 16) % 41;
            // Darker towards the bottom right by up to 60 levels, and ±20 of grain.
            let shade = (x + y) * 60 / 700;
            let level = i32::from(pixel.0[0]) - shade as i32 + grain as i32 - 20;
            pixel.0 = [level.clamp(0, 255) as u8];
        }
        let (binary, _) = binarise(&page);
        assert!(black(&binary, 102, 150));
        let stray = binary
            .enumerate_pixels()
            .filter(|(x, y, pixel)| pixel.0[0] == 0 && (*x > 320 || *y > 270))
            .count();
        assert!(stray < 20, "{stray} stray ink pixels in the shaded corner");
    }

    #[test]
    fn specks_are_removed_and_a_diacritic_dot_is_kept() {
        let page = GrayImage::from_fn(200, 200, |x, y| {
            let speck = (50..52).contains(&x) && (50..52).contains(&y);
            // Dust: larger than a speck, but alone.
            let dust = (50..57).contains(&x) && (100..107).contains(&y);
            // A dot 6 px above its letter's stroke.
            let dot = (120..125).contains(&x) && (149..154).contains(&y);
            let line = (20..180).contains(&x) && (160..166).contains(&y);
            Luma([if speck || dust || dot || line {
                40
            } else {
                230
            }])
        });
        let (binary, _) = binarise(&page);
        assert!(!black(&binary, 50, 50), "the speck is gone");
        assert!(!black(&binary, 53, 103), "the dust is gone");
        assert!(black(&binary, 122, 151), "the dot stays");
        assert!(black(&binary, 100, 162), "the line stays");
    }

    #[test]
    fn a_blank_page_stays_white_and_a_dark_frame_black() {
        let (white, ratio) = binarise(&GrayImage::from_pixel(200, 200, Luma([230])));
        assert_eq!(ratio, 0.0);
        assert!(white.pixels().all(|p| p.0[0] == 255));
        let (_, ratio) = binarise(&GrayImage::from_pixel(200, 200, Luma([20])));
        assert_eq!(ratio, 1.0);
    }

    #[test]
    fn a_tile_full_of_ink_finds_its_paper_from_its_neighbours() {
        // A 60 × 60 black square (a bold title's letter, a seal's centre) is ink to its middle.
        let page = GrayImage::from_fn(300, 300, |x, y| {
            let on = (100..160).contains(&x) && (100..160).contains(&y);
            Luma([if on { 50 } else { 225 }])
        });
        let (binary, _) = binarise(&page);
        assert!(black(&binary, 130, 130));
        assert!(!black(&binary, 50, 50));
    }
}
