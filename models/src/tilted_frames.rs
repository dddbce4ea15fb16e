//! Frames stamped at a slant: a secrecy stamp ("TỐI MẬT" in a box) pressed on by hand lies
//! at any angle over the text, where [`crate::frames`], which looks for level strokes, finds
//! nothing and Tesseract reads the slanted capitals as noise. The page reader levels each one
//! found here and reads its inside on its own (`page`).
//!
//! A slanted frame is one connected shape of ink, hollow (a box's outline covers little of
//! the area it spans), clearly longer one way than the other, and slanted: its long axis, from
//! the shape's second moments, is some degrees off level. The text the box is stamped over
//! may touch it and join the shape; the axis stays the box's.

use image::{GrayImage, Luma};

/// A stamp's box is at least this long and tall, in pixels (at 300 dpi: 13 × 5 mm).
const MIN_LENGTH: u32 = 150;
const MIN_HEIGHT: u32 = 60;
/// And at most this long or tall (a stamp, not a page's border).
const MAX_SIDE: u32 = 1400;
/// An outline covers at most this share of its bounding box.
const MAX_FILL: f64 = 0.3;
/// Its long axis is at least this many times its short one (second moments, square roots).
const MIN_ELONGATION: f64 = 1.8;
/// Slanted by at least this many degrees (level frames are [`crate::frames`]'), at most 60.
const MIN_SLANT: f64 = 2.0;
const MAX_SLANT: f64 = 60.0;
/// Ink within this many pixels is one shape: a box's sides stay one where a table's rules,
/// taken off the page, crossed them (`rules`), and a worn stamp's outline where the ink
/// skipped.
const REACH: usize = 3;
/// Pieces slanted within this many degrees of each other ...
const SAME_SLANT: f64 = 4.0;
/// ... and this close (pixels) are one box.
const JOIN_GAP: u32 = 20;
/// A box's outline has its centre of ink near its middle: within this share of its size (an
/// arc of a round seal has its ink to one side).
const CENTRED: f64 = 0.08;
/// At most this many are looked into on one page, largest first.
const MAX_FOUND: usize = 4;

/// A slanted frame: the box round it on the page, and by how much to turn it level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TiltedFrame {
    /// Left edge of its bounding box.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// The turn, in degrees for [`crate::deskew::rotate`], that makes its long side level.
    pub level_by: f32,
}

