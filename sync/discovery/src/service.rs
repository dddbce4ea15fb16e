//! [`LanDiscovery`]: libp2p's mDNS behaviour driven on a thread of its own, without a `Swarm`.
//!
//! The thread runs a current-thread tokio runtime holding everything discovery creates: the mDNS
//! behaviour, the per-interface tasks it spawns to send and answer queries, and our interface
//! watcher. Dropping [`LanDiscovery`] stops the loop and drops that runtime, which cancels those
//! tasks and closes their sockets. (Run on the caller's runtime instead, the interface tasks
//! would outlive the behaviour: libp2p-mdns keeps their `JoinHandle`s, and dropping a tokio
//! handle detaches its task rather than aborting it, so a stopped node would keep answering
//! queries with its old announcement.)

use std::future::{Future, poll_fn};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use ed25519_dalek::VerifyingKey;
use futures::StreamExt;
use futures::future::{Either, select};
use if_watch::IfEvent;
use libp2p::core::transport::ListenerId;
use libp2p::mdns;
use libp2p::swarm::{ExpiredListenAddr, FromSwarm, NetworkBehaviour, NewListenAddr, ToSwarm};
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use crate::peer::{peer_id_of, quic_multiaddr};
use crate::table::PeerTable;
use crate::{DiscoveryConfig, DiscoveryError, DiscoveryEvent};

/// Events waiting for the caller before discovery stops reading mDNS results (it keeps
/// answering queries meanwhile: that happens in the per-interface tasks).
const EVENT_CHANNEL_CAPACITY: usize = 64;

/// A running LAN discovery: announces this node and reports others through the receiver
/// [`LanDiscovery::start`] returned. Dropping it stops both, and returns once the discovery
/// thread has ended and its sockets are closed.
#[derive(Debug)]
pub struct LanDiscovery {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LanDiscovery {
    /// Starts announcing `public_key` (this node's Ed25519 device key) as reachable at
    /// `config.quic_port`, and reporting the nodes that announce themselves on the same LAN.
    ///
    /// Only the public key is needed: mDNS announcements are not signed, so anyone on the LAN
    /// can announce any key. A reported key is a hint of whom to dial; the QUIC handshake
    /// proves the key, and the trust list says whether it counts.
    ///
    /// Needs no tokio runtime from the caller (discovery runs on a thread of its own); the
    /// receiver can be read from any runtime.
    pub fn start(
        public_key: &VerifyingKey,
        config: DiscoveryConfig,
    ) -> Result<(LanDiscovery, mpsc::Receiver<DiscoveryEvent>), DiscoveryError> {
        config.validate()?;
        let own_peer_id = peer_id_of(public_key).ok_or(DiscoveryError::PeerIdEncoding)?;
        let (events, events_receiver) = mpsc::channel(EVENT_CHANNEL_CAPACITY);
        let (stop, stop_receiver) = oneshot::channel();
        let (started, started_receiver) = std::sync::mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("bansao-discovery".to_owned())
            .spawn(move || {
                run_thread(own_peer_id, config, events, stop_receiver, started);
            })
            .map_err(|source| DiscoveryError::Start {
                what: "the discovery thread",
                source,
            })?;
        let outcome = started_receiver.recv();
        match outcome {
            Ok(Ok(())) => Ok((
                LanDiscovery {
                    stop: Some(stop),
                    thread: Some(thread),
                },
                events_receiver,
            )),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            Err(_) => {
                let _ = thread.join();
                Err(DiscoveryError::ThreadEnded)
            }
        }
    }
}

impl Drop for LanDiscovery {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the LAN discovery thread panicked");
        }
    }
}

/// The discovery thread: builds the runtime and the service, reports whether that worked, then
/// runs until stopped. The runtime is dropped here, on this thread, cancelling mDNS's tasks.
fn run_thread(
    own_peer_id: PeerId,
    config: DiscoveryConfig,
    events: mpsc::Sender<DiscoveryEvent>,
    stop: oneshot::Receiver<()>,
    started: std::sync::mpsc::SyncSender<Result<(), DiscoveryError>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(source) => {
            let _ = started.send(Err(DiscoveryError::Start {
                what: "the discovery runtime",
                source,
            }));
            return;
        }
    };
    runtime.block_on(async move {
        match Service::new(own_peer_id, &config, events) {
            Ok(service) => {
                let _ = started.send(Ok(()));
                service.run(stop).await;
            }
            Err(error) => {
                let _ = started.send(Err(error));
            }
        }
    });
}

/// What woke the discovery loop.
enum Step {
    Stop,
    Interface(io::Result<IfEvent>),
    Mdns(mdns::Event),
}

/// The state the discovery loop owns.
struct Service {
    mdns: mdns::tokio::Behaviour,
    /// Watches interface addresses when `listen_ip` is unspecified, `None` otherwise (or after
    /// the watcher failed).
    interfaces: Option<if_watch::tokio::IfWatcher>,
    /// The one "listener" the behaviour is told about; it only tags listen-address events.
    listener_id: ListenerId,
    quic_port: u16,
    ipv6: bool,
    announced: Vec<Multiaddr>,
    table: PeerTable,
    events: mpsc::Sender<DiscoveryEvent>,
}

