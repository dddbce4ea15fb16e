//! The kiosk's on-screen Vietnamese keyboard: a pure composition model (the text so far and one
//! key give the new text; no IO, no state kept anywhere but in the text) and the view a page
//! renders with the `keyboard.html` macro.
//!
//! The kiosk is a touch screen without a physical keyboard, and its pages run no script (the
//! site's Content-Security-Policy forbids it), so every key is a button of one
//! `<form method="post">`: the text travels in a hidden field, the page's handler applies the
//! key with [`KeyboardInput::press`] and renders the page again with the new text. Nothing is
//! kept on the server between two keys.
//!
//! # A page with a keyboard
//! ```text
//! // the template:  {% import "keyboard.html" as keys %} …
//! //                {% call keys::keyboard(keyboard) %}{% endcall %}
//! async fn correct(Form(form): Form<CorrectionForm>) -> Result<Response, WebError> {
//!     // CorrectionForm { field: String, #[serde(flatten)] keyboard: KeyboardInput }
//!     match form.keyboard.press() {
//!         Pressed::Typing(state) => render(KeyboardView::new(
//!             "/fields/correct", "Họ và tên (full name)", &state,
//!             vec![("field".to_owned(), form.field)],   // sent back with every key
//!         )),
//!         Pressed::Done(text) => store(form.field, text), // NFC, trimmed
//!     }
//! }
//! ```
//! `kiosk_status.rs` (`POST /status/id`) is a page built this way.
//!
//! # Composition
//! - Letters (a QWERTY layout, the layout Vietnamese phones and Unikey use), digits, a few
//!   signs, space, backspace (the last letter; the syllable keeps its tone), clear, and a caps
//!   key that stays on until pressed again (names are written in capitals on most papers).
//! - The vowel marks â ă ê ô ơ ư and đ: the mark goes on the last letter of the last word that
//!   can take it (â ă on an a, ê on an e, ô ơ on an o, ư on a u, đ on a d), replacing another
//!   mark; pressed again on a letter that has it, it comes off; with no such letter in the last
//!   word, the key types its letter. "ươ" is two keys (ư, ơ): "thuở" keeps its plain u.
//! - The five tones (sắc huyền hỏi ngã nặng) belong to the last syllable and are placed on its
//!   vowel by Vietnamese orthography ([`tone_position`]); the same tone again removes it, another
//!   replaces it; letters typed or removed afterwards move it to where it belongs
//!   ("to" + sắc + "an" is "toán").
//!
//! **Style: the traditional placement** ("hóa", "thủy", "khỏe" in open syllables; "hoàng",
//! "thuyền" in closed ones, where both styles agree). The gazetteer of administrative units the
//! recognition corrects places against writes "Hòa" 637 times and "Hoà" never, "Thủy" 122 times
//! and "Thuỷ" never, and Unikey — what officials type with — places tones so by default; a
//! corrected field then compares equal with what the commune's registers hold.
//!
//! The text is NFC after every key, whatever came in (the hidden field is the browser's, so
//! anything may come back): it is normalised first and cut to [`MAX_TEXT_CHARS`].

use unicode_normalization::UnicodeNormalization;

/// The longest text the keyboard holds (a long address is under 200 letters).
pub const MAX_TEXT_CHARS: usize = 300;

/// The signs besides letters and digits the keyboard has (addresses and numbers need them).
pub const SIGNS: [char; 4] = [',', '.', '-', '/'];

/// A vowel mark (or đ's stroke).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VowelMark {
    /// â ê ô.
    Circumflex,
    /// ă.
    Breve,
    /// ơ ư.
    Horn,
    /// đ.
    Stroke,
}

/// A tone mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Sắc (á).
    Sac,
    /// Huyền (à).
    Huyen,
    /// Hỏi (ả).
    Hoi,
    /// Ngã (ã).
    Nga,
    /// Nặng (ạ).
    Nang,
}

