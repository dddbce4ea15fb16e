//! Mutual authentication of QUIC connections with the nodes' Ed25519 keys.
//!
//! # Identity is the key
//!
//! A node has one long-lived Ed25519 key (its [`SecretKey`]), certified by the trust list. On the
//! wire it presents a self-signed X.509 certificate made from that key, so the TLS key *is* the
//! node key: the TLS 1.3 `CertificateVerify` signature proves that the peer holds the private key
//! of the public key in its certificate. Nothing else in the certificate matters. There is no
//! certificate authority, the server name is a fixed [`SERVER_NAME`] that nobody checks, the
//! certificate's own self-signature and validity dates are ignored (kiosk clocks may be wrong for
//! weeks), and the trust decision is made by the caller's [`PeerAuthorizer`], which in the node
//! asks the trust list whether the key counts.
//!
//! # The handshake, step by step
//!
//! Both directions use the same checks (the server requires a client certificate):
//!
//! 1. when the peer's `Certificate` arrives, the chain must be exactly one certificate whose
//!    SubjectPublicKeyInfo is an Ed25519 key (RFC 8410: the `id-Ed25519` OID, no parameters,
//!    32 key bytes, not a small-order point); anything else fails the handshake;
//! 2. when its `CertificateVerify` arrives, the signature over the TLS 1.3 transcript is checked
//!    with rustls' [`verify_tls13_signature`] and the ring provider's algorithms, and only the
//!    `ed25519` scheme is offered or accepted;
//! 3. only then is [`PeerAuthorizer::authorize`] called, so the authorizer only ever sees keys
//!    whose possession was proven. A refusal fails the handshake with a certificate alert; its
//!    reason is part of the local connection error *and* of the CONNECTION_CLOSE sent to the peer
//!    (quinn carries the TLS error text as the close reason), so both ends can log why.
//!
//! TLS 1.3 only, ALPN [`ALPN`], no session resumption and no 0-RTT: a resumed session would skip
//! the certificate checks and so the authorizer, and a key revoked since the first connection
//! would get back in. After the handshake, [`peer_public_key`] gives the authenticated key.
//!
//! # The signing key never leaves [`SecretKey`]
//!
//! Neither rcgen nor rustls is handed the private key bytes: both sign through
//! [`SecretKey::sign_raw`]. That is safe because each message they sign brings its own domain
//! separation: an X.509 `TBSCertificate` (a DER SEQUENCE, first byte `0x30`) and the TLS 1.3
//! `CertificateVerify` content (64 spaces, then `"TLS 1.3, server CertificateVerify"` or the
//! client's label, a zero byte and the transcript hash, RFC 8446 §4.4.3). Neither can be
//! mistaken for a bansao context-signed message (which starts with `bansao/`) or a COSE
//! `Sig_structure` (a CBOR array, first byte `0x84`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bansao_trust::{KeyId, SecretKey};
use ed25519_dalek::VerifyingKey;
use quinn::crypto::rustls::{NoInitialCipherSuite, QuicClientConfig, QuicServerConfig};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, PeerIncompatible,
    PeerMisbehaved, SignatureAlgorithm, SignatureScheme,
};

/// The ALPN protocol of bansao sync, version 1. A peer that does not offer it is refused.
pub const ALPN: &[u8] = b"bansao-sync/1";

/// The server name clients connect with and servers' certificates carry. It is never checked:
/// identity is the key.
pub const SERVER_NAME: &str = "bansao";

/// Decides whether a peer that proved possession of `public_key` may connect.
///
/// Called during the handshake, on quinn's connection driver, after the peer's signature over the
/// handshake has been verified. It should be a quick lookup (the node's is a trust list lookup).
/// `Err(reason)` refuses the peer; the reason ends up in both ends' connection errors, so it
/// should say why without revealing anything secret.
pub trait PeerAuthorizer: Send + Sync + std::fmt::Debug + 'static {
    /// `Ok(())` admits the peer, `Err(reason)` refuses it.
    fn authorize(&self, public_key: &ed25519_dalek::VerifyingKey) -> Result<(), String>;
}

