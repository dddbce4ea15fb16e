//! The two encodings discovery translates between libp2p's world and ours: a node's Ed25519
//! public key ⇄ its libp2p `PeerId`, and our QUIC sync address ⇄ the multiaddr mDNS announces.
//!
//! Both are written out here from the specifications instead of through libp2p's key types, so
//! that libp2p is built without any key feature (no second copy of the key code, no protobuf
//! crate):
//!
//! - *PeerId* (libp2p `peer-ids` spec): the public key as the canonical protobuf
//!   `PublicKey { Type = Ed25519 (1), Data = 32 key bytes }`, which is the 36 bytes
//!   `08 01 12 20 ‖ key`; being at most 42 bytes it is wrapped in the *identity* multihash
//!   (code `00`, length `24`), so the key can be read back from the PeerId. PeerIds of other key
//!   types (RSA, secp256k1, ECDSA) or in any other byte form are not bansao nodes.
//! - *Address*: `/ip4/<ip>/udp/<port>/quic-v1` (or `/ip6/…`), optionally followed by
//!   `/p2p/<peer id>` as mDNS delivers it. Nothing else is accepted, so a libp2p node announcing
//!   TCP or WebRTC addresses on the same LAN yields no address.

use std::net::{IpAddr, SocketAddr};

use ed25519_dalek::{PUBLIC_KEY_LENGTH, VerifyingKey};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

/// Multihash code `identity` (0x00), then the digest length 36 as a one-byte varint, then the
/// protobuf fields `Type = 1` (tag `08`, value `01`) and `Data` (tag `12`, length `20` = 32).
const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// Length of the byte form of an Ed25519 PeerId.
const ED25519_PEER_ID_LENGTH: usize = ED25519_PEER_ID_PREFIX.len() + PUBLIC_KEY_LENGTH;

/// The libp2p PeerId of an Ed25519 public key. `None` cannot happen for 32 key bytes (libp2p
/// accepts identity multihashes of up to 42 bytes); it is returned rather than a panic.
pub(crate) fn peer_id_of(public_key: &VerifyingKey) -> Option<PeerId> {
    let mut bytes = Vec::with_capacity(ED25519_PEER_ID_LENGTH);
    bytes.extend_from_slice(&ED25519_PEER_ID_PREFIX);
    bytes.extend_from_slice(public_key.as_bytes());
    PeerId::from_bytes(&bytes).ok()
}

/// The Ed25519 public key a PeerId carries, or `None` when the PeerId is not the identity
/// multihash of a canonically encoded Ed25519 key, or the 32 bytes are not a curve point.
pub(crate) fn public_key_of(peer_id: &PeerId) -> Option<VerifyingKey> {
    let bytes = peer_id.to_bytes();
    let key = bytes.strip_prefix(ED25519_PEER_ID_PREFIX.as_slice())?;
    let key = <[u8; PUBLIC_KEY_LENGTH]>::try_from(key).ok()?;
    VerifyingKey::from_bytes(&key).ok()
}

/// The multiaddr announcing a QUIC endpoint: `/ip4/<ip>/udp/<port>/quic-v1`.
pub(crate) fn quic_multiaddr(address: SocketAddr) -> Multiaddr {
    Multiaddr::empty()
        .with(Protocol::from(address.ip()))
        .with(Protocol::Udp(address.port()))
        .with(Protocol::QuicV1)
}