impl Tone {
    /// Every tone, in the order the keyboard shows them.
    pub const ALL: [Tone; 5] = [Tone::Sac, Tone::Huyen, Tone::Hoi, Tone::Nga, Tone::Nang];

    /// The combining character.
    fn combining(self) -> char {
        match self {
            Tone::Sac => '\u{301}',
            Tone::Huyen => '\u{300}',
            Tone::Hoi => '\u{309}',
            Tone::Nga => '\u{303}',
            Tone::Nang => '\u{323}',
        }
    }

    fn from_combining(mark: char) -> Option<Tone> {
        Tone::ALL.into_iter().find(|tone| tone.combining() == mark)
    }

    /// Its Vietnamese name.
    pub fn name_vi(self) -> &'static str {
        match self {
            Tone::Sac => "sắc",
            Tone::Huyen => "huyền",
            Tone::Hoi => "hỏi",
            Tone::Nga => "ngã",
            Tone::Nang => "nặng",
        }
    }

    /// The tone on an "a", as the key shows it.
    pub fn sample(self) -> char {
        compose(Letter {
            base: 'a',
            mark: None,
            tone: Some(self),
            upper: false,
        })
    }

    fn code(self) -> &'static str {
        match self {
            Tone::Sac => "sac",
            Tone::Huyen => "huyen",
            Tone::Hoi => "hoi",
            Tone::Nga => "nga",
            Tone::Nang => "nang",
        }
    }
}

/// One key of the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A letter, digit or sign, typed as it is.
    Char(char),
    /// A space.
    Space,
    /// Removes the last letter.
    Backspace,
    /// Empties the text.
    Clear,
    /// Capitals on or off.
    Caps,
    /// A vowel mark key: the letter it makes (â ă ê ô ơ ư đ).
    Mark(char),
    /// A tone.
    Tone(Tone),
}

/// The vowel mark keys, in the order the keyboard shows them.
pub const MARK_KEYS: [char; 7] = ['â', 'ă', 'ê', 'ô', 'ơ', 'ư', 'đ'];

impl Key {
    /// The key a button's value names (`c:a`, `space`, `back`, `clear`, `caps`, `m:â`,
    /// `t:sac`…), or `None` for anything else.
    pub fn parse(value: &str) -> Option<Key> {
        match value {
            "space" => return Some(Key::Space),
            "back" => return Some(Key::Backspace),
            "clear" => return Some(Key::Clear),
            "caps" => return Some(Key::Caps),
            _ => {}
        }
        let (kind, rest) = value.split_once(':')?;
        let only = |text: &str| {
            let mut chars = text.chars();
            let first = chars.next()?;
            chars.next().is_none().then_some(first)
        };
        match kind {
            "c" => only(rest)
                .filter(|c| c.is_ascii_alphanumeric() || SIGNS.contains(c))
                .map(Key::Char),
            "m" => only(&rest.nfc().collect::<String>())
                .filter(|c| MARK_KEYS.contains(&lower(*c)))
                .map(Key::Mark),
            "t" => Tone::ALL
                .into_iter()
                .find(|tone| tone.code() == rest)
                .map(Key::Tone),
            _ => None,
        }
    }

    /// The value a button of this key sends ([`Key::parse`] reads it back).
    pub fn value(self) -> String {
        match self {
            Key::Char(c) => format!("c:{c}"),
            Key::Space => "space".to_owned(),
            Key::Backspace => "back".to_owned(),
            Key::Clear => "clear".to_owned(),
            Key::Caps => "caps".to_owned(),
            Key::Mark(letter) => format!("m:{letter}"),
            Key::Tone(tone) => format!("t:{}", tone.code()),
        }
    }
}

/// A letter taken apart: its plain base (`a`…`z`), its vowel mark, its tone, its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letter {
    base: char,
    mark: Option<VowelMark>,
    tone: Option<Tone>,
    upper: bool,
}