/// A QUIC configuration could not be built from a node key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// rcgen could not make the node's self-signed certificate.
    #[error("could not make the node's self-signed certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("could not configure TLS: {0}")]
    Rustls(#[from] rustls::Error),
    /// The TLS configuration has no cipher suite QUIC can protect its initial packets with.
    #[error("the TLS configuration cannot carry QUIC: {0}")]
    Quic(#[from] NoInitialCipherSuite),
}

/// Why a peer's certificate was refused during the handshake. Carried inside the rustls error
/// (as [`CertificateError::Other`]), so its text reaches the QUIC connection error of both ends.
///
/// Its `Debug` is its `Display`, because rustls prints the inner error with `Debug`.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerCertificateError {
    /// The peer sent no certificate or a chain; a node presents exactly one, self-signed.
    #[error("the peer sent {0} certificates, a bansao node presents exactly one")]
    NotOneCertificate(usize),
    /// The certificate's key is not a usable Ed25519 public key.
    #[error("the peer's certificate does not carry an Ed25519 public key")]
    NotEd25519,
    /// The [`PeerAuthorizer`] refused the (authenticated) key.
    #[error("peer key {key_id} refused: {reason}")]
    Refused {
        /// The id of the refused key.
        key_id: KeyId,
        /// The authorizer's reason.
        reason: String,
    },
}

impl fmt::Debug for PeerCertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<PeerCertificateError> for rustls::Error {
    fn from(error: PeerCertificateError) -> rustls::Error {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(error))))
    }
}

/// A quinn transport configuration for bansao's links.
///
/// - `idle_timeout`: a connection with no traffic for this long is closed
///   ([`Duration::ZERO`] means never, as in QUIC; longer than QUIC can express also means never).
/// - `keep_alive`: how often to send a keep-alive when idle, so NAT bindings and the peer's idle
///   timer stay alive ([`Duration::ZERO`] sends none). It should be well below `idle_timeout`.
///
/// Congestion control is BBR ([`quinn::congestion::BbrConfig`]) rather than quinn's default
/// CUBIC. Kiosks sync over 3G links that drop packets at random (radio loss), not only when a
/// queue overflows. CUBIC reads every loss as congestion and halves its window, so at a few per
/// cent of random loss its throughput collapses to a small fraction of the link. BBR paces at its
/// estimate of the bottleneck bandwidth and the minimum RTT and does not back off on isolated
/// losses. Measured through [`crate::relay`] (2 Mbit/s, 100 ms each way, 5 % loss, 64 kB
/// queue, 500 kB transfer): BBR ~1.5 Mbit/s of goodput, CUBIC ~0.3 Mbit/s. quinn documents its
/// BBR as experimental, and it does overshoot: in the same run it overflowed the drop-tail queue
/// for about a third of its packets (CUBIC for none), which a link shared with other traffic
/// would feel. `relay::tests::bbr_outperforms_cubic_on_a_lossy_long_link` (ignored) repeats the
/// measurement.
pub fn transport_config(idle_timeout: Duration, keep_alive: Duration) -> quinn::TransportConfig {
    let mut config = quinn::TransportConfig::default();
    let idle_timeout = if idle_timeout.is_zero() {
        None
    } else {
        quinn::IdleTimeout::try_from(idle_timeout).ok()
    };
    config.max_idle_timeout(idle_timeout);
    config.keep_alive_interval((!keep_alive.is_zero()).then_some(keep_alive));
    config.congestion_controller_factory(Arc::new(quinn::congestion::BbrConfig::default()));
    config
}

/// A quinn server configuration that presents `key`'s certificate, requires every client to
/// present one too, and admits only the clients `authorizer` accepts (module docs).
pub fn server_config(
    key: &SecretKey,
    authorizer: Arc<dyn PeerAuthorizer>,
    transport: Arc<quinn::TransportConfig>,
) -> Result<quinn::ServerConfig, TlsError> {
    let provider = crypto_provider();
    let verifier = Arc::new(ClientVerifier(PeerVerifier::new(authorizer, &provider)));
    let resolver = Arc::new(SingleCertAndKey::from(certified_key(key)?));
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(resolver);
    tls.alpn_protocols = vec![ALPN.to_vec()];
    // No tickets, no session cache: every connection runs the full handshake and the authorizer.
    tls.send_tls13_tickets = 0;
    tls.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    tls.max_early_data_size = 0;
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(QuicServerConfig::try_from(tls)?));
    config.transport_config(transport);
    Ok(config)
}

