//! The dashboard with 1,000 kiosks of 50 wards and three days of their history (288 samples
//! each, 15 minutes apart): the server time of the page (the monitoring service's read and the
//! rendering), first page and a ward's page and one kiosk's page, as JSON lines
//! (`cargo bench -p bansao-web --bench dashboard`). The target is 300 ms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use bansao_copy::Timestamp;
use bansao_node::monitoring::{DashboardQuery, dashboard_at, node_detail_at};
use bansao_store::{HistoryRules, NodeStatusRow, StatusSample, Store};
use bansao_sync::status::{NodeStatus, OldestProvisional, PeerReport, STATUS_FORMAT};
use bansao_web::dashboard::{render_dashboard, render_node};
use bansao_web::pages::Chrome;

/// The frame a signed-in staff member's page has.
fn chrome() -> Chrome {
    Chrome {
        place: "Sở Tư pháp (bench)".to_owned(),
        home: "/dashboard",
        nav: bansao_web::city::CITY_NAV,
        person: Some("Cán bộ (STAFF-01)".to_owned()),
        csrf: "0".repeat(64),
    }
}

const WARDS: usize = 50;
const KIOSKS: usize = 1_000;
const SAMPLES: i64 = 288;

fn fill(store: &mut Store, now: i64) {
    let rules = HistoryRules::default();
    for index in 0..(WARDS + KIOSKS) {
        let ward = index < WARDS;
        let commune = format!("{:05}", if ward { index } else { (index - WARDS) % WARDS });
        let reporter = format!("{index:016x}");
        let subject = if ward {
            format!("Xã {commune}")
        } else {
            format!("KIOSK-{commune}-{index:04}")
        };
        // Every 97th kiosk went silent two days ago.
        let silent = !ward && index % 97 == 0;
        let last = if silent { now - 2 * 86_400 } else { now - 300 };
        for step in 0..SAMPLES {
            let at = last - (SAMPLES - 1 - step) * 900;
            let status = NodeStatus {
                format: STATUS_FORMAT.to_owned(),
                reporter: reporter.clone(),
                role: if ward { "ward" } else { "kiosk" }.to_owned(),
                subject: subject.clone(),
                commune: Some(commune.clone()),
                sequence: u64::try_from(step + 1).unwrap(),
                reported_at: at,
                software_version: "0.1.0".to_owned(),
                copies: 500,
                provisional_copies: 12,
                oldest_provisional: Some(OldestProvisional {
                    copy_id: "01M8XP5TK0ZGEGZDYJ0WEYW2QZ".to_owned(),
                    issued_at: at - 3_600,
                }),
                peers: vec![PeerReport {
                    key_id: format!("{:016x}", index % WARDS),
                    subject: Some(format!("Xã {commune}")),
                    role: Some("ward".to_owned()),
                    last_contact: Some(at),
                    last_success: Some(at),
                    backlog_out: u64::try_from(step % 7).unwrap(),
                    lag_seconds: u64::try_from(step % 5 * 60).unwrap(),
                    bytes_sent: u64::try_from(step * 40_000).unwrap(),
                    bytes_received: u64::try_from(step * 3_000).unwrap(),
                    ..PeerReport::default()
                }],
            };
            let row = NodeStatusRow {
                reporter: reporter.clone(),
                role: status.role.clone(),
                subject: subject.clone(),
                commune: Some(commune.clone()),
                sequence: status.sequence,
                reported_at: at,
                received_at: Timestamp::from_unix(at).unwrap().to_rfc3339(),
                digest: vec![0; 16],
                status_json: serde_json::to_string(&status).unwrap(),
                bytes: vec![0; 900],
            };
            let sample = StatusSample {
                reported_at: at,
                lag_seconds: status.peers[0].lag_seconds,
                backlog_out: status.peers[0].backlog_out,
                bytes_sent: status.peers[0].bytes_sent,
                bytes_received: status.peers[0].bytes_received,
                ..StatusSample::default()
            };
            store.save_node_status(&row, &sample, rules).unwrap();
        }
    }
}

fn median_ms(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("city.sqlite");
    let now = bansao_node::entropy::now();
    let started = Instant::now();
    {
        let mut store = Store::open(&database).unwrap();
        fill(&mut store, now.unix());
        let samples = store.status_history_size().unwrap();
        eprintln!(
            "filled {} statuses, {samples} history samples in {:.1} s",
            WARDS + KIOSKS,
            started.elapsed().as_secs_f64()
        );
    }
    let measure = |name: &str, query: DashboardQuery| {
        let mut runs = Vec::new();
        let mut bytes = 0;
        for _ in 0..15 {
            let started = Instant::now();
            let dashboard = dashboard_at(&database, now, 86_400, &query).unwrap();
            let html = render_dashboard(&dashboard, chrome()).unwrap();
            runs.push(started.elapsed().as_secs_f64() * 1000.0);
            bytes = html.len();
            assert_eq!(dashboard.total_kiosks, KIOSKS);
        }
        println!(
            "{}",
            serde_json::json!({"name": name, "value": median_ms(runs.clone()), "unit": "ms",
                "kiosks": KIOSKS, "wards": WARDS, "history_samples_per_node": SAMPLES,
                "runs": runs.len(), "max_ms": runs.iter().copied().fold(0.0, f64::max),
                "html_bytes": bytes, "target_ms": 300})
        );
    };
    measure(
        "dashboard_1000_kiosks_first_page",
        DashboardQuery::default(),
    );
    measure(
        "dashboard_1000_kiosks_one_ward",
        DashboardQuery {
            commune: Some("00007".to_owned()),
            ..DashboardQuery::default()
        },
    );
    let mut runs = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let detail = node_detail_at(&database, &format!("{:016x}", WARDS + 5), now, 86_400)
            .unwrap()
            .unwrap();
        render_node(&detail, now.unix(), chrome()).unwrap();
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{}",
        serde_json::json!({"name": "dashboard_one_kiosk_page", "value": median_ms(runs), "unit": "ms",
            "kiosks": KIOSKS, "history_samples": SAMPLES, "target_ms": 300})
    );
}
