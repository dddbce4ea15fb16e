//! The on-screen keyboard's composition model: real names and places typed key by key, the
//! tone rules one by one, the form round trip, and properties over any sequence of keys (NFC
//! always, backspace undoes a letter, nothing panics whatever the hidden field held).

use askama::Template;
use bansao_web::keyboard::{
    Key, KeyboardInput, KeyboardState, KeyboardView, MARK_KEYS, MAX_TEXT_CHARS, Pressed, SIGNS,
    Tone, press,
};
use proptest::prelude::*;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// Types `keys` from the empty text. `keys` is a small language: a letter, digit or sign is
/// itself, `_` a space, `<` backspace, `^` caps (ignored by the model), and
/// `[s]` `[f]` `[r]` `[x]` `[j]` the tones sắc huyền hỏi ngã nặng, `{â}`… a mark key.
fn typed(keys: &str) -> String {
    let mut text = String::new();
    let mut chars = keys.chars();
    while let Some(c) = chars.next() {
        let key = match c {
            '_' => Key::Space,
            '<' => Key::Backspace,
            '^' => Key::Caps,
            '[' => {
                let tone = match chars.next() {
                    Some('s') => Tone::Sac,
                    Some('f') => Tone::Huyen,
                    Some('r') => Tone::Hoi,
                    Some('x') => Tone::Nga,
                    Some('j') => Tone::Nang,
                    other => panic!("no tone {other:?}"),
                };
                assert_eq!(chars.next(), Some(']'));
                Key::Tone(tone)
            }
            '{' => {
                let mark = chars.next().unwrap();
                assert_eq!(chars.next(), Some('}'));
                Key::Mark(mark)
            }
            c => Key::Char(c),
        };
        text = press(&text, key);
    }
    text
}

#[test]
fn real_names_and_places_type_as_they_are_written() {
    let cases = [
        ("NGUYEN{Ê}[x]", "NGUYỄN"),
        ("Nguyen{ê}[x]", "Nguyễn"),
        ("Nguy[x]en{ê}", "Nguyễn"),
        ("Thuy[r]", "Thủy"),
        ("Thu[r]y", "Thủy"),
        ("Hung{ư}_Yen{ê}", "Hưng Yên"),
        ("Quang[r]_Nga[x]i", "Quảng Ngãi"),
        ("Dak{đ}{ă}[s]_Lak{ă}[s]", "Đắk Lắk"),
        ("{đ}ak{ă}[s]_Lak{ă}[s]", "đắk Lắk"),
        ("Tra{â}n[f]_Thi[j]_Hoa", "Trần Thị Hoa"),
        ("Ho{ô}[f]_Chi[s]_Minh", "Hồ Chí Minh"),
        ("Ha[f]_No{ô}i[j]", "Hà Nội"),
        ("Tha{â}n[f]_Thi[j]_Thu{ư}o{ơ}ng", "Thần Thị Thương"),
        ("Nguo{ơ}i{ư}[f]_Vie{ê}t[j]", "Người Việt"),
        ("Thanh_Hoa[s]", "Thanh Hóa"),
        ("Hoa[f]ng", "Hoàng"),
        ("Hoang[f]", "Hoàng"),
        ("Quo{ô}c[s]", "Quốc"),
        ("Huynh[f]", "Huỳnh"),
        ("Giang", "Giang"),
        ("Khuyu[r]", "Khuỷu"),
        ("ngoai[s]", "ngoái"),
        ("ru{ư}o{ơ}u[j]", "rượu"),
        ("hu{ư}u[x]", "hữu"),
        ("hieu{ê}[s]", "hiếu"),
        ("gi[f]", "gì"),
        ("gia[s]", "giá"),
        ("giua{ư}[x]", "giữa"),
        ("qua[s]", "quá"),
        ("quy[f]", "quỳ"),
        ("nguyen{ê}[x]", "nguyễn"),
        ("nguyen[x]{ê}", "nguyễn"),
        ("thuo{ơ}", "thuơ"),
        ("thuo{ơ}[r]", "thuở"),
        ("thuo{ơ}{ư}", "thươ"),
        ("toan[s]", "toán"),
        ("to[s]an", "toán"),
        ("mua[f]", "mùa"),
        ("xoan{ă}[s]", "xoắn"),
        ("So{ô}[s]_12/3,_to{ô}[r]_4", "Số 12/3, tổ 4"),
    ];
    for (keys, expected) in cases {
        assert_eq!(typed(keys), expected, "typing {keys:?}");
        assert!(is_nfc(&typed(keys)));
    }
}

