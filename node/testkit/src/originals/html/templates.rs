//! The `html` originals' documents: for every kind several layouts, with the wordings of the
//! official forms as a commune office or school prints them, and what must be read from them.
//!
//! A document is first described ([`Doc`]: header, title, labelled items, footer), then laid
//! out by one of the generic layouts — `lines` ("label: value", several per line, sometimes on
//! dotted leaders), `boxed` (label above value in ruled boxes), `table` (a label | value table) —
//! or by its own (the marriage certificate's husband | wife columns, identity cards, diplomas'
//! frames). Every item says whether and under which canonical key a careful person would copy
//! its value, and in which normal form.
//!
//! Then come the originals that must be refused (secrecy stamps, "không được sao chụp", pages
//! blacked out) and the ordinary ones that only look risky ("mặt trước", "Mặt hàng", "MẶT BẰNG",
//! "Mật độ xây dựng", "SAO Y BẢN CHÍNH", "Không được tẩy xóa").

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bansao_copy::DocumentType;
use unicode_normalization::UnicodeNormalization;

use super::fonts::Font;
use super::values::{self, Commune, Date, Person, capitalise};
use super::{DAMAGES, Rng};
use crate::originals::Damage;

const PAGE_CSS: &str = include_str!("page.css");
/// Once the fonts are in, shrinks a page's content that runs past the sheet's bottom margin to
/// fit (the way an office prints a long form on one sheet); stamps and bars are not moved.
const FIT_SCRIPT: &str = "window.addEventListener('load',function(){var b=document.querySelector('.body');\
var r=b.getBoundingClientRect(),top=r.top,bottom=r.bottom,limit=3508-150;\
if(bottom>limit){var s=(limit-top)/(bottom-top);b.style.transformOrigin='top left';\
b.style.transform='scale('+s+')';b.style.width=(100/s)+'%';}});";

/// One original before rendering.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) name: String,
    pub(crate) layout: String,
    pub(crate) font: &'static str,
    pub(crate) damage: Damage,
    pub(crate) rotation: u16,
    pub(crate) kind: DocumentType,
    pub(crate) fields: BTreeMap<String, String>,
    pub(crate) must_refuse: bool,
    pub(crate) html: String,
    pub(crate) seed: u64,
    /// Kept out of any tuning: see [`held_out`].
    pub(crate) held_out: bool,
}

/// The families no tuning ever sees (a serif and the condensed sans); the others' originals
/// are split in two by their place in the plan, every second one held out.
const HELD_OUT_FONTS: [&str; 2] = ["free-serif", "roboto-condensed"];

/// Whether the `index`th original, in `font`, is held out of tuning: every original in a
/// held-out family, and every second one in the others, so the held-out part has fonts the
/// tuning never saw and instances of every layout it did.
fn held_out(font: &str, index: usize) -> bool {
    HELD_OUT_FONTS.contains(&font) || index % 2 == 1
}

/// The normal form of an expected value: NFC, single spaces, trimmed.
fn normal(text: &str) -> String {
    let composed: String = text.nfc().collect();
    composed.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One labelled value on the page.
#[derive(Debug, Clone)]
struct Item {
    label: String,
    shown: String,
    key: Option<&'static str>,
    expected: String,
    hand: bool,
    /// Printed in the body weight, not bold.
    plain: bool,
}

/// Shown only: nobody copies it under a canonical key.
fn show(label: &str, value: &str) -> Item {
    Item {
        label: label.to_owned(),
        shown: value.to_owned(),
        key: None,
        expected: String::new(),
        hand: false,
        plain: false,
    }
}

/// Shown and copied as printed.
fn field(label: &str, key: &'static str, value: &str) -> Item {
    Item {
        key: Some(key),
        expected: normal(value),
        ..show(label, value)
    }
}

/// Shown as `printed`, copied as `expected` (a date in words, say).
fn field_as(label: &str, key: &'static str, printed: &str, expected: &str) -> Item {
    Item {
        key: Some(key),
        expected: normal(expected),
        ..show(label, printed)
    }
}

/// A date printed one of the ways papers print it, copied as `DD/MM/YYYY`.
fn date_field(label: &str, key: &'static str, date: Date, rng: &mut Rng) -> Item {
    field_as(label, key, &date.printed(rng), &date.normal())
}

#[derive(Debug, Clone, Default)]
struct Section {
    heading: Option<String>,
    rows: Vec<Vec<Item>>,
}

/// The husband | wife part of a marriage certificate: a shared label, then each side's item.
#[derive(Debug, Clone)]
struct Sides {
    heads: (String, String),
    rows: Vec<(String, Item, Item)>,
}

/// Something drawn over the page.
#[derive(Debug, Clone)]
enum Overlay {
    /// A secrecy or no-copy stamp: text, left, top (px), font size (px), angle, style class.
    Stamp {
        text: String,
        left: i64,
        top: i64,
        size: i64,
        angle: f64,
        class: &'static str,
    },
    /// Black bars over most of the page and the whole page smeared.
    Blackout,
}

#[derive(Debug, Clone)]
struct Doc {
    kind: DocumentType,
    /// The issuing authority's lines, top left; empty for a centred national header.
    authority: Vec<String>,
    /// Under the authority: "Số: …", "Quyển số: …".
    numbers: Vec<Item>,
    title: Vec<String>,
    subtitle: Vec<String>,
    sections: Vec<Section>,
    sides: Option<Sides>,
    /// Raw HTML after the items (a score table, a land map).
    after: String,
    place_date: String,
    signer_title: Vec<String>,
    signer_hint: Option<String>,
    signer_name: String,
    /// Small print at the bottom.
    notes: Vec<String>,
    /// Left of the signature (a diploma's numbers, say).
    footer_left: Vec<Item>,
    seal_text: (String, String),
    diploma: bool,
    overlays: Vec<Overlay>,
    font_size: i64,
}

impl Doc {
    fn new(kind: DocumentType, commune: &Commune, rng: &mut Rng) -> Doc {
        Doc {
            kind,
            authority: vec!["ỦY BAN NHÂN DÂN".to_owned(), commune.upper()],
            numbers: Vec::new(),
            title: Vec::new(),
            subtitle: Vec::new(),
            sections: Vec::new(),
            sides: None,
            after: String::new(),
            place_date: String::new(),
            signer_title: vec!["TM. ỦY BAN NHÂN DÂN".to_owned(), "CHỦ TỊCH".to_owned()],
            signer_hint: None,
            signer_name: values::signer(rng),
            notes: Vec::new(),
            footer_left: Vec::new(),
            seal_text: (
                format!("ỦY BAN NHÂN DÂN {}", commune.upper()),
                commune.district.to_uppercase(),
            ),
            diploma: false,
            overlays: Vec::new(),
            font_size: rng.range(48, 56),
        }
    }

    fn section(&mut self, heading: Option<&str>, rows: Vec<Vec<Item>>) {
        self.sections.push(Section {
            heading: heading.map(str::to_owned),
            rows,
        });
    }

    fn items(&self) -> impl Iterator<Item = &Item> {
        self.numbers
            .iter()
            .chain(self.sections.iter().flat_map(|s| s.rows.iter().flatten()))
            .chain(
                self.sides
                    .iter()
                    .flat_map(|sides| sides.rows.iter().flat_map(|(_, h, w)| [h, w])),
            )
            .chain(self.footer_left.iter())
    }

    fn fields(&self) -> BTreeMap<String, String> {
        self.items()
            .filter_map(|item| item.key.map(|key| (key.to_owned(), item.expected.clone())))
            .collect()
    }

    /// Marks the values of some items as written by hand.
    fn by_hand(&mut self, rng: &mut Rng) {
        for section in &mut self.sections {
            for item in section.rows.iter_mut().flatten() {
                if rng.chance(0.7) {
                    item.hand = true;
                }
            }
        }
    }
}

/// The layouts every generic document can be drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Lines,
    Boxed,
    Table,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Lines => "lines",
            Layout::Boxed => "boxed",
            Layout::Table => "table",
        }
    }
}

const LAYOUTS: [Layout; 3] = [Layout::Lines, Layout::Boxed, Layout::Table];

// ---------------------------------------------------------------------------------------------
// Drawing.

fn value_html(item: &Item, rng: &mut Rng) -> String {
    let class = if item.plain { "v plain" } else { "v" };
    if item.hand {
        let mut html = format!("<span class=\"{class} hand\">");
        for ch in item.shown.chars() {
            if ch == ' ' {
                html.push(' ');
            } else {
                let _ = write!(
                    html,
                    "<span style=\"transform:translateY({:.1}px) rotate({:.1}deg);font-size:{:.0}%\">{}</span>",
                    rng.float(-5.0, 5.0),
                    rng.float(-6.0, 6.0),
                    rng.float(92.0, 110.0),
                    esc(&ch.to_string())
                );
            }
        }
        html.push_str("</span>");
        html
    } else {
        format!("<span class=\"{class}\">{}</span>", esc(&item.shown))
    }
}

fn label_html(label: &str) -> String {
    format!("<span class=\"lb\">{}</span>", esc(label))
}

/// `label: value` with the colon the label already carries, or one added.
fn inline_item(item: &Item, rng: &mut Rng) -> String {
    if item.label.is_empty() {
        return value_html(item, rng);
    }
    let label = if item.label.ends_with(':') {
        item.label.clone()
    } else {
        format!("{}:", item.label)
    };
    format!("{} {}", label_html(&label), value_html(item, rng))
}

fn bare(label: &str) -> String {
    label.trim_end_matches(':').trim().to_owned()
}

fn draw_rows_lines(rows: &[Vec<Item>], rng: &mut Rng, html: &mut String) {
    for row in rows {
        html.push_str("<div class=\"row\">");
        let grow = row.len() == 1;
        for item in row {
            let class = if grow { "it grow" } else { "it" };
            let _ = write!(
                html,
                "<span class=\"{class}\">{}</span>",
                inline_item(item, rng)
            );
        }
        html.push_str("</div>");
    }
}

fn draw_rows_boxed(rows: &[Vec<Item>], rng: &mut Rng, html: &mut String) {
    html.push_str("<div>");
    for row in rows {
        html.push_str("<div class=\"grid\">");
        for item in row {
            let _ = write!(
                html,
                "<div class=\"cell\"><div class=\"lbs\">{}</div>{}</div>",
                esc(&bare(&item.label)),
                value_html(item, rng)
            );
        }
        html.push_str("</div>");
    }
    html.push_str("</div>");
}

