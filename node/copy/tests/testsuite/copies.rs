//! The certified copy end to end inside one process: issue, sign, decide concurrently on
//! replicas, merge, derive status, encode and verify the QR, and the portable record.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions unwrap too.

use std::collections::BTreeMap;

use automerge::ActorId;
use bansao_copy::qr::{MAX_COSE_BYTES, QrDecodeError, decode_qr_text};
use bansao_copy::status::CopyStatus;
use bansao_copy::{
    ContentHash, CopyContent, CopyDocument, CopyId, CopyRecord, Decision, DocumentType,
    ExtractedField, PageRef, QrClaims, SignatureRecord, Timestamp, Verdict, derive_status,
    verify_qr, verify_record,
};
use bansao_trust::testing::{COMMUNE, Hierarchy, VALID_FROM};
use bansao_trust::{Revocation, TrustContext};
use proptest::prelude::*;

fn at(offset_seconds: i64) -> Timestamp {
    Timestamp::from_unix(VALID_FROM + 86_400 + offset_seconds).unwrap()
}

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

fn sample_content(sequence: u64, previous: ContentHash) -> CopyContent {
    let mut fields = BTreeMap::new();
    fields.insert(
        "ho_ten".to_owned(),
        ExtractedField {
            value: "NGUYỄN VĂN AN".into(),
            confidence_permille: 962,
            corrected_from: None,
            source: None,
        },
    );
    fields.insert(
        "ngay_sinh".to_owned(),
        ExtractedField {
            value: "12/03/2015".into(),
            confidence_permille: 871,
            corrected_from: Some("12/08/2015".into()),
            source: None,
        },
    );
    CopyContent {
        copy_id: CopyId::from_parts(
            (at(0).unix() as u64) * 1000,
            0x1234_5678_9abc_def0_1234 + sequence as u128,
        ),
        commune: COMMUNE.into(),
        kiosk_id: "KIOSK-TANLAP-01".into(),
        kiosk_sequence: sequence,
        previous_content_hash: previous,
        document_type: DocumentType::BirthCertificate,
        issued_at: at(0),
        fields,
        pages: vec![PageRef::of(b"scan page one", "image/png")],
        fee_vnd: 2_000,
    }
}

/// The kiosk issues its copy number `sequence`, chained after `previous`, on the replica
/// `actor(replica)`.
fn issue(hierarchy: &Hierarchy, sequence: u64, previous: ContentHash, replica: u8) -> CopyDocument {
    CopyDocument::issue(
        sample_content(sequence, previous),
        &hierarchy.kiosk.key,
        actor(replica),
    )
    .unwrap()
}

/// The kiosk's first copy (sequence 1, after genesis) on replica 1.
fn first_copy(hierarchy: &Hierarchy) -> CopyDocument {
    issue(hierarchy, 1, ContentHash::GENESIS, 1)
}

/// The first copy on two replicas (actors 1 and 2), as two devices that went offline with it.
fn two_replicas(hierarchy: &Hierarchy) -> (CopyDocument, CopyDocument) {
    let mut one = first_copy(hierarchy);
    let two = CopyDocument::load(&one.save(), actor(2)).unwrap();
    (one, two)
}

/// `decision` on `content` by `key`, `seconds` after the tests' epoch, without a reason, with
/// the certification `number` if any.
fn signed(
    content: &CopyContent,
    decision: Decision,
    seconds: i64,
    number: Option<&str>,
    key: &bansao_trust::SecretKey,
) -> SignatureRecord {
    SignatureRecord::decide(
        content,
        decision,
        at(seconds),
        None,
        number.map(str::to_owned),
        key,
    )
}

/// Signs `decision` on `document` with `key`, `seconds` after the tests' epoch, without a
/// certification number.
fn decide(
    document: &mut CopyDocument,
    decision: Decision,
    seconds: i64,
    reason: Option<&str>,
    key: &bansao_trust::SecretKey,
) {
    let record = SignatureRecord::decide(
        document.content(),
        decision,
        at(seconds),
        reason.map(str::to_owned),
        None,
        key,
    );
    document.add_signature(&record).unwrap();
}

/// [`decide`] an approval.
fn approve(document: &mut CopyDocument, seconds: i64, key: &bansao_trust::SecretKey) {
    decide(document, Decision::Approve, seconds, None, key);
}

