//! The city log's public HTTP API and `bansao log audit --url`: a city whose log holds a few
//! hundred events serves it on loopback (the real `bansao_web::log_router`), and a mirror
//! audits it, saves its checkpoint and audits it again after the log grew; a tampered entry in
//! the city's store, a server that gives a wrong tile, and a forked log signed with the city's
//! own log key are each found, with a clear message and exit 5. `bansao bench city` runs small.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use bansao_copy::Timestamp;
use bansao_node::city::{City, LOG_KEY_FILE};
use bansao_node::city_log::log_origin;
use bansao_node::{entropy, files};
use bansao_testkit::World;
use bansao_tlog::tile::{TILE_WIDTH, hashes_at_tile_level, tile_width_in_tree};
use bansao_tlog::{
    Checkpoint, MemoryTileStore, NoteKeyName, NoteSigner, TileId, TileRequest, TileStore,
    TileWidth, append, encode_entry_bundle,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common;

/// A world whose city has logged `copies` issued copies (one event each) and signed a
/// checkpoint of them.
fn city_with_log(root: &Path, copies: u64) -> World {
    let world = World::create(root).unwrap();
    bansao_testkit::world::issue_bulk(&world, copies, &[bansao_testkit::SAMPLE_SCAN.to_vec()])
        .unwrap();
    world.copy_database("kiosk", "city").unwrap();
    let mut city = City::open(&world.dir("city")).unwrap();
    let round = city.keep_log(entropy::now()).unwrap();
    assert_eq!(round.checkpoint, Some(copies), "{round:?}");
    world
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Serves the city's log API (as `bansao run` does on a city) on a free loopback port.
fn serve_log(runtime: &tokio::runtime::Runtime, city_dir: &Path) -> String {
    let state =
        bansao_web::LogState::new(bansao_node::log_serve::LogReader::open(city_dir).unwrap());
    let address = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(bansao_web::serve(
            listener,
            bansao_web::site([bansao_web::log_router(state)]),
            std::future::pending(),
        ));
        address
    });
    format!("http://{address}/log/")
}

/// Every file of a log of `entries` under the checkpoint `note`, by path below the prefix.
fn log_files(entries: &[Vec<u8>], note: String) -> HashMap<String, Vec<u8>> {
    let size = entries.len() as u64;
    let mut memory = MemoryTileStore::new();
    memory.apply(append(&memory, 0, entries).unwrap().updates);
    let mut files = HashMap::from([("checkpoint".to_owned(), note.into_bytes())]);
    for index in 0..size.div_ceil(TILE_WIDTH) {
        let width =
            TileWidth::of_count(tile_width_in_tree(TileId { level: 0, index }, size)).unwrap();
        let first = usize::try_from(index * TILE_WIDTH).unwrap();
        let bundle = &entries[first..first + usize::try_from(width.count()).unwrap()];
        files.insert(
            TileRequest::Entries { index, width }.path(),
            encode_entry_bundle(bundle).unwrap(),
        );
    }
    let mut level = 0;
    while hashes_at_tile_level(size, level) > 0 {
        for index in 0..hashes_at_tile_level(size, level).div_ceil(TILE_WIDTH) {
            let tile = TileId { level, index };
            let width = TileWidth::of_count(tile_width_in_tree(tile, size)).unwrap();
            let hashes = memory.read_tile(tile).unwrap().unwrap();
            files.insert(
                TileRequest::Hashes { tile, width }.path(),
                hashes
                    .iter()
                    .take(usize::try_from(width.count()).unwrap())
                    .flat_map(|hash| hash.0)
                    .collect(),
            );
        }
        level += 1;
    }
    files
}

/// A server of fixed files below `/log/` (HTTP/1.1, kept connections), as a mirror or a
/// lying log would serve them; anything else is a 404.
fn serve_files(runtime: &tokio::runtime::Runtime, files: HashMap<String, Vec<u8>>) -> String {
    let files = std::sync::Arc::new(files);
    let address: SocketAddr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let files = files.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        let mut chunk = [0u8; 4096];
                        let Ok(read) = stream.read(&mut chunk).await else {
                            return;
                        };
                        if read == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..read]);
                        while let Some(end) =
                            buffer.windows(4).position(|window| window == b"\r\n\r\n")
                        {
                            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                            buffer.drain(..end + 4);
                            let path = head.split_whitespace().nth(1).unwrap_or("");
                            let body = path.strip_prefix("/log/").and_then(|path| files.get(path));
                            let (status, body) = match body {
                                Some(body) => ("200 OK", body.clone()),
                                None => ("404 Not Found", b"not found".to_vec()),
                            };
                            let mut reply = format!(
                                "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n",
                                body.len()
                            )
                            .into_bytes();
                            reply.extend_from_slice(&body);
                            if stream.write_all(&reply).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        address
    });
    format!("http://{address}/log/")
}

