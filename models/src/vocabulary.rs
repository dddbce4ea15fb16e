//! The words of Vietnamese official papers: the labels their templates print for each field,
//! the people a label can be about, and the titles of each kind of paper.
//!
//! Wordings come from the templates themselves — the civil status forms of the Ministry of
//! Justice (Circular 04/2020/TT-BTP: birth, marriage and death certificates and their extracts),
//! diplomas and transcripts of the Ministry of Education, the identity card (old CCCD and the
//! 2024 card, bilingual), residence papers and land-use right certificates — and are kept
//! folded (upper case, without diacritics, words separated by single spaces: see
//! [`crate::checks::fold`]), as OCR misreads marks on capitals. Matching a printed label against
//! them tolerates OCR's confusions ([`crate::matching`]), so a wording seen for the first time
//! that differs by a letter still finds its field, and a label found nowhere here is still a
//! field, under its own printed words.

use bansao_copy::DocumentType;

/// One field a paper can carry: its canonical key, the wordings that label it, whether it is
/// about a person (and so can be the mother's, the husband's …), and its names for people.
#[derive(Debug, Clone, Copy)]
pub struct Concept {
    /// The canonical key, e.g. `ngay_sinh`.
    pub key: &'static str,
    /// Folded wordings.
    pub wordings: &'static [&'static str],
    /// About a person: takes the person the label or its section names (`ngay_sinh_chong`).
    pub personal: bool,
    /// Vietnamese name.
    pub vi: &'static str,
    /// English name.
    pub en: &'static str,
}

const fn concept(
    key: &'static str,
    wordings: &'static [&'static str],
    personal: bool,
    vi: &'static str,
    en: &'static str,
) -> Concept {
    Concept {
        key,
        wordings,
        personal,
        vi,
        en,
    }
}