/// [`decide`] a rejection for `reason`.
fn reject(document: &mut CopyDocument, seconds: i64, reason: &str, key: &bansao_trust::SecretKey) {
    decide(document, Decision::Reject, seconds, Some(reason), key);
}

fn status_of(document: &CopyDocument, trust: &TrustContext) -> bansao_copy::StatusReport {
    bansao_copy::status::document_report(document, trust).unwrap()
}

#[test]
fn content_is_canonical_and_round_trips() {
    let content = sample_content(1, ContentHash::GENESIS);
    let bytes = content.to_canonical_cbor();
    assert_eq!(CopyContent::from_canonical_cbor(&bytes).unwrap(), content);
    assert!(bytes.len() < 700, "content is {} bytes", bytes.len());
}

#[test]
fn a_new_copy_is_provisional_then_countersigned_then_registered() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let mut document = first_copy(&hierarchy);
    assert_eq!(status_of(&document, &trust).status, CopyStatus::Provisional);

    let content = document.content().clone();
    let approve = signed(
        &content,
        Decision::Approve,
        60,
        Some("125/2026/SCBS"),
        &hierarchy.official.key,
    );
    document.add_signature(&approve).unwrap();
    let report = status_of(&document, &trust);
    assert_eq!(report.status, CopyStatus::Countersigned);
    assert_eq!(
        report.certification_number.as_deref(),
        Some("125/2026/SCBS")
    );

    let register = signed(
        &content,
        Decision::Register,
        120,
        None,
        &hierarchy.registrar.key,
    );
    document.add_signature(&register).unwrap();
    assert_eq!(status_of(&document, &trust).status, CopyStatus::Registered);

    // Survives save and load.
    let mut loaded = CopyDocument::load(&document.save(), actor(2)).unwrap();
    assert_eq!(status_of(&loaded, &trust).status, CopyStatus::Registered);
    assert_eq!(loaded.heads(), document.heads());
}

#[test]
fn concurrent_approve_and_reject_on_two_replicas_is_a_conflict_until_reconciled() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let (mut ward_a, mut ward_b) = two_replicas(&hierarchy);

    // Offline, at the same time: one official approves, the other rejects.
    approve(&mut ward_a, 60, &hierarchy.official.key);
    reject(&mut ward_b, 61, "ảnh mờ", &hierarchy.second_official.key);
    ward_a.merge(&mut ward_b).unwrap();
    ward_b.merge(&mut ward_a).unwrap();

    for replica in [&ward_a, &ward_b] {
        let report = status_of(replica, &trust);
        assert_eq!(report.status, CopyStatus::Conflict);
        let conflict = report.conflict.unwrap();
        assert_eq!(conflict.approvals.len(), 1);
        assert_eq!(conflict.rejections.len(), 1);
    }

    // The approving official reviews and withdraws: replaces their own decision with a rejection.
    reject(&mut ward_a, 300, "đồng ý từ chối", &hierarchy.official.key);
    ward_b.merge(&mut ward_a).unwrap();
    assert_eq!(status_of(&ward_b, &trust).status, CopyStatus::Rejected);
}

#[test]
fn one_official_deciding_differently_on_two_devices_is_a_conflict_too() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let (mut laptop, mut desk) = two_replicas(&hierarchy);
    approve(&mut laptop, 60, &hierarchy.official.key);
    reject(&mut desk, 60, "sai", &hierarchy.official.key);
    laptop.merge(&mut desk).unwrap();
    let (records, _) = laptop.signatures().unwrap();
    assert_eq!(
        records.len(),
        3,
        "both of the official's concurrent decisions are kept"
    );
    assert_eq!(status_of(&laptop, &trust).status, CopyStatus::Conflict);
}

#[test]
fn decisions_that_do_not_count_are_listed_not_dropped() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let mut document = first_copy(&hierarchy);
    let content = document.content().clone();
    // An official of another commune, and the kiosk trying to approve its own copy.
    approve(&mut document, 60, &hierarchy.other_official.key);
    let mut self_approval = signed(&content, Decision::Approve, 60, None, &hierarchy.kiosk.key);
    self_approval.decision = Decision::Approve;
    document.add_signature(&self_approval).unwrap();
    let report = status_of(&document, &trust);
    assert_eq!(report.status, CopyStatus::Provisional);
    assert_eq!(report.ignored.len(), 2, "{:?}", report.ignored);
}

