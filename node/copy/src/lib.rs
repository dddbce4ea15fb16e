//! The certified copy ("bản sao chứng thực từ bản chính").
//!
//! A tour:
//! - [`content`]: the immutable content fixed at issuance (copy id, commune, kiosk, sequence
//!   and chain hash, document type, fields, page hashes, fee) in canonical CBOR;
//! - [`signature`]: the kiosk's provisional signature and the decisions of officials and the city;
//! - [`document`]: one Automerge document per copy: content bytes plus a mutable part that
//!   several parties append to concurrently;
//! - [`status`]: the status derived from valid signatures, with conflicts surfaced;
//! - [`qr`]: the COSE/Base45 QR payload; [`record`]: the portable record the PDF embeds;
//! - [`log_event`]: the events of the city's transparency log (its leaves) and the inclusion
//!   proof a registered copy carries;
//! - [`verify`]: offline verdicts from a QR or a record;
//! - [`fee`] and [`timestamp`]: the fee schedule and how times are stored and shown;
//! - [`ids`]: commune codes, kiosk ids and official ids, checked where they enter;
//! - [`rejection`]: the grounds an official may refuse a copy on (Decree 23, Art. 22).
//!
//! No IO and no clock: callers hand in times, randomness (copy ids, Automerge actor ids) and keys.

pub mod content;
pub mod document;
pub mod fee;
pub mod ids;
pub mod log_event;
pub mod qr;
pub mod record;
pub mod rejection;
pub mod signature;
pub mod status;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timestamp;
pub mod verify;

pub use content::{
    ContentHash, CopyContent, CopyId, DocumentType, ExtractedField, FieldSource, PageRef,
};
pub use document::{CopyDocument, CopyEvent, ReviewNote};
pub use ids::{CommuneCode, InvalidId, KioskId, OfficialId};
pub use log_event::{LogEventError, LogInclusion, LoggedEvent};
pub use qr::QrClaims;
pub use record::CopyRecord;
pub use rejection::RejectionGround;
pub use signature::{Decision, SignatureRecord};
pub use status::{CopyStatus, StatusReport, derive_status};
pub use timestamp::Timestamp;
pub use verify::{Verdict, Verification, verify_qr, verify_record};