/// Every known field.
pub const CONCEPTS: &[Concept] = &[
    concept(
        "ho_ten",
        &[
            "HO CHU DEM TEN",
            "HO CHU DEM VA TEN",
            "HO CHU DEM VA TEN KHAI SINH",
            "HO VA TEN",
            "HO VA TEN KHAI SINH",
            "HO TEN",
            "FULL NAME",
            "CAP CHO",
            "CHO",
            "ONG",
            "BA",
            "ONG BA",
        ],
        true,
        "Họ, chữ đệm, tên",
        "full name",
    ),
    concept(
        "ngay_sinh",
        &[
            "NGAY THANG NAM SINH",
            "NGAY SINH",
            "SINH NGAY",
            "DATE OF BIRTH",
        ],
        true,
        "Ngày sinh",
        "date of birth",
    ),
    concept(
        "nam_sinh",
        &["NAM SINH", "YEAR OF BIRTH"],
        true,
        "Năm sinh",
        "year of birth",
    ),
    concept("gioi_tinh", &["GIOI TINH", "SEX"], true, "Giới tính", "sex"),
    concept(
        "dan_toc",
        &["DAN TOC", "ETHNICITY"],
        true,
        "Dân tộc",
        "ethnicity",
    ),
    concept(
        "quoc_tich",
        &["QUOC TICH", "NATIONALITY"],
        true,
        "Quốc tịch",
        "nationality",
    ),
    concept(
        "noi_sinh",
        &["NOI SINH", "PLACE OF BIRTH"],
        true,
        "Nơi sinh",
        "place of birth",
    ),
    concept(
        "que_quan",
        &["QUE QUAN", "NGUYEN QUAN", "PLACE OF ORIGIN"],
        true,
        "Quê quán",
        "place of origin",
    ),
    concept(
        "noi_thuong_tru",
        &[
            "NOI THUONG TRU",
            "NOI DANG KY THUONG TRU",
            "DIA CHI THUONG TRU",
            "THUONG TRU",
        ],
        true,
        "Nơi thường trú",
        "permanent residence",
    ),
    concept(
        "noi_cu_tru",
        &[
            "NOI CU TRU",
            "NOI O HIEN NAY",
            "NOI O HIEN TAI",
            "CHO O HIEN NAY",
            "PLACE OF RESIDENCE",
        ],
        true,
        "Nơi cư trú",
        "residence",
    ),
    concept(
        "so_dinh_danh",
        &[
            "SO DINH DANH CA NHAN",
            "SO DINH DANH",
            "SO CAN CUOC CONG DAN",
            "SO CAN CUOC",
            "SO CCCD",
            "CCCD SO",
            "SO CMND",
            "CMND SO",
            "SO CMND CCCD",
            "PERSONAL IDENTIFICATION NUMBER",
        ],
        true,
        "Số định danh cá nhân",
        "personal identification number",
    ),
    concept(
        "giay_to_tuy_than",
        &["GIAY TO TUY THAN", "GIAY TO TUY THAN SO"],
        true,
        "Giấy tờ tùy thân",
        "identity paper",
    ),
    concept("so", &["SO", "NO"], false, "Số", "number"),
    concept(
        "quyen_so",
        &["QUYEN SO"],
        false,
        "Quyển số",
        "register book",
    ),
    concept(
        "noi_dang_ky",
        &["NOI DANG KY", "CO QUAN DANG KY"],
        false,
        "Nơi đăng ký",
        "place of registration",
    ),
    concept(
        "ngay_dang_ky",
        &["NGAY THANG NAM DANG KY", "NGAY DANG KY"],
        false,
        "Ngày đăng ký",
        "date of registration",
    ),
    concept(
        "ngay_chet",
        &[
            "NGAY THANG NAM CHET",
            "NGAY CHET",
            "DA CHET VAO LUC",
            "CHET VAO LUC",
            "DA CHET VAO NGAY",
            "CHET NGAY",
            "THOI GIAN CHET",
            "NGAY MAT",
        ],
        false,
        "Ngày chết",
        "date of death",
    ),
    concept(
        "noi_chet",
        &["NOI CHET"],
        false,
        "Nơi chết",
        "place of death",
    ),
    concept(
        "nguyen_nhan_chet",
        &["NGUYEN NHAN CHET", "NGUYEN NHAN"],
        false,
        "Nguyên nhân chết",
        "cause of death",
    ),
    concept(
        "so_hieu",
        &["SO HIEU", "SO HIEU BANG", "SO HIEU VAN BANG", "SERIAL NO"],
        false,
        "Số hiệu",
        "serial number",
    ),
    concept(
        "so_vao_so",
        &[
            "SO VAO SO CAP BANG",
            "SO VAO SO CAP VAN BANG",
            "SO VAO SO GOC CAP VAN BANG",
            "SO VAO SO GOC CAP BANG",
            "SO VAO SO",
            "SO VAO SO CAP",
        ],
        false,
        "Số vào sổ cấp bằng",
        "register entry",
    ),
    concept(
        "nam_tot_nghiep",
        &[
            "NAM TOT NGHIEP",
            "TOT NGHIEP NAM",
            "KHOA THI",
            "KHOA THI NAM",
        ],
        false,
        "Năm tốt nghiệp",
        "year of graduation",
    ),
    concept(
        "xep_loai",
        &[
            "XEP LOAI",
            "XEP LOAI TOT NGHIEP",
            "HANG TOT NGHIEP",
            "LOAI TOT NGHIEP",
            "XEP HANG",
        ],
        false,
        "Xếp loại",
        "grade",
    ),
    concept(
        "nganh",
        &["NGANH", "NGANH DAO TAO", "CHUYEN NGANH", "NGANH HOC"],
        false,
        "Ngành",
        "field of study",
    ),
    concept("nam_hoc", &["NAM HOC"], false, "Năm học", "school year"),
    concept("lop", &["LOP"], false, "Lớp", "class"),
    concept(
        "ngay_cap",
        &[
            "NGAY CAP",
            "NGAY THANG NAM CAP",
            "CAP NGAY",
            "DATE OF ISSUE",
        ],
        false,
        "Ngày cấp",
        "date of issue",
    ),
    concept(
        "ngay_het_han",
        &[
            "CO GIA TRI DEN",
            "GIA TRI DEN",
            "NGAY HET HAN",
            "DATE OF EXPIRY",
        ],
        false,
        "Có giá trị đến",
        "date of expiry",
    ),
    concept(
        "noi_dang_ky_khai_sinh",
        &["NOI DANG KY KHAI SINH", "PLACE OF BIRTH REGISTRATION"],
        false,
        "Nơi đăng ký khai sinh",
        "place of birth registration",
    ),
    concept(
        "ho_ten_chu_ho",
        &[
            "HO VA TEN CHU HO",
            "HO TEN CHU HO",
            "HO CHU DEM TEN CHU HO",
            "CHU HO",
        ],
        false,
        "Họ và tên chủ hộ",
        "head of household",
    ),
    concept(
        "quan_he_chu_ho",
        &["QUAN HE VOI CHU HO", "QUAN HE VOI CHU HO LA"],
        false,
        "Quan hệ với chủ hộ",
        "relation to the head of household",
    ),
    concept(
        "dia_chi",
        &["DIA CHI", "DIA CHI THUA DAT", "ADDRESS"],
        false,
        "Địa chỉ",
        "address",
    ),
    concept(
        "so_thua",
        &["THUA DAT SO", "SO THUA", "THUA SO", "SO THUA DAT"],
        false,
        "Thửa đất số",
        "parcel number",
    ),
    concept(
        "so_to_ban_do",
        &["TO BAN DO SO", "SO TO BAN DO", "TO BAN DO"],
        false,
        "Tờ bản đồ số",
        "map sheet",
    ),
    concept(
        "dien_tich",
        &["DIEN TICH", "DIEN TICH DAT"],
        false,
        "Diện tích",
        "area",
    ),
    concept(
        "muc_dich_su_dung",
        &["MUC DICH SU DUNG", "MUC DICH SU DUNG DAT"],
        false,
        "Mục đích sử dụng",
        "land use",
    ),
    concept(
        "thoi_han_su_dung",
        &["THOI HAN SU DUNG", "THOI HAN SU DUNG DAT"],
        false,
        "Thời hạn sử dụng",
        "term of use",
    ),
    concept(
        "hinh_thuc_su_dung",
        &["HINH THUC SU DUNG"],
        false,
        "Hình thức sử dụng",
        "form of use",
    ),
    concept(
        "nguon_goc_su_dung",
        &["NGUON GOC SU DUNG"],
        false,
        "Nguồn gốc sử dụng",
        "origin of use",
    ),
];

