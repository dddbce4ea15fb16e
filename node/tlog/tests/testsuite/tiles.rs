//! Tile paths (the spec's examples; golang.org/x/mod/sumdb/tlog's `TestTilePath` index
//! encodings, without its height element, which tlog-tiles fixes at 8) and the tiles served for
//! the spec's tree of 70,000 leaves.

use std::convert::Infallible;

use bansao_tlog::tile::TilePathError;
use bansao_tlog::{
    EntryStore, Hash, MemoryTileStore, ServeError, TileId, TileRequest, TileWidth, append,
    decode_entry_bundle, leaf_hash, serve_tile_path, tree_head,
};

#[test]
fn paths_read_and_write_as_the_specs_and_gos_examples() {
    let hashes = |level, index, width| TileRequest::Hashes {
        tile: TileId { level, index },
        width,
    };
    let cases = [
        ("tile/0/001", hashes(0, 1, TileWidth::Full)),
        ("tile/0/001.p/5", hashes(0, 1, TileWidth::Partial(5))),
        (
            "tile/5/x123/x456/078",
            hashes(5, 123_456_078, TileWidth::Full),
        ),
        (
            "tile/5/x123/x456/078.p/2",
            hashes(5, 123_456_078, TileWidth::Partial(2)),
        ),
        (
            "tile/0/x003/x057/500",
            hashes(0, 3_057_500, TileWidth::Full),
        ),
        (
            "tile/2/x001/x234/067",
            hashes(2, 1_234_067, TileWidth::Full),
        ),
        ("tile/63/000.p/255", hashes(63, 0, TileWidth::Partial(255))),
        (
            "tile/entries/x003/x057/500",
            TileRequest::Entries {
                index: 3_057_500,
                width: TileWidth::Full,
            },
        ),
        (
            "tile/entries/000.p/112",
            TileRequest::Entries {
                index: 0,
                width: TileWidth::Partial(112),
            },
        ),
    ];
    for (path, request) in cases {
        assert_eq!(TileRequest::parse_path(path), Ok(request), "{path}");
        assert_eq!(request.path(), path);
    }
}

#[test]
fn paths_that_are_not_canonical_are_refused() {
    for path in [
        "tile/5/123/456/078", // Go: elements before the last need their x
        "tile/-1/000",
        "tile/00/000",
        "tile/64/000",
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",
        "tile/0/x1/000",
        "tile/0/001/",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/07",
        "tile/0/001.p/",
        "tile/data/000",
        "tiles/0/000",
        "tile/0",
        "",
    ] {
        assert!(TileRequest::parse_path(path).is_err(), "accepted {path:?}");
    }
    assert_eq!(
        TileRequest::parse_path("tile/0/x018/x446/x744/x073/x709/x551/x616/000"),
        Err(TilePathError::IndexTooLarge)
    );
    assert_eq!(
        TileRequest::parse_path("tile/0/x018/x446/x744/x073/x709/x551/615"),
        Ok(TileRequest::Hashes {
            tile: TileId {
                level: 0,
                index: u64::MAX
            },
            width: TileWidth::Full
        })
    );
}

/// Entries held in memory.
struct Entries(Vec<Vec<u8>>);

impl EntryStore for Entries {
    type Error = Infallible;

    fn read_entries(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, Infallible> {
        let first = first as usize;
        let end = (first + count as usize).min(self.0.len());
        Ok(self.0.get(first..end).unwrap_or_default().to_vec())
    }
}

fn seventy_thousand() -> (MemoryTileStore, Entries) {
    let entries: Vec<Vec<u8>> = (0..70_000u32)
        .map(|index| index.to_be_bytes().to_vec())
        .collect();
    let mut store = MemoryTileStore::new();
    store.apply(append(&store, 0, &entries).unwrap().updates);
    (store, Entries(entries))
}

fn hashes(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks(32)
        .map(|chunk| Hash::from_slice(chunk).unwrap())
        .collect()
}

#[test]
fn the_tiles_of_the_specs_tree_of_70000_are_served_and_nothing_past_it() {
    let (store, entries) = seventy_thousand();
    let serve = |path: &str| serve_tile_path(path, 70_000, &store, &entries);
    assert_eq!(serve("tile/0/x272").ok(), None, "not a path");
    assert_eq!(serve("tile/0/272").unwrap().len(), 8_192);
    assert_eq!(serve("tile/0/273.p/112").unwrap().len(), 112 * 32);
    // An earlier checkpoint's partial tile is the prefix of today's.
    assert_eq!(
        serve("tile/0/273.p/100").unwrap(),
        serve("tile/0/273.p/112").unwrap()[..3_200]
    );
    // Level 1 holds the roots of level-0 tiles, level 2 the root of the first 65,536 leaves.
    let level_one = hashes(&serve("tile/1/000").unwrap());
    assert_eq!(level_one[0], tree_head(&store, 256).unwrap().root);
    assert_eq!(hashes(&serve("tile/1/001.p/17").unwrap()).len(), 17);
    assert_eq!(
        hashes(&serve("tile/2/000.p/1").unwrap()),
        vec![tree_head(&store, 65_536).unwrap().root]
    );
    for beyond in [
        "tile/0/273",
        "tile/0/273.p/113",
        "tile/0/274.p/1",
        "tile/1/001",
        "tile/2/000.p/2",
        "tile/3/000.p/1",
        "tile/entries/274.p/1",
    ] {
        let error = serve(beyond).unwrap_err();
        assert!(error.is_not_found(), "{beyond}: {error:?}");
    }
    // The same store, published at 65,600 leaves only: the newer hashes are not served.
    assert!(serve_tile_path("tile/0/256.p/65", 65_600, &store, &entries).is_err());
    assert!(serve_tile_path("tile/0/256.p/64", 65_600, &store, &entries).is_ok());
}

#[test]
fn an_entry_bundle_holds_the_entries_of_its_level_0_tile() {
    let (store, entries) = seventy_thousand();
    let bundle = serve_tile_path("tile/entries/273.p/112", 70_000, &store, &entries).unwrap();
    let tile = hashes(&serve_tile_path("tile/0/273.p/112", 70_000, &store, &entries).unwrap());
    let read = decode_entry_bundle(&bundle).unwrap();
    assert_eq!(read.len(), 112);
    for (entry, hash) in read.iter().zip(&tile) {
        assert_eq!(leaf_hash(entry), *hash);
    }
    assert_eq!(read[0], &(273u32 * 256).to_be_bytes());
    // Entries that do not hash to the tile are the store's fault, not served.
    let mut wrong = entries.0.clone();
    wrong[273 * 256 + 5] = b"changed".to_vec();
    let error =
        serve_tile_path("tile/entries/273.p/112", 70_000, &store, &Entries(wrong)).unwrap_err();
    assert!(
        matches!(error, ServeError::StoreInconsistent(_)),
        "{error:?}"
    );
}