/// The socket address of an announced QUIC endpoint of `peer`: exactly an IP, a UDP port and
/// `quic-v1`, then optionally `/p2p/<peer>` naming that same peer. Anything else is `None`.
pub(crate) fn quic_socket_addr(address: &Multiaddr, peer: &PeerId) -> Option<SocketAddr> {
    let mut protocols = address.iter();
    let ip = match protocols.next()? {
        Protocol::Ip4(ip) => IpAddr::V4(ip),
        Protocol::Ip6(ip) => IpAddr::V6(ip),
        _ => return None,
    };
    let Protocol::Udp(port) = protocols.next()? else {
        return None;
    };
    let Protocol::QuicV1 = protocols.next()? else {
        return None;
    };
    match protocols.next() {
        None => {}
        Some(Protocol::P2p(named)) if named == *peer => {}
        Some(_) => return None,
    }
    if protocols.next().is_some() || port == 0 {
        return None;
    }
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::{Ipv4Addr, Ipv6Addr};

    use ed25519_dalek::SigningKey;
    use proptest::prelude::*;

    use super::*;

    fn public_key(seed: [u8; 32]) -> VerifyingKey {
        SigningKey::from_bytes(&seed).verifying_key()
    }

    /// The Ed25519 test vector of the libp2p `peer-ids` specification (also used by
    /// rust-libp2p's `keypair_protobuf_roundtrip_ed25519`): seed, protobuf public key, PeerId.
    #[test]
    fn peer_id_matches_the_libp2p_specification_vector() {
        let seed = hex::decode("7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d")
            .unwrap();
        let key = public_key(seed.try_into().unwrap());
        let peer_id = peer_id_of(&key).unwrap();

        assert_eq!(
            hex::encode(&peer_id.to_bytes()[2..]),
            "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
        );
        assert_eq!(
            peer_id.to_base58(),
            "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"
        );
        let parsed: PeerId = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"
            .parse()
            .unwrap();
        assert_eq!(public_key_of(&parsed), Some(key));
    }

    proptest! {
        #[test]
        fn public_key_survives_the_peer_id(seed in any::<[u8; 32]>()) {
            let key = public_key(seed);
            let peer_id = peer_id_of(&key).unwrap();
            prop_assert_eq!(public_key_of(&peer_id), Some(key));
            // And through the text form mDNS carries.
            let reparsed: PeerId = peer_id.to_base58().parse().unwrap();
            prop_assert_eq!(public_key_of(&reparsed), Some(key));
        }

        #[test]
        fn quic_address_survives_the_multiaddr(
            ip in any::<IpAddr>(),
            port in 1u16..,
            seed in any::<[u8; 32]>(),
        ) {
            let peer = peer_id_of(&public_key(seed)).unwrap();
            let address = SocketAddr::new(ip, port);
            let announced = quic_multiaddr(address);
            prop_assert_eq!(quic_socket_addr(&announced, &peer), Some(address));
            let received = announced.with_p2p(peer).unwrap();
            prop_assert_eq!(quic_socket_addr(&received, &peer), Some(address));
        }
    }

    #[test]
    fn peer_ids_of_other_key_types_have_no_public_key() {
        // A random identity multihash of 32 bytes, as `PeerId::random` makes.
        assert_eq!(public_key_of(&PeerId::random()), None);
        // The spec's secp256k1 public key, which is also inlined as an identity multihash.
        let secp256k1 = hex::decode(
            "002508021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
        )
        .unwrap();
        assert_eq!(
            public_key_of(&PeerId::from_bytes(&secp256k1).unwrap()),
            None
        );
        // An RSA key's PeerId is a SHA-256 multihash: nothing to read back.
        let sha256: PeerId = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"
            .parse()
            .unwrap();
        assert_eq!(public_key_of(&sha256), None);
    }

    #[test]
    fn ed25519_bytes_that_are_not_a_curve_point_are_refused() {
        // y = 2 has no x on the curve (x² = (y² − 1)/(d·y² + 1) is not a square).
        let mut bytes = ED25519_PEER_ID_PREFIX.to_vec();
        let mut y = [0u8; 32];
        y[0] = 2;
        bytes.extend_from_slice(&y);
        let peer_id = PeerId::from_bytes(&bytes).unwrap();
        assert_eq!(public_key_of(&peer_id), None);
    }

    #[test]
    fn announced_multiaddrs_parse_to_socket_addresses() {
        let peer = peer_id_of(&public_key([1; 32])).unwrap();
        let other = peer_id_of(&public_key([2; 32])).unwrap();
        let parse = |text: &str| quic_socket_addr(&text.parse::<Multiaddr>().unwrap(), &peer);

        assert_eq!(
            parse("/ip4/10.0.0.7/udp/4433/quic-v1"),
            Some(SocketAddr::new(Ipv4Addr::new(10, 0, 0, 7).into(), 4433))
        );
        assert_eq!(
            parse(&format!("/ip4/10.0.0.7/udp/4433/quic-v1/p2p/{peer}")),
            Some(SocketAddr::new(Ipv4Addr::new(10, 0, 0, 7).into(), 4433))
        );
        assert_eq!(
            parse(&format!("/ip6/fd00::7/udp/4433/quic-v1/p2p/{peer}")),
            Some(SocketAddr::new(
                Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 7).into(),
                4433
            ))
        );
        // Not our QUIC: other transports, draft QUIC, no QUIC marker, extra protocols.
        assert_eq!(parse("/ip4/10.0.0.7/tcp/4433"), None);
        assert_eq!(parse("/ip4/10.0.0.7/udp/4433"), None);
        assert_eq!(parse("/ip4/10.0.0.7/udp/4433/quic"), None);
        assert_eq!(parse("/ip4/10.0.0.7/udp/4433/quic-v1/webtransport"), None);
        assert_eq!(parse("/dns4/kiosk.local/udp/4433/quic-v1"), None);
        assert_eq!(parse("/ip4/10.0.0.7/udp/0/quic-v1"), None);
        // Named for another peer, or with something after the peer.
        assert_eq!(
            parse(&format!("/ip4/10.0.0.7/udp/4433/quic-v1/p2p/{other}")),
            None
        );
        assert_eq!(
            parse(&format!(
                "/ip4/10.0.0.7/udp/4433/quic-v1/p2p/{peer}/p2p/{peer}"
            )),
            None
        );
    }

    #[test]
    fn quic_multiaddr_text_is_the_libp2p_form() {
        let address = SocketAddr::new(Ipv4Addr::new(192, 168, 1, 20).into(), 7400);
        assert_eq!(
            quic_multiaddr(address).to_string(),
            "/ip4/192.168.1.20/udp/7400/quic-v1"
        );
    }
}
