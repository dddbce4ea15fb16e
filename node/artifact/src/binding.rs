//! Binding the pages a person sees to the scans a signature names.
//!
//! Every scan page of an artifact draws one image, and the exact scan it came from is embedded
//! beside it (`bansao-page-<n>`). [`check_pages_show_their_scans`] checks, for a file that may
//! come from anyone, that each scan page draws exactly one image and that the image is its
//! embedded scan: for a JPEG the image stream is the scan's bytes (`/DCTDecode`, as krilla
//! writes it); for a PNG the image's samples (and soft mask) are the scan's decoded pixels, as
//! krilla stores them (`/FlateDecode` of the colour channels, alpha apart). The caller then
//! compares each embedded scan's SHA-256 with the copy's signed page hashes.
//!
//! Architecture Invariant: a page passes only if what it shows is derived from its embedded
//! scan alone. What this does not see: vector marks drawn over the image by a file's sealer;
//! only the issuing kiosk, the copy's ward or the city may seal (checked by the verifier).

use std::io::Cursor;

use lopdf::{Dictionary, Document, Object, ObjectId};
use png::{BitDepth, ColorType, Transformations};

use crate::embed::resolve;
use crate::error::OpenError;

/// Largest image stream inflated while comparing (a 600 dpi A4 RGB page is ~100 MB of samples;
/// the kiosk's scans are 300 dpi).
const MAX_SAMPLE_BYTES: usize = 256 * 1024 * 1024;
/// How deep form XObjects are searched for images.
const MAX_FORM_DEPTH: usize = 4;

fn not_bound(page_number: usize, reason: impl Into<String>) -> OpenError {
    OpenError::PageNotBound {
        page_number,
        reason: reason.into(),
    }
}

/// Checks that the first `scans.len()` pages each draw exactly one image, which is the scan
/// embedded for that page, and that one page (the certification page) follows them.
pub(crate) fn check_pages_show_their_scans(
    document: &Document,
    scans: &[Vec<u8>],
) -> Result<(), OpenError> {
    if scans.is_empty() {
        return Err(not_bound(0, "the file embeds no scans"));
    }
    let pages: Vec<ObjectId> = document.get_pages().into_values().collect();
    if pages.len() != scans.len() + 1 {
        return Err(not_bound(
            0,
            format!(
                "the file has {} pages for {} embedded scans and the certification page",
                pages.len(),
                scans.len()
            ),
        ));
    }
    for (index, (page_id, scan)) in pages.iter().zip(scans).enumerate() {
        let page_number = index + 1;
        let mut images = Vec::new();
        let (resources, inherited) = document
            .get_page_resources(*page_id)
            .map_err(|error| not_bound(page_number, format!("its resources: {error}")))?;
        let mut dictionaries: Vec<&Dictionary> = resources.into_iter().collect();
        for id in inherited {
            if let Ok(dictionary) = document.get_dictionary(id) {
                dictionaries.push(dictionary);
            }
        }
        for dictionary in dictionaries {
            collect_images(document, dictionary, 0, &mut images)
                .map_err(|reason| not_bound(page_number, reason))?;
        }
        match images.as_slice() {
            [image] => image_shows_scan(document, image, scan)
                .map_err(|reason| not_bound(page_number, reason))?,
            [] => return Err(not_bound(page_number, "it draws no image")),
            _ => return Err(not_bound(page_number, "it draws more than one image")),
        }
    }
    let certification_page = pages[scans.len()];
    let (resources, _) = document
        .get_page_resources(certification_page)
        .map_err(|error| not_bound(pages.len(), format!("its resources: {error}")))?;
    let mut images = Vec::new();
    if let Some(resources) = resources {
        collect_images(document, resources, 0, &mut images)
            .map_err(|reason| not_bound(pages.len(), reason))?;
    }
    if !images.is_empty() {
        return Err(not_bound(
            pages.len(),
            "the certification page draws an image",
        ));
    }
    Ok(())
}

