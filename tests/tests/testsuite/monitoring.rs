//! Monitoring over real QUIC: a kiosk's signed status reaches the city through a fellow kiosk
//! and the ward (the city never talks to a kiosk), carrying its sync state and oldest
//! provisional copy; only the newest status per node is kept.

use bansao_node::sync::status_report::stored_report;
use bansao_store::Store;

use crate::sync::{issue, runtime, serve, sync, world};

fn statuses(dir: &std::path::Path) -> Vec<bansao_store::NodeStatusRow> {
    Store::open(&dir.join("bansao.sqlite"))
        .unwrap()
        .node_statuses()
        .unwrap()
}

#[test]
fn a_kiosks_status_reaches_the_city_through_a_fellow_kiosk_and_the_ward() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, kiosk2_dir, ward_dir, city_dir] =
        world.dirs(["kiosk", "kiosk-2", "ward", "city"]);
    let issued = issue(&kiosk2_dir, 2);
    let (_kiosk, kiosk_address) = serve(&runtime, &kiosk_dir);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);
    assert!(sync(&runtime, &kiosk2_dir, kiosk_address).unwrap().finished);
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);

    let at_city = statuses(&city_dir);
    let subjects: Vec<&str> = at_city.iter().map(|row| row.subject.as_str()).collect();
    assert!(subjects.contains(&"KIOSK-TANLAP-02"), "{subjects:?}");
    assert!(subjects.contains(&"KIOSK-TANLAP-01"), "{subjects:?}");
    assert!(
        at_city.iter().any(|row| row.role == "ward"),
        "the ward's own: {subjects:?}"
    );
    let kiosk2 = at_city
        .iter()
        .find(|row| row.subject == "KIOSK-TANLAP-02")
        .unwrap();
    let report = stored_report(kiosk2).unwrap();
    assert_eq!(report.provisional_copies, 2);
    assert_eq!(
        report.oldest_provisional.unwrap().copy_id,
        issued[0].to_string()
    );
    assert_eq!(report.software_version, env!("CARGO_PKG_VERSION"));
    // The ward's status names the kiosk it synced with, and when.
    let ward = at_city.iter().find(|row| row.role == "ward").unwrap();
    let ward_report = stored_report(ward).unwrap();
    assert!(
        ward_report
            .peers
            .iter()
            .any(|peer| peer.subject.as_deref() == Some("KIOSK-TANLAP-01")
                && peer.last_contact.is_some()),
        "{ward_report:?}"
    );
    // Nothing comes back down: the kiosks hold no ward status.
    assert!(statuses(&kiosk_dir).iter().all(|row| row.role == "kiosk"));

    // A second round: the kiosk's newer status replaces the held one at the ward.
    let before = statuses(&ward_dir)
        .into_iter()
        .find(|row| row.subject == "KIOSK-TANLAP-01")
        .unwrap()
        .sequence;
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    let at_ward = statuses(&ward_dir);
    let kiosk_rows: Vec<_> = at_ward
        .iter()
        .filter(|row| row.subject == "KIOSK-TANLAP-01")
        .collect();
    assert_eq!(kiosk_rows.len(), 1);
    assert!(kiosk_rows[0].sequence > before);
}
