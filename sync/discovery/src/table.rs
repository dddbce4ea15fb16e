//! What discovery currently knows: each discovered node's public key and QUIC addresses, fed
//! with libp2p mDNS's per-address discoveries and expiries and turning them into our per-node
//! [`DiscoveryEvent`]s. No IO and no clock: mDNS keeps the time-to-live, this only groups.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

use ed25519_dalek::VerifyingKey;
use libp2p::{Multiaddr, PeerId};

use crate::peer::{public_key_of, quic_socket_addr};
use crate::{Discovered, DiscoveryEvent};

/// The nodes discovered and not yet expired, by PeerId.
#[derive(Debug)]
pub(crate) struct PeerTable {
    own_peer_id: PeerId,
    peers: HashMap<PeerId, KnownPeer>,
}

#[derive(Debug)]
struct KnownPeer {
    public_key: VerifyingKey,
    addresses: BTreeSet<SocketAddr>,
}

impl PeerTable {
    pub(crate) fn new(own_peer_id: PeerId) -> PeerTable {
        PeerTable {
            own_peer_id,
            peers: HashMap::new(),
        }
    }

    /// mDNS reported `(peer, address)` pairs as new. Returns one [`DiscoveryEvent::Found`] per
    /// bansao node whose address set grew, carrying all its current addresses. Our own PeerId,
    /// PeerIds that are not Ed25519 keys and addresses that are not QUIC are ignored.
    pub(crate) fn discovered(
        &mut self,
        pairs: impl IntoIterator<Item = (PeerId, Multiaddr)>,
    ) -> Vec<DiscoveryEvent> {
        let mut changed = Vec::new();
        for (peer_id, address) in pairs {
            if peer_id == self.own_peer_id {
                continue;
            }
            let Some(public_key) = public_key_of(&peer_id) else {
                tracing::debug!(%peer_id, "ignoring a libp2p node without an Ed25519 PeerId");
                continue;
            };
            let Some(socket_addr) = quic_socket_addr(&address, &peer_id) else {
                tracing::debug!(%peer_id, %address, "ignoring an address that is not QUIC");
                continue;
            };
            let known = self.peers.entry(peer_id).or_insert_with(|| KnownPeer {
                public_key,
                addresses: BTreeSet::new(),
            });
            if known.addresses.insert(socket_addr) && !changed.contains(&peer_id) {
                changed.push(peer_id);
            }
        }
        changed
            .into_iter()
            .filter_map(|peer_id| self.found_event(&peer_id))
            .collect()
    }

    /// mDNS reported `(peer, address)` pairs as expired. Returns [`DiscoveryEvent::Found`] with
    /// the remaining addresses for a node that still has some, and [`DiscoveryEvent::Expired`]
    /// for a node that has none left.
    pub(crate) fn expired(
        &mut self,
        pairs: impl IntoIterator<Item = (PeerId, Multiaddr)>,
    ) -> Vec<DiscoveryEvent> {
        let mut changed = Vec::new();
        for (peer_id, address) in pairs {
            let Some(known) = self.peers.get_mut(&peer_id) else {
                continue;
            };
            let Some(socket_addr) = quic_socket_addr(&address, &peer_id) else {
                continue;
            };
            if known.addresses.remove(&socket_addr) && !changed.contains(&peer_id) {
                changed.push(peer_id);
            }
        }
        let mut events = Vec::new();
        for peer_id in changed {
            match self.peers.get(&peer_id) {
                Some(known) if known.addresses.is_empty() => {
                    events.push(DiscoveryEvent::Expired(known.public_key));
                    self.peers.remove(&peer_id);
                }
                Some(_) => events.extend(self.found_event(&peer_id)),
                None => {}
            }
        }
        events
    }

    fn found_event(&self, peer_id: &PeerId) -> Option<DiscoveryEvent> {
        let known = self.peers.get(peer_id)?;
        Some(DiscoveryEvent::Found(Discovered {
            public_key: known.public_key,
            addresses: known.addresses.iter().copied().collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::peer::{peer_id_of, quic_multiaddr};

    fn node(seed: u8) -> (VerifyingKey, PeerId) {
        let key = SigningKey::from_bytes(&[seed; 32]).verifying_key();
        (key, peer_id_of(&key).unwrap())
    }

    /// As mDNS delivers it: the announced address with the observed IP and `/p2p/<peer>`.
    fn received(peer_id: PeerId, address: &str) -> (PeerId, Multiaddr) {
        let address = quic_multiaddr(address.parse().unwrap())
            .with_p2p(peer_id)
            .unwrap();
        (peer_id, address)
    }

    fn found(key: VerifyingKey, addresses: &[&str]) -> DiscoveryEvent {
        DiscoveryEvent::Found(Discovered {
            public_key: key,
            addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
        })
    }

    #[test]
    fn a_node_is_found_updated_and_expired() {
        let (_, own) = node(1);
        let (key, peer) = node(2);
        let mut table = PeerTable::new(own);

        assert_eq!(
            table.discovered([received(peer, "10.0.0.2:7400")]),
            [found(key, &["10.0.0.2:7400"])]
        );
        // The same address again (a refreshed record) changes nothing.
        assert_eq!(table.discovered([received(peer, "10.0.0.2:7400")]), []);
        // A second interface of the same node.
        assert_eq!(
            table.discovered([received(peer, "10.1.0.2:7400")]),
            [found(key, &["10.0.0.2:7400", "10.1.0.2:7400"])]
        );
        assert_eq!(
            table.expired([received(peer, "10.0.0.2:7400")]),
            [found(key, &["10.1.0.2:7400"])]
        );
        assert_eq!(
            table.expired([received(peer, "10.1.0.2:7400")]),
            [DiscoveryEvent::Expired(key)]
        );
        // Expiring what is no longer known is silent.
        assert_eq!(table.expired([received(peer, "10.1.0.2:7400")]), []);
    }

    #[test]
    fn one_batch_gives_one_event_per_node() {
        let (_, own) = node(1);
        let (key_a, a) = node(2);
        let (key_b, b) = node(3);
        let mut table = PeerTable::new(own);
        let events = table.discovered([
            received(a, "10.0.0.2:7400"),
            received(b, "10.0.0.3:7401"),
            received(a, "10.1.0.2:7400"),
        ]);
        assert_eq!(
            events,
            [
                found(key_a, &["10.0.0.2:7400", "10.1.0.2:7400"]),
                found(key_b, &["10.0.0.3:7401"]),
            ]
        );
        assert_eq!(
            table.expired([received(a, "10.0.0.2:7400"), received(a, "10.1.0.2:7400")]),
            [DiscoveryEvent::Expired(key_a)]
        );
    }

    #[test]
    fn own_node_other_key_types_and_other_transports_are_never_reported() {
        let (_, own) = node(1);
        let (_, peer) = node(2);
        let mut table = PeerTable::new(own);

        assert_eq!(table.discovered([received(own, "10.0.0.1:7400")]), []);
        let random = PeerId::random();
        assert_eq!(table.discovered([received(random, "10.0.0.9:7400")]), []);
        let tcp: Multiaddr = format!("/ip4/10.0.0.2/tcp/4001/p2p/{peer}")
            .parse()
            .unwrap();
        assert_eq!(table.discovered([(peer, tcp.clone())]), []);
        // A node seen only with addresses we cannot use is not known, so it cannot expire.
        assert_eq!(table.expired([(peer, tcp)]), []);
    }
}
