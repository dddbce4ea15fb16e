//! `bansao bench screen`: the citizen's kiosk screen, as Chromium drives it, over HTTP on
//! loopback.
//!
//! - `screen_done_to_fields`: from the citizen pressing "Xong / Done" on the scanner screen to
//!   the fields screen's page received — the form posted (`POST /press/done`: the page checked
//!   again is already done, so this is recognition — OCR, classification, fields — on the desk's
//!   thread) and the redirect followed (`GET /`: the fields screen drawn). One A4 page scanned
//!   at 300 dpi, 0.8° crooked, from simulated devices; the kiosk's own `kiosk_router` served by
//!   axum, with its engines loaded once, as `bansao run` does. Median over the runs.
//! - `screen_scan_press_to_page_shown`: the wait before that — "Quét trang / Scan" pressed to
//!   the scanner screen received with the page: scanning, the page checks and OCR, which the
//!   desk does as each page comes (so "done" only has the fields left to find).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use bansao_copy::DocumentType;
use bansao_node::config::PrinterSetting;
use bansao_node::kiosk::Kiosk;
use bansao_node::kiosk_desk::settings::DeviceSource;
use bansao_node::kiosk_desk::worker::{DeskHandle, DeskOptions};
use bansao_testkit::World;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use super::issue::session_inputs;
use super::{Figure, median};

/// One HTTP/1.1 connection to the kiosk's screen.
struct ScreenClient {
    authority: String,
    sender: SendRequest<Full<Bytes>>,
}

/// A page: its status and body.
struct Reply {
    status: u16,
    body: String,
}

impl ScreenClient {
    async fn connect(address: std::net::SocketAddr) -> anyhow::Result<ScreenClient> {
        let stream = tokio::net::TcpStream::connect(address).await?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!("the screen's connection ended: {error}");
            }
        });
        Ok(ScreenClient {
            authority: address.to_string(),
            sender,
        })
    }

    async fn send(&mut self, method: &str, path: &str, form: &str) -> anyhow::Result<Reply> {
        self.sender.ready().await?;
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.authority);
        if method == "POST" {
            request = request.header(
                hyper::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        let request = request.body(Full::new(Bytes::from(form.to_owned())))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// `GET /`: the screen of the moment, with its name and token.
    async fn screen(&mut self) -> anyhow::Result<(String, String)> {
        let reply = self.send("GET", "/", "").await?;
        if reply.status != 200 {
            bail!("GET / answered {}: {}", reply.status, reply.body);
        }
        let between = |before: &str| -> Option<String> {
            let start = reply.body.find(before)? + before.len();
            let end = reply.body[start..].find('"')?;
            Some(reply.body[start..start + end].to_owned())
        };
        let screen = between("data-screen=\"").context("the page names no screen")?;
        let csrf = between("name=\"csrf\" value=\"").unwrap_or_default();
        Ok((screen, csrf))
    }

    /// Posts one of the screen's forms; the answer must be the redirect back to `/`.
    async fn press(&mut self, path: &str, form: &str) -> anyhow::Result<()> {
        let reply = self.send("POST", path, form).await?;
        if reply.status != 303 {
            bail!("POST {path} answered {}: {}", reply.status, reply.body);
        }
        Ok(())
    }
}

/// Runs `screen_done_to_fields` `runs` times in a fresh world under `dir`.
pub fn run_screen(
    dir: &Path,
    photos: &Path,
    runs: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let world = World::create(dir)?;
    let kiosk_dir = world.dir("kiosk");
    let inputs = dir.join("inputs");
    session_inputs(&inputs, photos)?;
    let mut settings = Kiosk::open(&kiosk_dir)?.settings.devices;
    settings = crate::kiosk_commands::with_environment(&settings);
    settings.screen.devices = DeviceSource::Simulated { inputs };
    settings.printer = PrinterSetting::File(dir.join("receipts.escpos"));
    let mut options = DeskOptions::new(&kiosk_dir);
    options.settings = Some(settings);
    let started = Instant::now();
    let desk = DeskHandle::start(options)?;
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (posts, gets, mut scans) = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let site = bansao_web::site([bansao_web::kiosk_router(bansao_web::KioskState::new(
            desk,
            "Xã Tân Lập",
        ))]);
        tokio::spawn(bansao_web::serve(listener, site, std::future::pending()));
        let mut client = ScreenClient::connect(address).await?;
        let kind = DocumentType::BirthCertificate.code();
        let mut posts = Vec::new();
        let mut gets = Vec::new();
        let mut scans = Vec::new();
        // One warm-up session (first use of every code path), then the measured ones.
        for run in 0..=runs {
            let (screen, csrf) = client.screen().await?;
            if screen != "start" {
                bail!("a session begins on the start screen, not {screen}");
            }
            client
                .press("/start", &format!("csrf={csrf}&kind={kind}"))
                .await?;
            let (_, csrf) = client.screen().await?;
            let mut scan_ms = 0.0;
            for (step, next) in [("read-card", "face"), ("look", "scan"), ("scan", "scan")] {
                let pressed = Instant::now();
                client
                    .press(&format!("/press/{step}"), &format!("csrf={csrf}"))
                    .await?;
                let (screen, _) = client.screen().await?;
                scan_ms = pressed.elapsed().as_secs_f64() * 1000.0;
                if screen != next {
                    bail!("after {step} the screen is {screen}, not {next}");
                }
            }
            let pressed = Instant::now();
            client.press("/press/done", &format!("csrf={csrf}")).await?;
            let posted = Instant::now();
            let (screen, _) = client.screen().await?;
            let shown = Instant::now();
            if screen != "fields" {
                bail!("after done the screen is {screen}, not fields");
            }
            client
                .press("/press/cancel", &format!("csrf={csrf}"))
                .await?;
            let (_, csrf) = client.screen().await?;
            client.press("/press/back", &format!("csrf={csrf}")).await?;
            if run > 0 {
                scans.push(scan_ms);
                posts.push((posted - pressed).as_secs_f64() * 1000.0);
                gets.push((shown - posted).as_secs_f64() * 1000.0);
            }
        }
        anyhow::Ok((posts, gets, scans))
    })?;
    let mut totals: Vec<f64> = posts.iter().zip(&gets).map(|(p, g)| p + g).collect();
    let median_ms = median(&mut totals);
    Figure::new("screen_done_to_fields", median_ms.round(), "ms")
        .with("target_ms", 1500)
        .with("runs", totals.len())
        .with("min_ms", totals.first().copied().unwrap_or(0.0).round())
        .with("max_ms", totals.last().copied().unwrap_or(0.0).round())
        .with("post_done_median_ms", median(&mut posts.clone()).round())
        .with("get_fields_median_ms", median(&mut gets.clone()).round())
        .with(
            "page",
            "A4, 300 dpi, 2480x3508 grey JPEG, 0.8 degrees crooked",
        )
        .with("engines_load_ms", load_ms.round())
        .print(out)?;
    Figure::new("screen_scan_press_to_page_shown", median(&mut scans).round(), "ms")
        .with("runs", scans.len())
        .with("min_ms", scans.first().copied().unwrap_or(0.0).round())
        .with("max_ms", scans.last().copied().unwrap_or(0.0).round())
        .with(
            "what",
            "the page scanned, checked and read by OCR on \"Quét trang / Scan\", the scanner screen with it received: the wait before \"done\" is offered",
        )
        .print(out)?;
    Ok(())
}
