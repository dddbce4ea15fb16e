//! Vietnam's administrative units, and a place read by OCR put right against them.
//!
//! The units are those before the 2025 reform (63 provinces, their districts and communes) and
//! after it (34 provinces and their communes): papers printed before July 2025 name the old
//! ones. They come from the `vietnamadminunits` package (MIT), written out by
//! `assets/gazetteer/build.py` to `assets/gazetteer/units.txt` and embedded here.
//!
//! A place names its units from the smallest to the largest, each after its division word:
//! "Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn". [`put_right_place`] reads the parts from the
//! province down, and a name that is not a unit of its parent but is one or two letters (marks
//! aside) from exactly one of them becomes that unit's spelling: OCR's "huyện Hữu Ling" in Lạng
//! Sơn is Hữu Lũng, "tỉnh Lang Sơn" is Lạng Sơn. A district without its province or a commune
//! without its parent is put right only when its letters are exact and one spelling fits; two
//! units as near as each other leave the reading as it is.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::checks::fold;

/// `text` without marks, in lower case, words apart ([`fold`] gives capitals).
fn lower_fold(text: &str) -> String {
    fold(text).to_lowercase()
}

const UNITS: &str = include_str!("../assets/gazetteer/units.txt");

/// A level of the administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Province,
    District,
    Commune,
}

/// The division words, folded, that come before a unit's name, and the levels they name; the
/// two-word ones first, so that "thị xã" is not read as "xã".
const DIVISIONS: &[(&str, &[Level])] = &[
    ("thanh pho", &[Level::Province, Level::District]),
    ("thi xa", &[Level::District]),
    ("thi tran", &[Level::Commune]),
    ("dac khu", &[Level::Commune]),
    ("tinh", &[Level::Province]),
    ("huyen", &[Level::District]),
    ("quan", &[Level::District]),
    ("xa", &[Level::Commune]),
    ("phuong", &[Level::Commune]),
];

/// A unit's name without its division word: as written, folded, and in lower case.
#[derive(Debug, Clone)]
struct Name {
    written: String,
    folded: String,
    lower: String,
}

impl Name {
    fn new(written: &str) -> Name {
        Name {
            written: written.to_owned(),
            folded: lower_fold(written),
            lower: written.to_lowercase(),
        }
    }
}

#[derive(Debug, Default)]
struct Province {
    name: Option<Name>,
    /// The old districts, each with its communes.
    districts: Vec<(Name, Vec<Name>)>,
    /// Every commune of the province, old and new.
    communes: Vec<Name>,
}

#[derive(Debug, Default)]
struct Gazetteer {
    /// By the province's name as written (the old and the new province of one name are one).
    provinces: BTreeMap<String, Province>,
}

/// `unit` without its division word ("Huyện Hữu Lũng" → "Hữu Lũng").
fn without_division(unit: &str) -> &str {
    let words: Vec<&str> = unit.split(' ').collect();
    for (division, _) in DIVISIONS {
        let length = division.split(' ').count();
        if words.len() > length && lower_fold(&words[..length].join(" ")) == *division {
            let skipped: usize = words[..length].iter().map(|word| word.len() + 1).sum();
            return &unit[skipped..];
        }
    }
    unit
}

fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(|| {
        let mut gazetteer = Gazetteer::default();
        let mut province: Option<String> = None;
        let mut district: Option<usize> = None;
        for line in UNITS.lines() {
            let Some((level, unit)) = line.split_once('\t') else {
                continue;
            };
            let name = without_division(unit);
            match level {
                "P" => {
                    let entry = gazetteer.provinces.entry(name.to_owned()).or_default();
                    entry.name.get_or_insert_with(|| Name::new(name));
                    province = Some(name.to_owned());
                    district = None;
                }
                "D" => {
                    if let Some(entry) = province
                        .as_ref()
                        .and_then(|p| gazetteer.provinces.get_mut(p))
                    {
                        entry.districts.push((Name::new(name), Vec::new()));
                        district = Some(entry.districts.len() - 1);
                    }
                }
                "W" => {
                    if let Some(entry) = province
                        .as_ref()
                        .and_then(|p| gazetteer.provinces.get_mut(p))
                    {
                        entry.communes.push(Name::new(name));
                        if let Some((_, communes)) =
                            district.and_then(|index| entry.districts.get_mut(index))
                        {
                            communes.push(Name::new(name));
                        }
                    }
                }
                _ => {}
            }
        }
        gazetteer
    })
}

