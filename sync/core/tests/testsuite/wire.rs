//! The wire format against arbitrary messages: every message of every kind, with arbitrary
//! contents, survives encoding, a stream cut into arbitrary pieces, and decoding, in order; and
//! arbitrary bytes in arbitrary pieces never panic the reader or the decoder.

use bansao_sync::wire::{
    self, DocumentBytes, ErrorCode, FrameReader, Message, RefusedDocument, WireHash, WireKey,
};
use proptest::prelude::*;
use serde_bytes::{ByteArray, ByteBuf};

fn key() -> impl Strategy<Value = WireKey> {
    any::<[u8; 16]>().prop_map(ByteArray::new)
}

fn hash() -> impl Strategy<Value = WireHash> {
    any::<[u8; 32]>().prop_map(ByteArray::new)
}

fn bytes(max: usize) -> impl Strategy<Value = ByteBuf> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(ByteBuf::from)
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        Just(ErrorCode::VersionMismatch),
        Just(ErrorCode::UnknownPeer),
        Just(ErrorCode::NotAuthorised),
        Just(ErrorCode::OutOfScope),
        Just(ErrorCode::InvalidData),
        Just(ErrorCode::MalformedFrame),
        Just(ErrorCode::ProtocolViolation),
        Just(ErrorCode::Storage),
        Just(ErrorCode::Timeout),
    ]
}

/// Every kind of message, with arbitrary contents.
fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (any::<u32>(), any::<[u8; 8]>()).prop_map(|(version, key_id)| Message::Hello {
            version,
            key_id: ByteArray::new(key_id),
        }),
        (error_code(), "\\PC{0,40}").prop_map(|(code, detail)| Message::Error { code, detail }),
        bytes(300).prop_map(|payload| Message::Reconcile { payload }),
        proptest::collection::vec((key(), bytes(200)), 0..4).prop_map(|documents| {
            Message::Documents {
                documents: documents
                    .into_iter()
                    .map(|(key, bytes)| DocumentBytes { key, bytes })
                    .collect(),
            }
        }),
        proptest::collection::vec(key(), 0..6).prop_map(|keys| Message::Want { keys }),
        Just(Message::WantServed),
        (key(), proptest::option::of(bytes(200)))
            .prop_map(|(key, message)| Message::Sync { key, message }),
        bytes(300).prop_map(|bytes| Message::TrustBundle { bytes }),
        Just(Message::DocumentsDone),
        (
            hash(),
            any::<bool>(),
            proptest::collection::vec(any::<u32>(), 0..8)
        )
            .prop_map(|(hash, manifest, chunks)| Message::BlobWant {
                hash,
                manifest,
                chunks
            }),
        (hash(), any::<u64>(), any::<u32>(), bytes(96)).prop_map(
            |(hash, size, chunk_size, chunk_hashes)| Message::BlobManifest {
                hash,
                size,
                chunk_size,
                chunk_hashes,
            }
        ),
        (hash(), any::<u32>(), bytes(400)).prop_map(|(hash, index, bytes)| Message::BlobChunk {
            hash,
            index,
            bytes
        }),
        hash().prop_map(|hash| Message::BlobMissing { hash }),
        Just(Message::Done),
        proptest::collection::vec((key(), "\\PC{0,40}"), 0..4).prop_map(|documents| {
            Message::Refused {
                documents: documents
                    .into_iter()
                    .map(|(key, reason)| RefusedDocument { key, reason })
                    .collect(),
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_messages_survive_a_stream_cut_at_any_points(
        messages in proptest::collection::vec(message(), 1..12),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let stream: Vec<u8> = messages
            .iter()
            .flat_map(|message| wire::encode_frame(message).unwrap())
            .collect();
        let mut points: Vec<usize> = cuts.iter().map(|cut| cut.index(stream.len() + 1)).collect();
        points.push(0);
        points.push(stream.len());
        points.sort_unstable();
        let mut reader = FrameReader::default();
        let mut decoded = Vec::new();
        for window in points.windows(2) {
            reader.push(&stream[window[0]..window[1]]);
            while let Some(body) = reader.next_body().unwrap() {
                decoded.push(wire::decode_body(&body).unwrap());
            }
        }
        prop_assert_eq!(decoded, messages);
    }

    #[test]
    fn arbitrary_bytes_in_arbitrary_pieces_never_panic(
        stream in proptest::collection::vec(any::<u8>(), 0..2_000),
        piece in 1usize..64,
    ) {
        let mut reader = FrameReader::default();
        for chunk in stream.chunks(piece) {
            reader.push(chunk);
            while let Ok(Some(body)) = reader.next_body() {
                let _ = wire::decode_body(&body);
            }
        }
    }
}
