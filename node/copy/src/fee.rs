//! The certification fee (Circular 226/2016/TT-BTC): 2,000 VND per page for the first two pages,
//! 1,000 VND per page from the third, at most 200,000 VND per copy.

/// Fee for each of pages 1 and 2, in VND.
pub const FIRST_PAGES_FEE_VND: u64 = 2_000;
/// Fee for each page from the third, in VND.
pub const LATER_PAGES_FEE_VND: u64 = 1_000;
/// Most a single copy costs, in VND.
pub const MAX_FEE_VND: u64 = 200_000;

/// The fee in VND for a copy of `pages` pages.
pub fn certification_fee_vnd(pages: u64) -> u64 {
    let first = pages.min(2) * FIRST_PAGES_FEE_VND;
    let later = pages.saturating_sub(2).saturating_mul(LATER_PAGES_FEE_VND);
    first.saturating_add(later).min(MAX_FEE_VND)
}

/// An amount as Vietnamese write it: 12000 → "12.000".
pub fn format_vnd(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_vietnamese_thousands_separator() {
        assert_eq!(format_vnd(0), "0");
        assert_eq!(format_vnd(2_000), "2.000");
        assert_eq!(format_vnd(200_000), "200.000");
        assert_eq!(format_vnd(1_234_567), "1.234.567");
    }

    #[test]
    fn fee_follows_the_circular() {
        assert_eq!(certification_fee_vnd(0), 0);
        assert_eq!(certification_fee_vnd(1), 2_000);
        assert_eq!(certification_fee_vnd(2), 4_000);
        assert_eq!(certification_fee_vnd(3), 5_000);
        assert_eq!(certification_fee_vnd(10), 12_000);
        // 4,000 + 196 × 1,000 = 200,000: the cap is reached at 198 pages.
        assert_eq!(certification_fee_vnd(198), 200_000);
        assert_eq!(certification_fee_vnd(199), 200_000);
        assert_eq!(certification_fee_vnd(u64::MAX), 200_000);
    }
}
