//! `/metrics` and `/healthz` of a real node (the bench world's ward, its store on disk, a real
//! sync round counted): the OpenMetrics text passes `promtool check metrics` (Debian's
//! `prometheus`, installed by deploy/setup.sh: the test fails, not skips, without it), every
//! metric a panel of deploy/grafana/bansao-dashboard.json uses is there, and `/healthz` says 503
//! until the sync service beats.

use std::io::Write;
use std::process::{Command, Stdio};

use bansao_node::metrics::METRIC_NAMES;
use bansao_node::sync::service::SyncNode;
use bansao_web::{MonitoringState, monitoring_router, with_request_counting};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(address: std::net::SocketAddr, path: &str) -> (u16, String, String) {
    get_with(address, path, "*/*").await
}

async fn get_with(
    address: std::net::SocketAddr,
    path: &str,
    accept: &str,
) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// The body of a chunked response, or the body as it is.
fn unchunk(head: &str, body: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

fn promtool_check(text: &str) -> (bool, String) {
    let mut child = match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => panic!(
            "promtool is needed to check /metrics ({error}): install Debian's `prometheus` (deploy/setup.sh does)"
        ),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// The metric names a Grafana dashboard's panels query.
fn dashboard_metrics() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/grafana/bansao-dashboard.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut names = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(at) = rest.find("bansao_") {
                let name: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                rest = &rest[at + name.len()..];
                names.push(name);
            }
        }
    }
    assert!(names.len() >= 10, "{names:?}");
    names
}

#[test]
fn metrics_pass_promtool_and_hold_every_metric_of_the_grafana_dashboard() {
    let root = tempfile::tempdir().unwrap();
    let world = bansao_testkit::World::create(root.path()).unwrap();
    bansao_testkit::world::issue_and_bring_to_ward(&world, 2).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ward = SyncNode::open(&world.dir("ward")).unwrap();
    let kiosk = SyncNode::open(&world.dir("kiosk")).unwrap();
    runtime.block_on(async {
        // A real round, kiosk to ward over loopback QUIC, so the counters have samples.
        let endpoint = ward.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let ward_address = endpoint.local_addr().unwrap();
        tokio::spawn({
            let ward = ward.clone();
            async move { ward.serve(endpoint).await }
        });
        let dialer = kiosk.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let outcome = kiosk
            .sync_once(&dialer, &ward_address.to_string())
            .await
            .unwrap();
        assert!(outcome.finished, "{outcome:?}");

        let router = with_request_counting(
            monitoring_router(MonitoringState::new(
                ward.metrics().clone(),
                bansao_web::monitoring::system_clock(),
            )),
            ward.metrics().clone(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(bansao_web::serve(listener, router, std::future::pending()));

        let (status, _, body) = get(address, "/healthz").await;
        assert_eq!(status, 503, "no sync service beat yet: {body}");
        assert!(body.contains("sync is not running"), "{body}");
        ward.metrics().beat(bansao_node::entropy::now());
        let (status, _, body) = get(address, "/healthz").await;
        assert_eq!((status, body.as_str()), (200, "ok\n"));

        // What Prometheus asks for: OpenMetrics, ending with # EOF.
        let (status, head, body) = get_with(
            address,
            "/metrics",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/openmetrics-text"),
            "{head}"
        );
        let openmetrics = unchunk(&head, &body);
        assert!(openmetrics.ends_with("# EOF\n"), "{openmetrics}");
        let (valid, said) =
            promtool_check(&bansao_node::metrics::openmetrics_to_classic(&openmetrics));
        assert!(
            valid,
            "promtool check metrics refused the OpenMetrics output: {said}"
        );
        // What curl and promtool get: the classic text format.
        let (status, head, body) = get(address, "/metrics").await;
        assert_eq!(status, 200);
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{head}"
        );
        let text = unchunk(&head, &body);
        let (valid, said) = promtool_check(&text);
        assert!(
            valid,
            "promtool check metrics refused the output: {said}\n{text}"
        );
        for name in METRIC_NAMES {
            assert!(
                text.contains(&format!("# TYPE {name} ")),
                "{name} missing:\n{text}"
            );
        }
        for name in dashboard_metrics() {
            assert!(
                METRIC_NAMES.contains(&name.as_str()),
                "the Grafana dashboard queries {name}, which the node does not export"
            );
            let sample = format!("\n{name}");
            assert!(
                text.contains(&format!("{sample}{{")) || text.contains(&format!("{sample} ")),
                "the dashboard's metric {name} has no sample in a real node's output:\n{text}"
            );
        }
        // The round was counted, and the earlier requests.
        assert!(
            text.contains("bansao_sync_sessions_total{side=\"responder\",outcome=\"finished\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("bansao_web_requests_total{method=\"GET\",status=\"2xx\"}"),
            "{text}"
        );
        assert!(
            text.contains("bansao_copies{status=\"provisional\"} 2"),
            "{text}"
        );
    });
}
