//! The city's staff: who may sign in to the city's pages. A staff member holds a key of their
//! own, certified by the city root with the role `city-staff` (a root ceremony, at the command
//! line only: `bansao keys certify-staff`) and kept in `CITY/staff/<id>.key`, locked under their
//! passphrase as an official's key is (encrypted PKCS#8). Their key signs nothing the other nodes
//! read: it proves who acted, and the actions themselves are signed with the registrar key
//! ([`crate::city_desk`]).

use std::path::{Path, PathBuf};

use bansao_copy::{OfficialId, Timestamp};
use bansao_trust::{Certificate, Passphrase, Role, SecretKey};

use crate::city::{City, CityError, Validity};
use crate::entropy::{self, EntropyError};
use crate::files::{self, FileError};

/// The folder of a city directory holding its staff's keys.
pub const STAFF_DIR: &str = "staff";

/// A staff member could not be certified or signed in.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// The city could not be used.
    #[error(transparent)]
    City(#[from] CityError),
    /// The staff member's key or certificate file could not be used.
    #[error(transparent)]
    File(#[from] FileError),
    /// No staff member has that id.
    #[error("không có cán bộ {0} ở Sở (no city staff member {0}): their key is not in staff/")]
    UnknownStaff(OfficialId),
    /// The key does not count as city staff now.
    #[error(
        "cán bộ {staff} không được làm việc tại Sở lúc này (staff member {staff} may not act for the city now): {reason}"
    )]
    StaffMayNotAct {
        /// The staff member.
        staff: OfficialId,
        /// Why.
        reason: String,
    },
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

/// A member of the city's staff, signed in: their key unlocked for the session.
#[derive(Debug)]
pub struct Staff {
    /// Their id, e.g. `le-thi-hoa`.
    pub id: OfficialId,
    /// Their certificate.
    pub certificate: Certificate,
    #[allow(dead_code)] // Held to prove the passphrase opened it; nothing is signed with it yet.
    pub(crate) key: SecretKey,
}

impl Staff {
    /// Their name, as the certificate gives it.
    pub fn name(&self) -> &str {
        &self.certificate.body.subject
    }
}

/// The key and certificate files of staff member `id` in the city directory `dir`.
pub fn staff_files(dir: &Path, id: &OfficialId) -> (PathBuf, PathBuf) {
    let base = dir.join(STAFF_DIR);
    (
        base.join(format!("{id}.key")),
        base.join(format!("{id}.cert")),
    )
}

impl City {
    /// Certifies a staff member (a root ceremony): a new key locked under their passphrase in
    /// `staff/<id>.key`, its certificate (role `city-staff`, issued by the root) beside it and
    /// in a new trust list edition.
    pub fn certify_staff(
        &mut self,
        id: &OfficialId,
        full_name: &str,
        passphrase: &Passphrase,
        now: Timestamp,
        validity: Validity,
    ) -> Result<Certificate, StaffError> {
        let (key_path, certificate_path) = staff_files(self.dir(), id);
        if key_path.exists() {
            return Err(FileError::KeyExists { path: key_path }.into());
        }
        std::fs::create_dir_all(self.dir().join(STAFF_DIR)).map_err(|source| {
            CityError::CreateDir {
                path: self.dir().join(STAFF_DIR),
                source,
            }
        })?;
        let key = SecretKey::from_seed(entropy::random_bytes::<32>()?);
        let certificate =
            self.certify_by_root(&key, Role::CityStaff, full_name, now, validity.node_days)?;
        files::write_new_locked_key(&key_path, &key, passphrase, entropy::random_bytes::<32>()?)?;
        files::write_certificate(&certificate_path, &certificate)?;
        self.publish_certificate(&certificate, now)?;
        Ok(certificate)
    }

    /// Unlocks staff member `id`'s key with their passphrase: it must be certified as city
    /// staff on the published trust list, valid now and not revoked.
    pub fn staff(
        &self,
        id: &OfficialId,
        passphrase: &Passphrase,
        now: Timestamp,
    ) -> Result<Staff, StaffError> {
        let (key_path, certificate_path) = staff_files(self.dir(), id);
        if !key_path.exists() {
            return Err(StaffError::UnknownStaff(id.clone()));
        }
        let key = files::read_locked_key(&key_path, passphrase)?;
        let certificate = files::read_certificate(&certificate_path)?;
        let may_not_act = |reason: String| StaffError::StaffMayNotAct {
            staff: id.clone(),
            reason,
        };
        if certificate.key_id() != key.key_id() {
            return Err(may_not_act(format!(
                "{} does not certify the key in {}",
                certificate_path.display(),
                key_path.display()
            )));
        }
        self.trust()?
            .check_signer_with_role(key.key_id(), now.unix(), &[Role::CityStaff])
            .map_err(|error| may_not_act(error.to_string()))?;
        Ok(Staff {
            id: id.clone(),
            certificate,
            key,
        })
    }
}
