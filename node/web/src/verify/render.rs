//! The verify page in words: the verdict, the chain of signatures step by step, what the node
//! knows now, and a plain sentence for each input that gives no verdict.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bansao_copy::Decision;
use bansao_copy::status::StatusReport;
use bansao_node::verify::{InputKind, LogCheck, VerifyError};
use bansao_node::verify_online::{MAX_UPLOAD_BYTES, OnlineVerification, OnlineVerifyError};

use crate::error::WebError;
use crate::pages::Chrome;

/// One step of a copy's chain, and whether it is there.
#[derive(Debug)]
pub struct Step {
    /// `done`, `missing` or `bad`.
    pub state: &'static str,
    /// What it says, Vietnamese first.
    pub text: String,
}

/// The verdict, as the page shows it.
#[derive(Debug)]
pub struct VerdictView {
    /// Whether the copy can be relied on.
    pub genuine: bool,
    /// The verdict's machine name (`genuine`, `tampered`…).
    pub code: &'static str,
    /// The headline.
    pub headline: String,
    /// The reason.
    pub reason: String,
    /// What was checked.
    pub input: &'static str,
    /// The copy's id, when the input names one.
    pub copy_id: Option<String>,
    /// What the copy is.
    pub details: Vec<(&'static str, String)>,
    /// The chain the input itself proves.
    pub chain: Vec<Step>,
    /// What this node knows now.
    pub known_now: Vec<Step>,
    /// Whether the node holds the copy.
    pub held: bool,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    problem: Option<String>,
    verdict: Option<VerdictView>,
    max_upload_mb: usize,
}

fn chrome(place: &str) -> Chrome {
    // A public page: no menu, nobody signed in.
    Chrome::public(place.to_owned(), "/verify", &[])
}

/// The page with only the forms.
pub fn form_page(place: &str) -> Result<String, askama::Error> {
    VerifyPage {
        chrome: chrome(place),
        problem: None,
        verdict: None,
        max_upload_mb: MAX_UPLOAD_BYTES >> 20,
    }
    .render()
}

/// The forms and a sentence saying why there is no verdict.
pub fn problem_page(place: &str, status: StatusCode, message: &str) -> Response {
    let page = VerifyPage {
        chrome: chrome(place),
        problem: Some(message.to_owned()),
        verdict: None,
        max_upload_mb: MAX_UPLOAD_BYTES >> 20,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => WebError::from(error).into_response(),
    }
}

/// The verdict page.
pub fn verdict_page(place: &str, verified: &OnlineVerification) -> Result<Response, WebError> {
    let page = VerifyPage {
        chrome: chrome(place),
        problem: None,
        verdict: Some(view(verified)),
        max_upload_mb: MAX_UPLOAD_BYTES >> 20,
    };
    Ok(Html(page.render()?).into_response())
}

/// What a body the server would not read gets.
pub fn body_refusal(status: StatusCode) -> String {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "Tệp quá lớn: tối đa {} MB. Một bản sao chứng thực nhỏ hơn nhiều; ảnh chụp mã QR nên dưới 10 MB. The file is too large (at most {} MB).",
            MAX_UPLOAD_BYTES >> 20,
            MAX_UPLOAD_BYTES >> 20
        )
    } else {
        "Biểu mẫu gửi lên không đọc được: hãy chọn lại tệp và gửi lại. The form could not be read: choose the file again and resend.".to_owned()
    }
}

/// The status and sentence for an input that gives no verdict.
pub fn refusal(error: &OnlineVerifyError) -> (StatusCode, String) {
    let bad = StatusCode::UNPROCESSABLE_ENTITY;
    match error {
        OnlineVerifyError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            body_refusal(StatusCode::PAYLOAD_TOO_LARGE),
        ),
        OnlineVerifyError::Input(error) => match error {
            VerifyError::ReadTrust { .. } | VerifyError::Trust { .. } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Máy này không đọc được danh sách tin cậy của mình: báo cho quản trị. This node cannot read its own trust list: tell its administrator.".to_owned(),
            ),
            VerifyError::Qr(bansao_copy::qr::QrDecodeError::Empty) => (
                StatusCode::BAD_REQUEST,
                "Chưa dán nội dung mã QR (nothing was pasted).".to_owned(),
            ),
            VerifyError::Qr(detail) => (
                bad,
                format!(
                    "Đây không phải mã QR của bản sao chứng thực (bắt đầu bằng BS1:). This is not the QR code of a certified copy: {detail}"
                ),
            ),
            VerifyError::NoQrInImage(_) => (
                bad,
                "Không đọc được mã QR trong ảnh: hãy chụp gần hơn, đủ sáng, cả mã nằm trong ảnh. No QR code could be read in the photo: take it closer, in good light, with the whole code in the picture.".to_owned(),
            ),
            VerifyError::BadImage(detail) => (
                bad,
                format!("Không mở được ảnh (the image cannot be opened): {detail}"),
            ),
            VerifyError::Pdf(detail) => (
                bad,
                format!(
                    "Tệp PDF này không phải bản sao chứng thực có niêm phong. This PDF is not a sealed certified copy: {detail}"
                ),
            ),
            VerifyError::Record(detail) => (
                bad,
                format!(
                    "Dữ liệu bản sao trong tệp PDF bị hỏng. The copy record inside the PDF is damaged: {detail}"
                ),
            ),
            VerifyError::UnknownInput | VerifyError::ReadInput { .. } => (
                bad,
                "Tệp không phải PDF hay ảnh PNG/JPEG. The file is neither a PDF nor a PNG or JPEG image.".to_owned(),
            ),
            VerifyError::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body_refusal(StatusCode::PAYLOAD_TOO_LARGE),
            ),
        },
        OnlineVerifyError::Store(_) | OnlineVerifyError::Entropy(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Máy này không đọc được dữ liệu của mình: báo cho quản trị. This node cannot read its database: tell its administrator.".to_owned(),
        ),
    }
}

