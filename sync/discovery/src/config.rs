//! How a node announces itself and how often it asks: [`DiscoveryConfig`], checked once by
//! [`DiscoveryConfig::validate`] before anything starts.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::DiscoveryError;

/// What [`LanDiscovery`](crate::LanDiscovery) announces and how often it asks the LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryConfig {
    /// The UDP port of this node's QUIC sync endpoint, announced to the LAN. Discovery itself
    /// neither binds nor checks it.
    pub quic_port: u16,
    /// How often this node multicasts a query. Every node answers every query with a multicast
    /// response, so one node's query refreshes what all nodes know of each other. A node that
    /// starts asks at once and then at growing intervals up to this one.
    pub query_interval: Duration,
    /// How long an announcement stays valid in others' view (sent in whole seconds, rounded up).
    /// A node that leaves silently is reported [`Expired`](crate::DiscoveryEvent::Expired) at
    /// most this long after its last answer. At least `query_interval`.
    pub ttl: Duration,
    /// The address announced together with `quic_port`, and the address family used (mDNS runs
    /// over IPv4 or over IPv6, not both). The unspecified address (`0.0.0.0` or `::`) announces
    /// every non-loopback address of the machine, following interfaces as they come and go; a
    /// specific LAN address is announced on the interface that has it.
    pub listen_ip: IpAddr,
}

impl DiscoveryConfig {
    /// Defaults for a kiosk LAN: IPv4 on every interface, a query every 30 s, and records valid
    /// for 90 s, so a node that left is forgotten after three missed rounds.
    pub fn new(quic_port: u16) -> DiscoveryConfig {
        DiscoveryConfig {
            quic_port,
            query_interval: Duration::from_secs(30),
            ttl: Duration::from_secs(90),
            listen_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }
    }

    /// Checks the values that would make discovery useless or make libp2p panic (a zero query
    /// interval is a zero timer period).
    pub fn validate(&self) -> Result<(), DiscoveryError> {
        if self.quic_port == 0 {
            return Err(DiscoveryError::ZeroQuicPort);
        }
        if self.query_interval.is_zero() {
            return Err(DiscoveryError::ZeroQueryInterval);
        }
        if self.ttl < self.query_interval {
            return Err(DiscoveryError::TtlShorterThanQueryInterval {
                ttl: self.ttl,
                query_interval: self.query_interval,
            });
        }
        let ip = self.listen_ip;
        if ip.is_loopback() || ip.is_multicast() || is_ipv4_broadcast(ip) {
            return Err(DiscoveryError::UnusableListenIp(ip));
        }
        Ok(())
    }
}

fn is_ipv4_broadcast(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(DiscoveryConfig::new(7400).validate().is_ok());
    }

    #[test]
    fn useless_configurations_are_refused() {
        let good = DiscoveryConfig::new(7400);
        let refused = |config: DiscoveryConfig| config.validate().is_err();

        assert!(refused(DiscoveryConfig {
            quic_port: 0,
            ..good.clone()
        }));
        assert!(refused(DiscoveryConfig {
            query_interval: Duration::ZERO,
            ..good.clone()
        }));
        assert!(refused(DiscoveryConfig {
            ttl: Duration::from_secs(10),
            ..good.clone()
        }));
        for ip in [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::new(224, 0, 0, 251)),
            IpAddr::V4(Ipv4Addr::BROADCAST),
        ] {
            assert!(
                refused(DiscoveryConfig {
                    listen_ip: ip,
                    ..good.clone()
                }),
                "{ip}"
            );
        }
        assert!(!refused(DiscoveryConfig {
            listen_ip: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            ..good
        }));
    }
}
