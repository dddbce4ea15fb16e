//! One sync session driven over one QUIC bi-stream.
//!
//! The session and its SQLite connection live on a blocking thread, so storage never stalls the
//! async runtime. Two async tasks move bytes: a reader that cuts the stream into frames (refusing
//! an oversized header before buffering its body) and a writer. Both report to the session thread
//! through one bounded event channel. The session thread hands the writer at most
//! [`FRAMES_IN_FLIGHT`] frames that are not yet written, so a slow link pushes back on
//! production instead of filling memory; frames are produced lazily by the core.
//!
//! Every storage effect is made durable before the session takes its next input. When the next
//! frame is already waiting, its documents are checked (loaded, signatures verified: pure work)
//! on this thread while the previous frame's effects are written on another, so checking and
//! writing overlap on a multi-core machine; the session still takes the frame only after the
//! write is durable.

use std::time::{Duration, Instant};

use bansao_sync::wire::{self, FRAME_HEADER_BYTES, WireError};
use bansao_sync::{ErrorCode, NodeIdentity, PrecheckedFrame, Session, SessionStats};
use tokio::sync::mpsc;

use crate::entropy;
use crate::sync::replica::StoreReplica;

/// Frames handed to the writer and not yet written.
pub const FRAMES_IN_FLIGHT: usize = 16;

const EVENT_CAPACITY: usize = 32;

#[derive(Debug)]
enum Event {
    /// A whole frame body arrived.
    Frame(Vec<u8>),
    /// The reader met a frame it refuses to read (too large).
    BadFrame(WireError),
    /// The writer wrote one frame.
    Written,
    /// The peer finished its side of the stream.
    ReadFinished,
    /// Reading or writing failed: the connection is gone.
    Broken(String),
    /// A second passed (the session's deadlines are checked).
    Tick,
}

/// How long a session may stall and how long it may last: an admitted peer must not hold a
/// stream (and a session thread) for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// No frame read or written for this long ends the session.
    pub stall: Duration,
    /// A session ends after this long whatever it does (the next round resumes it).
    pub deadline: Duration,
}

/// How long a session that timed out waits for its error to be written.
const CLOSING_GRACE: Duration = Duration::from_secs(5);

/// The session's two clocks: since it started and since its last frame. The time is handed in,
/// so the rule is tested without waiting (the stream's ticker asks once a second).
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    limits: StreamLimits,
    started_at: Instant,
    last_progress: Instant,
}

impl Deadlines {
    fn new(limits: StreamLimits, now: Instant) -> Deadlines {
        Deadlines {
            limits,
            started_at: now,
            last_progress: now,
        }
    }

    /// A frame was read or written at `now`.
    fn progressed(&mut self, now: Instant) {
        self.last_progress = now;
    }

    /// Why the session must end at `now`, if it must.
    fn overdue(&self, now: Instant) -> Option<String> {
        if now.saturating_duration_since(self.last_progress) > self.limits.stall {
            Some(format!(
                "no frame read or written for {} s",
                self.limits.stall.as_secs()
            ))
        } else if now.saturating_duration_since(self.started_at) > self.limits.deadline {
            Some(format!(
                "the session ran past its {} s deadline",
                self.limits.deadline.as_secs()
            ))
        } else {
            None
        }
    }
}

impl Default for StreamLimits {
    fn default() -> StreamLimits {
        StreamLimits {
            stall: Duration::from_secs(120),
            deadline: Duration::from_secs(2 * 3600),
        }
    }
}

/// Where a session's thread spent its time (logged at debug level).
#[derive(Debug, Default)]
struct Timings {
    handling: Duration,
    producing: Duration,
    storing: Duration,
    waiting: Duration,
}