#[test]
fn the_same_tone_again_removes_it_and_another_replaces_it() {
    assert_eq!(typed("hoa[s][s]"), "hoa");
    assert_eq!(typed("hoa[s][f]"), "hòa");
    assert_eq!(typed("Nguyen{ê}[x][x]"), "Nguyên");
    assert_eq!(typed("Nguyen{ê}[x][s]"), "Nguyến");
    assert_eq!(typed("ba[j][j][j]"), "bạ");
}

#[test]
fn a_vowel_mark_goes_on_the_last_letter_that_takes_it_and_comes_off_when_pressed_again() {
    assert_eq!(typed("ban{ă}"), "băn");
    assert_eq!(typed("ban{â}"), "bân");
    assert_eq!(typed("ban{â}{ă}"), "băn");
    assert_eq!(typed("ban{â}{â}"), "ban");
    assert_eq!(typed("dd{đ}"), "dđ");
    assert_eq!(typed("da[s]{â}"), "dấ");
    // No letter to take it in the last word: the key types its letter.
    assert_eq!(typed("b_{ư}"), "b ư");
    assert_eq!(typed("{đ}"), "đ");
    assert_eq!(press("b", Key::Mark('Đ')), "bĐ");
    // A marked vowel takes the tone.
    assert_eq!(typed("hoa[s]{â}"), "hoấ");
}

#[test]
fn backspace_takes_the_last_letter_and_the_syllable_keeps_its_tone() {
    assert_eq!(typed("toan[s]<"), "tóa");
    assert_eq!(typed("qua[s]<"), "qú");
    assert_eq!(typed("ha[s]<"), "h");
    assert_eq!(typed("ha[s]_<"), "há");
    assert_eq!(typed("<<"), "");
    assert_eq!(press("Hà Nội", Key::Clear), "");
}

#[test]
fn a_tone_with_no_letter_before_it_does_nothing() {
    assert_eq!(typed("[s]"), "");
    assert_eq!(typed("12[s]"), "12");
    // The tone goes on the last word even after a space or a sign.
    assert_eq!(typed("Nguyen{ê}_[x]"), "Nguyễn ");
}

#[test]
fn whatever_the_hidden_field_held_the_text_comes_back_nfc() {
    let decomposed: String = "Nguyễn".nfd().collect();
    assert_eq!(press(&decomposed, Key::Char('a')), "Nguyễna");
    // Letters Vietnamese does not write are left as they are.
    assert_eq!(press("Peña", Key::Tone(Tone::Sac)), "Peñá");
    assert_eq!(press("ñ", Key::Tone(Tone::Sac)), "ñ");
    let long = "a".repeat(MAX_TEXT_CHARS + 50);
    assert_eq!(press(&long, Key::Char('b')).chars().count(), MAX_TEXT_CHARS);
}

#[test]
fn the_form_round_trip_applies_the_key_keeps_caps_and_done_gives_the_text() {
    let input = |text: &str, caps: &str, key: &str| KeyboardInput {
        text: text.to_owned(),
        caps: caps.to_owned(),
        key: key.to_owned(),
    };
    assert_eq!(
        input("Nguyên", "", "t:nga").press(),
        Pressed::Typing(KeyboardState {
            text: "Nguyễn".to_owned(),
            caps: false,
            unknown_key: false,
        })
    );
    assert_eq!(
        input("ab", "", "caps").press(),
        Pressed::Typing(KeyboardState {
            text: "ab".to_owned(),
            caps: true,
            unknown_key: false,
        })
    );
    assert_eq!(
        input(" Hà Nội ", "1", "done").press(),
        Pressed::Done("Hà Nội".to_owned())
    );
    // A key nobody drew: the text is kept and the page says so.
    assert_eq!(
        input("Hà", "1", "c:<script>").press(),
        Pressed::Typing(KeyboardState {
            text: "Hà".to_owned(),
            caps: true,
            unknown_key: true,
        })
    );
    // The first showing of a page sends no key.
    assert!(matches!(input("", "", "").press(), Pressed::Typing(state) if !state.unknown_key));
}

