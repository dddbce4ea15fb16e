//! USB and serial receipt printers, through the escpos crate's own drivers: USB with nusb (no
//! libusb), serial with serialport. Both answer the paper sensor request `DLE EOT 4` like the
//! network printer, and a printer that cannot be opened is `Offline`, never a lost receipt.

use std::time::Duration;

use escpos::driver::Driver;

use crate::printer::devices::{PAPER_STATUS_REQUEST, paper_state};
use crate::printer::{PrinterError, PrinterState, ReceiptPrinter};

/// How long a serial printer may take per read or write.
#[cfg(feature = "serial-printer")]
const SERIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// The paper state a driver's printer reports.
fn ask_paper(driver: &dyn Driver) -> PrinterState {
    let answer = driver.write(&PAPER_STATUS_REQUEST).and_then(|()| {
        let mut status = [0u8; 1];
        let read = driver.read(&mut status)?;
        Ok((read, status[0]))
    });
    match answer {
        Ok((1, status)) => paper_state(status),
        Ok(_) => PrinterState::Offline("no answer to the status request".to_owned()),
        Err(error) => PrinterState::Offline(error.to_string()),
    }
}

/// Sends a rendered receipt through an open driver after checking the paper.
fn print_through(driver: &dyn Driver, device: String, stream: &[u8]) -> Result<(), PrinterError> {
    let state = ask_paper(driver);
    if !state.can_print() {
        return Err(PrinterError::NotReady(state));
    }
    let send = |error: escpos::errors::PrinterError| PrinterError::Send {
        device: device.clone(),
        reason: error.to_string(),
    };
    driver.write(stream).map_err(send)?;
    driver.flush().map_err(send)
}

/// A printer reached through one of escpos's drivers, opened for each job (a printer unplugged
/// and plugged back in between two citizens is found again).
trait DriverPrinter {
    /// The driver.
    type Driver: Driver;
    /// The device, for people.
    fn device(&self) -> String;
    /// Opens it, or says why it cannot be.
    fn open(&self) -> Result<Self::Driver, PrinterState>;
}

impl<P: DriverPrinter> ReceiptPrinter for P {
    fn name(&self) -> String {
        self.device()
    }

    fn state(&mut self) -> PrinterState {
        match self.open() {
            Ok(driver) => ask_paper(&driver),
            Err(state) => state,
        }
    }

    fn print(&mut self, stream: &[u8]) -> Result<(), PrinterError> {
        let driver = self.open().map_err(PrinterError::NotReady)?;
        print_through(&driver, self.device(), stream)
    }
}

/// A USB receipt printer, found by its vendor and product id.
#[cfg(feature = "usb-printer")]
#[derive(Debug, Clone)]
pub struct UsbPrinter {
    vendor_id: u16,
    product_id: u16,
}

#[cfg(feature = "usb-printer")]
impl UsbPrinter {
    /// The printer with these USB ids (e.g. 0x0416, 0x5011).
    pub fn new(vendor_id: u16, product_id: u16) -> UsbPrinter {
        UsbPrinter {
            vendor_id,
            product_id,
        }
    }
}

#[cfg(feature = "usb-printer")]
impl DriverPrinter for UsbPrinter {
    type Driver = escpos::driver::NativeUsbDriver;

    fn device(&self) -> String {
        format!("USB printer {:04x}:{:04x}", self.vendor_id, self.product_id)
    }

    fn open(&self) -> Result<Self::Driver, PrinterState> {
        escpos::driver::NativeUsbDriver::open(self.vendor_id, self.product_id)
            .map_err(|error| PrinterState::Offline(error.to_string()))
    }
}

/// A serial receipt printer (`/dev/ttyUSB0`, `/dev/ttyS0`) at a baud rate.
#[cfg(feature = "serial-printer")]
#[derive(Debug, Clone)]
pub struct SerialPrinter {
    path: String,
    baud_rate: u32,
}

#[cfg(feature = "serial-printer")]
impl SerialPrinter {
    /// The printer on `path` at `baud_rate` (thermal printers: 9600, 19200, 38400 or 115200).
    pub fn new(path: &str, baud_rate: u32) -> SerialPrinter {
        SerialPrinter {
            path: path.to_owned(),
            baud_rate,
        }
    }
}

#[cfg(feature = "serial-printer")]
impl DriverPrinter for SerialPrinter {
    type Driver = escpos::driver::SerialPortDriver;

    fn device(&self) -> String {
        format!("serial printer {} ({} baud)", self.path, self.baud_rate)
    }

    fn open(&self) -> Result<Self::Driver, PrinterState> {
        escpos::driver::SerialPortDriver::open(&self.path, self.baud_rate, Some(SERIAL_TIMEOUT))
            .map_err(|error| PrinterState::Offline(error.to_string()))
    }
}
