//! The ward's reconciliation and its day report: a conflict made by an official's offline
//! laptop and resolved by that official; a gap in a kiosk's chain resolved with a signed note;
//! the day's figures per kiosk and per official.

use bansao_copy::{CopyId, CopyStatus, Decision, OfficialId, RejectionGround};
use bansao_node::city::{City, Validity};
use bansao_node::day_report::vietnam_day;
use bansao_node::decisions::{COPY_BOOK, DecisionError, vietnam_year};
use bansao_node::reconciliation::{ConflictResolution, resolution_message};
use bansao_node::ward::{Flag, Ward, WardError};
use bansao_node::{entropy, files};
use bansao_store::{AnomalyKind, Store};
use bansao_testkit::World;
use bansao_testkit::world::{
    OFFICIAL_ID, book_of, decide_in, issue_and_bring_to_ward, merge_copy_into, official_passphrase,
};
use bansao_trust::SigningContext;

fn official() -> OfficialId {
    OfficialId::parse(OFFICIAL_ID).unwrap()
}

/// What an official's laptop, offline with a copy of the ward's database, decides on `copy`.
fn decide_on_laptop(world: &World, copy: CopyId, decision: Decision, reason: Option<String>) {
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let key = files::read_locked_key(
        &ward.official_files(&official()).0,
        &official_passphrase().unwrap(),
    )
    .unwrap();
    let laptop = world.dir("laptop").join("bansao.sqlite");
    decide_in(&laptop, &ward.node.trust, &key, copy, decision, reason).unwrap();
}

/// Brings the laptop's version of `copy` to the ward, as the sync would merge it.
fn merge_laptop_into_ward(world: &World, copy: CopyId) {
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    merge_copy_into(&world.dir("laptop").join("bansao.sqlite"), &mut ward, copy).unwrap();
}

fn book(ward: &Ward) -> Vec<(u64, String)> {
    book_of(&ward.node.store).unwrap()
}

#[test]
fn an_offline_laptops_contradictory_decision_is_a_conflict_its_official_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    let ids = issue_and_bring_to_ward(&world, 1).unwrap();
    let copy = ids[0];
    std::fs::create_dir_all(world.dir("laptop")).unwrap();
    world.copy_database("ward", "laptop").unwrap();

    // At the ward the official approves; on the laptop, offline, they had rejected it.
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let binh = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    ward.approve(copy, &binh, entropy::now()).unwrap();
    decide_on_laptop(
        &world,
        copy,
        Decision::Reject,
        Some(RejectionGround::Damaged.reason_text(Some("rách góc"))),
    );
    merge_laptop_into_ward(&world, copy);

    let ward = Ward::open(&world.dir("ward")).unwrap();
    assert_eq!(ward.case(copy).unwrap().report.status, CopyStatus::Conflict);
    let found = ward.reconciliation(entropy::now(), 7).unwrap();
    assert!(!found.is_clear());
    assert_eq!(found.conflicts.len(), 1);
    let conflict = &found.conflicts[0].conflict;
    assert_eq!(
        (conflict.approvals.len(), conflict.rejections.len()),
        (1, 1)
    );

    // Another official, who decided nothing, cannot choose for them.
    let cuong = OfficialId::parse("le-van-cuong").unwrap();
    {
        let mut city = City::open(&world.dir("city")).unwrap();
        city.certify_official(
            &ward,
            &cuong,
            "Lê Văn Cường",
            &official_passphrase().unwrap(),
            entropy::now(),
            Validity::default(),
        )
        .unwrap();
    }
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let other = ward
        .official(&cuong, &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    let refused = ward
        .resolve_conflict(copy, ConflictResolution::Approve, &other, entropy::now())
        .unwrap_err();
    assert!(
        matches!(&refused, WardError::Decision(error) if matches!(**error, DecisionError::NotInConflict { .. })),
        "{refused}"
    );

    // The official keeps the approval: it is signed anew and keeps its number.
    let binh = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    let resolved = ward
        .resolve_conflict(copy, ConflictResolution::Approve, &binh, entropy::now())
        .unwrap();
    assert_eq!(resolved.report.status, CopyStatus::Countersigned);
    let year = vietnam_year(entropy::now());
    assert_eq!(
        resolved.report.certification_number,
        Some(format!("1/{year}-{COPY_BOOK}"))
    );
    assert_eq!(book(&ward), vec![(1, copy.to_string())], "one number, once");
    assert!(
        ward.reconciliation(entropy::now(), 7)
            .unwrap()
            .conflicts
            .is_empty()
    );
    // A copy no longer in conflict cannot be "resolved" again.
    assert!(
        ward.resolve_conflict(copy, ConflictResolution::Approve, &binh, entropy::now())
            .is_err()
    );
}

