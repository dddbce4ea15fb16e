//! The `html` generator: originals written as HTML/CSS, rendered by Debian's headless Chromium and
//! damaged like a scanner would, independently of the `drawn` generator and of the extractor.
//!
//! - [`templates`]: the documents, kind by kind, each in several layouts, with the wordings of
//!   the official forms (civil status forms of Circular 04/2020/TT-BTP, diplomas, identity cards
//!   old and new, residence papers, land-use certificates) and the values a careful person would
//!   copy from them;
//! - [`values`]: made-up Vietnamese people, places, dates and numbers (fixed seeds);
//! - [`fonts`]: the font families (Debian packages, referenced by absolute path);
//! - [`render`]: Chromium, at most two processes, four A4 pages per screenshot, cached by
//!   content hash under the work directory;
//! - [`damage`]: the scan simulation (skew, blur, fading, uneven light, speckle, grain, JPEG)
//!   and the page's rotation on the glass.
//!
//! Every page is an A4 sheet at 300 dpi (2480 × 3508 px). Identity cards are drawn at their real
//! size (85.6 × 54 mm, 1011 × 638 px), front above back on an A4 sheet, the way a card is laid on a
//! flatbed. Two of the five font families, and every second original of the other three, are
//! `held_out` of any tuning (`templates::held_out`).
//!
//! Originals that must be refused keep the kind and fields of the paper they are printed on
//! (a benchmark counts the refusal, not the fields); a page blacked out beyond reading is `Other`
//! with no fields.

mod damage;
mod fonts;
mod render;
mod templates;
mod values;

use std::path::Path;

use anyhow::Context;

use super::{Damage, Original};

/// The generator's name in [`Original::generator`].
pub const GENERATOR: &str = "html";

/// One original before it is rendered: what it is and what must be read from it
/// (`original.pages` is empty), and the page's HTML.
#[derive(Debug, Clone)]
pub struct HtmlPlan {
    /// Everything but the pages.
    pub original: Original,
    html: String,
    damage_seed: u64,
}

impl HtmlPlan {
    /// The page's HTML (a whole document, fonts referenced by `file://` URL).
    pub fn html(&self) -> &str {
        &self.html
    }
}

/// Every original of this generator, rendered and damaged (cached under `work_dir`).
pub fn html_originals(work_dir: &Path) -> anyhow::Result<Vec<Original>> {
    render_html_originals(html_plans()?, work_dir)
}

/// Every original of this generator, not yet rendered (fails when a font is missing).
pub fn html_plans() -> anyhow::Result<Vec<HtmlPlan>> {
    let fonts = fonts::Font::all()?;
    Ok(templates::plans(&fonts)
        .into_iter()
        .map(|planned| HtmlPlan {
            original: Original {
                name: planned.name,
                generator: GENERATOR,
                layout: planned.layout,
                font: planned.font.to_owned(),
                damage: planned.damage,
                rotation: planned.rotation,
                held_out: planned.held_out,
                kind: planned.kind,
                fields: planned.fields,
                must_refuse: planned.must_refuse,
                pages: Vec::new(),
            },
            html: planned.html,
            damage_seed: planned.seed,
        })
        .collect())
}

/// Renders and damages `plans` (pages cached under `work_dir` by content hash).
pub fn render_html_originals(
    plans: Vec<HtmlPlan>,
    work_dir: &Path,
) -> anyhow::Result<Vec<Original>> {
    std::fs::create_dir_all(work_dir)
        .with_context(|| format!("creating the work directory {}", work_dir.display()))?;
    // Chromium is given file URLs: a relative directory would make them invalid.
    let work_dir = &std::path::absolute(work_dir)
        .with_context(|| format!("the work directory {}", work_dir.display()))?;
    let jobs: Vec<damage::ScanJob> = plans
        .iter()
        .map(|plan| damage::ScanJob {
            html: plan.html.clone(),
            damage: plan.original.damage,
            rotation: plan.original.rotation,
            seed: plan.damage_seed,
        })
        .collect();
    let scans = damage::scan_all(&jobs, work_dir)?;
    Ok(plans
        .into_iter()
        .zip(scans)
        .map(|(plan, scan)| Original {
            pages: vec![scan],
            ..plan.original
        })
        .collect())
}

/// A small deterministic generator (SplitMix64): the same seed draws the same originals.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `low..=high`.
    pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next_u64() % (high - low + 1).max(1) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    pub(crate) fn float(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `words`.
    pub(crate) fn pick_str(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The damage levels in the order plans cycle through them.
pub(crate) const DAMAGES: [Damage; 4] = Damage::ALL;
