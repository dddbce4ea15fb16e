//! The city's key ceremonies: create the root, certify wards, kiosks and officials, rotate and
//! revoke keys, revoke copies, and publish the signed trust and revocation lists.
//!
//! The lists live as Automerge documents in the city's database (so they will sync like copies)
//! and are exported after every change as the `trust.cbor` bundle that verifiers and the other
//! nodes read. A city directory holds:
//! `bansao.toml`, `root.key` + `root.cert` (the city root: keep offline outside ceremonies),
//! `node.key` + `node.cert` (the registrar), `log.key` + `log.cert` (the transparency log's
//! key: signs checkpoints only, `city_log.rs`), `bansao.sqlite`, `trust.cbor`.

use std::path::{Path, PathBuf};

use automerge::ActorId;
use bansao_copy::{CopyId, Decision, KioskId, OfficialId, Timestamp};
use bansao_store::{Store, StoreError};
use bansao_trust::certificate::CertifyError;
use bansao_trust::document::{ListDocument, ListDocumentError};
use bansao_trust::lists::ListDecodeError;
use bansao_trust::signed_list::ListKind;
use bansao_trust::{
    Certificate, CertificateBody, KeyId, Passphrase, Revocation, RevocationList, Role, SecretKey,
    TrustBundle, TrustBundleError, TrustContext, TrustList,
};

use crate::config::{CONFIG_FILE_NAME, Commune, ConfigError, NodeConfig, NodeRole};
use crate::decisions::{self, Decided, DecisionError, DecisionRequest};
use crate::entropy::{self, EntropyError};
use crate::files::{self, FileError};
use crate::node_dir::{NodeDir, NodeError};
use crate::ward::Ward;

