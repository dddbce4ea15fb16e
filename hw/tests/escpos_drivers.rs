//! The USB and serial receipt printers. The serial one is driven over a real pseudo-terminal
//! pair, with a fake printer on the other end answering the paper sensor request and taking
//! the job; the USB one, with no such device plugged in, is a clear "offline".

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::time::Duration;

use bansao_hw::printer::{PrinterError, PrinterState, ReceiptPrinter, SerialPrinter, UsbPrinter};
use serialport::{SerialPort, TTYPort};

/// A fake printer on the master end: answers each `DLE EOT 4` with `status` and collects the
/// rest of what it is sent, until it has answered once and `expected` bytes of job have come.
fn fake_printer(
    mut master: TTYPort,
    status: u8,
    expected: usize,
) -> std::thread::JoinHandle<(Vec<u8>, TTYPort)> {
    master.set_timeout(Duration::from_secs(5)).unwrap();
    std::thread::spawn(move || {
        let (mut received, mut pending) = (Vec::new(), Vec::new());
        let mut buffer = [0u8; 4096];
        let mut answered = false;
        while !answered || received.len() < expected {
            let Ok(read) = master.read(&mut buffer) else {
                break;
            };
            pending.extend_from_slice(&buffer[..read]);
            while let Some(at) = pending.windows(3).position(|w| w == [0x10, 0x04, 0x04]) {
                received.extend_from_slice(&pending[..at]);
                pending.drain(..at + 3);
                master.write_all(&[status]).unwrap();
                master.flush().unwrap();
                answered = true;
            }
            if pending.len() > 2 {
                let keep = pending.split_off(pending.len() - 2);
                received.append(&mut pending);
                pending = keep;
            }
            if received.len() + pending.len() >= expected && expected > 0 {
                received.append(&mut pending);
            }
        }
        // The master end stays open (returned) so the printer can read the last answer.
        (received, master)
    })
}

#[test]
fn a_serial_printer_checks_its_paper_then_takes_the_exact_job() {
    let (master, slave) = TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    let job = b"\x1b@receipt bytes\x1dV\x00".to_vec();
    let printer_end = fake_printer(master, 0x12, job.len());
    let mut printer = SerialPrinter::new(&path, 115_200);
    assert!(printer.name().contains(&path));
    printer.print(&job).unwrap();
    assert_eq!(printer_end.join().unwrap().0, job);
    drop(slave);
}

#[test]
fn a_serial_printer_out_of_paper_refuses_the_job_and_a_missing_port_is_offline() {
    let (master, slave) = TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    // Bits 5 and 6: paper out.
    let printer_end = fake_printer(master, 0x72, 0);
    let mut printer = SerialPrinter::new(&path, 9600);
    let printed = printer.print(b"\x1b@job");
    let (received, _master) = printer_end.join().unwrap();
    match printed {
        Err(PrinterError::NotReady(PrinterState::PaperOut)) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        received.is_empty(),
        "nothing printed without paper: {received:?}"
    );
    drop(slave);
    let mut missing = SerialPrinter::new("/dev/ttyBANSAO-none", 9600);
    assert!(matches!(missing.state(), PrinterState::Offline(_)));
}

#[test]
fn a_usb_printer_that_is_not_plugged_in_is_offline() {
    let mut printer = UsbPrinter::new(0xFFFE, 0xFFFD);
    assert_eq!(printer.name(), "USB printer fffe:fffd");
    assert!(matches!(printer.state(), PrinterState::Offline(_)));
    assert!(matches!(
        printer.print(b"\x1b@"),
        Err(PrinterError::NotReady(PrinterState::Offline(_)))
    ));
}