#[test]
fn every_button_sends_a_value_the_keyboard_reads_back() {
    for caps in [false, true] {
        let view = KeyboardView::new(
            "/status",
            "Mã bản sao",
            &KeyboardState {
                text: String::new(),
                caps,
                unknown_key: false,
            },
            Vec::new(),
        );
        let mut ids = std::collections::BTreeSet::new();
        for key in view.rows.iter().flatten() {
            assert!(Key::parse(&key.value).is_some(), "{key:?}");
            assert!(ids.insert(key.id.clone()), "two keys are {}", key.id);
        }
        assert!(ids.contains("key-tone-nga") && ids.contains("key-mark-dd"));
        assert_eq!(
            view.rows.iter().flatten().count(),
            10 + 10 + 9 + 7 + SIGNS.len() + MARK_KEYS.len() + Tone::ALL.len() + 4
        );
    }
}

#[derive(Template)]
#[template(
    source = "{% import \"keyboard.html\" as keys %}<main>{% call keys::keyboard(view) %}{% endcall %}</main>",
    ext = "html"
)]
struct WithKeyboard {
    view: KeyboardView,
}

#[test]
fn the_partial_renders_every_key_as_a_button_of_one_form_with_the_page_s_fields() {
    let view = KeyboardView::new(
        "/status/id",
        "Mã bản sao (copy id)",
        &KeyboardState {
            text: "Hà \"Nội\"".to_owned(),
            caps: true,
            unknown_key: false,
        },
        vec![("step".to_owned(), "id".to_owned())],
    );
    let html = WithKeyboard { view }.render().unwrap();
    assert_eq!(html.matches("<form").count(), 1, "{html}");
    assert!(html.contains(r#"action="/status/id#keyboard""#), "{html}");
    assert!(
        html.contains(r#"<input type="hidden" name="step" value="id">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="text" value="Hà &#34;Nội&#34;""#),
        "the text is escaped: {html}"
    );
    assert!(html.contains(r#"name="caps" value="1""#));
    assert!(
        html.contains(r#"value="c:Q""#),
        "capitals are shown: {html}"
    );
    assert!(html.contains(r#"id="key-done""#));
    assert!(!html.contains("<script"));
}

fn any_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        4 => prop::sample::select(
            "abcdefghijklmnopqrstuvwxyzAEIOUYDQG0123456789,.-/".chars().collect::<Vec<_>>()
        )
        .prop_map(Key::Char),
        1 => Just(Key::Space),
        1 => Just(Key::Backspace),
        1 => Just(Key::Clear),
        1 => Just(Key::Caps),
        2 => prop::sample::select(MARK_KEYS.to_vec()).prop_map(Key::Mark),
        2 => prop::sample::select(Tone::ALL.to_vec()).prop_map(Key::Tone),
    ]
}

fn letter() -> impl Strategy<Value = char> {
    prop::sample::select("abcdeghiklmnopqrstuvxyAEOUY".chars().collect::<Vec<_>>())
}

proptest! {
    #[test]
    fn the_text_is_nfc_after_any_keys_from_any_text(start in ".{0,40}", keys in prop::collection::vec(any_key(), 0..60)) {
        let mut text = start;
        for key in keys {
            text = press(&text, key);
            prop_assert!(is_nfc(&text), "{text:?}");
            prop_assert!(text.chars().count() <= MAX_TEXT_CHARS);
        }
    }

    #[test]
    fn backspace_undoes_a_letter(keys in prop::collection::vec(any_key(), 0..40), letter in letter()) {
        let mut text = String::new();
        for key in keys {
            text = press(&text, key);
        }
        let with = press(&text, Key::Char(letter));
        prop_assert_eq!(press(&with, Key::Backspace), text);
    }

    #[test]
    fn no_form_input_panics(text in ".{0,400}", caps in ".{0,3}", key in ".{0,12}") {
        let pressed = KeyboardInput { text, caps, key }.press();
        let text = match pressed {
            Pressed::Typing(state) => state.text,
            Pressed::Done(text) => text,
        };
        prop_assert!(is_nfc(&text));
    }
}
