//! `bansao trust export`: every key on a trust list with its role, subject, commune, validity and
//! standing, as a table for people or JSON for other tools.

use bansao_copy::Timestamp;
use bansao_trust::{Certificate, KeyStanding, TrustContext};
use serde_json::json;

fn time_text(unix: i64) -> String {
    Timestamp::from_unix(unix)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|_| unix.to_string())
}

fn standing_text(standing: &KeyStanding) -> (String, serde_json::Value) {
    match standing {
        KeyStanding::Active => ("active".to_owned(), serde_json::Value::Null),
        KeyStanding::Retired(at) => ("retired".to_owned(), json!({"retired_at": time_text(*at)})),
        KeyStanding::Revoked(revocation) => (
            "revoked".to_owned(),
            json!({"revoked_at": time_text(revocation.revoked_at), "reason": revocation.reason}),
        ),
        KeyStanding::Broken(reason) => ("broken-chain".to_owned(), json!({"reason": reason})),
    }
}

fn certificates(trust: &TrustContext) -> impl Iterator<Item = &Certificate> {
    let list = trust.trust_list();
    std::iter::once(&list.root).chain(list.certificates.values())
}

/// The trust list as JSON.
pub fn export_json(trust: &TrustContext) -> serde_json::Value {
    let keys: Vec<_> = certificates(trust)
        .map(|certificate| {
            let body = &certificate.body;
            let (standing, detail) = standing_text(&trust.standing(certificate.key_id()));
            json!({
                "key_id": certificate.key_id().to_hex(),
                "public_key": hex::encode(body.public_key.as_bytes()),
                "role": body.role.as_str(),
                "subject": body.subject,
                "commune": body.commune,
                "issuer": body.issuer.to_hex(),
                "not_before": time_text(body.not_before),
                "not_after": time_text(body.not_after),
                "standing": standing,
                "standing_detail": detail,
            })
        })
        .collect();
    let revocations = trust.revocations();
    json!({
        "trust_list_version": trust.trust_list().version,
        "trust_list_issued_at": time_text(trust.trust_list().issued_at),
        "revocation_list_version": revocations.version,
        "revocation_list_issued_at": time_text(revocations.issued_at),
        "keys": keys,
        "revoked_copies": revocations.copies.iter().map(|(copy_id, r)| json!({
            "copy_id": copy_id, "revoked_at": time_text(r.revoked_at), "reason": r.reason,
        })).collect::<Vec<_>>(),
    })
}

/// The trust list as a table for people.
pub fn export_text(trust: &TrustContext) -> String {
    let mut lines = vec![format!(
        "Danh sách tin cậy phiên bản {} (trust list v{}), danh sách thu hồi phiên bản {}",
        trust.trust_list().version,
        trust.trust_list().version,
        trust.revocations().version
    )];
    lines.push(format!(
        "{:<16}  {:<10}  {:<6}  {:<10}  {:<10}  {:<8}  subject",
        "key id", "role", "commune", "from", "until", "standing"
    ));
    for certificate in certificates(trust) {
        let body = &certificate.body;
        let (standing, _) = standing_text(&trust.standing(certificate.key_id()));
        lines.push(format!(
            "{:<16}  {:<10}  {:<6}  {:<10}  {:<10}  {:<8}  {}",
            certificate.key_id(),
            body.role.as_str(),
            body.commune.as_deref().unwrap_or("-"),
            &time_text(body.not_before)[..10.min(time_text(body.not_before).len())],
            &time_text(body.not_after)[..10.min(time_text(body.not_after).len())],
            standing,
            body.subject
        ));
    }
    for (copy_id, revocation) in &trust.revocations().copies {
        lines.push(format!(
            "bản sao bị thu hồi (revoked copy) {copy_id}: {}",
            revocation.reason
        ));
    }
    lines.join("\n")
}
