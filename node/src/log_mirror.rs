//! `bansao log audit --url`: a third party's audit of the city log over its public tlog-tiles
//! API, trusting nothing the server says that it cannot check:
//! 1. the checkpoint's signature, against the log keys of the trust list the auditor holds;
//! 2. every entry bundle of the tree it commits to: the right number of entries, each a
//!    [`LoggedEvent`]; the tree is recomputed from them in memory and its root must be the
//!    checkpoint's;
//! 3. every hash tile the server serves must be the tile the entries give;
//! 4. with a checkpoint saved by an earlier audit (a mirror that remembers), the log must not
//!    have shrunk and must still hold, at the saved size, the saved root: anything else is a
//!    fork, or a log rewritten.
//!
//! The fetching is a [`LogSource`] ([`HttpLogSource`]: HTTP/1.1 over hyper, one kept
//! connection, every body bounded and every request timed out), so the audit itself knows
//! no network. What disagrees is listed in [`MirrorAudit::problems`]; only a server that
//! cannot be reached at all is an error.

use std::time::Duration;

use bansao_copy::LoggedEvent;
use bansao_tlog::tile::{TILE_WIDTH, hashes_at_tile_level, tile_width_in_tree};
use bansao_tlog::{
    Hash, MemoryTileStore, TileId, TileRequest, TileStore, TileWidth, TreeHead, VerifiedCheckpoint,
    append_leaf_hashes, decode_entry_bundle, leaf_hash, tree_head,
};
use bansao_trust::TrustContext;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::city_log::{log_origin, log_verifiers};

/// The largest checkpoint a server may send (a note is a few hundred bytes).
pub const MAX_CHECKPOINT_BYTES: usize = 64 * 1024;
/// The largest tile or bundle a server may send: 256 entries of at most 65,535 bytes each,
/// with their length prefixes.
pub const MAX_TILE_BYTES: usize = 256 * (2 + 65_535);
/// The largest hash tile: 256 hashes.
pub const MAX_HASH_TILE_BYTES: usize = 256 * 32;
/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Problems about single entries or tiles listed at most (the rest are counted in a last line);
/// the others (the root, the saved checkpoint, a bundle that stops the audit) are always listed.
const MAX_ITEM_PROBLEMS: usize = 50;
/// Leaves hashed into the in-memory tree per append.
const LEAVES_PER_APPEND: usize = 1 << 16;

/// Why a resource could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server could not be reached (connection refused, no such host, a timeout).
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server answered with another status than 200.
    #[error("the server answered {0}")]
    Status(u16),
    /// The body was larger than such a resource may be.
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    /// The answer broke off or was not HTTP.
    #[error("the answer is broken: {0}")]
    Broken(String),
}

/// Where an audit reads the log from: `path` relative to the log's prefix (`checkpoint`,
/// `tile/0/000`, `tile/entries/x001/234.p/7`).
pub trait LogSource {
    /// The body of `path`, at most `limit` bytes.
    fn get(
        &mut self,
        path: &str,
        limit: usize,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, FetchError>>;
}

/// The audit could not be made at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The URL is not an `http://host[:port]/prefix` URL.
    #[error("{0:?} is not a log URL such as http://city.example:8480/log/ ({1})")]
    BadUrl(String, String),
    /// The server could not be reached.
    #[error("{url}: {error}")]
    Unreachable {
        /// The log's URL.
        url: String,
        /// Why.
        error: FetchError,
    },
    /// The saved checkpoint file is not a signed note of this log.
    #[error("the saved checkpoint is not a checkpoint of this log: {0}")]
    BadSavedCheckpoint(String),
}

/// What an audit found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorAudit {
    /// The checkpoint's head, once its signature was checked.
    pub checkpoint: Option<TreeHead>,
    /// The checkpoint's note as served (to save for the next audit).
    pub note: Option<String>,
    /// The saved checkpoint's head, when one was given.
    pub since: Option<TreeHead>,
    /// The tree recomputed from the entries, when every bundle was had.
    pub recomputed: Option<TreeHead>,
    /// Entries read.
    pub entries: u64,
    /// Hash tiles compared.
    pub tiles_checked: u64,
    /// Everything that disagrees, in words.
    pub problems: Vec<String>,
    /// Problems about single entries or tiles past the first [`MAX_ITEM_PROBLEMS`], counted
    /// and not listed.
    pub unlisted: u64,
    listed_items: usize,
}

