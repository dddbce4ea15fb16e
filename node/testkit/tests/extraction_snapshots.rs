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
        dan_toc_chong [Dân tộc] = Ảnh
        dan_toc_vo [Dân tộc] = Tay
        ho_ten_chong [Họ, chữ đệm, tên chồng] = ương Văn Khái
        ho_ten_vo [Họ, chữ đêm, tên vợ] = han Thị A1 Lùnh
        ngay_dang_ky [Ngày đăng ký] = 02/10/3030
        ngay_sinh_chong [Ngay, tháng, năm sinh] = /7//0/19435
        ngay_sinh_vo [Ngày, tháng, năm sinh] = 03/03/1999
        noi_cu_tru_chong [Nơi cư trú] = Xã Yên Bình, huyện Hy lũng, tình Lạng Son
        noi_cu_tru_vo [Nơi cư trú] = Đónh viền Từ Dã. Thành phố Hồ Chỉ Minh
        noi_dang_ky [Nơi đáng ký] = LÝ bạn nhàn dân và Tân Lắp
    "#]],
    );
}

#[test]
fn a_death_certificate_on_a_damaged_scan() {
    check(
        "khai-tu/rows/dejavu-sans-condensed/medium/0",
        expect![[r#"
        kind: khai-tu (turned 0°)
        ngay_chet [Đã chết vào lúc] = 03/11/2023
        ngay_sinh [Ngày, tháng, năm sinh] = 22/04/1969
        nguyen_nhan_chet [Nguyên nhận chót] = Bệnh giá
        so [So] = 57/2023
    "#]],
    );
}

#[test]
fn an_identity_card_on_a_damaged_scan() {
    check(
        "cccd/rows/dejavu-sans/medium/0",
        expect![[r#"
        kind: cccd (turned 0°)
        date_öi_binth [Date öÍ bìnth] = 63/06/1992
        gioi_tinh [Giới tỉnh / Sex] = Nử
        ho_ten [Full name] = ĐỖ THỊ THỦ HẰNG
        ngay_het_han [Cô giả trị đền / Đate gÍ expwry] = 03/06/2032
        que_quan [Place of arigim] = Bệnh viện Đã khóa tính Nam Định
        quoc_tich [Quốc tịch CNationahty] = Việt Nam?
    "#]],
    );
}
