//! Test tooling shared by the demo, the benchmarks and the tests (not the product itself):
//!
//! - [`world`]: the one world builder — a city, a ward with an official and a kiosk as real node
//!   directories made by the real key ceremonies (no network), and copies written in bulk;
//! - [`originals`]: originals with what must be read from them, from two independent generators;
//! - [`specimens`]: sample identity card photos, camera frames and scanned A4 pages;
//! - [`SAMPLE_SCAN`] and [`sample_request`]: the sample birth certificate the demo issues.
//!
//! Test tooling may use `anyhow`; the product's libraries return typed errors.

pub mod originals;
pub mod specimens;
pub mod world;

use std::collections::BTreeMap;

use bansao_copy::{DocumentType, ExtractedField};
use bansao_node::kiosk::IssueRequest;

pub use world::World;

/// The sample scan shipped with bansao (a synthetic birth certificate; see `node/assets`).
pub const SAMPLE_SCAN: &[u8] = include_bytes!("../../assets/sample-scan-giay-khai-sinh.png");

/// The sample birth certificate's issue request: six fields (one corrected by the citizen) and
/// [`SAMPLE_SCAN`]. The demo issues it; the benches and tests measure with it.
pub fn sample_request() -> IssueRequest {
    IssueRequest {
        document_type: DocumentType::BirthCertificate,
        fields: sample_fields(),
        scans: vec![SAMPLE_SCAN.to_vec()],
        events: Vec::new(),
        notes: Vec::new(),
    }
}

fn sample_fields() -> BTreeMap<String, ExtractedField> {
    let field =
        |value: &str, confidence_permille: u16, corrected_from: Option<&str>| ExtractedField {
            value: value.to_owned(),
            confidence_permille,
            corrected_from: corrected_from.map(str::to_owned),
        };
    [
        ("ho_ten", field("NGUYỄN VĂN AN", 958, Some("NGUYÊN VĂN AN"))),
        ("ngay_sinh", field("12/03/2015", 981, None)),
        ("gioi_tinh", field("Nam", 990, None)),
        ("noi_sinh", field("Trạm Y tế xã Tân Lập", 934, None)),
        ("ho_ten_me", field("TRẦN THỊ HOA", 962, None)),
        ("ho_ten_cha", field("NGUYỄN VĂN BÌNH", 955, None)),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}
