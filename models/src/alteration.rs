//! Signs of alteration a machine can see on a scan (Decree 23/2015 Art. 22: an original that
//! was erased, corrected, added to or cut may not be certified): correction fluid or correction
//! tape over the text. On a scan, paper has grain and a tone; a dab of correction fluid is
//! brighter than the paper around it and smooth. The page is cut into tiles; tiles without ink
//! that are clearly brighter and much smoother than the page's own paper, joined into a patch of
//! some size inside the text area, are a sign of alteration.
//!
//! A clean digital page (paper without grain) gives nothing to compare with, and nothing is
//! found: this check only speaks when it has evidence.

use image::GrayImage;

/// Tile side, pixels (2 mm at 300 dpi).
const TILE: u32 = 24;
/// Fewest tiles a patch must join (about 2 × 8 mm at 300 dpi).
const MIN_PATCH_TILES: usize = 4;

/// A suspicious patch, in pixels: left, top, width, height.
pub type Patch = (u32, u32, u32, u32);

fn mean_and_deviation(values: impl Iterator<Item = u8>) -> (f64, f64, usize) {
    let (mut sum, mut squares, mut count) = (0.0, 0.0, 0usize);
    for value in values {
        let value = f64::from(value);
        sum += value;
        squares += value * value;
        count += 1;
    }
    if count == 0 {
        return (0.0, 0.0, 0);
    }
    let mean = sum / count as f64;
    (
        mean,
        (squares / count as f64 - mean * mean).max(0.0).sqrt(),
        count,
    )
}

/// Patches of correction fluid on `gray`, whose ink is at or below `ink_threshold`.
pub fn correction_patches(gray: &GrayImage, ink_threshold: u8) -> Vec<Patch> {
    let (width, height) = gray.dimensions();
    let (columns, rows) = (width / TILE, height / TILE);
    if columns < 3 || rows < 3 {
        return Vec::new();
    }
    // Per tile: (has ink, mean, deviation).
    let mut tiles = Vec::with_capacity((columns * rows) as usize);
    for row in 0..rows {
        for column in 0..columns {
            let pixels = (0..TILE).flat_map(|dy| {
                (0..TILE).map(move |dx| gray.get_pixel(column * TILE + dx, row * TILE + dy).0[0])
            });
            let inked = pixels.clone().any(|value| value <= ink_threshold);
            let (mean, deviation, _) = mean_and_deviation(pixels);
            tiles.push((inked, mean, deviation));
        }
    }
    // The page's paper: the median tile without ink.
    let mut paper: Vec<(f64, f64)> = tiles
        .iter()
        .filter(|(inked, _, _)| !inked)
        .map(|(_, mean, deviation)| (*mean, *deviation))
        .collect();
    if paper.len() < 16 {
        return Vec::new();
    }
    paper.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (paper_mean, _) = paper[paper.len() / 2];
    let mut deviations: Vec<f64> = paper.iter().map(|(_, d)| *d).collect();
    deviations.sort_by(f64::total_cmp);
    let paper_deviation = deviations[deviations.len() / 2];
    if paper_deviation < 2.0 || paper_mean > 245.0 {
        // No grain or no room above the paper: nothing to compare with.
        return Vec::new();
    }
    // The text area: rows and columns of tiles that hold ink.
    let inked_at = |column: u32, row: u32| tiles[(row * columns + column) as usize].0;
    let ink_rows: Vec<u32> = (0..rows)
        .filter(|row| (0..columns).any(|column| inked_at(column, *row)))
        .collect();
    let ink_columns: Vec<u32> = (0..columns)
        .filter(|column| (0..rows).any(|row| inked_at(*column, row)))
        .collect();
    let (Some(&top), Some(&bottom), Some(&left), Some(&right)) = (
        ink_rows.first(),
        ink_rows.last(),
        ink_columns.first(),
        ink_columns.last(),
    ) else {
        return Vec::new();
    };
    let suspicious = |column: u32, row: u32| {
        let (inked, mean, deviation) = tiles[(row * columns + column) as usize];
        !inked
            && mean >= paper_mean + (2.0 * paper_deviation).max(8.0)
            && deviation <= paper_deviation * 0.4
            && (top..=bottom).contains(&row)
            && (left..=right).contains(&column)
    };
    // Join suspicious tiles into patches (4-connected).
    let mut seen = vec![false; tiles.len()];
    let mut patches = Vec::new();
    for row in top..=bottom {
        for column in left..=right {
            let index = (row * columns + column) as usize;
            if seen[index] || !suspicious(column, row) {
                continue;
            }
            let mut stack = vec![(column, row)];
            seen[index] = true;
            let (mut count, mut min_c, mut max_c, mut min_r, mut max_r) =
                (0usize, column, column, row, row);
            while let Some((c, r)) = stack.pop() {
                count += 1;
                min_c = min_c.min(c);
                max_c = max_c.max(c);
                min_r = min_r.min(r);
                max_r = max_r.max(r);
                let neighbours = [
                    (c.wrapping_sub(1), r),
                    (c + 1, r),
                    (c, r.wrapping_sub(1)),
                    (c, r + 1),
                ];
                for (nc, nr) in neighbours {
                    if nc < columns && nr < rows {
                        let next = (nr * columns + nc) as usize;
                        if !seen[next] && suspicious(nc, nr) {
                            seen[next] = true;
                            stack.push((nc, nr));
                        }
                    }
                }
            }
            if count >= MIN_PATCH_TILES {
                patches.push((
                    min_c * TILE,
                    min_r * TILE,
                    (max_c - min_c + 1) * TILE,
                    (max_r - min_r + 1) * TILE,
                ));
            }
        }
    }
    patches
}
