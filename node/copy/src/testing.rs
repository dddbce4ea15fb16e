//! Sample copies for tests and benchmarks in any crate (feature `testing`), shaped like real
//! ones: a birth certificate with a handful of fields and one scanned page.

use std::collections::BTreeMap;

use crate::content::{ContentHash, CopyContent, CopyId, DocumentType, ExtractedField, PageRef};
use crate::fee::certification_fee_vnd;
use crate::timestamp::Timestamp;

/// Content for the `sequence`-th copy of the fixture kiosk (`KIOSK-TANLAP-01`, commune
/// `00001`), chained to `previous`, issued at `issued_at`, with one page whose scan is `scan`.
pub fn sample_content(
    sequence: u64,
    previous: ContentHash,
    issued_at: Timestamp,
    scan: &[u8],
) -> CopyContent {
    let field = |value: &str, confidence_permille: u16| ExtractedField {
        value: value.to_owned(),
        confidence_permille,
        corrected_from: None,
        source: None,
    };
    let mut fields = BTreeMap::new();
    fields.insert("ho_ten".to_owned(), field("NGUYỄN VĂN AN", 962));
    fields.insert("ngay_sinh".to_owned(), field("12/03/2015", 941));
    fields.insert("gioi_tinh".to_owned(), field("Nam", 990));
    fields.insert(
        "noi_sinh".to_owned(),
        field("Trạm Y tế xã Tân Lập, huyện Đan Phượng, Hà Nội", 903),
    );
    fields.insert("ho_ten_me".to_owned(), field("TRẦN THỊ HOA", 950));
    fields.insert("ho_ten_cha".to_owned(), field("NGUYỄN VĂN BÌNH", 948));
    fields.insert("so_giay".to_owned(), field("125/2015", 975));
    let millis = u64::try_from(issued_at.unix()).unwrap_or(0) * 1000;
    CopyContent {
        copy_id: CopyId::from_parts(millis, 0xB5A0_0000_0000_0000_0000 | u128::from(sequence)),
        commune: "00001".to_owned(),
        kiosk_id: "KIOSK-TANLAP-01".to_owned(),
        kiosk_sequence: sequence,
        previous_content_hash: previous,
        document_type: DocumentType::BirthCertificate,
        issued_at,
        fields,
        pages: vec![PageRef::of(scan, "image/png")],
        fee_vnd: certification_fee_vnd(1),
    }
}
