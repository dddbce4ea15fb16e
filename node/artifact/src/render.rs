//! Builds the unsealed PDF/A-3b document with krilla: document settings and
//! metadata, one page per scan, the certification page and the embedded
//! metadata file. [`crate::seal`] then appends the seal to these bytes.

use std::num::NonZeroU64;

use krilla::Document;
use krilla::SerializeSettings;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::error::KrillaError;
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;

use crate::error::RenderError;
use crate::fonts::Fonts;
use crate::layout::{self, PAGE_HEIGHT, PAGE_WIDTH};
use crate::qr::qr_matrix;
use crate::{ArtifactContent, PageImageFormat, embed};

/// The document language written to the catalog and the XMP metadata.
pub const DOCUMENT_LANGUAGE: &str = "vi";

/// Renders `content` to PDF/A-3b bytes, without the seal.
pub(crate) fn render_unsealed_pdf(content: &ArtifactContent) -> Result<Vec<u8>, RenderError> {
    if content.pages.is_empty() {
        return Err(RenderError::NoPages);
    }
    let fonts = Fonts::load()?;
    let qr = qr_matrix(&content.qr_text)?;
    let created_at = pdf_date(content.created_at)?;

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .finish()
        .map_err(|error| RenderError::Pdf(format!("PDF/A-3b configuration: {error:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);

    let page_count = content.pages.len() + 1;
    let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| RenderError::Pdf("invalid A4 page size".into()))?;
    for (index, page_image) in content.pages.iter().enumerate() {
        let page_number = index + 1;
        let data = page_image.bytes.clone().into();
        let image = match page_image.format {
            PageImageFormat::Png => Image::from_png(data, false),
            PageImageFormat::Jpeg => Image::from_jpeg(data, false),
        }
        .map_err(|reason| RenderError::PageImage {
            page_number,
            format: page_image.format,
            reason,
        })?;
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        // The location lets a decoding error found at `finish` name its page.
        if let Some(location) = NonZeroU64::new(page_number as u64) {
            surface.set_location(location);
        }
        layout::draw_scan_page(
            &mut surface,
            &fonts,
            image,
            page_number,
            page_count,
            &content.copy_id,
        );
        surface.reset_location();
        surface.finish();
        page.finish();
    }

    {
        let mut page = document.start_page_with(page_settings);
        let mut surface = page.surface();
        layout::draw_certification_page(
            &mut surface,
            &fonts,
            content,
            &qr,
            page_count,
            page_count,
        )?;
        surface.finish();
        page.finish();
    }

    document.set_metadata(
        Metadata::new()
            .title(format!(
                "Bản sao điện tử {} — {}",
                content.copy_id, content.document_type_label
            ))
            .description(format!(
                "{} · {}",
                layout::STATEMENT_VI,
                layout::STATEMENT_EN
            ))
            .language(DOCUMENT_LANGUAGE.to_string())
            .creator("bansao".to_string())
            .creation_date(created_at)
            .document_id(content.copy_id.clone()),
    );
    document
        .embed_file(embed::metadata_file(&content.metadata_cbor, created_at))
        .ok_or_else(|| RenderError::Pdf("the metadata file was embedded twice".into()))?;
    for (index, page_image) in content.pages.iter().enumerate() {
        document
            .embed_file(embed::scan_file(index + 1, page_image, created_at))
            .ok_or_else(|| RenderError::Pdf("a scan was embedded twice".into()))?;
    }

    document
        .finish()
        .map_err(|error| krilla_error(error, content))
}

/// Converts an offset date-time to krilla's PDF date (year 0 to 9999).
pub(crate) fn pdf_date(at: time::OffsetDateTime) -> Result<DateTime, RenderError> {
    let year = u16::try_from(at.year())
        .ok()
        .filter(|year| *year <= 9999)
        .ok_or(RenderError::CreationDate(at))?;
    let offset = at.offset();
    Ok(DateTime::new(year)
        .month(u8::from(at.month()))
        .day(at.day())
        .hour(at.hour())
        .minute(at.minute())
        .second(at.second())
        .utc_offset_hour(offset.whole_hours())
        .utc_offset_minute(offset.minutes_past_hour().unsigned_abs()))
}

fn krilla_error(error: KrillaError, content: &ArtifactContent) -> RenderError {
    match error {
        KrillaError::Image(_, location, reason) => {
            let page_number = location.map_or(0, |location| location.get() as usize);
            let format = content
                .pages
                .get(page_number.wrapping_sub(1))
                .map_or(PageImageFormat::Png, |page| page.format);
            RenderError::PageImage {
                page_number,
                format,
                reason,
            }
        }
        KrillaError::Validation(errors) => RenderError::Pdf(format!(
            "PDF/A-3b validation failed: {:?}",
            errors.iter().map(|(error, _)| error).collect::<Vec<_>>()
        )),
        other => RenderError::Pdf(other.to_string()),
    }
}
