//! Page layout: what goes where on the A4 pages of the artifact.
//!
//! * A **scan page** per scanned image: the image scaled to fit inside the
//!   margins (aspect ratio kept, centred, hairline frame), a footer naming the
//!   copy and the page number, and the watermark drawn *over* the image so it
//!   cannot be cropped away without touching the scan.
//! * A final **certification page**: the issuing commune, the statement
//!   "Chứng thực bản sao đúng với bản chính" with its English gloss, a table of
//!   bilingual labels and the caller's values, the signers, and the QR code as
//!   vector squares with the copy id under it. Here the watermark is drawn
//!   *under* the content and the QR code sits on a white quiet zone, so the
//!   watermark never lowers the code's contrast.
//!
//! Coordinates are krilla's: PDF points, origin at the top left, y downwards.
//! Text positions are baselines.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;

use crate::ArtifactContent;
use crate::error::RenderError;
use crate::fonts::{Face, Fonts};
use crate::qr::{QUIET_ZONE_MODULES, QrMatrix};

/// A4 width in points (210 mm).
pub(crate) const PAGE_WIDTH: f32 = 595.28;
/// A4 height in points (297 mm).
pub(crate) const PAGE_HEIGHT: f32 = 841.89;

/// The watermark text drawn on every page.
pub const WATERMARK_TEXT: &str = "BẢN SAO ĐIỆN TỬ · BANSAO";
/// The certification statement, Vietnamese (the legal wording) first.
pub const STATEMENT_VI: &str = "Chứng thực bản sao đúng với bản chính";
/// The English gloss of the statement, set smaller under it.
pub const STATEMENT_EN: &str = "Certified true copy of the original";

const SCAN_MARGIN: f32 = 36.0;
const SCAN_FOOTER_HEIGHT: f32 = 22.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 22.0;
const FOOTER_SIZE: f32 = 7.5;

const CERT_MARGIN: f32 = 64.0;
const LABEL_COLUMN_WIDTH: f32 = 150.0;
const VALUE_X: f32 = CERT_MARGIN + LABEL_COLUMN_WIDTH + 10.0;
const VALUE_SIZE: f32 = 11.0;
const VALUE_LINE: f32 = 15.0;
const QR_MAX_SIDE: f32 = 200.0;
const QR_MIN_SIDE: f32 = 150.0;
/// Lowest y the certification content may reach (the footer is below).
const CERT_CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 52.0;

const BLACK: (u8, u8, u8) = (0, 0, 0);
const DARK_GREY: (u8, u8, u8) = (70, 70, 70);
const MID_GREY: (u8, u8, u8) = (110, 110, 110);
const RULE_GREY: (u8, u8, u8) = (170, 170, 170);

/// Draws one scanned page: image, frame, footer and watermark.
pub(crate) fn draw_scan_page(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    image: Image,
    page_number: usize,
    page_count: usize,
    copy_id: &str,
) {
    let (pixel_width, pixel_height) = image.size();
    let box_width = PAGE_WIDTH - 2.0 * SCAN_MARGIN;
    let box_height = PAGE_HEIGHT - 2.0 * SCAN_MARGIN - SCAN_FOOTER_HEIGHT;
    let scale =
        (box_width / pixel_width.max(1) as f32).min(box_height / pixel_height.max(1) as f32);
    let width = (pixel_width as f32 * scale).max(1.0);
    let height = (pixel_height as f32 * scale).max(1.0);
    let x = SCAN_MARGIN + (box_width - width) / 2.0;
    let y = SCAN_MARGIN + (box_height - height) / 2.0;

    if let Some(size) = Size::from_wh(width, height) {
        surface.push_transform(&Transform::from_translate(x, y));
        surface.draw_image(image, size);
        surface.pop();
    }
    stroke_rect(surface, x, y, width, height, 0.5, RULE_GREY);

    draw_footer(
        surface,
        fonts,
        &format!("Bản sao điện tử số {copy_id}"),
        page_number,
        page_count,
    );
    draw_watermark(surface, fonts);
}

/// One row of the certification table: Vietnamese label, English label, value lines.
struct Row {
    label_vi: &'static str,
    label_en: &'static str,
    lines: Vec<String>,
}

impl Row {
    fn height(&self) -> f32 {
        let label: f32 = 24.0;
        let value = self.lines.len() as f32 * VALUE_LINE + 4.0;
        label.max(value) + 8.0
    }
}