impl MirrorAudit {
    /// Whether everything agrees.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    /// A problem about one entry or tile: listed up to [`MAX_ITEM_PROBLEMS`], then counted.
    fn item_problem(&mut self, text: String) {
        if self.listed_items < MAX_ITEM_PROBLEMS {
            self.listed_items += 1;
            self.problems.push(text);
        } else {
            self.unlisted += 1;
        }
    }
}

/// Audits the log `source` serves under the log keys of `trust`; `saved` is the note of a
/// checkpoint an earlier audit saved. `url` names the source in errors.
pub async fn audit_log_mirror<S: LogSource>(
    source: &mut S,
    url: &str,
    trust: &TrustContext,
    saved: Option<&str>,
) -> Result<MirrorAudit, MirrorError> {
    let mut audit = MirrorAudit::default();
    let origin = log_origin(trust);
    let verifiers: Vec<_> = log_verifiers(trust)
        .into_iter()
        .map(|(verifier, _)| verifier)
        .collect();
    let saved = saved
        .map(|note| {
            VerifiedCheckpoint::open(note.as_bytes(), &origin, &verifiers)
                .map(|verified| *verified.head())
                .map_err(|error| MirrorError::BadSavedCheckpoint(error.to_string()))
        })
        .transpose()?;
    audit.since = saved;
    let unreachable = |error: FetchError| MirrorError::Unreachable {
        url: url.to_owned(),
        error,
    };

    let note = match source.get("checkpoint", MAX_CHECKPOINT_BYTES).await {
        Ok(note) => note,
        Err(error @ FetchError::Unreachable(_)) => return Err(unreachable(error)),
        Err(error) => {
            audit.problem(format!("checkpoint: {error}"));
            return Ok(audit);
        }
    };
    let head = match VerifiedCheckpoint::open(&note, &origin, &verifiers) {
        Ok(verified) => *verified.head(),
        Err(error) => {
            audit.problem(format!(
                "the checkpoint does not verify with the trust list's log keys: {error}"
            ));
            return Ok(audit);
        }
    };
    audit.checkpoint = Some(head);
    audit.note = Some(String::from_utf8_lossy(&note).into_owned());

    let Some(memory) = read_entries(source, head.size, &mut audit)
        .await
        .map_err(unreachable)?
    else {
        return Ok(audit);
    };
    match tree_head(&memory, head.size) {
        Ok(recomputed) => {
            audit.recomputed = Some(recomputed);
            if recomputed != head {
                audit.problem(format!(
                    "the checkpoint of {} leaves states root {}; the entries give {}",
                    head.size, head.root, recomputed.root
                ));
            }
        }
        Err(error) => audit.problem(format!("the entries give no tree: {error}")),
    }
    check_tiles(source, &memory, head.size, &mut audit)
        .await
        .map_err(unreachable)?;
    if let Some(saved) = saved {
        check_saved(&memory, head.size, saved, &mut audit);
    }
    if audit.unlisted > 0 {
        let unlisted = audit.unlisted;
        audit.problem(format!(
            "and {unlisted} more entries or tiles that disagree, not listed"
        ));
    }
    Ok(audit)
}

