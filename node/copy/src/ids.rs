//! The identifiers people and configuration files give: a commune's administrative code, a
//! kiosk's id and an official's id. Each is checked once, where it enters (a configuration
//! file, a command line, a certificate), and carried as its own type from there.

use std::fmt;
use std::str::FromStr;

/// An identifier did not have its form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a valid {what}: it must be {form}")]
pub struct InvalidId {
    /// What kind of identifier was expected.
    pub what: &'static str,
    /// The text given.
    pub given: String,
    /// The form it must have.
    pub form: &'static str,
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $what:literal, $form:literal, $valid:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// What the identifier is, for messages.
            pub const WHAT: &'static str = $what;
            /// The form it must have, for messages.
            pub const FORM: &'static str = $form;

            /// Checks `text` and makes the identifier.
            pub fn parse(text: &str) -> Result<$name, InvalidId> {
                let valid: fn(&str) -> bool = $valid;
                if valid(text) {
                    Ok($name(text.to_owned()))
                } else {
                    Err(InvalidId {
                        what: $what,
                        given: text.to_owned(),
                        form: $form,
                    })
                }
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(text: &str) -> Result<$name, InvalidId> {
                $name::parse(text)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

identifier!(
    /// A commune's (ward's) five-digit administrative code, e.g. `00001`.
    CommuneCode,
    "commune code",
    "the five-digit administrative code, e.g. \"00001\"",
    |code| code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
);

identifier!(
    /// A kiosk's id: 3–40 of A–Z, 0–9 and '-', e.g. `KIOSK-TANLAP-01`.
    KioskId,
    "kiosk id",
    "3 to 40 characters of A-Z, 0-9 and '-', e.g. \"KIOSK-TANLAP-01\"",
    |id| (3..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
);

identifier!(
    /// An official's id within their ward: 2–40 of a–z, 0–9 and '-', e.g. `tran-thi-binh`.
    OfficialId,
    "official id",
    "2 to 40 characters of a-z, 0-9 and '-', e.g. \"tran-thi-binh\"",
    |id| (2..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_accept_their_form_and_refuse_others() {
        assert_eq!(CommuneCode::parse("00001").unwrap().as_str(), "00001");
        for bad in ["0001", "000011", "0000a", ""] {
            assert!(CommuneCode::parse(bad).is_err(), "{bad}");
        }
        assert!(KioskId::parse("KIOSK-TANLAP-01").is_ok());
        for bad in ["K1", "kiosk-1", "KIOSK 1", &"K".repeat(41)] {
            assert!(KioskId::parse(bad).is_err(), "{bad}");
        }
        assert!(OfficialId::parse("tran-thi-binh").is_ok());
        for bad in ["t", "Tran", "../x", "tran_thi"] {
            assert!(OfficialId::parse(bad).is_err(), "{bad}");
        }
        let message = KioskId::parse("k").unwrap_err().to_string();
        assert!(
            message.contains("kiosk id") && message.contains("A-Z"),
            "{message}"
        );
    }

    #[test]
    fn identifiers_are_checked_when_deserialized() {
        #[derive(Debug, serde::Deserialize)]
        struct Holder {
            #[allow(dead_code)]
            code: CommuneCode,
        }
        let cbor = |text: &str| {
            let mut bytes = Vec::new();
            ciborium::into_writer(
                &ciborium::Value::Map(vec![(
                    ciborium::Value::Text("code".into()),
                    ciborium::Value::Text(text.into()),
                )]),
                &mut bytes,
            )
            .unwrap();
            bytes
        };
        assert!(ciborium::from_reader::<Holder, _>(cbor("00001").as_slice()).is_ok());
        assert!(ciborium::from_reader::<Holder, _>(cbor("1").as_slice()).is_err());
    }
}