fn draw_rows_table(rows: &[Vec<Item>], rng: &mut Rng, html: &mut String) {
    html.push_str("<table class=\"kv\">");
    for item in rows.iter().flatten() {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&bare(&item.label)),
            value_html(item, rng)
        );
    }
    html.push_str("</table>");
}

fn draw_sides(sides: &Sides, layout: Layout, rng: &mut Rng, html: &mut String) {
    match layout {
        Layout::Lines => {
            // Two columns, each side with its own labels, as the certificate prints them.
            html.push_str("<div class=\"columns\">");
            for husband in [true, false] {
                html.push_str("<div>");
                let _ = write!(
                    html,
                    "<div class=\"colhead\">{}</div>",
                    esc(if husband {
                        &sides.heads.0
                    } else {
                        &sides.heads.1
                    })
                );
                for (_, h, w) in &sides.rows {
                    let item = if husband { h } else { w };
                    let _ = write!(html, "<div>{}</div>", inline_item(item, rng));
                }
                html.push_str("</div>");
            }
            html.push_str("</div>");
        }
        Layout::Table => {
            let _ = write!(
                html,
                "<table class=\"kv\"><tr><th></th><th style=\"text-align:center;font-weight:700\">{}</th>\
                 <th style=\"text-align:center;font-weight:700\">{}</th></tr>",
                esc(&sides.heads.0),
                esc(&sides.heads.1)
            );
            for (label, h, w) in &sides.rows {
                let _ = write!(
                    html,
                    "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
                    esc(label),
                    value_html(h, rng),
                    value_html(w, rng)
                );
            }
            html.push_str("</table>");
        }
        Layout::Boxed => {
            // One side after the other, each under its heading, labels above values.
            for husband in [true, false] {
                let _ = write!(
                    html,
                    "<div class=\"section-head\">{}</div>",
                    esc(if husband {
                        &sides.heads.0
                    } else {
                        &sides.heads.1
                    })
                );
                let rows: Vec<Vec<Item>> = sides
                    .rows
                    .chunks(2)
                    .map(|pair| {
                        pair.iter()
                            .map(|(_, h, w)| if husband { h.clone() } else { w.clone() })
                            .collect()
                    })
                    .collect();
                draw_rows_boxed(&rows, rng, html);
            }
        }
    }
}

fn seal_svg(doc: &Doc, left: i64, top: i64, rng: &mut Rng) -> String {
    let id = rng.next_u64() % 1_000_000;
    let angle = rng.float(-30.0, 30.0);
    let ring = format!("{} ★ {} ★", doc.seal_text.0, doc.seal_text.1);
    let letters = ring.chars().count().max(1) as f64;
    let size = (1120.0 / letters * 1.45).clamp(22.0, 44.0);
    format!(
        "<svg class=\"seal\" width=\"480\" height=\"480\" viewBox=\"0 0 480 480\" \
         style=\"left:{left}px;top:{top}px;transform:rotate({angle:.1}deg)\">\
         <defs><path id=\"ring{id}\" d=\"M 240,240 m -182,0 a 182,182 0 1,1 364,0 a 182,182 0 1,1 -364,0\"/></defs>\
         <circle cx=\"240\" cy=\"240\" r=\"228\" fill=\"none\" stroke=\"#cc1a24\" stroke-width=\"12\"/>\
         <circle cx=\"240\" cy=\"240\" r=\"142\" fill=\"none\" stroke=\"#cc1a24\" stroke-width=\"5\"/>\
         <text font-family=\"Doc\" font-weight=\"700\" font-size=\"{size:.0}\" fill=\"#cc1a24\">\
         <textPath href=\"#ring{id}\" textLength=\"1120\">{}</textPath></text>\
         <polygon fill=\"#cc1a24\" points=\"240,130 266,206 346,206 282,252 306,330 240,282 174,330 198,252 134,206 214,206\"/>\
         </svg>",
        esc(&ring)
    )
}

fn scrawl_svg(rng: &mut Rng) -> String {
    let mut path = format!("M 10 {}", rng.range(60, 100));
    for step in 1..9 {
        let _ = write!(
            path,
            " Q {} {} {} {}",
            step * 48 - 20,
            rng.range(0, 150),
            step * 48,
            rng.range(40, 120)
        );
    }
    format!(
        "<svg class=\"scrawl\" width=\"460\" height=\"170\"><path d=\"{path}\" fill=\"none\" \
         stroke=\"#1b2a8a\" stroke-width=\"6\" stroke-linecap=\"round\"/></svg>"
    )
}

