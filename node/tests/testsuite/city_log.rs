//! The city's transparency log on the testkit's world (real ceremonies, real SQLite files):
//! every signature of a copy the city learns is logged once, re-syncing adds nothing, the
//! checkpoint is signed by the log key the trust list certifies at most once per interval, the
//! registration policy registers approved copies or holds them, and registered copies receive
//! the inclusion proof of their registration.

use std::path::Path;

use bansao_copy::{CopyId, CopyStatus, Decision, LoggedEvent, Timestamp};
use bansao_node::city::City;
use bansao_node::city_log::{log_origin, log_verifiers};
use bansao_node::entropy;
use bansao_store::Store;
use bansao_testkit::World;
use bansao_tlog::{Hash, InclusionProof, VerifiedCheckpoint, verify_inclusion};

/// A world whose kiosk issued `count` copies, brought to the ward; the ward approved the first
/// `approved`.
fn world_with_copies(count: usize, approved: usize) -> (tempfile::TempDir, World, Vec<CopyId>) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    let ids = bansao_testkit::world::issue_and_bring_to_ward(&world, count).unwrap();
    bansao_testkit::world::approve(&world, "ward", &ids[..approved]).unwrap();
    (dir, world, ids)
}

/// Gives the city the ward's version of `copies`, as the ward's sync would (merged with what
/// the city holds).
fn bring_to_city(world: &World, copies: &[CopyId]) {
    let ward = Store::open(&world.dir("ward").join("bansao.sqlite")).unwrap();
    let mut city = Store::open(&world.dir("city").join("bansao.sqlite")).unwrap();
    let trust = City::open(&world.dir("city")).unwrap().trust().unwrap();
    let mut batch: Vec<_> = copies
        .iter()
        .map(|copy_id| {
            let document = ward
                .load_copy(*copy_id, entropy::new_actor().unwrap())
                .unwrap();
            let status = bansao_node::copies::status_report(&document, &trust)
                .unwrap()
                .status;
            (document, status)
        })
        .collect();
    city.save_received_copies(&mut batch, entropy::now(), |document, stored| {
        let mut stored =
            bansao_copy::CopyDocument::load(stored, entropy::new_actor().unwrap()).unwrap();
        document.merge(&mut stored).unwrap();
        Some(
            bansao_node::copies::status_report(document, &trust)
                .unwrap()
                .status,
        )
    })
    .unwrap();
}

