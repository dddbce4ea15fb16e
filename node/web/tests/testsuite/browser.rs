//! Headless Chromium through chromedriver (WebDriver), started for each test on a free port.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// A browser session; chromedriver is stopped when it is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium, 1280 × 1000, Vietnamese first.
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver) is installed by deploy/setup.sh");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=vi"]
                }
            }))
            .unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("chromium starts under chromedriver");
        Browser { client, driver }
    }

    /// Writes a screenshot of the page as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.text_of("body").await
    }

    /// Signs in on the sign-in page at `address`.
    pub async fn sign_in(&self, address: std::net::SocketAddr, official: &str, passphrase: &str) {
        self.client
            .goto(&format!("http://{address}/sign-in"))
            .await
            .unwrap();
        self.type_into("#official", official).await;
        self.type_into("#passphrase", passphrase).await;
        self.click("#sign-in").await;
    }

    /// The visible text of the element `css`, once there is one (a page being replaced by the
    /// next one can drop the element between finding and reading it: then it is found again).
    pub async fn text_of(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(text) = self.try_text_of(css).await {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no element {css} to read"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn try_text_of(&self, css: &str) -> Option<String> {
        let element = self.client.find(Locator::Css(css)).await.ok()?;
        element.text().await.ok()
    }

    /// Waits (up to 20 s) until the address's path is `expected`: a click that posts a form
    /// returns before the browser has followed the answer.
    pub async fn wait_for_path(&self, expected: &str) {
        let started = Instant::now();
        loop {
            let path = self.path().await;
            if path == expected {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "still at {path}, not {expected}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 20 s) until the page shows `text`.
    pub async fn wait_for_text(&self, text: &str) {
        let started = Instant::now();
        loop {
            let shown = self.try_text_of("body").await.unwrap_or_default();
            if shown.contains(text) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the page does not show {text:?}: {shown}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The path of the current address.
    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Types `text` into the field `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Clicks `css` and waits for the page that answers it: the old page's body is watched
    /// until it is gone, as the new page may look the same (a keyboard's caps, a key that
    /// changes nothing).
    pub async fn click_for_new_page(&self, css: &str) {
        let old = self.client.find(Locator::Css("body")).await.unwrap();
        self.click(css).await;
        let started = std::time::Instant::now();
        while old.text().await.is_ok() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "clicking {css} loaded no page"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// `target/screenshots/`.
pub fn screenshots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots")
}
