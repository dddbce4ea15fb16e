//! Originals laid out in Rust: the official templates' wordings (civil status forms of
//! Circular 04/2020/TT-BTP, diplomas, identity cards, residence papers, land-use certificates)
//! in three layouts a kind — "label: value" rows with several labels a row, values under their
//! labels, a two-column table (husband | wife on marriage certificates) — and six fonts, values
//! handwritten-looking on some, a round seal over the signature and the last values, then
//! scanned at one of four damage levels, some pages put on the glass a quarter or half turn round.
//!
//! The third layout of each kind, and the Liberation Serif, FreeMono (typewriter) and FreeSans
//! fonts, are held out from tuning ([`Original::held_out`]).

use std::collections::BTreeMap;
use std::path::Path;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use anyhow::Context;
use bansao_copy::DocumentType;
use image::{GrayImage, Luma};

use super::{Damage, Original};

/// A4 at 300 dpi.
const PAGE: (u32, u32) = (2480, 3508);
/// The body text size in pixels (about 11 pt at 300 dpi).
const BODY_PX: f32 = 44.0;

/// A font the originals are drawn with.
struct FontChoice {
    name: &'static str,
    path: &'static str,
    held_out: bool,
}

const FONTS: [FontChoice; 6] = [
    FontChoice {
        name: "dejavu-sans",
        path: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        held_out: false,
    },
    FontChoice {
        name: "dejavu-serif",
        path: "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        held_out: false,
    },
    FontChoice {
        name: "dejavu-sans-condensed",
        path: "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
        held_out: false,
    },
    FontChoice {
        name: "liberation-serif",
        path: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        held_out: true,
    },
    FontChoice {
        name: "freemono",
        path: "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
        held_out: true,
    },
    FontChoice {
        name: "freesans",
        path: "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
        held_out: true,
    },
];

/// The font handwritten-looking values are drawn with (jittered glyph by glyph).
const HAND_FONT: &str = "/usr/share/fonts/truetype/freefont/FreeSerifItalic.ttf";

fn load_font(path: &str) -> anyhow::Result<FontVec> {
    let bytes = std::fs::read(path).with_context(|| {
        format!("font {path} is missing: deploy/setup.sh installs fonts-dejavu-extra, fonts-liberation2 and fonts-freefont-ttf")
    })?;
    FontVec::try_from_vec(bytes).with_context(|| format!("{path} is not a font"))
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `[-1, 1]`.
    fn signed(&mut self) -> f32 {
        (self.next() % 2001) as f32 / 1000.0 - 1.0
    }
}

/// Ink drawn on the page: text, frames and seals, each with its grey level.
struct Canvas {
    ink: GrayImage,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            ink: GrayImage::from_pixel(PAGE.0, PAGE.1, Luma([255])),
        }
    }

    fn darken(&mut self, x: i64, y: i64, level: u8, coverage: f32) {
        if x < 0 || y < 0 || x >= i64::from(PAGE.0) || y >= i64::from(PAGE.1) {
            return;
        }
        let pixel = self.ink.get_pixel_mut(x as u32, y as u32);
        let target = 255.0 - (255.0 - f32::from(level)) * coverage.clamp(0.0, 1.0);
        pixel.0[0] = pixel.0[0].min(target as u8);
    }

    /// Width of `text` at `px`.
    fn width(font: &FontVec, px: f32, text: &str) -> f32 {
        let scaled = font.as_scaled(PxScale::from(px));
        text.chars()
            .map(|c| scaled.h_advance(scaled.glyph_id(c)))
            .sum()
    }

    /// Draws `text` with its baseline at `y` from `x`; `hand` jitters each glyph as a pen would.
    fn text(
        &mut self,
        font: &FontVec,
        px: f32,
        (x, y): (f32, f32),
        text: &str,
        level: u8,
        mut hand: Option<&mut Rng>,
    ) -> f32 {
        let mut caret = x;
        for c in text.chars() {
            let (size, rise) = match hand.as_deref_mut() {
                Some(rng) => (px * (1.0 + 0.06 * rng.signed()), 3.0 * rng.signed()),
                None => (px, 0.0),
            };
            let scaled = font.as_scaled(PxScale::from(size));
            let glyph_id = scaled.glyph_id(c);
            let glyph = glyph_id.with_scale_and_position(size, ab_glyph::point(caret, y + rise));
            if let Some(outline) = font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    self.darken(
                        bounds.min.x as i64 + i64::from(gx),
                        bounds.min.y as i64 + i64::from(gy),
                        level,
                        coverage,
                    );
                });
            }
            caret += scaled.h_advance(glyph_id);
        }
        caret - x
    }

    /// A round seal: two rings and a star-like centre, at `level` (red ink on a grey scan).
    fn seal(&mut self, (cx, cy): (f32, f32), radius: f32, level: u8) {
        let r = radius as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                let distance = ((dx * dx + dy * dy) as f32).sqrt();
                let ring = (radius - 12.0..=radius).contains(&distance)
                    || (radius * 0.72..=radius * 0.72 + 6.0).contains(&distance)
                    || distance <= radius * 0.2;
                if ring {
                    self.darken(cx as i64 + dx, cy as i64 + dy, level, 1.0);
                }
            }
        }
    }

    /// A rectangular frame.
    fn frame(&mut self, (left, top): (f32, f32), (width, height): (f32, f32), thickness: i64) {
        let (l, t, w, h) = (left as i64, top as i64, width as i64, height as i64);
        for x in l..=l + w {
            for k in 0..thickness {
                self.darken(x, t + k, 60, 1.0);
                self.darken(x, t + h - k, 60, 1.0);
            }
        }
        for y in t..=t + h {
            for k in 0..thickness {
                self.darken(l + k, y, 60, 1.0);
                self.darken(l + w - k, y, 60, 1.0);
            }
        }
    }
}