/// A quinn client configuration that presents `key`'s certificate and connects only to servers
/// `authorizer` accepts (module docs). Connect with [`SERVER_NAME`] as the server name.
pub fn client_config(
    key: &SecretKey,
    authorizer: Arc<dyn PeerAuthorizer>,
    transport: Arc<quinn::TransportConfig>,
) -> Result<quinn::ClientConfig, TlsError> {
    let provider = crypto_provider();
    let verifier = Arc::new(ServerVerifier(PeerVerifier::new(authorizer, &provider)));
    let resolver = Arc::new(SingleCertAndKey::from(certified_key(key)?));
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(resolver);
    tls.alpn_protocols = vec![ALPN.to_vec()];
    tls.resumption = rustls::client::Resumption::disabled();
    tls.enable_early_data = false;
    let mut config = quinn::ClientConfig::new(Arc::new(QuicClientConfig::try_from(tls)?));
    config.transport_config(transport);
    Ok(config)
}

/// The peer's authenticated Ed25519 public key, once the handshake of `connection` is complete
/// (`None` before, or if the connection was not made with this module's configurations).
pub fn peer_public_key(connection: &quinn::Connection) -> Option<VerifyingKey> {
    let identity = connection.peer_identity()?;
    let certificates = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    match certificates.as_slice() {
        [certificate] => certificate_public_key(certificate).ok(),
        _ => None,
    }
}

/// The crypto provider used for everything here, explicitly (never the process default): ring,
/// which builds without a C toolchain beyond `cc` and is quinn's own default.
fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE { SEQUENCE { OID
/// 1.3.101.112 }, BIT STRING (no unused bits) }, followed by the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Reads an Ed25519 SubjectPublicKeyInfo, refusing any other algorithm, parameters, length, an
/// invalid point or a small-order ("weak") key.
fn ed25519_key_from_spki(spki: &[u8]) -> Option<VerifyingKey> {
    let raw = spki.strip_prefix(&ED25519_SPKI_PREFIX)?;
    let bytes = <[u8; 32]>::try_from(raw).ok()?;
    let key = VerifyingKey::from_bytes(&bytes).ok()?;
    (!key.is_weak()).then_some(key)
}

fn ed25519_spki(public_key: &VerifyingKey) -> Vec<u8> {
    let mut spki = Vec::with_capacity(ED25519_SPKI_PREFIX.len() + 32);
    spki.extend_from_slice(&ED25519_SPKI_PREFIX);
    spki.extend_from_slice(public_key.as_bytes());
    spki
}

/// The Ed25519 key of a certificate (parsed with webpki, as rustls does).
fn certificate_public_key(certificate: &CertificateDer<'_>) -> Result<VerifyingKey, rustls::Error> {
    let parsed = ParsedCertificate::try_from(certificate)?;
    ed25519_key_from_spki(parsed.subject_public_key_info().as_ref())
        .ok_or_else(|| PeerCertificateError::NotEd25519.into())
}

/// The node key as both rcgen and rustls want a signing key. Signs with [`SecretKey::sign_raw`].
#[derive(Clone, Debug)]
struct NodeSigningKey {
    key: SecretKey,
    public_key: [u8; 32],
}

impl NodeSigningKey {
    fn new(key: &SecretKey) -> NodeSigningKey {
        NodeSigningKey {
            key: key.clone(),
            public_key: key.public_key().to_bytes(),
        }
    }
}

impl rcgen::PublicKeyData for NodeSigningKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public_key
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

impl rcgen::SigningKey for NodeSigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign_raw(message).to_bytes().to_vec())
    }
}

impl rustls::sign::SigningKey for NodeSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&SignatureScheme::ED25519)
            .then(|| Box::new(self.clone()) as Box<dyn rustls::sign::Signer>)
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(ed25519_spki(
            &self.key.public_key(),
        )))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ED25519
    }
}

