//! The `html` generator of test originals can fail: its plan must cover every kind in several
//! layouts, fonts and damage levels with well-formed expected fields, and a few of its pages,
//! rendered by Chromium, must be non-blank A4 scans at 300 dpi. The rendered previews are kept
//! under `target/screenshots/originals/` for a reviewer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use bansao_copy::DocumentType;
use bansao_testkit::originals::html::{self, HtmlPlan};
use bansao_testkit::originals::{Damage, is_field_key};
use unicode_normalization::is_nfc;

fn plans() -> Vec<HtmlPlan> {
    html::html_plans().expect("the html originals' fonts are installed (deploy/setup.sh)")
}

const DATE_KEYS: &[&str] = &[
    "ngay_sinh",
    "ngay_sinh_chong",
    "ngay_sinh_vo",
    "ngay_dang_ky",
    "ngay_chet",
    "ngay_cap",
];

#[test]
fn the_plan_covers_every_kind_in_several_layouts_fonts_and_damages() {
    let plans = plans();
    assert!(
        (150..=250).contains(&plans.len()),
        "{} originals, not 150–250",
        plans.len()
    );
    let mut layouts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut names = BTreeSet::new();
    for plan in &plans {
        let original = &plan.original;
        assert_eq!(original.generator, "html");
        assert!(original.pages.is_empty());
        assert!(
            names.insert(original.name.clone()),
            "{} twice",
            original.name
        );
        layouts
            .entry(original.kind.code())
            .or_default()
            .insert(original.layout.as_str());
    }
    for kind in DocumentType::ALL {
        let kind_layouts = layouts.get(kind.code()).map_or(0, BTreeSet::len);
        assert!(kind_layouts >= 2, "{:?} has {kind_layouts} layouts", kind);
    }
    let fonts: BTreeSet<&str> = plans.iter().map(|p| p.original.font.as_str()).collect();
    assert!(fonts.len() >= 4, "fonts: {fonts:?}");
    // Held out: most originals, two font families entirely, and every kind; tuning: every kind
    // too, in fonts of its own.
    let held_out = plans.iter().filter(|p| p.original.held_out).count();
    assert!(
        held_out * 10 >= plans.len() * 6,
        "only {held_out} of {} held out",
        plans.len()
    );
    let tuning_fonts: BTreeSet<&str> = plans
        .iter()
        .filter(|p| !p.original.held_out)
        .map(|p| p.original.font.as_str())
        .collect();
    let unseen_fonts = fonts.difference(&tuning_fonts).count();
    assert!(unseen_fonts >= 2, "tuning sees the fonts {tuning_fonts:?}");
    for kind in DocumentType::ALL {
        for part in [true, false] {
            assert!(
                plans
                    .iter()
                    .any(|p| p.original.kind == kind && p.original.held_out == part),
                "{kind:?} has no {} original",
                if part { "held-out" } else { "tuning" }
            );
        }
    }
    for part in [true, false] {
        assert!(
            plans
                .iter()
                .any(|p| p.original.must_refuse && p.original.held_out == part),
            "no refusal in the {} part",
            if part { "held-out" } else { "tuning" }
        );
    }
    for damage in Damage::ALL {
        assert!(
            plans.iter().any(|p| p.original.damage == damage),
            "no {damage:?}"
        );
    }
    for rotation in [0, 90, 180, 270] {
        assert!(
            plans.iter().any(|p| p.original.rotation == rotation),
            "none at {rotation}°"
        );
    }
    let refused = plans.iter().filter(|p| p.original.must_refuse).count();
    assert!(refused >= 15, "{refused} to refuse");
    assert!(
        plans
            .iter()
            .any(|p| !p.original.must_refuse && p.html().contains("MẶT BẰNG"))
    );
    assert!(
        plans
            .iter()
            .any(|p| !p.original.must_refuse && p.html().contains("Mặt hàng"))
    );
}

#[test]
fn every_expected_field_is_a_canonical_key_with_a_value_in_normal_form() {
    for plan in plans() {
        let original = &plan.original;
        let text = page_text(plan.html());
        if !original.must_refuse {
            assert!(
                !original.fields.is_empty(),
                "{} expects no field",
                original.name
            );
        }
        for (key, value) in &original.fields {
            assert!(
                is_field_key(key),
                "{}: {key} is no canonical key",
                original.name
            );
            assert!(
                is_nfc(value),
                "{}: {key} = {value:?} is not NFC",
                original.name
            );
            assert!(!value.is_empty(), "{}: {key} is empty", original.name);
            assert_eq!(
                value.split_whitespace().collect::<Vec<_>>().join(" "),
                *value,
                "{}: {key} has extra spaces",
                original.name
            );
            if DATE_KEYS.contains(&key.as_str()) || key == "ngay_het_han" {
                let bytes = value.as_bytes();
                assert!(
                    bytes.len() == 10
                        && bytes[2] == b'/'
                        && bytes[5] == b'/'
                        && value.chars().filter(char::is_ascii_digit).count() == 8,
                    "{}: {key} = {value:?} is not DD/MM/YYYY",
                    original.name
                );
            }
            // What a person copies is on the page (dates may be printed another way).
            if !DATE_KEYS.contains(&key.as_str()) {
                assert!(
                    text.contains(value.as_str()),
                    "{}: {key} = {value:?} is not on the page",
                    original.name
                );
            }
        }
        assert!(is_nfc(plan.html()), "{}'s page is not NFC", original.name);
    }
}