#[test]
fn a_revoked_copy_and_a_revoked_kiosk() {
    let mut hierarchy = Hierarchy::new();
    let document = first_copy(&hierarchy);
    hierarchy.revocations.copies.insert(
        document.content().copy_id.to_string(),
        Revocation {
            revoked_at: at(500).unix(),
            reason: "cấp nhầm".into(),
        },
    );
    assert_eq!(
        status_of(&document, &hierarchy.context()).status,
        CopyStatus::Revoked
    );

    hierarchy.revocations.copies.clear();
    hierarchy.revocations.keys.insert(
        hierarchy.kiosk.key.key_id(),
        Revocation {
            revoked_at: at(500).unix(),
            reason: "mất máy".into(),
        },
    );
    let (records, malformed) = document.signatures().unwrap();
    assert!(
        derive_status(
            document.content(),
            document.content_bytes(),
            &records,
            &malformed,
            &hierarchy.context()
        )
        .is_err()
    );
}

#[test]
fn the_qr_fits_the_budget_and_verifies() {
    let hierarchy = Hierarchy::new();
    let content = sample_content(7, ContentHash([9; 32]));
    let text = QrClaims::for_content(&content).to_qr_text(&hierarchy.kiosk.key);
    let decoded = decode_qr_text(&text).unwrap();
    assert!(
        decoded.cose_length <= MAX_COSE_BYTES,
        "COSE is {} bytes",
        decoded.cose_length
    );
    assert_eq!(decoded.claims, QrClaims::for_content(&content));
    let verification = verify_qr(&text, &hierarchy.context()).unwrap();
    assert_eq!(
        verification.verdict,
        Verdict::Genuine(CopyStatus::Provisional)
    );
}

#[test]
fn any_replica_prints_the_kiosks_own_qr_from_the_seal_the_document_keeps() {
    let hierarchy = Hierarchy::new();
    let issued = first_copy(&hierarchy);
    let kiosk_made = QrClaims::for_content(issued.content()).to_qr_text(&hierarchy.kiosk.key);
    // Another node loads the document: no kiosk key, the same QR.
    let mut issued = issued;
    let elsewhere = CopyDocument::load(&issued.save(), actor(9)).unwrap();
    let rebuilt = elsewhere
        .kiosk_qr_text()
        .expect("the document keeps the seal");
    assert_eq!(rebuilt, kiosk_made);
    assert_eq!(
        verify_qr(&rebuilt, &hierarchy.context()).unwrap().verdict,
        Verdict::Genuine(CopyStatus::Provisional)
    );
    // A seal replaced by a replica with one for other claims does not verify.
    let other = issue(&hierarchy, 2, ContentHash([1; 32]), 1);
    let forged_seal = QrClaims::for_content(other.content()).detached_seal(&hierarchy.kiosk.key);
    let forged = QrClaims::for_content(elsewhere.content())
        .qr_text_from_seal(&forged_seal)
        .unwrap();
    assert!(
        !verify_qr(&forged, &hierarchy.context())
            .unwrap()
            .verdict
            .is_genuine()
    );
}

