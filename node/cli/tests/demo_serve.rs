//! `bansao demo --serve`: the real executable runs a kiosk, a ward and a city on free loopback
//! ports in a temporary directory; their sites answer, a copy issued at the kiosk reaches the
//! ward's queue over the running sync, SIGTERM stops it with exit 0 and every store checks
//! clean, a second start while it runs is refused, and a start on the same directory resumes
//! the same nodes with the copy still there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn bansao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bansao"))
}

/// Three ports free both as TCP and as UDP on loopback, all different.
fn free_ports() -> [u16; 3] {
    let mut ports = Vec::new();
    while ports.len() < 3 {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() && !ports.contains(&port) {
            ports.push(port);
        }
    }
    [ports[0], ports[1], ports[2]]
}

/// A running `bansao demo --serve`, its standard output collected as it comes.
struct Demo {
    child: Child,
    stdout: Arc<Mutex<String>>,
}

impl Demo {
    fn start(dir: &Path, ports: [u16; 3]) -> Demo {
        let mut child = bansao()
            .args(["demo", "--serve", "--dir"])
            .arg(dir)
            .arg("--ports")
            .arg(format!("{},{},{}", ports[0], ports[1], ports[2]))
            .env("BANSAO_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let reader = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn({
            let stdout = stdout.clone();
            move || {
                for line in reader.lines().map_while(Result::ok) {
                    let mut stdout = stdout.lock().unwrap();
                    stdout.push_str(&line);
                    stdout.push('\n');
                }
            }
        });
        let demo = Demo { child, stdout };
        // The first start makes keys and a sample copy first: give it time.
        for port in ports {
            demo.wait_until(
                "the node's /healthz answers",
                Duration::from_secs(180),
                || get(port, "/healthz").is_some_and(|reply| reply.status > 0),
            );
        }
        demo
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Waits for `ready`, failing with what the demo printed if it does not come or the demo
    /// exits.
    fn wait_until(&self, what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
        let started = Instant::now();
        while !ready() {
            assert!(
                started.elapsed() < limit,
                "{what}: not within {limit:?}; the demo printed:\n{}",
                self.stdout()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGTERM, then the exit code and everything it printed.
    fn stop(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!("the demo did not stop on SIGTERM:\n{}", self.stdout());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        // The reader thread ends with the pipe.
        std::thread::sleep(Duration::from_millis(200));
        (status.code(), self.stdout())
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, raw head, body.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// One HTTP/1.1 request on loopback; `None` while nothing answers.
fn request(port: u16, method: &str, path: &str, headers: &[String], body: &str) -> Option<Reply> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

fn get(port: u16, path: &str) -> Option<Reply> {
    request(port, "GET", path, &[], "")
}

/// The value of cookie `name` a reply sets.
fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply.head.lines().find_map(|line| {
        let (header, value) = line.split_once(':')?;
        if !header.eq_ignore_ascii_case("set-cookie") {
            return None;
        }
        let (pair, _) = value.trim().split_once(';').unwrap_or((value.trim(), ""));
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (byte as char).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs in on the site at `port` as `id`; the session cookie.
fn sign_in(port: u16, id: &str, passphrase: &str) -> String {
    let page = get(port, "/sign-in").unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let cookie = set_cookie(&page, "bansao_sign_in").unwrap();
    let marker = "name=\"csrf\" value=\"";
    let at = page.body.find(marker).unwrap() + marker.len();
    let csrf = page.body[at..].split('"').next().unwrap();
    let reply = request(
        port,
        "POST",
        "/sign-in",
        &[
            format!("Cookie: bansao_sign_in={cookie}"),
            "Content-Type: application/x-www-form-urlencoded".to_owned(),
        ],
        &form(&[("csrf", csrf), ("official", id), ("passphrase", passphrase)]),
    )
    .unwrap();
    assert_eq!(reply.status, 303, "{}\n{}", reply.head, reply.body);
    set_cookie(&reply, "bansao_session").unwrap()
}

/// The ids of the copies waiting in the ward's queue (`bansao ward queue --json`).
fn ward_queue(ward: &Path) -> Vec<String> {
    let output = bansao()
        .args(["ward", "queue", "--json", "--node"])
        .arg(ward)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let queue: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    queue["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|copy| copy["copy_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn demo_serve_runs_a_kiosk_a_ward_and_a_city_syncing_and_resumes_them() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports();
    let [kiosk_port, ward_port, city_port] = ports;
    let demo = Demo::start(dir.path(), ports);

    // What it prints: the three URLs, the sign-in ids and passphrases, plainly a demo's.
    let printed = demo.stdout();
    for expected in [
        format!("http://127.0.0.1:{kiosk_port}/"),
        format!("http://127.0.0.1:{ward_port}/sign-in"),
        format!("http://127.0.0.1:{city_port}/sign-in"),
        "tran-thi-binh".to_owned(),
        "bình-ký-duyệt-2026".to_owned(),
        "le-thi-hoa".to_owned(),
        "hoa-sở-tư-pháp-2026".to_owned(),
        "demo's passphrases".to_owned(),
    ] {
        assert!(printed.contains(&expected), "{expected}:\n{printed}");
    }

    // The three sites.
    // The kiosk serves the citizen's screen over its simulated devices, and the status screen.
    let home = get(kiosk_port, "/").unwrap();
    assert_eq!(home.status, 200, "{}\n{}", home.head, home.body);
    assert!(home.body.contains("data-screen=\"start\""), "{}", home.body);
    assert_eq!(get(kiosk_port, "/status").unwrap().status, 200);
    assert_eq!(get(kiosk_port, "/verify").unwrap().status, 200);
    let ward_sign_in = get(ward_port, "/sign-in").unwrap();
    assert_eq!(ward_sign_in.status, 200);
    assert!(
        ward_sign_in.body.contains("Đăng nhập"),
        "{}",
        ward_sign_in.body
    );
    let session = sign_in(ward_port, "tran-thi-binh", "bình-ký-duyệt-2026");
    assert!(!session.is_empty());
    let city_session = sign_in(city_port, "le-thi-hoa", "hoa-sở-tư-pháp-2026");
    // The city hears of the kiosk through the ward: the kiosk's row on the dashboard.
    demo.wait_until(
        "the kiosk on the city's dashboard",
        Duration::from_secs(90),
        || {
            let page = request(
                city_port,
                "GET",
                "/dashboard",
                &[format!("Cookie: bansao_session={city_session}")],
                "",
            )
            .unwrap();
            assert_eq!(page.status, 200, "{}", page.body);
            page.body.contains("KIOSK-TANLAP-01")
        },
    );

    // A second start while it runs is refused, on the same directory (even with other ports)
    // and on the same ports; nothing is lost.
    let other = free_ports();
    let again = bansao()
        .args(["demo", "--serve", "--dir"])
        .arg(dir.path())
        .arg("--ports")
        .arg(format!("{},{},{}", other[0], other[1], other[2]))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already running"), "{stderr}");
    let elsewhere = tempfile::tempdir().unwrap();
    let clash = bansao()
        .args(["demo", "--serve", "--dir"])
        .arg(elsewhere.path())
        .arg("--ports")
        .arg(format!("{kiosk_port},{},{}", other[1], other[2]))
        .output()
        .unwrap();
    assert_eq!(clash.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&clash.stderr);
    assert!(
        stderr.contains(&format!("port {kiosk_port} is in use")),
        "{stderr}"
    );

    // A copy issued at the kiosk reaches the ward's queue over the running sync.
    let kiosk = dir.path().join("kiosk");
    let ward = dir.path().join("ward");
    let session = bansao()
        .args(["kiosk", "issue", "--json", "--node"])
        .arg(&kiosk)
        .arg("--scan")
        .arg(dir.path().join("samples").join("giay-khai-sinh.png"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&session.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&session.stderr)));
    assert_eq!(session.status.code(), Some(0), "{report:#}");
    let copy_id = report["copy_id"].as_str().unwrap().to_owned();
    demo.wait_until(
        "the kiosk's copy in the ward's queue",
        Duration::from_secs(90),
        || ward_queue(&ward).contains(&copy_id),
    );

    // SIGTERM stops it cleanly: exit 0, every store checks clean.
    let (code, printed) = demo.stop();
    assert_eq!(code, Some(0), "{printed}");
    assert!(printed.contains("stopped"), "{printed}");
    for node in ["kiosk", "ward", "city"] {
        let check = bansao()
            .args(["store", "check", "--node"])
            .arg(dir.path().join(node))
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{node}: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }

    // Started again on the same directory: the same nodes, the copy still waiting.
    let demo = Demo::start(dir.path(), ports);
    assert!(demo.stdout().contains("resumes"), "{}", demo.stdout());
    assert!(ward_queue(&ward).contains(&copy_id));
    let home = get(kiosk_port, "/").unwrap();
    assert!(home.status == 200 || home.status == 303);
    let (code, printed) = demo.stop();
    assert_eq!(code, Some(0), "{printed}");
}

/// The directory of the day's demo (`bansao demo --dir`) is served too: its nodes resumed, the
/// city staff member it lacks certified, its waiting copy still in the ward's queue.
#[test]
fn demo_serve_resumes_the_day_demo_s_directory_adding_its_staff_member() {
    let dir = tempfile::tempdir().unwrap();
    let day = bansao()
        .args(["demo", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        day.status.success(),
        "{}",
        String::from_utf8_lossy(&day.stderr)
    );
    let waiting = ward_queue(&dir.path().join("ward"));
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    let ports = free_ports();
    let demo = Demo::start(dir.path(), ports);
    assert!(demo.stdout().contains("resumes"), "{}", demo.stdout());
    let session = sign_in(ports[2], "le-thi-hoa", "hoa-sở-tư-pháp-2026");
    let keys = request(
        ports[2],
        "GET",
        "/keys",
        &[format!("Cookie: bansao_session={session}")],
        "",
    )
    .unwrap();
    assert_eq!(keys.status, 200, "{}", keys.body);
    assert!(keys.body.contains("Lê Thị Hoa"), "{}", keys.body);
    assert_eq!(ward_queue(&dir.path().join("ward")), waiting);
    let (code, printed) = demo.stop();
    assert_eq!(code, Some(0), "{printed}");
}
