//! The sync protocol's messages and their framing.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes of CBOR: one [`Message`].
//! Frames above [`MAX_FRAME_BYTES`] are refused before they are buffered, so a peer cannot make
//! a node allocate without bound. The first message each side sends is [`Message::Hello`],
//! carrying [`PROTOCOL_VERSION`]; a peer speaking another version gets
//! [`ErrorCode::VersionMismatch`] and the stream is closed.

use serde::{Deserialize, Serialize};
use serde_bytes::{ByteArray, ByteBuf};

/// The protocol version this code speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The largest frame accepted or produced, header excluded.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// Length of a frame's header.
pub const FRAME_HEADER_BYTES: usize = 4;

/// A document's key on the wire: a copy id (ULID bytes) or a reserved system key.
pub type WireKey = ByteArray<16>;

/// A SHA-256 on the wire.
pub type WireHash = ByteArray<32>;

/// Why a side ends a session.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The peer speaks another protocol version.
    VersionMismatch,
    /// The peer's key is not in the trust list (or does not match the connection's key).
    UnknownPeer,
    /// The peer's key is revoked, retired, expired or of a role that may not sync with us.
    NotAuthorised,
    /// The peer sent a document outside what this link shares.
    OutOfScope,
    /// The peer sent a document or scan that does not verify.
    InvalidData,
    /// A frame is too large or does not decode.
    MalformedFrame,
    /// A message came at the wrong time.
    ProtocolViolation,
    /// This side failed to read or write its own storage.
    Storage,
    /// The session made no progress for too long, or ran past its deadline.
    Timeout,
}

impl ErrorCode {
    /// A stable name for logs and counters.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::VersionMismatch => "version-mismatch",
            ErrorCode::UnknownPeer => "unknown-peer",
            ErrorCode::NotAuthorised => "not-authorised",
            ErrorCode::OutOfScope => "out-of-scope",
            ErrorCode::InvalidData => "invalid-data",
            ErrorCode::MalformedFrame => "malformed-frame",
            ErrorCode::ProtocolViolation => "protocol-violation",
            ErrorCode::Storage => "storage",
            ErrorCode::Timeout => "timeout",
        }
    }
}

/// One whole document.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DocumentBytes {
    /// The copy id.
    pub key: WireKey,
    /// The saved Automerge document.
    pub bytes: ByteBuf,
}

/// A document the receiver refused to store, and why.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RefusedDocument {
    /// The copy id.
    pub key: WireKey,
    /// Why, for the sender's operator (at most [`MAX_REFUSAL_REASON_BYTES`]).
    pub reason: String,
}

/// The longest refusal reason sent; longer ones are cut.
pub const MAX_REFUSAL_REASON_BYTES: usize = 500;

/// A protocol message.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// First message of each side.
    Hello {
        /// [`PROTOCOL_VERSION`] of the sender.
        version: u32,
        /// The sender's node key id (must be the key the connection authenticated).
        key_id: ByteArray<8>,
    },
    /// The sender ends the session.
    Error {
        /// Why.
        code: ErrorCode,
        /// Details for the log.
        detail: String,
    },
    /// A negentropy reconciliation message (initiator and responder alternate).
    Reconcile {
        /// The negentropy payload.
        payload: ByteBuf,
    },
    /// Whole documents the receiver lacks.
    Documents {
        /// The documents.
        documents: Vec<DocumentBytes>,
    },
    /// The sender lacks these documents entirely; the receiver sends them whole.
    Want {
        /// Their keys.
        keys: Vec<WireKey>,
    },
    /// Every document of the preceding `Want` was sent.
    WantServed,
    /// One step of Automerge's sync protocol for a document both sides hold.
    Sync {
        /// The copy id.
        key: WireKey,
        /// The Automerge sync message, or none when the sender has nothing to say.
        message: Option<ByteBuf>,
    },
    /// The sender's trust bundle (`trust.cbor`), when the two sides' bundles differ.
    TrustBundle {
        /// The bundle.
        bytes: ByteBuf,
    },
    /// The initiator has finished the document phase; scans may follow.
    DocumentsDone,
    /// Asks for a scan: its chunk layout if `manifest`, and the listed chunks.
    BlobWant {
        /// The scan's SHA-256.
        hash: WireHash,
        /// Whether the layout is wanted.
        manifest: bool,
        /// Chunk indexes wanted.
        chunks: Vec<u32>,
    },
    /// A scan's chunk layout.
    BlobManifest {
        /// The scan's SHA-256.
        hash: WireHash,
        /// Its size in bytes.
        size: u64,
        /// Chunk size in bytes (the last chunk may be shorter).
        chunk_size: u32,
        /// SHA-256 of each chunk, concatenated.
        chunk_hashes: ByteBuf,
    },
    /// One chunk of a scan.
    BlobChunk {
        /// The scan's SHA-256.
        hash: WireHash,
        /// Chunk index.
        index: u32,
        /// The bytes.
        bytes: ByteBuf,
    },
    /// The sender does not hold this scan.
    BlobMissing {
        /// The scan's SHA-256.
        hash: WireHash,
    },
    /// The sender wants nothing more in this session.
    Done,
    /// The sender refused to store these documents (not genuine, unreadable, removing
    /// signatures): the receiver keeps them and tells its operator, since they will never be
    /// delivered as they are.
    Refused {
        /// The refused documents.
        documents: Vec<RefusedDocument>,
    },
    /// Signed node status documents (`status`): the sender holds them newer than the receiver,
    /// or the receiver asked for them.
    Statuses {
        /// Each a COSE_Sign1 by its reporting node.
        documents: Vec<ByteBuf>,
    },
    /// The initiator asks for the statuses of these reporters (their node key ids).
    StatusWant {
        /// The reporters.
        reporters: Vec<ByteArray<8>>,
    },
}

