//! Folded text compared the way OCR gets it wrong: letters it confuses with digits or marks
//! are taken for one another, and a few edits are forgiven on long words, none on short ones.

/// Letters OCR reads as digits or marks, put back (on folded text, which is upper case).
fn unconfused(c: char) -> char {
    match c {
        '0' => 'O',
        '1' | '|' | 'l' | '!' => 'I',
        '5' => 'S',
        '8' => 'B',
        '6' => 'G',
        other => other,
    }
}

/// `text` with OCR's letter confusions put back.
pub fn unconfuse(text: &str) -> String {
    text.chars().map(unconfused).collect()
}

/// Edits forgiven between a reading and a wording of `length` characters: none up to 6, one
/// up to 13, then one more every 8 characters.
pub fn tolerance(length: usize) -> usize {
    match length {
        0..=6 => 0,
        7..=13 => 1,
        _ => 1 + (length - 6) / 8,
    }
}

/// How far `read` is from `wording` (both folded), when within the tolerance of the wording's
/// length: `Some(edits)`.
pub fn distance(read: &str, wording: &str) -> Option<usize> {
    let allowed = tolerance(wording.len());
    if read.len().abs_diff(wording.len()) > allowed {
        return None;
    }
    if read == wording {
        return Some(0);
    }
    let edits = strsim::levenshtein(&unconfuse(read), wording);
    (edits <= allowed).then_some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_confusions_and_a_letter_are_forgiven_on_long_wordings_only() {
        assert_eq!(distance("NGAY SINH", "NGAY SINH"), Some(0));
        assert_eq!(distance("NGAY 5INH", "NGAY SINH"), Some(0));
        assert_eq!(distance("NGAV SINH", "NGAY SINH"), Some(1));
        assert_eq!(distance("NGAV SlNX", "NGAY SINH"), None);
        // Short wordings must be read exactly: "SO" is not "SG".
        assert_eq!(distance("SG", "SO"), None);
        assert_eq!(distance("S0", "SO"), Some(0));
        assert_eq!(
            distance("HO CHU DEM TEN NGUOL ME", "HO CHU DEM TEN NGUOI ME"),
            Some(1)
        );
    }
}