/// Who a personal field is about, beyond the paper's own person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Person {
    /// The person the paper is about (the child, the holder, the deceased).
    Main,
    /// The mother.
    Mother,
    /// The father.
    Father,
    /// The husband.
    Husband,
    /// The wife.
    Wife,
    /// Whoever declared or asked (người đi khai sinh, người yêu cầu).
    Declarant,
}

impl Person {
    /// The suffix of a personal field's key (`ho_ten` + `_me`).
    pub fn suffix(self) -> &'static str {
        match self {
            Person::Main => "",
            Person::Mother => "_me",
            Person::Father => "_cha",
            Person::Husband => "_chong",
            Person::Wife => "_vo",
            Person::Declarant => "_nguoi_khai",
        }
    }

    /// Its name for people, Vietnamese then English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Person::Main => ("", ""),
            Person::Mother => ("người mẹ", "mother's"),
            Person::Father => ("người cha", "father's"),
            Person::Husband => ("chồng", "husband's"),
            Person::Wife => ("vợ", "wife's"),
            Person::Declarant => ("người đi khai", "declarant's"),
        }
    }
}

/// The English words bilingual papers (the identity cards, passports) print after a label's
/// Vietnamese and a slash ("Ngày sinh / Date of birth"), folded: where they end, the value
/// begins.
pub const ENGLISH_LABEL_WORDS: &[&str] = &[
    "FULL",
    "NAME",
    "NAMES",
    "SURNAME",
    "GIVEN",
    "DATE",
    "OF",
    "BIRTH",
    "SEX",
    "GENDER",
    "NATIONALITY",
    "ETHNICITY",
    "RELIGION",
    "PLACE",
    "ORIGIN",
    "RESIDENCE",
    "ADDRESS",
    "EXPIRY",
    "ISSUE",
    "NO",
    "NUMBER",
    "PERSONAL",
    "IDENTIFICATION",
    "IDENTITY",
    "MONTH",
    "YEAR",
    "HOME",
    "TOWN",
    "REGISTRATION",
    "VALID",
    "UNTIL",
];

/// Folded phrases that name a person, longest first within each person.
pub const PERSONS: &[(&str, Person)] = &[
    ("NGUOI DUOC KHAI SINH", Person::Main),
    ("NGUOI DUOC KHAI TU", Person::Main),
    ("NGUOI DA CHET", Person::Main),
    ("NGUOI CHET", Person::Main),
    ("NGUOI DUOC CAP", Person::Main),
    ("NGUOI DI KHAI SINH", Person::Declarant),
    ("NGUOI DI KHAI TU", Person::Declarant),
    ("NGUOI DI DANG KY", Person::Declarant),
    ("NGUOI YEU CAU", Person::Declarant),
    ("NGUOI KHAI", Person::Declarant),
    ("THONG TIN NGUOI ME", Person::Mother),
    ("NGUOI ME", Person::Mother),
    ("ME", Person::Mother),
    ("THONG TIN NGUOI CHA", Person::Father),
    ("NGUOI CHA", Person::Father),
    ("CHA", Person::Father),
    ("THONG TIN NGUOI CHONG", Person::Husband),
    ("THONG TIN CHONG", Person::Husband),
    ("NGUOI CHONG", Person::Husband),
    ("BEN CHONG", Person::Husband),
    ("CHONG", Person::Husband),
    ("HUSBAND", Person::Husband),
    ("THONG TIN NGUOI VO", Person::Wife),
    ("THONG TIN VO", Person::Wife),
    ("NGUOI VO", Person::Wife),
    ("BEN VO", Person::Wife),
    ("VO", Person::Wife),
    ("WIFE", Person::Wife),
];

