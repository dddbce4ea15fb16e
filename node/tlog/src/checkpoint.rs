//! Checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is the log's origin, the
//! tree size in decimal, the root hash in base64, and optional extension lines. The log signs
//! with [`Checkpoint::sign`]; a reader gets a [`VerifiedCheckpoint`] only from
//! [`VerifiedCheckpoint::open`], which checks the note's signatures against the keys it knows
//! for the log and the origin it expects.

use crate::hash::{Hash, MAX_TREE_SIZE, TreeHead};
use crate::note::{
    BadNoteText, MalformedNote, Note, NoteSignature, NoteSigner, NoteVerifier, NoteVerifyError,
    sign_note,
};

/// A tree head as a log states it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Checkpoint {
    /// The log's identity, e.g. `bansao.example/city-log`.
    pub origin: String,
    /// The tree size and root.
    pub head: TreeHead,
    /// Extension lines (not recommended; kept when read).
    pub extensions: Vec<String>,
}

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The bytes are not a signed note.
    #[error("not a signed note: {0}")]
    Note(#[from] MalformedNote),
    /// The note's signatures were not accepted.
    #[error(transparent)]
    Signature(#[from] NoteVerifyError),
    /// The text cannot be signed.
    #[error(transparent)]
    Text(#[from] BadNoteText),
    /// Fewer than three lines: origin, size, root hash.
    #[error("a checkpoint has an origin, a size and a root hash line")]
    TooFewLines,
    /// The origin line is empty.
    #[error("a checkpoint's origin is not empty")]
    EmptyOrigin,
    /// The origin holds a control character (a newline would make it two lines).
    #[error("the origin {0:?} holds a control character")]
    BadOrigin(String),
    /// The origin is not the log expected.
    #[error("the checkpoint is of {found:?}, not of {expected:?}")]
    OtherOrigin {
        /// The origin asked for.
        expected: String,
        /// The origin the checkpoint names.
        found: String,
    },
    /// The size line is not a decimal without leading zeroes, or is beyond 2^63.
    #[error("the tree size {0:?} is not a decimal number of at most 2^63 without leading zeroes")]
    BadSize(String),
    /// The root hash line is not canonical base64 of 32 bytes.
    #[error("the root hash {0:?} is not base64 of 32 bytes")]
    BadRootHash(String),
    /// An extension line is empty.
    #[error("a checkpoint's extension lines are not empty")]
    EmptyExtensionLine,
}

impl Checkpoint {
    /// The checkpoint of `head` by the log `origin`.
    pub fn new(origin: &str, head: TreeHead) -> Result<Checkpoint, CheckpointError> {
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            head,
            extensions: Vec::new(),
        };
        if origin.chars().any(char::is_control) {
            return Err(CheckpointError::BadOrigin(origin.to_owned()));
        }
        // What is written must read back the same.
        if Checkpoint::from_note_text(&checkpoint.note_text())? != checkpoint {
            return Err(CheckpointError::BadOrigin(origin.to_owned()));
        }
        Ok(checkpoint)
    }

    /// The note text: origin, size, base64 root hash, extension lines, each with a newline.
    pub fn note_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.head.size,
            self.head.root.to_base64()
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Reads a note text (as [`Note::text`] gives it, with its final newline).
    pub fn from_note_text(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::TooFewLines)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(size)?;
        let root =
            Hash::from_base64(root).ok_or_else(|| CheckpointError::BadRootHash(root.to_owned()))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::EmptyExtensionLine);
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            head: TreeHead { size, root },
            extensions,
        })
    }

    /// Signs the checkpoint as a note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<VerifiedCheckpoint, CheckpointError> {
        let note = sign_note(&self.note_text(), &[signer])?;
        Ok(VerifiedCheckpoint {
            checkpoint: self.clone(),
            note: note.encode(),
            signed_by: note.signatures,
        })
    }
}

fn parse_size(text: &str) -> Result<u64, CheckpointError> {
    let bad = || CheckpointError::BadSize(text.to_owned());
    let decimal = !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !decimal {
        return Err(bad());
    }
    let size: u64 = text.parse().map_err(|_| bad())?;
    if size > MAX_TREE_SIZE {
        return Err(bad());
    }
    Ok(size)
}

/// A checkpoint whose note a known key of the log signed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: String,
    signed_by: Vec<NoteSignature>,
}

impl VerifiedCheckpoint {
    /// Reads a signed checkpoint of the log `origin`, signed by at least one of `log_keys`.
    pub fn open(
        note: &[u8],
        origin: &str,
        log_keys: &[NoteVerifier],
    ) -> Result<VerifiedCheckpoint, CheckpointError> {
        let parsed = Note::parse(note)?;
        let verified = parsed.verify(log_keys)?;
        let checkpoint = Checkpoint::from_note_text(&verified.text)?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::OtherOrigin {
                expected: origin.to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(VerifiedCheckpoint {
            checkpoint,
            note: parsed.encode(),
            signed_by: verified.verified,
        })
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The tree head it states.
    pub fn head(&self) -> &TreeHead {
        &self.checkpoint.head
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.checkpoint.origin
    }

    /// The signed note, to store or pass on as it is.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The verified signatures.
    pub fn signed_by(&self) -> &[NoteSignature] {
        &self.signed_by
    }
}