/// How a session ended.
#[derive(Debug, Clone)]
pub struct SessionOutcome {
    /// The peer, if its hello was accepted.
    pub peer: Option<NodeIdentity>,
    /// The commune whose copies the link carried, once the peer was accepted.
    pub commune: Option<String>,
    /// Counters of the session.
    pub stats: SessionStats,
    /// Whether both sides finished cleanly.
    pub finished: bool,
    /// Why it did not, if it did not.
    pub error: Option<String>,
    /// Scans assembled and verified.
    pub blobs_completed: u64,
    /// Copies the peer refused to store, with its reasons.
    pub refused_by_peer: Vec<(bansao_copy::CopyId, String)>,
}

async fn read_frames(mut recv: quinn::RecvStream, events: mpsc::Sender<Event>) {
    loop {
        let mut header = [0u8; FRAME_HEADER_BYTES];
        let event = match recv.read_exact(&mut header).await {
            Ok(()) => match wire::frame_length(header) {
                Ok(length) => {
                    let mut body = vec![0u8; length];
                    match recv.read_exact(&mut body).await {
                        Ok(()) => Event::Frame(body),
                        Err(error) => Event::Broken(format!("reading a frame: {error}")),
                    }
                }
                Err(error) => Event::BadFrame(error),
            },
            Err(quinn::ReadExactError::FinishedEarly(0)) => Event::ReadFinished,
            Err(error) => Event::Broken(format!("reading: {error}")),
        };
        let last = !matches!(event, Event::Frame(_));
        if events.send(event).await.is_err() || last {
            return;
        }
    }
}

async fn write_frames(
    mut send: quinn::SendStream,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
    events: mpsc::Sender<Event>,
) {
    while let Some(frame) = frames.recv().await {
        if let Err(error) = send.write_all(&frame).await {
            let _ = events
                .send(Event::Broken(format!("writing: {error}")))
                .await;
            return;
        }
        if events.send(Event::Written).await.is_err() {
            break;
        }
    }
    // Everything produced is written: end our side and wait until the peer has it all.
    let _ = send.finish();
    let _ = send.stopped().await;
}

/// Makes the session's effects durable; on a storage failure ends the session and says why.
fn apply_effects(session: &mut Session, replica: &mut StoreReplica) -> Option<String> {
    while let Some(effect) = session.poll_effect() {
        if let Err(error) = replica.apply(effect, entropy::now()) {
            tracing::error!("sync could not store what it received: {error}");
            let error = session.fail(
                ErrorCode::Storage,
                format!("the node could not store: {error}"),
            );
            // Nothing after a failed effect may be applied: the session is over.
            while session.poll_effect().is_some() {}
            return Some(error.to_string());
        }
    }
    None
}

/// Makes the session's pending effects durable on one thread while the documents of `next` are
/// checked on the others (the storing thread joins the checking when done); the session takes
/// `next` only after both. Returns the storage failure, if any, and the checked frame (`None`:
/// the session is not yet taking documents, so `next` goes in whole).
fn store_while_checking(
    session: &mut Session,
    replica: &mut StoreReplica,
    next: &[u8],
) -> (Option<String>, Option<PrecheckedFrame>) {
    let Some(checker) = session.document_checker() else {
        return (apply_effects(session, replica), None);
    };
    let (prechecked, stored) = checker.precheck_alongside(next, || apply_effects(session, replica));
    let stored =
        stored.unwrap_or_else(|| Some("storing what was received failed unexpectedly".to_owned()));
    (stored, Some(prechecked))
}

