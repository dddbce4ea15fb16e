//! The city log's public tlog-tiles API over plain HTTP: the checkpoint and tiles with their
//! content types and caching (a full tile immutable, a partial one short-lived, never the
//! site's `no-store`), a bad path a 400, a tile outside the published tree a 404, and a city
//! that has signed no checkpoint yet a 404. (A store that no longer matches its tiles, a 500,
//! is tried end to end in tests/tests/testsuite/log_http.rs.)

use std::net::SocketAddr;
use std::path::Path;

use bansao_node::city::City;
use bansao_node::entropy;
use bansao_node::log_serve::LogReader;
use bansao_testkit::World;

use crate::http::{Response, request};

/// A world whose city has logged `copies` issued copies and signed a checkpoint of them.
fn city_with_log(root: &Path, copies: u64) -> World {
    let world = World::create(root).unwrap();
    bansao_testkit::world::issue_bulk(&world, copies, &[bansao_testkit::SAMPLE_SCAN.to_vec()])
        .unwrap();
    world.copy_database("kiosk", "city").unwrap();
    let round = City::open(&world.dir("city"))
        .unwrap()
        .keep_log(entropy::now())
        .unwrap();
    assert_eq!(round.checkpoint, Some(copies));
    world
}

async fn serve_log(city_dir: &Path) -> SocketAddr {
    let state = bansao_web::LogState::new(LogReader::open(city_dir).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::site([bansao_web::log_router(state)]),
        std::future::pending(),
    ));
    address
}

async fn get(address: SocketAddr, path: &str) -> Response {
    request(address, "GET", path, &[], "").await
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[tokio::test]
async fn the_city_serves_its_checkpoint_and_tiles_in_the_tlog_tiles_layout() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 260);
    let address = serve_log(&world.dir("city")).await;

    let checkpoint = get(address, "/log/checkpoint").await;
    assert_eq!(checkpoint.status, 200);
    assert_eq!(
        header(&checkpoint, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(header(&checkpoint, "cache-control"), Some("no-cache"));
    let mut lines = checkpoint.body.lines();
    assert!(lines.next().unwrap().starts_with("bansao/city-log/"));
    assert_eq!(lines.next(), Some("260"));

    let full = get(address, "/log/tile/0/000").await;
    assert_eq!(full.status, 200);
    assert_eq!(full.bytes.len(), 256 * 32);
    assert_eq!(
        header(&full, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        header(&full, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let partial = get(address, "/log/tile/0/001.p/4").await;
    assert_eq!(partial.status, 200);
    assert_eq!(partial.bytes.len(), 4 * 32);
    assert_eq!(
        header(&partial, "cache-control"),
        Some("public, max-age=10")
    );
    // An older checkpoint's narrower tile is the prefix of the wider one.
    let older = get(address, "/log/tile/0/001.p/2").await;
    assert_eq!(older.status, 200);
    assert_eq!(older.bytes, partial.bytes[..64]);
    let level_one = get(address, "/log/tile/1/000.p/1").await;
    assert_eq!(level_one.bytes.len(), 32);

    let bundle = get(address, "/log/tile/entries/001.p/4").await;
    assert_eq!(bundle.status, 200);
    let entries = bansao_tlog::decode_entry_bundle(&bundle.bytes).unwrap();
    assert_eq!(entries.len(), 4);
    for (entry, hash) in entries.iter().zip(partial.bytes.chunks(32)) {
        assert_eq!(bansao_tlog::leaf_hash(entry).0, hash);
        bansao_copy::LoggedEvent::from_cbor(entry).unwrap();
    }
    let full_bundle = get(address, "/log/tile/entries/000").await;
    assert_eq!(
        bansao_tlog::decode_entry_bundle(&full_bundle.bytes)
            .unwrap()
            .len(),
        256
    );
}

#[tokio::test]
async fn a_bad_tile_path_is_a_400_and_a_tile_outside_the_published_tree_a_404() {
    let temp = tempfile::tempdir().unwrap();
    let world = city_with_log(temp.path(), 260);
    let address = serve_log(&world.dir("city")).await;
    for path in [
        "/log/tile/0/1",
        "/log/tile/0/x000/001",
        "/log/tile/64/000",
        "/log/tile/00/000",
        "/log/tile/entries/000.p/256",
        "/log/tile/0/000.p/0",
        "/log/tile/0/x99999999999999999/000",
        "/log/tile/zero/000",
    ] {
        let response = get(address, path).await;
        assert_eq!(response.status, 400, "{path}: {}", response.body);
        assert!(response.body.contains("bad tile path"), "{}", response.body);
    }
    for path in [
        "/log/tile/0/001",
        "/log/tile/0/001.p/5",
        "/log/tile/0/002",
        "/log/tile/entries/002.p/1",
        "/log/tile/2/000.p/1",
    ] {
        let response = get(address, path).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
    }
    assert_eq!(get(address, "/log/").await.status, 404);
}

#[tokio::test]
async fn a_city_that_signed_no_checkpoint_yet_serves_nothing() {
    let temp = tempfile::tempdir().unwrap();
    let world = World::create(temp.path()).unwrap();
    let address = serve_log(&world.dir("city")).await;
    let checkpoint = get(address, "/log/checkpoint").await;
    assert_eq!(checkpoint.status, 404);
    assert!(checkpoint.body.contains("no signed checkpoint"));
    assert_eq!(get(address, "/log/tile/0/000.p/1").await.status, 404);
}
