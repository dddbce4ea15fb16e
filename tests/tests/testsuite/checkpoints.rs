//! The city log's checkpoints travelling down over real QUIC on loopback: the ward takes the
//! city's checkpoint and its kiosk takes it from the ward; a rogue upstream holding the city's
//! keys (a copy of the city's directory whose log took another entry after the split) offers
//! its checkpoint to the ward, which keeps the one it holds, records the fork once, shows it in
//! `bansao status` and `bansao ward reconcile`, and takes the real city's next, consistent one.

use std::path::Path;
use std::time::Duration;

use bansao_node::city::City;
use bansao_node::entropy;
use bansao_store::Store;

use crate::city::{approve_at_ward, set_registration};
use crate::common;
use crate::sync::{issue, runtime, serve, sync, wait_until, world};

/// The checkpoint the node at `dir` holds: (size, note).
fn held_at(dir: &Path) -> Option<(u64, String)> {
    Store::open(&dir.join("bansao.sqlite"))
        .unwrap()
        .held_checkpoint()
        .unwrap()
        .map(|held| (held.tree_size, held.note))
}

/// The latest checkpoint the city at `dir` signed: (size, note).
fn signed_at(dir: &Path) -> Option<(u64, String)> {
    Store::open(&dir.join("bansao.sqlite"))
        .unwrap()
        .latest_log_checkpoint()
        .unwrap()
        .map(|signed| (signed.tree_size, signed.note))
}

fn forks_at(dir: &Path) -> Vec<bansao_store::LogFork> {
    Store::open(&dir.join("bansao.sqlite"))
        .unwrap()
        .log_forks()
        .unwrap()
}

/// Copies the city directory `from` to `to` as it is now: every file, and the database as one
/// consistent snapshot (`VACUUM INTO`, safe while the city serves). The copy signs with the
/// city's keys: a second city log that shares the first one's history up to here.
fn split_city(from: &Path, to: &Path) {
    copy_files(from, to);
    rusqlite::Connection::open(from.join("bansao.sqlite"))
        .unwrap()
        .execute(
            "VACUUM INTO ?1",
            [to.join("bansao.sqlite").to_str().unwrap()],
        )
        .unwrap();
}

fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("bansao.sqlite") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_files(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn a_forked_checkpoint_offered_to_a_ward_is_detected_recorded_once_and_the_held_one_kept() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, ward_dir, city_dir, kiosk_b_dir, ward_b_dir] =
        world.dirs(["kiosk", "ward", "city", "kiosk-b", "ward-b"]);
    let fork_dir = world.dir("city-fork");
    set_registration(&city_dir, "held");
    let issued = issue(&kiosk_dir, 2);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    approve_at_ward(&ward_dir, issued[0]);
    approve_at_ward(&ward_dir, issued[1]);

    // The ward brings two issues and two approvals; the city logs them and signs a checkpoint
    // of 4 entries, which the ward takes at its next round (its first: on the signature).
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    wait_until("the city signs 4 entries", Duration::from_secs(20), || {
        signed_at(&city_dir).is_some_and(|(size, _)| size == 4)
    });
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    assert_eq!(held_at(&ward_dir), signed_at(&city_dir));

    // The split: a copy of the city with its keys, whose log then takes another entry (a
    // registration) than the real city's (a copy issued at the other commune's kiosk).
    split_city(&city_dir, &fork_dir);
    let now = entropy::now();
    let mut fork = City::open(&fork_dir).unwrap();
    fork.register(issued[1], now).unwrap();
    let round = fork
        .keep_log(bansao_copy::Timestamp::from_unix(now.unix() + 5).unwrap())
        .unwrap();
    assert_eq!(round.checkpoint, Some(5), "{round:?}");
    drop(fork);
    let (forked_size, forked_note) = signed_at(&fork_dir).unwrap();

    std::thread::sleep(Duration::from_millis(1100));
    issue(&kiosk_b_dir, 1);
    let (_ward_b, ward_b_address) = serve(&runtime, &ward_b_dir);
    assert!(
        sync(&runtime, &kiosk_b_dir, ward_b_address)
            .unwrap()
            .finished
    );
    assert!(sync(&runtime, &ward_b_dir, city_address).unwrap().finished);
    wait_until("the city signs 5 entries", Duration::from_secs(20), || {
        signed_at(&city_dir).is_some_and(|(size, _)| size == 5)
    });
    let (real_size, real_note) = signed_at(&city_dir).unwrap();
    assert_eq!(real_size, forked_size);
    assert_ne!(real_note, forked_note, "two histories of the same size");

    // The ward takes the real city's 5 (proven consistent with its 4).
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    assert_eq!(held_at(&ward_dir), Some((5, real_note.clone())));

    // The rogue upstream offers its 5: the ward keeps its own and records the fork, once
    // however often it is offered again.
    let (_fork, fork_address) = serve(&runtime, &fork_dir);
    for _ in 0..2 {
        let outcome = sync(&runtime, &ward_dir, fork_address).unwrap();
        assert!(outcome.finished, "{outcome:?}");
        assert_eq!(held_at(&ward_dir), Some((5, real_note.clone())));
        let forks = forks_at(&ward_dir);
        assert_eq!(forks.len(), 1, "{forks:?}");
        assert_eq!(forks[0].kind, "fork");
        assert_eq!(
            (&forks[0].held_note, &forks[0].offered_note),
            (&real_note, &forked_note)
        );
        assert!(
            forks[0]
                .detail
                .contains("two signed checkpoints of 5 leaves"),
            "{}",
            forks[0].detail
        );
    }

    // `bansao status` and `bansao ward reconcile` show it.
    let ward = ward_dir.to_str().unwrap();
    let status = common::bansao(&["status", "--node", ward]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    status.assert_stdout_has("giữ điểm kiểm 5 mục (checkpoint of 5 entries)");
    status.assert_stdout_has("1 bất thường của sổ nhật ký thành phố");
    status.assert_stdout_has("two signed checkpoints of 5 leaves with different roots");
    let status = common::bansao(&["status", "--node", ward, "--json"]).json();
    assert_eq!(status["held_checkpoint"]["tree_size"], 5, "{status:#}");
    assert_eq!(status["log_forks"][0]["kind"], "fork", "{status:#}");
    assert_eq!(status["log_forks"][0]["offered_note"], forked_note.as_str());
    let reconcile = common::bansao(&["ward", "reconcile", "--node", ward, "--json"]);
    assert_eq!(reconcile.code, 0, "{}", reconcile.stderr);
    let reconcile = reconcile.json();
    assert_eq!(reconcile["clear"], false, "{reconcile:#}");
    assert_eq!(reconcile["log_forks"][0]["kind"], "fork", "{reconcile:#}");

    // The rogue registration the ward received reaches the real city, which logs it: the
    // ward takes that checkpoint, consistent with its own, and the fork stays recorded once.
    std::thread::sleep(Duration::from_millis(1100));
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    wait_until("the city signs 6 entries", Duration::from_secs(20), || {
        signed_at(&city_dir).is_some_and(|(size, _)| size == 6)
    });
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    assert_eq!(held_at(&ward_dir), signed_at(&city_dir));
    assert_eq!(held_at(&ward_dir).unwrap().0, 6);
    // Offered again, the rogue's older 5 is nothing the ward takes or records anew.
    assert!(sync(&runtime, &ward_dir, fork_address).unwrap().finished);
    assert_eq!(held_at(&ward_dir).unwrap().0, 6);
    assert_eq!(forks_at(&ward_dir).len(), 1);

    // The kiosk takes the ward's checkpoint from the ward (a relay, not the city).
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    assert_eq!(held_at(&kiosk_dir), held_at(&ward_dir));
    assert!(forks_at(&kiosk_dir).is_empty());
}
