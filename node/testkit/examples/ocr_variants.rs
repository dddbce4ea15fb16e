//! An experiment, not a benchmark: how ways of handing a scanned page to Tesseract compare, on
//! the *tuning* part of the drawn originals only (the held-out part is never read here, so that
//! the choice made from it is not tuned to the held-out figures). Prints, per variant, the fields
//! read exactly right per damage level and the median page time.
//!
//! `cargo run --release -p bansao-testkit --example ocr_variants [--misses] [VARIANT...]`, a
//! variant being `binary` (the kiosk's), `binary@SHARE` or `binary@SHARE@SPECK` (other
//! [`Binarisation`] settings) or `grey` (Tesseract thresholds the grey page itself);
//! `... dump NAME-PART [SHARE]` writes crops of the grey and binarised page of two tuning
//! originals to /tmp to look at.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Instant;

use bansao_models::binarise::{Binarisation, binarise_with};
use bansao_models::normal::normal_value;
use bansao_models::ocr::{OcrEngine, OcrPage};
use image::GrayImage;

/// Reads one page the way `variant` says: `binary@SHARE@SPECK` (our binarisation with those
/// settings, the default without them) or `grey` (the grey page, thresholded by Tesseract).
fn read(engine: &mut OcrEngine, grey: &GrayImage, variant: &str) -> OcrPage {
    let mut settings = Binarisation::default();
    let mut parts = variant.split('@').skip(1);
    if let Some(share) = parts.next() {
        settings.ink_share = share.parse().unwrap();
    }
    if let Some(speck) = parts.next() {
        settings.speck_pixels = speck.parse().unwrap();
    }
    let (binary, _) = binarise_with(grey, &settings);
    let sideways = bansao_models::deskew::lies_sideways(&binary);
    let (binary, grey) = if sideways {
        (
            image::imageops::rotate90(&binary),
            image::imageops::rotate90(grey),
        )
    } else {
        (binary, grey.clone())
    };
    let skew = bansao_models::deskew::estimate_skew(&binary);
    let input = if variant.starts_with("grey") {
        bansao_models::deskew::rotate(&grey, -skew)
    } else {
        bansao_models::deskew::rotate(&binary, -skew)
    };
    let first = engine.read_grey(&input, 300).unwrap();
    if first.mean_confidence() >= 75.0 {
        return first;
    }
    let turned = engine
        .read_grey(&image::imageops::rotate180(&input), 300)
        .unwrap();
    let score = |page: &OcrPage| page.mean_confidence() * (page.words.len() as f32).sqrt();
    if score(&turned) > score(&first) {
        turned
    } else {
        first
    }
}

fn main() {
    let mut variants: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = variants.iter().any(|v| v == "--misses");
    variants.retain(|v| v != "--misses");
    let variants = if variants.is_empty() {
        vec!["binary".to_owned(), "grey".to_owned()]
    } else {
        variants
    };
    let originals = bansao_testkit::originals::drawn::drawn_originals().unwrap();
    let tuning: Vec<_> = originals
        .iter()
        .filter(|original| !original.held_out && !original.must_refuse)
        .collect();
    if variants[0] == "time" {
        let original = &originals[0];
        let grey = image::load_from_memory(&original.pages[0])
            .unwrap()
            .to_luma8();
        let mut engine = OcrEngine::new(None, "vie").unwrap();
        let started = Instant::now();
        let (binary, _) = binarise_with(&grey, &Binarisation::default());
        println!("binarise {:?}", started.elapsed());
        let started = Instant::now();
        let frames = bansao_models::frames::find_frames(&binary);
        println!("frames {:?}: {frames:?}", started.elapsed());
        let started = Instant::now();
        let page = engine.read_grey(&binary, 300).unwrap();
        println!(
            "ocr {:?} confidence {}",
            started.elapsed(),
            page.mean_confidence()
        );
        let started = Instant::now();
        let reading = bansao_models::page::read_page(
            &mut engine,
            &image::DynamicImage::ImageLuma8(grey.clone()),
            300,
        )
        .unwrap();
        println!(
            "read_page {:?} turned {}",
            started.elapsed(),
            reading.turned_degrees
        );
        return;
    }
    if variants[0] == "dump" {
        let mut engine = OcrEngine::new(None, "vie").unwrap();
        for original in originals
            .iter()
            .filter(|original| !original.held_out && original.name.contains(&variants[1]))
            .take(2)
        {
            let grey = image::load_from_memory(&original.pages[0])
                .unwrap()
                .to_luma8();
            let mut settings = Binarisation::default();
            if let Some(share) = variants.get(2) {
                settings.ink_share = share.parse().unwrap();
            }
            let (binary, _) = binarise_with(&grey, &settings);
            let file = format!("{}-{}", original.name.replace('/', "_"), settings.ink_share);
            let crop_at: (u32, u32) = if original.name.starts_with("mark/") {
                (600, 100)
            } else {
                (200, 600)
            };
            let crop = |image: &GrayImage| {
                image::imageops::crop_imm(image, crop_at.0, crop_at.1, 1300, 600).to_image()
            };
            crop(&grey)
                .save(format!("/tmp/ocrv-{file}-grey.png"))
                .unwrap();
            crop(&binary)
                .save(format!("/tmp/ocrv-{file}-binary.png"))
                .unwrap();
            println!("{file}");
            let (level, _) = bansao_models::deskew::deskew(&binary);
            for frame in bansao_models::frames::find_frames(&level) {
                let inset = frame.thickness + 3;
                let inside = image::imageops::crop_imm(
                    &level,
                    frame.left + inset,
                    frame.top + inset,
                    frame.width - 2 * inset,
                    frame.height - 2 * inset,
                )
                .to_image();
                let mut padded = GrayImage::from_pixel(
                    inside.width() + 40,
                    inside.height() + 40,
                    image::Luma([255]),
                );
                image::imageops::replace(&mut padded, &inside, 20, 20);
                padded.save(format!("/tmp/ocrv-{file}-frame.png")).unwrap();
                println!(
                    "{frame:?}: {:?}",
                    engine.read_grey(&padded, 300).unwrap().text()
                );
            }
            if show_misses {
                println!("{}", read(&mut engine, &grey, "binary").text());
            }
        }
        return;
    }
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    for variant in &variants {
        let mut by_damage: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut times = Vec::new();
        let mut misses = Vec::new();
        for original in &tuning {
            let started = Instant::now();
            let pages: Vec<OcrPage> = original
                .pages
                .iter()
                .map(|page| {
                    let grey = image::load_from_memory(page).unwrap().to_luma8();
                    read(&mut engine, &grey, variant)
                })
                .collect();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let fields = bansao_models::fields::extract(&pages);
            for (key, expected) in &original.fields {
                let read = fields.get(key).map(|field| field.value.clone());
                let right = read
                    .as_deref()
                    .is_some_and(|read| normal_value(key, read).0 == normal_value(key, expected).0);
                let entry = by_damage
                    .entry(original.damage.name().to_owned())
                    .or_default();
                entry.0 += usize::from(right);
                entry.1 += 1;
                if !right && show_misses {
                    misses.push(format!(
                        "{} {key}: {expected:?} read {read:?}",
                        original.name
                    ));
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let (right, total) = by_damage
            .values()
            .fold((0, 0), |(r, t), (right, total)| (r + right, t + total));
        println!(
            "{variant}: {right}/{total} by damage {by_damage:?}, median {:.0} ms",
            times[times.len() / 2]
        );
        for miss in misses {
            println!("  {miss}");
        }
    }
}
