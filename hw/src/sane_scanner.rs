//! A real document scanner through SANE, driven by its own command-line front end
//! (`scanimage`, Debian's `sane-utils`) in a child process, one page per call.
//!
//! Why a process and not libsane in ours: SANE backends are vendor C drivers of uneven quality;
//! one that crashes or hangs takes down only its `scanimage`, which is killed after a time
//! limit, never the kiosk with a citizen's copy in the middle of being issued. It also keeps
//! unsafe FFI out of bansao. With an automatic document feeder each call feeds the next sheet
//! and an empty feeder is [`ScanError::NoPage`].

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::image_input::InputImage;
use crate::image_input::open_image;
use crate::scanner::{ScanError, Scanner};

/// What a SANE scanner is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaneSettings {
    /// The SANE device name (`scanimage -L`), or `None` for the first one found.
    pub device: Option<String>,
    /// Dots per inch (300 for originals).
    pub resolution: u32,
    /// Scan from the automatic document feeder instead of the flatbed.
    pub feeder: bool,
    /// Longest a page may take.
    pub timeout: Duration,
    /// SANE's configuration directory (`SANE_CONFIG_DIR`), when not the system's `/etc/sane.d`.
    pub config_dir: Option<std::path::PathBuf>,
}

impl Default for SaneSettings {
    fn default() -> SaneSettings {
        SaneSettings {
            device: None,
            resolution: 300,
            feeder: false,
            timeout: Duration::from_secs(120),
            config_dir: None,
        }
    }
}

/// A SANE scanner.
#[derive(Debug, Clone)]
pub struct SaneScanner {
    settings: SaneSettings,
    program: String,
}

impl SaneScanner {
    /// A scanner with these settings, driven by `scanimage` from the `PATH`.
    pub fn new(settings: SaneSettings) -> SaneScanner {
        SaneScanner {
            settings,
            program: "scanimage".to_owned(),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        if let Some(dir) = &self.settings.config_dir {
            command.env("SANE_CONFIG_DIR", dir);
        }
        command
    }

    /// The devices SANE finds: `(name, description)`.
    pub fn devices(&self) -> Result<Vec<(String, String)>, ScanError> {
        let output = run(
            self.command()
                .args(["--formatted-device-list", "%d\t%v %m (%t)%n"]),
            self.settings.timeout,
        )?;
        Ok(String::from_utf8_lossy(&output)
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(name, description)| (name.to_owned(), description.trim().to_owned()))
            .collect())
    }
}

/// Runs a command, killing it after `timeout`; its standard output, or why there is none.
fn run(command: &mut Command, timeout: Duration) -> Result<Vec<u8>, ScanError> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            ScanError::Absent(format!(
                "cannot run scanimage (install sane-utils): {error}"
            ))
        })?;
    // Read both pipes on threads so a large page cannot fill a pipe and stall the child.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(pipe) = stdout.as_mut() {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ScanError::Failed(format!(
                    "the scanner did not finish within {} s",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(ScanError::Failed(error.to_string())),
        }
    };
    let bytes = out.join().unwrap_or_default();
    let message = err.join().unwrap_or_default();
    if status.success() {
        return Ok(bytes);
    }
    let message = message.trim().to_owned();
    let lower = message.to_lowercase();
    Err(
        if lower.contains("out of documents") || lower.contains("no more documents") {
            ScanError::NoPage
        } else if lower.contains("no scanners were identified")
            || lower.contains("no sane devices")
            || lower.contains("invalid argument")
        {
            ScanError::Absent(message)
        } else {
            ScanError::Failed(message)
        },
    )
}

impl Scanner for SaneScanner {
    fn name(&self) -> String {
        match &self.settings.device {
            Some(device) => format!("SANE scanner {device}"),
            None => "SANE scanner (first found)".to_owned(),
        }
    }

    fn scan(&mut self) -> Result<InputImage, ScanError> {
        let mut command = self.command();
        if let Some(device) = &self.settings.device {
            command.args(["--device-name", device]);
        }
        command.args([
            "--format=png".to_owned(),
            "--mode".to_owned(),
            "Gray".to_owned(),
            "--resolution".to_owned(),
            self.settings.resolution.to_string(),
        ]);
        if self.settings.feeder {
            command.args(["--source", "Automatic Document Feeder"]);
        }
        let png = run(&mut command, self.settings.timeout)?;
        if png.is_empty() {
            return Err(ScanError::NoPage);
        }
        Ok(open_image(png)?)
    }
}
