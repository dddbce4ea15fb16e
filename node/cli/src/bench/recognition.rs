//! `bansao bench recognition`: how often the kiosk reads an original right. A generated set of
//! documents of every kind the kiosk knows (birth and marriage certificates, high-school and
//! university diplomas, the identity card's text, and something else), for made-up people with
//! Vietnamese names — in capitals, as certificates print them, on half the documents — scanned
//! at 300 dpi with grain, a crooked page, a round seal stamped over the last lines of every
//! third, a few upside down, JPEG; plus originals that must be refused (a "MẬT" mark, "không được sao chụp", a
//! blank page). Prints the share of fields read exactly right (refusals counted as fields: a
//! refusal is right when the original must be refused), and the share of kinds right.

use std::collections::BTreeMap;
use std::io::Write;

use bansao_copy::DocumentType;
use bansao_hw::image_input::open_image;

use super::Figure;
use bansao_node::config::KioskSettings;
use bansao_node::kiosk_shell::perception::Perception;
use bansao_testkit::specimens;

/// A made-up person: name, date of birth, sex, place of birth.
const PEOPLE: [(&str, &str, &str, &str); 8] = [
    ("Trần Thị Hoa", "05/09/2010", "Nữ", "Trạm Y tế xã Tân Lập"),
    ("Lê Văn Bình", "21/11/1987", "Nam", "Bệnh viện Bạch Mai"),
    (
        "Phạm Minh Châu",
        "30/01/2001",
        "Nữ",
        "Xã Hòa Bình, huyện Đông Anh",
    ),
    (
        "Nguyễn Đức Thắng",
        "14/07/1995",
        "Nam",
        "Bệnh viện Đa khoa tỉnh Phú Thọ",
    ),
    (
        "Hoàng Thị Yến",
        "02/12/1979",
        "Nữ",
        "Xã Quang Trung, huyện Thạch Thất",
    ),
    (
        "Đặng Quốc Việt",
        "19/04/2008",
        "Nam",
        "Trạm Y tế phường Cầu Giấy",
    ),
    (
        "Vũ Ngọc Ánh",
        "08/08/1990",
        "Nữ",
        "Bệnh viện Phụ sản Hà Nội",
    ),
    (
        "Bùi Văn Tuấn",
        "25/03/1984",
        "Nam",
        "Xã Tiên Phong, huyện Ba Vì",
    ),
];

/// One document of the set and what must be read from it.
#[derive(Debug, Clone)]
pub struct Specimen {
    /// Its lines.
    pub lines: Vec<String>,
    /// The kind the kiosk must find.
    pub kind: DocumentType,
    /// Field name → value the kiosk must read.
    pub fields: BTreeMap<&'static str, String>,
    /// It must be refused.
    pub refused: bool,
    /// Scanned upside down.
    pub upside_down: bool,
    /// Skew in degrees.
    pub skew: f32,
    /// A round seal stamped over the last lines.
    pub seal: bool,
}