/// How many letters (marks aside) a name of `length` letters may be misread by.
fn tolerance(length: usize) -> usize {
    match length {
        0..=3 => 0,
        4..=8 => 1,
        _ => 2,
    }
}

/// The one unit among `names` that `read` is, or is nearest within the tolerance (`exact`:
/// none); `None` when none is near enough or two different spellings are as near.
fn nearest<'a>(read: &str, names: impl Iterator<Item = &'a Name>, exact: bool) -> Option<&'a str> {
    let folded = lower_fold(read);
    let allowed = if exact {
        0
    } else {
        tolerance(folded.chars().count())
    };
    let lower = read.to_lowercase();
    let mut best: Option<((usize, usize), &str)> = None;
    let mut tied = false;
    for name in names {
        let letters = strsim::levenshtein(&name.folded, &folded);
        if letters > allowed {
            continue;
        }
        let distance = (letters, strsim::levenshtein(&name.lower, &lower));
        match best {
            Some((kept, spelling)) if distance == kept => tied |= spelling != name.written,
            Some((kept, _)) if distance > kept => {}
            _ => {
                best = Some((distance, &name.written));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, spelling)| spelling)
}

/// Where a division word begins a unit in `words`: its index, its length in words, its levels.
fn divisions_in(words: &[&str], capitals: bool) -> Vec<(usize, usize, &'static [Level])> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let mut matched = None;
        for (division, levels) in DIVISIONS {
            let length = division.split(' ').count();
            if at + length >= words.len() {
                continue;
            }
            if lower_fold(&words[at..at + length].join(" ")) != *division {
                continue;
            }
            // Inside a part, a division word is written in lower case ("UBND xã Tân Lập"); one
            // in capitals there is a name's word ("Phường Quan Hoa").
            let first = words[at].chars().next();
            if at == 0 || capitals || first.is_some_and(char::is_lowercase) {
                matched = Some((at, length, *levels));
                break;
            }
        }
        match matched {
            Some((index, length, levels)) => {
                found.push((index, length, levels));
                at += length;
            }
            None => at += 1,
        }
    }
    found
}

/// `written` in the case of `read`: in capitals when the place was read in capitals.
fn in_case_of_reading(written: &str, capitals: bool) -> String {
    if capitals {
        written.to_uppercase()
    } else {
        written.to_owned()
    }
}

