//! A ward with provisional copies, its pages served in-process on a loopback port.

use std::net::SocketAddr;
use std::path::Path;

use bansao_copy::CopyId;
use bansao_node::ward::Ward;
use bansao_testkit::World;
use bansao_web::{SessionRules, WebState};

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
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::ward_router(state),
        std::future::pending(),
    ));
    address
}
