//! `bansao bench recognition`: how often the kiosk reads an original right, on originals from two
//! independent generators (`bansao_testkit::originals`: laid out in Rust, and written as HTML and
//! rendered by Chromium), every kind in several layouts, fonts and damage levels, some pages a
//! quarter or half turn round, plus originals that must be refused and ordinary ones that must
//! not be.
//!
//! Part of the originals is held out from any tuning (other layouts, fonts, the whole Chromium
//! set): the figures are printed for both parts, and the held-out part's misses are only
//! counted, never printed, unless asked for (`--show-held-out-misses`), so that nobody tunes to
//! them by accident. Figures: fields read exactly right (normal form), kinds right, refusals
//! made, false refusals; per kind, per field, per damage level and per rotation.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use bansao_hw::image_input::open_image;
use bansao_models::normal::normal_value;
use bansao_testkit::originals::Original;

use super::{Figure, median};
use bansao_node::config::KioskSettings;
use bansao_node::kiosk_shell::perception::Perception;

/// Right and total, for one slice of the measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Right.
    pub right: usize,
    /// Total.
    pub total: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.total += 1;
        self.right += usize::from(right);
    }

    /// Right over total (1 when there is nothing to count).
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({"right": self.right, "total": self.total, "ratio": (self.ratio() * 10_000.0).round() / 10_000.0})
    }
}

/// What one part of the set (tuning or held out) scored.
#[derive(Debug, Clone, Default)]
pub struct PartScore {
    /// Fields read exactly right (originals that must not be refused).
    pub fields: Tally,
    /// Kinds right.
    pub kinds: Tally,
    /// Originals that must be refused, refused.
    pub refusals: Tally,
    /// Ordinary originals accepted (a refusal of one is a false refusal).
    pub acceptances: Tally,
    /// Fields by kind, field key, damage level, rotation and generator.
    pub by: BTreeMap<&'static str, BTreeMap<String, Tally>>,
    /// What was wrong: original, what, expected, read.
    pub misses: Vec<(String, String, String, String)>,
}

impl PartScore {
    fn slice(&mut self, dimension: &'static str, value: &str, right: bool) {
        self.by
            .entry(dimension)
            .or_default()
            .entry(value.to_owned())
            .or_default()
            .add(right);
    }
}

/// A value as the kiosk would store it (both sides are compared in normal form, so "001 088"
/// and "001088" are the same number).
fn normal(key: &str, value: &str) -> String {
    normal_value(key, value).0
}

/// Reads and scores every original; returns the two parts' scores and the page times (ms).
pub fn score(
    set: &[Original],
    perception: &mut Perception,
) -> anyhow::Result<(PartScore, PartScore, Vec<f64>)> {
    let mut tuning = PartScore::default();
    let mut held_out = PartScore::default();
    let mut times = Vec::new();
    for original in set {
        let part = if original.held_out {
            &mut held_out
        } else {
            &mut tuning
        };
        let started = Instant::now();
        let mut readings = Vec::new();
        for page in &original.pages {
            let image = open_image(page.clone())?;
            readings.push(perception.read_page(&image.image)?);
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0 / original.pages.len().max(1) as f64);
        let refusal = readings
            .iter()
            .find_map(|reading| reading.verdict.clone().err());
        if original.must_refuse {
            part.refusals.add(refusal.is_some());
            if refusal.is_none() {
                part.misses.push((
                    original.name.clone(),
                    "refusal".to_owned(),
                    "refused".to_owned(),
                    "accepted".to_owned(),
                ));
            }
            continue;
        }
        part.acceptances.add(refusal.is_none());
        if let Some(refusal) = refusal {
            part.misses.push((
                original.name.clone(),
                "false refusal".to_owned(),
                "accepted".to_owned(),
                refusal.reason(),
            ));
            for _ in &original.fields {
                part.fields.add(false);
            }
            part.kinds.add(false);
            continue;
        }
        let pages: Vec<_> = readings.into_iter().map(|reading| reading.ocr).collect();
        let (kind, fields) = Perception::recognise(&pages);
        part.kinds.add(kind == original.kind);
        part.slice("kind_by_kind", original.kind.code(), kind == original.kind);
        if kind != original.kind {
            part.misses.push((
                original.name.clone(),
                "kind".to_owned(),
                original.kind.code().to_owned(),
                kind.code().to_owned(),
            ));
        }
        for (key, expected) in &original.fields {
            let read = fields.get(key).map(|field| field.value.as_str());
            let right = read.is_some_and(|read| normal(key, read) == normal(key, expected));
            part.fields.add(right);
            part.slice("kind", original.kind.code(), right);
            part.slice("field", key, right);
            part.slice("damage", original.damage.name(), right);
            part.slice("rotation", &original.rotation.to_string(), right);
            part.slice("generator", original.generator, right);
            part.slice("font", &original.font, right);
            if !right {
                part.misses.push((
                    original.name.clone(),
                    key.clone(),
                    expected.clone(),
                    read.unwrap_or("(not read)").to_owned(),
                ));
            }
        }
    }
    Ok((tuning, held_out, times))
}