impl rustls::sign::Signer for NodeSigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        Ok(self.key.sign_raw(message).to_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ED25519
    }
}

/// The node's self-signed certificate. Its serial number and subject name carry the key id (for
/// people reading packet captures); only its key is ever used.
fn node_certificate(key: &NodeSigningKey) -> Result<CertificateDer<'static>, rcgen::Error> {
    let key_id = KeyId::of(&key.key.public_key());
    let mut params = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()])?;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&key_id.0));
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, format!("bansao node {key_id}"));
    params.distinguished_name = name;
    Ok(params.self_signed(key)?.der().clone())
}

fn certified_key(key: &SecretKey) -> Result<CertifiedKey, TlsError> {
    let signing_key = NodeSigningKey::new(key);
    let certificate = node_certificate(&signing_key)?;
    let certified = CertifiedKey::new(vec![certificate], Arc::new(signing_key));
    certified.keys_match()?;
    Ok(certified)
}

/// The checks both verifiers share (module docs, "The handshake, step by step").
#[derive(Debug)]
struct PeerVerifier {
    authorizer: Arc<dyn PeerAuthorizer>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PeerVerifier {
    fn new(authorizer: Arc<dyn PeerAuthorizer>, provider: &CryptoProvider) -> PeerVerifier {
        PeerVerifier {
            authorizer,
            algorithms: provider.signature_verification_algorithms,
        }
    }

    /// Step 1: exactly one certificate, with an Ed25519 key.
    fn check_certificate(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> Result<(), rustls::Error> {
        if !intermediates.is_empty() {
            return Err(PeerCertificateError::NotOneCertificate(1 + intermediates.len()).into());
        }
        certificate_public_key(end_entity).map(|_| ())
    }

    /// Steps 2 and 3: the handshake signature, then the authorizer.
    fn verify_signature_then_authorize(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if signature.scheme != SignatureScheme::ED25519 {
            return Err(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme.into());
        }
        let public_key = certificate_public_key(certificate)?;
        let valid = verify_tls13_signature(message, certificate, signature, &self.algorithms)?;
        self.authorizer
            .authorize(&public_key)
            .map_err(|reason| PeerCertificateError::Refused {
                key_id: KeyId::of(&public_key),
                reason,
            })?;
        Ok(valid)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

/// The handshake checks the client's and the server's verifiers share (in their own traits):
/// TLS 1.2 refused (QUIC is TLS 1.3 only), the TLS 1.3 signature checked then the peer
/// authorized by the [`PeerVerifier`] they wrap, Ed25519 the only scheme.
macro_rules! peer_signature_checks {
    () => {
        fn verify_tls12_signature(
            &self,
            _message: &[u8],
            _certificate: &CertificateDer<'_>,
            _signature: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Err(PeerIncompatible::Tls13RequiredForQuic.into())
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            certificate: &CertificateDer<'_>,
            signature: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0
                .verify_signature_then_authorize(message, certificate, signature)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    };
}

/// The client's check of the server.
#[derive(Debug)]
struct ServerVerifier(PeerVerifier);

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0.check_certificate(end_entity, intermediates)?;
        Ok(ServerCertVerified::assertion())
    }

    peer_signature_checks!();
}

/// The server's check of the client. Client authentication is mandatory.
#[derive(Debug)]
struct ClientVerifier(PeerVerifier);

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0.check_certificate(end_entity, intermediates)?;
        Ok(ClientCertVerified::assertion())
    }

    peer_signature_checks!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::net::{Ipv4Addr, SocketAddr};

    /// Admits a fixed set of keys; refuses others with `reason`.
    #[derive(Debug)]
    struct KnownKeys {
        keys: HashSet<[u8; 32]>,
        reason: &'static str,
    }

    impl KnownKeys {
        fn of(keys: &[&SecretKey], reason: &'static str) -> Arc<KnownKeys> {
            Arc::new(KnownKeys {
                keys: keys.iter().map(|key| key.public_key().to_bytes()).collect(),
                reason,
            })
        }
    }

    impl PeerAuthorizer for KnownKeys {
        fn authorize(&self, public_key: &VerifyingKey) -> Result<(), String> {
            if self.keys.contains(public_key.as_bytes()) {
                Ok(())
            } else {
                Err(self.reason.to_owned())
            }
        }
    }

    fn transport() -> Arc<quinn::TransportConfig> {
        Arc::new(transport_config(
            Duration::from_secs(5),
            Duration::from_secs(1),
        ))
    }

    fn localhost() -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
    }

