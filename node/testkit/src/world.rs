//! The one world builder: a city, a ward with an official and a kiosk as real node directories,
//! made by the real key ceremonies (no network), and copies shaped like real ones (a birth
//! certificate's six fields, about 600 bytes of content, the kiosk's signature) written in bulk.
//! The benchmarks, the criterion benches and the tests build their nodes with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bansao_copy::{
    ContentHash, CopyContent, CopyDocument, CopyId, CopyStatus, Decision, DocumentType,
    ExtractedField, PageRef, SignatureRecord, Timestamp,
};
use bansao_store::Store;

use bansao_copy::{CommuneCode, KioskId, OfficialId};
use bansao_node::city::{City, Validity};
use bansao_node::config::Commune;
use bansao_node::decisions::{COPY_BOOK, certification_number_text, vietnam_year};
use bansao_node::ward::official_files;
use bansao_node::{entropy, files};

/// The official of the bench ward.
pub const OFFICIAL_ID: &str = "nguyen-van-binh";
/// The passphrase the bench official's key is locked under.
pub const OFFICIAL_PASSPHRASE: &str = "mật khẩu thử nghiệm";

/// [`OFFICIAL_PASSPHRASE`] as a passphrase.
pub fn official_passphrase() -> anyhow::Result<bansao_trust::Passphrase> {
    Ok(bansao_trust::Passphrase::new(
        OFFICIAL_PASSPHRASE.to_owned(),
    )?)
}
/// A member of the city's staff, made by [`certify_staff`].
pub const STAFF_ID: &str = "le-thi-hoa";
/// The passphrase the staff member's key is locked under.
pub const STAFF_PASSPHRASE: &str = "mật khẩu của Sở";

/// The world's kiosk's id.
pub const KIOSK_ID: &str = "KIOSK-BENCH-01";
/// The world's commune.
pub const COMMUNE_CODE: &str = "00001";

/// Node directories of one world: `city`, `ward` and `kiosk` under [`World::root`].
#[derive(Debug, Clone)]
pub struct World {
    /// The directory holding them.
    pub root: PathBuf,
}

impl World {
    /// The node directory `name` (`city`, `ward`, `kiosk`).
    pub fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Creates the city, the ward of commune 00001 with an official, and one kiosk in `root`.
    pub fn create(root: &Path) -> anyhow::Result<World> {
        // Certified a year ago, so copies can be spread over the past months.
        let now = Timestamp::from_unix(entropy::now().unix() - 365 * 86_400)?;
        let validity = Validity::default();
        let mut city = City::init(&root.join("city"), "Sở Tư pháp (bench)", now, validity)?;
        let commune = Commune {
            code: CommuneCode::parse(COMMUNE_CODE)?,
            name: "Xã Tân Lập".to_owned(),
        };
        city.certify_ward(
            &root.join("ward"),
            &commune,
            "UBND xã Tân Lập",
            now,
            validity,
        )?;
        let ward = bansao_node::ward::Ward::open(&root.join("ward"))?;
        city.certify_kiosk(
            &ward,
            &root.join("kiosk"),
            &KioskId::parse(KIOSK_ID)?,
            "Ki-ốt (bench)",
            now,
            validity,
        )?;
        city.certify_official(
            &ward,
            &OfficialId::parse(OFFICIAL_ID)?,
            "Nguyễn Văn Bình",
            &official_passphrase()?,
            now,
            validity,
        )?;
        // The lists as the city signs them today: a kiosk whose newest trust is a year old
        // does not trust its own clock (`kiosk_clock`).
        city.reissue_lists(entropy::now())?;
        city.distribute(&[&root.join("ward"), &root.join("kiosk")])?;
        let world = World {
            root: root.to_owned(),
        };
        // Benchmarks and labs run several of these at once on one machine: their nodes serve no
        // pages or metrics (a page test serves its own on a free port).
        for node in ["ward", "city", "kiosk"] {
            world.web_off(node)?;
        }
        Ok(world)
    }

    /// Node `name` serves no web pages (`[web] listen = "off"`).
    pub fn web_off(&self, name: &str) -> anyhow::Result<()> {
        let config_path = self.dir(name).join(bansao_node::config::CONFIG_FILE_NAME);
        let mut config = std::fs::read_to_string(&config_path)?;
        if !config.contains("\n[sync]") {
            // The city's file has no sections: give it an empty [sync] last, where `listen`
            // appends.
            config.push_str("\n[sync]\n");
        }
        let config = config.replacen("\n[sync]", "\n[web]\nlisten = \"off\"\n\n[sync]", 1);
        std::fs::write(&config_path, config)?;
        Ok(())
    }