/// The whole page's HTML for a generic document.
fn draw(doc: &Doc, layout: Layout, font: &Font, rng: &mut Rng) -> String {
    let mut body = String::new();
    if doc.diploma {
        body.push_str("<div class=\"frame\"></div><div class=\"frame inner\"></div>");
    }
    // The header.
    if doc.authority.is_empty() {
        body.push_str("<div class=\"hdr centered\"><div class=\"nat\">");
    } else {
        body.push_str("<div class=\"hdr\"><div class=\"auth\">");
        for (index, line) in doc.authority.iter().enumerate() {
            let bold = index + 1 == doc.authority.len();
            let _ = write!(
                body,
                "<div{}>{}</div>",
                if bold { " class=\"b\"" } else { "" },
                esc(line)
            );
        }
        body.push_str("<div class=\"rule\" style=\"width:40%\"></div>");
        if !doc.numbers.is_empty() {
            body.push_str("<div class=\"numbers\">");
            for item in &doc.numbers {
                let _ = write!(body, "<div>{}</div>", inline_item(item, rng));
            }
            body.push_str("</div>");
        }
        body.push_str("</div><div class=\"nat\">");
    }
    body.push_str(
        "<div class=\"b\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>\
         <div class=\"b\">Độc lập - Tự do - Hạnh phúc</div><div class=\"rule\"></div></div></div>",
    );
    if doc.authority.is_empty() && !doc.numbers.is_empty() {
        body.push_str("<div class=\"numbers\">");
        for item in &doc.numbers {
            let _ = write!(body, "<div>{}</div>", inline_item(item, rng));
        }
        body.push_str("</div>");
    }
    let _ = write!(
        body,
        "<div class=\"title\" style=\"font-size:{}px\">{}</div>",
        doc.font_size * 3 / 2,
        doc.title
            .iter()
            .map(|l| esc(l))
            .collect::<Vec<_>>()
            .join("<br>")
    );
    if !doc.subtitle.is_empty() {
        let _ = write!(
            body,
            "<div class=\"subtitle\">{}</div>",
            doc.subtitle
                .iter()
                .map(|l| esc(l))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    } else {
        body.push_str("<div style=\"height:40px\"></div>");
    }
    let dots = layout == Layout::Lines && rng.chance(0.4);
    let _ = write!(
        body,
        "<div class=\"content{}\" style=\"line-height:{:.2}\">",
        if dots { " dots" } else { "" },
        rng.float(1.45, 1.75)
    );
    for section in &doc.sections {
        if let Some(heading) = &section.heading {
            let _ = write!(body, "<div class=\"section-head\">{}</div>", esc(heading));
        }
        match layout {
            Layout::Lines => draw_rows_lines(&section.rows, rng, &mut body),
            Layout::Boxed => draw_rows_boxed(&section.rows, rng, &mut body),
            Layout::Table => draw_rows_table(&section.rows, rng, &mut body),
        }
        if let (Some(sides), true) = (&doc.sides, section.heading.is_none()) {
            draw_sides(sides, layout, rng, &mut body);
        }
    }
    body.push_str(&doc.after);
    body.push_str("</div>");
    // The footer: numbers on the left, the signature on the right, the seal over it.
    body.push_str("<div class=\"footer\"><div class=\"left\">");
    for item in &doc.footer_left {
        let _ = write!(body, "<div>{}</div>", inline_item(item, rng));
    }
    body.push_str("</div><div class=\"sign\">");
    if !doc.place_date.is_empty() {
        let _ = write!(body, "<div class=\"place\">{}</div>", esc(&doc.place_date));
    }
    for line in &doc.signer_title {
        let _ = write!(body, "<div class=\"who\">{}</div>", esc(line));
    }
    if let Some(hint) = &doc.signer_hint {
        let _ = write!(body, "<div class=\"hint\">{}</div>", esc(hint));
    }
    body.push_str(&scrawl_svg(rng));
    let over_values = rng.chance(0.25);
    let (left, top) = if over_values {
        (rng.range(-700, -450), rng.range(-330, -200))
    } else {
        (rng.range(-170, -60), rng.range(40, 140))
    };
    body.push_str(&seal_svg(doc, left, top, rng));
    let _ = write!(
        body,
        "<div class=\"name\">{}</div></div></div>",
        esc(&doc.signer_name)
    );
    if !doc.notes.is_empty() {
        let _ = write!(
            body,
            "<div class=\"notes\">{}</div>",
            doc.notes
                .iter()
                .map(|l| esc(l))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    let overlays = draw_overlays(&doc.overlays, rng);
    page(
        font,
        &body,
        &overlays,
        doc.font_size,
        doc.diploma,
        doc.overlays.iter().any(|o| matches!(o, Overlay::Blackout)),
    )
}

fn draw_overlays(overlays: &[Overlay], rng: &mut Rng) -> String {
    let mut html = String::new();
    for overlay in overlays {
        match overlay {
            Overlay::Stamp {
                text,
                left,
                top,
                size,
                angle,
                class,
            } => {
                let _ = write!(
                    html,
                    "<div class=\"stamp {class}\" style=\"left:{left}px;top:{top}px;font-size:{size}px;\
                     transform:rotate({angle:.1}deg)\">{}</div>",
                    text.split('\n').map(esc).collect::<Vec<_>>().join("<br>")
                );
            }
            Overlay::Blackout => {
                let mut top = 150;
                while top < 3300 {
                    let height = rng.range(60, 160);
                    let left = rng.range(100, 400);
                    let width = rng.range(1500, 2200);
                    let _ = write!(
                        html,
                        "<div class=\"blackout\" style=\"left:{left}px;top:{top}px;width:{width}px;\
                         height:{height}px;opacity:{:.2}\"></div>",
                        rng.float(0.85, 1.0)
                    );
                    top += height + rng.range(0, 40);
                }
            }
        }
    }
    html
}

fn page(
    font: &Font,
    body: &str,
    overlays: &str,
    font_size: i64,
    diploma: bool,
    smeared: bool,
) -> String {
    let mut classes = String::from("page");
    if diploma {
        classes.push_str(" diploma");
    }
    let smear = if smeared { " smear" } else { "" };
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><style>{}{PAGE_CSS}</style></head>\
         <body><div class=\"{classes}\" style=\"font-size:{font_size}px\"><div class=\"body{smear}\">{body}</div>{overlays}</div>\
         <script>{FIT_SCRIPT}</script></body></html>",
        font.css()
    )
}

// ---------------------------------------------------------------------------------------------
// The documents.

fn registration_numbers(doc: &mut Doc, rng: &mut Rng, year: i64, suffix: &str) {
    let number = rng.range(1, 240).to_string();
    let book = format!("{:02}/{year}", rng.range(1, 3));
    let style = rng.below(3);
    let shown_number = match style {
        0 => format!("{number}/{suffix}"),
        _ => number.clone(),
    };
    doc.numbers.push(field("Số:", "so", &shown_number));
    if style != 2 {
        doc.numbers.push(field("Quyển số:", "quyen_so", &book));
    }
}

fn birth_certificate(rng: &mut Rng) -> Doc {
    let child = Person::any(rng, 0.5, 2004, 2023);
    let registered = child.born.plus_days(rng.range(3, 55));
    let commune = child.home;
    let mut doc = Doc::new(DocumentType::BirthCertificate, &commune, rng);
    registration_numbers(&mut doc, rng, registered.year, "KS");
    let extract = rng.chance(0.3);
    doc.title = if extract {
        vec!["TRÍCH LỤC KHAI SINH".to_owned()]
    } else {
        vec!["GIẤY KHAI SINH".to_owned()]
    };
    if rng.chance(0.4) {
        doc.subtitle = vec![if extract {
            "(Bản sao)".to_owned()
        } else {
            "(Bản chính)".to_owned()
        }];
    }
    let name_label = *rng.pick(&["Họ, chữ đệm, tên:", "Họ và tên:", "Họ, chữ đệm và tên:"]);
    let born_label = *rng.pick(&["Ngày, tháng, năm sinh:", "Ngày sinh:"]);
    let mut child_rows = vec![
        vec![field(name_label, "ho_ten", &child.upper())],
        vec![date_field(born_label, "ngay_sinh", child.born, rng)],
    ];
    if rng.chance(0.5) {
        let mut words = show("ghi bằng chữ:", &child.born.in_words());
        words.plain = true;
        child_rows.push(vec![words]);
    }
    child_rows.push(vec![
        field("Giới tính:", "gioi_tinh", child.sex()),
        field("Dân tộc:", "dan_toc", child.ethnic),
        field("Quốc tịch:", "quoc_tich", "Việt Nam"),
    ]);
    let province_name = commune
        .province
        .trim_start_matches("tỉnh ")
        .trim_start_matches("thành phố ");
    let birthplace = if !rng.chance(0.5) {
        format!("Trạm Y tế {}", commune.full())
    } else if commune.hospital.contains(province_name) {
        commune.hospital.to_owned()
    } else {
        format!("{}, {}", commune.hospital, commune.province)
    };
    child_rows.push(vec![field("Nơi sinh:", "noi_sinh", &birthplace)]);
    let origin = values::commune(rng);
    child_rows.push(vec![field("Quê quán:", "que_quan", &origin.full())]);
    if registered.year >= 2016 || rng.chance(0.3) {
        child_rows.push(vec![field(
            "Số định danh cá nhân:",
            "so_dinh_danh",
            &child.id_number,
        )]);
    }
    let mut mother = Person::random(rng, false, child.born.year - 38, child.born.year - 19);
    let mut father = Person::random(rng, true, child.born.year - 42, child.born.year - 20);
    if rng.chance(0.8) {
        mother.ethnic = child.ethnic;
        father.ethnic = child.ethnic;
    }
    let parent_rows = |who: &str, person: &Person, key_name, key_year, rng: &mut Rng| {
        let label = if rng.chance(0.5) {
            format!("Họ, chữ đệm, tên người {who}:")
        } else {
            format!("Họ và tên {who}:")
        };
        vec![
            vec![field(&label, key_name, &person.upper())],
            vec![
                field("Năm sinh:", key_year, &person.born.year.to_string()),
                show("Dân tộc:", person.ethnic),
                show("Quốc tịch:", "Việt Nam"),
            ],
            vec![show("Nơi cư trú:", &child.residence)],
        ]
    };
    let mother_rows = parent_rows("mẹ", &mother, "ho_ten_me", "nam_sinh_me", rng);
    let father_rows = parent_rows("cha", &father, "ho_ten_cha", "nam_sinh_cha", rng);
    doc.section(None, child_rows);
    doc.section(None, mother_rows);
    doc.section(None, father_rows);
    let declarant_rows = vec![
        vec![show("Họ, chữ đệm, tên người đi khai sinh:", &father.name)],
        vec![show(
            "Giấy tờ tùy thân:",
            &format!("Căn cước công dân số {}", father.id_number),
        )],
        vec![field(
            "Nơi đăng ký khai sinh:",
            "noi_dang_ky",
            &commune.people_committee(),
        )],
        vec![date_field(
            rng.pick_str(&["Ngày, tháng, năm đăng ký:", "Ngày đăng ký:"]),
            "ngay_dang_ky",
            registered,
            rng,
        )],
    ];
    doc.section(None, declarant_rows);
    doc.place_date = format!(
        "{}, {}",
        commune.short_capitalised(),
        registered.in_words_numeric()
    );
    if rng.chance(0.5) {
        doc.signer_title = vec!["NGƯỜI KÝ GIẤY KHAI SINH".to_owned()];
        doc.signer_hint = Some("(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)".to_owned());
    }
    if rng.chance(0.2) {
        doc.by_hand(rng);
    }
    doc
}

fn marriage_certificate(rng: &mut Rng) -> Doc {
    let husband = Person::random(rng, true, 1975, 2001);
    let mut wife = Person::random(rng, false, 1978, 2003);
    let commune = husband.home;
    if rng.chance(0.5) {
        wife.residence = husband.residence.clone();
    }
    let registered = Date::random(rng, 2016, 2025);
    let mut doc = Doc::new(DocumentType::MarriageCertificate, &commune, rng);
    registration_numbers(&mut doc, rng, registered.year, "KH");
    doc.title = vec!["GIẤY CHỨNG NHẬN KẾT HÔN".to_owned()];
    let own_labels = rng.chance(0.6);
    let id_as_number = rng.chance(0.6);
    let side = |person: &Person, suffix: &str, rng: &mut Rng| -> Vec<Item> {
        let name_label = if own_labels {
            format!("Họ, chữ đệm, tên {suffix}:")
        } else {
            "Họ, chữ đệm, tên:".to_owned()
        };
        let key = |base: &str| -> &'static str {
            match (base, suffix) {
                ("ho_ten", "chồng") => "ho_ten_chong",
                ("ho_ten", _) => "ho_ten_vo",
                ("ngay_sinh", "chồng") => "ngay_sinh_chong",
                ("ngay_sinh", _) => "ngay_sinh_vo",
                ("dan_toc", "chồng") => "dan_toc_chong",
                ("dan_toc", _) => "dan_toc_vo",
                ("quoc_tich", "chồng") => "quoc_tich_chong",
                ("quoc_tich", _) => "quoc_tich_vo",
                ("noi_cu_tru", "chồng") => "noi_cu_tru_chong",
                ("noi_cu_tru", _) => "noi_cu_tru_vo",
                (_, "chồng") => "so_dinh_danh_chong",
                _ => "so_dinh_danh_vo",
            }
        };
        let mut items = vec![
            field(&name_label, key("ho_ten"), &person.upper()),
            date_field("Ngày, tháng, năm sinh:", key("ngay_sinh"), person.born, rng),
            field("Dân tộc:", key("dan_toc"), person.ethnic),
            field("Quốc tịch:", key("quoc_tich"), "Việt Nam"),
            field("Nơi cư trú:", key("noi_cu_tru"), &person.residence),
        ];
        items.push(if id_as_number {
            field(
                "Số định danh cá nhân:",
                key("so_dinh_danh"),
                &person.id_number,
            )
        } else {
            show(
                "Giấy tờ tùy thân:",
                &format!("Căn cước công dân số {}", person.id_number),
            )
        });
        items
    };
    let husband_items = side(&husband, "chồng", rng);
    let wife_items = side(&wife, "vợ", rng);
    let shared = [
        "Họ, chữ đệm, tên",
        "Ngày, tháng, năm sinh",
        "Dân tộc",
        "Quốc tịch",
        "Nơi cư trú",
        if id_as_number {
            "Số định danh cá nhân"
        } else {
            "Giấy tờ tùy thân"
        },
    ];
    doc.sides = Some(Sides {
        heads: ("Chồng".to_owned(), "Vợ".to_owned()),
        rows: shared
            .iter()
            .zip(husband_items.into_iter().zip(wife_items))
            .map(|(label, (h, w))| ((*label).to_owned(), h, w))
            .collect(),
    });
    doc.section(None, Vec::new());
    doc.section(
        Some(""),
        vec![
            vec![field(
                "Nơi đăng ký:",
                "noi_dang_ky",
                &commune.people_committee(),
            )],
            vec![date_field(
                rng.pick_str(&["Ngày, tháng, năm đăng ký:", "Ngày đăng ký:"]),
                "ngay_dang_ky",
                registered,
                rng,
            )],
        ],
    );
    doc.place_date = format!(
        "{}, {}",
        commune.short_capitalised(),
        registered.in_words_numeric()
    );
    doc.footer_left = vec![show("Chữ ký của chồng", ""), show("Chữ ký của vợ", "")];
    doc
}

fn death_certificate(rng: &mut Rng) -> Doc {
    let male = rng.chance(0.5);
    let person = Person::random(rng, male, 1930, 1975);
    let died = Date::random(rng, 2017, 2025);
    let registered = died.plus_days(rng.range(1, 14));
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::DeathCertificate, &commune, rng);
    registration_numbers(&mut doc, rng, registered.year, "KT");
    doc.title = vec![if rng.chance(0.6) {
        "TRÍCH LỤC KHAI TỬ".to_owned()
    } else {
        "GIẤY CHỨNG TỬ".to_owned()
    }];
    if rng.chance(0.5) {
        doc.subtitle = vec!["(Bản chính)".to_owned()];
    }
    let place = if rng.chance(0.5) {
        format!("Tại nhà, {}", person.residence)
    } else {
        format!("{}, {}", person.home.hospital, person.home.province)
    };
    let cause = *rng.pick(&[
        "Bệnh già",
        "Suy tim",
        "Tai biến mạch máu não",
        "Ung thư phổi",
        "Suy hô hấp",
    ]);
    let died_at = format!(
        "{:02} giờ {:02} phút, {}",
        rng.range(0, 23),
        rng.range(0, 59),
        died.in_words_numeric()
    );
    doc.section(
        None,
        vec![
            vec![field(
                rng.pick_str(&["Họ, chữ đệm, tên:", "Họ và tên người chết:"]),
                "ho_ten",
                &person.upper(),
            )],
            vec![
                date_field("Ngày, tháng, năm sinh:", "ngay_sinh", person.born, rng),
                field("Giới tính:", "gioi_tinh", person.sex()),
            ],
            vec![
                field("Dân tộc:", "dan_toc", person.ethnic),
                field("Quốc tịch:", "quoc_tich", "Việt Nam"),
            ],
            vec![field(
                "Số định danh cá nhân:",
                "so_dinh_danh",
                &person.id_number,
            )],
            vec![field(
                "Nơi cư trú cuối cùng:",
                "noi_cu_tru",
                &person.residence,
            )],
            vec![field_as(
                "Đã chết vào lúc:",
                "ngay_chet",
                &died_at,
                &died.normal(),
            )],
            vec![field("Nơi chết:", "noi_chet", &place)],
            vec![field("Nguyên nhân chết:", "nguyen_nhan_chet", cause)],
        ],
    );
    let declarant = Person::any(rng, 0.5, 1960, 1990);
    doc.section(
        None,
        vec![
            vec![show("Họ, chữ đệm, tên người đi khai tử:", &declarant.name)],
            vec![field(
                "Nơi đăng ký khai tử:",
                "noi_dang_ky",
                &commune.people_committee(),
            )],
            vec![date_field(
                "Ngày, tháng, năm đăng ký:",
                "ngay_dang_ky",
                registered,
                rng,
            )],
        ],
    );
    doc.place_date = format!(
        "{}, {}",
        commune.short_capitalised(),
        registered.in_words_numeric()
    );
    if rng.chance(0.3) {
        doc.by_hand(rng);
    }
    doc
}