/// `c` taken apart, when it is a Latin letter Vietnamese writes (with at most one vowel mark and
/// one tone).
fn decompose(c: char) -> Option<Letter> {
    match c {
        'đ' | 'Đ' => {
            return Some(Letter {
                base: 'd',
                mark: Some(VowelMark::Stroke),
                tone: None,
                upper: c == 'Đ',
            });
        }
        _ => {}
    }
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next()?;
    if !base.is_ascii_alphabetic() {
        return None;
    }
    let mut letter = Letter {
        base: base.to_ascii_lowercase(),
        mark: None,
        tone: None,
        upper: base.is_ascii_uppercase(),
    };
    for part in parts {
        match part {
            '\u{302}' if letter.mark.is_none() => letter.mark = Some(VowelMark::Circumflex),
            '\u{306}' if letter.mark.is_none() => letter.mark = Some(VowelMark::Breve),
            '\u{31b}' if letter.mark.is_none() => letter.mark = Some(VowelMark::Horn),
            other => match Tone::from_combining(other) {
                Some(tone) if letter.tone.is_none() => letter.tone = Some(tone),
                // Another accent (ç, ñ's tilde on a consonant is a tone here, ü…): not a letter
                // the keyboard composes; it is left as it is.
                _ => return None,
            },
        }
    }
    let vowel_mark_fits = match letter.mark {
        None => true,
        Some(VowelMark::Circumflex) => matches!(letter.base, 'a' | 'e' | 'o'),
        Some(VowelMark::Breve) => letter.base == 'a',
        Some(VowelMark::Horn) => matches!(letter.base, 'o' | 'u'),
        Some(VowelMark::Stroke) => false,
    };
    let tone_fits = letter.tone.is_none() || is_vowel(&letter);
    // ñ, ĭ, ṇ…: not letters Vietnamese writes; they are left as they are.
    (vowel_mark_fits && tone_fits).then_some(letter)
}

/// `c` in lower case (one character).
fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The character of `letter` (NFC). A combination Unicode has no single character for cannot
/// be made by the keyboard's keys; the letter is then written without its marks.
fn compose(letter: Letter) -> char {
    let base = if letter.upper {
        letter.base.to_ascii_uppercase()
    } else {
        letter.base
    };
    if letter.mark == Some(VowelMark::Stroke) {
        return if letter.upper { 'Đ' } else { 'đ' };
    }
    let mut decomposed = String::with_capacity(4);
    decomposed.push(base);
    match letter.mark {
        Some(VowelMark::Circumflex) => decomposed.push('\u{302}'),
        Some(VowelMark::Breve) => decomposed.push('\u{306}'),
        Some(VowelMark::Horn) => decomposed.push('\u{31b}'),
        Some(VowelMark::Stroke) | None => {}
    }
    if let Some(tone) = letter.tone {
        decomposed.push(tone.combining());
    }
    let mut composed = decomposed.nfc();
    match (composed.next(), composed.next()) {
        (Some(single), None) => single,
        _ => base,
    }
}

