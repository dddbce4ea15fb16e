//! Signed notes (c2sp.org/signed-note) with Ed25519 keys: a text ending in a newline, a blank
//! line, then one line per signature, `— <key name> <base64(key id || signature)>`. The key id
//! is the first 4 bytes of `SHA-256(name || 0x0A || 0x01 || public key)`.
//!
//! [`Note::parse`] takes any bytes and refuses what is not a note with a [`MalformedNote`];
//! [`Note::verify`] checks the signatures of known keys: unknown keys are ignored, a known key
//! whose signature fails rejects the note, and a note no known key signed is refused. Keys are
//! written as Go's `golang.org/x/mod/sumdb/note` verifier keys, `name+<key id hex>+<base64(0x01
//! || public key)>`, so Go tools and ours read each other's.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The most signatures a note may carry (Go's limit; the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The signature type byte of Ed25519 in key ids and verifier keys.
const ED25519_SIGNATURE_TYPE: u8 = 0x01;

/// What starts a signature line: an em dash and a space.
const SIGNATURE_LINE_START: &str = "\u{2014} ";

/// A key name: non-empty, without Unicode spaces, `+` or control characters.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct NoteKeyName(String);

impl NoteKeyName {
    /// Checks `name`.
    pub fn new(name: &str) -> Result<NoteKeyName, BadKeyName> {
        let valid = !name.is_empty()
            && !name
                .chars()
                .any(|c| c.is_whitespace() || c == '+' || c.is_control());
        if valid {
            Ok(NoteKeyName(name.to_owned()))
        } else {
            Err(BadKeyName(name.to_owned()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NoteKeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key name that is empty or holds a space, a `+` or a control character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a key name: it must be non-empty, without spaces or '+'")]
pub struct BadKeyName(pub String);

/// A key id: 4 bytes that, with the key name, pick the key that signed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct NoteKeyId(pub u32);

impl NoteKeyId {
    /// The id of an Ed25519 key: `SHA-256(name || 0x0A || 0x01 || public key)[..4]`.
    pub fn of_ed25519(name: &NoteKeyName, key: &VerifyingKey) -> NoteKeyId {
        let mut hasher = Sha256::new();
        hasher.update(name.as_str().as_bytes());
        hasher.update([b'\n', ED25519_SIGNATURE_TYPE]);
        hasher.update(key.as_bytes());
        let digest = hasher.finalize();
        NoteKeyId(u32::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3],
        ]))
    }
}

impl fmt::Display for NoteKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// A known public key: who may sign notes a reader trusts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NoteVerifier {
    name: NoteKeyName,
    id: NoteKeyId,
    key: VerifyingKey,
}

/// A verifier key string that is not `name+<8 hex digits>+<base64(0x01 || 32-byte key)>` with
/// a matching key id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadVerifierKey {
    /// Not three `+`-separated parts.
    #[error("a verifier key is name+keyid+key")]
    NotThreeParts,
    /// The name is not a key name.
    #[error(transparent)]
    Name(#[from] BadKeyName),
    /// The key id is not 8 lowercase hexadecimal digits.
    #[error("the key id is not 8 lowercase hexadecimal digits")]
    BadKeyId,
    /// The key is not base64 of the Ed25519 type byte and 32 bytes of a valid public key.
    #[error("the key is not base64 of an Ed25519 public key")]
    BadKey,
    /// The key id is not the one the name and key give.
    #[error("the key id does not match the name and key")]
    KeyIdMismatch,
}

impl NoteVerifier {
    /// The verifier of Ed25519 signatures by `key` under `name`.
    pub fn ed25519(name: NoteKeyName, key: VerifyingKey) -> NoteVerifier {
        let id = NoteKeyId::of_ed25519(&name, &key);
        NoteVerifier { name, id, key }
    }

    /// Reads a verifier key string, `name+<key id hex>+<base64(0x01 || public key)>`.
    pub fn from_verifier_key(text: &str) -> Result<NoteVerifier, BadVerifierKey> {
        let (name, rest) = text.split_once('+').ok_or(BadVerifierKey::NotThreeParts)?;
        let (id_text, key_text) = rest.split_once('+').ok_or(BadVerifierKey::NotThreeParts)?;
        let name = NoteKeyName::new(name)?;
        let lowercase_hex = id_text.len() == 8
            && id_text
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        if !lowercase_hex {
            return Err(BadVerifierKey::BadKeyId);
        }
        let id = u32::from_str_radix(id_text, 16).map_err(|_| BadVerifierKey::BadKeyId)?;
        let key_bytes = BASE64
            .decode(key_text)
            .map_err(|_| BadVerifierKey::BadKey)?;
        let (&signature_type, key) = key_bytes.split_first().ok_or(BadVerifierKey::BadKey)?;
        let key: [u8; 32] = key.try_into().map_err(|_| BadVerifierKey::BadKey)?;
        if signature_type != ED25519_SIGNATURE_TYPE {
            return Err(BadVerifierKey::BadKey);
        }
        let key = VerifyingKey::from_bytes(&key).map_err(|_| BadVerifierKey::BadKey)?;
        let verifier = NoteVerifier::ed25519(name, key);
        if verifier.id != NoteKeyId(id) {
            return Err(BadVerifierKey::KeyIdMismatch);
        }
        Ok(verifier)
    }

