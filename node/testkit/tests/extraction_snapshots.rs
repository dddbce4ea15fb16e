//! Snapshots of what the kiosk reads off a few drawn originals with real Tesseract: the kind,
//! then each field with its printed label and value. A change to recognition shows here as a
//! diff to read (`UPDATE_EXPECT=1 cargo test -p bansao-testkit --test extraction_snapshots`
//! rewrites them once the change is understood). Only originals of the tuning part are used.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bansao_hw::image_input::open_image;
use bansao_models::classify::classify;
use bansao_models::fields::extract;
use bansao_node::config::KioskSettings;
use bansao_node::kiosk_shell::perception::Perception;
use bansao_testkit::originals::drawn::drawn_originals_where;
use expect_test::{Expect, expect};

fn reading_of(name: &str) -> String {
    let originals = drawn_originals_where(|candidate| candidate == name).unwrap();
    let original = originals
        .first()
        .unwrap_or_else(|| panic!("no original {name}"));
    assert!(
        !original.held_out,
        "snapshots are taken on the tuning part only"
    );
    let mut perception = Perception::open(&KioskSettings::default()).unwrap();
    let image = open_image(original.pages[0].clone()).unwrap();
    let reading = perception.read_page(&image.image).unwrap();
    let pages = [reading.ocr];
    let fields = extract(&pages);
    let mut text = format!(
        "kind: {} (turned {}°)\n",
        classify(&pages, &fields).kind.code(),
        reading.turned_degrees
    );
    for (key, field) in &fields {
        text.push_str(&format!("{key} [{}] = {}\n", field.label, field.value));
    }
    text
}

fn check(name: &str, expected: Expect) {
    expected.assert_eq(&reading_of(name));
}

#[test]
fn a_birth_certificate_in_rows() {
    check(
        "khai-sinh/rows/dejavu-sans/clean/0",
        expect![[r#"
        kind: khai-sinh (turned 0°)
        dan_toc [Dân tộc] = Kinh
        dan_toc_me [Dân tộc] = Kinh
        gioi_tinh [Giới tính] = Nữ
        ho_ten [Họ, chữ đệm, tên] = Đỗ Thị Thu Hằng
        ho_ten_me [Họ, chữ đệm, tên người mẹ] = Hồ Minh Quân
        nam_sinh_me [Năm sinh] = 1978
        ngay_dang_ky [Ngày, tháng, năm đăng ký] = 15/07/2021
        ngay_sinh [Ngày, tháng, năm sinh] = 03/06/1992
        noi_dang_ky [Nơi đăng ký] = Ủy ban nhân dân xã Tân Lập
        noi_sinh [Nơi sinh] = Bệnh viện Đa khoa tỉnh Nam Định
        quoc_tich [Quốc tịch] = Việt Nam
        so_dinh_danh [Số định danh cá nhân] = 036192004417
    "#]],
    );
}

#[test]
fn a_handwritten_marriage_certificate() {
    check(
        "ket-hon/rows/dejavu-serif+hand/light/0",
        expect![[r#"
            kind: ket-hon (turned 0°)
            dan_toc_chong [Dân tộc] = Kinh
            dan_toc_vo [Dân tộc] = Tày
            ho_ten_chong [Họ, chữ đệm, tên chồng] = Lương Văn Khải
            ho_ten_vo [Họ, chữ đệm, tên vợ] = Phan Thị Mỹ Linh
            ngay_dang_ky [Ngày đăng ký] = 02/09/2020
            ngay_sinh_chong [Ngày, tháng, năm sinh] = 17/10/1985
            ngay_sinh_vo [Ngày, tháng, năm sinh] = 08/12/1999
            noi_cu_tru_chong [Nơi cư trú] = Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn
            noi_cu_tru_vo [Nơi cư trú] = Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh
            noi_dang_ky [Nơi đăng ký] = Ủy ban nhân dân xã Tân Lập
        "#]],
    );
}

/// A lightly blurred scan lost the thin strokes of its handwriting-like values to a global
/// threshold ("Lương Văn Khải" read as "ương Văn Khái", "17/10/1985" as "/7//0/19435").
#[test]
fn a_lightly_blurred_scan_keeps_its_thin_strokes() {
    let reading = reading_of("ket-hon/rows/dejavu-serif+hand/light/0");
    for line in [
        "ho_ten_chong [Họ, chữ đệm, tên chồng] = Lương Văn Khải",
        "ngay_sinh_vo [Ngày, tháng, năm sinh] = 08/12/1999",
    ] {
        assert!(reading.contains(line), "{line:?} not in\n{reading}");
    }
}

#[test]
fn a_death_certificate_on_a_damaged_scan() {
    check(
        "khai-tu/rows/dejavu-sans-condensed/medium/0",
        expect![[r#"
            kind: khai-tu (turned 0°)
            ho_ten [Họ, chữ đệm, tên người chết] = Vị Văn Sáng
            ngay_chet [Đã chết vào lúc] = 03/11/2023
            ngay_sinh [Ngày, tháng, năm sinh] = 22/04/1969
            nguyen_nhan_chet [Nguyên nhân chết] = Bệnh già
            noi_chet [Nơi chết] = Tại nhà riêng, thôn Đồng Chằm
            so [Số] = 57/2023
        "#]],
    );
}

#[test]
fn an_identity_card_on_a_damaged_scan() {
    check(
        "cccd/rows/dejavu-sans/medium/0",
        expect![[r#"
            kind: cccd (turned 0°)
            gioi_tinh [Giới tính / Sex] = Nữ
            ho_ten [Họ và tên / Full name] = ĐỖ THỊ THỦ HẰNG
            ngay_het_han [Có giá trị đến / Date of expiry] = 03/06/2032
            ngay_sinh [Ngày sinh / Date of birth] = 03/06/1992
            que_quan [Quê quán / Place of origin] = Bệnh viện Đa khoa tỉnh Nam Định
            quoc_tich [Quốc tịch / Nationality] = Việt Nam
            so [Số / No.] = 036192004417
        "#]],
    );
}
