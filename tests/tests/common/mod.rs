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
        bansao(&["verify", "--trust", &self.trust(), "--json", input])
    }

    /// Writes `bytes` to a file in the demo directory and returns its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    }
}