/// Draws the certification page, or reports that the content does not fit.
pub(crate) fn draw_certification_page(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    content: &ArtifactContent,
    qr: &QrMatrix,
    page_number: usize,
    page_count: usize,
) -> Result<(), RenderError> {
    let text_width = PAGE_WIDTH - 2.0 * CERT_MARGIN;
    let value_width = PAGE_WIDTH - CERT_MARGIN - VALUE_X;
    let value = |text: &str| {
        fonts
            .regular
            .wrap(&fonts.regular.drawable(text), VALUE_SIZE, value_width)
    };

    let commune_lines = fonts.bold.wrap(
        &fonts.bold.drawable(&content.commune_label),
        12.0,
        text_width,
    );
    let mut signer_lines: Vec<String> = content
        .signer_lines
        .iter()
        .flat_map(|line| value(line))
        .collect();
    if signer_lines.is_empty() {
        signer_lines.push("—".to_string());
    }
    let rows = [
        Row {
            label_vi: "Số bản sao",
            label_en: "Copy ID",
            lines: value(&content.copy_id),
        },
        Row {
            label_vi: "Loại giấy tờ",
            label_en: "Document type",
            lines: value(&content.document_type_label),
        },
        Row {
            label_vi: "Thời điểm chứng thực",
            label_en: "Certified at",
            lines: value(&content.issued_at_label),
        },
        Row {
            label_vi: "Số trang bản chính",
            label_en: "Pages of the original",
            lines: value(&content.pages.len().to_string()),
        },
        Row {
            label_vi: "Trạng thái",
            label_en: "Status",
            lines: value(&content.status_label),
        },
        Row {
            label_vi: "Người ký",
            label_en: "Signed by",
            lines: signer_lines,
        },
    ];

    // Plan the vertical layout before drawing anything.
    let header_bottom = 56.0 + commune_lines.len() as f32 * 16.0;
    let statement_baseline = header_bottom + 46.0;
    let table_top = statement_baseline + 40.0;
    let table_bottom = table_top + rows.iter().map(Row::height).sum::<f32>();
    let qr_caption_height = 40.0;
    let qr_top = table_bottom + 14.0;
    let available = CERT_CONTENT_BOTTOM - qr_caption_height - qr_top;
    if available < QR_MIN_SIDE {
        return Err(RenderError::CertificationPageOverflow {
            needed_points: qr_top + QR_MIN_SIDE + qr_caption_height,
            available_points: CERT_CONTENT_BOTTOM,
        });
    }
    let qr_side = available.min(QR_MAX_SIDE);

    draw_watermark(surface, fonts);

    // Header: the issuing commune, then a rule.
    let mut baseline = 64.0;
    for line in &commune_lines {
        draw_centred(surface, &fonts.bold, 12.0, BLACK, baseline, line);
        baseline += 16.0;
    }
    draw_rule(
        surface,
        PAGE_WIDTH / 2.0 - 60.0,
        PAGE_WIDTH / 2.0 + 60.0,
        header_bottom,
        0.8,
        BLACK,
    );

    // The statement, Vietnamese first and larger.
    draw_centred(
        surface,
        &fonts.bold,
        18.0,
        BLACK,
        statement_baseline,
        STATEMENT_VI,
    );
    draw_centred(
        surface,
        &fonts.regular,
        11.0,
        MID_GREY,
        statement_baseline + 18.0,
        STATEMENT_EN,
    );

    // The table.
    let mut row_top = table_top;
    table_rule(surface, row_top);
    for row in &rows {
        draw_text(
            surface,
            &fonts.bold,
            9.5,
            BLACK,
            CERT_MARGIN,
            row_top + 3.0,
            row.label_vi,
        );
        draw_text(
            surface,
            &fonts.regular,
            8.0,
            MID_GREY,
            CERT_MARGIN,
            row_top + 14.0,
            row.label_en,
        );
        let mut value_baseline = row_top + 4.0;
        for line in &row.lines {
            draw_text(
                surface,
                &fonts.regular,
                VALUE_SIZE,
                BLACK,
                VALUE_X,
                value_baseline,
                line,
            );
            value_baseline += VALUE_LINE;
        }
        row_top += row.height();
        table_rule(surface, row_top);
    }

    // The QR code with the copy id under it.
    let qr_left = (PAGE_WIDTH - qr_side) / 2.0;
    draw_qr(surface, qr, qr_left, qr_top, qr_side);
    let copy_id = fonts.bold.drawable(&content.copy_id);
    draw_centred(
        surface,
        &fonts.bold,
        10.0,
        BLACK,
        qr_top + qr_side + 12.0,
        &copy_id,
    );
    draw_centred(
        surface,
        &fonts.regular,
        8.0,
        MID_GREY,
        qr_top + qr_side + 26.0,
        "Quét mã QR để kiểm tra bản sao · Scan the QR code to verify this copy",
    );

    draw_footer(
        surface,
        fonts,
        "Tệp PDF/A-3 niêm phong điện tử (Ed25519), kèm dữ liệu đã ký bansao-copy.cbor",
        page_number,
        page_count,
    );
    Ok(())
}