/// Reads every entry bundle of a tree of `size` and recomputes its tiles; `None` when a bundle
/// could not be had or holds the wrong number of entries (the problem is recorded).
async fn read_entries<S: LogSource>(
    source: &mut S,
    size: u64,
    audit: &mut MirrorAudit,
) -> Result<Option<MemoryTileStore>, FetchError> {
    let mut memory = MemoryTileStore::new();
    let mut appended = 0u64;
    let mut pending: Vec<Hash> = Vec::new();
    for index in 0..size.div_ceil(TILE_WIDTH) {
        let width = tile_width_in_tree(TileId { level: 0, index }, size);
        let Some(width) = TileWidth::of_count(width) else {
            break;
        };
        let request = TileRequest::Entries { index, width };
        let path = request.path();
        let bundle = match source.get(&path, MAX_TILE_BYTES).await {
            Ok(bundle) => bundle,
            Err(error @ FetchError::Unreachable(_)) => return Err(error),
            Err(error) => {
                audit.problem(format!("{path}: {error}"));
                return Ok(None);
            }
        };
        let entries = match decode_entry_bundle(&bundle) {
            Ok(entries) => entries,
            Err(error) => {
                audit.problem(format!("{path} is not an entry bundle: {error}"));
                return Ok(None);
            }
        };
        if entries.len() as u64 != width.count() {
            audit.problem(format!(
                "{path} holds {} entries; the checkpoint's tree needs {}",
                entries.len(),
                width.count()
            ));
            return Ok(None);
        }
        for (offset, entry) in (0u64..).zip(&entries) {
            if let Err(error) = LoggedEvent::from_cbor(entry) {
                audit.item_problem(format!(
                    "entry {} is not an event: {error}",
                    index * TILE_WIDTH + offset
                ));
            }
            pending.push(leaf_hash(entry));
        }
        audit.entries += entries.len() as u64;
        if pending.len() >= LEAVES_PER_APPEND {
            appended = append_pending(&mut memory, appended, &mut pending, audit)?;
        }
    }
    append_pending(&mut memory, appended, &mut pending, audit)?;
    Ok(Some(memory))
}

fn append_pending(
    memory: &mut MemoryTileStore,
    size: u64,
    pending: &mut Vec<Hash>,
    audit: &mut MirrorAudit,
) -> Result<u64, FetchError> {
    if pending.is_empty() {
        return Ok(size);
    }
    match append_leaf_hashes(&*memory, size, std::mem::take(pending)) {
        Ok(appended) => {
            memory.apply(appended.updates);
            Ok(appended.head.size)
        }
        Err(error) => {
            audit.problem(format!("the entries cannot be hashed into a tree: {error}"));
            Ok(size)
        }
    }
}

/// Fetches every hash tile of a tree of `size` and compares it with the one the entries give.
async fn check_tiles<S: LogSource>(
    source: &mut S,
    memory: &MemoryTileStore,
    size: u64,
    audit: &mut MirrorAudit,
) -> Result<(), FetchError> {
    let mut level: u8 = 0;
    while hashes_at_tile_level(size, level) > 0 {
        let hashes = hashes_at_tile_level(size, level);
        for index in 0..hashes.div_ceil(TILE_WIDTH) {
            let tile = TileId { level, index };
            let Some(width) = TileWidth::of_count(tile_width_in_tree(tile, size)) else {
                continue;
            };
            let path = TileRequest::Hashes { tile, width }.path();
            let served = match source.get(&path, MAX_HASH_TILE_BYTES).await {
                Ok(served) => served,
                Err(error @ FetchError::Unreachable(_)) => return Err(error),
                Err(error) => {
                    audit.item_problem(format!("{path}: {error}"));
                    continue;
                }
            };
            audit.tiles_checked += 1;
            let expected: Vec<u8> = match memory.read_tile(tile) {
                Ok(Some(hashes)) => hashes
                    .iter()
                    .take(usize::try_from(width.count()).unwrap_or(usize::MAX))
                    .flat_map(|hash| hash.0)
                    .collect(),
                Ok(None) | Err(_) => Vec::new(),
            };
            if served != expected {
                audit.item_problem(format!(
                    "{path} differs from the tile the entries give ({} bytes served, {} expected)",
                    served.len(),
                    expected.len()
                ));
            }
        }
        level += 1;
    }
    Ok(())
}