    /// The verifier key string that [`NoteVerifier::from_verifier_key`] reads.
    pub fn verifier_key(&self) -> String {
        let mut key = vec![ED25519_SIGNATURE_TYPE];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, self.id, BASE64.encode(key))
    }

    /// The key's name.
    pub fn name(&self) -> &NoteKeyName {
        &self.name
    }

    /// The key's id.
    pub fn id(&self) -> NoteKeyId {
        self.id
    }

    /// The public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    fn verifies(&self, text: &str, signature: &[u8]) -> bool {
        let Ok(signature) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.key
            .verify_strict(text.as_bytes(), &Signature::from_bytes(&signature))
            .is_ok()
    }
}

/// Makes the Ed25519 signature of a note's text.
type SignText = Box<dyn Fn(&[u8]) -> Signature + Send + Sync>;

/// A key that signs notes. Its Debug shows the name and key id only.
pub struct NoteSigner {
    verifier: NoteVerifier,
    key: SignText,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.verifier.name)
            .field("id", &self.verifier.id)
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// Signs with `key` under `name`.
    pub fn ed25519(name: NoteKeyName, key: SigningKey) -> NoteSigner {
        let verifier = NoteVerifier::ed25519(name, key.verifying_key());
        NoteSigner {
            verifier,
            key: Box::new(move |text| key.sign(text)),
        }
    }

    /// Signs under `name` with a key held elsewhere: `sign` makes the Ed25519 signature of the
    /// raw text by the private key of `public_key` (so the private key need not leave the crate
    /// that keeps it).
    pub fn ed25519_by(
        name: NoteKeyName,
        public_key: VerifyingKey,
        sign: impl Fn(&[u8]) -> Signature + Send + Sync + 'static,
    ) -> NoteSigner {
        NoteSigner {
            verifier: NoteVerifier::ed25519(name, public_key),
            key: Box::new(sign),
        }
    }

    /// The verifier of this signer's notes.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    fn sign(&self, text: &str) -> NoteSignature {
        NoteSignature {
            name: self.verifier.name.as_str().to_owned(),
            key_id: self.verifier.id,
            signature: (self.key)(text.as_bytes()).to_bytes().to_vec(),
        }
    }
}

/// One signature line, read but not yet checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NoteSignature {
    /// The key name the line gives.
    pub name: String,
    /// The key id the line gives.
    pub key_id: NoteKeyId,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, with its newline.
    pub fn line(&self) -> String {
        let mut bytes = self.key_id.0.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!(
            "{SIGNATURE_LINE_START}{} {}\n",
            self.name,
            BASE64.encode(bytes)
        )
    }
}

/// Why bytes are not a signed note.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedNote {
    /// Not UTF-8.
    #[error("a note is UTF-8")]
    NotUtf8,
    /// A control character other than newline.
    #[error("a note holds no control characters but newlines (byte {offset})")]
    ControlCharacter {
        /// Where it is.
        offset: usize,
    },
    /// The last line does not end in a newline.
    #[error("a note ends with a newline")]
    NoFinalNewline,
    /// There is no blank line before signature lines, or no signature line after it.
    #[error("a note has a text, a blank line and at least one signature line")]
    NoSignatures,
    /// A line of the signature block is not `— <name> <base64>`.
    #[error("signature line {line} is not '— <key name> <base64 signature>'")]
    BadSignatureLine {
        /// The line's number within the signature block, from 1.
        line: usize,
    },
    /// More signatures than [`MAX_SIGNATURES`].
    #[error("a note carries at most {MAX_SIGNATURES} signatures, this one {0}")]
    TooManySignatures(usize),
}

/// Why a note's signatures were not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteVerifyError {
    /// No known key signed the note.
    #[error("no known key signed the note ({unverified} signatures by unknown keys)")]
    NoKnownSignature {
        /// How many signatures were by keys not known.
        unverified: usize,
    },
    /// A known key's signature does not verify: the note is rejected whole.
    #[error("the signature of {name} ({key_id}) does not verify")]
    InvalidSignature {
        /// The key's name.
        name: String,
        /// Its id.
        key_id: NoteKeyId,
    },
    /// Two known keys share the name and key id of a signature.
    #[error("two known keys are named {name} with id {key_id}")]
    AmbiguousKey {
        /// The name.
        name: String,
        /// The id.
        key_id: NoteKeyId,
    },
}

