//! Node status documents: they reach the city through relays and faults, only upstream, the
//! newest kept; forged and older statuses are refused and counted.

use bansao_sync::simulation::{CITY, KIOSK_1, KIOSK_2, LAPTOP, SimConfig, Simulation, WARD};
use bansao_sync::status::{NodeStatus, STATUS_FORMAT, VerifiedStatus, open_status, sign_status};
use bansao_trust::testing::{COMMUNE, Hierarchy, Holder};

use crate::common::{drive_with, handle, kiosk_and_ward, now};

#[test]
fn statuses_reach_the_city_through_a_relaying_kiosk_despite_faults() {
    for seed in [3, 11, 29] {
        let mut sim = Simulation::new(SimConfig::with_seed(seed));
        sim.run_faults();
        // Every reporter makes one more status after the faults, which must arrive.
        for node in [WARD, KIOSK_1, KIOSK_2] {
            sim.report_status(node);
        }
        assert!(sim.heal(30), "seed {seed}: still changing");
        let city = &sim.nodes[CITY].replica.statuses;
        for node in [WARD, KIOSK_1, KIOSK_2] {
            let reporter = sim.nodes[node].identity.key_id;
            let held = city.get(&reporter).unwrap_or_else(|| {
                panic!(
                    "seed {seed}: the city lacks {}'s status",
                    sim.nodes[node].name
                )
            });
            assert_eq!(
                held.status.sequence, sim.nodes[node].status_sequence,
                "seed {seed}: the city holds an older status of {}",
                sim.nodes[node].name
            );
        }
        // Upstream only: no kiosk holds the ward's status; the laptop carries kiosks' only.
        let ward_key = sim.nodes[WARD].identity.key_id;
        for node in [KIOSK_1, KIOSK_2, LAPTOP] {
            assert!(
                !sim.nodes[node].replica.statuses.contains_key(&ward_key),
                "seed {seed}: the ward's status went down to {}",
                sim.nodes[node].name
            );
        }
        assert!(sim.report.statuses_reported >= 3, "{:?}", sim.report);
    }
}

fn status(holder: &Holder, reporter: &Holder, sequence: u64) -> Vec<u8> {
    sign_status(
        &NodeStatus {
            format: STATUS_FORMAT.to_owned(),
            reporter: reporter.key.key_id().to_hex(),
            sequence,
            reported_at: now().unix(),
            ..NodeStatus::default()
        },
        &holder.key,
    )
}

fn verified(bytes: &[u8], trust: &bansao_trust::TrustContext) -> VerifiedStatus {
    open_status(bytes, trust, Some(COMMUNE), now().unix()).unwrap()
}

#[test]
fn a_newer_status_replaces_the_held_one() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    ward.replica
        .keep_status(verified(&status(&h.kiosk, &h.kiosk, 5), &trust));
    kiosk
        .replica
        .keep_status(verified(&status(&h.kiosk, &h.kiosk, 6), &trust));
    let (_, errors) = drive_with(&mut kiosk, &mut ward, &mut |to, body| (0, handle(to, body)));
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert!(kiosk.session.is_finished() && ward.session.is_finished());
    assert_eq!(
        ward.replica.statuses[&h.kiosk.key.key_id()].status.sequence,
        6
    );
    assert_eq!(ward.session.stats().statuses_received, 1);
    assert_eq!(ward.session.stats().statuses_refused, 0);
}

#[test]
fn forged_and_older_statuses_are_refused_and_counted() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    let kiosk_key = h.kiosk.key.key_id();
    ward.replica
        .keep_status(verified(&status(&h.kiosk, &h.kiosk, 5), &trust));
    // The kiosk's replica offers, under the kiosk's key, a status the official signed (forged)
    // and claims sequence 9 for it in the reconciliation.
    let forged = status(&h.official, &h.kiosk, 9);
    let mut lie = verified(&status(&h.kiosk, &h.kiosk, 9), &trust);
    lie.bytes = forged;
    kiosk.replica.statuses.insert(kiosk_key, lie);
    let (_, errors) = drive_with(&mut kiosk, &mut ward, &mut |to, body| (0, handle(to, body)));
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert_eq!(ward.session.stats().statuses_refused, 1);
    assert_eq!(ward.replica.statuses[&kiosk_key].status.sequence, 5);

    // A genuine but older status (sequence 3) whose item claims sequence 8.
    let (mut kiosk, mut ward_again) = kiosk_and_ward(&h, &trust);
    ward_again.replica = ward.replica.clone();
    let mut older = verified(&status(&h.kiosk, &h.kiosk, 3), &trust);
    older.status.sequence = 8;
    kiosk.replica.statuses.insert(kiosk_key, older);
    let (_, errors) = drive_with(&mut kiosk, &mut ward_again, &mut |to, body| {
        (0, handle(to, body))
    });
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert_eq!(ward_again.session.stats().statuses_refused, 1);
    assert_eq!(ward_again.replica.statuses[&kiosk_key].status.sequence, 5);
}

#[test]
fn a_ward_does_not_send_statuses_down_to_its_kiosk() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    ward.replica
        .keep_status(verified(&status(&h.ward, &h.ward, 2), &trust));
    let (_, errors) = drive_with(&mut kiosk, &mut ward, &mut |to, body| (0, handle(to, body)));
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert!(kiosk.replica.statuses.is_empty());
    assert_eq!(ward.session.stats().statuses_sent, 0);
}
