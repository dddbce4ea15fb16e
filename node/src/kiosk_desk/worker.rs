//! A [`KioskDesk`] on a thread of its own, and the [`DeskHandle`] other threads (the web
//! server's) call it through.
//!
//! Tesseract and the face detectors cannot move between threads, so the desk is opened on its
//! thread and stays there; calls arrive over a channel, one at a time, and are answered on a
//! channel of their own. Between calls the thread wakes every second to wipe a session left
//! alone, so a walked-away citizen's images leave memory even when no screen asks. The
//! thread reads the clocks and hands them in.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::kiosk::Kiosk;
use crate::kiosk_desk::devices::{DeviceKit, configured_kit};
use crate::kiosk_desk::view::DeskView;
use crate::kiosk_desk::{DeskError, KioskDesk, Press, Still};
use crate::kiosk_shell::perception::Perception;

/// How often the desk's thread looks for a session left alone.
const EXPIRY_TICK: Duration = Duration::from_secs(1);

/// The desk could not start.
#[derive(Debug, thiserror::Error)]
pub enum DeskStartError {
    /// The kiosk directory did not open.
    #[error(transparent)]
    Node(#[from] crate::node_dir::NodeError),
    /// Tesseract or the face detectors did not load.
    #[error(transparent)]
    Perception(#[from] crate::kiosk_shell::perception::PerceptionError),
    /// No token could be made.
    #[error(transparent)]
    Desk(#[from] DeskError),
    /// The thread could not start or died starting.
    #[error("the kiosk's screen service did not start: {0}")]
    Thread(String),
}

enum Call {
    Press(String, Press, mpsc::Sender<Result<(), DeskError>>),
    View(mpsc::Sender<Result<DeskView, DeskError>>),
    Still(Still, mpsc::Sender<Option<Vec<u8>>>),
    CameraPreview(mpsc::Sender<Option<Vec<u8>>>),
    InSession(mpsc::Sender<bool>),
}

/// Calls a desk running on its own thread; cloning shares the desk. The thread ends when the
/// last handle is dropped.
#[derive(Debug, Clone)]
pub struct DeskHandle {
    calls: mpsc::Sender<Call>,
}

/// What a desk is started with.
pub struct DeskOptions {
    /// The kiosk directory.
    pub dir: PathBuf,
    /// The devices (`None`: the ones the kiosk's configuration names).
    pub kit: Option<Box<dyn DeviceKit + Send>>,
    /// The idle timeout (`None`: the configuration's).
    pub idle_timeout: Option<Duration>,
    /// The kiosk's settings with what the environment adds (face models), when the caller
    /// knows better than the configuration.
    pub settings: Option<crate::config::KioskSettings>,
}

impl std::fmt::Debug for DeskOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskOptions")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl DeskOptions {
    /// The kiosk at `dir` with its configured devices and timeout.
    pub fn new(dir: &Path) -> DeskOptions {
        DeskOptions {
            dir: dir.to_owned(),
            kit: None,
            idle_timeout: None,
            settings: None,
        }
    }
}

fn open_desk(options: DeskOptions) -> Result<KioskDesk, DeskStartError> {
    let mut kiosk = Kiosk::open(&options.dir)?;
    if let Some(settings) = options.settings {
        kiosk.settings.devices = settings;
    }
    let perception = Perception::open(&kiosk.settings.devices)?;
    let kit = options
        .kit
        .unwrap_or_else(|| configured_kit(&kiosk.settings.devices));
    let artifacts = options.dir.join("artifacts");
    crate::files::remove_partial_files(&artifacts);
    let desk = KioskDesk::new(kiosk, perception, kit, Some(artifacts))?;
    Ok(match options.idle_timeout {
        Some(timeout) => desk.with_idle_timeout(timeout),
        None => desk,
    })
}

fn serve(mut desk: KioskDesk, calls: &mpsc::Receiver<Call>) {
    loop {
        let call = match calls.recv_timeout(EXPIRY_TICK) {
            Ok(call) => call,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(error) = desk.expire(Instant::now()) {
                    tracing::warn!(%error, "the kiosk's screen could not be wiped");
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        // A caller that gave up waiting is no reason to stop: answers are sent and forgotten.
        match call {
            Call::Press(csrf, press, answer) => {
                let _ =
                    answer.send(desk.press(&csrf, press, Instant::now(), crate::entropy::now()));
            }
            Call::View(answer) => {
                let _ = answer.send(desk.view(Instant::now()));
            }
            Call::Still(which, answer) => {
                let _ = answer.send(desk.still(which));
            }
            Call::CameraPreview(answer) => {
                let _ = answer.send(desk.camera_preview());
            }
            Call::InSession(answer) => {
                let _ = answer.send(desk.in_session());
            }
        }
    }
}

impl DeskHandle {
    /// Opens the kiosk and its perception on a new thread and serves its desk there.
    pub fn start(options: DeskOptions) -> Result<DeskHandle, DeskStartError> {
        let (calls, inbox) = mpsc::channel();
        let (started, opened) = mpsc::channel();
        std::thread::Builder::new()
            .name("kiosk-desk".to_owned())
            .spawn(move || match open_desk(options) {
                Ok(desk) => {
                    let _ = started.send(Ok(()));
                    serve(desk, &inbox);
                }
                Err(error) => {
                    let _ = started.send(Err(error));
                }
            })
            .map_err(|error| DeskStartError::Thread(error.to_string()))?;
        opened
            .recv()
            .map_err(|_| DeskStartError::Thread("it stopped while opening".to_owned()))??;
        Ok(DeskHandle { calls })
    }

    fn ask<T>(&self, call: impl FnOnce(mpsc::Sender<T>) -> Call) -> Result<T, DeskError> {
        let (answer, answered) = mpsc::channel();
        self.calls
            .send(call(answer))
            .map_err(|_| DeskError::Stopped)?;
        answered.recv().map_err(|_| DeskError::Stopped)
    }

    /// [`KioskDesk::press`] (blocks while the desk works: call it off the async threads).
    pub fn press(&self, csrf: &str, press: Press) -> Result<(), DeskError> {
        self.ask(|answer| Call::Press(csrf.to_owned(), press, answer))?
    }

    /// [`KioskDesk::view`].
    pub fn view(&self) -> Result<DeskView, DeskError> {
        self.ask(Call::View)?
    }

    /// [`KioskDesk::still`].
    pub fn still(&self, which: Still) -> Result<Option<Vec<u8>>, DeskError> {
        self.ask(|answer| Call::Still(which, answer))
    }

    /// [`KioskDesk::camera_preview`].
    pub fn camera_preview(&self) -> Result<Option<Vec<u8>>, DeskError> {
        self.ask(Call::CameraPreview)
    }

    /// [`KioskDesk::in_session`].
    pub fn in_session(&self) -> Result<bool, DeskError> {
        self.ask(Call::InSession)
    }
}
