//! Straightening a page put crooked on the scanner glass. The skew of a text page is the angle
//! at which its rows of text line up best: the horizontal projection of its ink is then most
//! peaked (highest variance). Small angles only; a page put on the glass a quarter turn round
//! is told by the same measure ([`lies_sideways`]: its columns, not its rows, are peaked), and
//! one upside down by reading it turned (see `page`).

use image::{GrayImage, Luma};

/// Angles tried, in degrees either side of level.
pub const MAX_SKEW_DEGREES: f32 = 6.0;
/// Step between the angles tried, in degrees.
const STEP_DEGREES: f32 = 0.25;
/// At most this many ink pixels are used to measure (evenly sampled), to bound the work.
const SAMPLE: usize = 60_000;

/// The skew of a black-on-white page in degrees (positive: the text rises to the right as the
/// page is seen), in steps of a quarter degree.
pub fn estimate_skew(binary: &GrayImage) -> f32 {
    let ink: Vec<(f32, f32)> = binary
        .enumerate_pixels()
        .filter(|(_, _, pixel)| pixel.0[0] < 128)
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    if ink.len() < 100 {
        return 0.0;
    }
    let stride = ink.len().div_ceil(SAMPLE);
    let points: Vec<(f32, f32)> = ink.into_iter().step_by(stride).collect();
    let rows = (binary.height() + binary.width()) as usize * 2 + 1;
    let offset = binary.width() as f32 + 1.0;
    let mut best = (0.0f32, f64::MIN);
    let steps = (MAX_SKEW_DEGREES / STEP_DEGREES).round() as i32;
    for step in -steps..=steps {
        let angle = step as f32 * STEP_DEGREES;
        let (sin, cos) = angle.to_radians().sin_cos();
        let mut histogram = vec![0u32; rows];
        for (x, y) in &points {
            // The row a point falls in once the page is turned back by `angle`.
            let row = (y * cos + x * sin + offset).round();
            if row >= 0.0 && (row as usize) < rows {
                histogram[row as usize] += 1;
            }
        }
        let n = histogram.len() as f64;
        let mean = histogram.iter().map(|&c| f64::from(c)).sum::<f64>() / n;
        let variance = histogram
            .iter()
            .map(|&c| (f64::from(c) - mean).powi(2))
            .sum::<f64>()
            / n;
        if variance > best.1 {
            best = (angle, variance);
        }
    }
    best.0
}

/// `binary` turned by `degrees` about its centre (positive: counter-clockwise as seen), same
/// size, white where nothing maps (nearest-neighbour: the page is black and white already).
pub fn rotate(binary: &GrayImage, degrees: f32) -> GrayImage {
    let (width, height) = binary.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    GrayImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        // Inverse mapping: where this output pixel comes from.
        let sx = cos * dx - sin * dy + cx;
        let sy = sin * dx + cos * dy + cy;
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < width && (sy as u32) < height {
            *binary.get_pixel(sx as u32, sy as u32)
        } else {
            Luma([255])
        }
    })
}

/// How peaked a projection is: its variance over its mean squared, between its first and last
/// non-empty bins (margins do not count).
fn peakedness(histogram: &[u32]) -> f64 {
    let first = histogram.iter().position(|count| *count > 0);
    let last = histogram.iter().rposition(|count| *count > 0);
    let (Some(first), Some(last)) = (first, last) else {
        return 0.0;
    };
    let bins = &histogram[first..=last];
    let mean = bins.iter().map(|count| f64::from(*count)).sum::<f64>() / bins.len() as f64;
    if mean == 0.0 {
        return 0.0;
    }
    let variance = bins
        .iter()
        .map(|count| (f64::from(*count) - mean).powi(2))
        .sum::<f64>()
        / bins.len() as f64;
    variance / (mean * mean)
}

/// Bins of this many pixels for [`lies_sideways`]: a fraction of a text line at 300 dpi.
const ORIENTATION_BIN: u32 = 6;

/// Whether the text of a black-on-white page runs up or down the page (the page lies a quarter
/// turn round): ink projected onto the columns is more peaked than onto the rows.
pub fn lies_sideways(binary: &GrayImage) -> bool {
    let (width, height) = binary.dimensions();
    let mut rows = vec![0u32; (height / ORIENTATION_BIN + 1) as usize];
    let mut columns = vec![0u32; (width / ORIENTATION_BIN + 1) as usize];
    let mut ink = 0u64;
    for (x, y, pixel) in binary.enumerate_pixels() {
        if pixel.0[0] < 128 {
            rows[(y / ORIENTATION_BIN) as usize] += 1;
            columns[(x / ORIENTATION_BIN) as usize] += 1;
            ink += 1;
        }
    }
    ink >= 1_000 && peakedness(&columns) > 1.4 * peakedness(&rows)
}

/// The page made level, and the skew that was removed.
pub fn deskew(binary: &GrayImage) -> (GrayImage, f32) {
    let skew = estimate_skew(binary);
    if skew.abs() < STEP_DEGREES {
        return (binary.clone(), 0.0);
    }
    (rotate(binary, -skew), skew)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three long horizontal bars, like lines of text.
    fn lines() -> GrayImage {
        GrayImage::from_fn(800, 400, |x, y| {
            let on_line = [100, 200, 300]
                .iter()
                .any(|&top| (top..top + 12).contains(&y));
            Luma([if on_line && (100..700).contains(&x) {
                0
            } else {
                255
            }])
        })
    }

    #[test]
    fn a_page_a_quarter_turn_round_lies_sideways() {
        assert!(!lies_sideways(&lines()));
        assert!(lies_sideways(&image::imageops::rotate90(&lines())));
        assert!(lies_sideways(&image::imageops::rotate270(&rotate(
            &lines(),
            2.0
        ))));
        assert!(!lies_sideways(&GrayImage::from_pixel(
            100,
            100,
            Luma([255])
        )));
    }

    #[test]
    fn a_turned_page_is_measured_and_made_level() {
        assert_eq!(estimate_skew(&lines()), 0.0);
        for degrees in [-3.0f32, 2.0, 4.5] {
            let turned = rotate(&lines(), degrees);
            let measured = estimate_skew(&turned);
            assert!(
                (measured.abs() - degrees.abs()).abs() <= 0.5,
                "{degrees}° measured as {measured}°"
            );
            let (level, removed) = deskew(&turned);
            assert!(
                estimate_skew(&level).abs() <= 0.5,
                "{degrees}° left {}",
                estimate_skew(&level)
            );
            assert!((removed - measured).abs() < f32::EPSILON);
        }
        // A blank page has no skew.
        assert_eq!(
            estimate_skew(&GrayImage::from_pixel(100, 100, Luma([255]))),
            0.0
        );
    }
}
