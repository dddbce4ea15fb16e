//! Originals to measure recognition on: scanned pages with what a kiosk must read from them.
//!
//! Two generators draw them, independently of each other and of the extractor:
//! - [`drawn`]: documents laid out in Rust (ab_glyph) from the official templates' wordings,
//!   several layouts and fonts per kind;
//! - [`html`]: documents written as HTML and rendered by Chromium (its own layout engine,
//!   fonts and rasteriser), with their own wordings, layouts and damage.
//!
//! Every original says which layout, font and damage it was drawn with, so that a benchmark
//! can hold part of them out of any tuning ([`Original::held_out`]) and report both parts.
//!
//! Expected values follow the kiosk's normal form: text as printed (NFC, single spaces, trimmed;
//! names in capitals stay in capitals), dates `DD/MM/YYYY`, numbers as printed.
//! Field keys are the kiosk's canonical ones (see [`FIELD_KEYS`]).

pub mod drawn;
pub mod html;

use std::collections::BTreeMap;

use bansao_copy::DocumentType;

/// The canonical field keys an original's expected fields may use.
pub const FIELD_KEYS: &[(&str, &str)] = &[
    // The person the paper is about.
    (
        "ho_ten",
        "Họ, chữ đệm, tên / Họ và tên (the holder, the child, the deceased, the graduate)",
    ),
    ("ngay_sinh", "Ngày, tháng, năm sinh / Ngày sinh"),
    ("gioi_tinh", "Giới tính"),
    ("dan_toc", "Dân tộc"),
    ("quoc_tich", "Quốc tịch"),
    ("noi_sinh", "Nơi sinh"),
    ("que_quan", "Quê quán"),
    ("noi_thuong_tru", "Nơi thường trú"),
    ("noi_cu_tru", "Nơi cư trú"),
    ("so_dinh_danh", "Số định danh cá nhân / Số CCCD"),
    // Parents (birth certificates).
    ("ho_ten_me", "Họ, chữ đệm, tên người mẹ"),
    ("nam_sinh_me", "the mother's Năm sinh"),
    ("ho_ten_cha", "Họ, chữ đệm, tên người cha"),
    ("nam_sinh_cha", "the father's Năm sinh"),
    // Husband and wife (marriage certificates).
    ("ho_ten_chong", "Họ, chữ đệm, tên chồng"),
    ("ngay_sinh_chong", "the husband's Ngày, tháng, năm sinh"),
    ("dan_toc_chong", "the husband's Dân tộc"),
    ("quoc_tich_chong", "the husband's Quốc tịch"),
    ("noi_cu_tru_chong", "the husband's Nơi cư trú"),
    ("so_dinh_danh_chong", "the husband's Số định danh cá nhân"),
    ("ho_ten_vo", "Họ, chữ đệm, tên vợ"),
    ("ngay_sinh_vo", "the wife's Ngày, tháng, năm sinh"),
    ("dan_toc_vo", "the wife's Dân tộc"),
    ("quoc_tich_vo", "the wife's Quốc tịch"),
    ("noi_cu_tru_vo", "the wife's Nơi cư trú"),
    ("so_dinh_danh_vo", "the wife's Số định danh cá nhân"),
    // Registration (civil status papers).
    ("so", "Số (the paper's number)"),
    ("quyen_so", "Quyển số"),
    ("noi_dang_ky", "Nơi đăng ký"),
    ("ngay_dang_ky", "Ngày, tháng, năm đăng ký / Ngày đăng ký"),
    // Death.
    ("ngay_chet", "Ngày, tháng, năm chết / Đã chết vào ngày"),
    ("noi_chet", "Nơi chết"),
    ("nguyen_nhan_chet", "Nguyên nhân chết"),
    // Diplomas and transcripts.
    ("so_hieu", "Số hiệu (the diploma's serial)"),
    ("so_vao_so", "Số vào sổ cấp bằng / Số vào sổ"),
    ("nam_tot_nghiep", "Năm tốt nghiệp"),
    ("xep_loai", "Xếp loại / Hạng tốt nghiệp"),
    ("nganh", "Ngành / Ngành đào tạo"),
    ("nam_hoc", "Năm học"),
    ("lop", "Lớp"),
    // Identity cards.
    ("ngay_cap", "Ngày cấp"),
    ("ngay_het_han", "Có giá trị đến"),
    ("noi_dang_ky_khai_sinh", "Nơi đăng ký khai sinh"),
    // Household and residence papers.
    ("ho_ten_chu_ho", "Họ và tên chủ hộ"),
    ("quan_he_chu_ho", "Quan hệ với chủ hộ"),
    ("dia_chi", "Địa chỉ"),
    // Land-use right certificates.
    ("so_thua", "Thửa đất số"),
    ("so_to_ban_do", "Tờ bản đồ số"),
    ("dien_tich", "Diện tích"),
    ("muc_dich_su_dung", "Mục đích sử dụng"),
    ("thoi_han_su_dung", "Thời hạn sử dụng"),
    ("hinh_thuc_su_dung", "Hình thức sử dụng"),
    ("nguon_goc_su_dung", "Nguồn gốc sử dụng"),
];

/// How damaged a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Damage {
    /// A good scanner: grain, JPEG at high quality, at most 1° crooked.
    Clean,
    /// Up to 2°, JPEG ~60, a little blur.
    Light,
    /// Up to 3°, JPEG ~40, blur, speckle, faded ink.
    Medium,
    /// Up to 3°, JPEG ~25, strong blur, noise, low contrast: still readable by a person.
    Heavy,
}

impl Damage {
    /// Every level, least first.
    pub const ALL: [Damage; 4] = [Damage::Clean, Damage::Light, Damage::Medium, Damage::Heavy];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Damage::Clean => "clean",
            Damage::Light => "light",
            Damage::Medium => "medium",
            Damage::Heavy => "heavy",
        }
    }
}

/// One scanned original and what a kiosk must read from it.
#[derive(Debug, Clone)]
pub struct Original {
    /// Unique within its generator, e.g. `khai-sinh/table/liberation-serif/medium/0`.
    pub name: String,
    /// Which generator drew it (`drawn`, `html`).
    pub generator: &'static str,
    /// The layout's name (one kind has several).
    pub layout: String,
    /// The font's name.
    pub font: String,
    /// How damaged the scan is.
    pub damage: Damage,
    /// How the page lay on the glass, in degrees clockwise: 0, 90, 180 or 270.
    pub rotation: u16,
    /// Held out of any tuning: its misses are counted, never looked at while tuning.
    pub held_out: bool,
    /// The kind a kiosk must find (`Other` for a paper of no known kind).
    pub kind: DocumentType,
    /// Canonical field key → the value a kiosk must read.
    pub fields: BTreeMap<String, String>,
    /// It must be refused (Decree 23/2015, Art. 22); when `false`, refusing it is an error.
    pub must_refuse: bool,
    /// The scanned pages (JPEG), 300 dpi.
    pub pages: Vec<Vec<u8>>,
}

/// Whether `key` is one of [`FIELD_KEYS`].
pub fn is_field_key(key: &str) -> bool {
    FIELD_KEYS.iter().any(|(known, _)| *known == key)
}