/// `place` with its units' names put right against the gazetteer, or `None` when nothing
/// changed.
pub fn put_right_place(place: &str) -> Option<String> {
    let gazetteer = gazetteer();
    let capitals = !place.chars().any(char::is_lowercase);
    let mut parts: Vec<Vec<String>> = place
        .split(',')
        .map(|part| part.split_whitespace().map(str::to_owned).collect())
        .collect();
    let mut province: Option<&Province> = None;
    let mut district: Option<&[Name]> = None;
    let mut changed = false;
    for part in parts.iter_mut().rev() {
        let words: Vec<&str> = part.iter().map(String::as_str).collect();
        let Some(&(at, length, levels)) = divisions_in(&words, capitals).last() else {
            continue;
        };
        let name_words = &words[at + length..];
        let last = name_words.len() - 1;
        let trailing: String = name_words[last]
            .chars()
            .rev()
            .take_while(|c| !c.is_alphanumeric())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let read = {
            let mut name = name_words.join(" ");
            name.truncate(name.len() - trailing.len());
            name
        };
        if read.is_empty() || name_words.len() > 6 {
            continue;
        }
        // Under a known province, "thành phố" is one of its cities, not the province.
        let levels: Vec<Level> = if province.is_some() && levels.contains(&Level::District) {
            vec![Level::District]
        } else {
            levels.to_vec()
        };
        let mut spelling = None;
        for level in &levels {
            spelling = match level {
                Level::Province => nearest(
                    &read,
                    gazetteer.provinces.values().filter_map(|p| p.name.as_ref()),
                    false,
                )
                .inspect(|found| province = gazetteer.provinces.get(*found)),
                Level::District => {
                    let (candidates, exact): (Vec<&(Name, Vec<Name>)>, bool) = match province {
                        Some(p) => (p.districts.iter().collect(), false),
                        None => (
                            gazetteer
                                .provinces
                                .values()
                                .flat_map(|p| &p.districts)
                                .collect(),
                            true,
                        ),
                    };
                    let found = nearest(&read, candidates.iter().map(|(name, _)| name), exact);
                    if let Some(found) = found {
                        district = candidates
                            .iter()
                            .find(|(name, _)| name.written == found)
                            .map(|(_, communes)| communes.as_slice());
                    }
                    found
                }
                Level::Commune => match (district, province) {
                    (Some(communes), _) if !communes.is_empty() => {
                        nearest(&read, communes.iter(), false)
                    }
                    (_, Some(p)) => nearest(&read, p.communes.iter(), false),
                    _ => None,
                },
            };
            if spelling.is_some() {
                break;
            }
        }
        let Some(spelling) = spelling else {
            continue;
        };
        if spelling == read || (capitals && spelling.to_uppercase() == read) {
            continue;
        }
        let mut replaced: Vec<String> = words[..at + length]
            .iter()
            .map(|word| (*word).to_owned())
            .collect();
        replaced.extend(
            in_case_of_reading(spelling, capitals)
                .split(' ')
                .map(str::to_owned),
        );
        if let Some(end) = replaced.last_mut() {
            end.push_str(&trailing);
        }
        *part = replaced;
        changed = true;
    }
    changed.then(|| {
        parts
            .iter()
            .map(|part| part.join(" "))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

#[cfg(test)]
mod tests {
    use super::put_right_place;

    /// Issue 12: heavy damage read "huyện Hữu Ling" and "Cấm Hà"; a person reads the unit.
    #[test]
    fn a_unit_misread_by_a_letter_is_put_right_within_its_parent() {
        assert_eq!(
            put_right_place("Xã Yên Bình, huyện Hữu Ling, tỉnh Lạng Sơn").as_deref(),
            Some("Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn")
        );
        assert_eq!(
            put_right_place("Xã Yên Bính, huyện Hữu Lũng, tỉnh Lang Sơn").as_deref(),
            Some("Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn")
        );
        assert_eq!(
            put_right_place("Bệnh viện Đa khoa tỉnh Nam Đinh").as_deref(),
            Some("Bệnh viện Đa khoa tỉnh Nam Định")
        );
    }

    #[test]
    fn a_place_read_right_or_not_a_unit_is_left_as_read() {
        for place in [
            "Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn",
            "Bệnh viện Bạch Mai, Hà Nội",
            "Số 12 đường Trần Phú",
            "Phường Quan Hoa, quận Cầu Giấy, thành phố Hà Nội",
            "Cộng hòa Pháp",
        ] {
            assert_eq!(put_right_place(place), None, "{place}");
        }
    }

    #[test]
    fn a_commune_without_its_parents_is_not_guessed() {
        // Thousands of communes: without its province, a near name could be any of several.
        assert_eq!(put_right_place("Xã Yên Bính"), None);
    }

    #[test]
    fn a_place_in_capitals_stays_in_capitals() {
        assert_eq!(
            put_right_place("XÃ YÊN BÌNH, HUYỆN HỮU LING, TỈNH LẠNG SƠN").as_deref(),
            Some("XÃ YÊN BÌNH, HUYỆN HỮU LŨNG, TỈNH LẠNG SƠN")
        );
    }

    #[test]
    fn the_gazetteer_holds_the_old_and_the_new_units() {
        let gazetteer = super::gazetteer();
        assert!(
            gazetteer.provinces.len() >= 63,
            "{}",
            gazetteer.provinces.len()
        );
        let lang_son = &gazetteer.provinces["Lạng Sơn"];
        assert!(
            lang_son
                .districts
                .iter()
                .any(|(name, _)| name.written == "Hữu Lũng")
        );
        assert!(lang_son.communes.len() > 100);
    }
}
