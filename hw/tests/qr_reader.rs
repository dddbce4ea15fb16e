//! The identity QR readers: line readers (keyboard wedge, serial), camera frames, simulator.

#![allow(clippy::unwrap_used)]

use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use bansao_hw::printer::raster::qr_bitmap;
use bansao_hw::qr_reader::cccd::CitizenId;
use bansao_hw::qr_reader::{
    LineQrReader, QrReader, QrReaderError, SimulatedQrReader, decode_frame,
};

const CARD: &str =
    "001099012345|123456789|Nguyễn Văn An|01011999|Nam|Số 1, Phường X, Hà Nội|15062021";

#[test]
fn a_keyboard_wedge_code_arrives_as_a_line_and_silence_is_a_timeout() {
    let (mut wedge, kiosk_end) = UnixStream::pair().unwrap();
    let mut reader = LineQrReader::new("wedge", BufReader::new(kiosk_end));
    assert_eq!(
        reader.read(Duration::from_millis(50)).unwrap(),
        None,
        "nothing scanned yet"
    );
    wedge
        .write_all(format!("\r\n{CARD}\r\n").as_bytes())
        .unwrap();
    let code = reader.read(Duration::from_secs(2)).unwrap().unwrap();
    assert_eq!(code, CARD, "blank lines and carriage returns are dropped");
    let id = CitizenId::parse(&code).unwrap();
    assert_eq!(id.full_name, "Nguyễn Văn An");
    // Unplugged: a clear state, every later read says so.
    drop(wedge);
    for _ in 0..2 {
        assert!(matches!(
            reader.read(Duration::from_secs(2)),
            Err(QrReaderError::Disconnected(_))
        ));
    }
}

#[test]
fn an_absent_serial_reader_is_reported() {
    let error = LineQrReader::open(std::path::Path::new("/dev/nonexistent-ttyACM9")).unwrap_err();
    assert!(error.to_string().contains("disconnected"), "{error}");
    assert!(
        error.to_string().contains("/dev/nonexistent-ttyACM9"),
        "{error}"
    );
}

#[test]
fn a_code_is_decoded_from_a_dim_noisy_camera_frame() {
    let code = qr_bitmap(CARD, 384, 4).unwrap();
    // A 640×480 frame: the card's code somewhere in it, grey on grey, with sensor noise.
    let (width, height) = (640u32, 480u32);
    let mut luma = Vec::with_capacity((width * height) as usize);
    let mut noise = 0x2545_f491_4f6c_dd1du64;
    for y in 0..height {
        for x in 0..width {
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            let (cx, cy) = (x.wrapping_sub(120), y.wrapping_sub(40));
            let dark = cx < code.width() && cy < code.height() && code.get(cx, cy);
            let base: i32 = if dark { 70 } else { 170 };
            luma.push((base + (noise % 41) as i32 - 20).clamp(0, 255) as u8);
        }
    }
    assert_eq!(decode_frame(luma, width, height).as_deref(), Some(CARD));
    assert_eq!(
        decode_frame(vec![128; 640 * 480], 640, 480),
        None,
        "no code, no answer"
    );
}

#[test]
fn the_simulator_hands_out_its_codes_then_nothing() {
    let mut reader = SimulatedQrReader::new([CARD.to_owned()]);
    assert_eq!(reader.read(Duration::ZERO).unwrap().as_deref(), Some(CARD));
    assert_eq!(reader.read(Duration::ZERO).unwrap(), None);
}
