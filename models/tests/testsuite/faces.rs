//! Face detection on real photos (the `face_recognition` package's test images, fetched and
//! checksummed by deploy/setup.sh) and on frames with no face or several.

use crate::common;

use bansao_models::faces::{FaceCount, FaceDetector};

fn photo(name: &str) -> image::GrayImage {
    bansao_models::evaluation::read_photo(&common::photos_dir(), name)
        .unwrap_or_else(|error| panic!("{error}"))
        .to_luma8()
}

#[test]
fn one_face_is_found_in_each_portrait_and_none_in_a_document() {
    let mut detector = FaceDetector::new(40).unwrap();
    for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
        let image = photo(name);
        match detector.count(&image) {
            FaceCount::One(face) => {
                assert!(
                    face.width >= 40 && face.width <= image.width(),
                    "{name}: {face:?}"
                );
                assert!(
                    face.x >= 0 && (face.x as u32) < image.width(),
                    "{name}: {face:?}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    let document = image::load_from_memory(&common::page(&[
        "GIẤY KHAI SINH",
        "Họ và tên: Trần Thị Hoa",
    ]))
    .unwrap()
    .to_luma8();
    assert_eq!(detector.count(&document), FaceCount::None);
    assert_eq!(
        detector.count(&image::GrayImage::new(10, 10)),
        FaceCount::None
    );
}

#[test]
fn two_people_side_by_side_are_several_faces() {
    let mut detector = FaceDetector::new(40).unwrap();
    let (left, right) = (photo("obama.jpg"), photo("biden.jpg"));
    let height = left.height().max(right.height());
    let mut both =
        image::GrayImage::from_pixel(left.width() + right.width(), height, image::Luma([255]));
    image::imageops::replace(&mut both, &left, 0, 0);
    image::imageops::replace(&mut both, &right, i64::from(left.width()), 0);
    assert_eq!(detector.count(&both), FaceCount::Several(2));
}
