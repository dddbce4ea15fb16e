//! Closing the day at a ward: per kiosk and per official, for one day in Vietnam's time —
//! copies issued, approved, rejected (with their grounds), fees collected, and the kiosk chain
//! anomalies still open. The same figures serve the page, the CSV and `bansao ward report`.

use std::collections::BTreeMap;

use bansao_artifact::{ReportContent, ReportTable};
use bansao_copy::timestamp::VIETNAM_OFFSET;
use bansao_copy::{Decision, RejectionGround, Timestamp};
use time::{Date, Duration, PrimitiveDateTime, Time};

use crate::copies::status_report;
use crate::ward::{Ward, WardError, parse_copy_id};

/// One kiosk's day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KioskDay {
    /// Copies it issued that day.
    pub issued: u64,
    /// Their fees, in đồng.
    pub fees_vnd: u64,
    /// Its copies approved that day (whenever issued).
    pub approved: u64,
    /// Its copies rejected that day.
    pub rejected: u64,
    /// Anomalies of its chain still open now.
    pub open_anomalies: u64,
}

/// One official's day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficialDay {
    /// Copies they approved.
    pub approved: u64,
    /// Copies they rejected.
    pub rejected: u64,
    /// Their rejections by ground code.
    pub rejected_by_ground: BTreeMap<String, u64>,
}

/// A ward's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    /// The day, in Vietnam.
    pub day: Date,
    /// Per kiosk id.
    pub kiosks: BTreeMap<String, KioskDay>,
    /// Per official (the name their certificate gives).
    pub officials: BTreeMap<String, OfficialDay>,
    /// Copies still waiting for review at the end of the report (now).
    pub waiting: u64,
}

impl DayReport {
    /// The totals over every kiosk.
    pub fn totals(&self) -> KioskDay {
        self.kiosks
            .values()
            .fold(KioskDay::default(), |sum, day| KioskDay {
                issued: sum.issued + day.issued,
                fees_vnd: sum.fees_vnd + day.fees_vnd,
                approved: sum.approved + day.approved,
                rejected: sum.rejected + day.rejected,
                open_anomalies: sum.open_anomalies + day.open_anomalies,
            })
    }