const RANKS: &[&str] = &["Xuất sắc", "Giỏi", "Khá", "Trung bình", "Trung bình khá"];

fn high_school_diploma(rng: &mut Rng) -> Doc {
    let person = Person::any(rng, 0.5, 1985, 2006);
    let graduated = person.born.year + 18;
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::HighSchoolDiploma, &commune, rng);
    doc.authority = Vec::new();
    doc.diploma = true;
    doc.font_size = rng.range(56, 64);
    let province = commune
        .province
        .trim_start_matches("tỉnh ")
        .trim_start_matches("thành phố ");
    doc.title = vec![
        "BẰNG TỐT NGHIỆP".to_owned(),
        "TRUNG HỌC PHỔ THÔNG".to_owned(),
    ];
    let issuer = if rng.chance(0.5) {
        format!(
            "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO {}",
            province.to_uppercase()
        )
    } else {
        format!("HIỆU TRƯỞNG TRƯỜNG THPT {}", commune.name.to_uppercase())
    };
    doc.subtitle = vec![
        issuer.clone(),
        "công nhận tốt nghiệp trung học phổ thông".to_owned(),
    ];
    let mut rows = vec![
        vec![field(
            rng.pick_str(&["Họ và tên:", "Cho:", "Họ tên:"]),
            "ho_ten",
            &person.upper(),
        )],
        vec![
            date_field("Ngày sinh:", "ngay_sinh", person.born, rng),
            field("Giới tính:", "gioi_tinh", person.sex()),
        ],
        vec![field("Nơi sinh:", "noi_sinh", province)],
        vec![field("Dân tộc:", "dan_toc", person.ethnic)],
        vec![show("Học sinh trường:", &format!("THPT {}", commune.name))],
        vec![field(
            "Năm tốt nghiệp:",
            "nam_tot_nghiep",
            &graduated.to_string(),
        )],
    ];
    if graduated < 2020 || rng.chance(0.3) {
        rows.push(vec![field(
            "Xếp loại tốt nghiệp:",
            "xep_loai",
            rng.pick_str(RANKS),
        )]);
    }
    doc.section(None, rows);
    let issued = Date {
        year: graduated,
        month: rng.range(7, 9),
        day: rng.range(1, 28),
    };
    doc.place_date = format!("{}, {}", capitalise(province), issued.in_words_numeric());
    doc.signer_title = vec![issuer];
    doc.seal_text = (
        format!("SỞ GIÁO DỤC VÀ ĐÀO TẠO {}", province.to_uppercase()),
        "VIỆT NAM".to_owned(),
    );
    let serial = format!(
        "{}{:07}",
        rng.pick(&["A ", "B", "C ", ""]),
        rng.below(10_000_000)
    );
    doc.footer_left = vec![
        field("Số hiệu:", "so_hieu", &serial),
        field(
            "Số vào sổ cấp bằng:",
            "so_vao_so",
            &format!("{}/THPT-{}", rng.range(100, 9999), graduated),
        ),
    ];
    doc
}

const MAJORS: &[&str] = &[
    "Kế toán",
    "Công nghệ thông tin",
    "Quản trị kinh doanh",
    "Ngôn ngữ Anh",
    "Luật",
    "Sư phạm Toán học",
    "Kỹ thuật xây dựng",
    "Điều dưỡng",
];
const UNIVERSITIES: &[&str] = &[
    "TRƯỜNG ĐẠI HỌC KINH TẾ QUỐC DÂN",
    "TRƯỜNG ĐẠI HỌC BÁCH KHOA HÀ NỘI",
    "TRƯỜNG ĐẠI HỌC CẦN THƠ",
    "TRƯỜNG ĐẠI HỌC SƯ PHẠM HUẾ",
    "TRƯỜNG ĐẠI HỌC ĐÀ LẠT",
];

fn university_diploma(rng: &mut Rng) -> Doc {
    let person = Person::any(rng, 0.5, 1980, 2002);
    let graduated = person.born.year + rng.range(22, 24);
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::UniversityDiploma, &commune, rng);
    doc.authority = Vec::new();
    doc.diploma = true;
    doc.font_size = rng.range(54, 62);
    let university = *rng.pick(UNIVERSITIES);
    let (title, degree) = match rng.below(3) {
        0 => ("BẰNG CỬ NHÂN", "cử nhân"),
        1 => ("BẰNG KỸ SƯ", "kỹ sư"),
        _ => ("BẰNG TỐT NGHIỆP ĐẠI HỌC", "tốt nghiệp đại học"),
    };
    doc.title = vec![title.to_owned()];
    doc.subtitle = vec![
        format!("HIỆU TRƯỞNG {university}"),
        format!("cấp bằng {degree}"),
    ];
    let bilingual = rng.chance(0.5);
    let label = |vi: &str, en: &str| -> String {
        if bilingual {
            format!("{vi} / {en}:")
        } else {
            format!("{vi}:")
        }
    };
    let mut rows = vec![
        vec![field(
            &label("Ngành", "Major"),
            "nganh",
            rng.pick_str(MAJORS),
        )],
        vec![field(
            &label("Cho", "Conferred upon"),
            "ho_ten",
            &person.upper(),
        )],
        vec![date_field(
            &label("Ngày sinh", "Date of birth"),
            "ngay_sinh",
            person.born,
            rng,
        )],
        vec![field(
            &label("Nơi sinh", "Place of birth"),
            "noi_sinh",
            commune
                .province
                .trim_start_matches("tỉnh ")
                .trim_start_matches("thành phố "),
        )],
    ];
    let rank_label = *rng.pick(&["Xếp loại tốt nghiệp", "Hạng tốt nghiệp", "Xếp loại"]);
    rows.push(vec![
        field(
            &label(rank_label, "Degree classification"),
            "xep_loai",
            rng.pick_str(&RANKS[..4]),
        ),
        show(&label("Hình thức đào tạo", "Mode of study"), "Chính quy"),
    ]);
    rows.push(vec![field(
        &label("Năm tốt nghiệp", "Year of graduation"),
        "nam_tot_nghiep",
        &graduated.to_string(),
    )]);
    doc.section(None, rows);
    let issued = Date {
        year: graduated,
        month: rng.range(6, 12),
        day: rng.range(1, 28),
    };
    doc.place_date = format!("Hà Nội, {}", issued.in_words_numeric());
    doc.signer_title = vec!["HIỆU TRƯỞNG".to_owned()];
    doc.seal_text = (university.to_owned(), "BỘ GIÁO DỤC VÀ ĐÀO TẠO".to_owned());
    doc.footer_left = vec![
        field(
            "Số hiệu:",
            "so_hieu",
            &format!(
                "{}{:06}",
                rng.pick(&["QA", "DH", "", "B"]),
                rng.below(1_000_000)
            ),
        ),
        field(
            "Số vào sổ cấp bằng:",
            "so_vao_so",
            &format!("{}/ĐHCQ", rng.range(1000, 99999)),
        ),
    ];
    doc
}

const SUBJECTS: &[&str] = &[
    "Toán",
    "Vật lí",
    "Hóa học",
    "Sinh học",
    "Tin học",
    "Ngữ văn",
    "Lịch sử",
    "Địa lí",
    "Tiếng Anh",
    "Giáo dục công dân",
    "Công nghệ",
];

