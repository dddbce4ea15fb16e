//! The two embedded DejaVu Sans faces (regular and bold) and just enough of a
//! TrueType reader (`cmap`, `hmtx`) to measure text for centring and line
//! wrapping, and to replace characters the font cannot draw.
//!
//! krilla shapes and embeds the text itself but offers no measuring API, and
//! the crate may not pull in a font library for this. The reader only ever
//! sees the two font files compiled into the crate (see `fonts/`), and a test
//! checks both parse.

use krilla::text::Font;

use crate::error::RenderError;

/// DejaVu Sans (regular), compiled in; also what receipts draw their Vietnamese lines with.
pub static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The character drawn in place of one the font has no glyph for.
const REPLACEMENT: char = '?';

/// A font face ready for krilla, with its advance-width metrics.
#[derive(Debug, Clone)]
pub(crate) struct Face {
    pub(crate) font: Font,
    metrics: Metrics,
}

impl Face {
    /// Width of `text` set in this face at `size` points (no kerning).
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|ch| u32::from(self.metrics.advance(ch)))
            .sum();
        units as f32 * size / f32::from(self.metrics.units_per_em)
    }

    /// `text` with every character the face cannot draw (controls, missing
    /// glyphs) replaced, so that PDF/A validation never meets `.notdef`.
    pub(crate) fn drawable(&self, text: &str) -> String {
        text.chars()
            .map(|ch| {
                if ch == ' ' || (!ch.is_control() && self.metrics.glyph(ch) != 0) {
                    ch
                } else {
                    REPLACEMENT
                }
            })
            .collect()
    }

    /// Splits `text` into lines no wider than `max_width` at `size`, breaking at
    /// spaces, and inside a word only when the word alone is too wide.
    pub(crate) fn wrap(&self, text: &str, size: f32, max_width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone may still be too wide: cut it by characters.
            for ch in word.chars() {
                line.push(ch);
                if self.width(&line, size) > max_width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(ch);
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// The faces used in the artifact.
#[derive(Debug, Clone)]
pub(crate) struct Fonts {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, RenderError> {
        Ok(Self {
            regular: load_face(DEJAVU_SANS, "DejaVuSans.ttf")?,
            bold: load_face(DEJAVU_SANS_BOLD, "DejaVuSans-Bold.ttf")?,
        })
    }
}

fn load_face(data: &'static [u8], name: &str) -> Result<Face, RenderError> {
    let font = Font::new(data.into(), 0)
        .ok_or_else(|| RenderError::Pdf(format!("krilla cannot read the embedded font {name}")))?;
    let metrics = Metrics::parse(data).ok_or_else(|| {
        RenderError::Pdf(format!(
            "cannot read the metrics of the embedded font {name}"
        ))
    })?;
    Ok(Face { font, metrics })
}

/// Advance widths and the character map of one TrueType font.
#[derive(Debug, Clone)]
struct Metrics {
    units_per_em: u16,
    advances: Vec<u16>,
    cmap: CharMap,
}

#[derive(Debug, Clone)]
enum CharMap {
    /// `(start_char, end_char, start_glyph)` groups of a format 12 subtable.
    Segmented(Vec<(u32, u32, u32)>),
    /// A format 4 subtable: its bytes, kept to follow `idRangeOffset`.
    SegmentToDelta(Vec<u8>),
}

impl Metrics {
    fn parse(font: &[u8]) -> Option<Self> {
        let head = table(font, b"head")?;
        let hhea = table(font, b"hhea")?;
        let hmtx = table(font, b"hmtx")?;
        let cmap = table(font, b"cmap")?;

        let units_per_em = read_u16(head, 18).filter(|&units| units > 0)?;
        let metric_count = usize::from(read_u16(hhea, 34)?);
        let advances = (0..metric_count)
            .map(|index| read_u16(hmtx, index * 4))
            .collect::<Option<Vec<_>>>()?;
        if advances.is_empty() {
            return None;
        }
        Some(Self {
            units_per_em,
            advances,
            cmap: parse_cmap(cmap)?,
        })
    }

    fn glyph(&self, ch: char) -> u32 {
        let code = u32::from(ch);
        match &self.cmap {
            CharMap::Segmented(groups) => groups
                .iter()
                .find(|(start, end, _)| (*start..=*end).contains(&code))
                .map_or(0, |(start, _, glyph)| glyph + (code - start)),
            CharMap::SegmentToDelta(subtable) => {
                u16::try_from(code).map_or(0, |code| format4_glyph(subtable, code).unwrap_or(0))
            }
        }
    }

    fn advance(&self, ch: char) -> u16 {
        let glyph = self.glyph(ch) as usize;
        // Glyphs past the last long metric share its advance width.
        self.advances
            .get(glyph)
            .or(self.advances.last())
            .copied()
            .unwrap_or(0)
    }
}

fn parse_cmap(cmap: &[u8]) -> Option<CharMap> {
    let count = usize::from(read_u16(cmap, 2)?);
    let mut format4 = None;
    for index in 0..count {
        let record = 4 + index * 8;
        let platform = read_u16(cmap, record)?;
        let encoding = read_u16(cmap, record + 2)?;
        let offset = read_u32(cmap, record + 4)? as usize;
        let subtable = cmap.get(offset..)?;
        match (platform, encoding, read_u16(subtable, 0)?) {
            (3, 10, 12) | (0, 4, 12) => {
                let groups = read_u32(subtable, 12)? as usize;
                let parsed = (0..groups)
                    .map(|group| {
                        let at = 16 + group * 12;
                        Some((
                            read_u32(subtable, at)?,
                            read_u32(subtable, at + 4)?,
                            read_u32(subtable, at + 8)?,
                        ))
                    })
                    .collect::<Option<Vec<_>>>()?;
                return Some(CharMap::Segmented(parsed));
            }
            (3, 1, 4) | (0, 3, 4) => {
                let length = usize::from(read_u16(subtable, 2)?);
                format4 = Some(subtable.get(..length)?.to_vec());
            }
            _ => {}
        }
    }
    format4.map(CharMap::SegmentToDelta)
}

fn format4_glyph(subtable: &[u8], code: u16) -> Option<u32> {
    let segments = usize::from(read_u16(subtable, 6)? / 2);
    let end_codes = 14;
    let start_codes = end_codes + 2 * segments + 2;
    let deltas = start_codes + 2 * segments;
    let range_offsets = deltas + 2 * segments;
    for segment in 0..segments {
        let end = read_u16(subtable, end_codes + 2 * segment)?;
        if end < code {
            continue;
        }
        let start = read_u16(subtable, start_codes + 2 * segment)?;
        if start > code {
            return Some(0);
        }
        let delta = read_u16(subtable, deltas + 2 * segment)?;
        let range_offset_at = range_offsets + 2 * segment;
        let range_offset = usize::from(read_u16(subtable, range_offset_at)?);
        if range_offset == 0 {
            return Some(u32::from(code.wrapping_add(delta)));
        }
        let glyph_at = range_offset_at + range_offset + 2 * usize::from(code - start);
        let glyph = read_u16(subtable, glyph_at)?;
        return Some(if glyph == 0 {
            0
        } else {
            u32::from(glyph.wrapping_add(delta))
        });
    }
    Some(0)
}

/// The bytes of the table `tag`, from the font's table directory.
fn table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let count = usize::from(read_u16(font, 4)?);
    (0..count).find_map(|index| {
        let record = 12 + index * 16;
        if font.get(record..record + 4)? != tag {
            return None;
        }
        let offset = read_u32(font, record + 8)? as usize;
        let length = read_u32(font, record + 12)? as usize;
        font.get(offset..offset.checked_add(length)?)
    })
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([pair[0], pair[1]]))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let quad = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([quad[0], quad[1], quad[2], quad[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_parse_and_cover_vietnamese() {
        let fonts = Fonts::load().unwrap();
        for face in [&fonts.regular, &fonts.bold] {
            let text = "Chứng thực bản sao đúng với bản chính ĐƯỜNG Ỹ ỹ ₫";
            assert_eq!(face.drawable(text), text);
            assert!(face.width("M", 10.0) > 5.0);
        }
    }

    #[test]
    fn bold_is_wider_and_width_scales_with_size() {
        let fonts = Fonts::load().unwrap();
        let text = "Giấy khai sinh";
        let regular = fonts.regular.width(text, 10.0);
        assert!(fonts.bold.width(text, 10.0) > regular);
        assert!((fonts.regular.width(text, 20.0) - 2.0 * regular).abs() < 0.01);
    }

    #[test]
    fn undrawable_characters_are_replaced() {
        let fonts = Fonts::load().unwrap();
        assert_eq!(fonts.regular.drawable("a\u{0}b\u{E000}c🦀"), "a?b?c?");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_overlong_words() {
        let fonts = Fonts::load().unwrap();
        let face = &fonts.regular;
        let lines = face.wrap("một hai ba bốn năm sáu bảy tám chín mười", 10.0, 60.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|line| face.width(line, 10.0) <= 60.0));
        assert_eq!(lines.join(" "), "một hai ba bốn năm sáu bảy tám chín mười");
        let long = face.wrap(&"X".repeat(80), 10.0, 100.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "X".repeat(80));
        assert_eq!(face.wrap("", 10.0, 100.0), vec![String::new()]);
    }
}