fn print_part(
    out: &mut dyn Write,
    part: &PartScore,
    held_out: bool,
    show_misses: bool,
) -> anyhow::Result<()> {
    let (fields, kinds, refusals, false_refusals, breakdown) = if held_out {
        (
            "field_accuracy_held_out",
            "kind_accuracy_held_out",
            "refusals_made_held_out",
            "false_refusal_rate_held_out",
            "recognition_breakdown_held_out",
        )
    } else {
        (
            "field_accuracy_tuning",
            "kind_accuracy_tuning",
            "refusals_made_tuning",
            "false_refusal_rate_tuning",
            "recognition_breakdown_tuning",
        )
    };
    let misses: Vec<serde_json::Value> = part
        .misses
        .iter()
        .map(|(original, what, expected, read)| {
            serde_json::json!({"original": original, "what": what, "expected": expected, "read": read})
        })
        .collect();
    let mut figure = Figure::new(fields, part.fields.ratio(), "ratio")
        .with("target", 0.99)
        .with("right", part.fields.right)
        .with("total", part.fields.total)
        .with("misses_counted", part.misses.len());
    if show_misses {
        figure = figure.with("misses", serde_json::Value::Array(misses));
    }
    figure.print(out)?;
    Figure::new(kinds, part.kinds.ratio(), "ratio")
        .with("target", 0.99)
        .with("right", part.kinds.right)
        .with("total", part.kinds.total)
        .print(out)?;
    Figure::new(refusals, part.refusals.ratio(), "ratio")
        .with("target", 1.0)
        .with("right", part.refusals.right)
        .with("total", part.refusals.total)
        .print(out)?;
    let wrongly_refused = part.acceptances.total - part.acceptances.right;
    Figure::new(
        false_refusals,
        wrongly_refused as f64 / part.acceptances.total.max(1) as f64,
        "ratio",
    )
    .with("target_at_most", 0.01)
    .with("refused", wrongly_refused)
    .with("ordinary_originals", part.acceptances.total)
    .print(out)?;
    let mut by = serde_json::Map::new();
    for (dimension, slices) in &part.by {
        let slices: serde_json::Map<String, serde_json::Value> = slices
            .iter()
            .map(|(value, tally)| (value.clone(), tally.json()))
            .collect();
        by.insert((*dimension).to_owned(), slices.into());
    }
    Figure::new(breakdown, part.fields.ratio(), "ratio")
        .with("by", serde_json::Value::Object(by))
        .print(out)?;
    Ok(())
}

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct RecognitionRun<'a> {
    /// The generators to draw originals with (`drawn`, `html`).
    pub generators: &'a [String],
    /// Where rendered originals are cached.
    pub work_dir: &'a Path,
    /// Print the held-out part's misses too.
    pub show_held_out_misses: bool,
    /// Only the originals whose name contains one of these (all when empty).
    pub only: &'a [String],
}

impl RecognitionRun<'_> {
    fn wanted(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|part| name.contains(part.as_str()))
    }
}

/// Runs the measurement.
pub fn run(out: &mut dyn Write, run: &RecognitionRun<'_>) -> anyhow::Result<()> {
    let show_held_out_misses = run.show_held_out_misses;
    let mut set = Vec::new();
    for generator in run.generators {
        match generator.as_str() {
            "drawn" => set.extend(bansao_testkit::originals::drawn::drawn_originals_where(
                |name| run.wanted(name),
            )?),
            "html" => {
                let plans = bansao_testkit::originals::html::html_plans()?
                    .into_iter()
                    .filter(|plan| run.wanted(&plan.original.name))
                    .collect();
                set.extend(bansao_testkit::originals::html::render_html_originals(
                    plans,
                    run.work_dir,
                )?);
            }
            other => anyhow::bail!("unknown generator {other:?} (known: drawn, html)"),
        }
    }
    if set.is_empty() {
        anyhow::bail!("no original is named like {:?}", run.only);
    }
    let mut perception = Perception::open(&KioskSettings::default())?;
    let (tuning, held_out, mut times) = score(&set, &mut perception)?;
    print_part(out, &tuning, false, true)?;
    print_part(out, &held_out, true, show_held_out_misses)?;
    Figure::new("recognition_page_time", median(&mut times), "ms")
        .with("originals", set.len())
        .with(
            "what",
            "median time to read and check one page (binarise, orientation, deskew, OCR, checks)",
        )
        .print(out)?;
    Ok(())
}