fn transcript(rng: &mut Rng) -> Doc {
    let person = Person::any(rng, 0.5, 1995, 2008);
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::Transcript, &commune, rng);
    let school = rng.chance(0.6);
    let mut scores = String::from("<table class=\"scores\">");
    if school {
        let start = person.born.year + 17;
        let school_name = format!("TRƯỜNG THPT {}", commune.name.to_uppercase());
        doc.authority = vec![
            format!("SỞ GD&ĐT {}", commune.province.to_uppercase()),
            school_name.clone(),
        ];
        doc.title = vec!["HỌC BẠ".to_owned(), "TRUNG HỌC PHỔ THÔNG".to_owned()];
        let class = format!("12{}{}", rng.pick(&["A", "B", "C"]), rng.range(1, 9));
        doc.section(
            None,
            vec![
                vec![field("Họ và tên:", "ho_ten", &person.upper())],
                vec![
                    field("Giới tính:", "gioi_tinh", person.sex()),
                    date_field("Ngày sinh:", "ngay_sinh", person.born, rng),
                ],
                vec![
                    field("Nơi sinh:", "noi_sinh", &capitalise(commune.province)),
                    field("Dân tộc:", "dan_toc", person.ethnic),
                ],
                vec![
                    field("Lớp:", "lop", &class),
                    field("Năm học:", "nam_hoc", &format!("{start}-{}", start + 1)),
                ],
            ],
        );
        scores.push_str(
            "<tr><th>Môn học</th><th>Học kỳ I</th><th>Học kỳ II</th><th>Cả năm</th></tr>",
        );
        for subject in SUBJECTS {
            let (a, b) = (rng.range(50, 100), rng.range(50, 100));
            let _ = write!(
                scores,
                "<tr><td style=\"text-align:left\">{subject}</td><td>{},{}</td><td>{},{}</td><td>{},{}</td></tr>",
                a / 10,
                a % 10,
                b / 10,
                b % 10,
                (a + 2 * b) / 30,
                ((a + 2 * b) / 3) % 10
            );
        }
        doc.signer_title = vec!["HIỆU TRƯỞNG".to_owned()];
        doc.seal_text = (school_name, commune.province.to_uppercase());
        doc.notes = vec!["(Học bạ gồm 04 trang, xem tiếp trang sau)".to_owned()];
    } else {
        let university = *rng.pick(UNIVERSITIES);
        doc.authority = vec!["BỘ GIÁO DỤC VÀ ĐÀO TẠO".to_owned(), university.to_owned()];
        doc.title = vec!["BẢNG ĐIỂM HỌC TẬP TOÀN KHÓA".to_owned()];
        let start = person.born.year + 18;
        doc.section(
            None,
            vec![
                vec![field("Họ và tên sinh viên:", "ho_ten", &person.name)],
                vec![
                    date_field("Ngày sinh:", "ngay_sinh", person.born, rng),
                    field("Nơi sinh:", "noi_sinh", &capitalise(commune.province)),
                ],
                vec![
                    field("Ngành:", "nganh", rng.pick_str(MAJORS)),
                    field(
                        "Lớp:",
                        "lop",
                        &format!("K{}{}", start % 100, rng.pick(&["KT1", "CNTT2", "QT3"])),
                    ),
                ],
                vec![show("Khóa học:", &format!("{start}-{}", start + 4))],
            ],
        );
        scores.push_str("<tr><th>STT</th><th>Học phần</th><th>Số tín chỉ</th><th>Điểm</th></tr>");
        for (index, subject) in SUBJECTS.iter().enumerate() {
            let mark = rng.range(50, 100);
            let _ = write!(
                scores,
                "<tr><td>{}</td><td style=\"text-align:left\">{subject}</td><td>{}</td><td>{},{}</td></tr>",
                index + 1,
                rng.range(2, 4),
                mark / 10,
                mark % 10
            );
        }
        doc.signer_title = vec![
            "TL. HIỆU TRƯỞNG".to_owned(),
            "TRƯỞNG PHÒNG ĐÀO TẠO".to_owned(),
        ];
        doc.seal_text = (university.to_owned(), "VIỆT NAM".to_owned());
    }
    scores.push_str("</table>");
    doc.after = scores;
    doc.font_size = rng.range(42, 48);
    let signed = Date::random(rng, 2015, 2025);
    doc.place_date = format!(
        "{}, {}",
        commune.short_capitalised(),
        signed.in_words_numeric()
    );
    doc
}

fn household(rng: &mut Rng) -> Doc {
    let person = Person::any(rng, 0.5, 1950, 2015);
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::HouseholdRegistration, &commune, rng);
    let head = Person::random(rng, true, 1945, 1985);
    let relation = *rng.pick(&["Con", "Vợ", "Cháu", "Con dâu", "Chủ hộ"]);
    let head_name = if relation == "Chủ hộ" {
        person.name.clone()
    } else {
        head.name.clone()
    };
    let signed = Date::random(rng, 2021, 2025);
    if rng.chance(0.6) {
        // Mẫu CT07 (Thông tư 66/2023/TT-BCA).
        doc.authority = vec![
            format!("CÔNG AN {}", commune.district.to_uppercase()),
            format!("CÔNG AN {}", commune.upper()),
        ];
        doc.title = vec!["XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ".to_owned()];
        doc.subtitle = vec![format!("Công an {} xác nhận:", commune.short())];
        doc.numbers = vec![show("Số:", &format!("{}/XN", rng.range(10, 999)))];
        doc.section(
            None,
            vec![
                vec![field(
                    rng.pick_str(&["1. Họ, chữ đệm và tên:", "Họ, chữ đệm và tên:"]),
                    "ho_ten",
                    &person.upper(),
                )],
                vec![
                    date_field("2. Ngày, tháng, năm sinh:", "ngay_sinh", person.born, rng),
                    field("3. Giới tính:", "gioi_tinh", person.sex()),
                ],
                vec![field(
                    "4. Số định danh cá nhân:",
                    "so_dinh_danh",
                    &person.id_number,
                )],
                vec![field(
                    "5. Nơi thường trú:",
                    "noi_thuong_tru",
                    &person.residence,
                )],
                vec![show("6. Nơi tạm trú:", "Không")],
                vec![field(
                    "7. Họ, chữ đệm và tên chủ hộ:",
                    "ho_ten_chu_ho",
                    &head_name.to_uppercase(),
                )],
                vec![field("8. Quan hệ với chủ hộ:", "quan_he_chu_ho", relation)],
            ],
        );
        doc.signer_title = vec!["TRƯỞNG CÔNG AN XÃ".to_owned()];
        doc.seal_text = (
            format!("CÔNG AN {}", commune.upper()),
            commune.province.to_uppercase(),
        );
        doc.notes = vec!["Giấy xác nhận có giá trị 30 ngày kể từ ngày cấp.".to_owned()];
    } else {
        // A page of the old household book (sổ hộ khẩu).
        doc.authority = vec![
            format!("CÔNG AN {}", commune.province.to_uppercase()),
            format!("CÔNG AN {}", commune.district.to_uppercase()),
        ];
        doc.title = vec!["SỔ HỘ KHẨU".to_owned()];
        doc.numbers = vec![show("Số:", &format!("{}", rng.range(100_000, 999_999)))];
        doc.section(
            Some("Họ và tên chủ hộ, địa chỉ"),
            vec![
                vec![field("Họ và tên chủ hộ:", "ho_ten_chu_ho", &head_name)],
                vec![field("Địa chỉ:", "dia_chi", &person.residence)],
            ],
        );
        doc.section(
            Some("Người trong hộ"),
            vec![
                vec![field("Họ và tên:", "ho_ten", &person.name)],
                vec![field("Quan hệ với chủ hộ:", "quan_he_chu_ho", relation)],
                vec![
                    date_field("Ngày, tháng, năm sinh:", "ngay_sinh", person.born, rng),
                    field("Giới tính:", "gioi_tinh", person.sex()),
                ],
                vec![
                    field("Dân tộc:", "dan_toc", person.ethnic),
                    field("Quốc tịch:", "quoc_tich", "Việt Nam"),
                ],
                vec![field("Quê quán:", "que_quan", &values::commune(rng).full())],
                vec![show("Nghề nghiệp, nơi làm việc:", "Làm ruộng")],
            ],
        );
        doc.signer_title = vec!["TRƯỞNG CÔNG AN HUYỆN".to_owned()];
        doc.seal_text = (
            format!("CÔNG AN {}", commune.district.to_uppercase()),
            commune.province.to_uppercase(),
        );
    }
    doc.place_date = format!(
        "{}, {}",
        commune.short_capitalised(),
        signed.in_words_numeric()
    );
    if rng.chance(0.25) {
        doc.by_hand(rng);
    }
    doc
}

fn land_use(rng: &mut Rng, density_line: bool, map_heading: bool) -> Doc {
    let person = Person::any(rng, 0.6, 1950, 1990);
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::LandUseCertificate, &commune, rng);
    doc.authority = Vec::new();
    doc.title = vec![
        "GIẤY CHỨNG NHẬN".to_owned(),
        "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở".to_owned(),
        "VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT".to_owned(),
    ];
    doc.font_size = rng.range(44, 50);
    let title = if person.male { "Ông" } else { "Bà" };
    let area = rng.range(600, 4200);
    let area_text = if area % 10 == 0 {
        format!("{} m²", area / 10)
    } else {
        format!("{},{} m²", area / 10, area % 10)
    };
    let purpose = *rng.pick(&[
        "Đất ở tại nông thôn",
        "Đất trồng cây lâu năm",
        "Đất ở tại đô thị",
        "Đất trồng lúa",
    ]);
    let term = if purpose.starts_with("Đất ở") {
        "Lâu dài".to_owned()
    } else {
        format!("Đến ngày {}", Date::random(rng, 2043, 2064).normal())
    };
    let origin = *rng.pick(&[
        "Nhà nước công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất",
        "Nhận chuyển nhượng đất được Công nhận QSDĐ như giao đất không thu tiền sử dụng đất",
        "Nhà nước giao đất có thu tiền sử dụng đất",
    ]);
    doc.section(
        Some("I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất"),
        vec![
            vec![
                field(&format!("{title}:"), "ho_ten", &person.upper()),
                show("Năm sinh:", &person.born.year.to_string()),
            ],
            vec![show("CCCD số:", &person.id_number)],
            vec![show("Địa chỉ thường trú:", &person.residence)],
        ],
    );
    let mut plot = vec![
        vec![
            field(
                "a) Thửa đất số:",
                "so_thua",
                &rng.range(12, 980).to_string(),
            ),
            field(
                "Tờ bản đồ số:",
                "so_to_ban_do",
                &rng.range(1, 60).to_string(),
            ),
        ],
        vec![field(
            "b) Địa chỉ:",
            "dia_chi",
            &values::address(rng, &commune),
        )],
        vec![field("c) Diện tích:", "dien_tich", &area_text)],
        vec![field(
            "d) Hình thức sử dụng:",
            "hinh_thuc_su_dung",
            "Sử dụng riêng",
        )],
        vec![field("đ) Mục đích sử dụng:", "muc_dich_su_dung", purpose)],
        vec![field("e) Thời hạn sử dụng:", "thoi_han_su_dung", &term)],
        vec![field("g) Nguồn gốc sử dụng:", "nguon_goc_su_dung", origin)],
    ];
    if density_line {
        plot.push(vec![show("Mật độ xây dựng:", "60 %")]);
    }
    doc.section(
        Some("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất"),
        plot,
    );
    let heading = if map_heading {
        "MẶT BẰNG"
    } else {
        "III. Sơ đồ thửa đất"
    };
    let (w, h) = (rng.range(500, 900), rng.range(260, 420));
    doc.after = format!(
        "<div class=\"map\"><div class=\"maptitle\">{heading}</div>\
         <svg width=\"1900\" height=\"560\" style=\"position:absolute;left:60px;top:100px\">\
         <polygon points=\"{x0},{y0} {x1},{y0} {x2},{y1} {x0},{y1}\" fill=\"none\" stroke=\"#222\" stroke-width=\"5\"/>\
         <text x=\"{tx}\" y=\"{ty}\" font-family=\"Doc\" font-size=\"40\">{area}</text></svg></div>",
        x0 = 500,
        y0 = 120,
        x1 = 500 + w,
        x2 = 540 + w,
        y1 = 120 + h,
        tx = 520 + w / 3,
        ty = 140 + h / 2,
        area = esc(&area_text)
    );
    let signed = Date::random(rng, 2010, 2025);
    doc.place_date = format!(
        "{}, {}",
        capitalise(commune.province),
        signed.in_words_numeric()
    );
    doc.signer_title = vec![
        format!("TM. ỦY BAN NHÂN DÂN {}", commune.district.to_uppercase()),
        "KT. CHỦ TỊCH".to_owned(),
        "PHÓ CHỦ TỊCH".to_owned(),
    ];
    doc.seal_text = (
        format!("ỦY BAN NHÂN DÂN {}", commune.district.to_uppercase()),
        commune.province.to_uppercase(),
    );
    doc.footer_left = vec![show(
        "Số vào sổ cấp GCN:",
        &format!("CH {:05}", rng.below(100_000)),
    )];
    doc
}