/// The person a whole folded phrase names: exactly, or within OCR's confusions and a letter
/// on the longer phrases ("NGUOI DT KHAI SINH", [`crate::matching::distance`]).
pub fn person_of(folded: &str) -> Option<Person> {
    let folded = folded.strip_prefix("CUA ").unwrap_or(folded);
    if let Some((_, person)) = PERSONS.iter().find(|(phrase, _)| *phrase == folded) {
        return Some(*person);
    }
    PERSONS
        .iter()
        .filter_map(|(phrase, person)| {
            crate::matching::distance(folded, phrase).map(|edits| (edits, *person))
        })
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, person)| person)
}

/// The concept of a canonical key.
pub fn concept_of(key: &str) -> Option<&'static Concept> {
    CONCEPTS.iter().find(|concept| concept.key == key)
}

/// The Vietnamese and English names of a field key, canonical (`ngay_sinh_chong`) or not.
pub fn field_names(key: &str) -> Option<(String, String)> {
    if let Some(concept) = concept_of(key) {
        return Some((concept.vi.to_owned(), concept.en.to_owned()));
    }
    for person in [
        Person::Mother,
        Person::Father,
        Person::Husband,
        Person::Wife,
        Person::Declarant,
    ] {
        if let Some(base) = key.strip_suffix(person.suffix())
            && let Some(concept) = concept_of(base)
        {
            let (vi, en) = person.names();
            return Some((
                format!("{} {vi}", concept.vi),
                format!("{en} {}", concept.en),
            ));
        }
    }
    None
}

/// Titles by kind, folded. A title is matched on a line of its own (fuzzily); where two kinds'
/// titles both match, the longer title wins.
pub const TITLES: &[(&str, DocumentType)] = &[
    ("GIAY KHAI SINH", DocumentType::BirthCertificate),
    ("TRICH LUC KHAI SINH", DocumentType::BirthCertificate),
    ("GIAY CHUNG NHAN KET HON", DocumentType::MarriageCertificate),
    ("TRICH LUC KET HON", DocumentType::MarriageCertificate),
    ("GIAY CHUNG TU", DocumentType::DeathCertificate),
    ("TRICH LUC KHAI TU", DocumentType::DeathCertificate),
    ("GIAY BAO TU", DocumentType::DeathCertificate),
    (
        "BANG TOT NGHIEP TRUNG HOC PHO THONG",
        DocumentType::HighSchoolDiploma,
    ),
    ("BANG TOT NGHIEP THPT", DocumentType::HighSchoolDiploma),
    (
        "BANG TOT NGHIEP BO TUC TRUNG HOC PHO THONG",
        DocumentType::HighSchoolDiploma,
    ),
    ("BANG TOT NGHIEP DAI HOC", DocumentType::UniversityDiploma),
    ("BANG CU NHAN", DocumentType::UniversityDiploma),
    ("BANG KY SU", DocumentType::UniversityDiploma),
    ("BANG KIEN TRUC SU", DocumentType::UniversityDiploma),
    ("BANG BAC SI", DocumentType::UniversityDiploma),
    ("BANG THAC SI", DocumentType::UniversityDiploma),
    ("HOC BA", DocumentType::Transcript),
    ("HOC BA TRUNG HOC PHO THONG", DocumentType::Transcript),
    ("HOC BA TRUNG HOC CO SO", DocumentType::Transcript),
    ("BANG DIEM", DocumentType::Transcript),
    ("BANG DIEM HOC TAP", DocumentType::Transcript),
    ("BANG KET QUA HOC TAP", DocumentType::Transcript),
    ("PHIEU DIEM", DocumentType::Transcript),
    ("CAN CUOC CONG DAN", DocumentType::CitizenIdentityCard),
    ("CAN CUOC", DocumentType::CitizenIdentityCard),
    ("CHUNG MINH NHAN DAN", DocumentType::CitizenIdentityCard),
    ("CITIZEN IDENTITY CARD", DocumentType::CitizenIdentityCard),
    ("IDENTITY CARD", DocumentType::CitizenIdentityCard),
    ("SO HO KHAU", DocumentType::HouseholdRegistration),
    ("SO TAM TRU", DocumentType::HouseholdRegistration),
    (
        "GIAY XAC NHAN THONG TIN VE CU TRU",
        DocumentType::HouseholdRegistration,
    ),
    (
        "XAC NHAN THONG TIN VE CU TRU",
        DocumentType::HouseholdRegistration,
    ),
    (
        "THONG BAO VE KET QUA GIAI QUYET HUY BO DANG KY CU TRU",
        DocumentType::HouseholdRegistration,
    ),
    (
        "GIAY CHUNG NHAN QUYEN SU DUNG DAT",
        DocumentType::LandUseCertificate,
    ),
    (
        "QUYEN SU DUNG DAT QUYEN SO HUU NHA O VA TAI SAN KHAC GAN LIEN VOI DAT",
        DocumentType::LandUseCertificate,
    ),
];

