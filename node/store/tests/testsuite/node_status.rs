//! Node statuses at rest: the newest kept per reporter (an older one is not), the sync
//! generation moves with them, and the history is sampled and pruned.

use bansao_store::{HistoryRules, NodeStatusRow, StatusSample, Store};

fn row(reporter: &str, sequence: u64, reported_at: i64) -> NodeStatusRow {
    NodeStatusRow {
        reporter: reporter.to_owned(),
        role: "kiosk".to_owned(),
        subject: format!("KIOSK-{reporter}"),
        commune: Some("00001".to_owned()),
        sequence,
        reported_at,
        received_at: "2026-01-01T00:00:00Z".to_owned(),
        digest: sequence.to_be_bytes().to_vec(),
        status_json: "{}".to_owned(),
        bytes: vec![sequence as u8; 10],
    }
}

fn sample(reported_at: i64) -> StatusSample {
    StatusSample {
        reported_at,
        lag_seconds: 5,
        ..StatusSample::default()
    }
}

#[test]
fn the_newest_status_is_kept_and_an_older_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("n.sqlite")).unwrap();
    let rules = HistoryRules::default();
    let generation = store.sync_generation().unwrap();
    assert!(
        store
            .save_node_status(&row("aa", 2, 1000), &sample(1000), rules)
            .unwrap()
    );
    assert!(store.sync_generation().unwrap() > generation);
    assert!(
        !store
            .save_node_status(&row("aa", 1, 2000), &sample(2000), rules)
            .unwrap()
    );
    assert!(
        !store
            .save_node_status(&row("aa", 2, 2000), &sample(2000), rules)
            .unwrap()
    );
    assert_eq!(store.node_status("aa").unwrap().unwrap().sequence, 2);
    assert!(
        store
            .save_node_status(&row("aa", 3, 3000), &sample(3000), rules)
            .unwrap()
    );
    assert_eq!(store.node_status_bytes("aa").unwrap().unwrap(), vec![3; 10]);
    assert_eq!(store.node_status_items("00001").unwrap().len(), 1);
    assert!(store.node_status_items("00002").unwrap().is_empty());
    // Reopened: still there.
    drop(store);
    let store = Store::open(&dir.path().join("n.sqlite")).unwrap();
    assert_eq!(store.node_statuses().unwrap().len(), 1);
}

#[test]
fn history_takes_one_sample_per_interval_and_forgets_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("n.sqlite")).unwrap();
    let rules = HistoryRules {
        sample_every: 100,
        keep: 1000,
    };
    // A status every 10 s for 2,000 s: one sample per 100 s, the last 1,000 s kept.
    for step in 0..200u64 {
        let at = 10_000 + step as i64 * 10;
        store
            .save_node_status(&row("bb", step + 1, at), &sample(at), rules)
            .unwrap();
    }
    let history = store.status_history(&["bb"], 0).unwrap();
    assert!(
        (10..=11).contains(&history.len()),
        "{} samples",
        history.len()
    );
    let newest = history.last().unwrap().1.reported_at;
    assert!(history.iter().all(|(_, s)| s.reported_at >= newest - 1000));
    assert!(
        history
            .windows(2)
            .all(|w| w[1].1.reported_at - w[0].1.reported_at >= 100)
    );
    assert_eq!(store.status_history_size().unwrap(), history.len() as u64);
}