/// The city's stored entries, oldest first.
fn stored_entries(city_dir: &Path) -> Vec<Vec<u8>> {
    let store = bansao_store::Store::open(&city_dir.join("bansao.sqlite")).unwrap();
    store
        .log_entries(0, u64::MAX / 2)
        .unwrap()
        .into_iter()
        .map(|entry| entry.entry)
        .collect()
}

/// A checkpoint of `entries` signed with the city's own log key (a forged or forked log).
fn sign_with_city_log_key(city_dir: &Path, entries: &[Vec<u8>]) -> String {
    let trust = bansao_node::verify::load_trust(&city_dir.join("trust.cbor")).unwrap();
    let key = files::read_secret_key(&city_dir.join(LOG_KEY_FILE)).unwrap();
    let origin = log_origin(&trust);
    let signer = NoteSigner::ed25519_by(
        NoteKeyName::new(&origin).unwrap(),
        key.public_key(),
        move |text| key.sign_raw(text),
    );
    let memory = MemoryTileStore::new();
    let head = append(&memory, 0, entries).unwrap().head;
    Checkpoint::new(&origin, head)
        .unwrap()
        .sign(&signer)
        .unwrap()
        .note()
        .to_owned()
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn a_mirror_audits_the_city_log_over_http_then_again_after_it_grew_since_its_saved_checkpoint() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 300);
    let city_dir = world.dir("city");
    let city = path_text(&city_dir);
    let runtime = runtime();
    let url = serve_log(&runtime, &city_dir);
    let saved = path_text(&temp.path().join("mirror").join("checkpoint.txt"));

    let run = common::bansao(&[
        "log", "audit", "--url", &url, "--node", &city, "--json", "--save", &saved,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["passed"], true, "{json}");
    assert_eq!(json["checkpoint"]["size"], 300, "{json}");
    assert_eq!(json["recomputed"], json["checkpoint"], "{json}");
    assert_eq!(json["entries"], 300, "{json}");
    // Level 0: a full tile and one of 44; level 1: one of 1.
    assert_eq!(json["tiles_checked"], 3, "{json}");
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        json["note"].as_str().unwrap()
    );

    // The log grows (more copies reach the city; the next checkpoint is signed a minute
    // later); the mirror's next audit checks the new log extends the one it saved.
    let more =
        bansao_testkit::world::issue_bulk(&world, 20, &[bansao_testkit::SAMPLE_SCAN.to_vec()])
            .unwrap();
    let kiosk = bansao_store::Store::open(&world.dir("kiosk").join("bansao.sqlite")).unwrap();
    let mut city_store = bansao_store::Store::open(&city_dir.join("bansao.sqlite")).unwrap();
    let actor = entropy::new_actor().unwrap();
    let mut fresh: Vec<_> = more
        .iter()
        .map(|id| {
            (
                kiosk.load_copy(*id, actor.clone()).unwrap(),
                bansao_copy::CopyStatus::Provisional,
            )
        })
        .collect();
    city_store.save_copies(&mut fresh, entropy::now()).unwrap();
    drop(city_store);
    let later = Timestamp::from_unix(entropy::now().unix() + 60).unwrap();
    let round = City::open(&city_dir).unwrap().keep_log(later).unwrap();
    assert!(round.checkpoint.is_some_and(|size| size > 300), "{round:?}");

    let trust = path_text(&city_dir.join("trust.cbor"));
    let run = common::bansao(&[
        "log", "audit", "--url", &url, "--trust", &trust, "--since", &saved,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has("Nhật ký khớp (the log agrees)");
    run.assert_stdout_has("extends the saved checkpoint) of 300 entries");
}

#[test]
fn a_tampered_entry_in_the_city_store_fails_the_audit_over_http() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 260);
    let city_dir = world.dir("city");
    let runtime = runtime();
    let url = serve_log(&runtime, &city_dir);
    let connection = rusqlite::Connection::open(city_dir.join("bansao.sqlite")).unwrap();
    connection
        .execute(
            "UPDATE log_entries SET entry = x'a0' WHERE leaf_index = 257",
            [],
        )
        .unwrap();
    drop(connection);

    let run = common::bansao(&[
        "log",
        "audit",
        "--url",
        &url,
        "--node",
        &path_text(&city_dir),
    ]);
    assert_eq!(run.code, 5, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has("NHẬT KÝ KHÔNG KHỚP (the log does not agree)");
    // The city refuses to serve a bundle that does not hash to its tile.
    run.assert_stdout_has("tile/entries/001.p/4: the server answered 500");
    // The node stays up and serves the rest.
    let address = url.trim_start_matches("http://").trim_end_matches("/log/");
    assert_eq!(status_of(address, "/log/tile/entries/000"), 200);
    assert_eq!(status_of(address, "/log/checkpoint"), 200);
}