#[test]
fn qr_verdicts_for_every_kind_of_bad_code() {
    let mut hierarchy = Hierarchy::new();
    let content = sample_content(1, ContentHash::GENESIS);
    let good = QrClaims::for_content(&content).to_qr_text(&hierarchy.kiosk.key);

    // Signed by a key nobody certified.
    let stranger = bansao_trust::SecretKey::from_seed([77; 32]);
    let unknown = QrClaims::for_content(&content).to_qr_text(&stranger);
    assert!(matches!(
        verify_qr(&unknown, &hierarchy.context()).unwrap().verdict,
        Verdict::UnknownSigner(_)
    ));

    // Signed by an official, not a kiosk.
    let official = QrClaims::for_content(&content).to_qr_text(&hierarchy.official.key);
    assert!(matches!(
        verify_qr(&official, &hierarchy.context()).unwrap().verdict,
        Verdict::NotAuthorised(_)
    ));

    // Issued after the kiosk's certificate ran out.
    let mut late = content.clone();
    late.issued_at = Timestamp::from_unix(bansao_trust::testing::VALID_UNTIL + 10).unwrap();
    let expired = QrClaims::for_content(&late).to_qr_text(&hierarchy.kiosk.key);
    assert!(matches!(
        verify_qr(&expired, &hierarchy.context()).unwrap().verdict,
        Verdict::Expired(_)
    ));

    // Changed claims: re-encode the COSE with a different payload but the old signature.
    let decoded = decode_qr_text(&good).unwrap();
    let mut cose = base45::decode(good.trim_start_matches("BS1:")).unwrap();
    let position = cose.windows(5).position(|w| w == b"00001").unwrap();
    cose[position + 4] = b'2';
    let tampered = format!("BS1:{}", base45::encode(&cose));
    let verdict = verify_qr(&tampered, &hierarchy.context()).unwrap().verdict;
    assert!(
        matches!(verdict, Verdict::Tampered(_) | Verdict::NotAuthorised(_)),
        "{verdict:?}"
    );
    assert_eq!(decoded.claims.commune, "00001");

    // Revoked copy.
    hierarchy.revocations.copies.insert(
        content.copy_id.to_string(),
        Revocation {
            revoked_at: 0,
            reason: "thu hồi".into(),
        },
    );
    assert!(matches!(
        verify_qr(&good, &hierarchy.context()).unwrap().verdict,
        Verdict::Revoked(_)
    ));

    // Unusable input.
    let trust = hierarchy.context();
    assert_eq!(verify_qr("", &trust).unwrap_err(), QrDecodeError::Empty);
    assert!(matches!(
        verify_qr("HC1:ABC", &trust).unwrap_err(),
        QrDecodeError::WrongPrefix(_)
    ));
    // Base45 works in groups of three characters: a cut inside a group breaks the Base45, a cut
    // at a group boundary leaves valid Base45 whose CBOR is truncated. Base45 has a space in its
    // alphabet and pasted text is trimmed, so a cut must not leave a space at the end.
    let cut_leaving = |remainder: usize| {
        (1..=30)
            .find(|cut| {
                let kept = &good[..good.len() - cut];
                (kept.len() - "BS1:".len()) % 3 == remainder && !kept.ends_with(' ')
            })
            .unwrap()
    };
    let inside_group = cut_leaving(1);
    let at_boundary = cut_leaving(0);
    assert_eq!(
        verify_qr(&good[..good.len() - inside_group], &trust).unwrap_err(),
        QrDecodeError::InvalidBase45
    );
    assert!(matches!(
        verify_qr(&good[..good.len() - at_boundary], &trust).unwrap_err(),
        QrDecodeError::InvalidCbor(bansao_trust::cbor::CborError::Truncated)
    ));
    assert!(matches!(
        verify_qr(&format!("BS1:{}", base45::encode([0xff, 0x00])), &trust).unwrap_err(),
        QrDecodeError::InvalidCbor(_)
    ));
    assert!(matches!(
        verify_qr(&format!("BS1:{}", base45::encode([0x01])), &trust).unwrap_err(),
        QrDecodeError::Cose(_)
    ));
}