/// One labelled value of a document: the printed label, the printed value, and the key and
/// expected value a kiosk must read (`None`: not checked).
#[derive(Clone)]
struct Entry {
    label: String,
    value: String,
    expected: Option<(&'static str, String)>,
}

fn entry(label: &str, value: &str, key: &'static str, expected: &str) -> Entry {
    Entry {
        label: label.to_owned(),
        value: value.to_owned(),
        expected: Some((key, expected.to_owned())),
    }
}

fn unchecked(label: &str, value: &str) -> Entry {
    Entry {
        label: label.to_owned(),
        value: value.to_owned(),
        expected: None,
    }
}

/// What a document holds, before it is laid out.
struct Content {
    kind: DocumentType,
    authority: String,
    title: Vec<String>,
    /// Groups of entries; a group with a person's heading is drawn under it.
    groups: Vec<(Option<String>, Vec<Entry>)>,
    /// Husband and wife side by side, for the table layout of a marriage certificate:
    /// `(label, husband's value and expected, wife's value and expected)`.
    pairs: Vec<(String, Entry, Entry)>,
}

/// A made-up person.
struct Person {
    name: &'static str,
    born: (u32, u32, u32),
    sex: &'static str,
    place: &'static str,
    id: &'static str,
}

const PEOPLE: [Person; 6] = [
    Person {
        name: "Đỗ Thị Thu Hằng",
        born: (3, 6, 1992),
        sex: "Nữ",
        place: "Bệnh viện Đa khoa tỉnh Nam Định",
        id: "036192004417",
    },
    Person {
        name: "Lương Văn Khải",
        born: (17, 10, 1985),
        sex: "Nam",
        place: "Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn",
        id: "020085001562",
    },
    Person {
        name: "Trịnh Ngọc Diệp",
        born: (29, 2, 2004),
        sex: "Nữ",
        place: "Trạm Y tế xã Quảng Phú, huyện Quảng Xương",
        id: "038304007788",
    },
    Person {
        name: "Hồ Minh Quân",
        born: (11, 1, 1978),
        sex: "Nam",
        place: "Phường Vĩnh Ninh, thành phố Huế",
        id: "046078003209",
    },
    Person {
        name: "Phan Thị Mỹ Linh",
        born: (8, 12, 1999),
        sex: "Nữ",
        place: "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh",
        id: "079199012345",
    },
    Person {
        name: "Vi Văn Sáng",
        born: (22, 4, 1969),
        sex: "Nam",
        place: "Xã Đồng Tâm, huyện Bình Gia, tỉnh Lạng Sơn",
        id: "020069000871",
    },
];

fn date_text((day, month, year): (u32, u32, u32)) -> String {
    format!("{day:02}/{month:02}/{year}")
}

/// The content of a document of `kind` about people `a` and `b`, with wordings chosen by
/// `variant`.
fn content(kind: DocumentType, a: &Person, b: &Person, variant: usize, capitals: bool) -> Content {
    let name = |person: &Person| {
        if capitals {
            person.name.to_uppercase()
        } else {
            person.name.to_owned()
        }
    };
    let born = date_text(a.born);
    let born_words = format!("ngày {} tháng {} năm {}", a.born.0, a.born.1, a.born.2);
    let pick = |options: &[&str]| options[variant % options.len()].to_owned();
    let authority = "ỦY BAN NHÂN DÂN XÃ TÂN LẬP".to_owned();
    let main = |entries: Vec<Entry>| (None, entries);
    match kind {
        DocumentType::BirthCertificate => Content {
            kind,
            authority,
            title: vec![pick(&["GIẤY KHAI SINH", "TRÍCH LỤC KHAI SINH"])],
            groups: vec![
                main(vec![
                    entry(
                        &pick(&["Họ, chữ đệm, tên", "Họ và tên"]),
                        &name(a),
                        "ho_ten",
                        &name(a),
                    ),
                    entry(
                        &pick(&["Ngày, tháng, năm sinh", "Ngày sinh"]),
                        if variant.is_multiple_of(2) {
                            &born
                        } else {
                            &born_words
                        },
                        "ngay_sinh",
                        &born,
                    ),
                    entry("Giới tính", a.sex, "gioi_tinh", a.sex),
                    entry("Dân tộc", "Kinh", "dan_toc", "Kinh"),
                    entry("Quốc tịch", "Việt Nam", "quoc_tich", "Việt Nam"),
                    entry("Nơi sinh", a.place, "noi_sinh", a.place),
                    entry("Số định danh cá nhân", a.id, "so_dinh_danh", a.id),
                ]),
                main(vec![
                    entry(
                        &pick(&["Họ, chữ đệm, tên người mẹ", "Họ và tên mẹ"]),
                        &name(b),
                        "ho_ten_me",
                        &name(b),
                    ),
                    entry(
                        "Năm sinh",
                        &b.born.2.to_string(),
                        "nam_sinh_me",
                        &b.born.2.to_string(),
                    ),
                    unchecked("Dân tộc", "Kinh"),
                ]),
                main(vec![
                    entry(
                        "Nơi đăng ký",
                        "Ủy ban nhân dân xã Tân Lập",
                        "noi_dang_ky",
                        "Ủy ban nhân dân xã Tân Lập",
                    ),
                    entry(
                        &pick(&["Ngày, tháng, năm đăng ký", "Ngày đăng ký"]),
                        "15/07/2021",
                        "ngay_dang_ky",
                        "15/07/2021",
                    ),
                ]),
            ],
            pairs: Vec::new(),
        },
        DocumentType::MarriageCertificate => {
            let wife_born = date_text(b.born);
            Content {
                kind,
                authority,
                title: vec![pick(&["GIẤY CHỨNG NHẬN KẾT HÔN", "TRÍCH LỤC KẾT HÔN"])],
                groups: vec![
                    main(vec![
                        entry("Họ, chữ đệm, tên chồng", &name(a), "ho_ten_chong", &name(a)),
                        entry("Ngày, tháng, năm sinh", &born, "ngay_sinh_chong", &born),
                        entry("Dân tộc", "Kinh", "dan_toc_chong", "Kinh"),
                        entry("Nơi cư trú", a.place, "noi_cu_tru_chong", a.place),
                    ]),
                    main(vec![
                        entry("Họ, chữ đệm, tên vợ", &name(b), "ho_ten_vo", &name(b)),
                        entry(
                            "Ngày, tháng, năm sinh",
                            &wife_born,
                            "ngay_sinh_vo",
                            &wife_born,
                        ),
                        entry("Dân tộc", "Tày", "dan_toc_vo", "Tày"),
                        entry("Nơi cư trú", b.place, "noi_cu_tru_vo", b.place),
                    ]),
                    main(vec![
                        entry(
                            "Nơi đăng ký",
                            "Ủy ban nhân dân xã Tân Lập",
                            "noi_dang_ky",
                            "Ủy ban nhân dân xã Tân Lập",
                        ),
                        entry("Ngày đăng ký", "02/09/2020", "ngay_dang_ky", "02/09/2020"),
                    ]),
                ],
                pairs: vec![
                    (
                        "Họ, chữ đệm, tên".to_owned(),
                        entry("", &name(a), "ho_ten_chong", &name(a)),
                        entry("", &name(b), "ho_ten_vo", &name(b)),
                    ),
                    (
                        "Ngày, tháng, năm sinh".to_owned(),
                        entry("", &born, "ngay_sinh_chong", &born),
                        entry("", &wife_born, "ngay_sinh_vo", &wife_born),
                    ),
                    (
                        "Dân tộc".to_owned(),
                        entry("", "Kinh", "dan_toc_chong", "Kinh"),
                        entry("", "Tày", "dan_toc_vo", "Tày"),
                    ),
                ],
            }
        }
        DocumentType::DeathCertificate => Content {
            kind,
            authority,
            title: vec![pick(&["TRÍCH LỤC KHAI TỬ", "GIẤY CHỨNG TỬ"])],
            groups: vec![main(vec![
                entry(
                    &pick(&["Họ, chữ đệm, tên người chết", "Họ và tên người đã chết"]),
                    &name(b),
                    "ho_ten",
                    &name(b),
                ),
                entry(
                    "Ngày, tháng, năm sinh",
                    &date_text(b.born),
                    "ngay_sinh",
                    &date_text(b.born),
                ),
                entry(
                    &pick(&["Đã chết vào lúc", "Ngày, tháng, năm chết"]),
                    &pick(&["14 giờ 20 phút, ngày 03/11/2023", "03/11/2023"]),
                    "ngay_chet",
                    "03/11/2023",
                ),
                entry(
                    "Nơi chết",
                    "Tại nhà riêng, thôn Đồng Chằm",
                    "noi_chet",
                    "Tại nhà riêng, thôn Đồng Chằm",
                ),
                entry(
                    "Nguyên nhân chết",
                    "Bệnh già",
                    "nguyen_nhan_chet",
                    "Bệnh già",
                ),
                entry("Số", "57/2023", "so", "57/2023"),
            ])],
            pairs: Vec::new(),
        },
        DocumentType::HighSchoolDiploma => Content {
            kind,
            authority: "SỞ GIÁO DỤC VÀ ĐÀO TẠO PHÚ THỌ".to_owned(),
            title: vec![
                "BẰNG TỐT NGHIỆP".to_owned(),
                "TRUNG HỌC PHỔ THÔNG".to_owned(),
            ],
            groups: vec![main(vec![
                entry("Họ và tên", &name(a), "ho_ten", &name(a)),
                entry("Ngày sinh", &born, "ngay_sinh", &born),
                entry("Nơi sinh", a.place, "noi_sinh", a.place),
                entry("Giới tính", a.sex, "gioi_tinh", a.sex),
                entry("Năm tốt nghiệp", "2010", "nam_tot_nghiep", "2010"),
                entry(
                    &pick(&["Xếp loại", "Xếp loại tốt nghiệp"]),
                    "Khá",
                    "xep_loai",
                    "Khá",
                ),
                entry("Số hiệu", "B0457821", "so_hieu", "B0457821"),
                entry("Số vào sổ cấp bằng", "1024/THPT", "so_vao_so", "1024/THPT"),
            ])],
            pairs: Vec::new(),
        },
        DocumentType::UniversityDiploma => Content {
            kind,
            authority: "TRƯỜNG ĐẠI HỌC LUẬT HÀ NỘI".to_owned(),
            title: vec![pick(&["BẰNG CỬ NHÂN", "BẰNG TỐT NGHIỆP ĐẠI HỌC"])],
            groups: vec![main(vec![
                entry(
                    &pick(&["Ngành", "Ngành đào tạo"]),
                    "Luật Kinh tế",
                    "nganh",
                    "Luật Kinh tế",
                ),
                entry("Họ và tên", &name(a), "ho_ten", &name(a)),
                entry("Ngày sinh", &born, "ngay_sinh", &born),
                entry(
                    &pick(&["Xếp loại tốt nghiệp", "Hạng tốt nghiệp"]),
                    "Giỏi",
                    "xep_loai",
                    "Giỏi",
                ),
                entry("Số hiệu", "QH-2014-0832", "so_hieu", "QH-2014-0832"),
                entry("Số vào sổ cấp bằng", "5521/ĐHL", "so_vao_so", "5521/ĐHL"),
            ])],
            pairs: Vec::new(),
        },
        DocumentType::Transcript => Content {
            kind,
            authority: "BỘ GIÁO DỤC VÀ ĐÀO TẠO".to_owned(),
            title: vec![
                pick(&["HỌC BẠ", "BẢNG ĐIỂM"]),
                "TRUNG HỌC PHỔ THÔNG".to_owned(),
            ],
            groups: vec![main(vec![
                entry("Họ và tên", &name(a), "ho_ten", &name(a)),
                entry("Ngày sinh", &born, "ngay_sinh", &born),
                entry("Nơi sinh", a.place, "noi_sinh", a.place),
                entry("Lớp", "12A3", "lop", "12A3"),
                entry("Năm học", "2021-2022", "nam_hoc", "2021-2022"),
                unchecked("Điểm trung bình các môn", "8,2"),
            ])],
            pairs: Vec::new(),
        },
        DocumentType::CitizenIdentityCard => Content {
            kind,
            authority: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
            title: vec![pick(&["CĂN CƯỚC CÔNG DÂN", "CĂN CƯỚC"])],
            groups: vec![main(vec![
                entry(
                    &pick(&[
                        "Số / No.",
                        "Số định danh cá nhân / Personal identification number",
                    ]),
                    a.id,
                    "so_dinh_danh",
                    a.id,
                ),
                entry(
                    &pick(&[
                        "Họ và tên / Full name",
                        "Họ, chữ đệm và tên khai sinh / Full name",
                    ]),
                    &a.name.to_uppercase(),
                    "ho_ten",
                    &a.name.to_uppercase(),
                ),
                entry("Ngày sinh / Date of birth", &born, "ngay_sinh", &born),
                entry("Giới tính / Sex", a.sex, "gioi_tinh", a.sex),
                entry(
                    "Quốc tịch / Nationality",
                    "Việt Nam",
                    "quoc_tich",
                    "Việt Nam",
                ),
                entry(
                    &pick(&[
                        "Quê quán / Place of origin",
                        "Nơi đăng ký khai sinh / Place of birth registration",
                    ]),
                    a.place,
                    if variant.is_multiple_of(2) {
                        "que_quan"
                    } else {
                        "noi_dang_ky_khai_sinh"
                    },
                    a.place,
                ),
                entry(
                    "Có giá trị đến / Date of expiry",
                    "03/06/2032",
                    "ngay_het_han",
                    "03/06/2032",
                ),
            ])],
            pairs: Vec::new(),
        },
        DocumentType::HouseholdRegistration => Content {
            kind,
            authority: "CÔNG AN XÃ TÂN LẬP".to_owned(),
            title: vec!["GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ".to_owned()],
            groups: vec![main(vec![
                entry("Họ, chữ đệm và tên", &name(a), "ho_ten", &name(a)),
                entry("Ngày, tháng, năm sinh", &born, "ngay_sinh", &born),
                entry("Số định danh cá nhân", a.id, "so_dinh_danh", a.id),
                entry("Nơi thường trú", a.place, "noi_thuong_tru", a.place),
                entry("Họ và tên chủ hộ", &name(b), "ho_ten_chu_ho", &name(b)),
                entry("Quan hệ với chủ hộ", "Con", "quan_he_chu_ho", "Con"),
            ])],
            pairs: Vec::new(),
        },
        DocumentType::LandUseCertificate => Content {
            kind,
            authority: "ỦY BAN NHÂN DÂN HUYỆN THANH SƠN".to_owned(),
            title: vec!["GIẤY CHỨNG NHẬN".to_owned(), "QUYỀN SỬ DỤNG ĐẤT".to_owned()],
            groups: vec![main(vec![
                entry(
                    &pick(&["Ông", "Họ và tên"]),
                    &a.name.to_uppercase(),
                    "ho_ten",
                    &a.name.to_uppercase(),
                ),
                entry("Thửa đất số", "215", "so_thua", "215"),
                entry("Tờ bản đồ số", "17", "so_to_ban_do", "17"),
                entry(
                    "Địa chỉ",
                    "Thôn Xuân, xã Tân Lập",
                    "dia_chi",
                    "Thôn Xuân, xã Tân Lập",
                ),
                entry("Diện tích", "320,5 m²", "dien_tich", "320,5 m²"),
                entry(
                    "Hình thức sử dụng",
                    "Sử dụng riêng",
                    "hinh_thuc_su_dung",
                    "Sử dụng riêng",
                ),
                entry(
                    "Mục đích sử dụng",
                    "Đất ở tại nông thôn",
                    "muc_dich_su_dung",
                    "Đất ở tại nông thôn",
                ),
                entry("Thời hạn sử dụng", "Lâu dài", "thoi_han_su_dung", "Lâu dài"),
            ])],
            pairs: Vec::new(),
        },
        _ => Content {
            kind: DocumentType::Other,
            authority: "BAN QUẢN LÝ THÔN ĐỒNG CHẰM".to_owned(),
            title: vec!["THÔNG BÁO".to_owned(), "Về việc họp thôn quý IV".to_owned()],
            groups: vec![main(vec![
                entry(
                    "Thời gian",
                    "19 giờ 30, ngày 12/12/2026",
                    "thoi_gian",
                    "19 giờ 30, ngày 12/12/2026",
                ),
                entry(
                    "Địa điểm",
                    "Nhà văn hóa thôn",
                    "dia_diem",
                    "Nhà văn hóa thôn",
                ),
                entry(
                    "Thành phần",
                    "Đại diện các hộ gia đình",
                    "thanh_phan",
                    "Đại diện các hộ gia đình",
                ),
            ])],
            pairs: Vec::new(),
        },
    }
}

/// Where a document's pieces go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// "Label: value", up to three a row for short values.
    Rows,
    /// The label on one row, its value under it, two columns.
    Below,
    /// A table: label in the first column, the value (or husband | wife) in the next.
    Table,
}