/// One connected shape's measures, gathered as it is flooded.
#[derive(Default)]
struct Shape {
    pixels: u64,
    sum_x: f64,
    sum_y: f64,
    sum_xx: f64,
    sum_yy: f64,
    sum_xy: f64,
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

/// The slanted frames on a black-on-white page (ink below 128), largest first. Give it the
/// page without its rules ([`crate::rules`]): a stamp pressed over a table is otherwise one
/// shape with the table.
pub fn find_tilted_frames(binary: &GrayImage) -> Vec<TiltedFrame> {
    let (width, height) = (binary.width() as usize, binary.height() as usize);
    let raw = binary.as_raw();
    let mut seen = vec![false; raw.len()];
    let mut stack = Vec::new();
    let mut pieces: Vec<Shape> = Vec::new();
    for start in 0..raw.len() {
        if raw[start] >= 128 || seen[start] {
            continue;
        }
        let mut shape = Shape {
            left: u32::MAX,
            top: u32::MAX,
            ..Shape::default()
        };
        seen[start] = true;
        stack.push(start);
        while let Some(at) = stack.pop() {
            let (x, y) = (at % width, at / width);
            let (fx, fy) = (x as f64, y as f64);
            shape.pixels += 1;
            shape.sum_x += fx;
            shape.sum_y += fy;
            shape.sum_xx += fx * fx;
            shape.sum_yy += fy * fy;
            shape.sum_xy += fx * fy;
            shape.left = shape.left.min(x as u32);
            shape.top = shape.top.min(y as u32);
            shape.right = shape.right.max(x as u32);
            shape.bottom = shape.bottom.max(y as u32);
            for ny in y.saturating_sub(REACH)..(y + REACH + 1).min(height) {
                for nx in x.saturating_sub(REACH)..(x + REACH + 1).min(width) {
                    let next = ny * width + nx;
                    if raw[next] < 128 && !seen[next] {
                        seen[next] = true;
                        stack.push(next);
                    }
                }
            }
        }
        if may_be_a_piece(&shape) {
            pieces.push(shape);
        }
    }
    let mut found: Vec<TiltedFrame> = joined(pieces).iter().filter_map(tilted_frame).collect();
    found.sort_by_key(|frame| std::cmp::Reverse(frame.width * frame.height));
    found.truncate(MAX_FOUND);
    found
}

/// Pieces of one box joined (their sums and boxes added): slanted alike ([`SAME_SLANT`]) and
/// touching or overlapping, within [`JOIN_GAP`] pixels, as a box cut where a table's rule
/// crossed it was taken off. Level writing is never a piece.
fn joined(mut pieces: Vec<Shape>) -> Vec<Shape> {
    let near = |a: &Shape, b: &Shape| {
        (a.slant() - b.slant()).abs() <= SAME_SLANT
            && a.left <= b.right + JOIN_GAP
            && b.left <= a.right + JOIN_GAP
            && a.top <= b.bottom + JOIN_GAP
            && b.top <= a.bottom + JOIN_GAP
    };
    let mut index = 0;
    while index < pieces.len() {
        let partner = (index + 1..pieces.len()).find(|other| near(&pieces[index], &pieces[*other]));
        let Some(other) = partner else {
            index += 1;
            continue;
        };
        let b = pieces.swap_remove(other);
        let a = &mut pieces[index];
        a.pixels += b.pixels;
        a.sum_x += b.sum_x;
        a.sum_y += b.sum_y;
        a.sum_xx += b.sum_xx;
        a.sum_yy += b.sum_yy;
        a.sum_xy += b.sum_xy;
        a.left = a.left.min(b.left);
        a.top = a.top.min(b.top);
        a.right = a.right.max(b.right);
        a.bottom = a.bottom.max(b.bottom);
        // The joined piece may now touch one it did not: look again from the start.
        index = 0;
    }
    pieces
}

/// The shape as a slanted frame, when it is one: hollow, long, slanted, its ink centred.
fn tilted_frame(shape: &Shape) -> Option<TiltedFrame> {
    let (box_width, box_height) = (shape.right - shape.left + 1, shape.bottom - shape.top + 1);
    let (long, short) = (box_width.max(box_height), box_width.min(box_height));
    if long < MIN_LENGTH || short < MIN_HEIGHT || long > MAX_SIDE {
        return None;
    }
    let fill = shape.pixels as f64 / (f64::from(box_width) * f64::from(box_height));
    if fill > MAX_FILL {
        return None;
    }
    let n = shape.pixels as f64;
    let (mean_x, mean_y) = (shape.sum_x / n, shape.sum_y / n);
    let (middle_x, middle_y) = (
        f64::from(shape.left) + f64::from(box_width) / 2.0,
        f64::from(shape.top) + f64::from(box_height) / 2.0,
    );
    if (mean_x - middle_x).abs() > CENTRED * f64::from(box_width)
        || (mean_y - middle_y).abs() > CENTRED * f64::from(box_height)
    {
        return None;
    }
    let xx = shape.sum_xx / n - mean_x * mean_x;
    let yy = shape.sum_yy / n - mean_y * mean_y;
    let xy = shape.sum_xy / n - mean_x * mean_y;
    // The principal axes: the eigenvalues of the covariance, and the long one's angle.
    let spread = ((xx - yy) * (xx - yy) + 4.0 * xy * xy).sqrt();
    let (major, minor) = ((xx + yy + spread) / 2.0, (xx + yy - spread) / 2.0);
    if minor <= 0.0 || (major / minor).sqrt() < MIN_ELONGATION {
        return None;
    }
    // Angle of the long axis below the level, in image coordinates (y downwards).
    let angle = 0.5 * (2.0 * xy).atan2(xx - yy);
    let degrees = angle.to_degrees();
    if !(MIN_SLANT..=MAX_SLANT).contains(&degrees.abs()) {
        return None;
    }
    Some(TiltedFrame {
        left: shape.left,
        top: shape.top,
        width: box_width,
        height: box_height,
        level_by: degrees as f32,
    })
}

/// Whether a shape may be a piece of a box (large enough and hollow), to be joined with the
/// other pieces before it is judged whole.
fn may_be_a_piece(shape: &Shape) -> bool {
    let (box_width, box_height) = (shape.right - shape.left + 1, shape.bottom - shape.top + 1);
    let long = box_width.max(box_height);
    (MIN_HEIGHT..=MAX_SIDE).contains(&long)
        && (shape.pixels as f64) <= MAX_FILL * f64::from(box_width) * f64::from(box_height)
        && (MIN_SLANT..=MAX_SLANT).contains(&shape.slant().abs())
}

impl Shape {
    /// The angle of its long axis below the level, in degrees (second moments; y downwards).
    fn slant(&self) -> f64 {
        let n = self.pixels.max(1) as f64;
        let (mean_x, mean_y) = (self.sum_x / n, self.sum_y / n);
        let xx = self.sum_xx / n - mean_x * mean_x;
        let yy = self.sum_yy / n - mean_y * mean_y;
        let xy = self.sum_xy / n - mean_x * mean_y;
        (0.5 * (2.0 * xy).atan2(xx - yy)).to_degrees()
    }
}

/// The inside of `frame` on `page`, turned level, with a margin of paper round it, ready for
/// Tesseract.
pub fn levelled(page: &GrayImage, frame: &TiltedFrame) -> GrayImage {
    let crop = image::imageops::crop_imm(page, frame.left, frame.top, frame.width, frame.height)
        .to_image();
    // Room to turn it in: the diagonal each way.
    let side = f64::from(frame.width).hypot(f64::from(frame.height)).ceil() as u32 + 40;
    let mut canvas = GrayImage::from_pixel(side, side, Luma([255]));
    image::imageops::replace(
        &mut canvas,
        &crop,
        i64::from((side - frame.width) / 2),
        i64::from((side - frame.height) / 2),
    );
    crate::deskew::rotate(&canvas, frame.level_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page with a box `length` × `height`, 6 px thick, turned by `degrees` about its centre.
    fn page_with_tilted_box(degrees: f64, length: f64, height: f64) -> GrayImage {
        let (cx, cy) = (600.0, 400.0);
        let (sin, cos) = degrees.to_radians().sin_cos();
        GrayImage::from_fn(1200, 800, |x, y| {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            // Into the box's own coordinates.
            let (u, v) = (cos * dx + sin * dy, -sin * dx + cos * dy);
            let inside = u.abs() <= length / 2.0 && v.abs() <= height / 2.0;
            let within_border = u.abs() > length / 2.0 - 6.0 || v.abs() > height / 2.0 - 6.0;
            Luma([if inside && within_border { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_box_stamped_at_a_slant_is_found_and_turned_level() {
        for degrees in [-25.0, -12.0, 8.0, 30.0] {
            let page = page_with_tilted_box(degrees, 500.0, 160.0);
            let found = find_tilted_frames(&page);
            assert_eq!(found.len(), 1, "at {degrees}°: {found:?}");
            let level = levelled(&page, &found[0]);
            // Level, the box is one that the level frame finder sees.
            let frames = crate::frames::find_frames(&level);
            assert_eq!(
                frames.len(),
                1,
                "at {degrees}°, turned by {}",
                found[0].level_by
            );
            assert!(frames[0].width.abs_diff(500) < 20, "{:?}", frames[0]);
        }
    }

    #[test]
    fn a_slanted_box_cut_in_two_by_a_rule_is_one() {
        let mut page = page_with_tilted_box(7.0, 700.0, 160.0);
        // A table's upright rule was taken off across it: a 10 px gap.
        for y in 0..800 {
            for x in 595..605 {
                page.put_pixel(x, y, Luma([255]));
            }
        }
        let found = find_tilted_frames(&page);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].width > 650, "{found:?}");
    }

    #[test]
    fn a_level_box_a_seal_s_ring_and_a_filled_block_are_not_slanted_frames() {
        assert!(find_tilted_frames(&page_with_tilted_box(0.0, 500.0, 160.0)).is_empty());
        let ring = GrayImage::from_fn(800, 800, |x, y| {
            let r = (f64::from(x) - 400.0).hypot(f64::from(y) - 400.0);
            Luma([if (190.0..200.0).contains(&r) { 0 } else { 255 }])
        });
        assert!(find_tilted_frames(&ring).is_empty());
        let arc = GrayImage::from_fn(800, 800, |x, y| {
            let (dx, dy) = (f64::from(x) - 400.0, f64::from(y) - 400.0);
            let on = (190.0..200.0).contains(&dx.hypot(dy)) && dx > 0.0 && dy > 0.0;
            Luma([if on { 0 } else { 255 }])
        });
        assert!(
            find_tilted_frames(&arc).is_empty(),
            "a quarter of a seal's ring"
        );
        let block = GrayImage::from_fn(800, 800, |x, y| {
            let on = (100..600).contains(&x) && (100..260).contains(&y);
            Luma([if on { 0 } else { 255 }])
        });
        assert!(find_tilted_frames(&block).is_empty());
    }
}