/// The status of a plain GET.
fn status_of(address: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply)
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_server_giving_a_wrong_tile_fails_the_audit() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 260);
    let city_dir = world.dir("city");
    let store = bansao_store::Store::open(&city_dir.join("bansao.sqlite")).unwrap();
    let note = store.latest_log_checkpoint().unwrap().unwrap().note;
    drop(store);
    let mut files = log_files(&stored_entries(&city_dir), note);
    files.get_mut("tile/1/000.p/1").unwrap()[7] ^= 1;
    let runtime = runtime();
    let url = serve_files(&runtime, files);

    let run = common::bansao(&[
        "log",
        "audit",
        "--url",
        &url,
        "--node",
        &path_text(&city_dir),
        "--json",
    ]);
    assert_eq!(run.code, 5, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["passed"], false, "{json}");
    assert_eq!(
        json["recomputed"], json["checkpoint"],
        "the entries are right: {json}"
    );
    assert_eq!(
        json["problems"][0],
        "tile/1/000.p/1 differs from the tile the entries give (32 bytes served, 32 expected)",
        "{json}"
    );
}

#[test]
fn a_forked_log_signed_with_the_city_key_passes_alone_but_not_against_the_saved_checkpoint() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 10);
    let city_dir = world.dir("city");
    let city = path_text(&city_dir);
    let runtime = runtime();
    let saved = path_text(&temp.path().join("checkpoint.txt"));
    let run = common::bansao(&[
        "log",
        "audit",
        "--url",
        &serve_log(&runtime, &city_dir),
        "--node",
        &city,
        "--save",
        &saved,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // Another history of the same events (two swapped) and one more, signed with the log key.
    let mut forked = stored_entries(&city_dir);
    forked.swap(0, 1);
    forked.push(forked[5].clone());
    let note = sign_with_city_log_key(&city_dir, &forked);
    let url = serve_files(&runtime, log_files(&forked, note));
    let run = common::bansao(&["log", "audit", "--url", &url, "--node", &city]);
    assert_eq!(
        run.code, 0,
        "on its own the forked log is consistent: {}",
        run.stdout
    );
    let run = common::bansao(&[
        "log", "audit", "--url", &url, "--node", &city, "--since", &saved,
    ]);
    assert_eq!(run.code, 5, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has("a fork: the saved checkpoint of 10 leaves states root");

    // A log that went back to fewer entries than the saved checkpoint.
    let shorter = stored_entries(&city_dir)[..4].to_vec();
    let note = sign_with_city_log_key(&city_dir, &shorter);
    let url = serve_files(&runtime, log_files(&shorter, note));
    let run = common::bansao(&[
        "log", "audit", "--url", &url, "--node", &city, "--since", &saved,
    ]);
    assert_eq!(run.code, 5, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has(
        "the log went back: the saved checkpoint states 10 leaves, the server's 4",
    );
}

#[test]
fn an_unreachable_log_or_a_bad_url_is_an_error_not_a_verdict() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 2);
    let city = path_text(&world.dir("city"));
    // A port nothing listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let run = common::bansao(&[
        "log",
        "audit",
        "--url",
        &format!("http://{free}/log/"),
        "--node",
        &city,
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run.assert_stderr_has("the server cannot be reached");
    let run = common::bansao(&[
        "log",
        "audit",
        "--url",
        "https://city.example/log/",
        "--node",
        &city,
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    run.assert_stderr_has("https is not spoken");
    let run = common::bansao(&["log", "audit", "--url", "http://127.0.0.1:1/log/"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    run.assert_stderr_has("--url needs --trust FILE or --node DIR");
}

#[test]
fn the_city_bench_runs_small_and_prints_one_json_object_per_figure() {
    let temp = tempfile::tempdir().unwrap();
    let bench_dir = temp.path().join("bench");
    let run = common::bansao(&[
        "bench",
        "city",
        "--dir",
        &path_text(&bench_dir),
        "--copies",
        "30",
        "--log-leaves",
        "3000",
        "--samples",
        "5",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let figures: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let names: Vec<&str> = figures
        .iter()
        .map(|figure| figure["name"].as_str().unwrap())
        .collect();
    for name in [
        "city_intake_end_to_end",
        "city_stage_verify",
        "city_stage_register",
        "city_stage_log_append",
        "city_stage_checkpoint",
        "city_stage_proofs",
        "city_stages_together",
        "tlog_inclusion_proof_size",
        "tlog_inclusion_verify_median",
    ] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    for figure in &figures {
        assert!(figure["value"].as_f64().unwrap() > 0.0, "{figure}");
        assert!(figure["unit"].is_string(), "{figure}");
    }
    let end_to_end = &figures[0];
    assert_eq!(end_to_end["copies"], 30, "{end_to_end}");
    assert_eq!(
        end_to_end["log_leaves"], 90,
        "issue, approval, registration: {end_to_end}"
    );
    let log_append = figures
        .iter()
        .find(|figure| figure["name"] == "city_stage_log_append")
        .unwrap();
    assert_eq!(log_append["events"], 90, "{log_append}");
    assert!(!bench_dir.exists(), "removed without --keep");
}
