//! Helpers shared by the end-to-end tests: run `bansao` in-process, build a demo world.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// What a `bansao` invocation produced.
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    /// Asserts exit code 1 (not genuine) and the JSON `verdict`, showing the output when
    /// either is wrong.
    #[track_caller]
    pub fn assert_not_genuine(&self, verdict: &str) {
        assert_eq!(
            self.code, 1,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.json()["verdict"], verdict, "{}", self.stdout);
    }

    /// Asserts that standard output contains `text`, showing it when it does not.
    #[track_caller]
    pub fn assert_stdout_has(&self, text: &str) {
        assert!(self.stdout.contains(text), "{}", self.stdout);
    }

    /// Asserts that standard error contains `text`, showing it when it does not.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) {
        assert!(self.stderr.contains(text), "{}", self.stderr);
    }
}

/// Runs `bansao ARGS...` in-process.
pub fn bansao(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["bansao"];
    argv.extend_from_slice(args);
    let code = bansao::cli::execute(argv, &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

/// The string `field` of each entry of the JSON array `array`.
pub fn strings_of<'a>(array: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry[field].as_str().unwrap())
        .collect()
}

/// Runs `bansao verify --trust TRUST --json INPUT` in-process.
pub fn verify_json(trust: &str, input: &str) -> Run {
    bansao(&["verify", "--trust", trust, "--json", input])
}

/// Asserts the exit code, showing the output when it is wrong.
#[macro_export]
macro_rules! assert_exit {
    ($run:expr, $code:expr) => {{
        let run = &$run;
        assert_eq!(
            run.code, $code,
            "stdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
    }};
}

/// A finished `bansao demo` in a temporary directory.
pub struct DemoWorld {
    pub temp: tempfile::TempDir,
    pub output: String,
}

impl DemoWorld {
    pub fn new() -> DemoWorld {
        let temp = tempfile::tempdir().unwrap();
        let run = bansao(&["demo", "--dir", temp.path().to_str().unwrap()]);
        assert_eq!(run.code, 0, "demo failed:\n{}\n{}", run.stdout, run.stderr);
        DemoWorld {
            temp,
            output: run.stdout,
        }
    }

    pub fn dir(&self) -> &Path {
        self.temp.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    pub fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    pub fn trust(&self) -> String {
        self.arg("trust.cbor")
    }

    /// Copy ids in issue order (copy 1 registered, 2 countersigned, 3 provisional), as the
    /// demo reported them.
    pub fn copy_ids(&self) -> Vec<String> {
        self.output
            .lines()
            .filter_map(|line| line.split(": mã ").nth(1))
            .filter_map(|rest| rest.split(',').next())
            .map(str::to_owned)
            .collect()
    }

    /// Verifies INPUT with the demo's trust file, as JSON.
    pub fn verify(&self, input: &str) -> Run {
        verify_json(&self.trust(), input)
    }

    /// Runs `bansao keys COMMAND --city CITY ARGS...` on the demo's city.
    pub fn keys(&self, command: &str, args: &[&str]) -> Run {
        let city = self.arg("city");
        let mut argv = vec!["keys", command, "--city", &city];
        argv.extend_from_slice(args);
        bansao(&argv)
    }

    /// Runs `bansao keys revoke --city CITY --key KEY --reason REASON` on the demo's city.
    pub fn revoke(&self, key: &str, reason: &str) -> Run {
        self.keys("revoke", &["--key", key, "--reason", reason])
    }

    /// Writes `bytes` to a file in the demo directory and returns its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

/// Set in the re-run child to the folder its small disk is mounted on.
const SMALL_DISK_MARKER: &str = "BANSAO_SMALL_DISK";

/// Runs `body` with a folder on a disk of `kib` KiB of its own (a tmpfs, in a user and mount
/// namespace made for the test, so nothing is mounted on the machine): in the parent, re-runs
/// the test `test_name` there and panics with its output unless it passed.
pub fn on_small_disk(test_name: &str, kib: u64, body: impl FnOnce(&Path)) {
    if let Ok(dir) = std::env::var(SMALL_DISK_MARKER) {
        let dir = PathBuf::from(dir);
        mount(
            &["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"],
            &dir,
            "ENVIRONMENT LIMIT: cannot mount a tmpfs in the test's mount namespace: ",
        );
        body(&dir);
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(SMALL_DISK_MARKER, temp.path())
        .output()
        .unwrap_or_else(|error| panic!("ENVIRONMENT LIMIT: cannot run `unshare`: {error}"));
    let transcript: String = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .lines()
    .map(|line| format!("  child| {line}\n"))
    .collect();
    assert!(
        output.status.success(),
        "the test failed on its small disk\n{transcript}"
    );
    assert!(
        transcript.contains("1 passed"),
        "the child ran no test\n{transcript}"
    );
}

/// Remounts the small disk `dir` read-only (`false`) or read-write (`true`).
pub fn remount(dir: &Path, writable: bool) {
    let mode = if writable { "remount,rw" } else { "remount,ro" };
    mount(&["-o", mode], dir, "");
}

/// Runs `mount ARGS... DIR`; when it fails, panics with `context` then what `mount` said.
#[track_caller]
fn mount(args: &[&str], dir: &Path, context: &str) {
    let output = std::process::Command::new("mount")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{context}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Flips eight bytes in the middle of one stored document of the database at `database`, as a
/// bad sector or a stray write would.
pub fn damage_stored_document(database: &Path, copy_id: &str) {
    let connection = rusqlite::Connection::open(database).unwrap();
    let mut document: Vec<u8> = connection
        .query_row(
            "SELECT document FROM copies WHERE copy_id = ?1",
            [copy_id],
            |row| row.get(0),
        )
        .unwrap();
    let middle = document.len() / 2;
    for byte in &mut document[middle..middle + 8] {
        *byte ^= 0x5A;
    }
    connection
        .execute(
            "UPDATE copies SET document = ?2 WHERE copy_id = ?1",
            rusqlite::params![copy_id, document],
        )
        .unwrap();
}