/// A key ceremony or list change could not be done. The lists are published only once both
/// verify, so a failure leaves the published `trust.cbor` as it was.
#[derive(Debug, thiserror::Error)]
pub enum CityError {
    /// A node directory could not be opened.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A configuration written or read is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A key, certificate or trust file could not be used.
    #[error(transparent)]
    File(#[from] FileError),
    /// The city database could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A directory could not be created.
    #[error("cannot create {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The directory already holds a city.
    #[error("{0} already holds a city root key")]
    CityExists(PathBuf),
    /// The city has a log key already.
    #[error("{0} exists already: rotate the log key instead (bansao keys rotate)")]
    LogKeyExists(PathBuf),
    /// A certificate could not be made.
    #[error(transparent)]
    Certify(#[from] CertifyError),
    /// A list document could not be read or signed.
    #[error(transparent)]
    ListDocument(#[from] ListDocumentError),
    /// A list could not be decoded.
    #[error(transparent)]
    ListDecode(#[from] ListDecodeError),
    /// The city database lacks one of its list documents.
    #[error("the city database has no {0} document")]
    MissingList(&'static str),
    /// The lists just signed do not verify: nothing was published.
    #[error("the newly signed lists do not verify: {0}")]
    ListsDoNotVerify(TrustBundleError),
    /// The published trust file does not verify.
    #[error("the published trust file does not verify: {0}")]
    Trust(TrustBundleError),
    /// A certificate file certifies another key.
    #[error("{certificate} does not certify the key in {key}")]
    CertificateMismatch {
        /// The certificate file.
        certificate: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The key given to certify a successor is not the one that certified the old key.
    #[error("the key that certified {0} is not the one given to certify its successor")]
    WrongIssuer(String),
    /// The key is not on the trust list.
    #[error("key {0} is not on the trust list")]
    UnknownKey(KeyId),
    /// The root cannot be revoked by itself.
    #[error("the city root cannot revoke itself; create a new city root and re-certify")]
    RootRevokesItself,
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// A registration was refused.
    #[error(transparent)]
    Decision(Box<DecisionError>),
}

/// The city root's private key file, inside the city directory.
pub const ROOT_KEY_FILE: &str = "root.key";
/// The city root's certificate file.
pub const ROOT_CERTIFICATE_FILE: &str = "root.cert";
/// The transparency log's private key file, inside the city directory.
pub const LOG_KEY_FILE: &str = "log.key";
/// The transparency log key's certificate file.
pub const LOG_CERTIFICATE_FILE: &str = "log.cert";
const TRUST_LIST_DOCUMENT: &str = "trust-list";
const REVOCATION_LIST_DOCUMENT: &str = "revocation-list";

/// How long certificates are valid unless told otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Validity {
    /// The root's validity, in days.
    pub root_days: i64,
    /// Everyone else's, in days.
    pub node_days: i64,
}

impl Default for Validity {
    fn default() -> Validity {
        Validity {
            root_days: 20 * 365,
            node_days: 5 * 365,
        }
    }
}

/// An opened city directory.
#[derive(Debug)]
pub struct City {
    pub(crate) dir: PathBuf,
    pub(crate) config: NodeConfig,
    pub(crate) store: Store,
    pub(crate) actor: ActorId,
}

fn new_key() -> Result<SecretKey, CityError> {
    Ok(SecretKey::from_seed(entropy::random_bytes::<32>()?))
}

fn certify(
    issuer: &SecretKey,
    key: &SecretKey,
    role: Role,
    subject: &str,
    commune: Option<&str>,
    now: Timestamp,
    days: i64,
) -> Result<Certificate, CityError> {
    let body = CertificateBody {
        issuer: issuer.key_id(),
        role,
        subject: subject.to_owned(),
        commune: commune.map(str::to_owned),
        public_key: key.public_key(),
        not_before: now.unix(),
        not_after: now.unix() + days * 86_400,
    };
    Ok(body.sign(issuer)?)
}

fn create_dir(path: &Path) -> Result<(), CityError> {
    std::fs::create_dir_all(path).map_err(|source| CityError::CreateDir {
        path: path.to_owned(),
        source,
    })
}

fn write_config(dir: &Path, text: &str) -> Result<(), CityError> {
    let path = dir.join(CONFIG_FILE_NAME);
    if !path.exists() {
        files::write_atomic(&path, text.as_bytes(), 0o644)?;
    }
    Ok(())
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

impl City {
    /// Creates a city directory: the root and registrar keys, empty lists, `trust.cbor`.
    pub fn init(
        dir: &Path,
        name: &str,
        now: Timestamp,
        validity: Validity,
    ) -> Result<City, CityError> {
        if dir.join(ROOT_KEY_FILE).exists() {
            return Err(CityError::CityExists(dir.to_owned()));
        }
        create_dir(dir)?;
        write_config(
            dir,
            &format!(
                "# The city node. See config/city.toml in the source for every option.\nrole = \"city\"\nname = {}\n",
                toml_string(name)
            ),
        )?;
        let config = NodeDir::read(dir)?.config;

        let root_key = new_key()?;
        let root = certify(
            &root_key,
            &root_key,
            Role::CityRoot,
            name,
            None,
            now,
            validity.root_days,
        )?;
        let registrar_key = new_key()?;
        let registrar = certify(
            &root_key,
            &registrar_key,
            Role::Registrar,
            name,
            None,
            now,
            validity.node_days,
        )?;
        let log_key = new_key()?;
        let log = certify(
            &root_key,
            &log_key,
            Role::Log,
            name,
            None,
            now,
            validity.node_days,
        )?;
        files::write_new_secret_key(&dir.join(ROOT_KEY_FILE), &root_key)?;
        files::write_certificate(&dir.join(ROOT_CERTIFICATE_FILE), &root)?;
        files::write_new_secret_key(&config.paths.key, &registrar_key)?;
        files::write_certificate(&config.paths.certificate, &registrar)?;
        files::write_new_secret_key(&dir.join(LOG_KEY_FILE), &log_key)?;
        files::write_certificate(&dir.join(LOG_CERTIFICATE_FILE), &log)?;

        let store = Store::open(&config.paths.database)?;
        let mut city = City {
            dir: dir.to_owned(),
            config,
            store,
            actor: entropy::new_actor()?,
        };
        let trust_list = TrustList {
            version: 1,
            issued_at: now.unix(),
            root,
            certificates: [(registrar.key_id(), registrar), (log.key_id(), log)]
                .into_iter()
                .collect(),
            retired: Default::default(),
            revoked: Default::default(),
        };
        let revocations = RevocationList {
            version: 1,
            issued_at: now.unix(),
            ..RevocationList::default()
        };
        let trust_document =
            ListDocument::create(&trust_list.to_signed_list(), &root_key, city.actor.clone())?;
        let revocation_document = ListDocument::create(
            &revocations.to_signed_list(),
            &registrar_key,
            city.actor.clone(),
        )?;
        city.save_documents(trust_document, revocation_document, now)?;
        Ok(city)
    }

    /// Opens an existing city directory.
    pub fn open(dir: &Path) -> Result<City, CityError> {
        let config = NodeDir::read(dir)?.expect_role(NodeRole::City)?.config;
        let store = Store::open(&config.paths.database)?;
        Ok(City {
            dir: dir.to_owned(),
            config,
            store,
            actor: entropy::new_actor()?,
        })
    }

    /// The city's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The city's name, as its configuration gives it.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The city's database.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The registrar key.
    pub fn registrar_key(&self) -> Result<SecretKey, CityError> {
        Ok(files::read_secret_key(&self.config.paths.key)?)
    }

    fn root_key(&self) -> Result<SecretKey, CityError> {
        Ok(files::read_secret_key(&self.dir.join(ROOT_KEY_FILE))?)
    }

    fn load_document(&self, name: &'static str) -> Result<ListDocument, CityError> {
        let bytes = self
            .store
            .system_document(name)?
            .ok_or(CityError::MissingList(name))?;
        Ok(ListDocument::load(&bytes, self.actor.clone())?)
    }

    fn save_documents(
        &mut self,
        mut trust: ListDocument,
        mut revocations: ListDocument,
        now: Timestamp,
    ) -> Result<(), CityError> {
        self.store
            .put_system_document(TRUST_LIST_DOCUMENT, &trust.save(), now)?;
        self.store
            .put_system_document(REVOCATION_LIST_DOCUMENT, &revocations.save(), now)?;
        let bundle = TrustBundle {
            trust_list: trust.signed(ListKind::TrustList)?.1,
            revocations: revocations.signed(ListKind::RevocationList)?.1,
        }
        .to_cbor();
        // Refuse to publish anything that does not verify.
        TrustContext::from_bundle(&bundle).map_err(CityError::ListsDoNotVerify)?;
        files::write_atomic(&self.config.paths.trust, &bundle, 0o644)?;
        Ok(())
    }

    /// The current trust context (as published).
    pub fn trust(&self) -> Result<TrustContext, CityError> {
        TrustContext::from_bundle(&files::read(&self.config.paths.trust)?).map_err(CityError::Trust)
    }

    /// The published `trust.cbor` bytes.
    pub fn bundle(&self) -> Result<Vec<u8>, CityError> {
        Ok(files::read(&self.config.paths.trust)?)
    }

    /// Applies `edit` to the trust list and publishes a new edition signed by the root.
    fn edit_trust_list(
        &mut self,
        now: Timestamp,
        edit: impl FnOnce(&mut TrustList),
    ) -> Result<(), CityError> {
        self.edit_lists(now, Some(edit), None::<fn(&mut RevocationList)>, None)
    }

    /// Applies `edit` to the revocation list and publishes a new edition signed by the registrar.
    fn edit_revocations(
        &mut self,
        now: Timestamp,
        edit: impl FnOnce(&mut RevocationList),
    ) -> Result<(), CityError> {
        self.edit_lists(now, None::<fn(&mut TrustList)>, Some(edit), None)
    }

    /// Publishes new editions of the lists that have an edit, the trust list signed by the root
    /// and the revocation list by `revocation_signer` (the registrar when `None`), both saved
    /// and exported together once they verify.
    fn edit_lists(
        &mut self,
        now: Timestamp,
        trust_edit: Option<impl FnOnce(&mut TrustList)>,
        revocation_edit: Option<impl FnOnce(&mut RevocationList)>,
        revocation_signer: Option<&SecretKey>,
    ) -> Result<(), CityError> {
        let mut trust_document = self.load_document(TRUST_LIST_DOCUMENT)?;
        let mut revocation_document = self.load_document(REVOCATION_LIST_DOCUMENT)?;
        if let Some(edit) = trust_edit {
            let (signed, _) = trust_document.signed(ListKind::TrustList)?;
            let mut list = TrustList::from_signed_list(&signed)?;
            edit(&mut list);
            list.version += 1;
            list.issued_at = now.unix();
            trust_document.publish(&list.to_signed_list(), &self.root_key()?)?;
        }
        if let Some(edit) = revocation_edit {
            let (signed, _) = revocation_document.signed(ListKind::RevocationList)?;
            let mut list = RevocationList::from_signed_list(&signed)?;
            edit(&mut list);
            list.version += 1;
            list.issued_at = now.unix();
            let signer = match revocation_signer {
                Some(key) => key.clone(),
                None => self.registrar_key()?,
            };
            revocation_document.publish(&list.to_signed_list(), &signer)?;
        }
        self.save_documents(trust_document, revocation_document, now)
    }

    /// Certifies a transparency log key for a city made before cities had one (a root
    /// ceremony): `log.key` and `log.cert`, published in a new trust list edition.
    pub fn certify_log_key(
        &mut self,
        now: Timestamp,
        validity: Validity,
    ) -> Result<Certificate, CityError> {
        let key_path = self.dir.join(LOG_KEY_FILE);
        if key_path.exists() {
            return Err(CityError::LogKeyExists(key_path));
        }
        let key = new_key()?;
        let certificate = certify(
            &self.root_key()?,
            &key,
            Role::Log,
            &self.config.name,
            None,
            now,
            validity.node_days,
        )?;
        files::write_new_secret_key(&key_path, &key)?;
        files::write_certificate(&self.dir.join(LOG_CERTIFICATE_FILE), &certificate)?;
        let added = certificate.clone();
        self.edit_trust_list(now, |list| {
            list.certificates.insert(added.key_id(), added);
        })?;
        Ok(certificate)
    }

    /// Certifies a ward: creates its directory, key, certificate and configuration.
    pub fn certify_ward(
        &mut self,
        ward_dir: &Path,
        commune: &Commune,
        name: &str,
        now: Timestamp,
        validity: Validity,
    ) -> Result<Certificate, CityError> {
        create_dir(ward_dir)?;
        write_config(
            ward_dir,
            &format!(
                "# A ward node. See config/ward.toml in the source for every option.\nrole = \"ward\"\nname = {}\n\n[commune]\ncode = {}\nname = {}\n\n[sync]\n# The city node's address, e.g. [\"sync.sotuphap.example:7844\"]\nupstream = []\n",
                toml_string(name),
                toml_string(commune.code.as_str()),
                toml_string(&commune.name)
            ),
        )?;
        let config = NodeDir::read(ward_dir)?.config;
        let key = new_key()?;
        let certificate = certify(
            &self.root_key()?,
            &key,
            Role::Ward,
            &commune.name,
            Some(commune.code.as_str()),
            now,
            validity.node_days,
        )?;
        files::write_new_secret_key(&config.paths.key, &key)?;
        files::write_certificate(&config.paths.certificate, &certificate)?;
        let added = certificate.clone();
        self.edit_trust_list(now, |list| {
            list.certificates.insert(added.key_id(), added);
        })?;
        self.distribute(&[ward_dir])?;
        Ok(certificate)
    }

    /// Certifies a kiosk of a ward: creates its directory, key, certificate and configuration.
    pub fn certify_kiosk(
        &mut self,
        ward: &Ward,
        kiosk_dir: &Path,
        kiosk_id: &KioskId,
        name: &str,
        now: Timestamp,
        validity: Validity,
    ) -> Result<Certificate, CityError> {
        create_dir(kiosk_dir)?;
        write_config(
            kiosk_dir,
            &format!(
                "# A kiosk. See config/kiosk.toml in the source for every option.\nrole = \"kiosk\"\nname = {}\n\n[commune]\ncode = {}\nname = {}\n\n[kiosk]\nid = {}\n# The receipt printer: \"none\", \"file:PATH\" (a file or a device such as /dev/usb/lp0),\n# \"tcp:HOST:PORT\", \"usb:VID:PID\" or \"serial:PORT[@BAUD]\" (see config/kiosk.toml).\nprinter = \"none\"\n\n[sync]\n# The ward's address, e.g. [\"ward.tanlap.example:7844\"]\nupstream = []\n",
                toml_string(name),
                toml_string(ward.commune().code.as_str()),
                toml_string(&ward.commune().name),
                toml_string(kiosk_id.as_str())
            ),
        )?;
        let config = NodeDir::read(kiosk_dir)?.config;
        let key = new_key()?;
        let certificate = certify(
            ward.key(),
            &key,
            Role::Kiosk,
            kiosk_id.as_str(),
            Some(ward.commune().code.as_str()),
            now,
            validity.node_days,
        )?;
        files::write_new_secret_key(&config.paths.key, &key)?;
        files::write_certificate(&config.paths.certificate, &certificate)?;
        let added = certificate.clone();
        self.edit_trust_list(now, |list| {
            list.certificates.insert(added.key_id(), added);
        })?;
        self.distribute(&[ward.dir(), kiosk_dir])?;
        Ok(certificate)
    }

    /// Certifies an official of a ward; the key goes to `<ward>/officials/<id>.key`, locked
    /// under the official's passphrase.
    pub fn certify_official(
        &mut self,
        ward: &Ward,
        official_id: &OfficialId,
        full_name: &str,
        passphrase: &Passphrase,
        now: Timestamp,
        validity: Validity,
    ) -> Result<Certificate, CityError> {
        let (key_path, certificate_path) = ward.official_files(official_id);
        let key = new_key()?;
        let certificate = certify(
            ward.key(),
            &key,
            Role::Official,
            full_name,
            Some(ward.commune().code.as_str()),
            now,
            validity.node_days,
        )?;
        files::write_new_locked_key(&key_path, &key, passphrase, entropy::random_bytes::<32>()?)?;
        files::write_certificate(&certificate_path, &certificate)?;
        let added = certificate.clone();
        self.edit_trust_list(now, |list| {
            list.certificates.insert(added.key_id(), added);
        })?;
        self.distribute(&[ward.dir()])?;
        Ok(certificate)
    }

    /// Replaces the key in `key_path` with a new one certified for the same subject, role and
    /// commune by the same issuer; the old key is retired now (its earlier signatures stay valid).
    /// The issuer's key is read from `issuer_key_path` (the ward's key for kiosks and officials;
    /// the city root, when `None`, for wards and the registrar). An official's key is locked:
    /// `passphrase` opens the old one and locks the new one.
    pub fn rotate(
        &mut self,
        key_path: &Path,
        certificate_path: &Path,
        issuer_key_path: Option<&Path>,
        passphrase: Option<&Passphrase>,
        now: Timestamp,
        validity: Validity,
    ) -> Result<(KeyId, Certificate), CityError> {
        let old_key = match passphrase {
            Some(passphrase) => files::read_locked_key(key_path, passphrase)?,
            None => files::read_secret_key(key_path)?,
        };
        let old = files::read_certificate(certificate_path)?;
        if old.key_id() != old_key.key_id() {
            return Err(CityError::CertificateMismatch {
                certificate: certificate_path.to_owned(),
                key: key_path.to_owned(),
            });
        }
        let issuer = match issuer_key_path {
            Some(path) => files::read_secret_key(path)?,
            None => self.root_key()?,
        };
        if issuer.key_id() != old.body.issuer {
            return Err(CityError::WrongIssuer(old.body.subject.clone()));
        }
        let key = new_key()?;
        let salt_and_iv = entropy::random_bytes::<32>()?;
        let certificate = certify(
            &issuer,
            &key,
            old.body.role,
            &old.body.subject,
            old.body.commune.as_deref(),
            now,
            validity.node_days,
        )?;
        let added = certificate.clone();
        let old_id = old.key_id();
        self.edit_trust_list(now, |list| {
            list.certificates.insert(added.key_id(), added);
            // Times have whole seconds: signatures made in the second of the rotation (before
            // the old key was replaced) still count.
            list.retired.insert(old_id, now.unix() + 1);
        })?;
        match passphrase {
            Some(passphrase) => files::replace_locked_key(key_path, &key, passphrase, salt_and_iv)?,
            None => files::replace_secret_key(key_path, &key)?,
        }
        files::write_certificate(certificate_path, &certificate)?;
        Ok((old_id, certificate))
    }

    /// Revokes a key: every signature by it, or by keys it certified, stops counting.
    ///
    /// A key that signs revocation lists (the registrar) is revoked by the root, in the
    /// root-signed trust list, where the registrar cannot take the revocation back; when it is
    /// the city's own registrar key, a new registrar key is certified in the same edition and
    /// replaces `node.key`, and the revocation list is signed again with it.
    pub fn revoke_key(
        &mut self,
        key_id: KeyId,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), CityError> {
        let trust = self.trust()?;
        let certificate = trust
            .trust_list()
            .certificate(key_id)
            .ok_or(CityError::UnknownKey(key_id))?;
        if certificate.body.role == Role::CityRoot {
            return Err(CityError::RootRevokesItself);
        }
        let revocation = Revocation {
            revoked_at: now.unix(),
            reason: reason.to_owned(),
        };
        if certificate.body.role != Role::Registrar {
            return self.edit_revocations(now, |list| {
                list.keys.insert(key_id, revocation);
            });
        }
        let registrar = certificate.clone();
        let replacement = if self.registrar_key()?.key_id() == key_id {
            let key = new_key()?;
            let certificate = certify(
                &self.root_key()?,
                &key,
                Role::Registrar,
                &registrar.body.subject,
                None,
                now,
                (registrar.body.not_after - registrar.body.not_before) / 86_400,
            )?;
            Some((key, certificate))
        } else {
            None
        };
        let in_trust_list = revocation.clone();
        let added = replacement
            .as_ref()
            .map(|(_, certificate)| certificate.clone());
        self.edit_lists(
            now,
            Some(|list: &mut TrustList| {
                list.revoked.insert(key_id, in_trust_list);
                if let Some(added) = added {
                    list.certificates.insert(added.key_id(), added);
                }
            }),
            Some(|list: &mut RevocationList| {
                list.keys.insert(key_id, revocation);
            }),
            replacement.as_ref().map(|(key, _)| key),
        )?;
        if let Some((key, certificate)) = replacement {
            files::replace_secret_key(&self.config.paths.key, &key)?;
            files::write_certificate(&self.config.paths.certificate, &certificate)?;
        }
        Ok(())
    }

    /// Revokes one copy.
    pub fn revoke_copy(
        &mut self,
        copy_id: CopyId,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), CityError> {
        let revocation = Revocation {
            revoked_at: now.unix(),
            reason: reason.to_owned(),
        };
        self.edit_revocations(now, |list| {
            list.copies.insert(copy_id.to_string(), revocation);
        })
    }

    /// Registers a copy the ward counter-signed, with the registrar key.
    pub fn register(&mut self, copy_id: CopyId, now: Timestamp) -> Result<Decided, CityError> {
        let trust = self.trust()?;
        let key = self.registrar_key()?;
        self.register_with(&trust, &key, copy_id, now)
    }

    /// [`City::register`] for many copies (the automatic policy's round), with the trust and
    /// the registrar key read once and one store transaction for all of them
    /// ([`decisions::decide_many`]: the same rule on each copy); each copy's outcome in its
    /// place.
    pub fn register_many(
        &mut self,
        copy_ids: &[CopyId],
        now: Timestamp,
    ) -> Result<Vec<Result<Decided, DecisionError>>, CityError> {
        let trust = self.trust()?;
        let key = self.registrar_key()?;
        let requests: Vec<DecisionRequest> = copy_ids
            .iter()
            .map(|copy_id| DecisionRequest {
                copy_id: *copy_id,
                decision: Decision::Register,
                reason: None,
            })
            .collect();
        let actor = self.actor.clone();
        Ok(decisions::decide_many(
            &mut self.store,
            &trust,
            &key,
            actor,
            &requests,
            now,
        )?)
    }

    fn register_with(
        &mut self,
        trust: &TrustContext,
        key: &SecretKey,
        copy_id: CopyId,
        now: Timestamp,
    ) -> Result<Decided, CityError> {
        let request = DecisionRequest {
            copy_id,
            decision: Decision::Register,
            reason: None,
        };
        let actor = self.actor.clone();
        Ok(decisions::decide(
            &mut self.store,
            trust,
            key,
            actor,
            request,
            now,
        )?)
    }

    /// Certifies `key` for `role` by the root (a root ceremony) and publishes the certificate in
    /// a new trust list edition; the caller has written the key where it belongs first.
    pub(crate) fn certify_by_root(
        &mut self,
        key: &SecretKey,
        role: Role,
        subject: &str,
        now: Timestamp,
        days: i64,
    ) -> Result<Certificate, CityError> {
        let certificate = certify(&self.root_key()?, key, role, subject, None, now, days)?;
        Ok(certificate)
    }

    /// Publishes `certificate` in a new trust list edition signed by the root.
    pub(crate) fn publish_certificate(
        &mut self,
        certificate: &Certificate,
        now: Timestamp,
    ) -> Result<(), CityError> {
        let added = certificate.clone();
        self.edit_trust_list(now, |list| {
            list.certificates.insert(added.key_id(), added);
        })
    }

    /// Signs a new edition of the revocation list with the same entries, dated `now`, with the
    /// registrar key only (no root ceremony): the city's pages publish the lists this way.
    pub fn reissue_revocations(&mut self, now: Timestamp) -> Result<(), CityError> {
        self.edit_revocations(now, |_| {})
    }

    /// Signs new editions of both lists with the same entries, dated `now`: what a city does on
    /// a schedule, so that nodes and verifiers can tell how fresh their trust is.
    pub fn reissue_lists(&mut self, now: Timestamp) -> Result<(), CityError> {
        self.edit_lists(
            now,
            Some(|_: &mut TrustList| {}),
            Some(|_: &mut RevocationList| {}),
            None,
        )
    }

    /// Copies the published `trust.cbor` into other node directories (nodes that sync also get it
    /// from their peers).
    pub fn distribute(&self, node_dirs: &[&Path]) -> Result<(), CityError> {
        let bundle = self.bundle()?;
        for dir in node_dirs {
            let config = NodeDir::read(dir)?.config;
            files::write_atomic(&config.paths.trust, &bundle, 0o644)?;
        }
        Ok(())
    }
}

impl From<DecisionError> for CityError {
    fn from(error: DecisionError) -> CityError {
        CityError::Decision(Box::new(error))
    }
}