/// Collects the image XObjects of a resource dictionary, searching form XObjects too.
fn collect_images<'a>(
    document: &'a Document,
    resources: &'a Dictionary,
    depth: usize,
    images: &mut Vec<&'a lopdf::Stream>,
) -> Result<(), String> {
    if depth > MAX_FORM_DEPTH {
        return Err("its forms are nested too deeply".to_owned());
    }
    let Some(xobjects) = resolve(document, resources.get(b"XObject").ok()) else {
        return Ok(());
    };
    let xobjects = xobjects
        .as_dict()
        .map_err(|_| "its /XObject resources are not a dictionary".to_owned())?;
    for (_, entry) in xobjects.iter() {
        let stream = resolve(document, Some(entry))
            .and_then(|object| object.as_stream().ok())
            .ok_or_else(|| "an XObject is not a stream".to_owned())?;
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => images.push(stream),
            Ok(b"Form") => {
                if let Some(inner) = resolve(document, stream.dict.get(b"Resources").ok())
                    .and_then(|object| object.as_dict().ok())
                {
                    collect_images(document, inner, depth + 1, images)?;
                }
            }
            _ => return Err("an XObject is neither an image nor a form".to_owned()),
        }
    }
    Ok(())
}

fn filter_name(stream: &lopdf::Stream) -> Option<&[u8]> {
    match stream.dict.get(b"Filter").ok()? {
        Object::Name(name) => Some(name),
        Object::Array(filters) if filters.len() == 1 => filters[0].as_name().ok(),
        _ => None,
    }
}

/// Whether `image` shows exactly `scan` (a PNG or JPEG file).
fn image_shows_scan(document: &Document, image: &lopdf::Stream, scan: &[u8]) -> Result<(), String> {
    if scan.starts_with(&[0xFF, 0xD8]) {
        if filter_name(image) != Some(b"DCTDecode") || image.content != scan {
            return Err("the image shown is not its embedded JPEG scan".to_owned());
        }
        return Ok(());
    }
    let expected = png_samples(scan)?;
    if filter_name(image) != Some(b"FlateDecode") {
        return Err("the image shown is not stored as the scan's samples".to_owned());
    }
    let integer = |key: &[u8]| image.dict.get(key).and_then(Object::as_i64).ok();
    if integer(b"Width") != Some(i64::from(expected.width))
        || integer(b"Height") != Some(i64::from(expected.height))
        || integer(b"BitsPerComponent") != Some(expected.bits_per_component)
    {
        return Err("the image shown has other dimensions than its scan".to_owned());
    }
    let samples = image
        .decompressed_content_with_limit(MAX_SAMPLE_BYTES)
        .map_err(|_| "the image shown cannot be decoded".to_owned())?;
    if samples != expected.colour {
        return Err("the image shown is not its embedded scan".to_owned());
    }
    let mask =
        resolve(document, image.dict.get(b"SMask").ok()).and_then(|object| object.as_stream().ok());
    match (mask, &expected.alpha) {
        (None, None) => Ok(()),
        (Some(mask), Some(alpha)) => {
            let shown = mask
                .decompressed_content_with_limit(MAX_SAMPLE_BYTES)
                .map_err(|_| "the image's mask cannot be decoded".to_owned())?;
            if &shown == alpha {
                Ok(())
            } else {
                Err("the image's mask is not its scan's transparency".to_owned())
            }
        }
        _ => Err("the image's mask is not its scan's transparency".to_owned()),
    }
}