fn log_step(log: &LogCheck) -> Step {
    match log {
        LogCheck::Included {
            leaf_index,
            tree_size,
            ..
        } => Step {
            state: "done",
            text: format!(
                "Có trong nhật ký minh bạch của thành phố: mục {leaf_index} trên {tree_size}. Included in the city log at index {leaf_index} of {tree_size}."
            ),
        },
        LogCheck::Refused(reason) => Step {
            state: "bad",
            text: format!(
                "Bằng chứng nhật ký của thành phố không hợp lệ. The city log inclusion does not verify: {reason}"
            ),
        },
    }
}

/// The chain a status report shows: issued, counter-signed, registered, revoked.
fn report_steps(report: &StatusReport, log: Option<&LogCheck>) -> Vec<Step> {
    let issued = &report.issued_by;
    let mut steps = vec![Step {
        state: "done",
        text: format!(
            "Ki-ốt {} đã cấp lúc {} (giờ Việt Nam). Issued by kiosk {}.",
            issued.signer_name,
            issued.record.signed_at.vietnam_local(),
            issued.signer_name
        ),
    }];
    let of = |decision: Decision| {
        report
            .decisions
            .iter()
            .filter(move |signature| signature.record.decision == decision)
    };
    let mut approved = false;
    for signature in of(Decision::Approve) {
        approved = true;
        let number = signature
            .record
            .certification_number
            .clone()
            .unwrap_or_else(|| "—".to_owned());
        steps.push(Step {
            state: "done",
            text: format!(
                "Cán bộ {} đã ký chứng thực lúc {}, số chứng thực {number}. Counter-signed by {}, certification number {number}.",
                signature.signer_name,
                signature.record.signed_at.vietnam_local(),
                signature.signer_name
            ),
        });
    }
    for signature in of(Decision::Reject) {
        steps.push(Step {
            state: "bad",
            text: format!(
                "Cán bộ {} đã từ chối lúc {}: {}. Rejected by {}.",
                signature.signer_name,
                signature.record.signed_at.vietnam_local(),
                signature.record.reason.clone().unwrap_or_default(),
                signature.signer_name
            ),
        });
    }
    if !approved && of(Decision::Reject).next().is_none() {
        steps.push(Step {
            state: "missing",
            text: "Chưa có cán bộ tư pháp ký chứng thực. Not counter-signed yet.".to_owned(),
        });
    }
    let mut registered = false;
    for signature in of(Decision::Register) {
        registered = true;
        steps.push(Step {
            state: "done",
            text: format!(
                "{} đã đăng ký lúc {}. Registered by the city.",
                signature.signer_name,
                signature.record.signed_at.vietnam_local()
            ),
        });
    }
    if !registered {
        steps.push(Step {
            state: "missing",
            text: "Chưa đăng ký tại thành phố. Not registered by the city yet.".to_owned(),
        });
    }
    match log {
        Some(log) => steps.push(log_step(log)),
        None if registered => steps.push(Step {
            state: "missing",
            text: "Chưa có bằng chứng trong nhật ký của thành phố. No city log inclusion yet."
                .to_owned(),
        }),
        None => {}
    }
    if let Some(reason) = &report.revocation_reason {
        steps.push(Step {
            state: "bad",
            text: format!("Đã bị thu hồi: {reason}. Revoked."),
        });
    }
    for ignored in &report.ignored {
        steps.push(Step {
            state: "bad",
            text: format!(
                "Chữ ký không được tính ({}): {}. A signature that does not count.",
                ignored.signer, ignored.reason
            ),
        });
    }
    steps
}