impl Service {
    /// Must run inside the discovery runtime: the behaviour and the watcher register netlink
    /// sockets with it.
    fn new(
        own_peer_id: PeerId,
        config: &DiscoveryConfig,
        events: mpsc::Sender<DiscoveryEvent>,
    ) -> Result<Service, DiscoveryError> {
        let ipv6 = config.listen_ip.is_ipv6();
        let mdns_config = mdns::Config {
            ttl: config.ttl,
            query_interval: config.query_interval,
            enable_ipv6: ipv6,
        };
        let mdns = mdns::tokio::Behaviour::new(mdns_config, own_peer_id).map_err(|source| {
            DiscoveryError::Start {
                what: "the mDNS service",
                source,
            }
        })?;
        let interfaces = if config.listen_ip.is_unspecified() {
            Some(
                if_watch::tokio::IfWatcher::new().map_err(|source| DiscoveryError::Start {
                    what: "the network interface watcher",
                    source,
                })?,
            )
        } else {
            None
        };
        let mut service = Service {
            mdns,
            interfaces,
            listener_id: ListenerId::next(),
            quic_port: config.quic_port,
            ipv6,
            announced: Vec::new(),
            table: PeerTable::new(own_peer_id),
            events,
        };
        if !config.listen_ip.is_unspecified() {
            service.announce(config.listen_ip);
        }
        Ok(service)
    }

    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        loop {
            let step = poll_fn(|cx| self.poll_step(cx, &mut stop)).await;
            let events = match step {
                Step::Stop => return,
                Step::Interface(Ok(IfEvent::Up(network))) => {
                    self.announce(network.addr());
                    continue;
                }
                Step::Interface(Ok(IfEvent::Down(network))) => {
                    self.withdraw(network.addr());
                    continue;
                }
                Step::Interface(Err(error)) => {
                    tracing::warn!(
                        %error,
                        "the network interface watcher failed; announced addresses stay as they are"
                    );
                    self.interfaces = None;
                    continue;
                }
                Step::Mdns(mdns::Event::Discovered(pairs)) => self.table.discovered(pairs),
                Step::Mdns(mdns::Event::Expired(pairs)) => self.table.expired(pairs),
            };
            for event in events {
                // Waits while the caller's queue is full, but never past a stop. A caller that
                // dropped its receiver gets nothing; we go on announcing.
                match select(pin!(self.events.send(event)), &mut stop).await {
                    Either::Left(_) => {}
                    Either::Right(_) => return,
                }
            }
        }
    }

    fn poll_step(&mut self, cx: &mut Context<'_>, stop: &mut oneshot::Receiver<()>) -> Poll<Step> {
        // Nothing is ever sent: the sender being dropped is the signal.
        if Pin::new(stop).poll(cx).is_ready() {
            return Poll::Ready(Step::Stop);
        }
        if let Some(interfaces) = &mut self.interfaces
            && let Poll::Ready(event) = interfaces.poll_next_unpin(cx)
        {
            let event = event.unwrap_or_else(|| Err(io::ErrorKind::UnexpectedEof.into()));
            return Poll::Ready(Step::Interface(event));
        }
        loop {
            match self.mdns.poll(cx) {
                Poll::Ready(ToSwarm::GenerateEvent(event)) => {
                    return Poll::Ready(Step::Mdns(event));
                }
                // `NewExternalAddrOfPeer` is for a swarm's dialer; we have none.
                Poll::Ready(_) => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Tells mDNS that our QUIC endpoint is reachable at `ip`, if that address can be announced
    /// (the configured family; not loopback; not IPv6 link-local, which is useless without the
    /// scope id a multiaddr cannot carry).
    fn announce(&mut self, ip: IpAddr) {
        let usable = match ip {
            IpAddr::V4(v4) => !self.ipv6 && !v4.is_loopback(),
            IpAddr::V6(v6) => self.ipv6 && !v6.is_loopback() && !v6.is_unicast_link_local(),
        };
        let address = quic_multiaddr(SocketAddr::new(ip, self.quic_port));
        if !usable || self.announced.contains(&address) {
            return;
        }
        tracing::debug!(%address, "announcing");
        self.mdns
            .on_swarm_event(FromSwarm::NewListenAddr(NewListenAddr {
                listener_id: self.listener_id,
                addr: &address,
            }));
        self.announced.push(address);
    }

    /// Stops announcing `ip` (its interface went down or lost the address).
    fn withdraw(&mut self, ip: IpAddr) {
        let address = quic_multiaddr(SocketAddr::new(ip, self.quic_port));
        let Some(position) = self.announced.iter().position(|a| *a == address) else {
            return;
        };
        tracing::debug!(%address, "withdrawing");
        self.mdns
            .on_swarm_event(FromSwarm::ExpiredListenAddr(ExpiredListenAddr {
                listener_id: self.listener_id,
                addr: &address,
            }));
        self.announced.swap_remove(position);
    }
}
