//! Two [`LanDiscovery`] nodes on a real (but private) LAN find each other with the right public
//! keys and QUIC ports, never report themselves, and forget a node that stopped.
//!
//! mDNS needs IP multicast on a non-loopback interface: libp2p-mdns skips loopback interfaces
//! (and `lo` has no MULTICAST flag here anyway), and a test must not multicast onto the real
//! network. So the test runs on a private LAN (`bansao_discovery::testing`): a user and network
//! namespace of its own with a veth pair; it fails with `ENVIRONMENT LIMIT` where that cannot
//! be made, never passes silently.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use bansao_discovery::testing::{ADDRESS_A, ADDRESS_B, interfaces, on_private_lan};
use bansao_discovery::{Discovered, DiscoveryConfig, DiscoveryEvent, LanDiscovery};
use ed25519_dalek::{SigningKey, VerifyingKey};
use tokio::sync::mpsc::Receiver;
use tokio::time::{Instant, timeout_at};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn two_nodes_find_each_other_and_forget_a_stopped_one() {
    on_private_lan("two_nodes_find_each_other_and_forget_a_stopped_one", || {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(two_nodes_on_the_private_lan());
    });
}

fn public_key(seed: u8) -> VerifyingKey {
    SigningKey::from_bytes(&[seed; 32]).verifying_key()
}

fn config(quic_port: u16, listen_ip: IpAddr) -> DiscoveryConfig {
    DiscoveryConfig {
        quic_port,
        query_interval: Duration::from_secs(1),
        ttl: Duration::from_secs(3),
        listen_ip,
    }
}

/// Reads events until `wanted` holds for one, failing on any event about `own` (a node must
/// never report itself) and on the deadline, with everything seen so far.
async fn wait_for(
    events: &mut Receiver<DiscoveryEvent>,
    own: VerifyingKey,
    what: &str,
    wanted: impl Fn(&DiscoveryEvent) -> bool,
) -> DiscoveryEvent {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        match timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                let about_self = match &event {
                    DiscoveryEvent::Found(found) => found.public_key == own,
                    DiscoveryEvent::Expired(key) => *key == own,
                    _ => false,
                };
                assert!(!about_self, "a node reported itself: {event:?}");
                if wanted(&event) {
                    return event;
                }
                seen.push(event);
            }
            Ok(None) => panic!("discovery stopped while waiting for {what}; saw {seen:#?}"),
            Err(_) => panic!(
                "no {what} within {WAIT:?}; saw {seen:#?}\ninterfaces:\n{}",
                interfaces()
            ),
        }
    }
}

async fn two_nodes_on_the_private_lan() {
    let key_a = public_key(1);
    let key_b = public_key(2);
    // A announces every interface address; B only its own LAN address.
    let (node_a, mut events_a) =
        LanDiscovery::start(&key_a, config(40001, Ipv4Addr::UNSPECIFIED.into())).unwrap();
    let (node_b, mut events_b) =
        LanDiscovery::start(&key_b, config(40002, ADDRESS_B.into())).unwrap();

    let b_seen_by_a = wait_for(
        &mut events_a,
        key_a,
        "B found by A",
        |event| matches!(event, DiscoveryEvent::Found(found) if found.public_key == key_b),
    )
    .await;
    assert_eq!(
        b_seen_by_a,
        DiscoveryEvent::Found(Discovered {
            public_key: key_b,
            addresses: vec![SocketAddr::new(ADDRESS_B.into(), 40002)],
        })
    );

    assert!(mdns_sockets() > 0, "no mDNS socket found while running");

    let both_addresses_of_a = vec![
        SocketAddr::new(ADDRESS_A.into(), 40001),
        SocketAddr::new(ADDRESS_B.into(), 40001),
    ];
    wait_for(
        &mut events_b,
        key_b,
        "A found by B at both its addresses",
        |event| {
            matches!(event, DiscoveryEvent::Found(found)
            if found.public_key == key_a && found.addresses == both_addresses_of_a)
        },
    )
    .await;

    // Let a few query rounds pass: records are refreshed, nothing expires.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while let Ok(event) = events_a.try_recv() {
        assert!(
            matches!(event, DiscoveryEvent::Found(_)),
            "expired while both run: {event:?}"
        );
    }

    // Stop B. A must forget it once B's last record's time-to-live (3 s) has run out: B's
    // records can be refreshed by nothing after the stop (the drop ends B's mDNS tasks too).
    drop(node_b);
    let stopped = Instant::now();
    wait_for(&mut events_a, key_a, "B expired at A", |event| {
        *event == DiscoveryEvent::Expired(key_b)
    })
    .await;
    assert!(
        stopped.elapsed() <= Duration::from_secs(3) + Duration::from_millis(800),
        "B expired only after {:?}: something kept announcing it",
        stopped.elapsed()
    );
    drop(node_a);
    // Dropping stopped everything: no mDNS socket is left in this (private) namespace.
    assert_eq!(
        mdns_sockets(),
        0,
        "mDNS sockets outlived their LanDiscovery"
    );
}

/// UDP sockets bound to port 5353 in this network namespace (`/proc/net/udp` lists the local
/// address as `HEXIP:HEXPORT`, 5353 being `14E9`).
fn mdns_sockets() -> usize {
    std::fs::read_to_string("/proc/net/udp")
        .unwrap()
        .lines()
        .skip(1)
        .filter(|line| {
            line.split_whitespace()
                .nth(1)
                .is_some_and(|local| local.ends_with(":14E9"))
        })
        .count()
}