impl Layout {
    const ALL: [Layout; 3] = [Layout::Rows, Layout::Below, Layout::Table];

    fn name(self) -> &'static str {
        match self {
            Layout::Rows => "rows",
            Layout::Below => "below",
            Layout::Table => "table",
        }
    }
}

/// Draws a document: returns the page's ink and the expected fields.
fn draw(
    content: &Content,
    layout: Layout,
    font: &FontVec,
    hand: Option<(&FontVec, &mut Rng)>,
) -> (GrayImage, BTreeMap<String, String>) {
    let mut canvas = Canvas::new();
    let mut expected = BTreeMap::new();
    let width = PAGE.0 as f32;
    let centre = |canvas: &mut Canvas, text: &str, px: f32, y: f32| {
        let x = (width - Canvas::width(font, px, text)) / 2.0;
        canvas.text(font, px, (x, y), text, 40, None);
        // Bold: drawn twice, a little apart.
        canvas.text(font, px, (x + 2.0, y), text, 40, None);
    };
    let mut y = 260.0;
    canvas.text(font, 36.0, (160.0, y), &content.authority, 40, None);
    centre(
        &mut canvas,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        40.0,
        y + 70.0,
    );
    centre(&mut canvas, "Độc lập - Tự do - Hạnh phúc", 38.0, y + 125.0);
    y += 300.0;
    for line in &content.title {
        centre(&mut canvas, line, 64.0, y);
        y += 90.0;
    }
    y += 60.0;
    let line_height = BODY_PX * 1.9;
    let (hand_font, mut hand_rng) = match hand {
        Some((font, rng)) => (Some(font), Some(rng)),
        None => (None, None),
    };
    let mut value = |canvas: &mut Canvas, (x, y): (f32, f32), text: &str| match (
        hand_font,
        hand_rng.as_deref_mut(),
    ) {
        (Some(hand_font), Some(rng)) => {
            canvas.text(hand_font, BODY_PX * 1.05, (x, y), text, 55, Some(rng))
        }
        _ => canvas.text(font, BODY_PX, (x, y), text, 40, None),
    };
    let left = 200.0;
    if layout == Layout::Table && !content.pairs.is_empty() {
        let columns = [left, 1000.0, 1700.0];
        canvas.text(font, BODY_PX, (columns[1], y), "Chồng", 40, None);
        canvas.text(font, BODY_PX, (columns[2], y), "Vợ", 40, None);
        canvas.frame(
            (left - 30.0, y - 60.0),
            (
                width - 2.0 * left + 60.0,
                line_height * (content.pairs.len() as f32 + 1.0),
            ),
            3,
        );
        y += line_height;
        for (label, husband, wife) in &content.pairs {
            canvas.text(font, BODY_PX, (columns[0], y), label, 40, None);
            value(&mut canvas, (columns[1], y), &husband.value);
            value(&mut canvas, (columns[2], y), &wife.value);
            for entry in [husband, wife] {
                if let Some((key, value)) = &entry.expected {
                    expected.insert((*key).to_owned(), value.clone());
                }
            }
            y += line_height;
        }
        y += line_height;
    }
    for (heading, entries) in &content.groups {
        if let Some(heading) = heading {
            canvas.text(font, BODY_PX, (left, y), heading, 40, None);
            y += line_height;
        }
        let is_pair_entry = |entry: &Entry| {
            layout == Layout::Table
                && content.pairs.iter().any(|(_, husband, wife)| {
                    husband.expected.as_ref().map(|e| e.0) == entry.expected.as_ref().map(|e| e.0)
                        || wife.expected.as_ref().map(|e| e.0)
                            == entry.expected.as_ref().map(|e| e.0)
                })
        };
        let entries: Vec<&Entry> = entries
            .iter()
            .filter(|entry| !is_pair_entry(entry))
            .collect();
        match layout {
            Layout::Rows => {
                let mut x = left;
                for entry in &entries {
                    let label = format!("{}: ", entry.label);
                    let label_width = Canvas::width(font, BODY_PX, &label);
                    let value_width = Canvas::width(font, BODY_PX * 1.05, &entry.value);
                    if x > left && x + label_width + value_width > width - left {
                        x = left;
                        y += line_height;
                    }
                    canvas.text(font, BODY_PX, (x, y), &label, 40, None);
                    let drawn = value(&mut canvas, (x + label_width, y), &entry.value);
                    if entry.value.chars().count() <= 12 && x == left {
                        x += label_width + drawn + 160.0;
                    } else {
                        x = left;
                        y += line_height;
                    }
                }
                if x > left {
                    y += line_height;
                }
            }
            Layout::Below => {
                for pair in entries.chunks(2) {
                    for (column, entry) in pair.iter().enumerate() {
                        let x = left + column as f32 * 1050.0;
                        canvas.text(
                            font,
                            BODY_PX * 0.85,
                            (x, y),
                            &format!("{}:", entry.label),
                            40,
                            None,
                        );
                        value(&mut canvas, (x, y + line_height * 0.8), &entry.value);
                    }
                    y += line_height * 1.9;
                }
            }
            Layout::Table => {
                let top = y - 60.0;
                for entry in &entries {
                    canvas.text(font, BODY_PX, (left, y), &entry.label, 40, None);
                    value(&mut canvas, (1000.0, y), &entry.value);
                    y += line_height;
                }
                canvas.frame(
                    (left - 30.0, top),
                    (width - 2.0 * left + 60.0, y - top - 30.0),
                    3,
                );
                y += 40.0;
            }
        }
        for entry in entries {
            if let Some((key, value)) = &entry.expected {
                expected
                    .entry((*key).to_owned())
                    .or_insert_with(|| value.clone());
            }
        }
        y += 30.0;
    }
    // The signer's block and the commune's seal over it and the last value.
    let signer_y = (y + 120.0).min(PAGE.1 as f32 - 400.0);
    canvas.text(font, BODY_PX, (1500.0, signer_y), "CHỦ TỊCH", 40, None);
    canvas.text(
        font,
        BODY_PX,
        (1440.0, signer_y + 260.0),
        "Nguyễn Văn Thành",
        40,
        None,
    );
    canvas.seal((1620.0, signer_y + 40.0), 170.0, 120);
    (canvas.ink, expected)
}