/// A PNG's pixels as krilla stores them: colour channels, and alpha apart when any pixel is
/// not opaque (always, for 16-bit images with alpha).
struct Samples {
    width: u32,
    height: u32,
    bits_per_component: i64,
    colour: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

fn png_samples(scan: &[u8]) -> Result<Samples, String> {
    let mut decoder = png::Decoder::new(Cursor::new(scan));
    decoder.set_transformations(Transformations::EXPAND);
    let mut reader = decoder
        .read_info()
        .map_err(|error| format!("its embedded scan is not a readable PNG or JPEG: {error}"))?;
    let size = reader
        .output_buffer_size()
        .filter(|size| *size <= MAX_SAMPLE_BYTES)
        .ok_or_else(|| "its embedded scan is too large".to_owned())?;
    let mut pixels = vec![0; size];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|error| format!("its embedded scan cannot be decoded: {error}"))?;
    pixels.truncate(frame.buffer_size());
    let (colour_type, depth) = reader.output_color_type();
    let bytes_per_sample = match depth {
        BitDepth::Eight => 1,
        BitDepth::Sixteen => 2,
        _ => return Err("its embedded scan has an unsupported bit depth".to_owned()),
    };
    let (channels, has_alpha) = match colour_type {
        ColorType::Grayscale => (1, false),
        ColorType::Rgb => (3, false),
        ColorType::GrayscaleAlpha => (2, true),
        ColorType::Rgba => (4, true),
        ColorType::Indexed => return Err("its embedded scan uses a palette".to_owned()),
    };
    let (colour, alpha) = if has_alpha {
        let pixel = channels * bytes_per_sample;
        let colour_bytes = (channels - 1) * bytes_per_sample;
        let mut colour = Vec::with_capacity(pixels.len() / channels * (channels - 1));
        let mut alpha = Vec::with_capacity(pixels.len() / channels);
        for chunk in pixels.chunks_exact(pixel) {
            colour.extend_from_slice(&chunk[..colour_bytes]);
            alpha.extend_from_slice(&chunk[colour_bytes..]);
        }
        // krilla drops an 8-bit mask that is opaque everywhere.
        let opaque = bytes_per_sample == 1 && alpha.iter().all(|value| *value == 255);
        (colour, (!opaque).then_some(alpha))
    } else {
        (pixels, None)
    };
    Ok(Samples {
        width: frame.width,
        height: frame.height,
        bits_per_component: 8 * bytes_per_sample as i64,
        colour,
        alpha,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{ArtifactContent, PageImage, PageImageFormat, embed, render};

    fn scan(format: PageImageFormat, shade: u8) -> PageImage {
        let page = image::GrayImage::from_fn(120, 160, |x, y| {
            image::Luma([if (y / 9) % 3 == 1 && x > 10 && x < 110 {
                shade
            } else {
                240
            }])
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        let encoding = match format {
            PageImageFormat::Png => image::ImageFormat::Png,
            PageImageFormat::Jpeg => image::ImageFormat::Jpeg,
        };
        page.write_to(&mut bytes, encoding).unwrap();
        PageImage {
            bytes: bytes.into_inner(),
            format,
        }
    }

    fn unsealed(pages: Vec<PageImage>) -> Document {
        let content = ArtifactContent {
            copy_id: "01JDEMO0000000000000000000".into(),
            document_type_label: "Giấy khai sinh".into(),
            commune_label: "Xã Tân Lập".into(),
            issued_at_label: "02/12/2026 09:00".into(),
            status_label: "Tạm thời".into(),
            signer_lines: vec![],
            qr_text: "BS1:TEST".into(),
            metadata_cbor: vec![0xa0],
            created_at: time::macros::datetime!(2026-12-02 09:00 +07:00),
            pages,
        };
        Document::load_mem(&render::render_unsealed_pdf(&content).unwrap()).unwrap()
    }

    fn check(document: &Document) -> Result<(), OpenError> {
        check_pages_show_their_scans(document, &embed::extract_scans(document)?)
    }

    /// The object id of the one image page `page_number` draws, and of the resource
    /// dictionary's owner that names it.
    fn image_id(document: &Document, page_number: u32) -> ObjectId {
        fn search(document: &Document, resources: &Dictionary) -> Option<ObjectId> {
            let xobjects = resolve(document, resources.get(b"XObject").ok())?
                .as_dict()
                .ok()?;
            xobjects.iter().find_map(|(_, entry)| {
                let id = entry.as_reference().ok()?;
                let stream = document.get_object(id).ok()?.as_stream().ok()?;
                match stream.dict.get(b"Subtype").ok()?.as_name().ok()? {
                    b"Image" => Some(id),
                    _ => search(
                        document,
                        resolve(document, stream.dict.get(b"Resources").ok())?
                            .as_dict()
                            .ok()?,
                    ),
                }
            })
        }
        search(document, page_resources(document, page_number)).unwrap()
    }

    fn page_resources(document: &Document, page_number: u32) -> &Dictionary {
        let page = document.get_pages()[&page_number];
        match document.get_page_resources(page).unwrap() {
            (Some(resources), _) => resources,
            (None, inherited) => document.get_dictionary(inherited[0]).unwrap(),
        }
    }

    fn embedded_scan_id(document: &Document, page_number: usize) -> ObjectId {
        let catalog = document.catalog().unwrap();
        let files = resolve(document, catalog.get(b"AF").ok()).unwrap();
        files
            .as_array()
            .unwrap()
            .iter()
            .find_map(|entry| {
                let spec = resolve(document, Some(entry))?.as_dict().ok()?;
                let name = spec.get(b"F").ok()?.as_str().ok()?;
                if !name.starts_with(format!("bansao-page-{page_number}.").as_bytes()) {
                    return None;
                }
                let ef = resolve(document, spec.get(b"EF").ok())?.as_dict().ok()?;
                ef.get(b"F").ok()?.as_reference().ok()
            })
            .unwrap()
    }

    fn replace(target: &mut Document, id: ObjectId, source: &Document, source_id: ObjectId) {
        let object = source.get_object(source_id).unwrap().clone();
        target.objects.insert(id, object);
    }

    /// The artifact of the `genuine` pages with the object `id_of` names replaced by the one it
    /// names in the artifact of the `forged` pages.
    fn forge(
        genuine: Vec<PageImage>,
        forged: Vec<PageImage>,
        id_of: impl Fn(&Document) -> ObjectId,
    ) -> Document {
        let mut genuine = unsealed(genuine);
        let forged = unsealed(forged);
        let (at, from) = (id_of(&genuine), id_of(&forged));
        replace(&mut genuine, at, &forged, from);
        genuine
    }

    /// Asserts that the check finds page `page` not bound to its scan.
    #[track_caller]
    fn assert_not_bound(document: &Document, page: usize) {
        assert!(matches!(
            check(document),
            Err(OpenError::PageNotBound { page_number, .. }) if page_number == page
        ));
    }

    #[test]
    fn every_page_of_a_rendered_artifact_shows_its_embedded_scan() {
        let document = unsealed(vec![
            scan(PageImageFormat::Png, 20),
            scan(PageImageFormat::Jpeg, 20),
        ]);
        assert_eq!(embed::extract_scans(&document).unwrap().len(), 2);
        check(&document).unwrap();
    }

    #[test]
    fn a_png_page_whose_image_was_swapped_is_not_bound_to_its_scan() {
        let forged = forge(
            vec![scan(PageImageFormat::Png, 20)],
            vec![scan(PageImageFormat::Png, 120)],
            |document| image_id(document, 1),
        );
        assert_not_bound(&forged, 1);
    }

    #[test]
    fn a_jpeg_page_whose_image_was_swapped_is_not_bound_to_its_scan() {
        let forged = forge(
            vec![
                scan(PageImageFormat::Png, 20),
                scan(PageImageFormat::Jpeg, 20),
            ],
            vec![
                scan(PageImageFormat::Png, 20),
                scan(PageImageFormat::Jpeg, 120),
            ],
            |document| image_id(document, 2),
        );
        assert_not_bound(&forged, 2);
    }

    #[test]
    fn an_embedded_scan_that_is_not_the_page_shown_is_refused() {
        let forged = forge(
            vec![scan(PageImageFormat::Png, 20)],
            vec![scan(PageImageFormat::Png, 120)],
            |document| embedded_scan_id(document, 1),
        );
        assert_not_bound(&forged, 1);
    }

    #[test]
    fn a_second_image_drawn_on_a_scan_page_is_refused() {
        let mut genuine = unsealed(vec![scan(PageImageFormat::Png, 20)]);
        let image = image_id(&genuine, 1);
        let page = genuine.get_pages()[&1];
        let mut resources = page_resources(&genuine, 1).clone();
        let mut xobjects = resolve(&genuine, resources.get(b"XObject").ok())
            .unwrap()
            .as_dict()
            .unwrap()
            .clone();
        xobjects.set("Im99", Object::Reference(image));
        resources.set("XObject", Object::Dictionary(xobjects));
        genuine
            .get_object_mut(page)
            .unwrap()
            .as_dict_mut()
            .unwrap()
            .set("Resources", Object::Dictionary(resources));
        let error = check(&genuine).unwrap_err();
        assert!(error.to_string().contains("more than one image"), "{error}");
    }
}