/// The blocking half: drives the session until it is over and everything it produced was
/// handed to the writer.
fn drive(
    mut session: Session,
    mut replica: StoreReplica,
    mut events: mpsc::Receiver<Event>,
    frames: mpsc::UnboundedSender<Vec<u8>>,
    limits: StreamLimits,
) -> SessionOutcome {
    let mut deadlines = Deadlines::new(limits, Instant::now());
    let mut closing_since: Option<Instant> = None;
    let mut in_flight = 0usize;
    let mut timings = Timings::default();
    let mut broken: Option<String> = None;
    let mut last_error: Option<String> = None;
    let mut peer_finished = false;
    // An event taken early (while looking for a frame to check ahead), handled next.
    let mut pending_event: Option<Event> = None;
    loop {
        while in_flight < FRAMES_IN_FLIGHT {
            let started = Instant::now();
            let produced = session.poll_transmit(&mut replica);
            timings.producing += started.elapsed();
            let started = Instant::now();
            if let Some(error) = apply_effects(&mut session, &mut replica) {
                last_error = Some(error);
            }
            timings.storing += started.elapsed();
            match produced {
                Ok(Some(frame)) => {
                    if frames.send(frame).is_err() {
                        break;
                    }
                    in_flight += 1;
                }
                Ok(None) => break,
                Err(error) => {
                    last_error = Some(error.to_string());
                    // An error to send is queued: go round again to send it.
                    if !session.has_control_to_send() {
                        break;
                    }
                }
            }
        }
        let over = session.is_finished() || session.is_failed();
        if over && !session.has_control_to_send() && in_flight == 0 {
            break;
        }
        let event = match pending_event.take() {
            Some(event) => Some(event),
            None => {
                let started = Instant::now();
                let event = events.blocking_recv();
                timings.waiting += started.elapsed();
                event
            }
        };
        let Some(event) = event else {
            broken = Some("the stream tasks ended".to_owned());
            break;
        };
        if matches!(event, Event::Frame(_) | Event::Written) {
            deadlines.progressed(Instant::now());
        }
        match event {
            Event::Frame(body) => {
                let started = Instant::now();
                if let Err(error) = session.handle_frame(&body, entropy::now(), &mut replica) {
                    last_error = Some(error.to_string());
                }
                timings.handling += started.elapsed();
                // While frames keep arriving, each one's documents are checked while the
                // previous one's effects are stored.
                loop {
                    let next = match events.try_recv() {
                        Ok(Event::Frame(next)) => next,
                        Ok(other) => {
                            pending_event = Some(other);
                            break;
                        }
                        Err(_) => break,
                    };
                    let started = Instant::now();
                    let (stored, prechecked) =
                        store_while_checking(&mut session, &mut replica, &next);
                    timings.storing += started.elapsed();
                    if let Some(error) = stored {
                        last_error = Some(error);
                        break;
                    }
                    let started = Instant::now();
                    let handled = match prechecked {
                        Some(frame) => {
                            session.handle_prechecked(frame, entropy::now(), &mut replica)
                        }
                        None => session.handle_frame(&next, entropy::now(), &mut replica),
                    };
                    if let Err(error) = handled {
                        last_error = Some(error.to_string());
                    }
                    timings.handling += started.elapsed();
                }
                let started = Instant::now();
                if let Some(error) = apply_effects(&mut session, &mut replica) {
                    last_error = Some(error);
                }
                timings.storing += started.elapsed();
            }
            Event::BadFrame(error) => {
                last_error = Some(
                    session
                        .fail(ErrorCode::MalformedFrame, error.to_string())
                        .to_string(),
                );
            }
            Event::Written => in_flight = in_flight.saturating_sub(1),
            Event::Tick => {
                if let Some(since) = closing_since {
                    // The timeout was sent (or could not be): stop waiting for the writer.
                    if since.elapsed() > CLOSING_GRACE {
                        broken = last_error.clone();
                        break;
                    }
                } else if let Some(reason) = deadlines.overdue(Instant::now()) {
                    last_error = Some(session.fail(ErrorCode::Timeout, reason).to_string());
                    closing_since = Some(Instant::now());
                }
            }
            Event::ReadFinished => {
                peer_finished = true;
                if !session.is_finished() {
                    session.handle_disconnect();
                    let _ = apply_effects(&mut session, &mut replica);
                    if in_flight == 0 && !session.has_control_to_send() {
                        break;
                    }
                }
            }
            Event::Broken(reason) => {
                session.handle_disconnect();
                let _ = apply_effects(&mut session, &mut replica);
                broken = Some(reason);
                break;
            }
        }
    }
    tracing::debug!(
        handling_ms = timings.handling.as_millis() as u64,
        producing_ms = timings.producing.as_millis() as u64,
        storing_ms = timings.storing.as_millis() as u64,
        waiting_ms = timings.waiting.as_millis() as u64,
        "sync session time spent"
    );
    let stats = session.stats();
    let error = if session.is_finished() {
        None
    } else if let Some(error) = last_error {
        Some(error)
    } else if let Some(reason) = broken {
        Some(reason)
    } else if peer_finished && !session.is_failed() {
        Some("the peer ended the stream early".to_owned())
    } else {
        Some("the session ended early".to_owned())
    };
    SessionOutcome {
        peer: session.peer().cloned(),
        commune: session.policy().map(|policy| policy.commune.clone()),
        finished: session.is_finished(),
        stats,
        error,
        blobs_completed: replica.blob_counts().0,
        refused_by_peer: session.refused_by_peer().to_vec(),
    }
}