#[test]
fn a_gap_in_a_kiosks_chain_is_resolved_with_a_signed_note_and_stops_flagging() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    let ids = issue_and_bring_to_ward(&world, 3).unwrap();
    // The ward receives the first and the third copy only: the second is a gap.
    let kiosk = Store::open(&world.dir("kiosk").join("bansao.sqlite")).unwrap();
    std::fs::remove_file(world.dir("ward").join("bansao.sqlite")).unwrap();
    {
        let mut ward = Ward::open(&world.dir("ward")).unwrap();
        let mut received: Vec<_> = [ids[0], ids[2]]
            .iter()
            .map(|id| {
                (
                    kiosk.load_copy(*id, entropy::new_actor().unwrap()).unwrap(),
                    CopyStatus::Provisional,
                )
            })
            .collect();
        let anomalies = ward
            .node
            .store
            .save_received_copies(&mut received, entropy::now(), |_, _| None)
            .unwrap();
        assert_eq!(
            anomalies.iter().map(|a| a.kind).collect::<Vec<_>>(),
            vec![AnomalyKind::Gap]
        );
    }
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let found = ward.reconciliation(entropy::now(), 7).unwrap();
    assert_eq!(found.open_anomalies.len(), 1);
    let gap = found.open_anomalies[0].clone();
    // The sample copies all carry the same scan: the same original issued more than once.
    assert_eq!(found.same_scans.len(), 1);
    let mut expected = vec![ids[0].to_string(), ids[2].to_string()];
    expected.sort();
    assert_eq!(found.same_scans[0].copies, expected);
    let chain_flags = |ward: &Ward| {
        ward.case(ids[2])
            .unwrap()
            .flags
            .iter()
            .filter(|flag| matches!(flag, Flag::ChainAnomaly { .. }))
            .count()
    };
    assert_eq!(chain_flags(&ward), 1, "flagged first");

    let binh = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    assert!(matches!(
        ward.resolve_anomaly(gap.id, "  ", &binh, entropy::now()),
        Err(WardError::NoteRequired)
    ));
    let now = entropy::now();
    let note = "Ki-ốt hỏng mạng: bản sao số 2 sẽ về sau, đã gọi điện kiểm tra";
    ward.resolve_anomaly(gap.id, note, &binh, now).unwrap();
    assert!(
        ward.resolve_anomaly(gap.id, note, &binh, now).is_err(),
        "resolved once"
    );

    let found = ward.reconciliation(entropy::now(), 7).unwrap();
    assert!(found.open_anomalies.is_empty());
    let resolution = found.resolved_anomalies[0].resolution.clone().unwrap();
    assert_eq!(resolution.official, OFFICIAL_ID);
    assert_eq!(resolution.note, note);
    // The signature is the official's over the anomaly and the note.
    let message = resolution_message("00001", &gap, note, now);
    let signature = ed25519_dalek::Signature::from_slice(&resolution.signature).unwrap();
    assert!(bansao_trust::key::verify(
        &binh.certificate.body.public_key,
        SigningContext::AnomalyResolution,
        &message,
        &signature
    ));
    assert_eq!(chain_flags(&ward), 0, "no longer flagged");
}

#[test]
fn the_day_report_counts_per_kiosk_and_per_official_with_fees_and_grounds() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    let ids = issue_and_bring_to_ward(&world, 4).unwrap();
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let binh = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    ward.approve(ids[0], &binh, entropy::now()).unwrap();
    ward.approve(ids[1], &binh, entropy::now()).unwrap();
    ward.reject(ids[2], RejectionGround::Secret, None, &binh, entropy::now())
        .unwrap();
    let today = vietnam_day(entropy::now());
    let report = ward.day_report(today).unwrap();
    let kiosk = &report.kiosks["KIOSK-BENCH-01"];
    let fee = ward.case(ids[0]).unwrap().document.content().fee_vnd;
    assert_eq!(
        (kiosk.issued, kiosk.fees_vnd, kiosk.approved, kiosk.rejected),
        (4, 4 * fee, 2, 1)
    );
    let official = &report.officials["Nguyễn Văn Bình"];
    assert_eq!((official.approved, official.rejected), (2, 1));
    assert_eq!(official.rejected_by_ground.get("secret"), Some(&1));
    assert_eq!(report.waiting, 1);
    let csv = report.to_csv();
    assert!(
        csv.lines()
            .any(|line| line == format!("kiosk,KIOSK-BENCH-01,4,{},2,1,0,", 4 * fee)),
        "{csv}"
    );
    assert!(
        csv.contains("official,Nguyễn Văn Bình,,,2,1,,secret=1"),
        "{csv}"
    );
    // Yesterday had nothing.
    let yesterday = today.previous_day().unwrap();
    let empty = ward.day_report(yesterday).unwrap();
    assert!(
        empty
            .kiosks
            .values()
            .all(|day| day.issued == 0 && day.approved == 0)
    );
    assert!(empty.officials.is_empty());
}
