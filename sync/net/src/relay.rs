//! A small seeded UDP relay that shapes the link between QUIC clients and one server, for tests
//! and benchmarks (our kernels have no netem, and tests must not need root).
//!
//! Clients send to [`Relay::local_addr`] instead of the server. For each client address the relay
//! opens its own upstream socket towards the server, so the server sees one address per client
//! and a client that reconnects from a new port is simply a new client. Both directions pass
//! through their own model of a link ([`LinkProfile`]), shared by all clients like a real
//! access link:
//!
//! 1. **cut**: while [`Relay::set_cut`] is on, every packet is dropped, both ways;
//! 2. **drop-tail queue**: a packet that does not fit in the `queue_bytes` still waiting for the
//!    bottleneck is dropped;
//! 3. **bottleneck**: packets leave one after the other at `rate_bits_per_second`, each when the
//!    previous one has been sent, as on a real link (serialization delay);
//! 4. **loss**: a packet is lost with probability `loss` *after* it has used the bottleneck, as
//!    radio losses do (they cost link time);
//! 5. **delay**: a packet that is not lost arrives `one_way_delay` after its last bit left.
//!
//! Loss is reproducible: each direction draws one number per arriving packet, in arrival order,
//! cut or not, from a PCG generator seeded with `seed` and the direction, so the loss pattern is
//! a function of the seed and the packet order only (not of timing or the queue). `rand_pcg`
//! promises value stability, unlike `rand::rngs::StdRng`, so a seed means the same pattern after
//! dependency upgrades.
//!
//! Departure times are computed on a virtual timeline (`busy_until`) rather than measured after
//! each send, so timer lateness does not accumulate into a lower rate. Clients are never
//! forgotten: the relay is meant for tests and benchmarks of bounded size.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How one direction of the shaped link behaves (both directions get the same profile).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkProfile {
    /// Bottleneck rate per direction, in bits per second of UDP payload. `0` means no bottleneck
    /// (no serialization delay, and so no queue).
    pub rate_bits_per_second: u64,
    /// Fixed delay added to each packet after it leaves the bottleneck.
    pub one_way_delay: Duration,
    /// Probability in `0.0..=1.0` that a packet is lost, drawn per packet and per direction.
    pub loss: f64,
    /// Capacity of the drop-tail queue in front of the bottleneck, in bytes (the packet being
    /// sent counts until its last bit has left).
    pub queue_bytes: usize,
    /// Seed of the loss pattern.
    pub seed: u64,
}

/// What happened to the packets of one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirectionStats {
    /// Packets delivered to their destination.
    pub forwarded_packets: u64,
    /// Payload bytes delivered to their destination.
    pub forwarded_bytes: u64,
    /// Packets dropped by the random loss.
    pub dropped_by_loss: u64,
    /// Packets dropped because the queue was full.
    pub dropped_by_queue: u64,
    /// Packets dropped because the link was cut.
    pub dropped_by_cut: u64,
}

/// What happened to the packets of both directions since the relay started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelayStats {
    /// From clients to the server.
    pub client_to_server: DirectionStats,
    /// From the server to clients.
    pub server_to_client: DirectionStats,
}