/// Keys that mean another on one kind of paper: on a birth certificate the place the birth
/// was registered ("Nơi đăng ký khai sinh") is the paper's place of registration.
pub const KIND_SYNONYMS: &[(DocumentType, &str, &str)] = &[
    (
        DocumentType::BirthCertificate,
        "noi_dang_ky_khai_sinh",
        "noi_dang_ky",
    ),
    // An identity card's "Số / No." is its holder's personal number.
    (DocumentType::CitizenIdentityCard, "so", "so_dinh_danh"),
];

/// Fields that point at a kind when no title is read, with their weight.
pub const EVIDENCE: &[(&str, DocumentType, u32)] = &[
    ("ho_ten_me", DocumentType::BirthCertificate, 2),
    ("ho_ten_cha", DocumentType::BirthCertificate, 2),
    ("nam_sinh_me", DocumentType::BirthCertificate, 1),
    ("ho_ten_chong", DocumentType::MarriageCertificate, 3),
    ("ho_ten_vo", DocumentType::MarriageCertificate, 3),
    ("ngay_sinh_chong", DocumentType::MarriageCertificate, 1),
    ("ngay_chet", DocumentType::DeathCertificate, 3),
    ("noi_chet", DocumentType::DeathCertificate, 3),
    ("nguyen_nhan_chet", DocumentType::DeathCertificate, 2),
    ("nganh", DocumentType::UniversityDiploma, 2),
    ("so_hieu", DocumentType::UniversityDiploma, 1),
    ("so_hieu", DocumentType::HighSchoolDiploma, 1),
    ("nam_tot_nghiep", DocumentType::HighSchoolDiploma, 2),
    ("xep_loai", DocumentType::HighSchoolDiploma, 1),
    ("xep_loai", DocumentType::UniversityDiploma, 1),
    ("so_vao_so", DocumentType::HighSchoolDiploma, 1),
    ("so_vao_so", DocumentType::UniversityDiploma, 1),
    ("nam_hoc", DocumentType::Transcript, 2),
    ("lop", DocumentType::Transcript, 2),
    ("ngay_het_han", DocumentType::CitizenIdentityCard, 3),
    (
        "noi_dang_ky_khai_sinh",
        DocumentType::CitizenIdentityCard,
        2,
    ),
    ("ngay_cap", DocumentType::CitizenIdentityCard, 1),
    ("ho_ten_chu_ho", DocumentType::HouseholdRegistration, 3),
    ("quan_he_chu_ho", DocumentType::HouseholdRegistration, 3),
    ("so_thua", DocumentType::LandUseCertificate, 3),
    ("so_to_ban_do", DocumentType::LandUseCertificate, 3),
    ("dien_tich", DocumentType::LandUseCertificate, 2),
    ("muc_dich_su_dung", DocumentType::LandUseCertificate, 2),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fold;

    #[test]
    fn wordings_are_folded_and_keys_unique() {
        let mut keys: Vec<&str> = CONCEPTS.iter().map(|concept| concept.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CONCEPTS.len(), "a key is defined twice");
        for concept in CONCEPTS {
            for wording in concept.wordings {
                assert_eq!(fold(wording), *wording, "{} is not folded", concept.key);
            }
        }
        for (title, _) in TITLES {
            assert_eq!(fold(title), *title);
        }
    }

    #[test]
    fn a_person_s_field_has_a_name_for_people() {
        assert_eq!(
            field_names("ngay_sinh_chong"),
            Some((
                "Ngày sinh chồng".to_owned(),
                "husband's date of birth".to_owned()
            ))
        );
        assert_eq!(field_names("thoi_gian"), None);
    }
}