/// A stamp drawn on the page: `text` in a frame, at `px`, centred on `(x, y)`.
fn stamp(canvas: &mut GrayImage, font: &FontVec, text: &str, px: f32, (x, y): (f32, f32)) {
    let mut layer = Canvas {
        ink: std::mem::take(canvas),
    };
    let text_width = Canvas::width(font, px, text);
    let (left, top) = (x - text_width / 2.0, y - px * 0.5);
    layer.text(font, px, (left, top + px * 0.8), text, 70, None);
    layer.text(font, px, (left + 3.0, top + px * 0.8), text, 70, None);
    layer.frame(
        (left - px * 0.4, top - px * 0.35),
        (text_width + px * 0.8, px * 1.4),
        (px / 12.0) as i64 + 2,
    );
    *canvas = layer.ink;
}

/// The page as a scanner gives it at `damage`, turned by `rotation` degrees clockwise (JPEG).
fn scan(ink: &GrayImage, damage: Damage, rotation: u16, rng: &mut Rng) -> anyhow::Result<Vec<u8>> {
    let (max_skew, sigma, quality, ink_level, paper, noise, speckle) = match damage {
        Damage::Clean => (1.0, 0.0, 88, 40, 236, 10, 0.0),
        Damage::Light => (2.0, 0.7, 60, 60, 228, 16, 0.0005),
        Damage::Medium => (3.0, 1.1, 40, 85, 222, 22, 0.002),
        Damage::Heavy => (3.0, 1.5, 25, 105, 210, 30, 0.004),
    };
    let skew = max_skew * rng.signed();
    let turned = bansao_models::deskew::rotate(ink, skew);
    let mut page = GrayImage::from_fn(turned.width(), turned.height(), |x, y| {
        let darkness = 255 - i32::from(turned.get_pixel(x, y).0[0]);
        // Uneven light: a little darker towards one corner on damaged scans.
        let shade = if damage >= Damage::Medium {
            (x + y) as i32 / 300
        } else {
            0
        };
        let paper_level = paper - shade;
        let level = paper_level - darkness * (paper_level - ink_level) / 255;
        Luma([level.clamp(0, 255) as u8])
    });
    if sigma > 0.0 {
        page = image::imageops::fast_blur(&page, sigma);
    }
    for pixel in page.pixels_mut() {
        let grain = (rng.next() % (2 * noise + 1)) as i32 - noise as i32;
        let mut level = i32::from(pixel.0[0]) + grain;
        if speckle > 0.0 && (rng.next() % 100_000) as f32 / 100_000.0 < speckle {
            level = 60;
        }
        pixel.0[0] = level.clamp(0, 255) as u8;
    }
    let page = match rotation {
        90 => image::imageops::rotate90(&page),
        180 => image::imageops::rotate180(&page),
        270 => image::imageops::rotate270(&page),
        _ => page,
    };
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    image::DynamicImage::ImageLuma8(page).write_with_encoder(encoder)?;
    Ok(bytes)
}

