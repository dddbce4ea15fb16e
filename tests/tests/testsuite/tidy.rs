//! Tidy: the rules of ARCHITECTURE.md that the compiler does not check. Every Rust file opens
//! with a `//!` comment saying what it is for; every path of the code map exists; the pure
//! crates depend on no runtime, database, network, device or perception crate (their floor);
//! the application library depends on no CLI, web or binary-edge crate; only the binary reads
//! the environment. In the manner of rust-analyzer's `xtask/src/tidy.rs`.

use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Folders that hold no source of ours: build output, fetched data, fuzz corpora.
const SKIPPED: [&str; 6] = [
    "target",
    ".git",
    ".models",
    ".test-data",
    "corpus",
    "artifacts",
];

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            if !SKIPPED.contains(&name.as_str()) {
                rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_doc_comment_saying_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&repository(), &mut files);
    assert!(files.len() > 100, "found only {} files", files.len());
    let undocumented: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let first = text
                .lines()
                .find(|line| !line.trim().is_empty() && !line.starts_with("#!["));
            !first.is_some_and(|line| line.starts_with("//!"))
        })
        .map(|path| {
            path.strip_prefix(repository())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files do not open with a `//!` comment: {undocumented:?}"
    );
}

#[test]
fn every_path_in_the_code_map_exists() {
    let architecture = std::fs::read_to_string(repository().join("ARCHITECTURE.md")).unwrap();
    let map = architecture
        .split("## Code map")
        .nth(1)
        .and_then(|rest| rest.split("```").nth(1))
        .expect("ARCHITECTURE.md has a code map in a fenced block");
    let paths: Vec<&str> = map
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(paths.len() > 10, "{paths:?}");
    let missing: Vec<&&str> = paths
        .iter()
        .filter(|path| !repository().join(path).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "the code map names paths that do not exist: {missing:?}"
    );
}

/// What the pure crates (no IO, no clock) may not depend on.
const NOT_IN_PURE_CRATES: [&str; 16] = [
    "tokio",
    "rusqlite",
    "rusqlite_migration",
    "quinn",
    "rustls",
    "libp2p",
    "leptess",
    "rustface",
    "escpos",
    "dlib-face-recognition",
    "mimalloc",
    "bansao",
    "bansao-store",
    "bansao-sync-net",
    "bansao-hw",
    "bansao-models",
];

#[test]
fn the_pure_crates_depend_on_no_runtime_database_network_or_device() {
    for krate in [
        "node/trust",
        "node/copy",
        "node/artifact",
        "node/tlog",
        "sync/core",
    ] {
        let manifest =
            std::fs::read_to_string(repository().join(krate).join("Cargo.toml")).unwrap();
        let manifest: toml::Table = manifest.parse().unwrap();
        let dependencies = manifest
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default();
        let forbidden: Vec<&String> = dependencies
            .keys()
            .filter(|name| NOT_IN_PURE_CRATES.contains(&name.as_str()))
            .collect();
        assert!(
            forbidden.is_empty(),
            "{krate} is a pure crate but depends on {forbidden:?} (ARCHITECTURE.md, floors)"
        );
        // And clippy refuses clocks, files and the environment in it.
        let clippy = std::fs::read_to_string(repository().join(krate).join("clippy.toml"))
            .unwrap_or_default();
        for banned in [
            "SystemTime::now",
            "Instant::now",
            "std::fs::read",
            "std::env::var",
        ] {
            assert!(
                clippy.contains(banned),
                "{krate}/clippy.toml does not disallow {banned}"
            );
        }
    }
}

fn dependencies_of(krate: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(repository().join(krate).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|table| table.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_application_library_has_no_binary_edge_crate() {
    let dependencies = dependencies_of("node");
    assert!(
        dependencies.contains(&"bansao-store".to_owned()),
        "{dependencies:?}"
    );
    let edge: Vec<&String> = dependencies
        .iter()
        .filter(|name| {
            [
                "clap",
                "anyhow",
                "axum",
                "tracing-subscriber",
                "mimalloc",
                "bansao",
                "bansao-testkit",
            ]
            .contains(&name.as_str())
        })
        .collect();
    assert!(
        edge.is_empty(),
        "bansao-node is the application library but depends on {edge:?} (ARCHITECTURE.md, floors)"
    );
}

#[test]
fn the_web_layer_calls_the_application_library_and_holds_no_sql_or_signing() {
    let dependencies = dependencies_of("node/web");
    assert!(
        dependencies.contains(&"bansao-node".to_owned()),
        "{dependencies:?}"
    );
    let forbidden: Vec<&String> = dependencies
        .iter()
        .filter(|name| {
            [
                "clap",
                "anyhow",
                "rusqlite",
                "ed25519-dalek",
                "bansao",
                "bansao-testkit",
                "bansao-sync",
                "bansao-sync-net",
            ]
            .contains(&name.as_str())
        })
        .collect();
    assert!(
        forbidden.is_empty(),
        "bansao-web is the web layer (ARCHITECTURE.md, floors) but depends on {forbidden:?}"
    );
    let mut files = Vec::new();
    rust_files(&repository().join("node/web/src"), &mut files);
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for token in [
            "SELECT ",
            "INSERT ",
            "UPDATE ",
            "execute(",
            ".sign(",
            "SignatureRecord",
            "decisions::decide",
            "record_decision",
        ] {
            assert!(
                !text.contains(token),
                "{} holds {token:?}: the web layer calls the ward service, which reads, signs and writes",
                path.display()
            );
        }
    }
}

/// The crates that may read the environment: the binary, and test tooling.
fn may_read_the_environment(relative: &Path) -> bool {
    let text = relative.to_string_lossy();
    text.starts_with("node/cli/")
        || text.starts_with("tests/")
        || text.contains("/tests/")
        || text.contains("/benches/")
        || text.contains("/examples/")
        || text.ends_with("/testing.rs")
        || text.contains("/build.rs")
}

#[test]
fn only_the_binary_reads_the_environment() {
    let mut files = Vec::new();
    rust_files(&repository(), &mut files);
    let readers: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(repository()).unwrap();
            if may_read_the_environment(relative) {
                return None;
            }
            let text = std::fs::read_to_string(path).unwrap();
            ["env::var(", "env::var_os(", "env::vars(", "env::args"]
                .iter()
                .any(|call| text.contains(call))
                .then(|| relative.to_string_lossy().into_owned())
        })
        .collect();
    assert!(
        readers.is_empty(),
        "these library files read the environment (only the binary may): {readers:?}"
    );
}

#[test]
fn the_device_crate_is_a_leaf() {
    let ours: Vec<String> = dependencies_of("hw")
        .into_iter()
        .filter(|name| name.starts_with("bansao"))
        .collect();
    assert!(
        ours.is_empty(),
        "bansao-hw drives devices and depends on none of our crates, but on {ours:?}"
    );
}