/// Why a text cannot be signed as a note.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadNoteText {
    /// The text does not end in a newline.
    #[error("a note's text ends with a newline")]
    NoFinalNewline,
    /// The text holds a control character other than newline.
    #[error("a note's text holds no control characters but newlines")]
    ControlCharacter,
    /// No signer was given.
    #[error("a note needs at least one signer")]
    NoSigner,
}

/// A note read from bytes: its text and its signature lines, not yet checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Note {
    /// The text, with its final newline.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

/// A note that at least one known key signed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedNote {
    /// The text, with its final newline.
    pub text: String,
    /// The signatures by known keys (each key once), all valid.
    pub verified: Vec<NoteSignature>,
    /// The signatures by keys not known, kept for passing on (each once).
    pub unverified: Vec<NoteSignature>,
}

fn control_character_at(text: &str) -> Option<usize> {
    text.bytes().position(|byte| byte < 0x20 && byte != b'\n')
}

impl Note {
    /// Reads a signed note from any bytes.
    pub fn parse(bytes: &[u8]) -> Result<Note, MalformedNote> {
        let message = std::str::from_utf8(bytes).map_err(|_| MalformedNote::NotUtf8)?;
        if let Some(offset) = control_character_at(message) {
            return Err(MalformedNote::ControlCharacter { offset });
        }
        if !message.ends_with('\n') {
            return Err(MalformedNote::NoFinalNewline);
        }
        let split = message.rfind("\n\n").ok_or(MalformedNote::NoSignatures)?;
        let (text, block) = (&message[..=split], &message[split + 2..]);
        if block.is_empty() {
            return Err(MalformedNote::NoSignatures);
        }
        let lines: Vec<&str> = block[..block.len() - 1].split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(MalformedNote::TooManySignatures(lines.len()));
        }
        let signatures = lines
            .iter()
            .enumerate()
            .map(|(position, line)| {
                parse_signature_line(line)
                    .ok_or(MalformedNote::BadSignatureLine { line: position + 1 })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note as bytes to send: the text, a blank line, the signature lines.
    pub fn encode(&self) -> String {
        let mut note = self.text.clone();
        note.push('\n');
        for signature in &self.signatures {
            note.push_str(&signature.line());
        }
        note
    }

    /// Checks the signatures of the `known` keys.
    pub fn verify(&self, known: &[NoteVerifier]) -> Result<VerifiedNote, NoteVerifyError> {
        let mut verified: Vec<NoteSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for signature in &self.signatures {
            let mut matching = known.iter().filter(|verifier| {
                verifier.name.as_str() == signature.name && verifier.id == signature.key_id
            });
            let Some(verifier) = matching.next() else {
                if !unverified.contains(signature) {
                    unverified.push(signature.clone());
                }
                continue;
            };
            if matching.next().is_some() {
                return Err(NoteVerifyError::AmbiguousKey {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                });
            }
            if !verifier.verifies(&self.text, &signature.signature) {
                return Err(NoteVerifyError::InvalidSignature {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                });
            }
            let already = verified
                .iter()
                .any(|held| held.name == signature.name && held.key_id == signature.key_id);
            if !already {
                verified.push(signature.clone());
            }
        }
        if verified.is_empty() {
            return Err(NoteVerifyError::NoKnownSignature {
                unverified: unverified.len(),
            });
        }
        Ok(VerifiedNote {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }
}

/// `— <name> <base64(key id || signature)>`, without its newline.
fn parse_signature_line(line: &str) -> Option<NoteSignature> {
    let rest = line.strip_prefix(SIGNATURE_LINE_START)?;
    let (name, encoded) = rest.split_once(' ')?;
    NoteKeyName::new(name).ok()?;
    let bytes = BASE64.decode(encoded).ok()?;
    if bytes.len() < 5 {
        return None;
    }
    let (id, signature) = bytes.split_at(4);
    Some(NoteSignature {
        name: name.to_owned(),
        key_id: NoteKeyId(u32::from_be_bytes(id.try_into().ok()?)),
        signature: signature.to_vec(),
    })
}

/// Signs `text` with each signer and returns the note.
pub fn sign_note(text: &str, signers: &[&NoteSigner]) -> Result<Note, BadNoteText> {
    if !text.ends_with('\n') {
        return Err(BadNoteText::NoFinalNewline);
    }
    if control_character_at(text).is_some() {
        return Err(BadNoteText::ControlCharacter);
    }
    if signers.is_empty() {
        return Err(BadNoteText::NoSigner);
    }
    Ok(Note {
        text: text.to_owned(),
        signatures: signers.iter().map(|signer| signer.sign(text)).collect(),
    })
}
