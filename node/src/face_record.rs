//! The two faces the kiosk compared — the card's portrait and the live frame's face — kept with
//! a copy whose face check an official must settle, so the review page shows them side by side.
//!
//! They travel in the copy's document as one event (kind [`FACE_IMAGES_EVENT`]) whose detail is
//! `card=<base64 JPEG>;live=<base64 JPEG>` (two 200-pixel-high crops, a few kilobytes each), so
//! they sync with the copy to the ward and the officials' laptops like its other events, with
//! no new storage. A copy the machine accepted on its own keeps no face image: the images are
//! biometric data, kept only where a person must look at them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::{DynamicImage, RgbImage};

/// The event kind.
pub const FACE_IMAGES_EVENT: &str = "face-images";
/// JPEG quality of the kept crops: enough to compare faces, small in the document.
const JPEG_QUALITY: u8 = 80;

/// Which of the two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceSide {
    /// The portrait on the identity card.
    Card,
    /// The face in the live frame the kiosk kept.
    Live,
}

impl FaceSide {
    /// Parses `card` or `live` (the review page's paths).
    pub fn parse(text: &str) -> Option<FaceSide> {
        match text {
            "card" => Some(FaceSide::Card),
            "live" => Some(FaceSide::Live),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            FaceSide::Card => "card=",
            FaceSide::Live => "live=",
        }
    }
}

fn jpeg(image: &RgbImage) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
    DynamicImage::ImageRgb8(image.clone())
        .write_with_encoder(encoder)
        .ok()?;
    Some(bytes)
}

/// The event detail for the two crops, or `None` if one cannot be encoded.
pub fn face_images_detail(card: &RgbImage, live: &RgbImage) -> Option<String> {
    Some(format!(
        "card={};live={}",
        STANDARD.encode(jpeg(card)?),
        STANDARD.encode(jpeg(live)?)
    ))
}

/// One of the two JPEGs of an event detail; `None` if the detail is not of this form or the
/// bytes are not a JPEG (the document came from elsewhere: nothing is served blindly).
pub fn face_image(detail: &str, side: FaceSide) -> Option<Vec<u8>> {
    let text = detail
        .split(';')
        .find_map(|part| part.strip_prefix(side.key()))?;
    let bytes = STANDARD.decode(text).ok()?;
    bytes.starts_with(&[0xFF, 0xD8, 0xFF]).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_images_come_back_from_the_detail_and_nothing_else_does() {
        let card = RgbImage::from_pixel(150, 200, image::Rgb([200, 180, 160]));
        let live = RgbImage::from_pixel(170, 200, image::Rgb([90, 80, 70]));
        let detail = face_images_detail(&card, &live).expect("encoded");
        for (side, width) in [(FaceSide::Card, 150), (FaceSide::Live, 170)] {
            let bytes = face_image(&detail, side).expect("an image");
            let decoded = image::load_from_memory(&bytes).expect("a JPEG");
            assert_eq!((decoded.width(), decoded.height()), (width, 200));
        }
        // Not a JPEG (a document from elsewhere): not served.
        let forged = format!("card={};live=", STANDARD.encode(b"<svg onload=alert(1)>"));
        assert_eq!(face_image(&forged, FaceSide::Card), None);
        assert_eq!(face_image(&forged, FaceSide::Live), None);
        assert_eq!(FaceSide::parse("other"), None);
    }
}