/// Whether `letter` is a vowel, marks aside (a ă â e ê i o ô ơ u ư y).
fn is_vowel(letter: &Letter) -> bool {
    matches!(letter.base, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
        && letter.mark != Some(VowelMark::Stroke)
}

/// Where the tone of a syllable goes: the index, among `letters` (the syllable's letters in
/// order), of the vowel that carries it, by the traditional placement; `None` when the syllable
/// has no vowel.
///
/// The vowels are the run after the initial consonant ("qu" and "gi" before another vowel are
/// consonants). Then: a vowel with a mark (â ă ê ô ơ ư) carries it, the last of them ("ươ": the
/// ơ); else three vowels, the middle one ("ngoái", "khuỷu"); two vowels and a final consonant,
/// the second ("hoàng", "toán"); two vowels at the end, the first ("hóa", "thủy", "mùa");
/// one vowel, that one.
fn tone_position(letters: &[Letter]) -> Option<usize> {
    let first_vowel = letters.iter().position(is_vowel)?;
    let mut start = first_vowel;
    let is_vowel_at = |index: usize| letters.get(index).is_some_and(is_vowel);
    if start > 0 {
        let before = letters[start - 1].base;
        let here = letters[start].base;
        let plain = letters[start].mark.is_none();
        if plain
            && is_vowel_at(start + 1)
            && ((before == 'q' && here == 'u') || (before == 'g' && here == 'i'))
        {
            start += 1;
        }
    }
    let end = (start..letters.len())
        .find(|&index| !is_vowel_at(index))
        .unwrap_or(letters.len());
    let vowels = start..end;
    if let Some(marked) = vowels
        .clone()
        .rev()
        .find(|&index| letters[index].mark.is_some())
    {
        return Some(marked);
    }
    match vowels.len() {
        0 => None,
        1 => Some(start),
        2 if end < letters.len() => Some(start + 1),
        2 => Some(start),
        _ => Some(start + 1),
    }
}

/// The text after `key` is pressed on `text` (made NFC and cut to [`MAX_TEXT_CHARS`] first).
/// `Key::Caps` changes nothing in the text: the caps state is the caller's.
pub fn press(text: &str, key: Key) -> String {
    let mut chars: Vec<char> = text.nfc().take(MAX_TEXT_CHARS).collect();
    match key {
        Key::Char(c) => {
            if chars.len() < MAX_TEXT_CHARS {
                chars.push(c);
                settle_tone(&mut chars);
            }
        }
        Key::Space => {
            if chars.len() < MAX_TEXT_CHARS {
                chars.push(' ');
            }
        }
        Key::Backspace => backspace(&mut chars),
        Key::Clear => chars.clear(),
        Key::Caps => {}
        Key::Mark(letter) => {
            apply_mark(&mut chars, letter);
            settle_tone(&mut chars);
        }
        Key::Tone(tone) => apply_tone(&mut chars, tone),
    }
    chars.into_iter().collect::<String>().nfc().collect()
}

/// The range of the last word's letters in `chars` (the last run of letters; empty when there
/// is none).
fn last_word(chars: &[char]) -> std::ops::Range<usize> {
    let Some(last) = chars.iter().rposition(|c| decompose(*c).is_some()) else {
        return 0..0;
    };
    let first = chars[..last]
        .iter()
        .rposition(|c| decompose(*c).is_none())
        .map_or(0, |index| index + 1);
    first..last + 1
}

/// The last word's letters and where they are, or `None` when the text has no letter.
fn last_syllable(chars: &[char]) -> Option<(std::ops::Range<usize>, Vec<Letter>)> {
    let range = last_word(chars);
    if range.is_empty() {
        return None;
    }
    let letters = chars[range.clone()]
        .iter()
        .filter_map(|c| decompose(*c))
        .collect();
    Some((range, letters))
}

/// Writes `letters` back over `range`.
fn write_back(chars: &mut [char], range: std::ops::Range<usize>, letters: &[Letter]) {
    for (slot, letter) in chars[range].iter_mut().zip(letters) {
        *slot = compose(*letter);
    }
}

/// The last syllable's tone (its first, if the text somehow had several), taken off every
/// letter.
fn take_tone(letters: &mut [Letter]) -> Option<Tone> {
    let tone = letters.iter().find_map(|letter| letter.tone);
    for letter in letters.iter_mut() {
        letter.tone = None;
    }
    tone
}

/// Puts `tone` where it belongs in `letters`; a syllable without a vowel loses it.
fn place_tone(letters: &mut [Letter], tone: Option<Tone>) {
    if let (Some(tone), Some(position)) = (tone, tone_position(letters)) {
        letters[position].tone = Some(tone);
    }
}

/// Moves the last syllable's tone to where it belongs now.
fn settle_tone(chars: &mut [char]) {
    if let Some((range, mut letters)) = last_syllable(chars) {
        let tone = take_tone(&mut letters);
        if tone.is_some() {
            place_tone(&mut letters, tone);
            write_back(chars, range, &letters);
        }
    }
}

fn backspace(chars: &mut Vec<char>) {
    let ends_in_letter = chars.last().is_some_and(|c| decompose(*c).is_some());
    if !ends_in_letter {
        chars.pop();
        return;
    }
    let Some((range, mut letters)) = last_syllable(chars) else {
        chars.pop();
        return;
    };
    let tone = take_tone(&mut letters);
    letters.pop();
    chars.truncate(range.end - 1);
    place_tone(&mut letters, tone);
    write_back(chars, range.start..range.end - 1, &letters);
}

fn apply_tone(chars: &mut [char], tone: Tone) {
    let Some((range, mut letters)) = last_syllable(chars) else {
        return;
    };
    let held = take_tone(&mut letters);
    let wanted = (held != Some(tone)).then_some(tone);
    place_tone(&mut letters, wanted);
    write_back(chars, range, &letters);
}

fn apply_mark(chars: &mut Vec<char>, key: char) {
    let upper_key = key.is_uppercase();
    let Some(Letter {
        base,
        mark: Some(mark),
        ..
    }) = decompose(lower(key))
    else {
        return;
    };
    let range = last_word(chars);
    let target = range
        .clone()
        .rev()
        .find(|&index| decompose(chars[index]).is_some_and(|letter| letter.base == base));
    match target {
        Some(index) => {
            if let Some(mut letter) = decompose(chars[index]) {
                letter.mark = if letter.mark == Some(mark) {
                    None
                } else {
                    Some(mark)
                };
                chars[index] = compose(letter);
            }
        }
        None => {
            if chars.len() < MAX_TEXT_CHARS {
                chars.push(compose(Letter {
                    base,
                    mark: Some(mark),
                    tone: None,
                    upper: upper_key,
                }));
            }
        }
    }
}

/// What the page's form sent: the text so far, whether capitals are on, and the key pressed
/// (`done` for "Xong / Done"). A page with fields of its own puts them beside these (serde's
/// `flatten` works: every field here is a string).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct KeyboardInput {
    /// The text so far (the hidden field).
    #[serde(default)]
    pub text: String,
    /// `1` when capitals are on.
    #[serde(default)]
    pub caps: String,
    /// The key pressed.
    #[serde(default)]
    pub key: String,
}

