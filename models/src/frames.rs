//! Frames drawn on a page: a rectangle of ink standing on its own, as round a secrecy stamp
//! ("MẬT" in a box). Tesseract's page layout takes such a box for a picture or a table and
//! often reads nothing inside it, so the page reader OCRs the inside of each frame found here
//! on its own (`page`).
//!
//! A frame is two horizontal strokes of ink (runs of at least [`MIN_SIDE`] pixels) of the same
//! extent, one above the other, joined by vertical strokes at both ends. A frame that shares a
//! side with another is a table's cell, not a stamp, and is left out; so are frames too small
//! or too large to hold a stamp.

use image::GrayImage;

/// A frame's sides are at least this long, in pixels (a stamp at 300 dpi is far larger).
const MIN_SIDE: u32 = 60;
/// At most this tall, in pixels: a stamp, not a box round a page.
const MAX_HEIGHT: u32 = 600;
/// Ends of strokes within this many pixels are the same.
const SLACK: u32 = 8;
/// At most this many frames are looked into on one page.
const MAX_FRAMES: usize = 6;

/// A frame: its outer box, and the thickness of its strokes, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Thickness of the horizontal strokes.
    pub thickness: u32,
}

/// A horizontal stroke: rows `top..=bottom`, columns `left..=right`.
#[derive(Debug, Clone, Copy)]
struct Stroke {
    left: u32,
    right: u32,
    top: u32,
    bottom: u32,
}

fn ink(binary: &GrayImage, x: u32, y: u32) -> bool {
    binary.get_pixel(x, y).0[0] < 128
}