/// A running relay. Dropping it stops its tasks and closes its sockets.
pub struct Relay {
    local_addr: SocketAddr,
    cut: Arc<AtomicBool>,
    client_to_server: Arc<Mutex<Link>>,
    server_to_client: Arc<Mutex<Link>>,
    /// Dropping the set aborts the tasks (the listener owns the per-client tasks in turn).
    _tasks: JoinSet<()>,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("local_addr", &self.local_addr)
            .field("cut", &self.cut.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Starts a relay to `server` listening on `127.0.0.1:0`, on the current tokio runtime.
    /// Fails with [`io::ErrorKind::InvalidInput`] if `profile.loss` is not in `0.0..=1.0`.
    pub async fn start(server: SocketAddr, profile: LinkProfile) -> io::Result<Relay> {
        Relay::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), server, profile).await
    }

    /// Starts a relay to `server` listening on `listen` (e.g. an address of a veth interface,
    /// so that a node in another network namespace can reach it).
    pub async fn start_on(
        address: SocketAddr,
        server: SocketAddr,
        profile: LinkProfile,
    ) -> io::Result<Relay> {
        if !(0.0..=1.0).contains(&profile.loss) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("loss must be within 0..=1, not {}", profile.loss),
            ));
        }
        let listener = Arc::new(UdpSocket::bind(address).await?);
        let local_addr = listener.local_addr()?;
        let cut = Arc::new(AtomicBool::new(false));
        let client_to_server = Arc::new(Mutex::new(Link::new(&profile, Direction::ClientToServer)));
        let server_to_client = Arc::new(Mutex::new(Link::new(&profile, Direction::ServerToClient)));

        let mut tasks = JoinSet::new();
        let (upstream_sender, upstream_receiver) = mpsc::unbounded_channel();
        let (downstream_sender, downstream_receiver) = mpsc::unbounded_channel();
        tasks.spawn(deliver(upstream_receiver, client_to_server.clone()));
        tasks.spawn(deliver(downstream_receiver, server_to_client.clone()));
        tasks.spawn(listen(
            listener,
            server,
            cut.clone(),
            Shaper {
                link: client_to_server.clone(),
                scheduled: upstream_sender,
            },
            Shaper {
                link: server_to_client.clone(),
                scheduled: downstream_sender,
            },
        ));
        Ok(Relay {
            local_addr,
            cut,
            client_to_server,
            server_to_client,
            _tasks: tasks,
        })
    }

    /// The address clients send to instead of the server's.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Cuts the link (every packet is dropped, both ways) or restores it. Packets already past
    /// the queue still arrive.
    pub fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
    }

    /// Counters of both directions.
    pub fn stats(&self) -> RelayStats {
        RelayStats {
            client_to_server: lock(&self.client_to_server).stats,
            server_to_client: lock(&self.server_to_client).stats,
        }
    }
}

/// A poisoned lock only means a relay task panicked mid-update of counters; keep going.
fn lock(link: &Mutex<Link>) -> MutexGuard<'_, Link> {
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone, Copy, Debug)]
enum Direction {
    ClientToServer,
    ServerToClient,
}

/// The model of one direction of the link (module docs), on a virtual timeline.
#[derive(Debug)]
struct Link {
    rate_bits_per_second: u64,
    one_way_delay: Duration,
    queue_bytes: usize,
    /// A packet is lost when the next draw is below this (`loss` scaled to `u64`).
    loss_threshold: u64,
    /// `loss == 1.0` cannot be expressed as a threshold below `2^64`.
    lose_all: bool,
    rng: Pcg64,
    /// When the bottleneck has sent everything accepted so far.
    busy_until: Option<Instant>,
    stats: DirectionStats,
}

impl Link {
    fn new(profile: &LinkProfile, direction: Direction) -> Link {
        // Distinct, fixed streams per direction from one seed.
        let stream = match direction {
            Direction::ClientToServer => 0x6261_6e73_616f_2d75, // "bansao-u"
            Direction::ServerToClient => 0x6261_6e73_616f_2d64, // "bansao-d"
        };
        let loss = profile.loss.clamp(0.0, 1.0);
        Link {
            rate_bits_per_second: profile.rate_bits_per_second,
            one_way_delay: profile.one_way_delay,
            queue_bytes: profile.queue_bytes,
            // Saturating float-to-int cast; exact enough for a probability.
            loss_threshold: (loss * 18_446_744_073_709_551_616.0) as u64,
            lose_all: loss >= 1.0,
            rng: Pcg64::seed_from_u64(profile.seed ^ stream),
            busy_until: None,
            stats: DirectionStats::default(),
        }
    }

    /// Decides the fate of a `length`-byte packet arriving at `now`: `Some(arrival time)` or
    /// `None` if it is dropped (and counted).
    fn admit(&mut self, now: Instant, length: usize, cut: bool) -> Option<Instant> {
        // Drawn for every packet, first, so the pattern depends on the seed and order only.
        let lost = self.lose_all || self.rng.next_u64() < self.loss_threshold;
        if cut {
            self.stats.dropped_by_cut += 1;
            return None;
        }
        let left_bottleneck = if self.rate_bits_per_second == 0 {
            now
        } else {
            let start = self.busy_until.map_or(now, |busy| busy.max(now));
            let queued_bytes = bytes_sent_in(start - now, self.rate_bits_per_second);
            if queued_bytes.saturating_add(length as u128) > self.queue_bytes as u128 {
                self.stats.dropped_by_queue += 1;
                return None;
            }
            let done = start + serialization_time(length, self.rate_bits_per_second);
            self.busy_until = Some(done);
            done
        };
        if lost {
            self.stats.dropped_by_loss += 1;
            return None;
        }
        Some(left_bottleneck + self.one_way_delay)
    }
}