/// Kinds drawn, each in every layout.
const KINDS: [DocumentType; 10] = [
    DocumentType::BirthCertificate,
    DocumentType::MarriageCertificate,
    DocumentType::DeathCertificate,
    DocumentType::HighSchoolDiploma,
    DocumentType::UniversityDiploma,
    DocumentType::Transcript,
    DocumentType::CitizenIdentityCard,
    DocumentType::HouseholdRegistration,
    DocumentType::LandUseCertificate,
    DocumentType::Other,
];

/// The drawn originals: every kind in every layout, fonts, damage and rotation varied across
/// them (two of each kind and layout), then originals that must be refused and ordinary ones
/// that look as if they might be.
pub fn drawn_originals() -> anyhow::Result<Vec<Original>> {
    drawn_originals_where(|_| true)
}

/// The drawn originals whose name `wanted` accepts (the others are not drawn).
pub fn drawn_originals_where(wanted: impl Fn(&str) -> bool) -> anyhow::Result<Vec<Original>> {
    let fonts: Vec<FontVec> = FONTS
        .iter()
        .map(|choice| load_font(choice.path))
        .collect::<anyhow::Result<_>>()?;
    let hand = load_font(HAND_FONT)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut originals = Vec::new();
    let mut number = 0usize;
    for (kind_index, kind) in KINDS.iter().enumerate() {
        for (layout_index, layout) in Layout::ALL.iter().enumerate() {
            for copy in 0..2 {
                let font_index = (kind_index + layout_index * 2 + copy * 3) % FONTS.len();
                let damage = Damage::ALL[(kind_index + layout_index + copy * 2) % 4];
                let rotation = match number % 9 {
                    4 => 90,
                    7 => 180,
                    8 => 270,
                    _ => 0,
                };
                let a = &PEOPLE[(kind_index + copy) % PEOPLE.len()];
                let b = &PEOPLE[(kind_index + copy + 3) % PEOPLE.len()];
                let variant = layout_index + copy;
                let handwritten = number % 4 == 2;
                let font_name = if handwritten {
                    format!("{}+hand", FONTS[font_index].name)
                } else {
                    FONTS[font_index].name.to_owned()
                };
                let name = format!(
                    "{}/{}/{}/{}/{copy}",
                    kind.code(),
                    layout.name(),
                    font_name,
                    damage.name()
                );
                // The scan's noise comes from the shared generator: draw it even when skipped,
                // so that every original is the same whichever are wanted.
                let scan_seed = rng.next();
                if !wanted(&name) {
                    number += 1;
                    continue;
                }
                let mut scan_rng = Rng(scan_seed | 1);
                let document = content(*kind, a, b, variant, (number % 2) == 1);
                let mut hand_rng = Rng(0x5EED_0000 + number as u64);
                let (ink, fields) = draw(
                    &document,
                    *layout,
                    &fonts[font_index],
                    handwritten.then_some((&hand, &mut hand_rng)),
                );
                let page = scan(&ink, damage, rotation, &mut scan_rng)?;
                originals.push(Original {
                    name,
                    generator: "drawn",
                    layout: format!("{}/{}", kind.code(), layout.name()),
                    font: font_name,
                    damage,
                    rotation,
                    held_out: layout_index == 2 || FONTS[font_index].held_out,
                    kind: document.kind,
                    fields,
                    must_refuse: false,
                    pages: vec![page],
                });
                number += 1;
            }
        }
    }
    originals.extend(
        marked_originals(&fonts, &mut rng)?
            .into_iter()
            .filter(|original| wanted(&original.name)),
    );
    Ok(originals)
}