    fn server_endpoint(key: &SecretKey, authorizer: Arc<dyn PeerAuthorizer>) -> quinn::Endpoint {
        let config = server_config(key, authorizer, transport()).unwrap();
        quinn::Endpoint::server(config, localhost()).unwrap()
    }

    fn client_endpoint(key: &SecretKey, authorizer: Arc<dyn PeerAuthorizer>) -> quinn::Endpoint {
        let mut endpoint = quinn::Endpoint::client(localhost()).unwrap();
        endpoint.set_default_client_config(client_config(key, authorizer, transport()).unwrap());
        endpoint
    }

    /// Accepts one connection; returns its error, or echoes one bi-stream message reversed.
    async fn serve_one(server: quinn::Endpoint) -> Result<VerifyingKey, quinn::ConnectionError> {
        let incoming = server.accept().await.unwrap();
        let connection = incoming.await?;
        let (mut send, mut recv) = connection.accept_bi().await?;
        let mut message = recv.read_to_end(1024).await.unwrap();
        message.reverse();
        send.write_all(&message).await.unwrap();
        send.finish().unwrap();
        // Wait for the client to read the reply and close.
        let _ = connection.closed().await;
        Ok(peer_public_key(&connection).unwrap())
    }

    /// An error and its sources, as one line (quinn's stream errors say "connection lost" and
    /// keep the connection error as their source).
    fn chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(error) = source {
            text.push_str(": ");
            text.push_str(&error.to_string());
            source = error.source();
        }
        text
    }

    /// Connects, sends `hello`, reads the reply, then closes.
    async fn exchange(
        client: &quinn::Endpoint,
        server: SocketAddr,
    ) -> Result<(Vec<u8>, VerifyingKey), String> {
        let connection = client
            .connect(server, SERVER_NAME)
            .unwrap()
            .await
            .map_err(|error| chain(&error))?;
        let (mut send, mut recv) = connection.open_bi().await.map_err(|error| chain(&error))?;
        send.write_all(b"hello")
            .await
            .map_err(|error| chain(&error))?;
        send.finish().map_err(|error| chain(&error))?;
        let reply = recv
            .read_to_end(1024)
            .await
            .map_err(|error| chain(&error))?;
        let server_key = peer_public_key(&connection).unwrap();
        connection.close(0u32.into(), b"done");
        Ok((reply, server_key))
    }

    #[tokio::test]
    async fn known_keys_connect_exchange_and_see_each_other() {
        let server_key = SecretKey::from_seed([1; 32]);
        let client_key = SecretKey::from_seed([2; 32]);
        let server = server_endpoint(&server_key, KnownKeys::of(&[&client_key], "unknown"));
        let server_addr = server.local_addr().unwrap();
        let client = client_endpoint(&client_key, KnownKeys::of(&[&server_key], "unknown"));

        let serving = tokio::spawn(serve_one(server));
        let (reply, seen_server_key) = exchange(&client, server_addr).await.unwrap();
        let seen_client_key = serving.await.unwrap().unwrap();

        assert_eq!(reply, b"olleh");
        assert_eq!(seen_server_key, server_key.public_key());
        assert_eq!(seen_client_key, client_key.public_key());
        client.wait_idle().await;
    }

    #[tokio::test]
    async fn server_refuses_an_unknown_client_key() {
        let server_key = SecretKey::from_seed([1; 32]);
        let known_client = SecretKey::from_seed([2; 32]);
        let stranger = SecretKey::from_seed([3; 32]);
        let server = server_endpoint(
            &server_key,
            KnownKeys::of(&[&known_client], "not in the test trust list"),
        );
        let server_addr = server.local_addr().unwrap();
        // The stranger trusts the server: only the server's check can stop it.
        let client = client_endpoint(&stranger, KnownKeys::of(&[&server_key], "unknown"));

        let serving = tokio::spawn(serve_one(server));
        let client_result = exchange(&client, server_addr).await;
        let server_result = serving.await.unwrap();

        // The server never got a connection, so it accepted no stream and no data.
        let server_error = server_result.unwrap_err();
        assert!(
            matches!(server_error, quinn::ConnectionError::TransportError(_)),
            "{server_error:?}"
        );
        let client_error = client_result.unwrap_err();
        assert!(
            client_error.contains("not in the test trust list"),
            "{client_error}"
        );
    }

    #[tokio::test]
    async fn client_refuses_an_unknown_server_key() {
        let impostor = SecretKey::from_seed([4; 32]);
        let real_server = SecretKey::from_seed([1; 32]);
        let client_key = SecretKey::from_seed([2; 32]);
        // The impostor server would admit the client: only the client's check can stop it.
        let server = server_endpoint(&impostor, KnownKeys::of(&[&client_key], "unknown"));
        let server_addr = server.local_addr().unwrap();
        let client = client_endpoint(
            &client_key,
            KnownKeys::of(&[&real_server], "not the ward's key"),
        );

        let serving = tokio::spawn(serve_one(server));
        let connect_error = client
            .connect(server_addr, SERVER_NAME)
            .unwrap()
            .await
            .unwrap_err();
        assert!(
            matches!(connect_error, quinn::ConnectionError::TransportError(_)),
            "{connect_error:?}"
        );
        assert!(serving.await.unwrap().is_err());
    }

    #[tokio::test]
    async fn a_refusal_reason_surfaces_in_both_ends_errors() {
        let server_key = SecretKey::from_seed([1; 32]);
        let revoked_client = SecretKey::from_seed([5; 32]);
        let reason = "key revoked on 2026-01-02: lost kiosk";
        let server = server_endpoint(&server_key, KnownKeys::of(&[], reason));
        let server_addr = server.local_addr().unwrap();
        let client = client_endpoint(&revoked_client, KnownKeys::of(&[&server_key], "unknown"));

        let serving = tokio::spawn(serve_one(server));
        let client_error = exchange(&client, server_addr).await.unwrap_err();
        let server_error = serving.await.unwrap().unwrap_err().to_string();

        // The refusing side: its error names the refused key and the reason.
        assert!(server_error.contains(reason), "{server_error}");
        assert!(
            server_error.contains(&revoked_client.key_id().to_hex()),
            "{server_error}"
        );
        // The refused side: the reason arrives in the CONNECTION_CLOSE.
        assert!(client_error.contains(reason), "{client_error}");
    }

    /// Admits every key and counts the calls.
    #[derive(Debug, Default)]
    struct AdmitsAll {
        calls: std::sync::atomic::AtomicUsize,
    }

    impl PeerAuthorizer for AdmitsAll {
        fn authorize(&self, _: &VerifyingKey) -> Result<(), String> {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    /// A client endpoint that presents `certified` (whatever its certificate and key are).
    fn client_presenting(certified: CertifiedKey) -> quinn::Endpoint {
        let provider = crypto_provider();
        let verifier = ServerVerifier(PeerVerifier::new(Arc::new(AdmitsAll::default()), &provider));
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
        tls.alpn_protocols = vec![ALPN.to_vec()];
        let mut client = quinn::Endpoint::client(localhost()).unwrap();
        client.set_default_client_config(quinn::ClientConfig::new(Arc::new(
            QuicClientConfig::try_from(tls).unwrap(),
        )));
        client
    }

    /// A P-256 public key as rcgen wants one (any point: only its algorithm matters here).
    struct EcdsaPublicKey([u8; 65]);

    impl rcgen::PublicKeyData for EcdsaPublicKey {
        fn der_bytes(&self) -> &[u8] {
            &self.0
        }

        fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
            &rcgen::PKCS_ECDSA_P256_SHA256
        }
    }

    #[tokio::test]
    async fn a_certificate_without_an_ed25519_key_is_refused_before_authorization() {
        let server_key = SecretKey::from_seed([1; 32]);
        let authorizer = Arc::new(AdmitsAll::default());
        let server = server_endpoint(&server_key, authorizer.clone());
        let server_addr = server.local_addr().unwrap();

        // A certificate for an ECDSA P-256 key (issued by an Ed25519 key, which is allowed in
        // X.509), presented by a client that signs the handshake with that Ed25519 key.
        let issuer_key = NodeSigningKey::new(&SecretKey::from_seed([8; 32]));
        let issuer_params = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()]).unwrap();
        let mut params = issuer_params.clone();
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&[1]));
        let mut issuer_params = issuer_params;
        issuer_params.serial_number = Some(rcgen::SerialNumber::from_slice(&[2]));
        let issuer = rcgen::Issuer::new(issuer_params, issuer_key.clone());
        let mut point = [7u8; 65];
        point[0] = 4;
        let certificate = params
            .signed_by(&EcdsaPublicKey(point), &issuer)
            .unwrap()
            .der()
            .clone();
        let client = client_presenting(CertifiedKey::new(vec![certificate], Arc::new(issuer_key)));

        let serving = tokio::spawn(serve_one(server));
        let client_error = exchange(&client, server_addr).await.unwrap_err();
        let server_error = serving.await.unwrap().unwrap_err().to_string();
        assert!(server_error.contains("Ed25519"), "{server_error}");
        assert!(client_error.contains("Ed25519"), "{client_error}");
        assert_eq!(
            authorizer.calls.load(std::sync::atomic::Ordering::SeqCst),
            0
        );
    }

    #[tokio::test]
    async fn a_peer_that_cannot_sign_for_its_certificate_key_is_refused_before_authorization() {
        let server_key = SecretKey::from_seed([1; 32]);
        let authorizer = Arc::new(AdmitsAll::default());
        let server = server_endpoint(&server_key, authorizer.clone());
        let server_addr = server.local_addr().unwrap();

        // The certificate of a key the attacker does not hold, replayed with another key.
        let victim = NodeSigningKey::new(&SecretKey::from_seed([9; 32]));
        let attacker = NodeSigningKey::new(&SecretKey::from_seed([10; 32]));
        let stolen_certificate = node_certificate(&victim).unwrap();
        let client = client_presenting(CertifiedKey::new(
            vec![stolen_certificate],
            Arc::new(attacker),
        ));

        let serving = tokio::spawn(serve_one(server));
        let client_error = exchange(&client, server_addr).await.unwrap_err();
        let server_error = serving.await.unwrap().unwrap_err().to_string();
        assert!(server_error.contains("BadSignature"), "{server_error}");
        assert!(client_error.contains("BadSignature"), "{client_error}");
        assert_eq!(
            authorizer.calls.load(std::sync::atomic::Ordering::SeqCst),
            0
        );
    }

    #[test]
    fn node_certificate_carries_the_node_key() {
        let key = SecretKey::from_seed([6; 32]);
        let certified = certified_key(&key).unwrap();
        assert_eq!(certified.cert.len(), 1);
        assert_eq!(
            certificate_public_key(&certified.cert[0]).unwrap(),
            key.public_key()
        );
    }

    #[test]
    fn only_plain_ed25519_subject_public_key_infos_are_read() {
        let key = SecretKey::from_seed([7; 32]).public_key();
        let spki = ed25519_spki(&key);
        assert_eq!(ed25519_key_from_spki(&spki), Some(key));

        // Ed448's OID (1.3.101.113) with the same layout.
        let mut other_algorithm = spki.clone();
        other_algorithm[8] = 0x71;
        assert_eq!(ed25519_key_from_spki(&other_algorithm), None);
        // Truncated and extended key bytes.
        assert_eq!(ed25519_key_from_spki(&spki[..spki.len() - 1]), None);
        let mut longer = spki.clone();
        longer.push(0);
        assert_eq!(ed25519_key_from_spki(&longer), None);
        // A small-order point (the identity, encoded as y = 1).
        let mut weak = ED25519_SPKI_PREFIX.to_vec();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        weak.extend_from_slice(&identity);
        assert_eq!(ed25519_key_from_spki(&weak), None);
    }
}