impl Message {
    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "hello",
            Message::Error { .. } => "error",
            Message::Reconcile { .. } => "reconcile",
            Message::Documents { .. } => "documents",
            Message::Want { .. } => "want",
            Message::WantServed => "want-served",
            Message::Sync { .. } => "sync",
            Message::TrustBundle { .. } => "trust-bundle",
            Message::DocumentsDone => "documents-done",
            Message::BlobWant { .. } => "blob-want",
            Message::BlobManifest { .. } => "blob-manifest",
            Message::BlobChunk { .. } => "blob-chunk",
            Message::BlobMissing { .. } => "blob-missing",
            Message::Done => "done",
            Message::Refused { .. } => "refused",
            Message::Statuses { .. } => "statuses",
            Message::StatusWant { .. } => "status-want",
        }
    }
}

/// A frame could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The frame announces more than [`MAX_FRAME_BYTES`].
    #[error("frame of {0} bytes exceeds the limit of {MAX_FRAME_BYTES}")]
    TooLarge(usize),
    /// The bytes are not a message.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Encodes a message as a frame (header included).
pub fn encode_frame(message: &Message) -> Result<Vec<u8>, WireError> {
    let mut frame = vec![0u8; FRAME_HEADER_BYTES];
    ciborium::into_writer(message, &mut frame)
        .map_err(|error| WireError::Malformed(error.to_string()))?;
    let length = frame.len() - FRAME_HEADER_BYTES;
    if length > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge(length));
    }
    let header = u32::try_from(length).map_err(|_| WireError::TooLarge(length))?;
    frame[..FRAME_HEADER_BYTES].copy_from_slice(&header.to_be_bytes());
    Ok(frame)
}

/// Reads the body length from a frame header, refusing oversized frames.
pub fn frame_length(header: [u8; FRAME_HEADER_BYTES]) -> Result<usize, WireError> {
    let length = u32::from_be_bytes(header) as usize;
    if length > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge(length));
    }
    Ok(length)
}

/// Decodes a frame's body (header removed).
pub fn decode_body(body: &[u8]) -> Result<Message, WireError> {
    if body.len() > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge(body.len()));
    }
    let mut reader = body;
    let message: Message = ciborium::from_reader(&mut reader)
        .map_err(|error| WireError::Malformed(error.to_string()))?;
    if !reader.is_empty() {
        return Err(WireError::Malformed(format!(
            "{} bytes after the message",
            reader.len()
        )));
    }
    Ok(message)
}

/// Splits a byte stream into frame bodies, whatever pieces it arrives in.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
}

impl FrameReader {
    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame body, if one has arrived.
    pub fn next_body(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        let Some(header) = self.buffer.first_chunk::<FRAME_HEADER_BYTES>() else {
            return Ok(None);
        };
        let length = frame_length(*header)?;
        if self.buffer.len() < FRAME_HEADER_BYTES + length {
            return Ok(None);
        }
        let body = self.buffer[FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + length].to_vec();
        self.buffer.drain(..FRAME_HEADER_BYTES + length);
        Ok(Some(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_in_any_pieces() {
        let messages = vec![
            Message::Hello {
                version: PROTOCOL_VERSION,
                key_id: ByteArray::new([7; 8]),
            },
            Message::Sync {
                key: ByteArray::new([1; 16]),
                message: Some(ByteBuf::from(vec![1, 2, 3])),
            },
            Message::Done,
        ];
        let stream: Vec<u8> = messages
            .iter()
            .flat_map(|m| encode_frame(m).unwrap())
            .collect();
        let mut reader = FrameReader::default();
        let mut decoded = Vec::new();
        for piece in stream.chunks(3) {
            reader.push(piece);
            while let Some(body) = reader.next_body().unwrap() {
                decoded.push(decode_body(&body).unwrap());
            }
        }
        assert_eq!(decoded, messages);
    }

    #[test]
    fn oversized_frames_are_refused_from_the_header() {
        let mut reader = FrameReader::default();
        reader.push(&u32::MAX.to_be_bytes());
        assert!(matches!(reader.next_body(), Err(WireError::TooLarge(_))));
    }

    #[test]
    fn garbage_and_trailing_bytes_are_malformed() {
        assert!(matches!(
            decode_body(&[0xff, 0x00]),
            Err(WireError::Malformed(_))
        ));
        let mut frame = encode_frame(&Message::Done).unwrap();
        frame.push(0);
        assert!(matches!(
            decode_body(&frame[FRAME_HEADER_BYTES..]),
            Err(WireError::Malformed(_))
        ));
    }
}