/// Runs `session` over the bi-stream (`send`, `recv`) until it is over.
pub async fn run_session(
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    session: Session,
    replica: StoreReplica,
    limits: StreamLimits,
) -> SessionOutcome {
    let (event_sender, events) = mpsc::channel(EVENT_CAPACITY);
    let (frame_sender, frames) = mpsc::unbounded_channel();
    let reader = tokio::spawn(read_frames(recv, event_sender.clone()));
    let ticker = tokio::spawn({
        let events = event_sender.clone();
        async move {
            let mut interval = tokio::time::interval(Duration::from_secs(1));
            loop {
                interval.tick().await;
                if events.send(Event::Tick).await.is_err() {
                    break;
                }
            }
        }
    });
    let writer = tokio::spawn(write_frames(send, frames, event_sender));
    let driven =
        tokio::task::spawn_blocking(move || drive(session, replica, events, frame_sender, limits))
            .await;
    // The writer flushes what the session produced; the reader is no longer needed.
    ticker.abort();
    let _ = writer.await;
    reader.abort();
    match driven {
        Ok(outcome) => outcome,
        Err(error) => SessionOutcome {
            peer: None,
            commune: None,
            stats: SessionStats::default(),
            finished: false,
            error: Some(format!("the session thread failed: {error}")),
            blobs_completed: 0,
            refused_by_peer: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: StreamLimits = StreamLimits {
        stall: Duration::from_secs(120),
        deadline: Duration::from_secs(2 * 3600),
    };

    #[test]
    fn a_session_without_a_frame_for_longer_than_the_stall_limit_is_overdue() {
        let start = Instant::now();
        let deadlines = Deadlines::new(LIMITS, start);
        assert_eq!(deadlines.overdue(start + Duration::from_secs(120)), None);
        let reason = deadlines
            .overdue(start + Duration::from_secs(121))
            .expect("overdue after 121 s of silence");
        assert!(
            reason.contains("no frame read or written for 120 s"),
            "{reason}"
        );
    }

    #[test]
    fn a_busy_session_is_ended_at_its_deadline_all_the_same() {
        let start = Instant::now();
        let mut deadlines = Deadlines::new(LIMITS, start);
        let mut now = start;
        // A frame every minute for two hours: never stalled.
        for _ in 0..120 {
            now += Duration::from_secs(60);
            assert_eq!(deadlines.overdue(now), None, "at {:?}", now - start);
            deadlines.progressed(now);
        }
        now += Duration::from_secs(60);
        let reason = deadlines.overdue(now).expect("past the 2 h deadline");
        assert!(reason.contains("7200 s deadline"), "{reason}");
    }

    #[test]
    fn a_clock_read_before_the_last_frame_is_not_overdue() {
        let start = Instant::now();
        let mut deadlines = Deadlines::new(LIMITS, start);
        deadlines.progressed(start + Duration::from_secs(10));
        assert_eq!(deadlines.overdue(start), None);
    }
}
