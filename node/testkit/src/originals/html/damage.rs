//! What a scanner does to a page: the `html` generator's own simulation (not the one in
//! `specimens.rs`), by [`Damage`] level, then the page's rotation on the glass and JPEG.
//!
//! | level  | skew   | blur (box radius × passes) | ink kept | uneven light | speckle | grain σ | JPEG |
//! |--------|--------|----------------------------|----------|--------------|---------|---------|------|
//! | clean  | ≤ 1°   | none                       | 100 %    | 3 %          | none    | 2       | 90   |
//! | light  | ≤ 2°   | 1 × 1                      | 92 %     | 8 %          | few     | 4       | 60   |
//! | medium | ≤ 3°   | 1 × 2                      | 75 %     | 14 %         | some    | 7       | 40   |
//! | heavy  | ≤ 3°   | 2 × 2                      | 58 %     | 22 %         | many    | 11      | 25   |
//!
//! Scans are cached as JPEG under `work_dir/html-scans/`, named by the SHA-256 of the page's
//! HTML and the damage's parameters.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use sha2::{Digest, Sha256};

use super::Rng;
use super::render;
use crate::originals::Damage;

/// Bump to re-damage every cached scan.
const DAMAGE_VERSION: &str = "html-damage-1";
const WORKERS: usize = 2;

/// One page to scan.
#[derive(Debug, Clone)]
pub(crate) struct ScanJob {
    pub(crate) html: String,
    pub(crate) damage: Damage,
    pub(crate) rotation: u16,
    pub(crate) seed: u64,
}

struct Level {
    skew_degrees: f64,
    blur_radius: u32,
    blur_passes: u32,
    ink_kept: f64,
    uneven_light: f64,
    speckles: usize,
    grain: f64,
    jpeg_quality: u8,
}

fn level(damage: Damage) -> Level {
    match damage {
        Damage::Clean => Level {
            skew_degrees: 1.0,
            blur_radius: 0,
            blur_passes: 0,
            ink_kept: 1.0,
            uneven_light: 0.03,
            speckles: 0,
            grain: 2.0,
            jpeg_quality: 90,
        },
        Damage::Light => Level {
            skew_degrees: 2.0,
            blur_radius: 1,
            blur_passes: 1,
            ink_kept: 0.92,
            uneven_light: 0.08,
            speckles: 300,
            grain: 4.0,
            jpeg_quality: 60,
        },
        Damage::Medium => Level {
            skew_degrees: 3.0,
            blur_radius: 1,
            blur_passes: 2,
            ink_kept: 0.75,
            uneven_light: 0.14,
            speckles: 1500,
            grain: 7.0,
            jpeg_quality: 40,
        },
        Damage::Heavy => Level {
            skew_degrees: 3.0,
            blur_radius: 2,
            blur_passes: 2,
            ink_kept: 0.58,
            uneven_light: 0.22,
            speckles: 4000,
            grain: 11.0,
            jpeg_quality: 25,
        },
    }
}

fn scan_key(job: &ScanJob) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DAMAGE_VERSION.as_bytes());
    hasher.update(render::page_key(&job.html).as_bytes());
    hasher.update(format!("{:?}/{}/{}", job.damage, job.rotation, job.seed).as_bytes());
    hex::encode(hasher.finalize())
}

/// The JPEG scan of every job, in order: rendered and damaged unless cached.
pub(crate) fn scan_all(jobs: &[ScanJob], work_dir: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let dir = work_dir.join("html-scans");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let files: Vec<_> = jobs
        .iter()
        .map(|job| dir.join(format!("{}.jpg", scan_key(job))))
        .collect();
    let missing: Vec<usize> = (0..jobs.len()).filter(|&i| !files[i].is_file()).collect();
    let htmls: Vec<&str> = missing.iter().map(|&i| jobs[i].html.as_str()).collect();
    render::render_missing(&htmls, work_dir)?;

    let queue = Mutex::new(missing.into_iter());
    let errors: Mutex<Vec<anyhow::Error>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            let (queue, errors, files) = (&queue, &errors, &files);
            scope.spawn(move || {
                loop {
                    let next = match queue.lock() {
                        Ok(mut queue) => queue.next(),
                        Err(_) => None,
                    };
                    let Some(index) = next else { break };
                    if let Err(error) = scan_one(&jobs[index], work_dir, &files[index]) {
                        if let Ok(mut errors) = errors.lock() {
                            errors.push(error);
                        }
                        break;
                    }
                }
            });
        }
    });
    if let Some(error) = errors
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a damage worker panicked"))?
        .pop()
    {
        return Err(error);
    }
    files
        .iter()
        .map(|file| std::fs::read(file).with_context(|| format!("reading {}", file.display())))
        .collect()
}

