//! Writes seed corpora for the fuzz targets: valid inputs of every decoder, made from the
//! `bansao_trust` and `bansao_copy` test fixtures. Usage: `seeds CORPUS_DIR`; writes
//! `CORPUS_DIR/<target>/<name>` and leaves other files there alone.

use std::error::Error;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use bansao_artifact::{
    ArtifactContent, PageImage, PageImageFormat, Sealer, open_sealed_pdf, render_sealed_pdf,
    seal_message,
};
use bansao_copy::testing::sample_content;
use bansao_copy::{
    ContentHash, CopyDocument, CopyEvent, CopyRecord, Decision, QrClaims, ReviewNote,
    SignatureRecord, Timestamp,
};
use bansao_fuzz::{actor, hierarchy};
use bansao_trust::document::ListDocument;
use bansao_trust::testing::VALID_FROM;
use bansao_trust::{Revocation, SecretKey, TrustBundle};
use sha2::{Digest, Sha256};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

struct KeySealer<'a>(&'a SecretKey);

impl Sealer for KeySealer<'_> {
    fn key_id(&self) -> [u8; 8] {
        self.0.key_id().0
    }

    fn sign(&self, message: &[u8]) -> ed25519_dalek::Signature {
        self.0.sign_raw(message)
    }
}

/// A small greyscale "scan" with a frame and a few bars.
fn scan_png() -> Result<Vec<u8>> {
    let (width, height) = (48, 64);
    let image = image::GrayImage::from_fn(width, height, |x, y| {
        let frame = x < 2 || y < 2 || x >= width - 2 || y >= height - 2;
        let bar = (y / 6) % 3 == 1 && x > 6 && x < width - 6;
        image::Luma([if frame || bar { 40 } else { 236 }])
    });
    let mut png = Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png)?;
    Ok(png.into_inner())
}

