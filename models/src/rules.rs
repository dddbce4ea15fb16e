//! Ruled lines taken off a binarised page before OCR: a form's table grid, the underline below
//! a heading, the box round a stamp. Tesseract takes a ruled table for one picture and reads
//! none of its cells (a clean birth certificate laid out as a table gave no field at all), so
//! the page it reads keeps the writing and loses the rules. The page checks that look for
//! boxes ([`crate::frames`]) are given the page with its rules.
//!
//! A rule is ink that runs straight for a long way ([`RULE_LENGTH_MM`], longer than any stroke
//! of a letter, a title's included) and is thin across ([`RULE_THICKNESS_MM`]). Where writing
//! touches a rule the ink is thicker across and is kept, so letters stay whole; where two rules
//! cross, both runs are long and the crossing goes too. A solid black block is taken off as
//! well: there is nothing in it to read.

use image::{GrayImage, Luma};

/// Ink running straight across this far (millimetres) is a rule, not writing: a 24 pt
/// title's letters are under 9 mm wide.
const RULE_LENGTH_MM: f64 = 12.5;
/// Ink running straight down this far is a rule: a line of writing is under 7 mm tall, and a
/// form's cell one line high is some 10 mm.
const UPRIGHT_RULE_LENGTH_MM: f64 = 8.5;
/// A rule is at most this thick (millimetres): 1.3 mm, thicker than a form's heaviest line.
const RULE_THICKNESS_MM: f64 = 1.3;

fn millimetres(mm: f64, dpi: u32) -> usize {
    ((mm * f64::from(dpi) / 25.4).round() as usize).max(1)
}

/// For each pixel, the length of the run of ink through it along rows (`along_rows`) or along
/// columns; 0 on paper.
fn run_lengths(ink: &[bool], width: usize, height: usize, along_rows: bool) -> Vec<u16> {
    let mut lengths = vec![0u16; ink.len()];
    let (lines, steps) = if along_rows {
        (height, width)
    } else {
        (width, height)
    };
    let index = |line: usize, step: usize| {
        if along_rows {
            line * width + step
        } else {
            step * width + line
        }
    };
    for line in 0..lines {
        let mut step = 0;
        while step < steps {
            if !ink[index(line, step)] {
                step += 1;
                continue;
            }
            let start = step;
            while step < steps && ink[index(line, step)] {
                step += 1;
            }
            let length = u16::try_from(step - start).unwrap_or(u16::MAX);
            for inside in start..step {
                lengths[index(line, inside)] = length;
            }
        }
    }
    lengths
}

/// How far across a rule a run may wander, in pixels either side.
const GIVE: usize = 2;

/// `ink` where any pixel within [`GIVE`] across the direction of the runs is ink: across rows
/// (`along_rows`, the pixels above and below) or across columns.
fn smeared(ink: &[bool], width: usize, height: usize, along_rows: bool) -> Vec<bool> {
    let mut out = vec![false; ink.len()];
    for y in 0..height {
        for x in 0..width {
            let index = y * width + x;
            if !ink[index] {
                continue;
            }
            if along_rows {
                for near in y.saturating_sub(GIVE)..(y + GIVE + 1).min(height) {
                    out[near * width + x] = true;
                }
            } else {
                for near in x.saturating_sub(GIVE)..(x + GIVE + 1).min(width) {
                    out[y * width + near] = true;
                }
            }
        }
    }
    out
}

