//! One running service per node directory: `bansao run` (and `bansao demo --serve`, for each of
//! its nodes) holds an exclusive lock on `DIR/run.lock` while it runs, so a second start on the
//! same directory fails at once with a clear message instead of running two sync services and two
//! sites over one store.
//!
//! The lock is the operating system's advisory file lock (`flock` on Linux): it goes with the
//! process, so a service killed with SIGKILL or a power cut leaves no stale lock behind, and the
//! file itself is never removed (removing it would let two processes lock two different files).
//! Commands that only read or write the store (`bansao kiosk issue`, `bansao ward queue`, …) do
//! not take it: SQLite keeps their writes and the service's apart.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside a node directory.
pub const LOCK_FILE_NAME: &str = "run.lock";

/// The node's service could not be locked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeLockError {
    /// Another process runs this node now.
    #[error(
        "nút {dir} đang chạy ở một tiến trình khác (the node {dir} is already running in another process: stop it first; {lock} is locked)"
    )]
    AlreadyRunning {
        /// The node directory.
        dir: PathBuf,
        /// Its lock file.
        lock: PathBuf,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The lock of a running node; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct NodeLock {
    _file: File,
    path: PathBuf,
}

impl NodeLock {
    /// Locks the node directory `dir` for this process, or says that another process has it.
    pub fn acquire(dir: &Path) -> Result<NodeLock, NodeLockError> {
        let path = dir.join(LOCK_FILE_NAME);
        let io = |source| NodeLockError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(NodeLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(NodeLockError::AlreadyRunning {
                dir: dir.to_owned(),
                lock: path,
            }),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_second_lock_on_a_running_node_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = NodeLock::acquire(dir.path()).unwrap();
        let error = NodeLock::acquire(dir.path()).unwrap_err();
        assert!(
            matches!(error, NodeLockError::AlreadyRunning { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("already running"), "{error}");
        drop(first);
        let again = NodeLock::acquire(dir.path()).unwrap();
        assert!(again.path().ends_with(LOCK_FILE_NAME));
        let missing = NodeLock::acquire(&dir.path().join("nowhere")).unwrap_err();
        assert!(matches!(missing, NodeLockError::Io { .. }), "{missing}");
    }
}
