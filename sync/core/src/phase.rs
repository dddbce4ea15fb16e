//! The phases of a [`Session`](crate::session::Session) as data: each phase owns the state only it
//! uses, so a session cannot hold a negentropy set while it fetches scans, a sync plan on the
//! responder, or a peer it never accepted.
//!
//! A phase ends by moving its state into the next one (`std::mem::replace` on the whole enum, then
//! a match that rebuilds it), never by copying. What a phase leaves undone when it ends (documents
//! not sent, scans not fetched) is written into the session's counters at that moment, so
//! [`SessionStats`] reads the same after the session as it did in its last phase.
//!
//! What is not here is shared by every phase: the control queue, the storage effects, the
//! documents and chunks the peer asked for (answered lazily, and still owed after the phase that
//! took the request ends), the counters and the refusals the peer reported.

use std::collections::{BTreeMap, HashMap, VecDeque};

use bansao_copy::{CopyDocument, CopyId};
use negentropy::{Id, Negentropy, NegentropyStorageVector};

use crate::blobs::BlobFetcher;
use crate::policy::{LinkPolicy, NodeIdentity};
use crate::session::Side;
use crate::stats::SessionStats;

/// The peer, once its hello was accepted, and what the link with it shares.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) peer: NodeIdentity,
    pub(crate) policy: LinkPolicy,
}

/// Where a session is, with the state of that phase.
#[derive(Debug)]
pub(crate) enum Phase {
    /// Waiting for the peer's hello (this side's is queued from the start).
    Hello,
    /// Running negentropy over the shared commune's items.
    Reconcile {
        link: Link,
        reconciliation: Reconciliation,
    },
    /// Moving whole documents and running Automerge's sync protocol.
    Documents { link: Link, work: DocumentWork },
    /// Fetching and serving scans until both sides said `Done`.
    Blobs { link: Link, scans: ScanExchange },
    /// Both sides wanted nothing more and everything was sent.
    Finished { link: Link },
    /// Ended by an error (sent, received, or a cut link); `link` is there if the hello was
    /// accepted.
    Failed { link: Option<Link> },
}

/// This side's part of the reconciliation.
#[derive(Debug)]
pub(crate) enum Reconciliation {
    /// The responder's set is built when the initiator's first message arrives (from the store as
    /// it is then); the initiator passes through this only while it builds its own at the hello.
    NotStarted,
    /// The initiator drives negentropy and collects the items only it has and only the peer has.
    Initiating {
        negentropy: Negentropy<'static, NegentropyStorageVector>,
        have: Vec<Id>,
        need: Vec<Id>,
    },
    /// The responder answers each message.
    Answering {
        negentropy: Negentropy<'static, NegentropyStorageVector>,
    },
}

/// This side's part of the document phase: only the initiator has a plan.
#[derive(Debug)]
pub(crate) enum DocumentWork {
    /// The initiator's plan from the reconciliation.
    Plan(DocumentPlan),
    /// The responder answers the initiator's sync messages, keeping Automerge's sync state of
    /// each document whose sync has not ended.
    Answer {
        sync_states: HashMap<CopyId, automerge::sync::State>,
    },
}

impl DocumentWork {
    /// The document phase of `side` before any work is known (an initiator that enters the phase
    /// on the peer's message rather than its own plan has nothing planned).
    pub(crate) fn for_side(side: Side) -> DocumentWork {
        match side {
            Side::Initiator => DocumentWork::Plan(DocumentPlan::default()),
            Side::Responder => DocumentWork::Answer {
                sync_states: HashMap::new(),
            },
        }
    }
}

/// What the initiator does in the document phase: push, pull, sync.
#[derive(Debug, Default)]
pub(crate) struct DocumentPlan {
    /// Documents only this side has, read and sent lazily.
    pub(crate) push: VecDeque<CopyId>,
    /// Documents both have in different versions, waiting for a place among the running syncs.
    pub(crate) sync_queue: VecDeque<CopyId>,
    /// Documents running Automerge's sync protocol.
    pub(crate) syncs: BTreeMap<CopyId, DocSync>,
    /// `Want` messages sent and not yet answered with `WantServed`.
    pub(crate) wants_outstanding: usize,
    /// Documents asked for whole and not yet received.
    pub(crate) wanted_pending: usize,
}

impl DocumentPlan {
    /// Whether everything planned is sent, answered or synced.
    pub(crate) fn is_finished(&self) -> bool {
        self.push.is_empty()
            && self.wants_outstanding == 0
            && self.syncs.is_empty()
            && self.sync_queue.is_empty()
    }

    fn count_backlog(&self, stats: &mut SessionStats) {
        stats.documents_pending_out =
            (self.push.len() + self.syncs.len() + self.sync_queue.len()) as u64;
        stats.documents_pending_in = self.wanted_pending as u64;
    }
}

/// A document running Automerge's sync protocol on the initiator.
#[derive(Debug)]
pub(crate) struct DocSync {
    pub(crate) document: CopyDocument,
    pub(crate) state: automerge::sync::State,
    pub(crate) before: bansao_copy::StatusReport,
    pub(crate) rounds: u32,
    pub(crate) changed: bool,
}

/// This side's part of the scan phase. The two `Done`s are independent: either side may say it
/// first, and the phase ends when both have and nothing is left to send.
#[derive(Debug)]
pub(crate) struct ScanExchange {
    /// The scans this side fetches; `None` when the link does not let it fetch any.
    pub(crate) fetcher: Option<BlobFetcher>,
    /// This side said it wants nothing more.
    pub(crate) sent_done: bool,
    /// The peer said it wants nothing more.
    pub(crate) peer_done: bool,
}

