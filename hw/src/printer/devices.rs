//! Printer drivers: a file or device path (a receipt file, `/dev/usb/lp0`) and a network
//! printer on TCP port 9100, whose paper sensor is asked with the real-time status request
//! `DLE EOT 4` before a job and again after it (a printer that drops the job does not answer,
//! and the receipt is reported as not printed).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::printer::{PrinterError, PrinterState, ReceiptPrinter};

/// `DLE EOT 4`: transmit the roll paper sensor status.
pub(crate) const PAPER_STATUS_REQUEST: [u8; 3] = [0x10, 0x04, 0x04];

/// Reads the answer to `DLE EOT 4` (bits 2–3: paper near end, bits 5–6: paper out).
pub fn paper_state(status: u8) -> PrinterState {
    if status & 0b0110_0000 != 0 {
        PrinterState::PaperOut
    } else if status & 0b0000_1100 != 0 {
        PrinterState::PaperLow
    } else {
        PrinterState::Ready
    }
}

/// Writes each receipt's bytes to a file or device path (appending, so a receipt file keeps
/// every receipt of a day; a device node takes them as a stream).
#[derive(Debug, Clone)]
pub struct FilePrinter {
    path: PathBuf,
}

impl FilePrinter {
    /// The printer at `path`.
    pub fn new(path: &Path) -> FilePrinter {
        FilePrinter {
            path: path.to_owned(),
        }
    }
}

impl ReceiptPrinter for FilePrinter {
    fn name(&self) -> String {
        format!("file {}", self.path.display())
    }

    fn state(&mut self) -> PrinterState {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                PrinterState::Offline(format!("{} does not exist", dir.display()))
            }
            _ => PrinterState::Ready,
        }
    }

    fn print(&mut self, stream: &[u8]) -> Result<(), PrinterError> {
        let send = |reason: std::io::Error| PrinterError::Send {
            device: self.name(),
            reason: reason.to_string(),
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(send)?;
        file.write_all(stream).map_err(send)?;
        file.sync_all().map_err(send)
    }
}

/// A network receipt printer (raw TCP, usually port 9100).
#[derive(Debug, Clone)]
pub struct NetworkPrinter {
    address: SocketAddr,
    timeout: Duration,
}

impl NetworkPrinter {
    /// The printer at `address`, giving up on it after `timeout` per step.
    pub fn new(address: SocketAddr, timeout: Duration) -> NetworkPrinter {
        NetworkPrinter { address, timeout }
    }

    fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect_timeout(&self.address, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        Ok(stream)
    }
}

impl ReceiptPrinter for NetworkPrinter {
    fn name(&self) -> String {
        format!("network printer {}", self.address)
    }

    fn state(&mut self) -> PrinterState {
        let asked = self.connect().and_then(|mut stream| {
            stream.write_all(&PAPER_STATUS_REQUEST)?;
            let mut answer = [0u8; 1];
            stream.read_exact(&mut answer)?;
            Ok(answer[0])
        });
        match asked {
            Ok(status) => paper_state(status),
            Err(error) => PrinterState::Offline(error.to_string()),
        }
    }

    fn print(&mut self, stream: &[u8]) -> Result<(), PrinterError> {
        let state = self.state();
        if !state.can_print() {
            return Err(PrinterError::NotReady(state));
        }
        let send = |reason: std::io::Error| PrinterError::Send {
            device: self.name(),
            reason: reason.to_string(),
        };
        let mut connection = self.connect().map_err(send)?;
        connection.write_all(stream).map_err(send)?;
        connection.flush().map_err(send)?;
        // Ask again after the job, on the same connection: a printer that dropped the job (or
        // the connection), or ran out of paper while printing, does not answer "ready".
        let not_confirmed = |reason: String| PrinterError::NotConfirmed {
            device: self.name(),
            reason,
        };
        connection
            .write_all(&PAPER_STATUS_REQUEST)
            .and_then(|()| connection.flush())
            .map_err(|error| not_confirmed(error.to_string()))?;
        let mut answer = [0u8; 1];
        connection
            .read_exact(&mut answer)
            .map_err(|error| not_confirmed(format!("no status after the job: {error}")))?;
        match paper_state(answer[0]) {
            PrinterState::PaperOut => Err(not_confirmed("out of paper after the job".to_owned())),
            _ => Ok(()),
        }
    }
}
