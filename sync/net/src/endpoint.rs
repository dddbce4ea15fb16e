//! A node's QUIC endpoint, with a stateless reset key derived from its node key.
//!
//! When a node restarts, its peers still hold connections to the old process. The new process
//! answers their packets with a QUIC stateless reset (RFC 9000 §10.3), but a peer honours the
//! reset only if its token, an HMAC of the connection id under the endpoint's reset key, is the
//! one the old process announced. quinn picks a random reset key per process by default, so
//! after a restart every reset was ignored and a kiosk waited for its idle timeout (~75 s
//! measured) before it redialed. Here the reset key is derived from the node's secret key
//! (SHA-256 of the key's Ed25519 signature over a fixed label, which only the key holder can
//! make), and so is the key quinn's connection ids are validated with (a restarted process that
//! does not recognise the old ids drops their packets without resetting), so both survive
//! restarts and a peer learns at its next packet that the connection is gone.

use std::net::SocketAddr;
use std::sync::Arc;

use bansao_trust::SecretKey;
use sha2::{Digest, Sha256};

/// What the reset key is derived from (signed with the node key).
const RESET_KEY_LABEL: &[u8] = b"bansao/quic-stateless-reset-key/v1";

/// The endpoint configuration of the node with `key`: quinn's defaults and a reset key that is
/// the same in every process of that node.
pub fn endpoint_config(key: &SecretKey) -> quinn::EndpointConfig {
    let signature = key.sign_raw(RESET_KEY_LABEL);
    let secret: [u8; 32] = Sha256::digest(signature.to_bytes()).into();
    let reset_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
    let mut config = quinn::EndpointConfig::new(Arc::new(reset_key));
    // The restarted process must also recognise the connection ids the old one issued as its
    // own, or it drops their packets instead of resetting (quinn validates ids with a keyed hash).
    let mut cid_key = [0u8; 8];
    cid_key.copy_from_slice(&secret[..8]);
    let cid_key = u64::from_le_bytes(cid_key);
    config.cid_generator(move || {
        Box::new(quinn_proto::HashedConnectionIdGenerator::from_key(cid_key))
    });
    config
}

/// Binds the endpoint of the node with `key` at `listen`, serving with `server` (if any). Must be
/// called inside a tokio runtime.
pub fn bind_endpoint(
    key: &SecretKey,
    server: Option<quinn::ServerConfig>,
    listen: SocketAddr,
) -> std::io::Result<quinn::Endpoint> {
    let socket = std::net::UdpSocket::bind(listen)?;
    let runtime = quinn::default_runtime()
        .ok_or_else(|| std::io::Error::other("no async runtime to run the QUIC endpoint on"))?;
    quinn::Endpoint::new(endpoint_config(key), server, socket, runtime)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::{Duration, Instant};

    use ed25519_dalek::VerifyingKey;

    use super::*;
    use crate::relay::{LinkProfile, Relay};
    use crate::tls::{PeerAuthorizer, SERVER_NAME, client_config, server_config, transport_config};

    #[derive(Debug)]
    struct Anyone;

    impl PeerAuthorizer for Anyone {
        fn authorize(&self, _: &VerifyingKey) -> Result<(), String> {
            Ok(())
        }
    }

    fn transport() -> Arc<quinn::TransportConfig> {
        // The idle timeout is long: the test must not pass by timing out.
        Arc::new(transport_config(
            Duration::from_secs(60),
            Duration::from_secs(1),
        ))
    }

    fn server(key: &SecretKey, listen: SocketAddr) -> quinn::Endpoint {
        let config = server_config(key, Arc::new(Anyone), transport()).unwrap();
        bind_endpoint(key, Some(config), listen).unwrap()
    }

    /// How long a client's kept connection lives after its server restarts on the same port
    /// with `restarted_config`. The server dies as a killed process does, without a word: the
    /// link is cut (by a relay) while it goes, so its close never reaches the client.
    async fn lifetime_after_restart(
        restarted_config: quinn::EndpointConfig,
        patience: Duration,
    ) -> Duration {
        let server_key = SecretKey::from_seed([21; 32]);
        let client_key = SecretKey::from_seed([22; 32]);
        let first = server(&server_key, SocketAddr::from(([127, 0, 0, 1], 0)));
        let address = first.local_addr().unwrap();
        let relay = Relay::start(
            address,
            LinkProfile {
                rate_bits_per_second: 0,
                one_way_delay: Duration::ZERO,
                loss: 0.0,
                queue_bytes: 1 << 20,
                seed: 1,
            },
        )
        .await
        .unwrap();
        let accepting = tokio::spawn({
            let first = first.clone();
            async move { first.accept().await.unwrap().await.unwrap() }
        });
        let mut client =
            bind_endpoint(&client_key, None, SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        client.set_default_client_config(
            client_config(&client_key, Arc::new(Anyone), transport()).unwrap(),
        );
        let connection = client
            .connect(relay.local_addr(), SERVER_NAME)
            .unwrap()
            .await
            .unwrap();
        let held = accepting.await.unwrap();
        relay.set_cut(true);
        drop(held);
        drop(first);
        tokio::time::sleep(Duration::from_millis(300)).await;
        // It starts again on the same port.
        let socket = std::net::UdpSocket::bind(address).unwrap();
        let config = server_config(&server_key, Arc::new(Anyone), transport()).unwrap();
        let _restarted = quinn::Endpoint::new(
            restarted_config,
            Some(config),
            socket,
            quinn::default_runtime().unwrap(),
        )
        .unwrap();
        relay.set_cut(false);
        assert!(
            connection.close_reason().is_none(),
            "the client saw the close"
        );
        let started = Instant::now();
        if let Ok(mut stream) = connection.open_uni().await {
            let _ = stream.write_all(b"still there?").await;
        }
        let _ = tokio::time::timeout(patience, connection.closed()).await;
        started.elapsed()
    }

    #[tokio::test]
    async fn a_restarted_node_resets_its_peers_kept_connections_at_once() {
        let key = SecretKey::from_seed([21; 32]);
        let lifetime = lifetime_after_restart(endpoint_config(&key), Duration::from_secs(20)).await;
        assert!(lifetime < Duration::from_secs(3), "{lifetime:?}");
    }

    #[tokio::test]
    async fn with_a_random_reset_key_the_connection_outlives_the_restart() {
        // What quinn does by default: the old connection hangs until the idle timeout.
        let patience = Duration::from_secs(6);
        let lifetime = lifetime_after_restart(quinn::EndpointConfig::default(), patience).await;
        assert!(lifetime >= patience, "{lifetime:?}");
    }
}