/// The log of `size` leaves must extend the saved checkpoint's tree.
fn check_saved(memory: &MemoryTileStore, size: u64, saved: TreeHead, audit: &mut MirrorAudit) {
    if saved.size > size {
        audit.problem(format!(
            "the log went back: the saved checkpoint states {} leaves, the server's {size}",
            saved.size
        ));
        return;
    }
    match tree_head(memory, saved.size) {
        Ok(then) if then.root == saved.root => {}
        Ok(then) => audit.problem(format!(
            "a fork: the saved checkpoint of {} leaves states root {}; the log served now gives {} at that size",
            saved.size, saved.root, then.root
        )),
        Err(error) => audit.problem(format!(
            "the saved checkpoint's size cannot be read from the tree: {error}"
        )),
    }
}

/// The log at an `http://` URL: one HTTP/1.1 connection kept between requests (made again
/// when the server closes it).
#[derive(Debug)]
pub struct HttpLogSource {
    authority: String,
    prefix: String,
    connection: Option<SendRequest<Empty<Bytes>>>,
}

impl HttpLogSource {
    /// The log whose API starts at `url` (`http://host[:port]/prefix/`; `https` is not
    /// spoken: put the mirror on the city's network or behind a TLS proxy).
    pub fn new(url: &str) -> Result<HttpLogSource, MirrorError> {
        let bad = |why: &str| MirrorError::BadUrl(url.to_owned(), why.to_owned());
        let uri: hyper::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => return Err(bad("https is not spoken; use http")),
            _ => return Err(bad("it must start with http://")),
        }
        let authority = uri
            .authority()
            .ok_or_else(|| bad("it names no host"))?
            .to_string();
        if uri.query().is_some() {
            return Err(bad("it has a query"));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(HttpLogSource {
            authority,
            prefix,
            connection: None,
        })
    }

    async fn connect(&self) -> Result<SendRequest<Empty<Bytes>>, FetchError> {
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|error| FetchError::Unreachable(error.to_string()))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| FetchError::Unreachable(error.to_string()))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!("the log connection ended: {error}");
            }
        });
        Ok(sender)
    }

    async fn get_once(&mut self, path: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
        let mut sender = match self.connection.take() {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.connect().await?,
        };
        sender
            .ready()
            .await
            .map_err(|error| FetchError::Unreachable(error.to_string()))?;
        let request = hyper::Request::get(format!("{}/{path}", self.prefix))
            .header(hyper::header::HOST, &self.authority)
            .header(hyper::header::USER_AGENT, "bansao-log-audit")
            .body(Empty::new())
            .map_err(|error| FetchError::Broken(error.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| FetchError::Unreachable(error.to_string()))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    FetchError::TooLarge(limit)
                } else {
                    FetchError::Broken(error.to_string())
                }
            })?
            .to_bytes();
        self.connection = Some(sender);
        if status != hyper::StatusCode::OK {
            return Err(FetchError::Status(status.as_u16()));
        }
        Ok(body.to_vec())
    }
}