fn scan_one(job: &ScanJob, work_dir: &Path, out: &Path) -> anyhow::Result<()> {
    let page_file = render::cached_page(work_dir, &job.html);
    let page = image::open(&page_file)
        .with_context(|| format!("reading the rendered page {}", page_file.display()))?
        .to_rgb8();
    let jpeg = scan(&page, job.damage, job.rotation, job.seed)?;
    let partial = out.with_extension("jpg.part");
    std::fs::write(&partial, &jpeg).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

/// Damages `page` as `damage` says, turns it by `rotation` degrees clockwise and encodes it.
pub(crate) fn scan(
    page: &RgbImage,
    damage: Damage,
    rotation: u16,
    seed: u64,
) -> anyhow::Result<Vec<u8>> {
    let level = level(damage);
    let mut rng = Rng::new(seed);
    let mut image = fade_ink(page, level.ink_kept, &mut rng);
    let angle = rng.float(-level.skew_degrees, level.skew_degrees);
    image = skew(&image, angle);
    if level.blur_radius > 0 {
        for _ in 0..level.blur_passes {
            image = box_blur(&image, level.blur_radius);
        }
    }
    uneven_light(&mut image, level.uneven_light, &mut rng);
    speckle(&mut image, level.speckles, &mut rng);
    grain(&mut image, level.grain, &mut rng);
    let image = match rotation {
        0 => image,
        90 => image::imageops::rotate90(&image),
        180 => image::imageops::rotate180(&image),
        270 => image::imageops::rotate270(&image),
        other => anyhow::bail!("a page lies at 0, 90, 180 or 270 degrees, not {other}"),
    };
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, level.jpeg_quality)
        .encode_image(&image)
        .context("encoding the scan as JPEG")?;
    Ok(jpeg)
}

/// Ink lighter by `kept` (1 keeps it) on a slightly warm, uneven paper.
fn fade_ink(page: &RgbImage, kept: f64, rng: &mut Rng) -> RgbImage {
    let paper = [
        rng.float(242.0, 252.0),
        rng.float(238.0, 249.0),
        rng.float(228.0, 244.0),
    ];
    let mut out = RgbImage::new(page.width(), page.height());
    for (source, target) in page.pixels().zip(out.pixels_mut()) {
        let mut pixel = [0u8; 3];
        for channel in 0..3 {
            let ink = 1.0 - f64::from(source[channel]) / 255.0;
            let value = paper[channel] * (1.0 - ink * kept);
            pixel[channel] = value.clamp(0.0, 255.0) as u8;
        }
        *target = Rgb(pixel);
    }
    out
}

/// Turns the page by `degrees` about its centre (bilinear), the uncovered corners scanner-white.
fn skew(image: &RgbImage, degrees: f64) -> RgbImage {
    let (width, height) = image.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) / 2.0);
    let mut out = RgbImage::from_pixel(width, height, Rgb([250, 250, 250]));
    for y in 0..height {
        let dy = f64::from(y) - cy;
        for x in 0..width {
            let dx = f64::from(x) - cx;
            // The source of the target pixel: the inverse rotation.
            let sx = cos * dx + sin * dy + cx;
            let sy = -sin * dx + cos * dy + cy;
            if sx < 0.0 || sy < 0.0 || sx >= f64::from(width - 1) || sy >= f64::from(height - 1) {
                continue;
            }
            let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
            let (fx, fy) = (sx - f64::from(x0), sy - f64::from(y0));
            let p00 = image.get_pixel(x0, y0);
            let p10 = image.get_pixel(x0 + 1, y0);
            let p01 = image.get_pixel(x0, y0 + 1);
            let p11 = image.get_pixel(x0 + 1, y0 + 1);
            let mut pixel = [0u8; 3];
            for c in 0..3 {
                let top = f64::from(p00[c]) * (1.0 - fx) + f64::from(p10[c]) * fx;
                let bottom = f64::from(p01[c]) * (1.0 - fx) + f64::from(p11[c]) * fx;
                pixel[c] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
            out.put_pixel(x, y, Rgb(pixel));
        }
    }
    out
}