/// The page's text: tags dropped, spaces collapsed (values written by hand are a span a letter).
fn page_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_few_originals_render_as_non_blank_a4_scans() {
    let plans = plans();
    // One per layout family, identity cards, a rotated page, refused ones.
    type Wanted = fn(&HtmlPlan) -> bool;
    let wanted: [Wanted; 11] = [
        |p| p.original.kind == DocumentType::BirthCertificate && p.original.layout == "lines",
        |p| p.original.kind == DocumentType::MarriageCertificate && p.original.layout == "table",
        |p| p.original.kind == DocumentType::MarriageCertificate && p.original.layout == "lines",
        |p| p.original.kind == DocumentType::LandUseCertificate && p.original.layout == "boxed",
        |p| {
            p.original.kind == DocumentType::HighSchoolDiploma && p.original.damage == Damage::Heavy
        },
        |p| p.original.layout == "cccd-chip-2021",
        |p| p.original.layout == "can-cuoc-2024",
        |p| p.original.rotation == 90,
        |p| p.original.name.contains("mat-boxed-over-header"),
        |p| p.original.name.contains("unreadable"),
        |p| p.original.layout.starts_with("phieu-xuat-kho"),
    ];
    let mut chosen: Vec<HtmlPlan> = Vec::new();
    for want in wanted {
        let plan = plans
            .iter()
            .find(|plan| want(plan))
            .expect("the plan has an original of every wanted sort");
        chosen.push(plan.clone());
    }
    assert!(chosen.len() >= 6, "only {} chosen", chosen.len());
    let target_tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let work_dir = target_tmp.join("html-originals");
    let originals =
        html::render_html_originals(chosen, &work_dir).expect("chromium renders the originals");
    let previews = target_tmp
        .parent()
        .expect("the target directory holds tmp/")
        .join("screenshots")
        .join("originals");
    // Only this run's previews.
    let _ = std::fs::remove_dir_all(&previews);
    std::fs::create_dir_all(&previews).expect("the previews' directory");
    for original in &originals {
        assert_eq!(original.pages.len(), 1, "{}", original.name);
        let page = image::load_from_memory(&original.pages[0])
            .expect("the scan is a JPEG")
            .to_luma8();
        let (width, height) = page.dimensions();
        let upright = original.rotation % 180 == 0;
        let expected = if upright { (2480, 3508) } else { (3508, 2480) };
        assert_eq!((width, height), expected, "{}", original.name);
        let dark = page.pixels().filter(|p| p[0] < 110).count() as f64;
        let share = dark / f64::from(width * height);
        assert!(
            (0.002..0.9).contains(&share),
            "{}: {:.2} % of the page is dark",
            original.name,
            share * 100.0
        );
        let preview = image::imageops::resize(
            &image::load_from_memory(&original.pages[0])
                .expect("the scan is a JPEG")
                .to_rgb8(),
            width / 2,
            height / 2,
            image::imageops::FilterType::Triangle,
        );
        let file = previews.join(format!("{}.png", original.name.replace('/', "_")));
        preview.save(&file).expect("the preview is written");
    }
}

/// Renders every original (a few minutes the first time, cached after): run it with
/// `cargo test -p bansao-testkit --release --test html_originals -- --ignored --nocapture`.
#[test]
#[ignore = "renders all of them: minutes on two cores"]
fn every_original_renders() {
    let started = std::time::Instant::now();
    let work_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-originals");
    let originals = html::html_originals(&work_dir).expect("chromium renders the originals");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for original in &originals {
        assert_eq!(original.pages.len(), 1);
        for facet in [
            format!("kind {}", original.kind.code()),
            format!("layout {}/{}", original.kind.code(), original.layout),
            format!("font {}", original.font),
            format!("damage {}", original.damage.name()),
            format!("rotation {}", original.rotation),
            format!("must refuse {}", original.must_refuse),
        ] {
            *counts.entry(facet).or_default() += 1;
        }
    }
    for (facet, count) in &counts {
        println!("{facet}: {count}");
    }
    let bytes: usize = originals.iter().map(|o| o.pages[0].len()).sum();
    println!(
        "{} originals, {} MB of JPEG, in {:.1} s",
        originals.len(),
        bytes / 1_000_000,
        started.elapsed().as_secs_f64()
    );
}
