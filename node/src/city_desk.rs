//! What city staff do on the city's pages, each action recorded in the audit trail
//! (`bansao-store`'s `audit_events`) with who did it, when, why and whether it was done:
//! signing in, revoking a key or a copy, publishing the lists. The revocations are the same
//! [`City::revoke_key`] and [`City::revoke_copy`] `bansao keys revoke|revoke-copy` call, signed
//! with the registrar key; a key only the root may revoke (the root itself, the registrar) is
//! refused here: root ceremonies stay at the command line, where the root key is brought out.

use bansao_copy::{CopyId, Timestamp};
use bansao_store::AuditEvent;
use bansao_trust::{KeyId, Role, TrustContext};

use crate::city::{City, CityError};
use crate::city_staff::Staff;

/// The longest reason a revocation may carry (it is published in every trust bundle).
pub const MAX_REASON_CHARS: usize = 500;

/// A staff member's action was refused or failed; it is recorded as such.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The city could not do it.
    #[error(transparent)]
    City(#[from] CityError),
    /// A revocation needs a reason people can read.
    #[error("hãy ghi lý do thu hồi (say why it is revoked)")]
    ReasonRequired,
    /// The reason is too long.
    #[error(
        "lý do dài quá {MAX_REASON_CHARS} ký tự (the reason is longer than {MAX_REASON_CHARS} characters)"
    )]
    ReasonTooLong,
    /// The key is not on the trust list.
    #[error("khóa {0} không có trong danh sách tin cậy (key {0} is not on the trust list)")]
    UnknownKey(KeyId),
    /// Revoking this key is a root ceremony.
    #[error(
        "thu hồi khóa {role} {key} cần khóa gốc: làm tại dòng lệnh, `bansao keys revoke` (revoking the {role} key {key} is a root ceremony: use the command line)"
    )]
    NeedsRoot {
        /// The key.
        key: KeyId,
        /// Its role.
        role: Role,
    },
    /// The key is revoked already.
    #[error("khóa {0} đã bị thu hồi (key {0} is revoked already)")]
    KeyAlreadyRevoked(KeyId),
    /// The copy is revoked already.
    #[error("bản sao {0} đã bị thu hồi (copy {0} is revoked already)")]
    CopyAlreadyRevoked(CopyId),
    /// The audit trail could not be written.
    #[error(transparent)]
    Store(#[from] bansao_store::StoreError),
}

/// Audit action names.
pub mod action {
    /// A staff member signed in.
    pub const SIGN_IN: &str = "sign-in";
    /// A key was revoked.
    pub const REVOKE_KEY: &str = "revoke-key";
    /// A copy was revoked.
    pub const REVOKE_COPY: &str = "revoke-copy";
    /// The lists were published again.
    pub const PUBLISH: &str = "publish-lists";
}

fn check_reason(reason: &str) -> Result<&str, DeskError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DeskError::ReasonRequired);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(DeskError::ReasonTooLong);
    }
    Ok(reason)
}

impl City {
    fn audit<T>(
        &mut self,
        staff: &Staff,
        action: &str,
        subject: String,
        reason: &str,
        now: Timestamp,
        result: Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let outcome = match &result {
            Ok(_) => "done".to_owned(),
            Err(error) => format!("refused: {error}"),
        };
        let event = AuditEvent {
            id: 0,
            at: String::new(),
            actor: staff.id.to_string(),
            actor_key: staff.certificate.key_id().to_hex(),
            action: action.to_owned(),
            subject,
            reason: reason.chars().take(MAX_REASON_CHARS).collect(),
            outcome,
        };
        self.store.record_audit(&event, now)?;
        result
    }

    /// Records that `staff` signed in.
    pub fn record_sign_in(&mut self, staff: &Staff, now: Timestamp) -> Result<(), DeskError> {
        self.audit(staff, action::SIGN_IN, String::new(), "", now, Ok(()))
    }

    /// Revokes key `key_id` on behalf of `staff` (registrar-signed), audited.
    pub fn revoke_key_by(
        &mut self,
        staff: &Staff,
        key_id: KeyId,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), DeskError> {
        let result = (|| {
            let reason = check_reason(reason)?;
            let trust = self.trust()?;
            let certificate = trust
                .trust_list()
                .certificate(key_id)
                .or_else(|| {
                    let root = &trust.trust_list().root;
                    (root.key_id() == key_id).then_some(root)
                })
                .ok_or(DeskError::UnknownKey(key_id))?;
            let role = certificate.body.role;
            if matches!(role, Role::CityRoot | Role::Registrar) {
                return Err(DeskError::NeedsRoot { key: key_id, role });
            }
            if trust.key_revocation(key_id).is_some() {
                return Err(DeskError::KeyAlreadyRevoked(key_id));
            }
            Ok(self.revoke_key(key_id, reason, now)?)
        })();
        self.audit(
            staff,
            action::REVOKE_KEY,
            key_id.to_hex(),
            reason,
            now,
            result,
        )
    }

    /// Revokes copy `copy_id` on behalf of `staff` (registrar-signed), audited.
    pub fn revoke_copy_by(
        &mut self,
        staff: &Staff,
        copy_id: CopyId,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), DeskError> {
        let result = (|| {
            let reason = check_reason(reason)?;
            if self
                .trust()?
                .copy_revocation(&copy_id.to_string())
                .is_some()
            {
                return Err(DeskError::CopyAlreadyRevoked(copy_id));
            }
            Ok(self.revoke_copy(copy_id, reason, now)?)
        })();
        self.audit(
            staff,
            action::REVOKE_COPY,
            copy_id.to_string(),
            reason,
            now,
            result,
        )
    }

    /// Publishes the lists again on behalf of `staff`: a new revocation list edition dated now,
    /// signed by the registrar, written to `trust.cbor`, from where sync carries it to every
    /// ward and kiosk (the trust list itself is the root's, re-signed at the command line).
    pub fn publish_by(&mut self, staff: &Staff, now: Timestamp) -> Result<(), DeskError> {
        let result = self.reissue_revocations(now).map_err(DeskError::from);
        self.audit(staff, action::PUBLISH, String::new(), "", now, result)
    }

    /// The newest `limit` audited actions, newest first.
    pub fn audit_trail(&self, limit: usize) -> Result<Vec<AuditEvent>, DeskError> {
        Ok(self.store.audit_events(limit)?)
    }

    /// The published trust (for the keys page).
    pub fn published_trust(&self) -> Result<TrustContext, DeskError> {
        Ok(self.trust()?)
    }
}
