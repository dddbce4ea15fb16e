//! A node directory, opened in one place: its `bansao.toml` ([`NodeDir::read`]), then its key,
//! certificate, trust file and database ([`NodeDir::open`] gives a [`Node`]). Every role and
//! every command opens a node this way, so the checks (the certificate is the key's, the trust
//! file is no older than the trust the node has used, the database is migrated) are made once.

use std::path::{Path, PathBuf};

use automerge::ActorId;
use bansao_store::{Store, StoreError};
use bansao_trust::{Certificate, SecretKey, TrustBundleError, TrustContext};

use crate::config::{CONFIG_FILE_NAME, ConfigError, NodeConfig, NodeRole};
use crate::entropy::{self, EntropyError};
use crate::files::{self, FileError};
use crate::trust_floor::{self, TrustFloorError};

/// A node directory could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// `bansao.toml` is missing or not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The key or certificate file could not be used.
    #[error(transparent)]
    File(#[from] FileError),
    /// The certificate file certifies another key.
    #[error("{path} does not certify this node's key ({key_id})")]
    CertificateMismatch {
        /// The certificate file.
        path: PathBuf,
        /// The node key's id.
        key_id: bansao_trust::KeyId,
    },
    /// The trust file is not a valid bundle.
    #[error("the trust file {path} is not usable: {source}")]
    Trust {
        /// The file.
        path: PathBuf,
        /// Why.
        source: TrustBundleError,
    },
    /// The trust file is older than the trust this node has used.
    #[error(transparent)]
    TrustFloor(#[from] TrustFloorError),
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The directory is another role's.
    #[error("{dir} is a {found} directory, not a {wanted}")]
    WrongRole {
        /// The directory.
        dir: PathBuf,
        /// Its role.
        found: &'static str,
        /// The role the command needs.
        wanted: &'static str,
    },
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

/// A node directory whose configuration has been read and validated.
#[derive(Debug, Clone)]
pub struct NodeDir {
    /// The directory.
    pub path: PathBuf,
    /// Its configuration.
    pub config: NodeConfig,
}

/// An opened node: configuration, key, certificate, trust and database, checked together.
#[derive(Debug)]
pub struct Node {
    /// Its directory and configuration.
    pub dir: NodeDir,
    /// The node's key.
    pub key: SecretKey,
    /// The node's certificate (of [`Node::key`]).
    pub certificate: Certificate,
    /// The trust it verifies with (its `trust.cbor`, no older than it has used).
    pub trust: TrustContext,
    /// The bytes of its trust file, as verified into [`Node::trust`].
    pub trust_bundle: Vec<u8>,
    /// Its database.
    pub store: Store,
    /// This process's Automerge actor for the documents it changes.
    pub actor: ActorId,
}

impl NodeDir {
    /// Reads and validates the configuration in `dir`.
    pub fn read(dir: &Path) -> Result<NodeDir, NodeError> {
        Ok(NodeDir {
            path: dir.to_owned(),
            config: NodeConfig::load(&dir.join(CONFIG_FILE_NAME))?,
        })
    }

    /// Reads the configuration and opens the node: key, certificate, trust, database.
    pub fn open(dir: &Path) -> Result<Node, NodeError> {
        NodeDir::read(dir)?.into_node()
    }

    /// Opens the node of a configuration known to be `role`'s; another role's directory is
    /// refused before any file is opened.
    pub fn open_as(dir: &Path, role: NodeRole) -> Result<Node, NodeError> {
        NodeDir::read(dir)?.expect_role(role)?.into_node()
    }

    /// This directory if it is `role`'s.
    pub fn expect_role(self, role: NodeRole) -> Result<NodeDir, NodeError> {
        if self.config.role() == role {
            Ok(self)
        } else {
            Err(NodeError::WrongRole {
                dir: self.path,
                found: self.config.role().as_str(),
                wanted: role.as_str(),
            })
        }
    }

    /// The node's database, opened (and migrated) on its own.
    pub fn open_store(&self) -> Result<Store, NodeError> {
        Ok(Store::open(&self.config.paths.database)?)
    }

    /// Opens the rest of the node.
    pub fn into_node(self) -> Result<Node, NodeError> {
        let paths = &self.config.paths;
        let key = files::read_secret_key(&paths.key)?;
        let certificate = files::read_certificate(&paths.certificate)?;
        if certificate.key_id() != key.key_id() {
            return Err(NodeError::CertificateMismatch {
                path: paths.certificate.clone(),
                key_id: key.key_id(),
            });
        }
        let trust_bundle = files::read(&paths.trust)?;
        let trust =
            TrustContext::from_bundle(&trust_bundle).map_err(|source| NodeError::Trust {
                path: paths.trust.clone(),
                source,
            })?;
        let mut store = Store::open(&paths.database)?;
        trust_floor::check_and_record(&mut store, &paths.trust, &trust, entropy::now())?;
        Ok(Node {
            key,
            certificate,
            trust,
            trust_bundle,
            store,
            actor: entropy::new_actor()?,
            dir: self,
        })
    }
}

impl Node {
    /// Its configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.dir.config
    }

    /// The error for a node opened where `wanted`'s was needed.
    pub fn wrong_role(&self, wanted: NodeRole) -> NodeError {
        NodeError::WrongRole {
            dir: self.dir.path.clone(),
            found: self.config().role().as_str(),
            wanted: wanted.as_str(),
        }
    }
}