/// What a press gives the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pressed {
    /// Still typing: render the page again with this keyboard.
    Typing(KeyboardState),
    /// "Xong / Done": the text, NFC and trimmed.
    Done(String),
}

/// The keyboard between two keys: everything is in the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyboardState {
    /// The text so far.
    pub text: String,
    /// Whether capitals are on.
    pub caps: bool,
    /// A key the keyboard does not know was sent (the page says nothing was lost).
    pub unknown_key: bool,
}

impl KeyboardInput {
    /// Applies the key.
    pub fn press(&self) -> Pressed {
        let caps = self.caps == "1";
        if self.key == "done" {
            let text: String = self.text.nfc().take(MAX_TEXT_CHARS).collect();
            return Pressed::Done(text.trim().to_owned());
        }
        let (text, caps, unknown_key) = match Key::parse(&self.key) {
            Some(Key::Caps) => (press(&self.text, Key::Caps), !caps, false),
            Some(key) => (press(&self.text, key), caps, false),
            None => (normalised(&self.text), caps, !self.key.is_empty()),
        };
        Pressed::Typing(KeyboardState {
            text,
            caps,
            unknown_key,
        })
    }
}

/// `text` NFC and cut to the keyboard's length.
fn normalised(text: &str) -> String {
    text.nfc().take(MAX_TEXT_CHARS).collect()
}

/// One button of the keyboard, as the template draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyButton {
    /// What the button sends.
    pub value: String,
    /// What it shows.
    pub label: String,
    /// Its small second line (a tone's name, the English of a control key), or empty.
    pub hint: String,
    /// A class for its look (`letter`, `mark`, `tone`, `wide`, `control`).
    pub class: &'static str,
    /// Its id in the page (`key-a`, `key-tone-sac`, `key-back`…), for tests and labels.
    pub id: String,
}

