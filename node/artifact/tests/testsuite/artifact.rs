//! End-to-end tests of the artifact: render, open, verify, and the ways a
//! sealed file can be changed (every one must be caught).

// Test helpers outside `#[test]` functions unwrap too: a failure is a test failure.
use crate::common;

use std::sync::OnceLock;

use bansao_artifact::{
    OpenError, PageImage, PageImageFormat, QrError, RenderError, SealError, open_sealed_pdf,
    render_sealed_pdf,
};
use common::{TestSealer, content, jpeg_page, metadata_cbor, png_page};

/// One sealed artifact (PNG page, JPEG page, certification page), rendered once.
fn sealed() -> &'static [u8] {
    static SEALED: OnceLock<Vec<u8>> = OnceLock::new();
    SEALED.get_or_init(|| {
        render_sealed_pdf(&content(vec![png_page(), jpeg_page()]), &TestSealer::new(7)).unwrap()
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// Whether the file is rejected, by `open_sealed_pdf` or by `verify_seal`.
fn rejected(bytes: &[u8]) -> bool {
    match open_sealed_pdf(bytes) {
        Err(_) => true,
        Ok(opened) => opened
            .verify_seal(&TestSealer::new(7).verifying_key())
            .is_err(),
    }
}

#[test]
fn render_open_verify_round_trip() {
    let sealer = TestSealer::new(7);
    let opened = open_sealed_pdf(sealed()).unwrap();
    opened.verify_seal(&sealer.verifying_key()).unwrap();
    assert_eq!(opened.seal_key_id, bansao_artifact::Sealer::key_id(&sealer));
    assert_eq!(opened.page_count, 3, "two scans and the certification page");
    assert_eq!(opened.byte_range[0], 0);
    assert_eq!(opened.byte_range[2] - opened.byte_range[1], 128);
    assert_eq!(opened.byte_range[2] + opened.byte_range[3], sealed().len());
}

#[test]
fn embedded_metadata_comes_back_byte_identical() {
    let opened = open_sealed_pdf(sealed()).unwrap();
    assert_eq!(opened.metadata_cbor, metadata_cbor());
}

#[test]
fn wrong_key_fails() {
    let opened = open_sealed_pdf(sealed()).unwrap();
    let other = TestSealer::new(8).verifying_key();
    assert!(matches!(
        opened.verify_seal(&other),
        Err(SealError::BadSignature)
    ));
}

#[test]
fn rendering_is_deterministic() {
    let again =
        render_sealed_pdf(&content(vec![png_page(), jpeg_page()]), &TestSealer::new(7)).unwrap();
    assert!(
        again == sealed(),
        "same content and key give the same bytes"
    );
}

/// Positions of interest in the sealed file, by what they are.
fn landmarks(file: &[u8]) -> Vec<(&'static str, usize)> {
    let document = lopdf::Document::load_mem(file).unwrap();
    let first_page = *document.get_pages().get(&1).unwrap();
    let contents = document
        .get_dictionary(first_page)
        .unwrap()
        .get(b"Contents")
        .unwrap()
        .as_reference()
        .unwrap();
    let contents_offset = match document.reference_table.get(contents.0).unwrap() {
        lopdf::xref::XrefEntry::Normal { offset, .. } => *offset as usize,
        other => panic!("unexpected xref entry {other:?}"),
    };
    let page_stream = contents_offset + find(&file[contents_offset..], b"stream\n").unwrap() + 20;
    let seal = rfind(file, b"/Type /BansaoSeal").unwrap();
    let gap = find(&file[seal..], b"/Contents <").unwrap() + seal + 11;
    vec![
        ("header", 3),
        ("binary comment", 11),
        ("page content stream", page_stream),
        (
            "embedded metadata stream",
            find(file, &metadata_cbor()).unwrap() + 100,
        ),
        (
            "embedded file name",
            find(file, b"bansao-copy.cbor").unwrap() + 3,
        ),
        ("first xref table", find(file, b"\nxref\n").unwrap() + 12),
        ("first trailer", find(file, b"trailer").unwrap() + 12),
        ("first %%EOF", find(file, b"%%EOF").unwrap() + 2),
        ("seal type", seal + 8),
        ("seal key id", find(file, b"/KeyId <").unwrap() + 9),
        (
            "seal byte range",
            find(file, b"/ByteRange [0 ").unwrap() + 20,
        ),
        ("signature placeholder start", gap),
        ("signature placeholder middle", gap + 64),
        ("signature placeholder end", gap + 127),
        ("placeholder closing bracket", gap + 128),
        ("new catalog", rfind(file, b"/BansaoSeal").unwrap() + 4),
        ("last xref table", rfind(file, b"\nxref\n").unwrap() + 30),
        ("last trailer /Prev", rfind(file, b"/Prev").unwrap() + 7),
        (
            "startxref offset",
            rfind(file, b"startxref\n").unwrap() + 11,
        ),
        ("final %%EOF", rfind(file, b"%%EOF").unwrap() + 3),
        ("final newline", file.len() - 1),
    ]
}

#[test]
fn flipping_any_single_byte_is_detected() {
    let file = sealed();
    for (what, position) in landmarks(file) {
        for replacement in [file[position] ^ 0x01, file[position] ^ 0x20, b'0'] {
            if replacement == file[position] {
                continue;
            }
            let mut changed = file.to_vec();
            changed[position] = replacement;
            assert!(
                rejected(&changed),
                "changing byte {position} ({what}) to {replacement:#04x} went unnoticed"
            );
        }
    }
}

#[test]
fn flipping_bytes_across_the_whole_file_is_detected() {
    let file = sealed();
    let stride = (file.len() / 250).max(1);
    for position in (0..file.len()).step_by(stride) {
        let mut changed = file.to_vec();
        changed[position] ^= 0x04;
        assert!(rejected(&changed), "flip at byte {position} went unnoticed");
    }
}

#[test]
fn uppercasing_the_signature_hex_is_rejected() {
    // Same signature value, different bytes: the seal must still catch it.
    let file = sealed();
    let gap = open_sealed_pdf(file).unwrap().byte_range[1];
    let mut changed = file.to_vec();
    changed[gap..gap + 128].make_ascii_uppercase();
    assert_ne!(changed, file, "the signature has a letter digit");
    assert!(matches!(
        open_sealed_pdf(&changed),
        Err(OpenError::MalformedSeal(_))
    ));
}

#[test]
fn appended_bytes_are_rejected() {
    for suffix in [&b"\n"[..], b" ", b"%%EOF\n", b"trailer\n<< >>\n"] {
        let mut changed = sealed().to_vec();
        changed.extend_from_slice(suffix);
        assert!(
            matches!(
                open_sealed_pdf(&changed),
                Err(OpenError::ByteRangeNotCoveringFile(_) | OpenError::NotPdf(_))
            ),
            "appending {suffix:?} went unnoticed"
        );
    }
}

#[test]
fn truncated_files_are_rejected() {
    let file = sealed();
    for keep in [
        file.len() - 1,
        file.len() - 7,
        file.len() - 200,
        file.len() / 2,
        100,
        5,
        0,
    ] {
        assert!(
            open_sealed_pdf(&file[..keep]).is_err(),
            "truncating to {keep} bytes went unnoticed"
        );
    }
}

/// Rewrites one `/ByteRange` number (fixed-width, so nothing else moves).
fn with_byte_range_field(index: usize, value: &str) -> Vec<u8> {
    let file = sealed();
    let start = find(file, b"/ByteRange [").unwrap() + 12;
    let end = start + find(&file[start..], b"]").unwrap();
    let mut fields: Vec<String> = std::str::from_utf8(&file[start..end])
        .unwrap()
        .split(' ')
        .map(str::to_string)
        .collect();
    fields[index] = value.to_string();
    let mut changed = file[..start].to_vec();
    changed.extend_from_slice(fields.join(" ").as_bytes());
    changed.extend_from_slice(&file[end..]);
    changed
}

#[test]
fn byte_range_must_start_at_zero_and_end_at_eof() {
    // A range starting at 1 leaves byte 0 unsealed.
    let not_from_zero = with_byte_range_field(0, "1");
    assert!(matches!(
        open_sealed_pdf(&not_from_zero),
        Err(OpenError::ByteRangeNotCoveringFile(_))
    ));
    // A range that stops short of the end leaves the tail unsealed.
    let original = open_sealed_pdf(sealed()).unwrap().byte_range;
    let short = with_byte_range_field(3, &format!("{:010}", original[3] - 1));
    assert!(matches!(
        open_sealed_pdf(&short),
        Err(OpenError::ByteRangeNotCoveringFile(_))
    ));
    // A gap wider than the signature leaves other bytes unsealed.
    let wide = with_byte_range_field(1, &format!("{:010}", original[1] - 1));
    assert!(open_sealed_pdf(&wide).is_err());
}

#[test]
fn huge_and_negative_byte_range_numbers_are_errors() {
    for value in ["99999999999999999999", "-5", "18446744073709551615", "1.5"] {
        for index in 0..4 {
            let changed = with_byte_range_field(index, value);
            assert!(
                open_sealed_pdf(&changed).is_err(),
                "/ByteRange field {index} = {value} accepted"
            );
        }
    }
}

#[test]
fn a_pdf_without_seal_is_reported_as_such() {
    let mut changed = sealed().to_vec();
    let at = rfind(&changed, b"/BansaoSeal").unwrap();
    changed[at + 10] = b'X';
    assert!(matches!(open_sealed_pdf(&changed), Err(OpenError::NoSeal)));
}

#[test]
fn a_pdf_without_the_metadata_file_is_reported_as_such() {
    let file = sealed();
    let mut changed = file.to_vec();
    let name = b"bansao-copy.cbor";
    let mut from = 0;
    while let Some(at) = find(&changed[from..], name) {
        changed[from + at + 12..from + at + 16].copy_from_slice(b"json");
        from += at + name.len();
    }
    assert!(matches!(
        open_sealed_pdf(&changed),
        Err(OpenError::NoEmbeddedMetadata(_))
    ));
}

#[test]
fn garbage_is_not_a_pdf() {
    for bytes in [
        &b""[..],
        b"hello",
        b"%PDF-",
        b"%PDF-1.7\n%%EOF",
        &[0xff; 300],
    ] {
        assert!(open_sealed_pdf(bytes).is_err());
    }
}

#[test]
fn document_metadata_and_pdfa_identification() {
    let document = lopdf::Document::load_mem(sealed()).unwrap();
    let catalog = document.catalog().unwrap();
    assert_eq!(catalog.get(b"Lang").unwrap().as_str().unwrap(), b"vi");
    let info_id = document
        .trailer
        .get(b"Info")
        .unwrap()
        .as_reference()
        .unwrap();
    let info = document.get_dictionary(info_id).unwrap();
    let title = lopdf::decode_text_string(info.get(b"Title").unwrap()).unwrap();
    assert!(title.contains("BS-2026-TL-000123"), "{title}");
    let created = info.get(b"CreationDate").unwrap().as_str().unwrap();
    assert!(created.starts_with(b"D:20261123160542+07"), "{created:?}");

    let metadata_id = catalog.get(b"Metadata").unwrap().as_reference().unwrap();
    let xmp = document
        .get_object(metadata_id)
        .unwrap()
        .as_stream()
        .unwrap()
        .get_plain_content()
        .unwrap();
    let xmp = String::from_utf8_lossy(&xmp);
    assert!(xmp.contains("<pdfaid:part>3</pdfaid:part>"), "{xmp}");
    assert!(
        xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{xmp}"
    );

    let af = catalog.get(b"AF").unwrap().as_array().unwrap();
    let spec = document
        .get_dictionary(af[0].as_reference().unwrap())
        .unwrap();
    assert_eq!(
        spec.get(b"AFRelationship").unwrap().as_name().unwrap(),
        b"Data"
    );
    let ef = spec.get(b"EF").unwrap().as_dict().unwrap();
    let stream = document
        .get_object(ef.get(b"F").unwrap().as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap();
    assert_eq!(
        stream.dict.get(b"Subtype").unwrap().as_name().unwrap(),
        b"application/cbor"
    );
}

#[test]
fn text_is_extractable_with_vietnamese_diacritics() {
    let document = lopdf::Document::load_mem(sealed()).unwrap();
    // The certification page's content stream names the glyphs through a
    // ToUnicode map; lopdf's text extraction goes through it.
    let text = document.extract_text(&[3]).unwrap();
    for expected in [
        bansao_artifact::STATEMENT_VI,
        bansao_artifact::STATEMENT_EN,
        "BS-2026-TL-000123",
        "Ủy ban nhân dân xã Tân Lập",
        "Trần Văn Bình",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    let scan_page = document.extract_text(&[1]).unwrap();
    assert!(scan_page.contains("Trang 1/3"), "{scan_page}");
}

#[test]
fn render_errors_are_typed() {
    let sealer = TestSealer::new(7);
    assert!(matches!(
        render_sealed_pdf(&content(vec![]), &sealer),
        Err(RenderError::NoPages)
    ));

    let broken = PageImage {
        bytes: b"not a png".to_vec(),
        format: PageImageFormat::Png,
    };
    assert!(matches!(
        render_sealed_pdf(&content(vec![png_page(), broken]), &sealer),
        Err(RenderError::PageImage { page_number: 2, .. })
    ));

    let mut too_long_qr = content(vec![png_page()]);
    too_long_qr.qr_text = "A".repeat(5000);
    assert!(matches!(
        render_sealed_pdf(&too_long_qr, &sealer),
        Err(RenderError::Qr(QrError::TooLong))
    ));

    let mut crowded = content(vec![png_page()]);
    crowded.signer_lines = vec!["Người ký".to_string(); 40];
    assert!(matches!(
        render_sealed_pdf(&crowded, &sealer),
        Err(RenderError::CertificationPageOverflow { .. })
    ));
}

#[test]
fn characters_outside_the_font_do_not_break_pdfa() {
    let mut odd = content(vec![png_page()]);
    odd.status_label = "Tạm thời 🦀 \u{0007} \u{E000}".to_string();
    odd.commune_label = "Xã \u{202E}Tân Lập".to_string();
    let sealed = render_sealed_pdf(&odd, &TestSealer::new(7)).unwrap();
    open_sealed_pdf(&sealed)
        .unwrap()
        .verify_seal(&TestSealer::new(7).verifying_key())
        .unwrap();
}
