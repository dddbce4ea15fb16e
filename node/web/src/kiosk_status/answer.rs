//! The status screen's answer in words: one headline for the copy's status now, the sentences
//! that say what it means and what to do next (Vietnamese first, English second), the QR's own
//! verdict when a QR was shown, and whether the final slip can be printed.

use bansao_copy::{CopyStatus, Decision};
use bansao_node::kiosk_status::{Asked, HeldCopy, Printed, StatusAnswer, decisions_of, rejections};

/// The answer as the page shows it.
#[derive(Debug, Clone)]
pub struct AnswerView {
    /// The copy id.
    pub copy_id: String,
    /// The state's machine name, for the look and for tests: `provisional`, `countersigned`,
    /// `registered`, `rejected`, `revoked`, `conflict`, `not-held`, `not-genuine`.
    pub state: &'static str,
    /// The headline, Vietnamese.
    pub headline: String,
    /// The headline, English.
    pub headline_en: String,
    /// What it means and what to do, one sentence a line.
    pub sentences: Vec<String>,
    /// The copy's facts: (label, value).
    pub details: Vec<(&'static str, String)>,
    /// The QR's own verdict, when a QR was shown: (genuine, sentence).
    pub qr: Option<(bool, String)>,
    /// Whether "In bản sao / Print" is offered.
    pub can_print: bool,
    /// What was printed, after a print.
    pub printed: Option<String>,
    /// Why the print failed and what to do, after a print that failed.
    pub print_problem: Option<String>,
}

/// The line saying the slip was printed.
pub fn printed_line(printed: &Printed) -> String {
    format!(
        "Đã in bản sao số {}: hãy lấy phiếu ở khe máy in. Printed: take the slip from the printer.",
        printed.certification_number
    )
}

const ASK_AT_THE_HALL: &str = "Nếu cần, hãy hỏi tại bộ phận một cửa của UBND xã. If you need help, ask at the commune hall's desk.";

impl AnswerView {
    /// The view of `answer`.
    pub fn of(answer: &StatusAnswer) -> AnswerView {
        let mut view = AnswerView {
            copy_id: answer.copy_id.to_string(),
            state: "not-held",
            headline: String::new(),
            headline_en: String::new(),
            sentences: Vec::new(),
            details: vec![("Mã bản sao (copy id)", answer.copy_id.to_string())],
            qr: answer.qr.as_ref().map(|qr| {
                let verdict = &qr.verification.verdict;
                let genuine = verdict.is_genuine();
                let sentence = if genuine {
                    "Mã QR trên biên nhận là thật: do ki-ốt ký khi cấp bản sao. The receipt's QR is genuine: signed by the kiosk at issuance.".to_owned()
                } else {
                    format!(
                        "Mã QR này không đáng tin: {} — {}. Do not rely on this QR.",
                        verdict.headline(),
                        verdict.reason()
                    )
                };
                (genuine, sentence)
            }),
            can_print: answer.can_print(),
            printed: None,
            print_problem: None,
        };
        match &answer.held {
            None => view.not_held(answer),
            Some(held) => view.held(held),
        }
        view
    }

    fn not_held(&mut self, answer: &StatusAnswer) {
        self.state = "not-held";
        self.headline = "Ki-ốt này chưa có bản sao này".to_owned();
        self.headline_en = "This kiosk does not hold this copy".to_owned();
        self.sentences.push(
            "Có thể bản sao được cấp ở ki-ốt khác, hoặc chưa đồng bộ về đây. Hãy hỏi tại UBND xã (bộ phận một cửa), mang theo biên nhận. The copy may have been issued at another kiosk, or not synced here yet: ask at the commune hall with your receipt.".to_owned(),
        );
        if answer.asked == Asked::Id {
            self.sentences.push(
                "Hãy kiểm tra lại mã đã gõ với mã in trên biên nhận. Check the id you typed against the receipt.".to_owned(),
            );
        }
    }

