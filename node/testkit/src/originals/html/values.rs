//! Made-up Vietnamese people, places, dates and numbers for the `html` originals, and the ways
//! papers print them (dates as `05/09/2010`, `05-9-2010`, `ngày 05 tháng 9 năm 2010` or in words).

use super::Rng;

const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Tạ", "Mai", "Trương", "Quách", "Đoàn",
    "Lâm", "Kiều", "Hà", "Tô",
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Xuân", "Công", "Đình", "Ngọc", "Gia", "Tiến",
    "Mạnh", "Trọng",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Thùy", "Mỹ", "Bích", "Kim", "Hồng", "Diệu", "Phương", "Khánh",
];
const GIVEN_MALE: &[&str] = &[
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phúc",
    "Quang",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Vinh",
    "Khôi",
    "Lực",
    "Nghĩa",
    "Toàn",
    "Huy",
    "Trường",
    "Lộc",
    "Hưng",
    "Thịnh",
    "Quý",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hằng",
    "Hương",
    "Hường",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "Ngân",
    "Nguyệt",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Thảo",
    "Trang",
    "Tuyết",
    "Yến",
    "Xuân",
    "Huyền",
    "Ngọc",
    "Thủy",
    "Vân",
    "Diễm",
];

/// A commune (xã or phường), its district and province, and its province's code in the
/// personal identification number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Commune {
    pub(crate) unit: &'static str,
    pub(crate) name: &'static str,
    pub(crate) district: &'static str,
    pub(crate) province: &'static str,
    pub(crate) code: &'static str,
    pub(crate) hospital: &'static str,
}

const COMMUNES: &[Commune] = &[
    Commune {
        unit: "xã",
        name: "Tân Lập",
        district: "huyện Đan Phượng",
        province: "thành phố Hà Nội",
        code: "001",
        hospital: "Bệnh viện Phụ sản Hà Nội",
    },
    Commune {
        unit: "xã",
        name: "Hòa Phong",
        district: "huyện Hòa Vang",
        province: "thành phố Đà Nẵng",
        code: "048",
        hospital: "Bệnh viện Phụ sản - Nhi Đà Nẵng",
    },
    Commune {
        unit: "xã",
        name: "Phú Thịnh",
        district: "huyện Tam Nông",
        province: "tỉnh Phú Thọ",
        code: "025",
        hospital: "Bệnh viện Đa khoa tỉnh Phú Thọ",
    },
    Commune {
        unit: "xã",
        name: "Cẩm Hà",
        district: "thành phố Hội An",
        province: "tỉnh Quảng Nam",
        code: "049",
        hospital: "Trung tâm Y tế thành phố Hội An",
    },
    Commune {
        unit: "xã",
        name: "Nghĩa Trung",
        district: "huyện Tư Nghĩa",
        province: "tỉnh Quảng Ngãi",
        code: "051",
        hospital: "Bệnh viện Sản - Nhi tỉnh Quảng Ngãi",
    },
    Commune {
        unit: "xã",
        name: "Long Hậu",
        district: "huyện Cần Giuộc",
        province: "tỉnh Long An",
        code: "080",
        hospital: "Trung tâm Y tế huyện Cần Giuộc",
    },
    Commune {
        unit: "xã",
        name: "Xuân Lâm",
        district: "huyện Nam Đàn",
        province: "tỉnh Nghệ An",
        code: "040",
        hospital: "Bệnh viện Sản Nhi Nghệ An",
    },
    Commune {
        unit: "xã",
        name: "Đông Hưng",
        district: "huyện Tiên Lãng",
        province: "thành phố Hải Phòng",
        code: "031",
        hospital: "Bệnh viện Phụ sản Hải Phòng",
    },
    Commune {
        unit: "phường",
        name: "Phước Hòa",
        district: "thành phố Nha Trang",
        province: "tỉnh Khánh Hòa",
        code: "056",
        hospital: "Bệnh viện Đa khoa tỉnh Khánh Hòa",
    },
    Commune {
        unit: "xã",
        name: "Ea Tu",
        district: "thành phố Buôn Ma Thuột",
        province: "tỉnh Đắk Lắk",
        code: "066",
        hospital: "Bệnh viện Đa khoa vùng Tây Nguyên",
    },
    Commune {
        unit: "xã",
        name: "Thạnh Phú",
        district: "huyện Vĩnh Cửu",
        province: "tỉnh Đồng Nai",
        code: "075",
        hospital: "Bệnh viện Đa khoa Thống Nhất Đồng Nai",
    },
    Commune {
        unit: "xã",
        name: "Quảng Phú",
        district: "huyện Quảng Trạch",
        province: "tỉnh Quảng Bình",
        code: "044",
        hospital: "Bệnh viện Hữu nghị Việt Nam - Cu Ba Đồng Hới",
    },
];

