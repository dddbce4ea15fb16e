//! Checking, offline, the city log inclusion a registered copy carries ([`LogInclusion`]): the
//! leaf is the copy's registration (same copy, same content, a registrar's signature the copy
//! holds and that verifies), the checkpoint is a signed note of the city's log by a key the
//! trust list certifies as its log key (counting when the city logged the leaf), and the audit
//! path leads from the leaf to the checkpoint's root (`bansao_tlog::verify_inclusion`).
//! Anything else is [`LogCheck::Refused`] with the reason: reported, never accepted.

use bansao_copy::{
    CopyContent, Decision, LogInclusion, LoggedEvent, SignatureRecord, content::ContentHash,
};
use bansao_tlog::{Hash, InclusionProof, VerifiedCheckpoint, verify_inclusion};
use bansao_trust::{Role, TrustContext};
use serde_json::json;

use crate::city_log::{log_origin, log_verifiers};

/// What the inclusion a copy carries shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCheck {
    /// The registration is leaf `leaf_index` of the city log of `tree_size` leaves.
    Included {
        /// The leaf's index.
        leaf_index: u64,
        /// The size of the checkpoint.
        tree_size: u64,
        /// The log's origin.
        origin: String,
    },
    /// The inclusion does not hold; why.
    Refused(String),
}

impl LogCheck {
    /// In words, Vietnamese first.
    pub fn line(&self) -> String {
        match self {
            LogCheck::Included {
                leaf_index,
                tree_size,
                ..
            } => format!(
                "  Có trong nhật ký minh bạch của thành phố: mục {leaf_index} / {tree_size}. \
                 Included in the city log at index {leaf_index} of tree size {tree_size}."
            ),
            LogCheck::Refused(reason) => format!(
                "  CẢNH BÁO: bằng chứng nhật ký không hợp lệ. The city log inclusion does not verify: {reason}"
            ),
        }
    }

    /// As JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            LogCheck::Included {
                leaf_index,
                tree_size,
                origin,
            } => json!({
                "included": true,
                "leaf_index": leaf_index,
                "tree_size": tree_size,
                "origin": origin,
            }),
            LogCheck::Refused(reason) => json!({"included": false, "reason": reason}),
        }
    }
}

/// Checks `inclusion` against the copy of `content` (whose content bytes hash to
/// `content_hash`) holding `signatures`, with the trust list only.
pub fn check_log_inclusion(
    inclusion: &LogInclusion,
    content: &CopyContent,
    content_hash: ContentHash,
    signatures: &[SignatureRecord],
    trust: &TrustContext,
) -> LogCheck {
    match check(inclusion, content, content_hash, signatures, trust) {
        Ok(check) => check,
        Err(reason) => LogCheck::Refused(reason),
    }
}

fn check(
    inclusion: &LogInclusion,
    content: &CopyContent,
    content_hash: ContentHash,
    signatures: &[SignatureRecord],
    trust: &TrustContext,
) -> Result<LogCheck, String> {
    let event = LoggedEvent::from_cbor(&inclusion.entry)
        .map_err(|error| format!("the logged entry is not one: {error}"))?;
    let LoggedEvent::Signature {
        copy_id,
        content_hash: logged_hash,
        record,
        logged_at,
        ..
    } = event
    else {
        return Err("the logged entry is not a signature on the copy".to_owned());
    };
    if copy_id != content.copy_id || logged_hash != content_hash {
        return Err("the logged entry is about another copy or content".to_owned());
    }
    if record.decision != Decision::Register || !signatures.contains(&record) {
        return Err("the logged entry is not a registration this copy holds".to_owned());
    }
    let registrar = trust
        .check_signer_with_role(record.signer, record.signed_at.unix(), &[Role::Registrar])
        .map_err(|error| format!("the logged registration's signer does not count: {error}"))?;
    if !record.verifies(
        content,
        &content.to_canonical_cbor(),
        &registrar.body.public_key,
    ) {
        return Err("the logged registration's signature does not verify".to_owned());
    }
    let origin = log_origin(trust);
    let keys = log_verifiers(trust);
    let verifiers: Vec<_> = keys.iter().map(|(verifier, _)| verifier.clone()).collect();
    let checkpoint = VerifiedCheckpoint::open(inclusion.checkpoint.as_bytes(), &origin, &verifiers)
        .map_err(|error| format!("the checkpoint is not one the city's log key signed: {error}"))?;
    let signed_by_a_counting_key = keys.iter().any(|(verifier, certificate)| {
        checkpoint
            .signed_by()
            .iter()
            .any(|signature| signature.key_id == verifier.id())
            && trust
                .check_signer_with_role(certificate.key_id(), logged_at.unix(), &[Role::Log])
                .is_ok()
    });
    if !signed_by_a_counting_key {
        return Err("the checkpoint's log key did not count when the entry was logged".to_owned());
    }
    let proof = InclusionProof {
        leaf_index: inclusion.leaf_index,
        tree_size: inclusion.tree_size,
        path: inclusion.path.iter().map(|hash| Hash(*hash)).collect(),
    };
    verify_inclusion(&inclusion.entry, checkpoint.head(), &proof)
        .map_err(|error| format!("the inclusion proof: {error}"))?;
    Ok(LogCheck::Included {
        leaf_index: inclusion.leaf_index,
        tree_size: inclusion.tree_size,
        origin,
    })
}