/// The horizontal strokes of the page, runs of adjacent rows merged.
fn strokes(binary: &GrayImage) -> Vec<Stroke> {
    let (width, height) = binary.dimensions();
    let mut done: Vec<Stroke> = Vec::new();
    let mut open: Vec<Stroke> = Vec::new();
    for y in 0..height {
        let mut runs = Vec::new();
        let mut x = 0;
        while x < width {
            if !ink(binary, x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && ink(binary, x, y) {
                x += 1;
            }
            if x - start >= MIN_SIDE {
                runs.push((start, x - 1));
            }
        }
        let mut still_open = Vec::new();
        for mut stroke in open.drain(..) {
            let continued = runs.iter().position(|(left, right)| {
                left.abs_diff(stroke.left) <= SLACK && right.abs_diff(stroke.right) <= SLACK
            });
            match continued {
                Some(index) => {
                    let (left, right) = runs.swap_remove(index);
                    stroke.left = stroke.left.min(left);
                    stroke.right = stroke.right.max(right);
                    stroke.bottom = y;
                    still_open.push(stroke);
                }
                None => done.push(stroke),
            }
        }
        for (left, right) in runs {
            still_open.push(Stroke {
                left,
                right,
                top: y,
                bottom: y,
            });
        }
        open = still_open;
    }
    done.extend(open);
    // A stroke thicker than a pen line is a filled shape, not a frame's side.
    done.retain(|stroke| stroke.bottom - stroke.top < 20);
    done
}

/// Whether the column band at `x` (± the slack) holds ink on almost every row of `top..bottom`.
fn side(binary: &GrayImage, x: u32, top: u32, bottom: u32) -> bool {
    let from = x.saturating_sub(SLACK / 2);
    let to = (x + SLACK / 2).min(binary.width() - 1);
    let rows = bottom.saturating_sub(top).max(1);
    let inked = (top..bottom)
        .filter(|y| (from..=to).any(|column| ink(binary, column, *y)))
        .count() as u32;
    inked * 10 >= rows * 9
}

/// The frames standing on their own on a black-on-white page, largest first.
pub fn find_frames(binary: &GrayImage) -> Vec<Frame> {
    let strokes = strokes(binary);
    let mut frames = Vec::new();
    for (index, top) in strokes.iter().enumerate() {
        for bottom in &strokes[index + 1..] {
            let height = bottom.bottom.saturating_sub(top.top) + 1;
            if bottom.top <= top.bottom + 20 || height > MAX_HEIGHT {
                continue;
            }
            if top.left.abs_diff(bottom.left) > SLACK || top.right.abs_diff(bottom.right) > SLACK {
                continue;
            }
            let (left, right) = (top.left.min(bottom.left), top.right.max(bottom.right));
            let thickness = top.bottom - top.top + 1;
            let inner = (top.bottom + 1, bottom.top);
            if side(binary, left + thickness / 2, inner.0, inner.1)
                && side(
                    binary,
                    right.saturating_sub(thickness / 2),
                    inner.0,
                    inner.1,
                )
            {
                frames.push(Frame {
                    left,
                    top: top.top,
                    width: right - left + 1,
                    height,
                    thickness,
                });
                break;
            }
        }
    }
    // A frame touching another is a table's cell.
    let touches = |a: &Frame, b: &Frame| {
        let near = |p: u32, q: u32| p.abs_diff(q) <= SLACK * 2;
        let overlap = |a0: u32, a1: u32, b0: u32, b1: u32| a0 < b1 && b0 < a1;
        let (a_right, a_bottom) = (a.left + a.width, a.top + a.height);
        let (b_right, b_bottom) = (b.left + b.width, b.top + b.height);
        let shares_row = (near(a.top, b_bottom) || near(a_bottom, b.top) || near(a.top, b.top))
            && overlap(a.left, a_right, b.left, b_right);
        let shares_column = (near(a.left, b_right) || near(a_right, b.left))
            && overlap(a.top, a_bottom, b.top, b_bottom);
        shares_row || shares_column
    };
    let alone: Vec<Frame> = frames
        .iter()
        .enumerate()
        .filter(|(index, frame)| {
            !frames
                .iter()
                .enumerate()
                .any(|(other, candidate)| other != *index && touches(frame, candidate))
        })
        .map(|(_, frame)| *frame)
        .collect();
    let mut alone = alone;
    alone.sort_by_key(|frame| std::cmp::Reverse(frame.width * frame.height));
    alone.truncate(MAX_FRAMES);
    alone
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn draw_box(page: &mut GrayImage, left: u32, top: u32, width: u32, height: u32) {
        for x in left..left + width {
            for t in 0..5 {
                page.put_pixel(x, top + t, Luma([0]));
                page.put_pixel(x, top + height - 1 - t, Luma([0]));
            }
        }
        for y in top..top + height {
            for t in 0..5 {
                page.put_pixel(left + t, y, Luma([0]));
                page.put_pixel(left + width - 1 - t, y, Luma([0]));
            }
        }
    }

    #[test]
    fn a_box_on_its_own_is_a_frame_and_a_table_s_cells_are_not() {
        let mut page = GrayImage::from_pixel(1200, 900, Luma([255]));
        draw_box(&mut page, 100, 100, 300, 120);
        // A table of two rows: its cells share sides.
        draw_box(&mut page, 100, 420, 400, 100);
        draw_box(&mut page, 495, 420, 400, 100);
        draw_box(&mut page, 100, 515, 400, 100);
        draw_box(&mut page, 495, 515, 400, 100);
        // A line of text-like marks is no frame.
        for x in (100..900).step_by(30) {
            for y in 750..790 {
                for dx in 0..18 {
                    page.put_pixel(x + dx, y, Luma([0]));
                }
            }
        }
        let frames = find_frames(&page);
        assert_eq!(frames.len(), 1, "{frames:?}");
        let frame = frames[0];
        assert_eq!((frame.left, frame.top), (100, 100));
        assert_eq!((frame.width, frame.height), (300, 120));
        assert_eq!(frame.thickness, 5);
    }

    #[test]
    fn a_blank_page_has_no_frame() {
        assert!(find_frames(&GrayImage::from_pixel(300, 300, Luma([255]))).is_empty());
    }
}
