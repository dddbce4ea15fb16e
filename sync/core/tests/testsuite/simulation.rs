//! Deterministic multi-node simulation: after faults heal, every node of the commune holds the
//! same heads for every copy, every scan, and the newest trust bundle.
use bansao_sync::simulation::{CITY, KIOSK_1, KIOSK_2, LAPTOP, SimConfig, Simulation, WARD};
use proptest::prelude::*;

fn converge(config: SimConfig) -> Simulation {
    let seed = config.seed;
    let mut sim = Simulation::new(config);
    sim.run_faults();
    assert!(sim.heal(30), "seed {seed}: still changing after 30 rounds");
    let reference = sim.nodes[WARD].replica.digests();
    assert_eq!(
        reference.len() as u64,
        sim.report.issued,
        "seed {seed}: the ward lacks copies ({:?})",
        sim.report
    );
    let city_bundle = sim.nodes[CITY].replica.trust_bundle.clone();
    for node in &sim.nodes {
        assert_eq!(
            node.replica.digests(),
            reference,
            "seed {seed}: {} holds other heads",
            node.name
        );
        assert_eq!(
            node.replica.blobs.len() as u64,
            sim.report.issued,
            "seed {seed}: {} lacks scans",
            node.name
        );
        assert!(
            node.replica.partial.is_empty(),
            "seed {seed}: {} kept partial scans",
            node.name
        );
        assert_eq!(node.replica.blobs_discarded, 0);
        assert_eq!(
            node.replica.trust_bundle, city_bundle,
            "seed {seed}: {} did not adopt the newer trust bundle",
            node.name
        );
    }
    sim
}

#[test]
fn without_faults_everything_reaches_everyone() {
    let mut config = SimConfig::with_seed(1);
    config.cut = 0.0;
    config.duplicate = 0.0;
    config.reorder = 0.0;
    config.partition = 0.0;
    let sim = converge(config);
    assert!(sim.report.issued > 5, "{:?}", sim.report);
    assert!(sim.report.decisions > 3, "{:?}", sim.report);
}

#[test]
fn a_kiosk_relays_for_another_and_decisions_come_back() {
    let mut sim = Simulation::new(SimConfig::with_seed(7));
    sim.issue(KIOSK_2);
    sim.issue(KIOSK_2);
    assert!(sim.heal(10));
    // Kiosk 2 has no link to the ward: its copies went through kiosk 1.
    assert_eq!(sim.nodes[CITY].replica.copies.len(), 2);
    sim.decide(WARD);
    assert!(sim.heal(10));
    let statuses: Vec<_> = sim.nodes[KIOSK_2]
        .replica
        .copies
        .values()
        .map(|copy| copy.status)
        .collect();
    assert!(
        statuses
            .iter()
            .any(|s| *s != bansao_copy::CopyStatus::Provisional),
        "the ward's decision did not reach kiosk 2: {statuses:?}"
    );
    assert_eq!(
        sim.nodes[KIOSK_2].replica.digests(),
        sim.nodes[CITY].replica.digests()
    );
    assert_eq!(sim.nodes[LAPTOP].replica.copies.len(), 2);
    assert_eq!(sim.nodes[KIOSK_1].replica.blobs.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn nodes_converge_after_faults_heal(seed in any::<u64>()) {
        let sim = converge(SimConfig::with_seed(seed));
        prop_assert!(sim.report.connections > 0);
    }
}

#[test]
fn the_faulty_period_really_is_faulty() {
    let mut config = SimConfig::with_seed(2024);
    config.fault_steps = 1500;
    let sim = converge(config);
    let report = &sim.report;
    assert!(report.cuts > 0, "{report:?}");
    assert!(report.duplicates + report.reorders > 0, "{report:?}");
    assert!(report.failed > 0, "{report:?}");
    assert!(report.finished > 0, "{report:?}");
    assert!(report.issued > 20 && report.decisions > 10, "{report:?}");
}