/// Papers of no known kind, each its own layout.
fn other(rng: &mut Rng, variant: usize) -> (Doc, &'static str) {
    let person = Person::any(rng, 0.5, 1960, 2004);
    let commune = person.home;
    let mut doc = Doc::new(DocumentType::Other, &commune, rng);
    let signed = Date::random(rng, 2019, 2025);
    doc.place_date = format!(
        "{}, {}",
        commune.short_capitalised(),
        signed.in_words_numeric()
    );
    match variant {
        0 => {
            doc.title = vec!["GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN".to_owned()];
            doc.numbers = vec![show("Số:", &format!("{}/XNTTHN", rng.range(10, 400)))];
            doc.subtitle = vec![format!("Ủy ban nhân dân {} xác nhận:", commune.short())];
            doc.section(
                None,
                vec![
                    vec![field("Họ, chữ đệm, tên:", "ho_ten", &person.upper())],
                    vec![
                        date_field("Ngày, tháng, năm sinh:", "ngay_sinh", person.born, rng),
                        field("Giới tính:", "gioi_tinh", person.sex()),
                    ],
                    vec![
                        field("Dân tộc:", "dan_toc", person.ethnic),
                        field("Quốc tịch:", "quoc_tich", "Việt Nam"),
                    ],
                    vec![field(
                        "Số định danh cá nhân:",
                        "so_dinh_danh",
                        &person.id_number,
                    )],
                    vec![field("Nơi cư trú:", "noi_cu_tru", &person.residence)],
                    vec![show("Tình trạng hôn nhân:", "Chưa đăng ký kết hôn với ai")],
                    vec![show("Giấy này được cấp để:", "Làm thủ tục đăng ký kết hôn")],
                ],
            );
            doc.notes = vec![
                "Giấy này có giá trị sử dụng trong thời hạn 6 tháng, kể từ ngày cấp.".to_owned(),
            ];
            (doc, "xac-nhan-hon-nhan")
        }
        1 => {
            doc.title = vec!["GIẤY GIỚI THIỆU".to_owned()];
            doc.authority = vec![
                "CÔNG TY TNHH THƯƠNG MẠI".to_owned(),
                format!("{} {}", commune.name.to_uppercase(), "PHÁT"),
            ];
            doc.numbers = vec![show("Số:", &format!("{}/GGT", rng.range(10, 99)))];
            doc.subtitle = vec!["Kính gửi: Ủy ban nhân dân các xã, phường".to_owned()];
            doc.section(
                None,
                vec![
                    vec![show("Trân trọng giới thiệu:", "")],
                    vec![field("Ông/Bà:", "ho_ten", &person.name)],
                    vec![field("Số CCCD:", "so_dinh_danh", &person.id_number)],
                    vec![show("Chức vụ:", "Nhân viên kinh doanh")],
                    vec![field("Địa chỉ:", "dia_chi", &person.residence)],
                    vec![show(
                        "Được cử đến:",
                        "Liên hệ công tác về việc cung cấp vật tư nông nghiệp",
                    )],
                    vec![show(
                        "Giấy giới thiệu có giá trị đến hết ngày:",
                        &signed.plus_days(30).normal(),
                    )],
                ],
            );
            doc.signer_title = vec!["GIÁM ĐỐC".to_owned()];
            doc.seal_text = (
                format!(
                    "CÔNG TY TNHH THƯƠNG MẠI {} PHÁT",
                    commune.name.to_uppercase()
                ),
                commune.province.to_uppercase(),
            );
            (doc, "giay-gioi-thieu")
        }
        _ => {
            // A delivery note: its "Mặt hàng" column is no secrecy mark.
            doc.title = vec!["PHIẾU XUẤT KHO".to_owned()];
            doc.authority = vec!["HỢP TÁC XÃ NÔNG NGHIỆP".to_owned(), commune.upper()];
            doc.numbers = vec![show("Số:", &format!("PX{:04}", rng.below(10_000)))];
            doc.section(
                None,
                vec![
                    vec![field("Họ và tên người nhận hàng:", "ho_ten", &person.name)],
                    vec![field("Địa chỉ:", "dia_chi", &person.residence)],
                    vec![show("Lý do xuất kho:", "Xuất bán phân bón vụ Đông Xuân")],
                ],
            );
            let mut table = String::from(
                "<table class=\"scores\"><tr><th>STT</th><th>Mặt hàng</th><th>Đơn vị tính</th>\
                 <th>Số lượng</th><th>Đơn giá</th></tr>",
            );
            for (index, goods) in ["Phân đạm Urê", "Phân lân", "Thuốc trừ sâu", "Giống lúa"]
                .iter()
                .enumerate()
            {
                let _ = write!(
                    table,
                    "<tr><td>{}</td><td style=\"text-align:left\">{goods}</td><td>kg</td><td>{}</td><td>{}.000</td></tr>",
                    index + 1,
                    rng.range(5, 200),
                    rng.range(8, 95)
                );
            }
            table.push_str("</table>");
            doc.after = table;
            doc.signer_title = vec!["THỦ KHO".to_owned()];
            doc.seal_text = (
                format!("HỢP TÁC XÃ NÔNG NGHIỆP {}", commune.upper()),
                commune.province.to_uppercase(),
            );
            (doc, "phieu-xuat-kho")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Identity cards.

/// The card's face and back: `(front, back, fields)`.
fn card(rng: &mut Rng, model: usize) -> (String, String, BTreeMap<String, String>, &'static str) {
    let person = Person::any(rng, 0.5, 1962, 2005);
    let issued = Date::random(rng, 2016.max(person.born.year + 14), 2025);
    let age = issued.year - person.born.year;
    let expiry_age = [25, 40, 60]
        .into_iter()
        .find(|a| *a - 2 > age)
        .unwrap_or(60);
    let expiry = person.born.plus_years(expiry_age);
    let mut fields = BTreeMap::new();
    let mut put = |key: &str, value: &str| {
        fields.insert(key.to_owned(), normal(value));
    };
    let origin = values::commune(rng).full();
    let row = |label: &str, value: &str, inline: bool| -> String {
        if inline {
            format!(
                "<div><span class=\"lb\">{}</span> <span class=\"v\">{}</span></div>",
                esc(label),
                esc(value)
            )
        } else {
            format!(
                "<div class=\"lb\">{}</div><div class=\"v\" style=\"margin-bottom:6px\">{}</div>",
                esc(label),
                esc(value)
            )
        }
    };
    let mrz = format!(
        "IDVNM{}{}{}&lt;&lt;{}\n{:02}{:02}{:02}{}{}{:02}{:02}{:02}{}VNM&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;{}\n{}",
        &person.id_number[3..],
        rng.below(10),
        person.id_number,
        rng.below(10),
        person.born.year % 100,
        person.born.month,
        person.born.day,
        rng.below(10),
        if person.male { "M" } else { "F" },
        expiry.year % 100,
        expiry.month,
        expiry.day,
        rng.below(10),
        rng.below(10),
        esc(&mrz_name(&person.name))
    );
    match model {
        0 => {
            // Căn cước công dân with chip (2021).
            put("so_dinh_danh", &person.id_number);
            put("ho_ten", &person.upper());
            put("ngay_sinh", &person.born.normal());
            put("gioi_tinh", person.sex());
            put("quoc_tich", "Việt Nam");
            put("que_quan", &origin);
            put("noi_thuong_tru", &person.residence);
            put("ngay_het_han", &expiry.normal());
            put("ngay_cap", &issued.normal());
            let front = format!(
                "<div class=\"emblem\"></div><div class=\"chip\"></div><div class=\"photo\"></div>\
                 <div class=\"ctop\" style=\"margin-left:110px\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc<br>\
                 <span style=\"font-weight:400;font-size:19px\">SOCIALIST REPUBLIC OF VIET NAM<br>Independence - Freedom - Happiness</span></div>\
                 <div class=\"ctitle\" style=\"margin-left:110px\">CĂN CƯỚC CÔNG DÂN</div>\
                 <div style=\"text-align:center;margin-left:110px;font-size:22px\">Citizen Identity Card</div>\
                 <div class=\"fields\" style=\"top:215px\">{}{}{}{}{}{}{}</div>\
                 <div style=\"position:absolute;left:30px;bottom:30px;font-size:19px\">Có giá trị đến:<br>Date of expiry<br><b style=\"font-size:24px\">{}</b></div>",
                row("Số / No.:", &person.id_number, true),
                row("Họ và tên / Full name:", &person.upper(), false),
                row("Ngày sinh / Date of birth:", &person.born.normal(), true),
                sex_row(&person, true),
                row("Quê quán / Place of origin:", &origin, false),
                row(
                    "Nơi thường trú / Place of residence:",
                    &person.residence,
                    false
                ),
                "",
                expiry.normal(),
            );
            let back = format!(
                "<div class=\"finger\" style=\"left:570px\"></div><div class=\"finger\" style=\"left:780px\"></div>\
                 <div style=\"position:absolute;left:570px;top:275px;width:400px;font-size:16px;display:flex;justify-content:space-between\"><span>Ngón trỏ trái<br>Left index finger</span><span>Ngón trỏ phải<br>Right index finger</span></div>\
                 <div style=\"position:absolute;left:34px;top:40px;width:510px;font-size:21px\">\
                 <div>Đặc điểm nhân dạng / Personal identification:</div><div><b>Nốt ruồi C:1cm trên sau cánh mũi trái</b></div>\
                 <div style=\"margin-top:14px\">Ngày, tháng, năm / Date, month, year: <b>{}</b></div>\
                 <div style=\"margin-top:10px;text-align:center;font-weight:700;font-size:18px\">CỤC TRƯỞNG CỤC CẢNH SÁT<br>QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI</div>\
                 <div style=\"text-align:center;font-size:14px\">DIRECTOR GENERAL OF THE POLICE DEPARTMENT<br>FOR ADMINISTRATIVE MANAGEMENT OF SOCIAL ORDER</div></div>\
                 <div class=\"mrz\">{mrz}</div>",
                issued.normal()
            );
            (front, back, fields, "cccd-chip-2021")
        }
        1 => {
            // Căn cước công dân with a bar code (2016), Vietnamese only.
            put("so_dinh_danh", &person.id_number);
            put("ho_ten", &person.upper());
            put("ngay_sinh", &person.born.normal());
            put("gioi_tinh", person.sex());
            put("quoc_tich", "Việt Nam");
            put("que_quan", &origin);
            put("noi_thuong_tru", &person.residence);
            put("ngay_het_han", &expiry.normal());
            put("ngay_cap", &issued.normal());
            let front = format!(
                "<div class=\"emblem\"></div><div class=\"photo\" style=\"top:200px\"></div>\
                 <div class=\"ctop\" style=\"margin-left:110px\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</div>\
                 <div class=\"ctitle\" style=\"margin-left:110px\">CĂN CƯỚC CÔNG DÂN</div>\
                 <div class=\"fields\" style=\"top:160px\">{}{}{}{}{}{}</div>\
                 <div style=\"position:absolute;left:30px;bottom:30px;font-size:19px\">Có giá trị đến: <b style=\"font-size:24px\">{}</b></div>",
                row("Số:", &person.id_number, true),
                row("Họ và tên:", &person.upper(), false),
                row("Ngày, tháng, năm sinh:", &person.born.normal(), true),
                sex_row(&person, false),
                row("Quê quán:", &origin, false),
                row("Nơi thường trú:", &person.residence, false),
                expiry.normal(),
            );
            let back = format!(
                "<div class=\"finger\" style=\"left:570px\"></div><div class=\"finger\" style=\"left:780px\"></div>\
                 <div style=\"position:absolute;left:570px;top:275px;width:400px;font-size:16px;display:flex;justify-content:space-between\"><span>Ngón trỏ trái</span><span>Ngón trỏ phải</span></div>\
                 <div style=\"position:absolute;left:34px;top:40px;width:510px;font-size:22px\">\
                 <div>Đặc điểm nhân dạng:</div><div><b>Sẹo chấm C:2cm dưới trước đầu mày phải</b></div>\
                 <div style=\"margin-top:18px;text-align:center\"><i>{}</i></div>\
                 <div style=\"margin-top:10px;text-align:center;font-weight:700;font-size:19px\">CỤC TRƯỞNG CỤC CẢNH SÁT<br>ĐKQL CƯ TRÚ VÀ DLQG VỀ DÂN CƯ</div></div>\
                 <div style=\"position:absolute;left:40px;bottom:40px;width:900px;height:90px;\
                 background:repeating-linear-gradient(90deg,#111 0 4px,transparent 4px 9px,#111 9px 11px,transparent 11px 17px)\"></div>",
                capitalise(&issued.in_words_numeric())
            );
            (front, back, fields, "cccd-2016")
        }
        _ => {
            // Căn cước (2024, Law on Identification).
            let birth_registration = person.home.full();
            put("so_dinh_danh", &person.id_number);
            put("ho_ten", &person.upper());
            put("ngay_sinh", &person.born.normal());
            put("gioi_tinh", person.sex());
            put("quoc_tich", "Việt Nam");
            put("noi_cu_tru", &person.residence);
            put("noi_dang_ky_khai_sinh", &birth_registration);
            put("ngay_cap", &issued.normal());
            put("ngay_het_han", &expiry.normal());
            let front = format!(
                "<div class=\"emblem\"></div><div class=\"chip\" style=\"left:780px;top:130px\"></div><div class=\"photo\" style=\"top:200px\"></div>\
                 <div class=\"ctop\" style=\"margin-left:110px\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>\
                 <span style=\"font-weight:400;font-size:19px\">SOCIALIST REPUBLIC OF VIET NAM</span></div>\
                 <div class=\"ctitle\" style=\"margin-left:110px\">CĂN CƯỚC</div>\
                 <div style=\"text-align:center;margin-left:110px;font-size:22px\">IDENTITY CARD</div>\
                 <div class=\"fields\" style=\"top:250px\">{}{}{}{}</div>",
                row(
                    "Số định danh cá nhân / Personal identification number:",
                    &person.id_number,
                    false
                ),
                row(
                    "Họ, chữ đệm và tên khai sinh / Surname, middle name and given name:",
                    &person.upper(),
                    false
                ),
                row(
                    "Ngày, tháng, năm sinh / Date of birth:",
                    &person.born.normal(),
                    true
                ),
                sex_row(&person, true),
            );
            let back = format!(
                "<div style=\"position:absolute;left:34px;top:34px;width:600px;font-size:22px\">{}{}{}{}\
                 <div style=\"margin-top:8px;font-weight:700;font-size:20px\">BỘ CÔNG AN<br><span style=\"font-weight:400\">MINISTRY OF PUBLIC SECURITY</span></div></div>\
                 <div style=\"position:absolute;left:700px;top:40px;width:250px;height:250px;\
                 background:repeating-conic-gradient(#111 0 25%, #fff 0 50%) 0 0/40px 40px\"></div>\
                 <div class=\"mrz\">{mrz}</div>",
                row("Nơi cư trú / Place of residence:", &person.residence, false),
                row(
                    "Nơi đăng ký khai sinh / Place of birth:",
                    &birth_registration,
                    false
                ),
                row(
                    "Ngày, tháng, năm cấp / Date of issue:",
                    &issued.normal(),
                    true
                ),
                row(
                    "Ngày, tháng, năm hết hạn / Date of expiry:",
                    &expiry.normal(),
                    true
                ),
            );
            (front, back, fields, "can-cuoc-2024")
        }
    }
}

/// The card's "Giới tính: Nam   Quốc tịch: Việt Nam" line.
fn sex_row(person: &Person, bilingual: bool) -> String {
    let (sex, nationality) = if bilingual {
        ("Giới tính / Sex:", "Quốc tịch / Nationality:")
    } else {
        ("Giới tính:", "Quốc tịch:")
    };
    format!(
        "<div><span class=\"lb\">{sex}</span> <span class=\"v\">{}</span> &nbsp;&nbsp; \
         <span class=\"lb\">{nationality}</span> <span class=\"v\">Việt Nam</span></div>",
        person.sex()
    )
}

/// "NGUYEN<<THI<THU<HA" as the card's machine-readable zone writes the name.
fn mrz_name(name: &str) -> String {
    let plain: String = name
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect::<String>()
        .to_uppercase();
    let mut words = plain.split_whitespace();
    let surname = words.next().unwrap_or_default().to_owned();
    let rest: Vec<&str> = words.collect();
    format!("{surname}<<{}", rest.join("<"))
}

fn card_page(
    front: &str,
    back: &str,
    font: &Font,
    caption: bool,
    overlays: &[Overlay],
    rng: &mut Rng,
) -> String {
    let caption_front = if caption {
        "<div class=\"cardcaption\">Bản chụp mặt trước</div>"
    } else {
        ""
    };
    let caption_back = if caption {
        "<div class=\"cardcaption\">Mặt sau</div>"
    } else {
        ""
    };
    let body = format!(
        "<div class=\"cardsheet\" style=\"margin-left:{}px\">\
         <div class=\"card\"><div class=\"guilloche\"></div><div class=\"in\">{front}</div></div>{caption_front}\
         <div class=\"card\"><div class=\"guilloche\"></div><div class=\"in\">{back}</div></div>{caption_back}</div>",
        rng.range(-500, 500)
    );
    let overlays = draw_overlays(overlays, rng);
    page(font, &body, &overlays, 50, false, false)
}

// ---------------------------------------------------------------------------------------------
// The plan.

struct Planner<'a> {
    fonts: &'a [Font],
    plans: Vec<Planned>,
    counter: usize,
}

impl Planner<'_> {
    fn rotation(&self) -> u16 {
        match self.counter % 20 {
            3 => 90,
            9 => 180,
            15 => 270,
            _ => 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: DocumentType,
        layout: &str,
        font: &Font,
        damage: Damage,
        variant: &str,
        fields: BTreeMap<String, String>,
        must_refuse: bool,
        html: String,
        rotation: u16,
    ) {
        let index = self.plans.len();
        self.plans.push(Planned {
            name: format!(
                "{}/{layout}/{}/{}/{variant}-{index}",
                kind.code(),
                font.name,
                damage.name()
            ),
            layout: layout.to_owned(),
            font: font.name,
            damage,
            rotation,
            kind,
            fields,
            must_refuse,
            html,
            seed: 0x4854_4d4c_0000_0000 ^ index as u64,
            held_out: held_out(font.name, index),
        });
        self.counter += 1;
    }
}

const INSTANCES: usize = 6;

fn generic(kind: DocumentType, rng: &mut Rng) -> Doc {
    match kind {
        DocumentType::BirthCertificate => birth_certificate(rng),
        DocumentType::MarriageCertificate => marriage_certificate(rng),
        DocumentType::DeathCertificate => death_certificate(rng),
        DocumentType::HighSchoolDiploma => high_school_diploma(rng),
        DocumentType::UniversityDiploma => university_diploma(rng),
        DocumentType::Transcript => transcript(rng),
        DocumentType::HouseholdRegistration => household(rng),
        _ => {
            let density_line = rng.chance(0.2);
            land_use(rng, density_line, false)
        }
    }
}

/// Every original of the `html` generator, in a fixed order from fixed seeds.
pub(crate) fn plans(fonts: &[Font]) -> Vec<Planned> {
    let mut planner = Planner {
        fonts,
        plans: Vec::new(),
        counter: 0,
    };
    let kinds = [
        DocumentType::BirthCertificate,
        DocumentType::MarriageCertificate,
        DocumentType::DeathCertificate,
        DocumentType::HighSchoolDiploma,
        DocumentType::UniversityDiploma,
        DocumentType::Transcript,
        DocumentType::HouseholdRegistration,
        DocumentType::LandUseCertificate,
    ];
    // Ordinary originals of the known kinds: kinds × layouts × instances.
    for (kind_index, kind) in kinds.iter().enumerate() {
        for (layout_index, layout) in LAYOUTS.iter().enumerate() {
            for instance in 0..INSTANCES {
                let mut rng = Rng::new((kind_index * 1000 + layout_index * 100 + instance) as u64);
                let font =
                    &planner.fonts[(instance + layout_index + kind_index) % planner.fonts.len()];
                let damage = DAMAGES[(instance + kind_index) % DAMAGES.len()];
                let doc = generic(*kind, &mut rng);
                let html = draw(&doc, *layout, font, &mut rng);
                let rotation = planner.rotation();
                planner.push(
                    *kind,
                    layout.name(),
                    &font.clone(),
                    damage,
                    "plain",
                    doc.fields(),
                    false,
                    html,
                    rotation,
                );
            }
        }
    }
    // Identity cards: three card models.
    for model in 0..3 {
        for instance in 0..INSTANCES {
            let mut rng = Rng::new((50_000 + model * 100 + instance) as u64);
            let font = planner.fonts[(instance + model) % planner.fonts.len()].clone();
            let damage = DAMAGES[(instance + model) % DAMAGES.len()];
            let (front, back, fields, layout) = card(&mut rng, model);
            let caption = instance % 3 == 1;
            let html = card_page(&front, &back, &font, caption, &[], &mut rng);
            let rotation = planner.rotation();
            planner.push(
                DocumentType::CitizenIdentityCard,
                layout,
                &font,
                damage,
                if caption {
                    "caption-mat-truoc"
                } else {
                    "plain"
                },
                fields,
                false,
                html,
                rotation,
            );
        }
    }
    // Papers of no known kind.
    for variant in 0..3 {
        for instance in 0..INSTANCES {
            let mut rng = Rng::new((60_000 + variant * 100 + instance) as u64);
            let font = planner.fonts[(instance + variant + 2) % planner.fonts.len()].clone();
            let damage = DAMAGES[(instance + variant + 1) % DAMAGES.len()];
            let (mut doc, layout_name) = other(&mut rng, variant);
            if instance % 4 == 3 {
                doc.by_hand(&mut rng);
            }
            let layout = LAYOUTS[instance % LAYOUTS.len()];
            let html = draw(&doc, layout, &font, &mut rng);
            let rotation = planner.rotation();
            planner.push(
                DocumentType::Other,
                &format!("{layout_name}-{}", layout.name()),
                &font,
                damage,
                "plain",
                doc.fields(),
                false,
                html,
                rotation,
            );
        }
    }
    risky(&mut planner);
    refused(&mut planner);
    planner.plans
}

/// Ordinary originals that only look like ones to refuse.
fn risky(planner: &mut Planner<'_>) {
    let mut rng = Rng::new(70_000);
    let cases: [(&str, usize); 6] = [
        ("mat-bang-map", 0),
        ("mat-do-xay-dung", 1),
        ("sao-y-ban-chinh", 2),
        ("khong-duoc-tay-xoa", 3),
        ("xem-mat-sau", 4),
        ("mat-bang-map", 5),
    ];
    for (index, (variant, case)) in cases.iter().enumerate() {
        let font = planner.fonts[index % planner.fonts.len()].clone();
        let damage = DAMAGES[index % DAMAGES.len()];
        let layout = LAYOUTS[index % LAYOUTS.len()];
        let mut doc = match case {
            0 | 5 => land_use(&mut rng, false, true),
            1 => land_use(&mut rng, true, false),
            2 => birth_certificate(&mut rng),
            3 => high_school_diploma(&mut rng),
            _ => transcript(&mut rng),
        };
        match case {
            2 => doc.overlays.push(Overlay::Stamp {
                text: "SAO Y BẢN CHÍNH".to_owned(),
                left: 1350,
                top: 2750,
                size: 70,
                angle: -4.0,
                class: "boxed",
            }),
            3 => doc.notes.push(
                "Bằng không được tẩy xóa, sửa chữa; mặt sau in hoa văn chống giả.".to_owned(),
            ),
            4 => doc.notes.push("(Xem tiếp mặt sau)".to_owned()),
            _ => {}
        }
        let html = draw(&doc, layout, &font, &mut rng);
        planner.push(
            doc.kind,
            layout.name(),
            &font,
            damage,
            variant,
            doc.fields(),
            false,
            html,
            0,
        );
    }
}

/// Originals that must be refused.
fn refused(planner: &mut Planner<'_>) {
    let mut rng = Rng::new(80_000);
    // (variant, text, left, top, size, angle, class)
    let cases: [(&str, &str, i64, i64, i64, f64, &'static str); 14] = [
        ("mat-boxed-over-header", "MẬT", 1500, 190, 110, 0.0, "boxed"),
        ("mat-small-over-header", "MẬT", 1700, 230, 60, -8.0, "boxed"),
        (
            "mat-framed-over-text",
            "MẬT",
            900,
            1400,
            150,
            12.0,
            "framed",
        ),
        ("mat-alone-margin", "MẬT", 120, 60, 90, 0.0, "boxed"),
        (
            "mat-black-large",
            "MẬT",
            700,
            1900,
            260,
            -15.0,
            "boxed black",
        ),
        ("toi-mat-framed", "TỐI MẬT", 1400, 200, 100, 0.0, "framed"),
        (
            "toi-mat-rotated-over-values",
            "TỐI MẬT",
            1000,
            1600,
            130,
            -20.0,
            "boxed",
        ),
        ("toi-mat-small", "TỐI MẬT", 260, 3150, 56, 0.0, "boxed"),
        (
            "tuyet-mat-over-title",
            "TUYỆT MẬT",
            700,
            780,
            120,
            6.0,
            "boxed",
        ),
        (
            "tuyet-mat-rotated",
            "TUYỆT MẬT",
            1100,
            2300,
            140,
            25.0,
            "framed",
        ),
        ("tuyet-mat-unboxed", "TUYỆT MẬT", 1500, 120, 80, 0.0, ""),
        (
            "khong-duoc-sao-chup-stamp",
            "KHÔNG ĐƯỢC SAO CHỤP",
            800,
            2950,
            80,
            -3.0,
            "boxed",
        ),
        (
            "khong-duoc-sao-chup-above-header",
            "TÀI LIỆU KHÔNG ĐƯỢC SAO CHỤP",
            600,
            60,
            64,
            0.0,
            "",
        ),
        (
            "khong-duoc-sao-chup-rotated",
            "KHÔNG ĐƯỢC SAO CHỤP",
            500,
            1700,
            110,
            -30.0,
            "framed",
        ),
    ];
    let kinds = [
        DocumentType::BirthCertificate,
        DocumentType::Transcript,
        DocumentType::HouseholdRegistration,
        DocumentType::DeathCertificate,
        DocumentType::LandUseCertificate,
        DocumentType::UniversityDiploma,
        DocumentType::MarriageCertificate,
    ];
    for (index, (variant, text, left, top, size, angle, class)) in cases.iter().enumerate() {
        let font = planner.fonts[(index + 1) % planner.fonts.len()].clone();
        let damage = DAMAGES[index % 3];
        let layout = LAYOUTS[index % LAYOUTS.len()];
        let kind = kinds[index % kinds.len()];
        let mut doc = generic(kind, &mut rng);
        doc.overlays.push(Overlay::Stamp {
            text: (*text).to_owned(),
            left: *left,
            top: *top,
            size: *size,
            angle: *angle,
            class,
        });
        let html = draw(&doc, layout, &font, &mut rng);
        let rotation = if index % 5 == 4 { 90 } else { 0 };
        planner.push(
            kind,
            layout.name(),
            &font,
            damage,
            variant,
            doc.fields(),
            true,
            html,
            rotation,
        );
    }
    // "không được sao chụp" in a sentence, in small print.
    for (index, kind) in [DocumentType::Transcript, DocumentType::Other]
        .iter()
        .enumerate()
    {
        let font = planner.fonts[(index + 3) % planner.fonts.len()].clone();
        let mut doc = if *kind == DocumentType::Other {
            other(&mut rng, 0).0
        } else {
            transcript(&mut rng)
        };
        doc.notes.push(
            "Tài liệu này chỉ cấp cho đương sự, không được sao chụp dưới bất kỳ hình thức nào."
                .to_owned(),
        );
        let html = draw(&doc, LAYOUTS[index], &font, &mut rng);
        planner.push(
            *kind,
            LAYOUTS[index].name(),
            &font,
            DAMAGES[index],
            "khong-duoc-sao-chup-sentence",
            doc.fields(),
            true,
            html,
            0,
        );
    }
    // A card photocopy stamped MẬT.
    {
        let font = planner.fonts[2].clone();
        let (front, back, fields, layout) = card(&mut rng, 0);
        let overlays = [Overlay::Stamp {
            text: "MẬT".to_owned(),
            left: 1500,
            top: 420,
            size: 120,
            angle: -10.0,
            class: "boxed",
        }];
        let html = card_page(&front, &back, &font, false, &overlays, &mut rng);
        planner.push(
            DocumentType::CitizenIdentityCard,
            layout,
            &font,
            Damage::Light,
            "mat-next-to-card",
            fields,
            true,
            html,
            0,
        );
    }
    // Pages blacked out and smeared beyond reading.
    for index in 0..3 {
        let font = planner.fonts[index].clone();
        let mut doc = generic(kinds[index], &mut rng);
        doc.overlays.push(Overlay::Blackout);
        let html = draw(&doc, LAYOUTS[index], &font, &mut rng);
        planner.push(
            DocumentType::Other,
            LAYOUTS[index].name(),
            &font,
            DAMAGES[index + 1],
            "unreadable",
            BTreeMap::new(),
            true,
            html,
            if index == 2 { 180 } else { 0 },
        );
    }
}
