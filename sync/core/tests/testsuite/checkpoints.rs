//! The city log's checkpoints travel down the simulated network: every node ends holding the
//! city's latest, relayed by the ward and by a kiosk, each step proven; a city that forks its
//! log is caught by whoever it offers the fork to, and nobody goes back or takes the fork.
use bansao_sync::checkpoints::CheckpointProblemKind;
use bansao_sync::simulation::{CITY, KIOSK_1, KIOSK_2, SimConfig, Simulation, WARD};

fn quiet_config(seed: u64) -> SimConfig {
    let mut config = SimConfig::with_seed(seed);
    config.cut = 0.0;
    config.duplicate = 0.0;
    config.reorder = 0.0;
    config.partition = 0.0;
    config
}

fn held_size(sim: &Simulation, node: usize) -> u64 {
    sim.nodes[node].replica.held().map_or(0, |held| held.size)
}

#[test]
fn the_city_checkpoint_reaches_every_node_through_relays() {
    let mut sim = Simulation::new(quiet_config(3));
    sim.city_logs(10);
    assert!(sim.heal(30));
    for node in 1..sim.nodes.len() {
        assert_eq!(held_size(&sim, node), 10, "{}", sim.nodes[node].name);
    }
    // Grown twice: every node moves forward by proofs (the ward's own, relayed on).
    sim.city_logs(7);
    assert!(sim.heal(30));
    sim.city_logs(300);
    assert!(sim.heal(30));
    for node in 1..sim.nodes.len() {
        let replica = &sim.nodes[node].replica;
        assert_eq!(held_size(&sim, node), 317, "{}", sim.nodes[node].name);
        assert!(
            replica.checkpoint_problems.is_empty(),
            "{:?}",
            replica.checkpoint_problems
        );
        let sizes: Vec<u64> = replica
            .held_checkpoints
            .iter()
            .map(|taken| taken.size)
            .collect();
        assert!(sizes.windows(2).all(|pair| pair[0] < pair[1]), "{sizes:?}");
    }
    assert_eq!(
        sim.nodes[KIOSK_2].replica.held(),
        sim.nodes[CITY].replica.held()
    );
}

#[test]
fn checkpoints_survive_faults() {
    for seed in [11, 12, 13] {
        let mut sim = Simulation::new(SimConfig::with_seed(seed));
        sim.city_logs(5);
        sim.run_faults();
        sim.city_logs(40);
        assert!(sim.heal(30), "seed {seed}");
        for node in 1..sim.nodes.len() {
            assert_eq!(
                held_size(&sim, node),
                45,
                "seed {seed}: {}",
                sim.nodes[node].name
            );
            assert!(sim.nodes[node].replica.checkpoint_problems.is_empty());
        }
    }
}

#[test]
fn a_forked_log_is_reported_and_the_held_checkpoint_kept() {
    let mut sim = Simulation::new(quiet_config(5));
    sim.city_logs(21);
    assert!(sim.heal(30));
    let held_before = sim.nodes[WARD].replica.held();
    // Another history of 40 leaves, signed by the real log key.
    sim.city_forks_its_log(40);
    assert!(sim.heal(30));
    let ward = &sim.nodes[WARD].replica;
    assert_eq!(
        ward.held(),
        held_before,
        "the ward took the forked checkpoint"
    );
    assert_eq!(
        ward.checkpoint_problems.len(),
        1,
        "{:?}",
        ward.checkpoint_problems
    );
    assert_eq!(
        ward.checkpoint_problems[0].kind,
        CheckpointProblemKind::Fork
    );
    for node in [KIOSK_1, KIOSK_2] {
        assert_eq!(sim.nodes[node].replica.held(), held_before);
    }
    // Same size, other root: a fork too.
    let mut sim = Simulation::new(quiet_config(6));
    sim.city_logs(16);
    assert!(sim.heal(30));
    sim.city_forks_its_log(16);
    assert!(sim.heal(30));
    assert_eq!(
        sim.nodes[WARD].replica.checkpoint_problems[0].kind,
        CheckpointProblemKind::Fork
    );
}
