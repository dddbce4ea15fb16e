//! The ward service on real node directories (the testkit's world: real ceremonies, real SQLite
//! files): the review queue, approvals with continuous certification numbers — also with two
//! officials approving at once —, rejections on a Decree 23 ground, and the officials whose
//! signatures must not count.

use bansao_copy::{CopyId, CopyStatus, OfficialId, RejectionGround};
use bansao_node::city::{City, Validity};
use bansao_node::decisions::{COPY_BOOK, DecisionError, vietnam_year};
use bansao_node::entropy;
use bansao_node::ward::{BatchOutcome, Flag, FlagFilter, QueueFilter, Ward, WardError};
use bansao_testkit::World;
use bansao_testkit::world::{OFFICIAL_ID, official_passphrase};

/// A world whose ward holds `count` provisional copies the kiosk issued (its database copied
/// over, as a sync would bring them), in issue order.
fn ward_with_copies(count: usize) -> (tempfile::TempDir, World, Vec<CopyId>) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    let ids = bansao_testkit::world::issue_and_bring_to_ward(&world, count).unwrap();
    (dir, world, ids)
}

fn official() -> OfficialId {
    OfficialId::parse(OFFICIAL_ID).unwrap()
}

fn numbers(ward: &Ward) -> Vec<(u64, String)> {
    bansao_testkit::world::book_of(&ward.node.store).unwrap()
}

#[test]
fn the_queue_lists_provisional_copies_oldest_first_with_their_flags() {
    let (_dir, world, ids) = ward_with_copies(3);
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let queue = ward.queue(&QueueFilter::default()).unwrap();
    assert_eq!(queue.waiting, 3);
    let listed: Vec<CopyId> = queue.entries.iter().map(|entry| entry.copy_id).collect();
    assert_eq!(listed, ids);
    let sequences: Vec<u64> = queue.entries.iter().map(|e| e.kiosk_sequence).collect();
    assert_eq!(sequences, [1, 2, 3]);
    // The sample's name was corrected by the citizen: the official sees from → to.
    assert!(
        queue.entries[0].flags.contains(&Flag::Corrected {
            field: "ho_ten".to_owned(),
            from: "NGUYÊN VĂN AN".to_owned(),
            to: "NGUYỄN VĂN AN".to_owned(),
        }),
        "{:?}",
        queue.entries[0].flags
    );
    let limited = ward
        .queue(&QueueFilter {
            limit: 2,
            ..QueueFilter::default()
        })
        .unwrap();
    assert_eq!((limited.entries.len(), limited.waiting), (2, 3));
    let other_kiosk = ward
        .queue(&QueueFilter {
            kiosk_id: Some("KIOSK-ELSEWHERE".to_owned()),
            limit: 10,
            ..QueueFilter::default()
        })
        .unwrap();
    assert!(other_kiosk.entries.is_empty());
    assert_eq!(
        other_kiosk.by_kiosk.get("KIOSK-BENCH-01"),
        Some(&3),
        "the counts per kiosk are of the whole queue"
    );
    // By kind and by flags: every sample copy is a birth certificate with a correction.
    let of_kind = |kind| {
        ward.queue(&QueueFilter {
            document_type: Some(kind),
            ..QueueFilter::default()
        })
        .unwrap()
        .entries
        .len()
    };
    assert_eq!(of_kind(bansao_copy::DocumentType::BirthCertificate), 3);
    assert_eq!(of_kind(bansao_copy::DocumentType::UniversityDiploma), 0);
    let with_flags = |flags| {
        ward.queue(&QueueFilter {
            flags,
            ..QueueFilter::default()
        })
        .unwrap()
        .entries
        .len()
    };
    assert_eq!(with_flags(FlagFilter::Flagged), 3);
    assert_eq!(with_flags(FlagFilter::Clean), 0);
}

#[test]
fn approvals_take_continuous_numbers_and_rejections_take_none() {
    let (_dir, world, ids) = ward_with_copies(4);
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    let year = vietnam_year(entropy::now());

    let first = ward.approve(ids[0], &official, entropy::now()).unwrap();
    assert_eq!(first.report.status, CopyStatus::Countersigned);
    assert_eq!(
        first.certification_number.as_deref(),
        Some(format!("1/{year}-SCT/BS").as_str())
    );
    let rejected = ward
        .reject(
            ids[1],
            RejectionGround::Secret,
            Some("dấu MẬT ở góc trên"),
            &official,
            entropy::now(),
        )
        .unwrap();
    assert_eq!(rejected.report.status, CopyStatus::Rejected);
    assert_eq!(rejected.certification_number, None);
    let third = ward.approve(ids[2], &official, entropy::now()).unwrap();
    assert_eq!(
        third.certification_number.as_deref(),
        Some(format!("2/{year}-SCT/BS").as_str())
    );

    assert_eq!(
        numbers(&ward),
        [(1, ids[0].to_string()), (2, ids[2].to_string())]
    );
    // The number and the ground are signed into the copy.
    let case = ward.case(ids[2]).unwrap();
    assert_eq!(
        case.report.certification_number.as_deref(),
        Some(format!("2/{year}-SCT/BS").as_str())
    );
    let case = ward.case(ids[1]).unwrap();
    let reason = case.report.decisions[0].record.reason.clone().unwrap();
    assert_eq!(
        RejectionGround::of_reason(&reason),
        Some(RejectionGround::Secret)
    );
    assert!(reason.ends_with("dấu MẬT ở góc trên"), "{reason}");
    // Only the fourth copy still waits.
    let queue = ward.queue(&QueueFilter::default()).unwrap();
    assert_eq!(queue.waiting, 1);
    assert_eq!(queue.entries[0].copy_id, ids[3]);
}

