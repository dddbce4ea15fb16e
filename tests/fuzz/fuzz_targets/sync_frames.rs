//! Fuzzes the sync wire format and the session that reads it: the input is split into chunks
//! (sizes from its first byte) and pushed through `bansao_sync::wire::FrameReader` as a QUIC
//! stream would deliver it; every body is decoded, every decoded message must encode and decode
//! back to itself, and every body is handed to a ward's session (as if from its kiosk), whose
//! answers are drained. Nothing may panic, and a session must never produce a frame over the
//! limit.
#![no_main]

use std::sync::Arc;

use bansao_copy::Timestamp;
use bansao_sync::memory::MemoryReplica;
use bansao_sync::wire::{self, FrameReader};
use bansao_sync::{NodeIdentity, Session, SessionConfig, Side};
use bansao_trust::testing::{Holder, VALID_FROM};
use libfuzzer_sys::fuzz_target;

fn identity(holder: &Holder) -> NodeIdentity {
    NodeIdentity {
        key_id: holder.key.key_id(),
        role: holder.certificate.body.role,
        commune: holder.certificate.body.commune.clone(),
        subject: holder.certificate.body.subject.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let fixture = bansao_fuzz::hierarchy();
    let now = Timestamp::from_unix(VALID_FROM + 86_400).expect("a valid fixture time");
    let mut session = Session::new(
        Side::Responder,
        SessionConfig::default(),
        identity(&fixture.ward),
        fixture.kiosk.key.key_id(),
        Arc::new(bansao_fuzz::trust().clone()),
        bansao_fuzz::actor(),
    );
    let mut replica = MemoryReplica::default();
    let mut reader = FrameReader::default();
    for piece in stream.chunks(chunk) {
        reader.push(piece);
        loop {
            let body = match reader.next_body() {
                Ok(Some(body)) => body,
                // Incomplete, or a header over the limit: the stream is done either way.
                Ok(None) | Err(_) => break,
            };
            if let Ok(message) = wire::decode_body(&body) {
                let frame = wire::encode_frame(&message).expect("a decoded message encodes");
                let again = wire::decode_body(&frame[wire::FRAME_HEADER_BYTES..])
                    .expect("an encoded message decodes");
                assert_eq!(again, message, "the wire round trip changed the message");
            }
            let _ = session.handle_frame(&body, now, &mut replica);
            while let Some(effect) = session.poll_effect() {
                replica.apply(effect);
            }
            for _ in 0..64 {
                match session.poll_transmit(&mut replica) {
                    Ok(Some(frame)) => {
                        assert!(frame.len() <= wire::FRAME_HEADER_BYTES + wire::MAX_FRAME_BYTES);
                    }
                    Ok(None) | Err(_) => break,
                }
                while let Some(effect) = session.poll_effect() {
                    replica.apply(effect);
                }
            }
        }
    }
});