fn view(verified: &OnlineVerification) -> VerdictView {
    let verification = &verified.verification;
    let verdict = &verification.verdict;
    let mut details = Vec::new();
    let named = verification
        .content
        .as_ref()
        .map(|c| {
            (
                c.copy_id,
                c.document_type,
                c.issued_at,
                c.kiosk_id.clone(),
                c.kiosk_sequence,
                c.pages.len(),
            )
        })
        .or_else(|| {
            verification.claims.as_ref().map(|c| {
                (
                    c.copy_id,
                    c.document_type,
                    c.issued_at,
                    c.kiosk_id.clone(),
                    c.kiosk_sequence,
                    usize::try_from(c.page_count).unwrap_or(usize::MAX),
                )
            })
        });
    let mut chain = Vec::new();
    if let Some((copy_id, kind, issued_at, kiosk, sequence, pages)) = &named {
        details.push(("Mã bản sao (copy id)", copy_id.to_string()));
        details.push((
            "Loại giấy tờ (original)",
            format!("{} ({})", kind.label_vi(), kind.label_en()),
        ));
        details.push(("Số trang (pages)", pages.to_string()));
        if let Some(commune) = &verified.commune {
            details.push(("Xã/phường (commune)", commune.clone()));
        }
        if verification.report.is_none() {
            chain.push(Step {
                state: if verdict.is_genuine() { "done" } else { "bad" },
                text: format!(
                    "Ki-ốt {kiosk} đã cấp lúc {} (giờ Việt Nam), bản thứ {sequence} của ki-ốt. Issued by kiosk {kiosk}, its copy no. {sequence}.",
                    issued_at.vietnam_local()
                ),
            });
        }
    }
    match (&verification.report, verified.kind) {
        (Some(report), _) => chain.extend(report_steps(report, verified.log.as_ref())),
        (None, InputKind::QrText | InputKind::QrImage) if named.is_some() => chain.push(Step {
            state: "missing",
            text: "Mã QR được in lúc cấp nên chỉ chứng minh việc cấp; xem bên dưới điều máy này biết bây giờ, hoặc tải lên tệp PDF. The QR was printed at issuance and proves the issuance only; see below what this node knows now, or upload the PDF.".to_owned(),
        }),
        _ => {}
    }
    let held = verified
        .known_now
        .as_ref()
        .is_some_and(|known| known.status.is_ok());
    let mut known_now = Vec::new();
    match &verified.known_now {
        Some(known) => {
            match &known.status {
                Ok(report) => {
                    known_now.push(Step {
                        state: match report.status {
                            bansao_copy::CopyStatus::Rejected
                            | bansao_copy::CopyStatus::Revoked
                            | bansao_copy::CopyStatus::Conflict => "bad",
                            _ => "done",
                        },
                        text: format!(
                            "Tình trạng hiện nay: {} (now: {}).",
                            report.status.label_vi(),
                            report.status
                        ),
                    });
                    known_now.extend(report_steps(report, known.log.as_ref()));
                }
                Err(why) => known_now.push(Step {
                    state: "missing",
                    text: why.clone(),
                }),
            }
            if let Some(revocation) = &known.revocation {
                let at = bansao_copy::Timestamp::from_unix(revocation.revoked_at)
                    .map_or_else(|_| String::new(), |t| t.vietnam_local());
                known_now.push(Step {
                    state: "bad",
                    text: format!(
                        "Thành phố đã thu hồi bản sao này lúc {at}: {}. The city revoked this copy.",
                        revocation.reason
                    ),
                });
            }
        }
        None if named.is_some() => known_now.push(Step {
            state: "missing",
            text: "Máy này chưa nhận bản sao này qua đồng bộ. This node has not received the copy by sync.".to_owned(),
        }),
        None => {}
    }
    if let Some(chain_knowledge) = &verified.chain {
        if chain_knowledge.known_broken() {
            known_now.push(Step {
                state: "bad",
                text: format!(
                    "Chuỗi bản sao của ki-ốt {} có {} chỗ đứt hoặc rẽ nhánh. The kiosk's chain is known to be broken.",
                    chain_knowledge.kiosk_id.clone().unwrap_or_default(),
                    chain_knowledge.kiosk_breaks.len()
                ),
            });
        }
        for anomaly in &chain_knowledge.copy_anomalies {
            known_now.push(Step {
                state: "bad",
                text: format!(
                    "Bất thường (anomaly) {}: {}",
                    anomaly.kind.as_str(),
                    anomaly.detail
                ),
            });
        }
    }
    VerdictView {
        genuine: verdict.is_genuine(),
        code: verdict.code(),
        headline: verdict.headline(),
        reason: verdict.reason(),
        input: match verified.kind {
            InputKind::QrText => "mã QR dán vào (pasted QR text)",
            InputKind::QrImage => "ảnh chụp mã QR (photo of the QR)",
            InputKind::Pdf => "tệp PDF (the sealed PDF)",
        },
        copy_id: named.map(|named| named.0.to_string()),
        details,
        chain,
        known_now,
        held,
    }
}