const HAMLETS: &[&str] = &[
    "Thôn 3",
    "Thôn Đông",
    "Xóm Chùa",
    "Thôn Phú Mỹ",
    "Ấp Bình Thạnh",
    "Ấp 2",
    "Tổ dân phố 5",
    "Xóm Mới",
    "Thôn Trung Hòa",
    "Buôn Ea Kmar",
];

const STREETS: &[&str] = &[
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Quang Trung",
    "Lý Thường Kiệt",
    "Phan Chu Trinh",
];

const ETHNIC_GROUPS: &[&str] = &[
    "Kinh", "Kinh", "Kinh", "Kinh", "Kinh", "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng",
    "Ê Đê",
];

impl Commune {
    /// "xã Tân Lập"
    pub(crate) fn short(&self) -> String {
        format!("{} {}", self.unit, self.name)
    }

    /// "Xã Tân Lập" (as a line starts).
    pub(crate) fn short_capitalised(&self) -> String {
        capitalise(&self.short())
    }

    /// "xã Tân Lập, huyện Đan Phượng, thành phố Hà Nội"
    pub(crate) fn full(&self) -> String {
        format!("{}, {}, {}", self.short(), self.district, self.province)
    }

    /// "Ủy ban nhân dân xã Tân Lập, huyện Đan Phượng, thành phố Hà Nội"
    pub(crate) fn people_committee(&self) -> String {
        format!("Ủy ban nhân dân {}", self.full())
    }

    /// "XÃ TÂN LẬP"
    pub(crate) fn upper(&self) -> String {
        self.short().to_uppercase()
    }
}

/// The first letter in capitals.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    pub(crate) year: i64,
    pub(crate) month: i64,
    pub(crate) day: i64,
}

impl Date {
    pub(crate) fn random(rng: &mut Rng, first_year: i64, last_year: i64) -> Date {
        let year = rng.range(first_year, last_year);
        let month = rng.range(1, 12);
        let day = rng.range(1, days_in_month(year, month));
        Date { year, month, day }
    }

    /// Some days after this one (at most a few hundred).
    pub(crate) fn plus_days(self, days: i64) -> Date {
        let mut date = self;
        for _ in 0..days {
            date.day += 1;
            if date.day > days_in_month(date.year, date.month) {
                date.day = 1;
                date.month += 1;
                if date.month > 12 {
                    date.month = 1;
                    date.year += 1;
                }
            }
        }
        date
    }

    /// The same day `years` later (28 February for 29 February).
    pub(crate) fn plus_years(self, years: i64) -> Date {
        let year = self.year + years;
        Date {
            year,
            month: self.month,
            day: self.day.min(days_in_month(year, self.month)),
        }
    }

    /// The normal form: `05/09/2010`.
    pub(crate) fn normal(self) -> String {
        format!("{:02}/{:02}/{}", self.day, self.month, self.year)
    }

    /// `05-9-2010`
    pub(crate) fn dashed(self) -> String {
        format!("{:02}-{}-{}", self.day, self.month, self.year)
    }

    /// `ngày 05 tháng 9 năm 2010` (civil status papers write months below 3 with a leading
    /// zero: `tháng 02`).
    pub(crate) fn in_words_numeric(self) -> String {
        let month = if self.month < 3 {
            format!("{:02}", self.month)
        } else {
            self.month.to_string()
        };
        format!("ngày {:02} tháng {} năm {}", self.day, month, self.year)
    }

    /// `Ngày năm, tháng chín, năm hai nghìn không trăm mười` (the birth certificate's
    /// "ghi bằng chữ").
    pub(crate) fn in_words(self) -> String {
        format!(
            "Ngày {}, tháng {}, năm {}",
            number_words(self.day),
            month_words(self.month),
            number_words(self.year)
        )
    }