/// A minimal sealed PDF (about 1 KB, no fonts or images) that `open_sealed_pdf` accepts and whose
/// seal verifies with `key`: small enough for the fuzzer to mutate quickly, unlike a rendered one.
fn small_sealed_pdf(metadata: &[u8], key: &SecretKey) -> Result<Vec<u8>> {
    let mut file = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |file: &mut Vec<u8>, body: &[u8]| {
        offsets.push(file.len());
        file.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        file.extend_from_slice(body);
        file.extend_from_slice(b"\nendobj\n");
    };
    object(
        &mut file,
        b"<< /Type /Catalog /Pages 2 0 R /AF [4 0 R] /BansaoSeal 6 0 R >>",
    );
    object(&mut file, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    object(
        &mut file,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    );
    object(
        &mut file,
        b"<< /Type /Filespec /F (bansao-copy.cbor) /UF (bansao-copy.cbor) \
          /AFRelationship /Data /EF << /F 5 0 R >> >>",
    );
    let mut stream = format!(
        "<< /Type /EmbeddedFile /Subtype /application#2Fcbor /Length {} >>\nstream\n",
        metadata.len()
    )
    .into_bytes();
    stream.extend_from_slice(metadata);
    stream.extend_from_slice(b"\nendstream");
    object(&mut file, &stream);
    let placeholder = "0".repeat(10);
    let seal = format!(
        "<< /Type /BansaoSeal /Filter /Bansao.Ed25519 /SubFilter /bansao.seal.v1 /KeyId <{}> \
         /ByteRange [0 {placeholder} {placeholder} {placeholder}] /Contents <{}> >>",
        key.key_id().to_hex(),
        "0".repeat(128),
    );
    object(&mut file, seal.as_bytes());
    let xref = file.len();
    file.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for offset in &offsets {
        file.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    file.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );

    let find = |needle: &[u8]| {
        file.windows(needle.len())
            .position(|window| window == needle)
            .map(|at| at + needle.len())
            .ok_or("small_sealed_pdf: lost a placeholder")
    };
    let gap_start = find(b"/Contents <")?;
    let gap_end = gap_start + 128;
    let range = format!("{gap_start:010} {gap_end:010} {:010}", file.len() - gap_end);
    let range_at = find(b"/ByteRange [0 ")?;
    file[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&file[..gap_start]);
    hasher.update(&file[gap_end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let signature = key.sign_raw(&seal_message(&digest)).to_bytes();
    let mut digits = String::with_capacity(128);
    for byte in signature {
        digits.push_str(&format!("{byte:02x}"));
    }
    file[gap_start..gap_end].copy_from_slice(digits.as_bytes());
    Ok(file)
}

/// Checks that a PDF seed opens, carries `metadata` and has a seal made with `key`.
fn check_pdf(pdf: &[u8], metadata: &[u8], key: &SecretKey) -> Result<()> {
    let opened = open_sealed_pdf(pdf)?;
    opened.verify_seal(&key.public_key())?;
    if opened.metadata_cbor != metadata {
        return Err("a PDF seed does not carry its metadata".into());
    }
    Ok(())
}

/// Checks that an Automerge seed's checksums are valid as saved (which also checks
/// `fix_automerge_checksums`: it must leave such a document alone).
fn check_automerge(bytes: &[u8]) -> Result<()> {
    if bansao_fuzz::fix_automerge_checksums(bytes).is_some() {
        return Err("fix_automerge_checksums changed a saved document".into());
    }
    let mut broken = bytes.to_vec();
    broken[4] ^= 0xff;
    if bansao_fuzz::fix_automerge_checksums(&broken).as_deref() != Some(bytes) {
        return Err("fix_automerge_checksums did not repair a checksum".into());
    }
    Ok(())
}

struct Corpus {
    root: PathBuf,
    written: usize,
}

impl Corpus {
    fn write(&mut self, target: &str, name: &str, bytes: &[u8]) -> Result<()> {
        let dir = self.root.join(target);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join(name), bytes)?;
        self.written += 1;
        Ok(())
    }
}

fn main() -> Result<()> {
    let root = match std::env::args_os().nth(1) {
        Some(dir) if !dir.to_string_lossy().starts_with('-') => PathBuf::from(dir),
        _ => return Err("usage: seeds CORPUS_DIR (this is not a fuzz target)".into()),
    };
    let mut corpus = Corpus { root, written: 0 };
    let fixture = hierarchy();

    // certificate: every certificate of the hierarchy.
    for (name, holder) in [
        ("root", &fixture.root),
        ("registrar", &fixture.registrar),
        ("ward", &fixture.ward),
        ("kiosk", &fixture.kiosk),
        ("official", &fixture.official),
        ("other-official", &fixture.other_official),
    ] {
        corpus.write(
            "certificate",
            &format!("{name}.cbor"),
            &holder.certificate.to_cbor(),
        )?;
    }

    // trust_bundle: the plain bundle, and one with revoked keys and copies.
    corpus.write("trust_bundle", "trust.cbor", &fixture.bundle())?;
    let mut revocations = fixture.revocations.clone();
    revocations.version = 2;
    revocations.keys.insert(
        fixture.second_official.certificate.key_id(),
        Revocation {
            revoked_at: VALID_FROM + 86_400,
            reason: "Khóa bị lộ (key compromised)".to_owned(),
        },
    );
    revocations.copies.insert(
        "01KB0000000000000000000000".to_owned(),
        Revocation {
            revoked_at: VALID_FROM + 86_400,
            reason: "Bản chính giả (forged original)".to_owned(),
        },
    );
    let bundle = TrustBundle {
        trust_list: fixture.trust_list.sign(&fixture.root.key),
        revocations: revocations.sign(&fixture.registrar.key),
    };
    corpus.write("trust_bundle", "trust-revocations.cbor", &bundle.to_cbor())?;

    // A copy: issued by the kiosk, approved by an official, with an event and a note.
    let issued_at = Timestamp::from_unix(VALID_FROM + 3_600)?;
    let scan = scan_png()?;
    let content = sample_content(7, ContentHash([0x11; 32]), issued_at, &scan);
    let mut document = CopyDocument::issue(content.clone(), &fixture.kiosk.key, actor())?;
    let approved_at = Timestamp::from_unix(VALID_FROM + 7_200)?;
    document.add_signature(&SignatureRecord::decide(
        &content,
        Decision::Approve,
        approved_at,
        None,
        Some("123/2026/SCT-BS".to_owned()),
        &fixture.official.key,
    ))?;
    document.record_event(&CopyEvent {
        kind: "printed".to_owned(),
        at: issued_at,
        by: "KIOSK-TANLAP-01".to_owned(),
        detail: "1 bản".to_owned(),
    })?;
    document.add_note(&ReviewNote {
        author: "Trần Thị Bình".to_owned(),
        at: approved_at,
        text: "Đã đối chiếu bản chính.".to_owned(),
    })?;

    // qr_payload: the QR text, and the COSE bytes inside it (the target Base45-encodes input).
    let qr_text = QrClaims::for_content(&content).to_qr_text(&fixture.kiosk.key);
    corpus.write("qr_payload", "copy.qr.txt", qr_text.as_bytes())?;
    let cose = base45::decode(qr_text.trim_start_matches("BS1:"))?;
    corpus.write("qr_payload", "copy.cose", &cose)?;

    // copy_record: a record, the content, the copy document, and both list documents.
    let record = CopyRecord::from_document(&document, qr_text.clone())?;
    let record_cbor = record.to_cbor();
    corpus.write("copy_record", "record.cbor", &record_cbor)?;
    corpus.write("copy_record", "content.cbor", &content.to_canonical_cbor())?;
    let saved = document.save();
    check_automerge(&saved)?;
    corpus.write("copy_record", "copy.automerge", &saved)?;
    let mut trust_document = ListDocument::create(
        &fixture.trust_list.to_signed_list(),
        &fixture.root.key,
        actor(),
    )?;
    corpus.write(
        "copy_record",
        "trust-list.automerge",
        &trust_document.save(),
    )?;
    let mut revocation_document = ListDocument::create(
        &revocations.to_signed_list(),
        &fixture.registrar.key,
        actor(),
    )?;
    corpus.write(
        "copy_record",
        "revocations.automerge",
        &revocation_document.save(),
    )?;

    // sealed_pdf: the copy's artifact.
    let pdf = render_sealed_pdf(
        &ArtifactContent {
            copy_id: content.copy_id.to_string(),
            document_type_label: "Giấy khai sinh (birth certificate)".to_owned(),
            commune_label: "UBND xã Tân Lập".to_owned(),
            issued_at_label: issued_at.vietnam_local(),
            status_label: "Bản sao đã ký duyệt (approved)".to_owned(),
            signer_lines: vec!["Trần Thị Bình — công chức tư pháp".to_owned()],
            qr_text,
            metadata_cbor: record_cbor.clone(),
            created_at: issued_at.datetime(),
            pages: vec![PageImage {
                bytes: scan,
                format: PageImageFormat::Png,
            }],
        },
        &KeySealer(&fixture.kiosk.key),
    )?;
    check_pdf(&pdf, &record_cbor, &fixture.kiosk.key)?;
    corpus.write("sealed_pdf", "copy.pdf", &pdf)?;
    // The small file has no scan pages, so it stops at the page binding: still the fastest
    // way into lopdf, the seal and the byte range.
    let small = small_sealed_pdf(&record_cbor, &fixture.kiosk.key)?;
    match open_sealed_pdf(&small) {
        Err(bansao_artifact::OpenError::PageNotBound { .. }) => {}
        Err(error) => return Err(error.into()),
        Ok(_) => return Err("the small PDF seed unexpectedly opens".into()),
    }
    corpus.write("sealed_pdf", "small.pdf", &small)?;

    // sync_frames: what a kiosk sends a ward, as one stream (first byte: the chunk size).
    let hello = bansao_sync::Message::Hello {
        version: bansao_sync::PROTOCOL_VERSION,
        key_id: serde_bytes::ByteArray::new(fixture.kiosk.key.key_id().0),
    };
    let mut stream = vec![64u8];
    stream.extend(bansao_sync::wire::encode_frame(&hello)?);
    corpus.write("sync_frames", "hello", &stream)?;
    let documents = bansao_sync::Message::Documents {
        documents: vec![bansao_sync::wire::DocumentBytes {
            key: serde_bytes::ByteArray::new(content.copy_id.to_bytes()),
            bytes: serde_bytes::ByteBuf::from(saved.clone()),
        }],
    };
    stream.extend(bansao_sync::wire::encode_frame(&documents)?);
    corpus.write("sync_frames", "hello-documents", &stream)?;

    // cccd: a card's code, with and without an old number.
    corpus.write(
        "cccd",
        "card.txt",
        "025088001234|123456789|Nguyễn Văn Hùng MẪU|12031988|Nam|Xóm Đồng Chằm, xã Tân Lập|15062021"
            .as_bytes(),
    )?;
    corpus.write(
        "cccd",
        "no-old-number.txt",
        "001310012345||Lê Thị Mai|05052010|Nữ|Phường Cầu Giấy, Hà Nội|01022024".as_bytes(),
    )?;

    println!(
        "seeds: wrote {} files under {}",
        corpus.written,
        Path::new(&corpus.root).display()
    );
    Ok(())
}