#[test]
fn a_decided_copy_is_not_decided_again_and_nothing_is_written() {
    let (_dir, world, ids) = ward_with_copies(2);
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    ward.approve(ids[0], &official, entropy::now()).unwrap();
    let before = ward.node.store.copy_bytes(ids[0]).unwrap();

    for attempt in [
        ward.approve(ids[0], &official, entropy::now()),
        ward.reject(
            ids[0],
            RejectionGround::Altered,
            None,
            &official,
            entropy::now(),
        ),
    ] {
        let error = attempt.unwrap_err();
        assert!(
            matches!(
                &error,
                WardError::Decision(decision) if matches!(
                    **decision,
                    DecisionError::NotAllowed { status: CopyStatus::Countersigned, .. }
                )
            ),
            "{error}"
        );
    }
    assert_eq!(ward.node.store.copy_bytes(ids[0]).unwrap(), before);
    // The refused attempts used no number: the next approval is number 2.
    let next = ward.approve(ids[1], &official, entropy::now()).unwrap();
    assert!(
        next.certification_number.unwrap().starts_with("2/"),
        "numbers run on without a gap"
    );
    assert_eq!(numbers(&ward).len(), 2);
}

#[test]
fn two_officials_approving_at_once_never_share_or_skip_a_number() {
    let (_dir, world, ids) = ward_with_copies(16);
    let second = OfficialId::parse("le-van-cuong").unwrap();
    {
        let mut city = City::open(&world.dir("city")).unwrap();
        let ward = Ward::open(&world.dir("ward")).unwrap();
        city.certify_official(
            &ward,
            &second,
            "Lê Văn Cường",
            &official_passphrase().unwrap(),
            entropy::now(),
            Validity::default(),
        )
        .unwrap();
    }
    // Each official works through every copy, in opposite orders, on their own connection.
    let work = |who: OfficialId, order: Vec<CopyId>| {
        let dir = world.dir("ward");
        std::thread::spawn(move || {
            let mut ward = Ward::open(&dir).unwrap();
            let official = ward
                .official(&who, &official_passphrase().unwrap(), entropy::now())
                .unwrap();
            let mut approved = Vec::new();
            for copy_id in order {
                match ward.approve(copy_id, &official, entropy::now()) {
                    Ok(decided) => approved.push((copy_id, decided.certification_number.unwrap())),
                    Err(WardError::Decision(error))
                        if matches!(*error, DecisionError::NotAllowed { .. }) => {}
                    Err(error) => panic!("{error}"),
                }
            }
            approved
        })
    };
    let reversed: Vec<CopyId> = ids.iter().rev().copied().collect();
    let a = work(official(), ids.clone());
    let b = work(second, reversed);
    let mut approved = a.join().unwrap();
    approved.extend(b.join().unwrap());

    assert_eq!(
        approved.len(),
        ids.len(),
        "every copy approved exactly once"
    );
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let book = numbers(&ward);
    let given: Vec<u64> = book.iter().map(|(number, _)| *number).collect();
    assert_eq!(
        given,
        (1..=16).collect::<Vec<u64>>(),
        "no duplicate, no gap"
    );
    for (copy_id, number) in &approved {
        let case = ward.case(*copy_id).unwrap();
        assert_eq!(case.report.status, CopyStatus::Countersigned);
        assert_eq!(case.report.decisions.len(), 1, "one approval per copy");
        assert_eq!(case.report.certification_number.as_ref(), Some(number));
    }
}