/// Draws the QR symbol as vector squares inside a white square of side `side`
/// points whose border is the 4-module quiet zone.
fn draw_qr(surface: &mut Surface<'_>, qr: &QrMatrix, left: f32, top: f32, side: f32) {
    let modules = (qr.width + 2 * QUIET_ZONE_MODULES) as f32;
    let module = side / modules;
    let origin_x = left + QUIET_ZONE_MODULES as f32 * module;
    let origin_y = top + QUIET_ZONE_MODULES as f32 * module;

    fill_rect(surface, left, top, side, side, (255, 255, 255));
    let mut builder = PathBuilder::new();
    for (row, column, length) in qr.dark_runs() {
        if let Some(rect) = Rect::from_xywh(
            origin_x + column as f32 * module,
            origin_y + row as f32 * module,
            length as f32 * module,
            module,
        ) {
            builder.push_rect(rect);
        }
    }
    fill_path(surface, builder, BLACK);
}

/// Draws the watermark: three parallel diagonal lines of light grey,
/// semi-transparent text (PDF/A-2 and later allow transparency). Each line is
/// centred on its chord of the page and shrunk if the chord is short, so no
/// line runs off the page.
fn draw_watermark(surface: &mut Surface<'_>, fonts: &Fonts) {
    const SIZE: f32 = 36.0;
    const EDGE_CLEARANCE: f32 = 28.0;
    let face = &fonts.bold;
    let natural_width = face.width(WATERMARK_TEXT, SIZE);
    let angle = PAGE_HEIGHT.atan2(PAGE_WIDTH);
    let (centre_x, centre_y) = (PAGE_WIDTH / 2.0, PAGE_HEIGHT / 2.0);
    // Along the line (rising to the right) and across it, in page coordinates.
    let along = (angle.cos(), -angle.sin());
    let across = (angle.sin(), angle.cos());

    surface.push_transform(&Transform::from_rotate_at(
        -angle.to_degrees(),
        centre_x,
        centre_y,
    ));
    surface.set_fill(Some(solid((150, 150, 150), 0.22)));
    surface.set_stroke(None);
    for offset in [-230.0, 0.0, 230.0] {
        let origin = (centre_x + offset * across.0, centre_y + offset * across.1);
        let Some((start, end)) = chord(origin, along) else {
            continue;
        };
        let room = end - start - 2.0 * EDGE_CLEARANCE;
        let size = SIZE * (room / natural_width).min(1.0);
        if size < 12.0 {
            continue;
        }
        let width = face.width(WATERMARK_TEXT, size);
        let middle = (start + end) / 2.0;
        surface.draw_text(
            Point::from_xy(
                centre_x + middle - width / 2.0,
                centre_y + offset + size * 0.36,
            ),
            face.font.clone(),
            size,
            WATERMARK_TEXT,
            false,
            TextDirection::Auto,
        );
    }
    surface.pop();
}

/// The parameter interval `[t0, t1]` for which `origin + t * direction` lies
/// on the page, if any.
fn chord(origin: (f32, f32), direction: (f32, f32)) -> Option<(f32, f32)> {
    let mut interval = (f32::NEG_INFINITY, f32::INFINITY);
    for (start, step, limit) in [
        (origin.0, direction.0, PAGE_WIDTH),
        (origin.1, direction.1, PAGE_HEIGHT),
    ] {
        if step.abs() < f32::EPSILON {
            if !(0.0..=limit).contains(&start) {
                return None;
            }
            continue;
        }
        let (a, b) = ((0.0 - start) / step, (limit - start) / step);
        interval.0 = interval.0.max(a.min(b));
        interval.1 = interval.1.min(a.max(b));
    }
    (interval.0 < interval.1).then_some(interval)
}