fn set_city_section(city_dir: &Path, section: &str) {
    let path = city_dir.join("bansao.toml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(&format!("\n[city]\n{section}\n"));
    std::fs::write(&path, config).unwrap();
}

fn status_at_city(world: &World, copy_id: CopyId) -> CopyStatus {
    let city = City::open(&world.dir("city")).unwrap();
    let trust = city.trust().unwrap();
    let store = Store::open(&world.dir("city").join("bansao.sqlite")).unwrap();
    let document = store
        .load_copy(copy_id, entropy::new_actor().unwrap())
        .unwrap();
    bansao_node::copies::status_report(&document, &trust)
        .unwrap()
        .status
}

fn decisions_logged(world: &World, copy_id: CopyId) -> Vec<Decision> {
    let store = Store::open(&world.dir("city").join("bansao.sqlite")).unwrap();
    store
        .log_entries_of_copy(&copy_id.to_string())
        .unwrap()
        .iter()
        .map(
            |entry| match LoggedEvent::from_cbor(&entry.entry).unwrap() {
                LoggedEvent::Signature { record, .. } => record.decision,
                other => panic!("unexpected {other:?}"),
            },
        )
        .collect()
}

fn later(now: Timestamp, seconds: i64) -> Timestamp {
    Timestamp::from_unix(now.unix() + seconds).unwrap()
}

#[test]
fn the_city_logs_each_signature_once_registers_automatically_and_gives_copies_their_proof() {
    let (_dir, world, ids) = world_with_copies(3, 2);
    set_city_section(
        &world.dir("city"),
        "registration = \"automatic\"\ncheckpoint_interval_seconds = 10",
    );
    bring_to_city(&world, &ids);
    let now = entropy::now();
    let mut city = City::open(&world.dir("city")).unwrap();
    let round = city.keep_log(now).unwrap();
    assert_eq!(round.registered, ids[..2].to_vec());
    // Three issues, two approvals, two registrations.
    assert_eq!(round.logged, 7, "{round:?}");
    assert_eq!(round.checkpoint, Some(7));
    assert_eq!(round.proofs_attached, 2);
    assert_eq!(
        decisions_logged(&world, ids[0]),
        [Decision::Issue, Decision::Approve, Decision::Register]
    );
    assert_eq!(decisions_logged(&world, ids[2]), [Decision::Issue]);
    assert_eq!(status_at_city(&world, ids[0]), CopyStatus::Registered);
    assert_eq!(status_at_city(&world, ids[2]), CopyStatus::Provisional);

    // The checkpoint is signed by the log key the trust list certifies, under the city's origin.
    let trust = city.trust().unwrap();
    let verifiers: Vec<_> = log_verifiers(&trust).into_iter().map(|(v, _)| v).collect();
    assert_eq!(verifiers.len(), 1);
    let note = city.latest_checkpoint().unwrap().note;
    let checkpoint =
        VerifiedCheckpoint::open(note.as_bytes(), &log_origin(&trust), &verifiers).unwrap();
    assert_eq!(checkpoint.head().size, 7);
    assert!(
        VerifiedCheckpoint::open(note.as_bytes(), "another/log", &verifiers).is_err(),
        "the origin is checked"
    );

    // The registered copy carries its registration's leaf, proof and checkpoint.
    let store = Store::open(&world.dir("city").join("bansao.sqlite")).unwrap();
    let document = store
        .load_copy(ids[0], entropy::new_actor().unwrap())
        .unwrap();
    let inclusion = document.log_inclusion().unwrap().unwrap();
    assert_eq!(inclusion.checkpoint, note);
    let proof = InclusionProof {
        leaf_index: inclusion.leaf_index,
        tree_size: inclusion.tree_size,
        path: inclusion.path.iter().map(|hash| Hash(*hash)).collect(),
    };
    verify_inclusion(&inclusion.entry, checkpoint.head(), &proof).unwrap();
    match LoggedEvent::from_cbor(&inclusion.entry).unwrap() {
        LoggedEvent::Signature {
            copy_id, record, ..
        } => assert_eq!((copy_id, record.decision), (ids[0], Decision::Register)),
        other => panic!("unexpected {other:?}"),
    }
    drop(store);

    // A round with nothing new, and the same copies synced again, add nothing.
    let round = city.keep_log(later(now, 1)).unwrap();
    assert_eq!(
        (round.logged, round.checkpoint, round.proofs_attached),
        (0, None, 0)
    );
    bring_to_city(&world, &ids);
    let round = city.keep_log(later(now, 2)).unwrap();
    assert_eq!((round.logged, round.tree_size), (0, 7), "{round:?}");

    // The third copy is approved: logged and registered at once, but the next checkpoint waits
    // for the interval; then its proof follows.
    bansao_testkit::world::approve(&world, "ward", &ids[2..]).unwrap();
    bring_to_city(&world, &ids[2..]);
    let round = city.keep_log(later(now, 3)).unwrap();
    assert_eq!(round.registered, vec![ids[2]]);
    assert_eq!((round.logged, round.checkpoint), (2, None));
    assert_eq!(round.proofs_attached, 0);
    let round = city.keep_log(later(now, 11)).unwrap();
    assert_eq!((round.checkpoint, round.proofs_attached), (Some(9), 1));
    assert_eq!(city.prove_copy(ids[2]).unwrap().len(), 3);
}

#[test]
fn held_registration_leaves_approved_copies_for_a_person_and_logs_their_approval() {
    let (_dir, world, ids) = world_with_copies(1, 1);
    bring_to_city(&world, &ids);
    let mut city = City::open(&world.dir("city")).unwrap();
    let round = city.keep_log(entropy::now()).unwrap();
    assert!(round.registered.is_empty());
    assert_eq!(round.logged, 2);
    assert_eq!(status_at_city(&world, ids[0]), CopyStatus::Countersigned);
    // The person registers; the next round logs it and gives the copy its proof.
    city.register(ids[0], entropy::now()).unwrap();
    let round = city.keep_log(later(entropy::now(), 10)).unwrap();
    assert_eq!((round.logged, round.proofs_attached), (1, 1));
}

#[test]
fn a_city_section_with_unknown_values_is_refused_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::create(dir.path()).unwrap();
    set_city_section(
        &world.dir("city"),
        "registration = \"sometimes\"\ncheckpoint_interval_seconds = 0",
    );
    let error = City::open(&world.dir("city")).unwrap_err().to_string();
    assert!(
        error.contains("city.registration \"sometimes\"")
            && error.contains("checkpoint_interval_seconds 0"),
        "{error}"
    );
}

#[test]
fn revocations_are_logged_once() {
    let (_dir, world, ids) = world_with_copies(1, 0);
    let mut city = City::open(&world.dir("city")).unwrap();
    city.keep_log(entropy::now()).unwrap();
    city.revoke_copy(ids[0], "bản gốc giả", entropy::now())
        .unwrap();
    let round = city.keep_log(entropy::now()).unwrap();
    assert_eq!(round.logged, 1);
    assert_eq!(city.keep_log(entropy::now()).unwrap().logged, 0);
}

#[test]
fn registering_many_copies_in_one_transaction_leaves_a_refused_copy_as_it_was() {
    let (_dir, world, ids) = world_with_copies(4, 3);
    bring_to_city(&world, &ids);
    let mut city = City::open(&world.dir("city")).unwrap();
    let now = entropy::now();
    // The fourth copy was not approved: registering it is not allowed.
    let outcomes = city.register_many(&ids, now).unwrap();
    assert_eq!(outcomes.len(), 4);
    for outcome in &outcomes[..3] {
        assert_eq!(
            outcome.as_ref().unwrap().report.status,
            CopyStatus::Registered
        );
    }
    let refused = outcomes[3].as_ref().unwrap_err().to_string();
    assert!(refused.contains("provisional"), "{refused}");
    drop(city);
    for copy_id in &ids[..3] {
        assert_eq!(status_at_city(&world, *copy_id), CopyStatus::Registered);
    }
    assert_eq!(status_at_city(&world, ids[3]), CopyStatus::Provisional);
    // Registering them again is refused for each, and nothing changes.
    let mut city = City::open(&world.dir("city")).unwrap();
    let again = city.register_many(&ids[..3], later(now, 5)).unwrap();
    assert!(again.iter().all(Result::is_err), "{again:?}");
}