/// A separable box blur of `radius` (a window of 2·radius + 1), edges clamped.
fn box_blur(image: &RgbImage, radius: u32) -> RgbImage {
    let horizontal = blur_pass(image, radius, true);
    blur_pass(&horizontal, radius, false)
}

fn blur_pass(image: &RgbImage, radius: u32, horizontal: bool) -> RgbImage {
    let (width, height) = image.dimensions();
    let mut out = RgbImage::new(width, height);
    let window = 2 * radius as i64 + 1;
    let (lines, length) = if horizontal {
        (height, width)
    } else {
        (width, height)
    };
    let at = |line: u32, position: i64| -> &Rgb<u8> {
        let position = position.clamp(0, i64::from(length) - 1) as u32;
        if horizontal {
            image.get_pixel(position, line)
        } else {
            image.get_pixel(line, position)
        }
    };
    for line in 0..lines {
        let mut sums = [0i64; 3];
        for position in -(radius as i64)..=(radius as i64) {
            let pixel = at(line, position);
            for c in 0..3 {
                sums[c] += i64::from(pixel[c]);
            }
        }
        for position in 0..length {
            let pixel = Rgb([
                (sums[0] / window) as u8,
                (sums[1] / window) as u8,
                (sums[2] / window) as u8,
            ]);
            if horizontal {
                out.put_pixel(position, line, pixel);
            } else {
                out.put_pixel(line, position, pixel);
            }
            let leaving = at(line, i64::from(position) - radius as i64);
            let entering = at(line, i64::from(position) + radius as i64 + 1);
            for c in 0..3 {
                sums[c] += i64::from(entering[c]) - i64::from(leaving[c]);
            }
        }
    }
    out
}

/// A lamp brighter on one side and darker towards a corner, by up to `strength`.
fn uneven_light(image: &mut RgbImage, strength: f64, rng: &mut Rng) {
    let (width, height) = image.dimensions();
    let (gx, gy) = (rng.float(-1.0, 1.0), rng.float(-1.0, 1.0));
    let (cx, cy) = (rng.float(0.0, 1.0), rng.float(0.0, 1.0));
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let u = f64::from(x) / f64::from(width);
        let v = f64::from(y) / f64::from(height);
        let gradient = (gx * (u - 0.5) + gy * (v - 0.5)) * 0.5;
        let corner = ((u - cx).powi(2) + (v - cy).powi(2)) * 0.5;
        let factor = 1.0 - strength * (0.5 + gradient + corner).clamp(0.0, 1.0);
        for c in 0..3 {
            pixel[c] = (f64::from(pixel[c]) * factor).clamp(0.0, 255.0) as u8;
        }
    }
}

/// Dust on the glass: dark dots of 1–3 px, a few white drop-outs.
fn speckle(image: &mut RgbImage, count: usize, rng: &mut Rng) {
    let (width, height) = image.dimensions();
    for index in 0..count {
        let (x, y) = (
            rng.below(width as usize) as i64,
            rng.below(height as usize) as i64,
        );
        let radius = rng.range(0, 2);
        let value = if index % 9 == 0 {
            255
        } else {
            rng.range(20, 110) as u8
        };
        for dy in -radius..=radius {
            for dx in -radius..=radius {
                let (px, py) = (x + dx, y + dy);
                if px >= 0 && py >= 0 && px < i64::from(width) && py < i64::from(height) {
                    image.put_pixel(px as u32, py as u32, Rgb([value, value, value]));
                }
            }
        }
    }
}

/// Sensor grain: a triangular noise of about `sigma` grey levels on every pixel.
fn grain(image: &mut RgbImage, sigma: f64, rng: &mut Rng) {
    for pixel in image.pixels_mut() {
        let bits = rng.next_u64();
        let a = (bits & 0xFFFF) as f64 / 65535.0;
        let b = ((bits >> 16) & 0xFFFF) as f64 / 65535.0;
        let noise = (a + b - 1.0) * sigma * 2.45;
        for c in 0..3 {
            pixel[c] = (f64::from(pixel[c]) + noise).clamp(0.0, 255.0) as u8;
        }
    }
}
