//! The pure part of the tlog-tiles read API: given the size of the latest published checkpoint
//! and the stored tiles and entries, the bytes of `tile/<L>/<N>[.p/<W>]` (concatenated hashes)
//! or `tile/entries/<N>[.p/<W>]` (an entry bundle). The city's HTTP layer (`bansao-web`'s
//! `log.rs`, through `bansao_node::log_serve`) maps [`ServeError::BadPath`] to 400,
//! [`ServeError::NotInTree`] to 404 and the rest to 500.
//!
//! Nothing past the published size is served, so a mirror never sees entries no checkpoint
//! commits to. A partial tile narrower than the stored one (of an earlier checkpoint) is the
//! stored tile's prefix: tiles only grow.

use crate::bundle::encode_entry_bundle;
use crate::hash::{Hash, leaf_hash};
use crate::store::TileStore;
use crate::tile::{TILE_WIDTH, TileId, TilePathError, TileRequest, TileWidth, tile_width_in_tree};

/// Reads the log's entries (the city's events, stored beside the tiles).
pub trait EntryStore {
    /// What went wrong reading.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The entries `first .. first + count`, as many as are stored of them.
    fn read_entries(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, Self::Error>;
}

/// Why a tile request gets no tile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The path is not a tile path.
    #[error("not a tile path: {0}")]
    BadPath(#[from] TilePathError),
    /// The tile, or that width of it, is not in the published tree.
    #[error("{0} is not in the tree of {1} leaves")]
    NotInTree(TileRequest, u64),
    /// The store could not be read.
    #[error("the store could not be read")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store holds less than the published tree needs, or entries that do not hash to
    /// their tile's leaf hashes.
    #[error("the store does not hold tile {0:?} as the published tree needs it")]
    StoreInconsistent(TileId),
}

impl ServeError {
    /// Whether the answer is "404 Not Found" (the rest are the server's fault).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ServeError::BadPath(_) | ServeError::NotInTree(..))
    }
}

/// Answers a request by its path relative to the log's prefix.
pub fn serve_tile_path<T: TileStore, E: EntryStore>(
    path: &str,
    published_size: u64,
    tiles: &T,
    entries: &E,
) -> Result<Vec<u8>, ServeError> {
    serve_tile_request(
        TileRequest::parse_path(path)?,
        published_size,
        tiles,
        entries,
    )
}

/// Answers a request in the tree of `published_size` leaves.
pub fn serve_tile_request<T: TileStore, E: EntryStore>(
    request: TileRequest,
    published_size: u64,
    tiles: &T,
    entries: &E,
) -> Result<Vec<u8>, ServeError> {
    let (tile, width) = match request {
        TileRequest::Hashes { tile, width } => (tile, width),
        TileRequest::Entries { index, width } => (TileId { level: 0, index }, width),
    };
    if tile_width_in_tree(tile, published_size) < width.count() {
        return Err(ServeError::NotInTree(request, published_size));
    }
    let hashes = tile_hashes(tiles, tile, width)?;
    match request {
        TileRequest::Hashes { .. } => Ok(hashes.iter().flat_map(|hash| hash.0).collect()),
        TileRequest::Entries { index, .. } => {
            let first = index * TILE_WIDTH;
            let read = entries
                .read_entries(first, width.count())
                .map_err(|error| ServeError::Store(Box::new(error)))?;
            let matches = read.len() == hashes.len()
                && read
                    .iter()
                    .zip(&hashes)
                    .all(|(entry, hash)| leaf_hash(entry) == *hash);
            if !matches {
                return Err(ServeError::StoreInconsistent(tile));
            }
            encode_entry_bundle(&read).map_err(|_| ServeError::StoreInconsistent(tile))
        }
    }
}

/// The first `width` hashes of the stored `tile`.
fn tile_hashes<T: TileStore>(
    tiles: &T,
    tile: TileId,
    width: TileWidth,
) -> Result<Vec<Hash>, ServeError> {
    let mut hashes = tiles
        .read_tile(tile)
        .map_err(|error| ServeError::Store(Box::new(error)))?
        .ok_or(ServeError::StoreInconsistent(tile))?;
    let count = usize::try_from(width.count()).unwrap_or(usize::MAX);
    if hashes.len() < count {
        return Err(ServeError::StoreInconsistent(tile));
    }
    hashes.truncate(count);
    Ok(hashes)
}