#[test]
fn a_revoked_official_or_one_of_another_ward_cannot_sign() {
    let (_dir, world, ids) = ward_with_copies(1);
    let ward = Ward::open(&world.dir("ward")).unwrap();
    assert!(matches!(
        ward.official(
            &OfficialId::parse("nobody").unwrap(),
            &official_passphrase().unwrap(),
            entropy::now()
        ),
        Err(WardError::UnknownOfficial(_))
    ));

    // An official of another commune, whose files were put in this ward's folder.
    let mut city = City::open(&world.dir("city")).unwrap();
    let other = bansao_node::config::Commune {
        code: bansao_copy::CommuneCode::parse("00002").unwrap(),
        name: "Xã Hòa Bình".to_owned(),
    };
    city.certify_ward(
        &world.dir("ward-b"),
        &other,
        "UBND xã Hòa Bình",
        entropy::now(),
        Validity::default(),
    )
    .unwrap();
    let ward_b = Ward::open(&world.dir("ward-b")).unwrap();
    let stranger = OfficialId::parse("pham-thi-dao").unwrap();
    city.certify_official(
        &ward_b,
        &stranger,
        "Phạm Thị Đào",
        &official_passphrase().unwrap(),
        entropy::now(),
        Validity::default(),
    )
    .unwrap();
    city.distribute(&[&world.dir("ward")]).unwrap();
    let (key, certificate) = ward_b.official_files(&stranger);
    let (key_here, certificate_here) = ward.official_files(&stranger);
    std::fs::copy(&key, &key_here).unwrap();
    std::fs::copy(&certificate, &certificate_here).unwrap();
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let error = ward
        .official(&stranger, &official_passphrase().unwrap(), entropy::now())
        .unwrap_err();
    assert!(
        matches!(&error, WardError::OfficialMayNotSign { reason, .. } if reason.contains("00002")),
        "{error}"
    );

    // The ward's own official, revoked by the city.
    let official_key = bansao_node::files::read_locked_key(
        &ward.official_files(&official()).0,
        &official_passphrase().unwrap(),
    )
    .unwrap()
    .key_id();
    city.revoke_key(official_key, "thẻ bị mất", entropy::now())
        .unwrap();
    city.distribute(&[&world.dir("ward")]).unwrap();
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let error = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap_err();
    assert!(
        matches!(error, WardError::OfficialMayNotSign { .. }),
        "{error}"
    );
    // Nothing was decided: the copy still waits.
    assert_eq!(ward.queue(&QueueFilter::default()).unwrap().waiting, 1);
    assert!(ward.case(ids[0]).unwrap().report.decisions.is_empty());
}

#[test]
fn batch_approval_signs_only_clean_copies_each_with_its_own_number() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    // Two clean copies (bulk: no correction, confidences 93.4 % and up), then one with the
    // citizen's correction.
    let clean =
        bansao_testkit::world::issue_bulk(&world, 2, &[bansao_testkit::SAMPLE_SCAN.to_vec()])
            .unwrap();
    world.copy_database("kiosk", "ward").unwrap();
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    let year = vietnam_year(entropy::now());
    // A threshold above the copies' lowest confidence (93.4 %) leaves them all.
    let strict = ward
        .approve_clean(&clean, &official, 950, entropy::now())
        .unwrap();
    assert!(
        strict.iter().all(
            |outcome| matches!(outcome, BatchOutcome::Skipped { why, .. } if why.contains("93.4"))
        ),
        "{strict:?}"
    );
    assert!(numbers(&ward).is_empty(), "a skipped copy takes no number");

    let outcomes = ward
        .approve_clean(&clean, &official, 900, entropy::now())
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            BatchOutcome::Approved {
                copy_id: clean[0],
                certification_number: format!("1/{year}-{COPY_BOOK}"),
            },
            BatchOutcome::Approved {
                copy_id: clean[1],
                certification_number: format!("2/{year}-{COPY_BOOK}"),
            },
        ]
    );
    for copy in &clean {
        let case = ward.case(*copy).unwrap();
        assert_eq!(case.report.status, CopyStatus::Countersigned);
        assert_eq!(case.report.decisions.len(), 1, "signed once, on its own");
    }
    // Again: already decided, so skipped, and no number is spent.
    let again = ward
        .approve_clean(&clean, &official, 900, entropy::now())
        .unwrap();
    assert!(
        again
            .iter()
            .all(|outcome| matches!(outcome, BatchOutcome::Skipped { .. }))
    );
    assert_eq!(numbers(&ward).len(), 2);
}

#[test]
fn batch_approval_leaves_a_flagged_copy_for_a_closer_look() {
    let (_dir, world, ids) = ward_with_copies(1);
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(&official(), &official_passphrase().unwrap(), entropy::now())
        .unwrap();
    let outcomes = ward
        .approve_clean(&ids, &official, 900, entropy::now())
        .unwrap();
    assert!(
        matches!(&outcomes[..], [BatchOutcome::Skipped { why, .. }] if why.contains("công dân sửa")),
        "{outcomes:?}"
    );
    assert_eq!(
        ward.case(ids[0]).unwrap().report.status,
        CopyStatus::Provisional
    );
}