impl ScanExchange {
    fn count_backlog(&self, stats: &mut SessionStats) {
        if let Some(fetcher) = &self.fetcher {
            stats.blobs_pending_in = fetcher.pending() as u64;
            stats.blobs_received = fetcher.completed;
            stats.chunks_received = fetcher.chunks_received;
        }
    }
}

impl Phase {
    /// The phase's name, as protocol-violation messages give it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Phase::Hello => "Hello",
            Phase::Reconcile { .. } => "Reconcile",
            Phase::Documents { .. } => "Documents",
            Phase::Blobs { .. } => "Blobs",
            Phase::Finished { .. } => "Finished",
            Phase::Failed { .. } => "Failed",
        }
    }

    /// Whether the session is over, well or not.
    pub(crate) fn is_over(&self) -> bool {
        matches!(self, Phase::Finished { .. } | Phase::Failed { .. })
    }

    /// The accepted peer and its policy, from the hello on.
    pub(crate) fn link(&self) -> Option<&Link> {
        match self {
            Phase::Hello | Phase::Failed { link: None } => None,
            Phase::Reconcile { link, .. }
            | Phase::Documents { link, .. }
            | Phase::Blobs { link, .. }
            | Phase::Finished { link }
            | Phase::Failed { link: Some(link) } => Some(link),
        }
    }

    /// The initiator's document plan, in the document phase.
    pub(crate) fn plan(&self) -> Option<&DocumentPlan> {
        match self {
            Phase::Documents {
                work: DocumentWork::Plan(plan),
                ..
            } => Some(plan),
            _ => None,
        }
    }

    /// The initiator's document plan, in the document phase.
    pub(crate) fn plan_mut(&mut self) -> Option<&mut DocumentPlan> {
        match self {
            Phase::Documents {
                work: DocumentWork::Plan(plan),
                ..
            } => Some(plan),
            _ => None,
        }
    }

    /// The responder's sync states, in the document phase.
    pub(crate) fn sync_states_mut(
        &mut self,
    ) -> Option<&mut HashMap<CopyId, automerge::sync::State>> {
        match self {
            Phase::Documents {
                work: DocumentWork::Answer { sync_states },
                ..
            } => Some(sync_states),
            _ => None,
        }
    }

    /// The scan exchange, in the scan phase.
    pub(crate) fn scans(&self) -> Option<&ScanExchange> {
        match self {
            Phase::Blobs { scans, .. } => Some(scans),
            _ => None,
        }
    }

    /// The scan exchange, in the scan phase.
    pub(crate) fn scans_mut(&mut self) -> Option<&mut ScanExchange> {
        match self {
            Phase::Blobs { scans, .. } => Some(scans),
            _ => None,
        }
    }

    /// Writes the backlog this phase holds into `stats` (the live numbers of the phase running;
    /// an ended phase's numbers were written when it ended).
    pub(crate) fn count_backlog(&self, stats: &mut SessionStats) {
        match self {
            Phase::Documents {
                work: DocumentWork::Plan(plan),
                ..
            } => plan.count_backlog(stats),
            Phase::Blobs { scans, .. } => scans.count_backlog(stats),
            _ => {}
        }
    }

    /// Reconcile → Documents, with `work`; the document phase stays as it is.
    pub(crate) fn begin_documents(&mut self, work: impl FnOnce() -> DocumentWork) {
        *self = match std::mem::replace(self, Phase::Hello) {
            Phase::Reconcile { link, .. } => Phase::Documents { link, work: work() },
            other => other,
        };
    }

    /// Reconcile or Documents → Blobs, with `scans`; what the document phase leaves undone is
    /// counted in `stats`.
    pub(crate) fn begin_blobs(&mut self, scans: ScanExchange, stats: &mut SessionStats) {
        *self = match std::mem::replace(self, Phase::Hello) {
            Phase::Reconcile { link, .. } => Phase::Blobs { link, scans },
            Phase::Documents { link, work } => {
                if let DocumentWork::Plan(plan) = &work {
                    plan.count_backlog(stats);
                }
                Phase::Blobs { link, scans }
            }
            other => other,
        };
    }

    /// Blobs → Finished; what the scan phase did is counted in `stats`.
    pub(crate) fn finish(&mut self, stats: &mut SessionStats) {
        *self = match std::mem::replace(self, Phase::Hello) {
            Phase::Blobs { link, scans } => {
                scans.count_backlog(stats);
                Phase::Finished { link }
            }
            other => other,
        };
    }

    /// Any phase → Failed, keeping the link; what the phase leaves undone is counted in `stats`.
    /// Returns the syncs that were running, whose progress the caller may save.
    pub(crate) fn fail(&mut self, stats: &mut SessionStats) -> BTreeMap<CopyId, DocSync> {
        let mut unfinished_syncs = BTreeMap::new();
        let link = match std::mem::replace(self, Phase::Hello) {
            Phase::Hello => None,
            Phase::Reconcile { link, .. } | Phase::Finished { link } => Some(link),
            Phase::Documents { link, work } => {
                if let DocumentWork::Plan(mut plan) = work {
                    unfinished_syncs = std::mem::take(&mut plan.syncs);
                    plan.count_backlog(stats);
                }
                Some(link)
            }
            Phase::Blobs { link, scans } => {
                scans.count_backlog(stats);
                Some(link)
            }
            Phase::Failed { link } => link,
        };
        *self = Phase::Failed { link };
        unfinished_syncs
    }
}