/// Originals that must be refused (secrecy stamps, "không được sao chụp", a page mostly
/// unreadable) and ordinary ones that must not be ("MẶT BẰNG", "mặt trước").
fn marked_originals(fonts: &[FontVec], rng: &mut Rng) -> anyhow::Result<Vec<Original>> {
    let person = &PEOPLE[0];
    let base = content(DocumentType::BirthCertificate, person, &PEOPLE[1], 0, false);
    let mut originals = Vec::new();
    // Name, the mark's text, its size, where, and whether it must be refused.
    type Mark<'a> = (&'a str, &'a str, f32, (f32, f32), bool);
    let marks: [Mark; 8] = [
        ("mat-over-header", "MẬT", 60.0, (1240.0, 330.0), true),
        ("mat-corner", "MẬT", 90.0, (2150.0, 180.0), true),
        ("mat-small", "MẬT", 40.0, (300.0, 150.0), true),
        ("toi-mat", "TỐI MẬT", 70.0, (1240.0, 180.0), true),
        ("tuyet-mat", "TUYỆT MẬT", 56.0, (1900.0, 600.0), true),
        (
            "no-copy-capitals",
            "KHÔNG ĐƯỢC SAO CHỤP",
            48.0,
            (1240.0, 3200.0),
            true,
        ),
        (
            "mat-bang",
            "SƠ ĐỒ THỬA ĐẤT, MẶT BẰNG",
            44.0,
            (1240.0, 3100.0),
            false,
        ),
        ("sao-y", "SAO Y BẢN CHÍNH", 48.0, (1900.0, 200.0), false),
    ];
    for (index, (name, text, px, at, refused)) in marks.into_iter().enumerate() {
        let font = &fonts[index % fonts.len()];
        let (mut ink, fields) = draw(&base, Layout::Rows, font, None);
        stamp(&mut ink, font, text, px, at);
        let damage = Damage::ALL[index % 3];
        originals.push(Original {
            name: format!("mark/{name}"),
            generator: "drawn",
            layout: "mark".to_owned(),
            font: FONTS[index % FONTS.len()].name.to_owned(),
            damage,
            rotation: 0,
            held_out: FONTS[index % FONTS.len()].held_out,
            kind: DocumentType::BirthCertificate,
            fields: if refused { BTreeMap::new() } else { fields },
            must_refuse: refused,
            pages: vec![scan(&ink, damage, 0, rng)?],
        });
    }
    // "không được sao chụp" in a sentence, lower case.
    let mut notice = content(DocumentType::Other, person, person, 0, false);
    notice.groups[0]
        .1
        .push(unchecked("Ghi chú", "Tài liệu nội bộ, không được sao chụp"));
    let (ink, _) = draw(&notice, Layout::Rows, &fonts[3], None);
    originals.push(Original {
        name: "mark/no-copy-sentence".to_owned(),
        generator: "drawn",
        layout: "mark".to_owned(),
        font: FONTS[3].name.to_owned(),
        damage: Damage::Light,
        rotation: 0,
        held_out: true,
        kind: DocumentType::Other,
        fields: BTreeMap::new(),
        must_refuse: true,
        pages: vec![scan(&ink, Damage::Light, 0, rng)?],
    });
    // A page mostly blacked out: a few words left at the top.
    let (mut ink, _) = draw(&base, Layout::Rows, &fonts[1], None);
    for y in 700..3300 {
        for x in 150..2330 {
            if (x / 7 + y / 5) % 11 != 0 {
                ink.put_pixel(x, y, Luma([50]));
            }
        }
    }
    originals.push(Original {
        name: "mark/smeared".to_owned(),
        generator: "drawn",
        layout: "mark".to_owned(),
        font: FONTS[1].name.to_owned(),
        damage: Damage::Medium,
        rotation: 0,
        held_out: false,
        kind: DocumentType::BirthCertificate,
        fields: BTreeMap::new(),
        must_refuse: true,
        pages: vec![scan(&ink, Damage::Medium, 0, rng)?],
    });
    Ok(originals)
}

/// Writes the originals' pages under `dir` as PNG previews (for a reviewer).
pub fn write_previews(originals: &[Original], dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for original in originals {
        let file = dir.join(format!("{}.jpg", original.name.replace('/', "_")));
        std::fs::write(file, &original.pages[0])?;
    }
    Ok(())
}