/// The keyboard a page renders with the `keyboard.html` macro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyboardView {
    /// Where every key posts (the including page's action).
    pub action: String,
    /// Extra hidden fields the page needs back with every key: (name, value).
    pub hidden: Vec<(String, String)>,
    /// What the field is (e.g. "Mã bản sao"), Vietnamese first.
    pub label: String,
    /// The text so far.
    pub text: String,
    /// Whether capitals are on.
    pub caps: bool,
    /// A sentence above the keys (e.g. why the last text was refused), or empty.
    pub message: String,
    /// The rows of keys.
    pub rows: Vec<Vec<KeyButton>>,
}

/// The letter rows of the layout (QWERTY, as Vietnamese phones and Unikey have it).
const LETTER_ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

impl KeyboardView {
    /// The keyboard for `state`, posting to `action` with `hidden` fields.
    pub fn new(
        action: &str,
        label: &str,
        state: &KeyboardState,
        hidden: Vec<(String, String)>,
    ) -> KeyboardView {
        let letter = |c: char| {
            let shown = if state.caps {
                c.to_ascii_uppercase()
            } else {
                c
            };
            KeyButton {
                value: Key::Char(shown).value(),
                label: shown.to_string(),
                hint: String::new(),
                class: "letter",
                id: format!("key-{c}"),
            }
        };
        let mut rows: Vec<Vec<KeyButton>> = LETTER_ROWS
            .iter()
            .map(|row| row.chars().map(letter).collect())
            .collect();
        if let Some(last) = rows.last_mut() {
            for sign in SIGNS {
                last.push(KeyButton {
                    value: Key::Char(sign).value(),
                    label: sign.to_string(),
                    hint: String::new(),
                    class: "letter",
                    id: format!("key-sign-{}", u32::from(sign)),
                });
            }
        }
        rows.push(
            MARK_KEYS
                .iter()
                .map(|&mark| {
                    let shown = if state.caps {
                        mark.to_uppercase().next().unwrap_or(mark)
                    } else {
                        mark
                    };
                    KeyButton {
                        value: Key::Mark(shown).value(),
                        label: shown.to_string(),
                        hint: String::new(),
                        class: "mark",
                        id: format!("key-mark-{}", mark_id(mark)),
                    }
                })
                .chain(Tone::ALL.into_iter().map(|tone| KeyButton {
                    value: Key::Tone(tone).value(),
                    label: tone.sample().to_string(),
                    hint: tone.name_vi().to_owned(),
                    class: "tone",
                    id: format!("key-tone-{}", tone.code()),
                }))
                .collect(),
        );
        let control =
            |key: Key, label: &str, hint: &str, class: &'static str, id: &str| KeyButton {
                value: key.value(),
                label: label.to_owned(),
                hint: hint.to_owned(),
                class,
                id: format!("key-{id}"),
            };
        rows.push(vec![
            control(
                Key::Caps,
                if state.caps {
                    "Chữ thường"
                } else {
                    "Chữ hoa"
                },
                if state.caps { "lower case" } else { "capitals" },
                "control",
                "caps",
            ),
            control(Key::Space, "Dấu cách", "space", "wide", "space"),
            control(Key::Backspace, "Xoá lùi ⌫", "backspace", "control", "back"),
            control(Key::Clear, "Xoá hết", "clear", "control", "clear"),
        ]);
        KeyboardView {
            action: action.to_owned(),
            hidden,
            label: label.to_owned(),
            text: state.text.clone(),
            caps: state.caps,
            message: if state.unknown_key {
                "Phím không hợp lệ, chữ đã gõ vẫn còn. That key is not known; your text is kept."
                    .to_owned()
            } else {
                String::new()
            },
            rows,
        }
    }
}

/// A mark key's id in the page (ASCII).
fn mark_id(mark: char) -> &'static str {
    match mark {
        'â' => "aa",
        'ă' => "aw",
        'ê' => "ee",
        'ô' => "oo",
        'ơ' => "ow",
        'ư' => "uw",
        _ => "dd",
    }
}