fn specimen(lines: Vec<String>, kind: DocumentType, fields: &[(&'static str, &str)]) -> Specimen {
    Specimen {
        lines,
        kind,
        fields: fields
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect(),
        refused: false,
        upside_down: false,
        skew: 0.0,
        seal: false,
    }
}

/// The generated set: each person on a document of each kind, names in capitals on every
/// other document, then the originals that must be refused.
pub fn specimens() -> Vec<Specimen> {
    let mut set = Vec::new();
    for (index, (name, born, sex, place)) in PEOPLE.iter().enumerate() {
        let name = if index % 2 == 1 {
            name.to_uppercase()
        } else {
            (*name).to_owned()
        };
        let name = name.as_str();
        let id_number = format!("0012{:02}00{:04}", 80 + index, 1234 + index);
        let kinds = [
            specimen(
                vec![
                    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
                    "Độc lập - Tự do - Hạnh phúc".to_owned(),
                    format!("Số: {}/2015", 100 + index),
                    "GIẤY KHAI SINH".to_owned(),
                    format!("Họ, chữ đệm, tên: {name}"),
                    format!("Ngày, tháng, năm sinh: {born}"),
                    format!("Giới tính: {sex}     Dân tộc: Kinh     Quốc tịch: Việt Nam"),
                    format!("Nơi sinh: {place}"),
                    format!("Số định danh cá nhân: {id_number}"),
                ],
                DocumentType::BirthCertificate,
                &[
                    ("so", &format!("{}/2015", 100 + index)),
                    ("ho_ten", name),
                    ("ngay_sinh", born),
                    ("gioi_tinh", sex),
                    ("dan_toc", "Kinh"),
                    ("quoc_tich", "Việt Nam"),
                    ("noi_sinh", place),
                    ("so_dinh_danh", &id_number),
                ],
            ),
            specimen(
                vec![
                    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
                    "GIẤY CHỨNG NHẬN KẾT HÔN".to_owned(),
                    format!("Họ, chữ đệm, tên: {name}"),
                    format!("Ngày, tháng, năm sinh: {born}"),
                    "Dân tộc: Kinh     Quốc tịch: Việt Nam".to_owned(),
                    format!("Nơi thường trú: {place}"),
                ],
                DocumentType::MarriageCertificate,
                &[
                    ("ho_ten", name),
                    ("ngay_sinh", born),
                    ("dan_toc", "Kinh"),
                    ("quoc_tich", "Việt Nam"),
                    ("noi_thuong_tru", place),
                ],
            ),
            specimen(
                vec![
                    "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG".to_owned(),
                    format!("Họ và tên: {name}"),
                    format!("Ngày sinh: {born}"),
                    format!("Nơi sinh: {place}"),
                    format!("Giới tính: {sex}"),
                ],
                DocumentType::HighSchoolDiploma,
                &[
                    ("ho_ten", name),
                    ("ngay_sinh", born),
                    ("noi_sinh", place),
                    ("gioi_tinh", sex),
                ],
            ),
            specimen(
                vec![
                    "BẰNG TỐT NGHIỆP ĐẠI HỌC".to_owned(),
                    "Ngành: Luật".to_owned(),
                    format!("Họ và tên: {name}"),
                    format!("Ngày sinh: {born}"),
                    format!("Số: {}/ĐH", 5000 + index),
                ],
                DocumentType::UniversityDiploma,
                &[
                    ("ho_ten", name),
                    ("ngay_sinh", born),
                    ("so", &format!("{}/ĐH", 5000 + index)),
                ],
            ),
            specimen(
                vec![
                    "CĂN CƯỚC CÔNG DÂN".to_owned(),
                    format!("Số định danh cá nhân: {id_number}"),
                    format!("Họ và tên: {name}"),
                    format!("Ngày sinh: {born}"),
                    format!("Giới tính: {sex}     Quốc tịch: Việt Nam"),
                    format!("Quê quán: {place}"),
                ],
                DocumentType::CitizenIdentityCard,
                &[
                    ("so_dinh_danh", &id_number),
                    ("ho_ten", name),
                    ("ngay_sinh", born),
                    ("gioi_tinh", sex),
                    ("quoc_tich", "Việt Nam"),
                    ("que_quan", place),
                ],
            ),
        ];
        for (kind_index, mut document) in kinds.into_iter().enumerate() {
            let number = index * 5 + kind_index;
            document.upside_down = number % 7 == 3;
            document.skew = ((number % 5) as f32 - 2.0) * 0.6;
            document.seal = number % 3 == 1;
            set.push(document);
        }
    }
    set.push(specimen(
        vec![
            "Thông báo họp tổ dân phố số 3".to_owned(),
            "Thời gian: 19 giờ ngày 12 tháng 6".to_owned(),
        ],
        DocumentType::Other,
        &[],
    ));
    for lines in [
        vec![
            "MẬT",
            "BÁO CÁO TÌNH HÌNH AN NINH TRẬT TỰ",
            "Nội dung gồm các mục sau",
        ],
        vec![
            "QUYẾT ĐỊNH VỀ VIỆC GIAO ĐẤT",
            "Tài liệu không được sao chụp",
            "Điều 1. Giao đất cho hộ gia đình",
        ],
        vec![],
    ] {
        let mut document = specimen(
            lines.into_iter().map(str::to_owned).collect(),
            DocumentType::Other,
            &[],
        );
        document.refused = true;
        set.push(document);
    }
    set
}

/// What the measurement found.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognitionScore {
    /// Fields (and refusals) to get right.
    pub total: usize,
    /// Got right.
    pub right: usize,
    /// Documents whose kind was right.
    pub kinds_right: usize,
    /// Documents.
    pub documents: usize,
    /// What was wrong: document number, field, expected, read.
    pub misses: Vec<(usize, String, String, String)>,
}

/// Scans, reads and scores every specimen.
pub fn score(set: &[Specimen], perception: &mut Perception) -> anyhow::Result<RecognitionScore> {
    let mut score = RecognitionScore {
        total: 0,
        right: 0,
        kinds_right: 0,
        documents: set.len(),
        misses: Vec::new(),
    };
    for (number, document) in set.iter().enumerate() {
        let lines: Vec<&str> = document.lines.iter().map(String::as_str).collect();
        let mut page = specimens::scanned_a4_page_with_seal(&lines, document.skew, document.seal)?;
        if document.upside_down {
            let turned = image::imageops::rotate180(&image::load_from_memory(&page)?.to_luma8());
            page.clear();
            image::DynamicImage::ImageLuma8(turned).write_to(
                &mut std::io::Cursor::new(&mut page),
                image::ImageFormat::Jpeg,
            )?;
        }
        let image = open_image(page)?;
        let reading = perception.read_page(&image.image)?;
        if document.refused {
            score.total += 1;
            if reading.verdict.is_err() {
                score.right += 1;
                score.kinds_right += 1;
            } else {
                score.misses.push((
                    number,
                    "refusal".to_owned(),
                    "refused".to_owned(),
                    "accepted".to_owned(),
                ));
            }
            continue;
        }
        if let Err(refusal) = &reading.verdict {
            score.total += document.fields.len().max(1);
            score.misses.push((
                number,
                "page".to_owned(),
                "accepted".to_owned(),
                refusal.reason(),
            ));
            continue;
        }
        let (kind, fields) = Perception::recognise(&[reading.ocr]);
        if kind == document.kind {
            score.kinds_right += 1;
        } else {
            score.misses.push((
                number,
                "kind".to_owned(),
                document.kind.code().to_owned(),
                kind.code().to_owned(),
            ));
        }
        for (name, expected) in &document.fields {
            score.total += 1;
            let read = fields.get(*name).map(|field| field.value.as_str());
            if read == Some(expected.as_str()) {
                score.right += 1;
            } else {
                score.misses.push((
                    number,
                    (*name).to_owned(),
                    expected.clone(),
                    read.unwrap_or("(not read)").to_owned(),
                ));
            }
        }
    }
    Ok(score)
}

/// Runs the measurement and prints `field_accuracy` and `kind_accuracy`.
pub fn run(out: &mut dyn Write) -> anyhow::Result<()> {
    let mut perception = Perception::open(&KioskSettings::default())?;
    let set = specimens();
    let score = score(&set, &mut perception)?;
    let misses: Vec<serde_json::Value> = score
        .misses
        .iter()
        .map(|(number, field, expected, read)| {
            serde_json::json!({"document": number, "field": field, "expected": expected, "read": read})
        })
        .collect();
    Figure::new(
        "field_accuracy",
        score.right as f64 / score.total.max(1) as f64,
        "ratio",
    )
    .with("target", 0.99)
    .with("right", score.right)
    .with("total", score.total)
    .with("documents", score.documents)
    .with("misses", serde_json::Value::Array(misses))
    .print(out)?;
    Figure::new(
        "kind_accuracy",
        score.kinds_right as f64 / score.documents.max(1) as f64,
        "ratio",
    )
    .with("right", score.kinds_right)
    .with("documents", score.documents)
    .print(out)?;
    Ok(())
}