fn draw_footer(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    left: &str,
    page_number: usize,
    page_count: usize,
) {
    let face = &fonts.regular;
    let page = format!("Trang {page_number}/{page_count}");
    let page_width = face.width(&page, FOOTER_SIZE);
    let left_width = PAGE_WIDTH - 2.0 * SCAN_MARGIN - page_width - 12.0;
    let left = face.drawable(left);
    let left = face
        .wrap(&left, FOOTER_SIZE, left_width)
        .into_iter()
        .next()
        .unwrap_or_default();
    draw_text(
        surface,
        face,
        FOOTER_SIZE,
        DARK_GREY,
        SCAN_MARGIN,
        FOOTER_BASELINE,
        &left,
    );
    draw_text(
        surface,
        face,
        FOOTER_SIZE,
        DARK_GREY,
        PAGE_WIDTH - SCAN_MARGIN - page_width,
        FOOTER_BASELINE,
        &page,
    );
}

fn draw_centred(
    surface: &mut Surface<'_>,
    face: &Face,
    size: f32,
    color: (u8, u8, u8),
    baseline: f32,
    text: &str,
) {
    let x = (PAGE_WIDTH - face.width(text, size)) / 2.0;
    draw_text(surface, face, size, color, x, baseline, text);
}

pub(crate) fn draw_text(
    surface: &mut Surface<'_>,
    face: &Face,
    size: f32,
    color: (u8, u8, u8),
    x: f32,
    baseline: f32,
    text: &str,
) {
    if text.is_empty() {
        return;
    }
    surface.set_fill(Some(solid(color, 1.0)));
    surface.set_stroke(None);
    surface.draw_text(
        Point::from_xy(x, baseline),
        face.font.clone(),
        size,
        text,
        false,
        TextDirection::Auto,
    );
}

/// The thin grey rule across the certificate above the table row at `row_top` (and under the
/// table's last row).
fn table_rule(surface: &mut Surface<'_>, row_top: f32) {
    draw_rule(
        surface,
        CERT_MARGIN,
        PAGE_WIDTH - CERT_MARGIN,
        row_top - 8.0,
        0.5,
        RULE_GREY,
    );
}

pub(crate) fn draw_rule(
    surface: &mut Surface<'_>,
    x1: f32,
    x2: f32,
    y: f32,
    width: f32,
    color: (u8, u8, u8),
) {
    let mut builder = PathBuilder::new();
    builder.move_to(x1, y);
    builder.line_to(x2, y);
    stroke_path(surface, builder, width, color);
}

fn stroke_rect(
    surface: &mut Surface<'_>,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    line: f32,
    color: (u8, u8, u8),
) {
    stroke_path(surface, rect_path(x, y, width, height), line, color);
}

fn fill_rect(
    surface: &mut Surface<'_>,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    color: (u8, u8, u8),
) {
    fill_path(surface, rect_path(x, y, width, height), color);
}

/// Fills the path `builder` holds, if any, in opaque `color`, unstroked.
fn fill_path(surface: &mut Surface<'_>, builder: PathBuilder, color: (u8, u8, u8)) {
    if let Some(path) = builder.finish() {
        surface.set_fill(Some(solid(color, 1.0)));
        surface.set_stroke(None);
        surface.draw_path(&path);
    }
}

/// A path holding the rectangle, if it is one (an empty path otherwise).
fn rect_path(x: f32, y: f32, width: f32, height: f32) -> PathBuilder {
    let mut builder = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, width, height) {
        builder.push_rect(rect);
    }
    builder
}

/// Strokes the path `builder` holds, if any, `width` wide in `color`, unfilled; the stroke is
/// reset after.
fn stroke_path(surface: &mut Surface<'_>, builder: PathBuilder, width: f32, color: (u8, u8, u8)) {
    if let Some(path) = builder.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(color, width)));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

fn solid((red, green, blue): (u8, u8, u8), opacity: f32) -> Fill {
    Fill {
        paint: rgb::Color::new(red, green, blue).into(),
        opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
        rule: Default::default(),
    }
}

fn stroke((red, green, blue): (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(red, green, blue).into(),
        width,
        ..Default::default()
    }
}