/// `binary` (ink 0, paper 255) without its ruled lines, and how many pixels were taken off.
pub fn without_rules(binary: &GrayImage, dpi: u32) -> (GrayImage, usize) {
    let (width, height) = (binary.width() as usize, binary.height() as usize);
    let long = millimetres(RULE_LENGTH_MM, dpi);
    let tall = millimetres(UPRIGHT_RULE_LENGTH_MM, dpi);
    let thin = millimetres(RULE_THICKNESS_MM, dpi);
    let ink: Vec<bool> = binary.as_raw().iter().map(|&value| value < 128).collect();
    // Runs along a rule are measured with a pixel or two of give across it: a page levelled
    // to within a few tenths of a degree still has its rules step by a pixel every few
    // centimetres. Thickness across is measured on the ink itself.
    let across_rows = run_lengths(&smeared(&ink, width, height, true), width, height, true);
    let across_columns = run_lengths(&smeared(&ink, width, height, false), width, height, false);
    let thick_rows = run_lengths(&ink, width, height, true);
    let thick_columns = run_lengths(&ink, width, height, false);
    let mut cleared = binary.clone();
    let mut removed = 0;
    for index in 0..ink.len() {
        if !ink[index] {
            continue;
        }
        let (horizontal, vertical) = (
            usize::from(across_rows[index]),
            usize::from(across_columns[index]),
        );
        let (width_here, height_here) = (
            usize::from(thick_rows[index]),
            usize::from(thick_columns[index]),
        );
        let rule = (horizontal >= long && (height_here <= thin || vertical >= tall))
            || (vertical >= tall && width_here <= thin);
        if rule {
            let (x, y) = ((index % width) as u32, (index / width) as u32);
            cleared.put_pixel(x, y, Luma([255]));
            removed += 1;
        }
    }
    (cleared, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink_at(image: &GrayImage, x: u32, y: u32) -> bool {
        image.get_pixel(x, y).0[0] < 128
    }

    #[test]
    fn a_table_grid_goes_and_the_writing_in_it_stays() {
        let mut page = GrayImage::from_pixel(1200, 600, Luma([255]));
        // A grid: three horizontal rules 4 px thick, two vertical ones.
        for y in [100u32, 300, 500] {
            for x in 100..1100 {
                for t in 0..4 {
                    page.put_pixel(x, y + t, Luma([0]));
                }
            }
        }
        for x in [100u32, 1096] {
            for y in 100..504 {
                for t in 0..4 {
                    page.put_pixel(x + t, y, Luma([0]));
                }
            }
        }
        // A "letter" in a cell: a 40 × 50 px box of 6 px strokes, one of which stands on a rule.
        for y in 250..300 {
            for x in 200..240 {
                if !(206..234).contains(&x) || y < 256 {
                    page.put_pixel(x, y, Luma([0]));
                }
            }
        }
        let (cleared, removed) = without_rules(&page, 300);
        assert!(removed > 3 * 1000 * 4, "{removed} pixels taken off");
        assert!(!ink_at(&cleared, 600, 101), "a horizontal rule is left");
        assert!(!ink_at(&cleared, 101, 200), "a vertical rule is left");
        assert!(!ink_at(&cleared, 101, 101), "a crossing is left");
        // The letter stays, to its foot standing on the rule.
        assert!(ink_at(&cleared, 220, 252));
        assert!(ink_at(&cleared, 202, 290));
        assert!(ink_at(&cleared, 202, 301), "the letter's foot on the rule");
    }

    #[test]
    fn a_rule_left_slightly_crooked_goes_too() {
        // A 3 px rule falling one pixel every 150 px (0.4°), as a page levelled not quite
        // straight leaves it: no row holds a long run of it.
        let mut page = GrayImage::from_pixel(1200, 200, Luma([255]));
        for x in 50..1150u32 {
            for t in 0..3 {
                page.put_pixel(x, 50 + x / 150 + t, Luma([0]));
            }
        }
        let (cleared, removed) = without_rules(&page, 300);
        assert_eq!(removed, 1100 * 3);
        assert!(cleared.pixels().all(|pixel| pixel.0[0] == 255));
    }

    #[test]
    fn a_title_s_long_bold_stroke_is_writing() {
        // A 24 pt bold letter's bar: 8 mm long, 1.2 mm thick, at 300 dpi.
        let mut page = GrayImage::from_pixel(400, 200, Luma([255]));
        for y in 50..64 {
            for x in 50..145 {
                page.put_pixel(x, y, Luma([0]));
            }
        }
        let (cleared, removed) = without_rules(&page, 300);
        assert_eq!(removed, 0);
        assert_eq!(cleared, page);
    }
}
