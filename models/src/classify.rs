//! What kind of paper a document is, with a confidence: from its title, matched fuzzily on a
//! row of its own (or two rows: "BẰNG TỐT NGHIỆP / TRUNG HỌC PHỔ THÔNG"), and from the fields
//! found on it when no title is read (a marriage certificate has a husband and a wife, a death
//! certificate a place of death). A paper of no known kind is `Other`: its fields are still
//! read.

use std::collections::BTreeMap;

use bansao_copy::DocumentType;

use crate::checks::fold;
use crate::fields::ReadField;
use crate::layout::{Row, rows};
use crate::matching::distance;
use crate::ocr::OcrPage;
use crate::vocabulary::{EVIDENCE, TITLES};

/// A title matched this well or better is taken.
const TITLE_TAKEN_FROM: f32 = 0.78;
/// Field evidence of at least this weight names a kind without a title.
const EVIDENCE_TAKEN_FROM: u32 = 3;

/// The kind found and how sure of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The kind.
    pub kind: DocumentType,
    /// 0–1.
    pub confidence: f32,
}

/// Mostly capitals (OCR reads a capital I as "l" now and then).
fn is_upper_case(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let lower = letters.iter().filter(|c| c.is_lowercase()).count();
    letters.len() >= 2 && lower * 10 <= letters.len()
}

fn row_text(row: &Row) -> String {
    let words: Vec<&str> = row.words.iter().map(|word| word.text.as_str()).collect();
    words.join(" ")
}

/// How well `title` (folded) stands in the folded `text`: 1 for exactly, less for edits, for
/// running text rather than a title's row, and for a row with much else on it.
fn title_score(text: &str, title: &str, upper_case: bool) -> f32 {
    let tokens: Vec<&str> = text.split(' ').collect();
    let length = title.split(' ').count();
    let mut best = 0.0f32;
    for window in length.saturating_sub(1).max(1)..=length + 1 {
        if window > tokens.len() {
            break;
        }
        for start in 0..=tokens.len() - window {
            let candidate = tokens[start..start + window].join(" ");
            if let Some(edits) = distance(&candidate, title) {
                let quality = 1.0 - edits as f32 / title.len().max(1) as f32;
                best = best.max(quality);
            }
        }
    }
    if best == 0.0 {
        return 0.0;
    }
    let case = if upper_case { 1.0 } else { 0.75 };
    let crowded = if tokens.len() <= length + 4 {
        1.0
    } else {
        0.85
    };
    best * case * crowded
}

/// The best title on the pages: its kind, score and length.
fn best_title(pages: &[OcrPage]) -> Option<(DocumentType, f32)> {
    let mut best: Option<(DocumentType, f32, usize)> = None;
    for (page_index, page) in pages.iter().enumerate() {
        let rows = rows(page, page_index);
        let texts: Vec<(String, bool)> = rows
            .iter()
            .map(|row| {
                let text = row_text(row);
                (fold(&text), is_upper_case(&text))
            })
            .collect();
        for index in 0..texts.len() {
            let (text, upper) = &texts[index];
            let mut candidates = vec![(text.clone(), *upper)];
            if let Some((next, next_upper)) = texts.get(index + 1)
                && *upper
                && *next_upper
            {
                candidates.push((format!("{text} {next}"), true));
            }
            for (candidate, upper) in candidates {
                for (title, kind) in TITLES {
                    let score = title_score(&candidate, title, upper);
                    let better = match best {
                        None => score > 0.0,
                        Some((_, best_score, best_length)) => {
                            score > best_score + 0.01
                                || ((score - best_score).abs() <= 0.01 && title.len() > best_length)
                        }
                    };
                    if better {
                        best = Some((*kind, score, title.len()));
                    }
                }
            }
        }
    }
    best.map(|(kind, score, _)| (kind, score))
}

/// The kind the fields point at, and the weight of the evidence.
fn evidence(fields: &BTreeMap<String, ReadField>) -> Option<(DocumentType, u32)> {
    let mut weights: BTreeMap<&str, (DocumentType, u32)> = BTreeMap::new();
    for (key, kind, weight) in EVIDENCE {
        if fields.contains_key(*key) {
            weights.entry(kind.code()).or_insert((*kind, 0)).1 += weight;
        }
    }
    weights.into_values().max_by_key(|(_, weight)| *weight)
}

/// The kind of the document whose pages read `pages` and whose fields are `fields`.
pub fn classify(pages: &[OcrPage], fields: &BTreeMap<String, ReadField>) -> Classification {
    let content = evidence(fields);
    if let Some((kind, score)) = best_title(pages)
        && score >= TITLE_TAKEN_FROM
    {
        let agrees = content.is_some_and(|(content_kind, _)| content_kind == kind);
        return Classification {
            kind,
            confidence: if agrees {
                score.min(0.99)
            } else {
                score * 0.95
            },
        };
    }
    match content {
        Some((kind, weight)) if weight >= EVIDENCE_TAKEN_FROM => Classification {
            kind,
            confidence: (0.5 + 0.05 * weight as f32).min(0.8),
        },
        _ => Classification {
            kind: DocumentType::Other,
            confidence: 0.5,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lines: &[&str]) -> OcrPage {
        let rows: Vec<[(u32, &str); 1]> = lines.iter().map(|line| [(100, *line)]).collect();
        let rows: Vec<&[(u32, &str)]> = rows.iter().map(|row| row.as_slice()).collect();
        crate::layout::test_page(&rows, 90.0)
    }

    fn kind_of(lines: &[&str]) -> DocumentType {
        let pages = [page(lines)];
        let fields = crate::fields::extract(&pages);
        classify(&pages, &fields).kind
    }

    #[test]
    fn titles_are_found_misread_and_over_two_rows() {
        assert_eq!(
            kind_of(&["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY KHAl SINH"]),
            DocumentType::BirthCertificate
        );
        assert_eq!(
            kind_of(&["BẰNG TỐT NGHIỆP", "TRUNG HỌC PHỔ THÔNG", "Họ và tên: An"]),
            DocumentType::HighSchoolDiploma
        );
        assert_eq!(
            kind_of(&["TRÍCH LỤC KHAI TỬ", "Họ, chữ đệm, tên người chết: An"]),
            DocumentType::DeathCertificate
        );
    }

    #[test]
    fn without_a_title_the_fields_tell_the_kind() {
        assert_eq!(
            kind_of(&[
                "Họ, chữ đệm, tên chồng: Lê Văn Bình",
                "Họ, chữ đệm, tên vợ: Phạm Thị Châu"
            ]),
            DocumentType::MarriageCertificate
        );
        assert_eq!(
            kind_of(&["Thông báo họp tổ dân phố", "Thời gian: 19 giờ"]),
            DocumentType::Other
        );
    }
}
