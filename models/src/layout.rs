//! The page's words put back into rows by where they sit, not by how Tesseract grouped them:
//! a two-column page or a table gives Tesseract blocks that cut a row in pieces, and a label and
//! its value in different blocks. A row's words are in reading order; wide gaps split it into
//! cells (table columns, or a seal's ring beside the text).

use crate::ocr::{OcrPage, OcrWord};

/// A gap wider than this many word heights ends a cell.
const CELL_GAP_HEIGHTS: f32 = 1.6;

/// One word of a row, with the page it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The text.
    pub text: String,
    /// Tesseract's confidence, 0–100.
    pub confidence: f32,
    /// Left, top, width, height in pixels.
    pub bounds: (u32, u32, u32, u32),
    /// The page (from 0).
    pub page: usize,
}

impl Word {
    /// Left edge.
    pub fn left(&self) -> u32 {
        self.bounds.0
    }

    /// Right edge.
    pub fn right(&self) -> u32 {
        self.bounds.0 + self.bounds.2
    }

    /// Height.
    pub fn height(&self) -> u32 {
        self.bounds.3.max(1)
    }

    fn centre_y(&self) -> f32 {
        self.bounds.1 as f32 + self.bounds.3 as f32 / 2.0
    }
}

/// One row of words across the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its words, left to right.
    pub words: Vec<Word>,
    /// Where each cell starts (indices into `words`; the first is 0).
    pub cell_starts: Vec<usize>,
}

impl Row {
    /// The cells, each a run of words.
    pub fn cells(&self) -> Vec<&[Word]> {
        let mut cells = Vec::new();
        for (index, start) in self.cell_starts.iter().enumerate() {
            let end = self
                .cell_starts
                .get(index + 1)
                .copied()
                .unwrap_or(self.words.len());
            cells.push(&self.words[*start..end]);
        }
        cells
    }

    /// The row's typical word height.
    pub fn height(&self) -> u32 {
        median(self.words.iter().map(Word::height).collect()).max(1)
    }

    /// Top edge.
    pub fn top(&self) -> u32 {
        self.words
            .iter()
            .map(|word| word.bounds.1)
            .min()
            .unwrap_or(0)
    }

    /// Whether a cell starts at word `index`.
    pub fn starts_cell(&self, index: usize) -> bool {
        self.cell_starts.contains(&index)
    }
}

fn median(mut values: Vec<u32>) -> u32 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[values.len() / 2]
}

/// Splits a word after each colon inside it ("tên:Nguyễn" → "tên:", "Nguyễn"), sharing its box
/// by the characters on each side.
fn split_at_colons(word: &OcrWord, page: usize, out: &mut Vec<Word>) {
    let characters: Vec<char> = word.text.chars().collect();
    let (left, top, width, height) = word.bounds;
    let total = characters.len().max(1) as u32;
    let mut start = 0;
    for (index, c) in characters.iter().enumerate() {
        let end = index + 1;
        let is_inner_colon = *c == ':' && end < characters.len() && index > 0;
        if is_inner_colon || end == characters.len() {
            let text: String = characters[start..end].iter().collect();
            let part_left = left + width * start as u32 / total;
            let part_width = (width * (end - start) as u32 / total).max(1);
            out.push(Word {
                text,
                confidence: word.confidence,
                bounds: (part_left, top, part_width, height),
                page,
            });
            start = end;
        }
    }
}

/// The rows of a page, top to bottom.
pub fn rows(page: &OcrPage, page_index: usize) -> Vec<Row> {
    let mut words = Vec::new();
    for word in &page.words {
        split_at_colons(word, page_index, &mut words);
    }
    let typical = median(words.iter().map(Word::height).collect()).max(1) as f32;
    words.sort_by(|a, b| a.centre_y().total_cmp(&b.centre_y()));
    // A word joins the row whose centre line it is near (half a typical height): rows are
    // found top to bottom, so a slightly crooked or jittered line stays one row.
    let mut grouped: Vec<(f32, Vec<Word>)> = Vec::new();
    for word in words {
        // Tall marks (a stamp's frame, a seal) are not text lines: they keep their own place.
        let centre = word.centre_y();
        match grouped.last_mut() {
            Some((row_centre, row)) if (centre - *row_centre).abs() <= typical * 0.55 => {
                let count = row.len() as f32;
                *row_centre = (*row_centre * count + centre) / (count + 1.0);
                row.push(word);
            }
            _ => grouped.push((centre, vec![word])),
        }
    }
    grouped
        .into_iter()
        .map(|(_, mut words)| {
            words.sort_by_key(Word::left);
            let height = median(words.iter().map(Word::height).collect()).max(1) as f32;
            let mut cell_starts = vec![0];
            for index in 1..words.len() {
                let gap = words[index].left().saturating_sub(words[index - 1].right()) as f32;
                if gap > CELL_GAP_HEIGHTS * height {
                    cell_starts.push(index);
                }
            }
            Row { words, cell_starts }
        })
        .collect()
}

/// Pages for the tests of this crate's readers: rows of `(left, text)` cells, a row each 60 px,
/// words 20 px a letter and 40 px high, as Tesseract would box them.
#[cfg(test)]
pub(crate) fn test_page(rows: &[&[(u32, &str)]], confidence: f32) -> OcrPage {
    let mut words = Vec::new();
    for (row_index, cells) in rows.iter().enumerate() {
        for (left, text) in *cells {
            let mut x = *left;
            for word in text.split_whitespace() {
                let width = 20 * word.chars().count() as u32;
                words.push(OcrWord {
                    text: word.to_owned(),
                    confidence,
                    line: (row_index as u32, 1, 1),
                    bounds: (x, 100 + 60 * row_index as u32, width, 40),
                });
                x += width + 12;
            }
        }
    }
    OcrPage { words }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, left: u32, top: u32, block: u32) -> OcrWord {
        OcrWord {
            text: text.to_owned(),
            confidence: 90.0,
            line: (block, 1, 1),
            bounds: (left, top, 20 * text.chars().count() as u32, 40),
        }
    }

    #[test]
    fn words_of_two_blocks_on_one_line_make_one_row_with_two_cells() {
        let page = OcrPage {
            words: vec![
                word("Chồng", 800, 100, 2),
                word("Họ", 100, 102, 1),
                word("tên:Nguyễn", 160, 98, 1),
                word("Vợ", 1400, 101, 3),
                word("Dưới", 100, 200, 4),
            ],
        };
        let rows = rows(&page, 0);
        assert_eq!(rows.len(), 2);
        let texts: Vec<&str> = rows[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Họ", "tên:", "Nguyễn", "Chồng", "Vợ"]);
        assert_eq!(rows[0].cells().len(), 3);
        assert_eq!(rows[1].words[0].text, "Dưới");
    }
}
