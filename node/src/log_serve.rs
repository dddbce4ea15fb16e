//! The city log's public read API (c2sp.org/tlog-tiles), as a service the web layer calls: the
//! latest signed checkpoint, and the bytes of a tile or an entry bundle of the tree it commits
//! to, read from the city's store on a connection of its own ([`LogReader`]), over
//! `bansao_tlog::serve`. Nothing past the latest checkpoint's size is served.
//!
//! What an answer may be cached for is decided here, not by the HTTP layer: a full tile never
//! changes ([`TileAnswer::full`]); a partial one grows as the log does.

use std::path::Path;

use bansao_store::{Store, StoreError};
use bansao_tlog::tile::TilePathError;
use bansao_tlog::{ServeError, TileRequest, TileWidth, serve_tile_request};

use crate::node_dir::{NodeDir, NodeError};

/// A tile request that gets no tile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogServeError {
    /// The path is not a tile path of the tlog-tiles layout (an HTTP 400).
    #[error("not a tile path: {0}")]
    BadPath(#[from] TilePathError),
    /// The tile, or that width of it, is not in the published tree, or nothing is published
    /// yet (an HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The store could not be read, or does not hold what the published tree needs (an HTTP
    /// 500: the server's fault, to be logged).
    #[error("the log cannot be served: {0}")]
    Store(String),
}

impl From<StoreError> for LogServeError {
    fn from(error: StoreError) -> LogServeError {
        LogServeError::Store(error.to_string())
    }
}

impl From<ServeError> for LogServeError {
    fn from(error: ServeError) -> LogServeError {
        match error {
            ServeError::BadPath(error) => LogServeError::BadPath(error),
            ServeError::NotInTree(..) => LogServeError::NotFound(error.to_string()),
            other => LogServeError::Store(error_chain(&other)),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The bytes of a tile or entry bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileAnswer {
    /// Concatenated hashes, or an entry bundle.
    pub bytes: Vec<u8>,
    /// Whether the request named a full tile (256 hashes or entries), whose bytes never
    /// change; a partial one may be asked for wider as the log grows.
    pub full: bool,
}

/// Reads the city's log for the public API, on its own connection to the city's database
/// (SQLite's WAL lets it read while the city writes).
#[derive(Debug)]
pub struct LogReader {
    store: Store,
}

impl LogReader {
    /// The log of the node in `dir` (a city's; another node's store has an empty log, and
    /// every request then finds nothing).
    pub fn open(dir: &Path) -> Result<LogReader, NodeError> {
        Ok(LogReader::over(NodeDir::read(dir)?.open_store()?))
    }

    /// The log held in `store`.
    pub fn over(store: Store) -> LogReader {
        LogReader { store }
    }

    /// The latest signed checkpoint's note, `None` before the first is signed.
    pub fn checkpoint(&self) -> Result<Option<String>, LogServeError> {
        Ok(self
            .store
            .latest_log_checkpoint()?
            .map(|checkpoint| checkpoint.note))
    }

    /// The answer to `path` (relative to the API's prefix, such as `tile/0/x001/234.p/7` or
    /// `tile/entries/000`) in the tree of the latest checkpoint.
    pub fn tile(&self, path: &str) -> Result<TileAnswer, LogServeError> {
        let request = TileRequest::parse_path(path)?;
        let published = self.store.latest_log_checkpoint()?.ok_or_else(|| {
            LogServeError::NotFound("the log has no signed checkpoint yet".to_owned())
        })?;
        let tiles = self.store.log_tiles();
        let bytes = serve_tile_request(request, published.tree_size, &tiles, &tiles)?;
        let width = match request {
            TileRequest::Hashes { width, .. } | TileRequest::Entries { width, .. } => width,
        };
        Ok(TileAnswer {
            bytes,
            full: width == TileWidth::Full,
        })
    }
}
