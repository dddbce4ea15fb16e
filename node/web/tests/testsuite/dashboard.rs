//! The city's monitoring dashboard in a real Chromium: a kiosk's status reaches the city by a
//! real sync (kiosk → ward → city over loopback QUIC); the kiosk is online, then stops syncing,
//! and as the dashboard's clock moves past the stale threshold (25 hours later, no sleeping)
//! the page shows it stale and highlighted; its own page shows its peers and charts. The
//! dashboard is for signed-in city staff only.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bansao_copy::Timestamp;
use bansao_node::city::City;
use bansao_node::sync::service::SyncNode;
use bansao_testkit::world::{STAFF_ID, STAFF_PASSPHRASE};
use bansao_web::dashboard::{DashboardState, dashboard_router};
use bansao_web::{CityState, SessionRules};

use crate::browser::Browser;

async fn sync(from: &SyncNode, to: &SyncNode) {
    let endpoint = to.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = endpoint.local_addr().unwrap();
    tokio::spawn({
        let to = to.clone();
        async move { to.serve(endpoint).await }
    });
    let dialer = from.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let outcome = from.sync_once(&dialer, &address.to_string()).await.unwrap();
    assert!(outcome.finished, "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_that_stops_syncing_turns_stale_on_the_dashboard() {
    let root = tempfile::tempdir().unwrap();
    let world = bansao_testkit::World::create(root.path()).unwrap();
    bansao_testkit::world::issue_and_bring_to_ward(&world, 2).unwrap();
    bansao_testkit::world::certify_staff(&world).unwrap();
    let kiosk = SyncNode::open(&world.dir("kiosk")).unwrap();
    let ward = SyncNode::open(&world.dir("ward")).unwrap();
    let city = SyncNode::open(&world.dir("city")).unwrap();
    sync(&kiosk, &ward).await;
    sync(&ward, &city).await;

    let now = Arc::new(AtomicI64::new(bansao_node::entropy::now().unix()));
    let clock = {
        let now = now.clone();
        Arc::new(move || Timestamp::from_unix(now.load(Ordering::Relaxed)).unwrap())
    };
    let city_state = CityState::new(
        City::open(&world.dir("city")).unwrap(),
        SessionRules::default(),
    )
    .unwrap();
    let state = DashboardState::new(
        city_state.clone(),
        world.dir("city").join("bansao.sqlite"),
        24 * 3600,
        clock,
    );
    let router = bansao_web::site([bansao_web::city_router(city_state), dashboard_router(state)]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(bansao_web::serve(listener, router, std::future::pending()));

    let browser = Browser::start().await;
    let row = "tr[data-kiosk='KIOSK-BENCH-01']";
    browser
        .client
        .goto(&format!("http://{address}/dashboard"))
        .await
        .unwrap();
    assert_eq!(
        browser.path().await,
        "/sign-in",
        "the dashboard needs a staff session"
    );
    browser.type_into("#official", STAFF_ID).await;
    browser.type_into("#passphrase", STAFF_PASSPHRASE).await;
    browser.click("#sign-in").await;
    browser.wait_for_path("/keys").await;
    browser
        .client
        .goto(&format!("http://{address}/dashboard"))
        .await
        .unwrap();
    let text = browser.text_of(row).await;
    assert!(text.contains("Trực tuyến (online)"), "{text}");
    let stale = browser
        .client
        .find(fantoccini::Locator::Css(row))
        .await
        .unwrap()
        .attr("data-stale")
        .await
        .unwrap();
    assert_eq!(stale.as_deref(), Some("no"));
    assert_eq!(browser.text_of("#stale-count").await, "0");
    browser.screenshot("dashboard-kiosk-online").await;

    // The kiosk syncs no more; a day and an hour pass.
    now.fetch_add(25 * 3600, Ordering::Relaxed);
    browser.client.refresh().await.unwrap();
    let text = browser.text_of(row).await;
    assert!(text.contains("Quá hạn (stale)"), "{text}");
    let element = browser
        .client
        .find(fantoccini::Locator::Css(row))
        .await
        .unwrap();
    assert_eq!(
        element.attr("data-stale").await.unwrap().as_deref(),
        Some("yes")
    );
    assert!(
        element
            .attr("class")
            .await
            .unwrap()
            .unwrap()
            .contains("stale")
    );
    assert_eq!(browser.text_of("#stale-count").await, "1");
    browser.screenshot("dashboard-kiosk-stale").await;

    // Drill down: the kiosk's own page, its peer the ward, its charts.
    browser
        .client
        .find(fantoccini::Locator::Css(&format!("{row} a")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser.text_of("#node-state").await, "Quá hạn (stale)");
    let body = browser.text().await;
    assert!(body.contains("KIOSK-BENCH-01"), "{body}");
    let charts = browser
        .client
        .find_all(fantoccini::Locator::Css("svg.chart"))
        .await
        .unwrap();
    assert_eq!(charts.len(), 3);
    browser.screenshot("dashboard-kiosk-detail").await;
}