    /// Makes node `name` listen for sync on `127.0.0.1:port` (no LAN discovery).
    pub fn listen(&self, name: &str, port: u16) -> anyhow::Result<()> {
        let config_path = self.dir(name).join(bansao_node::config::CONFIG_FILE_NAME);
        let mut config = std::fs::read_to_string(&config_path)?;
        config.push_str(&format!(
            "listen = \"127.0.0.1:{port}\"\nlan_discovery = false\n"
        ));
        std::fs::write(&config_path, config)?;
        Ok(())
    }

    /// Copies the node directory `from` over `to` (both inside this world), e.g. to give the
    /// ward the kiosk's database.
    pub fn copy_database(&self, from: &str, to: &str) -> anyhow::Result<()> {
        let source = Store::open(&self.dir(from).join("bansao.sqlite"))?;
        let target = self.dir(to).join("bansao.sqlite");
        drop(source);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
        std::fs::copy(self.dir(from).join("bansao.sqlite"), &target)
            .with_context(|| format!("cannot copy the database to {}", target.display()))?;
        Ok(())
    }
}

fn birth_certificate_fields(n: u64) -> BTreeMap<String, ExtractedField> {
    let field = |value: String, confidence_permille: u16| ExtractedField {
        value,
        confidence_permille,
        corrected_from: None,
        source: None,
    };
    [
        ("ho_ten", field(format!("NGUYỄN VĂN AN {n}"), 958)),
        ("ngay_sinh", field("12/03/2015".to_owned(), 981)),
        ("gioi_tinh", field("Nam".to_owned(), 990)),
        (
            "noi_sinh",
            field("Trạm Y tế xã Tân Lập, huyện Đông Anh".to_owned(), 934),
        ),
        ("ho_ten_me", field("TRẦN THỊ HOA".to_owned(), 962)),
        ("ho_ten_cha", field("NGUYỄN VĂN BÌNH".to_owned(), 955)),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// Writes `count` copies issued by the kiosk, each with one page from `scans` (cycled), in
/// transactions of a few thousand. Every scan is stored first. Returns the copy ids.
pub fn issue_bulk(world: &World, count: u64, scans: &[Vec<u8>]) -> anyhow::Result<Vec<CopyId>> {
    let kiosk_dir = world.dir("kiosk");
    let key = files::read_secret_key(&kiosk_dir.join("node.key"))?;
    let mut store = Store::open(&kiosk_dir.join("bansao.sqlite"))?;
    let pages: Vec<PageRef> = scans
        .iter()
        .map(|scan| PageRef::of(scan, "image/jpeg"))
        .collect();
    for (page, scan) in pages.iter().zip(scans) {
        store.put_blob(page, scan)?;
    }
    let actor = entropy::new_actor()?;
    let now = entropy::now();
    // Copies are spread over the past as a busy kiosk issues them: one every 40 s or so, each
    // id with its own millisecond and 80 random bits, as real ULIDs.
    let first = now.unix() - i64::try_from(count).unwrap_or(0) * 40;
    let mut random = SplitMix(u64::from_le_bytes(entropy::random_bytes::<8>()?));
    let mut previous = ContentHash::GENESIS;
    let mut ids = Vec::new();
    let mut batch = Vec::new();
    for n in 0..count {
        let issued_at = Timestamp::from_unix(first + i64::try_from(n).unwrap_or(0) * 40)?;
        let millis = u64::try_from(issued_at.unix()).unwrap_or(0) * 1000 + random.next() % 1000;
        let bits = (u128::from(random.next()) << 64 | u128::from(random.next())) & ((1 << 80) - 1);
        let copy_id = CopyId::from_parts(millis, bits);
        let page = pages
            .get(usize::try_from(n).unwrap_or(0) % pages.len().max(1))
            .cloned()
            .context("at least one scan")?;
        let content = CopyContent {
            copy_id,
            commune: COMMUNE_CODE.to_owned(),
            kiosk_id: KIOSK_ID.to_owned(),
            kiosk_sequence: n + 1,
            previous_content_hash: previous,
            document_type: DocumentType::BirthCertificate,
            issued_at,
            fields: birth_certificate_fields(n),
            pages: vec![page],
            fee_vnd: bansao_copy::fee::certification_fee_vnd(1),
        };
        let document = CopyDocument::issue(content, &key, actor.clone())?;
        previous = document.content_hash();
        ids.push(copy_id);
        batch.push((document, CopyStatus::Provisional));
        if batch.len() == 5_000 {
            store.save_copies(&mut batch, now)?;
            batch.clear();
        }
    }
    store.save_copies(&mut batch, now)?;
    Ok(ids)
}

/// A small deterministic generator for the ids' random bits (SplitMix64).
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Issues `count` copies of the sample birth certificate (one field corrected by the citizen)
/// at the kiosk through the kiosk service, then gives the ward the kiosk's database as a sync
/// would bring it. Returns the copy ids in issue order.
pub fn issue_and_bring_to_ward(world: &World, count: usize) -> anyhow::Result<Vec<CopyId>> {
    let mut kiosk = bansao_node::kiosk::Kiosk::open(&world.dir("kiosk"))?;
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        let issued = kiosk.issue(crate::sample_request(), entropy::now())?;
        ids.push(issued.document.content().copy_id);
    }
    drop(kiosk);
    world.copy_database("kiosk", "ward")?;
    Ok(ids)
}

/// Certifies [`STAFF_ID`] as city staff (`bansao keys certify-staff`), their key locked under
/// [`STAFF_PASSPHRASE`], and gives the ward and kiosk the new trust list.
pub fn certify_staff(world: &World) -> anyhow::Result<bansao_trust::Certificate> {
    let mut city = City::open(&world.dir("city"))?;
    let certificate = city.certify_staff(
        &OfficialId::parse(STAFF_ID)?,
        "Lê Thị Hoa",
        &bansao_trust::Passphrase::new(STAFF_PASSPHRASE.to_owned())?,
        entropy::now(),
        Validity::default(),
    )?;
    city.distribute(&[&world.dir("ward"), &world.dir("kiosk")])?;
    Ok(certificate)
}

/// The ward's book of certification numbers this year, in order: (number, copy id).
pub fn book_of(store: &Store) -> anyhow::Result<Vec<(u64, String)>> {
    Ok(store
        .certification_numbers(bansao_store::NumberBook {
            book: COPY_BOOK,
            year: vietnam_year(entropy::now()),
        })?
        .into_iter()
        .map(|entry| (entry.number, entry.copy_id))
        .collect())
}

/// Signs `decision` on `copy` in the database at `database` with `key`, as an official's
/// laptop would offline on its own copy of the ward's database.
pub fn decide_in(
    database: &Path,
    trust: &bansao_trust::TrustContext,
    key: &bansao_trust::SecretKey,
    copy: CopyId,
    decision: bansao_copy::Decision,
    reason: Option<String>,
) -> anyhow::Result<()> {
    let mut store = Store::open(database)?;
    bansao_node::decisions::decide(
        &mut store,
        trust,
        key,
        entropy::new_actor()?,
        bansao_node::decisions::DecisionRequest {
            copy_id: copy,
            decision,
            reason,
        },
        entropy::now(),
    )?;
    Ok(())
}

/// Merges the version of `copy` in the database at `from` into `ward`'s, as the sync between
/// replicas merges documents; returns the status it now has.
pub fn merge_copy_into(
    from: &Path,
    ward: &mut bansao_node::ward::Ward,
    copy: CopyId,
) -> anyhow::Result<CopyStatus> {
    let mut theirs = Store::open(from)?.load_copy(copy, entropy::new_actor()?)?;
    let store = &mut ward.node.store;
    let mut ours = store.load_copy(copy, entropy::new_actor()?)?;
    ours.merge(&mut theirs)?;
    let status = bansao_node::copies::status_report(&ours, &ward.node.trust)?.status;
    store.save_copy(&mut ours, status, entropy::now())?;
    Ok(status)
}

/// The official approves `copies` in the database of node `node`, in bulk (one transaction,
/// numbers from 1: a benchmark's shortcut; the ward service numbers from its book).
pub fn approve(world: &World, node: &str, copies: &[CopyId]) -> anyhow::Result<()> {
    let (key_path, _) = official_files(&world.dir("ward"), &OfficialId::parse(OFFICIAL_ID)?);
    let key = files::read_locked_key(&key_path, &official_passphrase()?)?;
    let mut store = Store::open(&world.dir(node).join("bansao.sqlite"))?;
    let actor = entropy::new_actor()?;
    let now: Timestamp = entropy::now();
    let mut batch = Vec::new();
    for (n, copy_id) in copies.iter().enumerate() {
        let mut document = store.load_copy(*copy_id, actor.clone())?;
        let record = SignatureRecord::decide(
            document.content(),
            Decision::Approve,
            now,
            None,
            Some(certification_number_text(
                u64::try_from(n).unwrap_or(0) + 1,
                vietnam_year(now),
                COPY_BOOK,
            )),
            &key,
        );
        document.add_signature(&record)?;
        batch.push((document, CopyStatus::Countersigned));
    }
    store.save_copies(&mut batch, now)?;
    Ok(())
}
