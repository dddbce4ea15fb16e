//! The real `bansao` executable: process exit codes, QR text on standard input, and the crash
//! lab run small (its processes are real `bansao` processes killed with SIGKILL; RELIABILITY.md
//! has the long runs).

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn bansao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bansao"))
}

fn verify_stdin(trust: &std::path::Path, input: &[u8]) -> (i32, String) {
    let mut child = bansao()
        .args(["verify", "--json", "--trust"])
        .arg(trust)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// Runs `bansao demo --dir DIR`.
fn run_demo(dir: &Path) -> std::process::Output {
    bansao().arg("demo").arg("--dir").arg(dir).output().unwrap()
}

/// A directory where `bansao demo` ran.
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let demo = run_demo(dir.path());
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    dir
}

#[test]
fn demo_then_verify_qr_text_from_standard_input() {
    let dir = demo();
    let qr_file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".qr.txt"))
        .unwrap();
    let trust = dir.path().join("trust.cbor");

    let (code, stdout) = verify_stdin(&trust, &std::fs::read(&qr_file).unwrap());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("\"verdict\": \"genuine\""), "{stdout}");

    let (code, stdout) = verify_stdin(&trust, b"BS1:!!!");
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("invalid-base45"), "{stdout}");

    // A kiosk session scanning from a real SANE device: SANE's test backend, whose default
    // picture is solid black — a page that is all ink is refused before OCR, nothing issued.
    let sane = tempfile::tempdir().unwrap();
    std::fs::write(sane.path().join("dll.conf"), "test\n").unwrap();
    let session = bansao()
        .args([
            "kiosk",
            "issue",
            "--json",
            "--scanner",
            "sane:test:0",
            "--node",
        ])
        .arg(dir.path().join("kiosk"))
        .env("SANE_CONFIG_DIR", sane.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&session.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&session.stderr)));
    assert_eq!(session.status.code(), Some(1), "{report:#}");
    assert_eq!(report["outcome"], "refused", "{report:#}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .contains("không đọc được"),
        "{report:#}"
    );

    // A second demo into the same directory refuses instead of overwriting keys.
    let again = run_demo(dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

/// Runs `bansao` with `args`: exit code, stdout, stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let output = bansao().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_ward_commands_queue_show_approve_and_reject_with_exit_codes() {
    let dir = demo();
    let ward = dir.path().join("ward");
    let ward = ward.to_str().unwrap();

    // The demo left its third copy waiting for review.
    let (code, stdout, stderr) = run(&["ward", "queue", "--node", ward, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let queue: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(queue["waiting"], 1, "{queue:#}");
    let copy = queue["copies"][0]["copy_id"].as_str().unwrap().to_owned();
    assert_eq!(
        queue["copies"][0]["flags"][0]["flag"], "corrected",
        "{queue:#}"
    );

    let (code, stdout, stderr) = run(&["ward", "show", "--node", ward, &copy]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("NGUYỄN VĂN AN") && stdout.contains("công dân sửa"),
        "{stdout}"
    );

    // `bansao ward ACTION --node WARD --official OFFICIAL --passphrase-file FILE EXTRA...`
    let passphrase_file = dir.path().join("official.passphrase");
    let passphrase_file = passphrase_file.to_str().unwrap();
    let decide = |action: &str, official: &str, extra: &[&str]| {
        let mut args = vec![
            "ward",
            action,
            "--node",
            ward,
            "--official",
            official,
            "--passphrase-file",
            passphrase_file,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // Bad input: an unknown ground (usage, 2), `other` without a note (1), an unknown official (2).
    let (code, _, stderr) = decide(
        "reject",
        "tran-thi-binh",
        &["--reason", "forged", "--copy", &copy],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no-copy-mark"),
        "the valid grounds are listed: {stderr}"
    );
    let (code, _, stderr) = decide(
        "reject",
        "tran-thi-binh",
        &["--reason", "other", "--copy", &copy],
    );
    assert_eq!(code, 1, "{stderr}");
    let (code, _, stderr) = decide("approve", "nobody", &["--copy", &copy]);
    assert_eq!(code, 2, "{stderr}");
    // A wrong passphrase unlocks nothing (an unusable key file, 4), and no passphrase at all
    // with no terminal to ask on is a usage error (2).
    let wrong = dir.path().join("wrong.passphrase");
    std::fs::write(&wrong, "not the passphrase\n").unwrap();
    let approve_with = |passphrase: &[&str]| {
        let mut args = vec![
            "ward",
            "approve",
            "--node",
            ward,
            "--official",
            "tran-thi-binh",
            "--copy",
            &copy,
        ];
        args.extend_from_slice(passphrase);
        run(&args)
    };
    let (code, _, stderr) = approve_with(&["--passphrase-file", wrong.to_str().unwrap()]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    let (code, _, stderr) = approve_with(&[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--passphrase-file"), "{stderr}");
    // No copy named is a usage error; --all-clean leaves the flagged copy (the citizen's
    // correction) for a closer look.
    let (code, _, stderr) = decide("approve", "tran-thi-binh", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--all-clean"), "{stderr}");
    let (code, stdout, stderr) = decide("approve", "tran-thi-binh", &["--all-clean"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("no clean copy"), "{stdout}");

    // The demo's official approves it: the ward's third number of the year.
    let (code, stdout, stderr) = decide("approve", "tran-thi-binh", &["--json", "--copy", &copy]);
    assert_eq!(code, 0, "{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let number = result["results"][0]["certification_number"]
        .as_str()
        .unwrap();
    assert!(
        number.starts_with("3/") && number.ends_with("-SCT/BS"),
        "{result:#}"
    );
    assert_eq!(result["results"][0]["status"], "countersigned");

    // Deciding it again is refused (exit 1), and the queue is empty.
    let (code, stdout, _) = decide(
        "reject",
        "tran-thi-binh",
        &["--reason", "secret", "--copy", &copy],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("countersigned"), "{stdout}");
    let (_, stdout, _) = run(&["ward", "queue", "--node", ward, "--json"]);
    let queue: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(queue["waiting"], 0, "{queue:#}");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let output = bansao().arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = bansao().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("verify"));
}

/// Runs `bansao bench ARGS... --dir TEMP` and returns the figures it printed.
fn bench_figures(args: &[&str]) -> Vec<serde_json::Value> {
    let temp = tempfile::tempdir().unwrap();
    let output = bansao()
        .arg("bench")
        .args(args)
        .arg("--dir")
        .arg(temp.path().join("lab"))
        .env("BANSAO_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Issuing processes and a ward killed with SIGKILL at random moments and at chosen system
/// calls (strace, installed by deploy/setup.sh): nothing acknowledged lost or damaged.
#[test]
fn the_crash_lab_loses_nothing_acknowledged_and_damages_nothing() {
    let figures = bench_figures(&[
        "crash",
        "--cycles",
        "16",
        "--sync-cycles",
        "8",
        "--sync-copies",
        "300",
        "--syscall-depth",
        "4",
        "--seed",
        "5",
    ]);
    let names: Vec<&str> = figures
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["crash_issuance", "crash_issuance_at_syscalls", "crash_sync"],
        "{figures:?}"
    );
    for figure in &figures {
        assert_eq!(figure["problems"], 0, "{figure}");
    }
    assert!(
        figures[0]["acknowledged"].as_u64().unwrap() > 0,
        "{}",
        figures[0]
    );
    assert_eq!(figures[0]["lost"], 0);
    assert_eq!(figures[0]["sync_resumed"], true);
    assert_eq!(figures[1]["killed_at_the_call"], 8, "{}", figures[1]);
    assert_eq!(figures[2]["converged"], true);
    assert!(
        figures[2]["ward_killed_at_its_nth_fsync"].as_u64().unwrap() > 0,
        "{}",
        figures[2]
    );
}

/// The network lab run small: eight `bansao run` processes, each in its own network namespace
/// on a veth link, every link through a relay the lab cuts and heals; all converge.
#[test]
fn the_network_lab_runs_small_and_every_node_converges() {
    let figures = bench_figures(&[
        "netlab",
        "--events",
        "12",
        "--gap-ms",
        "300",
        "--seed",
        "4",
        "--patience-seconds",
        "180",
    ]);
    let figure = figures.last().unwrap();
    assert_eq!(figure["name"], "netlab_converge");
    assert_eq!(figure["converged"], true, "{figure}");
    assert_eq!(figure["nodes"], 8);
    assert!(figure["cuts"].as_u64().unwrap() > 0, "{figure}");
}

/// `bansao bench ward` on a small queue: every clean copy of the batch approved with continuous
/// numbers, and the queue page timed with the rest waiting.
#[test]
fn the_ward_bench_approves_its_whole_batch_and_times_the_queue_page() {
    let figures = bench_figures(&["ward", "--batch", "25", "--waiting", "40", "--renders", "2"]);
    let batch = figures
        .iter()
        .find(|figure| figure["name"] == "batch_approve_1000")
        .unwrap();
    assert_eq!(batch["copies"], 25, "{batch}");
    assert!(
        batch["last_number"].as_str().unwrap().starts_with("25/"),
        "{batch}"
    );
    let queue = figures
        .iter()
        .find(|figure| figure["name"] == "queue_page_10k")
        .unwrap();
    assert_eq!(queue["waiting"], 40, "{queue}");
    assert!(queue["value"].as_f64().unwrap() > 0.0, "{queue}");
}

#[test]
fn the_ward_closes_the_day_and_lists_what_to_reconcile_from_the_command_line() {
    let dir = demo();
    let ward = dir.path().join("ward");
    let ward = ward.to_str().unwrap();
    // The demo issued three copies today and the official approved two of them.
    let (code, stdout, stderr) = run(&["ward", "report", "--node", ward, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["total"]["issued"], 3, "{report:#}");
    assert_eq!(report["total"]["approved"], 2, "{report:#}");
    assert_eq!(
        report["officials"][0]["official"], "Trần Thị Bình",
        "{report:#}"
    );
    assert_eq!(report["waiting"], 1, "{report:#}");
    let pdf = dir.path().join("report.pdf");
    let (code, stdout, stderr) = run(&[
        "ward",
        "report",
        "--node",
        ward,
        "--csv",
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    assert!(
        stdout.starts_with("section,who,issued,fees_vnd"),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["ward", "report", "--node", ward, "--day", "02/12/2026"]);
    assert_eq!(code, 2, "{stderr}");

    // The demo issues the same sample scan three times: the reconciliation says so.
    let (code, stdout, stderr) = run(&["ward", "reconcile", "--node", ward, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let found: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found["conflicts"].as_array().unwrap().len(), 0, "{found:#}");
    assert_eq!(
        found["same_scans"][0]["copies"].as_array().unwrap().len(),
        3,
        "{found:#}"
    );
    assert_eq!(found["clear"], false);
}

/// `bansao run` on a ward serves the officials' pages on `[web] listen` next to its sync, and
/// stops both on SIGTERM.
#[test]
fn bansao_run_on_a_ward_serves_the_officials_pages_until_stopped() {
    let dir = demo();
    let ward = dir.path().join("ward");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = std::fs::read_to_string(ward.join("bansao.toml")).unwrap();
    let config = config.replace(
        "[sync]",
        &format!("[web]\nlisten = \"127.0.0.1:{port}\"\n\n[sync]\nlisten = \"127.0.0.1:0\"\nlan_discovery = false"),
    );
    std::fs::write(ward.join("bansao.toml"), config).unwrap();
    let node = bansao()
        .args(["run", "--node"])
        .arg(&ward)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let page = loop {
        let reply = std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and_then(|mut stream| {
                use std::io::{Read, Write};
                stream
                    .write_all(b"GET /sign-in HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .ok()?;
                let mut reply = String::new();
                stream.read_to_string(&mut reply).ok()?;
                Some(reply)
            });
        if let Some(reply) = reply {
            break reply;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the ward's pages did not answer on {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Đăng nhập cán bộ"), "{page}");
    // A ward has no log: only a city serves /log/.
    let log = get(port, "/log/checkpoint").unwrap();
    assert!(log.starts_with("HTTP/1.1 404"), "{log}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = node.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("http://127.0.0.1:{port}/")),
        "{stdout}"
    );
    assert!(stdout.contains("stopped"), "{stdout}");
}

/// `bansao run` on a kiosk serves the citizen's screen at `/` (simulated devices from the demo's
/// samples), the verify page and `/metrics`.
#[test]
fn bansao_run_on_a_kiosk_serves_the_citizen_s_screen() {
    let dir = demo();
    let kiosk = dir.path().join("kiosk");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = std::fs::read_to_string(kiosk.join("bansao.toml")).unwrap();
    assert!(config.contains("[kiosk]\n"), "{config}");
    let mut config = config.replacen(
        "[kiosk]\n",
        "[kiosk]\ndevices = \"simulated\"\nsimulated_inputs = \"../samples\"\n",
        1,
    );
    let web = format!("[web]\nlisten = \"127.0.0.1:{port}\"\n\n");
    if config.contains("[sync]") {
        config = config.replace(
            "[sync]",
            &format!("{web}[sync]\nlisten = \"127.0.0.1:0\"\nlan_discovery = false"),
        );
    } else {
        config.push_str(&format!(
            "\n{web}[sync]\nlisten = \"127.0.0.1:0\"\nlan_discovery = false\n"
        ));
    }
    std::fs::write(kiosk.join("bansao.toml"), config).unwrap();
    let node = bansao()
        .args(["run", "--node"])
        .arg(&kiosk)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let page = get_when_up(port, "/", 60, "the kiosk's screen");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("data-screen=\"start\""), "{page}");
    assert!(page.contains("Chứng thực bản sao từ bản chính"), "{page}");
    let verify = get(port, "/verify").unwrap();
    assert!(verify.starts_with("HTTP/1.1 200"), "{verify}");
    let metrics = get(port, "/metrics").unwrap();
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = node.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Màn hình ki-ốt"), "{stdout}");
}

/// A plain GET on loopback, asked again until the node answers (`what` did not answer within
/// `seconds`: the test fails).
fn get_when_up(port: u16, path: &str, seconds: u64, what: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        if let Some(reply) = get(port, path) {
            return reply;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(seconds),
            "{what} did not answer on {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A plain GET on loopback; `None` while nothing answers.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    Some(String::from_utf8_lossy(&reply).into_owned())
}

/// `bansao run` on a city serves its log's tlog-tiles API beside the staff's pages.
#[test]
fn bansao_run_on_a_city_serves_its_log_checkpoint_and_tiles() {
    let dir = demo();
    let city = dir.path().join("city");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = std::fs::read_to_string(city.join("bansao.toml")).unwrap();
    assert!(
        !config.contains("[sync]") && !config.contains("[web]"),
        "{config}"
    );
    config.push_str(&format!(
        "\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n[sync]\nlisten = \"127.0.0.1:0\"\nlan_discovery = false\n"
    ));
    std::fs::write(city.join("bansao.toml"), config).unwrap();
    let node = bansao()
        .args(["run", "--node"])
        .arg(&city)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = get_when_up(port, "/log/checkpoint", 20, "the city's pages");
    let tile = get(port, "/log/tile/0/000.p/1").unwrap();
    let bad = get(port, "/log/tile/0/1").unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .unwrap();
    let _ = node.wait_with_output();
    assert!(checkpoint.starts_with("HTTP/1.1 200"), "{checkpoint}");
    assert!(
        checkpoint.contains("\r\n\r\nbansao/city-log/"),
        "{checkpoint}"
    );
    assert!(tile.starts_with("HTTP/1.1 200"), "{tile}");
    assert!(tile.contains("application/octet-stream"), "{tile}");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
}