impl LogSource for HttpLogSource {
    async fn get(&mut self, path: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
        // A kept connection the server closed meanwhile fails at once: try a new one once.
        let mut last = FetchError::Unreachable("no attempt".to_owned());
        for _ in 0..2 {
            match tokio::time::timeout(REQUEST_TIMEOUT, self.get_once(path, limit)).await {
                Ok(Ok(body)) => return Ok(body),
                Ok(Err(error @ FetchError::Unreachable(_))) => {
                    self.connection = None;
                    last = error;
                }
                Ok(Err(error)) => return Err(error),
                Err(_) => {
                    self.connection = None;
                    last = FetchError::Unreachable(format!(
                        "no answer to {path} within {} s",
                        REQUEST_TIMEOUT.as_secs()
                    ));
                }
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bansao_tlog::{append, encode_entry_bundle};

    use super::*;

    /// A log's files in memory, as a server would serve them.
    struct MemorySource(HashMap<String, Vec<u8>>);

    impl LogSource for MemorySource {
        async fn get(&mut self, path: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
            match self.0.get(path) {
                Some(bytes) if bytes.len() > limit => Err(FetchError::TooLarge(limit)),
                Some(bytes) => Ok(bytes.clone()),
                None => Err(FetchError::Status(404)),
            }
        }
    }

    fn files_of(entries: &[Vec<u8>]) -> HashMap<String, Vec<u8>> {
        let size = entries.len() as u64;
        let mut memory = MemoryTileStore::new();
        memory.apply(append(&memory, 0, entries).unwrap().updates);
        let mut files = HashMap::new();
        for index in 0..size.div_ceil(TILE_WIDTH) {
            let width =
                TileWidth::of_count(tile_width_in_tree(TileId { level: 0, index }, size)).unwrap();
            let first = usize::try_from(index * TILE_WIDTH).unwrap();
            let count = usize::try_from(width.count()).unwrap();
            files.insert(
                TileRequest::Entries { index, width }.path(),
                encode_entry_bundle(&entries[first..first + count]).unwrap(),
            );
        }
        let mut level = 0;
        while hashes_at_tile_level(size, level) > 0 {
            for index in 0..hashes_at_tile_level(size, level).div_ceil(TILE_WIDTH) {
                let tile = TileId { level, index };
                let width = TileWidth::of_count(tile_width_in_tree(tile, size)).unwrap();
                let hashes = memory.read_tile(tile).unwrap().unwrap();
                let count = usize::try_from(width.count()).unwrap();
                files.insert(
                    TileRequest::Hashes { tile, width }.path(),
                    hashes[..count].iter().flat_map(|hash| hash.0).collect(),
                );
            }
            level += 1;
        }
        files
    }

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_log_of_70000_entries_is_recomputed_over_three_tile_levels_and_a_short_bundle_is_not_hidden_by_bad_entries()
     {
        // More than one in-memory append (65,536 leaves) and the spec's 70,000-leaf example:
        // 274 level-0 tiles, 2 level-1 tiles, 1 level-2 tile.
        let entries: Vec<Vec<u8>> = (0u32..70_000).map(|n| n.to_be_bytes().to_vec()).collect();
        let head = append(&MemoryTileStore::new(), 0, &entries).unwrap().head;
        let mut source = MemorySource(files_of(&entries));
        let mut audit = MirrorAudit::default();
        let memory = run(read_entries(&mut source, 70_000, &mut audit))
            .unwrap()
            .unwrap();
        assert_eq!(audit.entries, 70_000);
        assert_eq!(tree_head(&memory, 70_000).unwrap(), head);
        run(check_tiles(&mut source, &memory, 70_000, &mut audit)).unwrap();
        assert_eq!(audit.tiles_checked, 274 + 2 + 1);
        // The entries are not events (each is a problem, listed up to the cap); no tile differs.
        assert_eq!(audit.problems.len(), MAX_ITEM_PROBLEMS);
        assert_eq!(audit.unlisted, 70_000 - MAX_ITEM_PROBLEMS as u64);
        assert!(
            audit
                .problems
                .iter()
                .all(|problem| !problem.contains("differs"))
        );

        // One hash changed in the level-2 tile is found.
        source.0.get_mut("tile/2/000.p/1").unwrap()[0] ^= 1;
        let mut audit = MirrorAudit::default();
        run(check_tiles(&mut source, &memory, 70_000, &mut audit)).unwrap();
        assert_eq!(
            audit.problems,
            [
                "tile/2/000.p/1 differs from the tile the entries give (32 bytes served, 32 expected)"
            ]
        );
        // A bundle with one entry too few stops the recomputation.
        let bundle = source.0.get_mut("tile/entries/273.p/112").unwrap();
        let last = bundle.len() - 6;
        bundle.truncate(last);
        let mut audit = MirrorAudit::default();
        assert!(
            run(read_entries(&mut source, 70_000, &mut audit))
                .unwrap()
                .is_none()
        );
        assert!(
            audit.problems.last().unwrap().contains(
                "tile/entries/273.p/112 holds 111 entries; the checkpoint's tree needs 112"
            ),
            "{:?}",
            audit.problems.last()
        );
    }
}
