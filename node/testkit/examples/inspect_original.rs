//! An experiment, not a benchmark: reads one or a few *tuning* originals of either generator the
//! way the kiosk does and prints what was read (rows of words with their boxes and confidence),
//! the fields found against those expected, and the kind; writes the page, at half size, to /tmp to look at
//! (`INSPECT_UNRULED=X,Y,W,H` also writes that part of the page Tesseract reads).
//! Held-out originals are never shown here, so that nobody tunes to them.
//!
//! `cargo run --release -p bansao-testkit --example inspect_original NAME-PART [MAX]`
//! (the rendered `html` originals are cached under `target/recognition-originals`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::Path;

use bansao_models::fields;
use bansao_models::layout;
use bansao_models::ocr::OcrEngine;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wanted = args.first().expect("NAME-PART");
    let max: usize = args.get(1).map_or(1, |n| n.parse().unwrap());
    let mut originals = bansao_testkit::originals::drawn::drawn_originals().unwrap();
    let plans: Vec<_> = bansao_testkit::originals::html::html_plans()
        .unwrap()
        .into_iter()
        .filter(|plan| !plan.original.held_out && plan.original.name.contains(wanted.as_str()))
        .take(max)
        .collect();
    originals.extend(
        bansao_testkit::originals::html::render_html_originals(
            plans,
            Path::new("target/recognition-originals"),
        )
        .unwrap(),
    );
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    for original in originals
        .iter()
        .filter(|original| !original.held_out && original.name.contains(wanted.as_str()))
        .take(max)
    {
        println!("=== {} (rotation {})", original.name, original.rotation);
        let mut pages = Vec::new();
        for (index, page) in original.pages.iter().enumerate() {
            let image = image::load_from_memory(page).unwrap();
            let file = format!(
                "/tmp/inspect-{}-{index}.png",
                original.name.replace('/', "_")
            );
            let grey = image.to_luma8();
            image::imageops::resize(
                &grey,
                grey.width() / 2,
                grey.height() / 2,
                image::imageops::FilterType::Triangle,
            )
            .save(&file)
            .unwrap();
            println!("page {index}: {file}");
            if std::env::var_os("INSPECT_UNRULED").is_some() {
                // The page as Tesseract is given it (before any turn by 180°).
                let (binary, _) = bansao_models::binarise::binarise(&grey);
                let (upright, _) = bansao_models::deskew::deskew(&binary);
                let (unruled, removed) = bansao_models::rules::without_rules(&upright, 300);
                let file = file.replace(".png", "-unruled.png");
                let (x, y, w, h) = std::env::var("INSPECT_UNRULED")
                    .ok()
                    .and_then(|crop| {
                        let parts: Vec<u32> =
                            crop.split(',').filter_map(|n| n.parse().ok()).collect();
                        (parts.len() == 4).then(|| (parts[0], parts[1], parts[2], parts[3]))
                    })
                    .unwrap_or((0, 0, unruled.width(), unruled.height()));
                image::imageops::crop_imm(&unruled, x, y, w, h)
                    .to_image()
                    .save(&file)
                    .unwrap();
                println!("unruled ({removed} pixels off): {file}");
                for (index, tilted) in bansao_models::tilted_frames::find_tilted_frames(&unruled)
                    .iter()
                    .enumerate()
                {
                    let level = bansao_models::tilted_frames::levelled(&upright, tilted);
                    let file = file.replace("-unruled.png", &format!("-tilted-{index}.png"));
                    level.save(&file).unwrap();
                    println!("tilted frame {tilted:?}: {file}");
                }
            }
            if std::env::var_os("INSPECT_UNRULED").is_some() {
                let (binary, _) = bansao_models::binarise::binarise(&grey);
                let (upright, _) = bansao_models::deskew::deskew(&binary);
                for (index, frame) in bansao_models::frames::find_frames(&upright)
                    .iter()
                    .enumerate()
                {
                    let file = file.replace(".png", &format!("-frame-{index}.png"));
                    image::imageops::crop_imm(
                        &upright,
                        frame.left,
                        frame.top,
                        frame.width,
                        frame.height,
                    )
                    .to_image()
                    .save(&file)
                    .unwrap();
                    println!("level frame {frame:?}: {file}");
                    let inset = frame.thickness + 3;
                    let crop = image::imageops::crop_imm(
                        &upright,
                        frame.left + inset,
                        frame.top + inset,
                        frame.width.saturating_sub(2 * inset),
                        frame.height.saturating_sub(2 * inset),
                    )
                    .to_image();
                    for radius in [0, 2, 3, 4] {
                        let bold = if radius == 0 {
                            crop.clone()
                        } else {
                            bansao_models::page::without_thin_strokes(&crop, radius)
                        };
                        let mut padded = image::GrayImage::from_pixel(
                            bold.width() + 40,
                            bold.height() + 40,
                            image::Luma([255]),
                        );
                        image::imageops::replace(&mut padded, &bold, 20, 20);
                        let bold_file = file.replace(".png", &format!("-r{radius}.png"));
                        padded.save(&bold_file).unwrap();
                        let read = engine.read_grey(&padded, 300).unwrap();
                        let words: Vec<&str> =
                            read.words.iter().map(|word| word.text.as_str()).collect();
                        println!("  r{radius}: {words:?} {bold_file}");
                    }
                }
            }
            let reading = bansao_models::page::read_page(&mut engine, &image, 300).unwrap();
            println!(
                "turned {} skew {:.2} verdict {:?}",
                reading.turned_degrees, reading.skew_degrees, reading.verdict
            );
            pages.push(reading.ocr);
        }
        for row in pages
            .iter()
            .enumerate()
            .flat_map(|(index, page)| layout::rows(page, index))
        {
            let cells: Vec<String> = row
                .cells()
                .iter()
                .map(|cell| {
                    let first = &cell[0];
                    let text: Vec<&str> = cell.iter().map(|word| word.text.as_str()).collect();
                    format!("[{},{}] {}", first.bounds.0, first.bounds.1, text.join(" "))
                })
                .collect();
            println!("  {}", cells.join("  |  "));
        }
        let mut read = fields::extract(&pages);
        let kind = bansao_models::classify::classify(&pages, &read);
        fields::settle_for_kind(kind.kind, &mut read);
        println!("kind {:?} (expected {:?})", kind, original.kind);
        for (key, expected) in &original.fields {
            let got = read.get(key);
            let normal = |text: &str| bansao_models::normal::normal_value(key, text).0;
            let mark = match got {
                Some(field) if normal(&field.value) == normal(expected) => "ok",
                Some(_) => "WRONG",
                None => "MISSING",
            };
            println!(
                "  {mark:7} {key:20} {expected:40} {:?}",
                got.map(|field| (&field.label, &field.value))
            );
        }
        for (key, field) in &read {
            if !original.fields.contains_key(key) {
                println!("  extra   {key:20} {:?}", (&field.label, &field.value));
            }
        }
    }
}
