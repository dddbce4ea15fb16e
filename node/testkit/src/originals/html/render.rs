//! Renders HTML pages to A4 images at 300 dpi with Debian's headless Chromium.
//!
//! Chromium's start dominates a screenshot's time, so four pages go into one screenshot (a column
//! of iframes, 2480 × 4·3508 px) which is then cut into pages. At most two Chromium processes run
//! at once, each with its own profile directory. Every page is cached as a PNG named by the
//! SHA-256 of its HTML under `work_dir/html-pages/`, so a second run renders nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use image::RgbImage;
use sha2::{Digest, Sha256};

/// An A4 page at 300 dpi.
pub(crate) const PAGE_WIDTH: u32 = 2480;
/// An A4 page at 300 dpi.
pub(crate) const PAGE_HEIGHT: u32 = 3508;

const CHROMIUM: &str = "/usr/bin/chromium";
const PAGES_PER_SCREENSHOT: usize = 4;
const PROCESSES: usize = 2;
const TIMEOUT: Duration = Duration::from_secs(180);
/// Bump to re-render every cached page (e.g. when the screenshot's arguments change).
const RENDER_VERSION: &str = "html-render-1";

/// The hash a page is cached under.
pub(crate) fn page_key(html: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(RENDER_VERSION.as_bytes());
    hasher.update(html.as_bytes());
    hex::encode(hasher.finalize())
}

fn pages_dir(work_dir: &Path) -> PathBuf {
    work_dir.join("html-pages")
}

/// Where the rendered page of `html` is (or will be) cached.
pub(crate) fn cached_page(work_dir: &Path, html: &str) -> PathBuf {
    pages_dir(work_dir).join(format!("{}.png", page_key(html)))
}

/// Renders every page of `htmls` not cached yet.
pub(crate) fn render_missing(htmls: &[&str], work_dir: &Path) -> anyhow::Result<()> {
    let dir = pages_dir(work_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut missing: Vec<(String, &str)> = Vec::new();
    for html in htmls {
        let key = page_key(html);
        if !dir.join(format!("{key}.png")).is_file() && !missing.iter().any(|(k, _)| *k == key) {
            missing.push((key, html));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    if !Path::new(CHROMIUM).is_file() {
        anyhow::bail!(
            "{CHROMIUM} is missing: install Debian's chromium package (deploy/setup.sh installs it)"
        );
    }
    for (key, html) in &missing {
        let file = dir.join(format!("{key}.html"));
        std::fs::write(&file, html).with_context(|| format!("writing {}", file.display()))?;
    }
    let batches: Vec<Vec<String>> = missing
        .chunks(PAGES_PER_SCREENSHOT)
        .map(|chunk| chunk.iter().map(|(key, _)| key.clone()).collect())
        .collect();
    let queue = Mutex::new(batches.into_iter().enumerate());
    let errors: Mutex<Vec<anyhow::Error>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..PROCESSES {
            let (queue, errors, dir) = (&queue, &errors, &dir);
            scope.spawn(move || {
                loop {
                    let next = match queue.lock() {
                        Ok(mut queue) => queue.next(),
                        Err(_) => None,
                    };
                    let Some((index, keys)) = next else { break };
                    if let Err(error) = render_batch(dir, worker, index, &keys) {
                        if let Ok(mut errors) = errors.lock() {
                            errors.push(error);
                        }
                        break;
                    }
                }
            });
        }
    });
    let mut errors = errors
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a render worker panicked"))?;
    match errors.pop() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// One screenshot of up to four pages, cut into the pages' cached PNGs.
fn render_batch(dir: &Path, worker: usize, index: usize, keys: &[String]) -> anyhow::Result<()> {
    let frames: String = keys
        .iter()
        .map(|key| format!("<iframe src=\"{key}.html\" scrolling=\"no\"></iframe>"))
        .collect();
    let batch_html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><style>html,body{{margin:0;padding:0;\
         background:#fff}}iframe{{display:block;border:0;margin:0;width:{PAGE_WIDTH}px;\
         height:{PAGE_HEIGHT}px}}</style></head><body>{frames}</body></html>"
    );
    let batch_file = dir.join(format!("batch-{worker}-{index}.html"));
    let shot = dir.join(format!("batch-{worker}-{index}.png"));
    std::fs::write(&batch_file, batch_html)
        .with_context(|| format!("writing {}", batch_file.display()))?;
    let profile = dir.join(format!("chromium-profile-{worker}"));
    let height = PAGE_HEIGHT as usize * keys.len();
    let log_file = dir.join(format!("batch-{worker}-{index}.log"));
    let log = std::fs::File::create(&log_file)
        .with_context(|| format!("writing {}", log_file.display()))?;
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--allow-file-access-from-files",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={PAGE_WIDTH},{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", batch_file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .with_context(|| format!("starting {CHROMIUM}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for chromium")? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            // The child is ours; a failure to kill it leaves nothing worse than the error below.
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "chromium took more than {} s to render {}",
                TIMEOUT.as_secs(),
                batch_file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Only for the error message.
    let stderr = std::fs::read_to_string(&log_file).unwrap_or_default();
    if !status.success() || !shot.is_file() {
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        anyhow::bail!(
            "chromium failed ({status}) to render {}: {}",
            batch_file.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        );
    }
    let image = image::open(&shot)
        .with_context(|| format!("reading chromium's screenshot {}", shot.display()))?
        .to_rgb8();
    if image.width() != PAGE_WIDTH || image.height() as usize != height {
        anyhow::bail!(
            "chromium's screenshot {} is {}×{}, not {PAGE_WIDTH}×{height}",
            shot.display(),
            image.width(),
            image.height()
        );
    }
    for (page, key) in keys.iter().enumerate() {
        let top = PAGE_HEIGHT * page as u32;
        let cut: RgbImage =
            image::imageops::crop_imm(&image, 0, top, PAGE_WIDTH, PAGE_HEIGHT).to_image();
        let file = dir.join(format!("{key}.png"));
        let partial = dir.join(format!("{key}.png.part"));
        cut.save_with_format(&partial, image::ImageFormat::Png)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &file).with_context(|| format!("writing {}", file.display()))?;
    }
    // Leftovers only; the pages are saved.
    let _ = std::fs::remove_file(&shot);
    let _ = std::fs::remove_file(&batch_file);
    let _ = std::fs::remove_file(&log_file);
    Ok(())
}