#[test]
fn a_record_carries_decisions_and_detects_a_swapped_qr() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let mut document = first_copy(&hierarchy);
    let content = document.content().clone();
    approve(&mut document, 60, &hierarchy.official.key);
    let qr = QrClaims::for_content(&content).to_qr_text(&hierarchy.kiosk.key);
    let record = CopyRecord::from_document(&document, qr).unwrap();
    let back = CopyRecord::from_cbor(&record.to_cbor()).unwrap();
    assert_eq!(back, record);
    assert_eq!(
        verify_record(&back, &trust).verdict,
        Verdict::Genuine(CopyStatus::Countersigned)
    );

    let other = sample_content(2, content.content_hash());
    let mut swapped = record.clone();
    swapped.qr_text = QrClaims::for_content(&other).to_qr_text(&hierarchy.kiosk.key);
    assert!(matches!(
        verify_record(&swapped, &trust).verdict,
        Verdict::Tampered(_)
    ));

    let mut altered = record;
    let position = altered
        .content
        .windows(5)
        .position(|w| w == b"NGUY\xe1")
        .unwrap();
    altered.content[position] = b'M';
    assert!(matches!(
        verify_record(&altered, &trust).verdict,
        Verdict::Tampered(_)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn qr_text_round_trips(sequence in any::<u64>(), pages in 1usize..50, hash in any::<[u8; 32]>(), type_index in 0usize..6) {
        let hierarchy = Hierarchy::new();
        let mut content = sample_content(sequence, ContentHash(hash));
        content.pages = (0..pages).map(|i| PageRef::of(&[i as u8], "image/jpeg")).collect();
        content.document_type = DocumentType::ALL[type_index];
        let claims = QrClaims::for_content(&content);
        let decoded = decode_qr_text(&claims.to_qr_text(&hierarchy.kiosk.key)).unwrap();
        prop_assert_eq!(decoded.claims, claims);
        prop_assert!(decoded.cose_length <= MAX_COSE_BYTES);
    }

    #[test]
    fn decoding_arbitrary_qr_text_never_panics(text in "\\PC{0,300}") {
        let _ = decode_qr_text(&text);
        let _ = decode_qr_text(&format!("BS1:{text}"));
    }

    #[test]
    fn decoding_arbitrary_base45_payloads_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode_qr_text(&format!("BS1:{}", base45::encode(&bytes)));
        let _ = CopyRecord::from_cbor(&bytes);
        let _ = CopyContent::from_canonical_cbor(&bytes);
    }
}

/// Regression: automerge 0.12 panicked loading these fuzzer-found bytes; loading must fail
/// cleanly instead.
#[test]
fn regression_automerge_load_panic_on_malformed_bytes_is_an_error() {
    let bytes = include_bytes!("data/automerge-load-panic.bin");
    let error = CopyDocument::load(bytes, actor(1)).unwrap_err();
    assert!(error.to_string().contains("Automerge"), "{error}");
    assert!(bansao_trust::document::ListDocument::load(bytes, actor(1)).is_err());
}

#[test]
fn an_unchanged_document_saves_to_the_bytes_it_was_loaded_from_and_a_changed_one_does_not() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let mut issued = first_copy(&hierarchy);
    let bytes = issued.save();
    let mut loaded = CopyDocument::load(&bytes, actor(2)).unwrap();
    assert_eq!(loaded.save(), bytes, "nothing changed: the same bytes");
    let content = loaded.content().clone();
    let approve = signed(
        &content,
        Decision::Approve,
        60,
        Some("0001/2026/SCBS"),
        &hierarchy.official.key,
    );
    loaded.add_signature(&approve).unwrap();
    let changed = loaded.save();
    assert_ne!(changed, bytes, "a new signature: new bytes");
    assert_eq!(loaded.save(), changed);
    let reloaded = CopyDocument::load(&changed, actor(3)).unwrap();
    assert_eq!(
        status_of(&reloaded, &trust).status,
        CopyStatus::Countersigned
    );
}

#[test]
fn a_counter_signature_replayed_from_another_copy_or_forged_does_not_count() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let mut first = first_copy(&hierarchy);
    let approval = signed(
        first.content(),
        Decision::Approve,
        60,
        Some("0001/2026/SCBS"),
        &hierarchy.official.key,
    );
    first.add_signature(&approval).unwrap();
    assert_eq!(status_of(&first, &trust).status, CopyStatus::Countersigned);
    // The same approval copied onto the kiosk's next copy: it names the first copy.
    let mut second = issue(&hierarchy, 2, first.content_hash(), 2);
    second.add_signature(&approval).unwrap();
    let report = status_of(&second, &trust);
    assert_eq!(report.status, CopyStatus::Provisional);
    assert_eq!(report.ignored.len(), 1, "{:?}", report.ignored);
    // A forged approval: the official's key id, a signature that is not theirs.
    let mut third = issue(&hierarchy, 3, second.content_hash(), 3);
    let mut forged = signed(
        third.content(),
        Decision::Approve,
        60,
        None,
        &hierarchy.second_official.key,
    );
    forged.signer = hierarchy.official.key.key_id();
    third.add_signature(&forged).unwrap();
    let report = status_of(&third, &trust);
    assert_eq!(report.status, CopyStatus::Provisional);
    assert_eq!(report.ignored.len(), 1, "{:?}", report.ignored);
}
