//! A ward with provisional copies, its pages served in-process on a loopback port.

use std::net::SocketAddr;
use std::path::Path;

use bansao_copy::CopyId;
use bansao_node::city::City;
use bansao_node::ward::Ward;
use bansao_testkit::World;
use bansao_web::{CityState, SessionRules, WebState};

/// A ward holding `count` copies its kiosk issued (the sample birth certificate, one field
/// corrected by the citizen), in issue order.
pub fn ward_with_copies(root: &Path, count: usize) -> (World, Vec<CopyId>) {
    let world = World::create(root).unwrap();
    let ids = bansao_testkit::world::issue_and_bring_to_ward(&world, count).unwrap();
    (world, ids)
}

/// Serves the ward's pages on a free loopback port until the runtime ends.
pub async fn serve(world: &World) -> SocketAddr {
    let state = WebState::new(
        Ward::open(&world.dir("ward")).unwrap(),
        SessionRules::default(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::site([bansao_web::ward_router(state)]),
        std::future::pending(),
    ));
    address
}

/// A ward that received its kiosk's first and third copies only: a gap in the kiosk's chain,
/// recorded as the copies arrived. Returns the three ids.
pub fn ward_with_a_gap(root: &Path) -> (World, Vec<CopyId>) {
    let (world, ids) = ward_with_copies(root, 3);
    let kiosk = bansao_store::Store::open(&world.dir("kiosk").join("bansao.sqlite")).unwrap();
    std::fs::remove_file(world.dir("ward").join("bansao.sqlite")).unwrap();
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let mut received: Vec<_> = [ids[0], ids[2]]
        .iter()
        .map(|id| {
            (
                kiosk
                    .load_copy(*id, bansao_node::entropy::new_actor().unwrap())
                    .unwrap(),
                bansao_copy::CopyStatus::Provisional,
            )
        })
        .collect();
    let anomalies = ward
        .node
        .store
        .save_received_copies(&mut received, bansao_node::entropy::now(), |_, _| None)
        .unwrap();
    assert_eq!(anomalies.len(), 1, "the gap is recorded");
    (world, ids)
}

/// A world whose city has a staff member ([`bansao_testkit::world::STAFF_ID`]) and whose ward
/// holds `count` copies its kiosk issued.
pub fn city_with_staff(root: &Path, count: usize) -> (World, Vec<CopyId>) {
    let (world, ids) = ward_with_copies(root, count);
    bansao_testkit::world::certify_staff(&world).unwrap();
    (world, ids)
}

/// Serves the city's pages (and the site's assets) on a free loopback port until the runtime
/// ends.
pub async fn serve_city(world: &World) -> SocketAddr {
    let state = CityState::new(
        City::open(&world.dir("city")).unwrap(),
        SessionRules::default(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let verify = verify_state(world, "city");
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::site([
            bansao_web::city_router(state),
            bansao_web::verify_router(verify),
        ]),
        std::future::pending(),
    ));
    address
}

fn verify_state(world: &World, node: &str) -> bansao_web::VerifyState {
    bansao_web::VerifyState::new(
        bansao_node::verify_online::OnlineVerifier::open(&world.dir(node)).unwrap(),
    )
}

/// Serves node `node`'s public verify page alone (as a kiosk serves it) on a free loopback
/// port until the runtime ends.
pub async fn serve_verify(world: &World, node: &str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::site([
            bansao_web::home_router(),
            bansao_web::verify_router(verify_state(world, node)),
        ]),
        std::future::pending(),
    ));
    address
}

/// The QR text printed on copy `copy` (from the kiosk's own document).
pub fn qr_text_of(world: &World, copy: CopyId) -> String {
    let kiosk = bansao_store::Store::open(&world.dir("kiosk").join("bansao.sqlite")).unwrap();
    kiosk
        .load_copy(copy, bansao_node::entropy::new_actor().unwrap())
        .unwrap()
        .kiosk_qr_text()
        .unwrap()
}

/// Approves `copy` at the ward as its official would on the pages; returns the sealed PDF of
/// the copy as it then stands, and the certification number.
pub fn approve_at_ward(world: &World, copy: CopyId) -> (Vec<u8>, String) {
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(
            &bansao_copy::OfficialId::parse(bansao_testkit::world::OFFICIAL_ID).unwrap(),
            &bansao_testkit::world::official_passphrase().unwrap(),
            bansao_node::entropy::now(),
        )
        .unwrap();
    let decided = ward
        .approve(copy, &official, bansao_node::entropy::now())
        .unwrap();
    let pdf = ward.copy_pdf(copy, bansao_node::entropy::now()).unwrap();
    (pdf, decided.certification_number.unwrap())
}