/// How long `length` bytes take at `rate` bits per second (rounded up to the nanosecond).
fn serialization_time(length: usize, rate_bits_per_second: u64) -> Duration {
    let nanos = (length as u128 * 8 * 1_000_000_000).div_ceil(u128::from(rate_bits_per_second));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// How many bytes the bottleneck sends in `time` (rounded up: what is partly sent still queues).
fn bytes_sent_in(time: Duration, rate_bits_per_second: u64) -> u128 {
    (time.as_nanos() * u128::from(rate_bits_per_second)).div_ceil(8 * 1_000_000_000)
}

/// A packet on its way: sent from `socket` to `destination` at `at`.
struct Scheduled {
    at: Instant,
    datagram: Vec<u8>,
    socket: Arc<UdpSocket>,
    destination: SocketAddr,
}

/// One direction's entrance: admits packets and queues the admitted ones for delivery.
#[derive(Clone)]
struct Shaper {
    link: Arc<Mutex<Link>>,
    scheduled: mpsc::UnboundedSender<Scheduled>,
}

impl Shaper {
    fn offer(&self, cut: bool, datagram: &[u8], socket: &Arc<UdpSocket>, destination: SocketAddr) {
        // Admission and enqueueing under one lock, so delivery order is arrival order even when
        // several tasks feed the same direction.
        let mut link = lock(&self.link);
        if let Some(at) = link.admit(Instant::now(), datagram.len(), cut) {
            // The receiver only goes away when the relay is being dropped.
            let _ = self.scheduled.send(Scheduled {
                at,
                datagram: datagram.to_vec(),
                socket: socket.clone(),
                destination,
            });
        }
    }
}

/// Sends each scheduled packet at its time. Times are non-decreasing per direction.
async fn deliver(mut scheduled: mpsc::UnboundedReceiver<Scheduled>, link: Arc<Mutex<Link>>) {
    while let Some(packet) = scheduled.recv().await {
        tokio::time::sleep_until(packet.at).await;
        // A failed send is a packet lost on the way (as UDP would); it is not counted as sent.
        if packet
            .socket
            .send_to(&packet.datagram, packet.destination)
            .await
            .is_ok()
        {
            let mut link = lock(&link);
            link.stats.forwarded_packets += 1;
            link.stats.forwarded_bytes += packet.datagram.len() as u64;
        }
    }
}

/// The largest UDP payload.
const MAX_DATAGRAM: usize = 65_535;

/// Receives from clients, opens an upstream socket (and its reader task) per new client address,
/// and offers each packet to the client-to-server direction.
async fn listen(
    listener: Arc<UdpSocket>,
    server: SocketAddr,
    cut: Arc<AtomicBool>,
    upstream: Shaper,
    downstream: Shaper,
) {
    let mut clients: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    // Owned here so that aborting this task aborts the readers too.
    let mut readers = JoinSet::new();
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    loop {
        let Ok((length, client)) = listener.recv_from(&mut buffer).await else {
            // Errors on an unconnected UDP socket are transient (e.g. a buffer shortage).
            continue;
        };
        let socket = match clients.get(&client) {
            Some(socket) => socket.clone(),
            None => {
                // Towards the server from loopback when it is on loopback, from any address
                // (the route's) when it is elsewhere.
                let from = if server.ip().is_loopback() {
                    Ipv4Addr::LOCALHOST
                } else {
                    Ipv4Addr::UNSPECIFIED
                };
                let Ok(socket) = UdpSocket::bind((from, 0)).await else {
                    continue;
                };
                let socket = Arc::new(socket);
                clients.insert(client, socket.clone());
                readers.spawn(read_from_server(
                    socket.clone(),
                    server,
                    listener.clone(),
                    client,
                    cut.clone(),
                    downstream.clone(),
                ));
                socket
            }
        };
        upstream.offer(
            cut.load(Ordering::SeqCst),
            &buffer[..length],
            &socket,
            server,
        );
    }
}

/// Receives the server's packets for one client and offers them to the server-to-client
/// direction. Packets from anyone but the server are ignored.
async fn read_from_server(
    upstream: Arc<UdpSocket>,
    server: SocketAddr,
    listener: Arc<UdpSocket>,
    client: SocketAddr,
    cut: Arc<AtomicBool>,
    downstream: Shaper,
) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    loop {
        let Ok((length, from)) = upstream.recv_from(&mut buffer).await else {
            continue;
        };
        if from == server {
            downstream.offer(
                cut.load(Ordering::SeqCst),
                &buffer[..length],
                &listener,
                client,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(rate_bits_per_second: u64, delay_ms: u64, loss: f64, seed: u64) -> LinkProfile {
        LinkProfile {
            rate_bits_per_second,
            one_way_delay: Duration::from_millis(delay_ms),
            loss,
            queue_bytes: 1 << 20,
            seed,
        }
    }

    async fn bind() -> UdpSocket {
        UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap()
    }

    /// A server that sends every datagram back to where it came from.
    async fn echo_server() -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let socket = bind().await;
        let address = socket.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut buffer = vec![0u8; MAX_DATAGRAM];
            loop {
                let (length, from) = socket.recv_from(&mut buffer).await.unwrap();
                socket.send_to(&buffer[..length], from).await.unwrap();
            }
        });
        (address, task)
    }

    /// Receives until `quiet` passes without a datagram; returns each datagram's arrival time
    /// and first eight bytes (the sender's sequence number).
    async fn receive_until_quiet(socket: &UdpSocket, quiet: Duration) -> Vec<(Instant, u64)> {
        let mut received = Vec::new();
        let mut buffer = vec![0u8; MAX_DATAGRAM];
        while let Ok(result) = tokio::time::timeout(quiet, socket.recv_from(&mut buffer)).await {
            let (length, _) = result.unwrap();
            assert!(length >= 8);
            let sequence = u64::from_be_bytes(buffer[..8].try_into().unwrap());
            received.push((Instant::now(), sequence));
        }
        received
    }

    fn numbered(sequence: u64, length: usize) -> Vec<u8> {
        let mut datagram = vec![0xa5; length];
        datagram[..8].copy_from_slice(&sequence.to_be_bytes());
        datagram
    }

    #[test]
    fn the_link_model_serializes_queues_drop_tail_and_delays() {
        // 8000 bit/s = 1000 bytes per second; room for three 1000-byte packets.
        let mut link = Link::new(
            &LinkProfile {
                rate_bits_per_second: 8_000,
                one_way_delay: Duration::from_millis(100),
                loss: 0.0,
                queue_bytes: 3_000,
                seed: 1,
            },
            Direction::ClientToServer,
        );
        let start = Instant::now();
        let arrivals: Vec<_> = (0..5).map(|_| link.admit(start, 1_000, false)).collect();
        let second = Duration::from_secs(1);
        let delay = Duration::from_millis(100);
        assert_eq!(
            arrivals,
            vec![
                Some(start + second + delay),
                Some(start + 2 * second + delay),
                Some(start + 3 * second + delay),
                None,
                None
            ]
        );
        assert_eq!(link.stats.dropped_by_queue, 2);
        // Half a second later half a packet has left: still no room for a whole one...
        assert_eq!(link.admit(start + second / 2, 1_000, false), None);
        // ...a second later one has, and the newcomer queues behind the other two.
        assert_eq!(
            link.admit(start + second, 1_000, false),
            Some(start + 4 * second + delay)
        );
        assert_eq!(link.admit(start + second, 1_000, true), None);
        assert_eq!(link.stats.dropped_by_cut, 1);
    }

    #[test]
    fn loss_is_a_function_of_seed_and_packet_order() {
        let pattern = |seed: u64, cut_every: Option<usize>| -> Vec<bool> {
            let mut link = Link::new(&profile(0, 0, 0.3, seed), Direction::ServerToClient);
            let now = Instant::now();
            (0..1_000)
                .map(|index| {
                    let cut = cut_every.is_some_and(|every| index % every == 0);
                    link.admit(now, 100, cut).is_some()
                })
                .collect()
        };
        let first = pattern(7, None);
        assert_eq!(first, pattern(7, None));
        assert_ne!(first, pattern(8, None));
        // Cutting some packets does not shift the loss pattern of the others.
        let with_cuts = pattern(7, Some(3));
        for (index, (delivered, delivered_with_cuts)) in first.iter().zip(&with_cuts).enumerate() {
            if index % 3 != 0 {
                assert_eq!(delivered, delivered_with_cuts, "packet {index}");
            }
        }
        let lost = first.iter().filter(|delivered| !**delivered).count();
        assert!((250..=350).contains(&lost), "{lost} of 1000 lost at 30 %");
    }

    #[tokio::test]
    async fn throughput_through_a_rate_limited_relay_matches_the_rate() {
        let receiver = bind().await;
        let rate = 2_000_000;
        let relay = Relay::start(receiver.local_addr().unwrap(), profile(rate, 5, 0.0, 1))
            .await
            .unwrap();
        let sender = bind().await;
        let (count, length) = (500u64, 1_000usize);
        let sending = {
            let target = relay.local_addr();
            tokio::spawn(async move {
                // Twice the link rate, in bursts of five: the bottleneck sets the pace.
                for burst in 0..count / 5 {
                    for sequence in burst * 5..burst * 5 + 5 {
                        sender
                            .send_to(&numbered(sequence, length), target)
                            .await
                            .unwrap();
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        let received = receive_until_quiet(&receiver, Duration::from_millis(500)).await;
        sending.await.unwrap();

        assert_eq!(received.len() as u64, count);
        let elapsed = received[received.len() - 1].0 - received[0].0;
        // The first packet's bits were sent before the clock started.
        let measured = ((count - 1) * length as u64 * 8) as f64 / elapsed.as_secs_f64();
        let ratio = measured / rate as f64;
        assert!((0.9..=1.1).contains(&ratio), "{measured} bit/s for {rate}");
        let stats = relay.stats();
        assert_eq!(stats.client_to_server.forwarded_packets, count);
        assert_eq!(
            stats.client_to_server.forwarded_bytes,
            count * length as u64
        );
        assert_eq!(stats.client_to_server.dropped_by_queue, 0);
    }

    /// Sends `count` numbered datagrams through a fresh relay with `seed`; returns the sequence
    /// numbers that arrived and the relay's counters.
    async fn run_lossy(seed: u64, count: u64) -> (Vec<u64>, RelayStats) {
        let receiver = bind().await;
        let relay = Relay::start(receiver.local_addr().unwrap(), profile(0, 0, 0.2, seed))
            .await
            .unwrap();
        let sender = bind().await;
        let target = relay.local_addr();
        let sending = tokio::spawn(async move {
            for sequence in 0..count {
                sender
                    .send_to(&numbered(sequence, 64), target)
                    .await
                    .unwrap();
                if sequence % 20 == 19 {
                    // Paced so that no socket buffer overflows: only the relay may lose packets.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        let received = receive_until_quiet(&receiver, Duration::from_millis(300)).await;
        sending.await.unwrap();
        let sequences = received.into_iter().map(|(_, sequence)| sequence).collect();
        (sequences, relay.stats())
    }

    #[tokio::test]
    async fn loss_is_near_the_configured_ratio_and_repeats_with_the_seed() {
        let count = 2_000;
        let (first, first_stats) = run_lossy(42, count).await;
        let (second, second_stats) = run_lossy(42, count).await;
        let (other, _) = run_lossy(43, count).await;

        let lost = first_stats.client_to_server.dropped_by_loss;
        assert_eq!(first.len() as u64 + lost, count);
        let ratio = lost as f64 / count as f64;
        assert!((0.17..=0.23).contains(&ratio), "lost {ratio} for 0.2");
        assert_eq!(first, second);
        assert_eq!(first_stats, second_stats);
        assert_ne!(first, other);
    }

    #[tokio::test]
    async fn a_cut_link_drops_everything_both_ways_until_restored() {
        let (server, _echo) = echo_server().await;
        let relay = Relay::start(server, profile(0, 0, 0.0, 1)).await.unwrap();
        let client = bind().await;
        client.connect(relay.local_addr()).await.unwrap();
        let mut buffer = [0u8; 64];

        // One round trip so the server-to-client direction has a client to return to.
        client.send(b"before").await.unwrap();
        let length = tokio::time::timeout(Duration::from_secs(2), client.recv(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&buffer[..length], b"before");

        relay.set_cut(true);
        for _ in 0..20 {
            client.send(b"during").await.unwrap();
        }
        let nothing = tokio::time::timeout(Duration::from_millis(300), client.recv(&mut buffer));
        assert!(nothing.await.is_err(), "a packet crossed a cut link");
        assert_eq!(relay.stats().client_to_server.dropped_by_cut, 20);

        // A packet already on its way up comes back while the link is cut: dropped downstream.
        let slow = Relay::start(server, profile(0, 100, 0.0, 1)).await.unwrap();
        client.connect(slow.local_addr()).await.unwrap();
        client.send(b"in flight").await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        slow.set_cut(true);
        let nothing = tokio::time::timeout(Duration::from_millis(400), client.recv(&mut buffer));
        assert!(nothing.await.is_err(), "a packet crossed a cut link");
        let slow_stats = slow.stats();
        assert_eq!(slow_stats.client_to_server.forwarded_packets, 1);
        assert_eq!(slow_stats.server_to_client.dropped_by_cut, 1);

        client.connect(relay.local_addr()).await.unwrap();
        relay.set_cut(false);
        client.send(b"after").await.unwrap();
        let length = tokio::time::timeout(Duration::from_secs(2), client.recv(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&buffer[..length], b"after");
    }

    #[tokio::test]
    async fn delay_adds_the_configured_latency_each_way() {
        let (server, _echo) = echo_server().await;
        let direct = bind().await;
        let relay = Relay::start(server, profile(0, 40, 0.0, 1)).await.unwrap();
        let client = bind().await;
        client.connect(relay.local_addr()).await.unwrap();
        direct.connect(server).await.unwrap();
        let mut buffer = [0u8; 64];

        let mut round_trips = Vec::new();
        for _ in 0..5 {
            let sent = Instant::now();
            client.send(b"ping").await.unwrap();
            tokio::time::timeout(Duration::from_secs(2), client.recv(&mut buffer))
                .await
                .unwrap()
                .unwrap();
            round_trips.push(sent.elapsed());
        }
        let fastest = round_trips.iter().min().copied().unwrap();
        assert!(fastest >= Duration::from_millis(80), "{round_trips:?}");
        assert!(fastest < Duration::from_millis(110), "{round_trips:?}");
    }

    #[tokio::test]
    async fn each_client_address_gets_its_own_upstream_socket() {
        let (server, _echo) = echo_server().await;
        let relay = Relay::start(server, profile(0, 0, 0.0, 1)).await.unwrap();
        let first = bind().await;
        let second = bind().await;
        first.connect(relay.local_addr()).await.unwrap();
        second.connect(relay.local_addr()).await.unwrap();
        let mut buffer = [0u8; 64];

        first.send(b"first").await.unwrap();
        second.send(b"second").await.unwrap();
        for (client, expected) in [(&first, &b"first"[..]), (&second, &b"second"[..])] {
            let length = tokio::time::timeout(Duration::from_secs(2), client.recv(&mut buffer))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buffer[..length], expected);
        }
        assert_eq!(relay.stats().server_to_client.forwarded_packets, 2);
    }

    #[tokio::test]
    async fn dropping_the_relay_stops_it() {
        let (server, _echo) = echo_server().await;
        let relay = Relay::start(server, profile(0, 0, 0.0, 1)).await.unwrap();
        let address = relay.local_addr();
        drop(relay);
        // Let the runtime run the aborts; the port is then closed.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let client = bind().await;
        client.connect(address).await.unwrap();
        client.send(b"anyone?").await.unwrap();
        let mut buffer = [0u8; 64];
        let answer = tokio::time::timeout(Duration::from_millis(300), client.recv(&mut buffer))
            .await
            .expect("a closed port answers with ICMP port unreachable");
        assert!(answer.is_err(), "the relay still forwards");
    }

    #[test]
    fn an_impossible_loss_probability_is_refused() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = SocketAddr::from((Ipv4Addr::LOCALHOST, 9));
        for loss in [-0.1, 1.5, f64::NAN] {
            let error = runtime
                .block_on(Relay::start(server, profile(0, 0, loss, 1)))
                .unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        }
    }

    /// Admits every peer: these tests are about the link, not about trust.
    #[derive(Debug)]
    struct AdmitsAll;

    impl crate::tls::PeerAuthorizer for AdmitsAll {
        fn authorize(&self, _: &ed25519_dalek::VerifyingKey) -> Result<(), String> {
            Ok(())
        }
    }

    /// Sends `bytes` from a QUIC server to a client through a relay shaped by `link`. Returns
    /// the goodput in bits per second from the opening of the stream to its last byte, that
    /// time, and the relay's counters (`server_to_client.forwarded_bytes` over that time only).
    async fn quic_transfer(
        transport: quinn::TransportConfig,
        link: LinkProfile,
        bytes: usize,
    ) -> (f64, Duration, RelayStats) {
        use crate::tls::{SERVER_NAME, client_config, server_config};
        use bansao_trust::SecretKey;

        let transport = Arc::new(transport);
        let server_key = SecretKey::from_seed([1; 32]);
        let client_key = SecretKey::from_seed([2; 32]);
        let server = quinn::Endpoint::server(
            server_config(&server_key, Arc::new(AdmitsAll), transport.clone()).unwrap(),
            (Ipv4Addr::LOCALHOST, 0).into(),
        )
        .unwrap();
        let relay = Relay::start(server.local_addr().unwrap(), link)
            .await
            .unwrap();
        let serving = tokio::spawn(async move {
            let connection = server.accept().await.unwrap().await.unwrap();
            let mut send = connection.open_uni().await.unwrap();
            send.write_all(&vec![0x5a; bytes]).await.unwrap();
            send.finish().unwrap();
            // Keeps the connection open until the client closes it (or the task is aborted: the
            // client's CONNECTION_CLOSE may be lost on the way).
            let _ = connection.closed().await;
        });
        let mut client = quinn::Endpoint::client((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        client.set_default_client_config(
            client_config(&client_key, Arc::new(AdmitsAll), transport).unwrap(),
        );
        let connection = client
            .connect(relay.local_addr(), SERVER_NAME)
            .unwrap()
            .await
            .unwrap();
        let started = Instant::now();
        let before = relay.stats();
        let mut receive = connection.accept_uni().await.unwrap();
        let received = receive.read_to_end(bytes + 1).await.unwrap();
        let elapsed = started.elapsed();
        let mut stats = relay.stats();
        stats.server_to_client.forwarded_bytes -= before.server_to_client.forwarded_bytes;
        assert_eq!(received.len(), bytes);
        connection.close(0u32.into(), b"done");
        serving.abort();
        ((bytes * 8) as f64 / elapsed.as_secs_f64(), elapsed, stats)
    }

    fn lossy_link(one_way_delay_ms: u64, loss: f64) -> LinkProfile {
        LinkProfile {
            rate_bits_per_second: 2_000_000,
            one_way_delay: Duration::from_millis(one_way_delay_ms),
            loss,
            queue_bytes: 64_000,
            seed: 3,
        }
    }

    #[tokio::test]
    async fn a_quic_transfer_through_a_lossy_relay_uses_most_of_the_rate_and_never_more() {
        let transport = crate::tls::transport_config(Duration::from_secs(10), Duration::ZERO);
        let (goodput, elapsed, stats) =
            quic_transfer(transport, lossy_link(20, 0.05), 300_000).await;
        let rate = 2_000_000.0;
        // The relay never sends faster than the link (the wire carries headers and
        // retransmissions on top of the goodput)...
        let wire = stats.server_to_client.forwarded_bytes as f64 * 8.0 / elapsed.as_secs_f64();
        assert!(wire <= rate * 1.05, "{wire} bit/s on a {rate} bit/s link");
        // ...and BBR keeps most of it busy despite 5 % random loss.
        assert!(goodput >= rate * 0.6, "{goodput} bit/s of {rate}");
        assert!(stats.server_to_client.dropped_by_loss > 0);
    }

    /// Not part of the suite (it takes ~16 s): the measurement behind choosing BBR.
    /// Run with `cargo test --release -p bansao-sync-net -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore]
    async fn bbr_outperforms_cubic_on_a_lossy_long_link() {
        let link = lossy_link(100, 0.05);
        let bbr = crate::tls::transport_config(Duration::from_secs(30), Duration::ZERO);
        let mut cubic = crate::tls::transport_config(Duration::from_secs(30), Duration::ZERO);
        cubic.congestion_controller_factory(Arc::new(quinn::congestion::CubicConfig::default()));
        let (bbr_goodput, _, bbr_stats) = quic_transfer(bbr, link.clone(), 500_000).await;
        let (cubic_goodput, _, cubic_stats) = quic_transfer(cubic, link, 500_000).await;
        eprintln!("BBR: {bbr_goodput:.0} bit/s, {bbr_stats:?}");
        eprintln!("CUBIC: {cubic_goodput:.0} bit/s, {cubic_stats:?}");
        assert!(bbr_goodput > 2.0 * cubic_goodput);
    }
}