    /// The report as the tables of its PDF, for the commune `commune`, made at `now`.
    pub fn to_report_content(&self, commune: &str, now: Timestamp) -> ReportContent {
        let total = self.totals();
        let mut kiosk_rows: Vec<Vec<String>> = self
            .kiosks
            .iter()
            .map(|(kiosk, day)| {
                vec![
                    kiosk.clone(),
                    day.issued.to_string(),
                    bansao_copy::fee::format_vnd(day.fees_vnd),
                    day.approved.to_string(),
                    day.rejected.to_string(),
                    day.open_anomalies.to_string(),
                ]
            })
            .collect();
        kiosk_rows.push(vec![
            "Tổng (total)".to_owned(),
            total.issued.to_string(),
            bansao_copy::fee::format_vnd(total.fees_vnd),
            total.approved.to_string(),
            total.rejected.to_string(),
            total.open_anomalies.to_string(),
        ]);
        let official_rows = self
            .officials
            .iter()
            .map(|(official, day)| {
                vec![
                    official.clone(),
                    day.approved.to_string(),
                    day.rejected.to_string(),
                    day.rejected_by_ground
                        .iter()
                        .map(|(ground, count)| format!("{ground}: {count}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        let columns = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
        ReportContent {
            title: format!("{commune} — cuối ngày {} (close of day)", self.day),
            subtitle: format!(
                "Lập lúc {} (giờ Việt Nam) · còn {} bản sao chờ duyệt (still waiting)",
                now.vietnam_local(),
                self.waiting
            ),
            tables: vec![
                ReportTable {
                    title: "Theo ki-ốt (per kiosk)".to_owned(),
                    columns: columns(&[
                        "Ki-ốt",
                        "Đã cấp",
                        "Lệ phí (đồng)",
                        "Ký duyệt",
                        "Từ chối",
                        "Bất thường",
                    ]),
                    rows: kiosk_rows,
                },
                ReportTable {
                    title: "Theo cán bộ (per official)".to_owned(),
                    columns: columns(&["Cán bộ", "Ký duyệt", "Từ chối", "Lý do từ chối"]),
                    rows: official_rows,
                },
            ],
            created_at: now.datetime(),
        }
    }

    /// The report as CSV (RFC 4180): one row per kiosk, one per official, a total.
    pub fn to_csv(&self) -> String {
        let mut rows: Vec<[String; 8]> = vec![
            [
                "section",
                "who",
                "issued",
                "fees_vnd",
                "approved",
                "rejected",
                "open_anomalies",
                "rejected_by_ground",
            ]
            .map(str::to_owned),
        ];
        for (kiosk, day) in &self.kiosks {
            rows.push([
                "kiosk".to_owned(),
                kiosk.clone(),
                day.issued.to_string(),
                day.fees_vnd.to_string(),
                day.approved.to_string(),
                day.rejected.to_string(),
                day.open_anomalies.to_string(),
                String::new(),
            ]);
        }
        for (official, day) in &self.officials {
            let grounds: Vec<String> = day
                .rejected_by_ground
                .iter()
                .map(|(ground, count)| format!("{ground}={count}"))
                .collect();
            rows.push([
                "official".to_owned(),
                official.clone(),
                String::new(),
                String::new(),
                day.approved.to_string(),
                day.rejected.to_string(),
                String::new(),
                grounds.join(" "),
            ]);
        }
        let total = self.totals();
        rows.push([
            "total".to_owned(),
            self.day.to_string(),
            total.issued.to_string(),
            total.fees_vnd.to_string(),
            total.approved.to_string(),
            total.rejected.to_string(),
            total.open_anomalies.to_string(),
            String::new(),
        ]);
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for row in &rows {
            // Writing into memory cannot fail.
            let _ = writer.write_record(row);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// The UTC instants `[start, end)` of `day` in Vietnam; `None` for a day so far from ours
/// that its bounds cannot be written (years before 1 or after 9998).
pub fn day_bounds(day: Date) -> Option<(Timestamp, Timestamp)> {
    if !(1..=9998).contains(&day.year()) {
        return None;
    }
    let start = PrimitiveDateTime::new(day, Time::MIDNIGHT)
        .assume_offset(VIETNAM_OFFSET)
        .checked_to_offset(time::UtcOffset::UTC)?;
    let end = start.checked_add(Duration::days(1))?;
    Some((
        Timestamp::from_datetime(start),
        Timestamp::from_datetime(end),
    ))
}

/// The day `now` falls on in Vietnam.
pub fn vietnam_day(now: Timestamp) -> Date {
    now.datetime().to_offset(VIETNAM_OFFSET).date()
}

impl Ward {
    /// The report of `day` as a PDF/A file, made at `now`.
    pub fn day_report_pdf(&self, day: Date, now: Timestamp) -> Result<Vec<u8>, WardError> {
        let content = self
            .day_report(day)?
            .to_report_content(&self.commune().name, now);
        bansao_artifact::render_report_pdf(&content)
            .map_err(|error| WardError::Report(error.to_string()))
    }

    /// The report of `day` (in Vietnam's time).
    pub fn day_report(&self, day: Date) -> Result<DayReport, WardError> {
        let store = &self.node.store;
        let (start, end) = day_bounds(day).ok_or(WardError::DayOutOfRange(day))?;
        let in_day = |at: Timestamp| at.unix() >= start.unix() && at.unix() < end.unix();
        let mut kiosks: BTreeMap<String, KioskDay> = BTreeMap::new();
        for row in store.copies_issued_between(&start.to_rfc3339(), &end.to_rfc3339())? {
            let copy_id = parse_copy_id(&row.copy_id)?;
            let document = store.load_copy(copy_id, self.node.actor.clone())?;
            let kiosk = kiosks.entry(row.kiosk_id.clone()).or_default();
            kiosk.issued += 1;
            kiosk.fees_vnd += document.content().fee_vnd;
        }
        let mut officials: BTreeMap<String, OfficialDay> = BTreeMap::new();
        for row in store.copies_written_since(&start.to_rfc3339())? {
            let copy_id = parse_copy_id(&row.copy_id)?;
            let document = store.load_copy(copy_id, self.node.actor.clone())?;
            let report = status_report(&document, &self.node.trust)?;
            for decision in report.decisions.iter().filter(|decision| {
                in_day(decision.record.signed_at)
                    && matches!(
                        decision.record.decision,
                        Decision::Approve | Decision::Reject
                    )
            }) {
                let official = officials.entry(decision.signer_name.clone()).or_default();
                let kiosk = kiosks.entry(row.kiosk_id.clone()).or_default();
                if decision.record.decision == Decision::Approve {
                    official.approved += 1;
                    kiosk.approved += 1;
                } else {
                    official.rejected += 1;
                    kiosk.rejected += 1;
                    let ground = decision
                        .record
                        .reason
                        .as_deref()
                        .and_then(RejectionGround::of_reason)
                        .map_or("unknown", RejectionGround::code);
                    *official
                        .rejected_by_ground
                        .entry(ground.to_owned())
                        .or_insert(0) += 1;
                }
            }
        }
        for anomaly in store.anomalies(None, false)? {
            if anomaly.resolution.is_none() {
                kiosks.entry(anomaly.kiosk_id).or_default().open_anomalies += 1;
            }
        }
        Ok(DayReport {
            day,
            kiosks,
            officials,
            waiting: store.count_with_status(bansao_copy::CopyStatus::Provisional)?,
        })
    }
}
