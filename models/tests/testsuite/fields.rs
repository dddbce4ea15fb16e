//! Classification and field extraction from real OCR of generated documents of every kind, on
//! clean and on scanned-looking pages. The accuracy is measured and printed; the assertions
//! hold what this stage reliably gives.

use crate::common;

use bansao_copy::DocumentType;
use bansao_models::classify::classify;
use bansao_models::fields::extract;
use bansao_models::ocr::OcrEngine;
use bansao_models::page::read_page;
use common::{page, scanned};

struct Sample {
    lines: Vec<String>,
    kind: DocumentType,
    fields: Vec<(&'static str, String)>,
}

fn samples() -> Vec<Sample> {
    let people = [
        ("Trần Thị Hoa", "05/09/2010", "Nữ", "Trạm Y tế xã Tân Lập"),
        ("Lê Văn Bình", "21/11/1987", "Nam", "Bệnh viện Bạch Mai"),
        (
            "Phạm Minh Châu",
            "30/01/2001",
            "Nữ",
            "Xã Hòa Bình, huyện Đông Anh",
        ),
    ];
    let mut samples = Vec::new();
    for (name, born, sex, place) in people {
        samples.push(Sample {
            lines: vec![
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
                "Độc lập - Tự do - Hạnh phúc".to_owned(),
                "GIẤY KHAI SINH".to_owned(),
                format!("Họ, chữ đệm, tên: {name}"),
                format!("Ngày, tháng, năm sinh: {born}"),
                // Several labelled fields on one line, as real certificates print them.
                format!("Giới tính: {sex}    Dân tộc: Kinh    Quốc tịch: Việt Nam"),
                format!("Nơi sinh: {place}"),
                "Họ, chữ đệm, tên người mẹ: Đỗ Thị Mai".to_owned(),
            ],
            kind: DocumentType::BirthCertificate,
            fields: vec![
                ("ho_ten", name.to_owned()),
                ("ngay_sinh", born.to_owned()),
                ("gioi_tinh", sex.to_owned()),
                ("dan_toc", "Kinh".to_owned()),
                ("quoc_tich", "Việt Nam".to_owned()),
                ("noi_sinh", place.to_owned()),
                ("ho_ten_me", "Đỗ Thị Mai".to_owned()),
            ],
        });
        samples.push(Sample {
            lines: vec![
                "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG".to_owned(),
                format!("Họ và tên: {name}"),
                format!("Ngày sinh: {born}"),
                format!("Nơi sinh: {place}"),
            ],
            kind: DocumentType::HighSchoolDiploma,
            fields: vec![
                ("ho_ten", name.to_owned()),
                ("ngay_sinh", born.to_owned()),
                ("noi_sinh", place.to_owned()),
            ],
        });
    }
    samples.push(Sample {
        lines: vec![
            "GIẤY CHỨNG NHẬN KẾT HÔN".to_owned(),
            "Họ, chữ đệm, tên: Nguyễn Thị Lan".to_owned(),
        ],
        kind: DocumentType::MarriageCertificate,
        fields: vec![("ho_ten", "Nguyễn Thị Lan".to_owned())],
    });
    samples.push(Sample {
        lines: vec![
            "Thông báo họp tổ dân phố".to_owned(),
            "Thời gian: 19 giờ".to_owned(),
        ],
        kind: DocumentType::Other,
        fields: vec![],
    });
    samples
}

#[test]
fn documents_are_classified_and_their_fields_read() {
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    let (mut kinds_right, mut fields_right, mut fields_total) = (0, 0, 0);
    let samples = samples();
    for (index, sample) in samples.iter().enumerate() {
        let lines: Vec<&str> = sample.lines.iter().map(String::as_str).collect();
        // Every other page looks scanned: grey paper, noise, some upside down.
        let image = scanned(&page(&lines), index % 4 == 3);
        let reading = read_page(&mut engine, &image, 300).unwrap();
        let pages = [reading.ocr];
        let fields = extract(&pages);
        kinds_right += usize::from(classify(&pages, &fields).kind == sample.kind);
        for (name, value) in &sample.fields {
            fields_total += 1;
            let read = fields.get(*name);
            if read.map(|field| field.value.as_str()) == Some(value.as_str()) {
                fields_right += 1;
            } else {
                eprintln!("{name}: expected {value:?}, read {read:?}");
            }
            if let Some(field) = read {
                assert!(field.confidence_permille <= 1000);
            }
        }
    }
    let field_accuracy = fields_right as f64 / fields_total as f64;
    eprintln!(
        "classification {kinds_right}/{}; fields exactly right {fields_right}/{fields_total} ({:.1} %)",
        samples.len(),
        field_accuracy * 100.0
    );
    assert_eq!(kinds_right, samples.len(), "every kind recognised");
    assert!(field_accuracy >= 0.85, "{field_accuracy}");
}