    fn held(&mut self, held: &HeldCopy) {
        self.details.push((
            "Loại giấy tờ (document)",
            format!(
                "{} ({})",
                held.document_type.label_vi(),
                held.document_type.label_en()
            ),
        ));
        self.details
            .push(("Ngày cấp (issued)", held.issued_at.vietnam_local()));
        self.details
            .push(("Số trang (pages)", held.pages.to_string()));
        self.details.push(("Ki-ốt (kiosk)", held.kiosk_id.clone()));
        let report = match &held.status {
            Ok(report) => report,
            Err(why) => {
                self.state = "not-genuine";
                self.headline = "Bản sao này không hợp lệ".to_owned();
                self.headline_en = "This copy is not genuine".to_owned();
                self.sentences.push(format!(
                    "Chữ ký của bản sao không kiểm tra được ({why}). Hãy gọi cán bộ. The copy's signature does not verify: call an official."
                ));
                return;
            }
        };
        if let Some(reason) = &held.revoked {
            self.revoked(reason);
            return;
        }
        match report.status {
            CopyStatus::Provisional => {
                self.state = "provisional";
                self.headline = "Đang chờ cán bộ tư pháp ký duyệt".to_owned();
                self.headline_en = "Provisional: waiting for the commune's official".to_owned();
                self.sentences.push(format!(
                    "Ki-ốt đã ký tạm thời lúc {}. Khi cán bộ ký, bản sao có số chứng thực và bạn có thể in tại đây. The kiosk signed it provisionally; once the official counter-signs, it gets its number and you can print it here.",
                    held.issued_at.vietnam_local()
                ));
                self.sentences.push(
                    "Ki-ốt ở thôn có thể chưa kết nối mạng: kết quả đến khi ki-ốt đồng bộ với xã. A village kiosk may be offline: the answer arrives when it syncs with the commune.".to_owned(),
                );
            }
            CopyStatus::Countersigned | CopyStatus::Registered => {
                let number = report
                    .certification_number
                    .clone()
                    .unwrap_or_else(|| "—".to_owned());
                let registered = report.status == CopyStatus::Registered;
                self.state = if registered {
                    "registered"
                } else {
                    "countersigned"
                };
                self.headline = format!("Đã chứng thực — số {number}");
                self.headline_en = if registered {
                    format!("Counter-signed and registered by the city, number {number}")
                } else {
                    format!("Counter-signed, number {number}")
                };
                self.details
                    .push(("Số chứng thực (number)", number.clone()));
                for signature in decisions_of(report, Decision::Approve) {
                    self.sentences.push(format!(
                        "Cán bộ {} đã ký chứng thực lúc {}. Counter-signed by {}.",
                        signature.signer_name,
                        signature.record.signed_at.vietnam_local(),
                        signature.signer_name
                    ));
                }
                if registered {
                    self.sentences.push(
                        "Thành phố đã đăng ký bản sao này. The city has registered the copy."
                            .to_owned(),
                    );
                }
                self.sentences.push(
                    "Bấm “In bản sao” để in mã QR của bản sao với số chứng thực. Press Print for the copy's QR with its number.".to_owned(),
                );
            }
            CopyStatus::Rejected => {
                self.state = "rejected";
                self.headline = "Cán bộ đã từ chối chứng thực bản sao này".to_owned();
                self.headline_en = "The official refused to certify this copy".to_owned();
                for rejection in rejections(report) {
                    self.sentences
                        .push(format!("Lý do (reason): {}.", rejection.reason));
                    if let Some(note) = &rejection.note {
                        self.sentences
                            .push(format!("Ghi chú của cán bộ (the official's note): {note}"));
                    }
                    self.sentences.push(format!(
                        "Cán bộ {} từ chối lúc {}. Refused by {}.",
                        rejection.official, rejection.at, rejection.official
                    ));
                }
                self.sentences.push(
                    "Hãy mang bản chính đến UBND xã để được hướng dẫn. Bring the original to the commune hall to learn what to do next.".to_owned(),
                );
            }
            CopyStatus::Revoked => {
                let reason = report.revocation_reason.clone().unwrap_or_default();
                self.revoked(&reason);
            }
            CopyStatus::Conflict => {
                self.state = "conflict";
                self.headline = "Các cán bộ đang đối chiếu bản sao này".to_owned();
                self.headline_en =
                    "The officials are reconciling their decisions on this copy".to_owned();
                self.sentences.push(
                    "Hai quyết định khác nhau đã được ghi; cán bộ sẽ thống nhất. Hãy hỏi tại UBND xã. Two different decisions were recorded; ask at the commune hall.".to_owned(),
                );
            }
        }
        self.sentences.push(ASK_AT_THE_HALL.to_owned());
    }

    fn revoked(&mut self, reason: &str) {
        self.state = "revoked";
        self.headline = "Bản sao này đã bị thu hồi".to_owned();
        self.headline_en = "This copy has been revoked".to_owned();
        self.can_print = false;
        self.sentences.push(format!(
            "Lý do (reason): {reason}. Hãy hỏi tại UBND xã. Ask at the commune hall."
        ));
    }
}
