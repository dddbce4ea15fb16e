//! A report as a PDF/A-3b file of tables: the ward's close of day ("sổ cuối ngày"), set in the
//! same embedded DejaVu Sans as the copies, A4, as many pages as the rows need. Not sealed: a
//! report is the ward's own paper, not a certified copy.

use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};

use crate::error::RenderError;
use crate::fonts::Fonts;
use crate::layout::{PAGE_HEIGHT, PAGE_WIDTH, draw_rule, draw_text};
use crate::render::{DOCUMENT_LANGUAGE, pdf_date};

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTable {
    /// Its heading.
    pub title: String,
    /// The column headings.
    pub columns: Vec<String>,
    /// The rows, one cell a column.
    pub rows: Vec<Vec<String>>,
}

/// What a report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportContent {
    /// The title (e.g. the commune and the day).
    pub title: String,
    /// A line under it.
    pub subtitle: String,
    /// The tables, in order.
    pub tables: Vec<ReportTable>,
    /// When it was made.
    pub created_at: time::OffsetDateTime,
}

const MARGIN: f32 = 48.0;
const BOTTOM: f32 = PAGE_HEIGHT - 48.0;
const TITLE_SIZE: f32 = 15.0;
const HEADING_SIZE: f32 = 11.5;
const CELL_SIZE: f32 = 8.5;
const CELL_LINE: f32 = 11.0;
const INK: (u8, u8, u8) = (0, 0, 0);
const GREY: (u8, u8, u8) = (90, 90, 90);
const RULE: (u8, u8, u8) = (170, 170, 170);

/// Renders `report` as a PDF/A-3b file.
pub fn render_report_pdf(report: &ReportContent) -> Result<Vec<u8>, RenderError> {
    let fonts = Fonts::load()?;
    let created_at = pdf_date(report.created_at)?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .finish()
        .map_err(|error| RenderError::Pdf(format!("PDF/A-3b configuration: {error:?}")))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| RenderError::Pdf("invalid A4 page size".into()))?;

    // Lay every line out first, then draw them page by page.
    let mut lines: Vec<Line> = vec![
        Line::Title(report.title.clone()),
        Line::Subtitle(report.subtitle.clone()),
    ];
    for table in &report.tables {
        lines.push(Line::Heading(table.title.clone()));
        lines.push(Line::Row {
            cells: table.columns.clone(),
            bold: true,
        });
        for row in &table.rows {
            lines.push(Line::Row {
                cells: row.clone(),
                bold: false,
            });
        }
    }
    let mut pages: Vec<Vec<(f32, Line)>> = vec![Vec::new()];
    let mut y = MARGIN;
    for line in lines {
        let height = line.height(&fonts);
        if y + height > BOTTOM {
            pages.push(Vec::new());
            y = MARGIN;
        }
        if let Some(page) = pages.last_mut() {
            page.push((y, line));
        }
        y += height;
    }
    let page_count = pages.len();
    for (index, page_lines) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for (top, line) in &page_lines {
            line.draw(&mut surface, &fonts, *top);
        }
        let footer = format!("{} · {}/{}", report.title, index + 1, page_count);
        draw_text(
            &mut surface,
            &fonts.regular,
            7.5,
            GREY,
            MARGIN,
            PAGE_HEIGHT - 24.0,
            &fonts.regular.drawable(&footer),
        );
        surface.finish();
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(report.title.clone())
            .description(report.subtitle.clone())
            .language(DOCUMENT_LANGUAGE.to_string())
            .creator("bansao".to_string())
            .creation_date(created_at),
    );
    document
        .finish()
        .map_err(|error| RenderError::Pdf(format!("{error:?}")))
}

enum Line {
    Title(String),
    Subtitle(String),
    Heading(String),
    Row { cells: Vec<String>, bold: bool },
}

impl Line {
    fn column_width(cells: usize) -> f32 {
        (PAGE_WIDTH - 2.0 * MARGIN) / cells.max(1) as f32
    }

    fn wrapped(fonts: &Fonts, cells: &[String], bold: bool) -> Vec<Vec<String>> {
        let face = if bold { &fonts.bold } else { &fonts.regular };
        let width = Line::column_width(cells.len()) - 6.0;
        cells
            .iter()
            .map(|cell| face.wrap(&face.drawable(cell), CELL_SIZE, width))
            .collect()
    }

    fn height(&self, fonts: &Fonts) -> f32 {
        match self {
            Line::Title(_) => TITLE_SIZE + 8.0,
            Line::Subtitle(_) => 18.0,
            Line::Heading(_) => HEADING_SIZE + 14.0,
            Line::Row { cells, bold } => {
                let tallest = Line::wrapped(fonts, cells, *bold)
                    .iter()
                    .map(Vec::len)
                    .max()
                    .unwrap_or(1);
                tallest as f32 * CELL_LINE + 5.0
            }
        }
    }

    fn draw(&self, surface: &mut krilla::surface::Surface<'_>, fonts: &Fonts, top: f32) {
        match self {
            Line::Title(text) => draw_text(
                surface,
                &fonts.bold,
                TITLE_SIZE,
                INK,
                MARGIN,
                top + TITLE_SIZE,
                &fonts.bold.drawable(text),
            ),
            Line::Subtitle(text) => draw_text(
                surface,
                &fonts.regular,
                9.5,
                GREY,
                MARGIN,
                top + 11.0,
                &fonts.regular.drawable(text),
            ),
            Line::Heading(text) => draw_text(
                surface,
                &fonts.bold,
                HEADING_SIZE,
                INK,
                MARGIN,
                top + HEADING_SIZE + 8.0,
                &fonts.bold.drawable(text),
            ),
            Line::Row { cells, bold } => {
                let face = if *bold { &fonts.bold } else { &fonts.regular };
                let width = Line::column_width(cells.len());
                for (column, lines) in Line::wrapped(fonts, cells, *bold).iter().enumerate() {
                    for (n, text) in lines.iter().enumerate() {
                        draw_text(
                            surface,
                            face,
                            CELL_SIZE,
                            INK,
                            MARGIN + column as f32 * width,
                            top + CELL_SIZE + n as f32 * CELL_LINE,
                            text,
                        );
                    }
                }
                let bottom = top + self.height(fonts) - 2.0;
                draw_rule(surface, MARGIN, PAGE_WIDTH - MARGIN, bottom, 0.4, RULE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(rows: usize) -> ReportContent {
        ReportContent {
            title: "Xã Tân Lập — cuối ngày 2026-12-02".to_owned(),
            subtitle: "Sổ chứng thực bản sao (close of day)".to_owned(),
            tables: vec![ReportTable {
                title: "Theo ki-ốt (per kiosk)".to_owned(),
                columns: vec!["Ki-ốt".to_owned(), "Đã cấp".to_owned(), "Lệ phí".to_owned()],
                rows: (0..rows)
                    .map(|n| {
                        vec![
                            format!("KIOSK-TANLAP-{n:02}"),
                            n.to_string(),
                            "2.000".to_owned(),
                        ]
                    })
                    .collect(),
            }],
            created_at: time::macros::datetime!(2026-12-02 10:00 UTC),
        }
    }

    #[test]
    fn a_report_is_a_pdf_and_long_tables_take_more_pages() {
        let short = render_report_pdf(&report(3)).unwrap();
        assert!(short.starts_with(b"%PDF-"));
        let long = render_report_pdf(&report(200)).unwrap();
        let pages = |bytes: &[u8]| lopdf::Document::load_mem(bytes).unwrap().get_pages().len();
        assert_eq!(pages(&short), 1);
        assert!(pages(&long) > 2, "{}", pages(&long));
    }
}