    /// One of the printed forms, drawn by `rng`.
    pub(crate) fn printed(self, rng: &mut Rng) -> String {
        match rng.below(6) {
            0 => self.dashed(),
            1 => self.in_words_numeric(),
            _ => self.normal(),
        }
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

fn month_words(month: i64) -> String {
    match month {
        1 => "một".to_owned(),
        4 => "tư".to_owned(),
        _ => number_words(month),
    }
}

/// Vietnamese words for `0 ≤ n < 10000`, as the civil status books write them.
pub(crate) fn number_words(n: i64) -> String {
    let below_hundred = |n: i64, after_hundreds: bool| -> String {
        let (tens, units) = (n / 10, n % 10);
        match (tens, units) {
            (0, 0) => String::new(),
            (0, u) if after_hundreds => format!("linh {}", DIGITS[u as usize]),
            (0, u) => DIGITS[u as usize].to_owned(),
            (1, 0) => "mười".to_owned(),
            (1, 5) => "mười lăm".to_owned(),
            (1, u) => format!("mười {}", DIGITS[u as usize]),
            (t, 0) => format!("{} mươi", DIGITS[t as usize]),
            (t, 1) => format!("{} mươi mốt", DIGITS[t as usize]),
            (t, 5) => format!("{} mươi lăm", DIGITS[t as usize]),
            (t, u) => format!("{} mươi {}", DIGITS[t as usize], DIGITS[u as usize]),
        }
    };
    if n < 100 {
        return below_hundred(n, false);
    }
    let (thousands, hundreds, rest) = (n / 1000, (n / 100) % 10, n % 100);
    let mut words = Vec::new();
    if thousands > 0 {
        words.push(format!("{} nghìn", DIGITS[thousands as usize]));
    }
    if hundreds > 0 || rest > 0 {
        words.push(format!("{} trăm", DIGITS[hundreds as usize]));
    }
    let tail = below_hundred(rest, true);
    if !tail.is_empty() {
        words.push(tail);
    }
    words.join(" ")
}

/// A made-up person.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// As written in running text: "Nguyễn Thị Thu Hà".
    pub(crate) name: String,
    pub(crate) male: bool,
    pub(crate) born: Date,
    pub(crate) ethnic: &'static str,
    pub(crate) home: Commune,
    /// Where they live (a hamlet or street in their commune).
    pub(crate) residence: String,
    /// The 12-digit personal identification number.
    pub(crate) id_number: String,
}

impl Person {
    pub(crate) fn random(rng: &mut Rng, male: bool, first_year: i64, last_year: i64) -> Person {
        let surname = *rng.pick(SURNAMES);
        let middle = if male {
            *rng.pick(MIDDLE_MALE)
        } else {
            *rng.pick(MIDDLE_FEMALE)
        };
        let given = if male {
            *rng.pick(GIVEN_MALE)
        } else {
            *rng.pick(GIVEN_FEMALE)
        };
        let name = if rng.chance(0.3) {
            let second = if male {
                *rng.pick(MIDDLE_MALE)
            } else {
                *rng.pick(&["Thu", "Ngọc", "Minh", "Thanh", "Hoài", "Bảo"])
            };
            if second == middle {
                format!("{surname} {middle} {given}")
            } else {
                format!("{surname} {middle} {second} {given}")
            }
        } else {
            format!("{surname} {middle} {given}")
        };
        let born = Date::random(rng, first_year, last_year);
        let home = *rng.pick(COMMUNES);
        let residence = address(rng, &home);
        let century_and_sex = match (born.year >= 2000, male) {
            (false, true) => 0,
            (false, false) => 1,
            (true, true) => 2,
            (true, false) => 3,
        };
        let id_number = format!(
            "{}{}{:02}{:06}",
            home.code,
            century_and_sex,
            born.year % 100,
            rng.below(1_000_000)
        );
        Person {
            name,
            male,
            born,
            ethnic: rng.pick_str(ETHNIC_GROUPS),
            home,
            residence,
            id_number,
        }
    }

    /// A man with probability `male`, else a woman.
    pub(crate) fn any(rng: &mut Rng, male: f64, first_year: i64, last_year: i64) -> Person {
        let is_male = rng.chance(male);
        Person::random(rng, is_male, first_year, last_year)
    }

    /// As certificates print it: "NGUYỄN THỊ THU HÀ".
    pub(crate) fn upper(&self) -> String {
        self.name.to_uppercase()
    }

    pub(crate) fn sex(&self) -> &'static str {
        if self.male { "Nam" } else { "Nữ" }
    }
}

/// A hamlet or a street address in `commune`, with the commune, district and province.
pub(crate) fn address(rng: &mut Rng, commune: &Commune) -> String {
    let place = if rng.chance(0.3) {
        format!("Số {}, đường {}", rng.range(2, 180), rng.pick(STREETS))
    } else {
        (*rng.pick(HAMLETS)).to_owned()
    };
    format!("{place}, {}", commune.full())
}

/// Any commune.
pub(crate) fn commune(rng: &mut Rng) -> Commune {
    *rng.pick(COMMUNES)
}

/// Someone to sign: "Trần Văn Hùng".
pub(crate) fn signer(rng: &mut Rng) -> String {
    let male = rng.chance(0.6);
    Person::random(rng, male, 1965, 1985).name
}
