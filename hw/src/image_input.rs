//! Images that come from devices or files (scans, camera frames), opened defensively: only PNG
//! and JPEG, the dimensions read from the header and refused above a pixel budget *before*
//! anything is decoded (a 100-megapixel "scan" must not take the kiosk's memory), and corrupt or
//! truncated files reported as such.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// The largest image taken in: an A4 page at 600 dpi is 35 megapixels; 40 leaves margin.
pub const MAX_PIXELS: u64 = 40_000_000;

/// An image that could not be taken in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageInputError {
    /// Neither PNG nor JPEG.
    #[error("tệp không phải ảnh PNG hay JPEG (not a PNG or JPEG image)")]
    NotAnImage,
    /// Too many pixels to take in.
    #[error("ảnh quá lớn: {width}×{height} điểm (image too large; at most {MAX_PIXELS} pixels)")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The file is damaged or cut short.
    #[error("ảnh bị hỏng hoặc không đầy đủ (damaged or truncated image): {0}")]
    Damaged(String),
}

/// A decoded image and the file it came from.
#[derive(Debug, Clone)]
pub struct InputImage {
    /// The file's bytes, as stored with the copy.
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// The decoded pixels.
    pub image: image::DynamicImage,
}

impl InputImage {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// The image in grey levels, one byte a pixel, row by row.
    pub fn luma(&self) -> Vec<u8> {
        self.image.to_luma8().into_raw()
    }
}

/// Checks and decodes an image file's bytes.
pub fn open_image(bytes: Vec<u8>) -> Result<InputImage, ImageInputError> {
    let (format, media_type) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (ImageFormat::Png, "image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (ImageFormat::Jpeg, "image/jpeg")
    } else {
        return Err(ImageInputError::NotAnImage);
    };
    let reader = |bytes: &[u8]| {
        let mut reader = ImageReader::with_format(Cursor::new(bytes.to_vec()), format);
        let mut limits = Limits::default();
        limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
        reader.limits(limits);
        reader
    };
    let (width, height) = reader(&bytes)
        .into_dimensions()
        .map_err(|error| ImageInputError::Damaged(error.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageInputError::TooLarge { width, height });
    }
    let image = reader(&bytes)
        .decode()
        .map_err(|error| ImageInputError::Damaged(error.to_string()))?;
    Ok(InputImage {
        bytes,
        media_type,
        image,
    })
}
